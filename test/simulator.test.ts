// The fielding simulator over HTTP: a live run's statistics, overview, performance, completes by
// interval and quota fills grow as the session's clock moves; the same seed and the same clock moves
// give the same numbers; a run that reaches its goal completes and is not resumed or relaunched; the
// rates are the session's (admin API, programmatic API) and the instance's (config).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import {
  assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launch, makeApp, projectsUrl, runsUrl,
  targetGroupsUrl, type Client,
  advanceClock, setFielding as putFielding, QUOTA_PROFILING,
} from './helpers.js';

/** Overrides of Cint's example target group without its profiles (undefined is left out of the JSON): its fill is the target group's alone. */
const plainBody = (overrides: Record<string, unknown> = {}) => ({ profiling: undefined, ...overrides });

interface Performance { entrants: number; prescreens: number; completes: number; incidence_rate: number; conversion_rate: number; drop_off_rate: number; first_complete?: string; last_complete?: string; respondent_analysis: { live: { status: string; count: number }[] } }

describe('fielding simulator', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const advance = (client: Client, by: string) => advanceClock(app, client, by);
  const setFielding = (client: Client, settings: Record<string, unknown>) => putFielding(app, client, settings);

  /** A client whose session exists (the admin API needs one), with its fielding settings, and a launched target group. */
  async function fielding(settings: Record<string, unknown> | null, body: Record<string, unknown> = plainBody(), client?: Client) {
    const own = client ?? await clientOf(app);
    const project = await createProject(app, own);
    if (settings) await setFielding(own, settings);
    const targetGroupId = await createTargetGroup(app, own, project.id, body);
    const { job } = await launch(app, own, project.id, targetGroupId);
    assert.equal(job.status, 'Completed', JSON.stringify(job));
    const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
    const runUrl = `${runsUrl(project.id, targetGroupId)}/${job.created_fielding_run_id}`;
    return { client: own, projectId: project.id, targetGroupId, groupUrl, runUrl };
  }

  async function performance(client: Client, groupUrl: string): Promise<Performance> {
    const answer = await get(client, `${groupUrl}/performance`);
    assert.equal(answer.statusCode, 200, answer.body);
    assertMatchesSpec('get_target_group_performance', 200, answer.json());
    return answer.json();
  }

  async function intervals(client: Client, groupUrl: string, interval?: string) {
    const answer = await get(client, `${groupUrl}/completes-aggregated-by-interval${interval ? `?aggregation_interval=${interval}` : ''}`);
    assert.equal(answer.statusCode, 200, answer.body);
    assertMatchesSpec('get_target_group_completes_aggregated_by_interval', 200, answer.json());
    return answer.json().aggregated_completes_intervals as { timestamp: string; count: number }[];
  }

  const counts = (numbers: Performance) => ({
    entrants: numbers.entrants, prescreens: numbers.prescreens, completes: numbers.completes,
    incidence_rate: numbers.incidence_rate, conversion_rate: numbers.conversion_rate, drop_off_rate: numbers.drop_off_rate,
    analysis: numbers.respondent_analysis.live.map(({ status, count }) => `${status}:${count}`),
  });

  describe('a live run fills as the clock moves', () => {
    it('grows the performance, overview, progress in the lists, project statistics and completes by interval, all agreeing', async () => {
      const { client, projectId, groupUrl } = await fielding({ starts_per_hour: 20, seed: 'grows' });
      const start = await performance(client, groupUrl);
      assert.deepEqual([start.entrants, start.completes], [0, 0], 'nothing before the first hour has passed');
      assert.equal(start.first_complete, undefined);

      await advance(client, 'P1D');
      const day = await performance(client, groupUrl);
      await advance(client, 'P2D');
      const days = await performance(client, groupUrl);
      assert.ok(day.entrants > 300 && day.entrants < 660, `about 480 starts in a day at 20 an hour, got ${day.entrants}`);
      assert.ok(day.completes > 0 && days.completes > day.completes, `${day.completes} then ${days.completes}`);
      assert.ok(days.entrants > day.entrants && days.prescreens > day.prescreens);
      // Every start is accounted for once: completes, terminates, over quota, drop-offs.
      assert.equal(days.respondent_analysis.live.reduce((sum, { count }) => sum + count, 0), days.entrants);
      assert.equal(days.prescreens, days.entrants - days.respondent_analysis.live.find(({ status }) => status === 'Overquota')!.count);
      assert.ok(days.incidence_rate > 0.2 && days.incidence_rate < 0.55, `complete 0.3 / (0.3 + 0.5 screened out), got ${days.incidence_rate}`);
      assert.ok(days.first_complete! <= days.last_complete!);

      const overview = await get(client, `${groupUrl}/overview`);
      assert.equal(overview.statusCode, 200, overview.body);
      assertMatchesSpec('get_target_group_overview', 200, overview.json());
      assert.deepEqual(overview.json().progress, { current_completes: days.completes, current_prescreens: days.prescreens, filling_goal: 1500, filling_strategy: 'completes' });
      assert.equal(overview.json().incidence_rate, days.incidence_rate);
      assert.equal(overview.json().current_cost.value, (2.7352 * days.completes).toFixed(4));

      const byId = await get(client, `/v1/demand/target-groups/${groupUrl.split('/').at(-1)}/overview`);
      assertMatchesSpec('get_target_group_overview_by_target_group_id', 200, byId.json());
      assert.equal(byId.json().progress.current_completes, days.completes);

      const list = await get(client, targetGroupsUrl(projectId));
      assertMatchesSpec('get_list_target_groups', 200, list.json());
      assert.equal(list.json().target_groups[0].statistics.progress.value.current_completes, days.completes);

      const projectOverview = await get(client, `${projectsUrl()}/${projectId}/overview`);
      assertMatchesSpec('project_overview', 200, projectOverview.json());
      assert.equal(projectOverview.json().statistics.current_completes, days.completes);
      assert.equal(projectOverview.json().statistics.current_prescreens, days.prescreens);
      assert.equal(projectOverview.json().statistics.incidence_rate_median, days.incidence_rate);
      const projects = await get(client, projectsUrl());
      assertMatchesSpec('list_account_projects', 200, projects.json());
      assert.equal(projects.json().projects[0].statistics.current_completes, days.completes);

      // The run's whole fielding period (30 days): the completes by the end of each interval, the intervals to come with 0.
      const daily = await intervals(client, groupUrl);
      assert.equal(daily.length, 30, JSON.stringify(daily));
      assert.equal(daily[3]!.count, days.completes, 'the interval under way has every complete so far');
      assert.ok(daily[0]!.count > 0 && daily[0]!.count < daily[1]!.count && daily[1]!.count < daily[2]!.count && daily[2]!.count <= daily[3]!.count, JSON.stringify(daily));
      assert.ok(daily.slice(4).every(({ count }) => count === 0), JSON.stringify(daily));
      assert.equal(Date.parse(daily[1]!.timestamp) - Date.parse(daily[0]!.timestamp), 86_400_000);
      const sixHours = await intervals(client, groupUrl, 'PT6H');
      assert.equal(sixHours.length, 120);
      assert.equal(sixHours[12]!.count, days.completes);
      assert.equal(sixHours[3]!.count, daily[0]!.count);
    });

    it('a run is paused at its end date (past_scheduled_end_date) with its last respondents; moved later and resumed, it fills again', async () => {
      // 20 starts an hour: about 4,300 completes in its 30 days, under a goal of 10,000.
      const { client, groupUrl, runUrl } = await fielding({ starts_per_hour: 20, seed: 'extended' }, plainBody({ completes_goal: 10_000 }));
      const { end_fielding_at: end, start_fielding_at: start } = (await get(client, runUrl)).json();
      // The run is 30 days less the few milliseconds launch took: its last tick is an hour less those.
      const setClock = (at: number) => app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { set: new Date(at).toISOString() } });
      assert.equal((await setClock(Date.parse(end) - 1_800_000)).statusCode, 200);
      const beforeEnd = await performance(client, groupUrl);
      assert.equal((await setClock(Date.parse(end) + 86_400_000)).statusCode, 200);
      const expired = await get(client, runUrl);
      assert.deepEqual([expired.json().status, expired.json().last_changed_at, expired.json().version], ['paused', end, 2]);
      const atEnd = await performance(client, groupUrl);
      assert.ok(atEnd.entrants > beforeEnd.entrants, `the respondents of its last, partial tick are counted at its end: ${beforeEnd.entrants} then ${atEnd.entrants}`);
      assert.ok(atEnd.last_complete! <= end, `no complete after the end: ${atEnd.last_complete}`);
      const daily = await intervals(client, groupUrl);
      assert.equal(daily.at(-1)!.count, atEnd.completes, JSON.stringify(daily.slice(-3)));
      const changelog = (await get(client, `${groupUrl}/changelog`)).json().changelog;
      assert.deepEqual(changelog[0].changes, [{ object: 'status_change', new_value: 'paused', old_value: 'live', reason_code: 'past_scheduled_end_date' }]);
      assert.deepEqual([changelog[0].occurred_at, changelog[0].user], [end, { type: 'system_user' }]);
      await advance(client, 'P1D');
      assert.deepEqual(counts(await performance(client, groupUrl)), counts(atEnd), 'nothing after the end');
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'paused');

      // Cint's way to extend an expired target group: a later end date on the paused run, then resume it.
      const newEnd = futureDate(60);
      const moved = await app.inject({
        method: 'PUT', url: runUrl, headers: client.headers({ 'if-match': String(expired.headers.etag) }),
        payload: { start_fielding_at: start, end_fielding_at: newEnd },
      });
      assert.equal(moved.statusCode, 202, moved.body);
      const resumed = await app.inject({ method: 'POST', url: `${runUrl}/resume`, headers: client.headers({ 'if-match': String(moved.headers.etag) }) });
      assert.equal(resumed.statusCode, 204, resumed.body);
      const live = (await get(client, runUrl)).json();
      assert.deepEqual([live.status, live.start_fielding_at, live.end_fielding_at, live.version], ['live', start, newEnd, 4]);
      await advance(client, 'P1D');
      const extended = await performance(client, groupUrl);
      assert.ok(extended.entrants > atEnd.entrants + 300, `about 480 more starts in a day at 20 an hour: ${atEnd.entrants} then ${extended.entrants}`);
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'live');
    });

    it('a paused run does not fill; resumed, it fills again; a scheduled run starts filling at its start', async () => {
      const { client, groupUrl, runUrl } = await fielding({ starts_per_hour: 30 });
      await advance(client, 'PT5H');
      const etag = String((await get(client, runUrl)).headers.etag);
      const paused = await app.inject({ method: 'POST', url: `${runUrl}/pause`, headers: client.headers({ 'if-match': etag }) });
      assert.equal(paused.statusCode, 204, paused.body);
      const atPause = await performance(client, groupUrl);
      await advance(client, 'P2D');
      assert.deepEqual(counts(await performance(client, groupUrl)), counts(atPause), 'nothing while paused');
      const resumed = await app.inject({ method: 'POST', url: `${runUrl}/resume`, headers: client.headers({ 'if-match': String(paused.headers.etag) }) });
      assert.equal(resumed.statusCode, 204, resumed.body);
      await advance(client, 'PT6H');
      assert.ok((await performance(client, groupUrl)).entrants > atPause.entrants);

      const later = await clientOf(app);
      const project = await createProject(app, later);
      await setFielding(later, { starts_per_hour: 30 });
      const scheduledGroup = await createTargetGroup(app, later, project.id, plainBody());
      const scheduledUrl = `${targetGroupsUrl(project.id)}/${scheduledGroup}`;
      const start = futureDate(1);
      const scheduled = await app.inject({
        method: 'POST', url: `${scheduledUrl}/fielding-run-jobs/schedule-from-draft`, headers: later.headers({ 'idempotency-key': later.idempotencyKey() }),
        // Exactly 19 days apart: two futureDate() calls a millisecond apart would make a 20th interval.
        payload: { start_fielding_at: start, end_fielding_at: new Date(Date.parse(start) + 19 * 86_400_000).toISOString() },
      });
      assert.equal(scheduled.statusCode, 201, scheduled.body);
      await advance(later, 'PT12H');
      assert.equal((await performance(later, scheduledUrl)).entrants, 0, 'not before its start');
      assert.deepEqual(await intervals(later, scheduledUrl), [], 'none before it fields');
      await advance(later, 'P1D');
      assert.ok((await performance(later, scheduledUrl)).entrants > 0);
      assert.equal((await intervals(later, scheduledUrl)).length, 19, 'its fielding period, from its start');
    });

    it('fills each quota to its goal and no further; quota fills read in list_profiles and arrive as quota-fill-registered and session-updated events', async () => {
      const { client, groupUrl, targetGroupId } = await fielding({ starts_per_hour: 40, complete: 0.9, screen_out: 0.05, over_quota: 0, seed: 3 },
        plainBody({ completes_goal: 400, profiling: QUOTA_PROFILING }));
      await advance(client, 'P2D');
      const profiles = await get(client, `${groupUrl}/profiles`);
      assert.equal(profiles.statusCode, 200, profiles.body);
      assertMatchesSpec('list_profiles', 200, profiles.json());
      const [men, women] = profiles.json().profiles[0].targets as { id: string; quota: { completes: number; prescreens: number; completes_goal: number } }[];
      assert.deepEqual([men!.quota.completes, women!.quota.completes], [10, 30], 'both quotas full, none over');
      assert.ok(men!.quota.prescreens >= 10 && women!.quota.prescreens >= 30);
      const numbers = await performance(client, groupUrl);
      assert.equal(numbers.completes, 40, 'every complete is in one quota of the profile');
      assert.ok(numbers.respondent_analysis.live.find(({ status }) => status === 'Overquota')!.count > 0, 'full quotas turn respondents away');
      const profile = await get(client, `${groupUrl}/profiles/${profiles.json().profiles[0].id}`);
      assertMatchesSpec('get_profile', 200, profile.json());
      assert.equal(profile.json().targets[1].quota.completes, 30);

      // The events seam the webhooks deliver from (sessions/events.ts): bounded, one per quota that moved per step.
      const events = app.mock.sessions.find(client.clientId)!.events;
      const fills = events.filter((event) => event.type === 'quota-fill-registered' && event.payload.quota_id === women!.id);
      assert.ok(fills.length > 0);
      const last = fills.at(-1)!.payload;
      assert.equal(last.target_group_id, targetGroupId);
      assert.equal(last.completes, 30);
      assert.equal(last.completes_goal, 30);
      assert.equal(fills.reduce((sum, event) => sum + Number(event.payload.completes_added), 0), 30);
      const updates = events.filter((event) => event.type === 'session-updated' && event.payload.target_group_id === targetGroupId);
      assert.ok(updates.length > 0 && updates.length <= 48, `at most one per hourly tick, got ${updates.length}`);
      assert.equal(updates.reduce((sum, event) => sum + Number((event.payload.respondents as { started: number }).started), 0), numbers.entrants);
    });
  });

  describe('reproducible with a seed', () => {
    it('the same seed, requests and clock moves give the same numbers; another seed others; one jump or three give the same', async () => {
      const steps = async (seed: unknown, moves: string[]) => {
        const run = await fielding({ starts_per_hour: 12, seed }, plainBody({ profiling: QUOTA_PROFILING, completes_goal: 1000 }));
        for (const by of moves) await advance(run.client, by);
        const profiles = (await get(run.client, `${run.groupUrl}/profiles`)).json().profiles[0].targets.map((target: { quota: unknown }) => target.quota);
        return { numbers: counts(await performance(run.client, run.groupUrl)), daily: (await intervals(run.client, run.groupUrl)).map(({ count }) => count), profiles };
      };
      const first = await steps(42, ['P3D']);
      assert.ok(first.numbers.completes > 0);
      assert.deepEqual(await steps(42, ['P3D']), first);
      assert.deepEqual(await steps(42, ['P1D', 'P1D', 'PT23H', 'PT1H']), first, 'settling often changes nothing');
      assert.notDeepEqual((await steps(43, ['P3D'])).numbers, first.numbers);
    });

    it('without a seed, a session is seeded by its name: two clients using the same X-Mock-Session name get the same numbers', async () => {
      const name = `seeded-${Math.random().toString(36).slice(2)}`;
      const numbersOf = async () => {
        const client = await clientOf(app);
        const named = { ...client, headers: (extra: Record<string, string> = {}) => client.headers({ 'x-mock-session': name, ...extra }) };
        const run = await fielding(null, plainBody(), named);
        const session = app.mock.sessions.find(name, client.clientId)!;
        controlOf(app).clock(name, { advance: 'P2D' }, client.clientId);
        assert.equal(controlOf(app).fielding(name, undefined, client.clientId).seed, name);
        assert.ok(session.fills.size === 1);
        return counts(await performance(named, run.groupUrl));
      };
      const first = await numbersOf();
      assert.ok(first.entrants > 0, 'the default rate fills slowly, but it fills');
      assert.deepEqual(await numbersOf(), first);
    });
  });

  describe('the completes goal', () => {
    it('a run that reaches its goal completes (total_completes_reached), stops at the goal, and is refused a relaunch until the goal is raised', async () => {
      const { client, groupUrl, runUrl } = await fielding({ starts_per_hour: 100, complete: 0.5, screen_out: 0.3, seed: 9 }, plainBody({ completes_goal: 25 }));
      await advance(client, 'P1D');
      const run = await get(client, runUrl);
      assert.equal(run.json().status, 'completed');
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'completed');
      const numbers = await performance(client, groupUrl);
      assert.equal(numbers.completes, 25, 'no more than the goal');
      assert.ok(Date.parse(run.json().last_changed_at) <= Date.parse(numbers.last_complete!) + 1, 'completed when the goal was reached');
      assert.ok(Date.parse(run.json().last_changed_at) < Date.now() + 86_400_000 - 3_600_000, 'not at the clock, at the tick that reached the goal');
      const changelog = await get(client, `${groupUrl}/changelog`);
      assertMatchesSpec('get_target_group_changelog', 200, changelog.json());
      const change = changelog.json().changelog[0].changes[0];
      assert.deepEqual(change, { object: 'status_change', new_value: 'completed', old_value: 'live', reason_code: 'total_completes_reached' });

      await advance(client, 'P1D');
      assert.equal((await performance(client, groupUrl)).entrants, numbers.entrants, 'a completed run fills no more');
      const refused = await app.inject({ method: 'POST', url: `${runUrl}/relaunch`, headers: client.headers({ 'if-match': String(run.headers.etag) }) });
      assertCintError(refused, 422, 'invalid_state_error', {
        detail: 'Cannot relaunch a fielding run whose completes goal (25) has been reached; a fielding run will only be relaunched if its completes goal and end date have not yet been reached.',
      });

      const raised = await app.inject({ method: 'PUT', url: `${groupUrl}/profiles/completes-goal`, headers: client.headers(), payload: { completes_goal: 60 } });
      assert.equal(raised.statusCode, 200, raised.body);
      assertMatchesSpec('update_profile_filling_goal', 200, raised.json());
      assert.equal(raised.json().completes_goal, 60);
      const relaunched = await app.inject({ method: 'POST', url: `${runUrl}/relaunch`, headers: client.headers({ 'if-match': String(run.headers.etag) }) });
      assert.equal(relaunched.statusCode, 204, relaunched.body);
      await advance(client, 'P1D');
      assert.equal((await performance(client, groupUrl)).completes, 60);
      assert.equal((await get(client, runUrl)).json().status, 'completed');
    });

    it('a paused run whose goal is lowered under its completes is refused a resume with Cint\'s wording; a live one completes at once', async () => {
      const { client, groupUrl, runUrl } = await fielding({ starts_per_hour: 60, seed: 5 });
      await advance(client, 'PT10H');
      const { completes } = await performance(client, groupUrl);
      assert.ok(completes > 2, `${completes}`);
      const etag = String((await get(client, runUrl)).headers.etag);
      const paused = await app.inject({ method: 'POST', url: `${runUrl}/pause`, headers: client.headers({ 'if-match': etag }) });
      assert.equal(paused.statusCode, 204);
      const lowered = await app.inject({ method: 'PUT', url: `${groupUrl}/profiles/completes-goal`, headers: client.headers(), payload: { completes_goal: completes } });
      assert.equal(lowered.statusCode, 200, lowered.body);
      const refused = await app.inject({ method: 'POST', url: `${runUrl}/resume`, headers: client.headers({ 'if-match': String(paused.headers.etag) }) });
      assertCintError(refused, 422, 'invalid_state_error', {
        detail: `Cannot resume a fielding run whose completes goal (${completes}) has been reached; a fielding run will only be resumed if its completes goal and end date have not yet been reached.`,
      });

      const live = await fielding({ starts_per_hour: 60, seed: 5 });
      await advance(live.client, 'PT10H');
      const made = (await performance(live.client, live.groupUrl)).completes;
      await app.inject({ method: 'PUT', url: `${live.groupUrl}/profiles/completes-goal`, headers: live.client.headers(), payload: { completes_goal: made } });
      assert.equal((await get(live.client, live.runUrl)).json().status, 'completed');
    });
  });

  describe('live respondent unique codes', () => {
    const codes = (count: number, from = 0) => Array.from({ length: count }, (_, n) => `code-${from + n}`);
    const CODED_URL = 'https://survey.example.com/s?id=[%RESPONDENT_UNIQUE_CODE%]&rid=[%RID%]';
    const poolUrl = (targetGroupId: string, pool = 'live') => `/v1/demand/accounts/101/target-groups/${targetGroupId}/respondent-unique-codes/${pool}`;
    async function upload(client: Client, targetGroupId: string, values: string[], pool = 'live'): Promise<number> {
      const answer = await app.inject({ method: 'POST', url: poolUrl(targetGroupId, pool), headers: client.headers(), payload: { respondent_unique_codes: values } });
      assert.equal(answer.statusCode, 200, answer.body);
      return answer.json().uploaded_count as number;
    }
    async function stats(client: Client, targetGroupId: string, pool = 'live') {
      const answer = await get(client, `${poolUrl(targetGroupId, pool)}/stats`);
      assertMatchesSpec(`get_${pool}_respondent_unique_codes_stats`, 200, answer.json());
      return answer.json() as { total_count: number; unconsumed_count: number };
    }
    /** A coded target group made and given `count` live codes (and as many test codes) before its launch. */
    async function coded(count: number, liveUrl = CODED_URL) {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      await setFielding(client, { starts_per_hour: 20, complete: 0.4, screen_out: 0.3, over_quota: 0.1, seed: 'codes' });
      const targetGroupId = await createTargetGroup(app, client, project.id, plainBody({ live_url: liveUrl }));
      assert.equal(await upload(client, targetGroupId, codes(count)), count);
      assert.equal(await upload(client, targetGroupId, codes(count), 'test'), count);
      const { job } = await launch(app, client, project.id, targetGroupId);
      const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
      return { client, targetGroupId, groupUrl, runUrl: `${runsUrl(project.id, targetGroupId)}/${job.created_fielding_run_id}` };
    }

    it('each respondent sent to the survey takes a live code; when they run out the run pauses (live_respondent_unique_codes_exhausted)', async () => {
      const { client, targetGroupId, groupUrl, runUrl } = await coded(50);
      await advance(client, 'PT1H');
      const hour = await performance(client, groupUrl);
      assert.ok(hour.prescreens > 0 && hour.prescreens < 50, `${hour.prescreens} sent in the first hour`);
      assert.deepEqual(await stats(client, targetGroupId), { total_count: 50, unconsumed_count: 50 - hour.prescreens });

      await advance(client, 'P1D');
      const run = await get(client, runUrl);
      assert.equal(run.json().status, 'paused');
      assert.equal((await get(client, `${groupUrl}/overview`)).json().status, 'paused');
      const numbers = await performance(client, groupUrl);
      assert.equal(numbers.prescreens, 50, 'one code for each respondent sent, and nobody sent without one');
      assert.equal(numbers.respondent_analysis.live.reduce((sum, { count }) => sum + count, 0), numbers.entrants, 'every start accounted for');
      assert.deepEqual(await stats(client, targetGroupId), { total_count: 50, unconsumed_count: 0 });
      assert.deepEqual(await stats(client, targetGroupId, 'test'), { total_count: 50, unconsumed_count: 50 }, 'the test pool is the test URL\'s');
      const counted = app.mock.sessions.find(client.clientId)!;
      const consumedPool = counted.singletons.get(poolUrl(targetGroupId))!;
      assert.equal(counted.sizeOf(consumedPool), Buffer.byteLength(JSON.stringify(consumedPool.fields)), 'the count consumed is counted in bytes');
      assert.ok(Date.parse(run.json().last_changed_at) < Date.now() + 86_400_000, 'paused at the tick that used the last code, not at the clock');
      const changelog = await get(client, `${groupUrl}/changelog`);
      assertMatchesSpec('get_target_group_changelog', 200, changelog.json());
      const [paused] = changelog.json().changelog;
      assert.deepEqual(paused.user, { type: 'system_user' });
      assert.deepEqual(paused.changes, [{ object: 'status_change', new_value: 'paused', old_value: 'live', reason_code: 'live_respondent_unique_codes_exhausted' }]);
      await advance(client, 'P1D');
      assert.equal((await performance(client, groupUrl)).entrants, numbers.entrants, 'a paused run fills no more');

      // A consumed code uploaded again is ignored; new ones let the resumed run go on until they run out too.
      assert.equal(await upload(client, targetGroupId, codes(30, 40)), 20);
      const resumed = await app.inject({ method: 'POST', url: `${runUrl}/resume`, headers: client.headers({ 'if-match': String((await get(client, runUrl)).headers.etag) }) });
      assert.equal(resumed.statusCode, 204, resumed.body);
      await advance(client, 'P1D');
      assert.equal((await get(client, runUrl)).json().status, 'paused');
      assert.equal((await performance(client, groupUrl)).prescreens, 70);
      assert.deepEqual(await stats(client, targetGroupId), { total_count: 70, unconsumed_count: 0 });
      // The count consumed is kept with the codes, and the pool counts as the bytes it holds in the session.
      const session = app.mock.sessions.find(client.clientId)!;
      const pool = session.singletons.get(poolUrl(targetGroupId))!;
      assert.equal(pool.fields.consumed, 70);
      assert.equal(session.sizeOf(pool), Buffer.byteLength(JSON.stringify(pool.fields)));
    });

    it('delete unconsumed keeps the consumed codes; a run with no code left pauses at the next respondent it would send', async () => {
      const { client, targetGroupId, groupUrl, runUrl } = await coded(500);
      await advance(client, 'PT3H');
      const { prescreens } = await performance(client, groupUrl);
      assert.ok(prescreens > 0, `${prescreens}`);
      assert.deepEqual(await stats(client, targetGroupId), { total_count: 500, unconsumed_count: 500 - prescreens });
      const deleted = await app.inject({ method: 'DELETE', url: `${poolUrl(targetGroupId)}/unconsumed`, headers: client.headers() });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.deepEqual(await stats(client, targetGroupId), { total_count: prescreens, unconsumed_count: 0 });
      assert.equal(await upload(client, targetGroupId, codes(prescreens)), 0, 'the consumed codes are still the pool\'s');
      await advance(client, 'PT3H');
      assert.equal((await get(client, runUrl)).json().status, 'paused');
      assert.equal((await performance(client, groupUrl)).prescreens, prescreens, 'nobody sent without a code');
    });

    it('a live URL without the placeholder takes no codes', async () => {
      const { client, targetGroupId, groupUrl, runUrl } = await coded(5, 'https://survey.example.com/s?rid=[%RID%]');
      await advance(client, 'P1D');
      assert.ok((await performance(client, groupUrl)).prescreens > 5);
      assert.equal((await get(client, runUrl)).json().status, 'live');
      assert.deepEqual(await stats(client, targetGroupId), { total_count: 5, unconsumed_count: 5 });
    });
  });

  describe('cost', () => {
    it("a run ending years ahead answers the default P1D: the 1000 intervals cap what has fielded so far, and the list stops at it", async () => {
      const far = new Date(Date.now() + 4 * 365 * 86_400_000).toISOString();
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id, plainBody());
      const launched = await app.inject({
        method: 'POST', url: `${targetGroupsUrl(project.id)}/${targetGroupId}/fielding-run-jobs/launch-from-draft`,
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: far },
      });
      assert.equal(launched.statusCode, 201, launched.body);
      await get(client, String(launched.headers.location));
      const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
      const daily = await intervals(client, groupUrl);
      assert.equal(daily.length, 1000, 'as far as the cap reaches, not the 1461 days to the end');
      assert.ok(daily.every(({ count }) => count === 0), 'nothing yet');
      const gap = Date.parse(daily[1]!.timestamp) - Date.parse(daily[0]!.timestamp);
      assert.equal(gap, 86_400_000);
      // A week gives every interval to the end (about 209).
      const weekly = await intervals(client, groupUrl, 'P1W');
      assert.ok(Math.abs(Date.parse(weekly.at(-1)!.timestamp) - Date.parse(far)) < 7 * 86_400_000, `${weekly.at(-1)!.timestamp} is the week the run ends`);
    });

    it('a clock moved years on settles in a bounded number of ticks and buckets; nothing is due while nothing fields', async () => {
      const far = new Date(Date.now() + 5 * 365 * 86_400_000).toISOString();
      const client = await clientOf(app);
      const project = await createProject(app, client);
      await setFielding(client, { starts_per_hour: 1000, seed: 1 });
      const targetGroupId = await createTargetGroup(app, client, project.id, plainBody({ completes_goal: 1e9 }));
      const launched = await app.inject({
        method: 'POST', url: `${targetGroupsUrl(project.id)}/${targetGroupId}/fielding-run-jobs/launch-from-draft`,
        headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: far },
      });
      assert.equal(launched.statusCode, 201, launched.body);
      await get(client, String(launched.headers.location));
      const session = app.mock.sessions.find(client.clientId)!;
      const eventsBefore = session.events.length;
      await advance(client, 'P1460D');
      const fill = session.fills.get(targetGroupId)!;
      assert.ok(fill.series.length <= 512, `${fill.series.length} buckets`);
      const doublings = Math.log2(fill.bucketMs / 3_600_000);
      assert.ok(doublings >= 5 && doublings <= 7, `buckets of 2^${doublings} hours after four years`);
      assert.equal(session.events.length - eventsBefore, 1, 'one session-updated for the whole jump (no quotas)');
      const numbers = await performance(client, `${targetGroupsUrl(project.id)}/${targetGroupId}`);
      assert.ok(numbers.entrants > 30_000_000 && numbers.entrants < 40_000_000, `about 35 million starts, got ${numbers.entrants}`);
      const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
      assertCintError(await get(client, `${groupUrl}/completes-aggregated-by-interval?aggregation_interval=PT1H`), 400, 'bad_request_error', { invalid_params: [{ name: 'aggregation_interval', reason: /more than 1000 intervals/ }] });
      assertCintError(await get(client, `${groupUrl}/completes-aggregated-by-interval?aggregation_interval=daily`), 400, 'bad_request_error', { invalid_params: [{ name: 'aggregation_interval' }] });
      // Left out, the interval is a day: over four years that is too many, and the reason says it was the default.
      assertCintError(await get(client, `${groupUrl}/completes-aggregated-by-interval`), 400, 'bad_request_error', {
        invalid_params: [{ name: 'aggregation_interval', reason: "'aggregation_interval' left out, its default of P1D, gives more than 1000 intervals over this target group's fielding so far; send a longer one (P1W)." }],
      });
      const weekly = await intervals(client, groupUrl, 'P1W');
      assert.equal(Math.max(...weekly.map(({ count }) => count)), numbers.completes);

      const idle = await clientOf(app);
      await createProject(app, idle);
      await setFielding(idle, { starts_per_hour: 0 });
      const quiet = await fielding(null, plainBody(), idle);
      assert.equal(app.mock.sessions.find(idle.clientId)!.nextChangeAt, Date.parse((await get(idle, quiet.runUrl)).json().end_fielding_at), 'only the end is due');
      await advance(idle, 'P2D');
      await setFielding(idle, { starts_per_hour: 50 });
      assert.equal((await performance(idle, quiet.groupUrl)).entrants, 0, 'the two days at 0 stay at 0');
      await advance(idle, 'PT2H');
      assert.ok((await performance(idle, quiet.groupUrl)).entrants > 0, 'the new rate applies from now');
    });
  });

  describe('settings', () => {
    it('the admin API reads, sets (the rest stay) and resets a session\'s rates; impossible ones are a 400 naming the field', async () => {
      const client = await clientOf(app);
      await createProject(app, client);
      const url = `/__admin/sessions/${client.clientId}/fielding`;
      const initial = (await app.inject({ method: 'GET', url })).json();
      assert.deepEqual(initial, { session: client.clientId, starts_per_hour: 2, complete: 0.3, screen_out: 0.5, over_quota: 0.05, drop_off: 0.15, seed: client.clientId, source: 'instance' });
      const set = await setFielding(client, { starts_per_hour: 10, seed: 'abc' });
      assert.deepEqual(set, { ...initial, starts_per_hour: 10, seed: 'abc', source: 'session' });
      assertCintError(await app.inject({ method: 'PUT', url, payload: { complete: 0.8, screen_out: 0.5 } }), 400, 'bad_request_error', { invalid_params: [{ name: 'complete', reason: /at most 1/ }] });
      assertCintError(await app.inject({ method: 'PUT', url, payload: { starts_per_hour: -1 } }), 400, 'bad_request_error', { invalid_params: [{ name: 'starts_per_hour', reason: /must be >= 0/ }] });
      assertCintError(await app.inject({ method: 'PUT', url, payload: { completes: 0.5 } }), 400, 'bad_request_error', { invalid_params: [{ name: 'body', reason: /'completes' is not a known field/ }] });
      assert.equal((await app.inject({ method: 'GET', url })).json().starts_per_hour, 10, 'a refused change changes nothing');
      assert.deepEqual((await app.inject({ method: 'PUT', url, payload: { reset: true } })).json(), initial);
      assertCintError(await app.inject({ method: 'GET', url: '/__admin/sessions/nobody-here/fielding' }), 404, 'not_found_error');
      assert.equal(controlOf(app).fielding(client.clientId, { complete: 0.6, screen_out: 0.2 }).drop_off, 0.15);
      assert.throws(() => controlOf(app).fielding(client.clientId, { over_quota: 2 }), /over_quota/);
    });

    it('the instance\'s rates come from the config (fielding), and a session\'s override them', async () => {
      const other = await makeApp({ fielding: { starts_per_hour: 0, complete: 0.3, screen_out: 0.5, over_quota: 0.05 } });
      try {
        const client = await clientOf(other);
        const project = await createProject(other, client);
        const targetGroupId = await createTargetGroup(other, client, project.id, plainBody());
        await launch(other, client, project.id, targetGroupId);
        const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
        await other.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: 'P5D' } });
        assert.equal((await other.inject({ method: 'GET', url: `${groupUrl}/performance`, headers: client.headers() })).json().entrants, 0);
        assert.equal((await other.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}/fielding` })).json().source, 'instance');
      } finally {
        await other.close();
      }
    });
  });
});
