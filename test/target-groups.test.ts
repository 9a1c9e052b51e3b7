import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, ULID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, targetGroupBody,
  fixtures, targetGroupsUrl, type Client,
} from './helpers.js';

const UNKNOWN_ID = '01K40T69E63BHTT9MAJYRBQ8HY';

describe('target groups', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const create = (client: Client, projectId: string, body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: body });
  const get = (client: Client, projectId: string, targetGroupId: string) =>
    app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}/${targetGroupId}`, headers: client.headers() });
  const list = (client: Client, projectId: string, query = '') =>
    app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}${query}`, headers: client.headers() });

  describe('create_target_group', () => {
    it('answers 201 with the new id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const response = await create(client, project.id, targetGroupBody());
      assert.equal(response.statusCode, 201, response.body);
      assert.deepEqual(Object.keys(response.json()), ['id']);
      assert.match(response.json().id, ULID);
      assertMatchesSpec('create_target_group', 201, response.json(), true, response.headers);
    });

    it('a name too short is 400 invalid_params naming name', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      assertCintError(await create(client, project.id, targetGroupBody({ name: 'abc' })), 400, 'bad_request_error', {
        invalid_params: [{ name: 'name', reason: "'name' must be at least 5 characters long." }],
      });
    });

    it('a bad nested field is named by its path', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const body = targetGroupBody({ fielding_specification: { start_at: 'next tuesday', end_at: '2030-01-01T00:00:00.000Z' } });
      assertCintError(await create(client, project.id, body), 400, 'bad_request_error', {
        invalid_params: [{ name: 'fielding_specification.start_at', reason: "'fielding_specification.start_at' must be a valid date-time." }],
      });
    });

    it('a fielding period that ends before it starts, or when it starts, is 400 naming end_at, on create and on update (decision 199)', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const backwards = { start_at: '2030-02-01T00:00:00.000Z', end_at: '2030-01-01T00:00:00.000Z' };
      assertCintError(await create(client, project.id, targetGroupBody({ fielding_specification: backwards, name: 'abc' })), 400, 'bad_request_error', {
        invalid_params: [
          { name: 'fielding_specification.end_at', reason: "'fielding_specification.end_at' (2030-01-01T00:00:00.000Z) must be after 'fielding_specification.start_at' (2030-02-01T00:00:00.000Z)." },
          { name: 'name', reason: "'name' must be at least 5 characters long." },
        ],
      });
      const id = await createTargetGroup(app, client, project.id);
      const same = { start_at: '2030-01-01T00:00:00Z', end_at: '2030-01-01T01:00:00+01:00' };
      const updated = await app.inject({ method: 'PUT', url: `${targetGroupsUrl(project.id)}/${id}`, headers: client.headers(), payload: targetGroupBody({ fielding_specification: same }) });
      assertCintError(updated, 400, 'bad_request_error', { invalid_params: [{ name: 'fielding_specification.end_at' }] });
    });

    it("reads the fielding period back in the schema's RFC 3339 UTC with 3 fractional digits, whatever offset was sent; the document's past example is taken", async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const sent = { start_at: '2030-01-01T01:00:00+01:00', end_at: '2030-02-01T00:00:00Z' };
      const created = await create(client, project.id, targetGroupBody({ fielding_specification: sent }));
      assert.equal(created.statusCode, 201, created.body);
      const read = await get(client, project.id, created.json().id);
      assertMatchesSpec('get_target_group', 200, read.json());
      assert.deepEqual(read.json().fielding_specification, { start_at: '2030-01-01T00:00:00.000Z', end_at: '2030-02-01T00:00:00.000Z' });
      // A draft's period is a plan, not held to the clock: Cint's own example is in 2025.
      const example = targetGroupBody().fielding_specification as { start_at: string };
      assert.ok(Date.parse(example.start_at) < Date.now(), example.start_at);
      const fromExample = await create(client, project.id, targetGroupBody());
      assert.equal(fromExample.statusCode, 201, fromExample.body);
      assert.deepEqual((await get(client, project.id, fromExample.json().id)).json().fielding_specification, example);
    });

    it('a missing required field is named', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const { locale: _locale, ...body } = targetGroupBody();
      assertCintError(await create(client, project.id, body), 400, 'bad_request_error', {
        invalid_params: [{ name: 'locale', reason: "'locale' is required." }],
      });
    });

    it('a non-numeric business_unit_id is 400', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      assertCintError(await create(client, project.id, targetGroupBody({ business_unit_id: 'acme' })), 400, 'bad_request_error', {
        invalid_params: [{ name: 'business_unit_id' }],
      });
    });

    it('business_unit_id may come as digits in a string (the document) or as an integer (an earlier revision)', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const created = await create(client, project.id, targetGroupBody({ business_unit_id: 3337 }));
      assert.equal(created.statusCode, 201, created.body);
      const read = await get(client, project.id, created.json().id as string);
      assert.equal(read.statusCode, 200, read.body);
      assertMatchesSpec('get_target_group', 200, read.json());
      for (const bad of [-1, 3.5, '33a']) {
        assertCintError(await create(client, project.id, targetGroupBody({ business_unit_id: bad })), 400, 'bad_request_error', { invalid_params: [{ name: 'business_unit_id' }] });
      }
      // The feasibility body documents an integer: the same digits as a string are read as one.
      const feasibility = await app.inject({
        method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/target-groups/calculate-feasibility`, headers: client.headers(),
        payload: { ...((fixtures.operations.calculate_target_group_feasibility!.validRequestExample ?? fixtures.operations.calculate_target_group_feasibility!.requestExample) as object), business_unit_id: '3337' },
      });
      assert.ok(feasibility.statusCode < 300, feasibility.body);
    });

    it('an unknown project is 404 naming project_id', async () => {
      const client = await clientOf(app);
      assertCintError(await create(client, UNKNOWN_ID, targetGroupBody()), 404, 'not_found_error', {
        detail: 'project_id: the specified resource was not found',
      });
    });
  });

  describe('get_target_group', () => {
    it('returns the target group as the spec describes', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const id = await createTargetGroup(app, client, project.id, { name: 'Spanish speakers in the US' });
      const response = await get(client, project.id, id);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('get_target_group', 200, body, true, response.headers);
      assert.equal(body.name, 'Spanish speakers in the US');
      assert.equal(body.business_unit_id, 3337);
      assert.equal(body.locale, 'spa_us');
      assert.equal(body.human_readable_id.length, 7);
    });

    it('an unknown target group is 404 naming target_group_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      assertCintError(await get(client, project.id, UNKNOWN_ID), 404, 'not_found_error', {
        detail: 'target_group_id: the specified resource was not found',
      });
    });

    it('an unknown project is 404 naming project_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const id = await createTargetGroup(app, client, project.id);
      assertCintError(await get(client, UNKNOWN_ID, id), 404, 'not_found_error', {
        detail: 'project_id: the specified resource was not found',
      });
    });

    it('a target group read through another project is 404', async () => {
      const client = await clientOf(app);
      const owner = await createProject(app, client);
      const other = await createProject(app, client);
      const id = await createTargetGroup(app, client, owner.id);
      assertCintError(await get(client, other.id, id), 404, 'not_found_error', {
        detail: 'target_group_id: the specified resource was not found',
      });
    });
  });

  describe('get_list_target_groups', () => {
    it('lists the project\'s target groups newest first', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const first = await createTargetGroup(app, client, project.id, { name: 'First group' });
      const second = await createTargetGroup(app, client, project.id, { name: 'Second group' });
      const response = await list(client, project.id);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('get_list_target_groups', 200, body, true, response.headers);
      assert.deepEqual(body.target_groups.map((group: { id: string }) => group.id), [second, first]);
      assert.equal(body.target_groups[0].status, 'draft');
      assert.equal(body.has_more, false);
      assert.equal(body.next_cursor, null);
    });

    it('filters by status', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const draft = await createTargetGroup(app, client, project.id);
      const launched = await createTargetGroup(app, client, project.id);
      await launch(app, client, project.id, launched);

      const drafts = (await list(client, project.id, '?status=draft')).json();
      assert.deepEqual(drafts.target_groups.map((group: { id: string }) => group.id), [draft]);
      const live = (await list(client, project.id, '?status=live')).json();
      assertMatchesSpec('get_list_target_groups', 200, live);
      assert.deepEqual(live.target_groups.map((group: { id: string }) => group.id), [launched]);
      assert.equal(live.target_groups[0].status, 'live');
      const both = (await list(client, project.id, '?status=draft&status=live')).json();
      assert.equal(both.target_groups.length, 2);
    });

    it('pages with page_size and next_cursor', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await createTargetGroup(app, client, project.id));
      const newestFirst = [...ids].reverse();
      const page1 = (await list(client, project.id, '?page_size=2')).json();
      assert.deepEqual(page1.target_groups.map((group: { id: string }) => group.id), newestFirst.slice(0, 2));
      assert.equal(page1.has_more, true);
      assert.equal(page1.next_cursor, newestFirst[1]);
      const page2 = (await list(client, project.id, `?page_size=2&start_after=${page1.next_cursor}`)).json();
      assert.deepEqual(page2.target_groups.map((group: { id: string }) => group.id), newestFirst.slice(2));
      assert.equal(page2.has_more, false);
      assert.equal(page2.next_cursor, null);
    });

    it('an unknown project is 404 naming project_id', async () => {
      const client = await clientOf(app);
      assertCintError(await list(client, UNKNOWN_ID), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    });

    it('an unknown status is 400 naming the status and every allowed value', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      assertCintError(await list(client, project.id, '?status=sleeping'), 400, 'bad_request_error', {
        invalid_params: [{ name: 'status', reason: "'status' must be one of: draft, scheduled, live, paused, completed, archived." }],
      });
      // Named as the client sent it (decision 10): sent once, the parameter; repeated, the one of its values.
      assertCintError(await list(client, project.id, '?status=draft&status=sleeping'), 400, 'bad_request_error', {
        invalid_params: [{ name: 'status[1]', reason: "'status[1]' must be one of: draft, scheduled, live, paused, completed, archived." }],
      });
    });
  });

  describe('update_target_group', () => {
    const update = (client: Client, projectId: string, targetGroupId: string, body: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `${targetGroupsUrl(projectId)}/${targetGroupId}`, headers: client.headers(), payload: body });

    it('answers 204 with no body and the change is visible', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const id = await createTargetGroup(app, client, project.id);
      const response = await update(client, project.id, id, targetGroupBody({ name: 'Renamed group', completes_goal: 200 }));
      assert.equal(response.statusCode, 204, response.body);
      assert.equal(response.body, '');
      assertMatchesSpec('update_target_group', 204, undefined, true, response.headers);
      const read = (await get(client, project.id, id)).json();
      assertMatchesSpec('get_target_group', 200, read);
      assert.equal(read.name, 'Renamed group');
      assert.equal(read.completes_goal, 200);
    });

    it('a bad body is 400 naming the field', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const id = await createTargetGroup(app, client, project.id);
      assertCintError(await update(client, project.id, id, targetGroupBody({ expected_length_of_interview_minutes: 90 })), 400, 'bad_request_error', {
        invalid_params: [{ name: 'expected_length_of_interview_minutes', reason: "'expected_length_of_interview_minutes' must be <= 45." }],
      });
      assertCintError(await update(client, project.id, id, targetGroupBody({ business_unit_id: '12ab' })), 400, 'bad_request_error', {
        invalid_params: [{ name: 'business_unit_id' }],
      });
    });

    it('an unknown target group is 404 naming target_group_id', async () => {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      assertCintError(await update(client, project.id, UNKNOWN_ID, targetGroupBody()), 404, 'not_found_error', {
        detail: 'target_group_id: the specified resource was not found',
      });
    });
  });
});
