import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, MANAGER_ID, ULID, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, projectBody, projectsUrl,
  type Client,
} from './helpers.js';

const UNKNOWN_PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';
const OTHER_MANAGER = '0c6f1e63-3b7e-4a53-9d49-1f5a2d9c0e11';

describe('projects', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const list = (client: Client, query = '', account = ACCOUNT) =>
    app.inject({ method: 'GET', url: `${projectsUrl(account)}${query}`, headers: client.headers() });

  const update = (client: Client, id: string, ifMatch: string | undefined, body: Record<string, unknown> = {}) => app.inject({
    method: 'PUT', url: `${projectsUrl()}/${id}`,
    headers: client.headers({ 'idempotency-key': client.idempotencyKey(), ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }),
    payload: { name: 'Renamed study', project_manager_id: MANAGER_ID, project_customer_reference_number: null, ...body },
  });

  describe('create_project', () => {
    it('answers 202 with the new id and an ETag, as Cint documents', async () => {
      const client = await clientOf(app);
      const response = await app.inject({
        method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody(),
      });
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual(Object.keys(response.json()), ['id']);
      assert.match(response.json().id, ULID);
      assert.match(String(response.headers.etag), /^W\/"[^"]+"$/);
      assertMatchesSpec('create_project', 202, response.json(), true, response.headers);
    });

    it('refuses a body that breaks the schema, naming each field', async () => {
      const client = await clientOf(app);
      const response = await app.inject({
        method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }),
        payload: projectBody({ name: 'abc', project_manager_id: 'not-a-uuid' }),
      });
      assertCintError(response, 400, 'bad_request_error', {
        invalid_params: [
          { name: 'name', reason: "'name' must be at least 5 characters long." },
          { name: 'project_manager_id', reason: "'project_manager_id' must be a valid uuid." },
        ],
      });
    });
  });

  describe('get_project_by_id', () => {
    it('returns the project with its ETag', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client, { name: 'Brand tracker' });
      const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/${created.id}`, headers: client.headers() });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers.etag, created.etag);
      const body = response.json();
      assert.equal(body.id, created.id);
      assert.equal(body.name, 'Brand tracker');
      assert.equal(body.account_id, ACCOUNT);
      assert.equal(body.project_manager_id, MANAGER_ID);
      assert.equal(body.project_customer_reference_number, 'Q1-MKTG-STUDY-001');
      assertMatchesSpec('get_project_by_id', 200, body, true, response.headers);
    });

    it('an unknown project is 404 not_found_error naming project_id', async () => {
      const client = await clientOf(app);
      const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/${UNKNOWN_PROJECT}`, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    });

    it('a project of another account is 404', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client);
      const response = await app.inject({ method: 'GET', url: `${projectsUrl(202)}/${created.id}`, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
      const listed = await list(client, '', 202);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json().projects, []);
    });
  });

  describe('list_account_projects', () => {
    it('lists the account\'s projects newest first, each as the spec describes', async () => {
      const client = await clientOf(app);
      const first = await createProject(app, client, { name: 'First project' });
      const second = await createProject(app, client, { name: 'Second project' });
      const response = await list(client);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('list_account_projects', 200, body, true, response.headers);
      assert.deepEqual(body.projects.map((project: { id: string }) => project.id), [second.id, first.id]);
      assert.equal(body.has_more, false);
      assert.equal(body.next_cursor, null);
      const item = body.projects[1];
      assert.equal(item.name, 'First project');
      assert.equal(item.account_id, ACCOUNT);
      assert.equal(item.status, 'active');
      assert.equal(item.target_group_count, 0);
      assert.equal(item.highlighted_name, undefined);
    });

    it('pages with page_size, next_cursor, has_more, start_after and end_before', async () => {
      const client = await clientOf(app);
      const ids: string[] = [];
      for (let i = 1; i <= 5; i += 1) ids.push((await createProject(app, client, { name: `Paged project ${i}` })).id);
      const newestFirst = [...ids].reverse();

      const page1 = (await list(client, '?page_size=2')).json();
      assertMatchesSpec('list_account_projects', 200, page1);
      assert.deepEqual(page1.projects.map((project: { id: string }) => project.id), newestFirst.slice(0, 2));
      assert.equal(page1.has_more, true);
      assert.equal(page1.next_cursor, newestFirst[1]);

      const page2 = (await list(client, `?page_size=2&start_after=${page1.next_cursor}`)).json();
      assert.deepEqual(page2.projects.map((project: { id: string }) => project.id), newestFirst.slice(2, 4));
      assert.equal(page2.has_more, true);
      assert.equal(page2.next_cursor, newestFirst[3]);

      const page3 = (await list(client, `?page_size=2&start_after=${page2.next_cursor}`)).json();
      assert.deepEqual(page3.projects.map((project: { id: string }) => project.id), newestFirst.slice(4));
      assert.equal(page3.has_more, false);
      assert.equal(page3.next_cursor, null);

      const back = (await list(client, `?page_size=2&end_before=${newestFirst[2]}`)).json();
      assert.deepEqual(back.projects.map((project: { id: string }) => project.id), newestFirst.slice(0, 2));
    });

    it('filters by search_string and highlights the match', async () => {
      const client = await clientOf(app);
      const tracker = await createProject(app, client, { name: 'Brand Tracker Wave 2' });
      await createProject(app, client, { name: 'Pricing survey' });
      const response = await list(client, '?search_string=tracker');
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('list_account_projects', 200, body);
      assert.equal(body.projects.length, 1);
      assert.equal(body.projects[0].id, tracker.id);
      assert.equal(body.projects[0].highlighted_name, 'Brand <em>Tracker</em> Wave 2');
    });

    it('search_string also finds a project by its human-readable id, or by a target group\'s name or human-readable id', async () => {
      const client = await clientOf(app);
      const alpha = await createProject(app, client, { name: 'Alpha study' });
      const beta = await createProject(app, client, { name: 'Beta study' });
      const groupId = await createTargetGroup(app, client, beta.id, { name: 'Nordic panel women' });
      const ids = async (search: string) => ((await list(client, `?search_string=${encodeURIComponent(search)}`)).json().projects as { id: string }[]).map((project) => project.id);
      const alphaRead = (await app.inject({ method: 'GET', url: `${projectsUrl()}/${alpha.id}`, headers: client.headers() })).json();
      assert.deepEqual(await ids(String(alphaRead.human_readable_id).toLowerCase()), [alpha.id]);
      assert.deepEqual(await ids('nordic panel'), [beta.id]);
      const group = (await app.inject({ method: 'GET', url: `${projectsUrl()}/${beta.id}/target-groups/${groupId}`, headers: client.headers() })).json();
      assert.deepEqual(await ids(String(group.human_readable_id)), [beta.id]);
      const groups = (await app.inject({ method: 'GET', url: `${projectsUrl()}/${beta.id}/target-groups?search_string=${String(group.human_readable_id)}`, headers: client.headers() })).json();
      assert.deepEqual(groups.target_groups.map((item: { id: string }) => item.id), [groupId]);
    });

    it('filters by project_manager_id', async () => {
      const client = await clientOf(app);
      await createProject(app, client, { name: 'Managed by the default' });
      const other = await createProject(app, client, { name: 'Managed by another', project_manager_id: OTHER_MANAGER });
      const body = (await list(client, `?project_manager_id=${OTHER_MANAGER}`)).json();
      assert.deepEqual(body.projects.map((project: { id: string }) => project.id), [other.id]);
    });

    it('a page_size out of range is 400 naming page_size', async () => {
      const client = await clientOf(app);
      for (const size of [0, 1001]) {
        assertCintError(await list(client, `?page_size=${size}`), 400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
      }
      assertCintError(await list(client, '?page_size=ten'), 400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
    });
  });

  describe('list cursors and account ids', () => {
    it('a cursor that is not an id from an earlier page is 400 naming it', async () => {
      const client = await clientOf(app);
      for (const name of ['start_after', 'end_before']) {
        const response = await app.inject({ method: 'GET', url: `${projectsUrl()}?${name}=garbage`, headers: client.headers() });
        assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name }] });
      }
    });

    it('an account_id beyond int32 is 400 naming account_id', async () => {
      const client = await clientOf(app);
      const response = await app.inject({ method: 'GET', url: '/v1/demand/accounts/99999999999999999999/projects', headers: client.headers() });
      assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'account_id' }] });
    });
  });

  describe('update_project', () => {
    it('answers 200 with id and human_readable_id, and a new ETag', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client);
      const response = await update(client, created.id, created.etag, { name: 'Renamed study' });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assertMatchesSpec('update_project', 200, body, true, response.headers);
      assert.deepEqual(Object.keys(body).sort(), ['human_readable_id', 'id']);
      assert.equal(body.id, created.id);
      const newEtag = String(response.headers.etag);
      assert.match(newEtag, /^W\/"[^"]+"$/);
      assert.notEqual(newEtag, created.etag);

      const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${created.id}`, headers: client.headers() });
      assert.equal(read.headers.etag, newEtag);
      assert.equal(read.json().name, 'Renamed study');
      assert.equal(read.json().human_readable_id, body.human_readable_id);
      assert.equal(read.json().project_customer_reference_number, undefined);
    });

    it('without If-Match is 400 naming If-Match', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client);
      assertCintError(await update(client, created.id, undefined), 400, 'bad_request_error', { invalid_params: [{ name: 'If-Match' }] });
    });

    it('with a stale If-Match is 412 precondition_failed_error and changes nothing', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client, { name: 'Original name' });
      assert.equal((await update(client, created.id, created.etag, { name: 'First rename' })).statusCode, 200);
      const stale = await update(client, created.id, created.etag, { name: 'Second rename' });
      const body = assertCintError(stale, 412, 'precondition_failed_error');
      assertMatchesSpec('update_project', 412, body);
      const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${created.id}`, headers: client.headers() });
      assert.equal(read.json().name, 'First rename');
    });

    it('If-Match * matches any version', async () => {
      const client = await clientOf(app);
      const created = await createProject(app, client);
      assert.equal((await update(client, created.id, created.etag)).statusCode, 200);
      const response = await update(client, created.id, '*', { name: 'Star matched' });
      assert.equal(response.statusCode, 200, response.body);
    });

    it('an unknown project is 404 naming project_id', async () => {
      const client = await clientOf(app);
      assertCintError(await update(client, UNKNOWN_PROJECT, '*'), 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    });
  });
});
