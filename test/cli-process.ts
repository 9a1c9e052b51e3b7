// The cint-mock command line in a child process, as users and other languages' test suites run it: its
// ready line on stdout, its output, its exit. Shared by the tests that start the command line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A bound on waiting for the CLI, so a broken start fails the test instead of hanging it; not a timing
 * assertion. On a shared 2-core machine under load, several starts at once have taken more than 20 s.
 */
export const DEADLINE_MS = 60_000;

let bundled: string | undefined;

/**
 * The command that runs the command line: node and src/cli.ts bundled as `npm run build` bundles it into
 * dist/src/cli.js (scripts/finish-build.mjs), the file users and the image run. It is made from the
 * source as it is now, once per test process, into a folder of that process's own under dist/ (removed
 * when the process exits): dist/src/cli.js itself may be older than the source, and other test files'
 * processes would be writing it at the same time. A bundle starts in about a third of the time
 * `node --import tsx src/cli.ts` takes, which compiles and loads each module through tsx's hooks.
 */
export function cliCommand(): [string, string] {
  if (!bundled) {
    const dir = join(ROOT, 'dist', `test-cli-${process.pid}`);
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const made = spawnSync(process.execPath, ['scripts/finish-build.mjs', '--cli-only', dir], { cwd: ROOT, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`bundling the command line failed (${made.status ?? made.signal}):\n${made.stderr}`);
    bundled = join(dir, 'src', 'cli.js');
  }
  return [process.execPath, bundled];
}

/** The environment with the mock's own variables (PORT, HOST, LOG_LEVEL, CINT_MOCK_*) taken out. */
export function envWithoutMockVariables(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^(PORT|HOST|LOG_LEVEL|CINT_MOCK_.*)$/.test(name)) clean[name] = value;
  }
  return clean;
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code and signal once the process has exited and its output is all read; fails at the deadline. */
  exited(deadlineMs?: number): Promise<Exit>;
  /** The first stdout line, parsed, once it is there; fails if the process exits first. */
  ready(): Promise<{ event: string; url: string; port: number }>;
}

/** Every process runCli started, for killing what a failed test left running. */
export const started: ChildProcess[] = [];

/** Kills (SIGKILL) every process runCli started that is still running. */
export function killStarted(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Races `promise` against a deadline. */
export async function withinDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the command line (cliCommand) with an environment free of the mock's own variables, then `extraEnv`. */
export function runCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Cli {
  const env = { ...envWithoutMockVariables(), ...extraEnv };
  const [node, cli] = cliCommand();
  const child = spawn(node, [cli, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  // 'close' follows 'exit' once stdout and stderr are drained: at 'exit' alone their last output may be missing.
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  const closed = Promise.all([exit, once(child, 'close')]).then(([status]) => status);
  const firstLine = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const end = stdout.indexOf('\n');
      if (end >= 0) {
        child.stdout!.off('data', onData);
        resolve(stdout.slice(0, end));
      }
    };
    child.stdout!.on('data', onData);
    closed.then(({ code, signal }) => reject(new Error(`cint-mock ${args.join(' ')} exited (${code ?? signal}) before its ready line; stderr:\n${stderr}`)), reject);
  });
  // Only a test that waits for the ready line cares when there is none.
  firstLine.catch(() => undefined);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: (deadlineMs = DEADLINE_MS) => withinDeadline(closed, 'exit', deadlineMs),
    ready: async () => JSON.parse(await withinDeadline(firstLine, 'ready line')),
  };
}
