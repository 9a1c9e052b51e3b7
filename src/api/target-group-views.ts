// What the API says about a target group beyond the target group itself, read from what the session
// holds: its details, its overview (and the one by target group id), its performance and completes by
// interval, its price and rate card, the project's overview, and the changelog, which gets an entry for every change
// a client makes (see replaceSpec). The statistics are the fielding simulator's (sessions/simulator.ts).
import { badRequest, CintError, notFoundDetail } from '../cint/errors.js';
import { addChangelogEntry, ensureChangelogRoom, type Change } from '../sessions/changelog.js';
import { durationMs } from '../sessions/clock.js';
import { findProject, findTargetGroup, findTargetGroupById } from '../sessions/lookup.js';
import { completesByInterval, goalOf, MAX_INTERVALS, statisticsOf, type FillStatistics } from '../sessions/simulator.js';
import { targetGroupBytes, type Project, type Session, type TargetGroup } from '../sessions/store.js';
import { answerFrom } from './answers.js';
import type { Handlers } from './handler.js';
import { costsOf } from './money.js';
import { rateCardTable, rateCardTokenOf } from './pricing.js';
import { localeParts, pageOf } from './shared.js';
import { detailsView, isObject, pricingModelOf, pricingRestrictedOf } from './target-group-shape.js';
import { isoAt, runOf } from '../sessions/lifecycle.js';

/** The spec fields the changelog follows, and the change object Cint names for each. */
const CHANGES: Readonly<Record<string, string>> = {
  name: 'name_change',
  business_unit_id: 'business_unit_change',
  project_manager_id: 'project_manager_change',
  expected_length_of_interview_minutes: 'expected_length_of_interview_minutes_change',
  expected_incidence_rate: 'expected_incidence_rate_change',
  study_type_code: 'study_type_change',
  industry_lockout_code: 'industry_lockout_code_change',
  collects_pii: 'collects_pii_change',
  live_url: 'live_url_change',
  test_url: 'test_url_change',
  locale: 'locale_change',
  target_group_customer_reference_number: 'target_group_customer_reference_number_change',
};

const changeValue = (field: string, value: unknown) =>
  (value === undefined ? null : field === 'project_manager_id' ? { las_user_id: value } : value);

/** The changelog's changes for the fields that differ between `before` and `after` (none when none do). */
export function specChanges(before: Record<string, unknown>, after: Record<string, unknown>): Change[] {
  return Object.entries(CHANGES)
    .filter(([field]) => after[field] !== undefined && JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map(([field, object]) => ({ object, new_value: changeValue(field, after[field]), old_value: changeValue(field, before[field]) }));
}

/**
 * Stores `spec` as the target group's body, with one changelog entry by `actor` for what it changes:
 * both counted before either is made, so a session past maxSessionBytes changes nothing.
 */
export function replaceSpec(session: Session, group: TargetGroup, actor: string, spec: Record<string, unknown>): void {
  const changes = specChanges(group.spec, spec);
  ensureChangelogRoom(session, actor, changes);
  session.resize(group, targetGroupBytes(group, spec));
  group.spec = spec;
  group.updated_at = isoAt(session.now());
  addChangelogEntry(session, group, actor, group.updated_at, changes);
}

/** TargetGroupProgress: the completes and prescreens so far against the completes goal. */
export function progressOf(session: Session, group: TargetGroup, statistics = statisticsOf(session, group)) {
  const strategy = group.spec.filling_strategy;
  return {
    current_completes: statistics.completes, current_prescreens: statistics.prescreens, filling_goal: goalOf(group),
    // What update_filling_strategy set; completes until then.
    filling_strategy: strategy === 'automated' || strategy === 'prescreens' ? strategy : 'completes' as const,
  };
}

/** The median length of interview: the target group's expected one once it has completes (the mock times no interviews). */
function medianLengthOfInterviewSeconds(group: TargetGroup, statistics: FillStatistics): number | null {
  const minutes = Number(group.spec.expected_length_of_interview_minutes);
  return statistics.completes > 0 && minutes > 0 ? Math.round(minutes * 60) : null;
}

/**
 * TargetGroupOverview, or with `byId` TargetGroupOverviewByTargetGroupId (which adds the account and
 * project ids), every field from the target group: none from the document's example.
 */
function overviewOf(session: Session, project: Project, group: TargetGroup, byId: boolean) {
  const { language, country } = localeParts(group.spec.locale ?? 'eng_us');
  const statistics = statisticsOf(session, group);
  const loi = medianLengthOfInterviewSeconds(group, statistics);
  const costs = costsOf(group, statistics.completes);
  return {
    ...(byId ? { account_id: project.account_id, project_id: project.id } : {}),
    project_name: project.name,
    target_group_name: group.spec.name,
    human_readable_id: group.human_readable_id,
    project_manager_id: group.spec.project_manager_id,
    progress: progressOf(session, group, statistics),
    pricing_model: pricingModelOf(group.spec),
    is_pricing_restricted: pricingRestrictedOf(group.spec),
    // Required, and MonetaryAmount requires none of its fields: without a CPI the mock knows no price.
    current_cost_per_interview: costs?.perInterview ?? {},
    average_cost_per_interview: costs?.perInterview,
    current_cost: costs?.total ?? {},
    status: group.status,
    country_code: (country || 'us').toUpperCase(),
    language_code: (language || 'eng').toUpperCase(),
    conversion_rate: statistics.conversion_rate,
    drop_off_rate: statistics.drop_off_rate,
    incidence_rate: statistics.incidence_rate,
    // Before any complete: left out of get_target_group_overview, where it is not required (its
    // `allOf: [integer, {nullable: true}]` reads as not nullable to strict OAS 3.0 tools), 0 in the one by
    // target group id, which requires it and allows no null.
    ...(loi !== null ? { median_length_of_interview_seconds: loi } : byId ? { median_length_of_interview_seconds: 0 } : {}),
    study_type_code: group.spec.study_type_code ?? 'adhoc',
    target_group_customer_reference_number: group.spec.target_group_customer_reference_number,
    created_at: group.created_at,
  };
}

/** The private exchange suppliers the target group's allocations name, in the order they name them. */
function privateSupplierIds(group: TargetGroup): string[] {
  const allocations = group.spec.allocations;
  const closed = isObject(allocations) && isObject(allocations.private_exchange_allocations) ? allocations.private_exchange_allocations : {};
  const groups = Array.isArray(closed.groups) ? closed.groups.filter(isObject) : [];
  return [...new Set(groups.map((sent) => sent.supplier_id).filter((id) => id !== undefined && id !== null).map(String))];
}

/** An opaque token that names what it was made from, stable across reads (Cint's are base64 text too). */
const tokenOf = (...parts: string[]) => Buffer.from(parts.join(';')).toString('base64');

/**
 * GetTargetGroupPriceResponse: the target group's own CPI under its own pricing model, for the open
 * exchange and each private exchange supplier its allocations name (the mock prices no supplier
 * differently). The mock keeps no exchange rates: the rate from USD is 1 (decision 122).
 */
function priceOf(group: TargetGroup, accountId: number) {
  const model = pricingModelOf(group.spec);
  const pricingContext = model === 'rate_card' ? { type: 'rate_card', rate_card_token: tokenOf(group.id, 'rate_card') } : { type: 'dynamic' };
  const price = { pricing_context: pricingContext, cost_per_interview: costsOf(group, 0)?.perInterview ?? {} };
  return {
    price_type: 'specification',
    buyer_account_id: accountId,
    buyer_business_unit_id: String(group.spec.business_unit_id),
    target_group_id: group.id,
    buyer_business_unit_exchange_rate_from_usd: 1,
    pricing_config_token: tokenOf(group.id, model),
    open_exchange_price: price,
    private_exchange_prices: privateSupplierIds(group).map((supplier_id) => ({ supplier_id, ...price })),
  };
}

/**
 * PredictedRateCard until the target group first goes live, then BoundRateCard ("permanently associated
 * with the Target Group" from then on): its own country's, with the document's pricing table, the only
 * one the mock has (decision 123).
 */
function rateCardOf(session: Session, group: TargetGroup) {
  const country = (localeParts(group.spec.locale ?? 'eng_us').country || 'us').toUpperCase();
  const table = rateCardTable();
  return session.fills.has(group.id)
    ? { country_code: country, bound_rate_card_token: rateCardTokenOf(country), bound_rate_card: table }
    : { country_code: country, predicted_rate_card_token: rateCardTokenOf(country), predicted_rate_card: table };
}

const RESPONDENT_STATUSES = [
  { status: 'Complete', label: 'Returned as Complete', description: 'Respondent completed the survey', of: 'completes' },
  { status: 'Terminate', label: 'Returned as Terminate', description: 'Respondent was screened out by the survey', of: 'screen_outs' },
  { status: 'Overquota', label: 'Returned as Overquota', description: 'Respondent was turned away: the target group or a quota was full', of: 'over_quota' },
  { status: 'In Survey', label: 'In Survey', description: 'Respondent started the survey and has not returned', of: 'drop_offs' },
] as const;

function performanceOf(session: Session, group: TargetGroup) {
  const statistics = statisticsOf(session, group);
  const cost = costsOf(group, statistics.completes)?.total;
  return {
    entrants: statistics.entrants,
    prescreens: statistics.prescreens,
    completes: statistics.completes,
    ...(cost ? { completes_cost: cost } : {}),
    ...(statistics.first_complete ? { first_complete: statistics.first_complete } : {}),
    ...(statistics.last_complete ? { last_complete: statistics.last_complete } : {}),
    incidence_rate: statistics.incidence_rate,
    drop_off_rate: statistics.drop_off_rate,
    conversion_rate: statistics.conversion_rate,
    // The simulator's respondents are all live ones: the test link has none.
    respondent_analysis: {
      live: RESPONDENT_STATUSES.map(({ of, ...status }) => ({ ...status, count: statistics[of] })),
      test: [],
    },
  };
}

/** The completes-by-interval's interval: an ISO 8601 duration (P1D by default), giving at most MAX_INTERVALS intervals over the fielding so far (`spanMs`). */
function intervalOf(text: string | undefined, spanMs: number): number {
  const name = 'aggregation_interval';
  const ms = text === undefined ? 86_400_000 : durationMs(text);
  if (ms === null || ms <= 0) {
    throw badRequest([{ name, reason: `'${name}' must be an ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT6H, P1DT5H).` }]);
  }
  if (spanMs / ms > MAX_INTERVALS) {
    const given = text === undefined ? `'${name}' left out, its default of P1D,` : `'${name}' of ${text}`;
    throw badRequest([{ name, reason: `${given} gives more than ${MAX_INTERVALS} intervals over this target group's fielding so far; send a longer one (P1W).` }]);
  }
  return ms;
}

/** The target group, unless it is a draft: a draft has no details and no overview, a 404 saying so. */
function launched(group: TargetGroup, has: string): TargetGroup {
  if (group.status === 'draft') {
    throw new CintError(404, `${notFoundDetail('target_group_id')}: target group ${group.id} is a draft, and ${has} once it is launched or scheduled (read the draft with get_target_group)`);
  }
  return group;
}

/** A target group that is no longer a draft; a draft's details are a 404 saying so. */
export function launchedTargetGroup(session: Session, accountId: number, projectId: string, targetGroupId: string): TargetGroup {
  return launched(findTargetGroup(session, accountId, projectId, targetGroupId), 'has details');
}

export const targetGroupViewHandlers = {
  // A target group has details once it is launched or scheduled: a draft's are not found (404).
  get_target_group_details: ({ session, params, directory }) => {
    const group = launchedTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: detailsView(group, params.account_id, directory, true) };
  },

  update_launched_target_group_details: ({ session, params, body, actor, directory }) => {
    const group = launchedTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    replaceSpec(session, group, actor, { ...group.spec, ...(body as Record<string, unknown>) });
    return { body: detailsView(group, params.account_id, directory, false) };
  },

  // Cint: "Attempting to retrieve a draft Target Group overview will result in a Not Found error"; the
  // overview by target group id is of "a specific launched Target Group" too.
  get_target_group_overview: ({ session, params }) => {
    const group = launched(findTargetGroup(session, params.account_id, params.project_id, params.target_group_id), 'has an overview');
    return { body: overviewOf(session, session.projects.get(group.project_id)!, group, false) };
  },

  get_target_group_overview_by_target_group_id: ({ session, params }) => {
    const group = launched(findTargetGroupById(session, undefined, params.target_group_id), 'has an overview');
    return { body: overviewOf(session, session.projects.get(group.project_id)!, group, true) };
  },

  // "essential data points and statistical metrics related to a specific launched Target Group", as
  // the overview by id: a draft's are a 404 saying so (decision 121).
  get_target_group_performance: ({ session, params }) => {
    const group = launched(findTargetGroup(session, params.account_id, params.project_id, params.target_group_id), 'has performance metrics');
    return { body: performanceOf(session, group) };
  },

  // Cint: "timestamps according to the aggregation interval and the Target Group's fielding period,
  // with a count of completes collected thus far", each timestamp "when the aggregated interval ends"
  // and its count those collected "by the end of the aggregated interval": a running total over every
  // interval from the first time the target group went live to its run's end (or when it completed),
  // those to come with 0 (decision 85). A draft has none.
  get_target_group_completes_aggregated_by_interval: ({ session, params, query }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const start = session.fills.get(group.id)?.startMs;
    const run = runOf(session, group);
    const end = run ? Date.parse(run.end_fielding_at) : 0;
    const until = run?.status === 'completed' ? Math.min(end, Date.parse(run.last_changed_at)) : end;
    // The cap is on the intervals fielded so far: a run ending years ahead still answers its default P1D,
    // listing the intervals to come as far as the cap reaches.
    const fielded = start === undefined ? 0 : Math.max(0, Math.min(until, session.now()) - start);
    const interval = intervalOf(query.aggregation_interval, fielded);
    const listed = start === undefined ? until : Math.min(until, start + MAX_INTERVALS * interval);
    const intervals = completesByInterval(session, group, interval, listed);
    return { body: { aggregated_completes_intervals: intervals.map(({ timestamp, count }) => ({ timestamp: isoAt(timestamp), count })) } };
  },

  get_target_group_rate_card: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: rateCardOf(session, group) };
  },

  // The business unit in the path is the target group's own: another's has no such target group (404).
  get_target_group_price: ({ session, params }) => {
    const group = findTargetGroupById(session, params.account_id, params.target_group_id);
    if (String(group.spec.business_unit_id) !== String(params.business_unit_id)) {
      throw new CintError(404, `${notFoundDetail('target_group_id')}: target group ${group.id} belongs to business unit ${String(group.spec.business_unit_id)}, not ${params.business_unit_id}`);
    }
    return { body: priceOf(group, params.account_id) };
  },

  project_overview: ({ session, params }) => {
    const project = findProject(session, params.account_id, params.project_id);
    return { body: projectOverviewOf(session, project) };
  },

  // Newest first, like Cint's lists, 50 to a page unless page_size says otherwise; change_types keeps
  // only changes of those types, and the entries that have one.
  get_target_group_changelog: ({ session, params, query, operation }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const types = query.change_types === undefined ? null : new Set<string>(query.change_types);
    const entries = [...group.changelog].reverse().flatMap((entry) => {
      if (types === null) return [entry];
      const changes = (entry.changes as { object: string }[]).filter((change) => types.has(change.object));
      return changes.length === 0 ? [] : [{ ...entry, changes }];
    });
    const page = pageOf(entries, (entry) => String(entry.id), query);
    return { body: answerFrom(operation.id, 200, { next_cursor: page.nextCursor ?? '' }, { field: 'changelog', entries: page.items }) };
  },
} satisfies Handlers;

const median = (values: number[]) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const average = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);
const rounded = (value: number) => Math.round(value * 10_000) / 10_000;

/** The project's target groups, in the order they were made. */
const NO_TARGET_GROUPS: readonly TargetGroup[] = Object.freeze([]);

/** The project's target groups, in creation order; one shared empty list for a project without any. */
export function targetGroupsOf(session: Session, projectId: string): readonly TargetGroup[] {
  const ids = session.targetGroupsByProject.get(projectId);
  if (ids === undefined || ids.length === 0) return NO_TARGET_GROUPS;
  return ids.map((id) => session.targetGroups.get(id)).filter((group) => group !== undefined);
}

/**
 * ProjectStatistics over the project's target groups: goals and counts summed; rates over the target
 * groups that have had respondents (medians and averages of none are 0).
 */
export function projectStatisticsOf(session: Session, projectId: string, groups: readonly TargetGroup[] = targetGroupsOf(session, projectId)) {
  // A project without target groups (every project, at first): each figure is 0, without the arithmetic.
  if (groups.length === 0) {
    return {
      filling_goal: 0, current_completes: 0, current_prescreens: 0, incidence_rate_median: 0,
      length_of_interview_median_seconds: 0, conversion_rate_average: 0, drop_off_rate_average: 0,
    };
  }
  const all = groups.map((group) => ({ group, statistics: statisticsOf(session, group) }));
  const fielded = all.filter(({ statistics }) => statistics.entrants > 0);
  return {
    filling_goal: groups.reduce((sum, group) => sum + goalOf(group), 0),
    current_completes: all.reduce((sum, { statistics }) => sum + statistics.completes, 0),
    current_prescreens: all.reduce((sum, { statistics }) => sum + statistics.prescreens, 0),
    incidence_rate_median: rounded(median(fielded.map(({ statistics }) => statistics.incidence_rate))),
    length_of_interview_median_seconds: Math.round(median(all.map(({ group, statistics }) => medianLengthOfInterviewSeconds(group, statistics)).filter((loi) => loi !== null))),
    conversion_rate_average: rounded(average(fielded.map(({ statistics }) => statistics.conversion_rate))),
    drop_off_rate_average: rounded(average(fielded.map(({ statistics }) => statistics.drop_off_rate))),
  };
}

/** ProjectOverview, every field from the project (none from the document's example); every project is active (decision 16). */
function projectOverviewOf(session: Session, project: Project) {
  return {
    id: project.id,
    human_readable_id: project.human_readable_id,
    name: project.name,
    account_id: project.account_id,
    status: 'active' as const,
    statistics: projectStatisticsOf(session, project.id),
    project_manager_id: project.project_manager_id,
    project_customer_reference_number: project.project_customer_reference_number || undefined,
    created_at: project.created_at,
  };
}
