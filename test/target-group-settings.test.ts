// A target group's settings on paths of their own (Fielding Assistant assignment, allocation specification,
// respondent-activity exclusions): each reads the target group's own field and each PUT replaces it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MockApp } from '../src/app.js';
import {
  assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';

describe('target group settings', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  /** A new client with a project and a draft target group made from `overrides`. */
  async function draft(overrides: Record<string, unknown> = {}) {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id, overrides);
    const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
    return { client, projectId: project.id, targetGroupId, groupUrl };
  }
  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const put = (client: Client, url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'PUT', url, headers: client.headers(headers), payload: payload as object });

  describe('the Fielding Assistant assignment', () => {
    it('reads the assignment the target group was created with, with an ETag', async () => {
      const assignment = { pacing: { type: 'adaptive', increment_interval: 'PT6H' }, quota_overlay: { prevent_overfill: false, balance_fill: true } };
      const { client, groupUrl } = await draft({ fielding_assistant_assignment: assignment });
      const read = await get(client, `${groupUrl}/fielding-assistant-assignment`);
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json(), assignment);
      assert.equal(read.headers.etag, 'W/"0"');
      assertMatchesSpec('get_fielding_assistant_assignment', 200, read.json(), true, read.headers);
    });

    it('a PUT replaces it whole: a module left out is disabled, {} disables all, and get_target_group shows the same', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/fielding-assistant-assignment`;
      const pacingOnly = { pacing: { type: 'linear', increment_interval: 'PT2H' } };
      const first = await put(client, url, pacingOnly, { 'if-match': 'W/"0"' });
      assert.equal(first.statusCode, 204, first.body);
      const read = await get(client, url);
      assert.deepEqual(read.json(), pacingOnly);
      const etag = String(read.headers.etag);
      assert.notEqual(etag, 'W/"0"');
      assert.deepEqual((await get(client, groupUrl)).json().fielding_assistant_assignment, pacingOnly);

      assertCintError(await put(client, url, {}, { 'if-match': 'W/"0"' }), 412, 'precondition_failed_error');
      assert.equal((await put(client, url, {}, { 'if-match': etag })).statusCode, 204);
      const emptied = await get(client, url);
      assert.deepEqual(emptied.json(), {});
      assert.notEqual(emptied.headers.etag, etag);
      assert.deepEqual((await get(client, groupUrl)).json().fielding_assistant_assignment, {});
    });

    it('pricing decides get_target_group\'s pricing_model, and If-None-Match refuses a PUT while it matches', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/fielding-assistant-assignment`;
      assert.equal((await put(client, url, { pricing: { type: 'rate_card' } })).statusCode, 204);
      assert.equal((await get(client, groupUrl)).json().pricing_model, 'rate_card');
      const current = String((await get(client, url)).headers.etag);
      assertCintError(await put(client, url, {}, { 'if-none-match': current }), 412, 'precondition_failed_error');
      assertCintError(await put(client, url, {}, { 'if-none-match': '*' }), 412, 'precondition_failed_error');
      assert.equal((await put(client, url, {}, { 'if-none-match': 'W/"999"' })).statusCode, 204);
    });

    it('a draft PUT that changes the assignment changes its ETag; one that keeps it does not', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/fielding-assistant-assignment`;
      const before = String((await get(client, url)).headers.etag);
      assert.equal((await put(client, groupUrl, targetGroupBody({ name: 'Renamed target group' }))).statusCode, 204);
      assert.equal((await get(client, url)).headers.etag, before);
      assert.equal((await put(client, groupUrl, targetGroupBody({ fielding_assistant_assignment: {} }))).statusCode, 204);
      const after = await get(client, url);
      assert.deepEqual(after.json(), {});
      assert.notEqual(after.headers.etag, before);
    });

    it('each PUT that changes a module is one changelog entry of Cint\'s pricing, pacing, quota overlay and soft launch changes', async () => {
      const { client, groupUrl } = await draft({ fielding_assistant_assignment: {} });
      const url = `${groupUrl}/fielding-assistant-assignment`;
      const usd = (value: string) => ({ value, currency_code: 'USD' });
      const first = {
        pricing: { type: 'dynamic', maximum_cpi: usd('4.00'), minimum_cpi: usd('1.00') },
        pacing: { type: 'linear', increment_interval: 'PT2H' },
        quota_overlay: { prevent_overfill: true, balance_fill: false },
      };
      assert.equal((await put(client, url, first)).statusCode, 204);
      const second = {
        pricing: { type: 'rate_card', maximum_cpi: usd('3.00'), boost_cpi: usd('0.50') },
        pacing: { type: 'adaptive', increment_interval: 'PT2H' },
        soft_launch: { end_at: '2027-01-01T00:00:00.000Z', filling_goal_percentage: 10, demographics_strictness_percentage: 50 },
      };
      assert.equal((await put(client, url, second)).statusCode, 204);
      assert.equal((await put(client, url, second)).statusCode, 204);
      const read = (await get(client, `${groupUrl}/changelog`)).json();
      assertMatchesSpec('get_target_group_changelog', 200, read);
      const entries = read.changelog as { user: unknown; changes: { object: string; new_value: unknown; old_value: unknown }[] }[];
      assert.equal(entries.length, 2, 'the same assignment again records nothing');
      const money = (value: string) => ({ ...usd(value), currency_scale: 2 });
      assert.deepEqual(entries[1]!.changes, [
        { object: 'pricing_assistance_change', new_value: 'dynamic', old_value: null },
        { object: 'pricing_dynamic_maximum_cpi_change', new_value: money('4.00'), old_value: null },
        { object: 'pricing_dynamic_minimum_cpi_change', new_value: money('1.00'), old_value: null },
        { object: 'quota_overlay_assisted_change', new_value: true, old_value: false },
        { object: 'quota_overlay_prevent_overfilling_change', new_value: true, old_value: null },
        { object: 'quota_overlay_balance_fill_change', new_value: false, old_value: null },
        { object: 'pacing_assistance_change', new_value: 'linear', old_value: null },
        { object: 'pacing_linear_increment_interval_change', new_value: 'PT2H', old_value: null },
      ]);
      assert.deepEqual(entries[0]!.changes, [
        { object: 'pricing_assistance_change', new_value: null, old_value: 'dynamic' },
        { object: 'pricing_dynamic_maximum_cpi_change', new_value: null, old_value: money('4.00') },
        { object: 'pricing_dynamic_minimum_cpi_change', new_value: null, old_value: money('1.00') },
        { object: 'pricing_rate_card_maximum_cpi_change', new_value: money('3.00'), old_value: null },
        { object: 'quota_overlay_assisted_change', new_value: false, old_value: true },
        { object: 'quota_overlay_prevent_overfilling_change', new_value: null, old_value: true },
        { object: 'quota_overlay_balance_fill_change', new_value: null, old_value: false },
        { object: 'pacing_assistance_change', new_value: 'adaptive', old_value: 'linear' },
        { object: 'pacing_linear_increment_interval_change', new_value: null, old_value: 'PT2H' },
        { object: 'pacing_adaptive_increment_interval_change', new_value: 'PT2H', old_value: null },
        { object: 'soft_launch_assisted_change', new_value: true, old_value: false },
        { object: 'soft_launch_end_date_change', new_value: '2027-01-01T00:00:00.000Z', old_value: null },
        { object: 'soft_launch_filling_goal_percentage_change', new_value: 10, old_value: null },
        { object: 'soft_launch_demographics_strictness_percentage_change', new_value: 50, old_value: null },
      ]);
      assert.equal((entries[0]!.user as { type: string }).type, 'las_user');
    });

    it('is 404 for a target group of another client', async () => {
      const { groupUrl } = await draft();
      const stranger = await clientOf(app);
      assertCintError(await get(stranger, `${groupUrl}/fielding-assistant-assignment`), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    });
  });

  describe('the allocation specification', () => {
    it('reads the allocations the target group was created with, suppliers named', async () => {
      const { client, groupUrl } = await draft();
      const read = await get(client, `${groupUrl}/allocation-specification`);
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_target_group_allocation_specification', 200, read.json());
      const body = read.json();
      assert.deepEqual(body.open_exchange_allocations.blocked_suppliers, []);
      assert.deepEqual(body.open_exchange_allocations.exchange_suppliers, [{ id: 4351, name: 'Acme Inc' }, { id: 3334, name: 'BCD Inc' }]);
      assert.equal(body.open_exchange_allocations.exchange_min_percentage, 0);
      assert.equal(body.open_exchange_allocations.exchange_max_percentage, 100);
      assert.deepEqual(body.open_exchange_allocations.groups, []);
      assert.deepEqual(body.private_exchange_allocations.blocked_suppliers, [{ id: 980, name: 'Supplier 980' }]);
      assert.deepEqual(body.private_exchange_allocations.groups, [
        { group_id: '1', group_name: 'Private group 1', min_percentage: 0, max_percentage: 100, supplier: { id: 1966, name: 'Supplier 1966' } },
      ]);
    });

    it('a PUT replaces them, keeps the group ids it names, numbers new groups, and get_target_group agrees', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/allocation-specification`;
      const update = {
        open_exchange_allocations: {
          blocked_supplier_ids: ['4351'], exchange_min_percentage: 5, exchange_max_percentage: 95,
          groups: [{ group_name: 'Premium', min_percentage: 10, max_percentage: 60, supplier_ids: ['420', '422'] }],
        },
        private_exchange_allocations: { blocked_supplier_ids: [], groups: [{ group_id: '1', group_name: 'Renamed private', min_percentage: 5, max_percentage: 50, supplier_id: '1966' }] },
      };
      const updated = await put(client, url, update);
      assert.equal(updated.statusCode, 204, updated.body);
      const read = await get(client, url);
      assertMatchesSpec('get_target_group_allocation_specification', 200, read.json());
      const open = read.json().open_exchange_allocations;
      // Named from get_suppliers' list (the document's example here), whose other supplier is the rest of the exchange.
      assert.deepEqual(open.blocked_suppliers, [{ id: 4351, name: 'Acme Inc' }]);
      assert.deepEqual(open.exchange_suppliers, [{ id: 3334, name: 'BCD Inc' }]);
      assert.deepEqual([open.exchange_min_percentage, open.exchange_max_percentage], [5, 95]);
      assert.deepEqual(open.groups, [{ group_id: '2', group_name: 'Premium', min_percentage: 10, max_percentage: 60, suppliers: [{ id: 420, name: 'Supplier 420' }, { id: 422, name: 'Supplier 422' }] }]);
      assert.deepEqual(read.json().private_exchange_allocations, {
        blocked_suppliers: [],
        groups: [{ group_id: '1', group_name: 'Renamed private', min_percentage: 5, max_percentage: 50, supplier: { id: 1966, name: 'Supplier 1966' } }],
      });
      const allocations = (await get(client, groupUrl)).json().allocations;
      assert.deepEqual(allocations.open_exchange_allocations.groups, open.groups);
      assert.deepEqual(allocations.private_exchange_allocations, read.json().private_exchange_allocations);
    });

    it('refuses a group id the target group does not have, and supplier ids that are not numbers, naming each', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/allocation-specification`;
      const refused = await put(client, url, {
        open_exchange_allocations: {
          blocked_supplier_ids: ['abc'], exchange_min_percentage: 0, exchange_max_percentage: 100,
          groups: [{ group_id: '7', group_name: 'Nope', min_percentage: 0, max_percentage: 100, supplier_ids: ['420'] }],
        },
        private_exchange_allocations: { blocked_supplier_ids: [], groups: [] },
      });
      assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'open_exchange_allocations.blocked_supplier_ids[0]', reason: /numeric id of a supplier/ }] });
      const unknownGroup = await put(client, url, {
        open_exchange_allocations: {
          blocked_supplier_ids: [], exchange_min_percentage: 0, exchange_max_percentage: 100,
          groups: [{ group_id: '7', group_name: 'Nope', min_percentage: 0, max_percentage: 100, supplier_ids: ['420'] }],
        },
        private_exchange_allocations: { blocked_supplier_ids: [], groups: [] },
      });
      assertCintError(unknownGroup, 400, 'bad_request_error', { invalid_params: [{ name: 'open_exchange_allocations.groups[0].group_id', reason: /names no group/ }] });
      // Nothing of either was kept.
      assert.deepEqual((await get(client, url)).json().private_exchange_allocations.blocked_suppliers, [{ id: 980, name: 'Supplier 980' }]);
    });
  });

  describe('the respondent-activity exclusions', () => {
    const OTHER_GROUP = '01KH2714RHRTGCGQV47FHHY8S8';
    const OTHER_PROJECT = '01KH287TE2W1GKTJJ91QCCHWP9';

    it('reads those the target group was created with, P90D where none was sent', async () => {
      const { client, groupUrl } = await draft({ respondent_activity_exclusions: [{ type: 'target-group', id: OTHER_GROUP, duration: 'P2W' }, { type: 'project', id: OTHER_PROJECT }] });
      const read = await get(client, `${groupUrl}/respondent-activity-exclusions`);
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json(), { respondent_activity_exclusions: [{ type: 'target-group', id: OTHER_GROUP, duration: 'P14D' }, { type: 'project', id: OTHER_PROJECT, duration: 'P90D' }] });
      assertMatchesSpec('get_target_group_respondent_activity_exclusions', 200, read.json());
    });

    it('a PUT replaces the list; an item\'s duration wins over the request\'s, which wins over P90D', async () => {
      const { client, groupUrl } = await draft();
      const url = `${groupUrl}/respondent-activity-exclusions`;
      const set = await put(client, url, { duration: 'P30D', respondent_activity_exclusions: [{ type: 'target-group', id: OTHER_GROUP }, { type: 'project', id: OTHER_PROJECT, duration: 'P2W' }] });
      assert.equal(set.statusCode, 204, set.body);
      const expected = [{ type: 'target-group', id: OTHER_GROUP, duration: 'P30D' }, { type: 'project', id: OTHER_PROJECT, duration: 'P14D' }];
      assert.deepEqual((await get(client, url)).json(), { respondent_activity_exclusions: expected });
      assert.deepEqual((await get(client, groupUrl)).json().respondent_activity_exclusions, expected);

      assert.equal((await put(client, url, { respondent_activity_exclusions: [{ type: 'project', id: OTHER_PROJECT }] })).statusCode, 204);
      assert.deepEqual((await get(client, url)).json(), { respondent_activity_exclusions: [{ type: 'project', id: OTHER_PROJECT, duration: 'P90D' }] });
      assert.equal((await put(client, url, { respondent_activity_exclusions: [] })).statusCode, 204);
      assert.deepEqual((await get(client, url)).json(), { respondent_activity_exclusions: [] });
    });

    it('refuses durations outside 1 to 396 days or with a time part, and the target group\'s own id or its project\'s', async () => {
      const { client, projectId, targetGroupId, groupUrl } = await draft();
      const url = `${groupUrl}/respondent-activity-exclusions`;
      const refused = await put(client, url, {
        duration: 'PT1H',
        respondent_activity_exclusions: [
          { type: 'target-group', id: targetGroupId }, { type: 'project', id: projectId, duration: 'P400D' },
          { type: 'target-group', id: OTHER_GROUP, duration: 'P0D' }, { type: 'project', id: OTHER_PROJECT, duration: 'P1Y' },
        ],
      });
      assertCintError(refused, 400, 'bad_request_error', {
        invalid_params: [
          { name: 'duration', reason: /date-based/ },
          { name: 'respondent_activity_exclusions[0].id', reason: /its own respondent activity/ },
          { name: 'respondent_activity_exclusions[1].id', reason: /its own respondent activity/ },
          { name: 'respondent_activity_exclusions[1].duration', reason: /between 1 and 396 days/ },
          { name: 'respondent_activity_exclusions[2].duration', reason: /between 1 and 396 days/ },
        ],
      });
      // The item that sent no duration took the request's and is named once, at the root.
      assert.equal(refused.json().invalid_params.length, 5, refused.body);
      // Nothing of it was kept; a year is within the bounds.
      assert.equal((await get(client, url)).json().respondent_activity_exclusions.length, 2);
      assert.equal((await put(client, url, { respondent_activity_exclusions: [{ type: 'project', id: OTHER_PROJECT, duration: 'P1Y' }] })).statusCode, 204);
      assert.deepEqual((await get(client, url)).json().respondent_activity_exclusions, [{ type: 'project', id: OTHER_PROJECT, duration: 'P1Y' }]);
    });
  });

  describe('the cost per interview and the filling strategy', () => {
    it('a launched target group\'s CPI is replaced, read back by the overview, with a changelog entry', async () => {
      const { client, projectId, targetGroupId, groupUrl } = await draft();
      const url = `${groupUrl}/cost-per-interview`;
      assertCintError(await put(client, url, { target_group_cpi: { value: '3.10', currency_code: 'USD' } }), 400, 'bad_request_error', { detail: /is a draft/ });
      await launch(app, client, projectId, targetGroupId);
      const updated = await put(client, url, { target_group_cpi: { value: '3.10', currency_code: 'EUR' } });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.deepEqual(updated.json(), { target_group_cpi: { value: '3.10', currency_code: 'EUR', currency_scale: 2 } });
      assertMatchesSpec('update_cost_per_interview', 200, updated.json());
      const overview = (await get(client, `${groupUrl}/overview`)).json();
      assert.deepEqual(overview.current_cost_per_interview, { value: '3.10', currency_code: 'EUR', currency_scale: 2 });
      const changelog = (await get(client, `${groupUrl}/changelog`)).json().changelog as { changes: { object: string; new_value: unknown; old_value: unknown }[] }[];
      assert.deepEqual(changelog[0]!.changes, [{
        object: 'user_requested_cpi_change',
        new_value: { value: '3.10', currency_code: 'EUR', currency_scale: 2 },
        old_value: null,
      }]);
      // The next one names it as its old value; the same CPI again records nothing.
      assert.equal((await put(client, url, { target_group_cpi: { value: '3.20', currency_code: 'EUR' } })).statusCode, 200);
      assert.equal((await put(client, url, { target_group_cpi: { value: '3.20', currency_code: 'EUR' } })).statusCode, 200);
      const changes = ((await get(client, `${groupUrl}/changelog`)).json().changelog as { changes: { object: string; old_value: unknown }[] }[])
        .flatMap((entry) => entry.changes).filter((change) => change.object === 'user_requested_cpi_change');
      assert.deepEqual(changes.map((change) => change.old_value), [{ value: '3.10', currency_code: 'EUR', currency_scale: 2 }, null]);
      assertMatchesSpec('get_target_group_changelog', 200, { changelog, next_cursor: '' });
    });

    it('refuses a CPI over 105.00 USD, one that is not a decimal, and a currency that is not a code, naming each', async () => {
      const { client, projectId, targetGroupId, groupUrl } = await draft();
      await launch(app, client, projectId, targetGroupId);
      const url = `${groupUrl}/cost-per-interview`;
      assertCintError(await put(client, url, { target_group_cpi: { value: '105.01', currency_code: 'USD' } }), 400, 'bad_request_error', { invalid_params: [{ name: 'target_group_cpi.value', reason: /105.00 USD/ }] });
      assertCintError(await put(client, url, { target_group_cpi: { value: 'cheap', currency_code: 'usd' } }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'target_group_cpi.value', reason: /decimal/ }, { name: 'target_group_cpi.currency_code', reason: /ISO 4217/ }],
      });
      assert.equal((await put(client, url, { target_group_cpi: { value: '105.00', currency_code: 'USD' } })).statusCode, 200);
      assert.equal((await put(client, url, { target_group_cpi: { value: '2000', currency_code: 'JPY' } })).json().target_group_cpi.currency_scale, 0);
    });

    it('the filling strategy is what was put, in every progress read, with a changelog entry when it changes', async () => {
      const { client, projectId, targetGroupId, groupUrl } = await draft();
      await launch(app, client, projectId, targetGroupId);
      const url = `${groupUrl}/filling-strategy`;
      const updated = await put(client, url, { filling_strategy: 'prescreens' });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.deepEqual(updated.json(), { filling_strategy: 'prescreens' });
      const overview = await get(client, `${groupUrl}/overview`);
      assert.equal(overview.json().progress.filling_strategy, 'prescreens');
      assertMatchesSpec('get_target_group_overview', 200, overview.json());
      const listed = (await get(client, targetGroupsUrl(projectId))).json().target_groups[0];
      assert.equal(listed.statistics.progress.value.filling_strategy, 'prescreens');
      assert.equal((await put(client, url, { filling_strategy: 'prescreens' })).statusCode, 200);
      const changelog = (await get(client, `${groupUrl}/changelog`)).json().changelog as { changes: { object: string }[] }[];
      assert.deepEqual(changelog.filter((entry) => entry.changes[0]!.object === 'filling_strategy_change').map((entry) => entry.changes[0]),
        [{ object: 'filling_strategy_change', new_value: 'prescreens', old_value: 'completes' }]);
    });
  });

  it('what these PUTs and the details PUT store counts towards the session\'s bytes', async () => {
    const { client, projectId, targetGroupId, groupUrl } = await draft();
    const bytes = async () => (await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}` })).json().bytes as number;
    const before = await bytes();
    const exclusions = Array.from({ length: 200 }, (_, index) => ({ type: 'project', id: `01KH287TE2W1GKTJJ91QC${String(index).padStart(5, '0')}` }));
    assert.equal((await put(client, `${groupUrl}/respondent-activity-exclusions`, { respondent_activity_exclusions: exclusions })).statusCode, 204);
    const withExclusions = await bytes();
    assert.ok(withExclusions - before > 200 * 40, `${before} -> ${withExclusions}`);
    await launch(app, client, projectId, targetGroupId);
    const launched = await bytes();
    const details = (await get(client, `${groupUrl}/details`)).json();
    const longUrl = `https://example.com/live?${'q'.repeat(20_000)}`;
    const updated = await put(client, `${groupUrl}/details`, {
      name: details.name, project_manager_id: details.project_manager_id, expected_length_of_interview_minutes: details.expected_length_of_interview_minutes,
      expected_incidence_rate: details.expected_incidence_rate, industry_lockout_code: details.industry_lockout_code, live_url: longUrl, test_url: details.test_url,
    });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.ok((await bytes()) - launched > 20_000, `${launched} -> ${await bytes()}`);
  });
});
