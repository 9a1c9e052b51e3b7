// /oauth/token's answers as OAuth clients read them (RFC 6749 §5.1, §5.2) and Cint's envelope parsers
// do (decision 18): every error, the framework's own included, is Cint's envelope with OAuth's `error`
// and `error_description`; a token is sent with Cache-Control: no-store; a client that authenticated
// with HTTP Basic is challenged with Basic, one that sent its secret in the body is not.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { API_VERSION, ACCOUNT, assertCintError, makeApp, projectsUrl } from './helpers.js';

const GRANT = { client_id: 'acme', client_secret: 'anything', grant_type: 'client_credentials', audience: 'https://api.cint.com' };
const BOTH_TYPES = "'application/json' or 'application/x-www-form-urlencoded'";
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('/oauth/token errors carry OAuth\'s error and error_description in Cint\'s envelope', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ bodyLimitBytes: 1024, watchScenarios: false }); });
  after(() => app.close());

  const post = (headers: Record<string, string>, payload: string | Buffer) => app.inject({ method: 'POST', url: '/oauth/token', headers, payload });

  it('malformed JSON is 400 invalid_request naming the body', async () => {
    const response = await post({ 'content-type': 'application/json' }, '{"grant_type": "client_credentials",');
    assertCintError(response, 400, 'bad_request_error', {
      detail: 'the request body is not valid JSON', invalid_params: [{ name: 'body', reason: /^the request body is not valid JSON/ }], oauth: 'invalid_request',
    });
  });

  it('a text/plain body is 415 invalid_request naming both media types the endpoint reads', async () => {
    const response = await post({ 'content-type': 'text/plain' }, 'grant_type=client_credentials');
    assertCintError(response, 415, 'unsupported_media_type_error', {
      detail: `The 'Content-Type' header is incorrectly set 'text/plain'; use ${BOTH_TYPES}`, oauth: 'invalid_request',
    });
  });

  it('a gzipped body is 415 invalid_request with Accept-Encoding: identity', async () => {
    const response = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify(GRANT)));
    assertCintError(response, 415, 'unsupported_media_type_error', {
      detail: "The 'Content-Encoding' header is set to 'gzip'; send the request body uncompressed, with no 'Content-Encoding' or 'identity'", oauth: 'invalid_request',
    });
    assert.equal(response.headers['accept-encoding'], 'identity');
  });

  it('a body over the limit is 413 invalid_request', async () => {
    const response = await post({ 'content-type': 'application/json' }, JSON.stringify({ ...GRANT, padding: 'x'.repeat(2048) }));
    assertCintError(response, 413, 'content_too_large_error', {
      detail: 'the request body is larger than the 1024 bytes the server accepts', oauth: 'invalid_request',
    });
  });

  it('GET /oauth/token is 405 invalid_request with Allow: POST', async () => {
    const response = await app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials' });
    assertCintError(response, 405, 'method_not_allowed_error', { detail: '/oauth/token does not take GET; it takes POST', oauth: 'invalid_request' });
    assert.equal(response.headers.allow, 'POST');
  });

  it('a 405 elsewhere stays the plain envelope', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/__admin/health' });
    assertCintError(response, 405, 'method_not_allowed_error', { detail: '/__admin/health does not take DELETE; it takes GET, HEAD' });
  });

  it('no body, an empty JSON object and an empty form are 400 invalid_request: grant_type is missing, not unsupported', async () => {
    const detail = "grant_type is required: send 'client_credentials'";
    for (const response of [
      await app.inject({ method: 'POST', url: '/oauth/token' }),
      await post({ 'content-type': 'application/json' }, ''),
      await post({ 'content-type': 'application/json' }, '{}'),
      await post({ 'content-type': 'application/x-www-form-urlencoded' }, ''),
      await post({ 'content-type': 'application/json' }, JSON.stringify({ client_id: 'acme', client_secret: 's', grant_type: '' })),
    ]) {
      assertCintError(response, 400, 'bad_request_error', { detail, oauth: 'invalid_request' });
    }
  });

  it('a token request without client_secret (left out, empty, not a string) is 400 invalid_request naming it, clients configured or not', async () => {
    const { client_secret: _secret, ...noSecret } = GRANT;
    for (const response of [
      await post({ 'content-type': 'application/json' }, JSON.stringify(noSecret)),
      await post({ 'content-type': 'application/json' }, JSON.stringify({ ...GRANT, client_secret: '' })),
      await post({ 'content-type': 'application/json' }, JSON.stringify({ ...GRANT, client_secret: 42 })),
      await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'client_id=acme&grant_type=client_credentials'),
      await post({ 'content-type': 'application/json', authorization: basic('acme', '') }, JSON.stringify({ grant_type: 'client_credentials' })),
    ]) {
      assertCintError(response, 400, 'bad_request_error', { detail: 'client_secret is required', oauth: 'invalid_request' });
    }
    const configured = await makeApp({ clients: [{ client_id: 'acme', client_secret: 's3cret-value' }] });
    try {
      const refused = await configured.inject({ method: 'POST', url: '/oauth/token', payload: noSecret });
      assertCintError(refused, 400, 'bad_request_error', { detail: 'client_secret is required', oauth: 'invalid_request' });
    } finally {
      await configured.close();
    }
  });

  it('a body that is not an object is 400 invalid_request', async () => {
    for (const payload of ['[]', '"client_credentials"', '42']) {
      assertCintError(await post({ 'content-type': 'application/json' }, payload), 400, 'bad_request_error', {
        detail: "the request body must be a JSON object or a form of the token request's parameters", oauth: 'invalid_request',
      });
    }
  });

  it('a grant_type sent that is not client_credentials stays 400 unsupported_grant_type', async () => {
    const response = await post({ 'content-type': 'application/json' }, JSON.stringify({ ...GRANT, grant_type: 'password' }));
    assertCintError(response, 400, 'bad_request_error', { detail: 'grant_type must be \'client_credentials\', got "password"', oauth: 'unsupported_grant_type' });
  });
});

describe('/oauth/token\'s token answer is not to be cached (RFC 6749 §5.1)', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  it('a token, asked for in JSON or in a form, comes with Cache-Control: no-store and Pragma: no-cache', async () => {
    for (const response of [
      await app.inject({ method: 'POST', url: '/oauth/token', payload: GRANT }),
      await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(GRANT).toString() }),
    ]) {
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers.pragma, 'no-cache');
      assert.deepEqual(Object.keys(response.json()).sort(), ['access_token', 'expires_in', 'token_type']);
    }
  });
});

describe('/oauth/token client authentication: in the body or with HTTP Basic (RFC 6749 §2.3.1)', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ clients: [{ client_id: 'acme', client_secret: 's3cret:value', accounts: [ACCOUNT] }], watchScenarios: false }); });
  after(() => app.close());

  const grant = (headers: Record<string, string>, payload: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(payload).toString() });

  it('a wrong secret in the body is 401 access_denied without WWW-Authenticate', async () => {
    const response = await grant({}, { grant_type: 'client_credentials', client_id: 'acme', client_secret: 'wrong' });
    assertCintError(response, 401, 'authorization_error', { detail: 'Unauthorized', oauth: 'access_denied' });
    assert.equal(response.headers['www-authenticate'], undefined);
  });

  it('a wrong secret with HTTP Basic is 401 access_denied with WWW-Authenticate: Basic', async () => {
    for (const authorization of [basic('acme', 'wrong'), basic('stranger', 's3cret:value')]) {
      const response = await grant({ authorization }, { grant_type: 'client_credentials' });
      assertCintError(response, 401, 'authorization_error', { detail: 'Unauthorized', oauth: 'access_denied' });
      assert.equal(response.headers['www-authenticate'], 'Basic realm="cint-mock"');
    }
  });

  it('the right secret with HTTP Basic (its parts form-encoded) gets a token for that client', async () => {
    const response = await grant({ authorization: basic('acme', encodeURIComponent('s3cret:value')) }, { grant_type: 'client_credentials', client_id: 'acme' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: { authorization: `Bearer ${response.json().access_token}`, 'cint-api-version': API_VERSION } });
    assert.equal(listed.statusCode, 200, listed.body);
  });

  it('Basic credentials that are not client_id:secret, or sent beside a secret in the body, are 400 invalid_request', async () => {
    assertCintError(await grant({ authorization: 'Basic !!!' }, { grant_type: 'client_credentials' }), 400, 'bad_request_error', {
      detail: "the Authorization header must be 'Basic <base64 of client_id:client_secret>'", oauth: 'invalid_request',
    });
    assertCintError(await grant({ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, { grant_type: 'client_credentials' }), 400, 'bad_request_error', {
      detail: "the Authorization header must be 'Basic <base64 of client_id:client_secret>'", oauth: 'invalid_request',
    });
    const both = await grant({ authorization: basic('acme', 's3cret%3Avalue') }, { grant_type: 'client_credentials', client_id: 'acme', client_secret: 's3cret:value' });
    assertCintError(both, 400, 'bad_request_error', {
      detail: 'the client authenticates one way only: client_id and client_secret in the Authorization header or in the body, not both', oauth: 'invalid_request',
    });
    assert.equal(both.headers['www-authenticate'], undefined);
  });
});
