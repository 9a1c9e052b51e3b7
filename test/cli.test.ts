// The command line as another language's test suite would use it: the ready line on stdout, SIGTERM,
// the exit codes (0 stopped, 1 bad configuration, 2 could not start), config files and flags.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_VERSION, projectsUrl } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * A bound on waiting for the CLI, so a broken start fails the test instead of hanging it; not a timing
 * assertion. Each CLI compiles its TypeScript with tsx as it starts (about a second of CPU alone): on a
 * shared 2-core machine under load, several at once took more than 20 s.
 */
const DEADLINE_MS = 60_000;

interface Exit { code: number | null; signal: NodeJS.Signals | null }

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code and signal once the process has exited and its output is all read; fails at the deadline. */
  exited(): Promise<Exit>;
  /** The first stdout line, parsed, once it is there; fails if the process exits first. */
  ready(): Promise<{ event: string; url: string; port: number }>;
}

const started: ChildProcess[] = [];

/** Races `promise` against the deadline. */
async function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI from source with an environment free of the mock's own variables. */
function runCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Cli {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(PORT|HOST|LOG_LEVEL|CINT_MOCK_.*)$/.test(name)) env[name] = value;
  }
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    closed.then(({ code, signal }) => reject(new Error(`exited (${code ?? signal}) before its ready line; stderr:\n${stderr}`)), reject);
  });
  // Only a test that waits for the ready line cares when there is none.
  firstLine.catch(() => undefined);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: () => withinDeadline(closed, 'exit'),
    ready: async () => JSON.parse(await withinDeadline(firstLine, 'ready line')),
  };
}

// A few CLIs at a time: each starts a TypeScript compiler of its own.
describe('the cint-mock command', { concurrency: 3 }, () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cint-mock-cli-')); });
  after(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const configFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const listProjects = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${projectsUrl()}`, { headers: { 'cint-api-version': API_VERSION, ...headers } });

  it('--port 0 prints one JSON ready line with a URL that answers, and SIGTERM exits 0', async () => {
    const cli = runCli(['--port', '0', '--log-level', 'warn']);
    const ready = await cli.ready();
    assert.equal(ready.event, 'listening');
    assert.ok(ready.port > 0);
    assert.equal(ready.url, `http://127.0.0.1:${ready.port}`);
    const health = await fetch(`${ready.url}/__admin/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json() as { status: string }).status, 'ok');

    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    assert.equal(cli.stdout(), `${JSON.stringify(ready)}\n`);
    // Nothing to warn about on a plain start (a dependency's warning once was, on every start).
    assert.equal(cli.stderr(), '');
  });

  it('bad flag values exit 1 naming each option and the value given', async () => {
    const cli = runCli(['--port', 'eighty', '--auth-mode', 'nope', '--token-algorithm', 'HS512']);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /^ {2}--auth-mode \(authMode\): Expected one of "verify", "decode", "off" \(got "nope"\)$/m);
    assert.match(cli.stderr(), /^ {2}--token-algorithm \(tokenAlgorithm\): Expected one of "HS256", "RS256" \(got "HS512"\)$/m);
    assert.match(cli.stderr(), /^ {2}--port \(port\): .*\(got "eighty"\)$/m);
    assert.equal(cli.stdout(), '');
  });

  it('errors name the variable or the file key the user wrote, and suggest the nearest name', async () => {
    const fromEnv = runCli(['--port', '0'], { CINT_MOCK_MAX_SESSIONS: 'lots', CINT_MOCK_MAX_SESION: '3' });
    assert.deepEqual(await fromEnv.exited(), { code: 1, signal: null });
    assert.match(fromEnv.stderr(), /^ {2}CINT_MOCK_MAX_SESSIONS \(maxSessions\): Expected integer \(got "lots"\)$/m);
    assert.match(fromEnv.stderr(), /^cint-mock: ignoring the unknown environment variable CINT_MOCK_MAX_SESION; did you mean CINT_MOCK_MAX_SESSIONS\?$/m);

    const typo = runCli(['--port', '0', '--config', configFile('typo.yaml', 'maxSesions: 3\n')]);
    assert.deepEqual(await typo.exited(), { code: 1, signal: null });
    assert.match(typo.stderr(), /typo\.yaml:\n {2}maxSesions: Unexpected property; did you mean maxSessions\?/);

    const scenario = runCli(['--port', '0', '--scenario', 'flakey']);
    assert.deepEqual(await scenario.exited(), { code: 1, signal: null });
    assert.match(scenario.stderr(), /found "flakey" \(did you mean "flaky"\?\)/);
  });

  it('an unreadable key file exits 1 naming the flag', async () => {
    // The key file is read only with RS256 (with HS256 it is refused as unused): this error shows both flags arrive.
    const cli = runCli(['--port', '0', '--token-algorithm', 'RS256', '--jwt-private-key-file', join(dir, 'no-such-key.pem')]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /^ {2}--jwt-private-key-file \(jwtPrivateKeyFile\): cannot read the key file: ENOENT.*\(got ".*no-such-key\.pem"\)$/m);
  });

  it('an unknown flag exits 1', async () => {
    const cli = runCli(['--port', '0', '--no-such-flag']);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /no-such-flag/);
  });

  it('a broken config file exits 1 naming the file and each wrong field', async () => {
    const path = configFile('broken.yaml', 'authMod: off\nmaxSessions: many\n');
    const cli = runCli(['--port', '0', '--config', path]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    const stderr = cli.stderr();
    assert.ok(stderr.includes(path), stderr);
    assert.match(stderr, /authMod: Unexpected property/);
    assert.match(stderr, /maxSessions: Expected integer \(got "many"\)/);
  });

  it('a reference data file whose body breaks the schema exits 1 naming the file and the operation', async () => {
    const path = configFile('reference.yaml', 'get_countries:\n  countries: [{ id: not-a-number }]\n');
    const cli = runCli(['--port', '0', '--reference-data', path]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /invalid reference data in .*reference\.yaml:\n {2}get_countries: the body does not match the documented 200 schema/);
  });

  it('a valid YAML config file is applied', async () => {
    const path = configFile('open.yaml', 'authMode: off\nlogLevel: warn\n');
    const cli = runCli(['--port', '0', '--config', path]);
    const { url } = await cli.ready();
    const listed = await listProjects(url);
    assert.equal(listed.status, 200, await listed.text());
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });

  it('flags win over the config file', async () => {
    const path = configFile('overridden.yaml', 'authMode: off\nlogLevel: warn\nport: 1\n');
    const cli = runCli(['--config', path, '--port', '0', '--auth-mode', 'verify']);
    const { url, port } = await cli.ready();
    assert.notEqual(port, 1);
    assert.equal((await listProjects(url)).status, 401);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });

  it('a port already in use exits 2', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const { port } = blocker.address() as AddressInfo;
      const cli = runCli(['--port', String(port), '--log-level', 'silent']);
      assert.deepEqual(await cli.exited(), { code: 2, signal: null });
      assert.match(cli.stderr(), /could not start: .*EADDRINUSE/);
      assert.equal(cli.stdout(), '');
    } finally {
      blocker.close();
    }
  });

  it('run by an npm script, it stops when the process that started it is gone (npm does not pass SIGTERM on)', async () => {
    // npm runs a script as `sh -c '<command>'`; killing that shell is what a SIGTERM to npm amounts to.
    const env: NodeJS.ProcessEnv = { ...process.env, npm_lifecycle_event: 'start' };
    for (const name of Object.keys(env)) if (/^(PORT|HOST|LOG_LEVEL|CINT_MOCK_.*)$/.test(name)) delete env[name];
    const shell = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/cli.ts --port 0 --log-level silent & wait`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(shell);
    let stdout = '';
    shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    // The pipe closes when its last writer, the server, has exited.
    const serverGone = once(shell.stdout!, 'close');
    await withinDeadline(new Promise<void>((resolve) => {
      const check = () => (stdout.includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    }), 'ready line');
    const { url } = JSON.parse(stdout.split('\n')[0]!) as { url: string };
    assert.equal((await fetch(`${url}/__admin/health`)).status, 200);
    shell.kill('SIGKILL');
    await withinDeadline(serverGone, 'server exit after its parent died');
    await assert.rejects(fetch(`${url}/__admin/health`));
  });

  it('--help prints the usage and exits 0', async () => {
    const cli = runCli(['--help']);
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    assert.match(cli.stdout(), /^cint-mock: /);
    assert.match(cli.stdout(), /Exit codes: 0 stopped cleanly, 1 bad configuration or scenario file, 2 could not start/);
  });
});
