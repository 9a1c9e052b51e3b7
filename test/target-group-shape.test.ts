// What a client reads back is Cint's response shape, not its own request: get_target_group (and the
// details of a launched one) map the stored body field by field; the target group list filters by the
// locale's country and language; and the strings the document says are trimmed are trimmed before
// their length is checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { operations } from '../src/cint/operations.js';
import {
  ACCOUNT, MANAGER_ID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, projectBody,
  projectsUrl, type Client,
} from './helpers.js';

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
      invalid_params: [{ name: 'country[0]', reason: "'country[0]' must match the pattern ^[a-z]{2}$." }],
    });
    assertCintError(await list(client, project.id, '?language=en'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'language[0]', reason: "'language[0]' must match the pattern ^[a-z]{3}$." }],
    });
  });
});
