// A session's snapshot over HTTP: a session driven on one app, snapshotted, sent through JSON and
// restored into the session of the same client on a second app answers every read as the first does,
// continues its ETags, idempotency keys, job timing, fills and scenario progress (a `times` rule and a
// seeded random stream) where they were, and replaces whatever the session it is restored into held.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { restoreSnapshot, snapshotJson, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  clientOf, createProject, createTargetGroup, futureDate, launchUrl, projectBody, projectsUrl, runsUrl, targetGroupsUrl, type Client,
} from './helpers.js';
import { appWithScenarios } from './scenario-helpers.js';

const SECOND_ACCOUNT = 202;
/** Webhooks live here, an account with no projects, so no event is ever delivered to them. */
const WEBHOOK_ACCOUNT = 303;

const files = {
  'snap.yaml': `
description: a rule that answers three times, and a seeded coin
seed: snapshot-seed
rules:
  - match: { operation: list_account_projects, query: { name: limited } }
    respond: { status: 503, times: 3 }
  - match: { operation: list_account_projects, query: { name: coin } }
    respond: { status: 500, probability: 0.5 }
`,
};

/** Three apps alike: tokens of one verify on the others, and every session uses the scenario above. */
// The snapshots are restored here straight into a session held in memory, as the Redis store does with
// what it brings in; the store's own way there is tested by test/redis-shared.test.ts and
// test/redis-store.test.ts. So these apps stay on the memory store under `npm run test:redis` too.
const config = { jwtSecret: 'snapshot-test-secret-of-enough-length', scenario: 'snap', store: 'memory' };

type Apps = { app: MockApp; close(): Promise<void> };

describe('session snapshots', () => {
  let a: Apps;
  let b: Apps;
  let c: Apps;
  let client: Client;
  /** A's session as JSON, taken once it holds everything below. */
  let text: string;
  const etagsSeen = new Set<string>();
  /** The highest revision of every ETag A gave before the snapshot. */
  let latestRevision: number;
  let idempotent: { key: string; body: Record<string, unknown>; response: LightMyRequestResponse };
  /** The seeded coin's first throws (on A and C alike), and its next ones after the snapshot: on A, and on C, which got A's throws before them. */
  let firstThrows: number[];
  let nextOnA: number[];
  let nextOnC: number[];
  /** Every read compared, and of those the two that show a target group's fill. */
  const reads: string[] = [];
  const fillReads: string[] = [];
  /** What A answered right after the snapshot: its session's summary, job timing and fielding, and each read. */
  let answeredByA: { summary: Record<string, unknown> & { clock: { offset_ms: number } }; jobs: unknown; fielding: unknown; reads: ReturnType<typeof answerOf>[] };
  /** A's fill reads once its clock has moved on a further day. */
  let dayLaterOnA: ReturnType<typeof answerOf>[];
  let runUrl: string;
  let assignmentUrl: string;
  const assignment = { quota_overlay: { prevent_overfill: true, balance_fill: false } };
  let newerRunEtag: string;

  /** A request of the client (POST and PUT with an Idempotency-Key of their own unless given one). */
  const send = async (app: MockApp, method: 'GET' | 'POST' | 'PUT', url: string, options: { headers?: Record<string, string>; payload?: unknown; session?: string | undefined } = {}) => {
    const extra: Record<string, string> = method === 'GET' ? {} : { 'idempotency-key': client.idempotencyKey() };
    if (options.session) extra['x-mock-session'] = options.session;
    const response = await app.inject({
      method, url, headers: client.headers({ ...extra, ...options.headers }),
      ...(options.payload !== undefined ? { payload: options.payload as Record<string, unknown> } : {}),
    });
    if (response.headers.etag) etagsSeen.add(String(response.headers.etag));
    return response;
  };
  const admin = async (app: MockApp, method: 'GET' | 'POST' | 'PUT', path: string, payload?: Record<string, unknown>) => {
    const response = await app.inject({ method, url: `/__admin/sessions/${client.clientId}${path}?client_id=${client.clientId}`, ...(payload ? { payload } : {}) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };
  const coins = async (app: MockApp, count: number, session?: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i += 1) statuses.push((await send(app, 'GET', `${projectsUrl()}?name=coin`, { session })).statusCode);
    return statuses;
  };
  const limited = async (app: MockApp, session?: string) => (await send(app, 'GET', `${projectsUrl()}?name=limited`, { session })).statusCode;
  const revisionOf = (etag: string) => Number(/^W\/"(\d+)"$/.exec(etag)?.[1]);
  const sessionOf = (apps: Apps, name = client.clientId) => apps.app.mock.sessions.get(name, client.clientId);
  const restoreInto = (apps: Apps, name?: string) => restoreSnapshot(sessionOf(apps, name), JSON.parse(text) as SessionSnapshot, apps.app.mock.scenarios);
  /** What a read answers, as far as a client can tell. */
  const answerOf = (response: LightMyRequestResponse) => ({
    status: response.statusCode, body: response.body, etag: response.headers.etag, location: response.headers.location,
  });

  before(async () => {
    [a, b, c] = await Promise.all([appWithScenarios(files, config), appWithScenarios(files, config), appWithScenarios(files, config)]);
    client = await clientOf(a.app, 'snapshot-client');

    const first = await createProject(a.app, client);
    const second = await createProject(a.app, client, { name: 'second' });
    const other = await createProject(a.app, client, { name: 'elsewhere' }, SECOND_ACCOUNT);
    [first, second, other].forEach((project) => etagsSeen.add(project.etag));
    const groupId = await createTargetGroup(a.app, client, first.id);
    const draftId = await createTargetGroup(a.app, client, first.id, { name: 'still a draft' });

    await admin(a.app, 'PUT', '/jobs', { polls: 2 });
    await admin(a.app, 'PUT', '/fielding', { starts_per_hour: 40, seed: 7 });
    const launched = await send(a.app, 'POST', launchUrl(first.id, groupId), { payload: { end_fielding_at: futureDate(20) } });
    assert.equal(launched.statusCode, 201, launched.body);
    const jobUrl = String(launched.headers.location);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await send(a.app, 'GET', jobUrl)).json().status);
    assert.deepEqual(statuses, ['Processing', 'Processing', 'Completed']);
    const runId = String((await send(a.app, 'GET', jobUrl)).json().created_fielding_run_id);
    runUrl = `${runsUrl(first.id, groupId)}/${runId}`;
    const run = await send(a.app, 'GET', runUrl);
    const updated = await send(a.app, 'PUT', runUrl, {
      headers: { 'if-match': String(run.headers.etag) },
      payload: { start_fielding_at: run.json().start_fielding_at, end_fielding_at: futureDate(10) },
    });
    assert.equal(updated.statusCode, 202, updated.body);
    newerRunEtag = String(updated.headers.etag);

    const webhook = await send(a.app, 'POST', `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks`, { payload: { url: 'https://hooks.example.com/cint', events: ['target-group-updated'] } });
    assert.equal(webhook.statusCode, 201, webhook.body);
    assignmentUrl = `${targetGroupsUrl(first.id)}/${draftId}/fielding-assistant-assignment`;
    const assigned = await send(a.app, 'PUT', assignmentUrl, { payload: assignment });
    assert.equal(assigned.statusCode, 204, assigned.body);
    const key = 'snapshot-key';
    const body = projectBody({ name: 'made once' });
    idempotent = { key, body, response: await send(a.app, 'POST', projectsUrl(), { headers: { 'idempotency-key': key }, payload: body }) };
    assert.equal(idempotent.response.statusCode, 202, idempotent.response.body);

    await admin(a.app, 'POST', '/clock', { advance: 'PT36H' });
    assert.deepEqual([await limited(a.app), await limited(a.app)], [503, 503]);
    firstThrows = await coins(a.app, 6);
    assert.deepEqual(await coins(c.app, 6), firstThrows, 'the seeded stream is the same on every app');

    const groupUrl = `${targetGroupsUrl(first.id)}/${groupId}`;
    fillReads.push(`${groupUrl}/performance`, `${groupUrl}/overview`);
    reads.push(...fillReads,
      `${projectsUrl()}/${first.id}`, projectsUrl(), projectsUrl(SECOND_ACCOUNT), `${projectsUrl(SECOND_ACCOUNT)}/${other.id}`,
      groupUrl, `${targetGroupsUrl(first.id)}/${draftId}`, targetGroupsUrl(first.id),
      runUrl, runsUrl(first.id, groupId), jobUrl,
      `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks`, `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks/${webhook.json().id}`, assignmentUrl,
    );
    const performance = await send(a.app, 'GET', `${groupUrl}/performance`);
    assert.ok(performance.json().entrants > 0, `the clock move filled the live target group: ${performance.body}`);

    text = JSON.stringify(snapshotOf(sessionOf(a), a.app.mock.scenarios));
    latestRevision = Math.max(...[...etagsSeen].map(revisionOf));
    answeredByA = {
      summary: await admin(a.app, 'GET', ''), jobs: await admin(a.app, 'GET', '/jobs'), fielding: await admin(a.app, 'GET', '/fielding'), reads: [],
    };
    for (const url of reads) answeredByA.reads.push(answerOf(await send(a.app, 'GET', url)));
    nextOnA = await coins(a.app, 16);
    nextOnC = await coins(c.app, 16);
    await admin(a.app, 'POST', '/clock', { advance: 'P1D' });
    dayLaterOnA = [];
    for (const url of fillReads) dayLaterOnA.push(answerOf(await send(a.app, 'GET', url)));
  });
  after(() => Promise.all([a, b, c].map((apps) => apps?.close())));

  it('restored into the same client\'s session on another app, answers every read as the first app does', async () => {
    restoreInto(b);
    const summary = await admin(b.app, 'GET', '');
    for (const field of ['created_at', 'requests', 'objects', 'bytes']) assert.equal(summary[field], answeredByA.summary[field], field);
    assert.equal(summary.clock.offset_ms, answeredByA.summary.clock.offset_ms);
    assert.deepEqual(await admin(b.app, 'GET', '/jobs'), answeredByA.jobs);
    assert.deepEqual(await admin(b.app, 'GET', '/fielding'), answeredByA.fielding);
    for (const [index, url] of reads.entries()) assert.deepEqual(answerOf(await send(b.app, 'GET', url)), answeredByA.reads[index], url);
  });

  it('fills its live target group on from where it was: a day later the same counts as the first app\'s', async () => {
    restoreInto(b);
    await admin(b.app, 'POST', '/clock', { advance: 'P1D' });
    for (const [index, url] of fillReads.entries()) assert.deepEqual(answerOf(await send(b.app, 'GET', url)), dayLaterOnA[index], url);
  });

  it('keeps "nothing due" (an infinite nextChangeAt) through JSON', () => {
    const idle = sessionOf(b, 'idle');
    assert.equal(idle.nextChangeAt, Infinity);
    const busy = sessionOf(b, 'busy-then-idle');
    restoreInto(b, busy.name);
    assert.ok(Number.isFinite(busy.nextChangeAt), 'A\'s live run has a next tick');
    restoreSnapshot(busy, JSON.parse(JSON.stringify(snapshotOf(idle, b.app.mock.scenarios))), b.app.mock.scenarios);
    assert.equal(busy.nextChangeAt, Infinity);
  });

  it('is a fixed point: the restored session\'s snapshot is the one it was restored from', () => {
    restoreInto(b);
    assert.deepStrictEqual(snapshotOf(sessionOf(b), b.app.mock.scenarios), JSON.parse(text));
  });

  it('is written in pieces that make the same text as JSON.stringify, however large', () => {
    const snapshot = JSON.parse(text) as SessionSnapshot;
    assert.equal(snapshotJson(snapshot).join(''), text);
    // Many projects: the text is cut between a list's elements, into pieces of about 16,384 characters.
    const [key, project] = snapshot.projects[0]!;
    const large: SessionSnapshot = { ...snapshot, projects: Array.from({ length: 400 }, (_, index) => [`${key}-${index}`, { ...project, name: `Project ${index}` }]) };
    const pieces = snapshotJson(large);
    assert.ok(pieces.length > 3, `${pieces.length} pieces`);
    assert.equal(pieces.join(''), JSON.stringify(large));
    // Each piece but the last ends at the first element after 16,384 characters (longer by an element's text).
    assert.ok(pieces.slice(0, -1).every((piece) => piece.length >= 16384), pieces.map((piece) => piece.length).join(' '));
    // As JSON.stringify: a field whose value is undefined is left out, and an undefined element is null.
    const odd = { ...snapshot, jobTiming: undefined, events: [undefined, ...snapshot.events] } as unknown as SessionSnapshot;
    assert.equal(snapshotJson(odd).join(''), JSON.stringify(odd));
  });

  it('replays an Idempotency-Key used on the first app, and continues its ETags', async () => {
    restoreInto(b);
    const replayed = await send(b.app, 'POST', projectsUrl(), { headers: { 'idempotency-key': idempotent.key }, payload: idempotent.body });
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.deepEqual(answerOf(replayed), answerOf(idempotent.response));

    const next = await createProject(b.app, client, { name: 'the next one' });
    assert.equal(revisionOf(next.etag), latestRevision + 1, `${next.etag} follows every ETag A gave (the latest W/"${latestRevision}")`);
  });

  it('takes If-Match with the run\'s current ETag and refuses a stale one', async () => {
    restoreInto(b);
    const dates = (await send(b.app, 'GET', runUrl)).json();
    const payload = { start_fielding_at: dates.start_fielding_at, end_fielding_at: futureDate(12) };
    assert.equal((await send(b.app, 'PUT', runUrl, { headers: { 'if-match': 'W/"1"' }, payload })).statusCode, 412);
    const updated = await send(b.app, 'PUT', runUrl, { headers: { 'if-match': newerRunEtag }, payload });
    assert.equal(updated.statusCode, 202, updated.body);
  });

  it('counts the restored objects\' bytes as before: a singleton put again holds what it held, a deleted webhook frees its own', async () => {
    restoreInto(b);
    const session = sessionOf(b);
    const snapshot = JSON.parse(text) as SessionSnapshot;
    assert.equal(session.storedBytes, snapshot.storedBytes);
    const again = await send(b.app, 'PUT', assignmentUrl, { payload: assignment });
    assert.equal(again.statusCode, 204, again.body);
    assert.equal(session.storedBytes, snapshot.storedBytes);

    const [, webhooks] = snapshot.resources.find(([key]) => key.includes('/webhooks/'))!;
    const [id, , bytes] = webhooks[0]!;
    assert.ok(bytes > 0);
    const deleted = await b.app.inject({ method: 'DELETE', url: `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks/${id}`, headers: client.headers() });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.equal(session.storedBytes, snapshot.storedBytes - bytes);
  });

  it('continues the scenario where it was: a `times: 3` rule answers once more, the seeded stream goes on', async () => {
    restoreInto(b);
    assert.deepEqual([await limited(b.app), await limited(b.app), await limited(b.app)], [503, 200, 200]);
    const next = await coins(b.app, 16);
    assert.deepEqual(next, nextOnC, 'as an app that got every request');
    assert.deepEqual(next, nextOnA, 'as the first app gives next');
    assert.ok(next.includes(500) && next.includes(200), `a coin of 16 throws both sides: ${next.join(' ')}`);
  });

  it('starts a scenario whose file has changed afresh, as a reload does', async () => {
    const edited = await appWithScenarios({ 'snap.yaml': `${files['snap.yaml']}# edited\n` }, config);
    try {
      restoreInto(edited);
      assert.deepEqual([await limited(edited.app), await limited(edited.app), await limited(edited.app), await limited(edited.app)], [503, 503, 503, 200]);
      assert.deepEqual(await coins(edited.app, 6), firstThrows);
    } finally {
      await edited.close();
    }
  });

  it('replaces whatever the session restored into held', async () => {
    const name = 'busy';
    const old = await send(b.app, 'POST', projectsUrl(), { session: name, headers: { 'idempotency-key': 'busy-key' }, payload: projectBody({ name: 'the old one' }) });
    assert.equal(old.statusCode, 202, old.body);
    const oldUrl = `${projectsUrl()}/${old.json().id}`;
    const hook = await send(b.app, 'POST', `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks`, { session: name, payload: { url: 'https://hooks.example.com/old', events: ['target-group-updated'] } });
    assert.equal(hook.statusCode, 201, hook.body);
    for (let i = 0; i < 3; i += 1) assert.equal(await limited(b.app, name), 503);
    await coins(b.app, 3, name);

    restoreInto(b, name);
    assert.equal((await send(b.app, 'GET', oldUrl, { session: name })).statusCode, 404);
    assert.equal((await send(b.app, 'GET', `/v1/accounts/${WEBHOOK_ACCOUNT}/webhooks/${hook.json().id}`, { session: name })).statusCode, 404);
    const again = await send(b.app, 'POST', projectsUrl(), { session: name, headers: { 'idempotency-key': 'busy-key' }, payload: projectBody({ name: 'the old one' }) });
    assert.equal(again.headers['idempotent-replayed'], undefined, 'the old session\'s key is gone');
    assert.notEqual(again.json().id, old.json().id);

    const restored = sessionOf(b, name);
    const parsed = JSON.parse(text) as SessionSnapshot;
    assert.equal(restored.storedBytes, parsed.storedBytes);
    assert.equal(restored.projects.size, parsed.projects.length + 1, 'A\'s projects and the one made since');
    assert.equal(await limited(b.app, name), 503, 'the `times` rule is where A left it, not spent as it was here');
    assert.deepEqual(await coins(b.app, 4, name), nextOnA.slice(0, 4), 'the stream is A\'s');
  });

  it('refuses a snapshot of another format, naming it, and changes nothing', () => {
    const session = sessionOf(b, 'refused');
    const before = JSON.stringify(snapshotOf(session, b.app.mock.scenarios));
    const future = { ...JSON.parse(text), format: 2 } as unknown as SessionSnapshot;
    assert.throws(() => restoreSnapshot(session, future, b.app.mock.scenarios), /format 2/);
    assert.equal(JSON.stringify(snapshotOf(session, b.app.mock.scenarios)), before);
  });

  it('keeps the runtime fields of the session restored into', () => {
    const session = sessionOf(b, 'runtime');
    const { eventListener, deliveryScript, webhookDeliveries, lastSeenAt, id, name, clientId } = session;
    assert.ok(eventListener);
    restoreSnapshot(session, JSON.parse(text) as SessionSnapshot, b.app.mock.scenarios);
    assert.equal(session.eventListener, eventListener);
    assert.equal(session.deliveryScript, deliveryScript);
    assert.equal(session.webhookDeliveries, webhookDeliveries);
    assert.deepEqual([session.lastSeenAt, session.id, session.name, session.clientId], [lastSeenAt, id, name, clientId]);
  });
});
