// The log: one JSON line per request at info (pino), naming the request, its session, operation, status
// and duration; health checks only at debug; a scripted fault and an unexpected error name their request.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildApp, type MockApp } from '../src/app.js';
import { makeConfig, type ConfigInput } from '../src/config.js';
import { API_VERSION, projectsUrl, tokenFor } from './helpers.js';

interface Line { level: number; msg: string; [field: string]: unknown }

async function loggedApp(level: string, overrides: ConfigInput = {}): Promise<{ app: MockApp; lines: Line[] }> {
  const lines: Line[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Line); done(); } });
  const app = await buildApp(makeConfig({ watchScenarios: false, ...overrides }), { logger: { level, stream } });
  await app.ready();
  return { app, lines };
}

describe('the request log', () => {
  it('writes one info line per request with its id, method, url, session, operation, status and duration', async () => {
    const { app, lines } = await loggedApp('info');
    try {
      const token = await tokenFor(app, 'logged');
      lines.length = 0;
      const response = await app.inject({
        method: 'GET', url: `${projectsUrl()}?page_size=5`,
        headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, 'x-request-id': 'req-123' },
      });
      assert.equal(response.statusCode, 200);
      assert.equal(lines.length, 1, JSON.stringify(lines));
      const line = lines[0]!;
      assert.equal(line.level, 30);
      assert.equal(line.msg, 'request');
      assert.equal(line.request_id, 'req-123');
      assert.equal(line.method, 'GET');
      assert.equal(line.url, `${projectsUrl()}?page_size=5`);
      assert.equal(line.client, 'logged');
      assert.equal(line.session, 'logged');
      assert.equal(line.operation, 'list_account_projects');
      assert.equal(line.status, 200);
      assert.equal(typeof line.duration_ms, 'number');
    } finally {
      await app.close();
    }
  });

  it('names the client of a session name two clients share, and keeps a credential sent in the query out of the url', async () => {
    const { app, lines } = await loggedApp('info');
    try {
      const tokens = { alpha: await tokenFor(app, 'alpha'), beta: await tokenFor(app, 'beta') };
      lines.length = 0;
      for (const [client, token] of Object.entries(tokens)) {
        const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, 'x-mock-session': 'ci' } });
        assert.equal(response.statusCode, 200, `${client}: ${response.body}`);
      }
      const refused = await app.inject({ method: 'POST', url: '/oauth/token?grant_type=client_credentials&client_id=alpha&client_secret=hunter2-XYZ&access_token=abc&page=2' });
      assert.equal(refused.statusCode, 400, refused.body);
      const requests = lines.filter((line) => line.msg === 'request');
      assert.deepEqual(requests.map(({ client, session, url }) => ({ client, session, url })), [
        { client: 'alpha', session: 'ci', url: projectsUrl() },
        { client: 'beta', session: 'ci', url: projectsUrl() },
        { client: undefined, session: undefined, url: '/oauth/token?grant_type=client_credentials&client_id=alpha&client_secret=[redacted]&access_token=[redacted]&page=2' },
      ]);
      assert.ok(!lines.some((line) => JSON.stringify(line).includes('hunter2')), 'the secret is in no line');
    } finally {
      await app.close();
    }
  });

  it('writes the line of a request Fastify refuses before routing (bad percent-encoding 400, a segment too long 414), naming its session', async () => {
    const { app, lines } = await loggedApp('info');
    try {
      const token = await tokenFor(app, 'unrouted');
      lines.length = 0;
      const headers = { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION };
      assert.equal((await app.inject({ method: 'GET', url: `${projectsUrl()}/50%zz`, headers: { ...headers, 'x-request-id': 'bad-url' } })).statusCode, 400);
      assert.equal((await app.inject({ method: 'GET', url: `${projectsUrl()}/${'x'.repeat(1100)}`, headers })).statusCode, 414);
      const requests = lines.filter((line) => line.msg === 'request');
      assert.deepEqual(requests.map(({ request_id, method, url, session, status }) => ({ request_id, method, url, session, status })).slice(0, 1), [
        { request_id: 'bad-url', method: 'GET', url: `${projectsUrl()}/50%zz`, session: 'unrouted', status: 400 },
      ]);
      assert.deepEqual(requests.map((line) => line.status), [400, 414]);
      assert.ok(requests.every((line) => line.level === 30 && typeof line.duration_ms === 'number'));
    } finally {
      await app.close();
    }
  });

  it('gives each request its own id, and keeps health checks out of info', async () => {
    const { app, lines } = await loggedApp('info');
    try {
      await app.inject({ method: 'GET', url: '/__admin/health' });
      await app.inject({ method: 'GET', url: projectsUrl(), headers: { 'cint-api-version': API_VERSION } });
      await app.inject({ method: 'GET', url: projectsUrl(), headers: { 'cint-api-version': API_VERSION } });
      const requests = lines.filter((line) => line.msg === 'request');
      assert.deepEqual(requests.map((line) => line.status), [401, 401]);
      assert.equal(new Set(requests.map((line) => line.request_id)).size, 2);
      assert.ok(requests.every((line) => typeof line.request_id === 'string' && line.request_id.length > 0));
    } finally {
      await app.close();
    }
  });

  it('at debug, health checks have their line too', async () => {
    const { app, lines } = await loggedApp('debug');
    try {
      await app.inject({ method: 'GET', url: '/__admin/health', headers: { 'x-request-id': 'health-1' } });
      const health = lines.filter((line) => line.msg === 'request');
      assert.equal(health.length, 1);
      assert.equal(health[0]!.level, 20);
      assert.equal(health[0]!.request_id, 'health-1');
    } finally {
      await app.close();
    }
  });

  it('a scripted fault is logged with the request it broke', async () => {
    const { app, lines } = await loggedApp('info', { authMode: 'off', scenario: 'network-faults' });
    try {
      const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: { 'cint-api-version': API_VERSION, 'x-request-id': 'broken-1' } }).catch((error: unknown) => error);
      assert.ok(response !== undefined);
      const fault = lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('scenario fault:'));
      assert.ok(fault, JSON.stringify(lines));
      assert.equal(fault.request_id, 'broken-1');
      assert.equal(fault.operation, 'list_account_projects');
    } finally {
      await app.close();
    }
  });
});
