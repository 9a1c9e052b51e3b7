// Recontacts over HTTP: the ids an upload job carried are the target group's saved respondent ids once it
// is Completed (listed newest first and paged, counted by the overview), a Completed remove-all empties
// them, a Processing job holds off every other, bad files are refused or partly taken as the document
// says, and an upload's file downloads as it was sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { userIdOf } from '../src/api/shared.js';
import { respondentIdOfResponse } from '../src/api/uploads.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, targetGroupsUrl, ULID, type Client,
} from './helpers.js';
import { appWithScenarios, clientUsing } from './scenario-helpers.js';

const BOUNDARY = 'cint-mock-recontacts';

/**
 * A multipart/form-data body with `text` as its `file` part (named `fileName`; with null, no filename, which
 * makes the part a plain field), and the header that names its boundary.
 */
function filePart(text: string, name = 'file', fileName: string | null = 'ids.csv') {
  const disposition = `form-data; name="${name}"${fileName === null ? '' : `; filename="${fileName}"`}`;
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    payload: `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/csv\r\n\r\n${text}\r\n--${BOUNDARY}--\r\n`,
  };
}

/** `count` distinct respondent ids (UUIDs, lower case), numbered from `from`. */
const uuids = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `00000000-0000-4000-8000-${(from + i).toString(16).padStart(12, '0')}`);

describe('recontacts', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  async function targetGroup(client: Client) {
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    return `${targetGroupsUrl(project.id)}/${targetGroupId}/recontacts`;
  }

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });

  async function upload(client: Client, base: string, text: string, entityType?: string, fileName?: string | null) {
    const part = filePart(text, 'file', fileName);
    const url = entityType === undefined ? `${base}/jobs/upload-rsids-by-file` : `${base}/jobs/upload-respondents-by-file?entity_type=${entityType}`;
    return app.inject({ method: 'POST', url, headers: client.headers(part.headers), payload: part.payload });
  }

  /** Uploads `text` and reads its job: the job's id, and its status answer. */
  async function uploaded(client: Client, base: string, text: string, entityType?: string, fileName?: string | null) {
    const created = await upload(client, base, text, entityType, fileName);
    assert.equal(created.statusCode, 201, created.body);
    const operation = entityType === undefined ? 'recontact_create_upload_rsids_by_file_job' : 'recontact_create_upload_respondents_by_file_job';
    assertMatchesSpec(operation, 201, created.json(), true, created.headers);
    const jobId = created.json().job_id as string;
    assert.match(jobId, ULID);
    const statusUrl = entityType === undefined ? `${base}/jobs/upload-rsids-by-file/${jobId}` : `${base}/jobs/upload-respondents-by-file/${jobId}`;
    const status = await get(client, statusUrl);
    assert.equal(status.statusCode, 200, status.body);
    assertMatchesSpec(entityType === undefined ? 'get_recontacts_rsids_upload_file_job_status' : 'get_recontact_upload_respondents_by_file_job', 200, status.json());
    return { jobId, status: status.json(), statusUrl };
  }

  async function removeAll(client: Client, base: string) {
    const created = await app.inject({ method: 'POST', url: `${base}/jobs/remove-all-rsids`, headers: client.headers() });
    assert.equal(created.statusCode, 201, created.body);
    assertMatchesSpec('create_all_recontact_rsids_removal_job', 201, created.json());
    return created.json().job_id as string;
  }

  async function saved(client: Client, base: string, query = '') {
    const listed = await get(client, `${base}/rsids${query}`);
    assert.equal(listed.statusCode, 200, listed.body);
    assertMatchesSpec('get_target_group_rsid_recontact_list', 200, listed.json());
    return listed.json() as { data: string[]; next_cursor?: string; url: string };
  }

  async function count(client: Client, base: string) {
    const overview = await get(client, `${base}/overview`);
    assert.equal(overview.statusCode, 200, overview.body);
    assertMatchesSpec('get_recontacts_overview', 200, overview.json());
    return overview.json().saved_respondent_ids_count as number;
  }

  it('a Completed upload saves its ids: listed newest first, each once, in lower case, and counted', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    assert.deepEqual(await saved(client, base), { data: [], url: base.replace('/v1/demand/', '') + '/rsids' });
    assert.equal(await count(client, base), 0);

    const [a, b, c] = uuids(3);
    const { status } = await uploaded(client, base, `${a!.toUpperCase()}\r\n${b}\n${a}\n  ${c}  \n`);
    assert.equal(status.status, 'Completed');
    assert.equal(status.partial_success_reason, null, 'every line was an id');
    assert.deepEqual((await saved(client, base)).data, [c, b, a]);
    assert.equal(await count(client, base), 3);

    // "The new IDs will be added to any existing ones": an id saved already is not saved twice.
    const [d] = uuids(1, 3);
    await uploaded(client, base, `${b}\n${d}`);
    assert.deepEqual((await saved(client, base)).data, [d, c, b, a]);
    assert.equal(await count(client, base), 4);
  });

  it('pages as the document says: page_size, next_cursor for start_after (left out on the last page), end_before back', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const ids = uuids(25);
    await uploaded(client, base, ids.join('\n'));
    const newestFirst = [...ids].reverse();

    const first = await saved(client, base, '?page_size=10');
    assert.deepEqual(first.data, newestFirst.slice(0, 10));
    assert.equal(first.next_cursor, newestFirst[9]);
    const second = await saved(client, base, `?page_size=10&start_after=${first.next_cursor}`);
    assert.deepEqual(second.data, newestFirst.slice(10, 20));
    const last = await saved(client, base, `?page_size=10&start_after=${second.next_cursor}`);
    assert.deepEqual(last.data, newestFirst.slice(20));
    assert.equal('next_cursor' in last, false);
    const back = await saved(client, base, `?page_size=10&end_before=${newestFirst[20]}`);
    assert.deepEqual(back.data, newestFirst.slice(10, 20));
    assertCintError(await get(client, `${base}/rsids?start_after=${uuids(1, 99)[0]}`), 400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });
  });

  it('a Completed remove-all job empties them; uploads after it save again', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const [a, b, c] = uuids(3);
    await uploaded(client, base, `${a}\n${b}`);
    const jobId = await removeAll(client, base);
    const removal = await get(client, `${base}/jobs/remove-all-rsids/${jobId}`);
    assert.equal(removal.json().status, 'Completed');
    assertMatchesSpec('recontacts_remove_all_rsids_job_status', 200, removal.json());
    assert.deepEqual((await saved(client, base)).data, []);
    assert.equal(await count(client, base), 0);
    await uploaded(client, base, `${c}\n${a}`);
    assert.deepEqual((await saved(client, base)).data, [a, c]);
  });

  it('response ids (entity_type RID, RESPONSE_ID) are saved as respondent ids of their own; RSID and RESPONDENT_ID as sent', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const [rid, rsid, other] = uuids(3);
    await uploaded(client, base, rid!, 'RID');
    const mapped = (await saved(client, base)).data;
    assert.equal(mapped.length, 1);
    assert.notEqual(mapped[0], rid, 'a response id is not its respondent id');
    // The same response id is the same respondent, whichever name its type is given.
    await uploaded(client, base, rid!.toUpperCase(), 'RESPONSE_ID');
    await uploaded(client, base, rsid!, 'RSID');
    await uploaded(client, base, other!, 'RESPONDENT_ID');
    assert.deepEqual((await saved(client, base)).data, [other, rsid, mapped[0]]);
    const bad = await app.inject({ method: 'POST', url: `${base}/jobs/upload-respondents-by-file?entity_type=EMAIL`, headers: client.headers(filePart(rid!).headers), payload: filePart(rid!).payload });
    assertCintError(bad, 400, 'bad_request_error', { invalid_params: [{ name: 'entity_type' }] });
  });

  it('lines that are empty or not an id are skipped: the job is Completed with the partial success the document words', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const [a, b] = uuids(2);
    const { status } = await uploaded(client, base, `rsid\n${a}\n\nnot-an-id\n${b}\n`);
    assert.equal(status.status, 'Completed');
    assert.deepEqual(status.partial_success_reason, { description: 'Upload partially successful. 2 respondent IDs uploaded successfully, 3 failed (invalid or empty).' });
    assert.deepEqual((await saved(client, base)).data, [b, a]);
  });

  it('a file with no id, or no file part, is a 400 naming file: no job, nothing saved', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    assertCintError(await upload(client, base, 'respondent_id\nnope\n'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'file', reason: "'file' holds no respondent id: each line must be one respondent id (a UUID), with no header row." }],
    });
    assertCintError(await upload(client, base, ''), 400, 'bad_request_error', { invalid_params: [{ name: 'file' }] });
    const misnamed = filePart(uuids(1)[0]!, 'ids');
    const noFile = await app.inject({ method: 'POST', url: `${base}/jobs/upload-rsids-by-file`, headers: client.headers(misnamed.headers), payload: misnamed.payload });
    assertCintError(noFile, 400, 'bad_request_error', { invalid_params: [{ name: 'file', reason: /^'file' is required/ }] });
    assert.equal(await count(client, base), 0);
    const jobs = await get(client, `${base}/jobs/upload-respondents-by-file`);
    assert.deepEqual(jobs.json().data, [], 'a refused upload makes no job');
  });

  it('a Processing job holds off every other recontact job of its target group with 409; a Failed one saves nothing', async () => {
    const { app: scripted, close } = await appWithScenarios({
      'slow-recontacts.yaml': {
        description: 'uploads take a poll; removals fail',
        rules: [
          { match: { operation: 'recontact_create_upload_rsids_by_file_job' }, respond: { job: { processing_polls: 1 } } },
          { match: { operation: 'create_all_recontact_rsids_removal_job' }, respond: { job: { fail: 'JobExecutionStartMessageFailed' } } },
        ],
      },
    });
    try {
      const client = await clientUsing(scripted, 'slow-recontacts');
      const project = await createProject(scripted, client);
      const other = await createTargetGroup(scripted, client, project.id);
      const base = `${targetGroupsUrl(project.id)}/${await createTargetGroup(scripted, client, project.id)}/recontacts`;
      const part = filePart(uuids(2).join('\n'));
      const post = (url: string, body = part) => scripted.inject({ method: 'POST', url, headers: client.headers(body.headers), payload: body.payload });
      const created = await post(`${base}/jobs/upload-rsids-by-file`);
      assert.equal(created.statusCode, 201, created.body);
      const jobId = created.json().job_id as string;

      const read = (url: string) => scripted.inject({ method: 'GET', url, headers: client.headers() });
      assert.equal((await read(`${base}/overview`)).json().saved_respondent_ids_count, 0, 'a job does its work when it ends');
      const conflict = { detail: new RegExp(`^recontact job ${jobId} of this target group is still Processing`) };
      assertCintError(await post(`${base}/jobs/upload-rsids-by-file`), 409, 'conflict_error', conflict);
      assertCintError(await post(`${base}/jobs/upload-respondents-by-file?entity_type=RSID`), 409, 'conflict_error', conflict);
      assertCintError(await scripted.inject({ method: 'POST', url: `${base}/jobs/remove-all-rsids`, headers: client.headers() }), 409, 'conflict_error', conflict);
      // Another target group's jobs are its own.
      assert.equal((await post(`${targetGroupsUrl(project.id)}/${other}/recontacts/jobs/upload-respondents-by-file?entity_type=RSID`, filePart(uuids(1)[0]!))).statusCode, 201);

      const processing = await read(`${base}/jobs/upload-rsids-by-file/${jobId}`);
      assert.equal(processing.json().status, 'Processing');
      assert.equal(processing.json().partial_success_reason, null);
      const done = await read(`${base}/jobs/upload-rsids-by-file/${jobId}`);
      assert.equal(done.json().status, 'Completed');
      assert.equal((await read(`${base}/overview`)).json().saved_respondent_ids_count, 2);

      const removal = await scripted.inject({ method: 'POST', url: `${base}/jobs/remove-all-rsids`, headers: client.headers() });
      assert.equal(removal.statusCode, 201, removal.body);
      const failed = await read(`${base}/jobs/remove-all-rsids/${removal.json().job_id}`);
      assert.equal(failed.json().status, 'Failed');
      assert.equal(failed.json().failure_reason.code, 'JobExecutionStartMessageFailed');
      assert.equal((await read(`${base}/overview`)).json().saved_respondent_ids_count, 2, 'a Failed removal removes nothing');
    } finally {
      await close();
    }
  });

  it('lists the upload jobs of both uploads, newest first, with their status and author; paged by start_after', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const first = await uploaded(client, base, uuids(1)[0]!);
    const second = await uploaded(client, base, uuids(1, 1)[0]!, 'RID');
    await removeAll(client, base);
    const listed = await get(client, `${base}/jobs/upload-respondents-by-file`);
    assert.equal(listed.statusCode, 200, listed.body);
    assertMatchesSpec('recontact_list_upload_respondents_by_file_jobs', 200, listed.json());
    const author = userIdOf(client.clientId);
    assert.deepEqual(listed.json(), {
      data: [second, first].map(({ jobId, status }) => ({ job_id: jobId, file_name: 'ids.csv', status: 'Completed', created_at: status.created_at, created_by: author })),
      next_cursor: null,
    });
    const page = await get(client, `${base}/jobs/upload-respondents-by-file?page_size=1`);
    assert.deepEqual(page.json().data.map((job: { job_id: string }) => job.job_id), [second.jobId]);
    assert.equal(page.json().next_cursor, second.jobId);
    const next = await get(client, `${base}/jobs/upload-respondents-by-file?page_size=1&start_after=${second.jobId}`);
    assert.deepEqual(next.json().data.map((job: { job_id: string }) => job.job_id), [first.jobId]);
    assert.equal(next.json().next_cursor, null);
  });

  it('reads each listed job at either upload\'s status path, whichever upload made it; a remove-all job at neither', async () => {
    const { app: scripted, close } = await appWithScenarios({
      'mixed-uploads.yaml': {
        description: 'RSID uploads take a poll; respondent uploads fail',
        rules: [
          { match: { operation: 'recontact_create_upload_rsids_by_file_job' }, respond: { job: { processing_polls: 1 } } },
          { match: { operation: 'recontact_create_upload_respondents_by_file_job' }, respond: { job: { fail: 'JobExecutionStartMessageFailed' } } },
        ],
      },
    });
    try {
      const client = await clientUsing(scripted, 'mixed-uploads');
      const project = await createProject(scripted, client);
      const base = `${targetGroupsUrl(project.id)}/${await createTargetGroup(scripted, client, project.id)}/recontacts`;
      const post = (url: string, text: string) => {
        const part = filePart(text);
        return scripted.inject({ method: 'POST', url, headers: client.headers(part.headers), payload: part.payload });
      };
      const read = (url: string) => scripted.inject({ method: 'GET', url, headers: client.headers() });
      const listedJob = async (jobId: string) => {
        const listed = await read(`${base}/jobs/upload-respondents-by-file`);
        assertMatchesSpec('recontact_list_upload_respondents_by_file_jobs', 200, listed.json());
        return (listed.json() as { data: { job_id: string; created_at: string; status: string }[] }).data.find((job) => job.job_id === jobId)!;
      };
      /** The job read at one upload's status path: 200 in that operation's schema. */
      const status = async (path: 'upload-rsids-by-file' | 'upload-respondents-by-file', jobId: string) => {
        const answer = await read(`${base}/jobs/${path}/${jobId}`);
        assert.equal(answer.statusCode, 200, `${path}: ${answer.body}`);
        assertMatchesSpec(path === 'upload-rsids-by-file' ? 'get_recontacts_rsids_upload_file_job_status' : 'get_recontact_upload_respondents_by_file_job', 200, answer.json());
        return answer.json() as Record<string, unknown>;
      };
      const author = userIdOf(client.clientId);

      // A job of upload-respondents-by-file, at upload-rsids-by-file's read too.
      const failedId = (await post(`${base}/jobs/upload-respondents-by-file?entity_type=RSID`, uuids(1)[0]!)).json().job_id as string;
      const failed = await status('upload-rsids-by-file', failedId);
      assert.match(String(failed.job_trace_id), /^[0-9a-f]{32}$/);
      const failedBody = {
        job_id: failedId, created_at: (await listedJob(failedId)).created_at, completed_at: failed.completed_at, status: 'Failed', created_by: author,
        failure_reason: { code: 'JobExecutionStartMessageFailed', description: 'The job execution start message failed. Please contact Cint for further assistance.' },
        partial_success_reason: null, job_trace_id: failed.job_trace_id,
      };
      assert.deepEqual(failed, failedBody);
      assert.deepEqual(await status('upload-respondents-by-file', failedId), failedBody);

      // A job of upload-rsids-by-file, polled at the list's path until it ends; the same at its own.
      const created = await post(`${base}/jobs/upload-rsids-by-file`, `${uuids(1)[0]!}\nnot-an-id\n`);
      assert.equal(created.statusCode, 201, created.body);
      const jobId = created.json().job_id as string;
      const createdAt = (await listedJob(jobId)).created_at;
      assert.deepEqual(await status('upload-respondents-by-file', jobId), {
        job_id: jobId, created_at: createdAt, completed_at: null, status: 'Processing', created_by: author, failure_reason: null, partial_success_reason: null,
      });
      const done = await status('upload-respondents-by-file', jobId);
      assert.match(String(done.completed_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const doneBody = {
        job_id: jobId, created_at: createdAt, completed_at: done.completed_at, status: 'Completed', created_by: author, failure_reason: null,
        partial_success_reason: { description: 'Upload partially successful. 1 respondent IDs uploaded successfully, 1 failed (invalid or empty).' },
      };
      assert.deepEqual(done, doneBody);
      assert.deepEqual(await status('upload-rsids-by-file', jobId), doneBody);
      assert.equal((await listedJob(jobId)).status, 'Completed');

      // A remove-all job is no upload: 404 naming job_id at both; an upload's job is not a remove-all's either.
      const removal = await scripted.inject({ method: 'POST', url: `${base}/jobs/remove-all-rsids`, headers: client.headers() });
      assert.equal(removal.statusCode, 201, removal.body);
      for (const path of ['upload-rsids-by-file', 'upload-respondents-by-file']) {
        assertCintError(await read(`${base}/jobs/${path}/${removal.json().job_id}`), 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
      }
      assertCintError(await read(`${base}/jobs/remove-all-rsids/${jobId}`), 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
      // Nor is it another target group's.
      const other = `${targetGroupsUrl(project.id)}/${await createTargetGroup(scripted, client, project.id)}/recontacts`;
      for (const path of ['upload-rsids-by-file', 'upload-respondents-by-file']) {
        assertCintError(await read(`${other}/jobs/${path}/${jobId}`), 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
      }
    } finally {
      await close();
    }
  });

  it("downloads an upload's file as it was sent, of either upload, under its name made safe for a header", async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const text = `${uuids(1)[0]!.toUpperCase()}\r\nnot an id\n`;
    for (const entityType of [undefined, 'RID']) {
      const { jobId } = await uploaded(client, base, text, entityType);
      const file = await get(client, `${base}/jobs/upload-respondents-by-file/${jobId}/download`);
      assert.equal(file.statusCode, 200, file.body);
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      assert.equal(file.headers['content-disposition'], 'attachment; filename="ids.csv"');
      assert.equal(file.body, text);
      assertMatchesSpec('recontact_download_job_file', 200, undefined, true, file.headers);
    }
    const removal = await removeAll(client, base);
    assertCintError(await get(client, `${base}/jobs/upload-respondents-by-file/${removal}/download`), 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
  });

  it('keeps the original file name for the job list; the download\'s is sanitized, or the storage key\'s where there is none', async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    // [name sent, file_name listed, attachment name]; null: no filename, the part a plain field.
    const cases: [string | null, string | ((jobId: string) => string), string | ((jobId: string) => string)][] = [
      ['my recontacts (2).txt', 'my recontacts (2).txt', 'my_recontacts__2_.txt'],
      ['C:\\exports\\wave-1_ids.csv', 'wave-1_ids.csv', 'wave-1_ids.csv'],
      ['report #3;final=yes.txt', 'report #3;final=yes.txt', 'report__3_final_yes.txt'],
      ['...', '...', (jobId) => `${jobId}.txt`],
      [null, (jobId) => `${jobId}.txt`, (jobId) => `${jobId}.txt`],
    ];
    for (const [sent, listed, attachment] of cases) {
      const at = (expected: string | ((jobId: string) => string), jobId: string) => (typeof expected === 'string' ? expected : expected(jobId));
      const { jobId } = await uploaded(client, base, uuids(1)[0]!, 'RID', sent);
      const jobs = await get(client, `${base}/jobs/upload-respondents-by-file`);
      assertMatchesSpec('recontact_list_upload_respondents_by_file_jobs', 200, jobs.json());
      assert.equal(jobs.json().data[0].job_id, jobId);
      assert.equal(jobs.json().data[0].file_name, at(listed, jobId), `file_name for ${String(sent)}`);
      const file = await get(client, `${base}/jobs/upload-respondents-by-file/${jobId}/download`);
      assert.equal(file.headers['content-disposition'], `attachment; filename="${at(attachment, jobId)}"`, `attachment for ${String(sent)}`);
    }
  });

  it("survives a snapshot: restored into another client's session, the same ids, count, jobs and files, the same bytes", async () => {
    const client = await clientOf(app);
    const base = await targetGroup(client);
    const { jobId } = await uploaded(client, base, uuids(3).join('\n'));
    await uploaded(client, base, uuids(2, 3).join('\n'), 'RID');
    const reads = [`${base}/rsids?page_size=4`, `${base}/overview`, `${base}/jobs/upload-respondents-by-file`, `${base}/jobs/upload-respondents-by-file/${jobId}/download`];
    const answersOf = async (reader: Client) => Promise.all(reads.map(async (url) => (await get(reader, url)).body));
    const before = await answersOf(client);
    const session = app.mock.sessions.get(client.clientId, client.clientId);
    const text = JSON.stringify(snapshotOf(session, app.mock.scenarios));

    const other = await clientOf(app);
    const restored = app.mock.sessions.get(other.clientId, other.clientId);
    restoreSnapshot(restored, JSON.parse(text) as SessionSnapshot, app.mock.scenarios);
    assert.deepEqual(await answersOf(other), before);
    assert.equal(restored.storedBytes, session.storedBytes);
  });

  it('an unknown target group is 404 naming target_group_id on every recontact operation', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const base = `${targetGroupsUrl(project.id)}/01JPVZD75DW4KRP7MPFMF6KGZX/recontacts`;
    const notFound = { detail: 'target_group_id: the specified resource was not found' };
    for (const path of ['rsids', 'overview', 'jobs/upload-respondents-by-file', 'jobs/upload-respondents-by-file/01JPVZD75DW4KRP7MPFMF6KGZY/download']) {
      assertCintError(await get(client, `${base}/${path}`), 404, 'not_found_error', notFound);
    }
    assertCintError(await upload(client, base, uuids(1)[0]!), 404, 'not_found_error', notFound);
    assertCintError(await app.inject({ method: 'POST', url: `${base}/jobs/remove-all-rsids`, headers: client.headers() }), 404, 'not_found_error', notFound);
  });

  it("the response id's respondent id is the same for the same response id, in any case, and a UUID", () => {
    const [rid] = uuids(1);
    assert.equal(respondentIdOfResponse(rid!), respondentIdOfResponse(rid!.toUpperCase()));
    assert.match(respondentIdOfResponse(rid!)!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(respondentIdOfResponse('not-a-uuid'), null);
  });
});

describe('recontacts: capacity and bytes', () => {
  it('past 100,000 saved ids is a 400 saying how many there would be; a file of 5 MB or more is a 413', async () => {
    const app = await makeApp({ bodyLimitBytes: 8 * 1024 * 1024, maxSessionBytes: 16 * 1024 * 1024 });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const base = `${targetGroupsUrl(project.id)}/${await createTargetGroup(app, client, project.id)}/recontacts`;
      const post = (text: string) => {
        const part = filePart(text);
        return app.inject({ method: 'POST', url: `${base}/jobs/upload-rsids-by-file`, headers: client.headers(part.headers), payload: part.payload });
      };
      assert.equal((await post(uuids(60_000).join('\n'))).statusCode, 201);
      // 40,000 are new and 10,000 saved already: exactly 100,000 is allowed.
      assert.equal((await post(uuids(50_000, 50_000).join('\n'))).statusCode, 201);
      const over = await post(uuids(2, 99_999).join('\n'));
      assertCintError(over, 400, 'bad_request_error', {
        invalid_params: [{ name: 'file', reason: "'file' would give the target group 100001 saved respondent ids (it has 100000); the total, existing plus new, cannot exceed 100000." }],
      });
      const overview = await app.inject({ method: 'GET', url: `${base}/overview`, headers: client.headers() });
      assert.deepEqual(overview.json(), { saved_respondent_ids_count: 100_000 });
      assertCintError(await post('x'.repeat(5 * 1024 * 1024)), 413, 'content_too_large_error', { detail: /^File upload limit exceeded/ });
    } finally {
      await app.close();
    }
  });

  it('a file larger than the JSON body limit is taken, up to Cint\'s 5 MB, with the default configuration', async () => {
    const app = await makeApp();
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const base = `${targetGroupsUrl(project.id)}/${await createTargetGroup(app, client, project.id)}/recontacts`;
      const post = (text: string) => {
        const part = filePart(text);
        return app.inject({ method: 'POST', url: `${base}/jobs/upload-rsids-by-file`, headers: client.headers(part.headers), payload: part.payload });
      };
      const text = uuids(55_000).join('\r\n');
      assert.ok(Buffer.byteLength(text) > 2_000_000, 'a file of about 2 MB, twice the default bodyLimitBytes');
      const created = await post(text);
      assert.equal(created.statusCode, 201, created.body);
      const overview = await app.inject({ method: 'GET', url: `${base}/overview`, headers: client.headers() });
      assert.deepEqual(overview.json(), { saved_respondent_ids_count: 55_000 });
      const limit = 5 * 1024 * 1024;
      assertCintError(await post('x'.repeat(limit)), 413, 'content_too_large_error', {
        detail: `File upload limit exceeded: the file must be less than 5 MB (${limit} bytes).`,
      });
      // One byte under the limit is read: its one line is no id, a 400 naming the file.
      assertCintError(await post('x'.repeat(limit - 1)), 400, 'bad_request_error', { invalid_params: [{ name: 'file', reason: /./ }] });
    } finally {
      await app.close();
    }
  });

  it("an upload counts in the session's bytes: one past maxSessionBytes is refused and saves nothing", async () => {
    const app = await makeApp({ maxSessionBytes: 200_000 });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const base = `${targetGroupsUrl(project.id)}/${await createTargetGroup(app, client, project.id)}/recontacts`;
      const part = filePart(uuids(10_000).join('\n'));
      const refused = await app.inject({ method: 'POST', url: `${base}/jobs/upload-rsids-by-file`, headers: client.headers(part.headers), payload: part.payload });
      assertCintError(refused, 409, 'conflict_error', { detail: /maximum of 200000 bytes/ });
      const overview = await app.inject({ method: 'GET', url: `${base}/overview`, headers: client.headers() });
      assert.deepEqual(overview.json(), { saved_respondent_ids_count: 0 });
    } finally {
      await app.close();
    }
  });
});

