import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  ACCOUNT, ULID, assertCintError, assertMatchesSpec, clientOf, makeApp, projectBody, projectsUrl,
} from './helpers.js';

describe('projects', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('create_project answers 202 with the new id and an ETag, as Cint documents', async () => {
    const client = await clientOf(app);
    const response = await app.inject({
      method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody(),
    });
    assert.equal(response.statusCode, 202, response.body);
    assert.match(response.json().id, ULID);
    assert.match(String(response.headers.etag), /^W\/"[^"]+"$/);
    assertMatchesSpec('create_project', 202, response.json(), true, response.headers);
  });

  it('get_project_by_id returns the project with its ETag', async () => {
    const client = await clientOf(app);
    const created = await app.inject({
      method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody({ name: 'Brand tracker' }),
    });
    const { id } = created.json();
    const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/${id}`, headers: client.headers() });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers.etag, created.headers.etag);
    const body = response.json();
    assert.equal(body.id, id);
    assert.equal(body.name, 'Brand tracker');
    assert.equal(body.account_id, ACCOUNT);
    assertMatchesSpec('get_project_by_id', 200, body, true, response.headers);
  });

  it('an unknown project is 404 not_found_error naming project_id', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/01K40T69E63BHTT9MAJYRBQ8HY`, headers: client.headers() });
    assertCintError(response, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
  });
});
