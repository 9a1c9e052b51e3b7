// The operations without a handler of their own, over HTTP: collections keep what clients create
// (webhooks, reports, batch jobs, uploads, reconciliations), singletons keep what is put, ids in paths
// must name the session's objects, and a user's reference data file replaces the document's examples.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { ConfigError } from '../src/config.js';
import { startMock, type RunningMock } from '../src/server.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launch, makeApp, targetGroupBody, type Client,
} from './helpers.js';

const webhooksUrl = `/v1/accounts/${ACCOUNT}/webhooks`;

describe('webhooks: a collection kept per session', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(async () => app.close());

  it('creates, reads, lists, updates with If-Match, regenerates the secret and deletes', async () => {
    const created = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url: 'https://client.example/hooks', events: ['target-group-updated'] } });
    assert.equal(created.statusCode, 201, created.body);
    const webhook = created.json();
    assertMatchesSpec('create_webhook', 201, webhook);
    assert.equal(webhook.url, 'https://client.example/hooks');
    assert.notEqual(webhook.secret, 'FP7UPZpATKBcYJj4va95PYud+a3gCidRERiLO+9MoFE=', 'the secret is made, not the example');

    const read = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers() });
    assert.equal(read.statusCode, 200);
    assertMatchesSpec('get_webhook', 200, read.json(), true, read.headers);
    assert.equal(read.json().id, webhook.id);
    assert.equal(read.json().url, 'https://client.example/hooks');
    const etag = String(read.headers.etag);

    const listed = await app.inject({ method: 'GET', url: webhooksUrl, headers: client.headers() });
    assertMatchesSpec('get_webhooks', 200, listed.json());
    assert.deepEqual(listed.json().webhooks.map((item: { id: string }) => item.id), [webhook.id]);

    const body = { url: 'https://client.example/v2', events: ['target-group-updated'] };
    const stale = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers({ 'if-match': 'W/"0"' }), payload: body });
    assertCintError(stale, 412, 'precondition_failed_error');
    const updated = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers({ 'if-match': etag }), payload: body });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().url, 'https://client.example/v2');

    const regenerated = await app.inject({ method: 'POST', url: `${webhooksUrl}/${webhook.id}/regenerate-secret`, headers: client.headers() });
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    assert.notEqual(regenerated.json().secret, webhook.secret);

    const deleted = await app.inject({ method: 'DELETE', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers() });
    assert.equal(deleted.statusCode, 204);
    const gone = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers() });
    assertCintError(gone, 404, 'not_found_error', { detail: 'webhook_id: the specified resource was not found' });
  });

  it('keeps one client\'s webhooks from another', async () => {
    const created = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url: 'https://client.example/mine', events: ['target-group-updated'] } });
    const other = await clientOf(app);
    const read = await app.inject({ method: 'GET', url: `${webhooksUrl}/${created.json().id}`, headers: other.headers() });
    assertCintError(read, 404, 'not_found_error');
    const listed = await app.inject({ method: 'GET', url: webhooksUrl, headers: other.headers() });
    assert.deepEqual(listed.json().webhooks, []);
  });

  it('lists newest first, a page at a time, the last id of a page being start_after for the next', async () => {
    const own = await clientOf(app);
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const created = await app.inject({ method: 'POST', url: webhooksUrl, headers: own.headers(), payload: { url: `https://client.example/${name}`, events: ['target-group-updated'] } });
      ids.push(created.json().id);
    }
    const first = await app.inject({ method: 'GET', url: `${webhooksUrl}?page_size=2`, headers: own.headers() });
    assertMatchesSpec('get_webhooks', 200, first.json());
    assert.deepEqual(first.json().webhooks.map((item: { id: string }) => item.id), [ids[2], ids[1]]);
    assert.equal(first.json().has_more, true);
    // Cint's WebhooksList has no next_cursor: the last id of a page is the cursor for the next.
    assert.equal(first.json().next_cursor, undefined);
    const second = await app.inject({ method: 'GET', url: `${webhooksUrl}?page_size=2&start_after=${ids[1]}`, headers: own.headers() });
    assert.deepEqual(second.json().webhooks.map((item: { id: string }) => item.id), [ids[0]]);
    assert.equal(second.json().has_more, false);
    const unknown = await app.inject({ method: 'GET', url: `${webhooksUrl}?start_after=01JPVZD75DW4KRP7MPFMF6KGZX`, headers: own.headers() });
    assertCintError(unknown, 400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });
  });

  it('refuses a body that breaks the schema with invalid_params', async () => {
    const response = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url: 'https://client.example/hooks' } });
    assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'events' }] });
  });
});

describe('jobs, reports and target-group sub-resources', () => {
  let app: MockApp;
  let client: Client;
  let projectId: string;
  let targetGroupId: string;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
    projectId = (await createProject(app, client)).id;
    targetGroupId = await createTargetGroup(app, client, projectId);
  });
  after(async () => app.close());

  it('a batch job answers 201 with a Location that reads the job back', async () => {
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/batch-jobs/pause-fielding-runs-by-target-group-id`;
    const created = await app.inject({ method: 'POST', url, headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { target_group_ids: [targetGroupId] } });
    assert.equal(created.statusCode, 201, created.body);
    const location = String(created.headers.location);
    assert.match(location, new RegExp(`^${url}/[0-9A-Z]{26}$`));
    const job = await app.inject({ method: 'GET', url: location, headers: client.headers() });
    assert.equal(job.statusCode, 200, job.body);
    assertMatchesSpec('get_bulk_pause_target_groups_job', 200, job.json());
    const missing = await app.inject({ method: 'GET', url: `${url}/01JPVZD75DW4KRP7MPFMF6KGZX`, headers: client.headers() });
    assertCintError(missing, 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
  });

  it('a batch job replays under its Idempotency-Key: the same Location, no second job', async () => {
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/batch-jobs/resume-fielding-runs-by-target-group-id`;
    const headers = client.headers({ 'idempotency-key': 'batch-resume-1' });
    const first = await app.inject({ method: 'POST', url, headers, payload: { target_group_ids: [targetGroupId] } });
    const again = await app.inject({ method: 'POST', url, headers, payload: { target_group_ids: [targetGroupId] } });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const conflicting = await app.inject({ method: 'POST', url, headers, payload: { target_group_ids: ['01JPVZD75DW4KRP7MPFMF6KGZX'] } });
    assertCintError(conflicting, 409, 'conflict_error');
  });

  it('a report is generated, then its status and download read it by id', async () => {
    const generated = await app.inject({
      method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/reports/completes`, headers: client.headers(),
      // The last 30 days: a report covers at most the last 12 months (decision 131).
      payload: { start_date: futureDate(-30).slice(0, 10), end_date: futureDate(0).slice(0, 10), filter: 'project', filter_ids: [projectId], email_recipients: ['b551326b-ac9d-4d32-8823-4f025787dab9'] },
    });
    assert.equal(generated.statusCode, 202, generated.body);
    const reportId = generated.json().report_id as string;
    for (const part of ['status', 'download', 'share?report_type=completes']) {
      const read = await app.inject({ method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/reports/${reportId}/${part}`, headers: client.headers() });
      assert.equal(read.statusCode, 200, `${part}: ${read.body}`);
    }
  });

  it('an upload takes a multipart file with its boundary, and refuses other content types with 415', async () => {
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/target-groups/${targetGroupId}/recontacts/jobs/upload-respondents-by-file?entity_type=RID`;
    const boundary = '----cint-mock-test';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ids.csv"\r\nContent-Type: text/csv\r\n\r\n0F1CE179-A917-49FF-9D50-B05FC91F7BD4\n\r\n--${boundary}--\r\n`;
    const uploaded = await app.inject({ method: 'POST', url, headers: client.headers({ 'content-type': `multipart/form-data; boundary=${boundary}` }), payload });
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    const json = await app.inject({ method: 'POST', url, headers: client.headers(), payload: { file: 'x' } });
    assertCintError(json, 415, 'unsupported_media_type_error', { detail: "The 'Content-Type' header is incorrectly set 'application/json'; use 'multipart/form-data'" });
  });

  it("a 415 names the operation's own media types, whether or not the server reads the type sent", async () => {
    const upload = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/target-groups/${targetGroupId}/recontacts/jobs/upload-rsids-by-file`;
    const reconciliations = `/v1/demand/accounts/${ACCOUNT}/reconciliations`;
    const post = (url: string, contentType: string, payload = 'x') => app.inject({ method: 'POST', url, headers: client.headers({ 'content-type': contentType }), payload });
    const cases: [string, string, string][] = [
      // Types no parser reads (curl --data-binary sends a form's type), then types one does.
      [upload, 'text/plain', "'multipart/form-data'"],
      [upload, 'application/octet-stream', "'multipart/form-data'"],
      [upload, 'text/csv', "'multipart/form-data'"],
      [reconciliations, 'application/x-www-form-urlencoded', "'text/csv' or 'application/csv'"],
      [reconciliations, 'text/plain', "'text/csv' or 'application/csv'"],
      [reconciliations, 'application/json', "'text/csv' or 'application/csv'"],
      [upload, 'application/json', "'multipart/form-data'"],
      [`/v1/demand/accounts/${ACCOUNT}/projects`, 'text/csv', "'application/json'"],
      [`/v1/demand/accounts/${ACCOUNT}/projects`, 'application/octet-stream', "'application/json'"],
    ];
    for (const [url, contentType, accepted] of cases) {
      assertCintError(await post(url, contentType), 415, 'unsupported_media_type_error', {
        detail: `The 'Content-Type' header is incorrectly set '${contentType}'; use ${accepted}`,
      });
    }
  });

  it('an upload that cannot be read is a 400 or 413 in the envelope, and the server goes on', async () => {
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/target-groups/${targetGroupId}/exclusions/jobs/upload-respondents-by-file?entity_type=RSID`;
    const multipart = (boundary: string, parts: string[]) => `${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`;
    const file = (name: string, text: string) => `Content-Disposition: form-data; name="${name}"; filename="${name}.csv"\r\nContent-Type: text/csv\r\n\r\n${text}`;
    const post = (contentType: string, payload: string) => app.inject({ method: 'POST', url, headers: client.headers({ 'content-type': contentType }), payload });
    const limit = 1048576; // the default bodyLimitBytes
    const fileLimit = 5 * 1024 * 1024; // Cint's: "less than 5MB"

    const tooLarge = await post('multipart/form-data; boundary=b', multipart('b', [file('file', 'A'.repeat(fileLimit))]));
    assertCintError(tooLarge, 413, 'content_too_large_error', { detail: `File upload limit exceeded: the file must be less than 5 MB (${fileLimit} bytes).` });
    const fieldTooLarge = await post('multipart/form-data; boundary=b', multipart('b', [`Content-Disposition: form-data; name="note"\r\n\r\n${'n'.repeat(limit + 1)}`, file('file', 'a')]));
    assertCintError(fieldTooLarge, 413, 'content_too_large_error', { detail: `the request body is larger than the ${limit} bytes the server accepts` });
    const twoFiles = await post('multipart/form-data; boundary=b', multipart('b', [file('file', 'a'), file('more', 'b')]));
    assertCintError(twoFiles, 400, 'bad_request_error', { invalid_params: [{ name: 'file', reason: 'Only one file may be uploaded.' }] });
    const noBoundary = await post('multipart/form-data', multipart('b', [file('file', 'a')]));
    assertCintError(noBoundary, 400, 'bad_request_error', { detail: /^the multipart body could not be read: / });

    const fine = await post('multipart/form-data; boundary=b', multipart('b', [file('file', '0F1CE179-A917-49FF-9D50-B05FC91F7BD4')]));
    assert.equal(fine.statusCode, 201, fine.body);
    assertMatchesSpec('exclusion_create_upload_rids_by_file_job', 201, fine.json());
  });

  it('reconciliations take CSV text', async () => {
    const posted = await app.inject({
      method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/reconciliations`,
      headers: client.headers({ 'content-type': 'text/csv' }), payload: '0F1CE179-A917-49FF-9D50-B05FC91F7BD4,11\n',
    });
    assert.equal(posted.statusCode, 202, posted.body);
    assertMatchesSpec('post_reconciliations', 202, posted.json());
  });

  it('a singleton keeps what was put, with an ETag that If-Match must name', async () => {
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/target-groups/${targetGroupId}/fielding-assistant-assignment`;
    const assignment = { quota_overlay: { prevent_overfill: true, balance_fill: false } };
    const put = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: assignment });
    assert.equal(put.statusCode, 204, put.body);
    const read = await app.inject({ method: 'GET', url, headers: client.headers() });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json().quota_overlay, assignment.quota_overlay);
    assertMatchesSpec('get_fielding_assistant_assignment', 200, read.json(), true, read.headers);
    const stale = await app.inject({ method: 'PUT', url, headers: client.headers({ 'if-match': 'W/"0"' }), payload: assignment });
    assertCintError(stale, 412, 'precondition_failed_error');
  });

  it('a sub-resource of an unknown target group is 404 naming target_group_id', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/target-groups/01JPVZD75DW4KRP7MPFMF6KGZX/overview`, headers: client.headers() });
    assertCintError(response, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
  });
});

describe('reference data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cint-mock-reference-'));
  let mock: RunningMock;
  after(async () => {
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the document\'s examples by default, and a user\'s file instead when given', async () => {
    const file = join(dir, 'reference.yaml');
    writeFileSync(file, 'get_countries:\n  countries:\n    - { id: 752, code: SE, name: Sweden }\n');
    mock = await startMock({ referenceData: file, authMode: 'off' });
    const response = await fetch(`${mock.url}/v1/countries`, { headers: { 'cint-api-version': '2025-12-18' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { countries: [{ id: 752, code: 'SE', name: 'Sweden' }] });
  });

  it('refuses at start a file whose bodies break the documented schema, naming the operation', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ get_countries: { countries: [{ id: 'not a number' }] }, get_nothing: {} }));
    await assert.rejects(startMock({ referenceData: file }), (error: Error) => error instanceof ConfigError
      && /get_countries: the body does not match/.test(error.message) && /get_nothing: not an operation id/.test(error.message));
  });

  it('refuses at start a body for a read that answers the session\'s state or the mock\'s own rules, which it would never answer', async () => {
    const file = join(dir, 'unread.yaml');
    writeFileSync(file, [
      'get_project_by_id: {}', 'get_webhook: {}', 'report_status: {}', 'get_system_allocation_template: {}',
      'get_countries:\n  countries:\n    - { id: 752, code: SE, name: Sweden }',
    ].join('\n'));
    await assert.rejects(startMock({ referenceData: file }), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      const lines = error.message.split('\n');
      assert.equal(lines[0], `invalid reference data in ${file}:`);
      assert.deepEqual(lines.slice(1), [
        "  get_project_by_id: the mock answers this read itself, from the session's state or its own rules; reference data would never be answered",
        "  get_webhook: the mock answers this read from the session's state (what its clients made); reference data would never be answered",
        "  report_status: the mock answers this read from the session's state (what its clients made); reference data would never be answered",
        "  get_system_allocation_template: the mock answers this read itself, from the session's state or its own rules; reference data would never be answered",
      ]);
      return true;
    });
  });
});

describe('fulfillment, on Cint\'s S2S paths', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());
  const url = '/fulfillment/respondents/6780395e-94fa-1eb7-612c-d2e19af42758';

  it('is served under /fulfillment without /v1, with an API key and no Cint-API-Version', async () => {
    const response = await app.inject({ method: 'GET', url, headers: { authorization: 's2s-api-key' } });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_respondent_status', 200, response.json());
    assert.equal(response.json().id, '6780395e-94fa-1eb7-612c-d2e19af42758');
  });

  it('needs the API key', async () => {
    assertCintError(await app.inject({ method: 'GET', url }), 401, 'authorization_error');
  });

  it('answers a body it cannot validate with its documented 422', async () => {
    const response = await app.inject({ method: 'POST', url: '/fulfillment/respondents/transition', headers: { authorization: 's2s-api-key' }, payload: { id: 5 } });
    assertCintError(response, 422, 'bad_request_error', { invalid_params: [{ name: 'id' }] });
    // The document makes the body optional, but its fields are required: without one it is refused too (decision 190).
    const none = await app.inject({ method: 'POST', url: '/fulfillment/respondents/transition', headers: { authorization: 's2s-api-key' } });
    assertCintError(none, 422, 'bad_request_error', { invalid_params: [{ name: 'body' }] });
  });

  const transition = (key: string, payload: unknown) =>
    app.inject({ method: 'POST', url: '/fulfillment/respondents/transition', headers: { authorization: key }, payload: payload as object });
  const status = async (key: string, rid: string) => {
    const response = await app.inject({ method: 'GET', url: `/fulfillment/respondents/${rid}`, headers: { authorization: key } });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_respondent_status', 200, response.json());
    return response.json();
  };

  it('keeps each transition: the status read next is the one set; an RID never transitioned is still in the survey (1)', async () => {
    const rid = '0f1ce179-a917-49ff-9d50-b05fc91f7bd4';
    assert.deepEqual(await status('key-keeps', rid), { id: rid, status: 1 });
    for (const code of [2, 5]) {
      const answer = await transition('key-keeps', { id: rid, status: code });
      assert.equal(answer.statusCode, 200, answer.body);
      assertMatchesSpec('update_respondent_status', 200, answer.json());
      assert.deepEqual(answer.json(), { id: rid, status: code });
      assert.deepEqual(await status('key-keeps', rid), { id: rid, status: code });
    }
    assert.deepEqual(await status('key-keeps', rid.toUpperCase()), { id: rid.toUpperCase(), status: 5 }, 'the same RID in capitals');
  });

  it('keeps each API key\'s respondents apart, and a mock token\'s in its client\'s session', async () => {
    const rid = '75f1404c-65f6-4937-ad2a-588e4f66e07f';
    assert.equal((await transition('key-one', { id: rid, status: 3 })).statusCode, 200);
    assert.equal((await status('key-one', rid)).status, 3);
    assert.equal((await status('key-two', rid)).status, 1, 'another key is another client');
    const client = await clientOf(app);
    const bearer = String(client.headers().authorization);
    assert.equal((await status(bearer, rid)).status, 1);
    assert.equal((await transition(bearer, { id: rid, status: 4 })).statusCode, 200);
    assert.equal(app.mock.sessions.find(client.clientId)?.singletons.get(`/fulfillment/respondents/${rid}`)?.fields.status, 4);
    assert.equal((await status('key-one', rid)).status, 3);
  });

  it('refuses a code outside the S2S table and an RID that is not a UUID with its 422; reads of such an RID are 404', async () => {
    const response = await transition('key-bad', { id: 'not-a-session', status: 7 });
    assertCintError(response, 422, 'unprocessable_entity_error', { invalid_params: [{ name: 'id' }, { name: 'status', reason: /5 \(Complete\), 2 \(Screenout\), 4 \(Quality Terminate\), 3 \(Quota Full\); got 7/ }] });
    assertMatchesSpec('update_respondent_status', 422, response.json());
    assertCintError(await app.inject({ method: 'GET', url: '/fulfillment/respondents/not-a-session', headers: { authorization: 'key-bad' } }), 404, 'not_found_error');
  });
});

describe('a target group seen from its details, overviews and changelog', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(async () => app.close());

  it('reflect what the session holds, and every change leaves a changelog entry', async () => {
    const project = await createProject(app, client);
    const groupUrl = `/v1/demand/accounts/${ACCOUNT}/projects/${project.id}/target-groups`;
    const targetGroupId = await createTargetGroup(app, client, project.id, { name: 'Before the change' });
    const url = `${groupUrl}/${targetGroupId}`;
    // What get_target_group answers is Cint's response shape (suppliers as objects, ids), not a request body:
    // the update sends the request's shape again, with the one change.
    const renamed = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ name: 'After the change' }) });
    assert.equal(renamed.statusCode, 204, renamed.body);

    // A draft has no details yet: 404 saying so. Launched, it has them, and get_target_group redirects there.
    const draftDetails = await app.inject({ method: 'GET', url: `${url}/details`, headers: client.headers() });
    assertCintError(draftDetails, 404, 'not_found_error', { detail: /^target_group_id: the specified resource was not found: target group \S+ is a draft, and has details once it is launched or scheduled/ });
    const launched = await launch(app, client, project.id, targetGroupId);
    assert.equal(launched.job.status, 'Completed');
    const moved = await app.inject({ method: 'GET', url, headers: client.headers() });
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `${url}/details`);
    assert.equal(moved.body, '');
    const refused = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ name: 'Too late for this' }) });
    assertCintError(refused, 400, 'bad_request_error', { detail: /^target group \S+ is live, and only a draft can be updated here; change a launched target group with update_launched_target_group_details/ });

    const details = await app.inject({ method: 'GET', url: `${url}/details`, headers: client.headers() });
    assert.equal(details.statusCode, 200);
    assertMatchesSpec('get_target_group_details', 200, details.json());
    assert.equal(details.json().id, targetGroupId);
    assert.equal(details.json().name, 'After the change');

    const overview = await app.inject({ method: 'GET', url: `${url}/overview`, headers: client.headers() });
    assertMatchesSpec('get_target_group_overview', 200, overview.json());
    assert.equal(overview.json().target_group_name, 'After the change');
    assert.equal(overview.json().status, 'live');
    const byId = await app.inject({ method: 'GET', url: `/v1/demand/target-groups/${targetGroupId}/overview`, headers: client.headers() });
    assertMatchesSpec('get_target_group_overview_by_target_group_id', 200, byId.json());
    assert.equal(byId.json().project_id, project.id);

    const projectOverview = await app.inject({ method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/projects/${project.id}/overview`, headers: client.headers() });
    assertMatchesSpec('project_overview', 200, projectOverview.json());
    assert.equal(projectOverview.json().id, project.id);

    const changelog = await app.inject({ method: 'GET', url: `${url}/changelog`, headers: client.headers() });
    assertMatchesSpec('get_target_group_changelog', 200, changelog.json());
    const entries = changelog.json().changelog as { changes: { object: string; new_value: unknown; old_value: unknown }[] }[];
    assert.equal(entries.length, 2, JSON.stringify(entries));
    assert.deepEqual(entries[1]!.changes, [{ object: 'name_change', new_value: 'After the change', old_value: 'Before the change' }]);
    assert.equal(entries[0]!.changes[0]!.object, 'status_change');
  });

  it('pages the changelog, newest first, 50 entries by default (page_size 1 to 50), and keeps only the change_types asked for', async () => {
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id, { name: 'Name 0' });
    const url = `/v1/demand/accounts/${ACCOUNT}/projects/${project.id}/target-groups/${targetGroupId}`;
    for (let n = 1; n <= 54; n += 1) {
      const renamed = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ name: `Name ${n}` }) });
      assert.equal(renamed.statusCode, 204, renamed.body);
    }
    // One entry of two changes: a new name and a new live URL together.
    const both = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ name: 'Name 55', live_url: 'https://example.com/survey/v2' }) });
    assert.equal(both.statusCode, 204, both.body);
    assert.equal((await launch(app, client, project.id, targetGroupId)).job.status, 'Completed');

    type Entry = { id: string; changes: { object: string; new_value: unknown }[] };
    const read = async (query: string) => {
      const answer = await app.inject({ method: 'GET', url: `${url}/changelog${query}`, headers: client.headers() });
      assert.equal(answer.statusCode, 200, answer.body);
      assertMatchesSpec('get_target_group_changelog', 200, answer.json());
      return answer.json() as { changelog: Entry[]; next_cursor: string };
    };
    const objects = (entries: Entry[]) => entries.map((entry) => entry.changes.map((change) => change.object).join('+'));

    const first = await read('');
    assert.equal(first.changelog.length, 50);
    assert.deepEqual(objects(first.changelog.slice(0, 3)), ['status_change', 'name_change+live_url_change', 'name_change']);
    assert.equal(first.next_cursor, first.changelog[49]!.id);
    const second = await read(`?start_after=${first.next_cursor}`);
    assert.deepEqual(second.changelog.map((entry) => entry.changes[0]!.new_value), ['Name 6', 'Name 5', 'Name 4', 'Name 3', 'Name 2', 'Name 1']);
    assert.equal(second.next_cursor, '');
    const back = await read(`?page_size=2&end_before=${second.changelog[0]!.id}`);
    assert.deepEqual(back.changelog.map((entry) => entry.id), first.changelog.slice(48).map((entry) => entry.id));

    assert.deepEqual(objects((await read('?change_types=live_url_change')).changelog), ['live_url_change']);
    const named = await read('?change_types=status_change&change_types=live_url_change&page_size=2');
    assert.deepEqual(objects(named.changelog), ['status_change', 'live_url_change']);
    assert.equal(named.next_cursor, '', 'the only two entries with those changes');

    const refusals: [string, string, RegExp][] = [
      ['?page_size=0', 'page_size', /^'page_size' must be >= 1\.$/],
      ['?page_size=51', 'page_size', /^'page_size' must be <= 50\.$/],
      ['?change_types=no_such_change', 'change_types', /^'change_types' must be one of: business_unit_change, .*status_change/],
      ['?change_types=name_change&change_types=no_such_change', 'change_types[1]', /^'change_types\[1\]' must be one of: business_unit_change, .*status_change/],
      ['?start_after=not-a-cursor', 'start_after', /^'start_after' must be a next_cursor value from an earlier page\.$/],
      // The last page's next_cursor ('') sent back: the client is told that was the end.
      ['?start_after=', 'start_after', /^'start_after' is empty: an empty next_cursor \(or none\) is the last page's, with nothing after it; stop paging there\.$/],
      ['?end_before=', 'end_before', /^'end_before' must be a next_cursor value from an earlier page\.$/],
    ];
    for (const [query, name, reason] of refusals) {
      const refused = await app.inject({ method: 'GET', url: `${url}/changelog${query}`, headers: client.headers() });
      const body = assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name, reason: String(refused.json().invalid_params?.[0]?.reason) }] });
      assert.match(String((body as { invalid_params: { reason: string }[] }).invalid_params[0]!.reason), reason);
    }
  });
});
