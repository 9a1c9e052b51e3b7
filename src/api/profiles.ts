// Manage Profiles for Launched Target Groups: list_profiles and get_profile answer the target group's
// profiles with the ids every read shows, each quota with its completes and prescreens so far;
// update_profile_filling_goal changes the completes goal and quota goals the simulator fills to;
// manage_target_group_profiles replaces the profiles, batch_delete_profiles deletes some. Two helpers
// change nothing: validate_profiles checks manage's rules on a configuration, generate_blended_profile
// interlocks two or three regular profiles into one blended profile. Each change is
// the target group's stored profiling, so get_target_group and the fielding simulator follow it. The
// document describes them for launched target groups but documents no refusal of a draft: a draft
// answers too, with nothing filled, and is changed as update_target_group would change it.
import { badRequest, CintError, notFound } from '../cint/errors.js';
import { addChangelogEntry, ensureChangelogRoom } from '../sessions/changelog.js';
import { findTargetGroup } from '../sessions/lookup.js';
import { completeAtGoal, isoAt, runOf } from '../sessions/lifecycle.js';
import { forgetRemovedQuotas, goalOf, quotaFillOf } from '../sessions/simulator.js';
import { newId, targetGroupBytes, type Session, type TargetGroup } from '../sessions/store.js';
import type { Handlers } from './handler.js';
import { localeKey, templateLocales, templateOf } from './profile-templates.js';
import {
  conditionOf, defined, isObject, newProfileIdBase, objectsOf, profilesOf, profilingWithIds, quotaNameOf, quotaShareOf, targetNameOf, type Json,
} from './target-group-shape.js';
import { canonicalJson } from './shared.js';

/** A profile as RegularProfileV3: each target's quota with what the simulator has filled. */
function profileView(session: Session, group: TargetGroup, profile: Json): Json {
  const targets = (profile.targets as Json[]).map((target) => {
    if (typeof target.quota !== 'object' || target.quota === null) return target;
    const fill = quotaFillOf(session, group, String(target.id));
    return { ...target, quota: { ...(target.quota as Json), completes: fill.completes, prescreens: fill.prescreens } };
  });
  return { ...profile, quotas_enabled: profile.quotas_enabled ?? true, targets };
}

function profilesView(session: Session, group: TargetGroup) {
  return {
    locale: String(group.spec.locale),
    completes_goal: goalOf(group),
    profiles: profilesOf(group).map((profile) => profileView(session, group, profile)),
  };
}

/**
 * Stores `spec` as the target group's (its bytes counted first), with what follows a change of goals or
 * profiles: a changelog entry when the completes goal changed (Cint's changelog has no change type for
 * profiles or quotas), the fills of quotas it no longer has forgotten, and a live run already at its
 * goal completed now.
 */
function saveProfiling(session: Session, group: TargetGroup, spec: Json, actor: string, newIds = false): void {
  const before = goalOf(group);
  const after = goalOf({ ...group, spec });
  const changes = after === before ? [] : [{ object: 'filling_goal_change', new_value: after, old_value: before }];
  ensureChangelogRoom(session, actor, changes);
  session.resize(group, targetGroupBytes(group, spec));
  group.spec = spec;
  // The ids every read counts on from (see target-group-shape.ts): new ones for what the change made new.
  if (newIds) group.profileIdBase = newProfileIdBase();
  const now = isoAt(session.now());
  group.updated_at = now;
  addChangelogEntry(session, group, actor, now, changes);
  forgetRemovedQuotas(session, group);
  const run = runOf(session, group);
  if (run) completeAtGoal(session, run);
}

// ---- Cint's 422 for the profiling rules (ValidationErrorResponseDemographics) ---------------------------

interface ProfilingRefusal {
  error_type: 'data_validation_error';
  name: string;
  reason: string;
  detail: string;
  metadata: { question_id?: number[]; profile_id?: string; error_level: 'error' };
}

/** One of the document's numbered rules: `profile_validation_error_<code>` with the reason `<reason>_<code>`. */
function refusal(code: string, reason: string, detail: string, metadata: Omit<ProfilingRefusal['metadata'], 'error_level'>): ProfilingRefusal {
  return { error_type: 'data_validation_error', name: `profile_validation_error_${code}`, reason: `${reason}_${code}`, detail, metadata: { ...metadata, error_level: 'error' } };
}

/** The 422 the profiling operations document: every broken rule at once, nothing changed. */
function profilingRefused(refusals: ProfilingRefusal[]): CintError {
  const error = new CintError(422, `Validation error: ${refusals.map((item) => item.detail).join('; ')}`, {
    invalid_params: refusals, object: 'unprocessable_entity_error',
  });
  Object.assign(error.body, { title: 'profile request validation' });
  return error;
}

// ---- What makes two profiles, targets or conditions the same ---------------------------------------------

/** A condition as a key; open-ended values as a set (their order and repeats mean nothing). */
function conditionKey(condition: Json): string {
  const values = condition.open_ended_values;
  return canonicalJson(Array.isArray(values) ? { ...condition, open_ended_values: [...new Set(values)].sort() } : condition);
}

/** A target by its conditions (the quota, its name and goal, may change while the target stays the same). */
const targetKey = (target: Json): string => canonicalJson(objectsOf(target.conditions).map(conditionKey).sort());

/** A profile by its kind and its targets' conditions: a new name or new quota goals leave it the same profile. */
const profileKey = (profile: Json): string =>
  canonicalJson([profile.object, profile.object === 'blended' ? profile.blended_type ?? 'interlock' : null, objectsOf(profile.targets).map(targetKey).sort()]);

/**
 * A profile of the request that the target group already has (the same kind, the same targets' conditions)
 * keeps its id and its targets' ids, so its quotas keep what they have filled: the request schema carries
 * no ids, and "any existing profiles that are not included in this request will be deleted" says that
 * an existing profile can be included. The others get new ids.
 */
function keepingIds(group: TargetGroup, profiles: Json[]): Json[] {
  const existing = new Map<string, Json[]>();
  for (const profile of profilingWithIds(group)) {
    const key = profileKey(profile);
    existing.set(key, [...(existing.get(key) ?? []), profile]);
  }
  return profiles.map((profile) => {
    const same = existing.get(profileKey(profile))?.shift();
    if (!same) return profile;
    const ids = new Map(objectsOf(same.targets).map((target) => [targetKey(target), target.id]));
    return { ...profile, id: same.id, targets: objectsOf(profile.targets).map((target) => ({ ...target, id: ids.get(targetKey(target)) })) };
  });
}

// ---- The profiling rules manage_target_group_profiles checks ----------------------------------------------

const questionsOf = (conditions: Json[]): number[] => [...new Set(conditions.map((condition) => Number(condition.question_id)))];

/** The questions a profile asks, as its conditions name them (also the question library's `id` filter, api/questions.ts). */
export const profileQuestions = (profile: Json): number[] => questionsOf(objectsOf(profile.targets).flatMap((target) => objectsOf(target.conditions)));

/** A selection or range condition as a key ("duplicates in selection or range conditions" are refused); null for open-ended ones. */
function selectionOrRangeKey(condition: Json): string | null {
  if (condition.object === 'selection') return `${String(condition.question_id)}:${String(condition.option)}`;
  if (condition.object === 'range') return `${String(condition.question_id)}:${String(condition.min)}-${String(condition.max)}`;
  return null;
}

/** A quota in the other form than the profiling's adjustment type (the request schema allows either). */
function quotaFormRefusal(adjustment: unknown, quota: unknown, at: string, questions: number[]): ProfilingRefusal | null {
  if (typeof quota !== 'object' || quota === null) return null;
  const percentage = typeof (quota as Json).completes_goal_percentage === 'number';
  if (adjustment === 'nominal' && percentage) {
    return refusal('042', 'nominal_adjustment_cannot_have_percentage', `${at}.quota: a nominal profiling takes completes_goal, not completes_goal_percentage`, { question_id: questions });
  }
  if (adjustment === 'percentage' && !percentage) {
    return refusal('043', 'percentage_adjustment_cannot_have_nominal', `${at}.quota: a percentage profiling takes completes_goal_percentage, not completes_goal`, { question_id: questions });
  }
  return null;
}

/**
 * A profile's broken rules: a range whose min is above its max; a selection or range condition twice in
 * a target, or in two targets of a regular profile (a blended profile's targets combine conditions, so
 * there two targets with the same conditions are the duplicate); overlapping ranges in a regular
 * profile; a quota in the wrong form; and the rules of the profile's shape (shapeRefusals).
 */
function profileRefusals(profile: Json, at: string, adjustment: unknown): ProfilingRefusal[] {
  const refusals: ProfilingRefusal[] = shapeRefusals(profile, at);
  const inProfile = new Set<string>();
  const targets = new Set<string>();
  // A regular profile's ranges so far, by question, with the target each is in.
  const ranges = new Map<number, { min: number; max: number; target: number }[]>();
  objectsOf(profile.targets).forEach((target, t) => {
    const conditions = objectsOf(target.conditions);
    const inTarget = new Set<string>();
    conditions.forEach((condition, c) => {
      const where = `${at}.targets[${t}].conditions[${c}]`;
      const question = [Number(condition.question_id)];
      if (condition.object === 'range' && Number(condition.min) > Number(condition.max)) {
        refusals.push(refusal('001', 'profile_condition_min_greater_than_max', `${where}: the minimum value (${String(condition.min)}) cannot be greater than the maximum value (${String(condition.max)})`, { question_id: question }));
      }
      const key = selectionOrRangeKey(condition);
      if (key === null) return;
      const seen = inTarget.has(key) || (profile.object === 'regular' && inProfile.has(key));
      if (seen) refusals.push(refusal('039', 'duplicate_condition', `${where}: the same ${String(condition.object)} condition is already in this profile`, { question_id: question }));
      else if (profile.object === 'regular' && condition.object === 'range') {
        const overlap = overlappingRange(ranges, condition, t);
        if (overlap) {
          refusals.push(refusal('014', 'profile_condition_ranges_should_not_overlap', `${where}: the range ${String(condition.min)}-${String(condition.max)} overlaps ${overlap.min}-${overlap.max} of ${at}.targets[${overlap.target}]`, { question_id: question }));
        }
      }
      inTarget.add(key);
      inProfile.add(key);
    });
    const key = targetKey(target);
    if (profile.object === 'blended' && targets.has(key)) {
      refusals.push(refusal('039', 'duplicate_condition', `${at}.targets[${t}]: another target of this profile has the same conditions`, { question_id: questionsOf(conditions) }));
    }
    targets.add(key);
    const form = quotaFormRefusal(adjustment, target.quota, `${at}.targets[${t}]`, questionsOf(conditions));
    if (form) refusals.push(form);
  });
  return refusals;
}

/**
 * A profile's refusals for the rules of its shape that the document names and its own examples keep to
 * (others they break, such as one question per regular profile or unique quota names, are left out):
 * at most 3 questions in an interlocked blended profile (023); a name for a target of several
 * conditions (057); no quota on a target that allows all values (065); not every quota at zero in a
 * regular or interlocked profile (063, 064).
 */
function shapeRefusals(profile: Json, at: string): ProfilingRefusal[] {
  const refusals: ProfilingRefusal[] = [];
  const targets = objectsOf(profile.targets);
  const questions = profileQuestions(profile);
  const control = profile.object === 'blended' && profile.blended_type === 'control';
  if (profile.object === 'blended' && !control && questions.length > MAX_BLENDED_QUESTIONS) {
    refusals.push(refusal('023', 'blended_profiles_cannot_have_more_than_3_questions', `${at}: a blended profile combines at most ${MAX_BLENDED_QUESTIONS} questions; this one asks ${questions.join(', ')}`, { question_id: questions }));
  }
  targets.forEach((target, t) => {
    const where = `${at}.targets[${t}]`;
    const conditions = objectsOf(target.conditions);
    if (!control && conditions.length > 1 && targetNameOf(target) === undefined) {
      refusals.push(refusal('057', 'target_name_or_quota_name_must_be_provided_for_multiple_conditions', `${where}: a target of several conditions needs a name (its own or its quota's)`, { question_id: questionsOf(conditions) }));
    }
    const allValues = conditions.some((condition) => condition.object === 'open_ended' && condition.allow_all_values === true);
    if (allValues && typeof target.quota === 'object' && target.quota !== null) {
      refusals.push(refusal('065', 'allow_all_values_target_cannot_have_quota', `${where}.quota: a target that allows all values has no quota`, { question_id: questionsOf(conditions) }));
    }
  });
  // A quota-enabled profile whose quotas are all at zero could fill nothing (a control profile's may).
  const quotas = targets.map((target) => target.quota).filter((quota): quota is Json => typeof quota === 'object' && quota !== null);
  const goals = quotas.map((quota) => quota.completes_goal_percentage ?? quota.completes_goal);
  if (!control && profile.quotas_enabled !== false && goals.length > 0 && goals.every((goal) => goal === 0)) {
    refusals.push(quotas.every((quota) => typeof quota.completes_goal_percentage === 'number')
      ? refusal('064', 'at_least_one_quota_should_have_completes_goal_percentage_greater_than_zero', `${at}: every quota's completes_goal_percentage is 0`, { question_id: questions })
      : refusal('063', 'at_least_one_quota_should_have_completes_goal_greater_than_zero', `${at}: every quota's completes_goal is 0`, { question_id: questions }));
  }
  return refusals;
}

/**
 * The range of another target of the profile, for the same question, that `condition`'s range overlaps
 * (both ends count: 18-34 and 34-50 overlap), recording it for the targets after; none: undefined. A
 * respondent in both could count towards either quota. Ranges within one target are its own business.
 */
function overlappingRange(ranges: Map<number, { min: number; max: number; target: number }[]>, condition: Json, target: number) {
  const question = Number(condition.question_id);
  const range = { min: Number(condition.min), max: Number(condition.max), target };
  let known = ranges.get(question);
  if (!known) ranges.set(question, (known = []));
  const overlap = known.find((other) => other.target !== target && other.min <= range.max && range.min <= other.max);
  known.push(range);
  return overlap;
}

/** A nominal quota goal above the target group's completes goal: it could never fill. */
function quotaOverGoal(goal: number, completesGoal: number, at: string, metadata: Omit<ProfilingRefusal['metadata'], 'error_level'>): ProfilingRefusal | null {
  if (goal <= completesGoal) return null;
  return refusal('047', 'quota_value_greater_than_completes_goal', `${at}.quota.completes_goal: ${goal} is greater than the target group's completes goal (${completesGoal})`, metadata);
}

/**
 * Every broken rule of the request's profiles; also "a given profile (or question) ID must appear in only
 * one" regular profile, and no nominal quota above the completes goal.
 */
function profilingRefusals(profiles: Json[], adjustment: unknown, completesGoal: number): ProfilingRefusal[] {
  const refusals: ProfilingRefusal[] = [];
  const questionProfile = new Map<number, number>();
  // At most one interlocked blended profile (034) and one control one (066).
  const blendedOf = { interlock: -1, control: -1 };
  profiles.forEach((profile, p) => {
    const at = `profiling.profiles[${p}]`;
    refusals.push(...profileRefusals(profile, at, adjustment));
    if (profile.object === 'blended') {
      const kind = profile.blended_type === 'control' ? 'control' : 'interlock';
      const first = blendedOf[kind];
      if (first < 0) blendedOf[kind] = p;
      else if (kind === 'control') refusals.push(refusal('066', 'blended_profile_with_control_as_blended_type_cannot_be_more_than_1', `${at}: profiling.profiles[${first}] is already the control blended profile`, {}));
      else refusals.push(refusal('034', 'blended_profile_cannot_be_more_than_1', `${at}: profiling.profiles[${first}] is already the blended profile`, {}));
    }
    objectsOf(profile.targets).forEach((target, t) => {
      const goal = (target.quota as Json | undefined)?.completes_goal;
      const over = typeof goal === 'number' ? quotaOverGoal(goal, completesGoal, `${at}.targets[${t}]`, { question_id: questionsOf(objectsOf(target.conditions)) }) : null;
      if (over) refusals.push(over);
    });
    if (profile.object !== 'regular') return;
    for (const question of profileQuestions(profile)) {
      const first = questionProfile.get(question);
      if (first === undefined) questionProfile.set(question, p);
      else refusals.push(refusal('006', 'profile_not_unique', `${at}: question ${question} is already the question of profiling.profiles[${first}]`, { question_id: [question] }));
    }
  });
  return refusals;
}

/** Broken rules as a 400 for the operations that document no 422: each named where it is, with what is wrong. */
function asBadRequest(refusals: ProfilingRefusal[]): CintError {
  return badRequest(refusals.map((item) => {
    const at = item.detail.indexOf(': ');
    return { name: item.detail.slice(0, at), reason: `${item.detail.slice(at + 2)} (${item.reason})` };
  }));
}

/** The rules a target group's profiling breaks, as create_target_group and update_target_group send it (any shape the schema allows). */
function profilingRulesBroken(profiling: unknown, completesGoal: unknown): ProfilingRefusal[] {
  if (!isObject(profiling) || !Array.isArray(profiling.profiles)) return [];
  const goal = typeof completesGoal === 'number' ? completesGoal : Infinity;
  return profilingRefusals(objectsOf(profiling.profiles).map(withoutDuplicateValues), profiling.profile_adjustment_type, goal);
}

// ---- A profile template applied ----------------------------------------------------------------------------

/**
 * The profiling with its template's profiles in it (create_target_group, update_target_group,
 * manage_target_group_profiles): the template's profiles, then the request's. "If any template profile
 * shares the same question as a profile in the profiles array, the profile in the array takes
 * precedence": that template profile is left out. The profiles are copied: a template changed or deleted
 * later leaves the target group's as they are. A template_id the account has no template of is a 400
 * naming it; a template for other locales (040) and an adjustment other than percentage (041) are
 * refusals, checked with the other rules.
 */
function templateApplied(session: Session, accountId: number, profiling: unknown, locale: unknown): { profiling: unknown; refusals: ProfilingRefusal[] } {
  if (!isObject(profiling) || profiling.template_id === undefined) return { profiling, refusals: [] };
  const templateId = String(profiling.template_id);
  const template = templateOf(session, accountId, templateId);
  if (!template) {
    throw badRequest([{ name: 'profiling.template_id', reason: `'profiling.template_id' names no profile template of account ${accountId}: ${templateId}.` }], 'profile template not found');
  }
  const refusals: ProfilingRefusal[] = [];
  const locales = templateLocales(template);
  if (locales.length > 0 && !locales.includes(localeKey(locale))) {
    refusals.push(refusal('040', 'template_locale_does_not_match_target_group_locale', `profiling.template_id: template ${templateId} is for ${locales.join(', ')}, not the target group's locale ${String(locale)}`, {}));
  }
  const own = objectsOf(profiling.profiles);
  if (profiling.profile_adjustment_type !== 'percentage') {
    // The template's quotas are percentages: not applied, they are not refused a second time (042).
    refusals.push(refusal('041', 'template_allows_only_percentage_adjustment', `profiling.profile_adjustment_type: a template's profiles take percentage quotas, not ${String(profiling.profile_adjustment_type)}`, {}));
    return { profiling: { ...profiling, profiles: own }, refusals };
  }
  const asked = new Set(own.flatMap(profileQuestions));
  const fromTemplate = objectsOf((template.fields.profiling as Json | undefined)?.profiles)
    .filter((profile) => !profileQuestions(profile).some((question) => asked.has(question)))
    .map((profile) => structuredClone(profile));
  return { profiling: { ...profiling, profiles: [...fromTemplate, ...own] }, refusals };
}

/**
 * A target group's body as create_target_group and update_target_group take it: its profile template
 * applied, then the template's refusals and the rules manage_target_group_profiles and validate_profiles
 * check, all at once as manage gives them, so that a configuration validate_profiles answers 204 to is
 * one they take, and one it refuses they refuse too. They document no 422: the refusals are their 400.
 */
export function withCheckedProfiling<Body extends { profiling?: unknown; locale?: unknown; completes_goal?: unknown }>(
  session: Session, accountId: number, body: Body, locale: unknown = body.locale,
): Body {
  const { profiling, refusals } = templateApplied(session, accountId, body.profiling, locale);
  refusals.push(...profilingRulesBroken(profiling, body.completes_goal));
  if (refusals.length > 0) throw asBadRequest(refusals);
  return profiling === body.profiling ? body : { ...body, profiling };
}

/**
 * A profile template's profiles checked by the rules validate_profiles checks, when the template is made
 * or edited (create_profile_template, edit_profile_template), not first when a target group applies it.
 * Those operations document no 422: the refusals are their 400, as create_target_group's are. A template
 * has no completes goal, so no nominal quota can be above one (its quotas are percentages anyway).
 */
export function checkTemplateProfiling(profiling: unknown): void {
  const refusals = profilingRulesBroken(profiling, undefined);
  if (refusals.length > 0) throw asBadRequest(refusals);
}

/** The request's profiles with their duplicate open-ended values removed, as they are validated and saved. */
const withoutDuplicateValues = (profile: Json): Json => ({
  ...profile,
  targets: objectsOf(profile.targets).map((target) => ({ ...target, conditions: objectsOf(target.conditions).map(conditionOf) })),
});

interface ProfilePath { account_id: number; project_id: string; target_group_id: string; profile_id: string }

/**
 * The path's profile as the reads show it. A target group's profiles are the session's own objects, so
 * an id it does not have (never its, or deleted) is the documented 404 naming profile_id (decision 32).
 */
function profileAnswer(session: Session, params: ProfilePath): unknown {
  const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
  const profile = profilesOf(group).find((candidate) => candidate.id === params.profile_id);
  if (!profile) throw notFound('profile_id');
  return profileView(session, group, profile);
}

interface GoalUpdate {
  completes_goal?: number | null;
  profiles?: { profile_id: string; targets: { id: string; quota: { completes_goal: number } }[] }[] | null;
}

/**
 * update_profile_filling_goal's quota goals written into `profiles` (the stored profiles, in the order of
 * `shown`, the same profiles with their ids), or what is wrong with them: a profile the target group does
 * not have (044), a target not of that profile (045), a goal under the completes the quota already has
 * (046) or above the target group's completes goal (047).
 */
function quotaGoalRefusals(session: Session, group: TargetGroup, update: GoalUpdate, shown: Json[], profiles: Json[], completesGoal: number): ProfilingRefusal[] {
  const refusals: ProfilingRefusal[] = [];
  (update.profiles ?? []).forEach((named, p) => {
    const index = shown.findIndex((profile) => profile.id === named.profile_id);
    const metadata = { profile_id: named.profile_id };
    if (index < 0) {
      refusals.push(refusal('044', 'profile_id_not_found', `profiles[${p}].profile_id: the target group has no profile ${named.profile_id}`, metadata));
      return;
    }
    const targets = objectsOf(shown[index]!.targets);
    named.targets.forEach((update, t) => {
      const at = `profiles[${p}].targets[${t}]`;
      const position = targets.findIndex((target) => target.id === update.id);
      if (position < 0) {
        refusals.push(refusal('045', 'target_id_not_found_for_profile', `${at}.id: profile ${named.profile_id} has no target ${update.id}`, metadata));
        return;
      }
      const goal = Math.round(update.quota.completes_goal);
      const { completes } = quotaFillOf(session, group, update.id);
      if (goal < completes) {
        refusals.push(refusal('046', 'quota_value_less_than_completes', `${at}.quota.completes_goal: ${goal} is less than the ${completes} completes the quota already has`, metadata));
        return;
      }
      const over = quotaOverGoal(goal, completesGoal, at, metadata);
      if (over) {
        refusals.push(over);
        return;
      }
      const stored = objectsOf(profiles[index]!.targets)[position]!;
      // A nominal goal now, whatever the profiling's adjustment type: the reads answer both forms.
      const { completes_goal_percentage: _percentage, ...quota } = (stored.quota ?? {}) as Json;
      stored.quota = { ...quota, completes_goal: goal };
    });
  });
  return refusals;
}

/**
 * "If you only update the total completes_goal, the goals for individual quotas will be recalculated":
 * each nominal quota keeps its share of the completes goal (the mock has no supplier distribution data
 * to recalculate from). Percentage quotas follow the goal as they are.
 */
function scaleQuotaGoals(profiles: Json[], before: number, after: number): void {
  if (before === after) return;
  for (const target of profiles.flatMap((profile) => objectsOf(profile.targets))) {
    const quota = target.quota as Json | undefined;
    if (typeof quota?.completes_goal !== 'number') continue;
    target.quota = { ...quota, completes_goal: Math.round((quota.completes_goal * after) / before) };
  }
}

// ---- generate_blended_profile ---------------------------------------------------------------------------

/** "When this profile is later used to create a target group, there is a limit of 350 total quotas." */
const MAX_QUOTAS = 350;
/** "blended_profiles_cannot_have_more_than_3_questions" (023). */
const MAX_BLENDED_QUESTIONS = 3;

/** Every combination of one target of each profile, in the profiles' order (the first profile's targets vary slowest). */
function combinations(profiles: Json[]): Json[][] {
  return profiles.reduce<Json[][]>((combined, profile) => combined.flatMap((prefix) => objectsOf(profile.targets).map((target) => [...prefix, target])), [[]]);
}

const profileName = (profile: Json) => (typeof profile.name === 'string' ? profile.name : `question ${profileQuestions(profile).join('/')}`);

/**
 * The blended profile of `profiles`: a target for each combination of their targets, its conditions
 * theirs together, its quota the product of their shares ("automatically calculates the supplier
 * distribution": the mock has no supplier data, so each combination gets its targets' shares multiplied),
 * as a percentage (two decimals) and in completes of the completes goal.
 */
function blended(profiles: Json[], completesGoal: number): Json {
  const names = profiles.map(profileName);
  const targets = combinations(profiles).map((combination) => {
    const share = combination.reduce((product, target, index) => product * quotaShareOf(target, profiles[index]!, completesGoal), 1);
    const completes = Math.round(share * completesGoal);
    // Named where each of its targets is (its own name or its quota's); its quota by theirs (their own or their targets').
    const targetNames = combination.map(targetNameOf);
    const named = targetNames.every((name) => name !== undefined);
    return {
      id: newId(),
      ...(named ? { name: targetNames.join(' x '), text: targetNames.join(' and ') } : {}),
      conditions: combination.flatMap((target) => objectsOf(target.conditions)),
      quota: {
        ...(named ? { name: combination.map(quotaNameOf).join('_') } : {}),
        completes_goal_percentage: Math.round(share * 10_000) / 100, quota_nominal: completes, completes_goal: completes,
      },
    };
  });
  const description = `Blended profile for ${names.join(' and ')}`;
  return {
    object: 'blended',
    quotas_enabled: profiles.some((profile) => profile.quotas_enabled !== false),
    name: names.join(' x '),
    description,
    description_translated: description,
    targets,
  };
}

/** An RFC 3339 date-time, as Cint's examples write start_at and end_at (the schema says only `string`). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * generate_blended_profile's fielding dates by the document's codes: a date that is not a date-time
 * (037) and an end before the start (036). A start equal to the end (035) is not refused: the schema's
 * own examples of the two fields are the same instant.
 */
function fieldingDatesRefusals(startAt: string, endAt: string): ProfilingRefusal[] {
  const invalid = (['start_at', 'end_at'] as const).flatMap((field) => {
    const value = field === 'start_at' ? startAt : endAt;
    if (DATE_TIME.test(value) && Number.isFinite(Date.parse(value))) return [];
    return [refusal('037', 'invalid_start_at_or_end_at_date_format', `${field}: ${JSON.stringify(value)} is not a date-time such as 2030-01-15T12:00:00.000Z`, {})];
  });
  if (invalid.length > 0) return invalid;
  if (Date.parse(endAt) >= Date.parse(startAt)) return [];
  return [refusal('036', 'end_at_cannot_be_before_start_at', `end_at: ${endAt} is before start_at ${startAt}`, {})];
}

interface BlendRequest {
  start_at: string;
  end_at: string;
  completes_goal: number;
  profiling: { profile_adjustment_type: string; profiles: Json[] };
}

interface ManageProfiles {
  completes_goal: number;
  profiling: { template_id?: string; profile_adjustment_type: string; profiles?: Json[] };
}

export const profileHandlers = {
  list_profiles: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: profilesView(session, group) };
  },

  get_profile: ({ session, params }) => ({ body: profileAnswer(session, params) }),

  // "A profile's quota structure, including the projected distribution of completes": the profile as
  // get_profile shows it (the same schema), its quotas' goals and what they have filled.
  get_panel_distribution_by_profile: ({ session, params }) => ({ body: profileAnswer(session, params) }),

  // A profile not saved yet: each quota's projected completes, its share of the completes goal. Broken
  // rules are a 400 (the operation documents no 422), each naming where it is.
  get_panel_distribution_draft: ({ body }) => {
    const request = body as { completes_goal: number; profile_adjustment_type?: string; profile: Json };
    const profile = withoutDuplicateValues(request.profile);
    const refusals = profileRefusals(profile, 'profile', request.profile_adjustment_type);
    if (refusals.length > 0) throw asBadRequest(refusals);
    const targets = objectsOf(profile.targets).map((target) => {
      const { name: _name, quota: sent, ...rest } = target;
      const name = targetNameOf(target);
      if (!isObject(sent)) return defined({ ...rest, name });
      const { completes_goal_percentage: _percentage, name: _quotaName, ...quota } = sent;
      const completesGoal = Math.round(quotaShareOf(target, profile, request.completes_goal) * request.completes_goal);
      return defined({ ...rest, name, quota: defined({ ...quota, name: quotaNameOf(target), completes_goal: completesGoal }) });
    });
    return { body: { ...profile, targets } };
  },

  // The goals the simulator fills to from now on, every quota goal checked before anything changes. A run
  // already at its new goal completes now; a higher goal lets a run completed at its goal be relaunched.
  update_profile_filling_goal: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const update = body as GoalUpdate;
    const spec = structuredClone(group.spec);
    const profiles = objectsOf((spec.profiling as Json | undefined)?.profiles);
    const completesGoal = typeof update.completes_goal === 'number' ? Math.round(update.completes_goal) : goalOf(group);
    if ((update.profiles ?? []).length === 0) scaleQuotaGoals(profiles, goalOf(group), completesGoal);
    const refusals = quotaGoalRefusals(session, group, update, profilingWithIds(group), profiles, completesGoal);
    if (refusals.length > 0) throw profilingRefused(refusals);
    spec.completes_goal = completesGoal;
    saveProfiling(session, group, spec, actor);
    return { body: profilesView(session, group) };
  },

  // "All or nothing": every rule is checked before anything changes. The answer is what list_profiles shows next.
  manage_target_group_profiles: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const { completes_goal: completesGoal } = body as ManageProfiles;
    const applied = templateApplied(session, params.account_id, (body as ManageProfiles).profiling, group.spec.locale);
    const profiling = applied.profiling as ManageProfiles['profiling'];
    const profiles = (profiling.profiles ?? []).map(withoutDuplicateValues);
    const refusals = [...applied.refusals, ...profilingRefusals(profiles, profiling.profile_adjustment_type, completesGoal)];
    if (refusals.length > 0) throw profilingRefused(refusals);
    saveProfiling(session, group, { ...group.spec, completes_goal: completesGoal, profiling: { ...profiling, profiles: keepingIds(group, profiles) } }, actor, true);
    return { body: profilesView(session, group) };
  },

  // Stateless: the rules manage_target_group_profiles checks, on a configuration no target group has yet.
  validate_profiles: ({ body }) => {
    const { completes_goal: completesGoal, profiling } = body as ManageProfiles;
    const refusals = profilingRefusals((profiling.profiles ?? []).map(withoutDuplicateValues), profiling.profile_adjustment_type, completesGoal);
    if (refusals.length > 0) throw profilingRefused(refusals);
    return {};
  },

  // Stateless, as validate_profiles: the profiles checked by manage's rules, then interlocked.
  generate_blended_profile: ({ body }) => {
    const { completes_goal: completesGoal, profiling, start_at: startAt, end_at: endAt } = body as BlendRequest;
    const profiles = profiling.profiles.map(withoutDuplicateValues);
    // "Combining two or three regular profiles": a blended one is not blended again.
    const notRegular = profiles.flatMap((profile, index) => (profile.object === 'regular' ? [] : [{
      name: `profiling.profiles[${index}].object`, reason: `'profiling.profiles[${index}].object' must be regular: only regular profiles are blended, not ${String(profile.object)}`,
    }]));
    if (notRegular.length > 0) throw badRequest(notRegular);
    const refusals = [...fieldingDatesRefusals(startAt, endAt), ...profilingRefusals(profiles, profiling.profile_adjustment_type, completesGoal)];
    const quotas = profiles.reduce((product, profile) => product * objectsOf(profile.targets).length, 1);
    if (quotas > MAX_QUOTAS) {
      const questions = questionsOf(profiles.flatMap((profile) => objectsOf(profile.targets).flatMap((target) => objectsOf(target.conditions))));
      refusals.push(refusal('030', 'total_number_of_quotas_cannot_be_greater_than_max', `profiling.profiles: blending them makes ${quotas} quotas; a target group has at most ${MAX_QUOTAS}`, { question_id: questions }));
    }
    if (refusals.length > 0) throw profilingRefused(refusals);
    return { body: blended(profiles, completesGoal) };
  },

  // The named profiles go with their quotas; the others keep their ids. A profile id the target group does
  // not have is the documented 422 profile_id_not_found_044, and nothing is deleted.
  batch_delete_profiles: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const named = (body as { profile_ids: string[] }).profile_ids;
    const profiles = profilingWithIds(group);
    const known = new Set(profiles.map((profile) => profile.id));
    const unknown = named.flatMap((id, at) => (known.has(id) ? [] : [
      refusal('044', 'profile_id_not_found', `profile_ids[${at}]: the target group has no profile ${id}`, { profile_id: id }),
    ]));
    if (unknown.length > 0) throw profilingRefused(unknown);
    const deleted = new Set(named);
    const profiling = { ...(group.spec.profiling as Json), profiles: profiles.filter((profile) => !deleted.has(String(profile.id))) };
    saveProfiling(session, group, { ...group.spec, profiling }, actor);
    return {};
  },
} satisfies Handlers;
