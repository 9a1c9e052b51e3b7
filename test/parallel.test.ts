// Many test suites at once against one shared instance over a real socket: each in its own session
// never sees another's projects, scenario progress or journal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/index.js';
import { onTestStore, projectBody, projectsUrl } from './helpers.js';

const SUITES = 20;
const PROJECTS_PER_SUITE = 3;

describe('parallel suites against one shared instance', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(onTestStore({ watchScenarios: false })); });
  after(() => mock.close());

  /**
   * One suite: even ones are their own client (the client id is the session), odd ones share a client
   * and name their session with X-Mock-Session. Each chooses the flaky scenario over the admin API and
   * creates its projects, retrying each 503 with the same Idempotency-Key.
   */
  async function suite(index: number) {
    const session = `parallel-suite-${index}`;
    const headers = index % 2 === 0
      ? mock.headers(session)
      : { ...mock.headers('parallel-shared-client'), 'x-mock-session': session };
    const chosen = await fetch(`${mock.url}/__admin/sessions/${session}/scenario`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'flaky' }),
    });
    assert.equal(chosen.status, 200, await chosen.text());

    const statuses: number[] = [];
    const ids: string[] = [];
    for (let n = 0; n < PROJECTS_PER_SUITE; n += 1) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await fetch(`${mock.url}${projectsUrl()}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `${session}-${n}` },
          body: JSON.stringify(projectBody({ name: `${session} project ${n}` })),
        });
        statuses.push(response.status);
        const body = await response.json() as { id: string };
        if (response.status === 202) {
          ids.push(body.id);
          break;
        }
      }
    }
    const listed = await (await fetch(`${mock.url}${projectsUrl()}?page_size=100`, { headers })).json() as { projects: { id: string; name: string }[] };
    const journal = await (await fetch(`${mock.url}/__admin/sessions/${session}/journal`)).json() as { entries: { session: string; operation: string; status: number; body?: { name: string } }[] };
    const counts = await (await fetch(`${mock.url}/__admin/sessions/${session}/counts`)).json() as unknown;
    return { session, headers, statuses, ids, listed: listed.projects, journal: journal.entries, counts };
  }

  it(`${SUITES} concurrent suites each see only their own projects, scenario counters and journal`, async () => {
    const results = await Promise.all(Array.from({ length: SUITES }, (_, index) => suite(index)));

    for (const result of results) {
      // The flaky scenario's two 503s happen in every session, not twice in the whole instance.
      assert.deepEqual(result.statuses, [503, 503, 202, 202, 202], result.session);
      assert.deepEqual(result.listed.map((project) => project.id).sort(), [...result.ids].sort(), result.session);
      assert.ok(result.listed.every((project) => project.name.startsWith(`${result.session} project`)), result.session);

      assert.equal(result.journal.length, result.statuses.length + 1, result.session);
      assert.ok(result.journal.every((entry) => entry.session === result.session), result.session);
      assert.deepEqual(result.journal.map((entry) => entry.status), [200, 202, 202, 202, 503, 503], result.session);
      assert.ok(result.journal.filter((entry) => entry.body).every((entry) => entry.body!.name.startsWith(`${result.session} project`)), result.session);
      assert.deepEqual(result.counts, {
        count: 6, by_operation: { create_project: { 202: 3, 503: 2 }, list_account_projects: { 200: 1 } }, faults: {},
      }, result.session);
    }

    // Every project id is one suite's: none is found from another suite's session.
    const allIds = results.flatMap((result) => result.ids);
    assert.equal(new Set(allIds).size, SUITES * PROJECTS_PER_SUITE);
    const [first, second] = results as [Awaited<ReturnType<typeof suite>>, Awaited<ReturnType<typeof suite>>];
    for (const id of second.ids) {
      const foreign = await fetch(`${mock.url}${projectsUrl()}/${id}`, { headers: first.headers });
      assert.equal(foreign.status, 404, await foreign.text());
    }
  });
});
