// The Redis session store across processes: each cint-mock here is a real process started through its
// command line (`cint-mock --store redis://… --store-prefix …`, test/cli-process.ts), all on one real redis-server
// (test/redis-server.ts), each test under a key prefix of its own. Several processes on one Redis and
// one prefix must behave as one process would: the same objects, idempotency keys, ETags, scenario
// counters and seeded draws, session clock and scenario choice, jobs, journal and webhook events, each
// event delivered once. A Redis that goes away is a 503 in Cint's envelope, never a crash or a hang, and
// its return needs no restart; an unreachable store at start is an exit with a message naming it.
// Skipped with a message where there is no redis-server or valkey-server; required with REQUIRE_REDIS_TESTS=1.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { makeConfig } from '../src/config.js';
import {
  ACCOUNT, API_VERSION, assertCintError, futureDate, launchUrl, projectBody, projectsUrl, runsUrl, targetGroupBody, targetGroupsUrl, type LaunchJobBody,
} from './helpers.js';
import { killStarted, runCli, type Cli, type Exit } from './cli-process.js';
import { eventually, removeFolder, scenarioFolder } from './scenario-helpers.js';
import { freePort, redisSkip, startRedis, type RedisServer } from './redis-server.js';

/** A request that takes longer than this is a hang: every answer here, a 503 included, must come sooner. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Tokens of one process are good on the others only when they share the key. */
const JWT_SECRET = 'redis-store-test-secret-7a1c9e52';
/** The second pass of the suite (npm run test:redis) would only run this file once more, as it is. */
const skip = redisSkip || (process.env.TEST_STORE ? 'runs in npm test already: its processes use a Redis of their own, whatever TEST_STORE says' : false);
// Every read the store does not serialize is compared in full all the same (sessions/redis.ts), in
// these processes and the ones they start: a change a read makes that its vitals miss fails a test here.
process.env.CHECK_STORE_READS = '1';

interface Mock extends Cli {
  url: string;
  /** SIGTERM, then the exit. */
  stop(): Promise<Exit>;
}

process.once('exit', killStarted);

/** The CLI with the shared JWT key, and `env`. */
const runMock = (args: string[], env: NodeJS.ProcessEnv = {}): Cli => runCli(args, { CINT_MOCK_JWT_SECRET: JWT_SECRET, ...env });

/** The options that put a process on `redisUrl` under `prefix`. */
const storeArgs = (redisUrl: string, prefix: string) => ['--store', redisUrl, '--store-prefix', prefix];

/** A cint-mock on port 0, ready; `args` come after the store's (and may replace them: pass `store: false`). */
async function startMock(redisUrl: string, prefix: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, { store = true } = {}): Promise<Mock> {
  const cli = runMock(['--port', '0', '--log-level', 'warn', ...(store ? storeArgs(redisUrl, prefix) : []), ...args], env);
  const { url } = await cli.ready();
  return {
    ...cli, url,
    stop: async () => {
      cli.child.kill('SIGTERM');
      return cli.exited();
    },
  };
}

/** `count` processes on one Redis and one prefix, started at once. */
const cluster = (count: number, redisUrl: string, prefix: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  Promise.all(Array.from({ length: count }, () => startMock(redisUrl, prefix, args, env)));

/** A key prefix of its own for each test, so that tests sharing the Redis never meet. */
const freshPrefix = (name: string) => `redis-store-test-${name}-${randomBytes(4).toString('hex')}`;

// ---------------------------------------------------------------------------------------------------
// HTTP

interface Answer { status: number; headers: Headers; text: string; json: Record<string, unknown>; from: string }

interface CallOptions { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number }

async function call(base: string, method: string, path: string, { token, body, headers = {}, timeoutMs = REQUEST_TIMEOUT_MS }: CallOptions = {}): Promise<Answer> {
  const began = Date.now();
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${method} ${base}${path} failed after ${Date.now() - began} ms: ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) as Record<string, unknown> : {};
  } catch {
    // not JSON: the assertions on `text` say what it was
  }
  return { status: response.status, headers: response.headers, text, json, from: base };
}

/**
 * A client of a group of processes: its own client id and token (from the first process), a new
 * Idempotency-Key on each POST unless given, and a round-robin `next` (request i goes to process i % n).
 */
async function clientOf(mocks: Mock[], clientId = `client-${randomBytes(4).toString('hex')}`) {
  const issued = await call(mocks[0]!.url, 'POST', '/oauth/token', {
    body: { client_id: clientId, client_secret: 'secret', grant_type: 'client_credentials', audience: 'https://api.cint.com' },
  });
  assert.equal(issued.status, 200, issued.text);
  const token = String(issued.json.access_token);
  let keys = 0;
  let turn = 0;
  const on = (index: number, method: string, path: string, options: CallOptions = {}) => call(mocks[index % mocks.length]!.url, method, path, {
    token, ...options,
    headers: { ...(method === 'POST' ? { 'idempotency-key': `${clientId}-${(keys += 1)}` } : {}), ...options.headers },
  });
  return {
    clientId, token,
    on,
    /** The next process in turn. */
    next: (method: string, path: string, options: CallOptions = {}) => on(turn++, method, path, options),
  };
}

/** assertCintError (the exact envelope, Cint's Error schema) on an answer over a socket. */
function assertError(answer: Answer, status: number, object: string, expected: Parameters<typeof assertCintError>[3] = {}) {
  const response = {
    statusCode: answer.status,
    headers: Object.fromEntries(answer.headers),
    body: answer.text,
    json: () => JSON.parse(answer.text),
  } as unknown as LightMyRequestResponse;
  return assertCintError(response, status, object, expected);
}

/** A 503 as the store's outage answers it: the envelope, and Retry-After in seconds. */
function assertUnavailable(answer: Answer, what: string) {
  assert.equal(answer.status, 503, `${what}: ${answer.text}`);
  assertError(answer, 503, 'service_unavailable_error');
  assert.match(answer.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After in seconds`);
}

/** A project, a draft target group in it and its launch job's URL, made through `client`'s next processes. */
async function createProject(client: Awaited<ReturnType<typeof clientOf>>, name = `Project ${randomBytes(3).toString('hex')}`) {
  const created = await client.next('POST', projectsUrl(), { body: projectBody({ name }) });
  assert.equal(created.status, 202, created.text);
  return String(created.json.id);
}

/** A local webhook receiver: records every request, answers 200. */
async function receiver() {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------------------------------------------------------------------------------------------------

describe('the Redis session store, across processes', { skip, concurrency: 2, timeout: 240_000 }, () => {
  let redis: RedisServer;
  let dir: string;
  before(async () => {
    redis = await startRedis();
    // One scenario folder for the tests that choose one: rules on list_account_projects only.
    dir = await scenarioFolder({
      'three-503s.yaml': `description: exactly three 503s on list_account_projects, then the realistic answer
rules:
  - match: { operation: list_account_projects }
    respond: { status: 503, times: 3 }
`,
      'seeded-coin.yaml': `description: list_account_projects answers 503 on a seeded coin toss
seed: 20261204
rules:
  - match: { operation: list_account_projects }
    respond: { status: 503, probability: 0.5 }
`,
    });
  });
  after(async () => {
    killStarted();
    await redis?.close();
    if (dir) await removeFolder(dir);
  });

  it('three processes behind a round-robin client share one session: objects, a job polled on each, ETags and 412s', async () => {
    // Two polls of a launch job answer Processing before it completes: the polls must count across processes.
    const mocks = await cluster(3, redis.url, freshPrefix('share'), [], { CINT_MOCK_JOB_POLLS: '2' });
    for (const mock of mocks) {
      const health = await call(mock.url, 'GET', '/__admin/health');
      assert.equal(health.status, 200, health.text);
      assert.deepEqual(Object.keys(health.json).sort(), ['sessions', 'status', 'store', 'uptime_seconds']);
      assert.equal(health.json.status, 'ok');
      assert.deepEqual(health.json.store, { kind: 'redis', status: 'ok' });
    }
    const client = await clientOf(mocks);

    // 0: created on the first; 1-3: the same body and ETag from all three; 4: listed.
    const created = await client.next('POST', projectsUrl(), { body: projectBody({ name: 'Shared project' }) });
    assert.equal(created.status, 202, created.text);
    const projectId = String(created.json.id);
    const reads = [await client.next('GET', `${projectsUrl()}/${projectId}`), await client.next('GET', `${projectsUrl()}/${projectId}`), await client.next('GET', `${projectsUrl()}/${projectId}`)];
    for (const read of reads) {
      assert.equal(read.status, 200, `${read.from}: ${read.text}`);
      assert.equal(read.json.id, projectId);
      assert.equal(read.json.name, 'Shared project');
      assert.deepEqual(read.json, reads[0]!.json, `${read.from} serves the same project`);
      assert.equal(read.headers.get('etag'), reads[0]!.headers.get('etag'), `${read.from} gives the same ETag`);
    }
    const listed = await client.next('GET', `${projectsUrl()}?page_size=10`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((listed.json.projects as { id: string }[]).map((project) => project.id), [projectId]);

    // 5: a target group; 6: its launch; 7-9: its job polled on the three in turn.
    const group = await client.next('POST', targetGroupsUrl(projectId), { body: targetGroupBody() });
    assert.equal(group.status, 201, group.text);
    const targetGroupId = String(group.json.id);
    const launched = await client.next('POST', launchUrl(projectId, targetGroupId), { body: { end_fielding_at: futureDate() } });
    assert.equal(launched.status, 201, launched.text);
    const location = String(launched.headers.get('location'));
    const polls: LaunchJobBody[] = [];
    while (polls.length < 10 && polls.at(-1)?.status !== 'Completed') {
      const job = await client.next('GET', location);
      assert.equal(job.status, 200, `${job.from}: ${job.text}`);
      polls.push(job.json as unknown as LaunchJobBody);
    }
    assert.deepEqual(polls.map((job) => job.status), ['Processing', 'Processing', 'Completed'], 'jobPolls 2, counted across the processes');
    const runId = String(polls.at(-1)!.created_fielding_run_id);
    const runUrl = `${runsUrl(projectId, targetGroupId)}/${runId}`;

    // 10: the run's ETag from one process; 11: a pause with it on the next; 12-14: the old ETag on each is a 412.
    const run = await client.next('GET', runUrl);
    assert.equal(run.status, 200, run.text);
    const etag = String(run.headers.get('etag'));
    const paused = await client.next('POST', `${runUrl}/pause`, { headers: { 'if-match': etag } });
    assert.equal(paused.status, 204, paused.text);
    const newEtag = String(paused.headers.get('etag'));
    assert.notEqual(newEtag, etag);
    for (let index = 0; index < 3; index += 1) {
      const stale = await client.next('POST', `${runUrl}/resume`, { headers: { 'if-match': etag } });
      assertError(stale, 412, 'precondition_failed_error');
    }
    // 15: the pause is seen on the next process, with the new ETag; 16: which a resume there takes.
    const pausedRun = await client.next('GET', runUrl);
    assert.equal(pausedRun.status, 200, pausedRun.text);
    assert.equal(pausedRun.json.status, 'paused');
    assert.equal(pausedRun.headers.get('etag'), newEtag);
    const resumed = await client.next('POST', `${runUrl}/resume`, { headers: { 'if-match': newEtag } });
    assert.equal(resumed.status, 204, resumed.text);
  });

  it('counts exactly under concurrency: times 3 gives three 503s of 30 requests over three processes; one Idempotency-Key makes one project', async () => {
    const mocks = await cluster(3, redis.url, freshPrefix('exact'), ['--scenarios', dir, '--scenario', 'three-503s']);
    const client = await clientOf(mocks);

    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => client.on(index, 'GET', `${projectsUrl()}?page_size=5`)));
    const unavailable = answers.filter((answer) => answer.status === 503);
    assert.equal(unavailable.length, 3, `statuses: ${answers.map((answer) => answer.status).join(' ')}`);
    assert.deepEqual(answers.filter((answer) => answer.status !== 503).map((answer) => answer.status), Array(27).fill(200));
    for (const answer of unavailable) {
      assertError(answer, 503, 'service_unavailable_error');
      assert.equal(answer.headers.get('retry-after'), '1');
    }
    // The journal, read from one process, marks exactly those three as the scenario's.
    await eventually(async () => {
      const journal = await call(mocks[1]!.url, 'GET', `/__admin/sessions/${client.clientId}/journal?operation=list_account_projects`);
      return (journal.json.entries as unknown[] | undefined)?.length === 30;
    }, 5000, 'the 30 requests in the journal');
    const journal = await call(mocks[1]!.url, 'GET', `/__admin/sessions/${client.clientId}/journal?operation=list_account_projects`);
    const entries = journal.json.entries as { status: number; scenario: { name: string; rule: number } | null }[];
    assert.deepEqual(entries.filter((entry) => entry.scenario !== null).map((entry) => [entry.status, entry.scenario]),
      Array(3).fill([503, { name: 'three-503s', rule: 0 }]));

    // The same key and body, sent at once to all three: one project, the same answer three times.
    const body = projectBody({ name: 'Once only' });
    const posts = await Promise.all(mocks.map((_, index) => client.on(index, 'POST', projectsUrl(), { body, headers: { 'idempotency-key': 'one-key-three-processes' } })));
    for (const post of posts) assert.equal(post.status, 202, `${post.from}: ${post.text}`);
    assert.equal(new Set(posts.map((post) => post.json.id)).size, 1, `one id: ${posts.map((post) => post.text).join(' | ')}`);
    assert.equal(new Set(posts.map((post) => post.text)).size, 1, 'the same body');
    assert.equal(new Set(posts.map((post) => post.headers.get('etag'))).size, 1, 'the same ETag');
    assert.equal(posts.filter((post) => post.headers.get('idempotent-replayed') === 'true').length, 2, 'two of them replayed');
    const listed = await client.on(2, 'GET', `${projectsUrl()}?page_size=10`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((listed.json.projects as { id: string; name: string }[]).map((project) => [project.id, project.name]), [[posts[0]!.json.id, 'Once only']]);
  });

  it('a seeded scenario draws the same outcomes through three processes as through one, and as the memory store does', async () => {
    const args = ['--scenarios', dir, '--scenario', 'seeded-coin'];
    const clientId = `seeded-${randomBytes(4).toString('hex')}`;
    const requests = 30;
    const statusesThrough = async (client: Awaited<ReturnType<typeof clientOf>>) => {
      const statuses: number[] = [];
      for (let index = 0; index < requests; index += 1) statuses.push((await client.next('GET', `${projectsUrl()}?page_size=5`)).status);
      return statuses;
    };
    const [three, one] = await Promise.all([cluster(3, redis.url, freshPrefix('seeded-three'), args), cluster(1, redis.url, freshPrefix('seeded-one'), args)]);
    const throughThree = await statusesThrough(await clientOf(three, clientId));
    const throughOne = await statusesThrough(await clientOf(one, clientId));

    // The memory store in this process: the same scenario, the same session name.
    const app = await buildApp(makeConfig({ scenariosDir: dir, scenario: 'seeded-coin', jwtSecret: JWT_SECRET }));
    let inMemory: number[];
    try {
      const token = await app.inject({ method: 'POST', url: '/oauth/token', payload: { client_id: clientId, client_secret: 'secret', grant_type: 'client_credentials', audience: 'https://api.cint.com' } });
      const headers = { authorization: `Bearer ${token.json().access_token}`, 'cint-api-version': API_VERSION };
      inMemory = [];
      for (let index = 0; index < requests; index += 1) inMemory.push((await app.inject({ method: 'GET', url: `${projectsUrl()}?page_size=5`, headers })).statusCode);
    } finally {
      await app.close();
    }

    assert.ok(throughOne.includes(200) && throughOne.includes(503), `a coin that lands both ways: ${throughOne.join(' ')}`);
    assert.deepEqual(throughThree, throughOne, 'three processes in turn draw as one');
    assert.deepEqual(throughOne, inMemory, 'Redis draws as memory does');
  });

  it("the session's clock and scenario, set through one process, apply on the others; the journal of one holds the requests of all three", async () => {
    const mocks = await cluster(3, redis.url, freshPrefix('admin'));
    const client = await clientOf(mocks);
    const session = `/__admin/sessions/${client.clientId}`;
    const list = (index: number, pageSize: number) => client.on(index, 'GET', `${projectsUrl()}?page_size=${pageSize}`);
    assert.equal((await list(0, 1)).status, 200);

    const moved = await call(mocks[1]!.url, 'POST', `${session}/clock`, { body: { advance: 'P1D' } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.offset_ms, 86_400_000);
    for (const mock of [mocks[2]!, mocks[0]!]) {
      const clock = await call(mock.url, 'GET', `${session}/clock`);
      assert.equal(clock.status, 200, clock.text);
      assert.equal(clock.json.offset_ms, 86_400_000, `${mock.url} sees the moved clock`);
      assert.ok(Math.abs(Date.parse(String(clock.json.now)) - (Date.now() + 86_400_000)) < 60_000, `now is a day ahead: ${clock.text}`);
    }

    const chosen = await call(mocks[1]!.url, 'PUT', `${session}/scenario`, { body: { scenario: 'unavailable' } });
    assert.equal(chosen.status, 200, chosen.text);
    const seen = await call(mocks[2]!.url, 'GET', `${session}/scenario`);
    assert.deepEqual(seen.json, { session: client.clientId, scenario: 'unavailable', chosen_by: 'session' });
    for (const [index, pageSize] of [[0, 2], [1, 3], [2, 4]] as const) {
      const answer = await list(index, pageSize);
      assertError(answer, 503, 'service_unavailable_error');
      assert.equal(answer.headers.get('retry-after'), '30', 'the built-in unavailable scenario');
    }
    const cleared = await call(mocks[0]!.url, 'PUT', `${session}/scenario`, { body: { scenario: null } });
    assert.equal(cleared.status, 200, cleared.text);
    for (const [index, pageSize] of [[0, 5], [1, 6], [2, 7]] as const) assert.equal((await list(index, pageSize)).status, 200, `process ${index} after the choice was cleared`);

    // Every list request, whichever process answered it, in the journal read from one of them.
    const expected = [[1, 200, null], [2, 503, 'unavailable'], [3, 503, 'unavailable'], [4, 503, 'unavailable'], [5, 200, null], [6, 200, null], [7, 200, null]];
    type Entry = { query: Record<string, unknown>; status: number; scenario: { name: string } | null };
    const journalOf = async (index: number) => {
      const journal = await call(mocks[index]!.url, 'GET', `${session}/journal?operation=list_account_projects`);
      assert.equal(journal.status, 200, journal.text);
      return (journal.json.entries as Entry[]).map((entry) => [Number(entry.query.page_size), entry.status, entry.scenario?.name ?? null])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    };
    await eventually(async () => (await journalOf(2)).length >= expected.length, 5000, 'seven journal entries');
    for (const index of [0, 1, 2]) assert.deepEqual(await journalOf(index), expected, `the journal read from process ${index}`);
    const counts = await call(mocks[1]!.url, 'GET', `${session}/counts?operation=list_account_projects`);
    assert.equal(counts.json.count, expected.length, counts.text);
  });

  it('a process stopped and started again on the same Redis and prefix serves what was made before; so does a fresh one', async () => {
    const prefix = freshPrefix('restart');
    const mocks = await cluster(3, redis.url, prefix);
    const client = await clientOf(mocks);
    const ids = [await createProject(client, 'Before restart 1'), await createProject(client, 'Before restart 2'), await createProject(client, 'Before restart 3')];
    const bodies = await Promise.all(ids.map(async (id) => (await client.on(0, 'GET', `${projectsUrl()}/${id}`)).json));

    assert.deepEqual(await mocks[1]!.stop(), { code: 0, signal: null }, mocks[1]!.stderr());
    // Started again with the same store through a config file's keys; the fresh one through the environment.
    const configFile = join(dir, `${prefix}.yaml`);
    writeFileSync(configFile, `store: ${JSON.stringify(redis.url)}\nstorePrefix: ${JSON.stringify(prefix)}\n`);
    const again = await startMock(redis.url, prefix, ['--config', configFile], {}, { store: false });
    const restarted = await clientOf([again], client.clientId);
    for (const [index, id] of ids.entries()) {
      const read = await call(again.url, 'GET', `${projectsUrl()}/${id}`, { token: client.token });
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.json, bodies[index], 'the same project after the restart');
    }
    assert.equal((await restarted.next('GET', `${projectsUrl()}/${ids[0]}`)).status, 200, 'a token it issued after the restart reads it too');

    // Every process gone; a new one on the same Redis and prefix lists them all.
    await Promise.all([mocks[0]!.stop(), mocks[2]!.stop(), again.stop()]);
    const fresh = await startMock(redis.url, prefix, [], { CINT_MOCK_STORE: redis.url, CINT_MOCK_STORE_PREFIX: prefix }, { store: false });
    const listed = await call(fresh.url, 'GET', `${projectsUrl()}?page_size=10`, { token: client.token });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((listed.json.projects as { id: string }[]).map((project) => project.id).sort(), [...ids].sort());
    await fresh.stop();
  });

  it('Redis stopped under traffic: 503 in the envelope with Retry-After, health 503, no crash; its return needs no restart, and its data is still there', async () => {
    // A Redis of this test's own: the others' stays up.
    const own = await startRedis();
    try {
      const mocks = await cluster(2, own.url, freshPrefix('outage'));
      const client = await clientOf(mocks);
      const projectId = await createProject(client, 'Survives the outage');
      const original = await client.on(1, 'GET', `${projectsUrl()}/${projectId}`);
      assert.equal(original.status, 200, original.text);

      // Traffic on both processes through the stop and the restart: every answer a 200 or the store's 503, none slow.
      let traffic = true;
      const seen: { status: number; ms: number; text: string; retryAfter: string | null; error?: string }[] = [];
      const loops = mocks.map(async (mock) => {
        while (traffic) {
          const began = Date.now();
          try {
            const answer = await call(mock.url, 'GET', `${projectsUrl()}/${projectId}`, { token: client.token, timeoutMs: 5000 });
            seen.push({ status: answer.status, ms: Date.now() - began, text: answer.text, retryAfter: answer.headers.get('retry-after') });
          } catch (error) {
            seen.push({ status: 0, ms: Date.now() - began, text: '', retryAfter: null, error: (error as Error).message });
          }
          await sleep(20);
        }
      });
      await sleep(300);
      await own.stop();

      for (const [index, mock] of mocks.entries()) {
        await eventually(async () => (await call(mock.url, 'GET', `${projectsUrl()}/${projectId}`, { token: client.token, timeoutMs: 5000 })).status === 503,
          5000, `process ${index} answering 503 once Redis is gone`);
        assertUnavailable(await call(mock.url, 'GET', `${projectsUrl()}/${projectId}`, { token: client.token, timeoutMs: 5000 }), 'get_project_by_id');
        assertUnavailable(await call(mock.url, 'GET', `${projectsUrl()}?page_size=10`, { token: client.token, timeoutMs: 5000 }), 'list_account_projects');
        assertUnavailable(await call(mock.url, 'POST', projectsUrl(), {
          token: client.token, body: projectBody({ name: 'During the outage' }), headers: { 'idempotency-key': `outage-${index}` }, timeoutMs: 5000,
        }), 'create_project');
        const health = await call(mock.url, 'GET', '/__admin/health', { timeoutMs: 5000 });
        assert.equal(health.status, 503, health.text);
        assertError(health, 503, 'service_unavailable_error', { detail: /redis/i });
        // Answered before the session is taken (a path no route has): the answer stands, and only its
        // journal entry is lost (decision 184).
        const typo = await call(mock.url, 'GET', '/v1/demand/accounts/101/projectz', { token: client.token, timeoutMs: 5000 });
        assertError(typo, 404, 'not_found_error', { detail: 'no route matches GET /v1/demand/accounts/101/projectz; did you mean /v1/demand/accounts/101/projects?' });
        // The outage is one warning, not a line (or an error) per request.
        const lines = mock.stderr().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; event?: string; msg: string });
        assert.deepEqual(lines.filter((line) => line.level >= 40).map(({ level, event }) => ({ level, event })), [{ level: 40, event: 'session_store_down' }], mock.stderr());
      }
      await sleep(1000);
      for (const mock of mocks) assert.equal(mock.child.exitCode, null, `still running: ${mock.stderr().slice(-2000)}`);

      await own.start();
      for (const [index, mock] of mocks.entries()) {
        await eventually(async () => (await call(mock.url, 'GET', `${projectsUrl()}/${projectId}`, { token: client.token, timeoutMs: 5000 })).status === 200,
          15_000, `process ${index} answering 200 again once Redis is back`);
        const read = await call(mock.url, 'GET', `${projectsUrl()}/${projectId}`, { token: client.token });
        assert.deepEqual(read.json, original.json, 'the project made before the outage, from the AOF');
        const health = await call(mock.url, 'GET', '/__admin/health');
        assert.equal(health.status, 200, health.text);
        assert.deepEqual(health.json.store, { kind: 'redis', status: 'ok' });
      }
      traffic = false;
      await Promise.all(loops);

      const wrong = seen.filter((answer) => !(answer.status === 200 || (answer.status === 503 && /^\d+$/.test(answer.retryAfter ?? '')
        && /"object":"service_unavailable_error"/.test(answer.text))));
      assert.deepEqual(wrong, [], 'every answer during the outage: 200, or 503 in the envelope with Retry-After');
      assert.ok(seen.some((answer) => answer.status === 503), 'the traffic met the outage');
      assert.ok(Math.max(...seen.map((answer) => answer.ms)) < 5000, 'no answer took 5 s');

      // Writes work again, and are seen by the other process.
      const made = await client.on(0, 'POST', projectsUrl(), { body: projectBody({ name: 'After the outage' }) });
      assert.equal(made.status, 202, made.text);
      assert.equal((await client.on(1, 'GET', `${projectsUrl()}/${made.json.id}`)).status, 200);
      for (const mock of mocks) assert.equal(mock.child.exitCode, null);
    } finally {
      await own.close();
    }
  });

  it('an unreachable store at start exits non-zero naming its URL, from the flag, the environment or a config file', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const configFile = join(dir, 'unreachable.yaml');
    writeFileSync(configFile, `store: ${JSON.stringify(url)}\n`);
    const began = Date.now();
    const clis = [
      runMock(['--port', '0', '--store', url]),
      runMock(['--port', '0'], { CINT_MOCK_STORE: url }),
      runMock(['--port', '0', '--config', configFile]),
    ];
    // The contract's ~10 s after the start, and the time a start takes on a loaded machine;
    // one that starts listening instead fails at once.
    const exits = await Promise.all(clis.map((cli) => Promise.race([
      cli.exited(30_000),
      cli.ready().then((ready) => assert.fail(`started at ${ready.url} instead of failing; stderr:\n${cli.stderr()}`), () => new Promise<never>(() => undefined)),
    ])));
    const elapsed = Date.now() - began;
    for (const [index, cli] of clis.entries()) {
      const exit = exits[index]!;
      assert.equal(exit.signal, null, cli.stderr());
      assert.ok(exit.code !== null && exit.code !== 0, `exit code ${exit.code}: ${cli.stderr()}`);
      assert.ok(cli.stderr().includes(url), `stderr names ${url}: ${cli.stderr()}`);
      assert.equal(cli.stdout(), '', 'no ready line');
    }
    assert.ok(elapsed < 25_000, `exited after ${elapsed} ms`);
  });

  it('a webhook event published through one process is delivered once, not once per process', async () => {
    const hooks = await receiver();
    try {
      const mocks = await cluster(3, redis.url, freshPrefix('webhooks'));
      const client = await clientOf(mocks);
      const webhook = await client.on(0, 'POST', `/v1/accounts/${ACCOUNT}/webhooks`, { body: { url: hooks.url, events: ['target-group-updated'] } });
      assert.equal(webhook.status, 201, webhook.text);
      const { id: webhookId, secret } = webhook.json as { id: string; secret: string };

      const projectId = String((await client.on(1, 'POST', projectsUrl(), { body: projectBody() })).json.id);
      const group = await client.on(2, 'POST', targetGroupsUrl(projectId), { body: targetGroupBody() });
      assert.equal(group.status, 201, group.text);
      const targetGroupId = String(group.json.id);
      // The launch job ends at once (jobPolls 0): its draft -> live is published by the process that took the launch.
      const launched = await client.on(1, 'POST', launchUrl(projectId, targetGroupId), { body: { end_fielding_at: futureDate() } });
      assert.equal(launched.status, 201, launched.text);
      const job = await client.on(2, 'GET', String(launched.headers.get('location')));
      assert.equal((job.json as unknown as LaunchJobBody).status, 'Completed', job.text);
      const runUrl = `${runsUrl(projectId, targetGroupId)}/${(job.json as unknown as LaunchJobBody).created_fielding_run_id}`;
      const run = await client.on(0, 'GET', runUrl);
      const paused = await client.on(2, 'POST', `${runUrl}/pause`, { headers: { 'if-match': String(run.headers.get('etag')) } });
      assert.equal(paused.status, 204, paused.text);

      await eventually(() => hooks.received.length >= 2, 10_000, 'two deliveries');
      // Long enough for a second or third copy from another process to arrive.
      await sleep(2000);
      const events = hooks.received.map((request) => {
        const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['cint-signature'] ?? ''));
        assert.ok(match, `signed: ${JSON.stringify(request.headers)}`);
        assert.equal(match[2], createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest('hex'), 'signed with the secret the API gave');
        return JSON.parse(request.body) as { id: string; type: string; payload: { changes: { object: string; old_value: unknown; new_value: unknown }[] } };
      });
      assert.equal(events.length, 2, `delivered: ${events.map((event) => JSON.stringify(event.payload.changes)).join(' | ')}`);
      assert.deepEqual(events.map((event) => event.payload.changes.map((change) => [change.object, change.old_value, change.new_value])),
        [[['status_change', 'draft', 'live']], [['status_change', 'live', 'paused']]]);
      assert.equal(new Set(events.map((event) => event.id)).size, 2);

      // The events history, read from each process, has both, each delivered.
      for (const index of [0, 1, 2]) {
        await eventually(async () => {
          const history = await client.on(index, 'GET', `/v1/accounts/${ACCOUNT}/webhooks/${webhookId}/events-history?start_time=2000-01-01T00:00:00Z`);
          const listed = (history.json.events as { id: string; status: string }[] | undefined) ?? [];
          return listed.length === 2 && listed.every((event) => event.status === 'delivered')
            && JSON.stringify(listed.map((event) => event.id).sort()) === JSON.stringify(events.map((event) => event.id).sort());
        }, 5000, `both events delivered in the history read from process ${index}`);
      }
    } finally {
      await hooks.close();
    }
  });

  it('a session unused for longer than --session-idle-timeout is forgotten; one in use is kept', async () => {
    const [mock] = await cluster(1, redis.url, freshPrefix('idle'), ['--session-idle-timeout', '2s']);
    const idle = await clientOf([mock!]);
    const busy = await clientOf([mock!]);
    const idleProject = await createProject(idle, 'Left alone');
    const busyProject = await createProject(busy, 'In use');
    const leftAt = Date.now();
    // The busy session is used every half second; the idle one not at all, until 3.5 s have passed.
    while (Date.now() - leftAt < 3500) {
      const read = await busy.next('GET', `${projectsUrl()}/${busyProject}`);
      assert.equal(read.status, 200, read.text);
      await sleep(500);
    }
    assertError(await idle.next('GET', `${projectsUrl()}/${idleProject}`), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assert.equal((await busy.next('GET', `${projectsUrl()}/${busyProject}`)).status, 200);
  });
});

describe('the memory store', () => {
  it('health names it', async () => {
    const app = await buildApp(makeConfig({}));
    try {
      const health = await app.inject({ method: 'GET', url: '/__admin/health' });
      assert.equal(health.statusCode, 200, health.body);
      assert.deepEqual(Object.keys(health.json()).sort(), ['sessions', 'status', 'store', 'uptime_seconds']);
      assert.deepEqual(health.json().store, { kind: 'memory', status: 'ok' });
    } finally {
      await app.close();
    }
  });
});
