// Webhook deliveries over HTTP to a local receiver (node:http on port 0): a webhook registered through
// the API is sent signed target-group-updated events for a launch, a pause and a completion; the
// signature is recomputed here, independently; retries on 500 and on a closed port, the circuit,
// secret regeneration, the events history and its paging, scenarios that duplicate, reorder, drop or
// badly sign deliveries, and bounded queues. Waits are for deliveries (nextDelivery) or for the
// receiver's requests, never sleeps.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import type { ConfigInput } from '../src/config.js';
import { controlOf, type MockControl } from '../src/control.js';
import { signatureOf } from '../src/webhooks/signature.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, liveRun, makeApp, targetGroupBody, targetGroupsUrl, ULID, type Client,
} from './helpers.js';
import { appWithScenarios, eventually, sendOnce } from './scenario-helpers.js';

const webhooksUrl = `/v1/accounts/${ACCOUNT}/webhooks`;

interface Received { headers: IncomingHttpHeaders; body: string; at: number }

/** A local webhook receiver: records every request; answers with `status(n)` for the n-th (0-based); `hang` never answers. */
async function receiver(status: (n: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const n = received.length;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      for (const waiter of [...waiting]) if (received.length >= waiter.count) { waiting.splice(waiting.indexOf(waiter), 1); waiter.resolve(); }
      const answer = status(n);
      if (answer === 'hang') return;
      response.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Resolves once `count` requests have arrived; fails after `timeoutMs`. */
    async gets(count: number, timeoutMs = 5000) {
      if (received.length >= count) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => waiting.push({ count, resolve })),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the receiver got ${received.length} of ${count} requests within ${timeoutMs} ms`)), timeoutMs); }),
      ]).finally(() => clearTimeout(timer));
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Checks a request as a receiver should, with nothing from the mock but the secret: returns the parsed body. */
function verify(request: Received, secret: string, toleranceSeconds = 300) {
  const header = String(request.headers['cint-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match, `Cint-Signature is t=<unix>,v1=<hex>: ${header}`);
  const t = Number(match[1]);
  const expected = createHmac('sha256', secret).update(`${t}.${request.body}`).digest('hex');
  assert.equal(match[2], expected, 'the signature is HMAC-SHA256 of "<t>.<raw body>" keyed by the secret as text');
  assert.ok(Math.abs(Date.now() / 1000 - t) <= toleranceSeconds, `t=${t} is within ${toleranceSeconds} s of now`);
  assert.match(String(request.headers['content-type']), /^application\/json/);
  return JSON.parse(request.body) as { id: string; type: string; payload: Record<string, unknown> & { changes: { object: string; new_value: unknown; old_value: unknown }[] }; created_at: string };
}

function isValid(request: Received, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['cint-signature'] ?? ''));
  return match !== null && createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest('hex') === match[2];
}

async function createWebhook(app: MockApp, client: Client, url: string, events: string[] = ['target-group-updated']) {
  const created = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url, events } });
  assert.equal(created.statusCode, 201, created.body);
  assertMatchesSpec('create_webhook', 201, created.json());
  return created.json() as { id: string; secret: string; url: string };
}

describe('webhook deliveries', () => {
  let app: MockApp;
  let mock: MockControl;
  const fast: ConfigInput = { webhookRetryBaseMs: 20, webhookRetryMaxMs: 100, webhookRetries: 3, webhookTimeoutMs: 2000 };
  before(async () => { app = await makeApp(fast); mock = controlOf(app); });
  after(() => app.close());

  const post = (client: Client, url: string, ifMatch: string) => app.inject({ method: 'POST', url, headers: client.headers({ 'if-match': ifMatch }) });

  it("matches the document's own signature example: the secret's text is the key, not its base64-decoded bytes", () => {
    assert.equal(signatureOf('FP7UPZpATKBcYJj4va95PYud+a3gCidRERiLO+9MoFE=', 1732526080, '{"foo":"bar"}'),
      '6532d4777122acc32cd388763fc0c0ba8732698d09cf99eea086e5a86f8d3ebe');
  });

  it('a receiver registered through the API gets signed target-group-updated events for a launch, a pause, a resume and a completion', async () => {
    const hooks = await receiver();
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      const { projectId, targetGroupId, runUrl, etag } = await liveRun(app, client);
      const paused = await post(client, `${runUrl}/pause`, etag);
      assert.equal(paused.statusCode, 204, paused.body);
      const resumed = await post(client, `${runUrl}/resume`, String(paused.headers.etag));
      assert.equal(resumed.statusCode, 204, resumed.body);
      const completed = await post(client, `${runUrl}/complete`, String(resumed.headers.etag));
      assert.equal(completed.statusCode, 204, completed.body);

      await hooks.gets(4);
      // The receiver has the requests before the mock has their answers: wait for the mock's record too.
      await eventually(() => mock.deliveries(client.clientId).filter((delivery) => delivery.status === 'delivered').length === 4, 5000, 'four delivered');
      const events = hooks.received.map((request) => verify(request, webhook.secret));
      assert.deepEqual(events.map((event) => event.payload.changes.map((change) => [change.object, change.old_value, change.new_value])), [
        [['status_change', 'draft', 'live']], [['status_change', 'live', 'paused']], [['status_change', 'paused', 'live']], [['status_change', 'live', 'completed']],
      ]);
      for (const event of events) {
        assert.equal(event.type, 'target-group-updated');
        assert.match(event.id, ULID);
        assert.deepEqual(Object.keys(event).sort(), ['created_at', 'id', 'payload', 'type']);
        assert.equal(event.payload.account_id, ACCOUNT);
        assert.equal(event.payload.project_id, projectId);
        assert.equal(event.payload.target_group_id, targetGroupId);
        assert.equal(event.payload.occurred_at, event.created_at);
        assert.deepEqual(event.payload.user, [{ type: 'las_user', las_user_id: (event.payload.user as { las_user_id: string }[])[0]!.las_user_id }]);
      }
      assert.equal(new Set(events.map((event) => event.id)).size, 4, 'every event has its own id');
      // The payload's id is the changelog entry's: a receiver can read the same change back.
      const changelog = await app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}/${targetGroupId}/changelog`, headers: client.headers() });
      assert.deepEqual(changelog.json().changelog.map((entry: { id: string }) => entry.id).reverse(), events.map((event) => event.payload.id));

      // The mock's own record agrees: four delivered deliveries, each of one attempt answered 200.
      const first = await mock.nextDelivery(client.clientId, { webhookId: webhook.id });
      assert.equal(first.status, 'delivered');
      assert.equal(first.body, hooks.received[0]!.body);
      const deliveries = mock.deliveries(client.clientId, { webhookId: webhook.id });
      assert.deepEqual(deliveries.map((delivery) => [delivery.status, delivery.attempts.map((attempt) => attempt.status_code)]),
        [['delivered', [200]], ['delivered', [200]], ['delivered', [200]], ['delivered', [200]]]);
    } finally {
      await hooks.close();
    }
  });

  it('a live run that fills as the clock moves sends signed session-updated and quota-fill-registered events, and its completion at the goal', async () => {
    const hooks = await receiver();
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      // A fast, seeded fill and a small goal: two days of the session's clock fill it.
      const settings = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/fielding`, payload: { starts_per_hour: 30, complete: 0.9, screen_out: 0.05, over_quota: 0, seed: 11 } });
      assert.equal(settings.statusCode, 200, settings.body);
      const targetGroupId = await createTargetGroup(app, client, project.id, { profiling: undefined, completes_goal: 40 });
      const webhook = await createWebhook(app, client, hooks.url, ['target-group-updated', 'session-updated', 'quota-fill-registered']);
      const { job } = await launch(app, client, project.id, targetGroupId);
      assert.equal(job.status, 'Completed', JSON.stringify(job));
      await hooks.gets(1);

      const moved = await app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: 'P2D' } });
      assert.equal(moved.statusCode, 200, moved.body);
      const overview = await app.inject({ method: 'GET', url: `${targetGroupsUrl(project.id)}/${targetGroupId}/overview`, headers: client.headers() });
      assert.equal(overview.statusCode, 200, overview.body);

      // Every event the session published for this target group reaches the receiver, signed with the secret it was given.
      const published = app.mock.sessions.find(client.clientId)!.events.filter((event) => event.payload.target_group_id === targetGroupId);
      assert.ok(published.some((event) => event.type === 'session-updated'), 'the run filled');
      await hooks.gets(published.length, 10_000);
      const events = hooks.received.map((request) => verify(request, webhook.secret));
      assert.deepEqual(events.map((event) => event.id).sort(), published.map((event) => event.id).sort(), 'each published event delivered once');
      const updates = events.filter((event) => event.type === 'session-updated');
      const started = updates.reduce((sum, event) => sum + Number((event.payload.respondents as { started: number }).started), 0);
      assert.ok(started > 0);
      for (const event of updates) {
        assert.equal(event.payload.account_id, ACCOUNT);
        assert.equal(event.payload.target_group_id, targetGroupId);
      }
      // The goal reached: the last status change is the completion, with Cint's reason.
      const completion = events.filter((event) => event.type === 'target-group-updated').at(-1)!;
      assert.deepEqual(completion.payload.changes, [{ object: 'status_change', new_value: 'completed', old_value: 'live', reason_code: 'total_completes_reached' }]);
      assert.equal(overview.json().status, 'completed');
    } finally {
      await hooks.close();
    }
  });

  it('sends details and cost per interview changes, and nothing of the event types a webhook does not subscribe to', async () => {
    const hooks = await receiver();
    const others = await receiver();
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      await createWebhook(app, client, others.url, ['session-updated']);
      const { projectId, targetGroupId } = await liveRun(app, client);
      const groupUrl = `${targetGroupsUrl(projectId)}/${targetGroupId}`;
      const details = await app.inject({ method: 'PUT', url: `${groupUrl}/details`, headers: client.headers(), payload: {
        ...Object.fromEntries(['project_manager_id', 'expected_length_of_interview_minutes', 'expected_incidence_rate', 'live_url', 'test_url', 'industry_lockout_code']
          .map((field) => [field, targetGroupBody()[field]])),
        name: 'Renamed target group',
      } });
      assert.equal(details.statusCode, 200, details.body);
      const cpi = await app.inject({ method: 'PUT', url: `${groupUrl}/cost-per-interview`, headers: client.headers(), payload: { target_group_cpi: { value: '2.50', currency_code: 'USD' } } });
      assert.equal(cpi.statusCode, 200, cpi.body);
      await hooks.gets(3);
      const [, renamed, priced] = hooks.received.map((request) => verify(request, webhook.secret));
      assert.equal(renamed!.payload.changes[0]!.object, 'name_change');
      assert.equal(renamed!.payload.changes[0]!.new_value, 'Renamed target group');
      // MonetaryAmount with its scale, as the document's example of this event has it.
      assert.deepEqual(priced!.payload.changes, [{ object: 'user_requested_cpi_change', new_value: { value: '2.50', currency_code: 'USD', currency_scale: 2 }, old_value: null }]);
      assert.equal(others.received.length, 0, 'a session-updated webhook gets no target-group-updated event');
      assert.deepEqual(mock.deliveries(client.clientId).map((delivery) => delivery.webhook_id), [webhook.id, webhook.id, webhook.id]);
    } finally {
      await hooks.close();
      await others.close();
    }
  });

  it("delivers a session's events to its own webhooks only", async () => {
    const hooks = await receiver();
    try {
      const owner = await clientOf(app);
      const stranger = await clientOf(app);
      await createWebhook(app, owner, hooks.url);
      await liveRun(app, stranger);
      const { runUrl, etag } = await liveRun(app, owner);
      assert.equal((await post(owner, `${runUrl}/pause`, etag)).statusCode, 204);
      await hooks.gets(2);
      assert.equal(hooks.received.length, 2, "the other session's launch is not sent");
      assert.deepEqual(mock.deliveries(stranger.clientId), []);
    } finally {
      await hooks.close();
    }
  });

  it('retries a 500 with backoff until a 2xx, the same event and body each time, each attempt signed anew', async () => {
    const hooks = await receiver((n) => (n < 2 ? 500 : 204));
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      await liveRun(app, client);
      const delivery = await mock.nextDelivery(client.clientId, { webhookId: webhook.id });
      assert.equal(delivery.status, 'delivered');
      assert.deepEqual(delivery.attempts.map((attempt) => attempt.status_code), [500, 500, 204]);
      assert.equal(hooks.received.length, 3);
      const bodies = hooks.received.map((request) => verify(request, webhook.secret));
      assert.equal(new Set(bodies.map((body) => body.id)).size, 1, 'a retry carries the same event id');
      assert.equal(new Set(hooks.received.map((request) => request.body)).size, 1, 'and the same body');
      // Backoff: the second retry waits longer than the first (20 ms, then 40 ms).
      const [a, b, c] = hooks.received.map((request) => request.at);
      assert.ok(b! - a! >= 15 && c! - b! >= 35, `waits of ${b! - a!} and ${c! - b!} ms`);
    } finally {
      await hooks.close();
    }
  });

  it('retries a refused connection, then expires the delivery, and the events history says so', async () => {
    const client = await clientOf(app);
    const webhook = await createWebhook(app, client, `http://127.0.0.1:${await closedPort()}/hooks`);
    await liveRun(app, client);
    const undelivered = await mock.nextDelivery(client.clientId, { webhookId: webhook.id, statuses: ['undelivered'] });
    assert.equal(undelivered.status, 'undelivered', 'between attempts a delivery is undelivered: it will be retried');
    assert.ok(undelivered.next_attempt_at !== null);
    const expired = await mock.nextDelivery(client.clientId, { webhookId: webhook.id });
    assert.equal(expired.status, 'expired');
    assert.equal(expired.attempts.length, 4, 'the first attempt and webhookRetries (3) retries');
    assert.ok(expired.attempts.every((attempt) => attempt.status_code === null && attempt.error === 'connection refused'), JSON.stringify(expired.attempts));
    const history = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2000-01-01T00:00:00Z&delivery_status=expired`, headers: client.headers() });
    assert.equal(history.statusCode, 200, history.body);
    assertMatchesSpec('list_webhook_events_history', 200, history.json());
    assert.deepEqual(history.json().events.map((event: { id: string; status: string }) => [event.id, event.status]), [[expired.event_id, 'expired']]);
  });

  it('a regenerated secret signs every delivery from then on; the old one verifies nothing', async () => {
    const hooks = await receiver();
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      const { runUrl, etag } = await liveRun(app, client);
      await hooks.gets(1);
      assert.ok(isValid(hooks.received[0]!, webhook.secret));
      const regenerated = await app.inject({ method: 'POST', url: `${webhooksUrl}/${webhook.id}/regenerate-secret`, headers: client.headers() });
      assert.equal(regenerated.statusCode, 200, regenerated.body);
      const secret = regenerated.json().secret as string;
      assert.notEqual(secret, webhook.secret);
      assert.equal((await post(client, `${runUrl}/pause`, etag)).statusCode, 204);
      await hooks.gets(2);
      assert.ok(isValid(hooks.received[1]!, secret), 'signed with the new secret');
      assert.ok(!isValid(hooks.received[1]!, webhook.secret), 'not with the old one');
    } finally {
      await hooks.close();
    }
  });

  it('goes to the URL the webhook has now, and stops for a deleted webhook', async () => {
    const first = await receiver();
    const second = await receiver();
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, first.url);
      const { runUrl, etag } = await liveRun(app, client);
      await first.gets(1);
      const moved = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers(), payload: { url: second.url } });
      assert.equal(moved.statusCode, 200, moved.body);
      const paused = await post(client, `${runUrl}/pause`, etag);
      await second.gets(1);
      assert.equal(first.received.length, 1);
      assert.equal((await app.inject({ method: 'DELETE', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers() })).statusCode, 204);
      const last = mock.deliveries(client.clientId)[0]!;
      assert.equal((await post(client, `${runUrl}/resume`, String(paused.headers.etag))).statusCode, 204);
      assert.deepEqual(mock.deliveries(client.clientId).map((delivery) => delivery.id)[0], last.id, 'a deleted webhook is sent nothing more');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('the admin API lists deliveries and waits for the next one (408 in the envelope when none comes)', async () => {
    const hooks = await receiver();
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      const admin = (path: string) => app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}${path}` });
      const { runUrl, etag } = await liveRun(app, client);
      const next = await admin(`/deliveries/next?webhook_id=${webhook.id}&timeout_ms=5000`);
      assert.equal(next.statusCode, 200, next.body);
      const first = next.json();
      assert.equal(first.status, 'delivered');
      assert.equal(first.attempts[0].status_code, 200);
      assert.ok(isValid({ headers: { 'cint-signature': first.attempts[0].signature }, body: first.body, at: 0 }, webhook.secret));
      const waiting = admin(`/deliveries/next?webhook_id=${webhook.id}&after=${first.id}&timeout_ms=5000`);
      assert.equal((await post(client, `${runUrl}/pause`, etag)).statusCode, 204);
      const second = await waiting;
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(JSON.parse(second.json().body).payload.changes[0].new_value, 'paused');
      const listed = await admin('/deliveries?status=delivered&limit=1');
      assert.deepEqual(listed.json().deliveries.map((delivery: { id: string }) => delivery.id), [second.json().id]);
      const none = await admin(`/deliveries/next?after=${second.json().id}&timeout_ms=50`);
      assertCintError(none, 408, 'request_timeout_error', { detail: /no delivery .* within 50 ms/ });
      const unknown = await app.inject({ method: 'GET', url: '/__admin/sessions/nobody-here/deliveries/next?timeout_ms=50' });
      assertCintError(unknown, 404, 'not_found_error', { detail: /^id: the specified resource was not found: no session named "nobody-here" yet; a session starts with its first request/ });
    } finally {
      await hooks.close();
    }
  });

  it('refuses a webhook URL it cannot POST to, naming url', async () => {
    const client = await clientOf(app);
    for (const url of ['ftp://example.com/hooks', 'not a url', 'https://user:pw@example.com/hooks']) {
      const created = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url, events: ['target-group-updated'] } });
      assertCintError(created, 400, 'bad_request_error', { invalid_params: [{ name: 'url' }] });
    }
    const webhook = await createWebhook(app, client, 'https://example.com/hooks');
    const updated = await app.inject({ method: 'PUT', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers(), payload: { url: 'mailto:ops@example.com' } });
    assertCintError(updated, 400, 'bad_request_error', { invalid_params: [{ name: 'url', reason: /HTTP or HTTPS/ }] });
    // A url it cannot POST to is told in the same 400 as the body's other problems, one entry per field.
    const both = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url: 'not a url', events: ['nope'] } });
    assertCintError(both, 400, 'bad_request_error', { invalid_params: [{ name: 'url', reason: "'url' must be an absolute URL, such as https://example.com/webhook." }, { name: 'events[0]' }] });
    assert.equal(both.json().invalid_params.length, 2, both.body);
    // A url that is not a string is the schema's to name, once.
    const numeric = await app.inject({ method: 'POST', url: webhooksUrl, headers: client.headers(), payload: { url: 5, events: ['target-group-updated'] } });
    assertCintError(numeric, 400, 'bad_request_error', { invalid_params: [{ name: 'url', reason: /must be of type string/ }] });
    assert.equal(numeric.json().invalid_params.length, 1, numeric.body);
  });

  describe('events history', () => {
    it('lists the webhook\'s events with their status, filtered by type, status and time, in either order, a page at a time', async () => {
      const hooks = await receiver();
      try {
        const client = await clientOf(app);
        const webhook = await createWebhook(app, client, hooks.url);
        const live = await liveRun(app, client);
        const runUrl = live.runUrl;
        let etag = live.etag;
        for (const action of ['pause', 'resume', 'pause', 'resume']) {
          const answer = await post(client, `${runUrl}/${action}`, etag);
          assert.equal(answer.statusCode, 204, answer.body);
          etag = String(answer.headers.etag);
        }
        await hooks.gets(5);
        await eventually(() => mock.deliveries(client.clientId).every((delivery) => delivery.status === 'delivered'), 5000, 'five deliveries');
        const ids = hooks.received.map((request) => (JSON.parse(request.body) as { id: string }).id);
        const history = (query: string) => app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2000-01-01T00:00:00Z&${query}`, headers: client.headers() });

        const pages: string[][] = [];
        let cursor = '';
        for (;;) {
          const page = await history(`page_size=2${cursor ? `&start_after=${cursor}` : ''}`);
          assert.equal(page.statusCode, 200, page.body);
          assertMatchesSpec('list_webhook_events_history', 200, page.json());
          pages.push(page.json().events.map((event: { id: string }) => event.id));
          cursor = page.json().next_cursor;
          if (!cursor) break;
        }
        assert.deepEqual(pages, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
        const back = await history(`page_size=2&end_before=${ids[4]}`);
        assert.deepEqual(back.json().events.map((event: { id: string }) => event.id), ids.slice(2, 4));

        const newest = await history('created_at_sort_order=desc&page_size=1');
        assert.deepEqual(newest.json().events.map((event: { id: string; status: string; type: string }) => [event.id, event.status, event.type]), [[ids[4], 'delivered', 'target-group-updated']]);
        assert.equal(newest.json().next_cursor, ids[4]);
        assert.equal((await history('type=session-updated')).json().events.length, 0);
        assert.equal((await history('delivery_status=pending&delivery_status=expired')).json().events.length, 0);
        assert.equal((await history('delivery_status=delivered&page_size=100')).json().events.length, 5);
        const later = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2100-01-01T00:00:00Z&end_time=2100-01-02T00:00:00Z`, headers: client.headers() });
        assert.deepEqual(later.json(), { events: [], next_cursor: null });
        const before = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2000-01-01T00:00:00Z&end_time=2000-01-01T00:00:00.001Z`, headers: client.headers() });
        assert.deepEqual(before.json(), { events: [], next_cursor: null });
      } finally {
        await hooks.close();
      }
    });

    it('needs start_time, a cursor of its own events, and a webhook of the session', async () => {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, 'https://example.com/hooks');
      const missing = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history`, headers: client.headers() });
      assertCintError(missing, 400, 'bad_request_error', { invalid_params: [{ name: 'start_time' }] });
      const cursor = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2000-01-01T00:00:00Z&start_after=01K40T69E63BHTT9MAJYRBQ8HY`, headers: client.headers() });
      assertCintError(cursor, 400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });
      const backwards = await app.inject({ method: 'GET', url: `${webhooksUrl}/${webhook.id}/events-history?start_time=2030-01-01T00:00:00Z&end_time=2029-01-01T00:00:00Z`, headers: client.headers() });
      assertCintError(backwards, 400, 'bad_request_error', { invalid_params: [{ name: 'end_time', reason: "'end_time' must not be before 'start_time'." }] });
      const unknown = await app.inject({ method: 'GET', url: `${webhooksUrl}/01K40T69E63BHTT9MAJYRBQ8HY/events-history?start_time=2000-01-01T00:00:00Z`, headers: client.headers() });
      assertCintError(unknown, 404, 'not_found_error', { detail: 'webhook_id: the specified resource was not found' });
    });
  });
});

describe('webhook circuit and bounds', () => {
  it('opens the circuit after repeated failures (deliveries bounced, none sent), and closes it when a later try succeeds', async () => {
    let healthy = false;
    const hooks = await receiver(() => (healthy ? 200 : 503));
    const app = await makeApp({ webhookRetryBaseMs: 20, webhookRetryMaxMs: 40, webhookRetries: 10, webhookCircuitFailures: 2, webhookCircuitOpenMs: 300 });
    const mock = controlOf(app);
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      const { runUrl, etag } = await liveRun(app, client);
      const bounced = await mock.nextDelivery(client.clientId, { webhookId: webhook.id, statuses: ['bounced'] });
      assert.equal(bounced.status, 'bounced');
      assert.deepEqual(bounced.attempts.map((attempt) => attempt.status_code), [503, 503]);
      // While the circuit is open, a new event waits bounced without being sent.
      assert.equal((await post(app, client, `${runUrl}/pause`, etag)).statusCode, 204);
      const waiting = await mock.nextDelivery(client.clientId, { webhookId: webhook.id, after: bounced.id, statuses: ['bounced'] });
      assert.equal(waiting.status, 'bounced');
      assert.equal(waiting.attempts.length, 0);
      assert.equal(hooks.received.length, 2);
      healthy = true;
      const delivered = await mock.nextDelivery(client.clientId, { webhookId: webhook.id, after: bounced.id, timeoutMs: 5000 });
      assert.equal(delivered.status, 'delivered');
      const probe = mock.deliveries(client.clientId, { webhookId: webhook.id }).find((delivery) => delivery.id === bounced.id)!;
      assert.deepEqual(probe.attempts.map((attempt) => attempt.status_code), [503, 503, 200], 'the first bounced one is tried again and closes the circuit');
      assert.deepEqual(hooks.received.slice(2).map((request) => (JSON.parse(request.body) as { id: string }).id), [bounced.event_id, waiting.event_id], 'then the others follow, in order');
    } finally {
      await app.close();
      await hooks.close();
    }
  });

  /**
   * Five events to a webhook whose circuit opens on its second failure: the launch's delivery fails once
   * and waits for a retry a minute away, the pause's fails and opens the circuit, the next three come
   * while it is open. From then on only the circuit's tries (every 50 ms) send anything.
   */
  async function fiveBounced(status: (n: number) => number, overrides: ConfigInput = {}) {
    const hooks = await receiver(status);
    const app = await makeApp({ webhookRetryBaseMs: 60_000, webhookRetryMaxMs: 60_000, webhookRetries: 2, webhookCircuitFailures: 2, webhookCircuitOpenMs: 50, ...overrides });
    const mock = controlOf(app);
    const client = await clientOf(app);
    const webhook = await createWebhook(app, client, hooks.url);
    const live = await liveRun(app, client);
    await mock.nextDelivery(client.clientId, { webhookId: webhook.id, statuses: ['undelivered'] });
    let etag = live.etag;
    for (const action of ['pause', 'resume', 'pause', 'resume']) {
      const answer = await post(app, client, `${live.runUrl}/${action}`, etag);
      assert.equal(answer.statusCode, 204, answer.body);
      etag = String(answer.headers.etag);
    }
    const made = mock.deliveries(client.clientId, { webhookId: webhook.id }).reverse();
    assert.equal(made.length, 5);
    /** Waits for every delivery to end (they end oldest first): each as it is then, oldest first. */
    const ended = async () => {
      await mock.nextDelivery(client.clientId, { webhookId: webhook.id, after: made[3]!.id });
      return mock.deliveries(client.clientId, { webhookId: webhook.id }).reverse();
    };
    const sent = () => hooks.received.map((request) => made.findIndex((delivery) => delivery.body === request.body) + 1);
    return { app, mock, client, webhook, hooks, made, ended, sent, close: async () => { await app.close(); await hooks.close(); } };
  }

  it('after the circuit opens, the oldest delivery is tried until one gets through; then the others follow in order', async () => {
    const t = await fiveBounced((n) => (n < 3 ? 503 : 200));
    try {
      const deliveries = await t.ended();
      assert.deepEqual(deliveries.map((delivery) => [delivery.status, delivery.attempts.map((attempt) => attempt.status_code)]), [
        ['delivered', [503, 503, 200]], ['delivered', [503, 200]], ['delivered', [200]], ['delivered', [200]], ['delivered', [200]],
      ]);
      assert.deepEqual(t.sent(), [1, 2, 1, 1, 2, 3, 4, 5], 'events by number, as the receiver got them');
    } finally {
      await t.close();
    }
  });

  it('while the receiver stays down, the oldest delivery uses up its retries and expires first, then the next', async () => {
    const t = await fiveBounced(() => 503);
    try {
      const deliveries = await t.ended();
      for (const delivery of deliveries) {
        assert.equal(delivery.status, 'expired');
        assert.deepEqual(delivery.attempts.map((attempt) => attempt.status_code), [503, 503, 503]);
        assert.equal(delivery.note, 'not delivered after 3 attempts (webhookRetries: 2)');
      }
      assert.deepEqual(t.sent(), [1, 2, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5], 'events by number, as the receiver got them');
    } finally {
      await t.close();
    }
  });

  it('a webhook deleted while its circuit is open, its receiver still failing: every waiting delivery ends expired, unsent, and nothing more is tried', async () => {
    // Retries enough that the circuit's tries, all of the oldest delivery, cannot use them up.
    const t = await fiveBounced(() => 503, { webhookRetries: 100, webhookCircuitOpenMs: 200 });
    try {
      await t.mock.nextDelivery(t.client.clientId, { webhookId: t.webhook.id, after: t.made[3]!.id, statuses: ['bounced'] });
      const deleted = await t.app.inject({ method: 'DELETE', url: `${webhooksUrl}/${t.webhook.id}`, headers: t.client.headers() });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const deliveries = await t.ended();
      assert.deepEqual(deliveries.map((delivery) => [delivery.status, delivery.note, delivery.next_attempt_at]), [
        ['expired', 'not sent again: the webhook was deleted', null], ['expired', 'not sent again: the webhook was deleted', null],
        ['expired', 'not sent: the webhook was deleted', null], ['expired', 'not sent: the webhook was deleted', null], ['expired', 'not sent: the webhook was deleted', null],
      ]);
      assert.deepEqual(deliveries.slice(1).map((delivery) => delivery.attempts.length), [1, 0, 0, 0]);
      // Every POST the receiver got is an attempt the mock recorded: none went out after the deletion.
      assert.equal(deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0), t.hooks.received.length);
    } finally {
      await t.close();
    }
  });

  it('deleting a webhook ends its waiting deliveries expired at once, unsent; those the full queue refused stay as they were', async () => {
    // The circuit would not try again within the test: only the deletion can end them.
    const t = await fiveBounced(() => 503, { webhookCircuitOpenMs: 60_000, webhookQueueLimit: 4 });
    try {
      await t.mock.nextDelivery(t.client.clientId, { webhookId: t.webhook.id, after: t.made[2]!.id, statuses: ['bounced'] });
      const admin = async () => {
        const listed = await t.app.inject({ method: 'GET', url: `/__admin/sessions/${t.client.clientId}/deliveries?webhook_id=${t.webhook.id}&limit=200` });
        assert.equal(listed.statusCode, 200, listed.body);
        return (listed.json().deliveries as { status: string; note: string | null; next_attempt_at: string | null }[]).map((delivery) => [delivery.status, delivery.note, delivery.next_attempt_at]);
      };
      const refused = ['expired', 'not sent: the webhook already has 4 deliveries waiting (webhookQueueLimit)', null];
      assert.deepEqual(await admin(), [refused, ['bounced', null, null], ['bounced', null, null], ['bounced', null, null], ['bounced', null, null]]);
      const deleted = await t.app.inject({ method: 'DELETE', url: `${webhooksUrl}/${t.webhook.id}`, headers: t.client.headers() });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.deepEqual(await admin(), [
        refused, ['expired', 'not sent: the webhook was deleted', null], ['expired', 'not sent: the webhook was deleted', null],
        ['expired', 'not sent again: the webhook was deleted', null], ['expired', 'not sent again: the webhook was deleted', null],
      ]);
      assert.equal(t.hooks.received.length, 2, 'the first attempts of the launch and the pause, nothing after');
    } finally {
      await t.close();
    }
  });

  it('a webhook deleted while a POST to it is out: the failed attempt ends the delivery expired, not retried', async () => {
    const hooks = await receiver(() => 'hang');
    const app = await makeApp({ webhookTimeoutMs: 1000, webhookRetryBaseMs: 60_000 });
    const mock = controlOf(app);
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      await liveRun(app, client);
      await hooks.gets(1);
      const deleted = await app.inject({ method: 'DELETE', url: `${webhooksUrl}/${webhook.id}`, headers: client.headers() });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const delivery = await mock.nextDelivery(client.clientId, { webhookId: webhook.id });
      assert.deepEqual([delivery.status, delivery.note, delivery.next_attempt_at], ['expired', 'not sent again: the webhook was deleted', null]);
      assert.deepEqual(delivery.attempts.map((attempt) => [attempt.status_code, attempt.error]), [[null, 'no answer within 1000 ms (webhookTimeoutMs)']]);
    } finally {
      await app.close();
      await hooks.close();
    }
  });

  it('keeps at most webhookQueueLimit deliveries waiting per webhook; a slow receiver does not hold up requests', async () => {
    const hooks = await receiver(() => 'hang');
    const app = await makeApp({ webhookQueueLimit: 2, webhookTimeoutMs: 10000 });
    const mock = controlOf(app);
    try {
      const client = await clientOf(app);
      const webhook = await createWebhook(app, client, hooks.url);
      const live = await liveRun(app, client);
      const runUrl = live.runUrl;
      let etag = live.etag;
      await hooks.gets(1);
      const started = Date.now();
      for (const action of ['pause', 'resume', 'pause']) {
        const answer = await post(app, client, `${runUrl}/${action}`, etag);
        assert.equal(answer.statusCode, 204, answer.body);
        etag = String(answer.headers.etag);
      }
      assert.ok(Date.now() - started < 2000, 'the API answers while the receiver hangs');
      const deliveries = mock.deliveries(client.clientId, { webhookId: webhook.id }).reverse();
      assert.deepEqual(deliveries.map((delivery) => delivery.status), ['delivering', 'pending', 'expired', 'expired']);
      assert.match(String(deliveries[2]!.note), /webhookQueueLimit/);
    } finally {
      await app.close();
      await hooks.close();
    }
  });

  it('stops every delivery when the app closes: nothing is sent afterwards', async () => {
    const hooks = await receiver(() => 500);
    const app = await makeApp({ webhookRetryBaseMs: 50, webhookRetryMaxMs: 50, webhookRetries: 100 });
    const client = await clientOf(app);
    await createWebhook(app, client, hooks.url);
    await liveRun(app, client);
    await hooks.gets(2);
    await app.close();
    const sent = hooks.received.length;
    // Absence can only be seen over time: four retry periods.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(hooks.received.length, sent);
    await hooks.close();
  });

  function post(app: MockApp, client: Client, url: string, ifMatch: string) {
    return app.inject({ method: 'POST', url, headers: client.headers({ 'if-match': ifMatch }) });
  }
});

describe('scenario webhook steps', () => {
  const scenario = (rules: unknown[]) => ({ 'hooks.yaml': { description: 'webhook deliveries scripted', rules } });

  async function setUp(rules: unknown[], status: (n: number) => number | 'hang' = () => 200) {
    const hooks = await receiver(status);
    const { app, close } = await appWithScenarios(scenario(rules), { webhookRetryBaseMs: 20, webhookRetries: 2 });
    const mock = controlOf(app);
    const client = await clientOf(app);
    mock.useScenario(client.clientId, 'hooks');
    const webhook = await createWebhook(app, client, hooks.url);
    const { runUrl, etag } = await liveRun(app, client);
    await hooks.gets(1);
    const post = (url: string, ifMatch: string) => app.inject({ method: 'POST', url, headers: client.headers({ 'if-match': ifMatch }) });
    return { app, mock, client, webhook, hooks, runUrl, etag, post, close: async () => { await close(); await hooks.close(); } };
  }

  it('duplicate: the receiver gets the same event twice, same id and body', async () => {
    const t = await setUp([{ match: { operation: 'pause_fielding_run' }, respond: { webhook: { duplicate: true } } }]);
    try {
      assert.equal((await t.post(`${t.runUrl}/pause`, t.etag)).statusCode, 204);
      await t.hooks.gets(3);
      const [first, second] = t.hooks.received.slice(1).map((request) => verify(request, t.webhook.secret));
      assert.deepEqual(first, second);
      assert.deepEqual(t.mock.deliveries(t.client.clientId).map((delivery) => delivery.copy), [2, 1, 1]);
    } finally {
      await t.close();
    }
  });

  it('with a fault: the run is paused and its event delivered as the step says, and the answer is lost; the retry with the same key gets it', async () => {
    const t = await setUp([{ match: { operation: 'pause_fielding_run' }, respond: { webhook: { duplicate: true }, fault: 'connection_reset', times: 1 } }]);
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const pause = { method: 'POST', path: `${t.runUrl}/pause`, headers: t.client.headers({ 'if-match': t.etag, 'idempotency-key': t.client.idempotencyKey() }) };
      const lost = await sendOnce(url, pause);
      assert.equal(lost.response, undefined, 'no answer arrived');
      assert.equal(lost.error?.code, 'ECONNRESET');

      await t.hooks.gets(3);
      const [first, second] = t.hooks.received.slice(1).map((request) => verify(request, t.webhook.secret));
      assert.deepEqual(first, second, 'the pause\'s event, twice');
      assert.equal(first!.payload.changes[0]!.new_value, 'paused');
      const run = await t.app.inject({ method: 'GET', url: t.runUrl, headers: t.client.headers() });
      assert.equal(run.json().status, 'paused', 'the pause was made');

      const retried = await sendOnce(url, pause);
      assert.equal(retried.response?.statusCode, 204, retried.body);
      assert.equal(retried.response?.headers['idempotent-replayed'], 'true');
      // Absence over time: the replay publishes nothing.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(t.hooks.received.length, 3);
    } finally {
      await t.close();
    }
  });

  it('acts on the events of the request it answers: a cost per interview change delivered three times', async () => {
    const t = await setUp([{ match: { operation: 'update_cost_per_interview' }, respond: { webhook: { duplicate: 3 } } }]);
    try {
      const cpiUrl = `${t.runUrl.slice(0, t.runUrl.indexOf('/fielding-runs'))}/cost-per-interview`;
      const answer = await t.app.inject({ method: 'PUT', url: cpiUrl, headers: t.client.headers(), payload: { target_group_cpi: { value: '3.10', currency_code: 'USD' } } });
      assert.equal(answer.statusCode, 200, answer.body);
      await t.hooks.gets(4);
      const copies = t.hooks.received.slice(1).map((request) => verify(request, t.webhook.secret));
      assert.deepEqual(copies.map((event) => event.payload.changes[0]!.object), ['user_requested_cpi_change', 'user_requested_cpi_change', 'user_requested_cpi_change']);
      assert.equal(new Set(copies.map((event) => event.id)).size, 1);
    } finally {
      await t.close();
    }
  });

  it('out_of_order: a held event arrives after the one that followed it', async () => {
    const t = await setUp([{ match: { operation: 'pause_fielding_run' }, respond: { webhook: { out_of_order: true } } }]);
    try {
      const paused = await t.post(`${t.runUrl}/pause`, t.etag);
      assert.equal((await t.post(`${t.runUrl}/resume`, String(paused.headers.etag))).statusCode, 204);
      await t.hooks.gets(3);
      const changes = t.hooks.received.slice(1).map((request) => verify(request, t.webhook.secret).payload.changes[0]!.new_value);
      assert.deepEqual(changes, ['live', 'paused'], 'the resume (live) arrives before the pause');
    } finally {
      await t.close();
    }
  });

  it('drop: the event is never sent and its history status is expired', async () => {
    const t = await setUp([{ match: { operation: 'pause_fielding_run' }, respond: [{ webhook: { drop: true }, times: 1 }, 'passthrough'] }]);
    try {
      const paused = await t.post(`${t.runUrl}/pause`, t.etag);
      assert.equal((await t.post(`${t.runUrl}/resume`, String(paused.headers.etag))).statusCode, 204);
      await t.hooks.gets(2);
      const [resumed, dropped] = t.mock.deliveries(t.client.clientId);
      assert.equal(dropped!.status, 'expired');
      assert.match(String(dropped!.note), /dropped/);
      assert.equal(resumed!.event_type, 'target-group-updated');
      await t.mock.nextDelivery(t.client.clientId, { after: dropped!.id });
      assert.equal(t.hooks.received.length, 2, 'the launch and the resume; not the pause');
      assert.equal(verify(t.hooks.received[1]!, t.webhook.secret).payload.changes[0]!.new_value, 'live');
    } finally {
      await t.close();
    }
  });

  it('signature faults: a wrong secret, a stale timestamp and a missing header, each caught by an honest check', async () => {
    const t = await setUp([{
      match: { operation: ['pause_fielding_run', 'resume_fielding_run'] },
      respond: [{ webhook: { signature: 'wrong_secret' }, times: 1 }, { webhook: { signature: 'stale_timestamp' }, times: 1 }, { webhook: { signature: 'missing' }, times: 1 }],
    }]);
    try {
      let etag = t.etag;
      for (const action of ['pause', 'resume', 'pause']) {
        const answer = await t.post(`${t.runUrl}/${action}`, etag);
        assert.equal(answer.statusCode, 204, answer.body);
        etag = String(answer.headers.etag);
      }
      await t.hooks.gets(4);
      const [wrong, stale, missing] = t.hooks.received.slice(1);
      assert.ok(!isValid(wrong!, t.webhook.secret), 'a wrong secret does not verify');
      assert.ok(isValid(stale!, t.webhook.secret), 'a stale signature is a correct HMAC…');
      assert.throws(() => verify(stale!, t.webhook.secret), /within 300 s/, '…whose timestamp a receiver refuses');
      assert.equal(missing!.headers['cint-signature'], undefined);
    } finally {
      await t.close();
    }
  });

  it('delay_ms: the first attempt waits', async () => {
    const t = await setUp([{ match: { operation: 'pause_fielding_run' }, respond: { webhook: { delay_ms: 300 } } }]);
    try {
      const sent = Date.now();
      assert.equal((await t.post(`${t.runUrl}/pause`, t.etag)).statusCode, 204);
      await t.hooks.gets(2);
      assert.ok(t.hooks.received[1]!.at - sent >= 290, `sent after ${t.hooks.received[1]!.at - sent} ms`);
    } finally {
      await t.close();
    }
  });

  it('a file with a webhook step on an operation that publishes no event, or dropping and duplicating at once, does not load', async () => {
    await assert.rejects(appWithScenarios({
      'bad.yaml': { description: 'x', rules: [
        { match: { operation: 'get_project_by_id' }, respond: { webhook: { duplicate: 2 } } },
        { match: { operation: 'pause_fielding_run' }, respond: { webhook: { drop: true, duplicate: true } } },
        { match: { operation: 'pause_fielding_run' }, respond: { webhook: { signature: 'wrong_secrett' } } },
      ] },
    }), (error: Error) => {
      assert.match(error.message, /rules\[0\]\.respond\.webhook: expected a rule whose match names only operations that publish webhook events \(pause_fielding_run, .*\), found a rule that also matches get_project_by_id/);
      assert.match(error.message, /rules\[1\]\.respond\.webhook\.duplicate: expected nothing beside drop: a dropped event is never sent, found duplicate/);
      assert.match(error.message, /rules\[2\]\.respond\.webhook\.signature: expected a signature fault \(wrong_secret, stale_timestamp, missing\), found "wrong_secrett" \(did you mean "wrong_secret"\?\)/);
      return true;
    });
  });
});
