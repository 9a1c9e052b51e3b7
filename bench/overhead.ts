// Benchmark: the mock as users run it (`node dist/src/cli.js`, its own process) against a bare Fastify
// server (bench/bare-server.mjs, also its own process), in the same run on the same machine, so the
// figures that matter are the ratios, not the absolute numbers (these machines are shared).
//   npm run bench                                  # builds dist first; about 21–23 minutes
//   BENCH_LOAD=autocannon npm run bench            # autocannon, not wrk (the default where installed)
//   BENCH_QUICK=1 npm run bench                    # a smoke check: 1 round, 3 s per target, 1 s warm-up, 201 projects
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_ROUNDS=3 npm run bench
//   (also BENCH_WARMUP seconds, BENCH_COLD_ROUNDS, BENCH_PAIR_ROUNDS, BENCH_START_TIMEOUT_MS, BENCH_FILLERS; BENCH_PIN=0 runs unpinned)
//
// 1. Cold start: from spawn to the first successful answer, polled from the moment of spawn on a port
//    picked beforehand. The bare server's first answer is GET /ok; the mock's is its first Cint answer,
//    POST /oauth/token then GET the account's project list (the time of the token is shown too).
//    Bare and mock alternate, after one warm-up round each that is not counted.
// 2. Load: each target is a server of its own, started afresh for each round (RSS read after its start,
//    before any request, and after its load run), checked with one request, then loaded by wrk (one
//    thread; autocannon where wrk is not installed, or with BENCH_LOAD=autocannon) in a process of its
//    own: a warm-up run that is not counted, then BENCH_SECONDS, over which the server's CPU time per
//    answer, and its share of the run's wall time (busy), are read from /proc as well. Every server is
//    sent the same headers (a bearer token as long as the mock's, Cint-API-Version); the bare server's
//    list route answers a fixed page of 10 projects shaped like the mock's, a second baseline (with
//    logging off and on), which the mock's list pages are compared with for p99 and RSS (decision 97).
//    The targets alternate over BENCH_ROUNDS rounds, the order rotated each round; the report gives
//    medians, and ratios to bare Fastify as the median of each round's ratio (the target against the
//    bare server of the same round: the machine's load moves between rounds). With taskset and two
//    CPUs, servers run on one CPU, the load generator and this process on the other.
// 2b. Side by side: the mock's scripted 503 (logging off and on), get_project_by_id and list page, each
//    with its baseline (bare Fastify's 503, with pino for logging on; its page of 10 for the list), both
//    servers started afresh and run on the servers' CPU at the same time, each loaded by a load generator
//    of its own on the other CPU, BENCH_PAIR_ROUNDS (BENCH_ROUNDS) times. The two share the CPU, and so
//    whatever the machine's other tenants leave it, over the same seconds: the ratio of their req/s is
//    the ratio of their cost per answer without the drift of minutes between two runs (README, decision 100).
//    get_project_by_id is measured a second time beside bare Fastify's 503 sent the same 2001 POSTs before
//    its load as fill the mock's session (bare-server.mjs answers them 202): the same requests beforehand.
// 3. Memory: bare Fastify, the mock's scripted 503 and its get_project_by_id, each a server of its own
//    sent 10,000 requests, then BENCH_MEMORY_REQUESTS (1,000,000) in all; RSS after its start, after the
//    first 10,000 and at the end (autocannon, which can send a number of requests). Memory that grows
//    with requests rather than levelling off shows here.
// 4. The Redis store: the scripted 503 and get_project_by_id again with `--store redis://…`, against a
//    redis-server (or valkey-server; REDIS_SERVER names another binary) the bench starts afresh for each
//    run, on the servers' CPU, with no persistence; their ratios are given against the same targets on the
//    memory store (same round) as well as against bare Fastify. Without a Redis binary they are left out,
//    and the report says why.
// Logging on means pino at info on stderr for both servers, and the bench sends each server's stderr to
// a file. The bench fails when a target answers wrongly, never because a goal is not met. Every child is
// killed at the end, on failure and on Ctrl-C too; each start, poll, request and load run has a deadline.
import { createHmac, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { atExit, cleanUp, launchServer, stop, withDeadline, type Server } from './children.js';
import { runLoad, timedLoad, type LoadResult } from './load.js';
import { cpuMicros, envInteger, loadAverage, onCpu, placeProcesses, residentMb, type Placement } from './machine.js';
import { findRedisServer, startRedis, type RedisServer } from '../test/redis-server.js';

const quick = process.env.BENCH_QUICK === '1';
const seconds = envInteger('BENCH_SECONDS', quick ? 3 : 5, 1);
const warmupSeconds = envInteger('BENCH_WARMUP', quick ? 1 : 2, 0);
const connections = envInteger('BENCH_CONNECTIONS', 50, 1);
const rounds = envInteger('BENCH_ROUNDS', quick ? 1 : 5, 1);
/** Rounds of the side-by-side runs (each mock target with its baseline on one CPU at once). */
const pairRounds = envInteger('BENCH_PAIR_ROUNDS', rounds, 1);
const coldRounds = envInteger('BENCH_COLD_ROUNDS', quick ? 1 : 5, 1);
/** The memory run: RSS after the first 10,000 requests and after this many. */
const memoryRequests = envInteger('BENCH_MEMORY_REQUESTS', quick ? 100_000 : 1_000_000, 20_000);
const memoryWarmRequests = 10_000;
/** How long a server may take from spawn to its first answer (or ready line) before the bench gives up. */
const startTimeoutMs = envInteger('BENCH_START_TIMEOUT_MS', 20_000, 100);
const requestTimeoutMs = 5_000;
const pollIntervalMs = 5;
/** The projects made before a read, besides the one read: 2000 (BENCH_FILLERS); 200 in a smoke check, which reads no figure. */
const fillers = envInteger('BENCH_FILLERS', quick ? 200 : 2000, 10);
const fillChunk = 50;
const manyRules = 10_000;
const fewRules = 10;

const root = fileURLToPath(new URL('..', import.meta.url));
const mockCli = join(root, 'dist', 'src', 'cli.js');
const bareScript = join(root, 'bench', 'bare-server.mjs');
const ACCOUNT = 101;
const PROJECT_MANAGER = 'b551326b-ac9d-4d32-8823-4f025787dab9';
const API_VERSION = { 'cint-api-version': '2025-12-18' };
const PROJECTS_PATH = `/v1/demand/accounts/${ACCOUNT}/projects`;
/** The project a scripted 503 is asked for: any id, the rule answers before the route looks. */
const ANY_PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';

let placement: Placement;
let workDir: string;

// ---------------------------------------------------------------------------------------------------
// What is measured

type Expect = 'unavailable' | 'project' | 'page';

interface Target {
  id: string;
  label: string;
  server: 'bare' | 'mock';
  logging: boolean;
  /** --auth-mode off: no token. */
  authOff?: boolean;
  /** The scenario every session starts with, written to a folder of its own in the temp folder. */
  scenario?: { name: string; rules: number };
  /** The session holds 1 + `fillers` projects, made over HTTP before the run. */
  filled?: boolean;
  /** GET a project, or the first page of 10 of the account's projects. */
  path: 'project' | 'list';
  expect: Expect;
  /** On the Redis store (a redis-server started for each run), compared with this target on the memory store. */
  redis?: { memoryTwin: string };
}

const scripted = { name: 'bench-scripted', rules: 1 };
const few = { name: `bench-rules-${fewRules}`, rules: fewRules };
const many = { name: `bench-rules-${manyRules}`, rules: manyRules };
const TARGETS: Target[] = [
  { id: 'bare', label: 'bare Fastify, fixed 503 (baseline)', server: 'bare', logging: false, path: 'project', expect: 'unavailable' },
  { id: 'bare-list', label: 'bare Fastify, fixed page of 10 projects', server: 'bare', logging: false, path: 'list', expect: 'page' },
  { id: 'scripted', label: 'mock scripted 503', server: 'mock', logging: false, scenario: scripted, path: 'project', expect: 'unavailable' },
  { id: 'scripted-noauth', label: 'mock scripted 503, auth off', server: 'mock', logging: false, authOff: true, scenario: scripted, path: 'project', expect: 'unavailable' },
  { id: 'get', label: 'mock get_project_by_id 200', server: 'mock', logging: false, filled: true, path: 'project', expect: 'project' },
  { id: 'list', label: `mock list page 10 of ${fillers + 1}`, server: 'mock', logging: false, filled: true, path: 'list', expect: 'page' },
  { id: 'rules-few', label: `mock ${fewRules} rules, last one matches`, server: 'mock', logging: false, scenario: few, path: 'project', expect: 'unavailable' },
  { id: 'rules-many', label: `mock ${manyRules.toLocaleString('en-US')} rules, last one matches`, server: 'mock', logging: false, scenario: many, path: 'project', expect: 'unavailable' },
  { id: 'bare-log', label: 'bare Fastify + pino info, fixed 503', server: 'bare', logging: true, path: 'project', expect: 'unavailable' },
  { id: 'bare-list-log', label: 'bare Fastify + pino info, fixed page of 10', server: 'bare', logging: true, path: 'list', expect: 'page' },
  { id: 'scripted-log', label: 'mock scripted 503, log info', server: 'mock', logging: true, scenario: scripted, path: 'project', expect: 'unavailable' },
  { id: 'get-log', label: 'mock get_project_by_id 200, log info', server: 'mock', logging: true, filled: true, path: 'project', expect: 'project' },
  { id: 'list-log', label: `mock list page 10 of ${fillers + 1}, log info`, server: 'mock', logging: true, filled: true, path: 'list', expect: 'page' },
  { id: 'scripted-redis', label: 'mock scripted 503, Redis store', server: 'mock', logging: false, scenario: scripted, path: 'project', expect: 'unavailable', redis: { memoryTwin: 'scripted' } },
  { id: 'get-redis', label: 'mock get_project_by_id 200, Redis store', server: 'mock', logging: false, filled: true, path: 'project', expect: 'project', redis: { memoryTwin: 'get' } },
];
/**
 * Measured side by side only: bare Fastify's fixed 503 after the same POSTs as fill the mock's session
 * (its POST route answers 202 with an id), so that both servers of the pair have served the same requests
 * before their reads. Serving them changes what V8 has seen of Node's and Fastify's code.
 */
const BARE_FILLED: Target = { id: 'bare-filled', label: `bare Fastify, fixed 503, after ${fillers + 1} POSTs`, server: 'bare', logging: false, filled: true, path: 'project', expect: 'unavailable' };
const definition = (id: string) => [...TARGETS, BARE_FILLED].find((target) => target.id === id)!;
/** The Redis binary, or why the Redis targets are left out. */
const redisFound = findRedisServer();
const redisBinary = 'path' in redisFound ? redisFound.path : undefined;
const redisSkipped = 'reason' in redisFound ? redisFound.reason : undefined;
/** The targets measured: the Redis ones only where there is a Redis to run them on. */
const MEASURED = TARGETS.filter((target) => !target.redis || redisBinary);
/** The key prefix of the Redis targets' mocks. */
const REDIS_PREFIX = 'cint-mock-bench';

/** A project id per rule, ULID-shaped (26 Crockford characters); the request asks for the last. */
const ruleProjectId = (index: number) => `01K40T69E6${String(index).padStart(16, '0')}`;

/** Each scenario in a folder of its own, so that no mock compiles another target's 10,000 rules. */
function writeScenarios(): void {
  for (const { name, rules } of [scripted, few, many]) {
    const dir = join(workDir, name);
    mkdirSync(dir);
    const list = name === scripted.name
      ? [{ match: { operation: 'get_project_by_id' }, respond: { status: 503 } }]
      : Array.from({ length: rules }, (_, index) => ({ match: { operation: 'get_project_by_id', params: { project_id: ruleProjectId(index) } }, respond: { status: 503 } }));
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ description: `npm run bench: ${rules} rule(s) on get_project_by_id answering 503`, rules: list }));
  }
}

function serverArgs(target: Target, port: number, storeUrl = 'redis://127.0.0.1:PORT'): string[] {
  if (target.server === 'bare') return [bareScript, String(port), ...(target.logging ? ['--log'] : [])];
  return [
    mockCli, '--port', String(port), '--host', '127.0.0.1', '--log-level', target.logging ? 'info' : 'silent',
    ...(target.authOff ? ['--auth-mode', 'off'] : []),
    ...(target.scenario ? ['--scenarios', join(workDir, target.scenario.name), '--scenario', target.scenario.name] : []),
    ...(target.redis ? ['--store', storeUrl, '--store-prefix', REDIS_PREFIX] : []),
  ];
}

/**
 * The target's server, and for a Redis target a redis-server of its own started first (on the servers'
 * CPU, no persistence): `stopAll` stops both. A Redis that cannot start fails the bench.
 */
async function launchTarget(target: Target, port: number, logName: string): Promise<{ server: Server; stopAll: () => Promise<void> }> {
  let redis: RedisServer | undefined;
  if (target.redis) {
    redis = await startRedis({ persistent: false, binary: redisBinary, wrap: (file, args) => onCpu(placement.serverCpu, [file, ...args]) });
  }
  const server = launchServer(target.label, serverArgs(target, port, redis?.url), { cpu: placement.serverCpu, logFile: join(workDir, logName), cwd: root });
  return {
    server,
    stopAll: async () => {
      try {
        await stop(server);
      } finally {
        await redis?.close();
      }
    },
  };
}

/** The mock's command line as the report shows it. */
function describeArgs(target: Target): string {
  const short = (arg: string) => (arg.startsWith(workDir) ? `$TMP${arg.slice(workDir.length)}` : arg.startsWith(root) ? arg.slice(root.length) : arg);
  return serverArgs(target, 0).map(short).join(' ');
}

// ---------------------------------------------------------------------------------------------------
// HTTP

interface Answer { status: number; headers: Headers; body: string }

async function request(url: string, init: RequestInit = {}, timeoutMs = requestTimeoutMs): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function issueToken(base: string, timeoutMs = requestTimeoutMs): Promise<string | null> {
  const answer = await request(`${base}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'bench', client_secret: 'bench' }),
  }, timeoutMs);
  if (answer.status !== 200) return null;
  const token = (JSON.parse(answer.body) as { access_token?: unknown }).access_token;
  return typeof token === 'string' ? token : null;
}

/**
 * What the bare server is sent in Authorization: a token shaped like the mock's (HS256, the same claims,
 * so as long), which it never reads. Parsing a request's headers is part of the cost of any server.
 */
const BARE_TOKEN = (() => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'bench@clients', client_id: 'bench', iat: now, exp: now + 86_400, aud: 'https://api.luc.id', scope: 'app:api', iss: 'cint-mock' })}`;
  return `${unsigned}.${createHmac('sha256', randomBytes(32)).update(unsigned).digest('base64url')}`;
})();

function cintHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...API_VERSION };
}

const ok = (answer: { status: number }) => answer.status >= 200 && answer.status < 300;

function fail(what: string, answer: { status: number; body: string }): never {
  throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
}

/** One project, then `fillers` more in chunks of `fillChunk` at a time; the first one's id. */
async function fillSession(base: string, headers: Record<string, string>): Promise<string> {
  const create = (key: string, name: string) => request(`${base}${PROJECTS_PATH}`, {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ name, project_manager_id: PROJECT_MANAGER }),
  });
  const created = await create('bench-first', 'Bench project');
  if (!ok(created)) fail('create_project', created);
  const { id } = JSON.parse(created.body) as { id: string };
  for (let start = 0; start < fillers; start += fillChunk) {
    const answers = await Promise.all(Array.from({ length: Math.min(fillChunk, fillers - start) }, (_, offset) => create(`fill-${start + offset}`, `Filler project ${start + offset}`)));
    const bad = answers.find((answer) => !ok(answer));
    if (bad) fail('filling the session', bad);
  }
  return id;
}

/** What is wrong with the answer a target gave, or undefined when it is the one expected. */
function wrongAnswer(expect: Expect, answer: Answer, projectId: string): string | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return `the body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  switch (expect) {
    case 'unavailable': {
      if (answer.status !== 503) return `expected 503, got ${answer.status}`;
      if (!/^\d+$/.test(answer.headers.get('retry-after') ?? '')) return `expected a Retry-After of seconds, got ${JSON.stringify(answer.headers.get('retry-after'))}`;
      if (body.object !== 'service_unavailable_error' || typeof body.id !== 'string' || typeof body.detail !== 'string') return `expected Cint's envelope (id, object service_unavailable_error, detail), got ${answer.body.slice(0, 200)}`;
      return undefined;
    }
    case 'project':
      if (answer.status !== 200) return `expected 200, got ${answer.status}`;
      return body.id === projectId ? undefined : `expected project ${projectId}, got ${answer.body.slice(0, 200)}`;
    case 'page':
      if (answer.status !== 200) return `expected 200, got ${answer.status}`;
      return Array.isArray(body.projects) && body.projects.length === 10 && body.has_more === true
        ? undefined : `expected a page of 10 projects with has_more, got ${answer.body.slice(0, 200)}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// 1. Cold start

interface ColdStart { readyMs: number; firstMs: number; cintMs: number }

/** Polls from the moment of spawn until `attempt` succeeds; the ms since spawn when it did. */
async function pollFromSpawn(server: Server, deadline: number, attempt: (remainingMs: number) => Promise<boolean>): Promise<number> {
  for (;;) {
    const exit = server.exitedHow();
    if (exit !== undefined) throw new Error(`${server.label} exited (${exit}) before answering${server.logTail() ? `:\n${server.logTail()}` : ''}`);
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new Error(`${server.label}: no successful answer within ${startTimeoutMs} ms of spawn`);
    try {
      if (await attempt(Math.min(remaining, requestTimeoutMs))) return performance.now() - server.spawnedAt;
    } catch {
      // not listening yet (ECONNREFUSED) or too slow: try again
    }
    await sleep(pollIntervalMs);
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.listen(0, '127.0.0.1', resolve); });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('could not pick a free port');
  return address.port;
}

const COLD_BARE: Target = { id: 'cold-bare', label: 'bare server', server: 'bare', logging: false, path: 'project', expect: 'unavailable' };
const COLD_MOCK: Target = { id: 'cold-mock', label: 'mock', server: 'mock', logging: false, path: 'list', expect: 'page' };

async function coldStart(target: Target): Promise<ColdStart> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = launchServer(target.label, serverArgs(target, port), { cpu: placement.serverCpu, logFile: join(workDir, `${target.id}.log`), cwd: root });
  try {
    const deadline = server.spawnedAt + startTimeoutMs;
    let result: ColdStart;
    if (target.server === 'bare') {
      const firstMs = await pollFromSpawn(server, deadline, async (ms) => (await request(`${base}/ok`, {}, ms)).status === 200);
      result = { readyMs: 0, firstMs, cintMs: firstMs };
    } else {
      let token = '';
      const firstMs = await pollFromSpawn(server, deadline, async (ms) => {
        token = (await issueToken(base, ms)) ?? '';
        return token !== '';
      });
      const list = await request(`${base}${PROJECTS_PATH}?page_size=10`, { headers: cintHeaders(token) }, Math.max(1, deadline - performance.now()));
      if (list.status !== 200) fail('cold start: the first list_account_projects', list);
      result = { readyMs: 0, firstMs, cintMs: performance.now() - server.spawnedAt };
    }
    result.readyMs = (await withDeadline(server.ready, Math.max(1, deadline - performance.now()), `${target.label}'s ready line`)).ms;
    return result;
  } finally {
    await stop(server);
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. Load

/** A measured load run: the load generator's result, and the server's CPU time over it. */
interface TimedRun {
  load: LoadResult;
  /** The server's CPU time (user and system) per answer in the run, µs. */
  cpuPerAnswer: number | undefined;
  /** The server's CPU time over the run's wall time: near 1, the server was the limit; below, the load generator. */
  busy: number | undefined;
}

interface Sample extends TimedRun {
  /** Answers in the warm-up run before it (not counted), for the log lines per request. */
  warmupTotal: number;
  rssStartMb: number | undefined;
  rssAfterMb: number | undefined;
  /** Lines and bytes the server wrote to its stderr, start and fill included. */
  logLines: number;
  logBytes: number;
  /** What was not as expected in the run (statuses, errors, log lines), if anything. */
  unexpected: string | undefined;
}

/** A figure of a sample, for ratios. */
type Pick = (sample: Sample) => number | undefined;
const rps = (run: TimedRun) => run.load.requestsPerSecond;
/** Answers per CPU-second: its ratios read like the req/s ratios (higher is cheaper). */
const perCpu = (run: TimedRun) => (run.cpuPerAnswer ? 1e6 / run.cpuPerAnswer : undefined);
const p99: Pick = (sample) => sample.load.p99;
const rssStart: Pick = (sample) => sample.rssStartMb;
const rssAfter: Pick = (sample) => sample.rssAfterMb;

async function countLines(file: string): Promise<{ lines: number; bytes: number }> {
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return { lines, bytes };
}

/** A target's server, started, with the URL and headers its load run sends, checked with one request. */
async function prepare(target: Target, server: Server): Promise<{ url: string; headers: Record<string, string>; rssStartMb: number | undefined }> {
  const { url: base } = await withDeadline(server.ready, startTimeoutMs, `${target.label}: start`);
  const rssStartMb = residentMb(server.child.pid);

  // The bare server is sent the same request: a token as long as the mock's and the version header.
  let headers: Record<string, string> = cintHeaders(BARE_TOKEN);
  if (target.server === 'mock') {
    const token = target.authOff ? null : await issueToken(base);
    if (!target.authOff && !token) throw new Error(`${target.label}: the mock did not issue a token`);
    headers = token ? cintHeaders(token) : { ...API_VERSION };
  }
  let projectId = target.scenario && target.scenario.rules > 1 ? ruleProjectId(target.scenario.rules - 1) : ANY_PROJECT;
  if (target.filled) projectId = await fillSession(base, headers);
  const url = target.path === 'list' ? `${base}${PROJECTS_PATH}?page_size=10` : `${base}${PROJECTS_PATH}/${projectId}`;

  // One request first: the load figures mean nothing if the answer is not the one expected.
  const wrong = wrongAnswer(target.expect, await request(url, { headers }), projectId);
  if (wrong) throw new Error(`${target.label}: ${wrong}`);
  return { url, headers, rssStartMb };
}

async function timedRun(server: Server, url: string, headers: Record<string, string>): Promise<TimedRun> {
  const cpuBefore = cpuMicros(server.child.pid);
  const loadStartedAt = performance.now();
  const load = await runLoad({ url, headers, connections, seconds, cpu: placement.loadCpu });
  const wallMicros = (performance.now() - loadStartedAt) * 1000;
  const cpuAfter = cpuMicros(server.child.pid);
  // The server's CPU per answer: a second reading of its cost beside req/s. Busy well below 1: the load
  // generator, not the server, set the pace, and the server woke up for fewer requests at a time (side by
  // side, about a half: the two servers share one CPU).
  const cpuUsed = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return {
    load,
    cpuPerAnswer: cpuUsed !== undefined && load.total > 0 ? cpuUsed / load.total : undefined,
    busy: cpuUsed !== undefined ? cpuUsed / wallMicros : undefined,
  };
}

/** Answers of a status other than the one expected, and connection errors and timeouts, in a load run. */
function answerProblems(expect: Expect, load: LoadResult): string[] {
  const problems: string[] = [];
  const expected = expect === 'unavailable' ? '503' : '200';
  const others = Object.entries(load.statuses).filter(([code]) => code !== expected);
  if (others.length > 0) problems.push(`statuses other than ${expected}: ${others.map(([code, count]) => `${code}×${count}`).join(' ')}`);
  if (load.errors > 0 || load.timeouts > 0) problems.push(`${load.errors} connection errors, ${load.timeouts} timeouts`);
  return problems;
}

/** What was not as expected in a target's run (statuses, errors, log lines), or undefined. */
async function problemsOf(target: Target, server: Server, load: LoadResult): Promise<{ unexpected: string | undefined; logLines: number; logBytes: number }> {
  if (server.exitedHow() !== undefined) throw new Error(`${target.label} exited (${server.exitedHow()}) during its load run${server.logTail() ? `:\n${server.logTail()}` : ''}`);
  const log = await countLines(server.logFile);
  const problems = answerProblems(target.expect, load);
  if (load.total === 0) problems.push('no answers');
  // Logging on writes a line per request at least; logging off, none per request.
  if (target.logging && log.lines < load.total) problems.push(`logging on but ${log.lines} log lines for ${load.total} requests`);
  if (!target.logging && log.lines * 100 > load.total) problems.push(`logging off but ${log.lines} lines on stderr: ${server.logTail().slice(-300)}`);
  return { unexpected: problems.length > 0 ? problems.join('; ') : undefined, logLines: log.lines, logBytes: log.bytes };
}

/** Start the target's server, read its RSS, prepare and check the target, load it, read its RSS again. */
async function measure(target: Target, round: number): Promise<Sample> {
  const { server, stopAll } = await launchTarget(target, 0, `${target.id}-${round}.log`);
  try {
    const { url, headers, rssStartMb } = await prepare(target, server);
    // The warm-up is a run of its own, so that the server's CPU is read over the measured run alone.
    const warm = warmupSeconds > 0 ? await runLoad({ url, headers, connections, seconds: warmupSeconds, cpu: placement.loadCpu }) : undefined;
    const run = await timedRun(server, url, headers);
    const rssAfterMb = residentMb(server.child.pid);
    const checked = await problemsOf(target, server, run.load);
    return { ...run, ...checked, warmupTotal: warm?.total ?? 0, rssStartMb, rssAfterMb };
  } finally {
    await stopAll();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2b. Side by side

/**
 * The mock targets measured side by side with their baseline, and the baseline: both servers on the
 * servers' CPU at the same time, each loaded by a load generator of its own, so that the two share
 * whatever the machine's other tenants leave them over the same seconds.
 */
const PAIRS: { id: string; base: string; target: string }[] = [
  { id: 'scripted', base: 'bare', target: 'scripted' },
  { id: 'scripted-log', base: 'bare-log', target: 'scripted-log' },
  { id: 'get', base: 'bare', target: 'get' },
  { id: 'get-after-posts', base: 'bare-filled', target: 'get' },
  { id: 'list', base: 'bare-list', target: 'list' },
];

interface PairSample { base: TimedRun; target: TimedRun; unexpected: string | undefined }

/**
 * Both servers started (the first one first; the rounds swap which), prepared and checked one after the
 * other, warmed up together, then loaded together for BENCH_SECONDS.
 */
async function measurePair(base: Target, target: Target, round: number): Promise<PairSample> {
  const order = round % 2 === 0 ? [base, target] : [target, base];
  const launched: { target: Target; server: Server; stopAll: () => Promise<void> }[] = [];
  try {
    for (const each of order) launched.push({ target: each, ...(await launchTarget(each, 0, `pair-${each.id}-${round}.log`)) });
    const prepared: (typeof launched[number] & Awaited<ReturnType<typeof prepare>>)[] = [];
    for (const each of launched) prepared.push({ ...each, ...(await prepare(each.target, each.server)) });
    if (warmupSeconds > 0) {
      await Promise.all(prepared.map(({ url, headers }) => runLoad({ url, headers, connections, seconds: warmupSeconds, cpu: placement.loadCpu })));
    }
    const runs = await Promise.all(prepared.map(({ server, url, headers }) => timedRun(server, url, headers)));
    const checks = await Promise.all(prepared.map((each, index) => problemsOf(each.target, each.server, runs[index]!.load)));
    const problems = checks.map((check, index) => check.unexpected && `${prepared[index]!.target.label}: ${check.unexpected}`).filter(Boolean);
    const baseIndex = prepared[0]!.target === base ? 0 : 1;
    return { base: runs[baseIndex]!, target: runs[1 - baseIndex]!, unexpected: problems.length > 0 ? problems.join('; ') : undefined };
  } finally {
    for (const each of launched) await each.stopAll();
  }
}

// ---------------------------------------------------------------------------------------------------
// 3. Memory

interface MemorySample {
  target: Target;
  rssStartMb: number | undefined;
  rssWarmMb: number | undefined;
  rssEndMb: number | undefined;
  requests: number;
  unexpected: string | undefined;
}

/** RSS after start, after the first 10,000 requests and after memoryRequests in all, of a server of its own. */
async function memoryRun(target: Target): Promise<MemorySample> {
  const server = launchServer(target.label, serverArgs(target, 0), { cpu: placement.serverCpu, logFile: join(workDir, `${target.id}-memory.log`), cwd: root });
  try {
    const { url, headers, rssStartMb } = await prepare(target, server);
    const base = { url, headers, connections, seconds: 0, cpu: placement.loadCpu };
    const warm = await runLoad({ ...base, amount: memoryWarmRequests });
    const rssWarmMb = residentMb(server.child.pid);
    const rest = await runLoad({ ...base, amount: memoryRequests - memoryWarmRequests });
    const rssEndMb = residentMb(server.child.pid);
    if (server.exitedHow() !== undefined) throw new Error(`${target.label} exited (${server.exitedHow()}) during its memory run`);
    const problems = [warm, rest].flatMap((run) => answerProblems(target.expect, run));
    return { target, rssStartMb, rssWarmMb, rssEndMb, requests: warm.total + rest.total, unexpected: problems.length > 0 ? problems.join('; ') : undefined };
  } finally {
    await stop(server);
  }
}

// ---------------------------------------------------------------------------------------------------
// The report

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const definedMedian = (values: (number | undefined)[]) => {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length > 0 ? median(known) : undefined;
};
const ms = (value: number) => `${value.toFixed(0)} ms`;
const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const times = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(2));
const mb = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
/**
 * The median over rounds of each round's ratio: a target against its base measured in the same round
 * (samples[i] is round i for every target), so that a change in the shared machine's load between rounds
 * cancels out in part, which a ratio of medians taken from different rounds would not.
 */
const roundRatios = (row: Row, base: Row, pick: Pick, basePick: Pick = pick) =>
  row.samples.map((sample, round) => ratio(pick(sample), basePick(base.samples[round]!)));
const medianRatio = (row: Row, base: Row, pick: Pick, basePick?: Pick) => definedMedian(roundRatios(row, base, pick, basePick));
const duration = (msTotal: number) => `${Math.floor(msTotal / 60_000)} min ${Math.round((msTotal % 60_000) / 1000)} s`;

interface Row {
  target: Target;
  samples: Sample[];
  requestsPerSecond: number;
  p99: number;
  rssStartMb: number | undefined;
  rssAfterMb: number | undefined;
}

function summarise(target: Target, samples: Sample[]): Row {
  return {
    target, samples,
    requestsPerSecond: median(samples.map((sample) => sample.load.requestsPerSecond)),
    p99: median(samples.map((sample) => sample.load.p99)),
    rssStartMb: definedMedian(samples.map((sample) => sample.rssStartMb)),
    rssAfterMb: definedMedian(samples.map((sample) => sample.rssAfterMb)),
  };
}

function table(headings: string[], rows: string[][], leftColumns = 1): string[] {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(headings), ...rows.map(line)];
}

function report(cold: Record<'bare' | 'mock', ColdStart[]>, rows: Row[], pairs: Map<string, PairSample[]>, memory: MemorySample[], roundLoads: string[], startedAt: number, loadAtStart: string): { text: string; unexpected: number } {
  const lines: string[] = [];
  const byId = (id: string) => rows.find((row) => row.target.id === id)!;
  const bare = byId('bare');
  const barePino = byId('bare-log');
  const bareList = byId('bare-list');
  const bareListPino = byId('bare-list-log');
  /**
   * The bare server a mock row is compared with for p99 and RSS: the one with the same logging, answering
   * the same kind of answer (a list page: the bare server's own page of 10, decision 97). Bare rows are
   * compared with bare Fastify's fixed 503.
   */
  const bareTwin = (row: Row) => {
    if (row.target.server === 'bare') return bare;
    if (row.target.path === 'list') return row.target.logging ? bareListPino : bareList;
    return row.target.logging ? barePino : bare;
  };
  /** CPU per answer is compared with the same bare server as p99 and RSS; a Redis target with its memory twin. */
  const cpuBase = (row: Row) => (row.target.redis ? byId(row.target.redis.memoryTwin) : bareTwin(row));
  /** The median over a row's samples of a reading some runs may lack, formatted; a dash when none has it. */
  const medianText = (row: Row, pick: Pick, format: (value: number) => string) => {
    const value = definedMedian(row.samples.map(pick));
    return value === undefined ? '—' : format(value);
  };
  const cpuMicrosText = (row: Row) => medianText(row, (sample) => sample.cpuPerAnswer, (value) => value.toFixed(1));
  const percent = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value * 100)}%`);
  const busyText = (row: Row) => percent(definedMedian(row.samples.map((sample) => sample.busy)));

  lines.push('', `cint-mock npm run bench, ${new Date().toISOString()}${quick ? ' (BENCH_QUICK=1: a smoke check, not a measurement)' : ''}`);
  lines.push(`machine: node ${process.version}, ${placement.cpuCount} CPUs (${process.platform} ${process.arch}); ${placement.description}`);
  lines.push(`load average (1/5/15 min): ${loadAtStart} at start, ${loadAverage()} at end; the bench took ${duration(performance.now() - startedAt)} (after the build)`);
  lines.push(`servers, each in its own process, started afresh per target and round: bare = node ${describeArgs(bare.target)} [--log]; `
    + `mock = node ${describeArgs(byId('get').target).replace('silent', 'silent|info')} [--auth-mode off] [--scenarios $TMP/NAME --scenario NAME]`);
  lines.push(`scenarios: ${scripted.name} (one rule: get_project_by_id → 503); ${few.name} and ${many.name} (a rule per project id on get_project_by_id → 503, `
    + 'the request matching the last); targets without one get the realistic behaviour');
  lines.push(redisBinary
    ? `Redis store targets: the mock with --store redis://127.0.0.1:PORT --store-prefix ${REDIS_PREFIX}, on ${redisBinary} started afresh for each run `
      + `(--save '' --appendonly no), on the servers' CPU; × memory: against the same target on the memory store, same round`
    : `Redis store targets: left out (${redisSkipped})`);
  // Per request answered, the warm-up's included (the start line and the check are lost in the rounding).
  const perRequest = (row: Row, what: 'lines' | 'bytes') => median(row.samples.map((sample) => (what === 'lines' ? sample.logLines : sample.logBytes) / Math.max(1, sample.load.total + sample.warmupTotal)));
  lines.push(`logging on: pino at info on stderr, to a file in ${tmpdir()} (one per server, deleted after its run); per request, bare+pino wrote `
    + `${perRequest(barePino, 'lines').toFixed(1)} lines (${thousands(perRequest(barePino, 'bytes'))} B), the mock ${perRequest(byId('scripted-log'), 'lines').toFixed(1)} (${thousands(perRequest(byId('scripted-log'), 'bytes'))} B)`);

  lines.push('', `Cold start, spawn → first successful answer: median of ${coldRounds} rounds (min–max), alternating, after 1 warm-up round each`);
  const describe = (list: ColdStart[], pick: (r: ColdStart) => number) => `${ms(median(list.map(pick)))} (${range(list.map(pick))})`;
  lines.push(...table(['target', 'first answer', 'first Cint answer', 'ready line'], [
    ['bare Fastify (GET /ok)', describe(cold.bare, (r) => r.firstMs), '—', ms(median(cold.bare.map((r) => r.readyMs)))],
    ['mock (POST /oauth/token; GET projects)', describe(cold.mock, (r) => r.firstMs), describe(cold.mock, (r) => r.cintMs), ms(median(cold.mock.map((r) => r.readyMs)))],
  ]));
  const bareFirst = median(cold.bare.map((r) => r.firstMs));
  lines.push(`ratio mock/bare: first answer ${(median(cold.mock.map((r) => r.firstMs)) / bareFirst).toFixed(2)}, first Cint answer ${(median(cold.mock.map((r) => r.cintMs)) / bareFirst).toFixed(2)}`);

  const generator = timedLoad.generator === 'wrk' ? `wrk -t1 -c${connections}` : `autocannon -c ${connections} (${timedLoad.why})`;
  lines.push('', `Load: ${generator}, ${warmupSeconds} s warm-up (not counted) then ${seconds} s per target; ${rounds} round${rounds === 1 ? '' : 's'}, medians; `
    + `mock sessions for reads hold ${fillers + 1} projects`);
  lines.push('Figures are medians over rounds; each ratio is the median of the rounds\' ratios, a target against the bare server measured in the same round.');
  lines.push('× bare: against bare Fastify (logging off); × bare+pino: rows with logging on against bare Fastify + pino; p99 and RSS ratios against the bare server with the same logging (a list page: the bare page of 10 with the same logging)');
  lines.push('CPU µs: the server\'s CPU time (user and system, /proc) per answer over its measured run; × bare CPU: answers per CPU-second against the same bare server as p99 (a Redis target: its memory-store twin)');
  lines.push('busy: the server\'s CPU time over the run\'s wall time; near 100% the server is the limit, below it the load generator is (a Redis target shares its CPU with redis-server)');
  lines.push(...table(
    ['target', 'req/s', '× bare', '× bare+pino', '× memory', 'CPU µs', '× bare CPU', 'busy', 'p99 ms', '× bare p99', 'RSS start MB', '× bare RSS', 'RSS after MB', 'after/start'],
    rows.map((row) => [
      row.target.label, thousands(row.requestsPerSecond), times(medianRatio(row, bare, rps)),
      row.target.logging && row.target.server === 'mock' ? times(medianRatio(row, barePino, rps)) : '',
      row.target.redis ? times(medianRatio(row, byId(row.target.redis.memoryTwin), rps)) : '',
      cpuMicrosText(row), times(medianRatio(row, cpuBase(row), perCpu)), busyText(row),
      String(row.p99), times(medianRatio(row, bareTwin(row), p99)),
      mb(row.rssStartMb), times(medianRatio(row, bareTwin(row), rssStart)), mb(row.rssAfterMb), times(medianRatio(row, row, rssAfter, rssStart)),
    ]),
  ));

  const bareRates = bare.samples.map((sample) => sample.load.requestsPerSecond);
  const swing = Math.max(...bareRates) / Math.max(1, Math.min(...bareRates));
  if (rounds > 1 && swing > 1.2) {
    lines.push(`NOTE: bare Fastify's req/s moved ${swing.toFixed(1)}× between rounds (1-min load average at each round's start: ${roundLoads.join('; ')}): `
      + 'the machine\'s load changed during the run; read the ratios as a range (by round, below).');
  }

  lines.push('', `By round (req/s and × bare of that round; answers counted in the measured runs); 1-min load average at each round's start: ${roundLoads.join('; ')}`);
  let unexpected = 0;
  lines.push(...table(['target', ...Array.from({ length: rounds }, (_, round) => `round ${round + 1}`), 'answers'], rows.map((row) => {
    const statuses = new Map<string, number>();
    for (const sample of row.samples) for (const [code, count] of Object.entries(sample.load.statuses)) statuses.set(code, (statuses.get(code) ?? 0) + count);
    const problems = row.samples.map((sample, round) => sample.unexpected && `round ${round + 1}: ${sample.unexpected}`).filter(Boolean);
    unexpected += problems.length;
    const perRound = roundRatios(row, bare, rps);
    return [row.target.label, ...row.samples.map((sample, round) => `${thousands(sample.load.requestsPerSecond)} ×${times(perRound[round])}`),
      `${[...statuses].map(([code, count]) => `${code}×${thousands(count)}`).join(' ')}${problems.length ? `  <- UNEXPECTED ${problems.join('; ')}` : ''}`];
  })));

  // Side by side: each round's ratio is the two servers' req/s over the same seconds.
  const pairRatios = (id: string, pick: (run: TimedRun) => number | undefined) => (pairs.get(id) ?? []).map((sample) => ratio(pick(sample.target), pick(sample.base)));
  const share = (list: PairSample[], side: 'base' | 'target') => definedMedian(list.map((sample) => sample[side].busy));
  lines.push('', `Side by side: each mock target and its baseline on the servers' CPU at the same time, each loaded by its own ${timedLoad.generator} (${connections} connections), `
    + `${warmupSeconds} s warm-up together, then ${seconds} s; ${pairRounds} round${pairRounds === 1 ? '' : 's'}, the two started in turn first`);
  lines.push('× base: the target\'s req/s over its baseline\'s in the same seconds (median of the rounds, then each round); share: each server\'s CPU time over the run\'s wall time');
  let pairProblems = 0;
  lines.push(...table(['target', 'with', 'req/s', 'base req/s', '× base', 'by round', '× base CPU', 'share', 'base share'], PAIRS.map((pair) => {
    const list = pairs.get(pair.id) ?? [];
    const problems = list.map((sample, round) => sample.unexpected && `round ${round + 1}: ${sample.unexpected}`).filter(Boolean);
    pairProblems += problems.length;
    return [definition(pair.target).label, definition(pair.base).label,
      thousands(median(list.map((sample) => sample.target.load.requestsPerSecond))), thousands(median(list.map((sample) => sample.base.load.requestsPerSecond))),
      times(definedMedian(pairRatios(pair.id, rps))), pairRatios(pair.id, rps).map(times).join(' '),
      times(definedMedian(pairRatios(pair.id, perCpu))), percent(share(list, 'target')), `${percent(share(list, 'base'))}${problems.length ? `  <- UNEXPECTED ${problems.join('; ')}` : ''}`];
  }), 2));
  unexpected += pairProblems;

  lines.push('', `Memory: a server of its own per target, sent ${thousands(memoryWarmRequests)} requests, then ${thousands(memoryRequests)} in all (autocannon -c ${connections}); RSS (VmRSS)`);
  lines.push(...table(['target', 'requests', 'RSS start MB', `after ${thousands(memoryWarmRequests)} MB`, 'at the end MB', `end/${thousands(memoryWarmRequests)}`, 'end/start'], memory.map((sample) => {
    if (sample.unexpected) unexpected += 1;
    return [sample.target.label, thousands(sample.requests), mb(sample.rssStartMb), mb(sample.rssWarmMb), mb(sample.rssEndMb),
      times(ratio(sample.rssEndMb, sample.rssWarmMb)), `${times(ratio(sample.rssEndMb, sample.rssStartMb))}${sample.unexpected ? `  <- UNEXPECTED ${sample.unexpected}` : ''}`];
  })));

  // The issue's goals, for a later change to the server: shown, never failed on.
  const goal = (met: boolean) => (met ? 'met' : 'not met');
  const goals: string[][] = [];
  /** A ratio goal's row: by req/s, and by CPU per answer beside it. */
  const atLeast = (what: string, minimum: number, value: number | undefined, byCpu: number | undefined) => {
    goals.push([what, `${times(value)}×`, `≥ ${minimum.toFixed(2)}×`, value === undefined ? 'not measured' : goal(value >= minimum),
      byCpu === undefined ? '' : `by CPU per answer: ${times(byCpu)}× (${goal(byCpu >= minimum)})`]);
  };
  const against = (id: string, base: Row, minimum: number, what: string) => {
    atLeast(what, minimum, medianRatio(byId(id), base, rps), medianRatio(byId(id), base, perCpu));
  };
  against('scripted', bare, 0.8, 'scripted 503, logging off, vs bare');
  against('scripted-log', barePino, 0.9, 'scripted 503, logging on, vs bare+pino');
  against('get', bare, 0.7, 'get_project_by_id 200, logging off, vs bare');
  against('list', bare, 0.7, 'list page of 10, logging off, vs bare (fixed 503)');
  against('list', bareList, 0.7, 'list page of 10, logging off, vs bare (fixed page of 10)');
  const sideBySide = (id: string, minimum: number, what: string) => {
    atLeast(`${what}, side by side`, minimum, definedMedian(pairRatios(id, rps)), definedMedian(pairRatios(id, perCpu)));
  };
  sideBySide('scripted', 0.8, 'scripted 503, logging off, vs bare');
  sideBySide('scripted-log', 0.9, 'scripted 503, logging on, vs bare+pino');
  sideBySide('get', 0.7, 'get_project_by_id 200, logging off, vs bare');
  sideBySide('list', 0.7, 'list page of 10, logging off, vs bare (fixed page of 10)');
  against('rules-many', byId('rules-few'), 0.9, `${manyRules.toLocaleString('en-US')} rules vs ${fewRules} rules`);
  // The goals are the mock's as users run it by default: the Redis targets are compared with the memory store above.
  const mockRows = rows.filter((row) => row.target.server === 'mock' && !row.target.redis);
  const worst = (what: string, limit: number, pick: (row: Row) => number | undefined) => {
    const values = mockRows.map((row) => ({ row, value: pick(row) })).filter((entry): entry is { row: Row; value: number } => entry.value !== undefined);
    if (values.length === 0) {
      goals.push([what, '—', `≤ ${limit.toFixed(2)}×`, 'not measured', '']);
      return;
    }
    const over = values.filter((entry) => entry.value > limit);
    const top = values.reduce((a, b) => (b.value > a.value ? b : a));
    goals.push([what, `${times(top.value)}× (worst)`, `≤ ${limit.toFixed(2)}×`,
      over.length === 0 ? `met by all ${values.length} targets` : `not met by ${over.length} of ${values.length} targets (worst: ${top.row.target.label})`]);
  };
  worst('p99 vs bare (same logging; a list page: the bare page)', 2, (row) => medianRatio(row, bareTwin(row), p99));
  // The list pages' p99 against the fixed 503s as well, as their req/s are above: shown, not a goal (decision 97).
  for (const [id, base, what] of [['list', bare, 'bare'], ['list-log', barePino, 'bare+pino']] as const) {
    const value = medianRatio(byId(id), base, p99);
    goals.push([`p99 of ${byId(id).target.label} vs ${what} (fixed 503)`, value === undefined ? '—' : `${times(value)}×`, '', 'shown only', '']);
  }
  worst('RSS after start vs bare', 1.5, (row) => medianRatio(row, bareTwin(row), rssStart));
  const mockMemory = memory.filter((sample) => sample.target.server === 'mock');
  const growth = mockMemory.map((sample) => ({ sample, value: ratio(sample.rssEndMb, sample.rssWarmMb) }));
  const largest = growth.reduce<{ sample: MemorySample; value: number | undefined } | undefined>((a, b) => (a === undefined || (b.value ?? 0) > (a.value ?? 0) ? b : a), undefined);
  goals.push([`RSS after ${thousands(memoryRequests)} requests vs after ${thousands(memoryWarmRequests)}`, largest?.value === undefined ? '—' : `${times(largest.value)}× (worst)`, '≤ 1.20×',
    largest?.value === undefined ? 'not measured' : growth.every((entry) => entry.value !== undefined && entry.value <= 1.2) ? `met by all ${growth.length} targets` : `not met (worst: ${largest.sample.target.label})`]);
  lines.push('', 'Goals from the issue (informational: the bench does not fail on them; p99 and RSS goals over every mock target on the memory store)');
  lines.push(...table(['', 'measured', 'goal', '', ''], goals, 5));
  lines.push('', unexpected === 0 ? 'Every answer was the one expected.' : `${unexpected} run(s) did not answer as expected (see UNEXPECTED above)`);
  return { text: lines.join('\n'), unexpected };
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadAtStart = loadAverage();
  if (!existsSync(mockCli)) throw new Error(`${mockCli} is missing: run \`npm run build\` first (npm run bench does)`);
  placement = placeProcesses();
  workDir = mkdtempSync(join(tmpdir(), 'cint-mock-bench-'));
  atExit(() => rmSync(workDir, { recursive: true, force: true }));
  writeScenarios();
  process.stderr.write(`bench: ${placement.description}; load average ${loadAtStart}\n`);
  process.stderr.write(redisBinary ? `bench: the Redis store's targets run on ${redisBinary}\n` : `bench: the Redis store's targets are left out: ${redisSkipped}\n`);

  // 1. Cold start, alternating, one warm-up round of each first (disk cache, the bench's own fetch).
  process.stderr.write(`cold start: 1 warm-up + ${coldRounds} rounds, bare and mock alternating …\n`);
  const cold: Record<'bare' | 'mock', ColdStart[]> = { bare: [], mock: [] };
  for (let round = 0; round <= coldRounds; round += 1) {
    for (const [kind, target] of [['bare', COLD_BARE], ['mock', COLD_MOCK]] as const) {
      const result = await coldStart(target);
      if (round > 0) cold[kind].push(result);
    }
  }

  // 2. Load: every target in every round, the order rotated so that no target always comes first or last.
  const samples = new Map<string, Sample[]>(MEASURED.map((target) => [target.id, []]));
  const shift = Math.max(1, Math.floor(MEASURED.length / rounds));
  const roundLoads: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    roundLoads.push(loadAverage().split(' ')[0]!);
    const order = MEASURED.map((_, index) => MEASURED[(index + round * shift) % MEASURED.length]!);
    for (const [index, target] of order.entries()) {
      process.stderr.write(`round ${round + 1}/${rounds} [${String(index + 1).padStart(2)}/${order.length}] ${target.label.padEnd(44)} load ${loadAverage()} … `);
      const began = performance.now();
      const sample = await measure(target, round);
      samples.get(target.id)!.push(sample);
      process.stderr.write(`${thousands(sample.load.requestsPerSecond)} req/s, p99 ${sample.load.p99} ms, RSS ${mb(sample.rssStartMb)} → ${mb(sample.rssAfterMb)} MB (${((performance.now() - began) / 1000).toFixed(1)} s)${sample.unexpected ? `  UNEXPECTED: ${sample.unexpected}` : ''}\n`);
    }
  }

  // 2b. Side by side: each pair in each round, after the load rounds.
  const pairs = new Map<string, PairSample[]>(PAIRS.map((pair) => [pair.id, []]));
  for (let round = 0; round < pairRounds; round += 1) {
    for (const pair of PAIRS) {
      const [base, target] = [definition(pair.base), definition(pair.target)];
      process.stderr.write(`side by side ${round + 1}/${pairRounds}: ${target.label.padEnd(36)} with ${base.label.padEnd(40)} load ${loadAverage()} … `);
      const began = performance.now();
      const sample = await measurePair(base, target, round);
      pairs.get(pair.id)!.push(sample);
      process.stderr.write(`${thousands(sample.target.load.requestsPerSecond)} and ${thousands(sample.base.load.requestsPerSecond)} req/s (${((performance.now() - began) / 1000).toFixed(1)} s)${sample.unexpected ? `  UNEXPECTED: ${sample.unexpected}` : ''}\n`);
    }
  }

  // 3. Memory: RSS after 10,000 requests and after memoryRequests.
  const memory: MemorySample[] = [];
  for (const id of ['bare', 'scripted', 'get']) {
    const target = definition(id);
    process.stderr.write(`memory: ${target.label.padEnd(44)} ${thousands(memoryRequests)} requests, load ${loadAverage()} … `);
    const began = performance.now();
    const sample = await memoryRun(target);
    memory.push(sample);
    process.stderr.write(`RSS ${mb(sample.rssStartMb)} → ${mb(sample.rssWarmMb)} → ${mb(sample.rssEndMb)} MB (${((performance.now() - began) / 1000).toFixed(1)} s)${sample.unexpected ? `  UNEXPECTED: ${sample.unexpected}` : ''}\n`);
  }

  const { text, unexpected } = report(cold, MEASURED.map((target) => summarise(target, samples.get(target.id)!)), pairs, memory, roundLoads, startedAt, loadAtStart);
  console.log(text);
  if (unexpected > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`\nbench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
