// A named session belongs to the client that uses it, over a real socket: two clients naming the same
// session get one each, one client's flood of sessions evicts only its own, and the admin and
// programmatic APIs still address sessions by the names clients use, telling clients apart by id.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/server.js';
import { ACCOUNT, onTestStore, projectBody, socketClient } from './helpers.js';

type Json = Record<string, unknown>;

/** A client of a listening mock, over a real socket. */
function clientOn(mock: RunningMock, clientId: string) {
  return { clientId, call: socketClient(mock, clientId) };
}

const projects = `/v1/demand/accounts/${ACCOUNT}/projects`;
const admin = async (mock: RunningMock, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${mock.url}/__admin${path}`, {
    method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as Json };
};

describe('a named session belongs to its client (real socket)', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(onTestStore({ maxSessions: 50, maxSessionsPerClient: 10, watchScenarios: false })); });
  after(() => mock.close());

  it("a second client naming the first's session can neither list nor rename its project", async () => {
    const alice = await clientOn(mock, 'alice-1');
    const mallory = await clientOn(mock, 'mallory-1');
    const created = await alice.call('POST', projects, { session: 'ci-run', body: projectBody({ name: 'Alice study' }) });
    assert.equal(created.status, 202);
    const id = created.json.id as string;

    const listed = await mallory.call('GET', projects, { session: 'ci-run' });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.projects, []);
    const renamed = await mallory.call('PUT', `${projects}/${id}`, { session: 'ci-run', body: projectBody({ name: 'Renamed by mallory' }), headers: { 'if-match': created.headers.get('etag')! } });
    assert.equal(renamed.status, 404);
    assert.deepEqual(Object.keys(renamed.json).sort(), ['detail', 'id', 'object']);
    assert.equal(renamed.json.detail, 'project_id: the specified resource was not found');
    const read = await alice.call('GET', `${projects}/${id}`, { session: 'ci-run' });
    assert.equal(read.status, 200);
    assert.equal(read.json.name, 'Alice study');
  });

  it("one client's flood of new sessions evicts its own oldest, never another client's", async () => {
    const alice = await clientOn(mock, 'alice-2');
    const flooder = await clientOn(mock, 'flooder-2');
    const kept = await alice.call('POST', projects, { session: 'alice-work', body: projectBody() });
    assert.equal(kept.status, 202);
    for (let i = 0; i < 60; i += 1) assert.equal((await flooder.call('GET', projects, { session: `flood-${i}` })).status, 200);

    const still = await alice.call('GET', `${projects}/${kept.json.id as string}`, { session: 'alice-work' });
    assert.equal(still.status, 200, 'alice kept her session');
    const listed = (await admin(mock, 'GET', '/sessions')).json.sessions as { id: string; client_id: string | null }[];
    const flooders = listed.filter((session) => session.client_id === 'flooder-2').map((session) => session.id).sort();
    assert.deepEqual(flooders, Array.from({ length: 10 }, (_, k) => `flood-${50 + k}`).sort(), 'the flooder keeps its 10 newest');
    assert.ok(listed.some((session) => session.client_id === 'alice-2' && session.id === 'alice-work'));
  });

  it('the admin API finds a session by name, and by client id where several clients use the name', async () => {
    const one = await clientOn(mock, 'team-a');
    const two = await clientOn(mock, 'team-b');
    await one.call('POST', projects, { session: 'nightly', body: projectBody() });
    await two.call('GET', projects, { session: 'nightly' });

    const ambiguous = await admin(mock, 'GET', '/sessions/nightly');
    assert.equal(ambiguous.status, 409);
    assert.equal(ambiguous.json.object, 'conflict_error');
    assert.match(ambiguous.json.detail as string, /several clients use the session name "nightly" \(team-a, team-b\); name the client with client_id/);
    const summary = await admin(mock, 'GET', '/sessions/nightly?client_id=team-a');
    assert.equal(summary.status, 200);
    assert.equal(summary.json.client_id, 'team-a');
    assert.equal(summary.json.objects, 1);
    const journal = await admin(mock, 'GET', '/sessions/nightly/journal?client_id=team-b');
    assert.deepEqual((journal.json.entries as { operation: string }[]).map((entry) => entry.operation), ['list_account_projects']);

    // A scenario chosen for the name answers both clients' sessions; one chosen with client_id, one.
    assert.equal((await admin(mock, 'PUT', '/sessions/nightly/scenario', { scenario: 'unavailable' })).status, 200);
    assert.equal((await one.call('GET', projects, { session: 'nightly' })).status, 503);
    assert.equal((await two.call('GET', projects, { session: 'nightly' })).status, 503);
    assert.equal((await admin(mock, 'PUT', '/sessions/nightly/scenario?client_id=team-b', { scenario: null })).status, 200);
    assert.equal((await one.call('GET', projects, { session: 'nightly' })).status, 503);
    assert.equal((await two.call('GET', projects, { session: 'nightly' })).status, 200);
    assert.deepEqual((await admin(mock, 'GET', '/sessions/nightly/scenario?client_id=team-b')).json, { session: 'nightly', scenario: null, chosen_by: 'session' });

    // Reset with client_id resets one; without, every client's session of that name.
    assert.equal((await admin(mock, 'POST', '/sessions/nightly/reset?client_id=team-a')).status, 204);
    assert.equal((await admin(mock, 'GET', '/sessions/nightly')).status, 200, 'only team-b holds "nightly" now');
    assert.equal((await admin(mock, 'DELETE', '/sessions/nightly')).status, 204);
    assert.equal((await admin(mock, 'GET', '/sessions/nightly')).status, 404);
  });

  it('the programmatic API takes the client id where a name is ambiguous', async () => {
    const one = await clientOn(mock, 'prog-a');
    const two = await clientOn(mock, 'prog-b');
    await one.call('GET', projects, { session: 'shared-name' });
    await two.call('GET', projects, { session: 'shared-name' });
    await two.call('GET', projects, { session: 'shared-name' });
    assert.throws(() => mock.journal('shared-name'), /several clients use the session name "shared-name" \(prog-a, prog-b\)/);
    assert.equal(mock.journal('shared-name', { clientId: 'prog-b' }).length, 2);
    assert.equal(mock.count('shared-name', { clientId: 'prog-a' }), 1);
    mock.reset('shared-name', 'prog-b');
    assert.equal(mock.journal('shared-name').length, 1, 'only prog-a holds the name now');
  });
});

describe('sharing named sessions, when the instance says so', () => {
  for (const [label, options] of [['shareNamedSessions: true', { shareNamedSessions: true }], ['authMode: off', { authMode: 'off' as const }]] as const) {
    it(`${label}: two clients naming one session share it`, async () => {
      const mock = await startMock(onTestStore({ ...options, watchScenarios: false }));
      try {
        const one = await clientOn(mock, 'share-a');
        const two = await clientOn(mock, 'share-b');
        const created = await one.call('POST', projects, { session: 'together', body: projectBody() });
        assert.equal(created.status, 202);
        const read = await two.call('GET', `${projects}/${created.json.id as string}`, { session: 'together' });
        assert.equal(read.status, 200);
        // Without the header the project is not there: it lives in the session named "together".
        assert.equal((await two.call('GET', `${projects}/${created.json.id as string}`)).status, 404);
      } finally {
        await mock.close();
      }
    });
  }
});

describe('the admin API without a token beyond this machine', () => {
  it('warns at start when listening on a non-loopback address with no admin token, and not on loopback', async () => {
    const warnings = async (options: Record<string, unknown>) => {
      const lines: string[] = [];
      const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
      const mock = await startMock({ ...options, watchScenarios: false, logger: { level: 'warn', stream } });
      await mock.close();
      return lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40).map((line) => line.msg);
    };
    const open = await warnings({ host: '0.0.0.0' });
    assert.equal(open.length, 1);
    assert.match(open[0]!, /^the admin API has no token and the server listens beyond this machine: anyone who reaches it can reset every session; set adminToken/);
    assert.deepEqual(await warnings({ host: '0.0.0.0', adminToken: 'operator-secret' }), []);
    assert.deepEqual(await warnings({ host: '127.0.0.1' }), []);
  });
});
