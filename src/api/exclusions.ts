// A target group's respondent exclusions beyond its exclusion groups and respondent-activity exclusions:
// the project exclusion status, which is the target group's own `exclusion.enabled` (what
// create_target_group sent, false without it), set per target group by the bulk PUT; and the blocklists
// of individual ids (RSIDs, Access Respondent GUIDs) that upload and remove-all jobs change. The jobs are
// the generic collections' (api/generic.ts), each upload storing the ids its file added; a blocklist is
// the fold of the target group's jobs that have Completed, in the order they were made (api/uploads.ts,
// shared with the recontacts), so a job changes the list when it ends (by its polls or the session's
// clock) and a failed one never does.
import { badRequest, type InvalidParam } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { isoAt } from '../sessions/lifecycle.js';
import { findProject, findTargetGroup } from '../sessions/lookup.js';
import { jsonBytes, targetGroupBytes, type Session, type TargetGroup } from '../sessions/store.js';
import type { AroundGeneric, Handler, HandlerInput, Handlers, Wrappers } from './handler.js';
import { pageOf, type PageQuery } from './shared.js';
import {
  completedInOrder, jobsOf, MAX_SAVED_IDS, partialSuccess, readIdFile, refuseWhileProcessing, respondentIdOf, uploadedFile, withBody, type TargetGroupPath,
} from './uploads.js';

type EntityType = 'RSID' | 'ACCESS_RESPONDENT_GUID';
type Params = TargetGroupPath & { job_id?: string };

/** Where the generic collections keep the jobs: each job's item path, per account, project and target group. */
const UPLOADS = operation('get_respondent_exclusions_upload_by_file_job').path;
const REMOVALS = operation('get_all_respondent_exclusions_removal_job').path;
/** The project's record of who set each target group's status and when, a singleton under this path. */
const POLICY_RECORD = operation('get_exclusion_by_project_api').path;

const paramsOf = (input: HandlerInput) => input.params as unknown as Params;

// ---- Project exclusion status ---------------------------------------------------------------------

/** What the bulk PUT last set for one target group: the value, by whom, when. */
interface PolicyUpdate { project_exclusion_enabled: boolean; updated_by: string; update_date: string }

const enabledOf = (group: TargetGroup): boolean => (group.spec.exclusion as { enabled?: unknown } | null | undefined)?.enabled === true;

const recordKey = (accountId: number, projectId: string) =>
  POLICY_RECORD.replace(':account_id', String(accountId)).replace(':project_id', projectId);

/**
 * ProjectExclusionStatusResponse. Its create date is the target group's (the status is one of its fields
 * from its creation); the update is the last bulk PUT's when it set the value the target group has now.
 * A draft's own body may have set another value since (update_target_group), of which the mock keeps no
 * author: then neither is shown.
 */
function policyOf(session: Session, accountId: number, group: TargetGroup) {
  const enabled = enabledOf(group);
  const update = session.singletons.get(recordKey(accountId, group.project_id))?.fields[group.id] as PolicyUpdate | undefined;
  return {
    project_exclusion_enabled: enabled,
    create_date: group.created_at,
    ...(update?.project_exclusion_enabled === enabled ? { updated_by: update.updated_by, update_date: update.update_date } : {}),
  };
}

/** Every listed target group must be one of the project's in the session: one unknown refuses the whole request. */
function checkPolicyItems(session: Session, projectId: string, items: readonly { target_group_id?: string; project_exclusion_enabled?: boolean }[]): void {
  const problems: InvalidParam[] = [];
  items.forEach((item, index) => {
    const idName = `[${index}].target_group_id`;
    const group = item.target_group_id === undefined ? undefined : session.targetGroups.get(item.target_group_id);
    if (item.target_group_id === undefined) problems.push({ name: idName, reason: `'${idName}' is required: the target group whose status is set.` });
    else if (!group || group.project_id !== projectId) problems.push({ name: idName, reason: `'${idName}' is not a target group of project ${projectId}.` });
    const statusName = `[${index}].project_exclusion_enabled`;
    if (item.project_exclusion_enabled === undefined) problems.push({ name: statusName, reason: `'${statusName}' is required: true or false.` });
  });
  if (problems.length) throw badRequest(problems);
}

/**
 * Counts each object at its new size, all or none: their growth together is checked first (a session
 * past maxSessionBytes changes nothing), then each is counted.
 */
function resizeAll(session: Session, sizes: readonly (readonly [object, number])[]): void {
  session.ensureRoom(sizes.reduce((growth, [object, bytes]) => growth + bytes - session.sizeOf(object), 0));
  for (const [object, bytes] of sizes) session.recount(object, bytes);
}

function setPolicies(input: HandlerInput<'update_bulk_target_group_exclusions_api'>): void {
  const { session, actor } = input;
  const { account_id: accountId, project_id: projectId } = input.params;
  findProject(session, accountId, projectId);
  const items = input.body ?? [];
  checkPolicyItems(session, projectId, items);
  // A target group listed twice gets its last status.
  const wanted = new Map(items.map((item) => [item.target_group_id!, item.project_exclusion_enabled!]));
  const now = isoAt(session.now());
  const key = recordKey(accountId, projectId);
  let record = session.singletons.get(key);
  if (!record) session.reserve();
  record ??= { id: key, fields: {}, etag: '', created_at: now, updated_at: now };
  const fields = { ...record.fields };
  const specs: [TargetGroup, Record<string, unknown>][] = [];
  for (const [id, enabled] of wanted) {
    fields[id] = { project_exclusion_enabled: enabled, updated_by: actor, update_date: now } satisfies PolicyUpdate;
    const group = session.targetGroups.get(id)!;
    if (enabledOf(group) !== enabled) {
      const exclusion = group.spec.exclusion && typeof group.spec.exclusion === 'object' ? group.spec.exclusion : {};
      specs.push([group, { ...group.spec, exclusion: { ...exclusion, enabled } }]);
    }
  }
  resizeAll(session, [[record, jsonBytes(fields)], ...specs.map(([group, spec]) => [group, targetGroupBytes(group, spec)] as const)]);
  record.fields = fields;
  record.updated_at = now;
  session.singletons.set(key, record);
  for (const [group, spec] of specs) {
    group.spec = spec;
    group.updated_at = now;
  }
}

// ---- Individual id blocklists --------------------------------------------------------------------

/**
 * What an upload keeps beside what the generic collection keeps: its entity type, the ids of its file
 * that were new to the list when it was made (space-separated: its share of the session's bytes), and
 * what the file held. Only one job runs at a time, so the list an upload was read against is the one
 * its job adds to when it ends: the list is these ids in order, with no repeat to remove at each read.
 */
interface UploadFields { entity_type: EntityType; ids: string; added: number; uploaded: number; failed: number }

/** The uploads whose ids are on the target group's `type` list: those Completed since its last Completed removal of that type. */
function listedUploads(session: Session, params: Params, type: EntityType): UploadFields[] {
  const removals = jobsOf(session, REMOVALS, params);
  let uploads: UploadFields[] = [];
  for (const done of completedInOrder(session, [jobsOf(session, UPLOADS, params), removals])) {
    if (done.fields.entity_type !== type) continue;
    if (removals?.has(done.id)) uploads = [];
    else uploads.push(done.fields as unknown as UploadFields);
  }
  return uploads;
}

/** The ids on the list, in the order they were uploaded. */
const listedIds = (uploads: readonly UploadFields[]): string[] => uploads.flatMap((upload) => (upload.ids ? upload.ids.split(' ') : []));
const countOf = (uploads: readonly UploadFields[]): number => uploads.reduce((sum, upload) => sum + upload.added, 0);

/** "Only one job can run at a time for a Target Group": an upload or removal still Processing refuses another, of either type. */
function refuseWhileAJobRuns(session: Session, params: Params): void {
  refuseWhileProcessing(session, [jobsOf(session, UPLOADS, params), jobsOf(session, REMOVALS, params)], 'respondent exclusions');
}

/**
 * The document's own example of a file puts its ids on one line between spaces: spaces, tabs, commas and
 * semicolons separate ids as line breaks do (api/uploads.ts reads one id a line, an empty line a failed one).
 */
const oneIdALine = (text: string) => text.split(/\r\n|\r|\n/).map((line) => line.trim().split(/[\s,;]+/).join('\n')).join('\n');
/** A CSV's value may come in double quotes. */
const exclusionIdOf = (token: string) => respondentIdOf(token.replace(/^"(.*)"$/, '$1'));

const ENTITY_NAMES: Record<EntityType, string> = { RSID: 'respondent ids (RSIDs)', ACCESS_RESPONDENT_GUID: 'Access Respondent GUIDs' };

/** The stored upload: the file's ids read, those new to the list kept. A file with no id, or past 100,000 ids, is a 400 naming `file`. */
function uploadFields(session: Session, params: Params, type: EntityType, body: unknown): UploadFields {
  const { ids, rejected } = readIdFile(oneIdALine(uploadedFile(body)), exclusionIdOf);
  if (ids.length === 0) {
    throw badRequest([{ name: 'file', reason: `'file' holds no id: each line must be one id (a UUID), with no header row${rejected ? `; ${rejected} ${rejected === 1 ? 'was' : 'were'} empty or not a UUID` : ''}.` }]);
  }
  const listed = new Set(listedIds(listedUploads(session, params, type)));
  const added = ids.filter((id) => !listed.has(id));
  if (listed.size + added.length > MAX_SAVED_IDS) {
    throw badRequest([{
      name: 'file',
      reason: `'file' would bring target group ${params.target_group_id}'s ${ENTITY_NAMES[type]} to ${listed.size + added.length} (${listed.size} and ${added.length} new); the total of existing and new ids must not exceed ${MAX_SAVED_IDS}.`,
    }]);
  }
  return { entity_type: type, ids: added.join(' '), added: added.length, uploaded: ids.length, failed: rejected };
}

/** An upload or removal job, made by the generic collection once the target group has none running, storing `fieldsOf`. */
function exclusionJob(fieldsOf: (input: HandlerInput, params: Params, type: EntityType) => Record<string, unknown>): AroundGeneric {
  return (generic) => (input) => {
    const params = paramsOf(input);
    findTargetGroup(input.session, params.account_id, params.project_id, params.target_group_id);
    refuseWhileAJobRuns(input.session, params);
    const type = (input.query as unknown as { entity_type: EntityType }).entity_type;
    return generic(withBody(input, fieldsOf(input, params, type)));
  };
}

/** "Upload partially successful": the documented reason, once a job is Success with lines that were empty or not an id. */
const withPartialSuccess: AroundGeneric = (generic) => async (input) => {
  const output = await generic(input);
  const params = paramsOf(input);
  const upload = jobsOf(input.session, UPLOADS, params)?.get(String(params.job_id))?.fields as unknown as UploadFields | undefined;
  if (upload && upload.failed > 0 && input.session.jobs.get(String(params.job_id))?.status === 'Completed') {
    (output.body as Record<string, unknown>).partial_success_reason = partialSuccess(upload.uploaded, upload.failed);
  }
  return output;
};

/** A page of a blocklist, in upload order; `next_cursor` is the last id of the page ('' on the last page), for `start_after`. */
function blocklistPage(type: EntityType, segment: string): Handler {
  return ({ session, params, query }) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = params as unknown as Params;
    findTargetGroup(session, accountId, projectId, targetGroupId);
    const page = pageOf(listedIds(listedUploads(session, params as unknown as Params, type)), (id) => id, query as unknown as PageQuery);
    return {
      body: {
        data: page.items,
        next_cursor: page.nextCursor ?? '',
        url: `accounts/${accountId}/projects/${projectId}/target-groups/${targetGroupId}/exclusions/${segment}/paginated`,
      },
    };
  };
}

export const exclusionHandlers = {
  update_bulk_target_group_exclusions_api: (input) => {
    setPolicies(input);
    return {};
  },

  // Newest first, as every list (decision 16).
  get_exclusion_by_project_api: ({ session, params }) => {
    findProject(session, params.account_id, params.project_id);
    const ids = session.targetGroupsByProject.get(params.project_id) ?? [];
    const groups = ids.map((id) => session.targetGroups.get(id)!).reverse();
    return { body: groups.map((group) => ({ target_group_id: group.id, project_exclusion_enabled: enabledOf(group) })) };
  },

  get_target_group_exclusion_policy_api: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: policyOf(session, params.account_id, group) };
  },

  get_target_group_rsid_exclusion_list_api_paginated: blocklistPage('RSID', 'rsid'),
  get_target_group_access_respondent_guid_exclusion_list_api_paginated: blocklistPage('ACCESS_RESPONDENT_GUID', 'access-respondent-guid'),

  get_exclusions_overview: ({ session, params }) => {
    findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return {
      body: {
        saved_respondent_ids_count: countOf(listedUploads(session, params, 'RSID')),
        saved_access_respondent_guids_count: countOf(listedUploads(session, params, 'ACCESS_RESPONDENT_GUID')),
      },
    };
  },
} satisfies Handlers;

export const exclusionWrappers: Wrappers = {
  exclusion_create_upload_rids_by_file_job: exclusionJob((input, params, type) => ({ ...uploadFields(input.session, params, type, input.body) })),
  exclusion_create_remove_all_respondents_job: exclusionJob((_input, _params, type) => ({ entity_type: type })),
  get_respondent_exclusions_upload_by_file_job: withPartialSuccess,
};
