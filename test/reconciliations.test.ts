// Reconciliations over HTTP: the CSV read as the document describes it (a 400 naming each line that
// cannot be read), each RID worked out against the session's target groups (reversed, expired by Cint's
// window on the session's clock, or invalid and listed in the invalid-rids download), the request's target
// groups with their counts, the downloads, a request processing as a job, the account's eligible target
// groups from the simulator's completes, and the stored request counted in bytes and carried by a snapshot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { userIdOf } from '../src/api/shared.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  ACCOUNT, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launchUrl, makeApp, setFielding, targetGroupBody, type Client,
} from './helpers.js';
import { appWithScenarios, clientUsing } from './scenario-helpers.js';

const reconUrl = (account = ACCOUNT) => `/v1/demand/accounts/${account}/reconciliations`;
const completesUrl = (projectId: string) => `/v1/demand/accounts/${ACCOUNT}/projects/${projectId}/reconciliations/completes`;
const RID = ['0F1CE179-A917-49FF-9D50-B05FC91F7BD4', '75F1404C-65F6-4937-AD2A-588E4F66E07F', '9C23131D-388B-4E03-97B3-CF783E491445'] as const;
/** The document's example file: two positive reconciliations and one negative. */
const EXAMPLE = `${RID[0]},11\n${RID[1]},11\n${RID[2]},932\n`;

/** A count of `10^-digits` units written as a decimal with `digits` digits after the point (820_56, 4: "8.2056"). */
const decimal = (units: bigint | number, digits: number) => {
  const text = String(units).padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
};

async function setClock(app: MockApp, client: Client, at: string): Promise<void> {
  const moved = await app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { set: at } });
  assert.equal(moved.statusCode, 200, moved.body);
}

/** A project with a target group launched at the session's clock (`at`), fielding 10 starts an hour. */
async function fieldingTargetGroup(app: MockApp, client: Client, at: string, overrides: Record<string, unknown> = {}) {
  // The session is made by its first request; its clock is set after.
  const project = await createProject(app, client);
  await setClock(app, client, at);
  await setFielding(app, client, { starts_per_hour: 10, complete: 0.4, seed: 7 });
  const targetGroupId = await createTargetGroup(app, client, project.id, { completes_goal: 100_000, ...overrides });
  const launched = await app.inject({
    method: 'POST', url: launchUrl(project.id, targetGroupId), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }),
    payload: { end_fielding_at: new Date(Date.parse(at) + 90 * 86_400_000).toISOString() },
  });
  assert.equal(launched.statusCode, 201, launched.body);
  return { projectId: project.id, targetGroupId };
}

async function submit(app: MockApp, client: Client, csv: string, query = '?name=rejects.csv', url = reconUrl()) {
  return app.inject({ method: 'POST', url: `${url}${query}`, headers: client.headers({ 'content-type': 'text/csv' }), payload: csv });
}

async function submitted(app: MockApp, client: Client, csv: string, query?: string, url?: string): Promise<string> {
  const response = await submit(app, client, csv, query, url);
  assert.equal(response.statusCode, 202, response.body);
  assertMatchesSpec('post_reconciliations', 202, response.json());
  return response.json().request_id as string;
}

async function read(app: MockApp, client: Client, path: string, operationId: string) {
  const response = await app.inject({ method: 'GET', url: `${reconUrl()}${path}`, headers: client.headers() });
  assert.equal(response.statusCode, 200, response.body);
  assertMatchesSpec(operationId, 200, response.json());
  return response.json();
}

async function download(app: MockApp, client: Client, requestId: string, type: string) {
  return app.inject({ method: 'GET', url: `${reconUrl()}/${requestId}/downloads/${type}`, headers: client.headers() });
}

async function completesOf(app: MockApp, client: Client, targetGroupId: string): Promise<number> {
  return app.mock.sessions.get(client.clientId, client.clientId).fills.get(targetGroupId)?.totals.completes ?? 0;
}

describe('reconciliations', () => {
  let app: MockApp;
  before(async () => {
    app = await makeApp();
  });
  after(async () => app.close());

  it('a rejected-completes file reverses each RID of the target group, and lists the invalid ones with why', async () => {
    const client = await clientOf(app);
    const { targetGroupId } = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    const csv = `${EXAMPLE}not-a-rid,932\r\n\n"${RID[0].toLowerCase()}", 933\n`;
    const posted = await submit(app, client, csv);
    assert.equal(posted.statusCode, 202, posted.body);
    const requestId = posted.json().request_id as string;
    assert.deepEqual(posted.json(), { name: 'rejects.csv', request_id: requestId });

    const request = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    // The session's clock was set a moment ago, and runs on.
    assert.ok(Date.parse(request.submitted_at) - Date.parse('2030-03-10T12:00:00Z') < 60_000, request.submitted_at);
    assert.deepEqual(request, {
      request_id: requestId, name: 'rejects.csv', status: 'complete', submitted_at: request.submitted_at, submitter_las_id: userIdOf(client.clientId),
      submitted_count: 5, expired_count: 0, invalid_count: 2, positive_reversed_count: 2, negative_reversed_count: 1, submission_type: 'rejected_rids',
    });

    // The duplicate is of the target group (the same RID); the RID that is not a UUID is of none.
    const groups = await read(app, client, `/${requestId}/target-groups`, 'get_target_groups_by_request_id');
    const counts = { target_group_id: targetGroupId, status: 'complete', submitted_count: 4, expired_count: 0, invalid_count: 1, positive_reversed_count: 2, negative_reversed_count: 1 };
    assert.deepEqual(groups, { target_groups: [counts], next_cursor: null, page_size: 10 });
    assert.deepEqual(await read(app, client, `/${requestId}/target-groups/${targetGroupId}`, 'get_target_group_by_request_id_and_target_group_id'), counts);
    const other = await app.inject({ method: 'GET', url: `${reconUrl()}/${requestId}/target-groups/01JZ0000000000000000000000`, headers: client.headers() });
    assertCintError(other, 404, 'not_found_error', { detail: 'target_group_id: the specified resource was not found' });

    const original = await download(app, client, requestId, 'submitted-rids');
    assert.equal(original.statusCode, 200);
    assert.match(String(original.headers['content-type']), /^text\/csv/);
    assert.equal(original.body, csv);
    const invalid = await download(app, client, requestId, 'invalid-rids');
    assert.equal(invalid.body, `not-a-rid,not a respondent ID (a UUID)\n${RID[0].toLowerCase()},"listed before, on line 1"\n`);
    assert.equal((await download(app, client, requestId, 'expired-rids')).body, '');
    assertCintError(await download(app, client, requestId, 'remaining-project-completes'), 404, 'not_found_error', {
      detail: 'download_type: remaining-project-completes is generated for approved_rids submissions only, and this one is rejected_rids',
    });
    const unknown = await app.inject({ method: 'GET', url: `${reconUrl()}/01JZ0000000000000000000000`, headers: client.headers() });
    assertCintError(unknown, 404, 'not_found_error', { detail: 'request_id: the specified resource was not found' });
  });

  it('a file that cannot be read as the document describes it is a 400 naming each line, and nothing is kept', async () => {
    const client = await clientOf(app);
    await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    assertCintError(await submit(app, client, `rid,reason_code\n${RID[0]},11\n${RID[1]},11,extra\n${RID[2]}\n`), 400, 'bad_request_error', {
      detail: '3 lines of the file cannot be read; nothing was submitted',
      invalid_params: [{ name: 'body', reason: "line 1: 'reason_code' is not a reason code (a number such as 11 or 932; request_reconciliation_reason_codes lists them); the file has no header row" }],
    });
    const body = (await submit(app, client, `${RID[0]},11,extra\n${RID[1]}\n`)).json();
    assert.deepEqual(body.invalid_params.map((param: { reason: string }) => param.reason), [
      'line 1: it has 3 values; each line is a respondent ID and a reason code, separated by a comma, with no header row',
      'line 2: it has 1 value; each line is a respondent ID and a reason code, separated by a comma, with no header row',
    ]);
    assertCintError(await submit(app, client, '\n\n'), 400, 'bad_request_error', {
      invalid_params: [{ name: 'body', reason: 'the file has no rows; send one respondent ID per line' }],
    });
    assertCintError(await submit(app, client, EXAMPLE, `?name=${'x'.repeat(256)}`), 400, 'bad_request_error', {
      invalid_params: [{ name: 'name', reason: "'name' has 256 characters; a file name has at most 255" }],
    });
    const tooMany = Array.from({ length: 25 }, () => `${RID[0]},eleven`).join('\n');
    const refused = assertCintError(await submit(app, client, tooMany), 400, 'bad_request_error', {
      detail: '25 lines of the file cannot be read; nothing was submitted', invalid_params: [{ name: 'body', reason: /^line 1: 'eleven' is not a reason code/ }],
    });
    assert.equal(refused.invalid_params.length, 20, 'the first 20 lines are named');
    assert.match(refused.invalid_params[19].reason, /^line 20: /);
    assertCintError(await submit(app, client, `${RID[0]},11\n`, '', completesUrl((await createProject(app, client)).id)), 400, 'bad_request_error', {
      invalid_params: [{ name: 'body', reason: 'line 1: it has 2 values; each line is one respondent ID (a UUID), with no header row' }],
    });
    assert.deepEqual((await read(app, client, '', 'get_reconciliations_by_account_id')).reconciliation_requests, []);
  });

  it('RIDs of a target group whose completes are past the 25th of the next month are expired', async () => {
    const client = await clientOf(app);
    const { targetGroupId } = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    await setClock(app, client, '2030-03-12T12:00:00Z');
    await setFielding(app, client, { starts_per_hour: 0 });
    assert.ok(await completesOf(app, client, targetGroupId) > 0);
    // Still open on April 25 in Chicago (05:00 UTC on the 26th is midnight CDT)...
    await setClock(app, client, '2030-04-26T04:59:00Z');
    const open = await submitted(app, client, EXAMPLE);
    assert.equal((await read(app, client, `/${open}`, 'get_reconciliation_by_request_id')).expired_count, 0);
    // ...and expired from then on.
    await setClock(app, client, '2030-04-26T05:00:00Z');
    const late = await submitted(app, client, EXAMPLE);
    const request = await read(app, client, `/${late}`, 'get_reconciliation_by_request_id');
    assert.deepEqual([request.expired_count, request.positive_reversed_count, request.negative_reversed_count], [3, 0, 0]);
    assert.equal((await download(app, client, late, 'expired-rids')).body, `${RID.join('\n')}\n`);
    const group = await read(app, client, `/${late}/target-groups/${targetGroupId}`, 'get_target_group_by_request_id_and_target_group_id');
    assert.equal(group.expired_count, 3);
  });

  it('with several target groups, a RID is of one of them, the same in every request, and their counts add up to the request\'s', async () => {
    const client = await clientOf(app);
    const first = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    const second = await fieldingTargetGroup(app, client, '2030-03-10T13:00:00Z');
    const file = Array.from({ length: 40 }, (_, n) => `${RID[0].slice(0, 24)}${String(n).padStart(12, '0')},${n % 4 === 0 ? 11 : 932}`).join('\n');
    const groupsOf = async (requestId: string) => (await read(app, client, `/${requestId}/target-groups?page_size=1`, 'get_target_groups_by_request_id'));
    const one = await submitted(app, client, file);
    const page = await groupsOf(one);
    assert.equal(page.target_groups.length, 1);
    assert.equal(page.target_groups[0].target_group_id, second.targetGroupId, 'newest first');
    const rest = await read(app, client, `/${one}/target-groups?start_after=${page.next_cursor}`, 'get_target_groups_by_request_id');
    const groups = [...page.target_groups, ...rest.target_groups];
    assert.deepEqual(groups.map((group: { target_group_id: string }) => group.target_group_id), [second.targetGroupId, first.targetGroupId]);
    const sum = (field: string) => groups.reduce((total: number, group: Record<string, number>) => total + group[field]!, 0);
    assert.deepEqual([sum('submitted_count'), sum('positive_reversed_count'), sum('negative_reversed_count')], [40, 10, 30]);
    const again = await read(app, client, `/${await submitted(app, client, file)}/target-groups`, 'get_target_groups_by_request_id');
    assert.deepEqual(again.target_groups, groups);
  });

  it('an account with no live, paused or completed target group has only invalid RIDs and no target groups', async () => {
    const client = await clientOf(app);
    const project = await createProject(app, client);
    await createTargetGroup(app, client, project.id);
    const requestId = await submitted(app, client, EXAMPLE);
    const request = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    assert.deepEqual([request.submitted_count, request.invalid_count, request.positive_reversed_count], [3, 3, 0]);
    assert.deepEqual((await read(app, client, `/${requestId}/target-groups`, 'get_target_groups_by_request_id')).target_groups, []);
    assert.match((await download(app, client, requestId, 'invalid-rids')).body, /^0F1CE179-A917-49FF-9D50-B05FC91F7BD4,"no target group of the account can be reconciled \(live, paused or completed\)"\n/);
  });

  it('approved completes keep the RIDs sent and terminate every other complete of the project, listed as the remaining completes', async () => {
    const client = await clientOf(app);
    const { projectId, targetGroupId } = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    // Half way through an hour's tick: no tick ends in the milliseconds between this read and the submission.
    await setClock(app, client, '2030-03-11T12:30:00Z');
    const completes = await completesOf(app, client, targetGroupId);
    assert.ok(completes > 2, `${completes} completes`);
    const requestId = await submitted(app, client, `${RID[0]}\n${RID[1]}\n`, '', completesUrl(projectId));
    const request = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    assert.deepEqual([request.submission_type, request.submitted_count, request.positive_reversed_count, request.negative_reversed_count], ['approved_rids', 2, 0, completes - 2]);
    assert.equal(request.name, undefined, 'no name was given');
    const group = await read(app, client, `/${requestId}/target-groups/${targetGroupId}`, 'get_target_group_by_request_id_and_target_group_id');
    assert.deepEqual([group.submitted_count, group.negative_reversed_count], [2, completes - 2]);
    const remaining = await download(app, client, requestId, 'remaining-project-completes');
    assert.equal(remaining.statusCode, 200);
    const rids = remaining.body.trim().split('\n');
    assert.equal(rids.length, completes - 2);
    assert.equal(new Set(rids).size, rids.length);
    for (const rid of rids) assert.match(rid, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);

    const unknown = await submit(app, client, `${RID[0]}\n`, '', completesUrl('01JZ0000000000000000000000'));
    assertCintError(unknown, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
  });

  it('a request processes as a job: processing for the session\'s job polls, its results and downloads after', async () => {
    const client = await clientOf(app);
    await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    const timing = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/jobs`, payload: { polls: 1 } });
    assert.equal(timing.statusCode, 200, timing.body);
    const requestId = await submitted(app, client, EXAMPLE);
    const listed = await read(app, client, '?status=processing', 'get_reconciliations_by_account_id');
    assert.deepEqual(listed.reconciliation_requests.map((item: { id: string; status: string }) => [item.id, item.status]), [[requestId, 'processing']]);
    assertCintError(await download(app, client, requestId, 'invalid-rids'), 404, 'not_found_error', {
      detail: 'download_type: invalid-rids is available once the submission has completed processing',
    });
    assert.equal((await download(app, client, requestId, 'submitted-rids')).body, EXAMPLE);
    const first = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    assert.deepEqual([first.status, first.submitted_count, first.positive_reversed_count], ['processing', 3, 0]);
    const second = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    assert.deepEqual([second.status, second.submitted_count, second.positive_reversed_count, second.negative_reversed_count], ['complete', 3, 2, 1]);
  });

  it('a scenario\'s job step holds a request processing for its polls; it cannot fail one (the document names no failed state)', async () => {
    const { app: scripted, close } = await appWithScenarios({
      'slow-reconciliations.yaml': {
        description: 'each request takes two polls',
        rules: [{ match: { operation: ['post_reconciliations', 'post_reconciliations_completes'] }, respond: { job: { processing_polls: 2 } } }],
      },
    });
    try {
      const client = await clientUsing(scripted, 'slow-reconciliations');
      await fieldingTargetGroup(scripted, client, '2030-03-10T12:00:00Z');
      const requestId = await submitted(scripted, client, EXAMPLE);
      const statuses = [];
      for (let poll = 0; poll < 3; poll += 1) statuses.push((await read(scripted, client, `/${requestId}`, 'get_reconciliation_by_request_id')).status);
      assert.deepEqual(statuses, ['processing', 'processing', 'complete']);
    } finally {
      await close();
    }
    await assert.rejects(appWithScenarios({
      'failing.yaml': { description: 'x', rules: [{ match: { operation: 'post_reconciliations' }, respond: { job: { fail: 'Failed' } } }] },
    }), /no fail: the document names no failure for post_reconciliations/);
  });

  it('the account\'s requests list newest first, filtered by name, status and submitter, a page at a time', async () => {
    const client = await clientOf(app);
    await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    const first = await submitted(app, client, EXAMPLE, '?name=march-rejects.csv');
    const second = await submitted(app, client, EXAMPLE, '?name=april-rejects.csv');
    const page = await read(app, client, '?page_size=1', 'get_reconciliations_by_account_id');
    assert.deepEqual(page.reconciliation_requests.map((item: { id: string }) => item.id), [second]);
    assert.equal(page.next_cursor, second);
    assert.deepEqual(page.reconciliation_requests[0].result_counts, { submitted: 3, expired: 0, invalid: 0, total_reversed: 3, positive_reversed: 2, negative_reversed: 1 });
    const next = await read(app, client, `?page_size=1&next_cursor=${second}`, 'get_reconciliations_by_account_id');
    assert.deepEqual([next.reconciliation_requests.map((item: { id: string }) => item.id), next.next_cursor], [[first], null]);
    const named = await read(app, client, '?name=MARCH', 'get_reconciliations_by_account_id');
    assert.deepEqual(named.reconciliation_requests.map((item: { id: string }) => item.id), [first]);
    const byOther = await read(app, client, `?submitted_by_user_id=${userIdOf('someone-else')}`, 'get_reconciliations_by_account_id');
    assert.deepEqual(byOther.reconciliation_requests, []);
    assert.equal((await read(app, client, `?submitted_by_user_id=${userIdOf(client.clientId)}`, 'get_reconciliations_by_account_id')).reconciliation_requests.length, 2);
    const bad = await app.inject({ method: 'GET', url: `${reconUrl()}?status=done`, headers: client.headers() });
    assertCintError(bad, 400, 'bad_request_error', { invalid_params: [{ name: 'status', reason: "'status' must be complete or processing, not 'done'" }] });
    const otherAccount = await app.inject({ method: 'GET', url: reconUrl(202), headers: client.headers() });
    assert.deepEqual(otherAccount.json().reconciliation_requests, [], 'each account its own requests');
  });

  it('eligible target groups: last month\'s completes until the 25th, this month\'s as next month\'s', async () => {
    const client = await clientOf(app);
    const { projectId, targetGroupId } = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    await setClock(app, client, '2030-03-12T12:00:00Z');
    await setFielding(app, client, { starts_per_hour: 0 });
    const completes = await completesOf(app, client, targetGroupId);
    const eligible = (query: string) => read(app, client, `/eligible-target-groups${query}`, 'get_eligible_target_groups');

    // In March the March completes are due next month, and nothing is due this month.
    assert.deepEqual((await eligible('')).target_groups, []);
    const nextMonth = await eligible('?due_month=next_month');
    // The example's CPI (USD 2.7352), times the eligible completes.
    assert.deepEqual(targetGroupBody().cost_per_interview, { value: '2.7352', currency_code: 'USD' });
    const amount = { value: decimal(27_352 * completes, 4), currency_code: 'USD', currency_scale: 2 };
    const item = {
      name: 'Test Target Group', target_group_id: targetGroupId, project_id: projectId, project_manager: { id: 'b551326b-ac9d-4d32-8823-4f025787dab9' },
      status: 'live', project_name: 'New Q1 Marketing Study', eligible_completes: String(completes), monetary_amount: amount,
    };
    assert.deepEqual(nextMonth, {
      target_groups: [item], url: `/accounts/${ACCOUNT}/reconciliations/eligible-target-groups`,
      summary: { monetary_amount: amount, completes: String(completes), target_group_count: '1' }, has_more: false, page_size: 10,
    });

    // In April they are due this month, until the 25th, and show when they were last reconciled.
    await setClock(app, client, '2030-04-10T12:00:00Z');
    const requestId = await submitted(app, client, EXAMPLE);
    const { submitted_at: submittedAt } = await read(app, client, `/${requestId}`, 'get_reconciliation_by_request_id');
    const april = await eligible('');
    assert.deepEqual(april.target_groups, [{ ...item, last_reconciliation_date: submittedAt }]);
    assert.deepEqual((await eligible('?name=test%20target&status=live&project_name=q1')).target_groups.length, 1);
    assert.deepEqual((await eligible('?status=paused')).target_groups, []);
    assert.deepEqual((await eligible('?project_manager_id=someone')).target_groups, []);
    assert.deepEqual((await eligible('?due_month=next_month')).target_groups, []);
    await setClock(app, client, '2030-04-26T12:00:00Z');
    assert.deepEqual((await eligible('')).target_groups, []);
  });

  it('eligible target groups: each one\'s cost of its completes, and their sum in one currency', async () => {
    const client = await clientOf(app);
    const cpi = (value: string, currency = 'USD') => ({ cost_per_interview: { value, currency_code: currency } });
    const first = await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z', cpi('1.25'));
    const second = await fieldingTargetGroup(app, client, '2030-03-10T13:00:00Z', cpi('0.105'));
    await setClock(app, client, '2030-03-12T12:00:00Z');
    await setFielding(app, client, { starts_per_hour: 0 });
    const eligible = () => read(app, client, '/eligible-target-groups?due_month=next_month', 'get_eligible_target_groups');
    const [firstCompletes, secondCompletes] = [await completesOf(app, client, first.targetGroupId), await completesOf(app, client, second.targetGroupId)];
    assert.ok(firstCompletes > 0 && secondCompletes > 0, `${firstCompletes} and ${secondCompletes} completes`);
    const usd = (value: string) => ({ value, currency_code: 'USD', currency_scale: 2 });
    // Newest first: 0.105 and 1.25 times the completes, with the CPI's digits; their sum with three.
    const both = await eligible();
    assert.deepEqual(both.target_groups.map((group: { monetary_amount: unknown }) => group.monetary_amount), [
      usd(decimal(105 * secondCompletes, 3)), usd(decimal(125 * firstCompletes, 2)),
    ]);
    const sum = decimal(1250 * firstCompletes + 105 * secondCompletes, 3);
    assert.deepEqual(both.summary, { monetary_amount: usd(sum), completes: String(firstCompletes + secondCompletes), target_group_count: '2' });

    // A target group priced in euros: each keeps its own amount, and the summary has none (no sum of two currencies).
    const third = await fieldingTargetGroup(app, client, '2030-03-12T12:00:00Z', cpi('3', 'EUR'));
    await setClock(app, client, '2030-03-13T12:00:00Z');
    await setFielding(app, client, { starts_per_hour: 0 });
    const thirdCompletes = await completesOf(app, client, third.targetGroupId);
    const mixed = await eligible();
    assert.deepEqual(mixed.target_groups[0].monetary_amount, { value: String(3 * thirdCompletes), currency_code: 'EUR', currency_scale: 2 });
    assert.equal(mixed.summary.monetary_amount, undefined);
    assert.equal(mixed.summary.target_group_count, '3');
  });

  it('a stored request counts its file in the session\'s bytes and travels in its snapshot', async () => {
    const client = await clientOf(app);
    await fieldingTargetGroup(app, client, '2030-03-10T12:00:00Z');
    const session = app.mock.sessions.get(client.clientId, client.clientId);
    const before = session.storedBytes;
    const objects = session.objectCount;
    const file = Array.from({ length: 2000 }, (_, n) => `${RID[0].slice(0, 24)}${String(n).padStart(12, '0')},932`).join('\n');
    const requestId = await submitted(app, client, file);
    assert.ok(session.storedBytes - before >= file.length, `${session.storedBytes - before} bytes for a ${file.length}-byte file`);
    assert.equal(session.objectCount - objects, 2, 'the request and its job');

    const copy = app.mock.sessions.get('copy', client.clientId);
    restoreSnapshot(copy, JSON.parse(JSON.stringify(snapshotOf(session, app.mock.scenarios))) as SessionSnapshot, app.mock.scenarios);
    const restored = await app.inject({ method: 'GET', url: `${reconUrl()}/${requestId}`, headers: client.headers({ 'x-mock-session': 'copy' }) });
    assert.equal(restored.statusCode, 200, restored.body);
    assert.equal(restored.json().negative_reversed_count, 2000);
  });

  it("a file of Cint's 100,000 rows is read whatever the JSON body limit; past 8 MiB it is a 413 naming that limit", async () => {
    const roomy = await makeApp({ maxSessionBytes: 16 * 1024 * 1024 });
    try {
      const client = await clientOf(roomy);
      await fieldingTargetGroup(roomy, client, '2030-03-10T12:00:00Z');
      const rows = Array.from({ length: 100_000 }, (_, n) => `${RID[0].slice(0, 24)}${n.toString(16).padStart(12, '0')},932`);
      const file = rows.join('\r\n');
      assert.ok(Buffer.byteLength(file) > 3 * 1048576, 'about 4 MB: four times the default bodyLimitBytes');
      const requestId = await submitted(roomy, client, file);
      const request = await roomy.inject({ method: 'GET', url: `${reconUrl()}/${requestId}`, headers: client.headers() });
      assert.equal(request.json().submitted_count, 100_000, request.body);
      assert.equal(request.json().invalid_count, 0, request.body);
      const limit = 8 * 1024 * 1024;
      assertCintError(await submit(roomy, client, 'x'.repeat(limit + 1)), 413, 'content_too_large_error', {
        detail: `the request body is larger than the ${limit} bytes the server accepts`,
      });
      // JSON bodies keep the configured limit.
      const json = await roomy.inject({ method: 'POST', url: `/v1/demand/accounts/${ACCOUNT}/projects`, headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { name: 'x'.repeat(1048577) } });
      assertCintError(json, 413, 'content_too_large_error', { detail: 'the request body is larger than the 1048576 bytes the server accepts' });
    } finally {
      await roomy.close();
    }
  });

  it('a session past its byte limit refuses the file and keeps nothing', async () => {
    const small = await makeApp({ maxSessionBytes: 30_000 });
    try {
      const client = await clientOf(small);
      await fieldingTargetGroup(small, client, '2030-03-10T12:00:00Z');
      const file = Array.from({ length: 2000 }, (_, n) => `${RID[0].slice(0, 24)}${String(n).padStart(12, '0')},932`).join('\n');
      const refused = await submit(small, client, file);
      assertCintError(refused, 409, 'conflict_error', { detail: /maximum of 30000 bytes/ });
      const list = await small.inject({ method: 'GET', url: reconUrl(), headers: client.headers() });
      assert.deepEqual(list.json().reconciliation_requests, []);
    } finally {
      await small.close();
    }
  });
});
