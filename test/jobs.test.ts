// Cint's asynchronous jobs over HTTP: Processing for the polls and time the instance, the session or a
// scenario rule asks, then Completed or Failed with a code the document names; batch jobs reporting
// each target group; the upload, removal and report jobs answering their own status words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { ConfigError, makeConfig } from '../src/config.js';
import { controlOf } from '../src/control.js';
import {
  ACCOUNT, MANAGER_ID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, liveRun, makeApp, startLaunch,
  targetGroupsUrl, type Client,
} from './helpers.js';
import { appWithScenarios, clientUsing } from './scenario-helpers.js';

const get = (app: MockApp, client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });

async function poll(app: MockApp, client: Client, location: string, operationId = 'get_launch_fielding_run_from_draft_job') {
  const response = await get(app, client, location);
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec(operationId, 200, response.json(), true, response.headers);
  return response.json();
}

describe('jobs', () => {
  describe('latency set for the instance (jobPolls, jobDuration)', () => {
    let app: MockApp;
    before(async () => { app = await makeApp({ jobPolls: 2 }); });
    after(() => app.close());

    it('a launch job answers Processing for two polls, with the target group still a draft, then Completed with its live run', async () => {
      const client = await clientOf(app);
      const { location, groupUrl } = await startLaunch(app, client);
      for (let i = 0; i < 2; i += 1) {
        const job = await poll(app, client, location);
        assert.equal(job.status, 'Processing');
        assert.deepEqual(Object.keys(job).sort(), ['created_at', 'created_by', 'job_id', 'status'], 'no run, no failure while it runs');
        assert.equal((await get(app, client, groupUrl)).statusCode, 200, 'the target group is still a draft');
      }
      const done = await poll(app, client, location);
      assert.equal(done.status, 'Completed');
      assert.ok(done.created_fielding_run_id);
      assert.equal((await get(app, client, groupUrl)).statusCode, 301, 'launched');
    });

    it('a session may set its own: no polls, or time on its clock that a test moves (admin API and programmatic API)', async () => {
      const client = await clientOf(app);
      await createProject(app, client);
      const set = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/jobs`, payload: { polls: 0, duration: 'PT1M' } });
      assert.equal(set.statusCode, 200, set.body);
      assert.deepEqual(set.json(), { session: client.clientId, polls: 0, duration: 'PT60S', source: 'session' });
      const { location } = await startLaunch(app, client);
      assert.equal((await poll(app, client, location)).status, 'Processing');
      assert.equal((await poll(app, client, location)).status, 'Processing');
      controlOf(app).clock(client.clientId, { advance: 'PT1M' });
      assert.equal((await poll(app, client, location)).status, 'Completed');

      assert.deepEqual(controlOf(app).jobs(client.clientId, { reset: true }), { polls: 2, duration: 'PT0S', source: 'instance' });
      assert.deepEqual(controlOf(app).jobs(client.clientId, { polls: 1 }), { polls: 1, duration: 'PT0S', source: 'session' });
      const next = await startLaunch(app, client);
      assert.equal((await poll(app, client, next.location)).status, 'Processing');
      assert.equal((await poll(app, client, next.location)).status, 'Completed');
    });

    it('a job whose time has come ends when the session next makes a request, polled or not', async () => {
      const client = await clientOf(app);
      await createProject(app, client);
      controlOf(app).jobs(client.clientId, { polls: 0, duration: 'PT10S' });
      const { groupUrl } = await startLaunch(app, client);
      assert.equal((await get(app, client, groupUrl)).statusCode, 200, 'still a draft');
      controlOf(app).clock(client.clientId, { advance: 'PT10S' });
      assert.equal((await get(app, client, groupUrl)).statusCode, 301, 'launched without a poll');
    });

    it('refuses a duration that is not one (400 naming it), and a session that has made no request (404)', async () => {
      const client = await clientOf(app);
      await createProject(app, client);
      assertCintError(await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/jobs`, payload: { duration: '10 seconds' } }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'duration' }],
      });
      assertCintError(await app.inject({ method: 'GET', url: '/__admin/sessions/nobody/jobs' }), 404, 'not_found_error');
    });

    it('jobDuration must be an ISO 8601 duration', () => {
      assert.equal(makeConfig({ jobDuration: 'PT2.5S' }).jobDuration, 'PT2.5S');
      assert.throws(() => makeConfig({ jobDuration: '5s' }, { jobDuration: 'CINT_MOCK_JOB_DURATION' }), (error: unknown) =>
        error instanceof ConfigError && /CINT_MOCK_JOB_DURATION \(jobDuration\)/.test(error.message));
    });
  });

  describe('scenario rules', () => {
    let app: MockApp;
    let close: () => Promise<void>;
    before(async () => {
      ({ app, close } = await appWithScenarios({
        'slow-jobs.yaml': {
          description: 'launches stay Processing for three polls; the second launch fails',
          rules: [
            { match: { operation: 'create_launch_fielding_run_from_draft_job' }, respond: [
              { job: { processing_polls: 3 }, times: 1 },
              { job: { processing_polls: 1, fail: 'TargetGroupInvalidState' }, times: 1 },
              { job: { fail: { code: 'TargetGroupNotFound', description: 'gone while we looked' } } },
            ] },
            { match: { operation: 'create_bulk_pause_target_groups_job' }, respond: { job: { fail: 'StatusTransitionNotAllowed' } } },
            { match: { operation: 'exclusion_create_remove_all_respondents_job' }, respond: { job: { processing_polls: 1, fail: 'JobExecutionStartMessageFailed' } } },
          ],
        },
      }));
    });
    after(() => close());

    it('holds a job in Processing for N polls, then ends it as its work goes; fails the next with the code and the document\'s description', async () => {
      const client = await clientUsing(app, 'slow-jobs');
      const first = await startLaunch(app, client);
      for (let i = 0; i < 3; i += 1) assert.equal((await poll(app, client, first.location)).status, 'Processing');
      assert.equal((await poll(app, client, first.location)).status, 'Completed');

      const second = await startLaunch(app, client);
      assert.equal((await poll(app, client, second.location)).status, 'Processing');
      const failed = await poll(app, client, second.location);
      assert.equal(failed.status, 'Failed');
      assert.deepEqual(failed.failure_reason, { code: 'TargetGroupInvalidState', description: 'The target group is not in a draft state and cannot be launched.' });
      assert.match(failed.job_trace_id, /^[0-9a-f]{32}$/);
      assert.equal(failed.created_fielding_run_id, undefined);
      assert.equal((await get(app, client, second.groupUrl)).statusCode, 200, 'a failed launch leaves the draft');

      const third = await poll(app, client, (await startLaunch(app, client)).location);
      assert.deepEqual(third.failure_reason, { code: 'TargetGroupNotFound', description: 'gone while we looked' });
    });

    /** A live run made without the scenario, then the session switched to it. */
    async function liveRunThenScenario() {
      const client = await clientUsing(app, null);
      const run = await liveRun(app, client);
      const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'slow-jobs' } });
      assert.equal(chosen.statusCode, 200, chosen.body);
      return { client, ...run };
    }

    it('a failed batch lists every target group as failed with the code', async () => {
      const { client, projectId, targetGroupId } = await liveRunThenScenario();
      const created = await app.inject({
        method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/batch-jobs/pause-fielding-runs-by-target-group-id`,
        headers: client.headers({ 'idempotency-key': 'pause-1' }), payload: { target_group_ids: [targetGroupId] },
      });
      const job = await poll(app, client, String(created.headers.location), 'get_bulk_pause_target_groups_job');
      assert.equal(job.status, 'Failed');
      assert.deepEqual(job.updated_target_groups, { data: [], has_more: false });
      assert.deepEqual(job.failed_target_groups.data, [{ target_group_id: targetGroupId, failure_reason: { code: 'StatusTransitionNotAllowed', description: 'Status transition is not allowed.' } }]);
    });

    it('an upload-style job (remove all exclusions) says Processing, then Failed with its code, in its own schema', async () => {
      const { client, projectId, targetGroupId } = await liveRunThenScenario();
      const created = await app.inject({
        method: 'POST', url: `${targetGroupsUrl(projectId)}/${targetGroupId}/exclusions/jobs/remove-all-respondents?entity_type=RSID`, headers: client.headers(),
      });
      assert.equal(created.statusCode, 201, created.body);
      // This job's id comes in the body (the document gives its 201 no Location).
      const location = `${targetGroupsUrl(projectId)}/${targetGroupId}/exclusions/jobs/remove-all-respondents/${created.json().job_id}`;
      const running = await poll(app, client, location, 'get_all_respondent_exclusions_removal_job');
      assert.equal(running.status, 'Processing');
      assert.equal(running.job_id, location.split('/').at(-1));
      assert.equal(running.failure_reason, undefined);
      assert.equal(running.completed_at, undefined);
      const failed = await poll(app, client, location, 'get_all_respondent_exclusions_removal_job');
      assert.equal(failed.status, 'Failed');
      assert.equal(failed.failure_reason.code, 'JobExecutionStartMessageFailed');
      assert.ok(failed.completed_at);
    });

    it('a scenario file with a job step on an operation that makes no job, or a code the document does not name, does not load', async () => {
      await assert.rejects(appWithScenarios({
        'bad.yaml': { description: 'x', rules: [
          { match: { operation: 'get_project_by_id' }, respond: { job: { processing_polls: 1 } } },
          { match: { operation: 'create_bulk_pause_target_groups_job' }, respond: { job: { fail: 'StatusTransitionNotAlowed' } } },
          { match: { operation: 'generate_report' }, respond: { job: { fail: 'JobExecutionStartMessageFailed' } } },
        ] },
      }), (error: Error) => {
        assert.match(error.message, /rules\[0\]\.respond\.job: expected a rule whose match names only operations that create jobs \(create_launch_fielding_run_from_draft_job, .*\), found a rule that also matches get_project_by_id/);
        assert.match(error.message, /rules\[1\]\.respond\.job\.fail: expected a failure code the document names for create_bulk_pause_target_groups_job: TargetGroupNotFound, StatusTransitionNotAllowed, found "StatusTransitionNotAlowed" \(did you mean "StatusTransitionNotAllowed"\?\)/);
        assert.match(error.message, /rules\[2\]\.respond\.job\.fail: expected no fail: the document names no failure for generate_report/);
        return true;
      });
    });
  });

  describe('batch jobs', () => {
    let app: MockApp;
    before(async () => { app = await makeApp(); });
    after(() => app.close());

    const batchUrl = (projectId: string, action: string) => `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/batch-jobs/${action}-fielding-runs-by-target-group-id`;
    async function runBatch(client: Client, projectId: string, action: string, ids: string[]) {
      const created = await app.inject({ method: 'POST', url: batchUrl(projectId, action), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { target_group_ids: ids } });
      assert.equal(created.statusCode, 201, created.body);
      assertMatchesSpec(`create_bulk_${action}_target_groups_job`, 201, undefined, true, created.headers);
      const location = String(created.headers.location);
      assert.match(location, new RegExp(`^${batchUrl(projectId, action)}/[0-9A-Z]{26}$`));
      const job = await poll(app, client, location, `get_bulk_${action}_target_groups_job`);
      assert.equal(job.status, 'Completed');
      return {
        updated: job.updated_target_groups.data.map((item: { target_group_id: string }) => item.target_group_id),
        failed: Object.fromEntries(job.failed_target_groups.data.map((item: { target_group_id: string; failure_reason: { code: string } }) => [item.target_group_id, item.failure_reason.code])),
      };
    }
    // A draft has no overview (Cint: "a draft Target Group overview will result in a Not Found error").
    const statusOf = async (client: Client, projectId: string, id: string) => {
      const overview = await get(app, client, `${targetGroupsUrl(projectId)}/${id}/overview`);
      return overview.statusCode === 404 && /is a draft/.test(overview.json().detail) ? 'draft' : overview.json().status as string;
    };

    /** A project with target groups in each state: draft, scheduled, live, paused, completed. */
    async function projectOfEveryState(client: Client) {
      const project = await createProject(app, client);
      const make = () => createTargetGroup(app, client, project.id);
      const draft = await make();
      const states: Record<string, string> = { draft };
      for (const status of ['scheduled', 'live', 'paused', 'completed']) {
        const id = await make();
        states[status] = id;
        const url = `${targetGroupsUrl(project.id)}/${id}/fielding-run-jobs/${status === 'scheduled' ? 'schedule' : 'launch'}-from-draft`;
        const payload = status === 'scheduled' ? { start_fielding_at: futureDate(1), end_fielding_at: futureDate(5) } : { end_fielding_at: futureDate(5) };
        await app.inject({ method: 'POST', url, headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload });
        if (status === 'paused' || status === 'completed') assert.equal((await runBatch(client, project.id, status === 'paused' ? 'pause' : 'complete', [id])).updated[0], id);
      }
      for (const [status, id] of Object.entries(states)) assert.equal(await statusOf(client, project.id, id), status);
      return { projectId: project.id, states };
    }

    const UNKNOWN = '01K40T69E63BHTT9MAJYRBQ8HY';
    const cases: [string, string[], Record<string, string>][] = [
      // action, the states it updates (moved or already there), the target state of each moved
      ['pause', ['live', 'paused'], { live: 'paused' }],
      ['resume', ['paused', 'live'], { paused: 'live' }],
      ['complete', ['scheduled', 'live', 'completed'], { scheduled: 'completed', live: 'completed' }],
      ['relaunch', ['completed', 'live'], { completed: 'live' }],
      ['launch', ['scheduled', 'live'], { scheduled: 'live' }],
    ];
    for (const [action, updates, moves] of cases) {
      it(`${action}: moves each target group it can, counts those already there as updated, lists the rest as failed with the reason`, async () => {
        const client = await clientOf(app);
        const { projectId, states } = await projectOfEveryState(client);
        const { updated, failed } = await runBatch(client, projectId, action, [...Object.values(states), UNKNOWN, states.live!]);
        assert.deepEqual(new Set(updated), new Set(updates.map((status) => states[status])));
        assert.equal(updated.length, updates.length, 'each target group once, though listed twice');
        const expectedFailed: Record<string, string> = { [UNKNOWN]: 'TargetGroupNotFound' };
        for (const [status, id] of Object.entries(states)) if (!updates.includes(status)) expectedFailed[id] = 'StatusTransitionNotAllowed';
        assert.deepEqual(failed, expectedFailed);
        for (const [status, id] of Object.entries(states)) {
          assert.equal(await statusOf(client, projectId, id), moves[status] ?? status, `the ${status} target group`);
        }
      });
    }

    it('replays the same job for the same Idempotency-Key; an unknown project is 404', async () => {
      const client = await clientOf(app);
      const { projectId, targetGroupId } = await liveRun(app, client);
      const send = () => app.inject({ method: 'POST', url: batchUrl(projectId, 'pause'), headers: client.headers({ 'idempotency-key': 'same' }), payload: { target_group_ids: [targetGroupId] } });
      const first = await send();
      const second = await send();
      assert.equal(second.statusCode, 201);
      assert.equal(second.headers.location, first.headers.location);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assertCintError(await app.inject({ method: 'POST', url: batchUrl(UNKNOWN, 'pause'), headers: client.headers({ 'idempotency-key': 'x' }), payload: { target_group_ids: [targetGroupId] } }),
        404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    });

    it('the project manager batch sets each listed target group\'s manager, with a changelog entry', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const id = await createTargetGroup(app, client, project.id);
      const manager = '0b4d1f2e-6f7a-4c1b-9a8e-2d3c4b5a6f70';
      const created = await app.inject({
        method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/projects/${project.id}/batch-jobs/update-target-group-project-managers`,
        headers: client.headers({ 'idempotency-key': 'pm' }), payload: { project_manager_id: manager, target_group_ids: [id, UNKNOWN] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const job = await poll(app, client, String(created.headers.location), 'get_bulk_update_target_group_project_manager_job');
      assert.equal(job.status, 'Completed');
      assert.equal(job.project_manager_id, manager);
      assert.deepEqual(job.updated_target_groups, { data: [{ target_group_id: id }], has_more: false });
      assert.equal(job.failed_target_groups.data[0].target_group_id, UNKNOWN);
      const group = await get(app, client, `${targetGroupsUrl(project.id)}/${id}`);
      assert.equal(group.json().project_manager_id, manager);
      assert.notEqual(manager, MANAGER_ID);
      const changelog = (await get(app, client, `${targetGroupsUrl(project.id)}/${id}/changelog`)).json().changelog;
      assert.equal(changelog[0].changes[0].object, 'project_manager_change');
    });
  });

  describe('report and exclusion jobs', () => {
    let app: MockApp;
    before(async () => { app = await makeApp({ jobPolls: 1 }); });
    after(() => app.close());

    it('report_status says in_progress, then completed', async () => {
      const client = await clientOf(app);
      const { id: projectId } = await createProject(app, client);
      const created = await app.inject({
        method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/reports/completes`, headers: client.headers(),
        // The client's own project, over the last 30 days (decisions 131 and 132).
        payload: { start_date: futureDate(-30).slice(0, 10), end_date: futureDate(0).slice(0, 10), filter: 'project', filter_ids: [projectId], email_recipients: ['b551326b-ac9d-4d32-8823-4f025787dab9'] },
      });
      assert.equal(created.statusCode, 202, created.body);
      const reportId = created.json().report_id;
      const status = () => poll(app, client, `/v1/demand/accounts/${ACCOUNT}/reports/${reportId}/status`, 'report_status');
      assert.equal((await status()).status, 'in_progress');
      assert.equal((await status()).status, 'completed');
    });

    it("an exclusions job says Processing, then Cint's word for success there, Success", async () => {
      const client = await clientOf(app);
      const { id: projectId } = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, projectId);
      const jobs = `${targetGroupsUrl(projectId)}/${targetGroupId}/exclusions/jobs/remove-all-respondents`;
      const created = await app.inject({ method: 'POST', url: `${jobs}?entity_type=RSID`, headers: client.headers() });
      const location = `${jobs}/${created.json().job_id}`;
      assert.equal((await poll(app, client, location, 'get_all_respondent_exclusions_removal_job')).status, 'Processing');
      const done = await poll(app, client, location, 'get_all_respondent_exclusions_removal_job');
      assert.equal(done.status, 'Success');
      assert.equal(done.failure_reason, undefined);
      assert.ok(done.completed_at);
    });
  });
});
