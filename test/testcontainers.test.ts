// cint-mock/testcontainers against a real container engine: the module starts the image, waits for
// /__admin/health on the mapped port, and a test suite walks the README quick start against its base
// URL, chooses scenarios per session, reads the journal, and trusts the certificate of its HTTPS.
// Skipped, saying why, where no engine answers or the image is not built (see test/containers.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CintMockContainer, CintMockRequestError, type StartedCintMockContainer } from '../src/testcontainers.js';
import { containerSkipReason, IMAGE } from './containers.js';
import { futureDate, projectBody, targetGroupBody } from './helpers.js';
import { assertQuickStartOutput, runQuickStart } from './quick-start.js';

const skip = await containerSkipReason();
/** Bounds on a container's start and a quick start on a loaded machine, so a broken start fails instead of hanging. */
const START_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'cint-mock-testcontainers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A Cint request to the container, as a client on the host makes it. */
async function cint(mock: StartedCintMockContainer, clientId: string, path: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${mock.getApiUrl()}/demand/accounts/101${path}`, { headers: { ...(await mock.headers(clientId)), ...extra } });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The first log line of the container that matches, within a bound. */
async function logLine(mock: StartedCintMockContainer, pattern: RegExp): Promise<string> {
  const stream = await mock.logs();
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within 10 s; logs:\n${text}`)), 10_000);
    stream.on('data', (chunk: Buffer | string) => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => pattern.test(candidate));
      if (line) {
        clearTimeout(timer);
        (stream as unknown as { destroy?: () => void }).destroy?.();
        resolve(line.trim());
      }
    });
  });
}

/**
 * A suite's container, asked for as the file loads, so that the three suites' containers start side by
 * side: with the podman shim's vfs storage each start copies the image (about 17 s of the kernel's time),
 * about a minute one after another. Its suite's before() waits for it, and fails if it failed.
 */
function starting(start: () => Promise<StartedCintMockContainer>): Promise<StartedCintMockContainer> | undefined {
  if (skip) return undefined;
  const started = start();
  started.catch(() => undefined);
  return started;
}

const plainStarted = starting(() => {
  const scenarios = join(dir, 'scenarios');
  mkdirSync(scenarios, { mode: 0o755 });
  writeFileSync(join(scenarios, 'suite-mounted.yaml'), [
    'description: mounted by test/testcontainers.test.ts; list_account_projects answers 503 with Retry-After 7.',
    'rules:',
    '  - match: { operation: list_account_projects }',
    '    respond: { status: 503, headers: { Retry-After: "7" } }',
    '',
  ].join('\n'));
  return new CintMockContainer(IMAGE).withScenarios(scenarios).withOption('LOG_LEVEL', 'warn').start();
});
const httpsStarted = starting(() => new CintMockContainer(IMAGE).withSelfSignedTls(['cint-mock.test']).withOption('LOG_LEVEL', 'warn').start());
const guardedStarted = starting(() => new CintMockContainer(IMAGE).withAdminToken('admin-secret').withOption('LOG_LEVEL', 'warn').start());
// Each container started is stopped at the end, its suite run or not (a name pattern may have left it out).
after(async () => {
  const settled = await Promise.allSettled([plainStarted, httpsStarted, guardedStarted]);
  await Promise.all(settled.map((result) => (result.status === 'fulfilled' ? result.value?.stop() : undefined)));
});

describe(`cint-mock/testcontainers with the image ${IMAGE}`, { skip }, () => {
  let mock: StartedCintMockContainer;
  before(async () => {
    mock = await plainStarted!;
  }, { timeout: START_MS });

  it('runs the README quick start against the base URL (the runtime host and the mapped port)', { timeout: START_MS }, async () => {
    assert.match(mock.getBaseUrl(), /^http:\/\/[^/]+:\d+$/);
    assert.equal(mock.getApiUrl(), `${mock.getBaseUrl()}/v1`);
    assertQuickStartOutput(await runQuickStart(mock.getBaseUrl()));
    // The quick start's client id names its session: the journal has its requests, newest first.
    const created = await mock.journal('my-client', { operation: 'create_project' });
    assert.equal(created.length, 1);
    assert.equal(created[0]!.status, 202);
    assert.equal(created[0]!.method, 'POST');
    const all = await mock.journal('my-client');
    assert.ok(all.length >= 15, `the quick start made ${all.length} requests`);
    assert.ok(Date.parse(all[0]!.at) >= Date.parse(all.at(-1)!.at), 'newest first');
    assert.equal(await mock.count('my-client', { operation: 'pause_fielding_run', status: 412 }), 1);
  });

  it("prints the internal address in its ready line, which is not the mapped port's", async () => {
    const ready = JSON.parse(await logLine(mock, /"event":"listening"/)) as { url: string; port: number };
    assert.deepEqual(ready, { event: 'listening', url: 'http://127.0.0.1:8080', port: 8080 });
    assert.notEqual(new URL(mock.getBaseUrl()).port, '8080', 'the mapped port is chosen by the engine');
  });

  it('chooses a scenario per session, from the mounted folder; other sessions keep the realistic behaviour', async () => {
    const loaded = await mock.scenarios();
    assert.ok(loaded.some(({ name, description }) => name === 'suite-mounted' && /Retry-After 7/.test(description)), JSON.stringify(loaded));
    assert.ok(loaded.some(({ name }) => name === 'flaky'), 'the built-in ones too');
    await mock.useScenario('suite-a', 'suite-mounted');
    assert.deepEqual(await mock.scenarioOf('suite-a'), { session: 'suite-a', scenario: 'suite-mounted', chosen_by: 'session' });
    const a = await cint(mock, 'suite-a', '/projects');
    assert.equal(a.status, 503, a.body);
    assert.equal(a.headers.get('retry-after'), '7');
    assert.deepEqual(Object.keys(JSON.parse(a.body)).sort(), ['detail', 'id', 'object']);
    assert.equal((await cint(mock, 'suite-b', '/projects')).status, 200);
    assert.equal(await mock.count('suite-a', { status: 503 }), 1);
    assert.equal(await mock.count('suite-a', { fault: 'any' }), 0, 'a scripted status is no fault');

    await mock.useScenario('suite-a', null);
    assert.equal((await cint(mock, 'suite-a', '/projects')).status, 200);
    await mock.reset('suite-a');
    assert.deepEqual(await mock.journal('suite-a'), []);
    assert.equal((await mock.journal('suite-b')).length, 1, "another session's journal is kept");

    await assert.rejects(mock.useScenario('suite-a', 'no-such-scenario'), (error: unknown) =>
      error instanceof CintMockRequestError && error.status === 400 && /no-such-scenario/.test(error.body));
  });

  it('sends a scenario for one session, with no file: its rules answer that session, and wrong ones are a 400 naming the field', async () => {
    const rules = [{ match: { operation: 'list_account_projects' }, respond: { status: 429, headers: { 'retry-after': '3' } } }];
    await mock.useScenario('suite-sent', { rules });
    const choice = await mock.scenarioOf('suite-sent');
    assert.match(String(choice.scenario), /^inline:/);
    assert.deepEqual(choice.sent, { description: 'a scenario sent through the admin API', rules });
    const sent = await cint(mock, 'suite-sent', '/projects');
    assert.equal(sent.status, 429, sent.body);
    assert.equal(sent.headers.get('retry-after'), '3');
    assert.equal((await cint(mock, 'suite-b', '/projects')).status, 200);
    await assert.rejects(mock.useScenario('suite-sent', { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 42 } }] }), (error: unknown) =>
      error instanceof CintMockRequestError && error.status === 400 && /scenario\.rules\[0\]\.respond\.status/.test(error.body));
  });

  it("reads and sets a session's job timing and fielding rates", async () => {
    assert.equal((await cint(mock, 'settings-suite', '/projects')).status, 200);
    const jobs = await mock.jobs('settings-suite', { polls: 2, duration: 'PT30S' });
    assert.deepEqual(jobs, { session: 'settings-suite', polls: 2, duration: 'PT30S', source: 'session' });
    assert.deepEqual(await mock.jobs('settings-suite'), jobs);
    assert.equal((await mock.jobs('settings-suite', { reset: true })).source, 'instance');

    const fielding = await mock.fielding('settings-suite', { starts_per_hour: 60, seed: 7 });
    assert.equal(fielding.session, 'settings-suite');
    assert.equal(fielding.starts_per_hour, 60);
    assert.equal(fielding.seed, 7);
    assert.equal(fielding.source, 'session');
    assert.deepEqual(await mock.fielding('settings-suite'), fielding);
    await assert.rejects(mock.fielding('settings-suite', { complete: 0.9, screen_out: 0.9 }), (error: unknown) =>
      error instanceof CintMockRequestError && error.status === 400);
    await assert.rejects(mock.jobs('no-such-session'), (error: unknown) => error instanceof CintMockRequestError && error.status === 404);
  });

  it("waits for a session's next webhook delivery to a receiver on the host, and lists its deliveries", { timeout: START_MS }, async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((incoming, answer) => {
      let body = '';
      incoming.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => {
        received.push({ headers: incoming.headers, body });
        answer.writeHead(204).end();
      });
    });
    // The container has a network of its own: it reaches the host at its default gateway (on Linux
    // engines; docs/testcontainers.md says what to use elsewhere), where the receiver listens.
    await new Promise<void>((resolve) => receiver.listen(0, '0.0.0.0', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const host = gatewayOf((await mock.exec(['cat', '/proc/net/route'])).stdout);
      const headers = { ...(await mock.headers('hooks-suite')), 'content-type': 'application/json' };
      const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
        const response = await fetch(`${mock.getApiUrl()}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
        return { status: response.status, location: response.headers.get('location'), body: await response.text() };
      };
      const webhook = await post('/accounts/101/webhooks', { url: `http://${host}:${port}/cint-events`, events: ['target-group-updated'] });
      assert.equal(webhook.status, 201, webhook.body);
      const webhookId = (JSON.parse(webhook.body) as { id: string }).id;
      const project = await post('/demand/accounts/101/projects', projectBody(), { 'idempotency-key': 'hooks-project' });
      assert.equal(project.status, 202, project.body);
      const projectId = (JSON.parse(project.body) as { id: string }).id;
      const group = await post(`/demand/accounts/101/projects/${projectId}/target-groups`, targetGroupBody());
      assert.equal(group.status, 201, group.body);
      const groupId = (JSON.parse(group.body) as { id: string }).id;
      const launched = await post(`/demand/accounts/101/projects/${projectId}/target-groups/${groupId}/fielding-run-jobs/launch-from-draft`,
        { end_fielding_at: futureDate(30) }, { 'idempotency-key': 'hooks-launch' });
      assert.equal(launched.status, 201, launched.body);

      const delivery = await mock.nextDelivery('hooks-suite', { webhookId, timeoutMs: 20_000 });
      assert.equal(delivery.status, 'delivered');
      assert.equal(delivery.event_type, 'target-group-updated');
      assert.equal(delivery.attempts[0]!.status_code, 204);
      assert.match(String(received[0]?.headers['cint-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
      assert.equal(received[0]!.body, delivery.body);
      assert.deepEqual((await mock.deliveries('hooks-suite', { webhookId, limit: 1 })).map(({ id }) => id), [delivery.id]);
      // Nothing of another type comes: 408 after the wait (statuses go as repeated parameters: one
      // "undelivered,bounced" would be a 400).
      await assert.rejects(mock.nextDelivery('hooks-suite', { type: 'session-updated', statuses: ['undelivered', 'bounced'], timeoutMs: 200 }), (error: unknown) =>
        error instanceof CintMockRequestError && error.status === 408);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it("moves a session's clock", async () => {
    await cint(mock, 'clock-suite', '/projects');
    const moved = await mock.clock('clock-suite', { set: '2031-05-01T00:00:00Z' });
    assert.match(moved.now, /^2031-05-01T00:00:00/);
    assert.match((await mock.clock('clock-suite')).now, /^2031-05-01/);
  });
});

/** The default route's gateway in /proc/net/route's text (little-endian hex), as an IPv4 address. */
function gatewayOf(routes: string): string {
  const fields = routes.split('\n').map((line) => line.trim().split(/\s+/)).find((columns) => columns[1] === '00000000');
  assert.ok(fields?.[2], `no default route in the container:\n${routes}`);
  return Buffer.from(fields[2], 'hex').reverse().join('.');
}

/** One HTTPS GET that trusts only `ca` (none: Node's default roots). */
function httpsStatus(url: string, ca: string | undefined, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers, ...(ca === undefined ? {} : { ca }) }, (response) => { response.resume(); resolve(response.statusCode!); })
      .on('error', reject).end();
  });
}

describe(`cint-mock/testcontainers over HTTPS (${IMAGE})`, { skip }, () => {
  let mock: StartedCintMockContainer;
  before(async () => {
    mock = await httpsStarted!;
  }, { timeout: START_MS });

  it('walks the README quick start with curl trusting the certificate read from the container', { timeout: START_MS }, async () => {
    assert.match(mock.getBaseUrl(), /^https:\/\//);
    const certificate = mock.getCertificate();
    assert.match(certificate ?? '', /^-----BEGIN CERTIFICATE-----/);
    const caFile = join(dir, 'container-certificate.pem');
    writeFileSync(caFile, certificate!);
    assertQuickStartOutput(await runQuickStart(mock.getBaseUrl(), { caFile }));
    assert.equal(await mock.count('my-client', { operation: 'complete_fielding_run', status: 204 }), 1);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    assert.equal(await httpsStatus(`${mock.getBaseUrl()}/__admin/health`, mock.getCertificate()), 200);
    await assert.rejects(httpsStatus(`${mock.getBaseUrl()}/__admin/health`, undefined), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});

describe(`cint-mock/testcontainers with an admin token (${IMAGE})`, { skip }, () => {
  let mock: StartedCintMockContainer;
  before(async () => {
    mock = await guardedStarted!;
  }, { timeout: START_MS });

  it('sends the token to the admin API, which refuses a request without it', async () => {
    await mock.useScenario('guarded', 'unavailable');
    assert.equal((await cint(mock, 'guarded', '/projects')).status, 503);
    assert.equal(await mock.count('guarded', { status: 503 }), 1);
    const bare = await fetch(`${mock.getBaseUrl()}/__admin/sessions`);
    assert.equal(bare.status, 401);
    assert.equal((await bare.json() as { object: string }).object, 'authorization_error');
  });
});
