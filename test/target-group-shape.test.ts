// What a client reads back is Cint's response shape, not its own request: get_target_group (and the
// details of a launched one) map the stored body field by field; the target group list filters by the
// locale's country and language; and the strings the document says are trimmed are trimmed before
// their length is checked.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { responseFields } from '../src/api/answers.js';
import { operations } from '../src/cint/operations.js';
import {
  ACCOUNT, MANAGER_ID, ULID, assertCintError, assertMatchesDefinition, assertMatchesSpec, clientOf, createProject, createTargetGroup,
  launch, makeApp, projectBody, projectsUrl, targetGroupBody, targetGroupsUrl, type Client,
} from './helpers.js';

type Json = Record<string, unknown>;
/** An answer's JSON, as loosely typed as response.json() gives it. */
type Answer = ReturnType<typeof JSON.parse>;

/** Allocations as a client sends them: supplier ids as strings, in groups and blocked lists. */
const ALLOCATIONS = {
  open_exchange_allocations: {
    blocked_supplier_ids: ['3334'],
    exchange_min_percentage: 10,
    exchange_max_percentage: 90,
    groups: [{ group_name: 'Panels', min_percentage: 0, max_percentage: 50, suppliers: ['4351', '980'] }],
  },
  private_exchange_allocations: {
    blocked_supplier_ids: ['980'],
    groups: [{ group_name: 'Private group 1', min_percentage: 0, max_percentage: 100, supplier_id: '1966' }],
  },
};

/** Profiling as a client sends it: a named profile with percentage quotas, and an unnamed one with no quotas. */
const PROFILING = {
  profile_adjustment_type: 'percentage',
  profiles: [
    {
      object: 'regular', name: 'gender', quotas_enabled: true, targets: [
        { conditions: [{ object: 'selection', question_id: 43, option: '1' }], quota: { name: 'Men', completes_goal_percentage: 40 } },
        { conditions: [{ object: 'selection', question_id: 43, option: '2' }], quota: { completes_goal_percentage: 60 } },
      ],
    },
    {
      object: 'regular', quotas_enabled: false, targets: [
        { object: 'nominal', conditions: [{ object: 'open_ended', question_id: 45, allow_all_values: false, open_ended_values: ['98001', '98001', '98007'] }] },
      ],
    },
  ],
};

/** Every profile and target id of a get_target_group answer, in order. */
const profilingIds = (body: Answer): string[] =>
  (body.profiling.profiles as Answer[]).flatMap((profile) => [profile.id, ...(profile.targets as Answer[]).map((target) => target.id)]);

/** Every field path whose request schema carries the trim mark, as `operation: path`. */
function trimmedFields(): string[] {
  const found: string[] = [];
  const walk = (id: string, node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    const schema = node as Record<string, unknown>;
    if (schema['x-trim'] === true) found.push(`${id}: ${path}`);
    for (const [key, value] of Object.entries((schema.properties as object | undefined) ?? {})) walk(id, value, path ? `${path}.${key}` : key);
    if (schema.items) walk(id, schema.items, `${path}[]`);
    for (const part of [...((schema.anyOf as unknown[]) ?? []), ...((schema.allOf as unknown[]) ?? [])]) walk(id, part, path);
  };
  for (const op of operations) walk(op.id, (op.schemas as { body?: unknown }).body, '');
  return found.sort();
}

describe('names trimmed as the document says', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const createProjectAnswer = (client: Client, name: string) => app.inject({
    method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name }),
  });
  const readProject = (client: Client, id: string) => app.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers() });
  const updateProject = (client: Client, id: string, etag: string, name: string) => app.inject({
    method: 'PUT', url: `${projectsUrl()}/${id}`,
    headers: client.headers({ 'idempotency-key': client.idempotencyKey(), 'if-match': etag }),
    payload: { name, project_manager_id: MANAGER_ID, project_customer_reference_number: null },
  });
  const uploadCodes = (client: Client, targetGroupId: string, kind: 'live' | 'test', codes: unknown[]) => app.inject({
    method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/target-groups/${targetGroupId}/respondent-unique-codes/${kind}`,
    headers: client.headers(), payload: { respondent_unique_codes: codes },
  });

  it('the fields marked are the ones the document says it trims, taken from its words when the spec is extracted', () => {
    assert.deepEqual(trimmedFields(), [
      'create_project: name',
      'update_project: name',
      'upload_live_respondent_unique_codes: respondent_unique_codes[]',
      'upload_test_respondent_unique_codes: respondent_unique_codes[]',
    ]);
  });

  describe('create_project', () => {
    it('a name too short once trimmed is 400 invalid_params naming name', async () => {
      const client = await clientOf(app);
      // Eight characters as sent, three once trimmed: the minimum is five.
      assertCintError(await createProjectAnswer(client, '   abc  '), 400, 'bad_request_error', {
        detail: 'request had validation errors',
        invalid_params: [{ name: 'name', reason: "'name' must be at least 5 characters long." }],
      });
      assertCintError(await createProjectAnswer(client, ' \t\n '), 400, 'bad_request_error', { invalid_params: [{ name: 'name' }] });
    });

    it('a name long enough once trimmed is stored trimmed', async () => {
      const client = await clientOf(app);
      const created = await createProjectAnswer(client, '   Brand tracker 2026 \t');
      assert.equal(created.statusCode, 202, created.body);
      const read = await readProject(client, created.json().id as string);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().name, 'Brand tracker 2026');
      assertMatchesSpec('get_project_by_id', 200, read.json(), true, read.headers);
    });

    it('the maximum length is checked on the trimmed name too', async () => {
      const client = await clientOf(app);
      const name = 'x'.repeat(128);
      const created = await createProjectAnswer(client, `  ${name}  `);
      assert.equal(created.statusCode, 202, created.body);
      assert.equal((await readProject(client, created.json().id as string)).json().name, name);
      assertCintError(await createProjectAnswer(client, ` ${name}x `), 400, 'bad_request_error', {
        invalid_params: [{ name: 'name', reason: "'name' must be at most 128 characters long." }],
      });
    });
  });

  describe('update_project', () => {
    it('a name too short once trimmed is 400 naming name, and the project keeps its name', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client, { name: 'Brand tracker' });
      assertCintError(await updateProject(client, project.id, project.etag, '  ab   '), 400, 'bad_request_error', {
        invalid_params: [{ name: 'name', reason: "'name' must be at least 5 characters long." }],
      });
      assert.equal((await readProject(client, project.id)).json().name, 'Brand tracker');
    });

    it('a name long enough once trimmed is stored trimmed', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client, { name: 'Brand tracker' });
      const updated = await updateProject(client, project.id, project.etag, '  Renamed tracker  ');
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal((await readProject(client, project.id)).json().name, 'Renamed tracker');
    });
  });

  for (const kind of ['live', 'test'] as const) {
    describe(`upload_${kind}_respondent_unique_codes`, () => {
      it('a code of whitespace only is empty once trimmed: 400 naming the item', async () => {
        const client = await clientOf(app);
        const project = await createProject(app, client);
        const targetGroupId = await createTargetGroup(app, client, project.id);
        assertCintError(await uploadCodes(client, targetGroupId, kind, ['abc-123', '   ']), 400, 'bad_request_error', {
          invalid_params: [{ name: 'respondent_unique_codes[1]', reason: "'respondent_unique_codes[1]' must not be empty." }],
        });
      });

      it('codes with surrounding whitespace are accepted', async () => {
        const client = await clientOf(app);
        const project = await createProject(app, client);
        const targetGroupId = await createTargetGroup(app, client, project.id);
        // 128 characters once trimmed: at the maximum, so only trimming lets it through.
        const response = await uploadCodes(client, targetGroupId, kind, [` ${'a'.repeat(128)} `, '\tdef-456 ']);
        assert.equal(response.statusCode, 200, response.body);
        assertMatchesSpec(`upload_${kind}_respondent_unique_codes`, 200, response.json(), true, response.headers);
      });
    });
  }

  it('a target group name is not trimmed: the document does not say so', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id, { name: '  Spaced out  ' });
    const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${project.id}/target-groups/${targetGroupId}`, headers: client.headers() });
    assert.equal(read.json().name, '  Spaced out  ');
  });
});

describe('get_list_target_groups: country and language', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const list = (client: Client, projectId: string, query: string) =>
    app.inject({ method: 'GET', url: `${projectsUrl()}/${projectId}/target-groups${query}`, headers: client.headers() });

  /** A project with four target groups in four locales; the ids by locale. */
  async function fourLocales(client: Client) {
    const project = await createProject(app, client);
    const ids: Record<string, string> = {};
    for (const locale of ['eng_us', 'spa_us', 'eng_gb', 'fra_ca']) {
      ids[locale] = await createTargetGroup(app, client, project.id, { locale, name: `Group in ${locale}` });
    }
    return { projectId: project.id, ids };
  }

  /** The locales of the listed target groups, after checking the answer against the document. */
  async function localesListed(client: Client, projectId: string, query: string): Promise<string[]> {
    const response = await list(client, projectId, query);
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_list_target_groups', 200, response.json(), true, response.headers);
    return (response.json().target_groups as { locale: string }[]).map((group) => group.locale).sort();
  }

  it('country matches the locale\'s country, language its language', async () => {
    const client = await clientOf(app);
    const { projectId } = await fourLocales(client);
    assert.deepEqual(await localesListed(client, projectId, '?country=us'), ['eng_us', 'spa_us']);
    assert.deepEqual(await localesListed(client, projectId, '?language=eng'), ['eng_gb', 'eng_us']);
    assert.deepEqual(await localesListed(client, projectId, '?language=fra'), ['fra_ca']);
  });

  it('several values of one filter are alternatives', async () => {
    const client = await clientOf(app);
    const { projectId } = await fourLocales(client);
    assert.deepEqual(await localesListed(client, projectId, '?country=us&country=ca'), ['eng_us', 'fra_ca', 'spa_us']);
    assert.deepEqual(await localesListed(client, projectId, '?language=spa&language=fra'), ['fra_ca', 'spa_us']);
  });

  it('a value no target group has matches nothing', async () => {
    const client = await clientOf(app);
    const { projectId } = await fourLocales(client);
    assert.deepEqual(await localesListed(client, projectId, '?country=de'), []);
    assert.deepEqual(await localesListed(client, projectId, '?language=deu'), []);
    assert.deepEqual(await localesListed(client, projectId, '?country=gb&language=spa'), []);
  });

  it('country, language and the other filters all apply together', async () => {
    const client = await clientOf(app);
    const { projectId, ids } = await fourLocales(client);
    assert.deepEqual(await localesListed(client, projectId, '?country=us&language=eng'), ['eng_us']);
    assert.deepEqual(await localesListed(client, projectId, '?language=eng&search_string=gb'), ['eng_gb']);
    assert.deepEqual(await localesListed(client, projectId, '?country=us&status=draft'), ['eng_us', 'spa_us']);
    assert.deepEqual(await localesListed(client, projectId, '?country=us&status=live'), []);
    // And the page size still counts matches only.
    const page = (await list(client, projectId, '?country=us&page_size=1')).json();
    assert.deepEqual(page.target_groups.map((group: { id: string }) => group.id), [ids.spa_us]);
    assert.equal(page.has_more, true);
    const next = (await list(client, projectId, `?country=us&page_size=1&start_after=${page.next_cursor}`)).json();
    assert.deepEqual(next.target_groups.map((group: { id: string }) => group.id), [ids.eng_us]);
    assert.equal(next.has_more, false);
  });

  it('a locale sent in upper case is matched all the same', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    await createTargetGroup(app, client, project.id, { locale: 'ENG_US' });
    assert.deepEqual(await localesListed(client, project.id, '?country=us&language=eng'), ['ENG_US']);
  });

  it('the document\'s form is lower case: US or ENG is 400 naming the value', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    assertCintError(await list(client, project.id, '?country=US'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'country', reason: "'country' must match the pattern ^[a-z]{2}$." }],
    });
    assertCintError(await list(client, project.id, '?language=en'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'language', reason: "'language' must match the pattern ^[a-z]{3}$." }],
    });
  });
});

describe('get_target_group: the response shape, not the request', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const read = (client: Client, projectId: string, id: string) =>
    app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}/${id}`, headers: client.headers() });
  const create = (client: Client, projectId: string, body: Json) =>
    app.inject({ method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: body });
  const update = (client: Client, projectId: string, id: string, body: Json) =>
    app.inject({ method: 'PUT', url: `${targetGroupsUrl(projectId)}/${id}`, headers: client.headers(), payload: body });

  /** Creates a draft from `body` and reads it back, checked against the document's schema. */
  async function roundTrip(client: Client, body: Json): Promise<{ projectId: string; id: string; answer: Answer }> {
    const project = await createProject(app, client);
    const created = await create(client, project.id, body);
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const response = await read(client, project.id, id);
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_target_group', 200, response.json(), true, response.headers);
    return { projectId: project.id, id, answer: response.json() };
  }

  it('answers every field as the response schema has it, mapped from the request', async () => {
    const client = await clientOf(app);
    const sent = targetGroupBody({
      name: 'Shape of a draft', locale: 'eng_gb', client_id: 77, industry_lockout_code: undefined,
      respondent_activity_exclusions: [
        { type: 'project', id: '01KH287TE2W1GKTJJ91QCCHWP9' },
        { type: 'target-group', id: '01KH2714RHRTGCGQV47FHHY8S8', duration: 'P2W' },
      ],
      test_url: 'https://survey.example.com/s/123?RID={RID}&test=1',
      target_group_customer_reference_number: 'TG-REF-001',
      profiling: PROFILING,
      allocations: ALLOCATIONS,
    });
    const { answer } = await roundTrip(client, sent);
    const [gender, open, men, women, openTarget] = [answer.profiling.profiles[0], answer.profiling.profiles[1], ...answer.profiling.profiles[0].targets, answer.profiling.profiles[1].targets[0]];
    assert.deepEqual(answer, {
      human_readable_id: answer.human_readable_id,
      name: 'Shape of a draft',
      business_unit_id: 3337,
      locale: 'eng_gb',
      collects_pii: false,
      study_type_code: 'adhoc',
      industry_code: 'other',
      pricing_model: 'dynamic',
      cost_per_interview: sent.cost_per_interview,
      client_cost_per_interview_note: sent.client_cost_per_interview_note,
      client_id: 77,
      project_manager_id: MANAGER_ID,
      fielding_specification: sent.fielding_specification,
      completes_goal: 1500,
      expected_length_of_interview_minutes: 2,
      expected_incidence_rate: 0.9,
      exclusion: { enabled: true },
      // The document's default duration, and weeks "persisted in days".
      respondent_activity_exclusions: [
        { type: 'project', id: '01KH287TE2W1GKTJJ91QCCHWP9', duration: 'P90D' },
        { type: 'target-group', id: '01KH2714RHRTGCGQV47FHHY8S8', duration: 'P14D' },
      ],
      industry_lockout_code: 'no_lock_out',
      live_url: 'https://example.com/live',
      test_url: 'https://survey.example.com/s/123?RID={RID}&test=1',
      fielding_assistant_assignment: sent.fielding_assistant_assignment,
      created_at: answer.created_at,
      profiling: {
        profile_adjustment_type: 'percentage',
        profiles: [
          {
            object: 'regular', id: gender.id, quotas_enabled: true, name: 'gender', description: 'gender',
            targets: [
              { id: men.id, name: 'Men', conditions: [{ object: 'selection', question_id: 43, option: '1' }], quota: { name: 'Men', completes_goal_percentage: 40, quota_nominal: 600, completes_goal: 600 } },
              { id: women.id, conditions: [{ object: 'selection', question_id: 43, option: '2' }], quota: { completes_goal_percentage: 60, quota_nominal: 900, completes_goal: 900 } },
            ],
          },
          {
            // No name sent: named after its question. Duplicate open-ended values are removed.
            object: 'regular', id: open.id, quotas_enabled: false, name: 'Question 45', description: 'Question 45',
            targets: [{ id: openTarget.id, conditions: [{ object: 'open_ended', question_id: 45, allow_all_values: false, open_ended_values: ['98001', '98007'] }] }],
          },
        ],
      },
      allocations: {
        open_exchange_allocations: {
          // get_suppliers lists 4351 (Acme Inc) and 3334 (BCD Inc); both are placed, so the rest of the exchange is empty.
          exchange_suppliers: [],
          blocked_suppliers: [{ id: 3334, name: 'BCD Inc' }],
          exchange_min_percentage: 10,
          exchange_max_percentage: 90,
          groups: [{ group_id: '1', group_name: 'Panels', min_percentage: 0, max_percentage: 50, suppliers: [{ id: 4351, name: 'Acme Inc' }, { id: 980, name: 'Supplier 980' }] }],
        },
        private_exchange_allocations: {
          blocked_suppliers: [{ id: 980, name: 'Supplier 980' }],
          groups: [{ group_id: '2', group_name: 'Private group 1', min_percentage: 0, max_percentage: 100, supplier: { id: 1966, name: 'Supplier 1966' } }],
        },
      },
      re_entry_configuration: sent.re_entry_configuration,
      target_group_customer_reference_number: 'TG-REF-001',
      // The test link with its placeholder percent-encoded, so that it is the URI the schema asks for.
      links: { test_client_survey: 'https://survey.example.com/s/123?RID=%7BRID%7D&test=1' },
    });
    assert.match(answer.human_readable_id, /^[0-9A-Z]{7}$/);
    assert.ok(Math.abs(Date.parse(answer.created_at) - Date.now()) < 60_000);
    // The profiling is the "Only profiles" branch (its union also admits any object as "No profiling").
    assertMatchesDefinition('ProfilingDraftResponse', answer.profiling);
  });

  it('says nothing the schema does not have: no request-only field is echoed', async () => {
    const client = await clientOf(app);
    const { answer } = await roundTrip(client, targetGroupBody({ allocations: ALLOCATIONS, profiling: PROFILING }));
    const fields = responseFields('get_target_group', 200);
    assert.deepEqual(Object.keys(answer).filter((key) => !fields.has(key)), []);
    const text = JSON.stringify(answer);
    for (const requestOnly of ['blocked_supplier_ids', 'supplier_id', 'template_id"']) assert.ok(!text.includes(requestOnly), `${requestOnly} in ${text.slice(0, 300)}`);
    for (const group of answer.allocations.open_exchange_allocations.groups as Answer[]) {
      for (const supplier of group.suppliers as unknown[]) assertMatchesDefinition('SupplierResponse', supplier);
    }
  });

  it('profiles and targets carry ids: ULIDs, all different, the same at every read, new after an update', async () => {
    const client = await clientOf(app);
    const { projectId, id, answer } = await roundTrip(client, targetGroupBody({ profiling: PROFILING }));
    const ids = profilingIds(answer);
    assert.equal(ids.length, 5);
    for (const value of ids) assert.match(value, ULID);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(profilingIds((await read(client, projectId, id)).json()), ids);
    assert.equal((await update(client, projectId, id, targetGroupBody({ profiling: PROFILING }))).statusCode, 204);
    const renewed = profilingIds((await read(client, projectId, id)).json());
    assert.equal(renewed.length, ids.length);
    assert.ok(renewed.every((value) => !ids.includes(value)), 'an update saves a new body, whose profiles get new ids');
    // Two target groups with the same body do not share ids.
    const other = await roundTrip(client, targetGroupBody({ profiling: PROFILING }));
    assert.ok(profilingIds(other.answer).every((value) => !renewed.includes(value)));
  });

  it('a quota sent as a number of completes reads back with its percentage of the goal', async () => {
    const client = await clientOf(app);
    const profiling = {
      profile_adjustment_type: 'nominal',
      profiles: [{
        object: 'regular', name: 'age', quotas_enabled: true, targets: [
          { conditions: [{ object: 'range', question_id: 42, min: 18, max: 34 }], quota: { completes_goal: 500 } },
          { conditions: [{ object: 'range', question_id: 42, min: 35, max: 99 }], quota: { completes_goal: 1000 } },
        ],
      }],
    };
    const { answer } = await roundTrip(client, targetGroupBody({ completes_goal: 1500, profiling }));
    assert.deepEqual((answer.profiling.profiles[0].targets as Answer[]).map((target) => target.quota), [
      { completes_goal_percentage: 33.33, quota_nominal: 500, completes_goal: 500 },
      { completes_goal_percentage: 66.67, quota_nominal: 1000, completes_goal: 1000 },
    ]);
    assertMatchesDefinition('ProfilingDraftResponse', answer.profiling);
  });

  it('suppliers nobody placed are the rest of the exchange; a blended profile gets its default type', async () => {
    const client = await clientOf(app);
    const profiling = {
      profile_adjustment_type: 'percentage',
      profiles: [{
        object: 'blended', name: 'Women 18-34', quotas_enabled: true, targets: [
          { conditions: [{ object: 'selection', question_id: 43, option: '2' }, { object: 'range', question_id: 42, min: 18, max: 34 }], quota: { name: 'Women 18-34', completes_goal_percentage: 100 } },
        ],
      }],
    };
    const { answer } = await roundTrip(client, targetGroupBody({ profiling }));
    assert.deepEqual(answer.allocations.open_exchange_allocations.exchange_suppliers, [{ id: 4351, name: 'Acme Inc' }, { id: 3334, name: 'BCD Inc' }]);
    assert.equal(answer.profiling.profiles[0].blended_type, 'interlock');
    assertMatchesDefinition('ProfilingDraftResponse', answer.profiling);
  });

  it('a supplier id that is not digits cannot be read back as Cint\'s integer id: 400 naming each', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const allocations = structuredClone(ALLOCATIONS) as Answer;
    allocations.open_exchange_allocations.groups[0].suppliers = ['4351', 'acme'];
    allocations.private_exchange_allocations.groups[0].supplier_id = 'x1';
    allocations.private_exchange_allocations.blocked_supplier_ids = ['-5'];
    assertCintError(await create(client, project.id, targetGroupBody({ allocations })), 400, 'bad_request_error', {
      invalid_params: [
        { name: 'allocations.open_exchange_allocations.groups[0].suppliers[1]', reason: "'allocations.open_exchange_allocations.groups[0].suppliers[1]' must be the numeric id of a supplier." },
        { name: 'allocations.private_exchange_allocations.blocked_supplier_ids[0]' },
        { name: 'allocations.private_exchange_allocations.groups[0].supplier_id' },
      ],
    });
    const id = await createTargetGroup(app, client, project.id);
    assertCintError(await update(client, project.id, id, targetGroupBody({ allocations })), 400, 'bad_request_error', {
      invalid_params: [{ name: 'allocations.open_exchange_allocations.groups[0].suppliers[1]' }],
    });
  });

  it('a group id sent back with an update is kept', async () => {
    const client = await clientOf(app);
    const { projectId, id } = await roundTrip(client, targetGroupBody({ allocations: ALLOCATIONS }));
    const allocations = structuredClone(ALLOCATIONS) as Answer;
    allocations.open_exchange_allocations.groups[0].group_id = 'panels-1';
    assert.equal((await update(client, projectId, id, targetGroupBody({ allocations }))).statusCode, 204);
    const answer = (await read(client, projectId, id)).json();
    assert.equal(answer.allocations.open_exchange_allocations.groups[0].group_id, 'panels-1');
    assert.equal(answer.allocations.private_exchange_allocations.groups[0].group_id, '2');
  });

  it('without a test URL the links are there, empty; null URLs and an empty exclusion are left out', async () => {
    const client = await clientOf(app);
    const { answer } = await roundTrip(client, targetGroupBody({ test_url: null, live_url: null, profiling: null }));
    assert.deepEqual(answer.links, {});
    for (const field of ['test_url', 'live_url', 'profiling']) assert.equal(field in answer, false, field);
  });
});

describe('pricing_model follows the request', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const RATE_CARD = { type: 'rate_card', maximum_cpi: { value: '5.00', currency_code: 'USD' } };
  const withPricing = (pricing: unknown) => {
    const body = targetGroupBody();
    const { cost_per_interview: _cpi, ...rest } = body;
    return { ...rest, fielding_assistant_assignment: { ...(body.fielding_assistant_assignment as Json), pricing } };
  };
  const pricingModel = async (client: Client, projectId: string, id: string) => {
    const response = await app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}/${id}`, headers: client.headers() });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_target_group', 200, response.json());
    return response.json().pricing_model as string;
  };

  it('rate_card pricing reads back as the rate_card model, dynamic as dynamic', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const rateCard = await createTargetGroup(app, client, project.id, withPricing(RATE_CARD));
    assert.equal(await pricingModel(client, project.id, rateCard), 'rate_card');
    const dynamic = await createTargetGroup(app, client, project.id);
    assert.equal(await pricingModel(client, project.id, dynamic), 'dynamic');
  });

  it('without a pricing module the model is the schema\'s default, dynamic', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    assert.equal(await pricingModel(client, project.id, await createTargetGroup(app, client, project.id, withPricing(null))), 'dynamic');
  });

  it('an update changes it', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const id = await createTargetGroup(app, client, project.id);
    const updated = await app.inject({ method: 'PUT', url: `${targetGroupsUrl(project.id)}/${id}`, headers: client.headers(), payload: withPricing(RATE_CARD) });
    assert.equal(updated.statusCode, 204, updated.body);
    assert.equal(await pricingModel(client, project.id, id), 'rate_card');
  });
});

describe('supplier and account names from the reference data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cint-mock-tgshape-'));
  let app: MockApp;
  before(async () => {
    const file = join(dir, 'reference.yaml');
    writeFileSync(file, [
      'get_suppliers:',
      '  suppliers:',
      '    - { id: 980, code: TST, name: Cint test supplier }',
      '    - { id: 4351, code: ACE, name: Acme Panels }',
      'get_user_accounts:',
      '  accounts:',
      `    - { id: ${ACCOUNT}, name: Globex Research }`,
      '',
    ].join('\n'));
    app = await makeApp({ referenceData: file });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a target group names its suppliers as the supplier list does, and its details name the account', async () => {
    const client = await clientOf(app);
    const suppliers = await app.inject({ method: 'GET', url: '/v1/suppliers', headers: client.headers() });
    assert.deepEqual(suppliers.json().suppliers.map((supplier: Answer) => supplier.name), ['Cint test supplier', 'Acme Panels']);
    const project = await createProject(app, client);
    const allocations = structuredClone(ALLOCATIONS) as Answer;
    allocations.open_exchange_allocations.groups[0].suppliers = ['980'];
    const id = await createTargetGroup(app, client, project.id, { allocations });
    const answer = (await app.inject({ method: 'GET', url: `${targetGroupsUrl(project.id)}/${id}`, headers: client.headers() })).json();
    assertMatchesSpec('get_target_group', 200, answer);
    const open = answer.allocations.open_exchange_allocations;
    assert.deepEqual(open.groups[0].suppliers, [{ id: 980, name: 'Cint test supplier' }]);
    // 3334 is blocked but not in this list: named after itself. The rest of the exchange is 4351.
    assert.deepEqual(open.blocked_suppliers, [{ id: 3334, name: 'Supplier 3334' }]);
    assert.deepEqual(open.exchange_suppliers, [{ id: 4351, name: 'Acme Panels' }]);

    await launch(app, client, project.id, id);
    const details = await app.inject({ method: 'GET', url: `${targetGroupsUrl(project.id)}/${id}/details`, headers: client.headers() });
    assertMatchesSpec('get_target_group_details', 200, details.json());
    assert.equal(details.json().account_name, 'Globex Research');
  });
});

describe('get_target_group_details: the launched target group\'s own values', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('answers TargetGroupDetails from the stored body, not the document\'s example', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const sent = targetGroupBody({
      name: 'Launched and detailed', locale: 'eng_us', industry_lockout_code: undefined, client_id: null,
      test_url: 'https://survey.example.com/test?rid=[%RID%]', target_group_customer_reference_number: null,
    });
    const id = await createTargetGroup(app, client, project.id, sent);
    const draft = (await app.inject({ method: 'GET', url: `${targetGroupsUrl(project.id)}/${id}`, headers: client.headers() })).json();
    await launch(app, client, project.id, id);
    const url = `${targetGroupsUrl(project.id)}/${id}/details`;
    const response = await app.inject({ method: 'GET', url, headers: client.headers() });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec('get_target_group_details', 200, response.json(), true, response.headers);
    assert.deepEqual(response.json(), {
      id,
      human_readable_id: draft.human_readable_id,
      name: 'Launched and detailed',
      // The mock knows no account names but those of the account list (get_user_accounts): 101 is not there.
      account_name: `Account ${ACCOUNT}`,
      // A string in this schema, an integer in get_target_group's.
      business_unit_id: '3337',
      project_manager_id: MANAGER_ID,
      study_type_code: 'adhoc',
      industry_code: 'other',
      locale: 'eng_us',
      completes_goal: 1500,
      expected_length_of_interview_minutes: 2,
      expected_incidence_rate: 0.9,
      industry_lockout_code: 'no_lock_out',
      client_cost_per_interview_note: sent.client_cost_per_interview_note,
      client_id: null,
      collects_pii: false,
      live_url: 'https://example.com/live',
      test_url: 'https://survey.example.com/test?rid=[%RID%]',
      created_at: draft.created_at,
      target_group_customer_reference_number: null,
      links: { test_client_survey: 'https://survey.example.com/test?rid=%5B%25RID%25%5D' },
    });
  });

  it('update_launched_target_group_details answers the changed details, in TargetGroupDetails\' shape', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const id = await createTargetGroup(app, client, project.id);
    await launch(app, client, project.id, id);
    const url = `${targetGroupsUrl(project.id)}/${id}/details`;
    const change = {
      name: 'Renamed while live', project_manager_id: MANAGER_ID, expected_length_of_interview_minutes: 10, expected_incidence_rate: 0.5,
      live_url: 'https://example.com/live2', test_url: 'https://example.com/test2', industry_lockout_code: 'past_90_days',
    };
    const updated = await app.inject({ method: 'PUT', url, headers: client.headers(), payload: change });
    assert.equal(updated.statusCode, 200, updated.body);
    assertMatchesSpec('update_launched_target_group_details', 200, updated.json(), true, updated.headers);
    const fields = responseFields('update_launched_target_group_details', 200);
    assert.deepEqual(Object.keys(updated.json()).filter((key) => !fields.has(key)), []);
    for (const [key, value] of Object.entries(change)) assert.deepEqual(updated.json()[key], value, key);
    const details = (await app.inject({ method: 'GET', url, headers: client.headers() })).json();
    assert.equal(details.name, 'Renamed while live');
    assert.equal(details.links.test_client_survey, 'https://example.com/test2');
  });
});
