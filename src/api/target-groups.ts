// Target groups: get_list_target_groups, create_target_group, get_target_group, update_target_group.
import { badRequest, type InvalidParam } from '../cint/errors.js';
import { appendId, findProject, findTargetGroup } from '../sessions/lookup.js';
import { paginate } from '../sessions/pagination.js';
import { humanReadableId, jsonBytes, newId, type Session, type TargetGroup } from '../sessions/store.js';
import type { Handlers } from './handler.js';
import { withCheckedProfiling } from './profiles.js';
import { draftView, newProfileIdBase } from './target-group-shape.js';
import { progressOf, replaceSpec } from './target-group-views.js';
import { cursorOf, highlight, localeParts, pageSizeOf } from './shared.js';
import { isoAt } from '../sessions/lifecycle.js';

const DIGITS = /^\d{1,9}$/;

// Cint takes business_unit_id as a string but returns it as an integer: only digits can be both.
function checkBusinessUnit(body: { business_unit_id: string }): void {
  if (!DIGITS.test(body.business_unit_id)) {
    throw badRequest([{ name: 'business_unit_id', reason: "'business_unit_id' must be the numeric id of a business unit." }]);
  }
}

/**
 * The same for supplier ids: strings in the allocations sent, the integer id of a supplier object in the
 * allocations read back (get_target_group). Every one that is not digits is named, under `prefix` (the
 * allocations' place in the body); an open exchange group's ids are in `groupField`.
 */
export function checkSupplierIds(allocations: unknown, prefix: string, groupField: 'suppliers' | 'supplier_ids'): void {
  const problems: InvalidParam[] = [];
  const check = (value: unknown, name: string) => {
    if (typeof value === 'string' && !DIGITS.test(value)) problems.push({ name, reason: `'${name}' must be the numeric id of a supplier.` });
  };
  const checkAll = (values: unknown, name: string) => {
    if (Array.isArray(values)) values.forEach((value, index) => check(value, `${name}[${index}]`));
  };
  const parts = allocations as Record<string, { blocked_supplier_ids?: unknown; groups?: unknown } | undefined> | undefined;
  for (const exchange of ['open_exchange_allocations', 'private_exchange_allocations']) {
    const part = parts?.[exchange];
    if (!part) continue;
    const at = `${prefix}${exchange}`;
    checkAll(part.blocked_supplier_ids, `${at}.blocked_supplier_ids`);
    if (!Array.isArray(part.groups)) continue;
    (part.groups as Record<string, unknown>[]).forEach((group, index) => {
      checkAll(group?.[groupField], `${at}.groups[${index}].${groupField}`);
      check(group?.supplier_id, `${at}.groups[${index}].supplier_id`);
    });
  }
  if (problems.length) throw badRequest(problems);
}

/**
 * The search and filters get_list_target_groups and compute_target_group_transitions share: `search`
 * (lower case) in the name or human-readable id, and the status, country and language filters, several
 * values of one being alternatives (an empty list matches nothing). The document's country and language
 * values are lower case (^[a-z]{2}$, ^[a-z]{3}$), checked before this runs.
 */
export function targetGroupMatcher(criteria: { search?: string | undefined; status?: readonly string[] | undefined; country?: readonly string[] | undefined; language?: readonly string[] | undefined }): (group: TargetGroup) => boolean {
  const { search } = criteria;
  const statuses = criteria.status ? new Set<string>(criteria.status) : null;
  const countries = criteria.country ? new Set<string>(criteria.country) : null;
  const languages = criteria.language ? new Set<string>(criteria.language) : null;
  return (group) => (!statuses || statuses.has(group.status))
    && (!search || String(group.spec.name).toLowerCase().includes(search) || group.human_readable_id.toLowerCase().includes(search))
    && (!countries || countries.has(localeParts(group.spec.locale).country))
    && (!languages || languages.has(localeParts(group.spec.locale).language));
}

function targetGroupListItem(session: Session, group: TargetGroup, search: string | undefined) {
  const name = String(group.spec.name);
  const exclusion = group.spec.exclusion as { enabled?: boolean } | null | undefined;
  const reference = group.spec.target_group_customer_reference_number;
  return {
    id: group.id,
    human_readable_id: group.human_readable_id,
    name,
    ...(search ? { highlighted_name: highlight(name, search) } : {}),
    project_manager_id: String(group.spec.project_manager_id),
    exclusion_enabled: exclusion?.enabled === true,
    locale: String(group.spec.locale),
    status: group.status,
    created_at: group.created_at,
    updated_at: group.updated_at,
    statistics: {
      progress: {
        value: progressOf(session, group),
        issues: [],
      },
    },
    ...(typeof reference === 'string' ? { target_group_customer_reference_number: reference } : {}),
  };
}

export const targetGroupHandlers = {
  get_list_target_groups: ({ session, params, query }) => {
    const { account_id: accountId, project_id: projectId } = params;
    findProject(session, accountId, projectId);
    const search = (query.search_string ?? query.name)?.toLowerCase();
    const matches = targetGroupMatcher({ search, status: query.status, country: query.country, language: query.language });
    const readableIds = query.human_readable_ids ? new Set(query.human_readable_ids) : null;
    const references = query.target_group_customer_reference_numbers ? new Set(query.target_group_customer_reference_numbers) : null;
    const page = paginate(session.targetGroupsByProject.get(projectId) ?? [], (id) => session.targetGroups.get(id), {
      pageSize: pageSizeOf(query.page_size), startAfter: cursorOf('start_after', query.start_after), endBefore: cursorOf('end_before', query.end_before),
    }, (group) => matches(group)
      && (!readableIds || readableIds.has(group.human_readable_id))
      && (!references || references.has(String(group.spec.target_group_customer_reference_number)))
      && (!query.project_manager_id || String(group.spec.project_manager_id).toLowerCase() === query.project_manager_id.toLowerCase())
      && (query.exclusion_status === undefined || ((group.spec.exclusion as { enabled?: boolean } | undefined)?.enabled === true) === query.exclusion_status));
    return {
      body: {
        url: `/accounts/${accountId}/projects/${projectId}/target-groups`,
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
        target_groups: page.items.map((group) => targetGroupListItem(session, group, search)),
      },
    };
  },

  create_target_group: ({ session, params, body: sent }) => {
    const project = findProject(session, params.account_id, params.project_id);
    checkBusinessUnit(sent);
    checkSupplierIds(sent.allocations, 'allocations.', 'suppliers');
    const body = withCheckedProfiling(session, params.account_id, sent);
    session.reserve();
    const spec = structuredClone(body) as Record<string, unknown>;
    const now = isoAt(session.now());
    const group: TargetGroup = {
      id: newId(),
      human_readable_id: humanReadableId(7),
      project_id: project.id,
      status: 'draft',
      created_at: now,
      updated_at: now,
      spec,
      profileIdBase: newProfileIdBase(),
      changelog: [],
    };
    session.resize(group, jsonBytes(spec) + jsonBytes(group.profileIdBase));
    session.targetGroups.set(group.id, group);
    appendId(session.targetGroupsByProject, project.id, group.id);
    project.last_activity_at = now;
    return { body: { id: group.id } };
  },

  // A draft is read here; once launched or scheduled the target group lives at its details (301).
  get_target_group: ({ session, params, path, directory }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    if (group.status !== 'draft') return { status: 301, headers: { location: `${path}/details` } };
    return { body: draftView(group, directory) };
  },

  // Only a draft is updated here (a launched one through update_launched_target_group_details); the
  // operation documents no 409 or 422, so the refusal is its 400 with a detail saying why.
  update_target_group: ({ session, params, body: sent, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    if (group.status !== 'draft') {
      throw badRequest([], `target group ${group.id} is ${group.status}, and only a draft can be updated here; change a launched target group with update_launched_target_group_details (PUT …/details)`);
    }
    checkBusinessUnit(sent);
    checkSupplierIds(sent.allocations, 'allocations.', 'suppliers');
    const body = withCheckedProfiling(session, params.account_id, sent, sent.locale ?? group.spec.locale);
    const before = group.spec;
    const spec = structuredClone(body) as Record<string, unknown>;
    replaceSpec(session, group, actor, spec);
    // The body replaces the draft's, profiles included: they get new ids (the request carries none), of the same length.
    group.profileIdBase = newProfileIdBase();
    // The assignment is readable (and PUT) on its own path, with an ETag that must change when it does.
    if (JSON.stringify(before.fielding_assistant_assignment) !== JSON.stringify(spec.fielding_assistant_assignment)) group.assignmentEtag = session.nextEtag();
    return {};
  },
} satisfies Handlers;
