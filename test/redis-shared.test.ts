// The Redis store in process: two apps on one real Redis and one prefix are two instances of one
// staging service. What one answers, the other knows; a restart keeps everything; a store that goes
// away answers 503 and comes back. (test/redis-store.test.ts does the same with CLI processes.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import type { MockApp } from '../src/app.js';
import { buildApp } from '../src/app.js';
import { makeConfig, type ConfigInput } from '../src/config.js';
import { controlOf } from '../src/control.js';
import { API_VERSION, assertCintError, clientOf, projectBody, projectsUrl, startLaunch, tokenFor } from './helpers.js';
import { redisSkip, startRedis, type RedisServer } from './redis-server.js';
import { eventually, removeFolder, scenarioFolder, sendOnce } from './scenario-helpers.js';

// Every read the store does not serialize is compared in full all the same (sessions/redis.ts), in
// these processes and the ones they start: a change a read makes that its vitals miss fails a test here.
process.env.CHECK_STORE_READS = '1';

const SCENARIOS = {
  'thrice.yaml': `
description: three 503s, then the realistic behaviour
rules:
  - match: { operation: list_account_projects }
    respond: { status: 503, times: 3 }
`,
  'coin.yaml': `
description: a seeded coin
seed: 42
rules:
  - match: { operation: list_account_projects }
    respond: { status: 500, probability: 0.5 }
`,
  'faulty.yaml': `
description: an answer lost, a body cut off, a connection reset
rules:
  - match: { operation: create_project }
    respond: { passthrough: true, fault: connection_reset, times: 1 }
  - match: { operation: get_project_by_id }
    respond: { fault: malformed_body, times: 1 }
  - match: { operation: list_account_projects }
    respond: { fault: connection_reset, times: 1 }
`,
  'held.yaml': `
description: a 503 held back two seconds, once
rules:
  - match: { operation: get_user_accounts }
    respond: { status: 503, delay_ms: 2000, times: 1 }
`,
  'slow.yaml': `
description: a slow list
rules:
  - match: { operation: list_account_projects }
    respond: { passthrough: true, delay_ms: 2000 }
`,
};

/** The second pass of the suite (npm run test:redis) would only run this file once more, as it is: its apps name their Redis. */
const skip = redisSkip || (process.env.TEST_STORE ? 'runs in npm test already: its apps use a Redis of their own, whatever TEST_STORE says' : false);

describe('sessions in Redis, two instances in process', { skip }, () => {
  let redis: RedisServer;
  let scenariosDir: string;
  const apps: MockApp[] = [];

  before(async () => {
    redis = await startRedis();
    scenariosDir = await scenarioFolder(SCENARIOS);
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis?.close();
    if (scenariosDir) await removeFolder(scenariosDir);
  });

  async function instance(prefix: string, overrides: ConfigInput = {}): Promise<MockApp> {
    const app = await buildApp(makeConfig({ store: redis.url, storePrefix: prefix, scenariosDir, watchScenarios: false, ...overrides }));
    await app.ready();
    apps.push(app);
    return app;
  }

  async function pair(overrides: ConfigInput = {}): Promise<[MockApp, MockApp]> {
    const prefix = `pair-${randomUUID()}`;
    return [await instance(prefix, overrides), await instance(prefix, overrides)];
  }

  it('one instance answers what the other created, with the same ETag, and takes its tokens', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const created = await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name: 'shared' }) });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().id as string;
    const onA = await a.inject({ url: `${projectsUrl()}/${id}`, headers: client.headers() });
    const onB = await b.inject({ url: `${projectsUrl()}/${id}`, headers: client.headers() });
    assert.equal(onB.statusCode, 200, onB.body);
    assert.deepEqual(onB.json(), onA.json());
    assert.equal(onB.headers.etag, onA.headers.etag);
    const listed = await b.inject({ url: projectsUrl(), headers: client.headers() });
    assert.deepEqual((listed.json().projects as { id: string }[]).map((project) => project.id), [id]);
  });

  it('an Idempotency-Key used on one instance replays on the other', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const headers = client.headers({ 'idempotency-key': 'one-project' });
    const first = await a.inject({ method: 'POST', url: projectsUrl(), headers, payload: projectBody() });
    const again = await b.inject({ method: 'POST', url: projectsUrl(), headers, payload: projectBody() });
    assert.equal(again.statusCode, first.statusCode);
    assert.equal(again.json().id, first.json().id);
    const listed = await a.inject({ url: projectsUrl(), headers: client.headers() });
    assert.equal((listed.json().projects as unknown[]).length, 1);
  });

  it('times: 3 is three whichever instance answers, concurrently too, and the journal and counts hold both', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const chosen = await b.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'thrice' } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).inject({ url: projectsUrl(), headers: client.headers() })));
    assert.equal(responses.filter((response) => response.statusCode === 503).length, 3);
    assert.equal(responses.filter((response) => response.statusCode === 200).length, 9);
    const journal = await a.inject({ url: `/__admin/sessions/${client.clientId}/journal?operation=list_account_projects` });
    assert.equal((journal.json().entries as unknown[]).length, 12);
    const counts = await b.inject({ url: `/__admin/sessions/${client.clientId}/counts?operation=list_account_projects&status=503` });
    assert.equal(counts.json().count, 3);
  });

  it('a scenario sent to one instance answers on the other, its times counted across both, and outlives a restart', async () => {
    const prefix = `inline-${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const client = await clientOf(a);
    const sent = { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 503, times: 4 } }] };
    const chosen = await a.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: sent } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const name = chosen.json().scenario as string;
    // b never saw it sent: it takes the text from the store with the choice.
    assertCintError(await b.inject({ url: projectsUrl(), headers: client.headers() }), 503, 'service_unavailable_error');
    assertCintError(await a.inject({ url: projectsUrl(), headers: client.headers() }), 503, 'service_unavailable_error');
    const onB = await b.inject({ url: `/__admin/sessions/${client.clientId}/scenario` });
    assert.deepEqual(onB.json(), { session: client.clientId, scenario: name, chosen_by: 'session', sent: { ...sent, description: 'a scenario sent through the admin API' } });

    // A new instance on the store carries on from the session's progress: two of the four are left.
    await a.close();
    apps.splice(apps.indexOf(a), 1);
    const c = await instance(prefix);
    const statuses = [];
    for (const app of [c, b, c]) statuses.push((await app.inject({ url: projectsUrl(), headers: client.headers() })).statusCode);
    assert.deepEqual(statuses, [503, 503, 200]);
  });

  it('a rate-limited step counts the window across both instances', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const sent = { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 429, rate_limit: { requests: 3, per_ms: 60_000 } } }] };
    assert.equal((await b.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: sent } })).statusCode, 200);
    const statuses = [];
    for (const app of [a, b, a, b, a]) statuses.push((await app.inject({ url: projectsUrl(), headers: client.headers() })).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  it('counts a session\'s requests on both instances; a read saves the count, not the session again', async () => {
    const prefix = `count-${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const client = await clientOf(a);
    const created = await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    assert.equal(created.statusCode, 202, created.body);
    const direct = new Redis(redis.url);
    try {
      const stored = () => direct.hmget(`${prefix}:session:${client.clientId}\u0000${client.clientId}`, 'v', 'd', 'n');
      const [version, data, count] = await stored();
      assert.equal(count, '1');
      for (let i = 0; i < 4; i += 1) {
        const read = await (i % 2 === 0 ? b : a).inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
        assert.equal(read.statusCode, 200, read.body);
      }
      assert.deepEqual(await stored(), [version, data, '5']);
      for (const app of [a, b]) {
        const summary = await app.inject({ url: `/__admin/sessions/${client.clientId}` });
        assert.equal(summary.statusCode, 200, summary.body);
        assert.equal(summary.json().requests, 5);
        assert.equal(summary.json().objects, 1);
      }
      const renamed = await b.inject({
        method: 'PUT', url: `${projectsUrl()}/${created.json().id}`,
        headers: client.headers({ 'if-match': String(created.headers.etag), 'idempotency-key': client.idempotencyKey() }),
        payload: projectBody({ name: 'renamed' }),
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const [changedVersion, changedData, changedCount] = await stored();
      assert.equal(Number(changedVersion), Number(version) + 1);
      assert.match(changedData!, /"renamed"/);
      assert.equal(changedCount, '6');
      assert.equal((await a.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() })).json().name, 'renamed');
    } finally {
      direct.disconnect();
    }
  });

  it('a session too large for one piece of text (200 projects) is brought in and read on either instance without being saved again', async () => {
    const prefix = `large-${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const client = await clientOf(a);
    const ids: string[] = [];
    for (let i = 0; i < 200; i += 1) {
      const created = await (i % 2 === 0 ? a : b).inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name: `Project ${i}` }) });
      assert.equal(created.statusCode, 202, created.body);
      ids.push(created.json().id as string);
    }
    const direct = new Redis(redis.url);
    try {
      const stored = () => direct.hmget(`${prefix}:session:${client.clientId}\u0000${client.clientId}`, 'v', 'd', 'n');
      const [version, data, count] = await stored();
      assert.equal(count, '200');
      // The snapshot is several times snapshotJson's piece of about 16,384 characters.
      assert.ok(data!.length > 4 * 16384, `a snapshot of ${data!.length} characters`);
      // Each instance brings in what the other saved last, then reads: the count is saved, the session is not.
      for (let i = 0; i < 6; i += 1) {
        const read = await (i % 2 === 0 ? a : b).inject({ url: `${projectsUrl()}/${ids[i * 30]}`, headers: client.headers() });
        assert.equal(read.statusCode, 200, read.body);
        assert.equal(read.json().name, `Project ${i * 30}`);
      }
      assert.deepEqual(await stored(), [version, data, '206']);
      // A change anywhere in it is saved, and seen by the other instance.
      const current = await a.inject({ url: `${projectsUrl()}/${ids[150]}`, headers: client.headers() });
      const renamed = await a.inject({
        method: 'PUT', url: `${projectsUrl()}/${ids[150]}`,
        headers: client.headers({ 'if-match': String(current.headers.etag), 'idempotency-key': client.idempotencyKey() }),
        payload: projectBody({ name: 'renamed' }),
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const [changedVersion, changedData] = await stored();
      assert.equal(Number(changedVersion), Number(version) + 1);
      assert.match(changedData!, /"renamed"/);
      assert.equal(JSON.parse(changedData!).projects.length, 200);
      assert.equal((await b.inject({ url: `${projectsUrl()}/${ids[150]}`, headers: client.headers() })).json().name, 'renamed');
    } finally {
      direct.disconnect();
    }
  });

  it("a read that changes the session (a job's poll counted, the poll that ends it) is saved: the other instance goes on from it", async () => {
    const prefix = `polls-${randomUUID()}`;
    const [a, b] = [await instance(prefix, { jobPolls: 2 }), await instance(prefix, { jobPolls: 2 })];
    const client = await clientOf(a);
    const { location, groupUrl } = await startLaunch(a, client);
    const direct = new Redis(redis.url);
    try {
      const version = async () => Number(await direct.hget(`${prefix}:session:${client.clientId}\u0000${client.clientId}`, 'v'));
      const before = await version();
      // Two polls answer Processing, whichever instance counts them; the third ends the job.
      const statuses: string[] = [];
      for (const app of [a, b, a]) {
        const polled = await app.inject({ url: location, headers: client.headers() });
        assert.equal(polled.statusCode, 200, polled.body);
        statuses.push(polled.json().status as string);
      }
      assert.deepEqual(statuses, ['Processing', 'Processing', 'Completed']);
      assert.equal(await version(), before + 3, 'each poll saved');
      const group = await b.inject({ url: groupUrl, headers: client.headers() });
      assert.equal(group.statusCode, 301, 'launched, on the other instance too');
      // Reads that change nothing more are not saved.
      for (const app of [b, a]) assert.equal((await app.inject({ url: location, headers: client.headers() })).json().status, 'Completed');
      assert.equal(await version(), before + 3);
    } finally {
      direct.disconnect();
    }
  });

  it('a seeded session draws the same outcomes across two instances as in one', async () => {
    const statuses = async (apps: MockApp[]) => {
      const client = await clientOf(apps[0]!, 'same-client-id');
      await apps[0]!.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'coin' } });
      const out: number[] = [];
      for (let i = 0; i < 16; i += 1) out.push((await apps[i % apps.length]!.inject({ url: projectsUrl(), headers: client.headers() })).statusCode);
      return out;
    };
    const alone = await statuses([await instance(`alone-${randomUUID()}`)]);
    const together = await statuses(await pair());
    assert.deepEqual(together, alone);
    assert.ok(alone.includes(500) && alone.includes(200), `a fair coin in 16 draws: ${alone.join(',')}`);
  });

  it('the journal in Redis keeps journalSize entries and journalBytes of them; the counts stay exact', async () => {
    const [a, b] = await pair({ journalSize: 3 });
    const client = await clientOf(a);
    for (let i = 0; i < 5; i += 1) await (i % 2 === 0 ? a : b).inject({ url: `${projectsUrl()}?page_size=${i + 1}`, headers: client.headers() });
    const journal = await b.inject({ url: `/__admin/sessions/${client.clientId}/journal` });
    // The query as sent (decision 203): text.
    assert.deepEqual((journal.json().entries as { query: { page_size: string } }[]).map((entry) => entry.query.page_size), ['5', '4', '3']);
    assert.equal((await a.inject({ url: `/__admin/sessions/${client.clientId}/counts` })).json().count, 5);

    const [c] = await pair({ journalBytes: 1200 });
    const other = await clientOf(c);
    for (let i = 0; i < 6; i += 1) await c.inject({ url: projectsUrl(), headers: other.headers() });
    const kept = (await c.inject({ url: `/__admin/sessions/${other.clientId}/journal` })).json().entries as unknown[];
    assert.ok(kept.length >= 1 && kept.length < 6, `kept ${kept.length} entries in 1200 bytes`);
    assert.ok(JSON.stringify(kept).length <= 1200 + kept.length * 40, 'about the bytes allowed');
  });

  it('faulted answers are counted by fault in Redis: the other instance and a new one list and count them', async () => {
    const prefix = `faults-${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    await a.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
    const client = await clientOf(a);
    const chosen = await b.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'faulty' } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const lost = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), body: projectBody({ name: 'faulted' }) });
    assert.equal(lost.error?.code, 'ECONNRESET');
    assert.equal((await sendOnce(url, { path: projectsUrl(), headers: client.headers() })).error?.code, 'ECONNRESET');
    const listed = await b.inject({ url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    const { id } = (listed.json().projects as { id: string }[])[0]!;
    const cut = await sendOnce(url, { path: `${projectsUrl()}/${id}`, headers: client.headers() });
    assert.equal(cut.response?.statusCode, 200);
    assert.throws(() => JSON.parse(cut.body!));

    const expected = {
      count: 4,
      by_operation: { create_project: { 202: 1 }, get_project_by_id: { 200: 1 }, list_account_projects: { 0: 1, 200: 1 } },
      faults: { create_project: { connection_reset: 1 }, get_project_by_id: { malformed_body: 1 }, list_account_projects: { connection_reset: 1 } },
    };
    const c = await instance(prefix);
    for (const app of [b, c]) {
      assert.deepEqual((await app.inject({ url: `/__admin/sessions/${client.clientId}/counts` })).json(), expected);
      assert.equal((await app.inject({ url: `/__admin/sessions/${client.clientId}/counts?fault=connection_reset&status=202` })).json().count, 1);
      const faulted = (await app.inject({ url: `/__admin/sessions/${client.clientId}/journal?fault=any` })).json().entries as { operation: string; status: number; fault: string }[];
      assert.deepEqual(faulted.map(({ operation, status, fault }) => `${operation} ${status} ${fault}`),
        ['get_project_by_id 200 malformed_body', 'list_account_projects 0 connection_reset', 'create_project 202 connection_reset']);
    }
  });

  it('a request refused before it took its session (a body that is not JSON) is in the journal, on the other instance too', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const listed = await a.inject({ url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    const refused = await a.inject({
      method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey(), 'content-type': 'application/json' }), payload: '{"name":',
    });
    assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'body' }] });
    const journal = await b.inject({ url: `/__admin/sessions/${client.clientId}/journal` });
    assert.equal(journal.statusCode, 200, journal.body);
    assert.deepEqual((journal.json().entries as { operation: string; status: number }[]).map(({ operation, status }) => [operation, status]),
      [['create_project', 400], ['list_account_projects', 200]]);
    const counts = await b.inject({ url: `/__admin/sessions/${client.clientId}/counts?operation=create_project` });
    assert.equal(counts.json().count, 1);
  });

  it('a request whose client left during a scripted delay is in the journal and the counts, on the other instance too', async () => {
    const [a, b] = await pair();
    await a.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(a.server.address() as AddressInfo).port}`;
    const client = await clientOf(a);
    const headers = client.headers({ 'x-mock-scenario': 'held' });
    const gone = await sendOnce(url, { path: '/v1/accounts', headers, timeoutMs: 200 });
    assert.equal(gone.error?.code, 'CLIENT_TIMEOUT');
    const counted = async () => (await b.inject({ url: `/__admin/sessions/${client.clientId}/counts` })).json().count === 1;
    await eventually(counted, 5000, 'the request whose client left to be journaled in the store');
    const next = await b.inject({ url: '/v1/accounts', headers });
    assert.equal(next.statusCode, 200, 'the step was used up by the request that left');

    for (const app of [a, b]) {
      const counts = await app.inject({ url: `/__admin/sessions/${client.clientId}/counts` });
      assert.deepEqual(counts.json(), { count: 2, by_operation: { get_user_accounts: { 0: 1, 200: 1 } }, faults: {} });
      const journal = await app.inject({ url: `/__admin/sessions/${client.clientId}/journal` });
      assert.deepEqual((journal.json().entries as { status: number; fault?: string; scenario: unknown }[]).map(({ status, fault, scenario }) => [status, fault ?? null, scenario]),
        [[200, null, null], [0, null, { name: 'held', rule: 0 }]]);
    }
  });

  it("the session clock moved on one instance is the other's", async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    await a.inject({ url: projectsUrl(), headers: client.headers() });
    const moved = await a.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: 'P2D' } });
    assert.equal(moved.statusCode, 200, moved.body);
    const clock = await b.inject({ url: `/__admin/sessions/${client.clientId}/clock` });
    assert.equal(clock.json().offset_ms, moved.json().offset_ms);
    assert.ok(clock.json().offset_ms >= 2 * 86_400_000);
  });

  it('a reset on one instance empties the session on the other', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const created = await b.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    const id = created.json().id as string;
    assert.equal((await a.inject({ url: `${projectsUrl()}/${id}`, headers: client.headers() })).statusCode, 200);
    const reset = await a.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/reset` });
    assert.equal(reset.statusCode, 204);
    assertCintError(await b.inject({ url: `${projectsUrl()}/${id}`, headers: client.headers() }), 404, 'not_found_error');
    assertCintError(await a.inject({ url: `${projectsUrl()}/${id}`, headers: client.headers() }), 404, 'not_found_error');
  });

  it("the list of sessions and health's count are the store's: sessions another instance deleted, reset or cleared are gone from both", async () => {
    const [a, b] = await pair();
    const clients = [await clientOf(a), await clientOf(a), await clientOf(a)];
    for (const [i, client] of clients.entries()) assert.equal((await (i % 2 === 0 ? a : b).inject({ url: projectsUrl(), headers: client.headers() })).statusCode, 200);
    const listed = async (app: MockApp) => {
      const list = await app.inject({ url: '/__admin/sessions' });
      assert.equal(list.statusCode, 200, list.body);
      return (list.json().sessions as { id: string }[]).map((session) => session.id).sort();
    };
    const counted = async (app: MockApp) => (await app.inject({ url: '/__admin/health' })).json().sessions as number;
    const ids = clients.map((client) => client.clientId);
    for (const app of [a, b]) {
      assert.deepEqual(await listed(app), [...ids].sort());
      assert.equal(await counted(app), 3);
    }
    // Both instances hold all three now; b deletes one and resets another.
    assert.equal((await b.inject({ method: 'DELETE', url: `/__admin/sessions/${ids[0]}` })).statusCode, 204);
    assert.equal((await b.inject({ method: 'POST', url: `/__admin/sessions/${ids[1]}/reset` })).statusCode, 204);
    assert.equal(await counted(a), 1);
    assert.deepEqual(await listed(a), [ids[2]]);
    assert.equal(await counted(a), 1);
    assertCintError(await a.inject({ url: `/__admin/sessions/${ids[0]}` }), 404, 'not_found_error');
    // The reset session starts again with its next request, on either instance.
    assert.equal((await a.inject({ url: projectsUrl(), headers: clients[1]!.headers() })).statusCode, 200);
    assert.deepEqual(await listed(b), [ids[1], ids[2]].sort());
    assert.equal(await counted(b), 2);
    assert.equal((await b.inject({ method: 'DELETE', url: '/__admin/sessions' })).statusCode, 204);
    assert.deepEqual(await listed(a), []);
    assert.equal(await counted(a), 0);
  });

  it('keeps maxSessions scenario choices in the store, the least recently used forgotten first, with a warning', async () => {
    // A choice for a name outlives its sessions (it answers sessions of that name made later), so the
    // store bounds the choices as one instance's memory does: a staging instance choosing a scenario per
    // test's session name must not fill its Redis.
    const prefix = `choices-${randomUUID()}`;
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    const config = makeConfig({ store: redis.url, storePrefix: prefix, scenariosDir, watchScenarios: false, maxSessions: 3 });
    const a = await instance(prefix, { maxSessions: 3 });
    const b = await buildApp(config, { logger: { level: 'warn', stream } });
    apps.push(b);
    await b.ready();
    const client = await clientOf(a);
    const choose = async (app: MockApp, name: string) => {
      const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${name}/scenario`, payload: { scenario: 'thrice' } });
      assert.equal(chosen.statusCode, 200, chosen.body);
    };
    const list = (app: MockApp, name: string) => app.inject({ url: projectsUrl(), headers: client.headers({ 'x-mock-session': name }) });
    for (const name of ['s1', 's2', 's3']) await choose(a, name);
    // s1 is used (on the other instance): s2 is now the least recently used.
    assertCintError(await list(b, 's1'), 503, 'service_unavailable_error');
    await choose(b, 's4');
    const direct = new Redis(redis.url);
    try {
      assert.deepEqual((await direct.hkeys(`${prefix}:choices`)).sort(), ['s1', 's3', 's4']);
      assert.deepEqual(await direct.zrange(`${prefix}:choice-use`, 0, -1), ['s3', 's1', 's4']);
    } finally {
      direct.disconnect();
    }
    assert.deepEqual(lines.filter((line) => line.event === 'scenario_choice_evicted').map(({ level, session, client_id, maxSessions, msg }) => ({ level, session, client_id, maxSessions, msg })), [{
      level: 40, session: 's2', client_id: null, maxSessions: 3,
      msg: "a session's scenario choice was forgotten to make room: maxSessions (3) choices are held; the session is back on the realistic behaviour",
    }]);
    // Both instances answer s2 realistically (a had it cached), s1 and s4 by their choice.
    for (const app of [a, b]) {
      assert.equal((await list(app, 's2')).statusCode, 200);
      assert.deepEqual((await app.inject({ url: '/__admin/sessions/s2/scenario' })).json(), { session: 's2', scenario: null, chosen_by: 'default' });
    }
    assertCintError(await list(a, 's4'), 503, 'service_unavailable_error');
    assertCintError(await list(a, 's1'), 503, 'service_unavailable_error');
    // A name's choice forgotten by a reset leaves the store's count of choices with it.
    assert.equal((await a.inject({ method: 'DELETE', url: '/__admin/sessions/s4/scenario' })).statusCode, 204);
    const after = new Redis(redis.url);
    try {
      assert.deepEqual((await after.hkeys(`${prefix}:choices`)).sort(), ['s1', 's3']);
      assert.deepEqual(await after.zrange(`${prefix}:choice-use`, 0, -1), ['s3', 's1']);
    } finally {
      after.disconnect();
    }
  });

  it('a scripted delay does not hold the session up for the other instance', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const slow = client.headers({ 'x-mock-scenario': 'slow' });
    // A long delay, and the order of the answers rather than a time: a loaded machine slows both.
    let listAnswered = false;
    const pending = a.inject({ url: projectsUrl(), headers: slow }).then((response) => {
      listAnswered = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await b.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    assert.equal(created.statusCode, 202);
    assert.equal(listAnswered, false, 'the create waited for the list\'s 2 s delay');
    const listed = await pending;
    assert.equal(listed.statusCode, 200);
    // It answers as the session is after its delay: the project made meanwhile is in it.
    assert.equal((listed.json().projects as unknown[]).length, 1);
  });

  /** Every key of `prefix` gone, as after a FLUSHALL or a restart of a Redis without persistence (other tests' keys stay). */
  async function loseEverything(prefix: string): Promise<void> {
    const direct = new Redis(redis.url);
    try {
      const keys = await direct.keys(`${prefix}:*`);
      assert.ok(keys.includes(`${prefix}:jwt-secret`), keys.join(', '));
      await direct.del(...keys);
    } finally {
      direct.disconnect();
    }
  }

  const accountsWith = (app: MockApp, token: string) => app.inject({ url: '/v1/accounts', headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION } });

  it('replicas whose store lost the token key, and a replica started then with a key of its own, converge: every token verifies on every replica', async () => {
    const prefix = `keys-${randomUUID()}`;
    const [a, b] = [await instance(prefix), await instance(prefix)];
    const before = [await tokenFor(a, 'client-a'), await tokenFor(b, 'client-b')];
    await loseEverything(prefix);
    const c = await instance(prefix);
    const fromC = await tokenFor(c, 'client-c');
    // The check each replica makes every few seconds (and when the store is back, or a token's signature is
    // unknown to it), made now: a and b adopt c's key for their new tokens and write theirs back beside it, c takes theirs.
    for (const app of [a, b, c]) await app.mock.shared!.syncTokenKey();
    const after = [await tokenFor(a, 'client-a2'), await tokenFor(b, 'client-b2')];
    const d = await instance(prefix);
    for (const token of [...before, fromC, ...after, await tokenFor(d, 'client-d')]) {
      for (const [name, app] of Object.entries({ a, b, c, d })) {
        const answer = await accountsWith(app, token);
        assert.equal(answer.statusCode, 200, `${name}: ${answer.body}`);
      }
    }
  });

  it('a token whose key a replica does not know makes it look at the store again: replicas split by a lost key converge without waiting for the periodic check', async () => {
    const prefix = `keys-${randomUUID()}`;
    const a = await instance(prefix);
    const fromA = await tokenFor(a, 'client-a');
    await loseEverything(prefix);
    const c = await instance(prefix);
    const fromC = await tokenFor(c, 'client-c');
    // Well within the 5 s between periodic checks (both instances started less than a second ago).
    await eventually(async () => (await accountsWith(a, fromC)).statusCode === 200 && (await accountsWith(c, fromA)).statusCode === 200, 3000, 'each replica to take the other\'s token');
    assert.equal((await accountsWith(c, await tokenFor(a, 'client-a2'))).statusCode, 200);
  });

  it('a new instance on the store serves what the old one created', async () => {
    const prefix = `restart-${randomUUID()}`;
    const first = await instance(prefix);
    const client = await clientOf(first);
    const created = await first.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name: 'kept across restarts' }) });
    assert.equal(created.statusCode, 202, created.body);
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const second = await instance(prefix);
    const read = await second.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().name, 'kept across restarts');
  });

  it('a session nobody used for sessionIdleTimeout is forgotten', async () => {
    const [a, b] = await pair({ sessionIdleTimeout: '700ms' });
    const client = await clientOf(a);
    const created = await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assertCintError(await b.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() }), 404, 'not_found_error');
  });

  it('answers 503 with Retry-After while Redis is down, and carries on when it is back', async () => {
    const [a] = await pair();
    const client = await clientOf(a);
    const created = await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    await redis.stop();
    try {
      const refused = await a.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
      assertUnavailable(refused);
      const health = await a.inject({ url: '/__admin/health' });
      assertUnavailable(health);
    } finally {
      await redis.start();
    }
    let back: LightMyRequestResponse | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      back = await a.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
      if (back.statusCode !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(back!.statusCode, 200, back!.body);
    const health = await a.inject({ url: '/__admin/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json().store, { kind: 'redis', status: 'ok' });
  });

  it('a store that hangs (SIGSTOP) is a 503 within a second, then at once for every session until it answers; back, no request waits out a lock', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    const other = await clientOf(a);
    for (const { headers } of [client, other]) assert.equal((await a.inject({ url: projectsUrl(), headers: headers() })).statusCode, 200);
    const timed = async (app: MockApp, url: string, headers?: Record<string, string>) => {
      const started = Date.now();
      const response = await app.inject({ url, ...(headers ? { headers } : {}) });
      return { response, ms: Date.now() - started };
    };
    redis.pause();
    try {
      // Two requests of one session at once: the first waits for the store's answer, not the 5 s command
      // timeout; the one that waited for its turn behind it is not sent to the store at all.
      const [first, queued] = await Promise.all([timed(a, projectsUrl(), client.headers()), timed(a, projectsUrl(), client.headers())]);
      assertUnavailable(first.response);
      assert.ok(first.ms < 3000, `the first 503 took ${first.ms} ms`);
      assertUnavailable(queued.response);
      assert.ok(queued.ms < first.ms + 500, `the request queued behind it took ${queued.ms} ms`);
      // Then every session's requests, the admin API's and health are answered at once.
      for (const [url, headers] of [[projectsUrl(), client.headers()], [projectsUrl(), other.headers()], ['/__admin/sessions', undefined], [`/__admin/sessions/${other.clientId}`, undefined], ['/__admin/health', undefined]] as const) {
        const { response, ms } = await timed(a, url, headers);
        assertUnavailable(response);
        assert.ok(ms < 500, `${url} took ${ms} ms`);
      }
    } finally {
      redis.resume();
    }
    // Back: the lock the unanswered command took when the store resumed is freed after it, so neither
    // instance waits it out (lockMs, 5 s).
    const started = Date.now();
    let back: LightMyRequestResponse;
    for (;;) {
      back = await a.inject({ url: projectsUrl(), headers: client.headers() });
      if (back.statusCode !== 503 || Date.now() - started > 1000) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(back.statusCode, 200, back.body);
    assert.ok(Date.now() - started < 1000, `back after ${Date.now() - started} ms`);
    const onB = await timed(b, projectsUrl(), client.headers());
    assert.equal(onB.response.statusCode, 200, onB.response.body);
    assert.ok(onB.ms < 1000, `the other instance took ${onB.ms} ms`);
    assert.equal((await timed(a, '/__admin/health')).response.statusCode, 200);
  });

  it('an outage logs one warning when the store goes and one line when it is back, each request its request line alone, and a save made in the background a warning with the reason: no error, no stack', async () => {
    const prefix = `quiet-${randomUUID()}`;
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    const a = await buildApp(makeConfig({ store: redis.url, storePrefix: prefix, scenariosDir, watchScenarios: false }), { logger: { level: 'info', stream } });
    apps.push(a);
    await a.ready();
    const client = await clientOf(a);
    const created = await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
    assert.equal(created.statusCode, 202, created.body);
    lines.length = 0;
    let requests = 0;
    await redis.stop();
    try {
      for (let i = 0; i < 3; i += 1) {
        assertUnavailable(await a.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() }));
        assertUnavailable(await a.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() }));
        assertUnavailable(await a.inject({ url: '/__admin/sessions' }));
        assertUnavailable(await a.inject({ url: '/__admin/health' }));
        requests += 4;
      }
      // A request refused before it takes its session (an expired token names its client) writes no line
      // about a journal entry the store could not take.
      const expired = await a.inject({ url: projectsUrl(), headers: { ...client.headers(), authorization: `Bearer ${a.mock.tokens.issue({ clientId: client.clientId, ttlSeconds: -120 }).access_token}` } });
      assert.equal(expired.statusCode, 401, expired.body);
      requests += 1;
      // Saves the programmatic control makes in the background, with no request to answer 503: a warning
      // each, with the store's reason.
      const control = controlOf(a);
      control.useScenario(client.clientId, null, client.clientId);
      control.clock(client.clientId, { advance: 'P1D' }, client.clientId);
      control.reset('never-used', client.clientId);
      await eventually(async () => lines.filter((line) => line.level === 40 && line.event === undefined).length >= 3, 2000, 'the background saves\' warnings');
    } finally {
      await redis.start();
    }
    await eventually(async () => {
      requests += 1;
      return (await a.inject({ url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() })).statusCode === 200;
    }, 5000, 'the store to be back');
    const requestLines = lines.filter((line) => line.msg === 'request');
    // Health's request line is written at debug.
    assert.equal(requestLines.length, requests - 3);
    assert.deepEqual(lines.filter((line) => Number(line.level) >= 50), []);
    assert.deepEqual(lines.filter((line) => 'err' in line || 'stack' in line), []);
    const background = lines.filter((line) => line.level === 40 && line.event === undefined);
    assert.deepEqual(background.map((line) => line.msg).sort(), [
      'a change made through the programmatic control was not saved to the session store',
      'a change made through the programmatic control was not saved to the session store',
      'a reset through the programmatic control did not reach the session store',
      'a scenario choice was not saved to the session store',
    ]);
    for (const line of background) assert.match(String(line.reason), /^the session store (has not answered since|did not answer)/);
    const others = lines.filter((line) => line.msg !== 'request' && !background.includes(line));
    assert.deepEqual(others.map(({ level, event, store }) => ({ level, event, store })), [
      { level: 40, event: 'session_store_down', store: redis.url },
      { level: 30, event: 'session_store_back', store: redis.url },
    ]);
    assert.equal(typeof others[0]!.reason, 'string');
    assert.equal(typeof others[1]!.after_ms, 'number');
  });

  it('does not start without its store, naming it', async () => {
    await assert.rejects(buildApp(makeConfig({ store: 'redis://127.0.0.1:1', storePrefix: 'nowhere' })), /cannot reach the session store redis:\/\/127\.0\.0\.1:1/);
  });

  it("does not start on a store that refuses its credentials, saying what Redis said (not ioredis's \"Connection is closed.\")", async () => {
    const locked = await startRedis({ persistent: false, args: ['--requirepass', 'the-password'] });
    try {
      const start = (url: string) => buildApp(makeConfig({ store: url, storePrefix: 'locked' }));
      await assert.rejects(start(`redis://bob:wrong@127.0.0.1:${locked.port}`),
        /^StoreUnavailableError: the session store redis:\/\/bob:\*\*\*@127\.0\.0\.1:\d+ refused the connection: WRONGPASS invalid username-password pair or user is disabled\. \(the user and password are the URL's/);
      await assert.rejects(start(locked.url), /^StoreUnavailableError: the session store redis:\/\/127\.0\.0\.1:\d+ refused the connection: NOAUTH /);
      const app = await start(`redis://:the-password@127.0.0.1:${locked.port}`);
      await app.close();
    } finally {
      await locked.close();
    }
  });

  it('a store that refuses writes (maxmemory, noeviction) is a 503 saying it refused, and the next request after it has room succeeds', async () => {
    const [a, b] = await pair();
    const client = await clientOf(a);
    assert.equal((await a.inject({ url: projectsUrl(), headers: client.headers() })).statusCode, 200);
    const direct = new Redis(redis.url);
    try {
      await direct.config('SET', 'maxmemory-policy', 'noeviction');
      await direct.config('SET', 'maxmemory', '1');
      try {
        for (const app of [a, b]) {
          const refused = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
          assertCintError(refused, 503, 'service_unavailable_error', {
            detail: /^the session store refused the command: OOM command not allowed when used memory > 'maxmemory'\. \(the session store at redis:\/\/127\.0\.0\.1:\d+\); retry after the delay in Retry-After$/,
          });
          assert.equal(refused.headers['retry-after'], '1');
        }
      } finally {
        await direct.config('SET', 'maxmemory', '0');
      }
      const created = await b.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody() });
      assert.equal(created.statusCode, 202, created.body);
    } finally {
      direct.disconnect();
    }
  });

  function assertUnavailable(response: LightMyRequestResponse) {
    assertCintError(response, 503, 'service_unavailable_error', { detail: /session store at redis:\/\/127\.0\.0\.1:\d+/ });
    assert.equal(response.headers['retry-after'], '1');
  }
});
