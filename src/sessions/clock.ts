// Time passing in a session: its clock (Session.now) and what changes when it moves. A live or paused
// run whose end_fielding_at has passed is completed, and its target group with it, as Cint's runs are.
// Worked out when a request of the session arrives and something is due, not by timers.
import { randomUUID } from 'node:crypto';
import { bumpVersion, type FieldingRun, type Session } from './store.js';

/** Completes the session's runs whose end has come by its clock; cheap when nothing is due. */
export function settle(session: Session): void {
  const now = session.now();
  if (now < session.nextRunChangeAt) return;
  let next = Infinity;
  for (const run of session.runs.values()) {
    if (run.status === 'completed') continue;
    const end = Date.parse(run.end_fielding_at);
    if (end <= now) complete(session, run, new Date(end).toISOString());
    else next = Math.min(next, end);
  }
  session.nextRunChangeAt = next;
}

/** A run that may change by itself later: the session looks again at its end. */
export function watchRun(session: Session, run: FieldingRun): void {
  if (run.status !== 'completed') session.nextRunChangeAt = Math.min(session.nextRunChangeAt, Date.parse(run.end_fielding_at));
}

function complete(session: Session, run: FieldingRun, at: string): void {
  run.status = 'completed';
  bumpVersion(run, at);
  const group = session.targetGroups.get(run.target_group_id);
  if (group && group.status !== 'completed') {
    // Cint's changelog names a user for every entry: the one who last changed the run.
    group.changelog.push({ id: randomUUID(), occurred_at: at, user: { type: 'las_user', las_user_id: run.last_changed_by }, changes: [{ object: 'status_change', new_value: 'completed', old_value: group.status }] });
    group.status = 'completed';
    group.updated_at = at;
  }
}

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT2H30M, P2W); null when it is not one. */
export function durationMs(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return null;
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return ((((weeks! * 7 + days!) * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000;
}

/** A change to a session's clock: let time pass, jump to an instant, or go back to the real clock. */
export type ClockChange = { advance: string } | { set: string } | { reset: true };

/** Moves the session's clock; throws a RangeError saying why when the change is not one. */
export function moveClock(session: Session, change: ClockChange): void {
  if ('advance' in change) {
    const ms = durationMs(change.advance);
    if (ms === null) throw new RangeError(`'advance' must be an ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT2H30M), got ${JSON.stringify(change.advance)}`);
    session.clockOffsetMs += ms;
  } else if ('set' in change) {
    const at = Date.parse(change.set);
    if (Number.isNaN(at)) throw new RangeError(`'set' must be a date-time (2030-01-31T12:00:00Z), got ${JSON.stringify(change.set)}`);
    session.clockOffsetMs = at - Date.now();
  } else {
    session.clockOffsetMs = 0;
  }
  settle(session);
}

export function clockOf(session: Session): { now: string; offset_ms: number } {
  return { now: new Date(session.now()).toISOString(), offset_ms: session.clockOffsetMs };
}
