// A target group's settings that have a path of their own: the Fielding Assistant assignment, the
// allocation specification and the respondent-activity exclusions (and, set only on theirs, its cost
// per interview and filling strategy). Each is a field of the target group
// the client created (create_target_group's body has all three), so each GET reads that field and each
// PUT replaces it: get_target_group shows what the settings' PUT put, and the settings' GET what
// create_target_group or update_target_group sent.
import { badRequest, preconditionFailed, type InvalidParam } from '../cint/errors.js';
import { ifMatchSatisfied, requireIfMatch } from '../cint/etag.js';
import { findTargetGroup } from '../sessions/lookup.js';
import { isoAt } from '../sessions/lifecycle.js';
import { targetGroupBytes, type Session, type TargetGroup } from '../sessions/store.js';
import type { Handlers } from './handler.js';
import { addChangelogEntry, ensureChangelogRoom, type Change } from '../sessions/changelog.js';
import { activityExclusionsOf, allocationGroupIds, allocationSpecificationOf } from './target-group-shape.js';
import { currencyScaleOf } from './money.js';
import { checkSupplierIds } from './target-groups.js';

type Json = Record<string, unknown>;

/**
 * The assignment's ETag: a revision of the session's (as every other stored object's), given when a PUT
 * changes the assignment; W/"0" until one does (the assignment create_target_group sent).
 */
export const assignmentEtagOf = (group: TargetGroup): string => group.assignmentEtag ?? 'W/"0"';

/**
 * Replaces one field of the target group's stored body, keeping the session's byte count right, with a
 * changelog entry of `changes` made by `actor` (none when nothing changed): the field and the entry are
 * both counted before either is made, so a session past maxSessionBytes changes nothing.
 */
function replaceField(session: Session, group: TargetGroup, field: string, value: unknown, actor: string | null = null, changes: Change[] = []): void {
  ensureChangelogRoom(session, actor, changes);
  const spec = { ...group.spec, [field]: value };
  session.resize(group, targetGroupBytes(group, spec));
  group.spec = spec;
  group.updated_at = isoAt(session.now());
  addChangelogEntry(session, group, actor, group.updated_at, changes);
}

// ---- Fielding Assistant assignment ----------------------------------------------------------------

type Module = Json | null | undefined;
type Pick = (assignment: Json) => unknown;

const moduleOf = (assignment: Json, name: string): Module => assignment[name] as Module;
const ofType = (name: string, type: string, field: string): Pick => (assignment) => {
  const module = moduleOf(assignment, name);
  return module?.type === type ? module[field] : undefined;
};
const field = (name: string, key: string): Pick => (assignment) => moduleOf(assignment, name)?.[key];
/** A module's amount as the changelog's MonetaryAmount, with the currency's ISO 4217 scale. */
const amount = (pick: Pick): Pick => (assignment) => {
  const money = pick(assignment) as Json | null | undefined;
  return money ? { value: money.value, currency_code: money.currency_code, currency_scale: currencyScaleOf(String(money.currency_code)) } : money;
};

/**
 * The changelog's change objects for the assignment's modules, each with what it reads of an
 * assignment; null when the module is off (the schema's "could be null if ... switched off"). The
 * rate card's boost CPI has no change object of its own and is not recorded.
 */
const ASSIGNMENT_CHANGES: readonly (readonly [string, Pick])[] = [
  ['pricing_assistance_change', (assignment) => (moduleOf(assignment, 'pricing')?.type === 'dynamic' ? 'dynamic' : null)],
  ['pricing_dynamic_total_budget_change', amount(ofType('pricing', 'dynamic', 'total_budget'))],
  ['pricing_dynamic_maximum_cpi_change', amount(ofType('pricing', 'dynamic', 'maximum_cpi'))],
  ['pricing_dynamic_minimum_cpi_change', amount(ofType('pricing', 'dynamic', 'minimum_cpi'))],
  ['pricing_rate_card_maximum_cpi_change', amount(ofType('pricing', 'rate_card', 'maximum_cpi'))],
  ['quota_overlay_assisted_change', (assignment) => Boolean(moduleOf(assignment, 'quota_overlay'))],
  ['quota_overlay_prevent_overfilling_change', field('quota_overlay', 'prevent_overfill')],
  ['quota_overlay_balance_fill_change', field('quota_overlay', 'balance_fill')],
  ['pacing_assistance_change', field('pacing', 'type')],
  ['pacing_linear_increment_interval_change', ofType('pacing', 'linear', 'increment_interval')],
  ['pacing_adaptive_increment_interval_change', ofType('pacing', 'adaptive', 'increment_interval')],
  ['pacing_gemini_exposed_target_group_id_change', ofType('pacing', 'gemini', 'exposed_target_group_id')],
  ['soft_launch_assisted_change', (assignment) => Boolean(moduleOf(assignment, 'soft_launch'))],
  ['soft_launch_end_date_change', field('soft_launch', 'end_at')],
  ['soft_launch_filling_goal_percentage_change', field('soft_launch', 'filling_goal_percentage')],
  ['soft_launch_demographics_strictness_percentage_change', field('soft_launch', 'demographics_strictness_percentage')],
];

/** What changed from one assignment to the next, as the changelog's change objects. */
export function assignmentChanges(before: Json, after: Json): Change[] {
  const changes: Change[] = [];
  for (const [object, pick] of ASSIGNMENT_CHANGES) {
    const old_value = pick(before) ?? null;
    const new_value = pick(after) ?? null;
    if (JSON.stringify(old_value) !== JSON.stringify(new_value)) changes.push({ object, new_value, old_value });
  }
  return changes;
}

const assignmentOf = (group: TargetGroup): Json => {
  const assignment = group.spec.fielding_assistant_assignment;
  return assignment && typeof assignment === 'object' ? assignment as Json : {};
};

// ---- Respondent-activity exclusions ---------------------------------------------------------------

const DATE_PERIOD = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;
const DAY_MS = 86_400_000;

/**
 * The days an exclusion period looks back from `now`, months and years by the calendar ("looking back one
 * month from March 31 results in February 28"); null when the period is not date-based (PT1H, P1DT2H).
 */
export function periodDays(period: string, now: number): number | null {
  const match = DATE_PERIOD.exec(period);
  if (!match) return null;
  const [years, months, weeks, days] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
  const at = new Date(now);
  const day = at.getUTCDate();
  at.setUTCDate(1);
  at.setUTCFullYear(at.getUTCFullYear() - years, at.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
  at.setUTCDate(Math.min(day, lastDay));
  return Math.round((now - at.getTime()) / DAY_MS) + weeks * 7 + days;
}

/** "Must be between 1 and 396 days", date-based only: each duration of the body that is not is named. */
export function checkExclusionDurations(body: Json, now: number, at: string): InvalidParam[] {
  const problems: InvalidParam[] = [];
  const check = (value: unknown, name: string) => {
    if (typeof value !== 'string') return;
    const days = periodDays(value, now);
    if (days === null) problems.push({ name, reason: `'${name}' must be a date-based ISO 8601 period (P30D, P2W, P3M, P1Y); time-based values such as PT1H are not supported.` });
    else if (days < 1 || days > 396) problems.push({ name, reason: `'${name}' must be between 1 and 396 days (${value} is ${days}).` });
  };
  check(body.duration, 'duration');
  const items = body.respondent_activity_exclusions;
  // An item given the request's duration (hooks/exclusion-durations.ts) is named only at the root.
  if (Array.isArray(items)) items.forEach((item: Json, index) => { if (item?.duration !== body.duration) check(item?.duration, `${at}[${index}].duration`); });
  return problems;
}

// ---- Allocation specification ---------------------------------------------------------------------

interface GroupSent { group_id?: string; group_name: string; min_percentage: number; max_percentage: number }

/**
 * SupplyAllocationUpdateRequest in the shape create_target_group's `allocations` has (open groups' ids in
 * `suppliers`, not `supplier_ids`), each group with its id: the one it was sent with, which must name a
 * group the target group has ("to update an existing group, include its group_id"), else a new one.
 */
function allocationsFromUpdate(body: Json, current: unknown, group: TargetGroup): Json {
  const open = body.open_exchange_allocations as Json & { groups: (GroupSent & { supplier_ids: string[] })[] };
  const closed = body.private_exchange_allocations as Json & { groups: (GroupSent & { supplier_id: string })[] };
  const known = new Set(allocationGroupIds(current));
  const problems: InvalidParam[] = [];
  const sent = [...open.groups.map((sentGroup, index) => ({ sentGroup, name: `open_exchange_allocations.groups[${index}].group_id` })),
    ...closed.groups.map((sentGroup, index) => ({ sentGroup, name: `private_exchange_allocations.groups[${index}].group_id` }))];
  const taken = new Set<string>();
  for (const { sentGroup, name } of sent) {
    if (sentGroup.group_id === undefined) continue;
    if (!known.has(sentGroup.group_id)) problems.push({ name, reason: `'${name}' names no group of target group ${group.id}; leave it out to create a group.` });
    else if (taken.has(sentGroup.group_id)) problems.push({ name, reason: `'${name}' names group ${sentGroup.group_id} twice.` });
    taken.add(sentGroup.group_id);
  }
  if (problems.length) throw badRequest(problems);
  // New groups are numbered after every id in use, so an id is never given to two groups.
  let next = Math.max(0, ...[...known, ...taken].map(Number).filter(Number.isSafeInteger));
  const idOf = (sentGroup: GroupSent) => sentGroup.group_id ?? String((next += 1));
  const common = (sentGroup: GroupSent) => ({
    group_id: idOf(sentGroup), group_name: sentGroup.group_name, min_percentage: sentGroup.min_percentage, max_percentage: sentGroup.max_percentage,
  });
  return {
    open_exchange_allocations: {
      blocked_supplier_ids: open.blocked_supplier_ids,
      exchange_min_percentage: open.exchange_min_percentage,
      exchange_max_percentage: open.exchange_max_percentage,
      groups: open.groups.map((sentGroup) => ({ ...common(sentGroup), suppliers: sentGroup.supplier_ids })),
    },
    private_exchange_allocations: {
      blocked_supplier_ids: closed.blocked_supplier_ids,
      groups: closed.groups.map((sentGroup) => ({ ...common(sentGroup), supplier_id: sentGroup.supplier_id })),
    },
  };
}

/** The CPI last requested with update_cost_per_interview, as the target group's changelog holds it; null when none was. */
function lastRequestedCpi(changelog: Record<string, unknown>[]): unknown {
  for (let i = changelog.length - 1; i >= 0; i -= 1) {
    const change = (changelog[i]!.changes as { object: string; new_value: unknown }[]).find((item) => item.object === 'user_requested_cpi_change');
    if (change) return change.new_value;
  }
  return null;
}

export const targetGroupSettingsHandlers = {
  get_fielding_assistant_assignment: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { headers: { etag: assignmentEtagOf(group) }, body: assignmentOf(group) };
  },

  // "Creates or fully replaces": a module left out is disabled, and {} disables them all. What changed
  // is one changelog entry, as update_filling_strategy's is (a draft's too).
  create_or_update_fielding_assistant_assignment: ({ session, params, headers, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const etag = assignmentEtagOf(group);
    requireIfMatch(headers['if-match'], etag);
    // If-None-Match as HTTP has it: the PUT is refused while the current assignment matches (any, for *).
    const noneMatch = headers['if-none-match'];
    if (typeof noneMatch === 'string' && ifMatchSatisfied(noneMatch, etag)) {
      throw preconditionFailed(`The Fielding Assistant assignment matches If-None-Match ${noneMatch} (current ETag ${etag}); it was not changed.`);
    }
    replaceField(session, group, 'fielding_assistant_assignment', structuredClone(body), actor, assignmentChanges(assignmentOf(group), body as Json));
    group.assignmentEtag = session.nextEtag();
    return {};
  },

  get_target_group_allocation_specification: ({ session, params, directory }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: allocationSpecificationOf(group.spec.allocations, directory) };
  },

  update_target_group_allocation_specification: ({ session, params, body }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    checkSupplierIds(body, '', 'supplier_ids');
    const allocations = allocationsFromUpdate(body as Json, group.spec.allocations, group);
    replaceField(session, group, 'allocations', allocations);
    return {};
  },

  get_target_group_respondent_activity_exclusions: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: { respondent_activity_exclusions: activityExclusionsOf(group.spec.respondent_activity_exclusions) ?? [] } };
  },

  // "This operation will overwrite any previous existing list." Each item's duration is its own, else the
  // request's (hooks/exclusion-durations.ts gives it before the schema's P90D default would).
  set_target_group_respondent_activity_exclusions: ({ session, params, body }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const problems = checkExclusionDurations(body as Json, session.now(), 'respondent_activity_exclusions');
    body.respondent_activity_exclusions.forEach((item, index) => {
      if ((item.type === 'target-group' && item.id === group.id) || (item.type === 'project' && item.id === group.project_id)) {
        const name = `respondent_activity_exclusions[${index}].id`;
        problems.push({ name, reason: `'${name}': a target group cannot exclude its own respondent activity or that of its project (${item.id}).` });
      }
    });
    if (problems.length) throw badRequest(problems);
    const items = body.respondent_activity_exclusions.map((item) => ({ type: item.type, id: item.id, duration: item.duration ?? body.duration ?? 'P90D' }));
    replaceField(session, group, 'respondent_activity_exclusions', items);
    return {};
  },

  // "The target group cannot be in draft state. The Target Group CPI must not exceed the platform limit
  // of $105.00": other currencies are not compared (the mock has no exchange rates).
  update_cost_per_interview: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    if (group.status === 'draft') {
      throw badRequest([], `target group ${group.id} is a draft; its cost per interview is updated here once it is launched or scheduled (a draft's with update_target_group)`);
    }
    const { value, currency_code: currency } = body.target_group_cpi;
    const problems: InvalidParam[] = [];
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) problems.push({ name: 'target_group_cpi.value', reason: "'target_group_cpi.value' must be a decimal number in a string, as '2.50'." });
    else if (currency === 'USD' && Number(value) > 105) problems.push({ name: 'target_group_cpi.value', reason: "'target_group_cpi.value' must not exceed the platform limit of 105.00 USD." });
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) problems.push({ name: 'target_group_cpi.currency_code', reason: "'target_group_cpi.currency_code' must be a three-letter ISO 4217 code in upper case." });
    if (problems.length) throw badRequest(problems);
    const cpi = { value, currency_code: currency, currency_scale: currencyScaleOf(currency as string) };
    // The change's old value is the CPI last requested here ("possible to be null": none before).
    const before = lastRequestedCpi(group.changelog);
    const changes = JSON.stringify(before) === JSON.stringify(cpi) ? [] : [{ object: 'user_requested_cpi_change', new_value: cpi, old_value: before }];
    replaceField(session, group, 'cost_per_interview', { value, currency_code: currency }, actor, changes);
    return { body: { target_group_cpi: cpi } };
  },

  update_filling_strategy: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const before = (group.spec.filling_strategy as string | undefined) ?? 'completes';
    const changes = before === body.filling_strategy ? [] : [{ object: 'filling_strategy_change', new_value: body.filling_strategy, old_value: before }];
    replaceField(session, group, 'filling_strategy', body.filling_strategy, actor, changes);
    return { body: { filling_strategy: body.filling_strategy } };
  },
} satisfies Handlers;
