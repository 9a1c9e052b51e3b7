// RS256 tokens and their JWKS document: a client's JOSE library verifies the mock's tokens with the key
// set it fetches; the mock takes only tokens signed with its own key, never HS256 ones; a key file gives
// instances one key. With HS256, the default, there is no key set to publish.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { MockApp } from '../src/app.js';
import { startMock, type RunningMock } from '../src/index.js';
import { API_VERSION, assertCintError, makeApp, projectsUrl, tokenFor } from './helpers.js';

const JWKS_PATH = '/.well-known/jwks.json';
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  client_id: 'hand-made', iss: 'cint-mock', aud: 'https://api.luc.id', iat: now(), exp: now() + 3600, ...extra,
});

const listWith = (app: MockApp, token: string) => app.inject({
  method: 'GET', url: projectsUrl(), headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION },
});

/** A token from the token endpoint, over the socket as a client gets it. */
async function tokenOverSocket(mock: RunningMock, clientId: string): Promise<string> {
  const response = await fetch(`${mock.url}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: 's3cret', grant_type: 'client_credentials', audience: 'https://api.luc.id' }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** What a client's JOSE library does: fetch the mock's key set, then check signature, issuer and audience. */
const verifyWithJose = (mock: RunningMock, token: string) => jwtVerify(token, createRemoteJWKSet(new URL(JWKS_PATH, mock.url)), {
  issuer: 'cint-mock', audience: 'https://api.luc.id', algorithms: ['RS256'],
});

describe('RS256 tokens (tokenAlgorithm: RS256)', () => {
  let mock: RunningMock;
  let other: RunningMock;
  before(async () => {
    [mock, other] = await Promise.all([
      startMock({ tokenAlgorithm: 'RS256', watchScenarios: false }),
      startMock({ tokenAlgorithm: 'RS256', watchScenarios: false }),
    ]);
  });
  after(() => Promise.all([mock.close(), other.close()]));

  it('a token from the token endpoint verifies with jose against the JWKS, and lists projects', async () => {
    const token = await tokenOverSocket(mock, 'jose-client');
    const { payload, protectedHeader } = await verifyWithJose(mock, token);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(protectedHeader.kid, mock.config.jwtKey!.kid);
    assert.equal(payload.client_id, 'jose-client');
    assert.equal(payload.aud, 'https://api.luc.id');

    const projects = await fetch(`${mock.url}${projectsUrl()}`, { headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION } });
    assert.equal(projects.status, 200, await projects.text());
  });

  it('the JWKS document holds the public key alone, named by its RFC 7638 thumbprint, with no token needed', async () => {
    const response = await fetch(`${mock.url}${JWKS_PATH}`);
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^application\/json/);
    assert.match(String(response.headers.get('traceparent')), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    assert.equal(keys.length, 1);
    const [key] = keys as [Record<string, string>];
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'], 'no private parameters (d, p, q, …)');
    assert.deepEqual({ kty: key.kty, alg: key.alg, use: key.use, e: key.e }, { kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    assert.equal(Buffer.from(key.n!, 'base64url').length * 8, 2048);
    assert.equal(key.kid, await calculateJwkThumbprint({ kty: 'RSA', n: key.n!, e: key.e! }));
    assert.notEqual(key.kid, other.config.jwtKey!.kid, 'each instance a key of its own');
  });

  it('mock.token() (the programmatic API) signs RS256 too', async () => {
    const token = mock.token('programmatic', { accounts: [101] });
    assert.equal(decodeProtectedHeader(token).kid, mock.config.jwtKey!.kid);
    const { payload } = await verifyWithJose(mock, token);
    assert.deepEqual(payload.accounts, [101]);
    assert.equal((await listWith(mock.app, token)).statusCode, 200);
  });

  it('a token of another RS256 instance is 401 in Cint\'s envelope, and jose finds no key for it either', async () => {
    const foreign = await tokenOverSocket(other, 'elsewhere');
    assertCintError(await listWith(mock.app, foreign), 401, 'authorization_error', { detail: 'the bearer token signature is invalid' });
    await assert.rejects(verifyWithJose(mock, foreign), joseErrors.JWKSNoMatchingKey);
  });

  it('an HS256 token is refused whatever its secret, the instance\'s public key used as one included', async () => {
    const { kid, publicKey, jwk } = mock.config.jwtKey!;
    // The secrets a forger would try: the public key (PEM and modulus) is the classic algorithm confusion.
    for (const secret of [publicKey, jwk.n, mock.config.jwtSecret, 'a-key-the-mock-has-never-seen-0123456789']) {
      const forged = createSigner({ key: secret, algorithm: 'HS256', kid })(claims({ client_id: 'forger' }));
      assertCintError(await listWith(mock.app, forged), 401, 'authorization_error', {
        detail: 'the bearer token must be signed with RS256, as this server\'s tokens are',
      });
    }
    const unsigned = createSigner({ algorithm: 'none' })(claims({ client_id: 'unsigned' }));
    assertCintError(await listWith(mock.app, unsigned), 401, 'authorization_error');
  });

  it('still checks iss, aud, exp, nbf and iat on tokens signed with the instance\'s key', async () => {
    const sign = createSigner({ key: mock.config.jwtKey!.privateKey, algorithm: 'RS256', kid: mock.config.jwtKey!.kid });
    assert.equal((await listWith(mock.app, sign(claims()))).statusCode, 200);
    const refused: [Record<string, unknown>, string][] = [
      [claims({ iss: 'https://auth.example.com/' }), 'the bearer token was not issued by this server (iss)'],
      [claims({ aud: 'https://api.example.com' }), 'the bearer token is not for this API (aud must be one of https://api.luc.id, https://api.cint.com)'],
      [claims({ iat: now() - 7200, exp: now() - 3600 }), 'the bearer token has expired; request a new one'],
      [claims({ nbf: now() + 120 }), 'the bearer token is not valid yet'],
      [claims({ iat: now() + 120 }), 'the bearer token was issued in the future (iat)'],
    ];
    for (const [payload, detail] of refused) {
      assertCintError(await listWith(mock.app, sign(payload)), 401, 'authorization_error', { detail });
    }
  });
});

describe('a configured private key (jwtPrivateKeyFile)', () => {
  let dir: string;
  let first: RunningMock;
  let second: RunningMock;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cint-mock-jwks-'));
    const file = join(dir, 'signing-key.pem');
    // PKCS#1 (`BEGIN RSA PRIVATE KEY`), as openssl genrsa writes it; PKCS#8 is read too.
    writeFileSync(file, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }));
    [first, second] = await Promise.all([
      startMock({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: file, watchScenarios: false }),
      startMock({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: file, watchScenarios: false }),
    ]);
  });
  after(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives two instances (or one and its restart) the same key set, so each takes the other\'s tokens', async () => {
    const [firstKeys, secondKeys] = await Promise.all([first, second].map(async (mock) => (await fetch(`${mock.url}${JWKS_PATH}`)).json()));
    assert.deepEqual(firstKeys, secondKeys);
    const token = await tokenOverSocket(first, 'restarted');
    assert.equal((await listWith(second.app, token)).statusCode, 200);
    const { protectedHeader } = await verifyWithJose(second, token);
    assert.equal(protectedHeader.kid, second.config.jwtKey!.kid);
  });
});

describe('HS256, the default', () => {
  let app: MockApp;
  let other: MockApp;
  before(async () => { [app, other] = await Promise.all([makeApp({ watchScenarios: false }), makeApp({ watchScenarios: false })]); });
  after(() => Promise.all([app.close(), other.close()]));

  it('makes no RSA key, and the JWKS path is 404 in Cint\'s envelope like any unknown route', async () => {
    assert.equal(app.mock.config.jwtKey, undefined);
    const response = await app.inject({ method: 'GET', url: JWKS_PATH });
    assertCintError(response, 404, 'not_found_error', { detail: `no route matches GET ${JWKS_PATH}` });
  });

  it('signs HS256 with no kid', async () => {
    assert.deepEqual(decodeProtectedHeader(await tokenFor(app, 'plain')), { alg: 'HS256', typ: 'JWT' });
  });

  it('two instances never take each other\'s tokens', async () => {
    assertCintError(await listWith(other, await tokenFor(app, 'wanderer')), 401, 'authorization_error', {
      detail: 'the bearer token signature is invalid',
    });
    assertCintError(await listWith(app, await tokenFor(other, 'wanderer')), 401, 'authorization_error');
  });

  it('an RS256 token, even one signed by another mock, is refused for its algorithm', async () => {
    const rsa = await makeApp({ tokenAlgorithm: 'RS256', watchScenarios: false });
    try {
      assertCintError(await listWith(app, await tokenFor(rsa, 'mixed')), 401, 'authorization_error', {
        detail: 'the bearer token must be signed with HS256, as this server\'s tokens are',
      });
    } finally {
      await rsa.close();
    }
  });
});
