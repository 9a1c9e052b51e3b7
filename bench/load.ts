// The load generator: autocannon's command line in a process of its own (pinned to the load CPU when
// the bench pins), never inside a server's process. A warm-up that is not counted, then the measured run.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { childEnv, track, withDeadline } from './children.js';
import { onCpu } from './machine.js';

const autocannonCli = createRequire(import.meta.url).resolve('autocannon');

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  cpu: number | undefined;
  /** A number of requests to send instead of `seconds` (no warm-up then). */
  amount?: number;
}

export interface LoadResult {
  /** autocannon's mean of its per-second samples. */
  requestsPerSecond: number;
  /** ms; autocannon's resolution is 1 ms. */
  p99: number;
  /** Answers counted in the measured run (the warm-up's are not). */
  total: number;
  /** Answers in the warm-up. */
  warmupTotal: number;
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
  const headerArgs = Object.entries(options.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const counted = options.amount !== undefined;
  const warmup = !counted && options.warmupSeconds > 0 ? ['-W', '[', '-c', String(options.connections), '-d', String(options.warmupSeconds), ']'] : [];
  const length = counted ? ['-a', String(options.amount)] : ['-d', String(options.seconds)];
  const { file, args } = onCpu(options.cpu, [
    process.execPath, autocannonCli, '--json', '-c', String(options.connections), ...length, ...warmup, ...headerArgs, options.url,
  ]);
  const child = spawn(file, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
  // A counted run is given 1,000 requests a second at the least.
  const deadlineMs = ((counted ? options.amount! / 1000 : options.seconds + options.warmupSeconds) + 30) * 1000;
  let exit: string;
  try {
    exit = await withDeadline(exited, deadlineMs, 'autocannon');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // With --json, one line per run: the warm-up's (when there is one), then the measured run's.
  let runs: AutocannonJson[];
  try {
    runs = stdout.trim().split('\n').map((line) => JSON.parse(line) as AutocannonJson);
  } catch {
    runs = [];
  }
  const result = runs.at(-1);
  if (!result || runs.length !== (warmup.length > 0 ? 2 : 1)) {
    throw new Error(`autocannon (${exit}) printed ${runs.length} result(s)${stderr.trim() ? `:\n${stderr.trim()}` : ''}`);
  }
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]));
  return {
    requestsPerSecond: result.requests.average, p99: result.latency.p99, total: result.requests.total,
    warmupTotal: runs.length > 1 ? runs[0]!.requests.total : 0,
    errors: result.errors, timeouts: result.timeouts, statuses,
  };
}
