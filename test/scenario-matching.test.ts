import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { assertCintError, projectBody, projectsUrl } from './helpers.js';
import { linearPattern } from '../src/scenarios/compile.js';
import { appWithScenarios, clientUsing } from './scenario-helpers.js';

const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';
const OTHER_PROJECT = '01K40T69E63BHTT9MAJYRBQ8HZ';

// Each rule answers with its own status (a 4xx the operation would never give otherwise), so a test
// can tell which rule matched from the status alone.
const files = {
  'by-operation.yaml': `
description: one operation id
rules:
  - match: { operation: list_account_projects }
    respond: { status: 409 }
`,
  'by-list.yaml': `
description: a list of operation ids
rules:
  - match: { operation: [get_project_by_id, get_list_target_groups] }
    respond: { status: 409 }
`,
  'by-star.yaml': `
description: every operation
rules:
  - match: { operation: "*" }
    respond: { status: 418 }
`,
  'by-path.yaml': `
description: method and path templates
rules:
  - match: { method: GET, path: "/v1/demand/accounts/:account_id/projects/{project_id}" }
    respond: { status: 409 }
  - match: { method: [POST, PUT], path: /v1/demand/accounts/202/projects }
    respond: { status: 418 }
  - match: { path: /v1/demand/accounts/:account/projects/ }
    respond: { status: 410 }
`,
  'by-params.yaml': `
description: path parameters
rules:
  - match: { operation: get_project_by_id, params: { project_id: ${PROJECT} } }
    respond: { status: 409 }
  - match: { operation: "*", params: { account_id: 202 } }
    respond: { status: 418 }
`,
  'by-query.yaml': `
description: query parameters
rules:
  - match: { operation: list_account_projects, query: { name: Tracker } }
    respond: { status: 409 }
  - match: { operation: list_account_projects, query: { page_size: [5, 7] } }
    respond: { status: 410 }
  - match: { operation: list_account_projects, query: { search_string: { matches: "^brand" } } }
    respond: { status: 418 }
  - match: { operation: list_account_projects, query: { status: { present: true } } }
    respond: { status: 422 }
`,
  'by-headers.yaml': `
description: headers, names in any case
rules:
  - match: { operation: "*", headers: { X-Test-Case: conflict } }
    respond: { status: 409 }
  - match: { operation: create_project, headers: { idempotency-key: { present: false } } }
    respond: { status: 418 }
  - match: { operation: "*", headers: { user-agent: { matches: "^legacy-client/" } } }
    respond: { status: 410 }
`,
  'ambiguous-pattern.yaml': `
description: a pattern safe-regex2 lets through that backtracks exponentially
rules:
  - match: { operation: "*", headers: { x-a: { matches: "^(a|a)*b$" } } }
    respond: { status: 409 }
  - match: { operation: "*", headers: { x-id: { matches: "^01[0-9A-Z]{24}$" } } }
    respond: { status: 410 }
`,
  'by-body.yaml': `
description: partial deep body match
rules:
  - match: { operation: create_project, body: { name: "" } }
    respond:
      status: 400
      body: { invalid_params: [ { name: name, reason: "'name' must not be empty." } ] }
  - match: { operation: create_project, body: { name: Conflicting project } }
    respond: { status: 409 }
  - match: { operation: create_project, body: { tags: [ { kind: vip } ] } }
    respond: { status: 418 }
  - match: { operation: create_project, body: { meta: { source: { system: crm } } } }
    respond: { status: 410 }
`,
  'first-wins.yaml': `
description: the first matching rule answers
rules:
  - match: { operation: list_account_projects, query: { name: first } }
    respond: { status: 409 }
  - match: { operation: "*" }
    respond: { status: 410 }
  - match: { operation: list_account_projects }
    respond: { status: 418 }
`,
};

describe('scenario matching', () => {
  let app: MockApp;
  let close: () => Promise<void>;
  before(async () => { ({ app, close } = await appWithScenarios(files)); });
  after(() => close());

  async function send(scenario: string, request: { method?: 'GET' | 'POST' | 'PUT'; url: string; headers?: Record<string, string>; payload?: object }) {
    const client = await clientUsing(app, scenario);
    return app.inject({ method: request.method ?? 'GET', url: request.url, headers: client.headers(request.headers), ...(request.payload ? { payload: request.payload } : {}) });
  }

  it('by one operation id: that operation only', async () => {
    assertCintError(await send('by-operation', { url: projectsUrl() }), 409, 'conflict_error');
    assert.equal((await send('by-operation', { url: `${projectsUrl()}/${PROJECT}` })).statusCode, 404);
  });

  it('by a list of operation ids', async () => {
    assertCintError(await send('by-list', { url: `${projectsUrl()}/${PROJECT}` }), 409, 'conflict_error');
    assertCintError(await send('by-list', { url: `${projectsUrl()}/${PROJECT}/target-groups` }), 409, 'conflict_error');
    assert.equal((await send('by-list', { url: projectsUrl() })).statusCode, 200);
  });

  it('by "*": every Cint operation, but never /oauth/token or /__admin', async () => {
    assert.equal((await send('by-star', { url: projectsUrl() })).statusCode, 418);
    assert.equal((await send('by-star', { url: `${projectsUrl()}/${PROJECT}/target-groups/${PROJECT}` })).statusCode, 418);
    const token = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'x-mock-scenario': 'by-star' }, payload: { client_id: 'a', client_secret: 'b', grant_type: 'client_credentials' } });
    assert.equal(token.statusCode, 200);
    const health = await app.inject({ method: 'GET', url: '/__admin/health', headers: { 'x-mock-scenario': 'by-star' } });
    assert.equal(health.statusCode, 200);
  });

  it('by method and path template: :name and {name} match any segment, literals must be equal', async () => {
    assertCintError(await send('by-path', { url: `${projectsUrl()}/${PROJECT}` }), 409, 'conflict_error');
    assert.equal((await send('by-path', { method: 'POST', url: projectsUrl(202), headers: { 'idempotency-key': 'k1' }, payload: projectBody() })).statusCode, 418);
    // POST to another account is not the literal 202: the third rule (any method, trailing slash ignored) answers.
    assert.equal((await send('by-path', { method: 'POST', url: projectsUrl(101), headers: { 'idempotency-key': 'k2' }, payload: projectBody() })).statusCode, 410);
    assertCintError(await send('by-path', { url: `${projectsUrl()}/${PROJECT}/target-groups` }), 404, 'not_found_error');
  });

  it('by path params, compared as text', async () => {
    assertCintError(await send('by-params', { url: `${projectsUrl()}/${PROJECT}` }), 409, 'conflict_error');
    assertCintError(await send('by-params', { url: `${projectsUrl()}/${OTHER_PROJECT}` }), 404, 'not_found_error');
    assert.equal((await send('by-params', { url: projectsUrl(202) })).statusCode, 418);
    assert.equal((await send('by-params', { url: projectsUrl(101) })).statusCode, 200);
  });

  it('by query: a value, a list of values, a regular expression, presence', async () => {
    assert.equal((await send('by-query', { url: `${projectsUrl()}?name=Tracker` })).statusCode, 409);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?name=Other` })).statusCode, 200);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?page_size=7` })).statusCode, 410);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?page_size=6` })).statusCode, 200);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?search_string=brand%20tracker` })).statusCode, 418);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?search_string=the%20brand` })).statusCode, 200);
    assert.equal((await send('by-query', { url: `${projectsUrl()}?status=active` })).statusCode, 422);
  });

  it('by headers: a value, absence, a regular expression; names in any case', async () => {
    assert.equal((await send('by-headers', { url: projectsUrl(), headers: { 'x-test-case': 'conflict' } })).statusCode, 409);
    assert.equal((await send('by-headers', { url: projectsUrl(), headers: { 'x-test-case': 'other' } })).statusCode, 200);
    assert.equal((await send('by-headers', { method: 'POST', url: projectsUrl(), payload: projectBody() })).statusCode, 418);
    assert.equal((await send('by-headers', { method: 'POST', url: projectsUrl(), headers: { 'idempotency-key': 'k' }, payload: projectBody() })).statusCode, 202);
    assert.equal((await send('by-headers', { url: projectsUrl(), headers: { 'user-agent': 'legacy-client/1.2' } })).statusCode, 410);
  });

  it('runs a file\'s patterns in linear time where V8\'s linear engine can, and the others as before', { timeout: 30_000 }, async () => {
    // With backtracking, 40 a's and a c would hold the process for days: every client would wait.
    // Fails here, before the value that would hang the test, when the linear engine is not in use.
    assert.equal(linearPattern('^(a|a)*b$')?.flags, 'l');
    assert.equal((await send('ambiguous-pattern', { url: projectsUrl(), headers: { 'x-a': `${'a'.repeat(40)}c` } })).statusCode, 200);
    assertCintError(await send('ambiguous-pattern', { url: projectsUrl(), headers: { 'x-a': 'aab' } }), 409, 'conflict_error');
    // A count above 16, which the linear engine cannot run, is still taken in a file (the operator's).
    assert.equal((await send('ambiguous-pattern', { url: projectsUrl(), headers: { 'x-id': PROJECT } })).statusCode, 410);
  });

  it('by body: a partial deep match, lists matching any item', async () => {
    const post = (payload: object) => send('by-body', { method: 'POST', url: projectsUrl(), headers: { 'idempotency-key': `k-${Math.random()}` }, payload });
    assertCintError(await post(projectBody({ name: '' })), 400, 'bad_request_error', {
      detail: 'request had validation errors', invalid_params: [{ name: 'name', reason: "'name' must not be empty." }],
    });
    assertCintError(await post(projectBody({ name: 'Conflicting project' })), 409, 'conflict_error');
    // Fields the rule does not name are ignored, at every depth.
    assert.equal((await post({ ...projectBody(), tags: [{ kind: 'basic' }, { kind: 'vip', since: 2020 }] })).statusCode, 418);
    assert.equal((await post({ ...projectBody(), tags: [{ kind: 'basic' }] })).statusCode, 202);
    assert.equal((await post({ ...projectBody(), meta: { source: { system: 'crm', version: 3 }, other: true } })).statusCode, 410);
    assert.equal((await post({ ...projectBody(), meta: { source: { system: 'erp' } } })).statusCode, 202);
    assert.equal((await post(projectBody({ name: 'A fine project' }))).statusCode, 202);
  });

  it('rules are tried in order and the first match answers', async () => {
    assert.equal((await send('first-wins', { url: `${projectsUrl()}?name=first` })).statusCode, 409);
    assert.equal((await send('first-wins', { url: projectsUrl() })).statusCode, 410);
  });

  it('no matching rule means the realistic behaviour', async () => {
    assert.equal((await send('by-operation', { url: `${projectsUrl()}/${PROJECT}/target-groups` })).statusCode, 404);
  });
});
