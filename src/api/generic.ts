// The generic handler: how an operation without a handler of its own answers, planned once from the
// operation table. Collections (a POST that creates, an item path below it) keep what clients create
// per session; singletons (a GET and a PUT on one path) keep what was put; every other operation
// answers its documented example with the request's ids in it. Ids in the path must name objects the
// session holds, or the answer is Cint's 404 naming the parameter. An answer about a stored object
// shows its own id, times and authors, whatever its schema names them.
import { randomBytes, randomUUID } from 'node:crypto';
import { notFound } from '../cint/errors.js';
import { pageOf, pageSizeOf, type PageQuery } from './shared.js';
import { requireIfMatch } from '../cint/etag.js';
import type { Operation, OperationId } from '../cint/operations.js';
import { findFieldingRun, findProject, findTargetGroup, findTargetGroupById } from '../sessions/lookup.js';
import type { Job, Session, StoredResource } from '../sessions/store.js';
import { collectionKeyOf, jsonBytes, newId } from '../sessions/store.js';
import { answerFrom, fitsSchema, itemFields, listFieldOf, responseFields } from './answers.js';
import { JOB_KINDS } from '../cint/jobs.js';
import { createJob, pollJob } from '../sessions/jobs.js';
import { isoAt } from '../sessions/lifecycle.js';
import type { Handler, HandlerInput, HandlerOutput } from './handler.js';

export interface Family {
  /** The path of one item, e.g. /v1/accounts/:account_id/webhooks/:webhook_id */
  itemPath: string;
  idParam: string;
  /** The path parameters that scope the collection (all of the item path's but the id). */
  scopeParams: string[];
  newId: () => string | number;
  /** Fields of its answers that name who made it, and who changed it last: the actor is kept in them. */
  madeBy: string[];
  changedBy: string[];
}

type Role = 'create' | 'list' | 'read' | 'update' | 'delete' | 'singleton-read' | 'singleton-write' | 'other';

interface Plan {
  role: Role;
  family?: Family;
  /** Families whose items this operation's path reaches into: each must exist. */
  within: Family[];
}

const segmentsOfPath = new Map<string, readonly string[]>();
/** A path's segments, split once per path: planning compares every operation's path with the others'. */
const segments = (path: string): readonly string[] => {
  let split = segmentsOfPath.get(path);
  if (!split) segmentsOfPath.set(path, (split = path.split('/').filter(Boolean)));
  return split;
};
const paramsOf = (path: string) => segments(path).filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));

type Stamp = 'created_at' | 'updated_at' | 'created_by' | 'updated_by';
// Cint's APIs name an object's times and authors differently (created_at, create_date, submitted_at,
// last_modified_at; created_by, last_modified_by, submitted_by_user_id), so they are known by name.
// Other times (a report's start_date, a job's completed_at) say something else and are left alone.
const STAMPS: readonly (readonly [RegExp, Stamp])[] = [
  [/^(created?|submitted)_(at|date)$/, 'created_at'],
  [/^(updated?|(last_)?modified|last_updated)_(at|date)$/, 'updated_at'],
  [/^((created|submitted)_by(_user_id)?|submitter_las_id)$/, 'created_by'],
  [/^(updated|(last_)?modified|last_updated)_by(_user_id)?$/, 'updated_by'],
];

/** The fields among `names` that carry an object's stamps, with the stamp each carries. */
function stampsOf(names: Iterable<string>): [string, Stamp][] {
  const found: [string, Stamp][] = [];
  for (const name of names) {
    const stamp = STAMPS.find(([pattern]) => pattern.test(name))?.[1];
    if (stamp) found.push([name, stamp]);
  }
  return found;
}

/** The fields an answer shows of one stored object: the whole answer's, or a list item's. */
function shownFields(op: Operation, role: Role): Iterable<string> {
  if (role !== 'list') return responseFields(op.id, op.successStatus);
  const list = listFieldOf(op.id, op.successStatus);
  return (list && itemFields(op.id, op.successStatus, list)) ?? [];
}

/**
 * Operations that create into a collection whose item path is not simply theirs plus an id, or whose
 * item path's every operation is a handler of its own (nothing generic left to name the collection).
 */
export const CREATES_INTO: Partial<Record<OperationId, { itemPath: string; idParam: string }>> = {
  generate_report: { itemPath: '/v1/demand/accounts/:account_id/reports/:report_id', idParam: 'report_id' },
  post_reconciliations_completes: { itemPath: '/v1/demand/accounts/:account_id/reconciliations/:request_id', idParam: 'request_id' },
  // Either upload's job is read at either's status path (api/recontacts.ts).
  recontact_create_upload_rsids_by_file_job: {
    itemPath: '/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/recontacts/jobs/upload-rsids-by-file/:job_id', idParam: 'job_id',
  },
  recontact_create_upload_respondents_by_file_job: {
    itemPath: '/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/recontacts/jobs/upload-respondents-by-file/:job_id', idParam: 'job_id',
  },
};

function idMaker(operations: readonly Operation[], itemPath: string, idParam: string): () => string | number {
  const reader = operations.find((op) => op.path === itemPath || op.path.startsWith(`${itemPath}/`));
  const schema = (reader?.schemas as { params?: { properties?: Record<string, { pattern?: string; format?: string; type?: string }> } } | undefined)
    ?.params?.properties?.[idParam];
  if (schema?.type === 'integer' || schema?.type === 'number') {
    let next = 1000;
    return () => (next += 1);
  }
  if (schema?.format === 'uuid') return () => randomUUID();
  return () => newId();
}

/** Plans every operation that has no handler of its own. */
export function planOperations(operations: readonly Operation[], handled: ReadonlySet<string>): Map<OperationId, Plan> {
  const open = operations.filter((op) => !handled.has(op.id));
  const families = new Map<string, Family>();
  const familyOfCreate = new Map<OperationId, Family>();
  for (const op of open) {
    if (op.method !== 'POST') continue;
    const into = CREATES_INTO[op.id];
    const item = into ?? (() => {
      const child = operations.find((other) => other.method !== 'POST' && segments(other.path).length === segments(op.path).length + 1
        && other.path.startsWith(`${op.path}/:`) && !handled.has(other.id));
      return child ? { itemPath: child.path, idParam: segments(child.path).at(-1)!.slice(1) } : undefined;
    })();
    if (!item) continue;
    const family = families.get(item.itemPath) ?? {
      itemPath: item.itemPath, idParam: item.idParam,
      scopeParams: paramsOf(item.itemPath).filter((name) => name !== item.idParam),
      newId: idMaker(operations, item.itemPath, item.idParam),
      madeBy: [], changedBy: [],
    };
    families.set(item.itemPath, family);
    familyOfCreate.set(op.id, family);
  }

  const plans = new Map<OperationId, Plan>();
  for (const op of open) {
    const within = [...families.values()].filter((family) => op.path === family.itemPath || op.path.startsWith(`${family.itemPath}/`));
    const created = familyOfCreate.get(op.id);
    const own = families.get(op.path);
    const listed = [...families.values()].find((family) => family.itemPath.slice(0, family.itemPath.lastIndexOf('/')) === op.path);
    const twin = operations.find((other) => other !== op && other.path === op.path && !handled.has(other.id));
    let role: Role = 'other';
    let family: Family | undefined;
    if (created) { role = 'create'; family = created; }
    else if (own && op.method === 'GET') { role = 'read'; family = own; }
    else if (own && op.method === 'PUT') { role = 'update'; family = own; }
    else if (own && op.method === 'DELETE') { role = 'delete'; family = own; }
    else if (listed && op.method === 'GET') { role = 'list'; family = listed; }
    else if (!own && twin && op.method === 'GET' && twin.method === 'PUT') role = 'singleton-read';
    else if (!own && twin && op.method === 'PUT' && twin.method === 'GET') role = 'singleton-write';
    plans.set(op.id, { role, ...(family ? { family } : {}), within: role === 'create' ? within.filter((f) => f !== family) : within });
    // The author fields any answer about the family's objects shows are kept on each object.
    for (const [name, stamp] of family ? stampsOf(shownFields(op, role)) : []) {
      const kept = stamp === 'created_by' ? family!.madeBy : stamp === 'updated_by' ? family!.changedBy : undefined;
      if (kept && !kept.includes(name)) kept.push(name);
    }
  }
  return plans;
}

type Params = Record<string, string | number>;

function collectionKey(family: Family, params: Params): string {
  return collectionKeyOf(family.itemPath, family.scopeParams.map((name) => params[name]));
}

function findResource(session: Session, family: Family, params: Params): StoredResource {
  const resource = session.resources.get(collectionKey(family, params))?.get(String(params[family.idParam]));
  if (!resource) throw notFound(family.idParam);
  return resource;
}

/** The session's own objects named in the path must exist, and belong together. */
function checkPathObjects(session: Session, params: Params): void {
  const accountId = params.account_id as number | undefined;
  const projectId = params.project_id as string | undefined;
  const targetGroupId = params.target_group_id as string | undefined;
  const runId = params.fielding_run_id as string | undefined;
  // Every path that names a run or a project also names the account (and a run's, its target group).
  if (runId !== undefined) findFieldingRun(session, accountId!, projectId!, targetGroupId!, runId);
  else if (projectId !== undefined && targetGroupId !== undefined) findTargetGroup(session, accountId!, projectId, targetGroupId);
  else if (projectId !== undefined) findProject(session, accountId!, projectId);
  else if (targetGroupId !== undefined) findTargetGroupById(session, accountId, targetGroupId);
}

function fieldsOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? structuredClone(body) as Record<string, unknown> : {};
}

/** The job `id` names when `op` reads its status, polled; undefined otherwise. */
function jobStatusOf(session: Session, op: Operation, id: string): Job | undefined {
  const job = session.jobs.get(id);
  if (!job || JOB_KINDS[job.operation as OperationId]?.status !== op.id) return undefined;
  pollJob(session, job);
  return job;
}

/**
 * A status answer saying what the job says: its status in the words of its kind, when it ended and why
 * it failed. Fields that do not apply are null where the schema allows null, and left out otherwise.
 */
function jobAnswer(op: Operation, body: unknown, job: Job): unknown {
  const answer = body as Record<string, unknown>;
  const words = JOB_KINDS[job.operation as OperationId]!.words;
  answer.status = job.status === 'Processing' ? words.processing : job.status === 'Completed' ? words.completed : words.failed;
  if ('message' in answer) answer.message = job.status === 'Processing' ? 'Report generation is in progress.' : 'Job successful';
  if (!('job_id' in answer)) return answer;
  Object.assign(answer, { job_id: job.job_id, created_at: job.created_at, created_by: job.created_by });
  const fields: Record<string, unknown> = {
    completed_at: job.finished_at, failure_reason: job.failure_reason, partial_success_reason: null, job_trace_id: job.job_trace_id,
  };
  for (const [field, value] of Object.entries(fields)) {
    if (!(field in answer)) continue;
    answer[field] = value;
    if (value === null && !fitsSchema(op.id, op.successStatus, answer)) delete answer[field];
  }
  return answer;
}

const newSecret = () => randomBytes(32).toString('base64');

/** A weak ETag for an answer that has no stored version: the same body gives the same tag. */
export function contentEtag(body: unknown): string {
  const text = JSON.stringify(body) ?? '';
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `W/"${(hash >>> 0).toString(16)}"`;
}

type Times = readonly [string, Stamp][];

/** How an answer that is the document's example (or the user's reference data) pages its list, by the operation's query. */
type Paging = { kind: 'cursor' | 'number'; list: string } | null;

function pagingOf(op: Operation): Paging {
  const query = (op.schemas as { querystring?: { properties?: Record<string, unknown> } }).querystring?.properties ?? {};
  const list = listFieldOf(op.id, op.successStatus);
  if (!list || !('page_size' in query)) return null;
  if ('start_after' in query) return { kind: 'cursor', list };
  return 'page_number' in query ? { kind: 'number', list } : null;
}

/** An item's place in a fixed list as a cursor: base64 of [position, its id or name], as Cint's look (templates: template_id). */
function positionCursor(item: unknown, position: number, list: string): string {
  const fields = item && typeof item === 'object' ? item as Record<string, unknown> : {};
  const key = fields.id ?? fields[`${list.replace(/s$/, '')}_id`] ?? fields.name ?? null;
  return Buffer.from(JSON.stringify([position, key])).toString('base64');
}

/**
 * What pages an example's (or reference data's) list as the operation's query asks, worked out once per
 * operation; null where the operation takes no paging.
 */
export function examplePager(op: Operation): ((body: unknown, query: Record<string, unknown>) => unknown) | null {
  const paging = pagingOf(op);
  return paging ? (body, query) => pagedAnswer(op, paging, body, query) : null;
}

/**
 * One page of a list the document's example (or the user's reference data) holds: page_size items from
 * start_after / end_before (cursors from an earlier page) or from page_number, with has_more, next_cursor
 * and total saying so where the answer has them. Without it, a client following next_cursor would be
 * given the same page, and has_more, for ever.
 */
function pagedAnswer(op: Operation, paging: NonNullable<Paging>, body: unknown, query: Record<string, unknown>): unknown {
  const answer = body as Record<string, unknown>;
  const items = answer[paging.list];
  if (!Array.isArray(items)) return body;
  const size = pageSizeOf(query.page_size as number | undefined);
  if (paging.kind === 'number') {
    const from = ((query.page_number as number | undefined) ?? 0) * size;
    return { ...answer, [paging.list]: items.slice(from, from + size) };
  }
  const entries = items.map((item, position) => ({ item, cursor: positionCursor(item, position, paging.list) }));
  const page = pageOf(entries, (entry) => entry.cursor, query as PageQuery);
  const paged: Record<string, unknown> = { ...answer, [paging.list]: page.items.map((entry) => entry.item) };
  if ('total' in answer) paged.total = items.length;
  if ('has_more' in answer) paged.has_more = page.hasMore;
  if ('next_cursor' in answer) {
    paged.next_cursor = page.nextCursor;
    if (page.nextCursor === null && !fitsSchema(op.id, op.successStatus, paged)) paged.next_cursor = '';
  }
  return paged;
}

/** What an answer shows of a stored object: what was sent, its id, and its own times. */
function shown(resource: StoredResource, idField: string | undefined, id: unknown, times: Times): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...resource.fields };
  if (idField) fields[idField] = id;
  for (const [name, stamp] of times) fields[name] = stamp === 'created_at' ? resource.created_at : resource.updated_at;
  return fields;
}

/** Keeps the request's actor in the object's author fields: every one for a new object, the last changer's otherwise. */
function sign(fields: Record<string, unknown>, family: Family, input: HandlerInput, made: boolean): void {
  if (family.changedBy.length === 0 && (!made || family.madeBy.length === 0)) return;
  const actor = input.actor;
  if (made) for (const name of family.madeBy) fields[name] = actor;
  for (const name of family.changedBy) fields[name] = actor;
}

const timesOf = (names: Iterable<string>): Times => stampsOf(names).filter(([, stamp]) => stamp === 'created_at' || stamp === 'updated_at');

/**
 * `reference`: the JSON text of the user's own answer for this read (see api/reference-data.ts).
 * `pagesList`: false where a wrapper pages the answer itself (the webhook events history).
 */
export function genericHandler(op: Operation, plan: Plan, reference?: string, pagesList = true): Handler {
  const success = op.successStatus;
  const wantsEtag = (op.successHeaders as readonly string[]).includes('etag');
  const wantsLocation = (op.successHeaders as readonly string[]).includes('location');
  // If-Match is compared where the operation documents it; elsewhere the client has no ETag to send.
  const comparesIfMatch = op.ifMatch !== null;
  const fields = responseFields(op.id, success);
  // The stored object the answer is about: the family's, or the item an action acts on (regenerate-secret).
  const item = plan.within.at(-1);
  const object = plan.family ?? (plan.role === 'other' && item && segments(op.path).length === segments(item.itemPath).length + 1 ? item : undefined);
  // The answer's field that carries the object's own id: `webhook_id`, `report_id`, or plain `id`.
  const idField = object && !fields.has(object.idParam) && fields.has('id') ? 'id' : object?.idParam;
  const keep = idField ? [idField] : [];
  const times = object || plan.role.startsWith('singleton') ? timesOf(fields) : [];
  // A list's items show what their schema names of each object, under its names.
  const listField = plan.role === 'list' ? listFieldOf(op.id, success) : undefined;
  const listed = listField ? itemFields(op.id, success, listField) : null;
  const itemIdField = plan.family && listed && !listed.has(plan.family.idParam) && listed.has('id') ? 'id' : plan.family?.idParam;
  const itemTimes = listed ? timesOf(listed) : [];
  // A webhook's signing secret is the client's to keep: made on creation and by regenerate-secret.
  const answersSecret = fields.has('secret');
  // An example's (or reference data's) list, paged as the query asks.
  const pager = plan.role === 'other' && pagesList ? examplePager(op) : null;
  const page = (body: unknown, input: HandlerInput) => (pager ? pager(body, (input.query ?? {}) as Record<string, unknown>) : body);

  return (input: HandlerInput): HandlerOutput => {
    const session = input.session;
    const params = (input.params ?? {}) as Params;
    checkPathObjects(session, params);
    for (const family of plan.within) findResource(session, family, params);
    const ifMatch = comparesIfMatch ? input.headers['if-match'] : undefined;
    const headers: Record<string, string> = {};
    const answer = (overlay: Record<string, unknown>, etag?: string, items?: Record<string, unknown>[]): HandlerOutput => {
      const body = answerFrom(op.id, success, { ...params, ...overlay }, items ? { entries: items } : undefined, keep);
      if (wantsEtag) headers.etag = etag ?? contentEtag(body);
      return { status: success, headers, body };
    };
    const now = isoAt(session.now());

    switch (plan.role) {
      case 'create': {
        const family = plan.family!;
        // A job's creation holds two objects: what was sent, and the job that reports on it.
        session.reserve(JOB_KINDS[op.id] ? 2 : 1);
        const id = family.newId();
        const resource: StoredResource = { id: String(id), fields: fieldsOf(input.body), etag: '', created_at: now, updated_at: now };
        if (answersSecret) resource.fields.secret = newSecret();
        sign(resource.fields, family, input, true);
        session.resize(resource, jsonBytes(resource.fields));
        resource.etag = session.nextEtag();
        if (JOB_KINDS[op.id]) {
          createJob(session, { id: resource.id, operation: op.id, scope: '', actor: input.actor, work: { kind: 'record' }, timing: input.jobTiming, script: input.jobScript });
        }
        session.addResource(collectionKey(family, params), resource);
        if (wantsLocation) headers.location = `${input.path}/${resource.id}`;
        return answer(shown(resource, idField, id, times), resource.etag);
      }
      case 'read': {
        const family = plan.family!;
        const resource = findResource(session, family, params);
        const read = answer(shown(resource, idField, params[family.idParam], times), resource.etag);
        const job = jobStatusOf(session, op, resource.id);
        return job ? { ...read, body: jobAnswer(op, read.body, job) } : read;
      }
      case 'update': {
        const family = plan.family!;
        const resource = findResource(session, family, params);
        requireIfMatch(ifMatch, resource.etag);
        const fields = { ...resource.fields, ...fieldsOf(input.body) };
        sign(fields, family, input, false);
        session.resize(resource, jsonBytes(fields));
        resource.fields = fields;
        resource.etag = session.nextEtag();
        resource.updated_at = now;
        return answer(shown(resource, idField, params[family.idParam], times), resource.etag);
      }
      case 'delete': {
        const family = plan.family!;
        const resource = findResource(session, family, params);
        requireIfMatch(ifMatch, resource.etag);
        session.removeResource(session.resources.get(collectionKey(family, params)), resource);
        return { status: success, headers };
      }
      case 'list': {
        const family = plan.family!;
        const collection = session.resources.get(collectionKey(family, params));
        const page = pageOf([...(collection?.values() ?? [])].reverse(), (resource) => resource.id, (input.query ?? {}) as PageQuery);
        const entries = page.items.map((resource) => shown(resource, itemIdField, resource.id, itemTimes));
        return answer({ has_more: page.hasMore, next_cursor: page.nextCursor ?? '' }, undefined, entries);
      }
      case 'singleton-read': {
        const stored = session.singletons.get(input.path);
        return answer(stored ? shown(stored, undefined, undefined, times) : {}, stored?.etag);
      }
      case 'singleton-write': {
        const existing = session.singletons.get(input.path);
        if (existing) requireIfMatch(ifMatch, existing.etag);
        // A PUT replaces: what the last one left out is gone.
        const stored = session.putSingleton(input.path, fieldsOf(input.body), now);
        stored.etag = session.nextEtag();
        return answer(shown(stored, undefined, undefined, times), stored.etag);
      }
      default: {
        if (reference !== undefined) return { status: success, headers, body: page(JSON.parse(reference), input) };
        const resource = item ? findResource(session, item, params) : undefined;
        const about = (stored: StoredResource) => (object ? shown(stored, idField, params[object.idParam], times) : stored.fields);
        // A report's status is its job's.
        const job = resource && jobStatusOf(session, op, resource.id);
        if (job) return { status: success, headers, body: jobAnswer(op, answer(about(resource), resource.etag).body, job) };
        if (resource) requireIfMatch(ifMatch, resource.etag);
        // An action on an item that answers a secret (regenerate_webhook_secret) makes a new one.
        if (resource && op.method === 'POST' && answersSecret) {
          resource.fields.secret = newSecret();
          sign(resource.fields, item!, input, false);
          resource.etag = session.nextEtag();
          resource.updated_at = now;
        }
        const read = answer(resource ? about(resource) : {}, resource?.etag);
        return pager ? { ...read, body: page(read.body, input) } : read;
      }
    }
  };
}
