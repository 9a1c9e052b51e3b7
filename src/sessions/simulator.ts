// The fielding simulator: a live run fills over time. Respondents start, complete, screen out, are
// over quota or drop off at the session's rates, drawn from a seeded stream on the session's clock, so
// a target group's statistics, its quotas and its completes by interval grow as Cint's do, and a run
// that reaches its completes goal completes. Counts are drawn per tick of time (an hour at first), never
// per respondent, and ticks get longer as a run ages, so a clock moved a year on costs a few thousand
// draws per run while it can still take completes; once it cannot (goal reached, complete share 0, a
// profile's quotas all full), the ticks a clock move passes are drawn together, a few splits per bucket
// size passed however many ticks. A target group whose live URL carries the unique-code placeholder
// gives each respondent it sends to the survey one of its live codes (sessions/unique-codes.ts), and
// stops sending when they run out. The lifecycle (sessions/lifecycle.ts) tells it when a run goes live
// and stops, and pauses a run out of codes.
import { Value } from '@sinclair/typebox/value';
import { quotaPlanOf, type QuotaPlanProfile } from '../api/target-group-shape.js';
import { SeededRandom, streamSeed } from '../scenarios/random.js';
import { publishEvent } from './events.js';
import { DEFAULT_FIELDING, fieldingProblem, FieldingSettingsSchema, type FieldingSettings } from './fielding-settings.js';
import type { FieldingRun, Session, TargetGroup } from './store.js';
import { consumeLiveCodes, unconsumedLiveCodes, usesLiveCodes } from './unique-codes.js';

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

const TOTALS = ['entrants', 'prescreens', 'completes', 'screen_outs', 'over_quota', 'drop_offs'] as const satisfies readonly (keyof FillTotals)[];

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
  /** The target group's plan, and its targets' weights by profile, once a draw needs them. */
  plan: { profiles: QuotaPlanProfile[]; weights: number[][] } | undefined;
  /** A draw used the target group's last live unique code, or found none for a respondent to be sent. */
  codesRanOut: boolean;
}

/** Why a live run stops by itself at a tick's end: completed at its goal, or paused without live codes. */
export interface FillStop {
  at: number;
  reason: 'total_completes_reached' | 'live_respondent_unique_codes_exhausted';
}

/**
 * Brings a live run's fill up to `toMs`, a tick at a time; returns when and why it stopped (the end of
 * the tick that reached its completes goal, or that ran out of live unique codes), or null. The run's
 * lifecycle completes or pauses it then.
 */
export function advanceFill(session: Session, run: FieldingRun, toMs: number): FillStop | null {
  const group = session.targetGroups.get(run.target_group_id);
  const fill = session.fills.get(run.target_group_id);
  if (!group || !fill) return null;
  // A goal lowered under the completes already made (or reached in the tick that ended the run before).
  if (fill.liveSince !== null && fill.totals.completes >= goalOf(group)) return { at: fill.liveSince, reason: 'total_completes_reached' };
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
 * a stream of its own); a completed one, or one paused at its end, gets the respondents of its last,
 * partial tick.
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
  } else if (run.status === 'completed' || atMs >= Date.parse(run.end_fielding_at)) {
    endFill(session, run, atMs);
  }
}

/** The respondents of a run's last, partial tick, at `atMs` when it stopped fielding (none left: nothing). */
export function endFill(session: Session, run: FieldingRun, atMs: number): void {
  const group = session.targetGroups.get(run.target_group_id);
  const fill = session.fills.get(run.target_group_id);
  if (!group || !fill || fill.liveMs <= 0) return;
  const step = newStep(fill, atMs);
  draw(session, group, fill, fill.liveMs, atMs, step);
  fill.liveMs = 0;
  publishStep(session, group, run, step);
}

function newStep(fill: Fill, toMs: number): Step {
  return { from: fill.startMs + (fill.series.length - 1) * fill.bucketMs, to: toMs, added: emptyTotals(), quotas: new Map(), plan: undefined, codesRanOut: false };
}

function planOf(step: Step, group: TargetGroup): { profiles: QuotaPlanProfile[]; weights: number[][] } {
  if (!step.plan) {
    const profiles = quotaPlanOf(group);
    step.plan = { profiles, weights: profiles.map((profile) => profile.targets.map((target) => target.weight)) };
  }
  return step.plan;
}

/**
 * Every whole tick that ends by `toMs`; stops at the one that reaches the goal, or runs out of live
 * unique codes, and returns its end. Ticks with nothing to draw (no live time, or no starts) only move
 * the series on; ticks that cannot take a complete any more are drawn together (fillClosed), whatever
 * the number of them, unless each respondent sent takes a code (each tick must then count its codes).
 */
function runTicks(session: Session, group: TargetGroup, fill: Fill, toMs: number, step: Step): FillStop | null {
  const goal = goalOf(group);
  const takesCodes = usesLiveCodes(group);
  const quiet = settingsOf(session).starts_per_hour === 0;
  // Whether no complete can be taken (null: one can): worked out when a tick is due, again once a tick added completes.
  let closed: ClosedFill | null | undefined;
  for (;;) {
    const tickStart = fill.startMs + (fill.series.length - 1) * fill.bucketMs;
    const tickEnd = tickStart + fill.bucketMs;
    if (tickEnd > toMs) return null;
    // No respondent in any tick to come: the same as ticking, without the loop.
    if (quiet || (fill.liveSince === null && fill.liveMs === 0)) {
      skipTicks(fill, toMs);
      fill.liveMs = 0;
      if (fill.liveSince !== null) fill.liveSince = fill.startMs + (fill.series.length - 1) * fill.bucketMs;
      return null;
    }
    // Live throughout from here to toMs, and no complete can be taken: no tick can reach the goal.
    if (fill.liveSince === tickStart && fill.liveMs === 0) {
      if (closed === undefined) closed = takesCodes ? null : closedFill(session, group, fill, step);
      if (closed) {
        fillClosed(fill, toMs, step, closed);
        return null;
      }
    }
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
      if (fill.totals.completes > before) closed = undefined;
    }
    nextBucket(fill);
    if (reached) return { at: tickEnd, reason: 'total_completes_reached' };
    if (step.codesRanOut) return { at: tickEnd, reason: 'live_respondent_unique_codes_exhausted' };
  }
}

/** A run of whole ticks of one bucket size: ticks `from` (the tick under way) to `to` (excluded), counted in buckets from startMs. */
interface TickSpan { phase: number; bucketMs: number; from: number; to: number }

/** Moves the series on past every whole tick that ends by `toMs`, as ticking does (zeros, merges); the ticks passed, a span per bucket size. */
function skipTicks(fill: Fill, toMs: number): TickSpan[] {
  const spans: TickSpan[] = [];
  for (;;) {
    const { bucketMs } = fill;
    const from = fill.series.length - 1;
    if (fill.startMs + (from + 1) * bucketMs > toMs) return spans;
    let to = Math.min(SERIES_LIMIT, Math.floor((toMs - fill.startMs) / bucketMs));
    while (fill.startMs + to * bucketMs > toMs) to -= 1;
    spans.push({ phase: Math.round(Math.log2(bucketMs / HOUR)), bucketMs, from, to });
    // At most SERIES_LIMIT / 2 ticks a bucket size (SERIES_LIMIT the first): no draw, a push each.
    for (let tick = from; tick < to; tick += 1) nextBucket(fill);
  }
}

// ---- Ticks that cannot take a complete ------------------------------------------------------------------
// Once no complete can be taken (the goal is reached, the session's complete share is 0, or a profile
// with quotas has every target full), every start of a tick is over quota, screened out or drops off,
// and its prescreens fall in one target of each profile by the targets' weights: a tick's counts are
// independent Poisson counts, and so are their sums over ticks. Those of a bucket size's ticks are drawn
// as one (its starts, shares and targets for all its ticks), then split in halves, down to the ticks a
// clock move passed: each half its share of each count (binomial) and of each profile's targets
// (hypergeometric), as respondents spread evenly over the ticks would. Each split draws from a stream of
// its own, named by the fill's stream (where it was when the ticks began), the bucket size, the rates
// and the ticks halved, so the ticks a clock move passes get the same counts however the clock got
// there (one jump or several), for a cost of a few splits per bucket size, not a draw per tick.

/** The rates and plan of a fill that cannot take a complete now; null while it can. */
interface ClosedFill {
  perHour: number;
  /** Complete (turned away), screen-out, over quota and drop-off, as draw() shares them. */
  shares: number[];
  plan: QuotaPlanProfile[];
  weights: number[][];
  /** Names the rates and the plan: other rates, other streams. */
  key: number;
}

/** Respondents of some ticks that cannot take a complete: `targets` by profile of the plan, its targets' prescreens (summing to screen-outs + drop-offs). */
interface Crowd { overQuota: number; screenOuts: number; dropOffs: number; targets: number[][] }

function closedFill(session: Session, group: TargetGroup, fill: Fill, step: Step): ClosedFill | null {
  const settings = settingsOf(session);
  const { profiles: plan, weights } = planOf(step, group);
  // draw()'s `completes` is 0 whatever it draws: none would complete, none is wanted, or one profile takes none.
  const closed = settings.complete === 0
    || fill.totals.completes >= goalOf(group)
    || plan.some((profile) => profile.quotasEnabled && profile.targets.every((target) => (fill.quotas.get(target.id)?.completes ?? 0) >= target.goal));
  if (!closed) return null;
  const shares = [settings.complete, settings.screen_out, settings.over_quota, dropOffShare(settings)];
  // Shares all 0 are split evenly by draw(), completes too; weights that are not numbers split as nothing here does.
  if (!(sum(shares) > 0) || weights.some((profile) => profile.some((weight) => !(Number.isFinite(weight) && weight >= 0)))) return null;
  // The weights, not the targets' ids: those differ between sessions fed the same requests.
  const names = weights.map((profile) => profile.join(',')).join(';');
  return { perHour: settings.starts_per_hour, shares, plan, weights, key: streamSeed([settings.starts_per_hour, ...shares].join(','), names) };
}

/** Every whole tick that ends by `toMs`, all live from the tick under way on, none able to take a complete. */
function fillClosed(fill: Fill, toMs: number, step: Step, closed: ClosedFill): void {
  const position = fill.random.position;
  const spans = skipTicks(fill, toMs).map((span) => ({ span, phase: new ClosedPhase(position, span, closed) }));
  fill.liveSince = fill.startMs + (fill.series.length - 1) * fill.bucketMs;
  fill.liveMs = 0;
  for (const { span, phase } of spans) {
    const crowd = phase.range(span.from, span.to);
    const prescreened = crowd.screenOuts + crowd.dropOffs;
    record(fill, step, closed.plan, {
      entrants: prescreened + crowd.overQuota, prescreens: prescreened, completes: 0,
      screen_outs: crowd.screenOuts, over_quota: crowd.overQuota, drop_offs: crowd.dropOffs,
    }, crowd.targets.map((others) => ({ completes: others.map(() => 0), others })));
  }
  // The step ends where ticking would have: at the end of the last tick anyone started in.
  for (let index = spans.length - 1; index >= 0; index -= 1) {
    const { span, phase } = spans[index]!;
    const tick = phase.lastStart(span.from, span.to);
    if (tick >= 0) {
      step.to = fill.startMs + (tick + 1) * span.bucketMs;
      return;
    }
  }
}

const startsOf = (crowd: Crowd) => crowd.overQuota + crowd.screenOuts + crowd.dropOffs;

/** The respondents of every tick of one bucket size (ticks `lo` to SERIES_LIMIT), drawn at once and split in halves on demand. */
class ClosedPhase {
  private readonly seed: number;
  private readonly lo: number;
  private readonly root: Crowd;
  private readonly halves = new Map<number, [Crowd, Crowd]>();

  constructor(position: number, span: TickSpan, closed: ClosedFill) {
    this.seed = streamSeed(position, `closed:${span.phase}:${closed.key}`);
    this.lo = span.phase === 0 ? 0 : SERIES_LIMIT / 2;
    const random = new SeededRandom(streamSeed(this.seed, 'all'));
    const starts = poisson(random, (closed.perHour * (SERIES_LIMIT - this.lo) * span.bucketMs) / HOUR);
    const [turnedAway, screenOuts, overQuota, dropOffs] = multinomial(random, starts, closed.shares);
    this.root = {
      overQuota: turnedAway! + overQuota!, screenOuts: screenOuts!, dropOffs: dropOffs!,
      targets: closed.weights.map((weights) => multinomial(random, screenOuts! + dropOffs!, weights)),
    };
  }

  /** The respondents of ticks [from, to). */
  range(from: number, to: number): Crowd {
    const total: Crowd = { overQuota: 0, screenOuts: 0, dropOffs: 0, targets: this.root.targets.map((counts) => counts.map(() => 0)) };
    this.collect(this.root, this.lo, SERIES_LIMIT, from, to, total);
    return total;
  }

  /** The last tick of [from, to) anyone started in; -1 when nobody did. */
  lastStart(from: number, to: number): number {
    return this.last(this.root, this.lo, SERIES_LIMIT, from, to);
  }

  private collect(node: Crowd, lo: number, hi: number, from: number, to: number, total: Crowd): void {
    if (to <= lo || hi <= from || startsOf(node) === 0) return;
    if (from <= lo && hi <= to) {
      total.overQuota += node.overQuota;
      total.screenOuts += node.screenOuts;
      total.dropOffs += node.dropOffs;
      node.targets.forEach((counts, profile) => counts.forEach((count, target) => { total.targets[profile]![target]! += count; }));
      return;
    }
    const mid = (lo + hi) >> 1;
    const [left, right] = this.split(node, lo, hi);
    this.collect(left, lo, mid, from, to, total);
    this.collect(right, mid, hi, from, to, total);
  }

  private last(node: Crowd, lo: number, hi: number, from: number, to: number): number {
    if (to <= lo || hi <= from || startsOf(node) === 0) return -1;
    if (hi - lo === 1) return lo;
    const mid = (lo + hi) >> 1;
    const [left, right] = this.split(node, lo, hi);
    const found = this.last(right, mid, hi, from, to);
    return found >= 0 ? found : this.last(left, lo, mid, from, to);
  }

  /** The node of ticks [lo, hi) as its halves [lo, mid) and [mid, hi): each respondent in either in proportion to its ticks. */
  private split(node: Crowd, lo: number, hi: number): [Crowd, Crowd] {
    const known = this.halves.get(lo * (SERIES_LIMIT + 1) + hi);
    if (known) return known;
    const random = new SeededRandom(streamSeed(this.seed, `${lo}-${hi}`));
    const share = (((lo + hi) >> 1) - lo) / (hi - lo);
    const overQuota = binomial(random, node.overQuota, share);
    const screenOuts = binomial(random, node.screenOuts, share);
    const dropOffs = binomial(random, node.dropOffs, share);
    const targets = node.targets.map((counts) => multiHypergeometric(random, counts, screenOuts + dropOffs));
    const left: Crowd = { overQuota, screenOuts, dropOffs, targets };
    const right: Crowd = {
      overQuota: node.overQuota - overQuota, screenOuts: node.screenOuts - screenOuts, dropOffs: node.dropOffs - dropOffs,
      targets: node.targets.map((counts, profile) => counts.map((count, target) => count - targets[profile]![target]!)),
    };
    const halves: [Crowd, Crowd] = [left, right];
    this.halves.set(lo * (SERIES_LIMIT + 1) + hi, halves);
    return halves;
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
  const { profiles: plan, weights } = planOf(step, group);
  const splits: number[][] = [];
  let accepted = completes;
  for (let index = 0; index < plan.length; index += 1) {
    const { quotasEnabled, targets } = plan[index]!;
    const counts = multinomial(random, accepted, weights[index]!);
    if (quotasEnabled) {
      for (let i = 0; i < targets.length; i += 1) {
        const room = Math.max(0, targets[i]!.goal - (fill.quotas.get(targets[i]!.id)?.completes ?? 0));
        counts[i] = Math.min(counts[i]!, room);
      }
    }
    accepted = sum(counts);
    splits.push(counts);
  }
  overQuota += completes - accepted;
  completes = accepted;
  let [screened, dropped, entrants] = [screenOuts!, dropOffs!, starts];
  // Each respondent sent to the survey takes a live unique code where the live URL has the placeholder.
  // Those the tick would send beyond the codes left do not start, and the run pauses at the tick's end.
  if (usesLiveCodes(group)) {
    const left = unconsumedLiveCodes(session, group);
    const sent = completes + screened + dropped;
    if (sent > 0 && sent >= left) {
      step.codesRanOut = true;
      if (sent > left) [completes, screened, dropped] = multiHypergeometric(random, [completes, screened, dropped], left) as [number, number, number];
      entrants -= sent - left;
    }
    consumeLiveCodes(session, group, completes + screened + dropped);
  }
  const prescreened = screened + dropped;
  // Profile by profile, its completes then its other prescreens: the stream's order.
  const byTarget: { completes: number[]; others: number[] }[] = [];
  for (let index = 0; index < plan.length; index += 1) {
    byTarget.push({ completes: thin(random, splits[index]!, completes), others: multinomial(random, prescreened, weights[index]!) });
  }
  record(fill, step, plan, {
    entrants, prescreens: completes + prescreened, completes, screen_outs: screened, over_quota: overQuota, drop_offs: dropped,
  }, byTarget);
  fill.series[fill.series.length - 1]! += completes;
  if (completes > 0) {
    fill.firstCompleteAt ??= atMs;
    fill.lastCompleteAt = atMs;
  }
  step.to = atMs;
}

/** Counts what was drawn into the fill and the step: `byTarget` by profile of the plan, its targets' completes and other prescreens. */
function record(fill: Fill, step: Step, plan: QuotaPlanProfile[], added: FillTotals, byTarget: { completes: readonly number[]; others: readonly number[] }[]): void {
  for (let index = 0; index < plan.length; index += 1) {
    const profile = plan[index]!;
    const { completes, others } = byTarget[index]!;
    for (let i = 0; i < profile.targets.length; i += 1) {
      if (completes[i] === 0 && others[i] === 0) continue;
      const target = profile.targets[i]!;
      const quota = fill.quotas.get(target.id) ?? { completes: 0, prescreens: 0 };
      quota.completes += completes[i]!;
      quota.prescreens += completes[i]! + others[i]!;
      fill.quotas.set(target.id, quota);
      const touched = step.quotas.get(target.id) ?? { profileId: profile.id, name: target.name, goal: target.goal, completes: 0, prescreens: 0 };
      touched.completes += completes[i]!;
      touched.prescreens += completes[i]! + others[i]!;
      step.quotas.set(target.id, touched);
    }
  }
  for (const key of TOTALS) {
    fill.totals[key] += added[key];
    step.added[key] += added[key];
  }
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

/**
 * After the target group's profiles changed (manage_target_group_profiles, batch_delete_profiles): the
 * fills of quotas it no longer has are dropped. Their ids are not given again, so they could only grow
 * the session's state.
 */
export function forgetRemovedQuotas(session: Session, group: TargetGroup): void {
  const fill = session.fills.get(group.id);
  if (!fill) return;
  const kept = new Set(quotaPlanOf(group).flatMap((profile) => profile.targets.map((target) => target.id)));
  for (const quotaId of fill.quotas.keys()) if (!kept.has(quotaId)) fill.quotas.delete(quotaId);
}

/** The target group's completes tick by tick, each tick's start and end (ms): what reports and reconciliations count by date. */
export function* completesByTick(session: Session, groupId: string): Generator<{ startMs: number; endMs: number; completes: number }> {
  const fill = session.fills.get(groupId);
  if (!fill) return;
  for (let index = 0; index < fill.series.length; index += 1) {
    const startMs = fill.startMs + index * fill.bucketMs;
    yield { startMs, endMs: startMs + fill.bucketMs, completes: fill.series[index]! };
  }
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

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

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
  const counts = new Array<number>(weights.length).fill(0);
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

/** Successes among `draws` taken without replacement from `population` of which `successes` are successes. */
export function hypergeometric(random: SeededRandom, population: number, successes: number, draws: number): number {
  if (draws <= 0 || successes <= 0) return 0;
  if (draws >= population) return successes;
  if (successes >= population) return draws;
  // Each at most half the population: H(N, K, n) = K - H(N, K, N - n) = n - H(N, N - K, n).
  if (draws > population / 2) return successes - hypergeometric(random, population, successes, population - draws);
  if (successes > population / 2) return draws - hypergeometric(random, population, population - successes, draws);
  // Symmetric in successes and draws: take the fewer of them one by one.
  const few = Math.min(draws, successes);
  const many = Math.max(draws, successes);
  if (few < 30) {
    let count = 0;
    for (let i = 0; i < few; i += 1) if (random.next() * (population - i) < many - count) count += 1;
    return count;
  }
  const mean = (draws * successes) / population;
  const variance = (mean * (1 - successes / population) * (population - draws)) / (population - 1);
  if (variance >= 9) return Math.min(few, Math.max(0, Math.round(mean + Math.sqrt(variance) * normal(random))));
  return Math.min(few, binomial(random, draws, successes / population));
}

/** `draws` taken without replacement from `counts` (at most their sum): how many of each. */
export function multiHypergeometric(random: SeededRandom, counts: readonly number[], draws: number): number[] {
  let population = sum(counts);
  let left = draws;
  return counts.map((count) => {
    const taken = hypergeometric(random, population, count, left);
    population -= count;
    left -= taken;
    return taken;
  });
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
