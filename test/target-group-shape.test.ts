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
