import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import {
  ACCOUNT, ULID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launch, launchUrl, liveRun,
  makeApp, runsUrl, type Client,
} from './helpers.js';

const UNKNOWN_ID = '01K40T69E63BHTT9MAJYRBQ8HY';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('fielding runs', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const act = (client: Client, runUrl: string, action: 'pause' | 'resume' | 'complete', ifMatch?: string) => app.inject({
    method: 'POST', url: `${runUrl}/${action}`, headers: client.headers(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
  });
  const read = (client: Client, runUrl: string) => app.inject({ method: 'GET', url: runUrl, headers: client.headers() });

  describe('create_launch_fielding_run_from_draft_job', () => {
    it('answers 201 with a Location and no body; the job there has completed with a live run', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const endAt = futureDate(10);
      const response = await app.inject({
        method: 'POST', url: launchUrl(project.id, targetGroupId),
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: endAt },
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.body, '');
      assertMatchesSpec('create_launch_fielding_run_from_draft_job', 201, undefined, true, response.headers);
      const location = String(response.headers.location);
      assert.match(location, new RegExp(`^${launchUrl(project.id, targetGroupId)}/[0-9A-Z]{26}$`));

      const jobResponse = await app.inject({ method: 'GET', url: location, headers: client.headers() });
      assert.equal(jobResponse.statusCode, 200, jobResponse.body);
      const job = jobResponse.json();
      assertMatchesSpec('get_launch_fielding_run_from_draft_job', 200, job, true, jobResponse.headers);
      assert.equal(job.job_id, location.split('/').at(-1));
      assert.equal(job.status, 'Completed');
      assert.match(job.created_fielding_run_id, ULID);
      assert.match(job.created_by, UUID);
      assert.equal(job.failure_reason, undefined);
      assert.equal(job.job_trace_id, undefined);

      const run = await read(client, `${runsUrl(project.id, targetGroupId)}/${job.created_fielding_run_id}`);
      assert.equal(run.statusCode, 200, run.body);
      assert.equal(run.json().status, 'live');
      assert.equal(run.json().end_fielding_at, endAt);
    });

    it('an already launched target group gives a Failed job with TargetGroupInvalidState', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      assert.equal((await launch(app, client, project.id, targetGroupId)).job.status, 'Completed');
      const { job } = await launch(app, client, project.id, targetGroupId);
      assertMatchesSpec('get_launch_fielding_run_from_draft_job', 200, job);
      assert.equal(job.status, 'Failed');
      assert.equal(job.failure_reason?.code, 'TargetGroupInvalidState');
      assert.match(String(job.failure_reason?.description), /live/);
      assert.equal(job.created_fielding_run_id, undefined);
      assert.match(String(job.job_trace_id), /^[0-9a-f]{32}$/);
      const runs = await app.inject({ method: 'GET', url: runsUrl(project.id, targetGroupId), headers: client.headers() });
      assert.equal(runs.json().data.length, 1);
    });

    it('an unknown target group is still 201; the job fails with TargetGroupNotFound', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const { job } = await launch(app, client, project.id, UNKNOWN_ID);
      assertMatchesSpec('get_launch_fielding_run_from_draft_job', 200, job);
      assert.equal(job.status, 'Failed');
      assert.equal(job.failure_reason?.code, 'TargetGroupNotFound');
      assert.equal(typeof job.failure_reason?.description, 'string');
    });

    it('a failed job is read only under the project and target group it was launched for', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const other = await createProject(app, client);
      const { location, job } = await launch(app, client, project.id, UNKNOWN_ID);
      assert.equal(job.status, 'Failed');
      const elsewhere = location.replace(project.id, other.id);
      const response = await app.inject({ method: 'GET', url: elsewhere, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
    });

    it('end_fielding_at in the past is 400 naming end_fielding_at', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const response = await app.inject({
        method: 'POST', url: launchUrl(project.id, targetGroupId),
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: '2020-01-01T00:00:00.000Z' },
      });
      assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'end_fielding_at' }] });
      const list = await app.inject({ method: 'GET', url: runsUrl(project.id, targetGroupId), headers: client.headers() });
      assert.deepEqual(list.json().data, []);
    });

    it('an end_fielding_at that is not a date-time is 400', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const response = await app.inject({
        method: 'POST', url: launchUrl(project.id, targetGroupId),
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: 'tomorrow' },
      });
      assertCintError(response, 400, 'bad_request_error', {
        invalid_params: [{ name: 'end_fielding_at', reason: "'end_fielding_at' must be a valid date-time." }],
      });
    });
  });

  describe('get_launch_fielding_run_from_draft_job', () => {
    it('an unknown job is 404 naming job_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const response = await app.inject({ method: 'GET', url: `${launchUrl(project.id, targetGroupId)}/${UNKNOWN_ID}`, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
    });

    it('a job read through another target group is 404 naming job_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const launched = await createTargetGroup(app, client, project.id);
      const other = await createTargetGroup(app, client, project.id);
      const { location } = await launch(app, client, project.id, launched);
      const jobId = location.split('/').at(-1);
      const response = await app.inject({ method: 'GET', url: `${launchUrl(project.id, other)}/${jobId}`, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
    });
  });

  describe('get_fielding_runs_by_target_group_id and get_fielding_run', () => {
    it('lists the target group\'s runs', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const response = await app.inject({ method: 'GET', url: runsUrl(run.projectId, run.targetGroupId), headers: client.headers() });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('get_fielding_runs_by_target_group_id', 200, body, true, response.headers);
      assert.deepEqual(body.data.map((item: { id: string }) => item.id), [run.runId]);
      assert.equal(body.data[0].status, 'live');
      assert.equal(body.has_more, false);
    });

    it('reads a run with its ETag', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const response = await read(client, run.runUrl);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('get_fielding_run', 200, body, true, response.headers);
      assert.match(String(response.headers.etag), /^W\/"[^"]+"$/);
      assert.equal(body.id, run.runId);
      assert.equal(body.status, 'live');
      assert.equal(body.version, 1);
      assert.match(body.last_changed_by, UUID);
    });

    it('an unknown run is 404 naming fielding_run_id', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      assertCintError(await read(client, `${runsUrl(run.projectId, run.targetGroupId)}/${UNKNOWN_ID}`), 404, 'not_found_error', {
        detail: 'fielding_run_id: the specified resource was not found',
      });
      assertCintError(await act(client, `${runsUrl(run.projectId, run.targetGroupId)}/${UNKNOWN_ID}`, 'pause', '*'), 404, 'not_found_error', {
        detail: 'fielding_run_id: the specified resource was not found',
      });
    });

    it('an unknown target group is 404 naming target_group_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const response = await app.inject({ method: 'GET', url: runsUrl(project.id, UNKNOWN_ID), headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    });
  });

  describe('the session clock', () => {
    it('a run whose end has passed by the session clock is paused, and its target group with it; no waiting', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client); // ends in futureDate()'s days
      const admin = (method: 'GET' | 'POST', payload?: unknown) => app.inject({ method, url: `/__admin/sessions/${client.clientId}/clock`, ...(payload ? { payload } : {}) });
      const before = (await admin('GET')).json();
      assert.equal(before.offset_ms, 0);
      const end = Date.parse((await read(client, run.runUrl)).json().end_fielding_at as string);

      const moved = await admin('POST', { set: new Date(end - 3_600_000).toISOString() });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal((await read(client, run.runUrl)).json().status, 'live', 'an hour before the end it is still live');
      assert.equal((await admin('POST', { advance: 'PT2H' })).statusCode, 200);
      const ended = await read(client, run.runUrl);
      assert.equal(ended.json().status, 'paused');
      assert.equal(ended.json().version, 2);
      assert.equal(ended.json().last_changed_at, new Date(end).toISOString(), 'paused at its end, not when the clock was read');
      assert.equal(ended.headers.etag, 'W/"2"');
      const group = await app.inject({ method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/projects/${run.projectId}/target-groups/${run.targetGroupId}/overview`, headers: client.headers() });
      assert.equal(group.json().status, 'paused');
      assertCintError(await act(client, run.runUrl, 'pause', 'W/"2"'), 422, 'invalid_state_error', {
        detail: 'Cannot pause a fielding run which is paused; pause needs a run that is live.',
      });
      assertCintError(await act(client, run.runUrl, 'resume', 'W/"2"'), 422, 'invalid_state_error', {
        detail: `Cannot resume a fielding run whose end date (${new Date(end).toISOString()}) has passed; a fielding run will only be resumed if its completes goal and end date have not yet been reached. Move its end date later (update_fielding_run) and resume it.`,
      });

      // A launch is checked against the session's clock too: a date in the real future may be its past.
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const launchAt = await app.inject({
        method: 'POST', url: launchUrl(project.id, targetGroupId), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }),
        payload: { end_fielding_at: new Date(end - 60_000).toISOString() },
      });
      assertCintError(launchAt, 400, 'bad_request_error', { invalid_params: [{ name: 'end_fielding_at' }] });

      assert.equal((await admin('POST', { reset: true })).json().offset_ms, 0);
      assertCintError(await admin('POST', { advance: 'one day' }), 400, 'bad_request_error', { invalid_params: [{ name: 'advance', reason: /ISO 8601 duration/ }] });
    });

    it('a paused run past its end cannot be resumed; the programmatic API moves the clock too', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const paused = await act(client, run.runUrl, 'pause', run.etag);
      assert.equal(paused.statusCode, 204);
      const { now } = controlOf(app).clock(client.clientId, { advance: 'P400D' });
      assert.ok(Date.parse(now) > Date.now() + 399 * 86_400_000);
      const ended = await read(client, run.runUrl);
      assert.equal(ended.json().status, 'paused', 'a paused run stays paused at its end date');
      assert.equal(ended.json().version, 2, 'its end is no new version: nothing about it changed');
      assertCintError(await act(client, run.runUrl, 'resume', String(ended.headers.etag)), 422, 'invalid_state_error', { detail: /^Cannot resume a fielding run whose end date \(.+\) has passed/ });
      assert.throws(() => controlOf(app).clock('no-such-session'), /no session named "no-such-session" yet/);
    });
  });

  describe('pause, resume and complete', () => {
    it('walks live -> paused -> live -> completed, each answering 204 with a new ETag', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      let etag = run.etag;
      const steps = [['pause', 'paused'], ['resume', 'live'], ['complete', 'completed']] as const;
      for (const [index, [action, status]] of steps.entries()) {
        const response = await act(client, run.runUrl, action, etag);
        assert.equal(response.statusCode, 204, `${action}: ${response.body}`);
        assert.equal(response.body, '');
        assertMatchesSpec(`${action}_fielding_run`, 204, undefined, true, response.headers);
        const next = String(response.headers.etag);
        assert.notEqual(next, etag);
        etag = next;
        const current = await read(client, run.runUrl);
        assert.equal(current.headers.etag, etag);
        assert.equal(current.json().status, status);
        assert.equal(current.json().version, index + 2);
        assertMatchesSpec('get_fielding_run', 200, current.json());
      }
    });

    it('the ETag is the run\'s version: If-Match built from `version` (5, "5" or W/"5") works, every change bumps both', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const first = await read(client, run.runUrl);
      assert.equal(first.json().version, 1);
      assert.equal(first.headers.etag, 'W/"1"');
      const paused = await act(client, run.runUrl, 'pause', String(first.json().version));
      assert.equal(paused.statusCode, 204, paused.body);
      assert.equal(paused.headers.etag, 'W/"2"');
      const resumed = await act(client, run.runUrl, 'resume', '"2"');
      assert.equal(resumed.statusCode, 204, resumed.body);
      assertCintError(await act(client, run.runUrl, 'pause', 'W/"2"'), 412, 'precondition_failed_error');

      // update_fielding_run (202) makes the next version too, and answers its ETag.
      const updated = await app.inject({
        method: 'PUT', url: run.runUrl, headers: client.headers({ 'if-match': 'W/"3"', 'idempotency-key': client.idempotencyKey() }),
        payload: { start_fielding_at: new Date().toISOString(), end_fielding_at: new Date(Date.now() + 86_400_000).toISOString() },
      });
      assert.equal(updated.statusCode, 202, updated.body);
      assert.equal(updated.headers.etag, 'W/"4"');
      const current = await read(client, run.runUrl);
      assert.equal(current.json().version, 4);
      assert.equal(current.headers.etag, 'W/"4"');
    });

    it('a paused run cannot be completed (the document\'s own error example): 422, and after a resume it can', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const paused = await act(client, run.runUrl, 'pause', run.etag);
      assert.equal(paused.statusCode, 204);
      assertCintError(await act(client, run.runUrl, 'complete', String(paused.headers.etag)), 422, 'invalid_state_error', {
        detail: 'Cannot complete a fielding run which is paused; complete needs a run that is live or scheduled.',
      });
      const resumed = await act(client, run.runUrl, 'resume', String(paused.headers.etag));
      assert.equal(resumed.statusCode, 204, resumed.body);
      const completed = await act(client, run.runUrl, 'complete', String(resumed.headers.etag));
      assert.equal(completed.statusCode, 204, completed.body);
    });

    it('pausing a paused run is 422 invalid_state_error saying why', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      assert.equal((await act(client, run.runUrl, 'pause', run.etag)).statusCode, 204);
      const body = assertCintError(await act(client, run.runUrl, 'pause', '*'), 422, 'invalid_state_error', {
        detail: 'Cannot pause a fielding run which is paused; pause needs a run that is live.',
      });
      assertMatchesSpec('pause_fielding_run', 422, body);
    });

    it('resuming a live run is 422 invalid_state_error saying why', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const body = assertCintError(await act(client, run.runUrl, 'resume', run.etag), 422, 'invalid_state_error', {
        detail: 'Cannot resume a fielding run which is live; resume needs a run that is paused.',
      });
      assertMatchesSpec('resume_fielding_run', 422, body);
      assert.equal((await read(client, run.runUrl)).headers.etag, run.etag);
    });

    it('completing a completed run is 422 invalid_state_error saying why', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      assert.equal((await act(client, run.runUrl, 'complete', run.etag)).statusCode, 204);
      const body = assertCintError(await act(client, run.runUrl, 'complete', '*'), 422, 'invalid_state_error', {
        detail: 'Cannot complete a fielding run which is completed; complete needs a run that is live or scheduled.',
      });
      assertMatchesSpec('complete_fielding_run', 422, body);
    });

    it('a stale If-Match is 412 precondition_failed_error and changes nothing', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const paused = await act(client, run.runUrl, 'pause', run.etag);
      assert.equal(paused.statusCode, 204);
      const body = assertCintError(await act(client, run.runUrl, 'resume', run.etag), 412, 'precondition_failed_error');
      assertMatchesSpec('resume_fielding_run', 412, body);
      const current = await read(client, run.runUrl);
      assert.equal(current.json().status, 'paused');
      assert.equal(current.headers.etag, paused.headers.etag);
    });

    it('a missing If-Match is 400 naming If-Match', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      for (const action of ['pause', 'resume', 'complete'] as const) {
        assertCintError(await act(client, run.runUrl, action), 400, 'bad_request_error', {
          invalid_params: [{ name: 'If-Match', reason: "'If-Match' is required." }],
        });
      }
      assert.equal((await read(client, run.runUrl)).json().status, 'live');
    });

    it('an ETag without its weak prefix still matches', async () => {
      const client = await clientOf(app);
      const run = await liveRun(app, client);
      const response = await act(client, run.runUrl, 'pause', run.etag.replace(/^W\//, ''));
      assert.equal(response.statusCode, 204, response.body);
    });
  });
});
