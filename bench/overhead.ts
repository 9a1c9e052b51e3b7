// Benchmark: the mock as users run it (`node dist/src/cli.js`, its own process) against a bare Fastify
// server with one route (bench/bare-server.mjs, also its own process), in the same run on the same
// machine, so the figures that matter are the ratios, not the absolute numbers (these machines are shared).
//   npm run bench                                  # builds dist first; 5 cold-start rounds, 5 s per load target
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_ROUNDS=9 npm run bench
//
// 1. Cold start: from spawn to the first successful answer, polled from the moment of spawn on a port
//    picked beforehand. The bare server's first answer is GET /ok; the mock's is its first Cint answer,
//    POST /oauth/token then GET the account's project list (the time of the token is shown too).
//    Bare and mock alternate, after one warm-up round each that is not counted.
// 2. Load: autocannon against the bare route, then the mock's get_project_by_id (the session holding
//    2001 projects, made over HTTP), list_account_projects (page of 10) and `Prefer: code=503`.
// The mock runs with --log-level silent (the bare server has Fastify's default, no logger). Every child
// is killed at the end, on failure and on Ctrl-C too; each start, poll and request has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

function envInteger(name: string, fallback: number, minimum: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer >= ${minimum}, got ${JSON.stringify(raw)}`);
  return value;
}

const seconds = envInteger('BENCH_SECONDS', 5, 1);
const connections = envInteger('BENCH_CONNECTIONS', 10, 1);
const rounds = envInteger('BENCH_ROUNDS', 5, 1);
/** How long a server may take from spawn to its first answer (or ready line) before the bench gives up. */
const startTimeoutMs = envInteger('BENCH_START_TIMEOUT_MS', 20_000, 100);
const requestTimeoutMs = 5_000;
const pollIntervalMs = 5;
const fillers = 2000;
const fillChunk = 50;

const root = fileURLToPath(new URL('..', import.meta.url));
const mockCli = join(root, 'dist', 'src', 'cli.js');
const bareScript = join(root, 'bench', 'bare-server.mjs');
const MOCK_FLAGS = ['--host', '127.0.0.1', '--log-level', 'silent'];
const ACCOUNT = 101;
const PROJECT_MANAGER = 'b551326b-ac9d-4d32-8823-4f025787dab9';
const API_VERSION = { 'cint-api-version': '2025-12-18' };

// ---------------------------------------------------------------------------------------------------
// Child processes

type Kind = 'bare' | 'mock';

interface Launched {
  kind: Kind;
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** ms from spawn to the ready line, and the URL it names. */
  ready: Promise<{ ms: number; url: string }>;
  exited: Promise<string>;
  /** How it exited, once it has. */
  exitedHow(): string | undefined;
  stderrTail(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

// The children get the user's environment without the mock's own variables, so a PORT or a
// CINT_MOCK_SCENARIO in the shell does not change what is measured.
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('CINT_MOCK_') && !['PORT', 'HOST', 'LOG_LEVEL'].includes(name)),
);

function launch(kind: Kind, port: number): Launched {
  const args = kind === 'mock' ? [mockCli, '--port', String(port), ...MOCK_FLAGS] : [bareScript, String(port)];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  let how: string | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => { how = signal ? `signal ${signal}` : `exit code ${code}`; live.delete(child); resolve(how); });
    child.once('error', (error) => { how = `spawn error: ${error.message}`; live.delete(child); resolve(how); });
  });
  const ready = new Promise<{ ms: number; url: string }>((resolve, reject) => {
    let buffer = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const ms = performance.now() - spawnedAt;
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        try {
          const message = JSON.parse(line) as { event?: unknown; url?: unknown };
          if (message.event === 'listening' && typeof message.url === 'string') resolve({ ms, url: message.url });
        } catch {
          // not the ready line
        }
      }
    });
    void exited.then((exit) => reject(new Error(`${kind} server exited (${exit}) before it was ready${stderr.trim() ? `:\n${stderr.trim()}` : ''}`)));
  });
  ready.catch(() => undefined); // reported where it is awaited
  return { kind, child, spawnedAt, ready, exited, exitedHow: () => how, stderrTail: () => stderr.trim() };
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(Math.max(1, Math.ceil(ms)), undefined, { signal: abort.signal }).then(() => { throw new Error(`${what}: no answer within ${ms} ms`); }),
    ]);
  } finally {
    abort.abort();
  }
}

/** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
async function stop(server: Launched): Promise<void> {
  if (server.exitedHow() !== undefined) return;
  server.child.kill('SIGTERM');
  try {
    await withDeadline(server.exited, 4000, `${server.kind} server shutdown`);
  } catch {
    server.child.kill('SIGKILL');
    await withDeadline(server.exited, 2000, `${server.kind} server kill`).catch(() => undefined);
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

// ---------------------------------------------------------------------------------------------------
// HTTP

async function request(url: string, init: RequestInit = {}, timeoutMs = requestTimeoutMs): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs))) });
  return { status: response.status, body: await response.text() };
}

async function issueToken(base: string, timeoutMs = requestTimeoutMs): Promise<string | null> {
  const answer = await request(`${base}/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'bench' }),
  }, timeoutMs);
  if (answer.status !== 200) return null;
  const token = (JSON.parse(answer.body) as { access_token?: unknown }).access_token;
  return typeof token === 'string' ? token : null;
}

function cintHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...API_VERSION };
}

const ok = (answer: { status: number }) => answer.status >= 200 && answer.status < 300;

function fail(what: string, answer: { status: number; body: string }): never {
  throw new Error(`${what}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------------------
// 1. Cold start

interface ColdStart { readyMs: number; firstMs: number; cintMs: number }

/** Polls from the moment of spawn until `attempt` succeeds; the ms since spawn when it did. */
async function pollFromSpawn(server: Launched, deadline: number, attempt: (remainingMs: number) => Promise<boolean>): Promise<number> {
  for (;;) {
    const exit = server.exitedHow();
    if (exit !== undefined) throw new Error(`${server.kind} server exited (${exit}) before answering${server.stderrTail() ? `:\n${server.stderrTail()}` : ''}`);
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new Error(`${server.kind} server: no successful answer within ${startTimeoutMs} ms of spawn`);
    try {
      if (await attempt(Math.min(remaining, requestTimeoutMs))) return performance.now() - server.spawnedAt;
    } catch {
      // not listening yet (ECONNREFUSED) or too slow: try again
    }
    await sleep(pollIntervalMs);
  }
}

async function coldStart(kind: Kind): Promise<ColdStart> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = launch(kind, port);
  try {
    const deadline = server.spawnedAt + startTimeoutMs;
    let result: ColdStart;
    if (kind === 'bare') {
      const firstMs = await pollFromSpawn(server, deadline, async (ms) => (await request(`${base}/ok`, {}, ms)).status === 200);
      result = { readyMs: 0, firstMs, cintMs: firstMs };
    } else {
      let token = '';
      const firstMs = await pollFromSpawn(server, deadline, async (ms) => {
        token = (await issueToken(base, ms)) ?? '';
        return token !== '';
      });
      const list = await request(`${base}/v1/demand/accounts/${ACCOUNT}/projects?page_size=10`, { headers: cintHeaders(token) }, Math.max(1, deadline - performance.now()));
      if (list.status !== 200) fail('cold start: the first list_account_projects', list);
      result = { readyMs: 0, firstMs, cintMs: performance.now() - server.spawnedAt };
    }
    result.readyMs = (await withDeadline(server.ready, Math.max(1, deadline - performance.now()), `${kind} server's ready line`)).ms;
    return result;
  } finally {
    await stop(server);
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. Load

interface LoadRow { name: string; requestsPerSecond: number; p99: number; total: number; non2xx: number; errors: number; expectNon2xx: boolean; statuses: string }

async function load(name: string, url: string, headers: Record<string, string>, expectNon2xx = false): Promise<LoadRow> {
  process.stderr.write(`  autocannon ${name} …\n`);
  const result = await autocannon({ url, headers, connections, duration: seconds });
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => `${code}×${stat.count ?? 0}`).join(' ');
  return {
    name, requestsPerSecond: result.requests.average, p99: result.latency.p99, total: result.requests.total,
    non2xx: result.non2xx, errors: result.errors, expectNon2xx, statuses,
  };
}

async function startForLoad(kind: Kind): Promise<{ server: Launched; url: string }> {
  const server = launch(kind, 0);
  const { url } = await withDeadline(server.ready, startTimeoutMs, `${kind} server start`);
  return { server, url };
}

// ---------------------------------------------------------------------------------------------------

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ms = (value: number) => `${value.toFixed(0)} ms`;
const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

async function main(): Promise<void> {
  if (!existsSync(mockCli)) throw new Error(`${mockCli} is missing: run \`npm run build\` first (npm run bench does)`);
  const header = `node ${process.version}, ${availableParallelism()} CPUs, ${process.platform}; each server in its own process: `
    + `bare = node bench/bare-server.mjs (no logger), mock = node dist/src/cli.js ${MOCK_FLAGS.join(' ')} (logging off)`;

  // 1. Cold start, alternating, one warm-up round of each first (disk cache, the bench's own fetch).
  process.stderr.write(`cold start: 1 warm-up + ${rounds} rounds, bare and mock alternating …\n`);
  const cold: Record<Kind, ColdStart[]> = { bare: [], mock: [] };
  for (let round = 0; round <= rounds; round += 1) {
    for (const kind of ['bare', 'mock'] as const) {
      const result = await coldStart(kind);
      if (round > 0) cold[kind].push(result);
    }
  }

  // 2. Load: both servers up, the mock's session filled over HTTP, then one target at a time.
  process.stderr.write(`load: starting both servers, filling the mock's session with ${fillers + 1} projects …\n`);
  const bare = await startForLoad('bare');
  const mock = await startForLoad('mock');
  const rows: LoadRow[] = [];
  try {
    const token = await issueToken(mock.url);
    if (!token) throw new Error('the mock did not issue a token');
    const headers = cintHeaders(token);
    const projects = `${mock.url}/v1/demand/accounts/${ACCOUNT}/projects`;
    const create = (key: string, name: string) => request(projects, {
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

    const targets = [
      { name: 'bare fastify GET /ok', url: `${bare.url}/ok`, headers: {}, status: 200 },
      { name: 'mock get_project_by_id', url: `${projects}/${id}`, headers, status: 200 },
      { name: `mock list_account_projects (10 of ${fillers + 1})`, url: `${projects}?page_size=10`, headers, status: 200 },
      { name: 'mock get_project_by_id Prefer: code=503', url: `${projects}/${id}`, headers: { ...headers, prefer: 'code=503' }, status: 503 },
    ];
    // One request each first: the load figures mean nothing if the answer is not the one expected.
    for (const target of targets) {
      const answer = await request(target.url, { headers: target.headers });
      if (answer.status !== target.status) fail(`${target.name}: expected ${target.status}`, answer);
    }
    for (const target of targets) rows.push(await load(target.name, target.url, target.headers, target.status !== 200));
  } finally {
    await Promise.all([stop(mock.server), stop(bare.server)]);
  }

  // The report.
  const lines: string[] = [];
  lines.push('', header, '');
  lines.push(`Cold start, spawn → first successful answer: median of ${rounds} rounds (min–max), alternating, after 1 warm-up round each`);
  const coldRow = (label: string, list: ColdStart[], first: string, cint: string) => `${label.padEnd(40)} ${first.padStart(20)} ${cint.padStart(20)} ${ms(median(list.map((r) => r.readyMs))).padStart(12)}`;
  const describe = (list: ColdStart[], pick: (r: ColdStart) => number) => `${ms(median(list.map(pick)))} (${range(list.map(pick))})`;
  lines.push(`${'target'.padEnd(40)} ${'first answer'.padStart(20)} ${'first Cint answer'.padStart(20)} ${'ready line'.padStart(12)}`);
  lines.push(coldRow('bare fastify (GET /ok)', cold.bare, describe(cold.bare, (r) => r.firstMs), '—'));
  lines.push(coldRow('mock (POST /oauth/token; GET projects)', cold.mock, describe(cold.mock, (r) => r.firstMs), describe(cold.mock, (r) => r.cintMs)));
  const bareFirst = median(cold.bare.map((r) => r.firstMs));
  lines.push(`ratio mock/bare: first answer ${(median(cold.mock.map((r) => r.firstMs)) / bareFirst).toFixed(2)}, first Cint answer ${(median(cold.mock.map((r) => r.cintMs)) / bareFirst).toFixed(2)}`);
  lines.push('');
  lines.push(`Load: autocannon, ${connections} connections, ${seconds} s per target; the mock's session holds ${fillers + 1} projects`);
  lines.push(`${'target'.padEnd(42)} ${'req/s'.padStart(7)} ${'p99'.padStart(7)} ${'ratio'.padStart(6)}  non-2xx / total (expected)`);
  const base = rows[0]!.requestsPerSecond;
  let surprises = 0;
  for (const row of rows) {
    const expected = row.expectNon2xx ? 'all' : 'none';
    const asExpected = (row.expectNon2xx ? row.non2xx === row.total : row.non2xx === 0) && row.errors === 0;
    if (!asExpected) surprises += 1;
    lines.push(`${row.name.padEnd(42)} ${row.requestsPerSecond.toFixed(0).padStart(7)} ${`${row.p99} ms`.padStart(7)} ${(row.requestsPerSecond / base).toFixed(2).padStart(6)}  `
      + `${row.non2xx} / ${row.total} (${expected})${row.errors ? `, ${row.errors} connection errors` : ''}${asExpected ? '' : `  <- unexpected: ${row.statuses}`}`);
  }
  console.log(lines.join('\n'));
  if (surprises > 0) {
    console.log(`\n${surprises} load target(s) did not answer as expected`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const child of live) child.kill('SIGKILL');
}
