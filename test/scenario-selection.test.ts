import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import { ScenarioError } from '../src/scenarios/load.js';
import { AmbiguousSessionError } from '../src/sessions/store.js';
import { assertCintError, clientOf, makeApp, projectBody, projectsUrl } from './helpers.js';
import { appWithScenarios, removeFolder, scenarioFolder } from './scenario-helpers.js';

const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';

const files = {
  'always-500.yaml': `
description: every request gets 500
rules:
  - match: { operation: "*" }
    respond: { status: 500 }
`,
  'always-409.yaml': `
description: every request gets 409
rules:
  - match: { operation: "*" }
    respond: { status: 409 }
`,
  // The same name as a built-in scenario: the user's file wins.
  'flaky.yaml': `
description: the user's own flaky
rules:
  - match: { operation: "*" }
    respond: [ { status: 502, times: 1 }, passthrough ]
`,
};

describe('choosing a scenario', () => {
  let app: MockApp;
  let close: () => Promise<void>;
  before(async () => { ({ app, close } = await appWithScenarios(files, { scenario: 'always-500' })); });
  after(() => close());

  const list = (client: Awaited<ReturnType<typeof clientOf>>, extra: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers(extra) });
  const choose = (session: string, scenario: string | null) =>
    app.inject({ method: 'PUT', url: `/__admin/sessions/${session}/scenario`, payload: { scenario } });

  it('a default at start answers every session that chose nothing', async () => {
    const client = await clientOf(app);
    assertCintError(await list(client), 500, 'unexpected_internal_error');
    const choice = await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}/scenario` });
    assert.deepEqual(choice.json(), { session: client.clientId, scenario: 'always-500', chosen_by: 'default' });
  });

  it('PUT /__admin/sessions/:id/scenario chooses for that session only, even before its first request', async () => {
    const chosen = await clientOf(app);
    const other = await clientOf(app);
    const put = await choose(chosen.clientId, 'always-409');
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { session: chosen.clientId, scenario: 'always-409', chosen_by: 'session' });
    assertCintError(await list(chosen), 409, 'conflict_error');
    assertCintError(await list(other), 500, 'unexpected_internal_error');
    const read = await app.inject({ method: 'GET', url: `/__admin/sessions/${chosen.clientId}/scenario` });
    assert.deepEqual(read.json(), { session: chosen.clientId, scenario: 'always-409', chosen_by: 'session' });
  });

  it('PUT null gives the realistic behaviour whatever the default; DELETE goes back to the default', async () => {
    const client = await clientOf(app);
    await choose(client.clientId, null);
    assert.equal((await list(client)).statusCode, 200);
    const deleted = await app.inject({ method: 'DELETE', url: `/__admin/sessions/${client.clientId}/scenario` });
    assert.equal(deleted.statusCode, 204);
    assertCintError(await list(client), 500, 'unexpected_internal_error');
  });

  it('an X-Mock-Session name is a session like any other', async () => {
    const client = await clientOf(app);
    const session = `named-${Math.random().toString(36).slice(2)}`;
    await choose(session, 'always-409');
    assertCintError(await list(client, { 'x-mock-session': session }), 409, 'conflict_error');
  });

  it('PUT with an unknown scenario is a 400 naming it, and changes nothing', async () => {
    const client = await clientOf(app);
    const response = await choose(client.clientId, 'no-such-scenario');
    assertCintError(response, 400, 'bad_request_error', {
      detail: 'unknown scenario "no-such-scenario"',
      invalid_params: [{ name: 'scenario', reason: /names no scenario: "no-such-scenario"; known scenarios: .*always-409/ }],
    });
    assertCintError(await list(client), 500, 'unexpected_internal_error');
  });

  it('X-Mock-Scenario picks the scenario for one request, over the session\'s choice', async () => {
    const client = await clientOf(app);
    await choose(client.clientId, 'always-409');
    assertCintError(await list(client, { 'x-mock-scenario': 'always-500' }), 500, 'unexpected_internal_error');
    assert.equal((await list(client, { 'x-mock-scenario': 'happy-path' })).statusCode, 200);
    assertCintError(await list(client), 409, 'conflict_error');
  });

  it('X-Mock-Scenario keeps its progress in the session, request after request', async () => {
    const client = await clientOf(app);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await list(client, { 'x-mock-scenario': 'flaky' })).statusCode);
    assert.deepEqual(statuses, [502, 200, 200], "the user's flaky.yaml overrides the built-in one");
  });

  it('an unknown X-Mock-Scenario is a 400 naming the header', async () => {
    const client = await clientOf(app);
    assertCintError(await list(client, { 'x-mock-scenario': 'nope' }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'X-Mock-Scenario', reason: /names no scenario: "nope"/ }],
    });
  });

  it('GET /__admin/sessions/:id/scenario reads one session: 409 naming the clients where several use the name, else that session\'s own choice', async () => {
    const [first, second, alone] = [await clientOf(app), await clientOf(app), await clientOf(app)];
    const shared = `shared-${Math.random().toString(36).slice(2)}`;
    const own = `own-${Math.random().toString(36).slice(2)}`;
    for (const client of [first, second]) await list(client, { 'x-mock-session': shared });
    await list(alone, { 'x-mock-session': own });
    for (const [session, client, scenario] of [[shared, first, 'always-409'], [shared, second, null], [own, alone, 'always-409']] as const) {
      const put = await app.inject({ method: 'PUT', url: `/__admin/sessions/${session}/scenario?client_id=${client.clientId}`, payload: { scenario } });
      assert.equal(put.statusCode, 200, put.body);
    }
    assertCintError(await list(first, { 'x-mock-session': shared }), 409, 'conflict_error');
    assert.equal((await list(second, { 'x-mock-session': shared })).statusCode, 200);
    const read = (url: string) => app.inject({ method: 'GET', url: `/__admin/sessions/${url}` });

    // The two sessions answer differently: no one scenario is "the" answer for the name.
    assertCintError(await read(`${shared}/scenario`), 409, 'conflict_error', {
      detail: `several clients use the session name "${shared}" (${first.clientId}, ${second.clientId}); name the client with client_id`,
    });
    assert.deepEqual((await read(`${shared}/scenario?client_id=${first.clientId}`)).json(), { session: shared, scenario: 'always-409', chosen_by: 'session' });
    assert.deepEqual((await read(`${shared}/scenario?client_id=${second.clientId}`)).json(), { session: shared, scenario: null, chosen_by: 'session' });
    // One client's session of a name: its own choice answers it, not the instance's default.
    assertCintError(await list(alone, { 'x-mock-session': own }), 409, 'conflict_error');
    assert.deepEqual((await read(`${own}/scenario`)).json(), { session: own, scenario: 'always-409', chosen_by: 'session' });
    // The programmatic read says the same.
    const control = controlOf(app);
    assert.throws(() => control.scenarioOf(shared), (error: unknown) => error instanceof AmbiguousSessionError && error.message.includes(first.clientId));
    assert.deepEqual(control.scenarioOf(shared, second.clientId), { scenario: null, chosen_by: 'session' });
    assert.deepEqual(control.scenarioOf(own), { scenario: 'always-409', chosen_by: 'session' });
  });

  it('GET /__admin/scenarios lists built-in and user scenarios with their descriptions', async () => {
    const response = await app.inject({ method: 'GET', url: '/__admin/scenarios' });
    assert.equal(response.statusCode, 200);
    const body = response.json() as { default: string; scenarios: { name: string; description: string; origin: string; rules: number }[] };
    assert.equal(body.default, 'always-500');
    const byName = new Map(body.scenarios.map((scenario) => [scenario.name, scenario]));
    assert.equal(byName.get('always-409')?.origin, 'user');
    assert.equal(byName.get('flaky')?.origin, 'user');
    assert.equal(byName.get('flaky')?.description, "the user's own flaky");
    assert.equal(byName.get('unavailable')?.origin, 'builtin');
    assert.match(byName.get('unavailable')?.description ?? '', /503/);
    assert.deepEqual(body.scenarios.map((scenario) => scenario.name), [...byName.keys()].sort());
  });
});

describe('scenario choices past maxSessions', () => {
  it('forgets the least recently used choice, and logs which session went back to the default', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    const dir = await scenarioFolder(files);
    // In memory (test/redis-shared.test.ts has the Redis store's bound, kept and told of by the store).
    const app = await makeApp({ store: 'memory', scenariosDir: dir, watchScenarios: false, maxSessions: 2 }, { logger: { level: 'warn', stream } });
    try {
      const [first, second, third] = [await clientOf(app), await clientOf(app), await clientOf(app)];
      for (const client of [first, second, third]) {
        const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'always-409' } });
        assert.equal(chosen.statusCode, 200, chosen.body);
      }
      assert.equal((await app.inject({ method: 'GET', url: projectsUrl(), headers: first.headers() })).statusCode, 200);
      assertCintError(await app.inject({ method: 'GET', url: projectsUrl(), headers: third.headers() }), 409, 'conflict_error');
      const evicted = lines.filter((line) => line.event === 'scenario_choice_evicted');
      assert.deepEqual(evicted.map(({ level, session, client_id, scenario, maxSessions, msg }) => ({ level, session, client_id, scenario, maxSessions, msg })), [{
        level: 40, session: first.clientId, client_id: null, scenario: 'always-409', maxSessions: 2,
        msg: "a session's scenario choice was forgotten to make room: maxSessions (2) choices are held; the session is back on the realistic behaviour",
      }]);
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });
});

describe('Prefer: code=NNN', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  it("answers that status with the operation's default envelope, no scenario needed", async () => {
    const client = await clientOf(app);
    const unavailable = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=503' }) });
    assertCintError(unavailable, 503, 'service_unavailable_error');
    assert.equal(unavailable.headers['retry-after'], '1');
    const gone = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers({ prefer: 'code=404' }) });
    assertCintError(gone, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    const limited = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'dynamic=false, code=429' }) });
    assertCintError(limited, 429, 'too_many_requests_problem_details');
  });

  it('a success code runs the realistic handler and sends its answer with that code', async () => {
    const client = await clientOf(app);
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ prefer: 'code=201', 'idempotency-key': 'k' }), payload: projectBody() });
    assert.equal(created.statusCode, 201);
    assert.ok(created.json().id);
  });

  it('wins over the scenario; other preferences are ignored', async () => {
    const client = await clientOf(app);
    const preferred = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=409', 'x-mock-scenario': 'server-error' }) });
    assertCintError(preferred, 409, 'conflict_error');
    const minimal = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'return=minimal' }) });
    assert.equal(minimal.statusCode, 200);
  });

  it('a code that is not a status from 200 to 599 is a 400 naming Prefer', async () => {
    const client = await clientOf(app);
    for (const prefer of ['code=99', 'code=abc', 'code=600']) {
      const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer }) });
      assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'Prefer', reason: /must be an HTTP status from 200 to 599/ }] });
    }
  });
});

describe('the default scenario at start', () => {
  it('an unknown default scenario fails the start with the known names', async () => {
    await assert.rejects(makeApp({ scenario: 'no-such', watchScenarios: false }), (error: unknown) => {
      assert.ok(error instanceof ScenarioError);
      assert.match(error.message, /\(configuration\): scenario: expected the name of a scenario \(.*flaky.*\), found "no-such"/);
      return true;
    });
  });
});
