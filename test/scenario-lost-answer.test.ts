// A passthrough step with a fault: the request is carried out as the real API would, then its answer is
// lost on the way, which is what a client's Idempotency-Key is for. The connection itself breaks, so the
// requests go over a real socket; the app is on the store the suite gives it (npm run test:redis: Redis,
// where the change must be saved before the connection breaks).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/index.js';
import {
  assertCintError, clientOf, createProject, createTargetGroup, futureDate, launchUrl, makeApp, projectBody, projectsUrl, runsUrl, type Client, type LaunchJobBody,
} from './helpers.js';
import { sendOnce } from './scenario-helpers.js';

const UNKNOWN_PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';

const LOST = {
  description: 'answers made, then lost on the way',
  rules: [
    { match: { operation: 'create_project', body: { name: 'Lost to a reset' } }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } },
    { match: { operation: 'create_project', body: { name: 'Lost to a close' } }, respond: { passthrough: true, fault: 'empty_response', times: 1 } },
    { match: { operation: 'create_project', body: { name: 'Lost to a hang' } }, respond: { passthrough: true, fault: 'hang', times: 1 } },
    { match: { operation: 'update_project' }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } },
    { match: { operation: 'get_project_by_id', params: { project_id: UNKNOWN_PROJECT } }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } },
    { match: { operation: 'create_launch_fielding_run_from_draft_job' }, respond: { job: { processing_polls: 1 }, fault: 'connection_reset', times: 1 } },
  ],
};

interface JournalEntry {
  operation: string; status: number; fault?: string; replayed: boolean; response_body?: string; response_headers?: Record<string, string>; scenario: { rule: number } | null;
}

describe('answers made, then lost on the way (a passthrough, job or webhook step with a fault)', () => {
  let app: MockApp;
  let url: string;

  before(async () => {
    app = await makeApp({ hangTimeoutMs: 2000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  async function lostClient(): Promise<Client> {
    const client = await clientOf(app);
    const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: LOST } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    return client;
  }

  async function projectsOf(client: Client): Promise<{ id: string; name: string }[]> {
    const listed = await sendOnce(url, { path: projectsUrl(), headers: client.headers() });
    assert.equal(listed.response?.statusCode, 200, listed.body);
    return (JSON.parse(listed.body!) as { projects: { id: string; name: string }[] }).projects;
  }

  async function journalOf(client: Client, operation: string): Promise<JournalEntry[]> {
    const journal = await app.inject({ url: `/__admin/sessions/${client.clientId}/journal?operation=${operation}` });
    assert.equal(journal.statusCode, 200, journal.body);
    return (journal.json() as { entries: JournalEntry[] }).entries;
  }

  /** The project the lost answer made, and a retry with the same key that gets the first answer again without a second project. */
  async function assertMadeOnceAndReplayed(client: Client, name: string, key: string): Promise<void> {
    const made = await projectsOf(client);
    assert.deepEqual(made.map((project) => project.name), [name], 'the request was carried out once');

    const retried = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name }) });
    assert.equal(retried.response?.statusCode, 202, retried.body);
    assert.equal(retried.response?.headers['idempotent-replayed'], 'true');
    assert.deepEqual(JSON.parse(retried.body!), { id: made[0]!.id });
    assert.deepEqual((await projectsOf(client)).map((project) => project.id), [made[0]!.id], 'the retry made no second project');

    const entries = await journalOf(client, 'create_project');
    assert.deepEqual(entries.map((entry) => [entry.status, entry.fault ?? null, entry.replayed]), [[202, null, true], [202, lostFault(name), false]]);
    assert.deepEqual(JSON.parse(entries[1]!.response_body!), { id: made[0]!.id }, 'the journal keeps the answer that was lost');
    // And the headers it was made with, which the replay carries too (the stored ETag among them).
    const { 'idempotent-replayed': replayedMark, traceparent: _replayTrace, ...replayHeaders } = entries[0]!.response_headers!;
    const { traceparent: lostTrace, ...lostHeaders } = entries[1]!.response_headers!;
    assert.equal(replayedMark, 'true');
    assert.match(String(lostTrace), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.match(String(lostHeaders.etag), /^W\/"[^"]+"$/);
    assert.deepEqual(lostHeaders, replayHeaders);
    assert.equal(entries[1]!.scenario?.rule, LOST.rules.findIndex((rule) => (rule.match as { body?: { name?: string } }).body?.name === name));
  }

  const lostFault = (name: string) => LOST.rules.find((rule) => (rule.match as { body?: { name?: string } }).body?.name === name)!.respond.fault;

  it('connection_reset: the project is made and kept for the key, and the client sees ECONNRESET', async () => {
    const client = await lostClient();
    const key = client.idempotencyKey();
    const lost = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name: 'Lost to a reset' }) });
    assert.equal(lost.response, undefined, 'no answer arrived');
    assert.equal(lost.error?.code, 'ECONNRESET');
    await assertMadeOnceAndReplayed(client, 'Lost to a reset', key);
  });

  it('empty_response: the project is made, and the connection is closed before a byte of the answer', async () => {
    const client = await lostClient();
    const key = client.idempotencyKey();
    const lost = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name: 'Lost to a close' }) });
    assert.equal(lost.response, undefined, 'no answer arrived');
    assert.match(lost.error?.message ?? '', /socket hang up/);
    await assertMadeOnceAndReplayed(client, 'Lost to a close', key);
  });

  it('hang: the project is made and no answer comes; the client gives up and retries', async () => {
    const client = await lostClient();
    const key = client.idempotencyKey();
    const lost = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name: 'Lost to a hang' }), timeoutMs: 300 });
    assert.equal(lost.response, undefined, 'no answer arrived');
    assert.equal(lost.error?.code, 'CLIENT_TIMEOUT');
    await assertMadeOnceAndReplayed(client, 'Lost to a hang', key);
  });

  it('an update is made and its ETag moves on: the retry with the old If-Match and the same key gets the first answer', async () => {
    const client = await lostClient();
    const created = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), body: projectBody({ name: 'Before' }) });
    assert.equal(created.response?.statusCode, 202, created.body);
    const { id } = JSON.parse(created.body!) as { id: string };
    const etag = String(created.response?.headers.etag);
    const key = client.idempotencyKey();
    const update = { method: 'PUT', path: `${projectsUrl()}/${id}`, headers: client.headers({ 'idempotency-key': key, 'if-match': etag }), body: projectBody({ name: 'After' }) };

    const lost = await sendOnce(url, update);
    assert.equal(lost.error?.code, 'ECONNRESET');
    const read = await sendOnce(url, { path: `${projectsUrl()}/${id}`, headers: client.headers() });
    assert.equal(read.response?.statusCode, 200, read.body);
    assert.equal((JSON.parse(read.body!) as { name: string }).name, 'After');
    assert.notEqual(read.response?.headers.etag, etag, 'the update was made');

    const retried = await sendOnce(url, update);
    assert.equal(retried.response?.statusCode, 200, retried.body);
    assert.equal(retried.response?.headers['idempotent-replayed'], 'true');
    assert.equal(retried.response?.headers['idempotency-key'], key);
    assert.equal(retried.response?.headers.etag, read.response?.headers.etag);
  });

  it('an error answer is lost the same way, and journaled with its status', async () => {
    const client = await lostClient();
    const lost = await sendOnce(url, { path: `${projectsUrl()}/${UNKNOWN_PROJECT}`, headers: client.headers() });
    assert.equal(lost.error?.code, 'ECONNRESET');
    const again = await sendOnce(url, { path: `${projectsUrl()}/${UNKNOWN_PROJECT}`, headers: client.headers() });
    assert.equal(again.response?.statusCode, 404, again.body);
    const entries = await journalOf(client, 'get_project_by_id');
    assert.deepEqual(entries.map((entry) => [entry.status, entry.fault ?? null]), [[404, null], [404, 'connection_reset']]);
  });

  it('a job step: the launch makes its job as the step says and loses its answer; the retry with the same key gets the job\'s Location', async () => {
    const client = await lostClient();
    const project = await createProject(app, client);
    const targetGroupId = await createTargetGroup(app, client, project.id);
    const key = client.idempotencyKey();
    const start = { method: 'POST', path: launchUrl(project.id, targetGroupId), headers: client.headers({ 'idempotency-key': key }), body: { end_fielding_at: futureDate() } };

    const lost = await sendOnce(url, start);
    assert.equal(lost.response, undefined, 'no answer arrived');
    assert.equal(lost.error?.code, 'ECONNRESET');

    const retried = await sendOnce(url, start);
    assert.equal(retried.response?.statusCode, 201, retried.body);
    assert.equal(retried.response?.headers['idempotent-replayed'], 'true');
    const location = String(retried.response?.headers.location);
    const poll = async () => {
      const job = await sendOnce(url, { path: location, headers: client.headers() });
      assert.equal(job.response?.statusCode, 200, job.body);
      return JSON.parse(job.body!) as LaunchJobBody;
    };
    // The job the lost request made, held Processing for one poll by the step's script.
    assert.equal((await poll()).status, 'Processing');
    const done = await poll();
    assert.equal(done.status, 'Completed', JSON.stringify(done));

    const runs = await sendOnce(url, { path: runsUrl(project.id, targetGroupId), headers: client.headers() });
    assert.equal(runs.response?.statusCode, 200, runs.body);
    assert.deepEqual((JSON.parse(runs.body!) as { data: { id: string }[] }).data.map((run) => run.id), [done.created_fielding_run_id], 'one launch, one run');
    const entries = await journalOf(client, 'create_launch_fielding_run_from_draft_job');
    assert.deepEqual(entries.map((entry) => [entry.status, entry.fault ?? null, entry.replayed]), [[201, null, true], [201, 'connection_reset', false]]);
  });

  it('the journal and the counts pick out every answer a fault met: ?fault= a name or any, and counts by fault', async () => {
    const client = await clientOf(app);
    const chosen = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`,
      payload: {
        scenario: {
          description: 'a lost answer, a body cut off, a reset',
          rules: [
            { match: { operation: 'create_project' }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } },
            { match: { operation: 'get_project_by_id' }, respond: { fault: 'malformed_body', times: 1 } },
            { match: { operation: 'list_account_projects' }, respond: { fault: 'connection_reset', times: 1 } },
          ],
        },
      },
    });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const key = client.idempotencyKey();
    const lost = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name: 'Counted' }) });
    assert.equal(lost.error?.code, 'ECONNRESET');
    const replayed = await sendOnce(url, { method: 'POST', path: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), body: projectBody({ name: 'Counted' }) });
    assert.equal(replayed.response?.statusCode, 202, replayed.body);
    const id = (JSON.parse(replayed.body!) as { id: string }).id;
    const cut = await sendOnce(url, { path: `${projectsUrl()}/${id}`, headers: client.headers() });
    assert.equal(cut.response?.statusCode, 200);
    assert.throws(() => JSON.parse(cut.body!));
    assert.equal((await sendOnce(url, { path: `${projectsUrl()}/${id}`, headers: client.headers() })).response?.statusCode, 200);
    assert.equal((await sendOnce(url, { path: projectsUrl(), headers: client.headers() })).error?.code, 'ECONNRESET');
    assert.equal((await sendOnce(url, { path: projectsUrl(), headers: client.headers() })).response?.statusCode, 200);

    const admin = async (path: string) => {
      const answer = await app.inject({ url: `/__admin/sessions/${client.clientId}${path}` });
      assert.equal(answer.statusCode, 200, answer.body);
      return answer.json();
    };
    const shown = (entries: JournalEntry[]) => entries.map((entry) => `${entry.operation} ${entry.status} ${entry.fault ?? '-'}`);
    assert.deepEqual(shown((await admin('/journal')).entries), [
      'list_account_projects 200 -', 'list_account_projects 0 connection_reset', 'get_project_by_id 200 -', 'get_project_by_id 200 malformed_body',
      'create_project 202 -', 'create_project 202 connection_reset',
    ]);
    assert.deepEqual(shown((await admin('/journal?fault=any')).entries), [
      'list_account_projects 0 connection_reset', 'get_project_by_id 200 malformed_body', 'create_project 202 connection_reset',
    ]);
    assert.deepEqual(shown((await admin('/journal?fault=connection_reset&operation=create_project')).entries), ['create_project 202 connection_reset']);
    assert.deepEqual(shown((await admin('/journal?fault=hang')).entries), []);
    assert.deepEqual(shown((await admin('/journal?status=0')).entries), ['list_account_projects 0 connection_reset'], 'no answer went out');

    assert.deepEqual(await admin('/counts'), {
      count: 6,
      by_operation: { create_project: { 202: 2 }, get_project_by_id: { 200: 2 }, list_account_projects: { 0: 1, 200: 1 } },
      faults: { create_project: { connection_reset: 1 }, get_project_by_id: { malformed_body: 1 }, list_account_projects: { connection_reset: 1 } },
    });
    assert.equal((await admin('/counts?fault=any')).count, 3);
    assert.equal((await admin('/counts?fault=connection_reset')).count, 2);
    assert.equal((await admin('/counts?fault=any&status=202')).count, 1);
    assert.equal((await admin('/counts?fault=any&operation=get_project_by_id&status=200')).count, 1);
    assert.equal((await admin('/counts?status=0')).count, 1);

    const misspelt = await app.inject({ url: `/__admin/sessions/${client.clientId}/journal?fault=reset` });
    assertCintError(misspelt, 400, 'bad_request_error', { invalid_params: [{ name: 'fault', reason: /connection_reset/ }] });
    for (const status of ['-1', '600']) {
      const outside = await app.inject({ url: `/__admin/sessions/${client.clientId}/counts?status=${status}` });
      assertCintError(outside, 400, 'bad_request_error', { invalid_params: [{ name: 'status' }] });
    }
  });

  it('refuses malformed_body on a passthrough step: it sends a body of its own, so it cannot lose one', async () => {
    const client = await clientOf(app);
    const refused = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`,
      payload: { scenario: { description: 'a broken body after the work', rules: [{ match: { operation: 'create_project' }, respond: { passthrough: true, fault: 'malformed_body' } }] } },
    });
    assertCintError(refused, 400, 'bad_request_error', {
      detail: /scenario sent has problems/,
      invalid_params: [{ name: 'scenario.rules[0].respond.fault', reason: /^expected a fault that loses the answer \(connection_reset, empty_response, hang\), found "malformed_body"/ }],
    });
  });

  it('refuses malformed_body on job and webhook steps the same way, naming the fault rather than the step', async () => {
    const client = await clientOf(app);
    const refused = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`,
      payload: { scenario: { description: 'broken bodies after the work', rules: [
        { match: { operation: 'create_launch_fielding_run_from_draft_job' }, respond: { job: { processing_polls: 1 }, fault: 'malformed_body' } },
        { match: { operation: 'pause_fielding_run' }, respond: { webhook: { duplicate: true }, fault: 'hangs' } },
      ] } },
    });
    assertCintError(refused, 400, 'bad_request_error', {
      detail: /scenario sent has problems/,
      invalid_params: [
        { name: 'scenario.rules[0].respond.fault', reason: /^expected a fault that loses the answer \(connection_reset, empty_response, hang\), found "malformed_body"/ },
        { name: 'scenario.rules[1].respond.fault', reason: /^expected a fault that loses the answer \(connection_reset, empty_response, hang\), found "hangs"/ },
      ],
    });
  });
});
