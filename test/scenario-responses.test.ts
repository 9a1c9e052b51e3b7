import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { buildApp } from '../src/app.js';
import { makeConfig } from '../src/config.js';
import { API_VERSION, ULID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, projectBody, projectsUrl, targetGroupsUrl } from './helpers.js';
import { appWithScenarios, clientUsing, removeFolder, scenarioFolder } from './scenario-helpers.js';

const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';

const statusRule = (status: number, extra = '') => `
description: every operation answers ${status}
rules:
  - match: { operation: "*" }
    respond: { status: ${status} ${extra} }
`;

const files: Record<string, string> = {
  'merged.yaml': `
description: fields merged over the envelope, and headers
rules:
  - match: { operation: create_project }
    respond:
      status: 400
      headers: { X-Request-Cost: 3 }
      body:
        detail: name is taken
        invalid_params:
          - { name: name, reason: "'name' must be unique in the account." }
  - match: { operation: list_account_projects }
    respond:
      status: 503
      headers: { Retry-After: "120" }
  - match: { operation: get_project_by_id }
    respond:
      status: 429
      body: { detail: slow down }
`,
  'success-bodies.yaml': `
description: scripted success bodies and statuses
rules:
  - match: { operation: list_account_projects }
    respond:
      status: 200
      body: { projects: [], url: /accounts/101/projects, has_more: false, next_cursor: null }
      headers: { X-Scripted: "yes" }
  - match: { operation: get_project_by_id }
    respond: { status: 204 }
  - match: { operation: create_project }
    respond: { status: 200 }
  - match: { operation: get_list_target_groups }
    respond: { status: 301, body: {}, headers: { Location: /v1/elsewhere } }
`,
  'redirects.yaml': `
description: 3xx statuses without a body
rules:
  - match: { operation: get_project_by_id }
    respond: { status: 302 }
  - match: { operation: list_account_projects }
    respond: { status: 307, headers: { Location: /v1/demand/accounts/101/projects?page=2 } }
  - match: { operation: get_target_group }
    respond: { status: 301 }
  - match: { operation: create_project }
    respond: { status: 303 }
`,
  'method-not-allowed.yaml': `
description: scripted 405s
rules:
  - match: { operation: list_account_projects }
    respond: { status: 405 }
  - match: { operation: get_project_by_id }
    respond: { status: 405, headers: { Allow: GET } }
`,
  'look-alike-steps.yaml': `
description: steps that print alike as JSON text but differ (rules with equal steps share them)
rules:
  - match: { operation: get_project_by_id }
    respond: { status: 200, body: { goal: .inf } }
  - match: { operation: list_account_projects }
    respond: { status: 200, body: { goal: "Infinity" } }
`,
  'passthrough-forms.yaml': `
description: passthrough with headers and a delay
rules:
  - match: { operation: list_account_projects }
    respond: { passthrough: true, headers: { X-Mock-Note: realistic }, delay_ms: 40 }
  - match: { operation: get_project_by_id }
    respond: passthrough
  - match: { operation: "*" }
    respond: { status: 500 }
`,
};
for (const status of [400, 401, 403, 404, 409, 412, 422, 429, 500, 503]) files[`status-${status}.yaml`] = statusRule(status);

describe('scenario responses', () => {
  let app: MockApp;
  let close: () => Promise<void>;
  before(async () => { ({ app, close } = await appWithScenarios(files)); });
  after(() => close());

  const expected: Record<number, { object: string; detail: string }> = {
    400: { object: 'bad_request_error', detail: 'request had validation errors' },
    401: { object: 'authorization_error', detail: 'no valid authorization provided for this operation' },
    403: { object: 'authorization_error', detail: "you don't have the right permissions to perform this operation" },
    404: { object: 'not_found_error', detail: 'project_id: the specified resource was not found' },
    409: { object: 'conflict_error', detail: 'this operation causes conflict(s) on the resources' },
    412: { object: 'precondition_failed_error', detail: 'The resource has been modified since you last retrieved it. Please fetch the latest version and try your request again.' },
    422: { object: 'invalid_state_error', detail: 'The entity does not meet the required state.' },
    429: { object: 'too_many_requests_problem_details', detail: 'rate limit exceeded, retry after the delay in Retry-After' },
    500: { object: 'unexpected_internal_error', detail: 'an internal error has led to the failure of this operation' },
    503: { object: 'service_unavailable_error', detail: 'the service is temporarily unavailable, retry after the delay in Retry-After' },
  };

  for (const [status, { object, detail }] of Object.entries(expected)) {
    it(`status ${status}: Cint's envelope with a fresh id, its object and detail`, async () => {
      const client = await clientUsing(app, `status-${status}`);
      const first = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
      const second = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
      const body = assertCintError(first, Number(status), object, { detail });
      assert.notEqual(body.id, second.json().id, 'each answer has its own id');
      assert.match(String(first.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      if (status === '429') assert.equal(body.details, detail);
      if (status === '429' || status === '503') assert.equal(first.headers['retry-after'], '1');
      else assert.equal(first.headers['retry-after'], undefined);
    });
  }

  it('a 404 names the last id parameter of the operation', async () => {
    const client = await clientUsing(app, 'status-404');
    const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}/target-groups/${PROJECT}/fielding-runs/${PROJECT}`, headers: client.headers() });
    assertCintError(response, 404, 'not_found_error', { detail: 'fielding_run_id: the specified resource was not found' });
  });

  it("the rule's body fields are merged over the envelope and its headers added", async () => {
    const client = await clientUsing(app, 'merged');
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'k' }), payload: projectBody() });
    assertCintError(created, 400, 'bad_request_error', {
      detail: 'name is taken', invalid_params: [{ name: 'name', reason: "'name' must be unique in the account." }],
    });
    assert.equal(created.headers['x-request-cost'], '3');

    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assertCintError(listed, 503, 'service_unavailable_error');
    assert.equal(listed.headers['retry-after'], '120');

    const limited = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
    const body = assertCintError(limited, 429, 'too_many_requests_problem_details', { detail: 'slow down' });
    assert.equal(body.details, 'slow down');
  });

  it('a 2xx or 3xx with a body sends that body as JSON, with the headers', async () => {
    const client = await clientUsing(app, 'success-bodies');
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.statusCode, 200);
    assert.match(String(listed.headers['content-type']), /^application\/json/);
    assert.equal(listed.headers['x-scripted'], 'yes');
    assert.deepEqual(listed.json(), { projects: [], url: '/accounts/101/projects', has_more: false, next_cursor: null });
    assertMatchesSpec('list_account_projects', 200, listed.json());

    const moved = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}/target-groups`, headers: client.headers() });
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, '/v1/elsewhere');
    assert.deepEqual(moved.json(), {});
  });

  it("a 3xx without a body is a redirect: no body, the handler does not run, a Location only where the step or Cint's document gives one", async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const projectUrl = `${projectsUrl()}/${project.id}`;
    const groupUrl = `${targetGroupsUrl(project.id)}/${await createTargetGroup(app, client, project.id)}`;
    const redirected = client.headers({ 'x-mock-scenario': 'redirects' });
    const expectRedirect = (response: LightMyRequestResponse, status: number, location: string | undefined) => {
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-type'], undefined);
      assert.equal(response.headers.location, location);
    };

    // Never the request's own URL: a client that follows redirects would ask it again for ever.
    expectRedirect(await app.inject({ method: 'GET', url: projectUrl, headers: redirected }), 302, undefined);
    expectRedirect(await app.inject({ method: 'GET', url: projectUrl, headers: client.headers({ prefer: 'code=302' }) }), 302, undefined);
    expectRedirect(await app.inject({ method: 'GET', url: projectsUrl(), headers: redirected }), 307, '/v1/demand/accounts/101/projects?page=2');
    // A draft too: the rule gives get_target_group's documented 301 to its details, as Prefer does.
    expectRedirect(await app.inject({ method: 'GET', url: groupUrl, headers: redirected }), 301, `${groupUrl}/details`);
    expectRedirect(await app.inject({ method: 'GET', url: groupUrl, headers: client.headers({ prefer: 'code=301' }) }), 301, `${groupUrl}/details`);

    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: { ...redirected, 'idempotency-key': client.idempotencyKey() }, payload: projectBody() });
    expectRedirect(created, 303, undefined);
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.deepEqual(listed.json().projects.map((item: { id: string }) => item.id), [project.id], 'the redirect created nothing');
  });

  it("a scripted 405 carries the Allow the mock's own 405 gives for the path, unless the step sets one", async () => {
    const client = await clientOf(app);
    const projectUrl = `${projectsUrl()}/${PROJECT}`;
    const own = await app.inject({ method: 'DELETE', url: projectsUrl(), headers: client.headers() });
    assertCintError(own, 405, 'method_not_allowed_error');
    assert.equal(own.headers.allow, 'GET, POST');
    const ownOfProject = await app.inject({ method: 'POST', url: projectUrl, headers: client.headers() });
    assertCintError(ownOfProject, 405, 'method_not_allowed_error');
    assert.equal(ownOfProject.headers.allow, 'GET, PUT');

    const ruled = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-scenario': 'method-not-allowed' }) });
    assertCintError(ruled, 405, 'method_not_allowed_error', { detail: 'the method is not allowed for this resource' });
    assert.equal(ruled.headers.allow, own.headers.allow);
    const preferred = await app.inject({ method: 'GET', url: projectUrl, headers: client.headers({ prefer: 'code=405' }) });
    assertCintError(preferred, 405, 'method_not_allowed_error');
    assert.equal(preferred.headers.allow, ownOfProject.headers.allow);
    const own405 = await app.inject({ method: 'GET', url: projectUrl, headers: client.headers({ 'x-mock-scenario': 'method-not-allowed' }) });
    assertCintError(own405, 405, 'method_not_allowed_error');
    assert.equal(own405.headers.allow, 'GET', "the step's own Allow");
  });

  it('rules whose steps print alike as JSON but differ each answer as their own step says', async () => {
    const client = await clientUsing(app, 'look-alike-steps');
    const project = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
    assert.equal(project.statusCode, 200);
    assert.deepEqual(project.json(), { goal: null });
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), { goal: 'Infinity' });
  });

  it('a 2xx without a body runs the realistic handler and sends its answer with that status', async () => {
    const client = await clientUsing(app, 'success-bodies');
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'k' }), payload: projectBody() });
    assert.equal(created.statusCode, 200, 'create_project documents 202; the rule asks for 200');
    assert.match(created.json().id, ULID);
    assert.match(String(created.headers.etag), /^W\//);

    // The project was really created: 204 on the read proves the handler ran, and sends no body.
    const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
    assert.equal(read.statusCode, 204);
    assert.equal(read.body, '');
    assert.equal(read.headers['content-type'], undefined);
  });

  it('Prefer: code=205 and code=304 answer without content, as 204 does; 304 names no Location', async () => {
    const client = await clientOf(app);
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'no-content' }), payload: projectBody() });
    const url = `${projectsUrl()}/${created.json().id as string}`;
    for (const status of [204, 205, 304]) {
      const read = await app.inject({ method: 'GET', url, headers: client.headers({ prefer: `code=${status}` }) });
      assert.equal(read.statusCode, status);
      assert.equal(read.body, '', `${status} sent ${read.body}`);
      assert.equal(read.headers['content-type'], undefined, String(status));
      assert.equal(read.headers.location, undefined, String(status));
    }
  });

  it("a 2xx without a body does not turn the realistic handler's error into a success", async () => {
    const client = await clientUsing(app, 'success-bodies');
    const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
    assertCintError(read, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
  });

  it('passthrough: the realistic answer, with the rule\'s headers, after its delay', async () => {
    const client = await clientUsing(app, 'passthrough-forms');
    const started = Date.now();
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.headers['x-mock-note'], 'realistic');
    assert.ok(Date.now() - started >= 35, 'the answer waited for its delay');
    assertMatchesSpec('list_account_projects', 200, listed.json());

    const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
    assertCintError(read, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
  });

  it('a scripted answer bypasses validation; a passthrough does not', async () => {
    const client = await clientUsing(app, 'passthrough-forms');
    const noVersion = { authorization: client.headers().authorization };
    const scripted = await app.inject({ method: 'POST', url: projectsUrl(), headers: noVersion, payload: { nonsense: true } });
    assertCintError(scripted, 500, 'unexpected_internal_error');
    const passed = await app.inject({ method: 'GET', url: projectsUrl(), headers: noVersion });
    assertCintError(passed, 403, 'required_header_missing');
  });

  it('authentication comes first: an invalid token gets 401 whatever the scenario says', async () => {
    const client = await clientUsing(app, 'status-500');
    const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: { authorization: 'Bearer nope', 'cint-api-version': API_VERSION, 'x-mock-session': client.clientId } });
    assertCintError(response, 401, 'authorization_error');
  });
});

describe('the request context records which rule answered', () => {
  it('sets request.cint.scenario to the scenario and rule index, or null', async () => {
    const dir = await scenarioFolder({
      'two-rules.yaml': `
description: two rules
rules:
  - match: { operation: get_project_by_id }
    respond: { status: 500 }
  - match: { operation: list_account_projects }
    respond: { status: 503 }
`,
    });
    const app = await buildApp(makeConfig({ scenariosDir: dir, watchScenarios: false, scenario: 'two-rules' }));
    const seen: unknown[] = [];
    app.addHook('onResponse', async (request) => { seen.push(request.cint?.scenario); });
    await app.ready();
    try {
      const client = await clientOf(app);
      await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
      await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}`, headers: client.headers() });
      await app.inject({ method: 'GET', url: `${projectsUrl()}/${PROJECT}/target-groups`, headers: client.headers() });
      await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=409' }) });
      assert.deepEqual(seen.slice(-4), [
        { name: 'two-rules', rule: 1 },
        { name: 'two-rules', rule: 0 },
        null,
        { name: 'Prefer: code=409', rule: -1 },
      ]);
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });
});
