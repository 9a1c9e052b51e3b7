// Memory bounded in bytes, not only in counts, over a real socket: fields Cint's schema does not have
// are not stored, a session holds at most maxSessionBytes of stored data (409 past it, nothing half
// done), the journal at most journalBytes, and a body nested too deep is refused before anything is kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startMock, type RunningMock } from '../src/server.js';
import {
  ACCOUNT, assertCintError, clientOf, fixtures, liveRun, makeApp, projectBody, projectsUrl, socketClient, targetGroupBody, targetGroupsUrl, type SocketAnswer,
} from './helpers.js';

/**
 * A full garbage collection, from inside the test process: a WeakRef is only let go after the job that
 * made or read it, so it runs after a turn of the event loop.
 */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

const summaryOf = async (mock: RunningMock, clientId: string) =>
  (await (await fetch(`${mock.url}/__admin/sessions/${clientId}`)).json()) as { bytes: number; objects: number };

function assertEnvelope(answer: SocketAnswer, status: number, object: string, detail?: string | RegExp) {
  assert.equal(answer.status, status, answer.text);
  assert.deepEqual(Object.keys(answer.json).filter((key) => key !== 'invalid_params').sort(), ['detail', 'id', 'object']);
  assert.equal(answer.json.object, object);
  if (typeof detail === 'string') assert.equal(answer.json.detail, detail);
  else if (detail) assert.match(String(answer.json.detail), detail);
}

describe('stored bytes (real socket)', () => {
  it('unknown fields are dropped before storing: 150 target groups with a 900 KB unknown field hold their own ~9 KB each, not 135 MB', async () => {
    const mock = await startMock({ watchScenarios: false });
    try {
      const call = socketClient(mock, 'unknown-fields');
      const project = await call('POST', projectsUrl(), { body: projectBody() });
      const projectId = project.json.id as string;
      const junk = 'j'.repeat(900_000);
      let id = '';
      for (let i = 0; i < 150; i += 1) {
        const created = await call('POST', targetGroupsUrl(projectId), { body: targetGroupBody({ name: `Target group ${i}`, junk_field: junk, nested: { more: 'x' } }) });
        assert.equal(created.status, 201, created.text);
        id = created.json.id as string;
      }
      const summary = await summaryOf(mock, 'unknown-fields');
      assert.ok(summary.bytes < 150 * (JSON.stringify(targetGroupBody()).length + 500), `${summary.bytes} bytes stored`);
      const read = await call('GET', `${targetGroupsUrl(projectId)}/${id}`);
      assert.equal(read.status, 200, read.text);
      assert.ok(!read.text.includes('jjjjjjjjjj'), 'the unknown field is not read back');

      // A webhook's unknown field is not kept either; its known fields are.
      const webhook = await call('POST', `/v1/accounts/${ACCOUNT}/webhooks`, { body: { url: 'https://client.example/hooks', events: ['target-group-updated'], extra: junk } });
      assert.equal(webhook.status, 201, webhook.text);
      const hook = await call('GET', `/v1/accounts/${ACCOUNT}/webhooks/${webhook.json.id as string}`);
      assert.equal(hook.json.url, 'https://client.example/hooks');
      assert.equal(hook.json.extra, undefined);
      assert.ok((await summaryOf(mock, 'unknown-fields')).bytes - summary.bytes < 2_000);
    } finally {
      await mock.close();
    }
  });

  it('a session past maxSessionBytes gets 409 saying so, nothing is stored, and a delete makes room', async () => {
    const mock = await startMock({ maxSessionBytes: 30_000, watchScenarios: false });
    try {
      const call = socketClient(mock, 'full');
      const projectId = (await call('POST', projectsUrl(), { body: projectBody() })).json.id as string;
      const create = (i: number) => call('POST', targetGroupsUrl(projectId), { body: targetGroupBody({ name: `Target group ${i}` }) });
      let created = 0;
      let refused = await create(0);
      while (refused.status === 201 && created < 20) {
        created += 1;
        refused = await create(created);
      }
      assert.ok(created >= 1 && created < 20, `${created} target groups fitted in 30,000 bytes`);
      assertEnvelope(refused, 409, 'conflict_error',
        'this session would hold more than the maximum of 30000 bytes of stored data; reset it (DELETE /__admin/sessions/{id}) or raise maxSessionBytes');
      const before = await summaryOf(mock, 'full');
      assert.ok(before.bytes <= 30_000);
      assert.equal((await create(99)).status, 409);
      const after = await summaryOf(mock, 'full');
      assert.deepEqual([after.bytes, after.objects], [before.bytes, before.objects], 'nothing was stored');
      assert.equal(((await call('GET', targetGroupsUrl(projectId))).json.target_groups as unknown[]).length, created);

      // The generic collections count too, and a delete gives the bytes back.
      const hooks = `/v1/accounts/${ACCOUNT}/webhooks`;
      assertEnvelope(await call('POST', hooks, { body: { url: `https://client.example/${'p'.repeat(25000)}`, events: ['target-group-updated'] } }), 409, 'conflict_error', /maximum of 30000 bytes/);
      const small = await call('POST', hooks, { body: { url: 'https://client.example/h', events: ['target-group-updated'] } });
      assert.equal(small.status, 201, small.text);
      assert.ok((await summaryOf(mock, 'full')).bytes > before.bytes);
      assert.equal((await call('DELETE', `${hooks}/${small.json.id as string}`)).status, 204);
      assert.equal((await summaryOf(mock, 'full')).bytes, before.bytes);
    } finally {
      await mock.close();
    }
  });

  it('a target group\'s changelog counts: a name changed back and forth, or a run paused and resumed, stops at maxSessionBytes', async () => {
    const app = await makeApp({ maxSessionBytes: 24_000 });
    try {
      const client = await clientOf(app);
      const { projectId, targetGroupId, runUrl } = await liveRun(app, client);
      const bytes = async () => ((await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}` })).json() as { bytes: number }).bytes;
      const details = `${targetGroupsUrl(projectId)}/${targetGroupId}/details`;
      const body = fixtures.operations.update_launched_target_group_details!.validRequestExample as Record<string, unknown>;
      const rename = (name: string) => app.inject({ method: 'PUT', url: details, headers: client.headers(), payload: { ...body, name } });
      // Each rename is the same size as the last: only its changelog entry grows the session.
      let renames = 0;
      let answer = await rename('Renamed group 0');
      while (answer.statusCode === 200 && renames < 1000) {
        renames += 1;
        answer = await rename(`Renamed group ${renames % 2}`);
      }
      assertCintError(answer, 409, 'conflict_error', { detail: /maximum of 24000 bytes of stored data/ });
      assert.ok(renames > 10 && renames < 500, `${renames} renames fitted, fewer than the changelog's 500 entries`);
      assert.ok((await bytes()) <= 24_000);
      const read = await app.inject({ method: 'GET', url: details, headers: client.headers() });
      assert.equal(read.json().name, `Renamed group ${(renames - 1) % 2}`, 'the refused rename changed nothing');

      // Pausing and resuming add status changes (smaller entries, so a few may still fit) until one is
      // refused, and the run is then as it was.
      let toggles = 0;
      let refused: Awaited<ReturnType<typeof app.inject>> | undefined;
      while (!refused && toggles < 1000) {
        const run = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
        const action = run.json().status === 'live' ? 'pause' : 'resume';
        const moved = await app.inject({ method: 'POST', url: `${runUrl}/${action}`, headers: client.headers({ 'if-match': String(run.headers.etag) }) });
        if (moved.statusCode === 204) toggles += 1;
        else {
          refused = moved;
          assertCintError(moved, 409, 'conflict_error', { detail: /maximum of 24000 bytes of stored data/ });
          const after = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
          assert.deepEqual([after.json().status, after.headers.etag], [run.json().status, run.headers.etag], 'the refused move changed nothing');
        }
      }
      assert.ok(refused && toggles < 10, `${toggles} pauses and resumes fitted after the renames`);
      assert.ok((await bytes()) <= 24_000);
    } finally {
      await app.close();
    }
  });

  it('a flood of requests keeps at most journalBytes of journal per session, oldest first, counts exact', async () => {
    const mock = await startMock({ journalBytes: 40_000, watchScenarios: false });
    try {
      const call = socketClient(mock, 'journal-flood');
      // Bodies of about 3.5 KB (an unknown field the journal still shows as sent): each entry holds about 7.5 KB.
      for (let i = 0; i < 40; i += 1) assert.equal((await call('POST', projectsUrl(), { body: projectBody({ name: `Project ${i}`, notes: 'r'.repeat(3500) }) })).status, 202);
      const journal = (await (await fetch(`${mock.url}/__admin/sessions/journal-flood/journal`)).json()) as { entries: { body: { name: string } }[] };
      assert.ok(journal.entries.length >= 3 && journal.entries.length <= 6, `${journal.entries.length} entries kept`);
      assert.equal(journal.entries[0]!.body.name, 'Project 39', 'the newest is kept');
      assert.ok(mock.app.mock.journals.of(mock.app.mock.sessions.find('journal-flood')!).size <= 40_000);
      assert.equal(((await (await fetch(`${mock.url}/__admin/sessions/journal-flood/counts`)).json()) as { count: number }).count, 40);
    } finally {
      await mock.close();
    }
  });

  it('long X-Request-Ids count towards journalBytes: a flood of them keeps the journal inside it', async () => {
    const mock = await startMock({ journalBytes: 40_000, watchScenarios: false });
    try {
      const call = socketClient(mock, 'journal-ids');
      // A request id of 10,000 characters: about 20 KB an entry, where the rest of a GET's entry is about 1 KB.
      for (let i = 0; i < 20; i += 1) assert.equal((await call('GET', projectsUrl(), { headers: { 'x-request-id': `${i}-${'i'.repeat(10_000)}` } })).status, 200);
      const journal = mock.app.mock.journals.of(mock.app.mock.sessions.find('journal-ids')!);
      assert.ok(journal.size <= 40_000, `${journal.size} bytes`);
      assert.ok(journal.entries().length <= 2, `${journal.entries().length} entries kept`);
      assert.equal(journal.entries().at(0)!.request_id.split('-')[0], '19', 'the newest is kept');
    } finally {
      await mock.close();
    }
  });

  it('an entry the journal drops is freed at once, not only left out of its count of bytes', async () => {
    const mock = await startMock({ journalBytes: 40_000, watchScenarios: false });
    try {
      const call = socketClient(mock, 'journal-freed');
      const post = async (name: string) => assert.equal((await call('POST', projectsUrl(), { body: projectBody({ name, notes: 'r'.repeat(3500) }) })).status, 202);
      await post('Project first');
      const journal = mock.app.mock.journals.of(mock.app.mock.sessions.find('journal-freed')!);
      const first = new WeakRef(journal.entries().at(-1)!);
      assert.equal((first.deref()!.body as { name: string }).name, 'Project first');
      // About 7.5 KB an entry: ten more push the first out of 40,000 bytes.
      for (let i = 0; i < 10; i += 1) await post(`Project ${i}`);
      assert.ok(journal.entries().every((entry) => (entry.body as { name: string }).name !== 'Project first'), 'the first entry is no longer listed');
      await collectGarbage();
      assert.equal(first.deref(), undefined, 'the dropped entry is still held in memory');
    } finally {
      await mock.close();
    }
  });

  it('a body nested thousands deep is 400 and leaves nothing behind: no object, the key unused, the server answering', async () => {
    const mock = await startMock({ watchScenarios: false });
    try {
      const call = socketClient(mock, 'deep');
      const deep = JSON.stringify(projectBody()).replace(/}$/, `,"extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
      assertEnvelope(await call('POST', projectsUrl(), { body: deep, headers: { 'idempotency-key': 'deep-key' } }), 400, 'bad_request_error', 'the request body nests too deeply');
      assert.deepEqual((await call('GET', projectsUrl())).json.projects, []);
      assert.equal((await call('POST', projectsUrl(), { body: projectBody(), headers: { 'idempotency-key': 'deep-key' } })).status, 202, 'the key was not used up');
      assert.equal(((await call('GET', projectsUrl())).json.projects as unknown[]).length, 1);
    } finally {
      await mock.close();
    }
  });
});
