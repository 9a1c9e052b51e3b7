// The image's health check program (src/healthcheck.ts), run as a child process as the image's
// HEALTHCHECK runs it, against servers started by the command line: it must find the port the server
// listens on whatever gave it (--port, a config file's port, PORT), over HTTP or HTTPS, with or without
// an admin token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { envWithoutMockVariables, killStarted, ROOT, runCli, started, withinDeadline } from './cli-process.js';

/** A port nothing listens on now: the kernel's choice, closed again. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The health check's exit code, run with only `env` of the mock's variables (no PORT unless given). */
async function healthcheck(env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/healthcheck.ts'], { cwd: ROOT, env: { ...envWithoutMockVariables(), ...env }, stdio: 'ignore' });
  started.push(child);
  const [code] = await withinDeadline(once(child, 'exit'), 'health check exit');
  return code as number | null;
}

describe("the image's health check", { concurrency: 2 }, () => {
  let dir: string;
  let closedPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cint-mock-health-'));
    closedPort = await freePort();
  });
  after(() => {
    killStarted();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the command line with the listening file the image names, checks health with PORT pointing elsewhere, stops it. */
  async function healthOf(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ healthy: number | null; written: string; afterStop: number | null; fileAfterStop: boolean }> {
    const file = join(dir, `${name}.listening`);
    const cli = runCli(args, { CINT_MOCK_LISTENING_FILE: file, LOG_LEVEL: 'silent', ...env });
    const ready = await cli.ready();
    const written = readFileSync(file, 'utf8');
    assert.equal(written, `${JSON.stringify(ready)}\n`, 'the file holds the ready line');
    // PORT names a port nothing listens on: the image no longer sets it, and a user's PORT loses to --port.
    const healthy = await healthcheck({ CINT_MOCK_LISTENING_FILE: file, PORT: String(closedPort) });
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    const fileAfterStop = existsSync(file);
    const afterStop = await healthcheck({ CINT_MOCK_LISTENING_FILE: file, PORT: String(closedPort) });
    return { healthy, written, afterStop, fileAfterStop };
  }

  it('finds a port given with --port', async () => {
    const port = await freePort();
    const outcome = await healthOf('flag', ['--port', String(port)]);
    assert.equal(outcome.healthy, 0);
    assert.match(outcome.written, new RegExp(`"port":${port}`));
    assert.equal(outcome.fileAfterStop, false, 'the file goes with the server');
    assert.equal(outcome.afterStop, 1);
  });

  it("finds a config file's port", async () => {
    const port = await freePort();
    const config = join(dir, 'port.yaml');
    writeFileSync(config, `port: ${port}\n`);
    const outcome = await healthOf('config', ['--config', config]);
    assert.equal(outcome.healthy, 0);
    assert.match(outcome.written, new RegExp(`"port":${port}`));
  });

  it('checks over HTTPS when the server has a certificate, and without the admin token, which health does not need', async () => {
    const tls = await healthOf('tls', ['--port', '0', '--tls-self-signed', 'localhost'], { CINT_MOCK_ADMIN_TOKEN: 'admin-secret' });
    assert.equal(tls.healthy, 0);
    assert.match(tls.written, /"url":"https:\/\/127\.0\.0\.1:\d+"/);
  });

  it('without a listening file, asks PORT (HTTP, then HTTPS), as before', async () => {
    const port = await freePort();
    const cli = runCli(['--tls-self-signed', 'localhost'], { PORT: String(port), LOG_LEVEL: 'silent' });
    await cli.ready();
    assert.equal(await healthcheck({ PORT: String(port) }), 0);
    assert.equal(await healthcheck({ PORT: String(port), CINT_MOCK_LISTENING_FILE: join(dir, 'never-written') }), 0);
    assert.equal(await healthcheck({ PORT: String(closedPort) }), 1);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
  });
});
