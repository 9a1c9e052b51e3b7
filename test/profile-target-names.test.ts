// A target's name: the one sent for it (`target.name`, which Cint's examples send and every response
// has), else its quota's deprecated `name`, "functionally replaced by the `target.name` field one layer
// up". A quota without a name of its own reads its target's, for older clients. The same wherever
// profiles are stored or made: create_target_group, manage_target_group_profiles, the panel distribution
// draft, generate_blended_profile and a profiling template applied.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, ULID, assertMatchesDefinition, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, targetGroupsUrl, type Client,
} from './helpers.js';

const MEN = { object: 'selection', question_id: 43, option: '1' };
const WOMEN = { object: 'selection', question_id: 43, option: '2' };
const OTHER = { object: 'selection', question_id: 43, option: '3' };

/**
 * The audit's profile: a target named in both places (they differ, as in create_target_group's example),
 * one named only as a target, one named only in its quota, and one without a quota named as a target.
 */
const BIRTH_GENDER = {
  object: 'regular', name: 'birth gender', quotas_enabled: true,
  targets: [
    { name: 'TARGET-NAME-Q1', conditions: [MEN], quota: { name: 'QUOTA-NAME-1', completes_goal_percentage: 50 } },
    { name: 'TARGET-NAME-Q2', conditions: [WOMEN], quota: { completes_goal_percentage: 50 } },
    { conditions: [OTHER], quota: { name: 'QUOTA-NAME-3', completes_goal_percentage: 0 } },
  ],
};
const NAMES = [['TARGET-NAME-Q1', 'QUOTA-NAME-1'], ['TARGET-NAME-Q2', 'TARGET-NAME-Q2'], ['QUOTA-NAME-3', 'QUOTA-NAME-3']];

interface Target { id: string; name?: string; text?: string; conditions: unknown[]; quota?: Record<string, unknown> & { name?: string } }
interface Profile { id: string; name: string; targets: Target[] }
const namesOf = (targets: Target[]) => targets.map((target) => [target.name, target.quota?.name]);

describe('a target\'s name', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const post = (client: Client, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: client.headers(), payload: payload as object });

  /** A new client with a draft target group of `profiling` (1000 completes), and its URL. */
  async function withGroup(profiling: unknown) {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const id = await createTargetGroup(app, client, project.id, { completes_goal: 1000, locale: 'eng_us', profiling });
    return { client, projectId: project.id, id, url: `${targetGroupsUrl(project.id)}/${id}` };
  }

  async function listed(client: Client, groupUrl: string): Promise<Profile[]> {
    const answer = await get(client, `${groupUrl}/profiles`);
    assert.equal(answer.statusCode, 200, answer.body);
    assertMatchesSpec('list_profiles', 200, answer.json());
    return answer.json().profiles;
  }

  it('is kept by create_target_group: get_target_group, list_profiles and get_profile read it, the quota its own name or the target\'s', async () => {
    const { client, url } = await withGroup({ profile_adjustment_type: 'percentage', profiles: [BIRTH_GENDER] });
    const read = await get(client, url);
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_target_group', 200, read.json());
    const stored = read.json().profiling.profiles[0] as Profile;
    assertMatchesDefinition('RegularProfileV3', stored);
    assert.deepEqual(stored.targets, [
      { id: stored.targets[0]!.id, name: 'TARGET-NAME-Q1', conditions: [MEN], quota: { name: 'QUOTA-NAME-1', completes_goal_percentage: 50, quota_nominal: 500, completes_goal: 500 } },
      { id: stored.targets[1]!.id, name: 'TARGET-NAME-Q2', conditions: [WOMEN], quota: { name: 'TARGET-NAME-Q2', completes_goal_percentage: 50, quota_nominal: 500, completes_goal: 500 } },
      { id: stored.targets[2]!.id, name: 'QUOTA-NAME-3', conditions: [OTHER], quota: { name: 'QUOTA-NAME-3', completes_goal_percentage: 0, quota_nominal: 0, completes_goal: 0 } },
    ]);
    const [profile] = await listed(client, url);
    assert.deepEqual(namesOf(profile!.targets), NAMES);
    const one = await get(client, `${url}/profiles/${profile!.id}`);
    assert.equal(one.statusCode, 200, one.body);
    assertMatchesSpec('get_profile', 200, one.json());
    assert.deepEqual(namesOf(one.json().targets), NAMES);
  });

  it('is kept for a target without a quota', async () => {
    const profile = { object: 'regular', name: 'gender', quotas_enabled: false, targets: [{ object: 'nominal', name: 'Men', conditions: [MEN] }, { object: 'nominal', conditions: [WOMEN] }] };
    const { client, url } = await withGroup({ profile_adjustment_type: 'percentage', profiles: [profile] });
    const [read] = await listed(client, url);
    assert.deepEqual(read!.targets.map(({ id: _id, ...target }) => target), [{ name: 'Men', conditions: [MEN] }, { conditions: [WOMEN] }]);
  });

  it('is kept by manage_target_group_profiles: its answer and list_profiles read it', async () => {
    const { client, projectId, id, url } = await withGroup(undefined);
    assert.equal((await launch(app, client, projectId, id)).job.status, 'Completed');
    const answer = await post(client, `${url}/profiles/manage-profiles`, { completes_goal: 500, profiling: { profile_adjustment_type: 'percentage', profiles: [BIRTH_GENDER] } });
    assert.equal(answer.statusCode, 201, answer.body);
    assertMatchesSpec('manage_target_group_profiles', 201, answer.json());
    assert.deepEqual(namesOf(answer.json().profiles[0].targets), NAMES);
    assert.deepEqual(namesOf((await listed(client, url))[0]!.targets), NAMES);
  });

  it('is kept by the panel distribution draft', async () => {
    const client = await clientOf(app);
    const answer = await post(client, `/v1/demand/accounts/${ACCOUNT}/supplier-quota-distribution/draft`, {
      locale: 'eng_us', completes_goal: 1000, profile_adjustment_type: 'percentage', start_at: '2030-01-01T00:00:00Z', end_at: '2030-01-15T00:00:00Z', profile: BIRTH_GENDER,
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assertMatchesSpec('get_panel_distribution_draft', 200, answer.json());
    assert.deepEqual(answer.json(), {
      object: 'regular', name: 'birth gender', quotas_enabled: true,
      targets: [
        { name: 'TARGET-NAME-Q1', conditions: [MEN], quota: { name: 'QUOTA-NAME-1', completes_goal: 500 } },
        { name: 'TARGET-NAME-Q2', conditions: [WOMEN], quota: { name: 'TARGET-NAME-Q2', completes_goal: 500 } },
        { name: 'QUOTA-NAME-3', conditions: [OTHER], quota: { name: 'QUOTA-NAME-3', completes_goal: 0 } },
      ],
    });
  });

  it('names a blended target by its targets\' names, sent as target.name or as quota.name alike', async () => {
    const client = await clientOf(app);
    const profile = (name: string, question: (number | [number, number])[], names: string[], inQuota: boolean) => ({
      object: 'regular', name, quotas_enabled: true,
      targets: question.map((option, index) => ({
        ...(inQuota ? {} : { name: names[index] }),
        conditions: [Array.isArray(option) ? { object: 'range', question_id: 42, min: option[0], max: option[1] } : { object: 'selection', question_id: 43, option: String(option) }],
        quota: { ...(inQuota ? { name: names[index] } : {}), completes_goal_percentage: 50 },
      })),
    });
    for (const inQuota of [false, true]) {
      const answer = await post(client, `/v1/demand/accounts/${ACCOUNT}/drafts/generate-blended-profile`, {
        locale: 'eng_us', completes_goal: 1000, start_at: '2030-01-01T00:00:00Z', end_at: '2030-01-15T00:00:00Z', collects_pii: false,
        profiling: { profile_adjustment_type: 'percentage', profiles: [profile('gender', [1, 2], ['Men', 'Women'], inQuota), profile('age', [[18, 34], [35, 99]], ['Young', 'Old'], inQuota)] },
      });
      assert.equal(answer.statusCode, 201, answer.body);
      assertMatchesSpec('generate_blended_profile', 201, answer.json());
      const targets = answer.json().targets as Target[];
      assert.ok(targets.every((target) => ULID.test(target.id)));
      assert.deepEqual(targets.map((target) => [target.name, target.text, target.quota?.name]), [
        ['Men x Young', 'Men and Young', 'Men_Young'], ['Men x Old', 'Men and Old', 'Men_Old'],
        ['Women x Young', 'Women and Young', 'Women_Young'], ['Women x Old', 'Women and Old', 'Women_Old'],
      ], inQuota ? 'named in their quotas' : 'named as targets');
    }
  });

  it('names a target of several conditions for the rule that asks for a name (057): validate_profiles takes one named as a target', async () => {
    const client = await clientOf(app);
    const interlocked = (named: Record<string, unknown>[]) => ({
      object: 'blended', name: 'gender x age', quotas_enabled: true,
      targets: [[MEN, 18, 34], [WOMEN, 35, 99]].map(([condition, min, max], index) => ({
        ...named[index], conditions: [condition, { object: 'range', question_id: 42, min, max }], quota: { completes_goal_percentage: 50 },
      })),
    });
    const validate = (profile: unknown) => post(client, `/v1/demand/accounts/${ACCOUNT}/profiles/validate`, { locale: 'eng_us', completes_goal: 100, profiling: { profile_adjustment_type: 'percentage', profiles: [profile] } });
    const taken = await validate(interlocked([{ name: 'Young men' }, { name: 'Older women' }]));
    assert.equal(taken.statusCode, 204, taken.body);
    assert.equal(taken.body, '');
    const refused = await validate(interlocked([{ name: 'Young men' }, {}]));
    assert.equal(refused.statusCode, 422, refused.body);
    assertMatchesSpec('validate_profiles', 422, refused.json());
    assert.deepEqual(refused.json().invalid_params.map(({ name, reason }: { name: string; reason: string }) => [name, reason]), [
      ['profile_validation_error_057', 'target_name_or_quota_name_must_be_provided_for_multiple_conditions_057'],
    ]);
  });

  it('survives from a profiling template into the target group it is applied to', async () => {
    const client = await clientOf(app);
    const gender = { object: 'regular', name: 'gender', quotas_enabled: true, targets: [
      { name: 'Men', conditions: [MEN], quota: { completes_goal_percentage: 50 } },
      { name: 'Women', conditions: [WOMEN], quota: { completes_goal_percentage: 50 } },
    ] };
    const created = await post(client, `/v1/demand/accounts/${ACCOUNT}/profiling-templates`, { name: 'T', label: 'L', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [gender] } });
    assert.equal(created.statusCode, 201, created.body);
    const project = await createProject(app, client);
    const id = await createTargetGroup(app, client, project.id, { locale: 'eng_us', profiling: { template_id: created.json().id, profile_adjustment_type: 'percentage' } });
    const [profile] = await listed(client, `${targetGroupsUrl(project.id)}/${id}`);
    assert.deepEqual(namesOf(profile!.targets), [['Men', 'Men'], ['Women', 'Women']]);
  });
});
