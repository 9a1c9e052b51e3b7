// Profile templates: a client's templates are kept, listed by scope and locale, and applied. A target
// group made, updated or managed with a template_id gets the template's profiles (a profile of the
// request asking the same question in its place), copied at that moment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';

const templatesUrl = (account = ACCOUNT) => `/v1/demand/accounts/${account}/profiling-templates`;

/** A regular profile of percentage quotas, one selection option per target. */
const selection = (name: string, question: number, shares: number[], description?: string) => ({
  object: 'regular', name, ...(description ? { description } : {}), quotas_enabled: true,
  targets: shares.map((share, index) => ({ conditions: [{ object: 'selection', question_id: question, option: String(index + 1) }], quota: { completes_goal_percentage: share } })),
});
const GENDER = selection('Gender', 43, [40, 60], 'What is your gender?');
/** Cint's global template, every account's (the one the document's list example shows as global). */
const GLOBAL = '5d0c9a3e-6f1b-4c2a-9e7d-000000000001';
const REGION = selection('Region', 96, [25, 25, 50]);

interface Target { id: string; name?: string; conditions: { question_id: number; option: string }[]; quota: { completes_goal_percentage: number; completes_goal: number; quota_nominal: number } }
interface Profile { id: string; object: string; name: string; description: string; quotas_enabled: boolean; targets: Target[] }

describe('profile templates', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const get = (client: Client, url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
  const send = (client: Client, method: 'POST' | 'PUT', url: string, payload: unknown) => app.inject({ method, url, headers: client.headers(), payload: payload as object });

  async function createTemplate(client: Client, overrides: Record<string, unknown> = {}, account = ACCOUNT): Promise<string> {
    const body = { name: 'Demographics', label: 'demo', description: 'Gender and region', locales: ['eng_us', 'spa_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [GENDER, REGION] }, ...overrides };
    const created = await send(client, 'POST', templatesUrl(account), body);
    assert.equal(created.statusCode, 201, created.body);
    assertMatchesSpec('create_profile_template', 201, created.json());
    return created.json().id;
  }

  /** A new client with a project; `draft` makes a target group in it from the overrides and reads its profiling. */
  async function setUp() {
    const client = await clientOf(app);
    const { id: projectId } = await createProject(app, client);
    const groupsUrl = targetGroupsUrl(projectId);
    const draft = async (overrides: Record<string, unknown>) => {
      const id = await createTargetGroup(app, client, projectId, { completes_goal: 200, ...overrides });
      return { id, url: `${groupsUrl}/${id}` };
    };
    const profilingOf = async (groupUrl: string) => {
      const read = await get(client, groupUrl);
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_target_group', 200, read.json());
      return read.json().profiling as { template_id?: string; profile_adjustment_type: string; profiles: Profile[] };
    };
    return { client, projectId, groupsUrl, draft, profilingOf };
  }

  const shape = (profiles: Profile[]) => profiles.map((profile) => [profile.name, profile.targets.map((target) => [target.conditions[0]!.question_id, target.quota.completes_goal_percentage, target.quota.completes_goal])]);

  describe('the collection', () => {
    it('keeps a template as the account\'s (scope account): create, read and edit answer it, with what was sent', async () => {
      const client = await clientOf(app);
      const id = await createTemplate(client);
      const read = await get(client, `${templatesUrl()}/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_profile_template', 200, read.json());
      assert.equal(read.json().scope, 'account');
      assert.deepEqual(read.json().profiling, { profile_adjustment_type: 'percentage', profiles: [GENDER, REGION] });
      const edited = await send(client, 'PUT', `${templatesUrl()}/${id}`, { name: 'Gender only', label: 'g', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [GENDER] } });
      assert.equal(edited.statusCode, 200, edited.body);
      assertMatchesSpec('edit_profile_template', 200, edited.json());
      assert.equal(edited.json().scope, 'account');
      assert.equal((await get(client, `${templatesUrl()}/${id}`)).json().name, 'Gender only');
    });

    it('refuses a template without the fields ProfileTemplateRequest requires: a 400 naming each', async () => {
      const client = await clientOf(app);
      const answer = await send(client, 'POST', templatesUrl(), { name: 'Half a template' });
      assertCintError(answer, 400, 'bad_request_error', {
        invalid_params: ['locales', 'label', 'profiling'].map((name) => ({ name, reason: `'${name}' is required.` })),
      });
      assert.deepEqual((await get(client, templatesUrl())).json().templates.map((template: { id: string }) => template.id), [GLOBAL], 'Cint\'s global template alone');
    });

    it('refuses, when it is made or edited, profiles that break the rules validate_profiles checks: a 400 naming each, as create_target_group\'s', async () => {
      const client = await clientOf(app);
      // The same selection condition in two targets of a profile (039) and a range whose min is above its max (001).
      const twice = { object: 'regular', name: 'Gender', quotas_enabled: true, targets: [
        { name: 'Men', conditions: [{ object: 'selection', question_id: 43, option: '1' }], quota: { completes_goal_percentage: 50 } },
        { name: 'Men again', conditions: [{ object: 'selection', question_id: 43, option: '1' }], quota: { completes_goal_percentage: 50 } },
      ] };
      const backwards = { object: 'regular', name: 'Age', quotas_enabled: true, targets: [{ conditions: [{ object: 'range', question_id: 42, min: 65, max: 18 }], quota: { completes_goal_percentage: 100 } }] };
      const body = { name: 'Broken', label: 'b', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [twice, backwards] } };
      const expected = [
        { name: 'profiling.profiles[0].targets[1].conditions[0]', reason: 'the same selection condition is already in this profile (duplicate_condition_039)' },
        { name: 'profiling.profiles[1].targets[0].conditions[0]', reason: 'the minimum value (65) cannot be greater than the maximum value (18) (profile_condition_min_greater_than_max_001)' },
      ];
      // validate_profiles refuses the same profiles with its 422, by the same codes.
      const validated = await send(client, 'POST', `/v1/demand/accounts/${ACCOUNT}/profiles/validate`, { locale: 'eng_us', completes_goal: 100, profiling: body.profiling });
      assert.equal(validated.statusCode, 422, validated.body);
      assert.deepEqual(validated.json().invalid_params.map(({ reason }: { reason: string }) => reason), ['duplicate_condition_039', 'profile_condition_min_greater_than_max_001']);
      const created = await send(client, 'POST', templatesUrl(), body);
      const error = assertCintError(created, 400, 'bad_request_error', { detail: 'request had validation errors', invalid_params: expected });
      assert.deepEqual(error.invalid_params, expected);
      assertMatchesSpec('create_profile_template', 400, error);
      const listed = await get(client, templatesUrl());
      assert.deepEqual(listed.json().templates.filter((template: { scope: string }) => template.scope === 'account'), []);

      const id = await createTemplate(client);
      const edited = await send(client, 'PUT', `${templatesUrl()}/${id}`, body);
      assert.deepEqual(assertCintError(edited, 400, 'bad_request_error', { invalid_params: expected }).invalid_params, expected);
      assertMatchesSpec('edit_profile_template', 400, edited.json());
      assert.equal((await get(client, `${templatesUrl()}/${id}`)).json().name, 'Demographics', 'the template is as it was');
    });

    it('lists newest first (oldest with order=asc), filtered by scope and by any of the locales asked (eng-us is eng_us), then paged', async () => {
      const client = await clientOf(app);
      const us = await createTemplate(client, { name: 'US', locales: ['eng_us'] });
      const both = await createTemplate(client, { name: 'US and GB', locales: ['eng-us', 'eng_gb'] });
      const de = await createTemplate(client, { name: 'DE', locales: ['deu_de'] });
      const list = async (query: string) => {
        const answer = await get(client, `${templatesUrl()}${query}`);
        assert.equal(answer.statusCode, 200, answer.body);
        assertMatchesSpec('list_profile_templates', 200, answer.json());
        return answer.json() as { templates: { id: string; name: string; scope: string; locales: string[]; label: string; description: string }[]; next_cursor: string };
      };
      const ids = async (query: string) => (await list(query)).templates.map((template) => template.id);

      // Cint's global template is older than any of the session's: last, and first with order=asc.
      const all = await list('');
      assert.deepEqual(all.templates.map((template) => template.id), [de, both, us, GLOBAL]);
      assert.deepEqual(all.templates[0], { id: de, name: 'DE', description: 'Gender and region', label: 'demo', locales: ['deu_de'], scope: 'account' });
      assert.equal(all.next_cursor, '');
      assert.deepEqual(await ids('?order=asc'), [GLOBAL, us, both, de]);
      assert.deepEqual(await ids('?scope=account'), [de, both, us]);
      assert.deepEqual(await ids('?scope=global'), [GLOBAL]);
      assert.deepEqual(await ids('?locales=eng_us'), [both, us, GLOBAL]);
      assert.deepEqual(await ids('?locales=ENG-GB,deu_de'), [de, both, GLOBAL]);
      assert.deepEqual(await ids('?scope=account&locales=ENG-GB,deu_de'), [de, both]);
      assert.deepEqual(await ids('?locales=jpn_jp'), []);

      const first = await list('?locales=eng_us&page_size=1');
      assert.deepEqual(first.templates.map((template) => template.id), [both]);
      assert.equal(first.next_cursor, both);
      const second = await list(`?locales=eng_us&page_size=1&start_after=${both}`);
      assert.deepEqual(second.templates.map((template) => template.id), [us]);
      assert.equal(second.next_cursor, us);
      const third = await list(`?locales=eng_us&page_size=1&start_after=${us}`);
      assert.deepEqual(third.templates.map((template) => template.id), [GLOBAL]);
      assert.equal(third.next_cursor, '');
    });

    it('get and delete take locales as a filter too: a template for none of them is not found, and not deleted (decision 178)', async () => {
      const client = await clientOf(app);
      const id = await createTemplate(client);   // eng_us, spa_us
      const url = `${templatesUrl()}/${id}`;
      const notFound = { detail: 'profile_template_id: the specified resource was not found' };
      assertCintError(await get(client, `${url}?locales=jpn_jp`), 404, 'not_found_error', notFound);
      assert.equal((await get(client, `${url}?locales=ENG-US`)).statusCode, 200);
      assert.equal((await get(client, `${url}?locales=jpn_jp,spa_us`)).statusCode, 200);
      const remove = (query: string) => app.inject({ method: 'DELETE', url: `${url}${query}`, headers: client.headers() });
      assertCintError(await remove('?locales=deu_de'), 404, 'not_found_error', notFound);
      assert.equal((await get(client, url)).statusCode, 200, 'still there');
      assert.equal((await remove('?locales=eng_us')).statusCode, 204);
      assertCintError(await get(client, url), 404, 'not_found_error', notFound);
    });

    it('a template for no locale in particular (locales: []) passes every locales filter, as it applies to a target group of any locale', async () => {
      const client = await clientOf(app);
      const id = await createTemplate(client, { locales: [] });
      const url = `${templatesUrl()}/${id}`;
      assert.equal((await get(client, `${url}?locales=jpn_jp`)).statusCode, 200);
      const listed = (await get(client, `${templatesUrl()}?scope=account&locales=deu_de`)).json().templates.map((template: { id: string }) => template.id);
      assert.deepEqual(listed, [id]);
      assert.equal((await app.inject({ method: 'DELETE', url: `${url}?locales=jpn_jp`, headers: client.headers() })).statusCode, 204);
    });

    it('is the account\'s and the session\'s: another account and another client see none of it', async () => {
      const client = await clientOf(app);
      const id = await createTemplate(client);
      const idsOf = async (who: Client, url: string) => (await get(who, url)).json().templates.map((template: { id: string }) => template.id);
      assert.deepEqual(await idsOf(client, templatesUrl(202)), [GLOBAL]);
      assertCintError(await get(client, `${templatesUrl(202)}/${id}`), 404, 'not_found_error');
      const other = await clientOf(app);
      assert.deepEqual(await idsOf(other, templatesUrl()), [GLOBAL]);
      assertCintError(await get(other, `${templatesUrl()}/${id}`), 404, 'not_found_error');
    });
  });

  describe("Cint's global template", () => {
    const globalUrl = (query = '', account = ACCOUNT) => `${templatesUrl(account)}/${GLOBAL}${query}`;
    const GLOBAL_PROFILING = {
      profile_adjustment_type: 'percentage',
      profiles: [
        { object: 'regular', name: 'Gender', description: 'What is your gender?', quotas_enabled: true, targets: ['1', '2'].map((option) => ({ conditions: [{ object: 'selection', question_id: 43, option }], quota: { completes_goal_percentage: 50 } })) },
        {
          object: 'regular', name: 'Age', description: 'What is your age?', quotas_enabled: true,
          targets: [[18, 24, 33], [25, 34, 33], [35, 44, 34]].map(([min, max, share]) => ({ conditions: [{ object: 'range', question_id: 42, min, max }], quota: { completes_goal_percentage: share } })),
        },
      ],
    };

    it('is read by every account and client, as the document\'s list example shows it, with its profiles', async () => {
      for (const [client, account] of [[await clientOf(app), ACCOUNT], [await clientOf(app), 202]] as const) {
        const listed = await get(client, `${templatesUrl(account)}?scope=global`);
        assert.equal(listed.statusCode, 200, listed.body);
        assertMatchesSpec('list_profile_templates', 200, listed.json());
        const overview = { id: GLOBAL, name: 'Standard B2C Demographics', description: 'A standard demographic template for B2C surveys.', label: 'Standard B2C Demographics', locales: ['eng-us', 'eng-gb', 'deu-de'], scope: 'global' };
        assert.deepEqual(listed.json(), { templates: [overview], next_cursor: '' });
        const read = await get(client, globalUrl('', account));
        assert.equal(read.statusCode, 200, read.body);
        assertMatchesSpec('get_profile_template', 200, read.json());
        assert.deepEqual(read.json(), { ...overview, profiling: GLOBAL_PROFILING });
        assert.equal((await get(client, globalUrl('?locales=eng_gb', account))).statusCode, 200);
        assertCintError(await get(client, globalUrl('?locales=jpn_jp', account)), 404, 'not_found_error', { detail: 'profile_template_id: the specified resource was not found' });
      }
    });

    it('is applied as an account\'s own is: its profiles in the target group, for its locales only (040)', async () => {
      const { client, groupsUrl, draft, profilingOf } = await setUp();
      const group = await draft({ locale: 'eng_gb', profiling: { template_id: GLOBAL, profile_adjustment_type: 'percentage' } });
      const profiling = await profilingOf(group.url);
      assert.equal(profiling.template_id, GLOBAL);
      assert.deepEqual(shape(profiling.profiles), [
        ['Gender', [[43, 50, 100], [43, 50, 100]]],
        ['Age', [[42, 33, 66], [42, 33, 66], [42, 34, 68]]],
      ]);
      assertCintError(await send(client, 'POST', groupsUrl, targetGroupBody({ completes_goal: 200, locale: 'fra_fr', profiling: { template_id: GLOBAL, profile_adjustment_type: 'percentage' } })), 400, 'bad_request_error', {
        invalid_params: [{ name: 'profiling.template_id', reason: `template ${GLOBAL} is for eng_us, eng_gb, deu_de, not the target group's locale fra_fr (template_locale_does_not_match_target_group_locale_040)` }],
      });
    });

    it('is not an account\'s to edit or delete: 403, and it stays as it was', async () => {
      const client = await clientOf(app);
      const refused = { detail: `profile template ${GLOBAL} is a global template, Cint's for every account: an account edits and deletes only its own (scope account)` };
      assertCintError(await send(client, 'PUT', globalUrl(), { name: 'Mine now', label: 'm', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [GENDER] } }), 403, 'authorization_error', refused);
      assertCintError(await app.inject({ method: 'DELETE', url: globalUrl(), headers: client.headers() }), 403, 'authorization_error', refused);
      const read = await get(client, globalUrl());
      assert.equal(read.json().name, 'Standard B2C Demographics');
      assert.deepEqual(read.json().profiling, GLOBAL_PROFILING);
    });
  });

  describe('applied to a draft target group', () => {
    it('template_id alone: the draft has the template\'s profiles, with ids, both quota forms and the template profile\'s description', async () => {
      const { client, draft, profilingOf } = await setUp();
      const templateId = await createTemplate(client);
      const group = await draft({ locale: 'eng_us', profiling: { template_id: templateId, profile_adjustment_type: 'percentage' } });
      const profiling = await profilingOf(group.url);
      assert.equal(profiling.template_id, templateId);
      assert.equal(profiling.profile_adjustment_type, 'percentage');
      assert.deepEqual(shape(profiling.profiles), [
        ['Gender', [[43, 40, 80], [43, 60, 120]]],
        ['Region', [[96, 25, 50], [96, 25, 50], [96, 50, 100]]],
      ]);
      assert.deepEqual(profiling.profiles.map((profile) => profile.description), ['What is your gender?', 'Region']);
      const ids = profiling.profiles.flatMap((profile) => [profile.id, ...profile.targets.map((target) => target.id)]);
      assert.equal(new Set(ids).size, 7);
    });

    it('template_id with profiles: a profile of the request takes the place of the template\'s profile that asks its question', async () => {
      const { client, draft, profilingOf } = await setUp();
      const templateId = await createTemplate(client);
      const ownRegion = selection('My regions', 96, [50, 50]);
      const age = { object: 'regular', name: 'Age', quotas_enabled: true, targets: [{ conditions: [{ object: 'range', question_id: 42, min: 18, max: 99 }], quota: { completes_goal_percentage: 100 } }] };
      const group = await draft({ locale: 'spa_us', profiling: { template_id: templateId, profile_adjustment_type: 'percentage', profiles: [ownRegion, age] } });
      const profiling = await profilingOf(group.url);
      assert.deepEqual(shape(profiling.profiles), [
        ['Gender', [[43, 40, 80], [43, 60, 120]]],
        ['My regions', [[96, 50, 100], [96, 50, 100]]],
        ['Age', [[42, 100, 200]]],
      ]);
    });

    it('copies the profiles: the template edited or deleted afterwards leaves the target group\'s as they were', async () => {
      const { client, draft, profilingOf } = await setUp();
      const templateId = await createTemplate(client);
      const group = await draft({ locale: 'eng_us', profiling: { template_id: templateId, profile_adjustment_type: 'percentage' } });
      const applied = await profilingOf(group.url);
      assert.equal(applied.profiles.length, 2);
      const edited = await send(client, 'PUT', `${templatesUrl()}/${templateId}`, { name: 'Region only', label: 'r', locales: ['eng_us'], profiling: { profile_adjustment_type: 'percentage', profiles: [REGION] } });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.deepEqual(await profilingOf(group.url), applied);
      const deleted = await app.inject({ method: 'DELETE', url: `${templatesUrl()}/${templateId}`, headers: client.headers() });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.deepEqual(await profilingOf(group.url), applied);
    });

    it('update_target_group applies the template it names (another template\'s profiles go with the body they came in)', async () => {
      const { client, draft, profilingOf } = await setUp();
      const first = await createTemplate(client);
      const second = await createTemplate(client, { name: 'Region', profiling: { profile_adjustment_type: 'percentage', profiles: [REGION] } });
      const group = await draft({ locale: 'eng_us', profiling: { template_id: first, profile_adjustment_type: 'percentage' } });
      const updated = await send(client, 'PUT', group.url, targetGroupBody({ completes_goal: 200, locale: 'eng_us', profiling: { template_id: second, profile_adjustment_type: 'percentage' } }));
      assert.equal(updated.statusCode, 204, updated.body);
      const profiling = await profilingOf(group.url);
      assert.equal(profiling.template_id, second);
      assert.deepEqual(shape(profiling.profiles), [['Region', [[96, 25, 50], [96, 25, 50], [96, 50, 100]]]]);
    });

    it('refuses, with nothing made, a template the account does not have (400 naming profiling.template_id) and a template for other locales (040)', async () => {
      const { client, groupsUrl } = await setUp();
      const templateId = await createTemplate(client, { locales: ['deu_de'] });
      const create = (profiling: unknown) => send(client, 'POST', groupsUrl, targetGroupBody({ locale: 'eng_us', profiling }));
      const unknownId = '9284f2dc-421c-4f4a-ac68-6591c8fa4a38';
      assertCintError(await create({ template_id: unknownId, profile_adjustment_type: 'percentage' }), 400, 'bad_request_error', {
        detail: 'profile template not found',
        invalid_params: [{ name: 'profiling.template_id', reason: `'profiling.template_id' names no profile template of account ${ACCOUNT}: ${unknownId}.` }],
      });
      const otherClient = await clientOf(app);
      const theirs = await createTemplate(otherClient, { locales: ['eng_us'] });
      assert.equal((await create({ template_id: theirs, profile_adjustment_type: 'percentage' })).statusCode, 400, 'another client\'s template');
      assertCintError(await create({ template_id: templateId, profile_adjustment_type: 'percentage' }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'profiling.template_id', reason: `template ${templateId} is for deu_de, not the target group's locale eng_us (template_locale_does_not_match_target_group_locale_040)` }],
      });
      assert.deepEqual((await get(client, groupsUrl)).json().target_groups, []);
    });

    it('checks the template\'s profiles with the request\'s by the same rules: a template\'s refusal and the rules broken come in one 400', async () => {
      const { client, groupsUrl } = await setUp();
      // A template's own profiles are checked when it is made (below); here the request's profile is broken.
      const broken = { object: 'regular', name: 'Age', quotas_enabled: true, targets: [{ conditions: [{ object: 'range', question_id: 42, min: 65, max: 18 }], quota: { completes_goal_percentage: 100 } }] };
      const elsewhere = await createTemplate(client, { locales: ['deu_de'] });
      const both = await send(client, 'POST', groupsUrl, targetGroupBody({ locale: 'eng_us', profiling: { template_id: elsewhere, profile_adjustment_type: 'percentage', profiles: [broken] } }));
      // As manage gives them in one 422; the request's profile comes after the template's two.
      assertCintError(both, 400, 'bad_request_error', {
        invalid_params: [
          { name: 'profiling.template_id', reason: `template ${elsewhere} is for deu_de, not the target group's locale eng_us (template_locale_does_not_match_target_group_locale_040)` },
          { name: 'profiling.profiles[2].targets[0].conditions[0]', reason: 'the minimum value (65) cannot be greater than the maximum value (18) (profile_condition_min_greater_than_max_001)' },
        ],
      });
      assert.deepEqual((await get(client, groupsUrl)).json().target_groups, []);
    });
  });

  describe('applied by manage_target_group_profiles', () => {
    it('replaces a launched target group\'s profiles with the template\'s: 201, what list_profiles shows', async () => {
      const { client, projectId, draft } = await setUp();
      const templateId = await createTemplate(client);
      const group = await draft({ locale: 'eng_us' });
      assert.equal((await launch(app, client, projectId, group.id)).job.status, 'Completed');
      const answer = await send(client, 'POST', `${group.url}/profiles/manage-profiles`, { completes_goal: 300, profiling: { template_id: templateId, profile_adjustment_type: 'percentage' } });
      assert.equal(answer.statusCode, 201, answer.body);
      assertMatchesSpec('manage_target_group_profiles', 201, answer.json());
      assert.deepEqual(shape(answer.json().profiles), [
        ['Gender', [[43, 40, 120], [43, 60, 180]]],
        ['Region', [[96, 25, 75], [96, 25, 75], [96, 50, 150]]],
      ]);
      const listed = await get(client, `${group.url}/profiles`);
      assert.deepEqual(listed.json(), answer.json());
    });

    it('refuses a template for other locales with Cint\'s 422 (040), and changes nothing', async () => {
      const { client, projectId, draft } = await setUp();
      const templateId = await createTemplate(client, { locales: ['jpn_jp'] });
      const group = await draft({ locale: 'eng_us' });
      await launch(app, client, projectId, group.id);
      const before = (await get(client, `${group.url}/profiles`)).json();
      const answer = await send(client, 'POST', `${group.url}/profiles/manage-profiles`, { completes_goal: 300, profiling: { template_id: templateId, profile_adjustment_type: 'percentage' } });
      assert.equal(answer.statusCode, 422, answer.body);
      assertMatchesSpec('manage_target_group_profiles', 422, answer.json());
      assert.deepEqual(answer.json().invalid_params.map(({ name, reason }: { name: string; reason: string }) => ({ name, reason })), [
        { name: 'profile_validation_error_040', reason: 'template_locale_does_not_match_target_group_locale_040' },
      ]);
      assert.deepEqual((await get(client, `${group.url}/profiles`)).json(), before);
    });
  });
});
