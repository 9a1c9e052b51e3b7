import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  assertCintError, clientOf, createProject, createTargetGroup, futureDate, launchUrl, makeApp, projectBody, projectsUrl, runsUrl, targetGroupsUrl,
  type Client,
} from './helpers.js';

describe('Idempotency-Key', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const create = (client: Client, key: string, body: Record<string, unknown> = projectBody()) =>
    app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), payload: body });
  const listIds = async (client: Client) =>
    (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).json().projects.map((project: { id: string }) => project.id);

  it('the same key with the same request replays the first response and creates nothing', async () => {
    const client = await clientOf(app);
    const first = await create(client, 'key-1');
    assert.equal(first.statusCode, 202, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);

    const again = await create(client, 'key-1');
    assert.equal(again.statusCode, 202, again.body);
    assert.equal(again.json().id, first.json().id);
    assert.equal(again.headers.etag, first.headers.etag);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.match(String(again.headers['content-type']), /^application\/json/);
    assert.deepEqual(await listIds(client), [first.json().id]);
  });

  it('the same body with its fields in another order is the same request', async () => {
    const client = await clientOf(app);
    const { name, project_manager_id: manager, project_customer_reference_number: reference } = projectBody() as Record<string, unknown>;
    const first = await create(client, 'key-order', { name, project_manager_id: manager, project_customer_reference_number: reference });
    const again = await create(client, 'key-order', { project_customer_reference_number: reference, project_manager_id: manager, name });
    assert.equal(again.statusCode, 202, again.body);
    assert.equal(again.json().id, first.json().id);
  });

  it('the same key with a different request is 409 conflict_error', async () => {
    const client = await clientOf(app);
    const first = await create(client, 'key-2', projectBody({ name: 'First request' }));
    assert.equal(first.statusCode, 202);
    assertCintError(await create(client, 'key-2', projectBody({ name: 'Second request' })), 409, 'conflict_error', {
      detail: /Idempotency-Key 'key-2' was already used for a different request/,
    });
    assert.deepEqual(await listIds(client), [first.json().id]);
  });

  it('keys are per session: another client may use the same key', async () => {
    const alice = await clientOf(app);
    const bob = await clientOf(app);
    const fromAlice = await create(alice, 'shared-key');
    const fromBob = await create(bob, 'shared-key');
    assert.equal(fromBob.statusCode, 202, fromBob.body);
    assert.equal(fromBob.headers['idempotent-replayed'], undefined);
    assert.notEqual(fromBob.json().id, fromAlice.json().id);
    assert.deepEqual(await listIds(bob), [fromBob.json().id]);
  });

  it('a refused request does not use up its key', async () => {
    const client = await clientOf(app);
    assertCintError(await create(client, 'key-3', projectBody({ name: 'abc' })), 400, 'bad_request_error', {
      invalid_params: [{ name: 'name' }],
    });
    const fixed = await create(client, 'key-3', projectBody({ name: 'Long enough now' }));
    assert.equal(fixed.statusCode, 202, fixed.body);
    assert.equal(fixed.headers['idempotent-replayed'], undefined);
    const again = await create(client, 'key-3', projectBody({ name: 'Long enough now' }));
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, fixed.json().id);
  });

  it('where the document types the key a ULID (allocation templates), another kind of key is a 400 naming it; either case of a ULID is one', async () => {
    const client = await clientOf(app);
    const template = (key: string, name: string) => app.inject({
      method: 'POST', url: '/v1/demand/accounts/101/allocation-templates', headers: client.headers({ 'idempotency-key': key }),
      payload: { name, supply_allocations: [{ type: 'blocked', suppliers: [{ supplier_id: 4351 }] }] },
    });
    for (const key of ['96C65204-90C2-4DCB-9393-B8226DD50C76', 'notaulid', '01JCDRR74NW2SSGN567A766VAL', '81JCDRR74NW2SSGN567A766VAB']) {
      assertCintError(await template(key, 'Blocked first'), 400, 'bad_request_error', {
        invalid_params: [{ name: 'Idempotency-Key', reason: "'Idempotency-Key' must match the pattern ^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$." }],
      });
    }
    assert.equal((await template('01JCDRR74NW2SSGN567A766VAB', 'Blocked first')).statusCode, 201);
    assert.equal((await template('01jcdrr74nw2ssgn567a766vac', 'Blocked second')).statusCode, 201);
    // Where the document gives no format, any key is taken (create_project's).
    assert.equal((await create(client, '96C65204-90C2-4DCB-9393-B8226DD50C76')).statusCode, 202);
  });

  it('a retry while the first request waits out a scripted delay is carried out once: the first, when its delay ends, gets the retry\'s answer', async () => {
    const client = await clientOf(app);
    const chosen = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`,
      payload: { scenario: { description: 'a slow first create', rules: [{ match: { operation: 'create_project' }, respond: { passthrough: true, delay_ms: 400, times: 1 } }] } },
    });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const first = create(client, 'key-slow');
    // The delay comes before the request is carried out: the retry, sent meanwhile, is the one that makes the project.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const retry = await create(client, 'key-slow');
    assert.equal(retry.statusCode, 202, retry.body);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    const slow = await first;
    assert.equal(slow.statusCode, 202, slow.body);
    assert.equal(slow.headers['idempotent-replayed'], 'true');
    assert.equal(slow.json().id, retry.json().id);
    assert.deepEqual(await listIds(client), [retry.json().id]);
  });

  it('a replayed launch points at the same job and launches nothing more', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const request = () => app.inject({
      method: 'POST', url: launchUrl(project.id, targetGroupId),
      headers: client.headers({ 'idempotency-key': 'launch-1' }), payload: { end_fielding_at: endAt },
    });
    const endAt = futureDate();
    const first = await request();
    const again = await request();
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const runs = await app.inject({ method: 'GET', url: runsUrl(project.id, targetGroupId), headers: client.headers() });
    assert.equal(runs.json().data.length, 1);
  });

  it('a trailing slash is the same request; another target group or another operation under the key is not', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const [targetGroupId, otherId] = [await createTargetGroup(app, client, project.id), await createTargetGroup(app, client, project.id)];
    const endAt = futureDate();
    const launchOf = (url: string, key: string) => app.inject({ method: 'POST', url, headers: client.headers({ 'idempotency-key': key }), payload: { end_fielding_at: endAt } });
    const first = await launchOf(launchUrl(project.id, targetGroupId), 'launch-slash');
    assert.equal(first.statusCode, 201, first.body);
    // The route takes the path with a trailing slash too: a retry that adds one is the same request.
    const again = await launchOf(`${launchUrl(project.id, targetGroupId)}/`, 'launch-slash');
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    // So is one that percent-encodes a character of an id: the route reads the same id.
    const encoded = await launchOf(launchUrl(project.id, targetGroupId).replace(targetGroupId, `%${targetGroupId.charCodeAt(0).toString(16)}${targetGroupId.slice(1)}`), 'launch-slash');
    assert.equal(encoded.statusCode, 201, encoded.body);
    assert.equal(encoded.headers['idempotent-replayed'], 'true');
    const runs = await app.inject({ method: 'GET', url: runsUrl(project.id, targetGroupId), headers: client.headers() });
    assert.equal(runs.json().data.length, 1);

    assertCintError(await launchOf(`${launchUrl(project.id, otherId)}/`, 'launch-slash'), 409, 'conflict_error', {
      detail: "Idempotency-Key 'launch-slash' was already used for a different request (create_launch_fielding_run_from_draft_job); use a new key for a new request",
    });

    // Two operations on the same run with the same (empty) body: the pause's key is not the resume's.
    const job = await app.inject({ method: 'GET', url: String(first.headers.location), headers: client.headers() });
    const runUrl = `${runsUrl(project.id, targetGroupId)}/${job.json().created_fielding_run_id}`;
    const run = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
    const act = (action: string, etag: string) => app.inject({ method: 'POST', url: `${runUrl}/${action}`, headers: client.headers({ 'idempotency-key': 'run-key', 'if-match': etag }) });
    const paused = await act('pause', String(run.headers.etag));
    assert.equal(paused.statusCode, 204, paused.body);
    assertCintError(await act('resume', String(paused.headers.etag)), 409, 'conflict_error', {
      detail: "Idempotency-Key 'run-key' was already used for a different request (pause_fielding_run); use a new key for a new request",
    });
  });

  it('a query that changes what a write does is part of the request: the same key with another entity_type is a 409, the same query replays', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const removeAll = (query: string) => app.inject({
      method: 'POST', url: `${targetGroupsUrl(project.id)}/${targetGroupId}/exclusions/jobs/remove-all-respondents${query}`,
      headers: client.headers({ 'idempotency-key': 'remove-all' }),
    });
    const first = await removeAll('?entity_type=RSID');
    assert.equal(first.statusCode, 201, first.body);
    const again = await removeAll('?entity_type=RSID');
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assertCintError(await removeAll('?entity_type=ACCESS_RESPONDENT_GUID'), 409, 'conflict_error', {
      detail: "Idempotency-Key 'remove-all' was already used for a different request (exclusion_create_remove_all_respondents_job); use a new key for a new request",
    });
  });
});
