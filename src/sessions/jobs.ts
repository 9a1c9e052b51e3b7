// Asynchronous jobs in a session: made Processing, polled, and ended when both their polls and their
// time on the session's clock are used up (at once by default). Ending runs the job's work: launching
// or scheduling a draft, moving each target group of a batch, or nothing but saying so. A scenario may
// hold a job for more polls or end it Failed with a code the document names (see cint/jobs.ts).
import { randomBytes } from 'node:crypto';
import { addChangelogEntry } from './changelog.js';
import { act, isoAt, refusal, runOf, startRun, type RunAction } from './lifecycle.js';
import type { BatchAction, BatchFailure, Job, JobFailure, JobTiming, JobWork, Session } from './store.js';
import { newId } from './store.js';

/** What a scenario's `job` step asks of the job a request creates. */
export interface JobScript {
  /** Polls that answer Processing (in place of the instance's or session's jobPolls). */
  polls: number | null;
  /** End Failed with this, whatever the work would do. */
  fail: JobFailure | null;
}

export interface NewJob {
  /** The job's id when its resource already has one (the generic collections); else a new one. */
  id?: string;
  operation: string;
  scope: string;
  actor: string;
  work: JobWork;
  timing: JobTiming;
  script: JobScript | null;
}

/** Makes a job, Processing until its polls and time are used up; one that needs neither ends now. */
export function createJob(session: Session, init: NewJob): Job {
  session.reserve(1);
  const now = session.now();
  const job: Job = {
    job_id: init.id ?? newId(), operation: init.operation, scope: init.scope, created_at: isoAt(now), created_by: init.actor,
    status: 'Processing', pollsLeft: init.script?.polls ?? init.timing.polls, readyAt: now + init.timing.durationMs,
    scripted: init.script?.fail ?? null, work: init.work, finished_at: null, failure_reason: null, job_trace_id: null,
    created_fielding_run_id: null, updated: null, failed: null,
  };
  session.jobs.set(job.job_id, job);
  tryToEnd(session, job, now);
  return job;
}

/** A poll of the job's status: it counts against the job's polls, and the job ends when its time has come. */
export function pollJob(session: Session, job: Job): void {
  if (job.status !== 'Processing') return;
  if (job.pollsLeft > 0) {
    job.pollsLeft -= 1;
    session.quietChanges += 1;
    return;
  }
  tryToEnd(session, job, session.now());
}

function tryToEnd(session: Session, job: Job, now: number): void {
  if (job.pollsLeft > 0) return;
  if (job.readyAt <= now) end(session, job, job.readyAt);
  else session.nextChangeAt = Math.min(session.nextChangeAt, job.readyAt);
}

/** Ends the jobs whose polls are used up and whose time has come; returns when the next one is due. */
export function endDueJobs(session: Session, now: number): number {
  let next = Infinity;
  for (const job of session.jobs.values()) {
    if (job.status !== 'Processing' || job.pollsLeft > 0) continue;
    if (job.readyAt <= now) end(session, job, job.readyAt);
    else next = Math.min(next, job.readyAt);
  }
  return next;
}

function end(session: Session, job: Job, at: number): void {
  session.quietChanges += 1;
  job.finished_at = isoAt(at);
  const work = job.work;
  if (job.scripted) {
    if (work.kind === 'batch' || work.kind === 'assign_manager') {
      job.updated = [];
      job.failed = work.target_group_ids.map((id) => ({ target_group_id: id, failure_reason: job.scripted! }));
    }
    return fail(job, job.scripted);
  }
  switch (work.kind) {
    case 'launch':
    case 'schedule': {
      const failure = startFromDraft(session, job, work, at);
      if (failure) return fail(job, failure);
      break;
    }
    case 'batch':
      runBatch(session, job, work);
      break;
    case 'assign_manager':
      assignManager(session, job, work);
      break;
    case 'record':
      break;
  }
  job.status = 'Completed';
}

function fail(job: Job, failure: JobFailure): void {
  job.status = 'Failed';
  job.failure_reason = failure;
  job.job_trace_id = randomBytes(16).toString('hex');
}

/** Launches (live now) or schedules the draft; the failure the job reports when it cannot. */
function startFromDraft(session: Session, job: Job, work: Extract<JobWork, { kind: 'launch' | 'schedule' }>, at: number): JobFailure | null {
  const [accountId, projectId, targetGroupId] = job.scope.split('/');
  const group = session.targetGroups.get(targetGroupId!);
  if (!group || group.project_id !== projectId || String(session.projects.get(projectId!)?.account_id) !== accountId) {
    return { code: 'TargetGroupNotFound', description: `target group ${targetGroupId} was not found in project ${projectId}` };
  }
  if (group.status !== 'draft') {
    return { code: 'TargetGroupInvalidState', description: `The target group is not in a draft state and cannot be launched: target group ${group.id} is ${group.status}.` };
  }
  const end = Date.parse(work.end_fielding_at);
  let start = at;
  if (work.kind === 'schedule') {
    // The start is checked against when the job was asked for: a slow job does not fail a good date.
    start = Date.parse(work.start_fielding_at);
    if (start < Date.parse(job.created_at)) return { code: 'InvalidFieldingDates', description: `The provided start time is in the past: ${work.start_fielding_at}.` };
    if (end <= start) return { code: 'InvalidFieldingDates', description: `The end time (${work.end_fielding_at}) must be after the start time (${work.start_fielding_at}).` };
  } else if (end <= at) {
    return { code: 'InvalidFieldingDates', description: `The end time (${work.end_fielding_at}) is in the past.` };
  }
  const run = startRun(session, group, { start: isoAt(start), end: isoAt(end) }, work.kind === 'launch' ? 'live' : 'scheduled', job.created_by, isoAt(at));
  job.created_fielding_run_id = run.id;
  return null;
}

/** What each batch does to a target group's run, and the status that counts as already done. */
export const BATCH: Record<BatchAction, { action: RunAction; done: string }> = {
  launch: { action: 'launch_now', done: 'live' },
  pause: { action: 'pause', done: 'paused' },
  resume: { action: 'resume', done: 'live' },
  complete: { action: 'complete', done: 'completed' },
  relaunch: { action: 'relaunch', done: 'live' },
};

/** Each target group on its own: a failure is listed and the batch goes on; one already there counts as updated. */
function runBatch(session: Session, job: Job, work: Extract<JobWork, { kind: 'batch' }>): void {
  const projectId = job.scope.split('/')[1];
  const { action, done } = BATCH[work.action];
  const updated: string[] = [];
  const failed: BatchFailure[] = [];
  for (const id of work.target_group_ids) {
    const group = session.targetGroups.get(id);
    if (!group || group.project_id !== projectId) {
      failed.push({ target_group_id: id, failure_reason: { code: 'TargetGroupNotFound', description: 'Target group not found.' } });
      continue;
    }
    if (group.status === done) {
      updated.push(id);
      continue;
    }
    const run = runOf(session, group);
    const why = run ? refusal(session, run, action) : `target group ${id} is a draft and has no fielding run`;
    if (why !== null || !run) {
      failed.push({ target_group_id: id, failure_reason: { code: 'StatusTransitionNotAllowed', description: `Status transition is not allowed: ${why}` } });
      continue;
    }
    act(session, run, action, job.created_by);
    updated.push(id);
  }
  job.updated = updated;
  job.failed = failed;
}

/** The project manager of each listed target group of the job's project, whatever its state. */
function assignManager(session: Session, job: Job, work: Extract<JobWork, { kind: 'assign_manager' }>): void {
  const projectId = job.scope.split('/')[1];
  const at = job.finished_at!;
  job.updated = [];
  job.failed = [];
  for (const id of work.target_group_ids) {
    const group = session.targetGroups.get(id);
    if (!group || group.project_id !== projectId) {
      job.failed.push({ target_group_id: id, failure_reason: { code: 'TargetGroupNotFound', description: 'Target group not found.' } });
      continue;
    }
    const before = group.spec.project_manager_id;
    if (work.project_manager_id !== null && before !== work.project_manager_id) {
      // Counted by the entry's recount, with no limit checked: the job's creation was (see ensureChangelogRoom).
      group.spec.project_manager_id = work.project_manager_id;
      group.updated_at = at;
      addChangelogEntry(session, group, job.created_by, at, [{ object: 'project_manager_change', new_value: { las_user_id: work.project_manager_id }, old_value: before === undefined ? null : { las_user_id: before } }]);
    }
    job.updated.push(id);
  }
}
