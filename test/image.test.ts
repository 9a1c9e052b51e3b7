// The image's entrypoint script, run here as the image runs it (from the package root, with dist/
// built), and what the Dockerfile's last stage sets. scripts/container-check.sh checks the built image.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { envWithoutMockVariables, ROOT, withinDeadline } from './cli-process.js';

const ENTRYPOINT = join(ROOT, 'scripts/docker-entrypoint.sh');

interface Run { pid: number; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

const children: ReturnType<typeof spawn>[] = [];

/** Runs the entrypoint with `args`; `whenReady` runs once stdout has a line, then the run is waited for. */
async function entrypoint(args: string[], whenReady?: (pid: number, line: string) => void | Promise<void>): Promise<Run> {
  const child = spawn(ENTRYPOINT, args, { cwd: ROOT, env: envWithoutMockVariables(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const closed = once(child, 'close');
  if (whenReady) {
    await withinDeadline(new Promise<void>((resolve) => {
      const check = () => (stdout.includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    }), 'a first line');
    await whenReady(child.pid!, stdout.split('\n')[0]!);
  }
  const [code, signal] = await withinDeadline(closed, 'exit');
  return { pid: child.pid!, code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
}

describe("the image's entrypoint", () => {
  before(() => {
    assert.ok(existsSync(join(ROOT, 'dist/src/cli.js')), 'dist/ is not built: run npm run build (npm ci does it) before this test');
  });
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('runs the command line for arguments that start with a flag (the base image ran node --port: "node: bad option")', async () => {
    const help = await entrypoint(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^cint-mock: a mock of the Cint Exchange Demand API/);
    const wrong = await entrypoint(['--nope']);
    assert.deepEqual({ code: wrong.code, stderr: wrong.stderr }, { code: 1, stderr: 'cint-mock: unknown option --nope; see --help\n' });
  });

  it('runs validate', async () => {
    const run = await entrypoint(['validate', 'scenarios']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^scenarios: 14 scenarios valid \(/);
  });

  it('runs any other command as given, in its own place (exec): the server is the process the engine signals', async () => {
    const echo = await entrypoint(['node', '-e', 'console.log(process.argv.length)']);
    assert.deepEqual({ code: echo.code, stdout: echo.stdout }, { code: 0, stdout: '1\n' });
    const shell = await entrypoint(['sh', '-c', 'echo $$']);
    assert.equal(shell.stdout, `${shell.pid}\n`, 'the command has the PID the entrypoint was started with');

    let command = '';
    const server = await entrypoint(['--port', '0', '--log-level', 'silent'], (pid, line) => {
      assert.equal(JSON.parse(line).event, 'listening');
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      process.kill(pid, 'SIGTERM');
    });
    assert.equal(command, 'node dist/src/cli.js --port 0 --log-level silent');
    assert.deepEqual({ code: server.code, signal: server.signal }, { code: 0, signal: null }, 'SIGTERM drains and exits 0');
  });
});

describe("the Dockerfile's last stage", () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const last = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('sets in the environment only what differs from the built-in defaults, so a config file can set PORT and LOG_LEVEL', () => {
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(last)![1]!.split(/\s*\\\n\s*|\s+/).filter(Boolean);
    assert.deepEqual(env, ['NODE_ENV=production', 'HOST=0.0.0.0', 'CINT_MOCK_SCENARIOS_DIR=/scenarios', 'CINT_MOCK_LISTENING_FILE=/tmp/cint-mock.listening']);
  });

  it("copies the app as root's files (the node user could rewrite dist/src/cli.js) and appends arguments through the entrypoint", () => {
    assert.doesNotMatch(last, /--chown|chown /);
    assert.match(last, /^USER node$/m);
    assert.match(last, /^ENTRYPOINT \["cint-mock-entrypoint"\]$/m);
    assert.match(last, /^CMD \["node", "dist\/src\/cli\.js"\]$/m);
  });
});
