// Respondent exclusions over HTTP: the project exclusion status is each target group's own (set by the
// bulk PUT, read by both reads, by get_target_group and by the list's filter), and the ids of upload jobs
// that have ended Success are the target group's blocklists, paged and counted, until a remove-all job
// ends. Jobs change the lists when they end (polls, the session's clock), never when they fail; only one
// runs at a time; what is stored counts towards the session's bytes and travels in its snapshot.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  ACCOUNT, advanceClock, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, projectsUrl,
  targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';
import { appWithScenarios, clientUsing } from './scenario-helpers.js';

type EntityType = 'RSID' | 'ACCESS_RESPONDENT_GUID';
type Ids = { projectId: string; targetGroupId: string };

const groupUrl = ({ projectId, targetGroupId }: Ids) => `${targetGroupsUrl(projectId)}/${targetGroupId}`;
const policiesUrl = (projectId: string) => `${projectsUrl()}/${projectId}/exclusion-policies`;
const statusesUrl = (projectId: string) => `${projectsUrl()}/${projectId}/exclusions`;
const uploadUrl = (ids: Ids, type: EntityType = 'RSID') => `${groupUrl(ids)}/exclusions/jobs/upload-respondents-by-file?entity_type=${type}`;
const removeAllUrl = (ids: Ids, type: EntityType = 'RSID') => `${groupUrl(ids)}/exclusions/jobs/remove-all-respondents?entity_type=${type}`;
const LIST = { RSID: ['rsid', 'get_target_group_rsid_exclusion_list_api_paginated'], ACCESS_RESPONDENT_GUID: ['access-respondent-guid', 'get_target_group_access_respondent_guid_exclusion_list_api_paginated'] } as const;
const madeUpId = (n: number) => `01JZ${String(n).padStart(22, '0')}`;
const uuids = (count: number) => Array.from({ length: count }, () => randomUUID());

async function newTargetGroup(app: MockApp, client: Client, overrides: Record<string, unknown> = {}): Promise<Ids> {
  const projectId = (await createProject(app, client)).id;
  return { projectId, targetGroupId: await createTargetGroup(app, client, projectId, overrides) };
}

const noContent = (response: { statusCode: number; body: string }) => {
  assert.equal(response.statusCode, 204, response.body);
  assert.equal(response.body, '');
};

async function read(app: MockApp, client: Client, url: string, operationId: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url, headers: client.headers(headers) });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec(operationId, 200, response.json(), true, response.headers);
  return response.json();
}

const policyOf = (app: MockApp, client: Client, ids: Ids) => read(app, client, `${groupUrl(ids)}/exclusion-policy`, 'get_target_group_exclusion_policy_api');
const statusesOf = (app: MockApp, client: Client, projectId: string) => read(app, client, statusesUrl(projectId), 'get_exclusion_by_project_api');
const putPolicies = (app: MockApp, client: Client, projectId: string, payload: unknown) =>
  app.inject({ method: 'PUT', url: policiesUrl(projectId), headers: client.headers(), payload: payload as object });

/** A multipart body with a `file` part holding `text` (no part at all when text is null). */
function multipart(text: string | null, boundary = 'cint-mock-exclusions') {
  const part = text === null
    ? `Content-Disposition: form-data; name="note"\r\n\r\nno file`
    : `Content-Disposition: form-data; name="file"; filename="ids.csv"\r\nContent-Type: text/csv\r\n\r\n${text}`;
  return { payload: `--${boundary}\r\n${part}\r\n--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

function upload(app: MockApp, client: Client, ids: Ids, text: string | null, type: EntityType = 'RSID', headers: Record<string, string> = {}) {
  const { payload, contentType } = multipart(text);
  return app.inject({ method: 'POST', url: uploadUrl(ids, type), headers: client.headers({ 'content-type': contentType, ...headers }), payload });
}

/** Uploads and answers the job's id, after checking the 201's body. */
async function uploaded(app: MockApp, client: Client, ids: Ids, text: string, type: EntityType = 'RSID', headers: Record<string, string> = {}): Promise<string> {
  const response = await upload(app, client, ids, text, type, headers);
  assert.equal(response.statusCode, 201, response.body);
  assertMatchesSpec('exclusion_create_upload_rids_by_file_job', 201, response.json());
  return response.json().job_id as string;
}

async function removedAll(app: MockApp, client: Client, ids: Ids, type: EntityType = 'RSID', headers: Record<string, string> = {}): Promise<string> {
  const response = await app.inject({ method: 'POST', url: removeAllUrl(ids, type), headers: client.headers(headers) });
  assert.equal(response.statusCode, 201, response.body);
  assertMatchesSpec('exclusion_create_remove_all_respondents_job', 201, response.json());
  return response.json().job_id as string;
}

const uploadJob = (app: MockApp, client: Client, ids: Ids, jobId: string, headers: Record<string, string> = {}) =>
  read(app, client, `${groupUrl(ids)}/exclusions/jobs/upload-respondents-by-file/${jobId}`, 'get_respondent_exclusions_upload_by_file_job', headers);
const removalJob = (app: MockApp, client: Client, ids: Ids, jobId: string) =>
  read(app, client, `${groupUrl(ids)}/exclusions/jobs/remove-all-respondents/${jobId}`, 'get_all_respondent_exclusions_removal_job');

async function listOf(app: MockApp, client: Client, ids: Ids, type: EntityType = 'RSID', query = '', headers: Record<string, string> = {}) {
  const [segment, operationId] = LIST[type];
  return await read(app, client, `${groupUrl(ids)}/exclusions/${segment}/paginated${query}`, operationId, headers) as { data: string[]; next_cursor: string; url: string };
}

const overviewOf = (app: MockApp, client: Client, ids: Ids) => read(app, client, `${groupUrl(ids)}/exclusions/overview`, 'get_exclusions_overview');

/** A target group whose body has no `exclusion` at all. */
async function createWithoutExclusion(app: MockApp, client: Client, projectId: string): Promise<string> {
  const { exclusion: _none, ...body } = targetGroupBody();
  const created = await app.inject({ method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: body });
  assert.equal(created.statusCode, 201, created.body);
  return created.json().id as string;
}

describe('project exclusion status', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('is each target group\'s own: what create_target_group sent, false without it, created with the target group', async () => {
    const client = await clientOf(app);
    const projectId = (await createProject(app, client)).id;
    const enabled = await createTargetGroup(app, client, projectId, { exclusion: { enabled: true } });
    const disabled = await createWithoutExclusion(app, client, projectId);

    const group = await read(app, client, `${targetGroupsUrl(projectId)}/${enabled}`, 'get_target_group');
    assert.deepEqual(await policyOf(app, client, { projectId, targetGroupId: enabled }), { project_exclusion_enabled: true, create_date: group.created_at });
    assert.equal((await policyOf(app, client, { projectId, targetGroupId: disabled })).project_exclusion_enabled, false);
    // Newest first, as every list; only the session's own target groups of this project.
    await newTargetGroup(app, client);
    assert.deepEqual(await statusesOf(app, client, projectId), [
      { target_group_id: disabled, project_exclusion_enabled: false },
      { target_group_id: enabled, project_exclusion_enabled: true },
    ]);
    assert.deepEqual(await statusesOf(app, client, (await createProject(app, client)).id), []);
  });

  it('the bulk PUT sets each listed target group\'s, which every read shows, with who set it and when by the session\'s clock', async () => {
    const client = await clientOf(app);
    const projectId = (await createProject(app, client)).id;
    const a = await createTargetGroup(app, client, projectId, { exclusion: { enabled: true } });
    const b = await createWithoutExclusion(app, client, projectId);
    const untouched = await createTargetGroup(app, client, projectId, { exclusion: { enabled: true } });
    await advanceClock(app, client, 'P1D');
    noContent(await putPolicies(app, client, projectId, [
      { target_group_id: a, project_exclusion_enabled: false },
      { target_group_id: b, project_exclusion_enabled: false },
      // The last status of a target group listed twice wins.
      { target_group_id: b, project_exclusion_enabled: true },
    ]));

    assert.deepEqual(await statusesOf(app, client, projectId), [
      { target_group_id: untouched, project_exclusion_enabled: true },
      { target_group_id: b, project_exclusion_enabled: true },
      { target_group_id: a, project_exclusion_enabled: false },
    ]);
    const policy = await policyOf(app, client, { projectId, targetGroupId: a });
    const actor = (await uploadJob(app, client, { projectId, targetGroupId: a }, await uploaded(app, client, { projectId, targetGroupId: a }, randomUUID()))).created_by;
    assert.equal(policy.project_exclusion_enabled, false);
    assert.equal(policy.updated_by, actor, 'the client that sent the PUT');
    assert.equal(Date.parse(policy.update_date) - Date.parse(policy.create_date) >= 86_400_000, true, `${policy.create_date} then ${policy.update_date}`);
    assert.deepEqual(Object.keys(await policyOf(app, client, { projectId, targetGroupId: untouched })).sort(), ['create_date', 'project_exclusion_enabled']);

    // The status is the target group's `exclusion.enabled`: its read and the list's filter follow.
    const readA = await read(app, client, `${targetGroupsUrl(projectId)}/${a}`, 'get_target_group');
    assert.deepEqual(readA.exclusion, { enabled: false });
    const filtered = await read(app, client, `${targetGroupsUrl(projectId)}?exclusion_status=true`, 'get_list_target_groups');
    assert.deepEqual(filtered.target_groups.map((item: { id: string }) => item.id).sort(), [b, untouched].sort());
    const listed = await read(app, client, `${targetGroupsUrl(projectId)}?exclusion_status=false`, 'get_list_target_groups');
    assert.deepEqual(listed.target_groups.map((item: { id: string; updated_at: string }) => [item.id, item.updated_at]), [[a, policy.update_date]], 'a change of the target group');

    // A draft's own body may change it again; the PUT's author is then no longer the status's.
    const updated = await app.inject({ method: 'PUT', url: `${targetGroupsUrl(projectId)}/${a}`, headers: client.headers(), payload: targetGroupBody({ exclusion: { enabled: true } }) });
    assert.equal(updated.statusCode, 204, updated.body);
    assert.deepEqual(Object.keys(await policyOf(app, client, { projectId, targetGroupId: a })).sort(), ['create_date', 'project_exclusion_enabled']);
    assert.equal((await policyOf(app, client, { projectId, targetGroupId: a })).project_exclusion_enabled, true);
  });

  it('refuses the whole request when any item is not a target group of the project in the session, or lacks a field (400 naming each)', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client, { exclusion: { enabled: true } });
    const other = await newTargetGroup(app, client);
    const refused = await putPolicies(app, client, ids.projectId, [
      { target_group_id: ids.targetGroupId, project_exclusion_enabled: false },
      { target_group_id: other.targetGroupId, project_exclusion_enabled: false },
      { target_group_id: madeUpId(1), project_exclusion_enabled: true },
      { project_exclusion_enabled: true },
      { target_group_id: ids.targetGroupId },
    ]);
    assertCintError(refused, 400, 'bad_request_error', {
      invalid_params: [
        { name: '[1].target_group_id', reason: `'[1].target_group_id' is not a target group of project ${ids.projectId}.` },
        { name: '[2].target_group_id', reason: `'[2].target_group_id' is not a target group of project ${ids.projectId}.` },
        { name: '[3].target_group_id', reason: "'[3].target_group_id' is required: the target group whose status is set." },
        { name: '[4].project_exclusion_enabled', reason: "'[4].project_exclusion_enabled' is required: true or false." },
      ],
    });
    assert.equal(refused.json().invalid_params.length, 4);
    assert.deepEqual(await policyOf(app, client, ids).then((policy) => policy.project_exclusion_enabled), true, 'nothing changed');

    assertCintError(await putPolicies(app, client, ids.projectId, { target_group_id: ids.targetGroupId }), 400, 'bad_request_error', { invalid_params: [{ name: 'body' }] });
    noContent(await putPolicies(app, client, ids.projectId, []));
    assertCintError(await putPolicies(app, client, madeUpId(2), []), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assertCintError(await app.inject({ method: 'GET', url: `${groupUrl({ projectId: ids.projectId, targetGroupId: other.targetGroupId })}/exclusion-policy`, headers: client.headers() }),
      404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    assertCintError(await app.inject({ method: 'GET', url: statusesUrl(madeUpId(3)), headers: client.headers() }), 404, 'not_found_error');
  });
});

describe('respondent id blocklists', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ store: 'memory' }); });
  after(async () => app.close());

  it('an upload that ends Success lists its ids once each, lower case, in upload order; ids that are not UUIDs make it a partial success', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client);
    const [a, b, c, d] = uuids(4) as [string, string, string, string];
    // CRLF lines, a quoted value, upper case, a repeat, an empty line and a value that is no UUID.
    const jobId = await uploaded(app, client, ids, `\uFEFF${a.toUpperCase()}\r\n"${b}"\r\n\r\n${a}\r\nnot-an-id\r\n${c}\r\n`);
    const job = await uploadJob(app, client, ids, jobId);
    assert.equal(job.status, 'Success');
    assert.deepEqual(job.partial_success_reason, { description: 'Upload partially successful. 3 respondent IDs uploaded successfully, 2 failed (invalid or empty).' });
    assert.equal(job.failure_reason, undefined);

    assert.deepEqual(await listOf(app, client, ids), {
      data: [a, b, c], next_cursor: '', url: `accounts/${ACCOUNT}/projects/${ids.projectId}/target-groups/${ids.targetGroupId}/exclusions/rsid/paginated`,
    });
    assert.deepEqual((await listOf(app, client, ids, 'ACCESS_RESPONDENT_GUID')).data, []);
    // The document's own example: ids between spaces. New ids are added to the existing ones.
    const clean = await uploaded(app, client, ids, `${c} ${d} ${b} `);
    assert.equal((await uploadJob(app, client, ids, clean)).partial_success_reason, undefined);
    assert.deepEqual((await listOf(app, client, ids)).data, [a, b, c, d]);

    const guids = uuids(2);
    await uploaded(app, client, ids, guids.join('\n'), 'ACCESS_RESPONDENT_GUID');
    assert.deepEqual(await listOf(app, client, ids, 'ACCESS_RESPONDENT_GUID'), {
      data: guids, next_cursor: '', url: `accounts/${ACCOUNT}/projects/${ids.projectId}/target-groups/${ids.targetGroupId}/exclusions/access-respondent-guid/paginated`,
    });
    assert.deepEqual(await overviewOf(app, client, ids), { saved_respondent_ids_count: 4, saved_access_respondent_guids_count: 2 });
    // Another target group's lists are its own.
    const other = await newTargetGroup(app, client);
    assert.deepEqual(await overviewOf(app, client, other), { saved_respondent_ids_count: 0, saved_access_respondent_guids_count: 0 });
  });

  it('pages 1000 ids by default, page_size at a time, with start_after and end_before', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client);
    const sent = uuids(1001);
    await uploaded(app, client, ids, sent.join('\n'));
    const first = await listOf(app, client, ids);
    assert.deepEqual([first.data.length, first.data[0], first.next_cursor], [1000, sent[0], sent[999]]);
    assert.deepEqual(await listOf(app, client, ids, 'RSID', `?start_after=${sent[999]}`).then((page) => [page.data, page.next_cursor]), [[sent[1000]], '']);
    const small = await listOf(app, client, ids, 'RSID', `?page_size=2&start_after=${sent[1]}`);
    assert.deepEqual([small.data, small.next_cursor], [[sent[2], sent[3]], sent[3]]);
    assert.deepEqual((await listOf(app, client, ids, 'RSID', `?page_size=2&end_before=${sent[5]}`)).data, [sent[3], sent[4]]);
    assertCintError(await app.inject({ method: 'GET', url: `${groupUrl(ids)}/exclusions/rsid/paginated?start_after=${randomUUID()}`, headers: client.headers() }),
      400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });
    assertCintError(await app.inject({ method: 'GET', url: `${groupUrl(ids)}/exclusions/rsid/paginated?page_size=1001`, headers: client.headers() }),
      400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
  });

  it('a remove-all job that ends Success empties the list of its type only; later uploads start a new list', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client);
    const rsids = uuids(3);
    const guids = uuids(2);
    await uploaded(app, client, ids, rsids.join('\n'));
    await uploaded(app, client, ids, guids.join('\n'), 'ACCESS_RESPONDENT_GUID');
    const removal = await removedAll(app, client, ids, 'RSID');
    assert.equal((await removalJob(app, client, ids, removal)).status, 'Success');
    assert.deepEqual(await overviewOf(app, client, ids), { saved_respondent_ids_count: 0, saved_access_respondent_guids_count: 2 });
    assert.deepEqual((await listOf(app, client, ids)).data, []);
    assert.deepEqual((await listOf(app, client, ids, 'ACCESS_RESPONDENT_GUID')).data, guids);
    await uploaded(app, client, ids, `${rsids[2]}\n${rsids[0]}`);
    assert.deepEqual((await listOf(app, client, ids)).data, [rsids[2], rsids[0]]);
  });

  it('refuses a file it cannot read ids from with a 400 naming `file`, and an unknown target group with a 404', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client);
    assertCintError(await upload(app, client, ids, null), 400, 'bad_request_error', {
      invalid_params: [{ name: 'file', reason: "'file' is required: send the ids as the multipart/form-data part named 'file'." }],
    });
    assertCintError(await upload(app, client, ids, ''), 400, 'bad_request_error', {
      invalid_params: [{ name: 'file', reason: "'file' holds no id: each line must be one id (a UUID), with no header row." }],
    });
    assertCintError(await upload(app, client, ids, 'rsid\n12345\n\nabc xyz\n'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'file', reason: "'file' holds no id: each line must be one id (a UUID), with no header row; 5 were empty or not a UUID." }],
    });
    assert.deepEqual(await overviewOf(app, client, ids), { saved_respondent_ids_count: 0, saved_access_respondent_guids_count: 0 }, 'no job was made');
    // A job is read under the target group that made it.
    const jobId = await uploaded(app, client, ids, randomUUID());
    const other = await newTargetGroup(app, client);
    assertCintError(await app.inject({ method: 'GET', url: `${groupUrl(other)}/exclusions/jobs/upload-respondents-by-file/${jobId}`, headers: client.headers() }),
      404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
    const unknown = { projectId: ids.projectId, targetGroupId: madeUpId(4) };
    assertCintError(await upload(app, client, unknown, randomUUID()), 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    for (const url of [`${groupUrl(unknown)}/exclusions/overview`, `${groupUrl(unknown)}/exclusions/rsid/paginated`, `${groupUrl(unknown)}/exclusions/access-respondent-guid/paginated`]) {
      assertCintError(await app.inject({ method: 'GET', url, headers: client.headers() }), 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    }
  });

  it('a job changes the lists when it ends, by its polls or the session\'s clock, and refuses another job of the target group meanwhile (409)', async () => {
    const client = await clientOf(app);
    const ids = await newTargetGroup(app, client);
    controlOf(app).jobs(client.clientId, { polls: 1, duration: 'PT0S' });
    const sent = uuids(2);
    const jobId = await uploaded(app, client, ids, sent.join('\n'));
    assert.deepEqual((await listOf(app, client, ids)).data, [], 'not yet');
    const conflict = 'only one respondent exclusions job can run at a time per target group';
    assertCintError(await upload(app, client, ids, randomUUID(), 'ACCESS_RESPONDENT_GUID'), 409, 'conflict_error', { detail: new RegExp(`^respondent exclusions job ${jobId} of this target group is still Processing; ${conflict}`) });
    assertCintError(await app.inject({ method: 'POST', url: removeAllUrl(ids), headers: client.headers() }), 409, 'conflict_error', { detail: new RegExp(conflict) });
    // Another target group is not held up.
    await uploaded(app, client, await newTargetGroup(app, client), randomUUID());
    assert.equal((await uploadJob(app, client, ids, jobId)).status, 'Processing');
    assert.equal((await uploadJob(app, client, ids, jobId)).status, 'Success');
    assert.deepEqual((await listOf(app, client, ids)).data, sent);

    controlOf(app).jobs(client.clientId, { polls: 0, duration: 'PT1M' });
    await removedAll(app, client, ids);
    assert.equal((await overviewOf(app, client, ids)).saved_respondent_ids_count, 2, 'not yet');
    await advanceClock(app, client, 'PT1M');
    assert.equal((await overviewOf(app, client, ids)).saved_respondent_ids_count, 0, 'ended by the clock, unpolled');
  });

  it('holds at most 100,000 ids of each type: an upload past it is a 400, ids already listed do not count again', async () => {
    const big = await makeApp({ store: 'memory', bodyLimitBytes: 5 * 1024 * 1024, maxSessionBytes: 16 * 1024 * 1024 });
    try {
      const client = await clientOf(big);
      const ids = await newTargetGroup(big, client);
      const sent = uuids(100_000);
      await uploaded(big, client, ids, sent.join('\n'));
      assert.deepEqual(await overviewOf(big, client, ids), { saved_respondent_ids_count: 100_000, saved_access_respondent_guids_count: 0 });
      assertCintError(await upload(big, client, ids, `${sent[0]}\n${randomUUID()}`), 400, 'bad_request_error', {
        invalid_params: [{ name: 'file', reason: `'file' would bring target group ${ids.targetGroupId}'s respondent ids (RSIDs) to 100001 (100000 and 1 new); the total of existing and new ids must not exceed 100000.` }],
      });
      await uploaded(big, client, ids, `${sent[5]}\n${sent[99_999]}`);
      await uploaded(big, client, ids, randomUUID(), 'ACCESS_RESPONDENT_GUID');
      assert.deepEqual(await overviewOf(big, client, ids), { saved_respondent_ids_count: 100_000, saved_access_respondent_guids_count: 1 });
    } finally {
      await big.close();
    }
  });

  it('stores the ids as the session\'s bytes: a full session refuses an upload and lists nothing of it; a snapshot carries the lists', async () => {
    const small = await makeApp({ store: 'memory', maxSessionBytes: 64 * 1024 });
    try {
      const client = await clientOf(small);
      const ids = await newTargetGroup(small, client);
      const session = small.mock.sessions.get(client.clientId, client.clientId);
      const before = session.storedBytes;
      const sent = uuids(100);
      await uploaded(small, client, ids, sent.join('\n'));
      assert.ok(session.storedBytes - before >= 100 * 37, `${session.storedBytes - before} bytes for 100 ids`);
      assertCintError(await upload(small, client, ids, uuids(2000).join('\n')), 409, 'conflict_error', { detail: /maximum of 65536 bytes/ });
      assert.equal((await overviewOf(small, client, ids)).saved_respondent_ids_count, 100);

      const copy = small.mock.sessions.get('copy', client.clientId);
      restoreSnapshot(copy, JSON.parse(JSON.stringify(snapshotOf(session, small.mock.scenarios))) as SessionSnapshot, small.mock.scenarios);
      assert.deepEqual((await listOf(small, client, ids, 'RSID', '', { 'x-mock-session': 'copy' })).data, sent);
    } finally {
      await small.close();
    }
  });
});

describe('respondent id jobs that fail', () => {
  let app: MockApp;
  let close: () => Promise<void>;
  before(async () => {
    ({ app, close } = await appWithScenarios({
      'failing-exclusions.yaml': {
        description: 'the first upload and the first removal fail',
        rules: [
          { match: { operation: 'exclusion_create_upload_rids_by_file_job' }, respond: [{ job: { fail: 'JobExecutionStartMessageFailed' }, times: 1 }, { job: { processing_polls: 0 } }] },
          { match: { operation: 'exclusion_create_remove_all_respondents_job' }, respond: [{ job: { fail: 'JobExecutionStartMessageFailed' }, times: 1 }, { job: { processing_polls: 0 } }] },
        ],
      },
    }));
  });
  after(() => close());

  it('change nothing: a failed upload lists none of its ids, a failed removal leaves the list', async () => {
    const client = await clientUsing(app, 'failing-exclusions');
    const ids = await newTargetGroup(app, client);
    const [lost, kept] = uuids(2) as [string, string];
    const failedUpload = await uploaded(app, client, ids, lost);
    const job = await uploadJob(app, client, ids, failedUpload);
    assert.equal(job.status, 'Failed');
    assert.equal(job.failure_reason.code, 'JobExecutionStartMessageFailed');
    assert.deepEqual((await listOf(app, client, ids)).data, []);

    await uploaded(app, client, ids, `${kept}\n${lost}`);
    const failedRemoval = await removedAll(app, client, ids);
    assert.equal((await removalJob(app, client, ids, failedRemoval)).status, 'Failed');
    assert.deepEqual((await listOf(app, client, ids)).data, [kept, lost]);
    await removedAll(app, client, ids);
    assert.deepEqual((await listOf(app, client, ids)).data, []);
  });
});
