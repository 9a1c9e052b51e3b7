// The fielding run's lifecycle: which state each action leaves from and where it goes, and what time
// does by itself (a scheduled run goes live at its start, a live one fills (sessions/simulator.ts),
// completes at its goal and is paused at its end). A target group's status follows
// its run's. Used by the single-run operations (a refusal is their 422), the batch jobs (a refusal is a
// failed target group) and the session's clock.
import { addChangelogEntry, ensureChangelogRoom, type Change } from './changelog.js';
import { appendId } from './lookup.js';
import { advanceFill, afterStatusChange, beforeStatusChange, endFill, goalOf, goalReached, nextTickAt, type FillStop } from './simulator.js';
import { bumpVersion, etagOfVersion, newId, type FieldingRun, type FieldingRunStatus, type Session, type TargetGroup } from './store.js';

export type RunAction = 'pause' | 'resume' | 'complete' | 'relaunch' | 'launch_now';

const TRANSITIONS: Record<RunAction, { verb: string; from: readonly FieldingRunStatus[]; to: FieldingRunStatus }> = {
  pause: { verb: 'pause', from: ['live'], to: 'paused' },
  resume: { verb: 'resume', from: ['paused'], to: 'live' },
  // The document's own error example: a paused run cannot be completed (resume it first).
  complete: { verb: 'complete', from: ['live', 'scheduled'], to: 'completed' },
  relaunch: { verb: 'relaunch', from: ['completed'], to: 'live' },
  launch_now: { verb: 'launch now', from: ['scheduled'], to: 'live' },
};

export const isoAt = (ms: number) => new Date(ms).toISOString();

/** Why `action` cannot be done to `run` now (a sentence for a 422 or a batch failure); null when it can. */
export function refusal(session: Session, run: FieldingRun, action: RunAction): string | null {
  const { verb, from } = TRANSITIONS[action];
  if (!from.includes(run.status)) return `Cannot ${verb} a fielding run which is ${run.status}; ${verb} needs a run that is ${from.join(' or ')}.`;
  // "A fielding run will only be resumed (relaunched) if its completes goal and end date have not yet been reached."
  if (action === 'resume' || action === 'relaunch') {
    const done = action === 'resume' ? 'resumed' : 'relaunched';
    const group = session.targetGroups.get(run.target_group_id);
    if (group && goalReached(session, group)) {
      return `Cannot ${verb} a fielding run whose completes goal (${goalOf(group)}) has been reached; a fielding run will only be ${done} if its completes goal and end date have not yet been reached.`;
    }
    if (Date.parse(run.end_fielding_at) <= session.now()) {
      const extend = action === 'resume' ? ' Move its end date later (update_fielding_run) and resume it.' : '';
      return `Cannot ${verb} a fielding run whose end date (${run.end_fielding_at}) has passed; a fielding run will only be ${done} if its completes goal and end date have not yet been reached.${extend}`;
    }
  }
  return null;
}

/**
 * Refuses (SessionFullError) a client's `action` whose changelog entry would take the session past
 * maxSessionBytes, before anything changes: the single-run operations call it; a batch job checks its
 * target groups when it is made, since its work is done when it ends (at a poll, or by the clock).
 */
export function ensureRoomToAct(session: Session, run: FieldingRun, action: RunAction, actor: string): void {
  const group = session.targetGroups.get(run.target_group_id);
  if (group) ensureChangelogRoom(session, actor, statusChanges(group, TRANSITIONS[action].to));
}

/** Does `action` (refusal() said it may be done): launch now moves the dates, keeping the run's length. */
export function act(session: Session, run: FieldingRun, action: RunAction, actor: string): void {
  const now = session.now();
  if (action === 'launch_now') {
    const length = Date.parse(run.end_fielding_at) - Date.parse(run.start_fielding_at);
    run.start_fielding_at = isoAt(now);
    run.end_fielding_at = isoAt(now + length);
  }
  setStatus(session, run, TRANSITIONS[action].to, isoAt(now), actor);
}

/** Why time changed a run's status, as Cint's changelog names it (TargetGroupStatusChangeReasonCode). */
export type StatusReason = FillStop['reason'] | 'past_scheduled_end_date';

/**
 * A run's new status (and its target group's), as its next version; `actor` is who did it (none: the
 * system did, by time or goal, for `reason`). Its fill is brought up to `at` first, as it was, and
 * follows the new status.
 */
/**
 * The run's last changer for a change nobody asked for (its start, an end date, a fill stop): the nil UUID,
 * as no user made it; the changelog names the same change's user `system_user`. last_changed_by is a
 * required UserID, so it cannot be left out, and keeping the last client's id would name them for it.
 */
export const SYSTEM_USER_ID = '00000000-0000-0000-0000-000000000000';

export function setStatus(session: Session, run: FieldingRun, status: FieldingRunStatus, at: string, actor?: string, reason?: StatusReason): void {
  const atMs = Date.parse(at);
  beforeStatusChange(session, run, atMs);
  run.status = status;
  bumpVersion(run, at, actor ?? SYSTEM_USER_ID);
  afterStatusChange(session, run, atMs);
  watchRun(session, run);
  const group = session.targetGroups.get(run.target_group_id);
  if (group) moveTargetGroup(session, group, status, at, actor ?? null, reason);
}

/** The changelog's change of a target group moved to `status`: none when it is there already. */
function statusChanges(group: TargetGroup, status: FieldingRunStatus, reason?: StatusReason): Change[] {
  return group.status === status ? [] : [{ object: 'status_change', new_value: status, old_value: group.status, ...(reason ? { reason_code: reason } : {}) }];
}

function moveTargetGroup(session: Session, group: TargetGroup, status: FieldingRunStatus, at: string, user: string | null, reason?: StatusReason): void {
  if (group.status === status) return;
  // A change nobody asked for at that moment (a start, an end date, a goal reached) is the system's:
  // the changelog's user schema has `system_user` for it, not the client who last changed the run.
  addChangelogEntry(session, group, user, at, statusChanges(group, status, reason));
  group.status = status;
  group.updated_at = at;
}

/** A draft's first run: live from `at` (launch), or scheduled to start later (schedule). */
export function startRun(session: Session, group: TargetGroup, dates: { start: string; end: string }, status: 'live' | 'scheduled', actor: string, at: string): FieldingRun {
  const run: FieldingRun = {
    id: newId(), target_group_id: group.id, last_changed_at: at, last_changed_by: actor,
    start_fielding_at: dates.start, end_fielding_at: dates.end, status, version: 1, etag: etagOfVersion(1),
  };
  session.runs.set(run.id, run);
  appendId(session.runsByTargetGroup, group.id, run.id);
  moveTargetGroup(session, group, status, at, actor);
  afterStatusChange(session, run, Date.parse(at));
  watchRun(session, run);
  return run;
}

/** The target group's run: Cint keeps at most one. */
export function runOf(session: Session, group: TargetGroup): FieldingRun | undefined {
  const ids = session.runsByTargetGroup.get(group.id);
  return ids ? session.runs.get(ids[ids.length - 1]!) : undefined;
}

/** When the run next changes by itself: its start while scheduled, its end while paused before it, its next tick of respondents or its end while live. */
function nextChangeOf(session: Session, run: FieldingRun): number {
  if (run.status === 'scheduled') return Date.parse(run.start_fielding_at);
  if (run.status === 'completed') return Infinity;
  const end = Date.parse(run.end_fielding_at);
  if (run.status === 'live') return Math.min(end, nextTickAt(session, run));
  return end > session.now() ? end : Infinity;
}

/** A run that may change by itself later: the session's clock looks again then. */
export function watchRun(session: Session, run: FieldingRun): void {
  session.nextChangeAt = Math.min(session.nextChangeAt, nextChangeOf(session, run));
}

/**
 * Moves the run along by the session's clock: scheduled → live at its start; while live, respondents
 * up to now or its end, completed when they reach the goal, paused when its live unique codes run out;
 * → paused at its end (decision 41), where "Cint automation" pauses a target group outside its start and
 * end: a client extends an expired run by moving its end date and resuming it. Returns when it next changes.
 */
export function passTime(session: Session, run: FieldingRun, now: number): number {
  if (run.status === 'scheduled' && Date.parse(run.start_fielding_at) <= now) {
    setStatus(session, run, 'live', run.start_fielding_at);
  }
  const end = Date.parse(run.end_fielding_at);
  if (run.status === 'live') {
    // Completed at its goal; paused when the live unique codes ran out (a client uploads more and resumes).
    const stop = advanceFill(session, run, Math.min(now, end));
    if (stop) setStatus(session, run, stop.reason === 'total_completes_reached' ? 'completed' : 'paused', isoAt(stop.at), undefined, stop.reason);
  }
  if (end <= now) {
    if (run.status === 'live') setStatus(session, run, 'paused', isoAt(end), undefined, 'past_scheduled_end_date');
    // Paused before its end: it stays paused, and the live time of its last tick is counted.
    else if (run.status === 'paused') endFill(session, run, end);
  }
  return nextChangeOf(session, run);
}

/** A live run whose completes have reached its goal (a goal lowered under them) completes now. */
export function completeAtGoal(session: Session, run: FieldingRun): void {
  const group = session.targetGroups.get(run.target_group_id);
  if (run.status === 'live' && group && goalReached(session, group)) {
    setStatus(session, run, 'completed', isoAt(session.now()), undefined, 'total_completes_reached');
  }
}
