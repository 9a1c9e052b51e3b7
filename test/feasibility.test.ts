// Feasibility over HTTP: the completes the session's fielding simulator expects over the fielding window
// (at most the goal), as a range of 0.9 to 1.05 of them, each quota and allocation group its share; for
// an existing target group, the completes it has and what its time left adds, with what-if overrides.
// The intelligent calendar reads the same rates: the days to fill the completes, and the window asked for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, advanceClock, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, fixtures, launch, makeApp, QUOTA_PROFILING,
  setFielding, targetGroupsUrl, type Client,
} from './helpers.js';

const DRAFT_URL = `/v1/demand/accounts/${ACCOUNT}/target-groups/calculate-feasibility`;
const PRICE = { value: '4.25', currency_code: 'USD', currency_scale: 2 };

interface Feasibility {
  suggested_price: unknown;
  suggested_completes_goal_range: { min: number; max: number };
  profiles?: { object: string; targets: { conditions: unknown[]; quota: { min_completes: { projected_completes_goal: number }; max_completes: { projected_completes_goal: number } } }[] }[];
  allocations: { open_exchange_allocations: { min_completes: number; max_completes: number; groups: { group_name: string; min_completes: number; max_completes: number }[] } };
}

describe('feasibility', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  async function feasible(client: Client, url: string, payload: unknown, operationId: string): Promise<Feasibility> {
    const response = await app.inject({ method: 'POST', url, headers: client.headers(), payload: payload as object });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec(operationId, 200, response.json());
    return response.json();
  }
  const projected = (body: Feasibility) => body.profiles!.map((profile) => profile.targets.map((target) => [target.quota.min_completes.projected_completes_goal, target.quota.max_completes.projected_completes_goal]));
  /** The document's example request, with its window `hours` long and the fields given. */
  const draft = (hours: number, overrides: Record<string, unknown> = {}) => ({
    ...(fixtures.operations.calculate_target_group_feasibility!.requestExample as object),
    fielding_specification: { start_at: '2030-01-01T00:00:00.000Z', end_at: new Date(Date.parse('2030-01-01T00:00:00.000Z') + hours * 3_600_000).toISOString() },
    ...overrides,
  });

  /** A client whose session exists (the admin API's fielding settings need one). */
  async function sessionOf(): Promise<Client> {
    const client = await clientOf(app);
    await createProject(app, client);
    return client;
  }

  it('a draft: what the simulator fills over its window, at most the goal, as the document\'s example shows it (450 to 525 of 500)', async () => {
    const client = await sessionOf();
    await setFielding(app, client, { starts_per_hour: 10, complete: 0.5, screen_out: 0.3 });
    // 5 completes an hour over 30 days is far more than the goal of 500: the range is around the goal.
    const allocations = { open_exchange_allocations: { blocked_supplier_ids: [], exchange_min_percentage: 0, exchange_max_percentage: 100, groups: [{ group_name: 'Premium', min_percentage: 20, max_percentage: 60, suppliers: ['13514'] }] }, private_exchange_allocations: { blocked_supplier_ids: [], groups: [] } };
    const full = await feasible(client, DRAFT_URL, draft(720, { allocations }), 'calculate_target_group_feasibility');
    assert.deepEqual(full.suggested_completes_goal_range, { min: 450, max: 525 });
    assert.deepEqual(full.suggested_price, PRICE);
    assert.deepEqual(projected(full), [[[225, 262]]], 'the 50% quota: half of each end');
    assert.deepEqual(full.allocations.open_exchange_allocations, { min_completes: 450, max_completes: 525, groups: [{ group_name: 'Premium', min_completes: 90, max_completes: 315 }] });

    // Two days give 240 completes: short of the goal, the range is around them.
    const short = await feasible(client, DRAFT_URL, draft(48), 'calculate_target_group_feasibility');
    assert.deepEqual(short.suggested_completes_goal_range, { min: 216, max: 252 });
    assert.deepEqual(short.allocations.open_exchange_allocations.groups, []);

    // A session that sends no respondents can achieve nothing.
    await setFielding(app, client, { starts_per_hour: 0 });
    assert.deepEqual((await feasible(client, DRAFT_URL, draft(720), 'calculate_target_group_feasibility')).suggested_completes_goal_range, { min: 0, max: 0 });
  });

  describe('the intelligent calendar', () => {
    const suggestDays = async (client: Client, completes: number) => {
      const response = await app.inject({
        method: 'POST', url: '/v1/demand/intelligent-calendar/suggest-days', headers: client.headers(),
        payload: { locale: 'eng_us', price: { value: '2.50', currency_code: 'USD' }, length_of_interview: 15, incidence_rate: 0.25, completes },
      });
      assert.equal(response.statusCode, 200, response.body);
      assertMatchesSpec('suggest_days', 200, response.json());
      return response.json().days as number;
    };
    const timeRange = (client: Client, query: string) =>
      app.inject({ method: 'GET', url: `/v1/demand/intelligent-calendar/suggest-time-range?${query}`, headers: client.headers() });

    it('suggests the whole days the simulator takes to fill the completes, at least one and at most 365', async () => {
      const client = await sessionOf();
      // 10 starts an hour, half of them complete: 120 completes a day.
      await setFielding(app, client, { starts_per_hour: 10, complete: 0.5, screen_out: 0.3 });
      assert.equal(await suggestDays(client, 500), 5);
      assert.equal(await suggestDays(client, 480), 4);
      assert.equal(await suggestDays(client, 1), 1);
      assert.equal(await suggestDays(client, 100_000), 365);
      await setFielding(app, client, { starts_per_hour: 0 });
      assert.equal(await suggestDays(client, 1), 365, 'nobody starts: never filled');
    });

    it('suggests the window asked for, from the session\'s clock for a number of days, in UTC and with no holidays', async () => {
      const client = await sessionOf();
      const set = await app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { set: '2030-03-01T00:00:00Z' } });
      assert.equal(set.statusCode, 200, set.body);
      const days = await timeRange(client, 'days=10&locale=eng_us');
      assert.equal(days.statusCode, 200, days.body);
      assertMatchesSpec('suggest_time_range', 200, days.json());
      const { start, end, holidays, timezone } = days.json();
      assert.ok(Date.parse(start) - Date.parse('2030-03-01T00:00:00Z') < 60_000, `${start}: now on the session's clock`);
      assert.equal(Date.parse(end) - Date.parse(start), 10 * 86_400_000);
      assert.deepEqual([holidays, timezone], [[], 'UTC']);
      const window = await timeRange(client, 'start=2030-04-01T08:00:00Z&end=2030-04-15T22:00:00Z');
      assert.deepEqual(window.json(), { start: '2030-04-01T08:00:00.000Z', end: '2030-04-15T22:00:00.000Z', holidays: [], timezone: 'UTC' });

      assertCintError(await timeRange(client, 'locale=eng_us'), 400, 'bad_request_error', { invalid_params: [{ name: 'start' }] });
      assertCintError(await timeRange(client, 'start=2030-04-01T08:00:00Z'), 400, 'bad_request_error', { invalid_params: [{ name: 'end' }] });
      assertCintError(await timeRange(client, 'days=3&start=2030-04-01T08:00:00Z&end=2030-04-15T22:00:00Z'), 400, 'bad_request_error', { invalid_params: [{ name: 'days' }] });
      assertCintError(await timeRange(client, 'start=2030-04-15T08:00:00Z&end=2030-04-01T22:00:00Z'), 400, 'bad_request_error', { invalid_params: [{ name: 'end' }] });
    });
  });

  describe('of an existing target group', () => {
    async function targetGroup(client: Client, body: Record<string, unknown> = {}) {
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id, body);
      return { projectId: project.id, targetGroupId, url: `${targetGroupsUrl(project.id)}/${targetGroupId}/calculate-feasibility` };
    }

    it('a draft\'s profiles and window, with what-if overrides', async () => {
      const client = await sessionOf();
      await setFielding(app, client, { starts_per_hour: 10, complete: 0.5, screen_out: 0.3 });
      const { url } = await targetGroup(client, { completes_goal: 1000, profiling: QUOTA_PROFILING });
      // Ten days at 5 completes an hour: 1200, more than the goal of 1000; the nominal quotas of 10 and 30 are 1% and 3% of it.
      const whatIf = { start_at: '2030-01-01T00:00:00.000Z', end_at: '2030-01-11T00:00:00.000Z' };
      const body = await feasible(client, url, whatIf, 'calculate_target_group_feasibility_by_id');
      assert.deepEqual(body.suggested_completes_goal_range, { min: 900, max: 1050 });
      assert.deepEqual(projected(body), [[[9, 10], [27, 31]]]);
      const smaller = await feasible(client, url, { ...whatIf, completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [] } }, 'calculate_target_group_feasibility_by_id');
      assert.deepEqual(smaller.suggested_completes_goal_range, { min: 90, max: 105 });
      assert.equal(smaller.profiles, undefined, 'the what-if profiling has no profiles');
      // 29% of 100 is 29, not the 28 a float's 28.999… would round down to.
      const shares = { profile_adjustment_type: 'percentage', profiles: [{ object: 'regular', quotas_enabled: true, targets: [29, 71].map((share, n) => ({ conditions: [{ object: 'selection', question_id: 43, option: String(n + 1) }], quota: { completes_goal_percentage: share } })) }] };
      // 22.24 hours at 5 completes an hour: 111.2 expected, a range of 100 to 116.
      const exact = await feasible(client, url, { ...whatIf, completes_goal: 1000, end_at: '2030-01-01T22:14:24.000Z', profiling: shares }, 'calculate_target_group_feasibility_by_id');
      assert.deepEqual(exact.suggested_completes_goal_range, { min: 100, max: 116 });
      assert.deepEqual(projected(exact), [[[29, 33], [71, 82]]]);
    });

    it('a live one counts the completes it has; with no respondents to come, that is all it can achieve', async () => {
      const client = await sessionOf();
      await setFielding(app, client, { starts_per_hour: 20, complete: 0.5, screen_out: 0.3, seed: 'feasible' });
      const { projectId, targetGroupId, url } = await targetGroup(client, { completes_goal: 10_000, profiling: undefined });
      await launch(app, client, projectId, targetGroupId);
      await advanceClock(app, client, 'PT12H');
      await setFielding(app, client, { starts_per_hour: 0 });
      const overview = await app.inject({ method: 'GET', url: url.replace('/calculate-feasibility', '/overview'), headers: client.headers() });
      const completes = overview.json().progress.current_completes as number;
      assert.ok(completes > 50, `${completes} completes`);
      const body = await feasible(client, url, {}, 'calculate_target_group_feasibility_by_id');
      assert.deepEqual(body.suggested_completes_goal_range, { min: Math.floor(completes * 0.9), max: Math.floor(completes * 1.05) });
      assert.deepEqual((await feasible(client, url, { completes_goal: 40 }, 'calculate_target_group_feasibility_by_id')).suggested_completes_goal_range, { min: 36, max: 42 });
    });

    it('the body is optional, as the document says: no body is the target group as it stands, as {} is; JSON null is still refused', async () => {
      const client = await sessionOf();
      await setFielding(app, client, { starts_per_hour: 10, complete: 0.5, screen_out: 0.3 });
      const { url } = await targetGroup(client, { completes_goal: 1000, profiling: QUOTA_PROFILING });
      const withEmpty = await feasible(client, url, {}, 'calculate_target_group_feasibility_by_id');
      for (const headers of [client.headers(), client.headers({ 'content-type': 'application/json' })]) {
        const none = await app.inject({ method: 'POST', url, headers });
        assert.equal(none.statusCode, 200, none.body);
        assertMatchesSpec('calculate_target_group_feasibility_by_id', 200, none.json());
        assert.deepEqual(none.json(), withEmpty);
      }
      // The journal keeps the requests as they came (newest first): two without a body, then the {}.
      const journal = await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}/journal?operation=calculate_target_group_feasibility_by_id`, headers: client.headers() });
      assert.equal(journal.statusCode, 200, journal.body);
      assert.deepEqual((journal.json().entries as { body?: unknown }[]).map((entry) => ('body' in entry ? entry.body : 'none')), ['none', 'none', {}]);
      const nullBody = await app.inject({ method: 'POST', url, headers: client.headers({ 'content-type': 'application/json' }), payload: 'null' });
      assertCintError(nullBody, 400, 'bad_request_error', { invalid_params: [{ name: 'body', reason: "'body' must be of type object." }] });
      const wrongType = await app.inject({ method: 'POST', url, headers: client.headers(), payload: { completes_goal: 'many' } });
      assertCintError(wrongType, 400, 'bad_request_error', { invalid_params: [{ name: 'completes_goal' }] });
    });

    it('a target group the session does not have is 404 naming it', async () => {
      const client = await clientOf(app);
      const { projectId } = await targetGroup(client);
      const response = await app.inject({ method: 'POST', url: `${targetGroupsUrl(projectId)}/01K40T69E63BHTT9MAJYRBQ8HY/calculate-feasibility`, headers: client.headers(), payload: {} });
      assertCintError(response, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    });
  });
});
