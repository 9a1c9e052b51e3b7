// The load generator, in a process of its own (pinned to the load CPU when the bench pins), never inside
// a server's process: wrk where it is installed (Debian's `wrk`), for the timed runs; autocannon's command
// line otherwise, and for runs of a number of requests (the memory runs), which wrk cannot count out.
// wrk is written in C and costs a fraction of autocannon's CPU per request, so one CPU of it keeps every
// server busy (99-100% of its run); one CPU of autocannon left every server, bare Fastify's too, idle
// about a tenth of its run, so the load generator set part of the pace (README, decision 99).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { childEnv, track, withDeadline } from './children.js';
import { onCpu } from './machine.js';

const autocannonCli = createRequire(import.meta.url).resolve('autocannon');
const wrkScript = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));

/**
 * The timed runs' load generator, and why it is that one for the report: BENCH_LOAD=wrk or autocannon,
 * else wrk when `wrk` runs here. wrk asked for and not here is an error, not a quiet change of what is
 * measured.
 */
export const timedLoad: { generator: 'wrk' | 'autocannon'; why: string } = (() => {
  const asked = process.env.BENCH_LOAD;
  if (asked !== undefined && asked !== '' && asked !== 'wrk' && asked !== 'autocannon') throw new Error(`BENCH_LOAD must be wrk or autocannon, got ${JSON.stringify(asked)}`);
  if (asked === 'autocannon') return { generator: 'autocannon', why: 'BENCH_LOAD=autocannon' };
  // `wrk -v` prints its version and exits with 1; a missing binary is an error of spawn.
  const found = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const present = found.error === undefined && /^wrk /.test(found.stdout ?? '');
  if (asked === 'wrk' && !present) throw new Error('BENCH_LOAD=wrk, but wrk is not installed (Debian: apt-get install wrk)');
  return present ? { generator: 'wrk', why: 'found' } : { generator: 'autocannon', why: 'wrk not found; Debian: apt-get install wrk' };
})();

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  cpu: number | undefined;
  /** A number of requests to send instead of `seconds`. */
  amount?: number;
}

export interface LoadResult {
  /** wrk: answers over the run's duration; autocannon: the mean of its per-second samples. */
  requestsPerSecond: number;
  /** ms; wrk's resolution is 1 µs (given to 0.01 ms), autocannon's 1 ms. */
  p99: number;
  /** Answers in the run. */
  total: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** Answers by status: {"503": 61234}. */
  statuses: Record<string, number>;
}

interface AutocannonJson {
  errors: number;
  timeouts: number;
  statusCodeStats?: Record<string, { count?: number }>;
  latency: { p99: number };
  requests: { average: number; total: number };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return options.amount === undefined && timedLoad.generator === 'wrk' ? runWrk(options) : runAutocannon(options);
}

/** A process of the load generator's, run to its end (or its deadline), and what it printed. */
async function run(name: string, command: string[], cpu: number | undefined, deadlineMs: number): Promise<{ exit: string; stdout: string; stderr: string }> {
  const { file, args } = onCpu(cpu, command);
  const child = spawn(file, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(child);
  // What it printed is read once its output has closed, not at its exit, which may come first: bench59
  // read a wrk's stdout at its exit and found nothing there yet.
  const printed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
  try {
    const exit = await withDeadline(exited, deadlineMs, name);
    await withDeadline(printed, 5000, `${name}'s output`);
    return { exit, stdout, stderr };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

interface WrkJson {
  requests: number;
  duration_us: number;
  p99_us: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  statuses: Record<string, number>;
}

/** One thread of wrk; bench/wrk-report.lua counts statuses and prints the figures. */
async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const headerArgs = Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const { exit, stdout, stderr } = await run('wrk', [
    'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', wrkScript, ...headerArgs, options.url,
  ], options.cpu, (options.seconds + 30) * 1000);
  // wrk's own report first, then the script's line: the last line that is JSON.
  const line = stdout.trim().split('\n').reverse().find((text) => text.startsWith('{'));
  let result: WrkJson | undefined;
  try {
    result = line ? JSON.parse(line) as WrkJson : undefined;
  } catch {
    // reported below
  }
  if (!result) throw new Error(`wrk (${exit}) printed no result${stderr.trim() ? `:\n${stderr.trim()}` : `:\n${stdout.trim().slice(-500)}`}`);
  return {
    requestsPerSecond: result.requests / (result.duration_us / 1e6),
    p99: Math.round(result.p99_us / 10) / 100,
    total: result.requests,
    errors: result.connect + result.read + result.write,
    timeouts: result.timeout,
    statuses: result.statuses,
  };
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const headerArgs = Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const counted = options.amount !== undefined;
  const length = counted ? ['-a', String(options.amount)] : ['-d', String(options.seconds)];
  // A counted run is given 1,000 requests a second at the least.
  const deadlineMs = ((counted ? options.amount! / 1000 : options.seconds) + 30) * 1000;
  const { exit, stdout, stderr } = await run('autocannon', [
    process.execPath, autocannonCli, '--json', '-c', String(options.connections), ...length, ...headerArgs, options.url,
  ], options.cpu, deadlineMs);
  // With --json, one line: the run's.
  let runs: AutocannonJson[];
  try {
    runs = stdout.trim().split('\n').map((line) => JSON.parse(line) as AutocannonJson);
  } catch {
    runs = [];
  }
  const result = runs.at(-1);
  if (!result || runs.length !== 1) {
    throw new Error(`autocannon (${exit}) printed ${runs.length} result(s)${stderr.trim() ? `:\n${stderr.trim()}` : ''}`);
  }
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]));
  return {
    requestsPerSecond: result.requests.average, p99: result.latency.p99, total: result.requests.total,
    errors: result.errors, timeouts: result.timeouts, statuses,
  };
}
