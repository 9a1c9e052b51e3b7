// What the generic collections and the webhooks answer about a stored object: its own id, times and
// authors (never the document example's), in a list only the fields its item schema names, no webhook
// secret outside creation and regeneration; If-Match only where the operation documents it; the
// documented idempotency-key header echoed, and replays as first sent.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { MockApp } from '../src/app.js';
import { userIdOf } from '../src/api/shared.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launchUrl, makeApp, type Client,
} from './helpers.js';

const webhooksUrl = `/v1/accounts/${ACCOUNT}/webhooks`;
const accountUrl = `/v1/demand/accounts/${ACCOUNT}`;

/** Stops the clock at a whole second, so every time an answer shows is known; `later` moves it on. */
function stopClock(t: TestContext) {
  let at = Math.ceil(Date.now() / 1000) * 1000;
  t.mock.timers.enable({ apis: ['Date'], now: at });
  return {
    now: () => new Date(at).toISOString(),
    later: (ms = 60_000) => {
      t.mock.timers.tick(ms);
      at += ms;
      return new Date(at).toISOString();
    },
  };
}

describe('webhooks read as the stored webhook everywhere', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  const create = (client: Client, url = 'https://client.example/hooks') =>
    app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url, events: ['target-group-updated'] } });

  it('get_webhooks lists each webhook as get_webhook reads it: its own times, no secret, no webhook_id', async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    const created = await create(client);
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json() as { id: string };
    const createdAt = clock.now();
    const updatedAt = clock.later();
    const updated = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${id}`, headers: client.headers(), payload: { events: ['session-updated'] } });
    assert.equal(updated.statusCode, 200, updated.body);

    const webhook = { id, url: 'https://client.example/hooks', events: ['session-updated'], created_at: createdAt, updated_at: updatedAt };
    const read = await app.inject({ method: 'GET', url: `${webhooksUrl}/${id}`, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json(), webhook);
    const listed = await app.inject({ method: 'GET', url: webhooksUrl, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json(), { webhooks: [webhook], has_more: false });
    assertMatchesSpec('get_webhooks', 200, listed.json());
  });

  it("regenerate_webhook_secret answers the webhook's own id and times, with the new secret", async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    const created = await create(client);
    const { id, secret: first } = created.json() as { id: string; secret: string };
    const createdAt = clock.now();
    const regeneratedAt = clock.later();
    const regenerated = await app.inject({ method: 'POST', url: `${webhooksUrl}/${id}/regenerate-secret`, headers: client.headers() });
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    const { secret } = regenerated.json() as { secret: string };
    assert.match(secret, /^[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(secret, first);
    assert.deepEqual(regenerated.json(), {
      id, url: 'https://client.example/hooks', events: ['target-group-updated'], secret, created_at: createdAt, updated_at: regeneratedAt,
    });
    assertMatchesSpec('regenerate_webhook_secret', 200, regenerated.json());
    const read = await app.inject({ method: 'GET', url: `${webhooksUrl}/${id}`, headers: client.headers() });
    assert.deepEqual(read.json(), { id, url: 'https://client.example/hooks', events: ['target-group-updated'], created_at: createdAt, updated_at: regeneratedAt });
  });

  it('update_webhook answers its documented idempotency-key header with the request\'s key, replays included', async () => {
    const client = await clientOf(app);
    const { id } = (await create(client)).json() as { id: string };
    const put = (headers: Record<string, string>) =>
      app.inject({ method: 'PUT', url: `${webhooksUrl}/${id}`, headers: client.headers(headers), payload: { url: 'https://client.example/v2' } });
    const first = await put({ 'idempotency-key': 'webhook-update-1' });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['idempotency-key'], 'webhook-update-1');
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await put({ 'idempotency-key': 'webhook-update-1' });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.headers['idempotency-key'], 'webhook-update-1');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, first.body);
    // Without a key there is nothing to echo.
    const unkeyed = await put({});
    assert.equal(unkeyed.statusCode, 200, unkeyed.body);
    assert.equal(unkeyed.headers['idempotency-key'], undefined);
  });

  it('compares If-Match only where the operation documents it: update_webhook and delete_webhook do, regenerate does not', async () => {
    const client = await clientOf(app);
    const { id } = (await create(client)).json() as { id: string };
    const stale = { 'if-match': 'W/"0"' };
    const regenerated = await app.inject({ method: 'POST', url: `${webhooksUrl}/${id}/regenerate-secret`, headers: client.headers(stale) });
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    const updated = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${id}`, headers: client.headers(stale), payload: { url: 'https://client.example/v2' } });
    assertCintError(updated, 412, 'precondition_failed_error');
    const deleted = await app.inject({ method: 'DELETE', url: `${webhooksUrl}/${id}`, headers: client.headers(stale) });
    assertCintError(deleted, 412, 'precondition_failed_error');
  });
});

describe('generic collections answer their objects\' own times and authors', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('an exclusion group reads and lists with its own create_date and update_date, and no undocumented id', async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    const created = await app.inject({ method: 'POST', url: `${accountUrl}/exclusion-groups`, headers: client.headers(), payload: { tag: 'Tracker 2030', description: 'first' } });
    assert.equal(created.statusCode, 201, created.body);
    const { exclusion_group_id: id } = created.json() as { exclusion_group_id: string };
    assert.deepEqual(created.json(), { exclusion_group_id: id });
    const createdAt = clock.now();
    const updatedAt = clock.later();
    // update_exclusion_group_by_id documents no If-Match: a stale one is not compared.
    const updated = await app.inject({
      method: 'PUT', url: `${accountUrl}/exclusion-groups/${id}`, headers: client.headers({ 'if-match': 'W/"0"' }), payload: { description: 'second' },
    });
    assert.equal(updated.statusCode, 204, updated.body);
    assert.equal(updated.body, '');

    const group = { exclusion_group_id: id, tag: 'Tracker 2030', description: 'second', create_date: createdAt, update_date: updatedAt };
    const read = await app.inject({ method: 'GET', url: `${accountUrl}/exclusion-groups/${id}`, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json(), group);
    const listed = await app.inject({ method: 'GET', url: `${accountUrl}/exclusion-groups`, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().data, [group]);
    assert.deepEqual(Object.keys(listed.json()).sort(), ['data', 'next_cursor', 'url']);
    assertMatchesSpec('get_exclusion_groups_by_account_id', 200, listed.json());

    const deleted = await app.inject({ method: 'DELETE', url: `${accountUrl}/exclusion-groups/${id}`, headers: client.headers({ 'if-match': 'W/"0"' }) });
    assert.equal(deleted.statusCode, 204, deleted.body);
  });

  it('an allocation template shows when and by whom it was last modified; its list item only what the item schema names', async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    const allocations = [{ type: 'blocked', suppliers: [{ supplier_id: 101 }] }];
    const created = await app.inject({
      method: 'POST', url: `${accountUrl}/allocation-templates`, headers: client.headers({ 'idempotency-key': '01JT5Z59MAKQ82J5K9Y3YGFNZZ' }),
      payload: { name: 'Blocked suppliers', supply_allocations: allocations },
    });
    assert.equal(created.statusCode, 201, created.body);
    const location = String(created.headers.location);
    const id = location.split('/').at(-1)!;
    assert.equal(location, `${accountUrl}/allocation-templates/${id}`);
    const actor = userIdOf(client.clientId);

    const read = await app.inject({ method: 'GET', url: location, headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    // Each supplier as the answer's schema has it, with its name (101 is not in get_suppliers' list: named after itself).
    const answered = [{ type: 'blocked', suppliers: [{ supplier_id: 101, name: 'Supplier 101' }] }];
    assert.deepEqual(read.json(), { template_id: id, name: 'Blocked suppliers', supply_allocations: answered, last_modified_at: clock.now(), last_modified_by: actor });
    assertMatchesSpec('get_account_allocation_template_by_template_id', 200, read.json(), true, read.headers);

    const modifiedAt = clock.later();
    const updated = await app.inject({
      method: 'PUT', url: location, headers: client.headers({ 'if-match': String(read.headers.etag) }), payload: { name: 'Renamed template', supply_allocations: allocations },
    });
    assert.equal(updated.statusCode, 204, updated.body);
    const reread = await app.inject({ method: 'GET', url: location, headers: client.headers() });
    assert.deepEqual(reread.json(), { template_id: id, name: 'Renamed template', supply_allocations: answered, last_modified_at: modifiedAt, last_modified_by: actor });

    const listed = await app.inject({ method: 'GET', url: `${accountUrl}/allocation-templates`, headers: client.headers() });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().templates, [{ template_id: id, name: 'Renamed template', last_modified_at: modifiedAt, last_modified_by: actor }]);
    assert.equal(listed.json().has_more, false);
    assertMatchesSpec('list_account_allocation_templates', 200, listed.json());
  });

  it('an allocation template reads through its business unit as the template made, suppliers named; an unknown one is 404', async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    const allocations = [
      { type: 'exchange', percentage_min: 10, percentage_max: 90 },
      { type: 'group', name: 'Premium', percentage_min: 20, percentage_max: 60, suppliers: [{ supplier_id: 3334 }] },
      { type: 'blocked', suppliers: [{ supplier_id: 101 }] },
    ];
    const created = await app.inject({
      method: 'POST', url: `${accountUrl}/allocation-templates`, headers: client.headers({ 'idempotency-key': '01JT5Z59MAKQ82J5K9Y3YGFNZY' }),
      payload: { name: 'Premium first', supply_allocations: allocations },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = String(created.headers.location).split('/').at(-1)!;
    const own = await app.inject({ method: 'GET', url: String(created.headers.location), headers: client.headers() });
    const etag = own.headers.etag;
    // Read by its id: the template sent, each supplier named, the exchange with the suppliers the template
    // neither groups nor blocks (not the document's example, which an exchange entry without suppliers got).
    assert.equal(own.statusCode, 200, own.body);
    assertMatchesSpec('get_account_allocation_template_by_template_id', 200, own.json(), true, own.headers);
    assert.deepEqual(own.json().supply_allocations, [
      { type: 'exchange', percentage_min: 10, percentage_max: 90, suppliers: [{ supplier_id: 4351, name: 'Acme Inc' }] },
      { type: 'group', name: 'Premium', percentage_min: 20, percentage_max: 60, suppliers: [{ supplier_id: 3334, name: 'BCD Inc' }] },
      { type: 'blocked', suppliers: [{ supplier_id: 101, name: 'Supplier 101' }] },
    ]);
    const url = (templateId: string) => `${accountUrl}/business-units/3337/account-allocation-templates/${templateId}?locale=eng_us`;

    const read = await app.inject({ method: 'GET', url: url(id), headers: client.headers() });
    assert.equal(read.statusCode, 200, read.body);
    assertMatchesSpec('get_account_allocation_template_for_business_unit_id', 200, read.json(), true, read.headers);
    assert.equal(read.headers.etag, etag);
    // The document's suppliers are 4351 Acme Inc and 3334 BCD Inc: 3334 is grouped, 4351 left on the exchange.
    assert.deepEqual(read.json(), {
      template_id: id,
      template_name: 'Premium first',
      open_exchange_allocations: {
        exchange_suppliers: [{ supplier_id: '4351', supplier_name: 'Acme Inc' }],
        blocked_suppliers: [{ supplier_id: '101', supplier_name: 'Supplier 101' }],
        exchange_min_percentage: 10,
        exchange_max_percentage: 90,
        groups: [{ group_name: 'Premium', min_percentage: 20, max_percentage: 60, suppliers: [{ supplier_id: '3334', supplier_name: 'BCD Inc' }] }],
      },
      private_exchange_allocations: { blocked_suppliers: [] },
      last_modified_at: clock.now(),
      last_modified_by: userIdOf(client.clientId),
    });

    assertCintError(await app.inject({ method: 'GET', url: url('01JT5Z59MAKQ82J5K9Y3YGFNHN'), headers: client.headers() }), 404, 'not_found_error', { detail: 'template_id: the specified resource was not found' });
    const stranger = await clientOf(app);
    assertCintError(await app.inject({ method: 'GET', url: url(id), headers: stranger.headers() }), 404, 'not_found_error');
  });
});

describe('replays', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('a replayed launch answers its empty 201 as the first did: Location, and no content type', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const endAt = futureDate();
    const launch = () => app.inject({
      method: 'POST', url: launchUrl(project.id, targetGroupId), headers: client.headers({ 'idempotency-key': 'launch-replay-1' }), payload: { end_fielding_at: endAt },
    });
    const first = await launch();
    const again = await launch();
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(first.headers['content-type'], undefined);
    assert.equal(again.headers['content-type'], undefined);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(again.body, '');
  });
});
