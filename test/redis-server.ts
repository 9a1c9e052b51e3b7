// A real Redis (or Valkey) for the tests of the Redis session store: `redis-server` on a free port of
// 127.0.0.1, in a temporary folder of its own, with AOF persistence (appendfsync always, no RDB
// snapshots) so that a stop and start on the same port and folder keeps every acknowledged write.
// Every server is killed when the process that started it ends, however it ends: on exit and on
// SIGINT/SIGTERM here, and by a watchdog shell when this process is killed outright.
//
// Where no binary is found, `redisSkip` is the reason for { skip: redisSkip }; with REQUIRE_REDIS_TESTS=1
// (CI) a missing binary throws when this module loads instead. REDIS_SERVER names a binary of your own;
// REDIS_TEST_PORTS=6430-6439 keeps the servers on those ports (on a machine others share), else any free one.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a start may take, from spawn to PONG (an AOF to load included), before it is an error. */
const START_TIMEOUT_MS = 15_000;
/** How long a SIGTERM may take before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary: REDIS_SERVER if set, else redis-server or valkey-server on the PATH; or why there is none. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): { path: string } | { reason: string } {
  const given = env.REDIS_SERVER;
  if (given) return executable(given) ? { path: given } : { reason: `REDIS_SERVER=${given} is not an executable file` };
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['redis-server', 'valkey-server']) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (executable(path)) return { path };
    }
  }
  return { reason: "no redis-server or valkey-server on the PATH: install Debian's (apt-get install redis-server) or set REDIS_SERVER to run the Redis store's tests" };
}

const found = findRedisServer();
/** The binary the tests start, or undefined. */
export const redisBinary: string | undefined = 'path' in found ? found.path : undefined;
/** false where Redis tests can run; else the reason, for `{ skip: redisSkip }`. */
export const redisSkip: string | false = 'reason' in found ? found.reason : false;
if (redisSkip && process.env.REQUIRE_REDIS_TESTS === '1') throw new Error(`REQUIRE_REDIS_TESTS=1 but ${redisSkip}`);

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Its folder: the AOF files and redis.log. */
  readonly dir: string;
  /** Whether it is running now. */
  running(): boolean;
  /** Stops it (SIGTERM: a clean shutdown; `{ kill: true }`: SIGKILL, a crash) and waits for it to be gone. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /**
   * Freezes it (SIGSTOP) as a hung server, a partition or a failover does: connections stay open and
   * nothing answers; resume() (SIGCONT) lets it go on with what it was sent meanwhile.
   */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port and folder (its AOF is loaded) and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
  /** The end of its log, for error messages. */
  logTail(): string;
}

export interface RedisOptions {
  /** AOF with appendfsync always (default true); false: no persistence at all, for a suite that only needs a store. */
  persistent?: boolean;
  /** Wraps the command line (taskset, say): gets the binary and its arguments, returns what to spawn. */
  wrap?: (file: string, args: string[]) => { file: string; args: string[] };
  /** The binary (default: the one found). */
  binary?: string;
  /** More of its options (`--requirepass`, say). */
  args?: string[];
}

interface Running { child: ChildProcess; watchdog: ChildProcess; exited: Promise<void>; port: number }

const live = new Set<Running>();
const folders = new Set<string>();

function killEverything(): void {
  for (const server of live) {
    server.child.kill('SIGKILL');
    server.watchdog.kill('SIGKILL');
  }
  live.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
process.once('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killEverything();
    // Nobody else handles it: die of it as if this listener were not here.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** A port free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Whether `port` of 127.0.0.1 can be bound now. */
async function bindable(port: number): Promise<boolean> {
  const probe = createServer();
  probe.listen(port, '127.0.0.1');
  try {
    await once(probe, 'listening');
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return true;
}

/** REDIS_TEST_PORTS (`6430-6439`): the ports servers may take, or undefined for any free one. */
function portRange(): [number, number] | undefined {
  const given = process.env.REDIS_TEST_PORTS;
  if (!given) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(given);
  if (!match || Number(match[1]) > Number(match[2])) throw new Error(`REDIS_TEST_PORTS=${given}: expected a range such as 6430-6439`);
  return [Number(match[1]), Number(match[2])];
}

/** A port of REDIS_TEST_PORTS no server of this process has and nothing answers on, or a free one when it is unset. */
async function serverPort(): Promise<number> {
  const range = portRange();
  if (!range) return freePort();
  const taken = new Set([...live].map((running) => running.port));
  for (let port = range[0]; port <= range[1]; port += 1) {
    if (!taken.has(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port left in REDIS_TEST_PORTS=${process.env.REDIS_TEST_PORTS}`);
}

/** The first line Redis answers to an inline PING ('+PONG', '-LOADING …'), or undefined when it cannot be reached. */
function ping(port: number, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
      const end = answer.indexOf('\r\n');
      if (end >= 0) done(answer.slice(0, end));
    });
    socket.once('end', () => done(answer || undefined));
  });
}

function tail(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

/**
 * Starts a Redis server on a free port in a new temporary folder. Throws where there is no binary (check
 * `redisSkip` first) or when it does not answer PING within 15 s.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? redisBinary;
  if (!binary) throw new Error(String(redisSkip));
  const persistent = options.persistent ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'cint-mock-redis-'));
  folders.add(dir);
  const logFile = join(dir, 'redis.log');
  let current: Running | undefined;
  let port = 0;

  const spawnServer = (): Running => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--daemonize', 'no', '--logfile', '',
      ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      ...(options.args ?? []),
    ];
    const { file, args: wrapped } = options.wrap ? options.wrap(binary, args) : { file: binary, args };
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, wrapped, { cwd: dir, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    // Not kept alive by it: a test file that forgets to stop it still ends, and the exit handler kills it.
    child.unref();
    // Killed with this process even on SIGKILL: the shell reads its stdin, a pipe from here, which
    // closes when this process is gone in any way; then it kills the server and removes its folder.
    const watchdog = spawn('sh', ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null; rm -rf "$2"', 'watchdog', String(child.pid), dir],
      { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const running: Running = { child, watchdog, exited, port };
    live.add(running);
    void exited.then(() => {
      live.delete(running);
      watchdog.kill('SIGKILL');
    });
    return running;
  };

  /** Spawns and waits for PONG; false when it exited first (the port was taken, say). */
  const launch = async (): Promise<boolean> => {
    const running = spawnServer();
    current = running;
    const deadline = Date.now() + START_TIMEOUT_MS;
    let gone = false;
    void running.exited.then(() => { gone = true; });
    for (;;) {
      if (gone) return false;
      // A server that asks for a password answers, refusing the PING.
      const answer = await ping(port);
      if (answer === '+PONG' || answer?.startsWith('-NOAUTH')) return true;
      if (Date.now() > deadline) {
        running.child.kill('SIGKILL');
        throw new Error(`${binary} on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms:\n${tail(logFile)}`);
      }
      await sleep(25);
    }
  };

  const server: RedisServer = {
    get url() { return `redis://127.0.0.1:${port}`; },
    get port() { return port; },
    dir,
    running: () => current !== undefined && live.has(current),
    logTail: () => tail(logFile),
    pause() {
      if (current && live.has(current)) current.child.kill('SIGSTOP');
    },
    resume() {
      if (current && live.has(current)) current.child.kill('SIGCONT');
    },
    async stop({ kill = false } = {}) {
      const running = current;
      if (!running || !live.has(running)) return;
      // A paused server takes its SIGTERM only once it runs again.
      running.child.kill('SIGCONT');
      running.child.kill(kill ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => running.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await running.exited;
      clearTimeout(timer);
    },
    async start() {
      if (server.running()) return;
      // The same port again: something else may hold it for a moment (a connection in TIME_WAIT does not,
      // Redis sets SO_REUSEADDR), so a few tries before giving up.
      for (let attempt = 1; ; attempt += 1) {
        if (await launch()) return;
        if (attempt === 5) throw new Error(`${binary} could not start again on port ${port}:\n${tail(logFile)}`);
        await sleep(200);
      }
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      folders.delete(dir);
    },
  };

  // A new free port each try: another process may take the one picked before Redis binds it.
  for (let attempt = 1; ; attempt += 1) {
    port = await serverPort();
    if (await launch()) return server;
    if (attempt === 5) {
      folders.delete(dir);
      const log = tail(logFile);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${binary} did not start (5 tries on free ports):\n${log}`);
    }
  }
}
