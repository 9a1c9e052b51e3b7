// The allocation templates as one coherent set: the global templates the list shows, each read the same by
// its id and through a business unit, and no other; the system template of the locale asked, with the
// suppliers get_suppliers lists; an account's association naming a template that exists, gone with it;
// and the allocation rules (a minimum above its maximum, minimums past 100, a supplier in two places, two
// exchange entries) refused by every operation that takes allocations, the document's own examples taken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ulid } from 'ulid';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, fixtures, makeApp, MANAGER_ID, targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';

const accountUrl = `/v1/demand/accounts/${ACCOUNT}`;
const globalUrl = (templateId: string) => `/v1/demand/allocation-templates/${templateId}`;
const globalForUnitUrl = (templateId: string, unit = '3337') => `${accountUrl}/business-units/${unit}/global-allocation-templates/${templateId}?locale=eng_us`;
const associationUrl = `${accountUrl}/allocation-template-association`;
const NOWHERE = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const TEMPLATE_A = '01JT5Z59MAKQ82J5K9Y3YGFNHN';
const TEMPLATE_B = '01JT5Z59MAKQ82J5K9Y3YGFNJM';

/** The invalid_params names of a 400, in order, after checking its envelope. */
function refusedNames(response: LightMyRequestResponse): string[] {
  const body = assertCintError(response, 400, 'bad_request_error', { invalid_params: [] });
  return (body.invalid_params as { name: string }[]).map((param) => param.name);
}

describe('global allocation templates: the ones the list shows, read the same everywhere', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(async () => app.close());

  it('each listed template reads by its id with the list\'s name, the document\'s rules and get_suppliers\' suppliers', async () => {
    const listed = await app.inject({ url: '/v1/demand/allocation-templates', headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    const templates = listed.json().templates as { template_id: string; name: string }[];
    assert.deepEqual(templates.map((template) => [template.template_id, template.name]), [[TEMPLATE_A, 'Global Template A'], [TEMPLATE_B, 'Global Template B']]);
    for (const { template_id, name } of templates) {
      const read = await app.inject({ url: globalUrl(template_id), headers: client.headers() });
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_global_allocation_template_by_template_id', 200, read.json(), true, read.headers);
      // The example's rules (the exchange at 80-100%, supplier 101 blocked); the exchange's suppliers are
      // those get_suppliers lists (4351 Acme Inc, 3334 BCD Inc), 101 named after itself (decision 53).
      assert.deepEqual(read.json(), {
        template_id, name,
        supply_allocations: [
          { type: 'exchange', percentage_min: 80, percentage_max: 100, suppliers: [{ supplier_id: 4351, name: 'Acme Inc' }, { supplier_id: 3334, name: 'BCD Inc' }] },
          { type: 'blocked', suppliers: [{ supplier_id: 101, name: 'Supplier 101' }] },
        ],
      });
      assert.match(String(read.headers.etag), /^W\/"[0-9a-f]+"$/);
    }
  });

  it('through a business unit, the same template in its own shape, modified as the list says', async () => {
    const read = await app.inject({ url: globalForUnitUrl(TEMPLATE_B), headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_global_allocation_template_by_id_for_business_unit_id', 200, read.json(), true, read.headers);
    assert.deepEqual(read.json(), {
      template_id: TEMPLATE_B,
      template_name: 'Global Template B',
      open_exchange_allocations: {
        exchange_suppliers: [{ supplier_id: '4351', supplier_name: 'Acme Inc' }, { supplier_id: '3334', supplier_name: 'BCD Inc' }],
        blocked_suppliers: [{ supplier_id: '101', supplier_name: 'Supplier 101' }],
        exchange_min_percentage: 80,
        exchange_max_percentage: 100,
        groups: [],
      },
      private_exchange_allocations: { blocked_suppliers: [] },
      last_modified_at: '2024-06-17T11:00:00Z',
      last_modified_by: MANAGER_ID,
    });
  });

  it('an id the list does not show is a 404 naming template_id on both reads, an account template\'s too', async () => {
    const created = await app.inject({
      method: 'POST', url: `${accountUrl}/allocation-templates`, headers: client.headers({ 'idempotency-key': ulid() }),
      payload: { name: 'Account own', supply_allocations: [{ type: 'blocked', suppliers: [{ supplier_id: 4351 }] }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const own = String(created.headers.location).split('/').at(-1)!;
    for (const id of [NOWHERE, own]) {
      for (const url of [globalUrl(id), globalForUnitUrl(id)]) {
        const refused = await app.inject({ url, headers: client.headers() });
        assertCintError(refused, 404, 'not_found_error', { detail: 'template_id: the specified resource was not found' });
      }
    }
  });
});

describe('global allocation templates from the user\'s reference data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cint-mock-allocation-templates-'));
  let app: MockApp;
  let client: Client;
  const mine = '01JV0000000000000000000001';
  before(async () => {
    const file = join(dir, 'reference.json');
    writeFileSync(file, JSON.stringify({
      list_global_allocation_templates: {
        templates: [{ template_id: mine, name: 'Nordic panels', last_modified_at: '2025-01-02T03:04:05Z', last_modified_by: MANAGER_ID }],
        has_more: false, next_cursor: '',
      },
      get_global_allocation_template_by_template_id: {
        template_id: mine, name: 'ignored: the list names it',
        supply_allocations: [{ type: 'group', name: 'Nordics', percentage_min: 10, percentage_max: 40, suppliers: [{ supplier_id: 77, name: 'Ignored', type: 'survey_panels' }] }],
      },
      get_suppliers: { suppliers: [{ id: 77, code: 'NOR', name: 'Nordic Panel' }, { id: 78, code: 'FIN', name: 'Finnish Panel' }] },
    }));
    app = await makeApp({ referenceData: file });
    client = await clientOf(app);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the templates are the user\'s list, with the rules of the user\'s template and the user\'s suppliers', async () => {
    const read = await app.inject({ url: globalUrl(mine), headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_global_allocation_template_by_template_id', 200, read.json(), true, read.headers);
    assert.deepEqual(read.json(), {
      template_id: mine, name: 'Nordic panels',
      supply_allocations: [{ type: 'group', name: 'Nordics', percentage_min: 10, percentage_max: 40, suppliers: [{ supplier_id: 77, name: 'Nordic Panel' }] }],
    });
    const forUnit = await app.inject({ url: globalForUnitUrl(mine), headers: client.headers() });
    assert.equal(forUnit.statusCode, 200, forUnit.body);
    assert.deepEqual(forUnit.json().open_exchange_allocations, {
      exchange_suppliers: [{ supplier_id: '78', supplier_name: 'Finnish Panel' }],
      blocked_suppliers: [],
      exchange_min_percentage: 0,
      exchange_max_percentage: 100,
      groups: [{ group_name: 'Nordics', min_percentage: 10, max_percentage: 40, suppliers: [{ supplier_id: '77', supplier_name: 'Nordic Panel' }] }],
    });
    assert.equal(forUnit.json().last_modified_at, '2025-01-02T03:04:05Z');
    assertCintError(await app.inject({ url: globalUrl(TEMPLATE_A), headers: client.headers() }), 404, 'not_found_error', { detail: 'template_id: the specified resource was not found' });
  });

  it('an account\'s default before any association is the first global template of the user\'s list', async () => {
    const read = await app.inject({ url: associationUrl, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json(), { template_id: mine });
  });

  it('the system template lists the user\'s suppliers', async () => {
    const read = await app.inject({ url: '/v1/demand/system-allocation-template?locale=swe_se', headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json().supply_allocations[0].suppliers, [{ supplier_id: 77, name: 'Nordic Panel' }, { supplier_id: 78, name: 'Finnish Panel' }]);
  });
});

describe('the system allocation template: the locale asked for, every supplier get_suppliers lists', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(async () => app.close());

  it('by locale and through a business unit, the same suppliers under the locale\'s name', async () => {
    const suppliers = await app.inject({ url: '/v1/suppliers', headers: client.headers() });
    assert.deepEqual(suppliers.json().suppliers.map((supplier: { id: number }) => supplier.id), [4351, 3334]);

    const read = await app.inject({ url: '/v1/demand/system-allocation-template?locale=jpn_jp', headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_system_allocation_template', 200, read.json(), true, read.headers);
    assert.deepEqual(read.json(), {
      name: 'System Default for jpn_jp',
      supply_allocations: [{ type: 'exchange', percentage_min: 100, percentage_max: 100, suppliers: [{ supplier_id: 4351, name: 'Acme Inc' }, { supplier_id: 3334, name: 'BCD Inc' }] }],
    });

    const forUnit = await app.inject({ url: `${accountUrl}/business-units/3337/system-allocation-template?locale=jpn_jp`, headers: client.headers() });
    assert.equal(forUnit.statusCode, 200, forUnit.body);
    assertMatchesSpec('get_system_allocation_template_by_business_unit_id', 200, forUnit.json(), true, forUnit.headers);
    assert.deepEqual(forUnit.json(), {
      template_name: 'System Default for jpn_jp',
      open_exchange_allocations: {
        exchange_suppliers: [{ supplier_id: '4351', supplier_name: 'Acme Inc' }, { supplier_id: '3334', supplier_name: 'BCD Inc' }],
        exchange_min_percentage: 100,
        exchange_max_percentage: 100,
      },
      private_exchange_allocations: { blocked_suppliers: [] },
    });
  });

  it('a business_unit_id that is not digits is a 400 naming it, on every read of a business unit\'s, as in a body (decision 14)', async () => {
    const urls = [
      `${accountUrl}/business-units/abc/system-allocation-template?locale=eng_us`,
      `${accountUrl}/business-units/abc/global-allocation-templates/${TEMPLATE_A}?locale=eng_us`,
      `${accountUrl}/business-units/12ab/account-allocation-templates/${TEMPLATE_A}?locale=eng_us`,
      `${accountUrl}/business-units/abc/rate-card?country_code=US`,
      `${accountUrl}/business-units/-1/target-groups/${TEMPLATE_A}/price`,
    ];
    for (const url of urls) {
      assertCintError(await app.inject({ url, headers: client.headers() }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'business_unit_id', reason: "'business_unit_id' must be the numeric id of a business unit." }],
      });
    }
  });
});

describe('the account\'s allocation template association names a template that exists', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  const associate = (client: Client, templateId: unknown, ifMatch = '*') =>
    app.inject({ method: 'PUT', url: associationUrl, headers: client.headers({ 'if-match': ifMatch }), payload: { template_id: templateId } });
  const association = async (client: Client) => {
    const read = await app.inject({ url: associationUrl, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_account_allocation_template_association', 200, read.json(), true, read.headers);
    return read.json();
  };
  const createTemplate = async (client: Client, name: string) => {
    const created = await app.inject({
      method: 'POST', url: `${accountUrl}/allocation-templates`, headers: client.headers({ 'idempotency-key': ulid() }),
      payload: { name, supply_allocations: [{ type: 'blocked', suppliers: [{ supplier_id: 4351 }] }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    return String(created.headers.location).split('/').at(-1)!;
  };

  it('an account template or a global one is associated and read back; a malformed template_id is a 400 naming it, any other a 404', async () => {
    const client = await clientOf(app);
    const own = await createTemplate(client, 'Our default');
    const fresh = await app.inject({ url: associationUrl, headers: client.headers() });
    const set = await associate(client, own, String(fresh.headers.etag));
    assert.equal(set.statusCode, 204, set.body);
    assert.deepEqual(await association(client), { template_id: own });
    assert.equal((await associate(client, TEMPLATE_B)).statusCode, 204);
    assert.deepEqual(await association(client), { template_id: TEMPLATE_B });

    assertCintError(await associate(client, 'abc'), 400, 'bad_request_error', { invalid_params: [{ name: 'template_id', reason: "'template_id' must be a valid ulid." }] });
    assertCintError(await associate(client, NOWHERE), 404, 'not_found_error', {
      detail: `template_id: the specified resource was not found (${NOWHERE} is neither an allocation template of account ${ACCOUNT} nor a global one)`,
    });
    // Another client's (another session's) template is not this account's.
    const stranger = await clientOf(app);
    assertCintError(await associate(client, await createTemplate(stranger, 'Not yours')), 404, 'not_found_error');
    // None of them changed it.
    assert.deepEqual(await association(client), { template_id: TEMPLATE_B });
  });

  it('the first write over the default is held to the ETag its read answered: a stale one is 412, and of two writers from one read only the first lands', async () => {
    const client = await clientOf(app);
    const fresh = await app.inject({ url: associationUrl, headers: client.headers() });
    const etag = String(fresh.headers.etag);
    const stale = await associate(client, TEMPLATE_B, 'W/"garbage"');
    assertCintError(stale, 412, 'precondition_failed_error');
    assertMatchesSpec('set_account_allocation_template_association', 412, stale.json());
    assert.deepEqual(await association(client), fresh.json(), 'a refused write changes nothing');
    assert.equal((await associate(client, TEMPLATE_B, etag)).statusCode, 204);
    assertCintError(await associate(client, TEMPLATE_A, etag), 412, 'precondition_failed_error');
    assert.deepEqual(await association(client), { template_id: TEMPLATE_B });
  });

  it('the association goes with its template: once the template is deleted the account\'s default is as before any was set', async () => {
    const client = await clientOf(app);
    const own = await createTemplate(client, 'Short lived');
    const other = await createTemplate(client, 'Unrelated');
    assert.equal((await associate(client, own)).statusCode, 204);
    // Deleting another template leaves the association alone.
    assert.equal((await app.inject({ method: 'DELETE', url: `${accountUrl}/allocation-templates/${other}`, headers: client.headers() })).statusCode, 204);
    assert.deepEqual(await association(client), { template_id: own });
    assert.equal((await app.inject({ method: 'DELETE', url: `${accountUrl}/allocation-templates/${own}`, headers: client.headers() })).statusCode, 204);
    assert.deepEqual(await association(client), { template_id: TEMPLATE_A });
    assertCintError(await associate(client, own), 404, 'not_found_error');
  });
});

describe('allocation rules: what no allocation can be filled under is a 400 naming each field', () => {
  let app: MockApp;
  let client: Client;
  let projectId: string;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
    projectId = (await createProject(app, client)).id;
  });
  after(async () => app.close());

  const createTemplate = (body: unknown) =>
    app.inject({ method: 'POST', url: `${accountUrl}/allocation-templates`, headers: client.headers({ 'idempotency-key': ulid() }), payload: body as object });

  it('create_account_allocation_template and its update: a minimum above its maximum, minimums past 100, a supplier in two groups, two exchange entries', async () => {
    const body = {
      name: 'Broken template',
      supply_allocations: [
        { type: 'exchange', percentage_min: 50, percentage_max: 20 },
        { type: 'exchange', percentage_min: 0, percentage_max: 100 },
        { type: 'group', name: 'Premium', percentage_min: 60, percentage_max: 100, suppliers: [{ supplier_id: 4351 }, { supplier_id: 3334 }] },
        { type: 'group', name: 'Budget', percentage_min: 0, percentage_max: 100, suppliers: [{ supplier_id: 3334 }] },
        // Blocked and grouped is taken, as the document's update_target_group example does it.
        { type: 'blocked', suppliers: [{ supplier_id: 4351 }] },
      ],
    };
    const refused = await createTemplate(body);
    const error = assertCintError(refused, 400, 'bad_request_error', { invalid_params: [] });
    assert.deepEqual(error.invalid_params, [
      { name: 'supply_allocations[1].type', reason: "'supply_allocations[1].type': a template has one exchange entry, and supply_allocations[0] is it." },
      { name: 'supply_allocations[0].percentage_min', reason: "'supply_allocations[0].percentage_min' (50) must not be above 'supply_allocations[0].percentage_max' (20)." },
      { name: 'supply_allocations[2].percentage_min', reason: "'supply_allocations[2].percentage_min' (60) is one of the minimums, which add up to 110: together they must not be above 100." },
      {
        name: 'supply_allocations[3].suppliers[0].supplier_id',
        reason: "'supply_allocations[3].suppliers[0].supplier_id' names supplier 3334, which 'supply_allocations[2].suppliers[1].supplier_id' names already: a supplier is in one group at most.",
      },
    ]);
    assertMatchesSpec('create_account_allocation_template', 400, error);

    // Two groups whose minimums pass 100 name both; the update is held to the same rules.
    const good = await createTemplate({ name: 'Good template', supply_allocations: [{ type: 'exchange', percentage_min: 0, percentage_max: 100 }] });
    assert.equal(good.statusCode, 201, good.body);
    const location = String(good.headers.location);
    const update = await app.inject({
      method: 'PUT', url: location, headers: client.headers(),
      payload: { name: 'Good template', supply_allocations: [
        { type: 'group', name: 'A', percentage_min: 60, percentage_max: 100, suppliers: [{ supplier_id: 4351 }] },
        { type: 'group', name: 'B', percentage_min: 60, percentage_max: 100, suppliers: [{ supplier_id: 4351 }] },
      ] },
    });
    assert.deepEqual(refusedNames(update), ['supply_allocations[0].percentage_min', 'supply_allocations[1].percentage_min', 'supply_allocations[1].suppliers[0].supplier_id']);
    const kept = await app.inject({ url: location, headers: client.headers() });
    assert.equal(kept.json().supply_allocations.length, 1, 'the refused update changed nothing');
  });

  it('the rules\' problems come in the same 400 as the schema\'s', async () => {
    const refused = await createTemplate({ name: 'ab', supply_allocations: [{ type: 'exchange', percentage_min: 50, percentage_max: 20 }, { type: 'group', name: 'G', percentage_min: 0, percentage_max: 101, suppliers: [] }] });
    assert.deepEqual(refusedNames(refused), ['supply_allocations[0].percentage_min', 'name', 'supply_allocations[1].percentage_max']);
  });

  it('update_target_group_allocation_specification: the exchange\'s minimum above its maximum, a supplier in two groups, minimums past 100', async () => {
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const url = `${targetGroupsUrl(projectId)}/${targetGroupId}/allocation-specification`;
    const before = (await app.inject({ url, headers: client.headers() })).json();
    const refused = await app.inject({
      method: 'PUT', url, headers: client.headers(),
      payload: {
        open_exchange_allocations: {
          blocked_supplier_ids: ['3334'], exchange_min_percentage: 90, exchange_max_percentage: 10,
          groups: [
            { group_name: 'Premium', min_percentage: 20, max_percentage: 80, supplier_ids: ['4351', '3334'] },
            { group_name: 'Budget', min_percentage: 0, max_percentage: 80, supplier_ids: ['4351'] },
          ],
        },
        private_exchange_allocations: {
          // Blocked twice, and blocked and grouped, are taken; a second group is not.
          blocked_supplier_ids: ['980', '980'],
          groups: [
            { group_name: 'Private', min_percentage: 0, max_percentage: 50, supplier_id: '980' },
            { group_name: 'Private too', min_percentage: 0, max_percentage: 50, supplier_id: '980' },
          ],
        },
      },
    });
    const error = assertCintError(refused, 400, 'bad_request_error', { invalid_params: [] });
    assert.deepEqual(error.invalid_params, [
      {
        name: 'open_exchange_allocations.exchange_min_percentage',
        reason: "'open_exchange_allocations.exchange_min_percentage' (90) must not be above 'open_exchange_allocations.exchange_max_percentage' (10).",
      },
      {
        name: 'open_exchange_allocations.groups[0].min_percentage',
        reason: "'open_exchange_allocations.groups[0].min_percentage' (20) is one of the minimums, which add up to 110: together they must not be above 100.",
      },
      {
        name: 'open_exchange_allocations.groups[1].supplier_ids[0]',
        reason: "'open_exchange_allocations.groups[1].supplier_ids[0]' names supplier 4351, which 'open_exchange_allocations.groups[0].supplier_ids[0]' names already: a supplier is in one group at most.",
      },
      {
        name: 'private_exchange_allocations.groups[1].supplier_id',
        reason: "'private_exchange_allocations.groups[1].supplier_id' names supplier 980, which 'private_exchange_allocations.groups[0].supplier_id' names already: a supplier is in one group at most.",
      },
    ]);
    assertMatchesSpec('update_target_group_allocation_specification', 400, error);
    assert.deepEqual((await app.inject({ url, headers: client.headers() })).json(), before, 'nothing changed');
  });

  it('create_target_group: the same rules on its allocations, named under allocations.', async () => {
    const refused = await app.inject({
      method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(),
      payload: targetGroupBody({ allocations: { open_exchange_allocations: {
        blocked_supplier_ids: [], exchange_min_percentage: 50, exchange_max_percentage: 100,
        groups: [
          { group_name: 'A', min_percentage: 30, max_percentage: 20, suppliers: ['4351'] },
          { group_name: 'B', min_percentage: 30, max_percentage: 100, suppliers: ['4351'] },
        ],
      } } }),
    });
    assert.deepEqual(refusedNames(refused), [
      'allocations.open_exchange_allocations.groups[0].min_percentage',
      'allocations.open_exchange_allocations.exchange_min_percentage',
      'allocations.open_exchange_allocations.groups[1].min_percentage',
      'allocations.open_exchange_allocations.groups[1].suppliers[0]',
    ]);
  });

  it('update_target_group and create_target_group take a supplier blocked and grouped, as the document\'s own update example does it', async () => {
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const url = `${targetGroupsUrl(projectId)}/${targetGroupId}`;
    const example = fixtures.operations.update_target_group!.requestExample as { allocations: unknown };
    const taken = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ allocations: example.allocations }) });
    assert.equal(taken.statusCode, 204, taken.body);
    // What the update takes, a create takes too.
    const created = await app.inject({ method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: targetGroupBody({ allocations: example.allocations }) });
    assert.equal(created.statusCode, 201, created.body);
    const refused = await app.inject({
      method: 'PUT', url, headers: client.headers(),
      payload: targetGroupBody({ allocations: { open_exchange_allocations: { blocked_supplier_ids: [], exchange_min_percentage: 70, exchange_max_percentage: 60, groups: [] } } }),
    });
    assert.deepEqual(refusedNames(refused), ['allocations.open_exchange_allocations.exchange_min_percentage']);
  });

  it('the Fielding Assistant\'s dynamic pricing: a minimum_cpi above its maximum_cpi is a 400 naming it, on the assignment and in a target group', async () => {
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const url = `${targetGroupsUrl(projectId)}/${targetGroupId}/fielding-assistant-assignment`;
    const pricing = (min: string, max: string, currency = 'USD') => ({
      type: 'dynamic', minimum_cpi: { value: min, currency_code: currency }, maximum_cpi: { value: max, currency_code: 'USD' },
    });
    const put = (body: unknown) => app.inject({ method: 'PUT', url, headers: client.headers(), payload: body as object });
    const refused = await put({ pricing: pricing('6.00', '5.00') });
    const error = assertCintError(refused, 400, 'bad_request_error', { invalid_params: [] });
    assert.deepEqual(error.invalid_params, [{ name: 'pricing.minimum_cpi.value', reason: "'pricing.minimum_cpi.value' (6.00) must not be above 'pricing.maximum_cpi.value' (5.00)." }]);
    // The same value is taken (the document's create_target_group example gives both one value), and so is a lower one.
    for (const [min, max] of [['5.00', '5.00'], ['4.99', '5']]) assert.equal((await put({ pricing: pricing(min!, max!) })).statusCode, 204, `${min} to ${max}`);
    const created = await app.inject({
      method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(),
      payload: targetGroupBody({ fielding_assistant_assignment: { pricing: pricing('9', '2.7352') } }),
    });
    assert.deepEqual(refusedNames(created), ['fielding_assistant_assignment.pricing.minimum_cpi.value']);
  });

  it('the document\'s own request examples keep the rules', async () => {
    const examples = (id: string) => fixtures.operations[id]!.requestExample as Record<string, unknown>;
    const created = await createTemplate(examples('create_account_allocation_template'));
    assert.equal(created.statusCode, 201, created.body);
    const location = String(created.headers.location);
    const updated = await app.inject({ method: 'PUT', url: location, headers: client.headers(), payload: examples('update_account_allocation_template') });
    assert.equal(updated.statusCode, 204, updated.body);
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const specification = await app.inject({
      method: 'PUT', url: `${targetGroupsUrl(projectId)}/${targetGroupId}/allocation-specification`, headers: client.headers(),
      payload: { ...examples('update_target_group_allocation_specification'), open_exchange_allocations: {
        ...(examples('update_target_group_allocation_specification').open_exchange_allocations as object),
        // The example updates group 1, which a new target group has not got: the rules are what is tried here.
        groups: [{ group_name: 'Premium Tier', min_percentage: 50, max_percentage: 80, supplier_ids: ['420', '422'] }],
      } },
    });
    assert.equal(specification.statusCode, 204, specification.body);
  });
});
