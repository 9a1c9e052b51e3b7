// compute_target_group_transitions over HTTP: the session's target groups of the project that the
// search string, filters and id lists select, and which batch actions that set allows now, by the
// lifecycle's own rules and the session's clock. Every answer is checked against the document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, makeApp, projectsUrl, runsUrl,
  targetGroupsUrl, type Client,
} from './helpers.js';

type State = 'draft' | 'scheduled' | 'live' | 'paused' | 'completed';

const FLAGS = {
  launch: 'is_launch_allowed', pause: 'is_pause_allowed', resume: 'is_resume_allowed', relaunch: 'is_relaunch_allowed', finish: 'is_finish_allowed',
} as const;
type Action = keyof typeof FLAGS;

const UNKNOWN = '01K40T69E63BHTT9MAJYRBQ8HY';

describe('compute_target_group_transitions', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const computeUrl = (projectId: string) => `${projectsUrl()}/${projectId}/compute-target-group-transitions`;
  const post = (client: Client, url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: client.headers(extra), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const advance = (client: Client, by: string) => app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: by } });

  /** The answer, checked against the document; its ids and the actions it allows, by name. */
  async function compute(client: Client, projectId: string, selection: Record<string, unknown> = {}) {
    const response = await post(client, computeUrl(projectId), selection);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assertMatchesSpec('compute_target_group_transitions', 200, body, true, response.headers);
    for (const flag of Object.values(FLAGS)) assert.equal(typeof body[flag], 'boolean', `${flag} in ${response.body}`);
    const allowed = (Object.keys(FLAGS) as Action[]).filter((action) => body[FLAGS[action]] === true);
    return { ids: body.target_groups as string[] | undefined, allowed, body };
  }

  /** A target group of the project brought to `state`; its run ends `endDays` from now. */
  async function targetGroupIn(client: Client, projectId: string, state: State, overrides: Record<string, unknown> = {}, endDays = 5) {
    const id = await createTargetGroup(app, client, projectId, overrides);
    if (state === 'draft') return id;
    const jobs = `${targetGroupsUrl(projectId)}/${id}/fielding-run-jobs`;
    const created = state === 'scheduled'
      ? await post(client, `${jobs}/schedule-from-draft`, { start_fielding_at: futureDate(1), end_fielding_at: futureDate(endDays) }, { 'idempotency-key': client.idempotencyKey() })
      : await post(client, `${jobs}/launch-from-draft`, { end_fielding_at: futureDate(endDays) }, { 'idempotency-key': client.idempotencyKey() });
    assert.equal(created.statusCode, 201, created.body);
    const job = (await app.inject({ method: 'GET', url: String(created.headers.location), headers: client.headers() })).json();
    assert.equal(job.status, 'Completed', JSON.stringify(job));
    if (state === 'paused' || state === 'completed') {
      const runUrl = `${runsUrl(projectId, id)}/${job.created_fielding_run_id}`;
      const run = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
      const moved = await post(client, `${runUrl}/${state === 'paused' ? 'pause' : 'complete'}`, undefined, { 'if-match': String(run.headers.etag) });
      assert.equal(moved.statusCode, 204, moved.body);
    }
    return id;
  }

  /** A project with one target group in each state, made oldest first in this order. */
  async function projectOfEveryState(client: Client) {
    const project = await createProject(app, client);
    const states = {} as Record<State, string>;
    for (const state of ['draft', 'scheduled', 'live', 'paused', 'completed'] as const) states[state] = await targetGroupIn(client, project.id, state);
    return { projectId: project.id, states };
  }

  it('each state allows what its lifecycle allows: launch or finish a scheduled one, pause or finish a live one, resume a paused one, relaunch a completed one, nothing for a draft', async () => {
    const client = await clientOf(app);
    const { projectId, states } = await projectOfEveryState(client);
    const expected: Record<State, Action[]> = {
      draft: [], scheduled: ['launch', 'finish'], live: ['pause', 'finish'], paused: ['resume'], completed: ['relaunch'],
    };
    for (const [state, id] of Object.entries(states) as [State, string][]) {
      const byId = await compute(client, projectId, { included_target_group_ids: [id] });
      assert.deepEqual(byId.ids, [id]);
      assert.deepEqual(byId.allowed, (Object.keys(FLAGS) as Action[]).filter((action) => expected[state].includes(action)), `a ${state} target group`);
      const byStatus = await compute(client, projectId, { filters: { status: [state] } });
      assert.deepEqual(byStatus.ids, [id]);
      assert.deepEqual(byStatus.allowed, byId.allowed, `filtered to ${state}`);
    }
  });

  it('a set allows an action only when its batch job would fail none of the set and move at least one', async () => {
    const client = await clientOf(app);
    const { projectId, states } = await projectOfEveryState(client);
    const allowedFor = async (...of: State[]) => (await compute(client, projectId, { included_target_group_ids: of.map((state) => states[state]) })).allowed;
    // A batch counts a target group already in its target state as updated: pausing a paused one, resuming a live one.
    assert.deepEqual(await allowedFor('live', 'paused'), ['pause', 'resume']);
    assert.deepEqual(await allowedFor('scheduled', 'live'), ['launch', 'finish']);
    assert.deepEqual(await allowedFor('live', 'completed'), ['relaunch', 'finish']);
    // A paused one cannot be finished (decision 47), nor a completed one resumed, nor a draft moved by any batch.
    assert.deepEqual(await allowedFor('paused', 'completed'), []);
    assert.deepEqual(await allowedFor('draft', 'live'), []);
    // Already there is allowed in a batch but moves nothing: not offered.
    assert.deepEqual(await allowedFor('live'), ['pause', 'finish']);

    const whole = await compute(client, projectId);
    assert.deepEqual(whole.ids, [states.completed, states.paused, states.live, states.scheduled, states.draft], 'the whole project, newest first');
    assert.deepEqual(whole.allowed, []);

    // What the answer allows, the batch job does without a failure.
    const { ids } = await compute(client, projectId, { filters: { status: ['live', 'paused'] } });
    const created = await post(client, `${projectsUrl()}/${projectId}/batch-jobs/pause-fielding-runs-by-target-group-id`, { target_group_ids: ids }, { 'idempotency-key': client.idempotencyKey() });
    assert.equal(created.statusCode, 201, created.body);
    const job = (await app.inject({ method: 'GET', url: String(created.headers.location), headers: client.headers() })).json();
    assert.equal(job.status, 'Completed');
    assert.deepEqual(job.failed_target_groups.data, []);
    assert.equal(job.updated_target_groups.data.length, 2);
    assert.deepEqual((await compute(client, projectId, { filters: { status: ['live', 'paused'] } })).allowed, ['resume']);
  });

  it("resume and relaunch only before the run's end, on the session's clock", async () => {
    const client = await clientOf(app);
    const { id: projectId } = await createProject(app, client);
    const paused = await targetGroupIn(client, projectId, 'paused', {}, 2);
    const completed = await targetGroupIn(client, projectId, 'completed', {}, 2);
    assert.deepEqual((await compute(client, projectId, { included_target_group_ids: [paused] })).allowed, ['resume']);
    assert.deepEqual((await compute(client, projectId, { included_target_group_ids: [completed] })).allowed, ['relaunch']);

    assert.equal((await advance(client, 'P3D')).statusCode, 200);
    // Past its end the paused run stays paused (decision 41): it is not resumed, nor the completed one relaunched.
    const stillPaused = await compute(client, projectId, { filters: { status: ['paused'] } });
    assert.deepEqual([stillPaused.ids, stillPaused.allowed], [[paused], []]);
    const stillCompleted = await compute(client, projectId, { filters: { status: ['completed'] } });
    assert.deepEqual([stillCompleted.ids, stillCompleted.allowed], [[completed], []]);
  });

  it('search_string, status, country and language select as get_list_target_groups does; an empty selection has no ids and allows nothing', async () => {
    const client = await clientOf(app);
    const { id: projectId } = await createProject(app, client);
    const usLive = await targetGroupIn(client, projectId, 'live', { locale: 'eng_us', name: 'Brand tracker US' });
    const gbLive = await targetGroupIn(client, projectId, 'live', { locale: 'eng_gb', name: 'Brand tracker GB' });
    const usDraft = await targetGroupIn(client, projectId, 'draft', { locale: 'spa_us', name: 'Concept test US' });
    const listed = (await app.inject({ method: 'GET', url: targetGroupsUrl(projectId), headers: client.headers() })).json().target_groups as { id: string; human_readable_id: string }[];
    const readableId = listed.find((group) => group.id === usDraft)!.human_readable_id;

    const idsOf = async (selection: Record<string, unknown>) => (await compute(client, projectId, selection)).ids;
    assert.deepEqual(await idsOf({ search_string: 'brand TRACK' }), [gbLive, usLive]);
    assert.deepEqual(await idsOf({ search_string: readableId.slice(1).toLowerCase() }), [usDraft]);
    assert.deepEqual(await idsOf({ filters: { status: ['draft', 'paused'] } }), [usDraft]);
    assert.deepEqual(await idsOf({ filters: { country: ['us'] } }), [usDraft, usLive]);
    assert.deepEqual(await idsOf({ filters: { language: ['eng'] } }), [gbLive, usLive]);
    assert.deepEqual(await idsOf({ filters: { country: ['gb', 'us'], language: ['spa'] } }), [usDraft]);
    assert.deepEqual(await idsOf({ search_string: 'tracker', filters: { country: ['us'], status: ['live'] } }), [usLive]);
    assert.deepEqual((await compute(client, projectId, { filters: { country: ['us'], status: ['live'] } })).allowed, ['pause', 'finish']);

    // A status list that names none matches none; so does a search that finds nothing.
    for (const selection of [{ filters: { status: [] } }, { search_string: 'no such name' }, { filters: { country: ['de'] } }]) {
      const empty = await compute(client, projectId, selection);
      assert.equal('target_groups' in empty.body, false, JSON.stringify(empty.body));
      assert.deepEqual(empty.allowed, [], JSON.stringify(selection));
    }
  });

  it('included_target_group_ids narrows the selection (the filters still hold), excluded_target_group_ids removes and wins over it', async () => {
    const client = await clientOf(app);
    const { projectId, states } = await projectOfEveryState(client);
    const otherProject = await createProject(app, client);
    const elsewhere = await targetGroupIn(client, otherProject.id, 'live');

    const idsOf = async (selection: Record<string, unknown>) => (await compute(client, projectId, selection)).ids;
    assert.deepEqual(await idsOf({ included_target_group_ids: [states.draft, states.live] }), [states.live, states.draft]);
    assert.deepEqual(await idsOf({ included_target_group_ids: [states.draft, states.live], filters: { status: ['live'] } }), [states.live]);
    assert.deepEqual(await idsOf({ included_target_group_ids: [states.live, UNKNOWN, elsewhere] }), [states.live], 'ids not of this project are not selected');
    assert.deepEqual(await idsOf({ excluded_target_group_ids: [states.draft, states.completed] }), [states.paused, states.live, states.scheduled]);
    assert.deepEqual(await idsOf({ included_target_group_ids: [states.live, states.paused], excluded_target_group_ids: [states.paused] }), [states.live]);
    const both = await compute(client, projectId, { included_target_group_ids: [states.live], excluded_target_group_ids: [states.live] });
    assert.equal(both.ids, undefined);
    assert.deepEqual(both.allowed, []);
    // The whole project allows nothing; excluding the draft, the paused and the completed one leaves a set two batches can take.
    assert.deepEqual((await compute(client, projectId, { excluded_target_group_ids: [states.draft, states.paused, states.completed] })).allowed, ['launch', 'finish']);
  });

  it("an unknown project is 404 naming project_id; another client's project and target groups never appear", async () => {
    const client = await clientOf(app);
    const other = await clientOf(app);
    const { id: projectId } = await createProject(app, client);
    const mine = await targetGroupIn(client, projectId, 'live');
    const { id: theirProject } = await createProject(app, other);
    const theirs = await targetGroupIn(other, theirProject, 'paused');

    assertCintError(await post(client, computeUrl(UNKNOWN), {}), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assertCintError(await post(client, computeUrl(theirProject), {}), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    const answer = await compute(client, projectId, { included_target_group_ids: [mine, theirs] });
    assert.deepEqual(answer.ids, [mine]);
    assert.deepEqual(answer.allowed, ['pause', 'finish']);
    assert.deepEqual((await compute(other, theirProject)).ids, [theirs]);
    assert.deepEqual((await compute(other, theirProject)).allowed, ['resume']);
  });
});
