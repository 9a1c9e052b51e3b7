// Faults break the connection itself, so these tests use a real socket.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/server.js';
import { API_VERSION, projectsUrl, setByTheMock } from './helpers.js';
import { eventually, removeFolder, scenarioFolder, sendOnce } from './scenario-helpers.js';

const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';
const RUN_URL = `${projectsUrl()}/${PROJECT}/target-groups/${PROJECT}/fielding-runs/${PROJECT}`;

const files = {
  'held.yaml': `
description: a 503 held back two seconds, once
rules:
  - match: { operation: get_user_accounts }
    respond: { status: 503, delay_ms: 2000, times: 1 }
`,
  'faults.yaml': `
description: one fault per operation
rules:
  - match: { operation: list_account_projects }
    respond: { fault: connection_reset }
  - match: { operation: get_project_by_id }
    respond: { fault: empty_response }
  - match: { operation: get_list_target_groups }
    respond: { fault: malformed_body }
  - match: { operation: get_target_group }
    respond: { fault: malformed_body, status: 500, headers: { X-Broken: "yes" } }
  - match: { operation: pause_fielding_run }
    respond: { fault: malformed_body }
  - match: { operation: get_fielding_run }
    respond: { fault: hang }
  - match: { operation: get_fielding_runs_by_target_group_id }
    respond: { passthrough: true, delay_ms: 60000 }
  - match: { operation: get_user_accounts }
    respond: { fault: malformed_body, status: 503 }
  - match: { operation: get_account_users }
    respond: { fault: malformed_body, status: 429, headers: { Retry-After: "7" } }
  - match: { operation: get_account_service_clients }
    respond: { fault: malformed_body, status: 401 }
  - match: { operation: update_project }
    respond: { fault: malformed_body, status: 405 }
`,
};

/** One request on its own connection; resolves with the response and body, or the socket error. */
function send(mock: RunningMock, token: string, path: string, options: { method?: string; timeoutMs?: number } = {}) {
  return sendOnce(mock.url, { path, headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION }, ...options });
}

describe('scenario faults', () => {
  let mock: RunningMock;
  let dir: string;
  let token: string;

  before(async () => {
    dir = await scenarioFolder(files);
    mock = await startMock({ scenariosDir: dir, watchScenarios: false, scenario: 'faults', shutdownGraceMs: 100, hangTimeoutMs: 1000 });
    const response = await fetch(`${mock.url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'fault-client', client_secret: 's', grant_type: 'client_credentials' }),
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await mock.close();
    await removeFolder(dir);
  });

  it('connection_reset: the connection is reset (ECONNRESET) with no answer', async () => {
    const { response, error } = await send(mock, token, projectsUrl());
    assert.equal(response, undefined);
    assert.equal(error?.code, 'ECONNRESET');
    assert.doesNotMatch(error?.message ?? '', /socket hang up/);
  });

  it('empty_response: the connection is closed before any byte of an answer', async () => {
    const { response, error } = await send(mock, token, `${projectsUrl()}/${PROJECT}`);
    assert.equal(response, undefined);
    assert.match(error?.message ?? '', /socket hang up/);
  });

  it("malformed_body: the operation's success status and JSON headers, then a body no JSON parser accepts", async () => {
    const { response, body } = await send(mock, token, `${projectsUrl()}/${PROJECT}/target-groups`);
    assert.equal(response?.statusCode, 200);
    assert.match(String(response?.headers['content-type']), /^application\/json/);
    assert.equal(Number(response?.headers['content-length']), Buffer.byteLength(body ?? ''));
    assert.match(String(response?.headers.traceparent), /^00-/);
    assert.ok(body && body.length > 0);
    assert.throws(() => JSON.parse(body ?? ''), SyntaxError);
  });

  it("malformed_body carries the request's trace context back, traceparent and tracestate, as every answer does", async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { response } = await sendOnce(mock.url, {
      path: `${projectsUrl()}/${PROJECT}/target-groups`,
      headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, traceparent, tracestate: 'vendor=value' },
    });
    assert.equal(response?.statusCode, 200);
    // The same trace, a span of the mock's own.
    assert.match(String(response?.headers.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.equal(response?.headers.tracestate, 'vendor=value');
  });

  it('malformed_body with a status and headers; 200 for an operation whose success has no body', async () => {
    const scripted = await send(mock, token, `${projectsUrl()}/${PROJECT}/target-groups/${PROJECT}`);
    assert.equal(scripted.response?.statusCode, 500);
    assert.equal(scripted.response?.headers['x-broken'], 'yes');
    assert.throws(() => JSON.parse(scripted.body ?? ''), SyntaxError);

    const pause = await send(mock, token, `${RUN_URL}/pause`, { method: 'POST' });
    assert.equal(pause.response?.statusCode, 200, 'pause answers 204, which cannot carry a body');
    assert.throws(() => JSON.parse(pause.body ?? ''), SyntaxError);
  });

  it("malformed_body with a status carries that status's headers as a scripted status does: Retry-After (1 unless set), WWW-Authenticate, Allow", async () => {
    const unavailable = await send(mock, token, '/v1/accounts');
    assert.equal(unavailable.response?.statusCode, 503);
    assert.equal(unavailable.response?.headers['retry-after'], '1');
    assert.throws(() => JSON.parse(unavailable.body ?? ''), SyntaxError);

    const limited = await send(mock, token, '/v1/accounts/101/users');
    assert.equal(limited.response?.statusCode, 429);
    assert.equal(limited.response?.headers['retry-after'], '7');

    const refused = await send(mock, token, '/v1/accounts/101/service-clients');
    assert.equal(refused.response?.statusCode, 401);
    assert.match(String(refused.response?.headers['www-authenticate']), /^Bearer error="invalid_token"/);

    const notAllowed = await send(mock, token, `${projectsUrl()}/${PROJECT}`, { method: 'PUT' });
    assert.equal(notAllowed.response?.statusCode, 405);
    assert.equal(notAllowed.response?.headers.allow, 'GET, PUT');
    assert.throws(() => JSON.parse(notAllowed.body ?? ''), SyntaxError);
  });

  it('hang: no answer ever comes; the client gives up on its own', async () => {
    const { response, error } = await send(mock, token, RUN_URL, { timeoutMs: 200 });
    assert.equal(response, undefined);
    assert.equal(error?.code, 'CLIENT_TIMEOUT');
  });

  it('hang: a client that never gives up has the connection closed, without a byte, after hangTimeoutMs', async () => {
    const started = Date.now();
    const { response, error } = await send(mock, token, RUN_URL);
    const waited = Date.now() - started;
    assert.equal(response, undefined);
    assert.match(error?.message ?? '', /socket hang up/);
    assert.ok(waited >= 950, `closed after ${waited} ms, before hangTimeoutMs (1000)`);
  });

  it('every faulted call is in the journal and the counts: status 0 and the fault when no status went out, the status sent with malformed_body', async () => {
    const own = mock.token('fault-journal');
    await send(mock, own, projectsUrl());
    await send(mock, own, `${projectsUrl()}/${PROJECT}`);
    const cut = await send(mock, own, `${projectsUrl()}/${PROJECT}/target-groups`);
    const deadline = Date.now() + 5000;
    while (mock.count('fault-journal') < 3) {
      assert.ok(Date.now() < deadline, `journal: ${JSON.stringify(mock.journal('fault-journal'))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const entries = mock.journal('fault-journal').map((entry) => [entry.operation, entry.status, entry.fault ?? null]);
    assert.deepEqual(entries, [
      ['get_list_target_groups', 200, 'malformed_body'],
      ['get_project_by_id', 0, 'empty_response'],
      ['list_account_projects', 0, 'connection_reset'],
    ]);
    // What the client read of a malformed_body answer is the point of the fault; the others sent no body.
    assert.ok(cut.body && cut.body.length > 0);
    assert.deepEqual(mock.journal('fault-journal').map((entry) => entry.response_body), [cut.body, undefined, undefined]);
    // And the headers it came with, as the client got them but for Node's framing; the others sent none.
    const cutHeaders = setByTheMock(cut.response!.headers);
    assert.equal(cutHeaders['content-type'], 'application/json; charset=utf-8');
    assert.match(String(cutHeaders.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    assert.deepEqual(mock.journal('fault-journal').map((entry) => entry.response_headers), [cutHeaders, undefined, undefined]);
    assert.equal(mock.count('fault-journal', { operation: 'list_account_projects' }), 1);
    assert.equal(mock.count('fault-journal', { status: 0 }), 2);
    assert.equal(mock.count('fault-journal', { fault: 'any' }), 3);
    assert.equal(mock.count('fault-journal', { fault: 'malformed_body' }), 1);
    assert.equal(mock.count('fault-journal', { fault: 'any', status: 200 }), 1);
    assert.deepEqual(mock.journal('fault-journal', { fault: 'connection_reset' }).map((entry) => entry.operation), ['list_account_projects']);
  });

  it('a client that gives up during a scripted delay is in the journal and the counts: status 0, no fault, the rule that held it', async () => {
    const own = mock.token('gone-journal');
    const headers = { authorization: `Bearer ${own}`, 'cint-api-version': API_VERSION, 'x-mock-scenario': 'held' };
    const gone = await sendOnce(mock.url, { path: '/v1/accounts', headers, timeoutMs: 200 });
    assert.equal(gone.error?.code, 'CLIENT_TIMEOUT');
    await eventually(() => mock.count('gone-journal') === 1, 5000, 'the request whose client left to be journaled');
    // The step was used up by the request that left: the next one gets the realistic answer.
    const next = await sendOnce(mock.url, { path: '/v1/accounts', headers });
    assert.equal(next.response?.statusCode, 200);
    await eventually(() => mock.count('gone-journal') === 2, 5000, 'both requests to be journaled');

    const entries = mock.journal('gone-journal').map((entry) => [entry.operation, entry.status, entry.fault ?? null, entry.scenario]);
    assert.deepEqual(entries, [
      ['get_user_accounts', 200, null, null],
      ['get_user_accounts', 0, null, { name: 'held', rule: 0 }],
    ]);
    assert.equal(mock.count('gone-journal', { status: 0 }), 1);
    assert.equal(mock.count('gone-journal', { status: 503 }), 0, 'no 503 went out');
    assert.equal(mock.count('gone-journal', { fault: 'any' }), 0, 'no scenario fault met it');
    const counts = await fetch(`${mock.url}/__admin/sessions/gone-journal/counts`);
    assert.deepEqual(await counts.json(), { count: 2, by_operation: { get_user_accounts: { 0: 1, 200: 1 } }, faults: {} });
  });

  it('hang and long delays do not hold up a graceful shutdown', { timeout: 20_000 }, async () => {
    const ownDir = await scenarioFolder(files);
    const own = await startMock({ scenariosDir: ownDir, watchScenarios: false, scenario: 'faults', shutdownGraceMs: 50 });
    try {
      const tokenResponse = await fetch(`${own.url}/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'shutdown-client', client_secret: 's', grant_type: 'client_credentials' }),
      });
      const ownToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
      const requestsSeen = once(own.app.server, 'request');
      const hanging = send(own, ownToken, RUN_URL);
      const delayed = send(own, ownToken, `${projectsUrl()}/${PROJECT}/target-groups/${PROJECT}/fielding-runs`);
      await Promise.all([hanging.sent, delayed.sent, requestsSeen]);
      await own.close();
      const [hung, waited] = await Promise.all([hanging, delayed]);
      assert.equal(hung.response, undefined);
      assert.ok(hung.error, 'the hanging request was cut');
      assert.ok(waited.error || (waited.response?.statusCode ?? 0) >= 500, 'the delayed request was cut or refused');
    } finally {
      await own.close();
      await removeFolder(ownDir);
    }
  });
});
