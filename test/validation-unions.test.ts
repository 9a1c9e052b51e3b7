// A body that fails a union whose branches are told apart by a discriminator (`type`, `object`,
// `profiling.profile_adjustment_type`) is answered with the errors of the branch the client named, and
// only those; a discriminator that names no branch is one entry listing the values allowed. A union told
// apart only by which fields a value has is answered with the errors of the branches it could be.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { discriminateUnions } from '../src/cint/discriminated-unions.js';
import { operationTable } from '../src/cint/spec.generated.js';
import { ACCOUNT, assertCintError, clientOf, fixtures, makeApp, type Client } from './helpers.js';

// Validation comes before existence: these ids need not name anything.
const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';
const TARGET_GROUP = '01K40T69E63BHTT9MAJYRBQ8HZ';
const PRICE_URL = `/v1/demand/accounts/${ACCOUNT}/business-units/1234/generate-price-prediction`;
const GROUP_URL = `/v1/demand/accounts/${ACCOUNT}/projects/${PROJECT}/target-groups/${TARGET_GROUP}`;

/** Asserts a 400 whose invalid_params are exactly these, in this order. */
function assertInvalidParams(response: LightMyRequestResponse, expected: [name: string, reason: string][]) {
  const body = assertCintError(response, 400, 'bad_request_error', { invalid_params: expected.map(([name, reason]) => ({ name, reason })) });
  assert.deepEqual(body.invalid_params, expected.map(([name, reason]) => ({ name, reason })));
}

describe('unions told apart by a discriminator', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(() => app.close());

  const rateCard = (more: Record<string, unknown> = {}) => ({
    type: 'rate_card', country_code: 'us', expected_length_of_interview_minutes: 10, expected_incidence_rate: 0.5,
    maximum_cpi: { value: '5.00', currency_code: 'USD' }, ...more,
  });
  const predict = (config: unknown) => app.inject({ method: 'POST', url: PRICE_URL, headers: client.headers(), payload: { config } });
  const assign = (payload: unknown) =>
    app.inject({ method: 'PUT', url: `${GROUP_URL}/fielding-assistant-assignment`, headers: client.headers(), payload: payload as object });

  it('generate_price_prediction: a rate_card config is held to the rate_card shape only', async () => {
    assertInvalidParams(await predict(rateCard({ expected_incidence_rate: 2 })), [
      ['config.expected_incidence_rate', "'config.expected_incidence_rate' must be <= 1."],
    ]);
  });

  it('generate_price_prediction: a type that names no shape is one entry listing the types allowed', async () => {
    assertInvalidParams(await predict(rateCard({ type: 'fixed', expected_incidence_rate: 2 })), [
      ['config.type', "'config.type' must be one of: rate_card, dynamic."],
    ]);
    assertInvalidParams(await predict(rateCard({ type: 7 })), [
      ['config.type', "'config.type' must be one of: rate_card, dynamic."],
    ]);
  });

  it('generate_price_prediction: a config without a type is told to send one; one that is no object, that it must be one', async () => {
    assertInvalidParams(await predict({ country_code: 'us' }), [['config.type', "'config.type' is required."]]);
    assertInvalidParams(await predict('rate_card'), [['config', "'config' must be of type object."]]);
  });

  it('create_or_update_fielding_assistant_assignment: a linear pacing is held to the linear shape only', async () => {
    assertInvalidParams(await assign({ pacing: { type: 'linear', increment_interval: 'hourly' } }), [
      ['pacing.increment_interval', "'pacing.increment_interval' must be a valid duration."],
    ]);
  });

  it('create_or_update_fielding_assistant_assignment: a pacing may still be null, and one that is neither says both', async () => {
    assertInvalidParams(await assign({ pacing: { type: 'steady', increment_interval: 'PT1H' } }), [
      ['pacing.type', "'pacing.type' must be one of: linear, adaptive, gemini."],
    ]);
    assertInvalidParams(await assign({ pacing: 'linear' }), [['pacing', "'pacing' must be of type object or null."]]);
    // Past validation, the target group these ids name is not found.
    assertCintError(await assign({ pacing: null }), 404, 'not_found_error');
  });

  it('create_account_allocation_template: a group allocation is held to the group shape only', async () => {
    const response = await app.inject({
      method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/allocation-templates`,
      headers: client.headers({ 'idempotency-key': '01JT5Z59MAKQ82J5K9Y3YGFNZA' }),
      payload: {
        name: 'Grouped suppliers',
        supply_allocations: [
          { type: 'blocked', suppliers: [{ supplier_id: 7 }] },
          { type: 'group', name: 'Panel A', percentage_min: 0, percentage_max: 150, suppliers: [{ supplier_id: 101 }] },
        ],
      },
    });
    assertInvalidParams(response, [
      ['supply_allocations[1].percentage_max', "'supply_allocations[1].percentage_max' must be <= 100."],
    ]);
  });

  it('manage_target_group_profiles: a profile_adjustment_type that names no shape is one entry listing those allowed', async () => {
    const response = await app.inject({
      method: 'POST', url: `${GROUP_URL}/profiles/manage-profiles`, headers: client.headers(),
      payload: { completes_goal: 100, profiling: { profile_adjustment_type: 'percent', template_id: 'template-1' } },
    });
    assertInvalidParams(response, [
      ['profiling.profile_adjustment_type', "'profiling.profile_adjustment_type' must be one of: percentage, nominal."],
    ]);
  });

  it('calculate_target_group_feasibility: a condition is held to the shape its object names, an open-ended one to the one its allow_all_values names', async () => {
    const feasibility = (conditions: unknown[]) => app.inject({
      method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/target-groups/calculate-feasibility`, headers: client.headers(),
      payload: {
        ...(fixtures.operations.calculate_target_group_feasibility!.requestExample as object),
        profiling: { profile_adjustment_type: 'nominal', profiles: [{ object: 'regular', quotas_enabled: false, targets: [{ name: 'Adults', conditions }] }] },
      },
    });
    const at = 'profiling.profiles[0].targets[0].conditions';
    assertInvalidParams(await feasibility([{ object: 'range', question_id: 42, min: 18, max: 120 }]), [
      [`${at}[0].max`, `'${at}[0].max' must be <= 99.`],
    ]);
    assertInvalidParams(await feasibility([{ object: 'open_ended', question_id: 42, allow_all_values: false, open_ended_values: [] }]), [
      [`${at}[0].open_ended_values`, `'${at}[0].open_ended_values' must have at least 1 items.`],
    ]);
    assertInvalidParams(await feasibility([{ object: 'zip', question_id: 42 }]), [
      [`${at}[0].object`, `'${at}[0].object' must be one of: selection, range, open_ended.`],
    ]);
  });
});

describe('unions told apart by the fields a value has', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(() => app.close());

  const fillingGoal = (payload: unknown) =>
    app.inject({ method: 'PUT', url: `${GROUP_URL}/profiles/completes-goal`, headers: client.headers(), payload: payload as object });
  const GOAL = { profile_id: '01K40T69E63BHTT9MAJYRBQ8J0', targets: [{ id: '01K40T69E63BHTT9MAJYRBQ8J1', quota: { completes_goal: 10 } }] };

  it('update_profile_filling_goal: a body of completes_goal alone is held to that shape only', async () => {
    // Before: also "'profiles' is required" and "'body' does not match any of the allowed shapes".
    assertInvalidParams(await fillingGoal({ completes_goal: '800' }), [['completes_goal', "'completes_goal' must be of type number."]]);
    assertInvalidParams(await fillingGoal({ completes_goal: 0 }), [['completes_goal', "'completes_goal' must be >= 1."]]);
  });

  it('update_profile_filling_goal: a body of profiles alone is held to the shapes that have them', async () => {
    assertInvalidParams(await fillingGoal({ profiles: [{ ...GOAL, targets: [{ id: GOAL.targets[0]!.id, quota: {} }] }] }), [
      ['profiles[0].targets[0].quota.completes_goal', "'profiles[0].targets[0].quota.completes_goal' is required."],
    ]);
  });

  it('update_profile_filling_goal: a body with neither, or both, still meets every shape', async () => {
    assertInvalidParams(await fillingGoal({}), [
      ['completes_goal', "'completes_goal' is required."], ['profiles', "'profiles' is required."], ['body', "'body' does not match any of the allowed shapes."],
    ]);
    assertInvalidParams(await fillingGoal({ completes_goal: '800', profiles: [GOAL] }), [
      ['completes_goal', "'completes_goal' must be of type number."], ['profiles', "'profiles' must have at most 0 items."], ['body', "'body' does not match any of the allowed shapes."],
    ]);
  });

  it('create_profile_template: a target without a quota is held to the shape without one', async () => {
    const template = (target: unknown) => app.inject({
      method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/profiling-templates`, headers: client.headers(),
      payload: { name: 'T', label: 'L', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [{ object: 'regular', quotas_enabled: false, targets: [target] }] } },
    });
    const at = 'profiling.profiles[0].targets[0]';
    // Before: also "'…targets[0].quota' is required" and "'…targets[0]' does not match any of the allowed shapes".
    assertInvalidParams(await template({ name: 'All', conditions: [] }), [[`${at}.conditions`, `'${at}.conditions' must have at least 1 items.`]]);
  });
});

describe('discriminateUnions', () => {
  const bodyOf = (id: string) => (operationTable as Record<string, { schemas: { body?: unknown } }>)[id]!.schemas.body;
  /** The part of a schema at these keys. */
  const dig = (schema: unknown, ...keys: (string | number)[]): unknown =>
    keys.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], schema);

  it('leaves a union with no discriminator as it is, and the schema it was given unchanged', () => {
    const body = bodyOf('calculate_target_group_feasibility');
    const before = JSON.stringify(body);
    const rewritten = discriminateUnions(body);
    assert.equal(JSON.stringify(body), before);
    // A profile is regular or blended, as its object says ...
    const profiles = dig(rewritten, 'properties', 'profiling', 'properties', 'profiles', 'items');
    assert.equal(dig(profiles, 'if', 'properties', 'object', 'const'), 'regular');
    // ... and a quota is a share or a count, with nothing that names which: left an anyOf.
    assert.deepEqual(dig(profiles, 'then', 'properties', 'targets', 'items', 'properties', 'quota'),
      dig(body, 'properties', 'profiling', 'properties', 'profiles', 'items', 'anyOf', 0, 'properties', 'targets', 'items', 'properties', 'quota'));
    // ProfilingRequest: one branch allows two adjustment types, and "No profiling" is any object (decision 28).
    const profiling = dig(bodyOf('create_target_group'), 'properties', 'profiling');
    assert.equal((dig(discriminateUnions(profiling), 'anyOf') as unknown[]).length, 4);
    assert.deepEqual(dig(discriminateUnions(profiling), 'anyOf', 3), dig(profiling, 'anyOf', 3));
  });
});
