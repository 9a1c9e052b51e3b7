// Time passing in a session: its clock (Session.now) and what changes when it moves. Jobs whose time
// has come end; a scheduled run whose start has come goes live; a live run whose end has passed is
// paused, and its target group with it, as Cint automation pauses them. Worked out when a request of
// the session arrives (or its clock moves) and something is due, not by timers.
import { DURATION_PATTERN } from '../config.js';
import { endDueJobs } from './jobs.js';
import { isoAt, passTime } from './lifecycle.js';
import { setFielding, type FieldingChange } from './simulator.js';
import type { JobTiming, Session } from './store.js';

/** Brings the session's runs and jobs up to its clock; cheap when nothing is due. */
export function settle(session: Session): void {
  const now = session.now();
  if (now < session.nextChangeAt) return;
  // Jobs first: a launch that ended an hour ago made a run the hour since may have moved on.
  let next = endDueJobs(session, now);
  for (const run of session.runs.values()) next = Math.min(next, passTime(session, run, now));
  session.nextChangeAt = next;
}

const DURATION = new RegExp(DURATION_PATTERN);

/** Milliseconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT2H30M, P2W); null when it is not one. */
export function durationMs(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return ((((weeks! * 7 + days!) * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration matching IDLE_PATTERN (config.ts): 90s, 24h, 7d, or ISO 8601 (PT30M). */
export function idleMs(text: string): number {
  const short = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (short) return Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS];
  return durationMs(text) ?? 0;
}

/** A change to a session's clock: let time pass, jump to an instant, or go back to the real clock. */
export type ClockChange = { advance: string } | { set: string } | { reset: true };

// The instants a session's clock may show: those ISO 8601 writes with four digits of year, from 1970.
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Moves the session's clock; throws a RangeError saying why when the change is not one, and changes nothing then. */
export function moveClock(session: Session, change: ClockChange): void {
  let offsetMs = 0;
  if ('advance' in change) {
    const ms = durationMs(change.advance);
    if (ms === null) throw new RangeError(`'advance' must be an ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT2H30M), got ${JSON.stringify(change.advance)}`);
    offsetMs = session.clockOffsetMs + ms;
  } else if ('set' in change) {
    const at = Date.parse(change.set);
    if (Number.isNaN(at)) throw new RangeError(`'set' must be a date-time (2030-01-31T12:00:00Z), got ${JSON.stringify(change.set)}`);
    offsetMs = at - Date.now();
  }
  const shows = Date.now() + offsetMs;
  if (!Number.isSafeInteger(offsetMs) || shows < 0 || shows > LATEST_MS) {
    const name = 'advance' in change ? 'advance' : 'set';
    throw new RangeError(`'${name}' would put the session's clock outside 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, got ${JSON.stringify((change as Record<string, unknown>)[name])}`);
  }
  session.clockOffsetMs = offsetMs;
  settle(session);
}

export function clockOf(session: Session): { now: string; offset_ms: number } {
  return { now: isoAt(session.now()), offset_ms: session.clockOffsetMs };
}

/** A change to how long a session's jobs take; `reset` goes back to the instance's. */
export type JobTimingChangeData = { polls?: number; duration?: string } | { reset: true };

/** Sets the session's job timing, starting from what it has now; throws a RangeError for a duration that is not one. */
export function setJobTiming(session: Session, instance: JobTiming, change: JobTimingChangeData): void {
  if ('reset' in change) {
    session.jobTiming = null;
    return;
  }
  const current = session.jobTiming ?? instance;
  let durationMsValue = current.durationMs;
  if (change.duration !== undefined) {
    const ms = durationMs(change.duration);
    if (ms === null) throw new RangeError(`'duration' must be an ISO 8601 duration of weeks, days, hours, minutes and seconds (PT5S, PT2M), got ${JSON.stringify(change.duration)}`);
    durationMsValue = ms;
  }
  session.jobTiming = { polls: change.polls ?? current.polls, durationMs: durationMsValue };
}

export function jobTimingView(session: Session, instance: JobTiming): { session: string; polls: number; duration: string; source: 'session' | 'instance' } {
  const timing = session.jobTiming ?? instance;
  return { session: session.name, polls: timing.polls, duration: `PT${timing.durationMs / 1000}S`, source: session.jobTiming ? 'session' : 'instance' };
}

/**
 * Changes how the session's live target groups fill, from now on: they are brought up to now at the
 * rates they had, and look again at the new ones (a rate of 0 schedules nothing). Throws the
 * simulator's FieldingSettingsError when the change is not one, and changes nothing then.
 */
export function changeFielding(session: Session, change: FieldingChange): void {
  session.nextChangeAt = -Infinity;
  settle(session);
  try {
    setFielding(session, change);
  } finally {
    session.nextChangeAt = -Infinity;
    settle(session);
  }
}
