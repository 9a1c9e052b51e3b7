// Fielding runs: listing and reading them, and the single-run writes, each guarded by If-Match (the
// run's version) and by the lifecycle (sessions/lifecycle.ts): pause, resume, complete, relaunch,
// launch now (200 with the new dates) and the date update (202). A refusal is 422 invalid_state_error.
import { badRequest, invalidState } from '../cint/errors.js';
import { requireIfMatch } from '../cint/etag.js';
import { act, ensureRoomToAct, isoAt, refusal, watchRun, type RunAction } from '../sessions/lifecycle.js';
import { findFieldingRun, findTargetGroup } from '../sessions/lookup.js';
import { bumpVersion, type FieldingRun, type Session } from '../sessions/store.js';
import type { Handler, HandlerInput, Handlers } from './handler.js';

function runView(run: FieldingRun) {
  const { etag: _etag, target_group_id: _targetGroup, ...view } = run;
  return view;
}

/** How far in the past a start may be and still count as now: a client's clock and the mock's differ. */
const LEEWAY_MS = 60_000;

type RunParams = HandlerInput<'get_fielding_run'>['params'];

/** The run the path names, when If-Match names its current version (412 otherwise). */
function runToChange(session: Session, params: RunParams, ifMatch: unknown): FieldingRun {
  const run = findFieldingRun(session, params.account_id, params.project_id, params.target_group_id, params.fielding_run_id);
  requireIfMatch(ifMatch, run.etag);
  return run;
}

function transition(action: RunAction): Handler {
  return ({ session, params, headers, actor }) => {
    const run = runToChange(session, params as unknown as RunParams, headers['if-match']);
    const why = refusal(session, run, action);
    if (why !== null) throw invalidState(why);
    ensureRoomToAct(session, run, action, actor);
    act(session, run, action, actor);
    if (action !== 'launch_now') return { headers: { etag: run.etag } };
    return { headers: { etag: run.etag }, body: { start_fielding_at: run.start_fielding_at, end_fielding_at: run.end_fielding_at } };
  };
}

export const fieldingRunHandlers = {
  get_fielding_runs_by_target_group_id: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const runs = (session.runsByTargetGroup.get(group.id) ?? []).map((id) => session.runs.get(id)).filter((run) => run !== undefined);
    // Cint documents has_more as always false here: every run of a target group comes in one page.
    return { body: { data: runs.map(runView), has_more: false as const } };
  },

  get_fielding_run: ({ session, params }) => {
    const run = findFieldingRun(session, params.account_id, params.project_id, params.target_group_id, params.fielding_run_id);
    return { headers: { etag: run.etag }, body: runView(run) };
  },

  pause_fielding_run: transition('pause'),
  resume_fielding_run: transition('resume'),
  complete_fielding_run: transition('complete'),
  relaunch_fielding_run: transition('relaunch'),
  launch_now_fielding_run: transition('launch_now'),

  // New dates for a run that has not ended. The start may not be in the past (a minute's leeway for
  // clocks): a scheduled run moves to it; one that has started keeps its start (it cannot start again),
  // and may name that start as it is. The end comes after the start and after now. The session's clock
  // then starts and ends the run by these dates.
  update_fielding_run: ({ session, params, headers, body, actor }) => {
    const run = runToChange(session, params, headers['if-match']);
    if (run.status === 'completed') throw invalidState('Cannot update the dates of a fielding run which is completed; relaunch it first.');
    const now = session.now();
    const start = Date.parse(body.start_fielding_at);
    const end = Date.parse(body.end_fielding_at);
    const started = run.status !== 'scheduled';
    const problems: { name: string; reason: string }[] = [];
    if (start < now - LEEWAY_MS && !(started && start === Date.parse(run.start_fielding_at))) {
      problems.push({ name: 'start_fielding_at', reason: "'start_fielding_at' cannot be in the past." });
    }
    if (end <= start) problems.push({ name: 'end_fielding_at', reason: "'end_fielding_at' must be after 'start_fielding_at'." });
    else if (end <= now) problems.push({ name: 'end_fielding_at', reason: "'end_fielding_at' must be in the future." });
    if (problems.length > 0) throw badRequest(problems);
    if (!started) run.start_fielding_at = isoAt(Math.max(start, now));
    run.end_fielding_at = isoAt(end);
    bumpVersion(run, isoAt(now), actor);
    watchRun(session, run);
    return { headers: { etag: run.etag }, body: { id: run.id } };
  },
} satisfies Handlers;
