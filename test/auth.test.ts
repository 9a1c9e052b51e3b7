import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSigner } from 'fast-jwt';
import type { MockApp } from '../src/app.js';
import {
  API_VERSION, ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, nowSeconds, projectsUrl, signWith,
} from './helpers.js';

const FOREIGN_SECRET = 'a-key-the-mock-has-never-seen-0123456789';
const now = nowSeconds;

const listWith = (app: MockApp, authorization: string | undefined, account = ACCOUNT) => app.inject({
  method: 'GET', url: projectsUrl(account),
  headers: { 'cint-api-version': API_VERSION, ...(authorization === undefined ? {} : { authorization }) },
});

describe('POST /oauth/token', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('issues a bearer token for the client-credentials grant', async () => {
    const response = await app.inject({
      method: 'POST', url: '/oauth/token',
      payload: { client_id: 'acme', client_secret: 'anything', grant_type: 'client_credentials', audience: 'https://api.cint.com' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(body.expires_in, 86400);
    assert.equal(body.token_type, 'Bearer');
    assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal((await listWith(app, `Bearer ${body.access_token}`)).statusCode, 200);
  });

  it('accepts the form-urlencoded body OAuth clients send', async () => {
    const response = await app.inject({
      method: 'POST', url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'client_id=acme&client_secret=anything&grant_type=client_credentials&audience=https%3A%2F%2Fapi.cint.com',
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().token_type, 'Bearer');
    assert.equal((await listWith(app, `Bearer ${response.json().access_token}`)).statusCode, 200);
  });

  it('a wrong grant_type is 400', async () => {
    const response = await app.inject({
      method: 'POST', url: '/oauth/token', payload: { client_id: 'acme', client_secret: 'anything', grant_type: 'password' },
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().error, 'unsupported_grant_type');
    assert.equal(response.json().object, 'bad_request_error');
  });

  it('a client id over 128 characters is 400 invalid_request; one of 128, whose session the admin API reads by name, gets a token', async () => {
    const token = (clientId: string) => app.inject({ method: 'POST', url: '/oauth/token', payload: { client_id: clientId, client_secret: 'x', grant_type: 'client_credentials' } });
    const long = await token('c'.repeat(129));
    assert.equal(long.statusCode, 400, long.body);
    assert.deepEqual([long.json().object, long.json().error, long.json().error_description], ['bad_request_error', 'invalid_request', 'client_id must be at most 128 characters']);
    const longest = 'c'.repeat(128);
    const issued = await token(longest);
    assert.equal(issued.statusCode, 200, issued.body);
    assert.equal((await listWith(app, `Bearer ${issued.json().access_token}`)).statusCode, 200);
    const session = await app.inject({ method: 'GET', url: `/__admin/sessions/${longest}` });
    assert.equal(session.statusCode, 200, session.body);
    assert.equal(session.json().id, longest);
  });

  describe('with configured clients', () => {
    let configured: MockApp;
    before(async () => {
      configured = await makeApp({ clients: [{ client_id: 'acme', client_secret: 's3cret-value', accounts: [ACCOUNT] }] });
    });
    after(() => configured.close());

    const request = (clientId: string, secret: string) => configured.inject({
      method: 'POST', url: '/oauth/token', payload: { client_id: clientId, client_secret: secret, grant_type: 'client_credentials' },
    });

    it('the right secret gets a token', async () => {
      const response = await request('acme', 's3cret-value');
      assert.equal(response.statusCode, 200, response.body);
      assert.equal((await listWith(configured, `Bearer ${response.json().access_token}`)).statusCode, 200);
    });

    it('a wrong secret is 401 access_denied', async () => {
      const response = await request('acme', 'wrong-secret');
      assert.equal(response.statusCode, 401, response.body);
      assert.equal(response.json().error, 'access_denied');
      assert.equal(response.json().error_description, 'Unauthorized');
    });

    it('an unknown client is 401 access_denied', async () => {
      const response = await request('stranger', 's3cret-value');
      assert.equal(response.statusCode, 401, response.body);
      assert.equal(response.json().error, 'access_denied');
      assert.equal(response.json().error_description, 'Unauthorized');
    });

    it('the client\'s configured accounts bound its token', async () => {
      const token = (await request('acme', 's3cret-value')).json().access_token;
      assertCintError(await listWith(configured, `Bearer ${token}`, 202), 403, 'authorization_error');
    });
  });
});

describe('bearer tokens (authMode verify)', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('a missing Authorization header is 401 authorization_error', async () => {
    const body = assertCintError(await listWith(app, undefined), 401, 'authorization_error', {
      detail: 'no valid authorization provided for this operation',
    });
    assertMatchesSpec('list_account_projects', 401, body);
  });

  it('a scheme other than Bearer is 401', async () => {
    assertCintError(await listWith(app, 'Basic YWNtZTpzZWNyZXQ='), 401, 'authorization_error', {
      detail: "the Authorization header must be 'Bearer <token>'",
    });
  });

  it('a malformed token is 401', async () => {
    assertCintError(await listWith(app, 'Bearer not-a-jwt'), 401, 'authorization_error', { detail: 'the bearer token is malformed' });
  });

  it('a token signed with another key is 401', async () => {
    const token = signWith(FOREIGN_SECRET, { client_id: 'forger', exp: now() + 3600 });
    assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', { detail: 'the bearer token signature is invalid' });
  });

  it('an unsigned (alg none) token is 401', async () => {
    const token = createSigner({ algorithm: 'none' })({ client_id: 'unsigned', exp: now() + 3600 });
    assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error');
  });

  it('an expired token is 401', async () => {
    const token = signWith(app.mock.config.jwtSecret, { client_id: 'late', iss: 'cint-mock', aud: 'https://api.luc.id', iat: now() - 7200, exp: now() - 3600 });
    assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', {
      detail: 'the bearer token has expired; request a new one',
    });
  });

  it('an unexpired token signed with the mock\'s key, by its issuer for this API, is accepted', async () => {
    const token = signWith(app.mock.config.jwtSecret, { client_id: 'hand-made', iss: 'cint-mock', aud: 'https://api.luc.id', exp: now() + 3600 });
    assert.equal((await listWith(app, `Bearer ${token}`)).statusCode, 200);
  });

  it('a token accepted before is refused once it has expired (accepted tokens are remembered only until their expiry)', async (t) => {
    const token = signWith(app.mock.config.jwtSecret, { client_id: 'remembered', iss: 'cint-mock', aud: 'https://api.luc.id', exp: now() + 120 });
    assert.equal((await listWith(app, `Bearer ${token}`)).statusCode, 200);
    assert.equal((await listWith(app, `Bearer ${token}`)).statusCode, 200);
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 120_000 + 61_000 });
    assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', { detail: 'the bearer token has expired; request a new one' });
  });

  it('checks the claims a resource server checks, with 60 s of clock tolerance', async () => {
    const good = { client_id: 'claims', iss: 'cint-mock', aud: 'https://api.cint.com', iat: now(), exp: now() + 3600 };
    const refused: [Record<string, unknown>, string][] = [
      [{ ...good, aud: 'https://api.example.com' }, 'the bearer token is not for this API (aud must be one of https://api.luc.id, https://api.cint.com)'],
      [{ ...good, aud: undefined }, 'the bearer token names no audience (aud)'],
      [{ ...good, iss: 'https://auth.example.com/' }, 'the bearer token was not issued by this server (iss)'],
      [{ ...good, iss: undefined }, 'the bearer token names no issuer (iss)'],
      [{ ...good, exp: undefined }, 'the bearer token has no expiry (exp)'],
      [{ ...good, exp: now() - 61 }, 'the bearer token has expired; request a new one'],
      [{ ...good, nbf: now() + 120 }, 'the bearer token is not valid yet'],
      [{ ...good, iat: now() + 120 }, 'the bearer token was issued in the future (iat)'],
      [{ ...good, accounts: 101 }, "the bearer token's accounts claim must be a list of account ids"],
      [{ ...good, accounts: ['all'] }, "the bearer token's accounts claim must be a list of account ids"],
    ];
    for (const [claims, detail] of refused) {
      const token = signWith(app.mock.config.jwtSecret, JSON.parse(JSON.stringify(claims)) as Record<string, unknown>);
      assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', { detail });
    }
    // Within the tolerance: a clock 30 s apart either way is no reason to refuse.
    for (const claims of [{ ...good, exp: now() - 30 }, { ...good, iat: now() + 30, nbf: now() + 30 }]) {
      assert.equal((await listWith(app, `Bearer ${signWith(app.mock.config.jwtSecret, claims)}`)).statusCode, 200, JSON.stringify(claims));
    }
  });

  it('the token endpoint gives tokens for https://api.luc.id by default and refuses an unknown audience', async () => {
    const issue = (audience?: string) => app.inject({
      method: 'POST', url: '/oauth/token',
      payload: { client_id: 'aud-check', client_secret: 's', grant_type: 'client_credentials', ...(audience ? { audience } : {}) },
    });
    const plain = await issue();
    assert.equal(plain.statusCode, 200);
    const claims = JSON.parse(Buffer.from(plain.json().access_token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.aud, 'https://api.luc.id');
    assert.equal(claims.iss, 'cint-mock');
    assert.equal((await issue('https://api.luc.id')).statusCode, 200);
    const unknown = await issue('https://api.example.com');
    assert.equal(unknown.statusCode, 403);
    assert.equal(unknown.json().error, 'access_denied');
    assert.equal(unknown.json().error_description, 'Service not found: https://api.example.com');
  });

  it('a token that does not grant the path\'s account is 403 authorization_error', async () => {
    const client = await clientOf(app, undefined, [202]);
    const denied = await app.inject({ method: 'GET', url: projectsUrl(ACCOUNT), headers: client.headers() });
    const body = assertCintError(denied, 403, 'authorization_error', { detail: /does not grant account 101/ });
    assertMatchesSpec('list_account_projects', 403, body);
    const allowed = await app.inject({ method: 'GET', url: projectsUrl(202), headers: client.headers() });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });

  it('get_user_accounts lists the accounts a token grants, named as the account list names them; without the claim, the list itself', async () => {
    const accounts = async (client: Awaited<ReturnType<typeof clientOf>>) => {
      const answer = await app.inject({ method: 'GET', url: '/v1/accounts', headers: client.headers() });
      assert.equal(answer.statusCode, 200, answer.body);
      assertMatchesSpec('get_user_accounts', 200, answer.json());
      return answer.json();
    };
    // The document's example lists accounts 1 (Acme Inc.) and 2 (Globex Corp.); 202 is not in it.
    assert.deepEqual(await accounts(await clientOf(app, undefined, [202, 1])), { accounts: [{ id: 202, name: 'Account 202' }, { id: 1, name: 'Acme Inc.' }] });
    assert.deepEqual(await accounts(await clientOf(app)), { accounts: [{ id: 1, name: 'Acme Inc.' }, { id: 2, name: 'Globex Corp.' }] });
  });

  it('get_account_service_clients lists the client calling, by the user id its changes are attributed to, after the account\'s own', async () => {
    const client = await clientOf(app, 'service-client-listed');
    // A launch job says who made it: the client's user id.
    const project = await createProject(app, client);
    const { job } = await launch(app, client, project.id, await createTargetGroup(app, client, project.id));
    const author = job.created_by;
    assert.match(author, /^[0-9a-f-]{36}$/);
    const listed = await app.inject({ method: 'GET', url: `/v1/accounts/${ACCOUNT}/service-clients`, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    assertMatchesSpec('get_account_service_clients', 200, listed.json());
    assert.deepEqual(listed.json().users, [
      { id: '43292405-363e-4fa3-85a6-6e74a49fab2e', email: 'jane.doe@cint.com', name: 'Jane Doe' },
      { id: '54736158-e90e-404c-bc32-4d938f8a9cfa', email: 'john.doe@cint.com', name: 'John Doe' },
      { id: author, name: 'service-client-listed' },
    ]);
  });

  it('get_account_users answers the same users with user_type=project_manager (decision 177), and a 400 naming user_type for another type', async () => {
    const client = await clientOf(app);
    const users = (query: string) => app.inject({ method: 'GET', url: `/v1/accounts/${ACCOUNT}/users${query}`, headers: client.headers() });
    const all = await users('');
    assert.equal(all.statusCode, 200, all.body);
    assertMatchesSpec('get_account_users', 200, all.json());
    assert.deepEqual(all.json().users.map((user: { name: string }) => user.name), ['Jane Doe', 'John Doe']);
    const managers = await users('?user_type=project_manager');
    assert.equal(managers.statusCode, 200, managers.body);
    assert.deepEqual(managers.json(), all.json());
    assertCintError(await users('?user_type=admin'), 400, 'bad_request_error', { invalid_params: [{ name: 'user_type', reason: "'user_type' must be one of: project_manager." }] });
  });
});

describe('Cint\'s token request as documented, and the expired-token status', () => {
  it('takes auth_scopes (default app:api) and its older name lucid_scopes', async () => {
    const app = await makeApp({ watchScenarios: false });
    try {
      const scopeOf = async (extra: Record<string, unknown>) => {
        const response = await app.inject({
          method: 'POST', url: '/oauth/token',
          payload: { client_id: 'scopes', client_secret: 's', grant_type: 'client_credentials', audience: 'https://api.luc.id', ...extra },
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(Object.keys(response.json()).sort(), ['access_token', 'expires_in', 'token_type']);
        return (JSON.parse(Buffer.from(response.json().access_token.split('.')[1], 'base64url').toString()) as { scope?: string }).scope;
      };
      assert.equal(await scopeOf({}), 'app:api');
      assert.equal(await scopeOf({ auth_scopes: 'app:api app:reports' }), 'app:api app:reports');
      assert.equal(await scopeOf({ lucid_scopes: 'app:legacy' }), 'app:legacy');
    } finally {
      await app.close();
    }
  });

  it('expiredTokenStatus: 403 answers an expired token as Cint\'s auth page says; other failures stay 401', async () => {
    const app = await makeApp({ expiredTokenStatus: 403, watchScenarios: false });
    try {
      const expired = signWith(app.mock.config.jwtSecret, { client_id: 'late', iss: 'cint-mock', aud: 'https://api.luc.id', iat: now() - 7200, exp: now() - 3600 });
      const body = assertCintError(await listWith(app, `Bearer ${expired}`), 403, 'authorization_error', {
        detail: "you don't have the right permissions to perform this operation",
      });
      assertMatchesSpec('list_account_projects', 403, body);
      assertCintError(await listWith(app, 'Bearer not-a-jwt'), 401, 'authorization_error');
      assertCintError(await listWith(app, undefined), 401, 'authorization_error');
      // The expired token still names its client: the 403 is in that client's journal (decision 184).
      const journal = await app.inject({ method: 'GET', url: '/__admin/sessions/late/journal' });
      assert.deepEqual((journal.json().entries as { operation: string; status: number }[]).map((entry) => [entry.operation, entry.status]), [['list_account_projects', 403]]);
    } finally {
      await app.close();
    }
  });
});

describe('authMode decode', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ authMode: 'decode' }); });
  after(() => app.close());

  it('accepts a foreign, well-formed, unexpired JWT', async () => {
    const token = signWith(FOREIGN_SECRET, { sub: 'staging-client@clients', exp: now() + 3600 });
    assert.equal((await listWith(app, `Bearer ${token}`)).statusCode, 200);
  });

  it('rejects an expired one, in the journal of the client it names', async () => {
    const token = signWith(FOREIGN_SECRET, { sub: 'expired-client@clients', iat: now() - 7200, exp: now() - 3600 });
    assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', {
      detail: 'the bearer token has expired; request a new one',
    });
    // decode mode takes any well-formed token's client as it is: its refusal for expiry goes in that client's journal.
    const journal = await app.inject({ method: 'GET', url: '/__admin/sessions/expired-client/journal' });
    assert.deepEqual((journal.json().entries as { status: number }[]).map((entry) => entry.status), [401]);
  });

  it('rejects a malformed one', async () => {
    assertCintError(await listWith(app, 'Bearer abc.def'), 401, 'authorization_error', { detail: 'the bearer token is malformed' });
  });

  it('checks the time claims and the accounts claim, not the issuer or audience', async () => {
    const good = { sub: 'staging-client@clients', iss: 'https://auth.example.com/', aud: 'anything', exp: now() + 3600 };
    assert.equal((await listWith(app, `Bearer ${signWith(FOREIGN_SECRET, good)}`)).statusCode, 200);
    const refused: [Record<string, unknown>, string][] = [
      [{ ...good, exp: undefined }, 'the bearer token has no expiry (exp)'],
      [{ ...good, nbf: now() + 120 }, 'the bearer token is not valid yet'],
      [{ ...good, iat: now() + 120 }, 'the bearer token was issued in the future (iat)'],
      [{ ...good, accounts: 'all' }, "the bearer token's accounts claim must be a list of account ids"],
    ];
    for (const [claims, detail] of refused) {
      const token = signWith(FOREIGN_SECRET, JSON.parse(JSON.stringify(claims)) as Record<string, unknown>);
      assertCintError(await listWith(app, `Bearer ${token}`), 401, 'authorization_error', { detail });
    }
  });
});

describe('authMode off', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ authMode: 'off' }); });
  after(() => app.close());

  it('needs no token', async () => {
    const response = await listWith(app, undefined);
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('list_account_projects', 200, response.json());
  });
});
