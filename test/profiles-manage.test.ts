// Changing a target group's profiles: manage_target_group_profiles replaces them all ("all or nothing",
// validated before any change) and batch_delete_profiles deletes some. What they change is what
// list_profiles, get_profile, get_target_group and the fielding simulator's quota fills show next.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import {
  advanceClock, assertCintError, assertMatchesDefinition, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp,
  QUOTA_PROFILING, setFielding, targetGroupBody, targetGroupsUrl, ULID, type Client,
} from './helpers.js';

/** A profile as list_profiles and get_profile answer it (RegularProfileV3), as far as these tests read it. */
interface Target { id: string; conditions: { min?: number }[]; quota: { completes: number; completes_goal: number } }
interface Profile { id: string; blended_type?: string; targets: Target[] }
interface Profiles { completes_goal: number; profiles: Profile[] }
interface Refusal { name: string; reason: string; error_type: string; detail: string; metadata: { question_id?: number[]; profile_id?: string; error_level: string } }

/** The gender profile of QUOTA_PROFILING with other quota goals: the same conditions, so the same profile. */
const gender = (men: number, women: number) => ({
  ...QUOTA_PROFILING.profiles[0]!,
  targets: QUOTA_PROFILING.profiles[0]!.targets.map((target, index) => ({ ...target, quota: { ...target.quota, completes_goal: index === 0 ? men : women } })),
});
/** A regular age profile of one nominal quota per range. */
const age = (...ranges: [number, number, number][]) => ({
  object: 'regular', name: 'age', quotas_enabled: true,
  targets: ranges.map(([min, max, goal]) => ({ conditions: [{ object: 'range', question_id: 42, min, max }], quota: { completes_goal: goal } })),
});
const nominal = (completesGoal: number, ...profiles: unknown[]) => ({ completes_goal: completesGoal, profiling: { profile_adjustment_type: 'nominal', profiles } });

/** Cint's 422 for the profiling rules: ValidationErrorResponseDemographics, one data_validation_error per broken rule. */
function assertProfilingRefused(response: LightMyRequestResponse, operationId: string, expected: { name: string; reason: string; detail?: RegExp }[]): { invalid_params: Refusal[] } {
  assert.equal(response.statusCode, 422, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json();
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'id', 'invalid_params', 'object', 'title']);
  assert.equal(body.object, 'unprocessable_entity_error');
  assert.equal(body.title, 'profile request validation');
  assert.match(body.detail, /^Validation error: /);
  assert.deepEqual(body.invalid_params.map(({ name, reason }: Refusal) => ({ name, reason })), expected.map(({ name, reason }) => ({ name, reason })));
  expected.forEach((item, index) => {
    const param = body.invalid_params[index];
    assert.equal(param.error_type, 'data_validation_error');
    assert.equal(param.metadata.error_level, 'error');
    if (item.detail) assert.match(param.detail, item.detail);
  });
  assertMatchesSpec(operationId, 422, body);
  return body;
}

describe('changing a target group\'s profiles', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const post = (client: Client, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: client.headers(), payload: payload as object });
  const manage = (client: Client, groupUrl: string, payload: unknown) => post(client, `${groupUrl}/profiles/manage-profiles`, payload);
  const remove = (client: Client, groupUrl: string, profileIds: unknown) => post(client, `${groupUrl}/profiles/delete-profiles`, { profile_ids: profileIds });

  async function profiles(client: Client, groupUrl: string): Promise<Profiles> {
    const list = await get(client, `${groupUrl}/profiles`);
    assert.equal(list.statusCode, 200, list.body);
    assertMatchesSpec('list_profiles', 200, list.json());
    return list.json();
  }

  /** A new client with a draft target group made from `overrides` (launched when `live`, filling at the given settings). */
  async function targetGroup(overrides: Record<string, unknown>, live?: Record<string, unknown>) {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    if (live) await setFielding(app, client, live);
    const targetGroupId = await createTargetGroup(app, client, project.id, overrides);
    const job = live ? (await launch(app, client, project.id, targetGroupId)).job : undefined;
    if (job) assert.equal(job.status, 'Completed');
    const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
    return { client, targetGroupId, groupUrl, runUrl: `${groupUrl}/fielding-runs/${String(job?.created_fielding_run_id)}` };
  }
  const FAST = { starts_per_hour: 40, complete: 0.9, screen_out: 0.05, over_quota: 0, seed: 7 };
  const fillsOf = (client: Client, targetGroupId: string) => [...(app.mock.sessions.find(client.clientId)!.fills.get(targetGroupId)?.quotas.keys() ?? [])];

  describe('manage_target_group_profiles', () => {
    it('replaces the profiles: 201 with what list_profiles, get_profile and the simulator show next; an unchanged profile keeps its ids and its fills', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING }, FAST);
      await advanceClock(app, client, 'P1D');
      const before = (await profiles(client, groupUrl)).profiles[0]!;
      assert.deepEqual(before.targets.map((target: Target) => target.quota.completes), [10, 30], 'both quotas full');

      const answer = await manage(client, groupUrl, nominal(300, gender(50, 60), age([18, 34, 100], [35, 99, 100])));
      assert.equal(answer.statusCode, 201, answer.body);
      assertMatchesSpec('manage_target_group_profiles', 201, answer.json());
      const after = answer.json();
      assert.deepEqual(after, await profiles(client, groupUrl), 'the answer is what list_profiles shows');
      assert.equal(after.completes_goal, 300);
      const [kept, added] = after.profiles as [Profile, Profile];
      assert.equal(kept.id, before.id, 'the same conditions: the same profile');
      assert.deepEqual(kept.targets.map((target: Target) => [target.id, target.quota.completes_goal, target.quota.completes]),
        before.targets.map((target: Target, index: number) => [target.id, [50, 60][index], target.quota.completes]), 'new goals, the completes so far');
      assert.match(added.id, ULID);
      const ids = [kept.id, added.id, ...kept.targets.map((t: Target) => t.id), ...added.targets.map((t: Target) => t.id)];
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(added.targets.map((target: Target) => [target.conditions[0]!.min, target.quota.completes_goal, target.quota.completes]), [[18, 100, 0], [35, 100, 0]]);
      const read = await get(client, `${groupUrl}/profiles/${added.id}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json(), added);

      // The simulator fills the new goals: the kept quotas to 50 and 60, the age quotas share the same completes.
      await advanceClock(app, client, 'P2D');
      const filled = (await profiles(client, groupUrl)).profiles;
      assert.deepEqual(filled[0]!.targets.map((target: Target) => target.quota.completes), [50, 60]);
      // A profile added counts the completes made since: each of them is in one quota of each profile.
      const since = 50 + 60 - (10 + 30);
      assert.equal(filled[1]!.targets.reduce((sum: number, target: Target) => sum + target.quota.completes, 0), since);
    });

    it('deletes the profiles the request leaves out, their quota fills with them', async () => {
      const { client, groupUrl, targetGroupId } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING }, FAST);
      await advanceClock(app, client, 'PT12H');
      const gone = (await profiles(client, groupUrl)).profiles[0]!;
      assert.ok(fillsOf(client, targetGroupId).includes(gone.targets[0]!.id));
      const answer = await manage(client, groupUrl, nominal(400, age([18, 99, 200])));
      assert.equal(answer.statusCode, 201, answer.body);
      const [only, ...none] = (await profiles(client, groupUrl)).profiles as [Profile, ...Profile[]];
      assert.deepEqual(none, []);
      assert.notEqual(only.id, gone.id);
      assert.deepEqual(only.targets.map((target: Target) => target.quota.completes), [0]);
      assert.deepEqual(fillsOf(client, targetGroupId).filter((id) => gone.targets.some((target: Target) => target.id === id)), []);
    });

    it('removes duplicate open-ended values before saving', async () => {
      const { client, groupUrl } = await targetGroup({});
      const zip = { object: 'regular', quotas_enabled: false, targets: [{ object: 'nominal', conditions: [{ object: 'open_ended', question_id: 45, allow_all_values: false, open_ended_values: ['98001', '98007', '98001'] }] }] };
      const answer = await manage(client, groupUrl, nominal(100, zip));
      assert.equal(answer.statusCode, 201, answer.body);
      assert.deepEqual(answer.json().profiles[0].targets[0].conditions[0].open_ended_values, ['98001', '98007']);
      const stored = (await get(client, groupUrl)).json().profiling;
      assert.deepEqual(stored.profiles[0].targets[0].conditions[0].open_ended_values, ['98001', '98007']);
    });

    it('refuses duplicate selection or range conditions with Cint\'s 422, and changes nothing', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const twice = { ...gender(10, 30), targets: [...gender(10, 30).targets, gender(10, 30).targets[0]] };
      const repeated = { object: 'regular', quotas_enabled: true, targets: [{ conditions: [{ object: 'range', question_id: 42, min: 18, max: 30 }, { object: 'range', question_id: 42, min: 18, max: 30 }], quota: { name: '18-30', completes_goal: 5 } }] };
      const body = assertProfilingRefused(await manage(client, groupUrl, nominal(200, twice, repeated)), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_039', reason: 'duplicate_condition_039', detail: /^profiling\.profiles\[0\]\.targets\[2\]\.conditions\[0\]: / },
        { name: 'profile_validation_error_039', reason: 'duplicate_condition_039', detail: /^profiling\.profiles\[1\]\.targets\[0\]\.conditions\[1\]: / },
      ]);
      assert.deepEqual(body.invalid_params.map((param: Refusal) => param.metadata.question_id), [[43], [42]]);
      assert.deepEqual(await profiles(client, groupUrl), before, 'all or nothing');
    });

    it('refuses a blended profile with two targets of the same conditions, and takes the same selection in two of its targets', async () => {
      const { client, groupUrl } = await targetGroup({});
      const cell = (option: string, min: number, max: number) => ({ conditions: [{ object: 'selection', question_id: 43, option }, { object: 'range', question_id: 42, min, max }], quota: { name: `${option} ${min}-${max}`, completes_goal_percentage: 25 } });
      const blended = (...targets: unknown[]) => ({ completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [{ object: 'blended', name: 'gender x age', quotas_enabled: true, targets }] } });
      const fine = await manage(client, groupUrl, blended(cell('1', 18, 34), cell('1', 35, 99), cell('2', 18, 34), cell('2', 35, 99)));
      assert.equal(fine.statusCode, 201, fine.body);
      assert.equal(fine.json().profiles[0].blended_type, 'interlock');
      assertProfilingRefused(await manage(client, groupUrl, blended(cell('1', 18, 34), cell('1', 18, 34))), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_039', reason: 'duplicate_condition_039', detail: /^profiling\.profiles\[0\]\.targets\[1\]: / },
      ]);
    });

    it('refuses a range whose min is above its max, a question in two regular profiles and quotas of the other adjustment type, all at once', async () => {
      const { client, groupUrl } = await targetGroup({ profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const percentage = { ...gender(0, 0), targets: gender(0, 0).targets.map((target) => ({ ...target, quota: { completes_goal_percentage: 50 } })) };
      assertProfilingRefused(await manage(client, groupUrl, nominal(100, age([40, 30, 10]), percentage, { ...age([18, 99, 10]), name: 'age again' })), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_001', reason: 'profile_condition_min_greater_than_max_001', detail: /^profiling\.profiles\[0\]\.targets\[0\]\.conditions\[0\]: the minimum value \(40\)/ },
        { name: 'profile_validation_error_042', reason: 'nominal_adjustment_cannot_have_percentage_042', detail: /^profiling\.profiles\[1\]\.targets\[0\]\.quota: / },
        { name: 'profile_validation_error_042', reason: 'nominal_adjustment_cannot_have_percentage_042', detail: /^profiling\.profiles\[1\]\.targets\[1\]\.quota: / },
        { name: 'profile_validation_error_006', reason: 'profile_not_unique_006', detail: /^profiling\.profiles\[2\]: question 42 / },
      ]);
      const nominalInPercentage = { completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [age([18, 99, 10])] } };
      assertProfilingRefused(await manage(client, groupUrl, nominalInPercentage), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_043', reason: 'percentage_adjustment_cannot_have_nominal_043' },
      ]);
      assert.deepEqual(await profiles(client, groupUrl), before);
    });

    it('refuses overlapping ranges of one question in two targets of a regular profile (014), ends included; a blended profile\'s cells may share a range', async () => {
      const { client, groupUrl } = await targetGroup({ profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const body = assertProfilingRefused(await manage(client, groupUrl, nominal(100, age([18, 34, 30], [34, 50, 30], [51, 64, 20], [60, 99, 20]))), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_014', reason: 'profile_condition_ranges_should_not_overlap_014', detail: /^profiling\.profiles\[0\]\.targets\[1\]\.conditions\[0\]: the range 34-50 overlaps 18-34 of profiling\.profiles\[0\]\.targets\[0\]$/ },
        { name: 'profile_validation_error_014', reason: 'profile_condition_ranges_should_not_overlap_014', detail: /^profiling\.profiles\[0\]\.targets\[3\]\.conditions\[0\]: the range 60-99 overlaps 51-64 of profiling\.profiles\[0\]\.targets\[2\]$/ },
      ]);
      assert.deepEqual(body.invalid_params.map((param: Refusal) => param.metadata.question_id), [[42], [42]]);
      assert.deepEqual(await profiles(client, groupUrl), before);
      assert.equal((await manage(client, groupUrl, nominal(100, age([18, 34, 30], [35, 50, 30], [51, 64, 20], [65, 99, 20])))).statusCode, 201, 'ranges that only touch');
      const cell = (option: string, min: number, max: number) => ({ conditions: [{ object: 'selection', question_id: 43, option }, { object: 'range', question_id: 42, min, max }], quota: { name: `${option} ${min}-${max}`, completes_goal_percentage: 25 } });
      const blended = { completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [{ object: 'blended', name: 'gender x age', quotas_enabled: true, targets: [cell('1', 18, 34), cell('2', 18, 34), cell('1', 30, 99), cell('2', 35, 99)] }] } };
      assert.equal((await manage(client, groupUrl, blended)).statusCode, 201);
    });

    it('refuses what Cint\'s numbered rules of a profile\'s shape refuse, all at once (023, 057, 065, 063, 034, 066), and changes nothing', async () => {
      const { client, groupUrl } = await targetGroup({ profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const condition = (question: number) => ({ object: 'selection', question_id: question, option: '1' });
      const blended = (blendedType: string | undefined, ...questions: number[]) => ({
        object: 'blended', name: `blend of ${questions.join(' ')}`, ...(blendedType ? { blended_type: blendedType } : {}), quotas_enabled: true,
        targets: [{ conditions: questions.map(condition), quota: { name: 'cell', completes_goal: 10 } }],
      });
      const unnamed = { object: 'regular', name: 'region', quotas_enabled: true, targets: [{ conditions: [condition(96), { ...condition(96), option: '2' }], quota: { completes_goal: 10 } }] };
      const zip = { object: 'regular', name: 'zip', quotas_enabled: true, targets: [
        { conditions: [{ object: 'open_ended', question_id: 45, allow_all_values: true, open_ended_values: [] }], quota: { completes_goal: 10 } },
      ] };
      const nothing = { ...age([18, 34, 0], [35, 99, 0]), name: 'age' };
      const percentages = { object: 'regular', name: 'income', quotas_enabled: true, targets: ['1', '2'].map((option) => ({ conditions: [{ ...condition(61), option }], quota: { completes_goal_percentage: 0 } })) };
      const answer = await manage(client, groupUrl, nominal(100, blended(undefined, 43, 42, 47, 113), unnamed, zip, nothing,
        blended('interlock', 12, 13), blended('control', 43, 96), blended('control', 42, 96)));
      const refusals = assertProfilingRefused(answer, 'manage_target_group_profiles', [
        { name: 'profile_validation_error_023', reason: 'blended_profiles_cannot_have_more_than_3_questions_023', detail: /^profiling\.profiles\[0\]: a blended profile combines at most 3 questions; this one asks 43, 42, 47, 113$/ },
        { name: 'profile_validation_error_057', reason: 'target_name_or_quota_name_must_be_provided_for_multiple_conditions_057', detail: /^profiling\.profiles\[1\]\.targets\[0\]: / },
        { name: 'profile_validation_error_065', reason: 'allow_all_values_target_cannot_have_quota_065', detail: /^profiling\.profiles\[2\]\.targets\[0\]\.quota: / },
        { name: 'profile_validation_error_063', reason: 'at_least_one_quota_should_have_completes_goal_greater_than_zero_063', detail: /^profiling\.profiles\[3\]: / },
        { name: 'profile_validation_error_034', reason: 'blended_profile_cannot_be_more_than_1_034', detail: /^profiling\.profiles\[4\]: profiling\.profiles\[0\] is already the blended profile$/ },
        { name: 'profile_validation_error_066', reason: 'blended_profile_with_control_as_blended_type_cannot_be_more_than_1_066', detail: /^profiling\.profiles\[6\]: profiling\.profiles\[5\] is already the control blended profile$/ },
      ]);
      assert.deepEqual(refusals.invalid_params[0]!.metadata.question_id, [43, 42, 47, 113]);
      assert.deepEqual(await profiles(client, groupUrl), before);
      assertProfilingRefused(await manage(client, groupUrl, { completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [percentages] } }), 'manage_target_group_profiles', [
        { name: 'profile_validation_error_064', reason: 'at_least_one_quota_should_have_completes_goal_percentage_greater_than_zero_064', detail: /^profiling\.profiles\[0\]: every quota's completes_goal_percentage is 0$/ },
      ]);
    });

    it('answers 400 in Cint\'s envelope for a body that breaks the schema, and 404 naming the target group it does not know', async () => {
      const { client, groupUrl } = await targetGroup({});
      const refused = await manage(client, groupUrl, { profiling: { profile_adjustment_type: 'nominal', profiles: [age([18, 99, 1])] } });
      assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'completes_goal' }] });
      assertMatchesSpec('manage_target_group_profiles', 400, refused.json());
      const unknown = groupUrl.replace(/[^/]+$/, '01JPVZD75DW4KRP7MPFMF6KGZX');
      assertCintError(await manage(client, unknown, nominal(10, age([18, 99, 1]))), 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
    });

    it('changes a draft too: get_target_group shows the new profiles with the ids list_profiles gives them', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING });
      const answer = await manage(client, groupUrl, nominal(250, age([18, 34, 100], [35, 99, 150])));
      assert.equal(answer.statusCode, 201, answer.body);
      const draft = (await get(client, groupUrl)).json();
      assert.equal(draft.completes_goal, 250);
      assertMatchesDefinition('ProfilingDraftResponse', draft.profiling);
      assert.deepEqual(draft.profiling.profiles.map((profile: Profile) => [profile.id, profile.targets.map((target: Target) => target.id)]),
        answer.json().profiles.map((profile: Profile) => [profile.id, profile.targets.map((target: Target) => target.id)]));
    });

    it('a new completes goal is a filling_goal_change in the changelog; new profiles alone add no entry (Cint\'s changelog has no type for them)', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING }, FAST);
      const changes = async () => {
        const log = await get(client, `${groupUrl}/changelog`);
        assert.equal(log.statusCode, 200, log.body);
        assertMatchesSpec('get_target_group_changelog', 200, log.json());
        return JSON.stringify(log.json()).match(/"object":"[a-z_]+"/g) ?? [];
      };
      const before = await changes();
      assert.equal((await manage(client, groupUrl, nominal(400, age([18, 99, 400])))).statusCode, 201);
      assert.deepEqual(await changes(), before);
      assert.equal((await manage(client, groupUrl, nominal(300, age([18, 99, 300])))).statusCode, 201);
      const after = await changes();
      assert.equal(after.filter((change) => change === '"object":"filling_goal_change"').length, 1 + before.filter((change) => change === '"object":"filling_goal_change"').length);
    });

    it('a completes goal under the completes so far completes the live run now, as update_profile_filling_goal does', async () => {
      const { client, groupUrl, runUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING }, FAST);
      await advanceClock(app, client, 'P1D');
      assert.equal((await get(client, runUrl)).json().status, 'live', 'every quota full: no complete can be taken, the run goes on');
      const made = (await profiles(client, groupUrl)).profiles[0]!.targets.reduce((sum, target) => sum + target.quota.completes, 0);
      assert.equal(made, 40);
      const answer = await manage(client, groupUrl, nominal(made, gender(10, 30)));
      assert.equal(answer.statusCode, 201, answer.body);
      assert.equal((await get(client, runUrl)).json().status, 'completed');
    });

    it('counts the new profiles against the session\'s bytes: past maxSessionBytes it is 409 and nothing changes', async () => {
      const small = await makeApp({ maxSessionBytes: 30_000 });
      try {
        const client = await clientOf(small);
        const project = await createProject(small, client);
        const targetGroupId = await createTargetGroup(small, client, project.id, { profiling: QUOTA_PROFILING });
        const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
        const read = () => small.inject({ method: 'GET', url: `${groupUrl}/profiles`, headers: client.headers() });
        const before = (await read()).json();
        const values = Array.from({ length: 3_000 }, (_, index) => `zip-${index}`);
        const zips = { object: 'regular', quotas_enabled: false, targets: [{ object: 'nominal', conditions: [{ object: 'open_ended', question_id: 45, allow_all_values: false, open_ended_values: values }] }] };
        const refused = await small.inject({ method: 'POST', url: `${groupUrl}/profiles/manage-profiles`, headers: client.headers(), payload: nominal(100, zips) });
        assertCintError(refused, 409, 'conflict_error', { detail: /more than the maximum of 30000 bytes/ });
        assert.deepEqual((await read()).json(), before);
      } finally {
        await small.close();
      }
    });
  });

  describe('update_profile_filling_goal', () => {
    const putGoal = (client: Client, groupUrl: string, payload: unknown) =>
      app.inject({ method: 'PUT', url: `${groupUrl}/profiles/completes-goal`, headers: client.headers(), payload: payload as object });
    const goals = (body: Profiles) => body.profiles.map((profile) => profile.targets.map((target) => target.quota.completes_goal));

    it('a new total alone recalculates the nominal quotas, each keeping its share; percentage quotas follow it as they are', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: { ...QUOTA_PROFILING, profiles: [gender(100, 300)] } });
      const halved = await putGoal(client, groupUrl, { completes_goal: 200 });
      assert.equal(halved.statusCode, 200, halved.body);
      assertMatchesSpec('update_profile_filling_goal', 200, halved.json());
      assert.equal(halved.json().completes_goal, 200);
      assert.deepEqual(goals(halved.json()), [[50, 150]]);
      assert.deepEqual(halved.json(), await profiles(client, groupUrl), 'the answer is what list_profiles shows');
      assert.deepEqual(goals((await putGoal(client, groupUrl, { completes_goal: 300, profiles: [] })).json()), [[75, 225]], 'an empty list of profiles is the total alone');

      const shares = { profile_adjustment_type: 'percentage', profiles: [{ ...gender(0, 0), targets: gender(0, 0).targets.map((target, index) => ({ ...target, quota: { completes_goal_percentage: [25, 75][index] } })) }] };
      const percentage = await targetGroup({ completes_goal: 400, profiling: shares });
      assert.deepEqual(goals(await profiles(percentage.client, percentage.groupUrl)), [[100, 300]]);
      assert.deepEqual(goals((await putGoal(percentage.client, percentage.groupUrl, { completes_goal: 200 })).json()), [[50, 150]]);
    });

    it('named quotas take their goals and the others keep theirs; a quota goal is checked against the new total', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING });
      const [gender] = (await profiles(client, groupUrl)).profiles as [Profile];
      const women = gender.targets[1]!.id;
      const both = await putGoal(client, groupUrl, { completes_goal: 200, profiles: [{ profile_id: gender.id, targets: [{ id: women, quota: { completes_goal: 100 } }] }] });
      assert.equal(both.statusCode, 200, both.body);
      assert.deepEqual([both.json().completes_goal, goals(both.json())], [200, [[10, 100]]]);
      const over = await putGoal(client, groupUrl, { completes_goal: 90, profiles: [{ profile_id: gender.id, targets: [{ id: women, quota: { completes_goal: 100 } }] }] });
      assertProfilingRefused(over, 'update_profile_filling_goal', [
        { name: 'profile_validation_error_047', reason: 'quota_value_greater_than_completes_goal_047', detail: /^profiles\[0\]\.targets\[0\]\.quota\.completes_goal: 100 is greater than the target group's completes goal \(90\)/ },
      ]);
      assert.deepEqual([(await profiles(client, groupUrl)).completes_goal, goals(await profiles(client, groupUrl))], [200, [[10, 100]]], 'nothing changed');
    });

    it('refuses an unknown profile (044), a target of another profile (045), a goal under the quota\'s completes (046) and one above the total (047), all at once', async () => {
      const profiling = { profile_adjustment_type: 'nominal', profiles: [...QUOTA_PROFILING.profiles, age([18, 34, 20], [35, 99, 20])] };
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling }, FAST);
      await advanceClock(app, client, 'PT12H');
      const before = await profiles(client, groupUrl);
      const [gender, ages] = before.profiles as [Profile, Profile];
      const men = gender.targets[0]!;
      assert.ok(men.quota.completes > 2, `${men.quota.completes} completes`);
      const unknown = '01HY0PYB3TW23RQRVNFYRC2PP6';
      const body = assertProfilingRefused(await putGoal(client, groupUrl, {
        profiles: [
          { profile_id: unknown, targets: [{ id: men.id, quota: { completes_goal: 20 } }] },
          { profile_id: ages.id, targets: [{ id: men.id, quota: { completes_goal: 20 } }, { id: ages.targets[0]!.id, quota: { completes_goal: 401 } }] },
          { profile_id: gender.id, targets: [{ id: men.id, quota: { completes_goal: men.quota.completes - 1 } }, { id: gender.targets[1]!.id, quota: { completes_goal: 100 } }] },
        ],
      }), 'update_profile_filling_goal', [
        { name: 'profile_validation_error_044', reason: 'profile_id_not_found_044', detail: /^profiles\[0\]\.profile_id: the target group has no profile / },
        { name: 'profile_validation_error_045', reason: 'target_id_not_found_for_profile_045', detail: /^profiles\[1\]\.targets\[0\]\.id: / },
        { name: 'profile_validation_error_047', reason: 'quota_value_greater_than_completes_goal_047', detail: /^profiles\[1\]\.targets\[1\]/ },
        { name: 'profile_validation_error_046', reason: 'quota_value_less_than_completes_046', detail: new RegExp(`^profiles\\[2\\]\\.targets\\[0\\]\\.quota\\.completes_goal: ${men.quota.completes - 1} is less than the ${men.quota.completes} completes`) },
      ]);
      assert.deepEqual(body.invalid_params.map((param) => param.metadata.profile_id), [unknown, ages.id, ages.id, gender.id]);
      assert.deepEqual(await profiles(client, groupUrl), before, 'all or nothing: the valid women goal is not taken either');
    });
  });

  describe('validate_profiles', () => {
    const validate = (client: Client, payload: unknown) => post(client, '/v1/demand/accounts/101/profiles/validate', payload);

    it('answers 204 for a configuration that keeps the rules, and changes nothing of the session', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const answer = await validate(client, { locale: 'eng_us', ...nominal(100, gender(10, 30), age([18, 34, 50], [35, 99, 50])) });
      assert.equal(answer.statusCode, 204, answer.body);
      assert.equal(answer.body, '');
      assert.deepEqual(await profiles(client, groupUrl), before);
    });

    it('answers Cint\'s 422 with every broken rule manage_target_group_profiles checks', async () => {
      const client = await clientOf(app);
      const percentage = { ...gender(0, 0), targets: gender(0, 0).targets.map((target) => ({ ...target, quota: { completes_goal_percentage: 50 } })) };
      const answer = await validate(client, { locale: 'eng_us', ...nominal(100, age([40, 30, 10]), percentage, { ...age([18, 99, 10]), name: 'age again' }, gender(10, 101)) });
      assertProfilingRefused(answer, 'validate_profiles', [
        { name: 'profile_validation_error_001', reason: 'profile_condition_min_greater_than_max_001' },
        { name: 'profile_validation_error_042', reason: 'nominal_adjustment_cannot_have_percentage_042' },
        { name: 'profile_validation_error_042', reason: 'nominal_adjustment_cannot_have_percentage_042' },
        { name: 'profile_validation_error_006', reason: 'profile_not_unique_006', detail: /^profiling\.profiles\[2\]: question 42 / },
        { name: 'profile_validation_error_047', reason: 'quota_value_greater_than_completes_goal_047', detail: /^profiling\.profiles\[3\]\.targets\[1\]\.quota\.completes_goal: 101 is greater than the target group's completes goal \(100\)/ },
        { name: 'profile_validation_error_006', reason: 'profile_not_unique_006', detail: /^profiling\.profiles\[3\]: question 43 / },
      ]);
      assertProfilingRefused(await validate(client, { locale: 'eng_us', ...nominal(100, age([18, 40, 50], [30, 99, 50])) }), 'validate_profiles', [
        { name: 'profile_validation_error_014', reason: 'profile_condition_ranges_should_not_overlap_014' },
      ]);
    });

    it('answers 400 in Cint\'s envelope for a body that breaks the schema', async () => {
      const client = await clientOf(app);
      assertCintError(await validate(client, nominal(100, gender(10, 30))), 400, 'bad_request_error', { invalid_params: [{ name: 'locale' }] });
    });
  });

  describe('generate_blended_profile', () => {
    const blend = (client: Client, completesGoal: number, adjustment: string, ...profiles: unknown[]) => post(client, '/v1/demand/accounts/101/drafts/generate-blended-profile', {
      locale: 'eng_us', completes_goal: completesGoal, start_at: '2030-01-01T00:00:00.000Z', end_at: '2030-01-15T00:00:00.000Z', collects_pii: false,
      profiling: { profile_adjustment_type: adjustment, profiles },
    });
    interface Blended { name: string; description: string; quotas_enabled: boolean; targets: { id: string; name?: string; text?: string; conditions: unknown[]; quota: { completes_goal_percentage: number; quota_nominal: number; completes_goal: number } }[] }
    async function blended(response: LightMyRequestResponse): Promise<Blended> {
      assert.equal(response.statusCode, 201, response.body);
      assertMatchesSpec('generate_blended_profile', 201, response.json());
      return response.json();
    }
    const shares = (profile: Blended) => profile.targets.map((target) => [target.quota.completes_goal_percentage, target.quota.completes_goal]);
    const MEN = { object: 'selection', question_id: 43, option: '1' };
    const WOMEN = { object: 'selection', question_id: 43, option: '2' };
    const range = (min: number, max: number) => ({ object: 'range', question_id: 42, min, max });

    it('interlocks the profiles: a target for each combination, the conditions together, the shares multiplied', async () => {
      const client = await clientOf(app);
      // The request's targets are named in their quotas (the document's RequestDraftQuotaV3).
      const named = (profile: { targets: { conditions: unknown[] }[] }, goals: number[], names: string[]) => ({
        ...profile, targets: profile.targets.map((target, index) => ({ ...target, quota: { name: names[index], completes_goal_percentage: goals[index] } })),
      });
      const answer = await blended(await blend(client, 1000, 'percentage',
        named(gender(0, 0), [40, 60], ['Men', 'Women']),
        { ...named(age([18, 34, 0], [35, 54, 0], [55, 99, 0]), [20, 30, 50], ['18-34', '35-54', '55+']), name: 'AGE' }));
      assert.equal(answer.name, 'gender x AGE');
      assert.equal(answer.description, 'Blended profile for gender and AGE');
      assert.equal(answer.quotas_enabled, true);
      assert.deepEqual(answer.targets.map((target) => [target.name, target.text]), [
        ['Men x 18-34', 'Men and 18-34'], ['Men x 35-54', 'Men and 35-54'], ['Men x 55+', 'Men and 55+'],
        ['Women x 18-34', 'Women and 18-34'], ['Women x 35-54', 'Women and 35-54'], ['Women x 55+', 'Women and 55+'],
      ]);
      assert.deepEqual(answer.targets[4]!.conditions, [WOMEN, range(35, 54)]);
      assert.equal((answer.targets[4]!.quota as { name?: string }).name, 'Women_35-54');
      assert.deepEqual(shares(answer), [[8, 80], [12, 120], [20, 200], [12, 120], [18, 180], [30, 300]]);
      assert.ok(answer.targets.every((target) => target.quota.quota_nominal === target.quota.completes_goal));
      const ids = answer.targets.map((target) => target.id);
      assert.ok(ids.every((id) => ULID.test(id)) && new Set(ids).size === ids.length);
    });

    it('takes nominal goals as their share of the completes goal, and splits a profile without quotas evenly', async () => {
      const client = await clientOf(app);
      const twoAges = age([18, 34, 100], [35, 99, 300]);
      const regions = { object: 'regular', name: 'region', quotas_enabled: false, targets: [1, 2].map((option) => ({ object: 'nominal', conditions: [{ object: 'selection', question_id: 96, option: String(option) }] })) };
      const answer = await blended(await blend(client, 400, 'nominal', gender(100, 300), twoAges, regions));
      assert.equal(answer.targets.length, 8);
      assert.equal(answer.targets[0]!.name, undefined, 'unnamed targets give no name');
      assert.deepEqual(answer.targets[0]!.conditions, [MEN, range(18, 34), { object: 'selection', question_id: 96, option: '1' }]);
      // 1/4 or 3/4, times 1/4 or 3/4, times 1/2.
      assert.deepEqual(shares(answer), [[3.13, 13], [3.13, 13], [9.38, 38], [9.38, 38], [9.38, 38], [9.38, 38], [28.13, 113], [28.13, 113]]);
    });

    it('answers Cint\'s 422 for an end_at before start_at (036) or a date that is not a date-time (037), with the profiles\' broken rules', async () => {
      const client = await clientOf(app);
      const dated = (startAt: string, endAt: string, ...profiles: unknown[]) => post(client, '/v1/demand/accounts/101/drafts/generate-blended-profile', {
        locale: 'eng_us', completes_goal: 100, start_at: startAt, end_at: endAt, collects_pii: false, profiling: { profile_adjustment_type: 'nominal', profiles },
      });
      const body = assertProfilingRefused(await dated('2030-01-15T00:00:00.000Z', '2030-01-01T00:00:00.000Z', gender(10, 30), age([18, 34, 40])), 'generate_blended_profile', [
        { name: 'profile_validation_error_036', reason: 'end_at_cannot_be_before_start_at_036', detail: /^end_at: 2030-01-01T00:00:00\.000Z is before start_at 2030-01-15T00:00:00\.000Z$/ },
      ]);
      assert.deepEqual(body.invalid_params[0]!.metadata, { error_level: 'error' });
      assertProfilingRefused(await dated('2030-01-15T00:00:00Z', '2030-01-14T23:59:59+01:00', gender(10, 30), { ...age([40, 30, 10]) }), 'generate_blended_profile', [
        { name: 'profile_validation_error_036', reason: 'end_at_cannot_be_before_start_at_036' },
        { name: 'profile_validation_error_001', reason: 'profile_condition_min_greater_than_max_001' },
      ]);
      assertProfilingRefused(await dated('next week', '2030-01-01', gender(10, 30), age([18, 34, 40])), 'generate_blended_profile', [
        { name: 'profile_validation_error_037', reason: 'invalid_start_at_or_end_at_date_format_037', detail: /^start_at: "next week" is not a date-time/ },
        { name: 'profile_validation_error_037', reason: 'invalid_start_at_or_end_at_date_format_037', detail: /^end_at: "2030-01-01" is not a date-time/ },
      ]);
      // The same instant is not refused (035): the schema's own examples of start_at and end_at are one instant.
      await blended(await dated('2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', gender(10, 30), age([18, 34, 40])));
      // An end one hour after a start written in another offset is after it.
      await blended(await dated('2030-01-15T00:00:00+01:00', '2030-01-15T00:00:00Z', gender(10, 30), age([18, 34, 40])));
    });

    it('answers Cint\'s 422 for broken rules and more than 350 quotas, and 400 for a profile that is not regular', async () => {
      const client = await clientOf(app);
      const many = (question: number, count: number) => ({ object: 'regular', quotas_enabled: false, targets: Array.from({ length: count }, (_, n) => ({ object: 'nominal', conditions: [{ object: 'selection', question_id: question, option: String(n + 1) }] })) });
      assertProfilingRefused(await blend(client, 1000, 'nominal', many(1, 7), many(2, 7), many(3, 8)), 'generate_blended_profile', [
        { name: 'profile_validation_error_030', reason: 'total_number_of_quotas_cannot_be_greater_than_max_030', detail: /^profiling\.profiles: blending them makes 392 quotas; a target group has at most 350/ },
      ]);
      assertProfilingRefused(await blend(client, 100, 'nominal', gender(10, 30), { ...gender(10, 30), name: 'gender again' }), 'generate_blended_profile', [
        { name: 'profile_validation_error_006', reason: 'profile_not_unique_006', detail: /^profiling\.profiles\[1\]: question 43 / },
      ]);
      const interlocked = { object: 'blended', name: 'done', quotas_enabled: true, targets: [{ conditions: [MEN, range(18, 34)], quota: { completes_goal: 10 } }] };
      assertCintError(await blend(client, 100, 'nominal', gender(10, 30), interlocked), 400, 'bad_request_error', { invalid_params: [{ name: 'profiling.profiles[1].object' }] });
      assertCintError(await blend(client, 100, 'nominal', gender(10, 30)), 400, 'bad_request_error', {
        invalid_params: [{ name: 'profiling.profiles', reason: "'profiling.profiles' must have at least 2 items." }],
      });
    });
  });

  describe('create_target_group and update_target_group', () => {
    it('check the rules validate_profiles checks: what it refuses is their 400 naming each broken rule, what it takes they take', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const create = (overrides: Record<string, unknown>) => post(client, targetGroupsUrl(project.id), targetGroupBody(overrides));
      const twice = { ...gender(10, 30), targets: [...gender(10, 30).targets, gender(10, 30).targets[0]] };
      assertCintError(await create({ completes_goal: 100, profiling: { profile_adjustment_type: 'nominal', profiles: [twice, age([40, 30, 10])] } }), 400, 'bad_request_error', {
        invalid_params: [
          { name: 'profiling.profiles[0].targets[2].conditions[0]', reason: /^the same selection condition is already in this profile \(duplicate_condition_039\)$/ },
          { name: 'profiling.profiles[1].targets[0].conditions[0]', reason: /^the minimum value \(40\) cannot be greater than the maximum value \(30\) \(profile_condition_min_greater_than_max_001\)$/ },
        ],
      });
      assertCintError(await create({ completes_goal: 100, profiling: { profile_adjustment_type: 'nominal', profiles: [age([18, 40, 50], [30, 99, 50])] } }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'profiling.profiles[0].targets[1].conditions[0]', reason: /^the range 30-99 overlaps 18-40 of profiling\.profiles\[0\]\.targets\[0\] \(profile_condition_ranges_should_not_overlap_014\)$/ }],
      });
      const fine = { completes_goal: 100, profiling: { profile_adjustment_type: 'nominal', profiles: [gender(10, 30), age([18, 34, 50], [35, 99, 50])] } };
      assert.equal((await post(client, '/v1/demand/accounts/101/profiles/validate', { locale: 'eng_us', ...fine })).statusCode, 204);
      const created = await create(fine);
      assert.equal(created.statusCode, 201, created.body);

      const url = `${targetGroupsUrl(project.id)}/${created.json().id as string}`;
      const update = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: targetGroupBody({ ...fine, completes_goal: 40 }) });
      assertCintError(update, 400, 'bad_request_error', {
        invalid_params: [
          { name: 'profiling.profiles[1].targets[0].quota.completes_goal', reason: /^50 is greater than the target group's completes goal \(40\) \(quota_value_greater_than_completes_goal_047\)$/ },
          { name: 'profiling.profiles[1].targets[1].quota.completes_goal' },
        ],
      });
      assert.equal((await get(client, url)).json().completes_goal, 100, 'nothing changed');
    });
  });

  describe('panel distribution', () => {
    it('by profile: the profile as get_profile shows it, its quotas\' goals and fills', async () => {
      const { client, groupUrl } = await targetGroup({ completes_goal: 400, profiling: QUOTA_PROFILING }, FAST);
      await advanceClock(app, client, 'PT12H');
      const [profile] = (await profiles(client, groupUrl)).profiles as [Profile];
      const answer = await get(client, `${groupUrl}/profiles/${profile.id}/supplier-quota-distribution`);
      assert.equal(answer.statusCode, 200, answer.body);
      assertMatchesSpec('get_panel_distribution_by_profile', 200, answer.json());
      assert.deepEqual(answer.json(), (await get(client, `${groupUrl}/profiles/${profile.id}`)).json());
      assert.ok(answer.json().targets.some((target: Target) => target.quota.completes > 0), 'the fills so far');
    });

    it('a draft: each quota\'s share of the completes goal, in completes; broken rules are a 400 naming where', async () => {
      const client = await clientOf(app);
      const draft = (profile: unknown, adjustment = 'percentage') => post(client, '/v1/demand/accounts/101/supplier-quota-distribution/draft', {
        locale: 'eng_us', completes_goal: 1000, profile_adjustment_type: adjustment, start_at: '2030-01-01T00:00:00.000Z', end_at: '2030-01-15T00:00:00.000Z', profile,
      });
      const shares = { ...gender(0, 0), targets: gender(0, 0).targets.map((target, index) => ({ ...target, quota: { name: target.quota.name, completes_goal_percentage: [35, 65][index] } })) };
      const answer = await draft(shares);
      assert.equal(answer.statusCode, 200, answer.body);
      assertMatchesSpec('get_panel_distribution_draft', 200, answer.json());
      assert.deepEqual(answer.json().targets.map((target: { quota: unknown }) => target.quota), [{ name: 'Men', completes_goal: 350 }, { name: 'Women', completes_goal: 650 }]);
      assert.deepEqual((await draft(gender(100, 300), 'nominal')).json().targets.map((target: { quota: { completes_goal: number } }) => target.quota.completes_goal), [100, 300]);
      const twice = { ...gender(10, 30), targets: [...gender(10, 30).targets, gender(10, 30).targets[0]] };
      assertCintError(await draft(twice, 'nominal'), 400, 'bad_request_error', {
        invalid_params: [{ name: 'profile.targets[2].conditions[0]', reason: /^the same selection condition is already in this profile/ }],
      });
    });
  });

  describe('batch_delete_profiles', () => {
    it('deletes the named profiles and their quotas: 204; the others keep their ids and fills, and update_profile_filling_goal finds them', async () => {
      const profiling = { profile_adjustment_type: 'nominal', profiles: [...QUOTA_PROFILING.profiles, age([18, 34, 20], [35, 99, 20])] };
      const { client, groupUrl, targetGroupId } = await targetGroup({ completes_goal: 400, profiling }, FAST);
      await advanceClock(app, client, 'PT12H');
      const [men, ages] = (await profiles(client, groupUrl)).profiles as [Profile, Profile];
      const deleted = await remove(client, groupUrl, [men.id]);
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal(deleted.body, '');
      const left = (await profiles(client, groupUrl)).profiles;
      assert.deepEqual(left, [ages], 'the same id, targets and fills');
      assert.equal((await get(client, `${groupUrl}/profiles/${ages.id}`)).json().id, ages.id);
      assert.deepEqual(fillsOf(client, targetGroupId).filter((id) => men.targets.some((target: Target) => target.id === id)), []);

      const goal = await app.inject({
        method: 'PUT', url: `${groupUrl}/profiles/completes-goal`, headers: client.headers(),
        payload: { profiles: [{ profile_id: ages.id, targets: [{ id: ages.targets[1]!.id, quota: { completes_goal: 35 } }] }] },
      });
      assert.equal(goal.statusCode, 200, goal.body);
      assert.deepEqual(goal.json().profiles[0].targets.map((target: Target) => [target.id, target.quota.completes_goal]),
        [[ages.targets[0]!.id, 20], [ages.targets[1]!.id, 35]]);
    });

    it('a deleted profile, or one the target group never had, is 404 naming profile_id on its reads', async () => {
      const { client, groupUrl } = await targetGroup({ profiling: QUOTA_PROFILING });
      const [gender] = (await profiles(client, groupUrl)).profiles as [Profile];
      assert.equal((await get(client, `${groupUrl}/profiles/${gender.id}`)).statusCode, 200);
      assert.equal((await remove(client, groupUrl, [gender.id])).statusCode, 204);
      for (const id of [gender.id, '01HY0PYB3TW23RQRVNFYRC2PP6']) {
        for (const url of [`${groupUrl}/profiles/${id}`, `${groupUrl}/profiles/${id}/supplier-quota-distribution`]) {
          assertCintError(await get(client, url), 404, 'not_found_error', { detail: 'profile_id: the specified resource was not found' });
        }
      }
    });

    it('a draft\'s get_target_group shows the profiles left, with their ids', async () => {
      const profiling = { profile_adjustment_type: 'nominal', profiles: [age([18, 99, 5]), ...QUOTA_PROFILING.profiles] };
      const { client, groupUrl } = await targetGroup({ profiling });
      const [first, second] = (await profiles(client, groupUrl)).profiles as [Profile, Profile];
      assert.equal((await remove(client, groupUrl, [first.id, first.id])).statusCode, 204);
      const draft = (await get(client, groupUrl)).json();
      assert.deepEqual(draft.profiling.profiles.map((profile: Profile) => [profile.id, profile.targets.map((target: Target) => target.id)]),
        [[second.id, second.targets.map((target: Target) => target.id)]]);
      assert.equal((await remove(client, groupUrl, [second.id])).statusCode, 204);
      assert.deepEqual((await profiles(client, groupUrl)).profiles, []);
    });

    it('a profile id the target group does not have is the documented 422 profile_id_not_found_044 naming it, and nothing is deleted', async () => {
      const { client, groupUrl } = await targetGroup({ profiling: QUOTA_PROFILING });
      const before = await profiles(client, groupUrl);
      const unknown = '01HY0PYB3TW23RQRVNFYRC2PP6';
      const body = assertProfilingRefused(await remove(client, groupUrl, [before.profiles[0]!.id, unknown]), 'batch_delete_profiles', [
        { name: 'profile_validation_error_044', reason: 'profile_id_not_found_044', detail: /^profile_ids\[1\]: / },
      ]);
      assert.equal(body.invalid_params[0]!.metadata.profile_id, unknown);
      assert.deepEqual(await profiles(client, groupUrl), before);
    });

    it('answers 400 for an empty list of profile ids', async () => {
      const { client, groupUrl } = await targetGroup({});
      assertCintError(await remove(client, groupUrl, []), 400, 'bad_request_error', { invalid_params: [{ name: 'profile_ids' }] });
    });
  });
});
