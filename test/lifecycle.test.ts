// Cint's lifecycles over HTTP: schedule from draft, the clock taking a scheduled run live, launch now,
// relaunch, the date update, and each refusal with its status and envelope. Time is moved with the
// session's clock, never waited for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import {
  assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, liveRun, makeApp, runsUrl,
  targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';

const DAY = 86_400_000;

describe('fielding run lifecycles', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const post = (client: Client, url: string, ifMatch: string) => app.inject({ method: 'POST', url, headers: client.headers({ 'if-match': ifMatch }) });
  const advance = (client: Client, by: string) => app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: by } });

  /** A draft scheduled to start in `startDays` and end in `endDays`; the job's answer and, when it made one, the run. */
  async function schedule(client: Client, startDays = 1, endDays = 10, dates?: { start_fielding_at: string; end_fielding_at: string }) {
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
    const body = dates ?? { start_fielding_at: futureDate(startDays), end_fielding_at: futureDate(endDays) };
    const created = await app.inject({
      method: 'POST', url: `${groupUrl}/fielding-run-jobs/schedule-from-draft`,
      headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: body,
    });
    assert.equal(created.statusCode, 201, created.body);
    assertMatchesSpec('create_schedule_fielding_run_from_draft_job', 201, undefined, true, created.headers);
    const location = String(created.headers.location);
    assert.match(location, new RegExp(`^${groupUrl}/fielding-run-jobs/schedule-from-draft/[0-9A-Z]{26}$`));
    const jobAnswer = await get(client, location);
    assert.equal(jobAnswer.statusCode, 200, jobAnswer.body);
    assertMatchesSpec('get_schedule_fielding_run_from_draft_job', 200, jobAnswer.json(), true, jobAnswer.headers);
    const job = jobAnswer.json();
    const runUrl = job.created_fielding_run_id ? `${runsUrl(project.id, targetGroupId)}/${job.created_fielding_run_id}` : '';
    return { projectId: project.id, targetGroupId, groupUrl, job, runUrl, body };
  }

  async function runOf(client: Client, runUrl: string) {
    const response = await get(client, runUrl);
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_fielding_run', 200, response.json(), true, response.headers);
    return { run: response.json(), etag: String(response.headers.etag) };
  }

  describe('schedule from draft', () => {
    it('makes a scheduled run; the target group is scheduled, lives at its details (301) and goes live when the clock reaches the start', async () => {
      const client = await clientOf(app);
      const { job, runUrl, groupUrl, body } = await schedule(client);
      assert.equal(job.status, 'Completed');
      const { run } = await runOf(client, runUrl);
      assert.equal(run.status, 'scheduled');
      assert.equal(run.start_fielding_at, body.start_fielding_at);
      assert.equal(run.end_fielding_at, body.end_fielding_at);

      const draftRead = await get(client, groupUrl);
      assert.equal(draftRead.statusCode, 301);
      assert.equal(draftRead.headers.location, `${groupUrl}/details`);
      const details = await get(client, `${groupUrl}/details`);
      assert.equal(details.statusCode, 200, details.body);
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'scheduled');

      assert.equal((await advance(client, 'PT23H')).statusCode, 200);
      assert.equal((await runOf(client, runUrl)).run.status, 'scheduled');
      await advance(client, 'PT2H');
      const live = await runOf(client, runUrl);
      assert.equal(live.run.status, 'live');
      assert.equal(live.run.version, 2);
      assert.equal(live.etag, 'W/"2"');
      assert.equal(live.run.last_changed_at, body.start_fielding_at, 'it went live at its start, not when the clock was read');
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'live');
      const changelog = await get(client, `${groupUrl}/changelog`);
      const statuses = changelog.json().changelog.flatMap((entry: { changes: { object: string; new_value: unknown }[] }) =>
        entry.changes.filter((change) => change.object === 'status_change').map((change) => change.new_value));
      assert.deepEqual(statuses, ['live', 'scheduled']);
    });

    it('a start in the past fails the job with InvalidFieldingDates, and the target group stays a draft', async () => {
      const client = await clientOf(app);
      const { job, groupUrl } = await schedule(client, 0, 0, { start_fielding_at: new Date(Date.now() - 3_600_000).toISOString(), end_fielding_at: futureDate(5) });
      assert.equal(job.status, 'Failed');
      assert.equal(job.failure_reason.code, 'InvalidFieldingDates');
      assert.match(job.failure_reason.description, /^The provided start time is in the past/);
      assert.match(job.job_trace_id, /^[0-9a-f]{32}$/);
      assert.equal(job.created_fielding_run_id, undefined);
      assert.equal((await get(client, groupUrl)).statusCode, 200, 'still a draft');
    });

    it('an end before the start fails the job with InvalidFieldingDates', async () => {
      const client = await clientOf(app);
      const { job } = await schedule(client, 0, 0, { start_fielding_at: futureDate(5), end_fielding_at: futureDate(4) });
      assert.equal(job.status, 'Failed');
      assert.equal(job.failure_reason.code, 'InvalidFieldingDates');
      assert.match(job.failure_reason.description, /must be after the start time/);
    });

    it('a target group that is no longer a draft fails the job with TargetGroupInvalidState', async () => {
      const client = await clientOf(app);
      const { projectId, targetGroupId } = await schedule(client);
      const again = await app.inject({
        method: 'POST', url: `${targetGroupsUrl(projectId)}/${targetGroupId}/fielding-run-jobs/schedule-from-draft`,
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { start_fielding_at: futureDate(1), end_fielding_at: futureDate(3) },
      });
      const job = (await get(client, String(again.headers.location))).json();
      assert.equal(job.status, 'Failed');
      assert.equal(job.failure_reason.code, 'TargetGroupInvalidState');
    });

    it("a launch job's id is not found at the schedule job's path (404 naming job_id)", async () => {
      const client = await clientOf(app);
      const { projectId, targetGroupId } = await liveRun(app, client);
      const launchJobs = (await app.inject({ method: 'GET', url: '/__admin/sessions/' + client.clientId + '/journal?operation=get_launch_fielding_run_from_draft_job' })).json().entries;
      const launchJobId = String(launchJobs[0].path).split('/').at(-1);
      const wrong = await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}/fielding-run-jobs/schedule-from-draft/${launchJobId}`);
      assertCintError(wrong, 404, 'not_found_error', { detail: 'job_id: the specified resource was not found' });
    });
  });

  describe('launch now', () => {
    it('starts a scheduled run now, keeping its length: 200 with the new dates and the next version as ETag', async () => {
      const client = await clientOf(app);
      const { runUrl, body } = await schedule(client, 2, 9);
      const { etag } = await runOf(client, runUrl);
      const before = Date.now();
      const launched = await post(client, `${runUrl}/launch-now`, etag);
      assert.equal(launched.statusCode, 200, launched.body);
      assertMatchesSpec('launch_now_fielding_run', 200, launched.json(), true, launched.headers);
      assert.equal(launched.headers.etag, 'W/"2"');
      const { start_fielding_at: start, end_fielding_at: end } = launched.json();
      assert.ok(Date.parse(start) >= before - 1000 && Date.parse(start) <= Date.now() + 1000, `start ${start} is now`);
      assert.equal(Date.parse(end) - Date.parse(start), Date.parse(body.end_fielding_at) - Date.parse(body.start_fielding_at));
      const { run } = await runOf(client, runUrl);
      assert.deepEqual([run.status, run.start_fielding_at, run.end_fielding_at, run.version], ['live', start, end, 2]);
    });

    it('a run that is not scheduled is 422 invalid_state_error; a stale If-Match is 412', async () => {
      const client = await clientOf(app);
      const { runUrl, etag } = await liveRun(app, client);
      assertCintError(await post(client, `${runUrl}/launch-now`, etag), 422, 'invalid_state_error', {
        detail: 'Cannot launch now a fielding run which is live; launch now needs a run that is scheduled.',
      });
      assertCintError(await post(client, `${runUrl}/launch-now`, 'W/"99"'), 412, 'precondition_failed_error');
    });
  });

  describe('complete and relaunch', () => {
    it('completes a scheduled run; relaunches a completed one before its end date (204, new ETag), and it is live again', async () => {
      const client = await clientOf(app);
      const { runUrl } = await schedule(client);
      const completed = await post(client, `${runUrl}/complete`, (await runOf(client, runUrl)).etag);
      assert.equal(completed.statusCode, 204, completed.body);
      assert.equal((await runOf(client, runUrl)).run.status, 'completed');
      const relaunched = await post(client, `${runUrl}/relaunch`, String(completed.headers.etag));
      assert.equal(relaunched.statusCode, 204, relaunched.body);
      assert.equal(relaunched.headers.etag, 'W/"3"');
      assert.equal((await runOf(client, runUrl)).run.status, 'live');
    });

    it('relaunching a live run, or one whose end has passed, is 422 saying why', async () => {
      const client = await clientOf(app);
      const { runUrl, etag } = await liveRun(app, client);
      assertCintError(await post(client, `${runUrl}/relaunch`, etag), 422, 'invalid_state_error', {
        detail: 'Cannot relaunch a fielding run which is live; relaunch needs a run that is completed.',
      });
      assert.equal((await post(client, `${runUrl}/complete`, etag)).statusCode, 204);
      await advance(client, 'P40D');
      const ended = await runOf(client, runUrl);
      assert.equal(ended.run.status, 'completed');
      const refused = await post(client, `${runUrl}/relaunch`, ended.etag);
      assertCintError(refused, 422, 'invalid_state_error');
      assert.match(refused.json().detail, /^Cannot relaunch a fielding run whose end date \(.+\) has passed/);
    });

    it('complete_fielding_run on a completed run is 422', async () => {
      const client = await clientOf(app);
      const { runUrl, etag } = await liveRun(app, client);
      const completed = await post(client, `${runUrl}/complete`, etag);
      assertCintError(await post(client, `${runUrl}/complete`, String(completed.headers.etag)), 422, 'invalid_state_error', {
        detail: 'Cannot complete a fielding run which is completed; complete needs a run that is live or scheduled.',
      });
    });
  });

  describe('update_fielding_run', () => {
    const update = (client: Client, runUrl: string, ifMatch: string, payload: object) =>
      app.inject({ method: 'PUT', url: runUrl, headers: client.headers({ 'if-match': ifMatch }), payload });

    it('moves a scheduled run: 202 with its id and the next version; the clock starts and ends it by the new dates', async () => {
      const client = await clientOf(app);
      const { runUrl } = await schedule(client, 1, 10);
      const { run, etag } = await runOf(client, runUrl);
      const dates = { start_fielding_at: futureDate(3), end_fielding_at: futureDate(4) };
      const updated = await update(client, runUrl, etag, dates);
      assert.equal(updated.statusCode, 202, updated.body);
      assertMatchesSpec('update_fielding_run', 202, updated.json(), true, updated.headers);
      assert.deepEqual(updated.json(), { id: run.id });
      assert.equal(updated.headers.etag, 'W/"2"');
      const moved = (await runOf(client, runUrl)).run;
      assert.deepEqual([moved.start_fielding_at, moved.end_fielding_at, moved.version], [dates.start_fielding_at, dates.end_fielding_at, 2]);
      await advance(client, 'P2D');
      assert.equal((await runOf(client, runUrl)).run.status, 'scheduled', 'the old start no longer starts it');
      await advance(client, 'PT25H');
      const started = (await runOf(client, runUrl)).run;
      assert.equal(started.status, 'live');
      // Changes nobody asked for are no user's: the nil UUID, where the changelog says system_user.
      assert.deepEqual([started.last_changed_by, started.last_changed_at], ['00000000-0000-0000-0000-000000000000', dates.start_fielding_at]);
      await advance(client, 'P1D');
      const ended = (await runOf(client, runUrl)).run;
      assert.deepEqual([ended.status, ended.last_changed_by, ended.last_changed_at], ['paused', '00000000-0000-0000-0000-000000000000', dates.end_fielding_at]);
      assertMatchesSpec('get_fielding_run', 200, ended);
    });

    it("extends a live run's end, keeping its start; the old end no longer pauses it", async () => {
      const client = await clientOf(app);
      const { runUrl, etag } = await liveRun(app, client);
      const { run } = await runOf(client, runUrl);
      const newEnd = new Date(Date.parse(run.end_fielding_at) + 10 * DAY).toISOString();
      const updated = await update(client, runUrl, etag, { start_fielding_at: run.start_fielding_at, end_fielding_at: newEnd });
      assert.equal(updated.statusCode, 202, updated.body);
      await advance(client, 'P35D');
      const after35 = (await runOf(client, runUrl)).run;
      assert.deepEqual([after35.status, after35.start_fielding_at, after35.end_fielding_at], ['live', run.start_fielding_at, newEnd]);
      await advance(client, 'P10D');
      assert.equal((await runOf(client, runUrl)).run.status, 'paused');
    });

    it('refuses a start in the past, an end before the start and an end in the past (400 naming each), a completed run (422) and a stale If-Match (412)', async () => {
      const client = await clientOf(app);
      const { runUrl } = await schedule(client);
      const { etag } = await runOf(client, runUrl);
      assertCintError(await update(client, runUrl, etag, { start_fielding_at: '2020-01-01T00:00:00.000Z', end_fielding_at: futureDate(5) }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'start_fielding_at', reason: "'start_fielding_at' cannot be in the past." }],
      });
      assertCintError(await update(client, runUrl, etag, { start_fielding_at: futureDate(5), end_fielding_at: futureDate(4) }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'end_fielding_at', reason: "'end_fielding_at' must be after 'start_fielding_at'." }],
      });
      assertCintError(await update(client, runUrl, 'W/"7"', { start_fielding_at: futureDate(1), end_fielding_at: futureDate(4) }), 412, 'precondition_failed_error');
      const completed = await post(client, `${runUrl}/complete`, etag);
      assertCintError(await update(client, runUrl, String(completed.headers.etag), { start_fielding_at: futureDate(1), end_fielding_at: futureDate(4) }), 422, 'invalid_state_error', {
        detail: 'Cannot update the dates of a fielding run which is completed; relaunch it first.',
      });
      assert.equal((await runOf(client, runUrl)).run.version, 2, 'refusals change nothing');
    });
  });

  it("a client's own edits are stamped by the session's clock too: a draft updated two days on has that day in its changelog", async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
    await advance(client, 'P2D');
    const updated = await app.inject({ method: 'PUT', url: groupUrl, headers: client.headers(), payload: targetGroupBody({ name: 'Renamed on day two' }) });
    assert.equal(updated.statusCode, 204, updated.body);
    const entry = (await get(client, `${groupUrl}/changelog`)).json().changelog[0];
    assert.equal(entry.changes[0].object, 'name_change');
    const lag = Date.parse(entry.occurred_at) - Date.now();
    assert.ok(lag > 2 * DAY - 60_000 && lag <= 2 * DAY, `occurred_at ${entry.occurred_at} is two days on`);
  });

  it('the walk a client built from the document makes: draft -> schedule -> live (clock) -> pause -> resume -> complete, through the programmatic clock', async () => {
    const client = await clientOf(app);
    const mock = controlOf(app);
    const { runUrl, groupUrl } = await schedule(client, 1, 20);
    mock.clock(client.clientId, { advance: 'P1DT1H' });
    let { run } = await runOf(client, runUrl);
    assert.equal(run.status, 'live');
    for (const [action, status] of [['pause', 'paused'], ['resume', 'live'], ['complete', 'completed']] as const) {
      const answer = await post(client, `${runUrl}/${action}`, String(run.version));
      assert.equal(answer.statusCode, 204, `${action}: ${answer.body}`);
      const read = await runOf(client, runUrl);
      run = read.run;
      assert.equal(run.status, status);
      assert.equal(read.etag, `W/"${run.version}"`);
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, status);
    }
  });
});
