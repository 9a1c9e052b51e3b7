// HTTPS for clients that insist on it: a self-signed certificate made at start and written where the
// client can trust it, or a certificate and key from files (flags, environment, config file). Every
// client here verifies the certificate: curl through CURL_CA_BUNDLE, Node's https with `ca`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, makeConfig } from '../src/config.js';
import { startMock } from '../src/server.js';
import { generateSelfSigned } from '../src/tls.js';
import { cliCommand, envWithoutMockVariables } from './cli-process.js';
import { API_VERSION, projectBody, projectsUrl } from './helpers.js';
import { assertQuickStartOutput, runQuickStart } from './quick-start.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** A bound on waiting for the CLI on a loaded machine, so a broken start fails instead of hanging; not a timing assertion. */
const DEADLINE_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'cint-mock-tls-test-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTPS request that trusts only `ca` (Node verifies the chain and the host name). */
function httpsCall(url: string, ca: string | undefined, options: { method?: string; headers?: Record<string, string>; body?: string; servername?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const tls = { ...(ca === undefined ? {} : { ca }), ...(options.servername ? { servername: options.servername } : {}) };
    const call = request(url, { method: options.method ?? 'GET', headers: options.headers, ...tls, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    call.on('error', reject);
    call.end(options.body);
  });
}

/** Starts the command line and waits for its ready line. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; ready: { url: string; port: number; certificate?: string } }> {
  const [node, cli] = cliCommand();
  const child = spawn(node, [cli, '--port', '0', '--log-level', 'warn', ...args],
    { cwd: ROOT, env: { ...envWithoutMockVariables(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${DEADLINE_MS} ms; stderr:\n${stderr}`)), DEADLINE_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) { clearTimeout(timer); resolve(stdout.slice(0, stdout.indexOf('\n'))); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code} before its ready line; stderr:\n${stderr}`)); });
  });
  return { child, ready: JSON.parse(line) };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exit;
  return code as number | null;
}

describe('HTTPS with a self-signed certificate made at start', () => {
  it('prints an https URL and the certificate file; a client that trusts that file walks the README quick start', { timeout: 2 * DEADLINE_MS }, async () => {
    const out = join(dir, 'trust-me.pem');
    const { child, ready } = await startCli(['--tls-self-signed', 'cint-mock.test', '--tls-cert-out', out]);
    assert.match(ready.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(ready.certificate, out);
    const certificate = readFileSync(out, 'utf8');
    assert.match(certificate, /^-----BEGIN CERTIFICATE-----\n/);
    assert.doesNotMatch(certificate, /PRIVATE KEY/, 'the key is never written');

    const run = await runQuickStart(ready.url, { caFile: out });
    assertQuickStartOutput(run);

    // The same for Node's own client, by every name the certificate is for, here the loopback ones.
    for (const host of ['127.0.0.1', 'localhost']) {
      const health = await httpsCall(`https://${host}:${ready.port}/__admin/health`, certificate);
      assert.equal(health.status, 200, host);
    }
    assert.equal(await stop(child), 0);
    assert.equal(readFileSync(out, 'utf8'), certificate, 'a file written where asked stays after the stop');
  });

  it('is refused by a client that does not trust it, and by one that trusts another certificate', { timeout: 2 * DEADLINE_MS }, async () => {
    const { child, ready } = await startCli([], { CINT_MOCK_TLS_SELF_SIGNED: 'localhost' });
    assert.ok(ready.certificate, 'the ready line names the certificate file');
    await assert.rejects(httpsCall(`${ready.url}/__admin/health`, undefined), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const other = await generateSelfSigned(['localhost', '127.0.0.1'], join(dir, 'other.pem'));
    await assert.rejects(httpsCall(`${ready.url}/__admin/health`, other.cert), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal((await httpsCall(`${ready.url}/__admin/health`, readFileSync(ready.certificate, 'utf8'))).status, 200);
    assert.equal(await stop(child), 0);
    // Made in the temporary folder for this process only (its key went with it): gone with the server.
    assert.equal(existsSync(ready.certificate), false, `${ready.certificate} is left after the stop`);
    assert.equal(existsSync(dirname(ready.certificate)), false, 'its folder is left after the stop');
  });

  it('names the host names given, and the loopback ones; a client checks the host name too', async () => {
    const mock = await startMock({ tlsSelfSigned: 'Cint-Mock, 10.1.2.3' });
    try {
      assert.deepEqual(mock.tls?.names, ['cint-mock', '10.1.2.3', 'localhost', '127.0.0.1', '::1']);
      assert.equal(mock.tls?.selfSigned, true);
      assert.equal(readFileSync(mock.tls!.certificateFile, 'utf8'), mock.tls!.certificate);
      assert.equal((await httpsCall(`${mock.url}/__admin/health`, mock.tls!.certificate, { servername: 'cint-mock' })).status, 200);
      // A client that expects another host name refuses it, although it trusts the certificate.
      await assert.rejects(httpsCall(`${mock.url}/__admin/health`, mock.tls!.certificate, { servername: 'not-named.test' }), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      await mock.close();
    }
  });

  it('leaves nothing in the temporary folder once closed, or when its start fails', async () => {
    // A temporary folder of this test's own, so other test files' certificates do not count.
    const temporary = mkdtempSync(join(dir, 'tmp-'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = temporary;
    const busy = createServer();
    try {
      const mock = await startMock({ tlsSelfSigned: 'localhost' });
      assert.equal(dirname(dirname(mock.tls!.certificateFile)), temporary);
      assert.equal(readFileSync(mock.tls!.certificateFile, 'utf8'), mock.tls!.certificate);
      await mock.close();
      assert.deepEqual(readdirSync(temporary), []);

      // A port already taken: the start fails, and its certificate goes with it.
      busy.listen(0, '127.0.0.1');
      await once(busy, 'listening');
      const { port } = busy.address() as { port: number };
      await assert.rejects(startMock({ tlsSelfSigned: 'localhost', port, host: '127.0.0.1' }), { code: 'EADDRINUSE' });
      assert.deepEqual(readdirSync(temporary), []);

      // Written where asked, the file is the user's: it stays.
      const kept = join(temporary, 'kept.pem');
      const written = await startMock({ tlsSelfSigned: 'localhost', tlsCertOut: kept });
      await written.close();
      assert.deepEqual(readdirSync(temporary), ['kept.pem']);
      assert.equal(readFileSync(kept, 'utf8'), written.tls!.certificate);
    } finally {
      busy.close();
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });
});

describe('HTTPS with a certificate and key from files', () => {
  it('serves with them, in-process and from the config file; Cint requests work as over HTTP', async () => {
    const made = await generateSelfSigned(['localhost', '127.0.0.1'], join(dir, 'given.pem'));
    const keyFile = join(dir, 'given-key.pem');
    writeFileSync(keyFile, made.key);
    const mock = await startMock({ tlsCertFile: made.certificateFile, tlsKeyFile: keyFile });
    try {
      assert.match(mock.url, /^https:/);
      assert.equal(mock.tls?.selfSigned, false);
      assert.equal(mock.tls?.certificateFile, made.certificateFile);
      const created = await httpsCall(`${mock.url}${projectsUrl()}`, made.cert, {
        method: 'POST',
        headers: { ...mock.headers('tls-client'), 'content-type': 'application/json', 'idempotency-key': 'tls-1' },
        body: JSON.stringify(projectBody()),
      });
      assert.equal(created.status, 202, created.body);
      const missingVersion = await httpsCall(`${mock.url}${projectsUrl()}`, made.cert, { headers: { authorization: mock.headers('tls-client').authorization! } });
      assert.equal(missingVersion.status, 403);
      assert.equal(JSON.parse(missingVersion.body).object, 'required_header_missing');
      const listed = await httpsCall(`${mock.url}${projectsUrl()}`, made.cert, { headers: { ...mock.headers('tls-client'), 'cint-api-version': API_VERSION } });
      assert.equal(listed.status, 200);
    } finally {
      await mock.close();
    }

    const configFile = join(dir, 'cint-mock.yaml');
    writeFileSync(configFile, `tlsCertFile: ${made.certificateFile}\ntlsKeyFile: ${keyFile}\n`);
    const { child, ready } = await startCli(['--config', configFile]);
    assert.match(ready.url, /^https:/);
    assert.equal(ready.certificate, made.certificateFile);
    assert.equal((await httpsCall(`${ready.url}/__admin/health`, made.cert)).status, 200);
    assert.equal(await stop(child), 0);
  });
});

describe('TLS configuration errors', () => {
  const errorOf = (input: Parameters<typeof makeConfig>[0]) => {
    try {
      makeConfig(input);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail('makeConfig accepted it');
  };

  it('names the option and what is wrong', async () => {
    const made = await generateSelfSigned(['localhost'], join(dir, 'errors.pem'));
    const other = await generateSelfSigned(['localhost'], join(dir, 'errors-other.pem'));
    const keyFile = join(dir, 'errors-key.pem');
    writeFileSync(keyFile, other.key);
    assert.match(errorOf({ tlsCertFile: made.certificateFile }), /tlsCertFile: HTTPS needs both a certificate and its key: set tlsKeyFile too/);
    assert.match(errorOf({ tlsKeyFile: keyFile }), /tlsKeyFile: HTTPS needs both a certificate and its key: set tlsCertFile too/);
    assert.match(errorOf({ tlsCertFile: made.certificateFile, tlsKeyFile: keyFile }), /tlsKeyFile: the key does not belong to the certificate of tlsCertFile/);
    assert.match(errorOf({ tlsCertFile: keyFile, tlsKeyFile: keyFile }), /tlsCertFile: the file holds no PEM certificate/);
    assert.match(errorOf({ tlsCertFile: made.certificateFile, tlsKeyFile: made.certificateFile }), /tlsKeyFile: the file holds no unencrypted PEM private key/);
    assert.match(errorOf({ tlsCertFile: join(dir, 'absent.pem'), tlsKeyFile: keyFile }), /tlsCertFile: cannot read the certificate file: ENOENT/);
    assert.match(errorOf({ tlsSelfSigned: 'localhost', tlsCertFile: made.certificateFile, tlsKeyFile: keyFile }), /tlsSelfSigned: a certificate made at start, but tlsCertFile gives one: choose one of them/);
    assert.match(errorOf({ tlsCertOut: join(dir, 'x.pem') }), /tlsCertOut: where a generated certificate is written, but no certificate is generated: set tlsSelfSigned too/);
    assert.match(errorOf({ tlsSelfSigned: 'good.test, bad name, -x' }), /tlsSelfSigned: not a host name or IP address: "bad name", "-x"/);
  });

  it('exits 1 naming the flag, and 1 when the certificate cannot be written', async () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const [node, cli] = cliCommand();
      const child = spawn(node, [cli, '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const missingKey = await run(['--tls-cert', join(dir, 'errors.pem')]);
    assert.equal(missingKey.code, 1);
    assert.match(missingKey.stderr, /--tls-cert \(tlsCertFile\): HTTPS needs both a certificate and its key/);
    // Named as the user gave it, as every other option is: the flag, or the variable.
    const out = join(dir, 'no', 'such', 'folder', 'c.pem');
    const unwritable = await run(['--tls-self-signed', 'localhost', '--tls-cert-out', out]);
    assert.deepEqual(unwritable, { code: 1, stderr: `cint-mock: invalid configuration:\n  --tls-cert-out (tlsCertOut): cannot write the certificate to ${out}: ENOENT\n` });
    const fromEnv = await run([], { CINT_MOCK_TLS_SELF_SIGNED: 'localhost', CINT_MOCK_TLS_CERT_OUT: out, LOG_LEVEL: 'silent' });
    assert.deepEqual(fromEnv, { code: 1, stderr: `cint-mock: invalid configuration:\n  CINT_MOCK_TLS_CERT_OUT (tlsCertOut): cannot write the certificate to ${out}: ENOENT\n` });
  });
});
