// The admin API under /__admin: health, sessions (list, get, reset, delete), the journal and counts,
// the admin token and turning the API off, and the OpenAPI document that describes it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { MockApp } from '../src/app.js';
import type { JournalEntry } from '../src/journal/journal.js';
import {
  ACCOUNT, API_VERSION, assertCintError, clientOf, createProject, liveRun, makeApp, nowSeconds, projectBody, projectsUrl, setByTheMock, signWith, type Client,
} from './helpers.js';

// Well-formed project ids that no session holds.
const MISSING = '01K40T69E63BHTT9MAJYRBQ8HY';
const OTHER_MISSING = '01K40T69E63BHTT9MAJYRBQ8HZ';

const admin = (app: MockApp, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
  app.inject({ method, url: `/__admin${url}`, headers, ...(payload ? { payload } : {}) });

const journalOf = async (app: MockApp, session: string, query = ''): Promise<JournalEntry[]> => {
  const response = await admin(app, 'GET', `/sessions/${session}/journal${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json().entries as JournalEntry[];
};

const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;
const ajv = new Ajv({ strict: false });
addFormats(ajv);

const now = nowSeconds;
/** A token as the mock signs them (with `secret`: its own, or a forger's), for the claims given. */
const signed = (secret: string, claims: Record<string, unknown>) => signWith(secret, { iss: 'cint-mock', aud: 'https://api.luc.id', iat: now() - 7200, ...claims });

const getProject = (app: MockApp, client: Client, id: string) =>
  app.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers() });

describe('admin API: health and sessions', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  it('GET /__admin/health is 200', async () => {
    const response = await admin(app, 'GET', '/health');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().status, 'ok');
  });

  it('GET /__admin/sessions lists a session once it has made a request', async () => {
    const client = await clientOf(app);
    const ids = async () => ((await admin(app, 'GET', '/sessions')).json().sessions as { id: string }[]).map((session) => session.id);
    assert.ok(!(await ids()).includes(client.clientId));
    await createProject(app, client);
    const sessions = (await admin(app, 'GET', '/sessions')).json().sessions as { id: string; requests: number; objects: number }[];
    const mine = sessions.find((session) => session.id === client.clientId);
    assert.ok(mine, JSON.stringify(sessions));
    assert.equal(mine.requests, 1);
    assert.equal(mine.objects, 1);

    // Most recently used first.
    const later = await clientOf(app);
    await createProject(app, later);
    const order = (await ids()).filter((id) => id === later.clientId || id === client.clientId);
    assert.deepEqual(order, [later.clientId, client.clientId]);
  });

  it('GET /__admin/sessions/:id gives the summary, or 404 for a session never seen', async () => {
    const client = await clientOf(app);
    await createProject(app, client);
    await createProject(app, client);
    const response = await admin(app, 'GET', `/sessions/${client.clientId}`);
    assert.equal(response.statusCode, 200, response.body);
    const summary = response.json();
    assert.equal(summary.id, client.clientId);
    assert.equal(summary.requests, 2);
    assert.equal(summary.objects, 2);
    assert.ok(!Number.isNaN(Date.parse(summary.created_at)));
    assert.ok(Date.parse(summary.last_seen_at) >= Date.parse(summary.created_at));
    const notYet = 'id: the specified resource was not found: no session named "never-seen-session" yet; a session starts with its first request '
      + '(a token of client "never-seen-session", or X-Mock-Session: never-seen-session), so make one first, GET /v1/accounts say';
    assertCintError(await admin(app, 'GET', '/sessions/never-seen-session'), 404, 'not_found_error', { detail: notYet });
    // What a suite sets before its first request is refused the same way, saying what to do.
    for (const [method, path, body] of [
      ['PUT', 'jobs', { polls: 2 }], ['POST', 'clock', { advance: 'P1D' }], ['PUT', 'fielding', { starts_per_hour: 60 }],
      ['GET', 'clock', undefined], ['GET', 'deliveries/next?timeout_ms=0', undefined],
    ] as const) {
      assertCintError(await admin(app, method, `/sessions/never-seen-session/${path}`, body), 404, 'not_found_error', { detail: notYet });
    }
  });

  it('each session\'s summary names the scenario answering it and what its clock says', async () => {
    const client = await clientOf(app);
    await createProject(app, client);
    const summaryOf = async () => {
      type Summary = { id: string; scenario: string | null; clock: { now: string; offset_ms: number } };
      const listed = ((await admin(app, 'GET', '/sessions')).json().sessions as Summary[]).find((session) => session.id === client.clientId);
      const one = (await admin(app, 'GET', `/sessions/${client.clientId}`)).json() as Summary;
      // The list and the session's own summary agree, but for the milliseconds between the two reads.
      assert.deepEqual({ ...listed, clock: { ...listed?.clock, now: undefined } }, { ...one, clock: { ...one.clock, now: undefined } });
      return one;
    };
    const before = await summaryOf();
    assert.equal(before.scenario, null);
    assert.equal(before.clock.offset_ms, 0);
    assert.ok(Math.abs(Date.parse(before.clock.now) - Date.now()) < 60_000, before.clock.now);

    assert.equal((await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: 'flaky' })).statusCode, 200);
    assert.equal((await admin(app, 'POST', `/sessions/${client.clientId}/clock`, { set: '2030-01-01T10:00:00Z' })).statusCode, 200);
    const after = await summaryOf();
    assert.equal(after.scenario, 'flaky');
    assert.match(after.clock.now, /^2030-01-01T10:00:0\d/);
    assert.ok(after.clock.offset_ms > 0);
  });

  it('a clock change that would leave 1970 to 9999 is a 400 naming it, and changes nothing', async () => {
    const client = await clientOf(app);
    await createProject(app, client);
    const url = `/sessions/${client.clientId}/clock`;
    assert.equal((await admin(app, 'POST', url, { advance: 'P1D' })).statusCode, 200);
    const before = (await admin(app, 'GET', url)).json().offset_ms as number;
    const refusals: [Record<string, string>, string][] = [
      [{ advance: 'P99999999999D' }, 'advance'], [{ advance: 'P3000000D' }, 'advance'],
      [{ set: '+275760-09-13T00:00:00.000Z' }, 'set'], [{ set: '+010000-01-01T00:00:00Z' }, 'set'], [{ set: '1969-12-31T23:59:59Z' }, 'set'],
    ];
    for (const [change, name] of refusals) {
      assertCintError(await admin(app, 'POST', url, change), 400, 'bad_request_error', { invalid_params: [{ name, reason: /outside 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z/ }] });
    }
    assert.equal((await admin(app, 'GET', url)).json().offset_ms, before);
    // The session and the list of every session still answer.
    assert.equal((await admin(app, 'GET', '/sessions')).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode, 200);
    assert.equal((await admin(app, 'POST', url, { set: '9999-12-31T00:00:00Z' })).statusCode, 200);
  });

  it('POST /__admin/sessions/:id/reset empties the session but keeps its scenario choice', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const chosen = await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: 'happy-path' });
    assert.equal(chosen.statusCode, 200, chosen.body);
    assert.equal((await journalOf(app, client.clientId)).length, 1);

    const reset = await admin(app, 'POST', `/sessions/${client.clientId}/reset`);
    assert.equal(reset.statusCode, 204, reset.body);
    assert.equal(reset.body, '');
    assert.deepEqual(await journalOf(app, client.clientId), []);
    assertCintError(await getProject(app, client, project.id), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    // The 404 just made is the only entry of the fresh journal.
    assert.deepEqual((await journalOf(app, client.clientId)).map((entry) => entry.status), [404]);
    const choice = await admin(app, 'GET', `/sessions/${client.clientId}/scenario`);
    assert.deepEqual(choice.json(), { session: client.clientId, scenario: 'happy-path', chosen_by: 'session' });
  });

  it('DELETE /__admin/sessions/:id empties the session and forgets its scenario choice', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: 'happy-path' });

    const deleted = await admin(app, 'DELETE', `/sessions/${client.clientId}`);
    assert.equal(deleted.statusCode, 204, deleted.body);
    assertCintError(await admin(app, 'GET', `/sessions/${client.clientId}`), 404, 'not_found_error');
    assert.deepEqual(await journalOf(app, client.clientId), []);
    const choice = await admin(app, 'GET', `/sessions/${client.clientId}/scenario`);
    assert.deepEqual(choice.json(), { session: client.clientId, scenario: null, chosen_by: 'default' });
    assertCintError(await getProject(app, client, project.id), 404, 'not_found_error');
  });

  it('DELETE /__admin/sessions forgets every session and every scenario choice', async () => {
    const own = await makeApp({ watchScenarios: false });
    try {
      const alice = await clientOf(own);
      const bob = await clientOf(own);
      const fromAlice = await createProject(own, alice);
      const fromBob = await createProject(own, bob);
      await admin(own, 'PUT', `/sessions/${alice.clientId}/scenario`, { scenario: 'flaky' });
      const cleared = await admin(own, 'DELETE', '/sessions');
      assert.equal(cleared.statusCode, 204, cleared.body);
      assert.deepEqual((await admin(own, 'GET', '/sessions')).json(), { sessions: [] });
      assertCintError(await getProject(own, alice, fromAlice.id), 404, 'not_found_error');
      assertCintError(await getProject(own, bob, fromBob.id), 404, 'not_found_error');
      const choice = await admin(own, 'GET', `/sessions/${alice.clientId}/scenario`);
      assert.deepEqual(choice.json(), { session: alice.clientId, scenario: null, chosen_by: 'default' });
    } finally {
      await own.close();
    }
  });
});

describe('admin API: journal and counts', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  it('lists a session\'s requests newest first, with operation, status, method, path and small bodies', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client, { name: 'Journal study' });
    await getProject(app, client, project.id);
    await getProject(app, client, MISSING);
    await app.inject({ method: 'GET', url: `${projectsUrl()}?page_size=5`, headers: client.headers() });

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.operation, entry.method, entry.status]), [
      ['list_account_projects', 'GET', 200],
      ['get_project_by_id', 'GET', 404],
      ['get_project_by_id', 'GET', 200],
      ['create_project', 'POST', 202],
    ]);
    const [listed, , read, created] = entries as [JournalEntry, JournalEntry, JournalEntry, JournalEntry];
    assert.equal(listed.path, projectsUrl());
    // The query as sent: text, as the client wrote it, not the schema's types.
    assert.deepEqual(listed.query, { page_size: '5' });
    assert.equal(read.path, `${projectsUrl()}/${project.id}`);
    assert.equal(read.body, undefined);
    assert.deepEqual(created.body, projectBody({ name: 'Journal study' }));
    for (const entry of entries) {
      assert.equal(entry.session, client.clientId);
      assert.equal(entry.scenario, null);
      assert.equal(entry.replayed, false);
      assert.equal(typeof entry.request_id, 'string');
      assert.ok(!Number.isNaN(Date.parse(entry.at)));
      assert.ok(entry.duration_ms >= 0);
    }
  });

  it('keeps the body and query as the client sent them, not as validation read them; a body that is not JSON as its text', async () => {
    const client = await clientOf(app);
    // The name is trimmed before it is checked and stored (x-trim); the journal shows the spaces sent.
    const padded = projectBody({ name: '   Padded project name   ' });
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'as-sent' }), payload: padded });
    assert.equal(created.statusCode, 202, created.body);
    assert.equal((await getProject(app, client, created.json().id)).json().name, 'Padded project name');
    // page_size has a default of 10 the client did not send, and a repeated parameter is a list.
    const listed = await app.inject({ method: 'GET', url: `${projectsUrl()}?x=1&x=2&x=3&name=a%20b+c&bad=%zz&__proto__=p&toString=t&flag`, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    const broken = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'broken', 'content-type': 'application/json' }), payload: '{"name": 1' });
    assertCintError(broken, 400, 'bad_request_error', { detail: 'the request body is not valid JSON', invalid_params: [{ name: 'body' }] });

    const [brokenEntry, listedEntry, , createdEntry] = await journalOf(app, client.clientId);
    assert.equal(brokenEntry?.body, '{"name": 1');
    assert.deepEqual(listedEntry?.query, { x: ['1', '2', '3'], name: 'a b c', bad: '%zz', ['__proto__']: 'p', toString: 't', flag: '' });
    assert.deepEqual(createdEntry?.body, padded);
  });

  it("keeps the request headers that show the client's handling of the API, Authorization's value redacted, and no others (decision 209)", async () => {
    const client = await clientOf(app);
    const created = await app.inject({
      method: 'POST', url: projectsUrl(), payload: projectBody(),
      headers: client.headers({ 'idempotency-key': 'journal-headers', prefer: 'code=503', 'user-agent': 'journal-test', 'x-custom': 'not kept' }),
    });
    assert.equal(created.statusCode, 503, created.body);
    const read = await app.inject({
      method: 'GET', url: `${projectsUrl()}/${MISSING}`,
      headers: { 'cint-api-version': API_VERSION, authorization: `Bearer ${client.token}`, 'if-none-match': '"1", "2"', 'x-mock-scenario': 'not-found' },
    });
    assert.equal(read.statusCode, 404, read.body);

    const [readEntry, createdEntry] = await journalOf(app, client.clientId);
    assert.deepEqual(createdEntry?.headers, {
      authorization: '[redacted]', 'cint-api-version': API_VERSION, 'content-type': 'application/json', 'idempotency-key': 'journal-headers', prefer: 'code=503',
    });
    assert.deepEqual(readEntry?.headers, { authorization: '[redacted]', 'cint-api-version': API_VERSION, 'if-none-match': '"1", "2"', 'x-mock-scenario': 'not-found' });
    assert.equal(JSON.stringify(await journalOf(app, client.clientId)).includes(client.token), false, 'no token in the journal');
  });

  it('keeps the response headers as the mock set them: ETag, Retry-After, WWW-Authenticate, Allow, an echoed Idempotency-Key, a replay\'s (decision 210)', async () => {
    const client = await clientOf(app);
    const webhooks = `/v1/accounts/${ACCOUNT}/webhooks`;
    const created = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'response-headers' }), payload: projectBody() });
    const replayed = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'response-headers' }), payload: projectBody() });
    const read = await getProject(app, client, created.json().id);
    const unavailable = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=503', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=1' }) });
    const refused = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=401' }) });
    const wrongMethod = await app.inject({ method: 'PATCH', url: projectsUrl(), headers: client.headers() });
    const typo = await app.inject({ method: 'GET', url: `${projectsUrl()}x`, headers: client.headers() });
    const hook = await app.inject({ method: 'POST', url: webhooks, headers: client.headers(), payload: { url: 'https://client.example/hooks', events: ['target-group-updated'] } });
    const update = () => app.inject({ method: 'PUT', url: `${webhooks}/${hook.json().id}`, headers: client.headers({ 'idempotency-key': 'hook-update' }), payload: { url: 'https://client.example/v2' } });
    const updated = await update();
    const updatedAgain = await update();
    const answers = [updatedAgain, updated, hook, typo, wrongMethod, refused, unavailable, read, replayed, created];
    assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 201, 404, 405, 401, 503, 200, 202, 202]);

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => entry.response_headers), answers.map((answer) => setByTheMock(answer.headers)));
    // What each answer is there to show, in its entry.
    const [againEntry, updatedEntry, , typoEntry, wrongMethodEntry, refusedEntry, unavailableEntry, readEntry, replayedEntry, createdEntry] = entries.map((entry) => entry.response_headers!);
    assert.equal(createdEntry!.etag, created.headers.etag);
    assert.equal(replayedEntry!['idempotent-replayed'], 'true');
    assert.equal(readEntry!.etag, created.headers.etag);
    assert.equal(unavailableEntry!['retry-after'], '1');
    assert.deepEqual([unavailableEntry!.traceparent?.slice(0, 35), unavailableEntry!.tracestate], ['00-0af7651916cd43dd8448eb211c80319c', 'a=1']);
    assert.match(String(refusedEntry!['www-authenticate']), /^Bearer /);
    assert.equal(wrongMethodEntry!.allow, wrongMethod.headers.allow);
    assert.ok(wrongMethodEntry!.allow?.includes('POST'));
    assert.equal(typoEntry!['content-type'], 'application/json; charset=utf-8');
    assert.equal(updatedEntry!['idempotency-key'], 'hook-update');
    assert.deepEqual([againEntry!['idempotency-key'], againEntry!['idempotent-replayed']], ['hook-update', 'true']);
    for (const entry of entries) assert.equal(entry.response_headers!['content-length'], undefined);
  });

  it("names the step of a sequence that answered: flaky's two 503s, then its passthrough", async () => {
    const client = await clientOf(app);
    for (let i = 0; i < 3; i += 1) await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-scenario': 'flaky' }) });
    await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=500' }) });
    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.status, entry.scenario]), [
      [500, { name: 'Prefer: code=500', rule: -1 }],
      [200, { name: 'flaky', rule: 0, step: 1 }],
      [503, { name: 'flaky', rule: 0, step: 0 }],
      [503, { name: 'flaky', rule: 0, step: 0 }],
    ]);
  });

  it('keeps a large body out of the journal', async () => {
    const client = await clientOf(app);
    const response = await app.inject({
      method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'big' }), payload: projectBody({ project_customer_reference_number: 'x'.repeat(5000) }),
    });
    const [entry] = await journalOf(app, client.clientId);
    assert.equal(entry?.status, response.statusCode);
    assert.match(String(entry?.body), /^\[body omitted: \d+ characters, more than the 4096 the journal keeps\]$/);
  });

  it('keeps each response body as the client got it: a success, an error envelope, a scripted answer, a replay', async () => {
    const client = await clientOf(app);
    const create = () => app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'response-body' }), payload: projectBody() });
    const created = await create();
    const replayed = await create();
    const missing = await getProject(app, client, MISSING);
    const scripted = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ prefer: 'code=503' }) });
    assert.deepEqual([created.statusCode, replayed.statusCode, missing.statusCode, scripted.statusCode], [202, 202, 404, 503]);

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.status, entry.replayed, entry.response_body]), [
      [503, false, scripted.body],
      [404, false, missing.body],
      [202, true, replayed.body],
      [202, false, created.body],
    ]);
    assert.equal(JSON.parse(entries[1]!.response_body!).detail, 'project_id: the specified resource was not found');
    assert.equal(JSON.parse(entries[3]!.response_body!).id, created.json().id);
  });

  it('keeps no response body for a 204, and a note of a response body over 4 KB', async () => {
    const client = await clientOf(app);
    const run = await liveRun(app, client);
    const paused = await app.inject({ method: 'POST', url: `${run.runUrl}/pause`, headers: client.headers({ 'if-match': run.etag }) });
    assert.equal(paused.statusCode, 204, paused.body);
    for (let i = 0; i < 30; i += 1) await createProject(app, client, { name: `A project with a long enough name ${i}` });
    const listed = await app.inject({ method: 'GET', url: `${projectsUrl()}?page_size=40`, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.ok(listed.body.length > 4096, `${listed.body.length} characters`);

    const [list] = await journalOf(app, client.clientId, '?operation=list_account_projects');
    assert.equal(list?.response_body, `[body omitted: ${listed.body.length} characters, more than the 4096 the journal keeps]`);
    const [pause] = await journalOf(app, client.clientId, '?operation=pause_fielding_run');
    assert.equal(pause?.status, 204);
    assert.equal(pause?.response_body, undefined);
  });

  it('filters by operation, status, method and limit', async () => {
    const client = await clientOf(app);
    const first = await createProject(app, client);
    await createProject(app, client);
    await getProject(app, client, first.id);
    await getProject(app, client, MISSING);
    await getProject(app, client, OTHER_MISSING);

    const pick = (entries: JournalEntry[]) => entries.map((entry) => `${entry.operation} ${entry.status}`);
    assert.deepEqual(pick(await journalOf(app, client.clientId, '?operation=create_project')), ['create_project 202', 'create_project 202']);
    assert.deepEqual(pick(await journalOf(app, client.clientId, '?status=404')), ['get_project_by_id 404', 'get_project_by_id 404']);
    assert.deepEqual(pick(await journalOf(app, client.clientId, '?method=post')), ['create_project 202', 'create_project 202']);
    assert.deepEqual(pick(await journalOf(app, client.clientId, '?operation=get_project_by_id&status=200')), ['get_project_by_id 200']);
    const limited = await journalOf(app, client.clientId, '?limit=2');
    assert.deepEqual(limited.map((entry) => entry.path), [`${projectsUrl()}/${OTHER_MISSING}`, `${projectsUrl()}/${MISSING}`]);
    assertCintError(await admin(app, 'GET', `/sessions/${client.clientId}/journal?limit=0`), 400, 'bad_request_error', { invalid_params: [{ name: 'limit' }] });
  });

  it('an operation filter that names no operation is a 400 naming operation, with the id it was near, even for a name no session has', async () => {
    const client = await clientOf(app);
    await createProject(app, client);
    for (const session of [client.clientId, 'never-seen-session']) {
      for (const read of ['journal', 'counts']) {
        assertCintError(await admin(app, 'GET', `/sessions/${session}/${read}?operation=create_projct`), 400, 'bad_request_error', {
          detail: 'unknown operation "create_projct"',
          invalid_params: [{
            name: 'operation',
            reason: '\'operation\' names no operation: "create_projct" (did you mean "create_project"?); give a Cint operation id (docs/operations.md lists them), or (none) for the requests no route took',
          }],
        });
      }
    }
    assertCintError(await admin(app, 'GET', `/sessions/${client.clientId}/counts?operation=nothing_like_an_id`), 400, 'bad_request_error', {
      invalid_params: [{ name: 'operation', reason: /^'operation' names no operation: "nothing_like_an_id"; give a Cint operation id/ }],
    });
    // An operation the session never called, and the requests no route took, are filters that count.
    assert.equal((await admin(app, 'GET', `/sessions/${client.clientId}/counts?operation=update_project`)).json().count, 0);
    assert.deepEqual(await journalOf(app, client.clientId, '?operation=(none)'), []);
    // So is a method: one of any case that HTTP has, never one that none has.
    assert.equal((await journalOf(app, client.clientId, '?method=post')).length, 1);
    assert.deepEqual(await journalOf(app, client.clientId, '?method=PROPFIND'), []);
    assertCintError(await admin(app, 'GET', `/sessions/${client.clientId}/journal?method=POTS`), 400, 'bad_request_error', {
      invalid_params: [{ name: 'method', reason: '\'method\' names no HTTP method: "POTS"; give one such as GET, POST, PUT or DELETE' }],
    });
  });

  it('records which scenario rule answered, and idempotent replays', async () => {
    const client = await clientOf(app);
    await admin(app, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: 'flaky' });
    const create = () => app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'same-key' }), payload: projectBody() });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await create()).statusCode);
    assert.deepEqual(statuses, [503, 503, 202, 202]);

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.status, entry.replayed]), [[202, true], [202, false], [503, false], [503, false]]);
    // flaky is one rule of two steps: which step answered is named too.
    assert.deepEqual(entries.map((entry) => entry.scenario), [{ name: 'flaky', rule: 0, step: 1 }, { name: 'flaky', rule: 0, step: 1 }, { name: 'flaky', rule: 0, step: 0 }, { name: 'flaky', rule: 0, step: 0 }]);
  });

  it('GET /__admin/sessions/:id/counts counts by operation and status', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    await createProject(app, client);
    await getProject(app, client, project.id);
    await getProject(app, client, MISSING);

    const counts = await admin(app, 'GET', `/sessions/${client.clientId}/counts`);
    assert.equal(counts.statusCode, 200, counts.body);
    assert.deepEqual(counts.json(), {
      count: 4,
      by_operation: { create_project: { 202: 2 }, get_project_by_id: { 200: 1, 404: 1 } },
      faults: {},
    });
    const count = async (query: string) => (await admin(app, 'GET', `/sessions/${client.clientId}/counts${query}`)).json().count;
    assert.equal(await count('?operation=create_project'), 2);
    assert.equal(await count('?status=404'), 1);
    assert.equal(await count('?operation=get_project_by_id&status=200'), 1);
    assert.equal(await count('?operation=update_project'), 0);
    assert.deepEqual((await admin(app, 'GET', '/sessions/never-seen-session/counts')).json(), { count: 0, by_operation: {}, faults: {} });
  });

  it('a session\'s journal and counts never show another session\'s requests', async () => {
    const alice = await clientOf(app);
    const bob = await clientOf(app);
    await createProject(app, alice);
    await createProject(app, alice);
    await app.inject({ method: 'GET', url: projectsUrl(), headers: bob.headers() });

    assert.deepEqual((await journalOf(app, alice.clientId)).map((entry) => entry.operation), ['create_project', 'create_project']);
    assert.deepEqual((await journalOf(app, bob.clientId)).map((entry) => entry.operation), ['list_account_projects']);
    assert.ok((await journalOf(app, bob.clientId)).every((entry) => entry.session === bob.clientId));
    assert.equal((await admin(app, 'GET', `/sessions/${bob.clientId}/counts?operation=create_project`)).json().count, 0);
  });

  it('journals a request refused for its token\'s expiry in the session of the client the token names; not a forged token\'s', async () => {
    const client = await clientOf(app);
    const expired = signed(app.mock.config.jwtSecret, { client_id: client.clientId, exp: now() - 3600 });
    const forged = signed('not the mock\'s secret', { client_id: client.clientId, exp: now() + 3600 });
    const withToken = (token: string | undefined, extra: Record<string, string> = {}) => app.inject({
      method: 'GET', url: projectsUrl(), headers: { 'cint-api-version': '2025-12-18', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    });
    const late = await withToken(expired);
    assertCintError(late, 401, 'authorization_error', { detail: 'the bearer token has expired; request a new one' });
    assertCintError(await withToken(forged), 401, 'authorization_error', { detail: 'the bearer token signature is invalid' });
    assertCintError(await withToken(undefined), 401, 'authorization_error');
    // The client gets a new token and tries again: the journal shows both, the refusal first.
    const again = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal(again.statusCode, 200, again.body);
    // A session the client names is its own, refusal or not.
    assertCintError(await withToken(expired, { 'x-mock-session': 'retry-test' }), 401, 'authorization_error');
    // A name that is no session's: its 400 (or the token's refusal) in the session the request would
    // have had without it (decision 188). No session of that name is made.
    const badName = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-session': 'not a name!' }) });
    assertCintError(badName, 400, 'bad_request_error', { invalid_params: [{ name: 'X-Mock-Session', reason: "'X-Mock-Session' must be 1 to 128 letters, digits or . _ : @ -" }] });
    assertCintError(await withToken(expired, { 'x-mock-session': 'not a name!' }), 401, 'authorization_error');

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.operation, entry.status, entry.session]), [
      ['list_account_projects', 401, client.clientId],
      ['list_account_projects', 400, client.clientId],
      ['list_account_projects', 200, client.clientId],
      ['list_account_projects', 401, client.clientId],
    ]);
    assert.equal(entries[1]!.response_body, badName.body);
    assert.equal(entries[3]!.response_body, late.body);
    assert.equal(entries[3]!.path, projectsUrl());
    assert.deepEqual((await admin(app, 'GET', `/sessions/${client.clientId}/counts`)).json().by_operation, { list_account_projects: { 200: 1, 400: 1, 401: 2 } });
    // Refused, they used the session in no other way: no request counted.
    assert.equal((await admin(app, 'GET', `/sessions/${client.clientId}`)).json().requests, 1);
    const named = await admin(app, 'GET', `/sessions/retry-test/journal?client_id=${client.clientId}`);
    assert.deepEqual((named.json().entries as JournalEntry[]).map((entry) => [entry.session, entry.status]), [['retry-test', 401]]);
  });

  it('journals a request no route takes (404, 405) in its client\'s session when it was meant for the Cint API', async () => {
    const client = await clientOf(app);
    const typo = await app.inject({ method: 'GET', url: `/v1/demand/accounts/101/projectz?page_size=5`, headers: client.headers() });
    assertCintError(typo, 404, 'not_found_error', { detail: 'no route matches GET /v1/demand/accounts/101/projectz; did you mean /v1/demand/accounts/101/projects?' });
    const wrongMethod = await app.inject({ method: 'DELETE', url: projectsUrl(), headers: client.headers() });
    assertCintError(wrongMethod, 405, 'method_not_allowed_error');
    const noVersion = await app.inject({ method: 'GET', url: '/demand/accounts/101/projects', headers: client.headers() });
    assertCintError(noVersion, 404, 'not_found_error', { detail: 'no route matches GET /demand/accounts/101/projects; did you mean /v1/demand/accounts/101/projects?' });
    // Not the Cint API's: a path nowhere near it, and one under /__admin.
    assertCintError(await app.inject({ method: 'GET', url: '/favicon.ico', headers: client.headers() }), 404, 'not_found_error');
    assertCintError(await app.inject({ method: 'GET', url: '/__admin/nothing-here', headers: client.headers() }), 404, 'not_found_error');
    // Without a token that names a client, nobody's journal gets it.
    assertCintError(await app.inject({ method: 'GET', url: '/v1/demand/accounts/101/projectz' }), 404, 'not_found_error');
    const forged = signed('not the mock\'s secret', { client_id: client.clientId, exp: now() + 3600 });
    assertCintError(await app.inject({ method: 'GET', url: '/v1/nowhere', headers: { authorization: `Bearer ${forged}` } }), 404, 'not_found_error');
    // An X-Mock-Session that is no session's name: in the session the request would have had without it.
    const badName = await app.inject({ method: 'GET', url: '/v1/elsewhere', headers: client.headers({ 'x-mock-session': 'not a name!' }) });
    assertCintError(badName, 404, 'not_found_error');
    // A token refused for its expiry still names its client.
    const expired = signed(app.mock.config.jwtSecret, { client_id: client.clientId, exp: now() - 3600 });
    const late = await app.inject({ method: 'GET', url: '/v1/nowhere', headers: { authorization: `Bearer ${expired}` } });
    assertCintError(late, 404, 'not_found_error', { detail: 'no route matches GET /v1/nowhere' });

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.operation, entry.method, entry.path, entry.status, entry.session]), [
      [null, 'GET', '/v1/nowhere', 404, client.clientId],
      [null, 'GET', '/v1/elsewhere', 404, client.clientId],
      [null, 'GET', '/demand/accounts/101/projects', 404, client.clientId],
      [null, 'DELETE', projectsUrl(), 405, client.clientId],
      [null, 'GET', '/v1/demand/accounts/101/projectz', 404, client.clientId],
    ]);
    assert.deepEqual(entries.map((entry) => entry.response_body), [late.body, badName.body, noVersion.body, wrongMethod.body, typo.body]);
    assert.deepEqual(entries[4]!.query, { page_size: '5' });
    assert.deepEqual((await admin(app, 'GET', `/sessions/${client.clientId}/counts`)).json().by_operation, { '(none)': { 404: 4, 405: 1 } });
    assert.deepEqual((await journalOf(app, client.clientId, '?status=405')).map((entry) => entry.method), ['DELETE']);
    // The counts' name for no operation picks them out, as an operation id does.
    assert.equal((await journalOf(app, client.clientId, '?operation=(none)')).length, 5);
    await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal((await admin(app, 'GET', `/sessions/${client.clientId}/counts?operation=(none)&status=404`)).json().count, 4);
    assert.equal((await admin(app, 'GET', `/sessions/${client.clientId}/counts?operation=list_account_projects`)).json().count, 1);
  });

  it('journals a Fulfillment request no route takes in the session of its S2S API key, as the Fulfillment routes do', async () => {
    const key = 'partner-key-for-the-unrouted-journal';
    // The key's session, as the Fulfillment routes name it (decision 27).
    const keyOwner = `s2s-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    const respondent = '/fulfillment/respondents/6780395e-94fa-1eb7-612c-d2e19af42758';
    const routed = await app.inject({ method: 'GET', url: respondent, headers: { authorization: key } });
    assert.equal(routed.statusCode, 200, routed.body);
    const typo = await app.inject({ method: 'GET', url: '/fulfillment/respondent/6780395e-94fa-1eb7-612c-d2e19af42758', headers: { authorization: key } });
    assertCintError(typo, 404, 'not_found_error');
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/fulfillment/respondents/transition', headers: { authorization: key } });
    assertCintError(wrongMethod, 405, 'method_not_allowed_error');
    // Without a key nobody's journal gets it; a mock token there names its client's session, as on the routes.
    assertCintError(await app.inject({ method: 'GET', url: '/fulfillment/nothing' }), 404, 'not_found_error');
    const client = await clientOf(app);
    const withToken = await app.inject({ method: 'GET', url: '/fulfillment/nothing', headers: client.headers() });
    assertCintError(withToken, 404, 'not_found_error');

    const entries = await journalOf(app, keyOwner);
    assert.deepEqual(entries.map((entry) => [entry.operation, entry.method, entry.path, entry.status, entry.session]), [
      [null, 'DELETE', '/fulfillment/respondents/transition', 405, keyOwner],
      [null, 'GET', '/fulfillment/respondent/6780395e-94fa-1eb7-612c-d2e19af42758', 404, keyOwner],
      ['get_respondent_status', 'GET', respondent, 200, keyOwner],
    ]);
    assert.deepEqual(entries.slice(0, 2).map((entry) => entry.response_body), [wrongMethod.body, typo.body]);
    assert.equal(entries[0]!.headers?.authorization, '[redacted]');
    assert.deepEqual((await journalOf(app, client.clientId)).map((entry) => [entry.path, entry.status, entry.response_body]), [['/fulfillment/nothing', 404, withToken.body]]);
  });

  it('journals a request Fastify refuses before routing (bad percent-encoding 400, a segment too long 414) in its client\'s session', async () => {
    const client = await clientOf(app);
    const badPath = `${projectsUrl()}/50%zz`;
    const malformed = await app.inject({ method: 'GET', url: badPath, headers: client.headers() });
    assertCintError(malformed, 400, 'bad_request_error', { detail: 'the request URL is malformed', invalid_params: [{ name: 'path', reason: `the path is not valid percent-encoding: ${badPath}` }] });
    const tooLong = await app.inject({ method: 'GET', url: `${projectsUrl()}/${'x'.repeat(1100)}`, headers: client.headers({ 'x-mock-session': 'long-ids' }) });
    assertCintError(tooLong, 414, 'uri_too_long_error');
    // The answer still carries the trace header every answer has.
    assert.match(String(malformed.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Without a token that names a client, or not the Cint API's path: nobody's journal.
    assertCintError(await app.inject({ method: 'GET', url: badPath, headers: { 'cint-api-version': '2025-12-18' } }), 400, 'bad_request_error', { invalid_params: [{ name: 'path' }] });
    assertCintError(await app.inject({ method: 'GET', url: '/elsewhere/50%zz', headers: client.headers() }), 400, 'bad_request_error', { invalid_params: [{ name: 'path' }] });

    const entries = await journalOf(app, client.clientId);
    assert.deepEqual(entries.map((entry) => [entry.operation, entry.method, entry.path, entry.status, entry.session]), [[null, 'GET', badPath, 400, client.clientId]]);
    assert.equal(entries[0]!.response_body, malformed.body);
    const named = await admin(app, 'GET', `/sessions/long-ids/journal?client_id=${client.clientId}`);
    assert.deepEqual((named.json().entries as JournalEntry[]).map((entry) => [entry.status, entry.response_body]), [[414, tooLong.body]]);
    assert.deepEqual((await admin(app, 'GET', `/sessions/${client.clientId}/counts`)).json().by_operation, { '(none)': { 400: 1 } });
  });

  it('keeps at most journalBytes of entries per session, the oldest dropped first, while counts stay exact', async () => {
    const small = await makeApp({ journalBytes: 40_000, watchScenarios: false });
    try {
      const client = await clientOf(small);
      // Bodies of about 3.5 KB: each entry holds about 7.5 KB, so five fit and the rest push the oldest out.
      for (let i = 0; i < 12; i += 1) await createProject(small, client, { name: `Project ${i}`, notes: 'r'.repeat(3500) });
      const entries = await journalOf(small, client.clientId);
      assert.ok(entries.length >= 3 && entries.length <= 6, `${entries.length} entries kept`);
      assert.equal((entries[0]!.body as { name: string }).name, 'Project 11', 'the newest is kept');
      assert.ok(small.mock.journals.of(small.mock.sessions.find(client.clientId)!).size <= 40_000);
      assert.equal((await admin(small, 'GET', `/sessions/${client.clientId}/counts`)).json().count, 12);
    } finally {
      await small.close();
    }
  });

  it('keeps only the journalSize newest entries, while counts stay exact', async () => {
    const small = await makeApp({ journalSize: 3, watchScenarios: false });
    try {
      const client = await clientOf(small);
      for (let i = 0; i < 5; i += 1) await createProject(small, client, { name: `Project number ${i}` });
      await getProject(small, client, MISSING);
      const entries = await journalOf(small, client.clientId);
      assert.deepEqual(entries.map((entry) => entry.operation), ['get_project_by_id', 'create_project', 'create_project']);
      assert.deepEqual(entries.slice(1).map((entry) => (entry.body as { name: string }).name), ['Project number 4', 'Project number 3']);
      const counts = (await admin(small, 'GET', `/sessions/${client.clientId}/counts`)).json();
      assert.deepEqual(counts, { count: 6, by_operation: { create_project: { 202: 5 }, get_project_by_id: { 404: 1 } }, faults: {} });
    } finally {
      await small.close();
    }
  });
});

describe('admin API: the admin token, and turning the API off', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ adminToken: 'admin-secret', watchScenarios: false }); });
  after(() => app.close());

  const routes: ['GET' | 'POST' | 'PUT' | 'DELETE', string, object?][] = [
    ['GET', '/sessions'],
    ['GET', '/sessions/someone/journal'],
    ['GET', '/sessions/someone/counts'],
    ['GET', '/scenarios'],
    ['PUT', '/sessions/someone/scenario', { scenario: 'flaky' }],
    ['DELETE', '/sessions'],
    ['GET', '/openapi.json'],
  ];

  it('health stays open', async () => {
    assert.equal((await admin(app, 'GET', '/health')).statusCode, 200);
  });

  it('without the token, or with a wrong one, every admin route is 401 in Cint\'s envelope', async () => {
    for (const [method, url, payload] of routes) {
      assertCintError(await admin(app, method, url, payload), 401, 'authorization_error', { detail: /admin token/ });
      assertCintError(await admin(app, method, url, payload, { authorization: 'Bearer wrong-secret' }), 401, 'authorization_error');
      assertCintError(await admin(app, method, url, payload, { authorization: 'Bearer admin-secret-but-longer' }), 401, 'authorization_error');
      assertCintError(await admin(app, method, url, payload, { authorization: 'admin-secret' }), 401, 'authorization_error');
    }
  });

  it('Cint\'s routes do not need the admin token', async () => {
    const client = await clientOf(app);
    await createProject(app, client);
  });

  it('with Authorization: Bearer <admin token> the admin routes answer', async () => {
    const auth = { authorization: 'Bearer admin-secret' };
    for (const [method, url, payload] of routes) {
      const response = await admin(app, method, url, payload, auth);
      assert.ok(response.statusCode === 200 || response.statusCode === 204, `${method} ${url}: ${response.statusCode} ${response.body}`);
    }
  });

  describe("a client's own token (decision 179)", () => {
    /** A client's admin request, with its own Cint token. */
    const as = (client: Client, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      admin(app, method, url, payload, { authorization: client.headers().authorization! });
    const list = (client: Client, session?: string) =>
      app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers(session ? { 'x-mock-session': session } : {}) });

    it('scripts, reads and resets its own sessions, and no other client\'s of the same name', async () => {
      const [alice, bob] = [await clientOf(app), await clientOf(app)];
      // Both name a session "ci"; alice's token chooses a scenario for "ci": hers alone.
      assert.equal((await list(alice, 'ci')).statusCode, 200);
      assert.equal((await list(bob, 'ci')).statusCode, 200);
      const chosen = await as(alice, 'PUT', '/sessions/ci/scenario', { scenario: 'unavailable' });
      assert.equal(chosen.statusCode, 200, chosen.body);
      assertCintError(await list(alice, 'ci'), 503, 'service_unavailable_error');
      assert.equal((await list(bob, 'ci')).statusCode, 200);

      const journal = await as(alice, 'GET', '/sessions/ci/journal');
      assert.equal(journal.statusCode, 200, journal.body);
      assert.deepEqual((journal.json().entries as JournalEntry[]).map((entry) => entry.status), [503, 200]);
      assert.equal((await as(alice, 'POST', '/sessions/ci/reset')).statusCode, 204);
      assert.deepEqual((await as(alice, 'GET', '/sessions/ci/journal')).json().entries, []);
      assert.equal((await as(bob, 'GET', '/sessions/ci/journal')).json().entries.length, 2, "bob's is untouched");
      // A session of hers by the name of bob's default session is not his: his requests are not in it.
      assertCintError(await as(alice, 'GET', `/sessions/${bob.clientId}`), 404, 'not_found_error');
      assert.deepEqual((await as(alice, 'GET', `/sessions/${bob.clientId}/journal`)).json().entries, []);
    });

    it('may not name another client with client_id: 403', async () => {
      const [alice, bob] = [await clientOf(app), await clientOf(app)];
      assert.equal((await list(bob)).statusCode, 200);
      for (const [method, url, payload] of [
        ['GET', `/sessions/${bob.clientId}/journal?client_id=${bob.clientId}`],
        ['PUT', `/sessions/${bob.clientId}/scenario?client_id=${bob.clientId}`, { scenario: 'unavailable' }],
        ['POST', `/sessions/${bob.clientId}/reset?client_id=${bob.clientId}`],
      ] as const) {
        assertCintError(await as(alice, method, url, payload), 403, 'authorization_error', { detail: /its own sessions only: client_id/ });
      }
      assert.equal((await list(bob)).statusCode, 200, "bob's scenario unchanged");
      assert.equal((await as(alice, 'GET', `/sessions/${alice.clientId}?client_id=${alice.clientId}`)).statusCode, 404, 'its own client id is fine (no such session yet)');
    });

    it('lists its own sessions only, reads the scenarios, and is refused the instance\'s routes (403)', async () => {
      const [alice, bob] = [await clientOf(app), await clientOf(app)];
      await list(alice);
      await list(alice, 'named');
      await list(bob);
      const sessions = await as(alice, 'GET', '/sessions');
      assert.equal(sessions.statusCode, 200, sessions.body);
      assert.deepEqual((sessions.json().sessions as { id: string; client_id: string }[]).map(({ id, client_id }) => [id, client_id]).sort(),
        [[alice.clientId, alice.clientId], ['named', alice.clientId]].sort());
      assert.equal((await as(alice, 'GET', '/scenarios')).statusCode, 200);
      assert.equal((await as(alice, 'GET', '/openapi.json')).statusCode, 200);
      for (const [method, url] of [['DELETE', '/sessions'], ['POST', '/scenarios/reload']] as const) {
        assertCintError(await as(alice, method, url), 403, 'authorization_error', { detail: /needs the admin token/ });
      }
      assert.equal((await list(bob)).statusCode, 200);
      assert.equal((await admin(app, 'GET', `/sessions/${bob.clientId}`, undefined, { authorization: 'Bearer admin-secret' })).statusCode, 200, "bob's session is still there");
    });

    it('chooses a scenario only for a session it has (404 naming id, with what to do), so its choices are bounded as its sessions are', async () => {
      const alice = await clientOf(app);
      const early = await as(alice, 'PUT', '/sessions/later/scenario', { scenario: 'unavailable' });
      assertCintError(early, 404, 'not_found_error', { detail: /^id: the specified resource was not found: .*make a request with X-Mock-Session: later first$/ });
      assert.equal((await list(alice, 'later')).statusCode, 200);
      assert.equal((await as(alice, 'PUT', '/sessions/later/scenario', { scenario: 'unavailable' })).statusCode, 200);
      assertCintError(await list(alice, 'later'), 503, 'service_unavailable_error');
    });

    it('lists only the sent scenarios its own sessions chose', async () => {
      const [alice, bob] = [await clientOf(app), await clientOf(app)];
      const send = async (client: Client, status: number) => {
        assert.equal((await list(client)).statusCode, 200);
        const chosen = await as(client, 'PUT', `/sessions/${client.clientId}/scenario`, { scenario: { rules: [{ match: { operation: 'list_account_projects' }, respond: { status } }] } });
        assert.equal(chosen.statusCode, 200, chosen.body);
        return chosen.json().scenario as string;
      };
      const hers = await send(alice, 502);
      const his = await send(bob, 504);
      const sent = (client: Client) => as(client, 'GET', '/scenarios').then((answer) => (answer.json().sent.scenarios as { name: string }[]).map(({ name }) => name));
      assert.deepEqual(await sent(alice), [hers]);
      assert.deepEqual(await sent(bob), [his]);
      const all = await admin(app, 'GET', '/scenarios', undefined, { authorization: 'Bearer admin-secret' });
      assert.ok([hers, his].every((name) => (all.json().sent.scenarios as { name: string }[]).some((scenario) => scenario.name === name)));
    });
  });

  describe("a client's own token, within its share", () => {
    it("loses a session's choice with the session (evicted past maxSessionsPerClient)", async () => {
      const small = await makeApp({ adminToken: 'admin-secret', maxSessionsPerClient: 2, watchScenarios: false });
      try {
        const alice = await clientOf(small);
        const list = (session: string) => small.inject({ method: 'GET', url: projectsUrl(), headers: alice.headers({ 'x-mock-session': session }) });
        assert.equal((await list('first')).statusCode, 200);
        const chosen = await admin(small, 'PUT', '/sessions/first/scenario', { scenario: 'unavailable' }, { authorization: alice.headers().authorization! });
        assert.equal(chosen.statusCode, 200, chosen.body);
        assertCintError(await list('first'), 503, 'service_unavailable_error');
        assert.equal((await list('second')).statusCode, 200);
        assert.equal((await list('third')).statusCode, 200);   // "first" is evicted, and its choice with it
        assert.equal((await list('first')).statusCode, 200, 'a new session of that name, realistic');
        const choice = await admin(small, 'GET', `/sessions/first/scenario?client_id=${alice.clientId}`, undefined, { authorization: 'Bearer admin-secret' });
        assert.deepEqual(choice.json(), { session: 'first', scenario: null, chosen_by: 'default' });
      } finally {
        await small.close();
      }
    });

    it('sends scenarios within its share of inlineScenarioBytes (× maxSessionsPerClient / maxSessions): 413 past it; the admin token has the whole', async () => {
      const small = await makeApp({ adminToken: 'admin-secret', maxSessions: 10, maxSessionsPerClient: 1, inlineScenarioBytes: 4096, watchScenarios: false });
      try {
        const alice = await clientOf(small);
        assert.equal((await small.inject({ method: 'GET', url: projectsUrl(), headers: alice.headers() })).statusCode, 200);
        const sized = (tag: string, bytes: number) => ({ scenario: { description: `${tag} ${'x'.repeat(bytes)}`, rules: [{ match: { operation: 'create_project' }, respond: { status: 503 } }] } });
        const put = (body: object, authorization: string) => admin(small, 'PUT', `/sessions/${alice.clientId}/scenario`, body, { authorization });
        const own = alice.headers().authorization!;
        // Her share: 4096 × 1 / 10 = 409 bytes. One of about 300 fits, and replacing it with another does too.
        assert.equal((await put(sized('first', 200), own)).statusCode, 200);
        assert.equal((await put(sized('second', 200), own)).statusCode, 200);
        assertCintError(await put(sized('large', 1000), own), 413, 'content_too_large_error', { detail: /of the 409 a client may hold/ });
        assert.equal((await put(sized('large', 1000), 'Bearer admin-secret')).statusCode, 200, "the admin token's is the instance's bound");
      } finally {
        await small.close();
      }
    });

    it("GET /scenarios with a client's own token counts its sessions' sent scenarios against its share, not the instance's against the whole", async () => {
      const small = await makeApp({ adminToken: 'admin-secret', maxSessions: 10, maxSessionsPerClient: 2, inlineScenarioBytes: 4096, watchScenarios: false });
      try {
        const alice = await clientOf(small);
        const bob = await clientOf(small);
        for (const client of [alice, bob]) assert.equal((await small.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode, 200);
        const scenario = { scenario: { description: `alice's ${'x'.repeat(300)}`, rules: [{ match: { operation: 'create_project' }, respond: { status: 503 } }] } };
        assert.equal((await admin(small, 'PUT', `/sessions/${alice.clientId}/scenario`, scenario, { authorization: alice.headers().authorization! })).statusCode, 200);
        const sent = async (authorization: string) => (await admin(small, 'GET', '/scenarios', undefined, { authorization })).json().sent as { bytes: number; limit: number; scenarios: { bytes: number }[] };
        const whole = await sent('Bearer admin-secret');
        assert.equal(whole.limit, 4096);
        assert.equal(whole.scenarios.length, 1);
        const aliceBytes = whole.scenarios[0]!.bytes;
        assert.ok(aliceBytes > 300);
        assert.equal(whole.bytes, aliceBytes);
        // The share: 4096 × 2 / 10 = 819 bytes.
        assert.deepEqual(await sent(alice.headers().authorization!), { bytes: aliceBytes, limit: 819, scenarios: whole.scenarios });
        assert.deepEqual(await sent(bob.headers().authorization!), { bytes: 0, limit: 819, scenarios: [] });
        // The files: where the server keeps them for the admin token, their names only for a client's.
        const files = async (authorization: string) => ((await admin(small, 'GET', '/scenarios', undefined, { authorization })).json().scenarios as { name: string; file: string }[])
          .find((scenario) => scenario.name === 'flaky')?.file;
        assert.match(String(await files('Bearer admin-secret')), /^\/.+\/scenarios\/flaky\.yaml$/);
        assert.equal(await files(bob.headers().authorization!), 'flaky.yaml');
      } finally {
        await small.close();
      }
    });
  });

  it('adminEnabled: false removes the admin API (404 in Cint\'s envelope) but keeps health', async () => {
    const closed = await makeApp({ adminEnabled: false, watchScenarios: false });
    try {
      assert.equal((await admin(closed, 'GET', '/health')).statusCode, 200);
      for (const [method, url, payload] of routes) {
        assertCintError(await admin(closed, method, url, payload), 404, 'not_found_error');
      }
    } finally {
      await closed.close();
    }
  });
});

describe('admin API: its OpenAPI document', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  interface Operation { parameters?: { name: string; in: string; required?: boolean; schema?: object }[]; responses: Record<string, { description?: string }> }
  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

  it('GET /__admin/openapi.json is an OpenAPI 3 document of the admin paths only', async () => {
    const response = await admin(app, 'GET', '/openapi.json');
    assert.equal(response.statusCode, 200, response.body);
    const document = response.json() as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> };
    assert.match(document.openapi, /^3\.\d+\.\d+$/);
    assert.equal(typeof document.info.title, 'string');
    assert.equal(typeof document.info.version, 'string');

    // The structure OpenAPI 3 requires of each operation: described responses keyed by status, and a
    // required path parameter for each template segment.
    for (const [path, item] of Object.entries(document.paths)) {
      assert.match(path, /^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        assert.ok(METHODS.includes(method), `${path}: ${method} is not an HTTP method`);
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(Object.keys(operation.responses).length > 0, `${where} has no responses`);
        for (const [status, described] of Object.entries(operation.responses)) {
          assert.match(status, /^([1-5]\d\d|[1-5]XX|default)$/, where);
          assert.equal(typeof described.description, 'string', `${where} ${status} has no description`);
        }
        const parameters = operation.parameters ?? [];
        for (const parameter of parameters) {
          assert.ok(['path', 'query', 'header', 'cookie'].includes(parameter.in), `${where}: ${parameter.name} in ${parameter.in}`);
          assert.ok(parameter.schema, `${where}: ${parameter.name} has no schema`);
        }
        const inPath = parameters.filter((parameter) => parameter.in === 'path');
        assert.deepEqual(inPath.map((parameter) => parameter.name).sort(), [...templated].sort(), `${where}: path parameters`);
        assert.ok(inPath.every((parameter) => parameter.required === true), `${where}: path parameters must be required`);
      }
    }

    const paths = Object.keys(document.paths);
    for (const path of [
      '/__admin/health', '/__admin/sessions', '/__admin/sessions/{id}', '/__admin/sessions/{id}/reset', '/__admin/sessions/{id}/journal',
      '/__admin/sessions/{id}/counts', '/__admin/sessions/{id}/scenario', '/__admin/scenarios', '/__admin/scenarios/reload',
    ]) {
      assert.ok(paths.includes(path), `${path} is not in ${paths.join(', ')}`);
    }
    assert.deepEqual(paths.filter((path) => !path.startsWith('/__admin/')), []);
    assert.ok(!paths.includes('/__admin/openapi.json'));
    const journalParameters = (document.paths['/__admin/sessions/{id}/journal']!.get!.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['path:id', 'query:operation', 'query:status', 'query:method', 'query:limit']) assert.ok(journalParameters.includes(name), name);

    // Each route's documented status is the one it answers with.
    const documented = (path: string, method: string) => Object.keys(document.paths[path]![method]!.responses);
    // Its success, then its errors (decision 185): without an admin token no 401 or 403, in memory no 503.
    const redis = app.mock.shared !== null ? ['503'] : [];
    assert.deepEqual(documented('/__admin/health', 'get'), ['200', ...redis]);
    assert.deepEqual(documented('/__admin/sessions', 'get'), ['200', ...redis]);
    assert.deepEqual(documented('/__admin/sessions', 'delete'), ['204', '413', '415', ...redis]);
    assert.deepEqual(documented('/__admin/sessions/{id}/reset', 'post'), ['204', '400', '413', '415', ...redis]);
    assert.deepEqual(documented('/__admin/sessions/{id}', 'delete'), ['204', '400', '413', '415', ...redis]);
    assert.deepEqual(documented('/__admin/sessions/{id}/scenario', 'delete'), ['204', '400', '413', '415', ...redis]);
    assert.deepEqual(documented('/__admin/sessions/{id}', 'get'), ['200', '400', '404', '409', ...redis]);
    assert.deepEqual(documented('/__admin/sessions/{id}/deliveries/next', 'get'), ['200', '400', '404', '408', '409', ...redis]);
  });

  it('describes /__admin/health, open behind the admin token too: no security, no 401 or 403, and the answer it documents', async () => {
    const guarded = await makeApp({ adminToken: 'admin-secret', watchScenarios: false });
    try {
      type Document = { paths: Record<string, Record<string, { security?: unknown[]; tags?: string[]; responses: Record<string, { content?: { 'application/json': { schema: object } } }> }>> };
      const document = (await admin(guarded, 'GET', '/openapi.json', undefined, { authorization: 'Bearer admin-secret' })).json() as Document;
      const health = document.paths['/__admin/health']?.get;
      assert.ok(health, `/__admin/health is not in ${Object.keys(document.paths).join(', ')}`);
      assert.deepEqual(health.security, []);
      assert.deepEqual(health.tags, ['health']);
      assert.deepEqual(Object.keys(health.responses), ['200', ...(guarded.mock.shared !== null ? ['503'] : [])]);
      const answer = await admin(guarded, 'GET', '/health');
      assert.equal(answer.statusCode, 200, answer.body);
      const validate = ajv.compile(health.responses['200']!.content!['application/json'].schema);
      assert.ok(validate(answer.json()), `${answer.body} does not match the documented 200: ${JSON.stringify(validate.errors)}`);
      assert.deepEqual(Object.keys(answer.json()), ['status', 'sessions', 'uptime_seconds', 'store']);
      // The other routes keep the document's security, and their 401.
      assert.equal(document.paths['/__admin/sessions']!.get!.security, undefined);
      assert.ok(document.paths['/__admin/sessions']!.get!.responses['401']);
    } finally {
      await guarded.close();
    }
  });

  it('documents each route\'s error answers as the envelope it sends: each one produced here is documented and matches', async () => {
    const guarded = await makeApp({ adminToken: 'admin-secret', bodyLimitBytes: 2048, watchScenarios: false });
    try {
      const auth = { authorization: 'Bearer admin-secret' };
      const document = (await admin(guarded, 'GET', '/openapi.json', undefined, auth)).json() as { paths: Record<string, Record<string, Operation & { responses: Record<string, { content?: { 'application/json': { schema: object } } }> }>> };
      const alice = await clientOf(guarded);
      const bob = await clientOf(guarded);
      // Two clients with a session named 'shared-name': a read of it without client_id is ambiguous.
      for (const client of [alice, bob]) await guarded.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-session': 'shared-name' }) });
      await guarded.inject({ method: 'GET', url: projectsUrl(), headers: alice.headers() });
      const asAlice = { authorization: alice.headers().authorization! };
      const cases: [method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, path: string, status: number, headers?: Record<string, string>, payload?: string][] = [
        ['GET', '/sessions', '/__admin/sessions', 401],
        ['GET', '/sessions/nobody-here', '/__admin/sessions/{id}', 404, auth],
        ['GET', '/sessions/shared-name', '/__admin/sessions/{id}', 409, auth],
        ['GET', `/sessions/${'x'.repeat(129)}`, '/__admin/sessions/{id}', 400, auth],
        ['GET', `/sessions/${alice.clientId}/journal?limit=0`, '/__admin/sessions/{id}/journal', 400, auth],
        ['GET', `/sessions/${alice.clientId}/journal?client_id=${bob.clientId}`, '/__admin/sessions/{id}/journal', 403, asAlice],
        ['DELETE', '/sessions', '/__admin/sessions', 403, asAlice],
        ['POST', `/sessions/${alice.clientId}/clock`, '/__admin/sessions/{id}/clock', 400, { ...auth, 'content-type': 'application/json' }, '{"advance":"three days"}'],
        ['PUT', `/sessions/${alice.clientId}/scenario`, '/__admin/sessions/{id}/scenario', 400, { ...auth, 'content-type': 'application/json' }, '{"scenario":"no-such-scenario"}'],
        ['PUT', '/sessions/later/scenario', '/__admin/sessions/{id}/scenario', 404, { ...asAlice, 'content-type': 'application/json' }, '{"scenario":"flaky"}'],
        ['PUT', `/sessions/${alice.clientId}/scenario`, '/__admin/sessions/{id}/scenario', 415, { ...auth, 'content-type': 'text/plain' }, 'flaky'],
        ['PUT', `/sessions/${alice.clientId}/scenario`, '/__admin/sessions/{id}/scenario', 415, { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{"scenario":"flaky"}'],
        ['PUT', `/sessions/${alice.clientId}/jobs`, '/__admin/sessions/{id}/jobs', 413, { ...auth, 'content-type': 'application/json' }, JSON.stringify({ polls: 2, padding: 'p'.repeat(3000) })],
        ['GET', `/sessions/${alice.clientId}/deliveries/next?timeout_ms=0`, '/__admin/sessions/{id}/deliveries/next', 408, auth],
        ['GET', '/sessions/nobody-here/deliveries/next?timeout_ms=0', '/__admin/sessions/{id}/deliveries/next', 404, auth],
      ];
      for (const [method, url, path, status, headers = {}, payload] of cases) {
        const response = await guarded.inject({ method, url: `/__admin${url}`, headers, ...(payload === undefined ? {} : { payload }) });
        const where = `${method} ${url}`;
        assert.equal(response.statusCode, status, `${where}: ${response.body}`);
        const documented = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
        assert.ok(documented, `${where}: ${status} is not documented for ${method} ${path}`);
        const validate = ajv.compile(documented.content!['application/json'].schema);
        assert.ok(validate(response.json()), `${where}: ${response.body} does not match the documented ${status}: ${JSON.stringify(validate.errors)}`);
      }
      // A success does not match an error's schema, nor one status's envelope another's.
      const notFound = ajv.compile(document.paths['/__admin/sessions/{id}']!.get!.responses['404']!.content!['application/json'].schema);
      assert.equal(notFound((await admin(guarded, 'GET', '/sessions/shared-name', undefined, auth)).json()), false);
      assert.equal(notFound((await admin(guarded, 'GET', `/sessions/${alice.clientId}`, undefined, auth)).json()), false);
    } finally {
      await guarded.close();
    }
  });
});
