// Scenarios sent for a session (PUT /__admin/sessions/{id}/scenario with the rules themselves, or the
// programmatic useScenario with an object): checked as a file is, answering that session alone.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { controlOf, ScenarioDefinitionError, type MockApp } from '../src/index.js';
import { linearPattern } from '../src/scenarios/compile.js';
import { MANAGER_ID, assertCintError, clientOf, createProject, makeApp, projectBody, projectsUrl, type Client } from './helpers.js';

const FLAKY_CREATE = {
  description: 'create_project fails twice with 503, then answers',
  rules: [{ match: { operation: 'create_project' }, respond: [{ status: 503, headers: { 'retry-after': '2' }, times: 2 }] }],
};

function admin(app: MockApp, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return app.inject({ method, url: `/__admin${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });
}

function createProjectRequest(app: MockApp, client: Client, name = 'Sent scenario project') {
  return app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name }) });
}

describe('scenarios sent through the admin API', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('answers the session as the rules say, then realistically once they are used up', async () => {
    const client = await clientOf(app);
    const chosen = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: FLAKY_CREATE });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const choice = chosen.json() as { session: string; scenario: string; chosen_by: string };
    assert.equal(choice.session, client.clientId);
    assert.match(choice.scenario, /^inline:[A-Za-z0-9_-]{16}$/);
    assert.equal(choice.chosen_by, 'session');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = await createProjectRequest(app, client);
      assertCintError(refused, 503, 'service_unavailable_error');
      assert.equal(refused.headers['retry-after'], '2');
    }
    const created = await createProjectRequest(app, client);
    assert.equal(created.statusCode, 202, created.body);

    const journal = (await admin(app, 'GET', `/sessions/${client.clientId}/journal?operation=create_project`)).json() as { entries: { status: number; scenario: { name: string; rule: number } | null }[] };
    assert.deepEqual(journal.entries.map((entry) => entry.status), [202, 503, 503]);
    assert.deepEqual(journal.entries[2]!.scenario, { name: choice.scenario, rule: 0 });
    // The choice shows what was sent, so a test in any language can see which rules its session has.
    assert.deepEqual((await admin(app, 'GET', `/sessions/${client.clientId}/scenario`)).json(), { session: client.clientId, scenario: choice.scenario, chosen_by: 'session', sent: FLAKY_CREATE });
  });

  it('answers the curl of docs/scenarios.md as the docs show', async () => {
    const docs = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
    const example = /curl -s -X PUT "\$MOCK\/__admin\/sessions\/retry-test\/scenario" -H 'content-type: application\/json' -d '([^']+)'\n# (\{.*\})\n/.exec(docs);
    assert.ok(example, 'the example is in docs/scenarios.md');
    const answer = await app.inject({ method: 'PUT', url: '/__admin/sessions/retry-test/scenario', headers: { 'content-type': 'application/json' }, payload: example[1]! });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json(), JSON.parse(example[2]!));
  });

  it('gives each status of the "one example per status" file of docs/scenarios.md to the request its comment names', async () => {
    const docs = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('### One example per status'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, 'the example is in docs/scenarios.md');
    const client = await clientOf(app);
    const chosen = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: { description: 'one example per status', ...parseYaml(block) } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers: Record<string, string> = {}) =>
      app.inject({ method, url: `/v1${url}`, headers: client.headers({ 'idempotency-key': client.idempotencyKey(), ...headers }), ...(payload ? { payload } : {}) });
    const project = '/demand/accounts/101/projects/01K40T69E63BHTT9MAJYRBQ8HY';
    const run = `${project}/target-groups/01K40T69E63BHTT9MAJYRBQ8HY/fielding-runs/01K40T69E63BHTT9MAJYRBQ8HY`;
    const answers = [
      await send('GET', '/demand/accounts/101/projects', undefined, { 'x-test-case': 'expired' }),
      await send('GET', '/demand/accounts/999/projects'),
      await send('GET', '/demand/accounts/101/projects'),
      await send('POST', '/demand/accounts/101/projects', projectBody({ name: 'Duplicate name' })),
      await send('PUT', project, projectBody(), { 'x-test-case': 'stale' }),
    ];
    // The 204 is the realistic update's, of a project that exists, with its ETag.
    const created = await send('POST', '/demand/accounts/101/projects', projectBody());
    answers.push(created, await send('PUT', `/demand/accounts/101/projects/${created.json().id}`, { name: 'Renamed study', project_manager_id: MANAGER_ID, project_customer_reference_number: null }, { 'if-match': String(created.headers.etag) }));
    answers.push(
      await send('POST', `${project}/target-groups`, { name: 'Broken group' }),
      await send('GET', `${project}/target-groups/01K40T69E63BHTT9MAJYRBQ8HY`),
      await send('POST', `${run}/pause`, undefined, { 'if-match': '1' }),
      await send('GET', run),
      await send('GET', `${project}/target-groups`),
      await send('GET', '/countries'),
    );
    assert.deepEqual(answers.map((answer) => answer.statusCode), [401, 403, 200, 409, 412, 201, 204, 400, 404, 422, 429, 500, 503]);
    assert.deepEqual([answers[10]!.headers['retry-after'], answers[12]!.headers['retry-after']], ['10', '30']);
    // Each answered by its own rule, in the file's order.
    const journal = (await admin(app, 'GET', `/sessions/${client.clientId}/journal`)).json() as { entries: { scenario: { rule: number } | null }[] };
    assert.deepEqual(journal.entries.map((entry) => entry.scenario?.rule).reverse(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('answers no other session: another client\'s stays realistic', async () => {
    const scripted = await clientOf(app);
    const other = await clientOf(app);
    await admin(app, 'PUT', `/sessions/${scripted.clientId}/scenario`, { scenario: { rules: [{ match: { operation: '*' }, respond: { status: 500 } }] } });
    assertCintError(await app.inject({ method: 'GET', url: projectsUrl(), headers: scripted.headers() }), 500, 'unexpected_internal_error');
    assert.equal((await app.inject({ method: 'GET', url: projectsUrl(), headers: other.headers() })).statusCode, 200);
    assert.deepEqual((await admin(app, 'GET', `/sessions/${other.clientId}/scenario`)).json(), { session: other.clientId, scenario: null, chosen_by: 'default' });
  });

  it('takes the same rules twice as one scenario whose progress starts afresh on each choice', async () => {
    const client = await clientOf(app);
    const first = (await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: FLAKY_CREATE })).json().scenario as string;
    assertCintError(await createProjectRequest(app, client), 503, 'service_unavailable_error');
    const again = (await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: FLAKY_CREATE })).json().scenario as string;
    assert.equal(again, first);
    // Chosen again: two 503s again, not one.
    assertCintError(await createProjectRequest(app, client), 503, 'service_unavailable_error');
    assertCintError(await createProjectRequest(app, client), 503, 'service_unavailable_error');
    assert.equal((await createProjectRequest(app, client)).statusCode, 202);

    // Its name chooses it for another session too, from its first step.
    const named = await clientOf(app);
    assert.equal((await admin(app, 'PUT', `/sessions/${named.clientId}/scenario`, { scenario: first })).statusCode, 200);
    assertCintError(await createProjectRequest(app, named), 503, 'service_unavailable_error');
  });

  it('matches on the request as a file rule does, and its description and seed are kept optional', async () => {
    const client = await clientOf(app);
    const kept = (await createProject(app, client, { name: 'Kept project' })).id;
    const gone = (await createProject(app, client, { name: 'Gone project' })).id;
    const chosen = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: { seed: 7, rules: [{ match: { operation: 'get_project_by_id', params: { project_id: gone } }, respond: { status: 404 } }] },
    });
    assert.equal(chosen.statusCode, 200, chosen.body);
    assertCintError(await app.inject({ method: 'GET', url: `${projectsUrl()}/${gone}`, headers: client.headers() }), 404, 'not_found_error');
    assert.equal((await app.inject({ method: 'GET', url: `${projectsUrl()}/${kept}`, headers: client.headers() })).statusCode, 200);
  });

  it('refuses rules with problems with a 400 naming each one\'s path, and keeps the scenario in use', async () => {
    const client = await clientOf(app);
    await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: FLAKY_CREATE });
    const refused = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: {
        rules: [
          { match: { operation: 'create_projet' }, respond: { status: 503 } },
          { match: { operation: 'create_project' }, respond: { status: 99 } },
          { match: { operation: 'create_project', headers: { 'x-a': { matches: '^(a+)+$' } } }, respond: { status: 500 } },
        ],
      },
    });
    const body = assertCintError(refused, 400, 'bad_request_error', {
      detail: "the scenario sent has problems; the session's scenario is unchanged",
      invalid_params: [
        { name: 'scenario.rules[0].match.operation', reason: /create_project/ },
        { name: 'scenario.rules[1].respond.status', reason: /^expected / },
        { name: 'scenario.rules[2].match.headers.x-a.matches', reason: /repetition inside a repetition/ },
      ],
    });
    assert.equal(body.invalid_params.length, 3, refused.body);
    const unknownField = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: { rulez: [] } });
    assertCintError(unknownField, 400, 'bad_request_error', { detail: /scenario sent has problems/, invalid_params: [{ name: 'scenario.rulez' }, { name: 'scenario.rules' }] });
    // Neither a name nor a scenario: every shape the field takes is named.
    assertCintError(await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: [FLAKY_CREATE] }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'scenario', reason: "'scenario' must be of type string or object." }],
    });
    // The flaky scenario still answers.
    assertCintError(await createProjectRequest(app, client), 503, 'service_unavailable_error');
  });

  it("refuses a 4xx/5xx body with a field Cint's envelope does not have, or of another type, naming it", async () => {
    const client = await clientOf(app);
    const refused = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: { rules: [{ match: { operation: 'create_project' }, respond: { status: 400, body: { detial: 'x', invalid_params: [{ name: 'name' }] } } }] },
    });
    const body = assertCintError(refused, 400, 'bad_request_error', {
      detail: "the scenario sent has problems; the session's scenario is unchanged",
      invalid_params: [
        { name: 'scenario.rules[0].respond.body.detial', reason: 'expected one of the fields id, object, detail, invalid_params, found "detial" (did you mean "detail"?)' },
        { name: 'scenario.rules[0].respond.body.invalid_params[0].reason', reason: 'expected a string, found nothing' },
      ],
    });
    assert.equal(body.invalid_params.length, 2, refused.body);
    // Nothing was chosen: the session's answers stay realistic.
    assert.equal((await createProjectRequest(app, client)).statusCode, 202);
  });

  it('runs its patterns in linear time: one that backtracks exponentially answers at once, one the linear engine cannot run is refused', { timeout: 30_000 }, async () => {
    const client = await clientOf(app);
    // safe-regex2 lets (a|a)* through; with backtracking, 40 a's would hold the process for days.
    // Fails here, before the value that would hang the test, when the linear engine is not in use.
    assert.equal(linearPattern('^(a|a)*b$')?.flags, 'l');
    const chosen = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: { rules: [{ match: { operation: 'list_account_projects', headers: { 'x-a': { matches: '^(a|a)*b$' } } }, respond: { status: 500 } }] },
    });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const list = (value: string) => app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-a': value }) });
    assert.equal((await list(`${'a'.repeat(40)}c`)).statusCode, 200);
    assertCintError(await list('aaab'), 500, 'unexpected_internal_error');

    const refused = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: {
        rules: [
          { match: { operation: 'list_account_projects', params: { account_id: { matches: '^1(?=0)' } } }, respond: { status: 500 } },
          { match: { operation: 'get_project_by_id', params: { project_id: { matches: '^[0-9A-Z]{26}$' } } }, respond: { status: 500 } },
        ],
      },
    });
    assertCintError(refused, 400, 'bad_request_error', {
      invalid_params: [
        { name: 'scenario.rules[0].match.params.account_id.matches', reason: /linear-time engine runs: no lookaround/ },
        { name: 'scenario.rules[1].match.params.project_id.matches', reason: /write \[0-9A-Z\]\{13\}\[0-9A-Z\]\{13\} for \[0-9A-Z\]\{26\}/ },
      ],
    });
    // What the message suggests is taken.
    const split = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, {
      scenario: { rules: [{ match: { operation: 'get_project_by_id', params: { project_id: { matches: '^[0-9A-Z]{13}[0-9A-Z]{13}$' } } }, respond: { status: 500 } }] },
    });
    assert.equal(split.statusCode, 200, split.body);
  });

  it('is chosen for a name: every client\'s session of that name, and only one client\'s with client_id', async () => {
    const alice = await clientOf(app);
    const shared = `suite-${alice.clientId}`;
    await admin(app, 'PUT', `/sessions/${shared}/scenario?client_id=${alice.clientId}`, { scenario: { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 429 } }] } });
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: alice.headers({ 'x-mock-session': shared }) });
    assertCintError(listed, 429, 'too_many_requests_problem_details');
    // Alice's own session (no X-Mock-Session) is another session.
    assert.equal((await app.inject({ method: 'GET', url: projectsUrl(), headers: alice.headers() })).statusCode, 200);
  });
});

describe('the space sent scenarios take (inlineScenarioBytes)', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ inlineScenarioBytes: 2048 }); });
  after(() => app.close());

  const sized = (tag: string, bytes: number) => ({ description: `${tag} ${'x'.repeat(bytes)}`, rules: [{ match: { operation: 'create_project' }, respond: { status: 503 } }] });

  it('refuses one past the bound with 413, and takes it once a choice naming another is forgotten', async () => {
    const first = await clientOf(app);
    const second = await clientOf(app);
    const held = async () => (await admin(app, 'GET', '/scenarios')).json().sent as { bytes: number; limit: number; scenarios: { name: string; in_use: boolean }[] };
    const firstChosen = await admin(app, 'PUT', `/sessions/${first.clientId}/scenario`, { scenario: sized('first', 1200) });
    assert.equal(firstChosen.statusCode, 200);
    const firstName = firstChosen.json().scenario as string;
    const firstBytes = Buffer.byteLength(JSON.stringify(sized('first', 1200)));
    assert.deepEqual(await held(), {
      bytes: firstBytes, limit: 2048,
      scenarios: [{ name: firstName, description: `first ${'x'.repeat(1200)}`, seed: null, rules: 1, bytes: firstBytes, in_use: true }],
    });
    const refused = await admin(app, 'PUT', `/sessions/${second.clientId}/scenario`, { scenario: sized('second', 1200) });
    assertCintError(refused, 413, 'content_too_large_error', { detail: /inlineScenarioBytes.*GET \/__admin\/scenarios lists them/ });
    assert.deepEqual((await admin(app, 'GET', `/sessions/${second.clientId}/scenario`)).json().scenario, null);

    assert.equal((await admin(app, 'DELETE', `/sessions/${first.clientId}/scenario`)).statusCode, 204);
    // Still held, no longer in use: it goes when the room is needed.
    assert.deepEqual((await held()).scenarios.map(({ name, in_use }) => ({ name, in_use })), [{ name: firstName, in_use: false }]);
    const taken = await admin(app, 'PUT', `/sessions/${second.clientId}/scenario`, { scenario: sized('second', 1200) });
    assert.equal(taken.statusCode, 200, taken.body);
    assert.deepEqual((await held()).scenarios.map(({ name, in_use }) => ({ name, in_use })), [{ name: taken.json().scenario as string, in_use: true }]);
    assertCintError(await createProjectRequest(app, second), 503, 'service_unavailable_error');
    // The first session no longer has it: realistic again.
    assert.equal((await createProjectRequest(app, first)).statusCode, 202);
  });
});

describe('scenarios sent through the programmatic control', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('useScenario takes the rules as an object, and throws naming the problems of wrong ones', async () => {
    const control = controlOf(app);
    const client = await clientOf(app);
    control.useScenario(client.clientId, { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 403 } }] });
    assert.match(control.scenarioOf(client.clientId).scenario ?? '', /^inline:/);
    assert.deepEqual(control.scenarioOf(client.clientId).sent, {
      rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 403 } }], description: 'a scenario sent through the programmatic API',
    });
    assertCintError(await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() }), 403, 'authorization_error');

    assert.throws(() => control.useScenario(client.clientId, { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 'x' as never } }] }),
      (error: unknown) => error instanceof ScenarioDefinitionError && error.issues.some((issue) => issue.path.join('.') === 'rules.0.respond.status'));
    assertCintError(await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() }), 403, 'authorization_error');
  });
  it('a scenario sent without a description is described by the way it came: the admin API, or the programmatic API', async () => {
    const control = controlOf(app);
    const rules = [{ match: { operation: 'list_account_projects' }, respond: { status: 418 } }];
    const [inProcess, overHttp] = [await clientOf(app), await clientOf(app)];
    control.useScenario(inProcess.clientId, { rules });
    assert.equal((await admin(app, 'PUT', `/sessions/${overHttp.clientId}/scenario`, { scenario: { rules } })).statusCode, 200);
    const sent = async (client: Client) => (await admin(app, 'GET', `/sessions/${client.clientId}/scenario`)).json() as { scenario: string; sent: unknown };
    assert.deepEqual((await sent(inProcess)).sent, { rules, description: 'a scenario sent through the programmatic API' });
    assert.deepEqual((await sent(overHttp)).sent, { rules, description: 'a scenario sent through the admin API' });
    const listed = (await admin(app, 'GET', '/scenarios')).json() as { sent: { scenarios: { name: string; description: string }[] } };
    const described = new Map(listed.sent.scenarios.map(({ name, description }) => [name, description]));
    assert.equal(described.get((await sent(inProcess)).scenario), 'a scenario sent through the programmatic API');
    assert.equal(described.get((await sent(overHttp)).scenario), 'a scenario sent through the admin API');
  });
});
