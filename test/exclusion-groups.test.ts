// Exclusion groups' members over HTTP: add and remove change the stored group, its members list pages
// newest first, a target group lists the groups it is in, a group holds at most 100, ids the session
// knows to be something else are refused, a group with members cannot be deleted, and the members are
// stored data (counted in bytes, carried by a snapshot).
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { MockApp } from '../src/app.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, makeApp, targetGroupBody, type Client,
} from './helpers.js';

const OTHER_ACCOUNT = 202;

const groupsUrl = (account = ACCOUNT) => `/v1/demand/accounts/${account}/exclusion-groups`;
const forTargetGroupUrl = (targetGroupId: string) => `/v1/demand/accounts/${ACCOUNT}/target-groups/${targetGroupId}/exclusion-groups`;
/** Target group ids no session has made: the document's form, counted. */
const madeUpId = (n: number) => `01JZ${String(n).padStart(22, '0')}`;

async function createGroup(app: MockApp, client: Client, tag: string, account = ACCOUNT): Promise<string> {
  const response = await app.inject({ method: 'POST', url: groupsUrl(account), headers: client.headers(), payload: { tag, description: `${tag} studies` } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().exclusion_group_id as string;
}

/** A group as get_exclusion_group_by_id answers it, in its schema. */
async function readGroup(app: MockApp, client: Client, groupId: string, account = ACCOUNT) {
  const response = await app.inject({ method: 'GET', url: `${groupsUrl(account)}/${groupId}`, headers: client.headers() });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec('get_exclusion_group_by_id', 200, response.json());
  return response.json() as Record<string, unknown>;
}

/** An account's groups as get_exclusion_groups_by_account_id answers them, in its schema. */
async function groupsOfAccount(app: MockApp, client: Client, account = ACCOUNT) {
  const response = await app.inject({ method: 'GET', url: groupsUrl(account), headers: client.headers() });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec('get_exclusion_groups_by_account_id', 200, response.json());
  return response.json() as Record<string, unknown>;
}

/** Stops the clock at a whole second, so every date an answer shows is known; returns it as ISO text. */
function stopClock(t: TestContext): { now: () => string; later: (ms: number) => void } {
  let at = Math.ceil(Date.now() / 1000) * 1000;
  t.mock.timers.enable({ apis: ['Date'], now: at });
  return {
    now: () => new Date(at).toISOString(),
    later: (ms) => {
      t.mock.timers.tick(ms);
      at += ms;
    },
  };
}

async function change(app: MockApp, client: Client, groupId: string, action: 'add' | 'remove', data: string[], extra: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: `${groupsUrl()}/${groupId}/target-groups/${action}`, headers: client.headers(extra), payload: { data } });
}

async function membersOf(app: MockApp, client: Client, groupId: string, query = '', extra: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url: `${groupsUrl()}/${groupId}/target-groups${query}`, headers: client.headers(extra) });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec('get_exclusion_group_target_group_exclusions', 200, response.json());
  return response.json() as { data: string[]; next_cursor: string | null; url: string };
}

async function groupsOfTargetGroup(app: MockApp, client: Client, targetGroupId: string, query = '') {
  const response = await app.inject({ method: 'GET', url: `${forTargetGroupUrl(targetGroupId)}${query}`, headers: client.headers() });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec('get_exclusion_groups_for_target_group', 200, response.json());
  return response.json() as { data: { exclusion_group_id: string }[]; next_cursor?: string; url: string };
}

const noContent = (response: { statusCode: number; body: string }) => {
  assert.equal(response.statusCode, 204, response.body);
  assert.equal(response.body, '');
};

describe('exclusion group members', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('adds target groups of any project of the account, lists them newest first a page at a time, and removes them', async () => {
    const client = await clientOf(app);
    const first = (await createProject(app, client)).id;
    const second = (await createProject(app, client)).id;
    const a = await createTargetGroup(app, client, first);
    const b = await createTargetGroup(app, client, first);
    const c = await createTargetGroup(app, client, second);
    const group = await createGroup(app, client, 'Tracker');

    noContent(await change(app, client, group, 'add', [a, c]));
    assert.deepEqual(await membersOf(app, client, group), {
      data: [c, a], next_cursor: null, url: `accounts/${ACCOUNT}/exclusion-groups/${group}/target-groups`,
    });
    // A repeat, or a member already there, adds nothing.
    noContent(await change(app, client, group, 'add', [c, b, b]));
    assert.deepEqual((await membersOf(app, client, group)).data, [b, c, a]);

    const firstPage = await membersOf(app, client, group, '?page_size=2');
    assert.deepEqual([firstPage.data, firstPage.next_cursor], [[b, c], c]);
    const secondPage = await membersOf(app, client, group, `?page_size=2&start_after=${c}`);
    assert.deepEqual([secondPage.data, secondPage.next_cursor], [[a], null]);
    assert.deepEqual((await membersOf(app, client, group, `?page_size=2&end_before=${a}`)).data, [b, c]);
    const badCursor = await app.inject({ method: 'GET', url: `${groupsUrl()}/${group}/target-groups?start_after=${madeUpId(1)}`, headers: client.headers() });
    assertCintError(badCursor, 400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });

    // Updating the group's tag keeps its members; its reads show no field the schema lacks.
    noContent(await app.inject({ method: 'PUT', url: `${groupsUrl()}/${group}`, headers: client.headers(), payload: { tag: 'Tracker 2' } }));
    const read = await app.inject({ method: 'GET', url: `${groupsUrl()}/${group}`, headers: client.headers() });
    assert.deepEqual(Object.keys(read.json()).sort(), ['create_date', 'description', 'exclusion_group_id', 'tag', 'update_date']);
    assert.deepEqual((await membersOf(app, client, group)).data, [b, c, a]);

    // Removing one that is not a member is no error: the group is as asked.
    noContent(await change(app, client, group, 'remove', [c, madeUpId(2)]));
    assert.deepEqual((await membersOf(app, client, group)).data, [b, a]);
    noContent(await change(app, client, group, 'remove', [a, b]));
    assert.deepEqual((await membersOf(app, client, group)).data, []);
  });

  it('holds at most 100 target groups: past that the add is a 400 saying so, and changes nothing', async () => {
    const client = await clientOf(app);
    const group = await createGroup(app, client, 'Big');
    const hundred = Array.from({ length: 100 }, (_, n) => madeUpId(n));
    noContent(await change(app, client, group, 'add', hundred));
    assert.equal((await membersOf(app, client, group, '?page_size=1000')).data.length, 100);
    // Members already there are not counted twice.
    noContent(await change(app, client, group, 'add', hundred.slice(0, 10)));

    const over = await change(app, client, group, 'add', [hundred[0]!, madeUpId(100)]);
    assertCintError(over, 400, 'bad_request_error', {
      detail: 'An exclusion group can contain a maximum of 100 target groups.',
      invalid_params: [{ name: 'data', reason: /it has 100, and 1 are new\); an exclusion group can contain a maximum of 100/ }],
    });
    const members = (await membersOf(app, client, group, '?page_size=1000')).data;
    assert.equal(members.length, 100);
    assert.ok(!members.includes(madeUpId(100)));
    // One request cannot name more than 100 either (the body's maxItems).
    const tooMany = await change(app, client, group, 'add', Array.from({ length: 101 }, (_, n) => madeUpId(200 + n)));
    assertCintError(tooMany, 400, 'bad_request_error', { invalid_params: [{ name: 'data' }] });
  });

  it('takes ids the session does not know as given, and refuses, naming each, ids it knows to be a project or another account\'s target group', async () => {
    const client = await clientOf(app);
    const project = (await createProject(app, client)).id;
    const own = await createTargetGroup(app, client, project);
    const elsewhere = (await createProject(app, client, {}, OTHER_ACCOUNT)).id;
    const otherAccount = await app.inject({
      method: 'POST', url: `/v1/demand/accounts/${OTHER_ACCOUNT}/projects/${elsewhere}/target-groups`, headers: client.headers(), payload: targetGroupBody(),
    });
    assert.equal(otherAccount.statusCode, 201, otherAccount.body);
    const group = await createGroup(app, client, 'Mixed');

    const refused = await change(app, client, group, 'add', [own, project, otherAccount.json().id]);
    assertCintError(refused, 400, 'bad_request_error', {
      invalid_params: [
        { name: 'data[1]', reason: `'data[1]' is the id of project ${project}, not of a target group.` },
        { name: 'data[2]', reason: /^'data\[2\]' is a target group of account 202; an exclusion group's target groups must be in its account, 101\.$/ },
      ],
    });
    assert.deepEqual((await membersOf(app, client, group)).data, [], 'a refused request adds none of its ids');
    const removal = await change(app, client, group, 'remove', [project]);
    assertCintError(removal, 400, 'bad_request_error', { invalid_params: [{ name: 'data[0]' }] });

    // An id the session has never seen may be the account's, made elsewhere: it is kept as sent.
    noContent(await change(app, client, group, 'add', [own, madeUpId(7)]));
    assert.deepEqual((await membersOf(app, client, group)).data, [madeUpId(7), own]);

    const unknownGroup = madeUpId(9);
    for (const response of [
      await change(app, client, unknownGroup, 'add', [own]),
      await change(app, client, unknownGroup, 'remove', [own]),
      await app.inject({ method: 'GET', url: `${groupsUrl()}/${unknownGroup}/target-groups`, headers: client.headers() }),
    ]) assertCintError(response, 404, 'not_found_error', { detail: 'exclusion_group_id: the specified resource was not found' });
    const unknownTargetGroup = await app.inject({ method: 'GET', url: forTargetGroupUrl(madeUpId(7)), headers: client.headers() });
    assertCintError(unknownTargetGroup, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
  });

  it('keeps another client\'s target group as an id only: that client\'s session sees none of this client\'s groups', async () => {
    const mine = await clientOf(app);
    const theirs = await clientOf(app);
    const theirTargetGroup = await createTargetGroup(app, theirs, (await createProject(app, theirs)).id);
    const group = await createGroup(app, mine, 'Shared account');

    noContent(await change(app, mine, group, 'add', [theirTargetGroup]));
    assert.deepEqual((await membersOf(app, mine, group)).data, [theirTargetGroup]);
    assert.deepEqual((await groupsOfTargetGroup(app, theirs, theirTargetGroup)).data, []);
    const unseen = await app.inject({ method: 'GET', url: `${groupsUrl()}/${group}/target-groups`, headers: theirs.headers() });
    assertCintError(unseen, 404, 'not_found_error', { detail: 'exclusion_group_id: the specified resource was not found' });
    const notMine = await app.inject({ method: 'GET', url: forTargetGroupUrl(theirTargetGroup), headers: mine.headers() });
    assertCintError(notMine, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });
  });

  it('lists the groups a target group is in by creation date, newest first, in ExclusionGroupInfo\'s shape', async () => {
    const client = await clientOf(app);
    const targetGroup = await createTargetGroup(app, client, (await createProject(app, client)).id);
    const oldest = await createGroup(app, client, 'Oldest');
    const middle = await createGroup(app, client, 'Middle');
    const newest = await createGroup(app, client, 'Newest');
    assert.deepEqual((await groupsOfTargetGroup(app, client, targetGroup)).data, []);
    // Added newest group first: the order is the groups' creation, not the additions'.
    noContent(await change(app, client, newest, 'add', [targetGroup]));
    noContent(await change(app, client, oldest, 'add', [targetGroup]));

    const read = async (id: string) => (await app.inject({ method: 'GET', url: `${groupsUrl()}/${id}`, headers: client.headers() })).json();
    const listed = await groupsOfTargetGroup(app, client, targetGroup);
    assert.deepEqual(listed.data, [await read(newest), await read(oldest)]);
    assert.equal(listed.url, `accounts/${ACCOUNT}/target-groups/${targetGroup}/exclusion-groups`);
    assert.ok(!listed.data.some((group) => group.exclusion_group_id === middle));

    const firstPage = await groupsOfTargetGroup(app, client, targetGroup, '?page_size=1');
    assert.deepEqual([firstPage.data.map((group) => group.exclusion_group_id), firstPage.next_cursor], [[newest], newest]);
    const lastPage = await groupsOfTargetGroup(app, client, targetGroup, `?page_size=1&start_after=${newest}`);
    assert.deepEqual([lastPage.data.map((group) => group.exclusion_group_id), lastPage.next_cursor], [[oldest], '']);
  });

  it('refuses to delete a group that has members (409), and a deleted group is listed for none of its target groups', async () => {
    const client = await clientOf(app);
    const targetGroup = await createTargetGroup(app, client, (await createProject(app, client)).id);
    const kept = await createGroup(app, client, 'Kept');
    const doomed = await createGroup(app, client, 'Doomed');
    noContent(await change(app, client, kept, 'add', [targetGroup]));
    noContent(await change(app, client, doomed, 'add', [targetGroup, madeUpId(1)]));

    const refused = await app.inject({ method: 'DELETE', url: `${groupsUrl()}/${doomed}`, headers: client.headers() });
    assertCintError(refused, 409, 'conflict_error', { detail: /^exclusion group \w+ still contains 2 target groups; remove all target groups/ });
    const listed = async () => (await groupsOfTargetGroup(app, client, targetGroup)).data.map((group) => group.exclusion_group_id);
    assert.deepEqual(await listed(), [doomed, kept]);

    noContent(await change(app, client, doomed, 'remove', [targetGroup, madeUpId(1)]));
    noContent(await app.inject({ method: 'DELETE', url: `${groupsUrl()}/${doomed}`, headers: client.headers() }));
    assert.deepEqual(await listed(), [kept]);
    for (const url of [`${groupsUrl()}/${doomed}`, `${groupsUrl()}/${doomed}/target-groups`]) {
      assertCintError(await app.inject({ method: 'GET', url, headers: client.headers() }), 404, 'not_found_error');
    }
    assertCintError(await change(app, client, doomed, 'add', [targetGroup]), 404, 'not_found_error');
  });
});

describe('exclusion groups as the document shows them', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it("lists an account's groups under that account's url, whichever account the path names", async (t) => {
    const client = await clientOf(app);
    const clock = stopClock(t);
    for (const account of [555, ACCOUNT]) {
      const group = await createGroup(app, client, `Tracker ${account}`, account);
      assert.deepEqual(await groupsOfAccount(app, client, account), {
        data: [{ exclusion_group_id: group, tag: `Tracker ${account}`, description: `Tracker ${account} studies`, create_date: clock.now() }],
        next_cursor: '',
        url: `accounts/${account}/exclusion-groups`,
      });
    }
    assert.deepEqual(await groupsOfAccount(app, client, 556), { data: [], next_cursor: '', url: 'accounts/556/exclusion-groups' });
  });

  it('a group never updated has no update_date (its schema allows no null); its first update sets it, its members never do', async (t) => {
    const client = await clientOf(app);
    const targetGroup = await createTargetGroup(app, client, (await createProject(app, client)).id);
    const clock = stopClock(t);
    const group = await createGroup(app, client, 'Fresh');
    const fresh = { exclusion_group_id: group, tag: 'Fresh', description: 'Fresh studies', create_date: clock.now() };
    clock.later(60_000);
    noContent(await change(app, client, group, 'add', [targetGroup, madeUpId(1)]));
    noContent(await change(app, client, group, 'remove', [madeUpId(1)]));
    const everywhere = async () => [
      await readGroup(app, client, group),
      await groupsOfAccount(app, client),
      await groupsOfTargetGroup(app, client, targetGroup),
    ];
    const shown = (info: Record<string, unknown>) => [
      info,
      { data: [info], next_cursor: '', url: `accounts/${ACCOUNT}/exclusion-groups` },
      { data: [info], next_cursor: '', url: `accounts/${ACCOUNT}/target-groups/${targetGroup}/exclusion-groups` },
    ];
    assert.deepEqual(await everywhere(), shown(fresh));

    clock.later(60_000);
    const updateDate = clock.now();
    noContent(await app.inject({ method: 'PUT', url: `${groupsUrl()}/${group}`, headers: client.headers(), payload: { description: 'Renamed' } }));
    const updated = { ...fresh, description: 'Renamed', update_date: updateDate };
    assert.deepEqual(await everywhere(), shown(updated));
    // Members change after it leave it alone (decision 118).
    clock.later(60_000);
    noContent(await change(app, client, group, 'add', [madeUpId(2)]));
    assert.deepEqual(await everywhere(), shown(updated));
  });
});

describe('exclusion group members are stored data', () => {
  let app: MockApp;
  // A snapshot is restored straight into a session held in memory, so this app stays on the memory store.
  before(async () => { app = await makeApp({ store: 'memory' }); });
  after(async () => app.close());

  it('count towards the session\'s bytes and travel in its snapshot', async () => {
    const client = await clientOf(app);
    const session = app.mock.sessions.get(client.clientId, client.clientId);
    const group = await createGroup(app, client, 'Stored');
    const empty = session.storedBytes;
    noContent(await change(app, client, group, 'add', Array.from({ length: 50 }, (_, n) => madeUpId(n))));
    assert.ok(session.storedBytes - empty >= 50 * 28, `${session.storedBytes - empty} bytes for 50 members`);

    const copy = app.mock.sessions.get('copy', client.clientId);
    restoreSnapshot(copy, JSON.parse(JSON.stringify(snapshotOf(session, app.mock.scenarios))) as SessionSnapshot, app.mock.scenarios);
    const restored = await membersOf(app, client, group, '?page_size=100', { 'x-mock-session': 'copy' });
    assert.equal(restored.data.length, 50);
    assert.equal(restored.data[0], madeUpId(49));

    noContent(await change(app, client, group, 'remove', Array.from({ length: 50 }, (_, n) => madeUpId(n))));
    assert.equal(session.storedBytes, empty, 'removing the members gives their bytes back');
  });
});
