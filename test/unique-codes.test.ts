// Respondent unique codes over HTTP: each target group has a live pool and a test pool; an upload adds
// the codes the pool does not hold (trimmed, each once) and answers how many it added, the stats count
// the pool, delete-unconsumed empties it; bad codes, a pool past its maximum and a full session are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { MAX_POOL_CODES } from '../src/api/unique-codes.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import { ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, type Client } from './helpers.js';

const poolUrl = (targetGroupId: string, pool: string) => `/v1/demand/accounts/${ACCOUNT}/target-groups/${targetGroupId}/respondent-unique-codes/${pool}`;

describe('respondent unique codes', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  async function targetGroup(client: Client) {
    const project = await createProject(app, client);
    return createTargetGroup(app, client, project.id);
  }

  const upload = (client: Client, targetGroupId: string, pool: string, codes: unknown[]) =>
    app.inject({ method: 'POST', url: poolUrl(targetGroupId, pool), headers: client.headers(), payload: { respondent_unique_codes: codes } });

  async function uploaded(client: Client, targetGroupId: string, pool: string, codes: string[]): Promise<number> {
    const response = await upload(client, targetGroupId, pool, codes);
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec(`upload_${pool}_respondent_unique_codes`, 200, response.json(), true, response.headers);
    return response.json().uploaded_count as number;
  }

  async function stats(client: Client, targetGroupId: string, pool: string) {
    const response = await app.inject({ method: 'GET', url: `${poolUrl(targetGroupId, pool)}/stats`, headers: client.headers() });
    assert.equal(response.statusCode, 200, response.body);
    assertMatchesSpec(`get_${pool}_respondent_unique_codes_stats`, 200, response.json(), true, response.headers);
    return response.json();
  }

  const deleteUnconsumed = (client: Client, targetGroupId: string, pool: string) =>
    app.inject({ method: 'DELETE', url: `${poolUrl(targetGroupId, pool)}/unconsumed`, headers: client.headers() });

  for (const pool of ['live', 'test']) {
    describe(`the ${pool} pool`, () => {
      it('counts only new codes: a repeat in the batch once, a code the pool holds not again, trimmed codes as their trimmed selves', async () => {
        const client = await clientOf(app);
        const targetGroupId = await targetGroup(client);
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 0, unconsumed_count: 0 });
        assert.equal(await uploaded(client, targetGroupId, pool, ['abc-123', 'def_456', 'abc-123', 'GHI789']), 3);
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 3, unconsumed_count: 3 });
        // ' abc-123 ' is abc-123 once trimmed; 'ghi789' is another code than 'GHI789'.
        assert.equal(await uploaded(client, targetGroupId, pool, [' abc-123 ', 'ghi789', 'def_456']), 1);
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 4, unconsumed_count: 4 });
        assert.equal(await uploaded(client, targetGroupId, pool, ['abc-123']), 0);
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 4, unconsumed_count: 4 });
      });

      it('delete unconsumed empties the pool (204), and the same codes upload as new afterwards', async () => {
        const client = await clientOf(app);
        const targetGroupId = await targetGroup(client);
        await uploaded(client, targetGroupId, pool, ['one', 'two']);
        const deleted = await deleteUnconsumed(client, targetGroupId, pool);
        assert.equal(deleted.statusCode, 204, deleted.body);
        assert.equal(deleted.body, '');
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 0, unconsumed_count: 0 });
        assert.equal((await deleteUnconsumed(client, targetGroupId, pool)).statusCode, 204, 'an empty pool deletes too');
        assert.equal(await uploaded(client, targetGroupId, pool, ['two', 'three']), 2);
      });

      it('a code with a character outside letters, digits, - and _ is a 400 naming it, and nothing of the batch is added', async () => {
        const client = await clientOf(app);
        const targetGroupId = await targetGroup(client);
        const refused = await upload(client, targetGroupId, pool, ['fine-1', 'not fine', 'ok_2', 'semi;colon']);
        assertCintError(refused, 400, 'bad_request_error', {
          detail: 'request had validation errors',
          invalid_params: [
            { name: 'respondent_unique_codes[1]', reason: "'respondent_unique_codes[1]' must contain only letters, digits, hyphens (-) and underscores (_)." },
            { name: 'respondent_unique_codes[3]' },
          ],
        });
        assert.equal(refused.json().invalid_params.length, 2);
        assert.deepEqual(await stats(client, targetGroupId, pool), { total_count: 0, unconsumed_count: 0 });
      });
    });
  }

  it('the live and test pools are apart, and each target group has its own', async () => {
    const client = await clientOf(app);
    const first = await targetGroup(client);
    const second = await targetGroup(client);
    assert.equal(await uploaded(client, first, 'live', ['a', 'b']), 2);
    assert.equal(await uploaded(client, first, 'test', ['a']), 1);
    assert.equal(await uploaded(client, second, 'live', ['a']), 1);
    assert.deepEqual(await stats(client, first, 'live'), { total_count: 2, unconsumed_count: 2 });
    assert.deepEqual(await stats(client, first, 'test'), { total_count: 1, unconsumed_count: 1 });
    assert.equal((await deleteUnconsumed(client, first, 'test')).statusCode, 204);
    assert.deepEqual(await stats(client, first, 'live'), { total_count: 2, unconsumed_count: 2 }, 'deleting the test pool leaves the live one');
    assert.deepEqual(await stats(client, second, 'live'), { total_count: 1, unconsumed_count: 1 });
  });

  it("survives a snapshot: restored into another client's session, the same pools and bytes; they go on from there", async () => {
    const client = await clientOf(app);
    const targetGroupId = await targetGroup(client);
    await uploaded(client, targetGroupId, 'live', ['a', 'b', 'c']);
    await uploaded(client, targetGroupId, 'test', ['t']);
    const session = app.mock.sessions.get(client.clientId, client.clientId);
    const text = JSON.stringify(snapshotOf(session, app.mock.scenarios));

    const other = await clientOf(app);
    const restored = app.mock.sessions.get(other.clientId, other.clientId);
    restoreSnapshot(restored, JSON.parse(text) as SessionSnapshot, app.mock.scenarios);
    assert.equal(restored.storedBytes, session.storedBytes);
    assert.deepEqual(await stats(other, targetGroupId, 'live'), { total_count: 3, unconsumed_count: 3 });
    assert.deepEqual(await stats(other, targetGroupId, 'test'), { total_count: 1, unconsumed_count: 1 });
    assert.equal(await uploaded(other, targetGroupId, 'live', ['c', 'd']), 1, 'c is held already');
    const bytesBefore = restored.storedBytes;
    assert.equal((await deleteUnconsumed(other, targetGroupId, 'test')).statusCode, 204);
    assert.equal(restored.storedBytes, bytesBefore - JSON.stringify({ codes: ['t'] }).length);
  });

  it('many bad codes: the first 100 are named, and the detail says how many', async () => {
    const client = await clientOf(app);
    const targetGroupId = await targetGroup(client);
    const refused = await upload(client, targetGroupId, 'live', Array.from({ length: 150 }, (_, i) => `bad code ${i}`));
    assertCintError(refused, 400, 'bad_request_error', {
      detail: 'request had validation errors: 150 codes have characters a code cannot have; the first 100 are named',
      invalid_params: [{ name: 'respondent_unique_codes[0]' }, { name: 'respondent_unique_codes[99]' }],
    });
    assert.equal(refused.json().invalid_params.length, 100);
  });

  it('an unknown target group, or one of another account, is 404 naming target_group_id', async () => {
    // One client, granted two accounts: its target group is in the first.
    const client = await clientOf(app, undefined, [ACCOUNT, ACCOUNT + 1]);
    const ofAnotherAccount = poolUrl(await targetGroup(client), 'live').replace(`/accounts/${ACCOUNT}/`, `/accounts/${ACCOUNT + 1}/`);
    const notFound = { detail: 'target_group_id: the specified resource was not found' };
    for (const url of [poolUrl('01JPVZD75DW4KRP7MPFMF6KGZX', 'live'), ofAnotherAccount]) {
      assertCintError(await app.inject({ method: 'POST', url, headers: client.headers(), payload: { respondent_unique_codes: ['a'] } }), 404, 'not_found_error', notFound);
      assertCintError(await app.inject({ method: 'GET', url: `${url}/stats`, headers: client.headers() }), 404, 'not_found_error', notFound);
      assertCintError(await app.inject({ method: 'DELETE', url: `${url}/unconsumed`, headers: client.headers() }), 404, 'not_found_error', notFound);
    }
  });
});

describe('respondent unique codes: bounds', () => {
  it(`a pool holds at most ${MAX_POOL_CODES} codes: an upload past it is a 400 saying so, and adds nothing`, async () => {
    const app = await makeApp({ maxSessionBytes: 8 * 1024 * 1024 });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => `c${from + i}`);
      for (let from = 0; from < MAX_POOL_CODES; from += 20_000) {
        const response = await app.inject({ method: 'POST', url: poolUrl(targetGroupId, 'live'), headers: client.headers(), payload: { respondent_unique_codes: batch(from, 20_000) } });
        assert.equal(response.json().uploaded_count, 20_000, response.body);
      }
      const over = await app.inject({ method: 'POST', url: poolUrl(targetGroupId, 'live'), headers: client.headers(), payload: { respondent_unique_codes: ['c0', 'one-more'] } });
      assertCintError(over, 400, 'bad_request_error', {
        invalid_params: [{ name: 'respondent_unique_codes', reason: `'respondent_unique_codes' would give the live pool of target group ${targetGroupId} ${MAX_POOL_CODES + 1} codes (it holds ${MAX_POOL_CODES}, and 1 are new); a pool holds at most ${MAX_POOL_CODES}.` }],
      });
      const stats = await app.inject({ method: 'GET', url: `${poolUrl(targetGroupId, 'live')}/stats`, headers: client.headers() });
      assert.deepEqual(stats.json(), { total_count: MAX_POOL_CODES, unconsumed_count: MAX_POOL_CODES });
    } finally {
      await app.close();
    }
  });

  it("codes count in the session's bytes: past maxSessionBytes an upload is 409 and adds nothing; delete gives the bytes back", async () => {
    const app = await makeApp({ maxSessionBytes: 64 * 1024 });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const targetGroupId = await createTargetGroup(app, client, project.id);
      const bytes = async () => ((await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}` })).json() as { bytes: number }).bytes;
      const before = await bytes();
      const codes = Array.from({ length: 100 }, (_, i) => `code-${i}`);
      const accepted = await app.inject({ method: 'POST', url: poolUrl(targetGroupId, 'test'), headers: client.headers(), payload: { respondent_unique_codes: codes } });
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.equal(await bytes(), before + JSON.stringify({ codes }).length);

      const long = Array.from({ length: 1000 }, (_, i) => `${'x'.repeat(120)}-${i}`);
      const refused = await app.inject({ method: 'POST', url: poolUrl(targetGroupId, 'test'), headers: client.headers(), payload: { respondent_unique_codes: long } });
      assertCintError(refused, 409, 'conflict_error', { detail: /maximum of 65536 bytes/ });
      const stats = await app.inject({ method: 'GET', url: `${poolUrl(targetGroupId, 'test')}/stats`, headers: client.headers() });
      assert.deepEqual(stats.json(), { total_count: 100, unconsumed_count: 100 });

      const deleted = await app.inject({ method: 'DELETE', url: `${poolUrl(targetGroupId, 'test')}/unconsumed`, headers: client.headers() });
      assert.equal(deleted.statusCode, 204);
      assert.equal(await bytes(), before);
    } finally {
      await app.close();
    }
  });
});
