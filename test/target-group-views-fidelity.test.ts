// What the views of a target group say, held to Cint's document: a draft has no overview (by either
// path), the overviews and the project overview carry the session's own values and nothing of the
// document's examples, completes by interval are running totals at each interval's end, and a change
// nobody asked for at that moment (a scheduled start, an end date, a goal reached) is the system user's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, MANAGER_ID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launch, launchUrl,
  makeApp, projectsUrl, runsUrl, targetGroupsUrl, type Client,
  advanceClock, setFielding as putFielding, targetGroupBody,
} from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** "2.7352" × 3 = "8.2056", exactly: the CPI's own digits. */
function times(value: string, count: number): string {
  const [whole, fraction = ''] = value.split('.');
  const text = (BigInt(`${whole}${fraction}`) * BigInt(count)).toString().padStart(fraction.length + 1, '0');
  return fraction ? `${text.slice(0, -fraction.length)}.${text.slice(-fraction.length)}` : text;
}

describe('target group views, as the document has them', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const advance = (client: Client, by: string) => advanceClock(app, client, by);
  const setFielding = (client: Client, settings: Record<string, unknown>) => putFielding(app, client, settings);
  /** A client with a project (its session exists then) and its fielding settings. */
  async function session(settings: Record<string, unknown>, project: Record<string, unknown> = {}) {
    const client = await clientOf(app);
    const { id: projectId } = await createProject(app, client, project);
    await setFielding(client, settings);
    return { client, projectId };
  }
  async function startJob(client: Client, projectId: string, targetGroupId: string, kind: 'launch' | 'schedule', dates: Record<string, string>) {
    const url = kind === 'launch' ? launchUrl(projectId, targetGroupId) : `${targetGroupsUrl(projectId)}/${targetGroupId}/fielding-run-jobs/schedule-from-draft`;
    const created = await app.inject({ method: 'POST', url, headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: dates });
    assert.equal(created.statusCode, 201, created.body);
    const job = await get(client, String(created.headers.location));
    assert.equal(job.json().status, 'Completed', job.body);
    const run = await get(client, `${runsUrl(projectId, targetGroupId)}/${job.json().created_fielding_run_id}`);
    assert.equal(run.statusCode, 200, run.body);
    return { createdBy: job.json().created_by as string, run: run.json() as { start_fielding_at: string; end_fielding_at: string; last_changed_at: string } };
  }

  describe('get_target_group_overview and get_target_group_overview_by_target_group_id', () => {
    it('a draft has no overview by either path: 404 not_found_error naming target_group_id; scheduled or launched, it has one', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const draft = await createTargetGroup(app, client, projectId);
      const detail = `target_group_id: the specified resource was not found: target group ${draft} is a draft, and has an overview once it is launched or scheduled (read the draft with get_target_group)`;
      assertCintError(await get(client, `${targetGroupsUrl(projectId)}/${draft}/overview`), 404, 'not_found_error', { detail });
      assertCintError(await get(client, `/v1/demand/target-groups/${draft}/overview`), 404, 'not_found_error', { detail });

      const scheduled = await createTargetGroup(app, client, projectId);
      await startJob(client, projectId, scheduled, 'schedule', { start_fielding_at: futureDate(1), end_fielding_at: futureDate(5) });
      for (const url of [`${targetGroupsUrl(projectId)}/${scheduled}/overview`, `/v1/demand/target-groups/${scheduled}/overview`]) {
        const overview = await get(client, url);
        assert.equal(overview.statusCode, 200, overview.body);
        assert.equal(overview.json().status, 'scheduled');
      }
      await launch(app, client, projectId, draft);
      const overview = await get(client, `${targetGroupsUrl(projectId)}/${draft}/overview`);
      assert.equal(overview.statusCode, 200, overview.body);
      assert.match(String(overview.headers['content-type']), /^application\/json/);
      assert.equal(overview.json().status, 'live');
    });

    it('a draft has no performance metrics: 404 naming target_group_id; a scheduled one has them', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const draft = await createTargetGroup(app, client, projectId);
      assertCintError(await get(client, `${targetGroupsUrl(projectId)}/${draft}/performance`), 404, 'not_found_error', {
        detail: `target_group_id: the specified resource was not found: target group ${draft} is a draft, and has performance metrics once it is launched or scheduled (read the draft with get_target_group)`,
      });
      await startJob(client, projectId, draft, 'schedule', { start_fielding_at: futureDate(1), end_fielding_at: futureDate(5) });
      const performance = await get(client, `${targetGroupsUrl(projectId)}/${draft}/performance`);
      assert.equal(performance.statusCode, 200, performance.body);
      assertMatchesSpec('get_target_group_performance', 200, performance.json());
      assert.equal(performance.json().entrants, 0);
    });

    it('are the target group\'s own values: its study type, pricing model, CPI as sent and cost so far; nothing of the example', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 }, { name: 'Overview fidelity study' });
      const targetGroupId = await createTargetGroup(app, client, projectId, { name: 'Overview fidelity group', completes_goal: 200 });
      const draft = (await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}`)).json();
      await launch(app, client, projectId, targetGroupId);

      const usd = (value: string) => ({ value, currency_code: 'USD', currency_scale: 2 });
      // Cint's create_target_group example: CPI 2.7352 USD, a dynamic pricing module with CPI limits, locale spa_us, no reference number.
      const expected = {
        project_name: 'Overview fidelity study',
        target_group_name: 'Overview fidelity group',
        human_readable_id: draft.human_readable_id,
        project_manager_id: MANAGER_ID,
        progress: { current_completes: 0, current_prescreens: 0, filling_goal: 200, filling_strategy: 'completes' },
        pricing_model: 'dynamic',
        is_pricing_restricted: true,
        current_cost_per_interview: usd('2.7352'),
        average_cost_per_interview: usd('2.7352'),
        current_cost: usd('0.0000'),
        status: 'live',
        country_code: 'US',
        language_code: 'SPA',
        conversion_rate: 0,
        drop_off_rate: 0,
        incidence_rate: 0,
        // No complete yet: left out (not required; a strict OAS 3.0 reading allows no null here).
        study_type_code: 'adhoc',
        created_at: draft.created_at,
      };
      assert.equal(draft.pricing_model, expected.pricing_model, 'the overview says what get_target_group says');
      const overview = await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}/overview`);
      assert.equal(overview.statusCode, 200, overview.body);
      assert.deepEqual(overview.json(), expected);
      assertMatchesSpec('get_target_group_overview', 200, overview.json());
      const byId = await get(client, `/v1/demand/target-groups/${targetGroupId}/overview`);
      assert.equal(byId.statusCode, 200, byId.body);
      assert.deepEqual(byId.json(), { account_id: ACCOUNT, project_id: projectId, ...expected, median_length_of_interview_seconds: 0 });
      assertMatchesSpec('get_target_group_overview_by_target_group_id', 200, byId.json());
    });

    it('a rate card target group without a CPI: rate_card, unrestricted without a CPI limit, costs without a price, its own study type and reference', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const targetGroupId = await createTargetGroup(app, client, projectId, {
        cost_per_interview: undefined,
        study_type_code: 'tracker',
        target_group_customer_reference_number: 'TG-REF-0042',
        fielding_assistant_assignment: { pricing: { type: 'rate_card', boost_cpi: { value: '0.50', currency_code: 'USD' } } },
      });
      const draft = (await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}`)).json();
      assert.equal(draft.pricing_model, 'rate_card');
      await launch(app, client, projectId, targetGroupId);
      for (const [url, operation] of [
        [`${targetGroupsUrl(projectId)}/${targetGroupId}/overview`, 'get_target_group_overview'],
        [`/v1/demand/target-groups/${targetGroupId}/overview`, 'get_target_group_overview_by_target_group_id'],
      ] as const) {
        const overview = await get(client, url);
        assert.equal(overview.statusCode, 200, overview.body);
        const body = overview.json();
        assertMatchesSpec(operation, 200, body);
        assert.deepEqual(
          [body.pricing_model, body.is_pricing_restricted, body.current_cost_per_interview, body.current_cost, 'average_cost_per_interview' in body],
          ['rate_card', false, {}, {}, false],
        );
        assert.equal(body.study_type_code, 'tracker');
        assert.equal(body.target_group_customer_reference_number, 'TG-REF-0042');
      }
    });

    it('the cost so far is the CPI as sent times the completes, exactly, with the currency\'s ISO 4217 scale; the performance agrees', async () => {
      const { client, projectId } = await session({ starts_per_hour: 30, seed: 'costs' });
      const usd = await createTargetGroup(app, client, projectId, { profiling: undefined });
      const yen = await createTargetGroup(app, client, projectId, {
        profiling: undefined, cost_per_interview: { value: '150', currency_code: 'JPY' }, fielding_assistant_assignment: { pricing: null },
      });
      await launch(app, client, projectId, usd);
      await launch(app, client, projectId, yen);
      await advance(client, 'PT12H');
      for (const [id, cpi, currency, scale, restricted] of [[usd, '2.7352', 'USD', 2, true], [yen, '150', 'JPY', 0, false]] as const) {
        const performance = await get(client, `${targetGroupsUrl(projectId)}/${id}/performance`);
        const completes = performance.json().completes as number;
        assert.ok(completes > 5, `${completes} completes`);
        const cost = { value: times(cpi, completes), currency_code: currency, currency_scale: scale };
        assert.deepEqual(performance.json().completes_cost, cost);
        const overview = (await get(client, `${targetGroupsUrl(projectId)}/${id}/overview`)).json();
        assertMatchesSpec('get_target_group_overview', 200, overview);
        assert.deepEqual(overview.current_cost, cost);
        assert.deepEqual(overview.current_cost_per_interview, { value: cpi, currency_code: currency, currency_scale: scale });
        assert.equal(overview.is_pricing_restricted, restricted);
        assert.equal(overview.progress.current_completes, completes);
      }
    });
  });

  describe('project_overview', () => {
    it('a project created without a customer reference number has none in its overview, as get_project_by_id; one with it shows it', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 }, { name: 'No reference study', project_customer_reference_number: undefined });
      const project = (await get(client, `${projectsUrl()}/${projectId}`)).json();
      assert.equal('project_customer_reference_number' in project, false);
      const overview = await get(client, `${projectsUrl()}/${projectId}/overview`);
      assert.equal(overview.statusCode, 200, overview.body);
      assertMatchesSpec('project_overview', 200, overview.json());
      const { created_at: createdAt, ...rest } = overview.json();
      assert.match(createdAt, ISO);
      assert.deepEqual(rest, {
        id: projectId, human_readable_id: project.human_readable_id, name: 'No reference study', account_id: ACCOUNT, status: 'active',
        project_manager_id: project.project_manager_id,
        statistics: {
          filling_goal: 0, current_completes: 0, current_prescreens: 0, incidence_rate_median: 0,
          length_of_interview_median_seconds: 0, conversion_rate_average: 0, drop_off_rate_average: 0,
        },
      });

      const referenced = await createProject(app, client, { project_customer_reference_number: 'RF-0001' });
      assert.equal((await get(client, `${projectsUrl()}/${referenced.id}/overview`)).json().project_customer_reference_number, 'RF-0001');
    });
  });

  describe('get_target_group_completes_aggregated_by_interval', () => {
    it('each timestamp is its interval\'s end and each count the completes collected by then; intervals to come read 0', async () => {
      const { client, projectId } = await session({ starts_per_hour: 20, seed: 'intervals' });
      const targetGroupId = await createTargetGroup(app, client, projectId, { profiling: undefined });
      const { run } = await startJob(client, projectId, targetGroupId, 'launch', { end_fielding_at: futureDate(10) });
      const start = Date.parse(run.start_fielding_at);
      await advance(client, 'P2D');
      const groupUrl = `${targetGroupsUrl(projectId)}/${targetGroupId}`;
      const { completes } = (await get(client, `${groupUrl}/performance`)).json();
      const read = async (interval: string) => {
        const answer = await get(client, `${groupUrl}/completes-aggregated-by-interval?aggregation_interval=${interval}`);
        assert.equal(answer.statusCode, 200, answer.body);
        assertMatchesSpec('get_target_group_completes_aggregated_by_interval', 200, answer.json());
        return answer.json().aggregated_completes_intervals as { timestamp: string; count: number }[];
      };
      const daily = await read('P1D');
      assert.equal(daily.length, 10);
      assert.deepEqual(daily.map(({ timestamp }) => timestamp), Array.from({ length: 10 }, (_, i) => new Date(start + (i + 1) * DAY).toISOString()));
      // Two days have passed: the second day's end has every complete, and so has the third, under way (no
      // tick of it has ended); the days after it have not begun.
      assert.ok(daily[0]!.count > 0 && daily[0]!.count < daily[1]!.count, JSON.stringify(daily));
      assert.deepEqual([daily[1]!.count, daily[2]!.count], [completes, completes]);
      assert.deepEqual(daily.slice(3).map(({ count }) => count), [0, 0, 0, 0, 0, 0, 0]);

      const hourly = await read('PT1H');
      assert.equal(hourly[0]!.timestamp, new Date(start + HOUR).toISOString());
      assert.equal(hourly[23]!.count, daily[0]!.count, 'the first day\'s total, at its 24th hour');
      assert.equal(hourly[47]!.count, daily[1]!.count);
      assert.equal(hourly[48]!.count, completes);
      hourly.slice(1, 49).forEach(({ count }, i) => assert.ok(count >= hourly[i]!.count, `a running total never falls: hour ${i + 2}`));
    });

    it('a run completed at its goal ends on its total, its hours rising to it', async () => {
      const { client, projectId } = await session({ starts_per_hour: 20, complete: 0.5, screen_out: 0.3, seed: 9 });
      const targetGroupId = await createTargetGroup(app, client, projectId, { profiling: undefined, completes_goal: 40 });
      const { run } = await startJob(client, projectId, targetGroupId, 'launch', { end_fielding_at: futureDate(10) });
      await advance(client, 'P1D');
      const answer = await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}/completes-aggregated-by-interval?aggregation_interval=PT1H`);
      const hourly = answer.json().aggregated_completes_intervals as { timestamp: string; count: number }[];
      assert.ok(hourly.length > 1 && hourly.length < 24, `${hourly.length} hours to the goal`);
      assert.equal(hourly[0]!.timestamp, new Date(Date.parse(run.start_fielding_at) + HOUR).toISOString());
      assert.equal(hourly.at(-1)!.count, 40);
      assert.ok(hourly[0]!.count < 40);
      hourly.slice(1).forEach(({ count }, i) => assert.ok(count >= hourly[i]!.count, JSON.stringify(hourly)));
    });
  });

  describe('get_target_group_changelog: who made a change', () => {
    it('a scheduled start and an end date are the system user\'s (system_user), a client\'s launch and schedule its own (las_user); the event says the same', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const launched = await createTargetGroup(app, client, projectId);
      const launchEnd = futureDate(2);
      const { createdBy, run: launchedRun } = await startJob(client, projectId, launched, 'launch', { end_fielding_at: launchEnd });
      const scheduled = await createTargetGroup(app, client, projectId);
      const dates = { start_fielding_at: futureDate(1), end_fielding_at: futureDate(3) };
      const { run: scheduledRun } = await startJob(client, projectId, scheduled, 'schedule', dates);
      const scheduledAt = scheduledRun.last_changed_at;
      await advance(client, 'P4D');

      const entriesOf = async (id: string) => {
        const answer = await get(client, `${targetGroupsUrl(projectId)}/${id}/changelog`);
        assert.equal(answer.statusCode, 200, answer.body);
        assertMatchesSpec('get_target_group_changelog', 200, answer.json());
        const entries = answer.json().changelog as { id: string }[];
        for (const entry of entries) assert.match(entry.id, UUID);
        return entries.map(({ id: _id, ...entry }) => entry);
      };
      const system = { type: 'system_user' };
      const user = { type: 'las_user', las_user_id: createdBy };
      assert.match(createdBy, UUID);
      assert.deepEqual(await entriesOf(launched), [
        { occurred_at: launchEnd, user: system, changes: [{ object: 'status_change', new_value: 'paused', old_value: 'live', reason_code: 'past_scheduled_end_date' }] },
        { occurred_at: launchedRun.last_changed_at, user, changes: [{ object: 'status_change', new_value: 'live', old_value: 'draft' }] },
      ]);
      assert.deepEqual(await entriesOf(scheduled), [
        { occurred_at: dates.end_fielding_at, user: system, changes: [{ object: 'status_change', new_value: 'paused', old_value: 'live', reason_code: 'past_scheduled_end_date' }] },
        { occurred_at: dates.start_fielding_at, user: system, changes: [{ object: 'status_change', new_value: 'live', old_value: 'scheduled' }] },
        { occurred_at: scheduledAt, user, changes: [{ object: 'status_change', new_value: 'scheduled', old_value: 'draft' }] },
      ]);

      // The target-group-updated event keeps its user a list (decision 62), of the same user.
      const events = app.mock.sessions.find(client.clientId)!.events
        .filter((event) => event.type === 'target-group-updated' && event.payload.target_group_id === launched);
      assert.deepEqual(events.map((event) => event.payload.user), [[user], [system]]);
    });

    it('a run completed at its goal is the system user\'s too (total_completes_reached)', async () => {
      const { client, projectId } = await session({ starts_per_hour: 100, complete: 0.5, screen_out: 0.3, seed: 9 });
      const targetGroupId = await createTargetGroup(app, client, projectId, { profiling: undefined, completes_goal: 25 });
      await launch(app, client, projectId, targetGroupId);
      await advance(client, 'P1D');
      const answer = await get(client, `${targetGroupsUrl(projectId)}/${targetGroupId}/changelog`);
      assertMatchesSpec('get_target_group_changelog', 200, answer.json());
      const [completed] = answer.json().changelog;
      assert.deepEqual(completed.user, { type: 'system_user' });
      assert.deepEqual(completed.changes, [{ object: 'status_change', new_value: 'completed', old_value: 'live', reason_code: 'total_completes_reached' }]);
    });
  });
  describe('get_target_group_price', () => {
    const priceUrl = (businessUnit: string, targetGroupId: string) => `/v1/demand/accounts/${ACCOUNT}/business-units/${businessUnit}/target-groups/${targetGroupId}/price`;

    it('is the target group\'s own CPI and pricing model, for the open exchange and each private exchange supplier it allocates to', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const base = targetGroupBody();
      const allocations = structuredClone(base.allocations) as Record<string, unknown>;
      allocations.private_exchange_allocations = { blocked_supplier_ids: [], groups: [{ group_name: 'Private', min_percentage: 5, max_percentage: 50, supplier_id: '1966' }] };
      const assignment = { ...(base.fielding_assistant_assignment as object), pricing: { type: 'rate_card' } };
      const targetGroupId = await createTargetGroup(app, client, projectId, {
        business_unit_id: '77', cost_per_interview: { value: '3.10', currency_code: 'EUR' }, allocations, fielding_assistant_assignment: assignment,
      });
      const read = await get(client, priceUrl('77', targetGroupId));
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_target_group_price', 200, read.json());
      const { pricing_config_token: token, ...price } = read.json();
      const rateCard = { type: 'rate_card', rate_card_token: price.open_exchange_price.pricing_context.rate_card_token };
      const cpi = { value: '3.10', currency_code: 'EUR', currency_scale: 2 };
      assert.deepEqual(price, {
        price_type: 'specification', buyer_account_id: ACCOUNT, buyer_business_unit_id: '77', target_group_id: targetGroupId,
        buyer_business_unit_exchange_rate_from_usd: 1,
        open_exchange_price: { pricing_context: rateCard, cost_per_interview: cpi },
        private_exchange_prices: [{ supplier_id: '1966', pricing_context: rateCard, cost_per_interview: cpi }],
      });
      assert.equal(typeof token, 'string');
      assert.deepEqual((await get(client, priceUrl('77', targetGroupId))).json().pricing_config_token, token, 'the same token on every read');
      await launch(app, client, projectId, targetGroupId);
      const cpiUrl = `${targetGroupsUrl(projectId)}/${targetGroupId}/cost-per-interview`;
      const updated = await app.inject({ method: 'PUT', url: cpiUrl, headers: client.headers(), payload: { target_group_cpi: { value: '3.50', currency_code: 'EUR' } } });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.deepEqual((await get(client, priceUrl('77', targetGroupId))).json().open_exchange_price.cost_per_interview, { ...cpi, value: '3.50' });

      // A dynamic target group's pricing context has no rate card token.
      const dynamic = await createTargetGroup(app, client, projectId, { business_unit_id: '77', fielding_assistant_assignment: {} });
      assert.deepEqual((await get(client, priceUrl('77', dynamic))).json().open_exchange_price.pricing_context, { type: 'dynamic' });
    });

    it('is 404 naming target_group_id under another business unit, another client\'s or an unknown target group', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const targetGroupId = await createTargetGroup(app, client, projectId, { business_unit_id: '77' });
      assertCintError(await get(client, priceUrl('78', targetGroupId)), 404, 'not_found_error', { detail: /^target_group_id: the specified resource was not found: target group \w+ belongs to business unit 77, not 78$/ });
      const stranger = await clientOf(app);
      assertCintError(await get(stranger, priceUrl('77', targetGroupId)), 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    });
  });
  describe('get_target_group_rate_card', () => {
    it('is the predicted rate card of the target group\'s country until it first goes live, then the bound one', async () => {
      const { client, projectId } = await session({ starts_per_hour: 0 });
      const targetGroupId = await createTargetGroup(app, client, projectId, { locale: 'deu_de' });
      const url = `${targetGroupsUrl(projectId)}/${targetGroupId}/rate-card`;
      const token = Buffer.from('RCT=COUNTRY:RCV=16:CC=DE').toString('base64');
      const predicted = await get(client, url);
      assert.equal(predicted.statusCode, 200, predicted.body);
      assertMatchesSpec('get_target_group_rate_card', 200, predicted.json());
      const { predicted_rate_card: table, ...rest } = predicted.json();
      assert.deepEqual(rest, { country_code: 'DE', predicted_rate_card_token: token });
      assert.equal(table.data_format, 'loi_ir_matrix');

      await launch(app, client, projectId, targetGroupId);
      const bound = await get(client, url);
      assertMatchesSpec('get_target_group_rate_card', 200, bound.json());
      assert.deepEqual(bound.json(), { country_code: 'DE', bound_rate_card_token: token, bound_rate_card: table });
    });
  });
});
