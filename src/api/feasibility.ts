// Feasibility: the completes a target group can be expected to achieve, as the session's fielding
// simulator would fill it. Over the fielding window, respondents start at the session's `starts_per_hour`
// and complete at its `complete` share; the expected completes (at most the completes goal) give the
// range the document's example shows around them (450 to 525 for 500: 0.9 and 1.05 of it), each quota
// its share of both ends, each allocation group its percentages of them. calculate_target_group_feasibility
// reads a draft described in the request; the _by_id form reads the target group with the request's
// what-if overrides, counting the completes it has and the time it has left. The suggested price is the
// document's example: the mock prices nothing itself. The intelligent calendar reads the same rates:
// suggest_days is the days the simulator takes to fill the completes, suggest_time_range the window asked
// for (the mock knows no holidays).
import { badRequest } from '../cint/errors.js';
import { findTargetGroup } from '../sessions/lookup.js';
import { isoAt, runOf } from '../sessions/lifecycle.js';
import { goalOf, settingsOf, statisticsOf } from '../sessions/simulator.js';
import type { Session } from '../sessions/store.js';
import { answerFrom } from './answers.js';
import type { Handlers } from './handler.js';
import { objectsOf, quotaShareOf, type Json } from './target-group-shape.js';

const HOUR = 3_600_000;

/** The document's example range around what is expected: 450 to 525 completes for a goal of 500. */
const RANGE = { min: 0.9, max: 1.05 } as const;

interface Range { min: number; max: number }

/** The completes the session's simulator expects between two instants. */
function expectedBetween(session: Session, fromMs: number, toMs: number): number {
  const { starts_per_hour: perHour, complete } = settingsOf(session);
  return Math.max(0, ((toMs - fromMs) / HOUR) * perHour * complete);
}

/** Rounded down, as counts of completes are, without a float's error taking a whole one (100 × 0.29 is 28.999…). */
const floorOf = (value: number) => Math.floor(value + 1e-9);

const rangeOf = (expected: number): Range => ({ min: floorOf(expected * RANGE.min), max: floorOf(expected * RANGE.max) });

/** "Feasibility per quota based on the profiles submitted": each target's share of the range's ends. */
function profilesOf(profiling: unknown, goal: number, range: Range): Json[] {
  return objectsOf((profiling as Json | undefined)?.profiles).map((profile) => {
    const targets = objectsOf(profile.targets);
    return {
      object: profile.object === 'blended' ? 'blended' : 'regular',
      ...(profile.object === 'blended' ? { blended_type: profile.blended_type ?? 'interlock' } : {}),
      targets: targets.map((target) => {
        const share = quotaShareOf(target, profile, goal);
        return {
          conditions: objectsOf(target.conditions),
          quota: { min_completes: { projected_completes_goal: floorOf(range.min * share) }, max_completes: { projected_completes_goal: floorOf(range.max * share) } },
        };
      }),
    };
  }).filter((profile) => profile.targets.length > 0);
}

/** The Open Exchange's share: all of the range, and each supplier group its minimum and maximum percentages of it. */
function allocationsOf(allocations: unknown, range: Range): Json {
  const groups = objectsOf(((allocations as Json | undefined)?.open_exchange_allocations as Json | undefined)?.groups);
  return {
    open_exchange_allocations: {
      min_completes: range.min,
      max_completes: range.max,
      groups: groups.map((group) => ({
        group_name: String(group.group_name ?? ''),
        min_completes: floorOf((range.min * Number(group.min_percentage ?? 0)) / 100),
        max_completes: floorOf((range.max * Number(group.max_percentage ?? 100)) / 100),
      })),
    },
  };
}

/** The suggested price of the document's example (the _by_id form's answer has no example). */
const suggestedPrice = () => (answerFrom('calculate_target_group_feasibility', 200, {}) as { suggested_price: unknown }).suggested_price;

function feasibility(goal: number, expected: number, profiling: unknown, allocations: unknown) {
  const range = rangeOf(Math.min(goal, expected));
  const profiles = profilesOf(profiling, goal, range);
  return {
    suggested_price: suggestedPrice(),
    suggested_completes_goal_range: range,
    ...(profiles.length > 0 ? { profiles } : {}),
    allocations: allocationsOf(allocations, range),
  };
}

interface DraftRequest {
  completes_goal: number;
  fielding_specification: { start_at?: string; end_at?: string };
  profiling?: unknown;
  allocations?: unknown;
}

interface WhatIf { completes_goal?: number; start_at?: string; end_at?: string; profiling?: unknown }

const DAY = 24 * HOUR;

/** The longest fielding suggest_days answers: a session whose simulator sends nobody would never fill. */
export const MAX_SUGGESTED_DAYS = 365;

/** suggest_time_range's window: `days` from now on the session's clock, or `start` and `end`, never both. */
function timeRangeOf(query: { days?: number; start?: string; end?: string }, now: number): { start: number; end: number } {
  const { days, start, end } = query;
  if (days !== undefined && (start !== undefined || end !== undefined)) {
    throw badRequest([{ name: 'days', reason: "'days' cannot be given with 'start' and 'end': use 'days' OR both 'start' and 'end'" }]);
  }
  if (days !== undefined) return { start: now, end: now + days * DAY };
  if (start === undefined || end === undefined) {
    const missing = start === undefined ? 'start' : 'end';
    throw badRequest([{ name: missing, reason: `'${missing}' is required without 'days': use 'days' OR both 'start' and 'end'` }]);
  }
  const [from, to] = [Date.parse(start), Date.parse(end)];
  if (!(to > from)) throw badRequest([{ name: 'end', reason: `'end' (${end}) must be later than 'start' (${start})` }]);
  return { start: from, end: to };
}

export const feasibilityHandlers = {
  // The days the simulator takes to fill the completes at the session's rates, whole days, at least one.
  suggest_days: ({ session, body }) => {
    const { completes } = body as { completes: number };
    const perDay = expectedBetween(session, 0, DAY);
    const days = perDay > 0 ? Math.max(1, Math.ceil(completes / perDay)) : MAX_SUGGESTED_DAYS;
    return { body: { days: Math.min(days, MAX_SUGGESTED_DAYS) } };
  },

  // The window asked for, in UTC: the mock has no holiday calendar or local time for a locale.
  suggest_time_range: ({ session, query }) => {
    const range = timeRangeOf(query as { days?: number; start?: string; end?: string }, session.now());
    return { body: { start: isoAt(range.start), end: isoAt(range.end), holidays: [], timezone: 'UTC' } };
  },

  // A draft not made yet: its whole window, as sent (a what-if; dates in the past are not refused here).
  calculate_target_group_feasibility: ({ session, body }) => {
    const request = body as DraftRequest;
    const from = Date.parse(request.fielding_specification.start_at ?? '');
    const to = Date.parse(request.fielding_specification.end_at ?? '');
    const expected = Number.isFinite(from) && Number.isFinite(to) ? expectedBetween(session, from, to) : 0;
    return { body: feasibility(request.completes_goal, expected, request.profiling, request.allocations) };
  },

  // "The analysis is still performed on the current target group": the completes it has, and what the rest
  // of its window (from now, once it has fielded) is expected to add, toward its goal or the request's.
  calculate_target_group_feasibility_by_id: ({ session, params, body }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const whatIf = (body ?? {}) as WhatIf;
    const run = runOf(session, group);
    const fielding = (group.spec.fielding_specification ?? {}) as { start_at?: string; end_at?: string };
    const start = Date.parse(whatIf.start_at ?? run?.start_fielding_at ?? fielding.start_at ?? '');
    const end = Date.parse(whatIf.end_at ?? run?.end_fielding_at ?? fielding.end_at ?? '');
    const goal = whatIf.completes_goal ?? goalOf(group);
    const { completes } = statisticsOf(session, group);
    const from = run && run.status !== 'scheduled' ? Math.max(start, session.now()) : start;
    const expected = completes + (Number.isFinite(from) && Number.isFinite(end) ? expectedBetween(session, from, end) : 0);
    return { body: feasibility(goal, expected, whatIf.profiling ?? group.spec.profiling, group.spec.allocations) };
  },
} satisfies Handlers;
