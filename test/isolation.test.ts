import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, type MockApp } from '../src/app.js';
import { makeConfig } from '../src/config.js';
import { operation } from '../src/cint/operations.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, makeApp, projectBody, projectsUrl, tokenFor, type Client,
} from './helpers.js';

/** A pino destination that keeps each line, parsed. */
function logLines(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { lines, stream };
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('sessions', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const getProject = (client: Client, id: string, extra: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers(extra) });
  const listIds = async (client: Client, extra: Record<string, string> = {}) =>
    (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers(extra) })).json().projects.map((project: { id: string }) => project.id);
  const createIn = (client: Client, session: string) => app.inject({
    method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey(), 'x-mock-session': session }), payload: projectBody(),
  });

  it('two clients never see each other\'s projects', async () => {
    const alice = await clientOf(app);
    const bob = await clientOf(app);
    const fromAlice = await createProject(app, alice);
    const fromBob = await createProject(app, bob);
    assertCintError(await getProject(bob, fromAlice.id), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assertCintError(await getProject(alice, fromBob.id), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assert.deepEqual(await listIds(alice), [fromAlice.id]);
    assert.deepEqual(await listIds(bob), [fromBob.id]);
  });

  it('two tokens naming the same X-Mock-Session get a session each (a name is scoped inside its client id)', async () => {
    const session = `same-name-${Math.random().toString(36).slice(2)}`;
    const alice = await clientOf(app);
    const bob = await clientOf(app);
    const created = await createIn(alice, session);
    assert.equal(created.statusCode, 202, created.body);
    assertCintError(await getProject(bob, created.json().id, { 'x-mock-session': session }), 404, 'not_found_error');
    assert.deepEqual(await listIds(bob, { 'x-mock-session': session }), []);
    assert.deepEqual(await listIds(alice, { 'x-mock-session': session }), [created.json().id]);
  });

  it('one token with different X-Mock-Session values has separate sessions', async () => {
    const client = await clientOf(app);
    const first = await createIn(client, `${client.clientId}.one`);
    const second = await createIn(client, `${client.clientId}.two`);
    assert.deepEqual(await listIds(client, { 'x-mock-session': `${client.clientId}.one` }), [first.json().id]);
    assert.deepEqual(await listIds(client, { 'x-mock-session': `${client.clientId}.two` }), [second.json().id]);
    assert.deepEqual(await listIds(client), []);
  });

  it('an invalid X-Mock-Session is 400 naming X-Mock-Session', async () => {
    const client = await clientOf(app);
    for (const session of ['has spaces', 'x'.repeat(129), '']) {
      const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-session': session }) });
      assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'X-Mock-Session' }] });
    }
  });

  it('evicts the least recently used session when maxSessions is reached, and logs it', async () => {
    const { lines, stream } = logLines();
    const small = await makeApp({ maxSessions: 2 }, { logger: { level: 'warn', stream } });
    try {
      const [alice, bob, carol] = [await clientOf(small), await clientOf(small), await clientOf(small)];
      const read = (client: Client, id: string) => small.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers() });
      const fromAlice = await createProject(small, alice);
      const fromBob = await createProject(small, bob);
      assert.equal((await read(alice, fromAlice.id)).statusCode, 200); // alice is now the most recent
      assert.equal((await small.inject({ method: 'GET', url: projectsUrl(), headers: carol.headers() })).statusCode, 200); // evicts bob
      assert.equal((await read(alice, fromAlice.id)).statusCode, 200);
      assertCintError(await read(bob, fromBob.id), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
      // Bob's 404 is explained in the log: his session was forgotten for carol's (and then hers for his new one).
      const evictions = lines.filter((line) => line.event === 'session_evicted');
      assert.deepEqual(evictions.map(({ level, session, client_id, limit, maxSessions, msg }) => ({ level, session, client_id, limit, maxSessions, msg })), [bob, carol].map((client) => ({
        level: 40, session: client.clientId, client_id: client.clientId, limit: 'maxSessions', maxSessions: 2,
        msg: 'a session was forgotten to make room: the instance holds maxSessions (2) sessions; its next request starts it empty',
      })));
    } finally {
      await small.close();
    }
  });

  it("evicts a client's own least recently used session past maxSessionsPerClient, and logs it", async () => {
    const { lines, stream } = logLines();
    const small = await makeApp({ maxSessionsPerClient: 2 }, { logger: { level: 'warn', stream } });
    try {
      const client = await clientOf(small);
      const other = await clientOf(small);
      const list = (who: Client, session: string) => small.inject({ method: 'GET', url: projectsUrl(), headers: who.headers({ 'x-mock-session': session }) });
      for (const session of ['first', 'second']) assert.equal((await list(client, session)).statusCode, 200);
      assert.equal((await list(other, 'elsewhere')).statusCode, 200);
      assert.equal((await list(client, 'third')).statusCode, 200);
      const evictions = lines.filter((line) => line.event === 'session_evicted');
      assert.deepEqual(evictions.map(({ session, client_id, limit, maxSessionsPerClient }) => ({ session, client_id, limit, maxSessionsPerClient })), [
        { session: 'first', client_id: client.clientId, limit: 'maxSessionsPerClient', maxSessionsPerClient: 2 },
      ]);
      assert.match(String(evictions[0]!.msg), /its client holds maxSessionsPerClient \(2\) sessions/);
    } finally {
      await small.close();
    }
  });

  it('forgets a session nobody used for sessionIdleTimeout, and keeps one in use however long', async () => {
    const idle = await makeApp({ sessionIdleTimeout: '1s' });
    try {
      const [alice, bob] = [await clientOf(idle), await clientOf(idle)];
      const read = (client: Client, id: string) => idle.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers() });
      const fromAlice = await createProject(idle, alice);
      const fromBob = await createProject(idle, bob);
      // Alice reads hers every 100 ms for 1.5 s (each read is a use); Bob does nothing.
      for (let reads = 0; reads < 15; reads += 1) {
        await sleep(100);
        assert.equal((await read(alice, fromAlice.id)).statusCode, 200);
      }
      assertCintError(await read(bob, fromBob.id), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
      assert.equal((await read(alice, fromAlice.id)).statusCode, 200);
    } finally {
      await idle.close();
    }
  });

  it('refuses to create more than maxObjectsPerSession objects, with a Cint error', async () => {
    const small = await makeApp({ maxObjectsPerSession: 2 });
    try {
      const client = await clientOf(small);
      await createProject(small, client);
      await createProject(small, client);
      const refused = await small.inject({
        method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody(),
      });
      assertCintError(refused, 409, 'conflict_error', { detail: /maximum of 2 objects/ });
      const listed = await small.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
      assert.equal(listed.json().projects.length, 2);
      // Another session is not affected.
      await createProject(small, await clientOf(small));
    } finally {
      await small.close();
    }
  });
});

describe('traceparent', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('echoes a valid traceparent and its tracestate', async () => {
    const client = await clientOf(app);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ traceparent, tracestate: 'vendor=value' }) });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.traceparent, traceparent);
    assert.equal(response.headers.tracestate, 'vendor=value');
  });

  it('generates a valid one when none or an invalid one is sent', async () => {
    const client = await clientOf(app);
    const plain = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.match(String(plain.headers.traceparent), TRACEPARENT);
    const invalid = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }) });
    assert.match(String(invalid.headers.traceparent), TRACEPARENT);
    assert.notEqual(invalid.headers.traceparent, '00-00000000000000000000000000000000-00f067aa0ba902b7-01');
    assert.notEqual(invalid.headers.traceparent, plain.headers.traceparent);
  });

  it('is on errors too', async () => {
    const client = await clientOf(app);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const unauthorized = await app.inject({ method: 'GET', url: projectsUrl(), headers: { traceparent } });
    assertCintError(unauthorized, 401, 'authorization_error');
    assert.equal(unauthorized.headers.traceparent, traceparent);
    const notFound = await app.inject({ method: 'GET', url: '/nowhere', headers: { traceparent } });
    assertCintError(notFound, 404, 'not_found_error');
    assert.equal(notFound.headers.traceparent, traceparent);
    const badRequest = await app.inject({ method: 'GET', url: `${projectsUrl()}?page_size=0`, headers: client.headers() });
    assertCintError(badRequest, 400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
    assert.match(String(badRequest.headers.traceparent), TRACEPARENT);
  });
});

describe('unexpected errors', () => {
  let app: MockApp;
  before(async () => {
    app = await buildApp(makeConfig());
    app.get('/v1/demand/accounts/:account_id/explode', { config: { operation: operation('get_project_by_id') } }, async () => {
      throw new TypeError('secret internals: cannot read properties of undefined');
    });
    await app.ready();
  });
  after(() => app.close());

  it('a handler that throws gives 500 unexpected_internal_error without a stack trace', async () => {
    const token = await tokenFor(app, 'exploder');
    const response = await app.inject({
      method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/explode`, headers: { authorization: `Bearer ${token}`, 'cint-api-version': '2025-12-18' },
    });
    const body = assertCintError(response, 500, 'unexpected_internal_error', {
      detail: 'an internal error has led to the failure of this operation',
    });
    assertMatchesSpec('get_project_by_id', 500, body);
    assert.doesNotMatch(response.body, /secret internals|TypeError|\bat .*\.ts:\d+/);
    assert.match(String(response.headers.traceparent), TRACEPARENT);
  });
});
