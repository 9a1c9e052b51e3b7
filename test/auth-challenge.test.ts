// WWW-Authenticate on every 401 (RFC 6750 §3): plain `Bearer` for a request without a bearer token,
// `Bearer error="invalid_token", error_description="…"` for a token refused; the mock's own 401s, the
// scripted ones (a rule's own header wins) and the admin API's. A request that passes has none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { API_VERSION, assertCintError, clientOf, makeApp, nowSeconds, projectsUrl, signWith } from './helpers.js';

const invalidToken = (description: string) => `Bearer error="invalid_token", error_description="${description}"`;
const listWith = (app: MockApp, headers: Record<string, string>) =>
  app.inject({ method: 'GET', url: projectsUrl(), headers: { 'cint-api-version': API_VERSION, ...headers } });

function assertChallenge(response: LightMyRequestResponse, challenge: string, detail: string) {
  assertCintError(response, 401, 'authorization_error', { detail });
  assert.equal(response.headers['www-authenticate'], challenge);
}

describe('WWW-Authenticate on the authentication hook\'s 401s', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  it('no Authorization header: plain Bearer', async () => {
    assertChallenge(await listWith(app, {}), 'Bearer', 'no valid authorization provided for this operation');
  });

  it('another scheme is no bearer token: plain Bearer', async () => {
    assertChallenge(await listWith(app, { authorization: 'Basic YWNtZTpzZWNyZXQ=' }), 'Bearer', "the Authorization header must be 'Bearer <token>'");
  });

  it('a malformed, forged or expired token: invalid_token with a short description', async () => {
    assertChallenge(await listWith(app, { authorization: 'Bearer not-a-jwt' }), invalidToken('the bearer token is malformed'), 'the bearer token is malformed');
    const forged = signWith('a-key-the-mock-has-never-seen-0123456789', { client_id: 'forger', exp: nowSeconds() + 3600 });
    assertChallenge(await listWith(app, { authorization: `Bearer ${forged}` }), invalidToken('the bearer token signature is invalid'), 'the bearer token signature is invalid');
    const expired = signWith(app.mock.config.jwtSecret, { client_id: 'late', iss: 'cint-mock', aud: 'https://api.luc.id', iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    assertChallenge(await listWith(app, { authorization: `Bearer ${expired}` }), invalidToken('the bearer token has expired; request a new one'),
      'the bearer token has expired; request a new one');
  });

  it('an S2S operation without its API key: plain Bearer', async () => {
    const response = await app.inject({ method: 'GET', url: '/fulfillment/respondents/6780395e-94fa-1eb7-612c-d2e19af42758' });
    assertChallenge(response, 'Bearer', 'no API key provided for this operation: send it in the Authorization header');
  });

  it('a request that passes, and a 403, carry none', async () => {
    const client = await clientOf(app, undefined, [101]);
    const listed = await listWith(app, client.headers());
    assert.equal(listed.statusCode, 200, listed.body);
    assert.equal(listed.headers['www-authenticate'], undefined);
    const other = await app.inject({ method: 'GET', url: projectsUrl(202), headers: client.headers() });
    assert.equal(other.statusCode, 403, other.body);
    assert.equal(other.headers['www-authenticate'], undefined);
  });
});

describe('WWW-Authenticate on scripted 401s', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  const script = async (clientId: string, scenario: unknown) => {
    const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${clientId}/scenario`, payload: { scenario } });
    assert.equal(chosen.statusCode, 200, chosen.body);
  };

  it('the built-in expired-token scenario\'s 401 refuses the token for its detail', async () => {
    const client = await clientOf(app);
    await script(client.clientId, 'expired-token');
    const responses = [];
    for (let i = 0; i < 4; i += 1) responses.push(await listWith(app, client.headers()));
    assert.deepEqual(responses.map((response) => response.statusCode), [200, 200, 401, 200]);
    assertChallenge(responses[2]!, invalidToken('the bearer token has expired; request a new one'), 'the bearer token has expired; request a new one');
    for (const response of [responses[0]!, responses[3]!]) assert.equal(response.headers['www-authenticate'], undefined);
  });

  it('Prefer: code=401 gets the default detail as its description', async () => {
    const client = await clientOf(app);
    const response = await listWith(app, client.headers({ prefer: 'code=401' }));
    assertChallenge(response, invalidToken('no valid authorization provided for this operation'), 'no valid authorization provided for this operation');
  });

  it('a rule\'s detail is made ASCII and quote-safe in the header; the body keeps it as written', async () => {
    const client = await clientOf(app);
    const detail = 'the "session" token\\key was revoked — ask again';
    await script(client.clientId, { rules: [{ match: { operation: '*' }, respond: { status: 401, body: { detail } } }] });
    const response = await listWith(app, client.headers());
    assertChallenge(response, invalidToken("the 'session' token/key was revoked ask again"), detail);
  });

  it('a rule\'s own WWW-Authenticate wins over the default', async () => {
    const client = await clientOf(app);
    const own = 'Bearer realm="cint", error="invalid_token"';
    await script(client.clientId, { rules: [{ match: { operation: '*' }, respond: { status: 401, headers: { 'WWW-Authenticate': own } } }] });
    const response = await listWith(app, client.headers());
    assertChallenge(response, own, 'no valid authorization provided for this operation');
  });
});

describe('WWW-Authenticate on the admin API\'s 401', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ adminToken: 'admin-secret', watchScenarios: false }); });
  after(() => app.close());
  const detail = "the admin API needs Authorization: Bearer <admin token> (CINT_MOCK_ADMIN_TOKEN), or a client's own token for its own sessions";
  const sessions = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/__admin/sessions', headers });

  it('no token, or another scheme: plain Bearer', async () => {
    assertChallenge(await sessions(), 'Bearer', detail);
    assertChallenge(await sessions({ authorization: 'admin-secret' }), 'Bearer', detail);
  });

  it('a token that is neither the admin token nor a client\'s: invalid_token saying why', async () => {
    assertChallenge(await sessions({ authorization: 'Bearer wrong-secret' }), invalidToken('the bearer token is malformed'), detail);
    const expired = signWith(app.mock.config.jwtSecret, { client_id: 'late', iss: 'cint-mock', aud: 'https://api.luc.id', iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    assertChallenge(await sessions({ authorization: `Bearer ${expired}` }), invalidToken('the bearer token has expired; request a new one'), detail);
  });

  it('the admin token passes with none', async () => {
    const response = await sessions({ authorization: 'Bearer admin-secret' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['www-authenticate'], undefined);
  });
});

describe('WWW-Authenticate with auth off: a scripted 401 to a request without a token is plain Bearer', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ authMode: 'off', watchScenarios: false }); });
  after(() => app.close());

  it('Prefer: code=401', async () => {
    assertChallenge(await listWith(app, { prefer: 'code=401' }), 'Bearer', 'no valid authorization provided for this operation');
  });
});
