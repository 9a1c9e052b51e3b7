// The programmatic API, used the way a test suite would: startMock() and its control (tokens, scenarios,
// resets, the journal and counts), controlOf() on an inject-only app, and close().
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import {
  buildApp, controlOf, makeConfig, ScenarioNotFoundError, startMock, type RunningMock,
} from '../src/index.js';
import { ACCOUNT, API_VERSION, assertCintError, projectBody, projectsUrl } from './helpers.js';

/** A fetch Response read in full, in the shape the shared assertions expect. */
async function asInjected(response: Response): Promise<LightMyRequestResponse> {
  const body = await response.text();
  return {
    statusCode: response.status, headers: Object.fromEntries(response.headers.entries()), body, payload: body,
    json: () => JSON.parse(body),
  } as unknown as LightMyRequestResponse;
}

describe('startMock()', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(); });
  after(() => mock.close());

  const call = (path: string, headers: Record<string, string>, init: { method?: string; body?: unknown } = {}) => fetch(`${mock.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const create = (clientId: string, key: string) =>
    call(projectsUrl(), { ...mock.headers(clientId), 'idempotency-key': key }, { method: 'POST', body: projectBody() });

  it('listens on a free port (port 0 by default) and returns a URL that answers', async () => {
    assert.equal(mock.config.port, 0);
    assert.ok(mock.port > 0);
    assert.equal(mock.url, `http://127.0.0.1:${mock.port}`);
    const health = await fetch(`${mock.url}/__admin/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json() as { status: string }).status, 'ok');
  });

  it('port: undefined is port 0 too', async () => {
    const other = await startMock({ port: undefined, watchScenarios: false });
    try {
      assert.equal(other.config.port, 0);
      assert.notEqual(other.port, 8080);
    } finally {
      await other.close();
    }
  });

  it('token(clientId, { accounts }) is accepted for those accounts and 403 for another', async () => {
    const token = mock.token('token-accounts', { accounts: [ACCOUNT] });
    const headers = { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION };
    const allowed = await call(projectsUrl(), headers);
    assert.equal(allowed.status, 200, await allowed.clone().text());
    assertCintError(await asInjected(await call(projectsUrl(ACCOUNT + 1), headers)), 403, 'authorization_error');
  });

  it('headers(clientId) are the Authorization and Cint-API-Version a request needs', async () => {
    const headers = mock.headers('headers-client');
    assert.equal(headers['cint-api-version'], API_VERSION);
    assert.match(headers.authorization ?? '', /^Bearer \S+$/);
    const created = await create('headers-client', 'key-1');
    assert.equal(created.status, 202, await created.clone().text());
    assert.equal(mock.count('headers-client', { operation: 'create_project' }), 1);
  });

  it('useScenario, scenarioOf and scenarios()', async () => {
    const names = mock.scenarios().map((scenario) => scenario.name);
    for (const name of ['flaky', 'happy-path', 'unavailable', 'validation-error']) assert.ok(names.includes(name), name);
    assert.ok(mock.scenarios().every((scenario) => scenario.description.length > 0));

    assert.deepEqual(mock.scenarioOf('scenario-client'), { scenario: null, chosen_by: 'default' });
    mock.useScenario('scenario-client', 'flaky');
    assert.deepEqual(mock.scenarioOf('scenario-client'), { scenario: 'flaky', chosen_by: 'session' });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call(projectsUrl(), mock.headers('scenario-client'))).status);
    assert.deepEqual(statuses, [503, 503, 200]);

    // Choosing again starts the scenario from its first step.
    mock.useScenario('scenario-client', 'flaky');
    assert.equal((await call(projectsUrl(), mock.headers('scenario-client'))).status, 503);
    mock.useScenario('scenario-client', null);
    assert.deepEqual(mock.scenarioOf('scenario-client'), { scenario: null, chosen_by: 'session' });
    assert.equal((await call(projectsUrl(), mock.headers('scenario-client'))).status, 200);
  });

  it('useScenario with an unknown name throws ScenarioNotFoundError and changes nothing', () => {
    assert.throws(() => mock.useScenario('unknown-scenario-client', 'no-such-scenario'), (error: unknown) =>
      error instanceof ScenarioNotFoundError && /no-such-scenario/.test(error.message) && /flaky/.test(error.message));
    assert.deepEqual(mock.scenarioOf('unknown-scenario-client'), { scenario: null, chosen_by: 'default' });
  });

  it('journal() and count(): "create_project was called twice"', async () => {
    await create('counting-client', 'key-1');
    await create('counting-client', 'key-2');
    await call(projectsUrl(), mock.headers('counting-client'));
    assert.equal(mock.count('counting-client', { operation: 'create_project' }), 2);
    assert.equal(mock.count('counting-client', { status: 202 }), 2);
    assert.equal(mock.count('counting-client'), 3);
    assert.equal(mock.count('never-seen-client'), 0);
    assert.deepEqual(mock.journal('counting-client').map((entry) => entry.operation), ['list_account_projects', 'create_project', 'create_project']);
    assert.deepEqual(mock.journal('counting-client', { operation: 'create_project', limit: 1 }).map((entry) => entry.body), [projectBody()]);
    assert.deepEqual(mock.journal('never-seen-client'), []);
  });

  it('journal() and count() throw a RangeError for an operation or fault that names none, as the admin API answers 400', async () => {
    await create('filter-typo-client', 'key-1');
    for (const read of [() => mock.count('filter-typo-client', { operation: 'create_projct' }), () => mock.journal('never-seen-client', { operation: 'create_projct' })]) {
      assert.throws(read, (error: unknown) => error instanceof RangeError
        && error.message === '\'operation\' names no operation: "create_projct" (did you mean "create_project"?); give a Cint operation id (docs/operations.md lists them), or (none) for the requests no route took');
    }
    assert.throws(() => mock.count('filter-typo-client', { fault: 'connection_rest' }), (error: unknown) => error instanceof RangeError
      && error.message === '\'fault\' names no fault: "connection_rest" (did you mean "connection_reset"?); give one of connection_reset, empty_response, malformed_body, hang, any');
    assert.equal(mock.count('filter-typo-client', { operation: 'create_project', fault: 'any' }), 0);
  });

  it('reset(session) forgets that session\'s state but keeps its scenario choice; reset() forgets every session', async () => {
    const created = await (await create('reset-one', 'key-1')).json() as { id: string };
    await create('reset-other', 'key-1');
    mock.useScenario('reset-one', 'happy-path');

    mock.reset('reset-one');
    assert.deepEqual(mock.journal('reset-one'), []);
    assert.equal(mock.count('reset-one'), 0);
    assert.equal(mock.count('reset-other'), 1);
    assert.deepEqual(mock.scenarioOf('reset-one'), { scenario: 'happy-path', chosen_by: 'session' });
    assert.equal((await call(`${projectsUrl()}/${created.id}`, mock.headers('reset-one'))).status, 404);

    mock.reset();
    assert.equal(mock.count('reset-one'), 0);
    assert.equal(mock.count('reset-other'), 0);
    const listed = await (await call(projectsUrl(), mock.headers('reset-other'))).json() as { projects: unknown[] };
    assert.deepEqual(listed.projects, []);
  });
});

describe('controlOf(buildApp(...)): the same control without a socket', () => {
  it('issues tokens the app accepts and reads its journal, with app.inject', async () => {
    const app = await buildApp(makeConfig({ watchScenarios: false }));
    try {
      const control = controlOf(app);
      control.useScenario('inject-client', 'flaky');
      const create = () => app.inject({
        method: 'POST', url: projectsUrl(), headers: { ...control.headers('inject-client'), 'idempotency-key': 'key-1' }, payload: projectBody(),
      });
      assert.deepEqual([(await create()).statusCode, (await create()).statusCode, (await create()).statusCode], [503, 503, 202]);
      assert.equal(control.count('inject-client', { operation: 'create_project', status: 503 }), 2);
      assert.equal(control.journal('inject-client')[0]?.status, 202);
      assert.equal(app.server.listening, false);
    } finally {
      await app.close();
    }
  });
});

describe('closing and many mocks in one process', () => {
  it('close() is idempotent and the port stops answering', async () => {
    const mock = await startMock();
    assert.equal((await fetch(`${mock.url}/__admin/health`)).status, 200);
    const first = mock.close();
    const second = mock.close();
    await Promise.all([first, second]);
    await mock.close();
    await assert.rejects(fetch(`${mock.url}/__admin/health`));
  });

  it('each startMock() has its own port and its own state', async () => {
    const mocks = await Promise.all(Array.from({ length: 5 }, () => startMock()));
    try {
      assert.equal(new Set(mocks.map((mock) => mock.port)).size, mocks.length);
      const [first, ...others] = mocks as [RunningMock, ...RunningMock[]];
      const created = await fetch(`${first.url}${projectsUrl()}`, {
        method: 'POST', headers: { ...first.headers('same-client'), 'content-type': 'application/json', 'idempotency-key': 'key-1' }, body: JSON.stringify(projectBody()),
      });
      assert.equal(created.status, 202);
      first.useScenario('same-client', 'unavailable');
      for (const mock of others) {
        assert.deepEqual(mock.scenarioOf('same-client'), { scenario: null, chosen_by: 'default' });
        const listed = await fetch(`${mock.url}${projectsUrl()}`, { headers: mock.headers('same-client') });
        assert.equal(listed.status, 200);
        assert.deepEqual((await listed.json() as { projects: unknown[] }).projects, []);
        assert.equal(mock.count('same-client'), 1);
      }
      assert.equal((await fetch(`${first.url}${projectsUrl()}`, { headers: first.headers('same-client') })).status, 503);
      assert.deepEqual(first.journal('same-client').map((entry) => entry.status), [503, 202]);
    } finally {
      await Promise.all(mocks.map((mock) => mock.close()));
    }
  });
});

describe('shutdown drains in-flight requests', () => {
  /** A listening mock whose list_account_projects answers after `delayMs`, in a scenario folder of its own. */
  async function slowListMock(delayMs: number): Promise<{ mock: RunningMock; cleanup(): Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'cint-mock-drain-'));
    writeFileSync(join(dir, 'slow-list.yaml'), [
      `description: list_account_projects answers after ${delayMs} ms.`,
      'rules:',
      '  - match: { operation: list_account_projects }',
      `    respond: { passthrough: true, delay_ms: ${delayMs} }`,
      '',
    ].join('\n'));
    const mock = await startMock({ scenariosDir: dir, scenario: 'slow-list', watchScenarios: false });
    return {
      mock,
      cleanup: async () => {
        await mock.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /** Resolves once a request of `session` is past routing and authentication: it is in flight. */
  async function inFlight(mock: RunningMock, session: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (mock.app.mock.sessions.named(session).length === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the server');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('a request in flight at close() gets its answer; one pipelined behind it gets Cint\'s 503', async () => {
    const { mock, cleanup } = await slowListMock(400);
    try {
      const headers = Object.entries(mock.headers('draining')).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const request = `GET ${projectsUrl()} HTTP/1.1\r\nhost: localhost\r\n${headers}\r\n`;
      const socket = connect(mock.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk; });
      const ended = new Promise((resolve) => socket.on('close', resolve));
      socket.write(request);
      await inFlight(mock, 'draining');
      const closed = mock.close();
      socket.write(request);
      await closed;
      await ended;
      const responses = received.split(/(?=HTTP\/1\.1 )/);
      assert.equal(responses.length, 2, received);
      assert.match(responses[0]!, /^HTTP\/1\.1 200 /);
      assert.match(responses[0]!, /"projects":\[\]/);
      // The connection stays open for the request behind; the last answer on it closes it.
      assert.doesNotMatch(responses[0]!, /\r\nconnection: close\r\n/i);
      assert.match(responses[1]!, /^HTTP\/1\.1 503 /);
      assert.match(responses[1]!, /\r\nconnection: close\r\n/i);
      assert.match(responses[1]!, /retry-after: 1/i);
      const body = JSON.parse(responses[1]!.slice(responses[1]!.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['detail', 'id', 'object']);
      assert.equal(body.object, 'service_unavailable_error');
      await assert.rejects(fetch(`${mock.url}/__admin/health`));
    } finally {
      await cleanup();
    }
  });

  it('an answer given while draining says Connection: close, so a pooled client does not reuse the socket', async () => {
    const { mock, cleanup } = await slowListMock(300);
    try {
      const agent = new Agent({ keepAlive: true });
      const answered = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        httpRequest(`${mock.url}${projectsUrl()}`, { agent, headers: mock.headers('pooled') }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
        }).on('error', reject).end();
      });
      await inFlight(mock, 'pooled');
      const closed = mock.close();
      assert.deepEqual(await answered, { status: 200, connection: 'close' });
      await closed;
      agent.destroy();
    } finally {
      await cleanup();
    }
  });
});
