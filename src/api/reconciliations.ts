// Reconciliations: a client's CSV of respondent ids (RIDs), with a reason code each (rejected completes,
// post_reconciliations) or alone (the completes it approves in a project, post_reconciliations_completes),
// read as the document describes it, checked, and worked out against the session's target groups: which
// target group each RID is of, which are expired (Cint's window: until the 25th of the month after the
// complete, US Central time), which are invalid, and what is reversed. A request is stored in the
// account's collection (the one get_reconciliation_by_request_id reads), with its file and its results,
// and is processed as a job (sessions/jobs.ts): `processing` until the session's job timing lets it end.
// Also the account's eligible target groups, from the fielding simulator's completes and the clock.
import { createHash } from 'node:crypto';
import { badRequest, CintError, notFound, type InvalidParam } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { createJob, pollJob } from '../sessions/jobs.js';
import { isoAt } from '../sessions/lifecycle.js';
import { completesByTick } from '../sessions/simulator.js';
import { findProject } from '../sessions/lookup.js';
import { collectionKeyOf, jsonBytes, newId, type Session, type StoredResource, type TargetGroup } from '../sessions/store.js';
import type { HandlerInput, Handlers } from './handler.js';
import { centralAt, centralMidnight } from './central-time.js';
import { costsOf, sumDecimals } from './money.js';
import { csvField, pageOf, pageSizeOf, uuidFromHash } from './shared.js';

/** Both submissions are stored where get_reconciliation_by_request_id reads them, per account. */
const ITEM_PATH = operation('get_reconciliation_by_request_id').path;
/** "The file can contain up to 100,000 rows." */
const MAX_ROWS = 100_000;
/** invalid_params listed for a file that cannot be read; the detail says how many lines are wrong in all. */
const MAX_PROBLEMS = 20;
/** "Adjusted Complete", the one code request_reconciliation_reason_codes documents: a positive reconciliation. */
const POSITIVE_CODE = '11';
/** "Reconciliation can be submitted when target group is in `Live` or `Paused` or `Complete` status." */
const RECONCILABLE = new Set(['live', 'paused', 'completed']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SubmissionType = 'rejected_rids' | 'approved_rids';

interface Counts { submitted: number; expired: number; invalid: number; positive: number; negative: number }
interface GroupCounts extends Counts { target_group_id: string }

/** What a stored request holds (StoredResource.fields): plain JSON, so snapshots and the byte count carry it. */
interface Reconciliation {
  name?: string;
  submission_type: SubmissionType;
  submitted_by: string;
  /** The file as the client sent it: the `submitted-rids` download. */
  file: string;
  totals: Counts;
  /** Its target groups, oldest first. */
  target_groups: GroupCounts[];
  /** The lines of the `expired-rids` and `invalid-rids` downloads (an invalid RID with why). */
  expired_rids: string[];
  invalid_rids: string[];
}

const recordOf = (resource: StoredResource) => resource.fields as unknown as Reconciliation;
const requestsOf = (session: Session, accountId: number) => session.resources.get(collectionKeyOf(ITEM_PATH, [accountId]));

function findRequest(session: Session, accountId: number, requestId: string): StoredResource {
  const resource = requestsOf(session, accountId)?.get(requestId);
  if (!resource) throw notFound('request_id');
  return resource;
}

/** `complete` once its job has ended: by default at once, else after the session's job polls and duration. */
function statusOf(session: Session, resource: StoredResource): 'processing' | 'complete' {
  return session.jobs.get(resource.id)?.status === 'Processing' ? 'processing' : 'complete';
}

// ---- Reading the file -----------------------------------------------------------------------------------

interface Row { line: number; rid: string; code: string | undefined }

/** A CSV value without the quotes a spreadsheet may put around it. */
const unquote = (value: string) => {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replaceAll('""', '"') : trimmed;
};

/** Why a line cannot be read as a row of this submission; null when it can. */
function lineProblem(values: string[], type: SubmissionType, line: number): string | null {
  if (type === 'approved_rids') {
    if (values.length !== 1) return `it has ${values.length} values; each line is one respondent ID (a UUID), with no header row`;
  } else {
    if (values.length !== 2) return `it has ${values.length} value${values.length === 1 ? '' : 's'}; each line is a respondent ID and a reason code, separated by a comma, with no header row`;
    const code = values[1]!;
    if (!/^\d{1,9}$/.test(code)) {
      return `'${code.slice(0, 50)}' is not a reason code (a number such as 11 or 932; request_reconciliation_reason_codes lists them)${line === 1 ? '; the file has no header row' : ''}`;
    }
  }
  return values[0] === '' ? 'the respondent ID is empty' : null;
}

/**
 * The file's rows, blank lines left out. A file that cannot be read as the document describes it is
 * refused whole, naming each line that is wrong (the first MAX_PROBLEMS of them); a readable row whose RID
 * Cint would not take is not refused here: it is an invalid RID of the request (see outcomesOf).
 */
function rowsOf(text: string, type: SubmissionType): Row[] {
  const rows: Row[] = [];
  const problems: InvalidParam[] = [];
  let wrong = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const values = raw.split(',').map(unquote);
    const problem = lineProblem(values, type, index + 1);
    if (problem === null) rows.push({ line: index + 1, rid: values[0]!, code: values[1] });
    else if ((wrong += 1) <= MAX_PROBLEMS) problems.push({ name: 'body', reason: `line ${index + 1}: ${problem}` });
  });
  if (wrong > 0) throw badRequest(problems, `${wrong} line${wrong === 1 ? '' : 's'} of the file cannot be read; nothing was submitted`);
  if (rows.length === 0) throw badRequest([{ name: 'body', reason: 'the file has no rows; send one respondent ID per line' }]);
  if (rows.length > MAX_ROWS) {
    throw badRequest([{ name: 'body', reason: `the file has ${rows.length} rows; a submission can contain up to ${MAX_ROWS}` }]);
  }
  return rows;
}

const csvOf = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');

// ---- Cint's reconciliation window, US Central time ------------------------------------------------------

/**
 * Where the months stand at `now`: completes before `openSince` are expired ("At midnight on the 26th of
 * the month, those RIDs will be outside their reconciliation window"); `dueThisMonth` are those whose
 * deadline is this month's 25th (last month's, while it has not passed), `dueNextMonth` this month's.
 */
function windowAt(now: number) {
  const { year, month, day } = centralAt(now);
  const lastMonth = centralMidnight(year, month - 1, 1);
  const thisMonth = centralMidnight(year, month, 1);
  const nextMonth = centralMidnight(year, month + 1, 1);
  const lastMonthOpen = day < 26;
  return {
    openSince: lastMonthOpen ? lastMonth : thisMonth,
    dueThisMonth: lastMonthOpen ? [lastMonth, thisMonth] : [thisMonth, thisMonth],
    dueNextMonth: [thisMonth, nextMonth],
  } as const;
}

/** The target group's completes from `from` up to `to`, from the simulator's completes per tick (a tick counts when it starts). */
function completesBetween(session: Session, group: TargetGroup, from: number, to = Infinity): number {
  let total = 0;
  for (const tick of completesByTick(session, group.id)) if (tick.startMs >= from && tick.startMs < to) total += tick.completes;
  return total;
}

/** A target group's RIDs are expired once its last complete is: the mock knows when completes came, not whose they were. */
function isExpired(session: Session, group: TargetGroup, openSince: number): boolean {
  const last = session.fills.get(group.id)?.lastCompleteAt;
  return last != null && last < openSince;
}

// ---- Working a submission out ---------------------------------------------------------------------------

/** The account's target groups (or the project's) that can be reconciled, oldest first. */
function reconcilableGroups(session: Session, accountId: number, projectId?: string): TargetGroup[] {
  return [...session.targetGroups.values()].filter((group) => RECONCILABLE.has(group.status)
    && (projectId === undefined ? session.projects.get(group.project_id)?.account_id === accountId : group.project_id === projectId));
}

/** Which of `count` target groups a RID is of: the same RID is of the same target group in every request. */
const groupIndexOf = (rid: string, count: number) => createHash('sha1').update(rid).digest().readUInt32BE(0) % count;

const noCounts = (): Counts => ({ submitted: 0, expired: 0, invalid: 0, positive: 0, negative: 0 });

/**
 * Each row's outcome. A RID names no target group by itself and the mock's respondents have none, so a
 * valid RID is taken to be of one of the target groups that can be reconciled, the same one every time
 * (a hash of the RID); with one such target group, every RID is of it. A RID that is not a UUID, one
 * listed twice, or one with no target group to be of is invalid. Rejected completes reverse each valid
 * RID (11 positively, any other code negatively); approved completes keep theirs and reverse every other
 * complete of the project still within its window (`negative`: the remaining completes).
 */
function outcomesOf(session: Session, groups: readonly TargetGroup[], rows: readonly Row[], type: SubmissionType) {
  const { openSince } = windowAt(session.now());
  const totals = noCounts();
  const byGroup = new Map<string, GroupCounts>();
  const countsOf = (group: TargetGroup) => {
    let counts = byGroup.get(group.id);
    if (!counts) byGroup.set(group.id, (counts = { target_group_id: group.id, ...noCounts() }));
    return counts;
  };
  if (type === 'approved_rids') for (const group of groups) countsOf(group);
  const expired: string[] = [];
  const invalid: string[] = [];
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    totals.submitted += 1;
    const key = row.rid.toUpperCase();
    const group = UUID.test(row.rid) && groups.length > 0 ? groups[groupIndexOf(key, groups.length)]! : undefined;
    const counts = group ? countsOf(group) : undefined;
    if (counts) counts.submitted += 1;
    const seen = firstLine.get(key);
    const why = !UUID.test(row.rid) ? 'not a respondent ID (a UUID)'
      : seen !== undefined ? `listed before, on line ${seen}`
        : !group ? `no target group of the ${type === 'approved_rids' ? 'project' : 'account'} can be reconciled (live, paused or completed)` : null;
    if (seen === undefined) firstLine.set(key, row.line);
    if (why !== null) {
      totals.invalid += 1;
      if (counts) counts.invalid += 1;
      invalid.push(`${csvField(row.rid)},${csvField(why)}`);
    } else if (isExpired(session, group!, openSince)) {
      totals.expired += 1;
      counts!.expired += 1;
      expired.push(csvField(row.rid));
    } else if (type === 'rejected_rids') {
      const side = row.code === POSITIVE_CODE ? 'positive' : 'negative';
      totals[side] += 1;
      counts![side] += 1;
    }
  }
  if (type === 'approved_rids') {
    for (const group of groups) {
      const counts = countsOf(group);
      const kept = counts.submitted - counts.invalid - counts.expired;
      counts.negative = Math.max(0, completesBetween(session, group, openSince) - kept);
      totals.negative += counts.negative;
    }
  }
  // A target group the request reverses nothing of and names no RID of is not one of its target groups.
  const targetGroups = groups.map((group) => byGroup.get(group.id)).filter((counts) => counts !== undefined && (counts.submitted > 0 || counts.negative > 0)) as GroupCounts[];
  return { totals, target_groups: targetGroups, expired_rids: expired, invalid_rids: invalid };
}

/** `name`: "the name of the file"; FileName allows 255 characters. */
function fileNameOf(query: unknown): string | undefined {
  const name = (query as { name?: string } | undefined)?.name;
  if (name !== undefined && name.length > 255) throw badRequest([{ name: 'name', reason: `'name' has ${name.length} characters; a file name has at most 255` }]);
  return name;
}

function submit(input: HandlerInput, accountId: number, type: SubmissionType, projectId?: string) {
  const { session } = input;
  if (projectId !== undefined) findProject(session, accountId, projectId);
  const name = fileNameOf(input.query);
  const file = typeof input.body === 'string' ? input.body : '';
  const outcomes = outcomesOf(session, reconcilableGroups(session, accountId, projectId), rowsOf(file, type), type);
  const record: Reconciliation = { ...(name !== undefined ? { name } : {}), submission_type: type, submitted_by: input.actor, file, ...outcomes };
  // The request and the job that processes it.
  session.reserve(2);
  const now = isoAt(session.now());
  const resource: StoredResource = { id: newId(), fields: record as unknown as Record<string, unknown>, etag: '', created_at: now, updated_at: now };
  session.resize(resource, jsonBytes(resource.fields));
  resource.etag = session.nextEtag();
  createJob(session, { id: resource.id, operation: input.operation.id, scope: String(accountId), actor: input.actor, work: { kind: 'record' }, timing: input.jobTiming, script: input.jobScript });
  session.addResource(collectionKeyOf(ITEM_PATH, [accountId]), resource);
  return { body: { ...(name !== undefined ? { name } : {}), request_id: resource.id } };
}

// ---- Reading it back ------------------------------------------------------------------------------------

/** The counts a reader sees: only the submitted ones until processing is done. */
function shownCounts(session: Session, resource: StoredResource, counts: Counts): Counts {
  return statusOf(session, resource) === 'complete' ? counts : { ...noCounts(), submitted: counts.submitted };
}

/** Reconciliation (get_reconciliation_by_request_id). */
function requestView(session: Session, resource: StoredResource) {
  const record = recordOf(resource);
  const counts = shownCounts(session, resource, record.totals);
  return {
    request_id: resource.id,
    ...(record.name !== undefined ? { name: record.name } : {}),
    status: statusOf(session, resource),
    submitted_at: resource.created_at,
    submitter_las_id: record.submitted_by,
    submitted_count: counts.submitted,
    expired_count: counts.expired,
    invalid_count: counts.invalid,
    positive_reversed_count: counts.positive,
    negative_reversed_count: counts.negative,
    submission_type: record.submission_type,
  };
}

/** ReconciliationRequests (an item of get_reconciliations_by_account_id). */
function listItemView(session: Session, resource: StoredResource) {
  const record = recordOf(resource);
  const counts = shownCounts(session, resource, record.totals);
  return {
    id: resource.id,
    ...(record.name !== undefined ? { name: record.name } : {}),
    submitted_at: resource.created_at,
    status: statusOf(session, resource),
    submitted_by_user_id: record.submitted_by,
    result_counts: {
      submitted: counts.submitted, expired: counts.expired, invalid: counts.invalid,
      total_reversed: counts.positive + counts.negative, positive_reversed: counts.positive, negative_reversed: counts.negative,
    },
    submission_type: record.submission_type,
  };
}

/** ReconciliationsTargetGroup. */
function targetGroupView(session: Session, resource: StoredResource, group: GroupCounts) {
  const counts = shownCounts(session, resource, group);
  return {
    target_group_id: group.target_group_id,
    status: statusOf(session, resource),
    submitted_count: counts.submitted,
    expired_count: counts.expired,
    invalid_count: counts.invalid,
    positive_reversed_count: counts.positive,
    negative_reversed_count: counts.negative,
  };
}

/** Made-up RIDs for the completes an approved submission leaves: the mock's respondents have none of their own. */
function remainingRids(requestId: string, groups: readonly GroupCounts[]): string[] {
  const rids: string[] = [];
  for (const group of groups) {
    for (let i = 0; i < group.negative && rids.length < MAX_ROWS; i += 1) {
      rids.push(uuidFromHash(`${requestId}/${group.target_group_id}/${i}`).toUpperCase());
    }
  }
  return rids;
}

/** The file of a download type, as the document's table says; undefined when it is not available (yet). */
function downloadOf(session: Session, resource: StoredResource, type: string): string | undefined {
  const record = recordOf(resource);
  if (type === 'submitted-rids') return record.file;
  // "Available once the submission has completed processing."
  if (statusOf(session, resource) === 'processing') return undefined;
  if (type === 'expired-rids') return csvOf(record.expired_rids);
  if (type === 'invalid-rids') return csvOf(record.invalid_rids);
  // remaining-project-completes: generated for approved_rids submissions only.
  return record.submission_type === 'approved_rids' ? csvOf(remainingRids(resource.id, record.target_groups)) : undefined;
}

// ---- Eligible target groups -----------------------------------------------------------------------------

interface EligibleQuery { page_size?: number; start_after?: string; due_month?: string; name?: string; status?: string; project_name?: string; project_manager_id?: string }

const contains = (text: unknown, part: string | undefined) => part === undefined || String(text ?? '').toLowerCase().includes(part.toLowerCase());

/** When each target group was last named by one of the account's reconciliation requests. */
function lastReconciledAt(session: Session, accountId: number): Map<string, string> {
  const last = new Map<string, string>();
  for (const resource of requestsOf(session, accountId)?.values() ?? []) {
    for (const group of recordOf(resource).target_groups) last.set(group.target_group_id, resource.created_at);
  }
  return last;
}

/**
 * The account's target groups with completes whose deadline is in the month asked for (this month: last
 * month's completes, until the 25th; next month: this month's), as the filters select, newest first.
 */
function eligibleGroups(session: Session, accountId: number, query: EligibleQuery) {
  const window = windowAt(session.now());
  const [from, to] = query.due_month === 'next_month' ? window.dueNextMonth : window.dueThisMonth;
  const reconciled = lastReconciledAt(session, accountId);
  const eligible = [];
  for (const group of [...session.targetGroups.values()].reverse()) {
    const project = session.projects.get(group.project_id);
    if (!project || project.account_id !== accountId) continue;
    const completes = completesBetween(session, group, from, to);
    const managerId = String(group.spec.project_manager_id ?? project.project_manager_id);
    if (completes === 0 || !contains(group.spec.name, query.name) || !contains(project.name, query.project_name)) continue;
    if ((query.status !== undefined && query.status !== group.status) || (query.project_manager_id !== undefined && query.project_manager_id !== managerId)) continue;
    const last = reconciled.get(group.id);
    const amount = costsOf(group, completes)?.total;
    eligible.push({
      name: String(group.spec.name ?? ''),
      target_group_id: group.id,
      project_id: project.id,
      project_manager: { id: managerId },
      status: group.status,
      project_name: project.name,
      ...(last !== undefined ? { last_reconciliation_date: last } : {}),
      eligible_completes: String(completes),
      // "Cost of eligible completes": the target group's CPI times them; left out without a CPI.
      ...(amount !== undefined ? { monetary_amount: amount } : {}),
    });
  }
  return eligible;
}

type MonetaryAmount = NonNullable<ReturnType<typeof costsOf>>['total'];

/**
 * The summary's amount: the eligible target groups' amounts added up, when every one of them has one and
 * all are in one currency; otherwise none (a sum of two currencies, or with an unpriced part, is no amount).
 */
function summaryAmount(amounts: readonly (MonetaryAmount | undefined)[]): MonetaryAmount | undefined {
  const first = amounts[0];
  if (first === undefined || amounts.some((amount) => amount?.currency_code !== first.currency_code)) return undefined;
  return { ...first, value: sumDecimals(amounts.map((amount) => amount!.value)) };
}

// ---- Handlers -------------------------------------------------------------------------------------------

export const reconciliationHandlers = {
  post_reconciliations: (input) => submit(input, input.params.account_id, 'rejected_rids'),

  post_reconciliations_completes: (input) => submit(input, input.params.account_id, 'approved_rids', input.params.project_id),

  get_reconciliations_by_account_id: ({ session, params, query }) => {
    if (query.status !== undefined && !['complete', 'processing'].includes(query.status)) {
      throw badRequest([{ name: 'status', reason: `'status' must be complete or processing, not '${query.status}'` }]);
    }
    const requests = [...(requestsOf(session, params.account_id)?.values() ?? [])].reverse().filter((resource) => {
      const record = recordOf(resource);
      return contains(record.name, query.name)
        && (query.submitted_by_user_id === undefined || query.submitted_by_user_id === record.submitted_by)
        && (query.status === undefined || query.status === statusOf(session, resource));
    });
    // `next_cursor` is the id of the last item of the page before, as `start_after` is.
    const page = pageOf(requests, (resource) => resource.id, { ...query, start_after: query.start_after ?? query.next_cursor });
    return {
      body: {
        reconciliation_requests: page.items.map((resource) => listItemView(session, resource)),
        next_cursor: page.nextCursor,
        page_size: pageSizeOf(query.page_size),
      },
    };
  },

  get_reconciliation_by_request_id: ({ session, params }) => {
    const resource = findRequest(session, params.account_id, params.request_id);
    // A read of the request is a poll of its job, as a job's status read is.
    const job = session.jobs.get(resource.id);
    if (job) pollJob(session, job);
    return { body: requestView(session, resource) };
  },

  get_target_groups_by_request_id: ({ session, params, query }) => {
    const resource = findRequest(session, params.account_id, params.request_id);
    const groups = [...recordOf(resource).target_groups].reverse();
    const page = pageOf(groups, (group) => group.target_group_id, query);
    return {
      body: {
        target_groups: page.items.map((group) => targetGroupView(session, resource, group)),
        next_cursor: page.nextCursor,
        page_size: pageSizeOf(query.page_size),
      },
    };
  },

  get_target_group_by_request_id_and_target_group_id: ({ session, params }) => {
    const resource = findRequest(session, params.account_id, params.request_id);
    const group = recordOf(resource).target_groups.find((counts) => counts.target_group_id === params.target_group_id);
    if (!group) throw notFound('target_group_id');
    return { body: targetGroupView(session, resource, group) };
  },

  get_recon_downloads: ({ session, params }) => {
    const resource = findRequest(session, params.account_id, params.request_id);
    const file = downloadOf(session, resource, params.download_type);
    if (file === undefined) {
      const why = statusOf(session, resource) === 'processing'
        ? 'is available once the submission has completed processing'
        : `is generated for approved_rids submissions only, and this one is ${recordOf(resource).submission_type}`;
      throw new CintError(404, `download_type: ${params.download_type} ${why}`);
    }
    return { headers: { 'content-type': 'text/csv; charset=utf-8' }, body: file };
  },

  get_eligible_target_groups: ({ session, params, query }) => {
    const eligible = eligibleGroups(session, params.account_id, query);
    const page = pageOf(eligible, (group) => group.target_group_id, query);
    const completes = eligible.reduce((total, group) => total + Number(group.eligible_completes), 0);
    const amount = summaryAmount(eligible.map((group) => group.monetary_amount));
    return {
      body: {
        target_groups: page.items,
        url: `/accounts/${params.account_id}/reconciliations/eligible-target-groups`,
        summary: { ...(amount !== undefined ? { monetary_amount: amount } : {}), completes: String(completes), target_group_count: String(eligible.length) },
        has_more: page.hasMore,
        // "Optional and may be omitted if there are no more pages."
        ...(page.nextCursor !== null ? { next_cursor: page.nextCursor } : {}),
        page_size: pageSizeOf(query.page_size),
      },
    };
  },
} satisfies Handlers;

