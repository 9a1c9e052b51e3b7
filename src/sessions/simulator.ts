// The fielding simulator: a live run fills over time. Respondents start, complete, screen out, are
// over quota or drop off at the session's rates, drawn from a seeded stream on the session's clock, so
// a target group's statistics, its quotas and its completes by interval grow as Cint's do, and a run
// that reaches its completes goal completes. Counts are drawn per tick of time (an hour at first), never
// per respondent, and ticks get longer as a run ages, so a clock moved a year on costs a few thousand
// draws per run. The lifecycle (sessions/lifecycle.ts) tells it when a run goes live and stops.
import { Value } from '@sinclair/typebox/value';
import { quotaPlanOf, type QuotaPlanProfile } from '../api/target-group-shape.js';
import { SeededRandom, streamSeed } from '../scenarios/random.js';
import { publishEvent } from './events.js';
import { DEFAULT_FIELDING, fieldingProblem, FieldingSettingsSchema, type FieldingSettings } from './fielding-settings.js';
import type { FieldingRun, Session, TargetGroup } from './store.js';

// ---- Settings -----------------------------------------------------------------------------------------

export { DEFAULT_FIELDING, FieldingSettingsSchema, type FieldingSettings };

/** A change to a session's fielding settings: some of them (the rest stay), or back to the instance's. */
export type FieldingChange = Partial<FieldingSettings> | { reset: true };

/** Settings that cannot be: `field` names the one to change. */
export class FieldingSettingsError extends RangeError {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'FieldingSettingsError';
  }
}

/** Sets the session's settings, starting from what it has now; throws a FieldingSettingsError naming the problem. */
export function setFielding(session: Session, change: FieldingChange): void {
  if ('reset' in change) {
    session.fielding = null;
    return;
  }
  const next = { ...settingsOf(session), ...change } as FieldingSettings;
  const [error] = Value.Errors(FieldingSettingsSchema, next);
  if (error) throw new FieldingSettingsError(error.path.slice(1) || 'fielding', `'${error.path.slice(1)}' ${error.message.toLowerCase()} (got ${JSON.stringify(error.value)})`);
  const problem = fieldingProblem(next);
  if (problem) throw new FieldingSettingsError('complete', problem);
  session.fielding = Object.freeze(next);
}

export function settingsOf(session: Session): FieldingSettings {
  return session.fielding ?? session.instanceFielding ?? DEFAULT_FIELDING;
}

export interface FieldingView extends FieldingSettings {
  drop_off: number;
  seed: number | string;
  source: 'session' | 'instance';
}

export function fieldingView(session: Session): FieldingView {
  const settings = settingsOf(session);
  return {
    ...settings,
    drop_off: dropOffShare(settings),
    seed: settings.seed ?? session.name,
    source: session.fielding ? 'session' : 'instance',
  };
}

const dropOffShare = (settings: FieldingSettings) => Math.max(0, Number((1 - settings.complete - settings.screen_out - settings.over_quota).toFixed(9)));

// ---- A target group's fill ----------------------------------------------------------------------------

const HOUR = 3_600_000;

/**
 * Completes are kept per tick (its bucket) for the completes by interval; at this many buckets, pairs
 * are merged and ticks from then on are twice as long. A run's first 21 days go hour by hour; the
 * buckets, and the ticks a clock jump costs, grow with the logarithm of the time a run has fielded.
 */
export const SERIES_LIMIT = 512;

export interface FillTotals {
  /** Respondents who started. */
  entrants: number;
  /** Starts that passed the profile screen and were sent to the survey: completes, screen-outs and drop-offs. */
  prescreens: number;
  completes: number;
  screen_outs: number;
  over_quota: number;
  drop_offs: number;
}

export interface QuotaFill { completes: number; prescreens: number }

/** The simulator's state of a target group that has fielded (Session.fills, by target group id). */
export interface Fill {
  /** When the target group first went live: ticks are counted from here. */
  startMs: number;
  bucketMs: number;
  /** Completes per bucket of bucketMs from startMs; the last is the tick under way. */
  series: number[];
  /** Live since this instant (counted up to it already); null while not live. */
  liveSince: number | null;
  /** Live time of the tick under way that has not been drawn for yet. */
  liveMs: number;
  random: SeededRandom;
  totals: FillTotals;
  /** By quota (target) id. */
  quotas: Map<string, QuotaFill>;
  firstCompleteAt: number | null;
  lastCompleteAt: number | null;
}

const emptyTotals = (): FillTotals => ({ entrants: 0, prescreens: 0, completes: 0, screen_outs: 0, over_quota: 0, drop_offs: 0 });

/** The target group's completes goal (at least 1, as TargetGroupProgress's filling_goal). */
export function goalOf(group: TargetGroup): number {
  return Math.max(1, Math.round(Number(group.spec.completes_goal) || 1));
}

export const fillOf = (session: Session, group: TargetGroup): Fill | undefined => session.fills.get(group.id);

/** True when the target group's completes have reached its goal: it is not resumed or relaunched then. */
export function goalReached(session: Session, group: TargetGroup): boolean {
  const fill = session.fills.get(group.id);
  return fill !== undefined && fill.totals.completes >= goalOf(group);
}

/** When the fill's tick under way ends: the session's clock looks again then (Infinity: nothing to do). */
export function nextTickAt(session: Session, run: FieldingRun): number {
  const fill = session.fills.get(run.target_group_id);
  if (!fill || fill.liveSince === null || settingsOf(session).starts_per_hour === 0) return Infinity;
  return fill.startMs + fill.series.length * fill.bucketMs;
}

/** What one advance of a fill added: published as events when it ends. */
interface Step {
  from: number;
  to: number;
  added: FillTotals;
  quotas: Map<string, { profileId: string; name: string | undefined; goal: number; completes: number; prescreens: number }>;
  plan: QuotaPlanProfile[] | undefined;
}

/**
 * Brings a live run's fill up to `toMs`, a tick at a time; returns the instant its completes goal was
 * reached (the end of that tick), or null. The run's lifecycle completes it then.
 */
export function advanceFill(session: Session, run: FieldingRun, toMs: number): number | null {
  const group = session.targetGroups.get(run.target_group_id);
  const fill = session.fills.get(run.target_group_id);
  if (!group || !fill) return null;
  // A goal lowered under the completes already made (or reached in the tick that ended the run before).
  if (fill.liveSince !== null && fill.totals.completes >= goalOf(group)) return fill.liveSince;
  const step = newStep(fill, toMs);
  const reached = runTicks(session, group, fill, toMs, step);
  publishStep(session, group, run, step);
  return reached;
}

/** Before a run's status changes at `atMs`: its fill is brought up to then, and its live time so far kept for the tick under way. */
export function beforeStatusChange(session: Session, run: FieldingRun, atMs: number): void {
  const group = session.targetGroups.get(run.target_group_id);
  const fill = session.fills.get(run.target_group_id);
  if (!group || !fill) return;
  const step = newStep(fill, atMs);
  runTicks(session, group, fill, atMs, step);
  if (fill.liveSince !== null) {
    fill.liveMs += Math.max(0, atMs - fill.liveSince);
    fill.liveSince = null;
  }
  publishStep(session, group, run, step);
}

/**
 * After it changed: a live run counts its time from `atMs` (its first time live makes its fill, with
 * a stream of its own); a completed one gets the respondents of its last, partial tick.
 */
export function afterStatusChange(session: Session, run: FieldingRun, atMs: number): void {
  const group = session.targetGroups.get(run.target_group_id);
  if (!group) return;
  let fill = session.fills.get(group.id);
  if (run.status === 'live') {
    if (!fill) {
      const seed = settingsOf(session).seed ?? session.name;
      // The n-th target group of the session to field gets the n-th stream of the seed: reproducible
      // whatever ids the target groups were given.
      fill = {
        startMs: atMs, bucketMs: HOUR, series: [0], liveSince: null, liveMs: 0,
        random: new SeededRandom(streamSeed(seed, `fill:${session.fills.size}`)),
        totals: emptyTotals(), quotas: new Map(), firstCompleteAt: null, lastCompleteAt: null,
      };
      session.fills.set(group.id, fill);
    }
    fill.liveSince = atMs;
  } else if (run.status === 'completed' && fill && fill.liveMs > 0) {
    const step = newStep(fill, atMs);
    draw(session, group, fill, fill.liveMs, atMs, step);
    fill.liveMs = 0;
    publishStep(session, group, run, step);
  }
}

function newStep(fill: Fill, toMs: number): Step {
  return { from: fill.startMs + (fill.series.length - 1) * fill.bucketMs, to: toMs, added: emptyTotals(), quotas: new Map(), plan: undefined };
}

/** Every whole tick that ends by `toMs`; stops at the one that reaches the goal and returns its end. */
function runTicks(session: Session, group: TargetGroup, fill: Fill, toMs: number, step: Step): number | null {
  const goal = goalOf(group);
  for (;;) {
    const tickStart = fill.startMs + (fill.series.length - 1) * fill.bucketMs;
    const tickEnd = tickStart + fill.bucketMs;
    if (tickEnd > toMs) return null;
    if (fill.liveSince !== null) {
      fill.liveMs += Math.max(0, tickEnd - Math.max(fill.liveSince, tickStart));
      fill.liveSince = tickEnd;
    }
    let reached = false;
    if (fill.liveMs > 0) {
      const before = fill.totals.completes;
      draw(session, group, fill, fill.liveMs, tickEnd, step);
      fill.liveMs = 0;
      reached = before < goal && fill.totals.completes >= goal;
    }
    nextBucket(fill);
    if (reached) return tickEnd;
  }
}

/** Starts the next tick's bucket; a full series merges pairs of buckets, and ticks get twice as long. */
function nextBucket(fill: Fill): void {
  if (fill.series.length === SERIES_LIMIT) {
    const merged: number[] = [];
    for (let i = 0; i < SERIES_LIMIT; i += 2) merged.push(fill.series[i]! + fill.series[i + 1]!);
    fill.series = merged;
    fill.bucketMs *= 2;
  }
  fill.series.push(0);
}

/** The respondents of `liveMs` of live time, counted at `atMs`. */
function draw(session: Session, group: TargetGroup, fill: Fill, liveMs: number, atMs: number, step: Step): void {
  const settings = settingsOf(session);
  const random = fill.random;
  const starts = poisson(random, (settings.starts_per_hour * liveMs) / HOUR);
  if (starts === 0) return;
  const [wouldComplete, screenOuts, overQuotaShare, dropOffs] = multinomial(random, starts, [settings.complete, settings.screen_out, settings.over_quota, dropOffShare(settings)]);
  // A target group takes no more completes than its goal: the rest are over quota, as Cint's full target groups answer.
  let completes = Math.min(wouldComplete!, Math.max(0, goalOf(group) - fill.totals.completes));
  let overQuota = overQuotaShare! + wouldComplete! - completes;

  // Each completing respondent falls in one target of each profile, by the targets' goals; a full
  // quota turns its respondents away (over quota).
  const plan = (step.plan ??= quotaPlanOf(group));
  const splits: number[][] = [];
  let accepted = completes;
  for (const profile of plan) {
    const counts = multinomial(random, accepted, profile.targets.map((target) => target.weight));
    if (profile.quotasEnabled) {
      profile.targets.forEach((target, index) => {
        const room = Math.max(0, target.goal - (fill.quotas.get(target.id)?.completes ?? 0));
        counts[index] = Math.min(counts[index]!, room);
      });
    }
    accepted = sum(counts);
    splits.push(counts);
  }
  overQuota += completes - accepted;
  completes = accepted;
  const prescreened = screenOuts! + dropOffs!;
  plan.forEach((profile, index) => {
    const counts = thin(random, splits[index]!, completes);
    const others = multinomial(random, prescreened, profile.targets.map((target) => target.weight));
    profile.targets.forEach((target, i) => {
      if (counts[i] === 0 && others[i] === 0) return;
      const quota = fill.quotas.get(target.id) ?? { completes: 0, prescreens: 0 };
      quota.completes += counts[i]!;
      quota.prescreens += counts[i]! + others[i]!;
      fill.quotas.set(target.id, quota);
      const touched = step.quotas.get(target.id) ?? { profileId: profile.id, name: target.name, goal: target.goal, completes: 0, prescreens: 0 };
      touched.completes += counts[i]!;
      touched.prescreens += counts[i]! + others[i]!;
      step.quotas.set(target.id, touched);
    });
  });

  const added: FillTotals = {
    entrants: starts, prescreens: completes + prescreened, completes, screen_outs: screenOuts!, over_quota: overQuota, drop_offs: dropOffs!,
  };
  for (const key of Object.keys(added) as (keyof FillTotals)[]) {
    fill.totals[key] += added[key];
    step.added[key] += added[key];
  }
  fill.series[fill.series.length - 1]! += completes;
  if (completes > 0) {
    fill.firstCompleteAt ??= atMs;
    fill.lastCompleteAt = atMs;
  }
  step.to = atMs;
}

// ---- Events ---------------------------------------------------------------------------------------------

/**
 * One advance's events: a session-updated for the target group (its respondents' status changes,
 * counted, not one event per respondent) and a quota-fill-registered per quota that moved. At most
 * 1 + quotas per target group each time the clock brings it a tick or more.
 */
function publishStep(session: Session, group: TargetGroup, run: FieldingRun, step: Step): void {
  if (step.added.entrants === 0) return;
  const project = session.projects.get(group.project_id);
  const at = new Date(step.to).toISOString();
  const fill = session.fills.get(group.id)!;
  const ids = { account_id: project?.account_id, project_id: group.project_id, target_group_id: group.id };
  publishEvent(session, 'session-updated', {
    ...ids,
    fielding_run_id: run.id,
    occurred_at: at,
    period: { from: new Date(Math.min(step.from, step.to)).toISOString(), to: at },
    respondents: {
      started: step.added.entrants, completed: step.added.completes, screened_out: step.added.screen_outs,
      over_quota: step.added.over_quota, dropped_off: step.added.drop_offs,
    },
    totals: { ...fill.totals },
  }, at);
  for (const [quotaId, quota] of step.quotas) {
    const now = fill.quotas.get(quotaId)!;
    publishEvent(session, 'quota-fill-registered', {
      ...ids,
      profile_id: quota.profileId,
      quota_id: quotaId,
      ...(quota.name !== undefined ? { quota_name: quota.name } : {}),
      occurred_at: at,
      completes_goal: quota.goal,
      completes: now.completes,
      screens: now.prescreens,
      completes_added: quota.completes,
      screens_added: quota.prescreens,
    }, at);
  }
}

// ---- Reading a fill -------------------------------------------------------------------------------------

export interface FillStatistics extends FillTotals {
  /** Completes / (completes + screen-outs): Cint's incidence, of those the survey qualified or screened out. */
  incidence_rate: number;
  /** Completes / starts. */
  conversion_rate: number;
  /** Drop-offs / respondents sent to the survey. */
  drop_off_rate: number;
  first_complete: string | null;
  last_complete: string | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

/** A target group's statistics (all 0 before it fields). */
export function statisticsOf(session: Session, group: TargetGroup): FillStatistics {
  const fill = session.fills.get(group.id);
  const totals = fill ? fill.totals : emptyTotals();
  return {
    ...totals,
    incidence_rate: ratio(totals.completes, totals.completes + totals.screen_outs),
    conversion_rate: ratio(totals.completes, totals.entrants),
    drop_off_rate: ratio(totals.drop_offs, totals.prescreens),
    first_complete: fill?.firstCompleteAt != null ? new Date(fill.firstCompleteAt).toISOString() : null,
    last_complete: fill?.lastCompleteAt != null ? new Date(fill.lastCompleteAt).toISOString() : null,
  };
}

/** A quota's completes and prescreens so far. */
export function quotaFillOf(session: Session, group: TargetGroup, quotaId: string): QuotaFill {
  return session.fills.get(group.id)?.quotas.get(quotaId) ?? { completes: 0, prescreens: 0 };
}

/** Intervals a completes-by-interval answer may hold: a shorter interval over a long run is refused. */
export const MAX_INTERVALS = 1000;

/**
 * Completes by interval, from the first time the target group went live up to `untilMs` (its run's end):
 * each interval's end, with the completes collected by then (a running total, as Cint's "count of
 * collected completes by the end of the aggregated interval"). A bucket's completes count in the
 * interval its start is in; an interval that has not begun by the session's clock counts 0.
 */
export function completesByInterval(session: Session, group: TargetGroup, intervalMs: number, untilMs: number): { timestamp: number; count: number }[] {
  const fill = session.fills.get(group.id);
  if (!fill || untilMs <= fill.startMs) return [];
  const count = Math.ceil((untilMs - fill.startMs) / intervalMs);
  const added = new Array<number>(count).fill(0);
  fill.series.forEach((completes, index) => {
    const slot = Math.floor((index * fill.bucketMs) / intervalMs);
    if (completes > 0 && slot < count) added[slot]! += completes;
  });
  const now = session.now();
  let total = 0;
  return added.map((completes, index) => {
    const start = fill.startMs + index * intervalMs;
    total += completes;
    return { timestamp: start + intervalMs, count: start > now ? 0 : total };
  });
}

// ---- Drawing counts -------------------------------------------------------------------------------------
// Each is O(1), or O(n) only for n below 30: a tick costs the same whatever the number of respondents.

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function normal(random: SeededRandom): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

export function poisson(random: SeededRandom, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    // Knuth: multiply uniforms until the product falls under e^-mean.
    const limit = Math.exp(-mean);
    let count = 0;
    for (let product = random.next(); product > limit; product *= random.next()) count += 1;
    return count;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
}

export function binomial(random: SeededRandom, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 30) {
    let count = 0;
    for (let i = 0; i < n; i += 1) if (random.next() < p) count += 1;
    return count;
  }
  const mean = n * p;
  const variance = mean * (1 - p);
  if (variance >= 9) return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(variance) * normal(random))));
  return p < 0.5 ? Math.min(n, poisson(random, mean)) : n - Math.min(n, poisson(random, n * (1 - p)));
}

/** `n` split by `weights` (need not sum to 1; all 0: evenly). */
export function multinomial(random: SeededRandom, n: number, weights: readonly number[]): number[] {
  const counts = weights.map(() => 0);
  if (weights.length === 0) return counts;
  let total = sum(weights);
  const even = total <= 0;
  if (even) total = weights.length;
  let left = n;
  for (let i = 0; i < weights.length - 1 && left > 0; i += 1) {
    const weight = even ? 1 : weights[i]!;
    counts[i] = binomial(random, left, total > 0 ? weight / total : 0);
    left -= counts[i]!;
    total -= weight;
  }
  counts[weights.length - 1]! += left;
  return counts;
}

/** `counts` brought down to sum `target`, removing from each about in proportion; never below 0. */
function thin(random: SeededRandom, counts: number[], target: number): number[] {
  let remove = sum(counts) - target;
  if (remove <= 0) return counts;
  const removed = multinomial(random, remove, counts);
  const result = counts.map((count, index) => {
    const taken = Math.min(count, removed[index]!);
    remove -= taken;
    return count - taken;
  });
  for (let index = 0; remove > 0 && index < result.length; index += 1) {
    const taken = Math.min(result[index]!, remove);
    result[index]! -= taken;
    remove -= taken;
  }
  return result;
}
