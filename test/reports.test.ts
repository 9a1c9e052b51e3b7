// Reports over HTTP: generate_report checks the rules of its table, its dates and its ids, and keeps
// the request; report_status reads its job; report_requests lists the session's requests newest first;
// download_report_v2 answers a completed report as CSV from the fielding simulator's counts, and a 404
// before; share_report answers a pre-signed link, served without a token, that expires on the session's clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { SHARED_REPORTS_PATH } from '../src/api/reports.js';
import { directoryOf } from '../src/api/directory.js';
import { loadReferenceData } from '../src/api/reference-data.js';
import { restoreSnapshot, snapshotOf, type SessionSnapshot } from '../src/sessions/snapshot.js';
import {
  ACCOUNT, advanceClock, assertCintError, assertMatchesSpec, clientOf, createProject, createTargetGroup, launch, makeApp, runsUrl, targetGroupsUrl,
  ULID, type Client,
} from './helpers.js';

const reportsUrl = (account = ACCOUNT) => `/v1/demand/accounts/${account}/reports`;
/** The origin app.inject's requests come from: report URLs are absolute on it. */
const ORIGIN = 'http://localhost:80';
// 12:00 in US/Central (CDT): the last 12 months start on 2025-06-15.
const NOW = '2026-06-15T17:00:00Z';

async function setClock(app: MockApp, client: Client, at: string): Promise<void> {
  const moved = await app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { set: at } });
  assert.equal(moved.statusCode, 200, moved.body);
}

/** Jobs of the session stay in progress for `polls` polls of their status. */
async function holdJobs(app: MockApp, client: Client, polls: number): Promise<void> {
  const set = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/jobs`, payload: { polls } });
  assert.equal(set.statusCode, 200, set.body);
}

/** A client whose session exists (made by its first request) with its clock at NOW; its project's id. */
async function clientAtNow(app: MockApp): Promise<{ client: Client; projectId: string }> {
  const client = await clientOf(app);
  const projectId = (await createProject(app, client)).id;
  await setClock(app, client, NOW);
  return { client, projectId };
}

const generate = (app: MockApp, client: Client, type: string, body: Record<string, unknown>, account = ACCOUNT) =>
  app.inject({ method: 'POST', url: `${reportsUrl(account)}/${type}`, headers: client.headers(), payload: { email_recipients: ['b551326b-ac9d-4d32-8823-4f025787dab9'], ...body } });

async function generated(app: MockApp, client: Client, type: string, body: Record<string, unknown>): Promise<string> {
  const response = await generate(app, client, type, body);
  assert.equal(response.statusCode, 202, response.body);
  return response.json().report_id as string;
}

const read = (app: MockApp, client: Client, path: string) => app.inject({ method: 'GET', url: `${reportsUrl()}${path}`, headers: client.headers() });

/** A launched target group in a new project, fielding from the session's clock on; its ids. */
async function fielding(app: MockApp, client: Client, projectId?: string, overrides: Record<string, unknown> = {}) {
  const project = projectId ?? (await createProject(app, client)).id;
  const targetGroupId = await createTargetGroup(app, client, project, overrides);
  const { job } = await launch(app, client, project, targetGroupId);
  assert.equal(job.status, 'Completed', JSON.stringify(job));
  return { projectId: project, targetGroupId, runId: String(job.created_fielding_run_id) };
}

/** Completes the target group's run: its fill stops growing. */
async function completeRun(app: MockApp, client: Client, ids: { projectId: string; targetGroupId: string; runId: string }): Promise<void> {
  const runUrl = `${runsUrl(ids.projectId, ids.targetGroupId)}/${ids.runId}`;
  const run = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
  const completed = await app.inject({ method: 'POST', url: `${runUrl}/complete`, headers: client.headers({ 'if-match': String(run.headers.etag), 'idempotency-key': client.idempotencyKey() }) });
  assert.equal(completed.statusCode, 204, completed.body);
}

/** The target group's completes so far, as its overview reads them from the simulator. */
async function completesOf(app: MockApp, client: Client, projectId: string, targetGroupId: string): Promise<number> {
  const overview = await app.inject({ method: 'GET', url: `${targetGroupsUrl(projectId)}/${targetGroupId}/overview`, headers: client.headers() });
  assert.equal(overview.statusCode, 200, overview.body);
  return overview.json().progress.current_completes as number;
}

function csvRows(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'), 'each CSV line ends with CRLF');
  return text.slice(0, -2).split('\r\n').map((line) => line.split(','));
}

async function downloaded(app: MockApp, client: Client, reportId: string): Promise<string[][]> {
  const response = await read(app, client, `/${reportId}/download`);
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
  assert.match(String(response.headers['content-disposition']), new RegExp(`^attachment; filename="${ACCOUNT}_[a-z-]+_\\d{4}(_\\d{2}){5}\\.csv"$`));
  assertMatchesSpec('download_report_v2', 200, response.body);
  return csvRows(response.body);
}

describe('generate_report', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('keeps the request and answers it with a ULID, pending, where it will download, and the request as create_params', async () => {
    const { client, projectId } = await clientAtNow(app);
    const body = { filter: 'project', filter_ids: [projectId], start_date: '2026-05-01', end_date: '2026-05-31', report_options: { include_respondent_answers: true } };
    const response = await generate(app, client, 'completes', body);
    assert.equal(response.statusCode, 202, response.body);
    const answer = response.json();
    assert.match(answer.report_id, ULID);
    // Not checked against the schema: its report_id is both `format: uuid` and a ULID (README decision 30).
    assert.deepEqual(answer, {
      message: 'Report Created', report_id: answer.report_id, report_url: `${ORIGIN}${reportsUrl()}/${answer.report_id}/download`,
      create_date: answer.create_date, status: 'pending', report_type: 'completes', level: 'Project',
      create_params: { start_date: '2026-05-01', end_date: '2026-05-31', filter: 'project', filter_ids: [projectId], report_options: { include_respondent_answers: true } },
      requestor: { id: answer.requestor.id },
    });
    // The session's clock runs on from NOW.
    assert.ok(Date.parse(answer.create_date) >= Date.parse(NOW) && Date.parse(answer.create_date) < Date.parse(NOW) + 60_000, answer.create_date);
  });

  it('refuses what the operation\'s table does not allow with 400 naming the field', async () => {
    const { client, projectId } = await clientAtNow(app);
    const other = (await createProject(app, client)).id;
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const dates = { start_date: '2026-05-01', end_date: '2026-05-31' };
    const cases: { type: string; body: Record<string, unknown>; name: string; reason: RegExp }[] = [
      { type: 'term-details', body: { filter: 'project', filter_ids: [projectId] }, name: 'filter', reason: /'term-details' reports do not support the project level; they support: target_group\./ },
      { type: 'reconciliation-eligible-rids', body: {}, name: 'filter', reason: /do not support the account level \(no filter\)/ },
      { type: 'respondent-analysis', body: { filter: 'business_unit', filter_ids: ['3337'] }, name: 'filter', reason: /support: project, target_group/ },
      { type: 'respondent-analysis', body: { filter: 'project', filter_ids: [projectId, other] }, name: 'filter_ids', reason: /only one project id/ },
      { type: 'reconciliation-eligible-rids', body: { filter: 'project', filter_ids: [projectId, other] }, name: 'filter_ids', reason: /only one project id/ },
      { type: 'term-details', body: { filter: 'target_group', filter_ids: [targetGroupId, targetGroupId] }, name: 'filter_ids', reason: /only one target_group id/ },
      { type: 'completes', body: { filter: 'project' }, name: 'filter_ids', reason: /at least one project/ },
      { type: 'sample-bought', body: { filter: 'business_unit', filter_ids: [] }, name: 'filter_ids', reason: /at least one business_unit/ },
      { type: 'completes', body: { filter_ids: ['202'] }, name: 'filter_ids', reason: /may only name account 101/ },
      { type: 'reconciliations-status', body: { filter_ids: ['101', '101'] }, name: 'filter_ids', reason: /may only name account 101, once/ },
    ];
    for (const { type, body, name, reason } of cases) {
      assertCintError(await generate(app, client, type, { ...dates, ...body }), 400, 'bad_request_error', { invalid_params: [{ name, reason }] });
    }
    // The account level is no filter at all (decision 131): the refusal of another offers the values that are taken, not null.
    assertCintError(await generate(app, client, 'completes', { ...dates, filter: 'account' }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'filter', reason: "'filter' must be one of: business_unit, target_group, project." }],
    });
    // The guide makes email_recipients required: left out, it is named beside the other fields that fail.
    const noRecipients = await app.inject({ method: 'POST', url: `${reportsUrl(ACCOUNT)}/completes`, headers: client.headers(), payload: { filter: 'project', filter_ids: [projectId], start_date: '2026-05-01' } });
    assertCintError(noRecipients, 400, 'bad_request_error', { invalid_params: [{ name: 'end_date' }, { name: 'email_recipients' }] });
    assert.deepEqual(noRecipients.json().invalid_params, [
      { name: 'end_date', reason: "'end_date' is required." },
      { name: 'email_recipients', reason: "'email_recipients' is required: the user ids (1 to 5) the report is emailed to." },
    ]);
    // What the table allows: several ids at the levels that take them, and the account level with or without its id.
    await generated(app, client, 'respondent-analysis', { ...dates, filter: 'target_group', filter_ids: [targetGroupId, targetGroupId] });
    await generated(app, client, 'completes', { ...dates, filter: 'project', filter_ids: [projectId, other] });
    await generated(app, client, 'reconciliations-status', { ...dates, filter_ids: ['101'] });
    await generated(app, client, 'sample-bought', dates);
  });

  it('takes six months at most, from the last 12 months by the session\'s clock, in order, as real days', async () => {
    const { client } = await clientAtNow(app);
    const cases: { body: Record<string, unknown>; name: string; reason: RegExp }[] = [
      { body: { end_date: '2026-05-31' }, name: 'start_date', reason: /^'start_date' is required\.$/ },
      { body: { start_date: '2026-05-01' }, name: 'end_date', reason: /^'end_date' is required\.$/ },
      { body: { start_date: '2026-02-30', end_date: '2026-05-31' }, name: 'start_date', reason: /YYYY-MM-DD/ },
      { body: { start_date: '2026-05-01', end_date: '31/05/2026' }, name: 'end_date', reason: /YYYY-MM-DD/ },
      { body: { start_date: '2026-05-02', end_date: '2026-05-01' }, name: 'end_date', reason: /must not be before 'start_date'/ },
      { body: { start_date: '2025-12-31', end_date: '2026-07-01' }, name: 'end_date', reason: /at most 6 months: 'end_date' must be 2026-06-30 or earlier/ },
      { body: { start_date: '2025-06-14', end_date: '2025-07-01' }, name: 'start_date', reason: /last 12 months: 'start_date' must be 2025-06-15 or later/ },
    ];
    for (const { body, name, reason } of cases) {
      assertCintError(await generate(app, client, 'completes', body), 400, 'bad_request_error', { invalid_params: [{ name, reason }] });
    }
    // Every field at fault at once.
    const both = assertCintError(await generate(app, client, 'term-details', { start_date: '2024-01-01', end_date: '2025-01-01' }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'filter' }, { name: 'start_date' }, { name: 'end_date', reason: /'end_date' must be 2024-07-01 or earlier/ }],
    });
    assert.equal(both.invalid_params.length, 3);
    // The edges are allowed: the day 12 months back, six months to the day, one day.
    await generated(app, client, 'completes', { start_date: '2025-06-15', end_date: '2025-12-15' });
    await generated(app, client, 'completes', { start_date: '2026-06-15', end_date: '2026-06-15' });
    // The session's clock decides: a year on, the same request is too old.
    await advanceClock(app, client, 'P365D');
    assertCintError(await generate(app, client, 'completes', { start_date: '2025-06-15', end_date: '2025-12-15' }), 400, 'bad_request_error', { invalid_params: [{ name: 'start_date' }] });
  });

  it('takes project and target group ids of the session in the account only; business units as given', async () => {
    const { client, projectId } = await clientAtNow(app);
    const targetGroupId = await createTargetGroup(app, client, projectId);
    const elsewhere = (await createProject(app, client, {}, 202)).id;
    const unknown = '01JZ0000000000000000000000';
    const dates = { start_date: '2026-05-01', end_date: '2026-05-31' };
    const refused = await generate(app, client, 'completes', { ...dates, filter: 'project', filter_ids: [projectId, unknown, targetGroupId, elsewhere] });
    const body = assertCintError(refused, 400, 'bad_request_error', {
      invalid_params: [
        { name: 'filter_ids[1]', reason: `'filter_ids[1]' must name a project of account 101: no project ${unknown} was found.` },
        { name: 'filter_ids[2]', reason: `'filter_ids[2]' must name a project of account 101: no project ${targetGroupId} was found.` },
        { name: 'filter_ids[3]', reason: `'filter_ids[3]' must name a project of account 101: project ${elsewhere} belongs to account 202.` },
      ],
    });
    assert.equal(body.invalid_params.length, 3);
    assertCintError(await generate(app, client, 'term-details', { ...dates, filter: 'target_group', filter_ids: [projectId] }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'filter_ids[0]', reason: /must name a target group of account 101: no target group/ }],
    });
    await generated(app, client, 'term-details', { ...dates, filter: 'target_group', filter_ids: [targetGroupId] });
    await generated(app, client, 'sample-bought', { ...dates, filter: 'business_unit', filter_ids: ['987654'] });
    // Nothing refused was kept.
    const listed = (await read(app, client, '')).json();
    assert.equal(listed.reports_requests.length, 2);
  });
});

describe('report_status and report_requests', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('report_status is in_progress until the job ends, with the request\'s dates at 00:00 US/Central', async () => {
    const { client } = await clientAtNow(app);
    await holdJobs(app, client, 1);
    const reportId = await generated(app, client, 'completes', { start_date: '2026-01-05', end_date: '2026-06-01', report_options: { include_respondent_answers: true } });
    const first = await read(app, client, `/${reportId}/status`);
    assert.equal(first.statusCode, 200, first.body);
    assertMatchesSpec('report_status', 200, first.json());
    // CST in January (UTC-6), CDT in June (UTC-5).
    assert.deepEqual(first.json(), {
      report_id: reportId, status: 'in_progress', message: 'Report generation is in progress.',
      start_date: '2026-01-05T06:00:00.000Z', end_date: '2026-06-01T05:00:00.000Z', data_analysis: false, respondent_answer: true,
    });
    const second = (await read(app, client, `/${reportId}/status`)).json();
    assertMatchesSpec('report_status', 200, second);
    assert.equal(second.status, 'completed');
    assert.equal(second.report_url, `${ORIGIN}${reportsUrl()}/${reportId}/download`);
    assertCintError(await read(app, client, '/01JZ0000000000000000000000/status'), 404, 'not_found_error', { detail: 'report_id: the specified resource was not found' });
  });

  it('lists the session\'s requests newest first in ReportRequestList\'s shape, a page at a time, filtered', async () => {
    const { client, projectId } = await clientAtNow(app);
    await holdJobs(app, client, 1);
    const dates = { start_date: '2026-05-01', end_date: '2026-05-31' };
    const first = await generated(app, client, 'completes', { ...dates, filter: 'project', filter_ids: [projectId], report_options: { link_type: 2 } });
    const second = await generated(app, client, 'sample-bought', dates);
    const third = await generated(app, client, 'completes', { ...dates, filter: 'business_unit', filter_ids: ['3337'] });
    await read(app, client, `/${second}/status`);
    await read(app, client, `/${second}/status`);
    // Another client's session has its own reports.
    const stranger = (await clientAtNow(app)).client;
    await generated(app, stranger, 'completes', dates);

    const all = await read(app, client, '');
    assert.equal(all.statusCode, 200, all.body);
    assertMatchesSpec('report_requests', 200, all.json());
    const { reports_requests: items, next_cursor: cursor } = all.json();
    assert.equal(cursor, null);
    assert.deepEqual(items.map((item: { report_id: string }) => item.report_id), [third, second, first]);
    const accountName = directoryOf(loadReferenceData(undefined)).accountName(ACCOUNT);
    assert.deepEqual(items[1], {
      report_id: second, report_type: 'sample-bought', status: 'completed', level: 'Account', account_name: accountName,
      create_date: items[1].create_date, report_url: `${ORIGIN}${reportsUrl()}/${second}/download`,
      create_params: { ...dates, filter_ids: [], report_options: null }, requestor: items[1].requestor,
    });
    // A pending one has no report_url yet; the list's link_type is a string enum, so the request's number is not shown.
    assert.deepEqual(items[2], {
      report_id: first, report_type: 'completes', status: 'pending', level: 'Project', account_name: accountName, create_date: items[2].create_date,
      create_params: { ...dates, filter: 'project', filter_ids: [projectId], report_options: {} }, requestor: items[2].requestor,
    });
    assert.equal(items[0].level, 'Business Unit');

    const page = (await read(app, client, '?page_size=2')).json();
    assert.deepEqual(page.reports_requests.map((item: { report_id: string }) => item.report_id), [third, second]);
    assert.equal(page.next_cursor, second);
    const rest = (await read(app, client, `?page_size=2&start_after=${page.next_cursor}`)).json();
    assert.deepEqual(rest.reports_requests.map((item: { report_id: string }) => item.report_id), [first]);
    assert.equal(rest.next_cursor, null);

    const ids = async (query: string) => (await read(app, client, query)).json().reports_requests.map((item: { report_id: string }) => item.report_id);
    assert.deepEqual(await ids('?report_type=completes'), [third, first]);
    assert.deepEqual(await ids('?level=account'), [second]);
    assert.deepEqual(await ids('?Status=completed'), [second]);
    assert.deepEqual(await ids('?Status=processing'), [third, first]);
    assert.deepEqual(await ids('?Status=failed'), []);
    assertCintError(await read(app, client, '?page_size=101'), 400, 'bad_request_error', { invalid_params: [{ name: 'page_size', reason: /100/ }] });
    assertCintError(await read(app, client, '?start_after=01JZ0000000000000000000000'), 400, 'bad_request_error', { invalid_params: [{ name: 'start_after' }] });
  });
});

describe('download_report_v2 and share_report', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(async () => app.close());

  it('a report in progress has no file yet: 404 naming report_id and saying so, for download and share', async () => {
    const { client } = await clientAtNow(app);
    await holdJobs(app, client, 1);
    const reportId = await generated(app, client, 'completes', { start_date: '2026-05-01', end_date: '2026-05-31' });
    const notReady = { detail: `report_id: report ${reportId} is not ready to download: its status is in_progress; poll report_status until it is completed` };
    assertCintError(await read(app, client, `/${reportId}/download`), 404, 'not_found_error', notReady);
    assertCintError(await read(app, client, `/${reportId}/share?report_type=completes`), 404, 'not_found_error', notReady);
    assertCintError(await read(app, client, '/01JZ0000000000000000000000/download'), 404, 'not_found_error', { detail: 'report_id: the specified resource was not found' });
    await read(app, client, `/${reportId}/status`);
    assert.equal((await read(app, client, `/${reportId}/status`)).json().status, 'completed');
    assert.equal((await read(app, client, `/${reportId}/download`)).statusCode, 200);
  });

  it('completes: a row per target group and US/Central day with completes, from the simulator, for the filter and dates only', async () => {
    const { client, projectId } = await clientAtNow(app);
    const chosen = await fielding(app, client, projectId, { name: 'Chosen, "quoted"' });
    const sibling = await fielding(app, client, projectId);
    const elsewhere = await fielding(app, client);
    await advanceClock(app, client, 'P3D');
    // A report counts the simulator's ticks that had ended when it completed: all of them, a day after the run's end.
    await completeRun(app, client, chosen);
    await advanceClock(app, client, 'P1D');
    const completes = await completesOf(app, client, chosen.projectId, chosen.targetGroupId);
    assert.ok(completes > 0, 'the target group fielded');

    const byTargetGroup = await generated(app, client, 'completes', { filter: 'target_group', filter_ids: [chosen.targetGroupId], start_date: '2026-06-01', end_date: '2026-06-30' });
    const [header, ...rows] = await downloaded(app, client, byTargetGroup);
    assert.deepEqual(header, ['date', 'project_id', 'project_name', 'target_group_id', 'target_group_name', 'completes']);
    // The name is quoted as RFC 4180 has it (the split on commas cuts it in two).
    const text = (await read(app, client, `/${byTargetGroup}/download`)).body;
    assert.ok(text.includes(`,${chosen.targetGroupId},"Chosen, ""quoted""",`), text);
    const days = rows.map((row) => row[0]);
    assert.deepEqual(days, [...days].sort());
    assert.ok(days.every((day) => day! >= '2026-06-15' && day! <= '2026-06-18'), days.join());
    assert.ok(days.length >= 3, days.join());
    assert.equal(rows.reduce((sum, row) => sum + Number(row.at(-1)), 0), completes);

    // The project level holds both of its target groups and not the other project's.
    const byProject = (await downloaded(app, client, await generated(app, client, 'completes', { filter: 'project', filter_ids: [projectId], start_date: '2026-06-01', end_date: '2026-06-30' }))).slice(1);
    assert.deepEqual(new Set(byProject.map((row) => row[3])), new Set([chosen.targetGroupId, sibling.targetGroupId]));
    const account = (await downloaded(app, client, await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30' }))).slice(1);
    assert.ok(account.some((row) => row[3] === elsewhere.targetGroupId));
    // Dates before the fielding give the header only; a range of one day, that day's rows.
    assert.equal((await downloaded(app, client, await generated(app, client, 'completes', { start_date: '2026-05-01', end_date: '2026-06-14' }))).length, 1);
    const oneDay = (await downloaded(app, client, await generated(app, client, 'completes', { start_date: '2026-06-16', end_date: '2026-06-16' }))).slice(1);
    assert.ok(oneDay.length > 0 && oneDay.every((row) => row[0] === '2026-06-16'));
  });

  it('sample-bought adds the CPI and its currency; the types the simulator has no respondents for answer their header', async () => {
    const { client, projectId } = await clientAtNow(app);
    const group = await fielding(app, client, projectId, { cost_per_interview: { value: '2.75', currency_code: 'EUR' } });
    await advanceClock(app, client, 'P2D');
    const [header, ...rows] = await downloaded(app, client, await generated(app, client, 'sample-bought', { filter: 'project', filter_ids: [projectId], start_date: '2026-06-01', end_date: '2026-06-30' }));
    assert.deepEqual(header, ['date', 'project_id', 'project_name', 'target_group_id', 'target_group_name', 'completes', 'cost_per_interview', 'currency_code']);
    assert.ok(rows.length > 0);
    assert.ok(rows.every((row) => row[3] === group.targetGroupId && row[6] === '2.75' && row[7] === 'EUR'));
    const term = await downloaded(app, client, await generated(app, client, 'term-details', { filter: 'target_group', filter_ids: [group.targetGroupId], start_date: '2026-06-01', end_date: '2026-06-30' }));
    assert.deepEqual(term, [['project_id', 'target_group_id', 'rid', 'termination_reason', 'terminated_at']]);
  });

  it('a report is what its session had when it completed: a later fill does not change it', async () => {
    const { client, projectId } = await clientAtNow(app);
    await fielding(app, client, projectId);
    await advanceClock(app, client, 'P1D');
    const reportId = await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30' });
    const before = (await read(app, client, `/${reportId}/download`)).body;
    await advanceClock(app, client, 'P2D');
    assert.equal((await read(app, client, `/${reportId}/download`)).body, before);
  });

  it('share_report requires the report\'s own report_type', async () => {
    const { client } = await clientAtNow(app);
    const reportId = await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30' });
    assertCintError(await read(app, client, `/${reportId}/share`), 400, 'bad_request_error', { invalid_params: [{ name: 'report_type', reason: "'report_type' is required." }] });
    assertCintError(await read(app, client, `/${reportId}/share?report_type=sample-bought`), 400, 'bad_request_error', {
      invalid_params: [{ name: 'report_type', reason: `'report_type' must be the report's own: report ${reportId} is a 'completes' report.` }],
    });
    assertCintError(await read(app, client, '/01JZ0000000000000000000000/share?report_type=completes'), 404, 'not_found_error', { detail: 'report_id: the specified resource was not found' });
  });
});

describe('shared report links', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ store: 'memory' }); });
  after(async () => app.close());

  it('a pre-signed link downloads the report without a token for an hour of the session\'s clock; a tampered or expired one is 403', async () => {
    const { client, projectId } = await clientAtNow(app);
    await fielding(app, client, projectId);
    await advanceClock(app, client, 'P1D');
    const reportId = await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30' });
    const shared = await read(app, client, `/${reportId}/share?report_type=completes`);
    assert.equal(shared.statusCode, 200, shared.body);
    assertMatchesSpec('share_report', 200, shared.json());
    const link = shared.json().report_pre_signed_url as string;
    assert.match(link, new RegExp(`^${ORIGIN}${SHARED_REPORTS_PATH}/${reportId}\\?account=101&session=[^&]+&client=[^&]+&expires=\\d+&signature=[0-9a-f]{64}$`));
    const expires = Number(new URL(link, 'http://mock').searchParams.get('expires'));
    const now = Date.parse(NOW) + 86_400_000;
    assert.ok(expires * 1000 > now && expires * 1000 <= now + 3_600_000 + 60_000, 'the link lasts an hour on the session\'s clock');

    const byLink = await app.inject({ method: 'GET', url: link });
    assert.equal(byLink.statusCode, 200, byLink.body);
    assert.equal(byLink.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(byLink.body, (await read(app, client, `/${reportId}/download`)).body);
    assert.equal(csvRows(byLink.body)[0]![0], 'date');

    const invalid = { detail: 'the shared link is not valid: its signature does not match' };
    const later = link.replace(/expires=(\d+)/, (_, value: string) => `expires=${Number(value) + 3600}`);
    assertCintError(await app.inject({ method: 'GET', url: later }), 403, 'authorization_error', invalid);
    assertCintError(await app.inject({ method: 'GET', url: link.replace(/signature=.*/, 'signature=abc') }), 403, 'authorization_error', invalid);
    assertCintError(await app.inject({ method: 'GET', url: link.replace(/&signature=.*/, '') }), 403, 'authorization_error', invalid);
    // Another report's path, or another session's name, with this link's signature.
    const otherId = await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30' });
    assertCintError(await app.inject({ method: 'GET', url: link.replace(reportId, otherId) }), 403, 'authorization_error', invalid);
    assertCintError(await app.inject({ method: 'GET', url: link.replace(/session=[^&]+/, 'session=nobody') }), 404, 'not_found_error', { detail: 'report_id: the specified resource was not found' });
    // Reading a link makes no session.
    assert.equal(app.mock.sessions.named('nobody').length, 0);

    await advanceClock(app, client, 'PT1H1M');
    assertCintError(await app.inject({ method: 'GET', url: link }), 403, 'authorization_error', {
      detail: `the shared link expired at ${new Date(expires * 1000).toISOString()}: ask share_report for a new one`,
    });
    // A new link works again.
    const again = (await read(app, client, `/${reportId}/share?report_type=completes`)).json().report_pre_signed_url as string;
    assert.equal((await app.inject({ method: 'GET', url: again })).statusCode, 200);
  });
});

describe('reports are stored data', () => {
  let app: MockApp;
  // A snapshot is restored straight into a session held in memory, so this app stays on the memory store.
  before(async () => { app = await makeApp({ store: 'memory' }); });
  after(async () => app.close());

  it('count towards the session\'s bytes and travel in its snapshot', async () => {
    const { client } = await clientAtNow(app);
    const session = app.mock.sessions.get(client.clientId, client.clientId);
    const empty = session.storedBytes;
    const reportId = await generated(app, client, 'completes', { start_date: '2026-06-01', end_date: '2026-06-30', filter_ids: ['101'] });
    assert.ok(session.storedBytes - empty >= 150, `${session.storedBytes - empty} bytes for a report request`);

    const copy = app.mock.sessions.get('copy', client.clientId);
    restoreSnapshot(copy, JSON.parse(JSON.stringify(snapshotOf(session, app.mock.scenarios))) as SessionSnapshot, app.mock.scenarios);
    const inCopy = { ...client.headers(), 'x-mock-session': 'copy' };
    const listed = await app.inject({ method: 'GET', url: reportsUrl(), headers: inCopy });
    assert.deepEqual(listed.json().reports_requests.map((item: { report_id: string }) => item.report_id), [reportId]);
    const file = await app.inject({ method: 'GET', url: `${reportsUrl()}/${reportId}/download`, headers: inCopy });
    assert.equal(file.statusCode, 200, file.body);
    assert.match(file.body, /^date,project_id,/);
  });
});
