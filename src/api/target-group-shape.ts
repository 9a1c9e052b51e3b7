// How a stored target group reads. The session keeps the body the client sent (create_target_group,
// update_target_group, update_launched_target_group_details), and Cint answers in another shape: supplier
// ids come back as {id, name}, profiles and their targets carry ids, a quota carries its percentage and
// its number of completes, allocation groups have ids, and Cint's own fields (pricing_model, links)
// appear. Each field of get_target_group's schema (FetchTargetGroupResponse + DraftTargetGroupLinks) and
// of get_target_group_details' (TargetGroupDetails + TargetGroupLinks) is mapped here from the field of
// the request that holds it, with the document's default where the client left one out.
import { ulid } from 'ulid';
import { CROCKFORD, type TargetGroup } from '../sessions/store.js';
import type { Directory, Supplier } from './directory.js';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const objectsOf = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `value` without its undefined fields: what the target group does not have is left out. */
export function defined<T extends Json>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** Left out when null: the request allows null where the response schema does not (live_url, exclusion). */
const unlessNull = (value: unknown) => (value === null ? undefined : value);

// ---- Ids ------------------------------------------------------------------------------------------

/**
 * Profiles and their targets get ULIDs from the one stored per target group (TargetGroup.profileIdBase):
 * the base itself, then its random part plus 1, 2, ..., in the body's order (each profile, then its
 * targets). Nothing per id is stored, and every read of one save shows the same ids. The base is a random
 * ULID, not the monotonic factory's, whose next id would be this base plus one.
 */
export const newProfileIdBase = (): string => ulid();

function idsFrom(base: string): () => string {
  const time = base.slice(0, 10);
  let random = [...base.slice(10)].reduce((value, char) => value * 32n + BigInt(CROCKFORD.indexOf(char)), 0n);
  return () => {
    let rest = random;
    random = (random + 1n) % (1n << 80n);
    let text = '';
    for (let i = 0; i < 16; i += 1) {
      text = CROCKFORD[Number(rest % 32n)]! + text;
      rest /= 32n;
    }
    return time + text;
  };
}

// ---- The fields -------------------------------------------------------------------------------------

/** The Fielding Assistant's pricing module, when the target group has one. */
function pricingModuleOf(spec: Json): Json | undefined {
  const assignment = spec.fielding_assistant_assignment;
  const pricing = isObject(assignment) ? assignment.pricing : undefined;
  return isObject(pricing) ? pricing : undefined;
}

/**
 * The pricing module's type is the target group's pricing model; without one, the schema's default
 * (decision 56). The overviews say the same.
 */
export function pricingModelOf(spec: Json): 'dynamic' | 'rate_card' {
  return pricingModuleOf(spec)?.type === 'rate_card' ? 'rate_card' : 'dynamic';
}

/** "CPI restrictions in place from fielding assistant": a pricing module that sets a limit on the CPI. */
export function pricingRestrictedOf(spec: Json): boolean {
  const pricing = pricingModuleOf(spec);
  return pricing !== undefined && ['maximum_cpi', 'minimum_cpi', 'total_budget'].some((limit) => isObject(pricing[limit]));
}

/**
 * TargetGroupDetails requires an industry lockout code and the request may leave it out or send null:
 * `no_lock_out`, the code the document's own examples use for none. The same in both views.
 */
const lockoutOf = (spec: Json) => spec.industry_lockout_code ?? 'no_lock_out';

/**
 * Each exclusion with its duration: P90D when none was sent, and weeks "translated and persisted in
 * days" (P2W becomes P14D), as the request schema's description says.
 */
export function activityExclusionsOf(value: unknown) {
  if (!Array.isArray(value)) return undefined;
  return objectsOf(value).map((item) => {
    const duration = typeof item.duration === 'string' ? item.duration : 'P90D';
    const weeks = /^P(\d+)W$/.exec(duration);
    return defined({ type: item.type, id: item.id, duration: weeks ? `P${Number(weeks[1]) * 7}D` : duration });
  });
}

/**
 * A link as a URI that `format: uri` accepts. Survey links carry placeholders such as {RID} or [%RID%],
 * which a URI cannot hold as they are: those characters (and a % that starts no escape) are
 * percent-encoded, everything else is kept. No link when the target group has no http(s) test URL.
 */
function asUri(url: unknown): string | undefined {
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/]/i.test(url)) return undefined;
  return url.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]/gu, (char) => encodeURIComponent(char));
}

/** links.test_client_survey is the target group's test URL; the mock has no screener to give a test_screener link for. */
const linksOf = (spec: Json) => defined({ test_client_survey: asUri(spec.test_url) });

// ---- Profiling ----------------------------------------------------------------------------------------

/**
 * A quota is sent as a percentage of the completes goal or as a number of completes (by the profiling's
 * adjustment type); Cint answers both, and the nominal (the same number here).
 */
function quotaValues(quota: Json, completesGoal: number): { percentage: number; completes: number } {
  if (typeof quota.completes_goal_percentage === 'number') {
    const percentage = quota.completes_goal_percentage;
    return { percentage, completes: Math.round((percentage * completesGoal) / 100) };
  }
  const completes = Math.max(0, Math.round(Number(quota.completes_goal) || 0));
  return { percentage: Math.min(100, Math.round((completes * 10_000) / completesGoal) / 100), completes };
}

/** "The API automatically removes duplicate open-ended values" (create_target_group, update_target_group, manage_target_group_profiles). */
export function conditionOf(condition: Json): Json {
  if (!Array.isArray(condition.open_ended_values)) return condition;
  return { ...condition, open_ended_values: [...new Set(condition.open_ended_values)] };
}

/**
 * The id a stored profile or target carries: the mock's own (no request schema has an `id` there, and
 * bodies are pruned to their schema), kept when a profile outlives a change of the others
 * (manage_target_group_profiles, batch_delete_profiles; see profilingWithIds).
 */
const storedIdOf = (part: Json): string | undefined => (typeof part.id === 'string' ? part.id : undefined);

const nameIn = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * A target's name: its own (`target.name`), else its quota's deprecated one, "functionally replaced by the
 * `target.name` field one layer up".
 */
export const targetNameOf = (target: Json): string | undefined => nameIn(target.name) ?? nameIn((target.quota as Json | undefined)?.name);

/** A quota's name: its own, else its target's (the deprecated field mirrors its replacement, for older clients). */
export const quotaNameOf = (target: Json): string | undefined => nameIn((target.quota as Json | undefined)?.name) ?? nameIn(target.name);

function targetOf(target: Json, id: string, completesGoal: number): Json {
  const conditions = objectsOf(target.conditions).map(conditionOf);
  const name = targetNameOf(target);
  const quota = target.quota;
  if (!isObject(quota)) return defined({ id, name, conditions });
  const { percentage, completes } = quotaValues(quota, completesGoal);
  return defined({
    id, name, conditions,
    quota: defined({ name: quotaNameOf(target), completes_goal_percentage: percentage, quota_nominal: completes, completes_goal: completes }),
  });
}

/** A profile sent without a name is named after its question (the mock has no question library to look it up in). */
function nameOf(profile: Json, targets: Json[]): string {
  if (typeof profile.name === 'string' && profile.name !== '') return profile.name;
  const question = objectsOf(targets[0]?.conditions)[0]?.question_id;
  return question === undefined ? 'Profile' : `Question ${String(question)}`;
}

function profileOf(profile: Json, nextId: () => string, completesGoal: number): Json {
  const targets = objectsOf(profile.targets);
  const name = nameOf(profile, targets);
  // Counted on for every part, stored id or not, so that the counted ids stay where they are.
  const counted = nextId();
  return defined({
    object: profile.object,
    id: storedIdOf(profile) ?? counted,
    // "If omitted, the system defaults to interlock."
    blended_type: profile.object === 'blended' ? profile.blended_type ?? 'interlock' : undefined,
    quotas_enabled: profile.quotas_enabled,
    name,
    // Cint's description is the question's text in the locale's language: a template's profile may carry
    // one; otherwise the mock, with no question library, has only the name.
    description: typeof profile.description === 'string' && profile.description !== '' ? profile.description : name,
    targets: targets.map((target) => {
      const countedTarget = nextId();
      return targetOf(target, storedIdOf(target) ?? countedTarget, completesGoal);
    }),
  });
}

/**
 * The profiling as Cint answers it, each profile and target with its id. A template's profiles are in
 * it since it was applied (profiles.ts); a template without profiles (kept before templates were
 * applied) is answered as it was sent.
 */
function profilingOf(profiling: unknown, idBase: string, completesGoal: number) {
  if (!isObject(profiling)) return undefined;
  const profiles = objectsOf(profiling.profiles);
  if (profiles.length === 0) {
    return profiling.template_id === undefined ? undefined : { template_id: profiling.template_id, profile_adjustment_type: profiling.profile_adjustment_type };
  }
  const nextId = idsFrom(idBase);
  return defined({
    template_id: profiling.template_id,
    profile_adjustment_type: profiling.profile_adjustment_type,
    profiles: profiles.map((profile) => profileOf(profile, nextId, completesGoal)),
  });
}

// ---- Allocations ----------------------------------------------------------------------------------------

/** Supplier ids are digits (checked when the body is saved); each becomes {id, name} from the directory. */
const suppliersOf = (ids: unknown, directory: Directory): Supplier[] => listOf(ids).map((id) => directory.supplier(Number(id)));

/**
 * A group's id: the one the client sent back (update_target_group's groups may carry it), else its
 * position, counted across the open then the private exchange's groups, so it is the same at every read.
 */
const groupIdOf = (group: Json, position: number) => (typeof group.group_id === 'string' && group.group_id !== '' ? group.group_id : String(position));

function openExchangeOf(open: Json, groups: Json[], directory: Directory): Json {
  const blocked = suppliersOf(open.blocked_supplier_ids, directory);
  const grouped = groups.map((group) => suppliersOf(group.suppliers, directory));
  const placed = new Set([...blocked, ...grouped.flat()].map((supplier) => supplier.id));
  return {
    // The rest of the exchange: each supplier of the supplier list that is neither blocked nor in a group.
    exchange_suppliers: directory.suppliers.filter((supplier) => !placed.has(supplier.id)).map((supplier) => ({ ...supplier })),
    blocked_suppliers: blocked,
    exchange_min_percentage: open.exchange_min_percentage,
    exchange_max_percentage: open.exchange_max_percentage,
    groups: groups.map((group, index) => ({
      group_id: groupIdOf(group, index + 1),
      group_name: group.group_name,
      min_percentage: group.min_percentage,
      max_percentage: group.max_percentage,
      suppliers: grouped[index],
    })),
  };
}

function privateExchangeOf(closed: Json, openGroups: number, directory: Directory): Json {
  return {
    blocked_suppliers: suppliersOf(closed.blocked_supplier_ids, directory),
    groups: objectsOf(closed.groups).map((group, index) => ({
      group_id: groupIdOf(group, openGroups + index + 1),
      group_name: group.group_name,
      min_percentage: group.min_percentage,
      max_percentage: group.max_percentage,
      supplier: directory.supplier(Number(group.supplier_id)),
    })),
  };
}

function allocationsOf(allocations: unknown, directory: Directory) {
  if (!isObject(allocations)) return undefined;
  const open = allocations.open_exchange_allocations;
  const closed = allocations.private_exchange_allocations;
  const openGroups = isObject(open) ? objectsOf(open.groups) : [];
  return defined({
    open_exchange_allocations: isObject(open) ? openExchangeOf(open, openGroups, directory) : undefined,
    private_exchange_allocations: isObject(closed) ? privateExchangeOf(closed, openGroups.length, directory) : undefined,
  });
}

/**
 * get_target_group_allocation_specification (GetSupplyAllocationResponse): the same allocations, with
 * both exchanges' parts, which that schema requires, empty where the target group has none.
 */
export function allocationSpecificationOf(allocations: unknown, directory: Directory): Json {
  const sent = isObject(allocations) ? allocations : {};
  const open = isObject(sent.open_exchange_allocations) ? sent.open_exchange_allocations
    : { blocked_supplier_ids: [], exchange_min_percentage: 0, exchange_max_percentage: 100, groups: [] };
  const closed = isObject(sent.private_exchange_allocations) ? sent.private_exchange_allocations : { blocked_supplier_ids: [], groups: [] };
  const openGroups = objectsOf(open.groups);
  return {
    open_exchange_allocations: openExchangeOf(open, openGroups, directory),
    private_exchange_allocations: privateExchangeOf(closed, openGroups.length, directory),
  };
}

/** The ids of the allocations' groups as reads show them: open exchange's, then the private exchange's. */
export function allocationGroupIds(allocations: unknown): string[] {
  const sent = isObject(allocations) ? allocations : {};
  const open = isObject(sent.open_exchange_allocations) ? objectsOf(sent.open_exchange_allocations.groups) : [];
  const closed = isObject(sent.private_exchange_allocations) ? objectsOf(sent.private_exchange_allocations.groups) : [];
  return [...open, ...closed].map((group, index) => groupIdOf(group, index + 1));
}

// ---- The two views ------------------------------------------------------------------------------------

/** A draft's fielding period as the schema has it, "RFC3339 UTC format, 3 fractional digits", whatever offset or precision was sent. */
function fieldingOf(fielding: unknown): unknown {
  if (!isObject(fielding)) return fielding;
  const utc = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(Date.parse(value)).toISOString() : value);
  return { ...fielding, start_at: utc(fielding.start_at), end_at: utc(fielding.end_at) };
}

/** get_target_group: a draft, in FetchTargetGroupResponse's shape with DraftTargetGroupLinks' links. */
export function draftView(group: TargetGroup, directory: Directory): Json {
  const spec = group.spec;
  const completesGoal = Math.max(1, Number(spec.completes_goal) || 1);
  return defined({
    human_readable_id: group.human_readable_id,
    name: spec.name,
    // Sent as a string of digits (checked when saved); this schema has it as an integer.
    business_unit_id: Number(spec.business_unit_id),
    locale: spec.locale,
    collects_pii: spec.collects_pii,
    study_type_code: spec.study_type_code ?? 'adhoc',
    industry_code: spec.industry_code ?? 'other',
    pricing_model: pricingModelOf(spec),
    cost_per_interview: spec.cost_per_interview,
    client_cost_per_interview_note: spec.client_cost_per_interview_note,
    client_id: spec.client_id,
    project_manager_id: spec.project_manager_id,
    fielding_specification: fieldingOf(spec.fielding_specification),
    completes_goal: spec.completes_goal,
    expected_length_of_interview_minutes: spec.expected_length_of_interview_minutes,
    expected_incidence_rate: spec.expected_incidence_rate,
    exclusion: unlessNull(spec.exclusion),
    respondent_activity_exclusions: activityExclusionsOf(spec.respondent_activity_exclusions),
    industry_lockout_code: lockoutOf(spec),
    live_url: unlessNull(spec.live_url),
    test_url: unlessNull(spec.test_url),
    fielding_assistant_assignment: spec.fielding_assistant_assignment,
    created_at: group.created_at,
    profiling: profilingOf(spec.profiling, group.profileIdBase, completesGoal),
    allocations: allocationsOf(spec.allocations, directory),
    re_entry_configuration: spec.re_entry_configuration,
    target_group_customer_reference_number: spec.target_group_customer_reference_number,
    links: linksOf(spec),
  });
}

/**
 * get_target_group_details (with TargetGroupLinks' links) and update_launched_target_group_details
 * (without): a launched target group, in TargetGroupDetails' shape.
 */
export function detailsView(group: TargetGroup, accountId: number, directory: Directory, withLinks: boolean): Json {
  const spec = group.spec;
  return defined({
    id: group.id,
    human_readable_id: group.human_readable_id,
    name: spec.name,
    account_name: directory.accountName(accountId),
    // A string here and an integer in get_target_group: the document's two schemas differ, each is followed.
    business_unit_id: String(spec.business_unit_id),
    project_manager_id: spec.project_manager_id,
    study_type_code: spec.study_type_code ?? 'adhoc',
    industry_code: spec.industry_code ?? 'other',
    locale: spec.locale,
    completes_goal: spec.completes_goal,
    expected_length_of_interview_minutes: spec.expected_length_of_interview_minutes,
    expected_incidence_rate: spec.expected_incidence_rate,
    industry_lockout_code: lockoutOf(spec),
    client_cost_per_interview_note: spec.client_cost_per_interview_note,
    client_id: spec.client_id,
    collects_pii: spec.collects_pii,
    live_url: unlessNull(spec.live_url),
    test_url: unlessNull(spec.test_url),
    created_at: group.created_at,
    target_group_customer_reference_number: spec.target_group_customer_reference_number,
    links: withLinks ? linksOf(spec) : undefined,
  });
}

// ---- Quotas, for the fielding simulator -------------------------------------------------------------------

/** A profile's targets as the fielding simulator fills them: each with the id reads show, its goal and its share. */
export interface QuotaPlanProfile {
  id: string;
  quotasEnabled: boolean;
  targets: { id: string; name: string | undefined; goal: number; weight: number }[];
}

/**
 * A target's share of the completes goal, as a fraction: its quota's percentage, or its nominal goal's
 * share of the goal (at most all of it); an even share of its profile where it has no quota or the
 * profile's quotas are disabled. What generate_blended_profile multiplies and feasibility projects.
 */
export function quotaShareOf(target: Json, profile: Json, completesGoal: number): number {
  const quota = profile.quotas_enabled === false ? undefined : (target.quota as Json | undefined);
  if (typeof quota?.completes_goal_percentage === 'number') return quota.completes_goal_percentage / 100;
  if (typeof quota?.completes_goal === 'number') return Math.min(1, quota.completes_goal / completesGoal);
  return 1 / Math.max(1, objectsOf(profile.targets).length);
}

/**
 * The target group's profiles with their targets' ids (those every read shows) and quota goals. A
 * target without a quota has no limit, and its share is an even one.
 */
export function quotaPlanOf(group: TargetGroup): QuotaPlanProfile[] {
  const completesGoal = Math.max(1, Number(group.spec.completes_goal) || 1);
  const profiling = profilingOf(group.spec.profiling, group.profileIdBase, completesGoal);
  return objectsOf((profiling as Json | undefined)?.profiles).map((profile) => {
    const targets = objectsOf(profile.targets);
    const even = completesGoal / Math.max(1, targets.length);
    return {
      id: String(profile.id),
      quotasEnabled: profile.quotas_enabled !== false,
      targets: targets.map((target) => {
        const quota = isObject(target.quota) ? target.quota : undefined;
        const goal = quota ? Number(quota.completes_goal) : Infinity;
        return { id: String(target.id), name: typeof target.name === 'string' ? target.name : undefined, goal, weight: quota ? goal : even };
      }),
    };
  }).filter((profile) => profile.targets.length > 0);
}

/** The target group's profiles as every read shows them (ids, quotas with both forms); none without profiling. */
export function profilesOf(group: TargetGroup): Json[] {
  const completesGoal = Math.max(1, Number(group.spec.completes_goal) || 1);
  return objectsOf((profilingOf(group.spec.profiling, group.profileIdBase, completesGoal) as Json | undefined)?.profiles);
}

/**
 * The stored profiles, each profile and target with the id reads show it under (`id`), so that a change
 * that moves or removes profiles (batch_delete_profiles, manage_target_group_profiles) leaves the others'
 * ids as they were: ids are otherwise counted by position (see idsFrom).
 */
export function profilingWithIds(group: TargetGroup): Json[] {
  const profiling = group.spec.profiling;
  const stored = isObject(profiling) ? objectsOf(profiling.profiles) : [];
  const shown = profilesOf(group);
  return stored.map((profile, index) => {
    const view = shown[index]!;
    const targetIds = objectsOf(view.targets).map((target) => target.id);
    return { ...profile, id: view.id, targets: objectsOf(profile.targets).map((target, at) => ({ ...target, id: targetIds[at] })) };
  });
}
