// Reports: generate_report checks Cint's rules (the levels and ids each report type takes, six months at
// most, the last 12 months) before the generic collection keeps the request and its job; report_status
// reads the job with the request's own dates; report_requests lists the session's requests;
// download_report_v2 answers a completed report as CSV from the fielding simulator's counts; share_report
// a pre-signed link to the same file that expires, served without a token by sharedReportRoute.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { badRequest, CintError, forbidden, notFound, type InvalidParam } from '../cint/errors.js';
import type { Job, Session, StoredResource } from '../sessions/store.js';
import { collectionKeyOf } from '../sessions/store.js';
import { isoAt } from '../sessions/lifecycle.js';
import { completesByTick } from '../sessions/simulator.js';
import { storeUnavailable } from '../sessions/unavailable.js';
import type { Handler, HandlerInput, HandlerOutput, Handlers, Wrappers } from './handler.js';
import { centralDateOf, centralMidnightOf } from './central-time.js';
import { CREATES_INTO } from './generic.js';
import { csvField, pageOf } from './shared.js';

// ---- Cint's rules --------------------------------------------------------------------------------------

type ReportType = 'completes' | 'reconciliation-eligible-rids' | 'reconciliations-status' | 'respondent-analysis' | 'sample-bought' | 'term-details';
type Level = 'account' | 'business_unit' | 'project' | 'target_group';

const ALL_LEVELS: readonly Level[] = ['account', 'business_unit', 'project', 'target_group'];

/** generate_report's table: the levels (`filter`) each type supports, and those that take one id only. */
const RULES: Readonly<Record<ReportType, { levels: readonly Level[]; oneId: readonly Level[] }>> = {
  completes: { levels: ALL_LEVELS, oneId: [] },
  'reconciliation-eligible-rids': { levels: ['project', 'target_group'], oneId: ['project'] },
  'reconciliations-status': { levels: ['account', 'project', 'target_group'], oneId: [] },
  'respondent-analysis': { levels: ['project', 'target_group'], oneId: ['project'] },
  'sample-bought': { levels: ALL_LEVELS, oneId: [] },
  'term-details': { levels: ['target_group'], oneId: ['target_group'] },
};

/** How the answers name a level (ReportGenerationResponse's and ReportRequestListItem's `level`). */
const LEVEL_NAMES: Readonly<Record<Level, string>> = { account: 'Account', business_unit: 'Business Unit', project: 'Project', target_group: 'Target Group' };

/** "A single report request can cover a maximum duration of six months. Data is available for the last 12 months." */
const MAX_SPAN_MONTHS = 6;
const HISTORY_MONTHS = 12;
/** How long a shared link works, on the session's clock. */
const SHARE_LIFETIME_MS = 60 * 60 * 1000;

// ---- Dates: Cint reads a report's dates as 00:00 in US/Central ----------------------------------------

/** A YYYY-MM-DD day a calendar has, or null. */
function dayOf(text: unknown): string | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? text : null;
}

/** The same day `months` calendar months on (or back), the month's last day when it has no such day. */
function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + month - 1 + months;
  const [toYear, toMonth] = [Math.floor(index / 12), index % 12];
  const lastDay = new Date(Date.UTC(toYear, toMonth + 1, 0)).getUTCDate();
  return `${String(toYear).padStart(4, '0')}-${String(toMonth + 1).padStart(2, '0')}-${String(Math.min(day, lastDay)).padStart(2, '0')}`;
}

// ---- The stored request --------------------------------------------------------------------------------

/** generate_report's body as validated (ReportGenerationRequest). */
interface RequestBody {
  filter?: Exclude<Level, 'account'>;
  start_date?: string;
  end_date?: string;
  filter_ids?: string[];
  report_options?: { include_respondent_answers?: boolean | null; link_type?: number | null } | null;
  email_recipients?: string[];
}

/** What the mock keeps beside the request in the stored object's fields: no schema names this field, so no answer shows it. */
interface Kept { report_type: ReportType; requestor_id: string; signing_key: string }
const KEPT = '_report';

interface Report { resource: StoredResource; body: RequestBody; kept: Kept; level: Level; job: Job | undefined }

/** The reports live in generate_report's generic collection, per account. */
const ITEM_PATH = CREATES_INTO.generate_report!.itemPath;
const collectionOf = (session: Session, accountId: number) => session.resources.get(collectionKeyOf(ITEM_PATH, [accountId]));

function reportOf(session: Session, resource: StoredResource): Report {
  const body = resource.fields as RequestBody;
  return { resource, body, kept: resource.fields[KEPT] as Kept, level: body.filter ?? 'account', job: session.jobs.get(resource.id) };
}

/** The session's report of this account the path names, or 404 naming report_id. */
function findReport(session: Session, accountId: number, reportId: string): Report {
  const resource = collectionOf(session, accountId)?.get(reportId);
  if (!resource || !resource.fields[KEPT]) throw notFound('report_id');
  return reportOf(session, resource);
}

/** The path's ids: every report operation's path has the account, and the report or its type. */
const pathOf = (input: HandlerInput) => input.params as unknown as { account_id: number; report_id: string; report_type: ReportType };

const isCompleted = (report: Report) => report.job?.status === 'Completed';
/** The report's download URL, absolute (Cint's are) on the request's own origin. */
const downloadUrl = (input: HandlerInput, accountId: number, reportId: string) => `${input.origin}/v1/demand/accounts/${accountId}/reports/${reportId}/download`;

// ---- generate_report ------------------------------------------------------------------------------------

/** The request's dates, each checked: real days, in order, six months at most, none older than 12 months. */
function dateProblems(session: Session, body: RequestBody): InvalidParam[] {
  const problems: InvalidParam[] = [];
  const day = (name: 'start_date' | 'end_date') => {
    const value = body[name];
    if (value === undefined) problems.push({ name, reason: `'${name}' is required.` });
    else if (dayOf(value) === null) problems.push({ name, reason: `'${name}' must be a date in YYYY-MM-DD format.` });
    return value === undefined ? null : dayOf(value);
  };
  const start = day('start_date');
  const end = day('end_date');
  if (start === null || end === null) return problems;
  const earliest = addMonths(centralDateOf(session.now()), -HISTORY_MONTHS);
  const latestEnd = addMonths(start, MAX_SPAN_MONTHS);
  if (start < earliest) problems.push({ name: 'start_date', reason: `data is available for the last ${HISTORY_MONTHS} months: 'start_date' must be ${earliest} or later.` });
  if (end < start) problems.push({ name: 'end_date', reason: "'end_date' must not be before 'start_date'." });
  else if (end > latestEnd) problems.push({ name: 'end_date', reason: `a report covers at most ${MAX_SPAN_MONTHS} months: 'end_date' must be ${latestEnd} or earlier.` });
  return problems;
}

/**
 * Cint's guide makes `email_recipients` required ("user UUIDs, required"); the document's schema has no
 * required list, but its minItems of 1 says a report goes to someone (decision 131). The ids are any
 * strings, as the schema has them (its own example's are not UUIDs).
 */
function recipientProblems(body: RequestBody): InvalidParam[] {
  return body.email_recipients === undefined ? [{ name: 'email_recipients', reason: "'email_recipients' is required: the user ids (1 to 5) the report is emailed to." }] : [];
}

/** The session's object an id of the project or target group level names, in this account; null when none. */
function ownedBy(session: Session, level: 'project' | 'target_group', id: string): number | null {
  const projectId = level === 'project' ? id : session.targetGroups.get(id)?.project_id;
  return projectId === undefined ? null : session.projects.get(projectId)?.account_id ?? null;
}

/** The level and its ids, checked against the report type's row of the table and the session's objects. */
function filterProblems(session: Session, accountId: number, type: ReportType, body: RequestBody): InvalidParam[] {
  const level: Level = body.filter ?? 'account';
  const rule = RULES[type];
  const ids = body.filter_ids ?? [];
  if (!rule.levels.includes(level)) {
    const named = body.filter === undefined ? 'the account level (no filter)' : `the ${level} level`;
    return [{ name: 'filter', reason: `'${type}' reports do not support ${named}; they support: ${rule.levels.join(', ')}.` }];
  }
  if (level === 'account') {
    // The account is the path's: an id there may only repeat it (the document's list example shows ["101"]).
    const others = ids.filter((id) => id !== String(accountId));
    return others.length === 0 && ids.length <= 1 ? [] : [{ name: 'filter_ids', reason: `at the account level 'filter_ids' may only name account ${accountId}, once.` }];
  }
  if (ids.length === 0) return [{ name: 'filter_ids', reason: `'filter_ids' must name at least one ${level} for the ${level} level.` }];
  if (rule.oneId.includes(level) && ids.length > 1) return [{ name: 'filter_ids', reason: `'${type}' reports take only one ${level} id at the ${level} level.` }];
  if (level === 'business_unit') return [];
  // Project and target group ids must be the session's own, in this account (decision 132).
  const kind = level === 'project' ? 'project' : 'target group';
  return ids.flatMap((id, index) => {
    const owner = ownedBy(session, level, id);
    if (owner === accountId) return [];
    const why = owner === null ? `no ${kind} ${id} was found` : `${kind} ${id} belongs to account ${owner}`;
    return [{ name: `filter_ids[${index}]`, reason: `'filter_ids[${index}]' must name a ${kind} of account ${accountId}: ${why}.` }];
  });
}

/** The request shown as the answers' `create_params`: the account level has no `filter` (none of their enums has it). */
function createParams(body: RequestBody, forList: boolean) {
  const options = body.report_options ?? null;
  // The list's link_type is a string enum, the request's a number: a list cannot show the number.
  const shownOptions = options && forList ? (({ link_type: _numberInTheRequest, ...rest }) => rest)(options) : options;
  return {
    start_date: body.start_date, end_date: body.end_date,
    ...(body.filter !== undefined ? { filter: body.filter } : {}),
    filter_ids: body.filter_ids ?? [], report_options: shownOptions,
  };
}

const requestorOf = (kept: Kept) => ({ id: kept.requestor_id });

/** ReportGenerationResponse: `pending` (its enum has no completed), and where the report will be once completed. */
function generationAnswer(input: HandlerInput, accountId: number, report: Report) {
  return {
    message: 'Report Created',
    report_id: report.resource.id,
    // Required and not nullable, though the description says null while pending: the download's path,
    // which answers once report_status says completed.
    report_url: downloadUrl(input, accountId, report.resource.id),
    create_date: report.resource.created_at,
    status: 'pending',
    report_type: report.kept.report_type,
    level: LEVEL_NAMES[report.level],
    create_params: createParams(report.body, false),
    requestor: requestorOf(report.kept),
  };
}

const generateReport = (generic: Handler): Handler => async (input) => {
  const { session } = input;
  const params = pathOf(input);
  const body = (input.body ?? {}) as RequestBody;
  const problems = [...filterProblems(session, params.account_id, params.report_type, body), ...dateProblems(session, body), ...recipientProblems(body)];
  if (problems.length > 0) throw badRequest(problems);
  const kept: Kept = { report_type: params.report_type, requestor_id: input.actor, signing_key: randomBytes(32).toString('hex') };
  // The generic collection stores the body with what the mock keeps beside it, counted as one object's
  // bytes (the input's other fields are its own getters, read through the prototype).
  const output = await generic(Object.create(input, { body: { value: { ...body, [KEPT]: kept } } }) as HandlerInput);
  const resource = collectionOf(session, params.account_id)?.get(String((output.body as { report_id: string }).report_id));
  if (!resource) throw new Error('generate_report: the generic collection did not keep the request');
  return { ...output, body: generationAnswer(input, params.account_id, reportOf(session, resource)) };
};

// ---- report_status: the job's status, with the request's own dates ---------------------------------------

const reportStatus = (generic: Handler): Handler => async (input) => {
  const { session } = input;
  const params = pathOf(input);
  const output = await generic(input);
  const report = findReport(session, params.account_id, params.report_id);
  const answer = { ...(output.body as Record<string, unknown>) };
  // The example's survey and data-analysis fields say nothing about this request.
  delete answer.survey_id;
  delete answer.report_url;
  Object.assign(answer, {
    start_date: isoAt(centralMidnightOf(report.body.start_date!)),
    end_date: isoAt(centralMidnightOf(report.body.end_date!)),
    data_analysis: false,
    respondent_answer: report.body.report_options?.include_respondent_answers === true,
    ...(isCompleted(report) ? { report_url: downloadUrl(input, params.account_id, report.resource.id) } : {}),
  });
  return { ...output, body: answer };
};

// ---- report_requests --------------------------------------------------------------------------------------

/** The list's `Status` filter in the job's words: `processing` is in progress; the document gives a report no failure. */
const STATUS_FILTER: Readonly<Record<string, Job['status']>> = { processing: 'Processing', completed: 'Completed', failed: 'Failed' };

function listItem(input: HandlerInput, accountId: number, report: Report) {
  return {
    report_id: report.resource.id,
    report_type: report.kept.report_type,
    status: isCompleted(report) ? 'completed' : 'pending',
    level: LEVEL_NAMES[report.level],
    account_name: input.directory.accountName(accountId),
    create_date: report.resource.created_at,
    ...(isCompleted(report) ? { report_url: downloadUrl(input, accountId, report.resource.id) } : {}),
    create_params: createParams(report.body, true),
    requestor: requestorOf(report.kept),
  };
}

const reportRequests: Handler = (input) => {
  const params = pathOf(input);
  const query = (input.query ?? {}) as { report_type?: ReportType; level?: Level; Status?: string; page_size?: number; start_after?: string; end_before?: string };
  const status = query.Status === undefined ? undefined : STATUS_FILTER[query.Status];
  const reports = [...(collectionOf(input.session, params.account_id)?.values() ?? [])]
    .filter((resource) => resource.fields[KEPT] !== undefined)
    .map((resource) => reportOf(input.session, resource))
    .filter((report) => (query.report_type === undefined || report.kept.report_type === query.report_type)
      && (query.level === undefined || report.level === query.level)
      && (status === undefined || report.job?.status === status))
    .reverse();
  const page = pageOf(reports, (report) => report.resource.id, query);
  return { body: { next_cursor: page.nextCursor, reports_requests: page.items.map((report) => listItem(input, params.account_id, report)) } };
};

// ---- download_report_v2 and share_report -----------------------------------------------------------------

/** A report that is not ready has no file yet: 404 naming report_id and saying so (decision 133). */
function completedReport(session: Session, accountId: number, reportId: string): Report {
  const report = findReport(session, accountId, reportId);
  if (!isCompleted(report)) {
    throw new CintError(404, `report_id: report ${reportId} is not ready to download: its status is in_progress; poll report_status until it is completed`);
  }
  return report;
}

/** Where shared links are served, without a bearer token (the sibling route below). */
export const SHARED_REPORTS_PATH = '/shared-reports';

/** What a shared link names: the session that holds the report (its name and client), the report, and its expiry. */
interface SharedLink { account: number; reportId: string; session: string; client: string | null; expires: string }

/** The link's signature: HMAC-SHA256 with the report's own key over everything the link names. */
const signatureOf = (report: Report, link: SharedLink) => createHmac('sha256', report.kept.signing_key)
  .update([link.account, link.reportId, link.session, link.client ?? '', link.expires].join('\n')).digest('hex');

function sharedLinkOf(input: HandlerInput, accountId: number, report: Report): string {
  const { session } = input;
  const link: SharedLink = {
    account: accountId, reportId: report.resource.id, session: session.name, client: session.clientId,
    expires: String(Math.floor((session.now() + SHARE_LIFETIME_MS) / 1000)),
  };
  const query = new URLSearchParams({ account: String(link.account), session: link.session, ...(link.client !== null ? { client: link.client } : {}), expires: link.expires });
  query.set('signature', signatureOf(report, link));
  return `${input.origin}${SHARED_REPORTS_PATH}/${link.reportId}?${query}`;
}

const invalidLink = () => forbidden('the shared link is not valid: its signature does not match');

/** A shared link's signature and expiry, on the session's clock: a tampered or expired one is 403. */
function checkSharedLink(session: Session, report: Report, link: SharedLink, signature: string): void {
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(signatureOf(report, link), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidLink();
  const expiresMs = Number(link.expires) * 1000;
  if (session.now() >= expiresMs) throw forbidden(`the shared link expired at ${isoAt(expiresMs)}: ask share_report for a new one`);
}

const csvLine = (values: readonly unknown[]) => `${values.map(csvField).join(',')}\r\n`;

/** Each report type's columns (decision 134); those the simulator has no respondents for answer their header only. */
const COLUMNS: Readonly<Record<ReportType, readonly string[]>> = {
  completes: ['date', 'project_id', 'project_name', 'target_group_id', 'target_group_name', 'completes'],
  'sample-bought': ['date', 'project_id', 'project_name', 'target_group_id', 'target_group_name', 'completes', 'cost_per_interview', 'currency_code'],
  'reconciliations-status': ['project_id', 'target_group_id', 'rid', 'reconciliation_status', 'reason_code', 'submitted_at'],
  'reconciliation-eligible-rids': ['project_id', 'target_group_id', 'rid', 'completed_at'],
  'respondent-analysis': ['project_id', 'target_group_id', 'rid', 'status', 'started_at'],
  'term-details': ['project_id', 'target_group_id', 'rid', 'termination_reason', 'terminated_at'],
};

/** The session's target groups of the account the report's level and ids select, in the order they were made. */
function selectedTargetGroups(session: Session, accountId: number, report: Report) {
  const ids = new Set(report.body.filter_ids ?? []);
  return [...session.targetGroups.values()].filter((group) => {
    if (session.projects.get(group.project_id)?.account_id !== accountId) return false;
    switch (report.level) {
      case 'account': return true;
      case 'business_unit': return ids.has(String(group.spec.business_unit_id));
      case 'project': return ids.has(group.project_id);
      case 'target_group': return ids.has(group.id);
    }
  });
}

/**
 * Completes per US/Central day within the report's dates, of the simulator's ticks that had ended when
 * the report completed: the tick under way still grows, and a report's file must not change once made.
 */
function completesByDay(session: Session, groupId: string, report: Report): Map<string, number> {
  const days = new Map<string, number>();
  const asOf = Date.parse(report.job?.finished_at ?? '') || session.now();
  for (const { startMs, endMs, completes } of completesByTick(session, groupId)) {
    if (completes === 0 || endMs > asOf) continue;
    const day = centralDateOf(startMs);
    if (day >= report.body.start_date! && day <= report.body.end_date!) days.set(day, (days.get(day) ?? 0) + completes);
  }
  return days;
}

/** The report's CSV: a header naming the columns, then a row per target group and day with completes, by day. */
function csvOf(session: Session, accountId: number, report: Report): string {
  const type = report.kept.report_type;
  let text = csvLine(COLUMNS[type]);
  if (type !== 'completes' && type !== 'sample-bought') return text;
  const rows: { day: string; values: unknown[] }[] = [];
  for (const group of selectedTargetGroups(session, accountId, report)) {
    const project = session.projects.get(group.project_id)!;
    const cpi = (group.spec.cost_per_interview ?? {}) as { value?: string; currency_code?: string };
    for (const [day, completes] of completesByDay(session, group.id, report)) {
      const values = [day, project.id, project.name, group.id, group.spec.name, completes];
      rows.push({ day, values: type === 'completes' ? values : [...values, cpi.value, cpi.currency_code] });
    }
  }
  rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  for (const row of rows) text += csvLine(row.values);
  return text;
}

/** The file's name, as Cint's: account, report type and when it completed (`101_completes_2026_12_05_10_00_00.csv`). */
function fileNameOf(accountId: number, report: Report): string {
  const at = (report.job?.finished_at ?? report.resource.created_at).slice(0, 19).replace(/[-T:]/g, '_');
  return `${accountId}_${report.kept.report_type}_${at}.csv`;
}

/** The report's file: CSV, named as Cint names it. */
function reportFile(session: Session, accountId: number, report: Report): Required<Pick<HandlerOutput, 'headers' | 'body'>> {
  return {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${fileNameOf(accountId, report)}"` },
    body: csvOf(session, accountId, report),
  };
}

const downloadReport: Handler = (input): HandlerOutput => {
  const params = pathOf(input);
  return reportFile(input.session, params.account_id, completedReport(input.session, params.account_id, params.report_id));
};

const shareReport: Handler = (input) => {
  const params = pathOf(input);
  // Required here alone (the document's `required: true` beside the parameter's $ref).
  const type = (input.query as unknown as { report_type: ReportType }).report_type;
  const report = completedReport(input.session, params.account_id, params.report_id);
  if (type !== report.kept.report_type) {
    throw badRequest([{ name: 'report_type', reason: `'report_type' must be the report's own: report ${report.resource.id} is a '${report.kept.report_type}' report.` }]);
  }
  return { body: { report_pre_signed_url: sharedLinkOf(input, params.account_id, report) } };
};

export const reportHandlers: Handlers = {
  report_requests: reportRequests,
  download_report_v2: downloadReport,
  share_report: shareReport,
};

export const reportWrappers: Wrappers = {
  generate_report: generateReport,
  report_status: reportStatus,
};

/**
 * GET /shared-reports/{report_id}?account&session&client&expires&signature: a shared link, served
 * without a bearer token, as Cint's pre-signed URLs are. A sibling of the Cint API (app.ts registers
 * it), so none of its hooks run: the link names the session, found without making one, and is read
 * only (a shared link is made for a completed report, whose file no longer changes).
 */
export const sharedReportRoute: FastifyPluginAsync = async (app) => {
  app.get(`${SHARED_REPORTS_PATH}/:report_id`, { exposeHeadRoute: false }, async (request, reply) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
    const [account, session, expires, signature] = [text('account'), text('session'), text('expires'), text('signature')];
    if (!account || !/^\d{1,15}$/.test(account) || !session || !expires || !/^\d{1,15}$/.test(expires) || !signature) throw invalidLink();
    const link: SharedLink = { account: Number(account), reportId: (request.params as { report_id: string }).report_id, session, client: text('client') ?? null, expires };
    const shared = app.mock.shared;
    if (shared) await shared.pull(link.session, link.client).catch((error: unknown) => { throw storeUnavailable(error, shared.url); });
    const held = app.mock.sessions.named(link.session, link.client)[0];
    const resource = held && collectionOf(held, link.account)?.get(link.reportId);
    if (!held || !resource?.fields[KEPT]) throw notFound('report_id');
    const report = reportOf(held, resource);
    checkSharedLink(held, report, link, signature);
    const file = reportFile(held, link.account, report);
    return reply.code(200).headers(file.headers).send(file.body);
  });
};
