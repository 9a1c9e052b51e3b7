// The bench's child processes: servers (each in its own process, its stderr, where its logs go, written
// to a file) and load generators. Every child is tracked and killed when the bench exits, fails or is
// interrupted; each start and stop has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, fstatSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCpu } from './machine.js';

const live = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

function killEverything(): void {
  for (const child of live) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // leaving: nothing more to do
    }
  }
}
process.once('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping every server and load generator\n`);
    killEverything();
    process.exit(130);
  });
}

/** Something to undo when the bench ends, however it ends (a temporary folder). */
export function atExit(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** Kills what is still running and runs the cleanups now (the end of a normal run). */
export function cleanUp(): void {
  killEverything();
}

/** Watches a child until it exits; it is killed with the bench if it has not. */
export function track(child: ChildProcess): Promise<string> {
  live.add(child);
  return new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => { live.delete(child); resolve(signal ? `signal ${signal}` : `exit code ${code}`); });
    child.once('error', (error) => { live.delete(child); resolve(`spawn error: ${error.message}`); });
  });
}

// The children get the user's environment without the mock's own variables, so a PORT or a
// CINT_MOCK_SCENARIO in the shell does not change what is measured.
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('CINT_MOCK_') && !['PORT', 'HOST', 'LOG_LEVEL'].includes(name)),
);

export interface Server {
  label: string;
  child: ChildProcess;
  /** performance.now() just before spawn. */
  spawnedAt: number;
  /** ms from spawn to the ready line, and the URL it names. */
  ready: Promise<{ ms: number; url: string }>;
  exited: Promise<string>;
  /** How it exited, once it has. */
  exitedHow(): string | undefined;
  /** The file its stderr (its logs) goes to. */
  logFile: string;
  /** The end of that file, for error messages. */
  logTail(): string;
}

/** The last few KB of a file, or '' when it cannot be read. */
function tail(file: string, bytes = 4000): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8').trim();
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `node <args>` on `cpu` (unpinned when undefined), stderr to `logFile`; ready when it prints the
 * `{"event":"listening","url":…}` line on stdout, as the mock's CLI and bench/bare-server.mjs do.
 */
export function launchServer(label: string, nodeArgs: readonly string[], options: { cpu: number | undefined; logFile: string; cwd: string }): Server {
  const { file, args } = onCpu(options.cpu, [process.execPath, ...nodeArgs]);
  const stderr = openSync(options.logFile, 'w');
  const spawnedAt = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: options.cwd, env: childEnv, stdio: ['ignore', 'pipe', stderr] });
  } finally {
    closeSync(stderr);
  }
  let how: string | undefined;
  const exited = track(child).then((exit) => (how = exit));
  const logTail = () => tail(options.logFile);
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
    void exited.then((exit) => reject(new Error(`${label} exited (${exit}) before it was ready${logTail() ? `:\n${logTail()}` : ''}`)));
  });
  ready.catch(() => undefined); // reported where it is awaited
  return { label, child, spawnedAt, ready, exited, exitedHow: () => how, logFile: options.logFile, logTail };
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(Math.max(1, Math.ceil(ms)), undefined, { signal: abort.signal }).then(() => { throw new Error(`${what}: no answer within ${Math.ceil(ms)} ms`); }),
    ]);
  } finally {
    abort.abort();
  }
}

/** SIGTERM, then SIGKILL if it has not exited within a few seconds; its log file is removed. */
export async function stop(server: Server): Promise<void> {
  if (server.exitedHow() === undefined) {
    server.child.kill('SIGTERM');
    try {
      await withDeadline(server.exited, 4000, `${server.label} shutdown`);
    } catch {
      server.child.kill('SIGKILL');
      await withDeadline(server.exited, 2000, `${server.label} kill`).catch(() => undefined);
    }
  }
  rmSync(server.logFile, { force: true });
}
