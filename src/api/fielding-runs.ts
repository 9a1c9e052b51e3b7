// Fielding runs: launch from draft (an asynchronous job that completes at once), the job's status,
// listing and reading runs, and the pause / resume / complete lifecycle guarded by If-Match.
import { randomBytes } from 'node:crypto';
import { badRequest, invalidState, notFound } from '../cint/errors.js';
import { requireIfMatch } from '../cint/etag.js';
import { watchRun } from '../sessions/clock.js';
import { appendId, findFieldingRun, findTargetGroup } from '../sessions/lookup.js';
import { bumpVersion, etagOfVersion, newId, type FieldingRun, type FieldingRunStatus, type LaunchJob } from '../sessions/store.js';
import type { Handler, HandlerInput, Handlers } from './handler.js';
import { recordChanges } from './target-group-views.js';

function runView(run: FieldingRun) {
  const { etag: _etag, target_group_id: _targetGroup, ...view } = run;
  return view;
}

// Cint's examples show created_fielding_run_id, failure_reason and job_trace_id as null, but its schema
// types them as non-nullable: a client generated from the schema rejects null, so an empty one is left out.
function jobView(job: LaunchJob) {
  const { account_id: _account, project_id: _project, target_group_id: _targetGroup, created_fielding_run_id: runId, failure_reason: failure, job_trace_id: traceId, ...view } = job;
  return {
    ...view,
    ...(runId !== null ? { created_fielding_run_id: runId } : {}),
    ...(failure !== null ? { failure_reason: failure } : {}),
    ...(traceId !== null ? { job_trace_id: traceId } : {}),
  };
}

interface JobPlace { account_id: number; project_id: string; target_group_id: string }

function failedJob(place: JobPlace, createdBy: string, code: string, description: string): LaunchJob {
  return {
    job_id: newId(),
    ...place,
    created_fielding_run_id: null,
    created_at: new Date().toISOString(),
    created_by: createdBy,
    status: 'Failed',
    failure_reason: { code, description },
    job_trace_id: randomBytes(16).toString('hex'),
  };
}

type Action = 'pause' | 'resume' | 'complete';

/** The lifecycle: which states each action leaves from, and where it goes. */
const TRANSITIONS: Record<Action, { from: FieldingRunStatus[]; to: FieldingRunStatus }> = {
  pause: { from: ['live'], to: 'paused' },
  resume: { from: ['paused'], to: 'live' },
  // The document's own error example: a paused run cannot be completed (resume it first).
  complete: { from: ['live', 'scheduled'], to: 'completed' },
};

type RunAction = 'pause_fielding_run' | 'resume_fielding_run' | 'complete_fielding_run';

function transition<Id extends RunAction>(action: Action): Handler<Id> {
  return ({ session, params: anyParams, headers, actor }) => {
    const params = anyParams as HandlerInput<'pause_fielding_run'>['params'];
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId, fielding_run_id: runId } = params;
    const run = findFieldingRun(session, accountId, projectId, targetGroupId, runId);
    requireIfMatch(headers['if-match'], run.etag);
    const { from, to } = TRANSITIONS[action];
    if (!from.includes(run.status)) {
      throw invalidState(`Cannot ${action} a fielding run which is ${run.status}; ${action} needs a run that is ${from.join(' or ')}.`);
    }
    if (action === 'resume' && Date.parse(run.end_fielding_at) <= session.now()) {
      throw invalidState(`Cannot resume a fielding run whose end date (${run.end_fielding_at}) has passed; relaunch the target group with a new end date.`);
    }
    const now = new Date(session.now()).toISOString();
    run.status = to;
    bumpVersion(run, now, actor);
    watchRun(session, run);
    const group = session.targetGroups.get(targetGroupId);
    if (group) {
      recordChanges(group, actor, { status: group.status }, { status: to });
      group.status = to;
      group.updated_at = now;
    }
    return { headers: { etag: run.etag } };
  };
}

export const fieldingRunHandlers = {
  create_launch_fielding_run_from_draft_job: ({ session, params, body, actor, path }) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = params;
    const endAt = new Date(body.end_fielding_at);
    if (endAt.getTime() <= session.now()) {
      throw badRequest([{ name: 'end_fielding_at', reason: "'end_fielding_at' must be in the future." }]);
    }
    // The operation documents no 404: an unknown target group is reported by the job, as Cint does.
    let job: LaunchJob;
    const place: JobPlace = { account_id: accountId, project_id: projectId, target_group_id: targetGroupId };
    const group = session.projects.get(projectId)?.account_id === accountId ? session.targetGroups.get(targetGroupId) : undefined;
    if (!group || group.project_id !== projectId) {
      session.reserve(1);
      job = failedJob(place, actor, 'TargetGroupNotFound', `target group ${targetGroupId} was not found in project ${projectId}`);
    } else if (group.status !== 'draft') {
      session.reserve(1);
      job = failedJob(place, actor, 'TargetGroupInvalidState', `target group ${targetGroupId} is ${group.status}; only a draft can be launched`);
    } else {
      session.reserve(2);
      const now = new Date(session.now()).toISOString();
      const run: FieldingRun = {
        id: newId(),
        target_group_id: group.id,
        last_changed_at: now,
        last_changed_by: actor,
        start_fielding_at: now,
        end_fielding_at: endAt.toISOString(),
        status: 'live',
        version: 1,
        etag: etagOfVersion(1),
      };
      session.runs.set(run.id, run);
      watchRun(session, run);
      appendId(session.runsByTargetGroup, group.id, run.id);
      recordChanges(group, actor, { status: group.status }, { status: 'live' });
      group.status = 'live';
      group.updated_at = now;
      job = {
        job_id: newId(), ...place, created_fielding_run_id: run.id, created_at: now,
        created_by: actor, status: 'Completed', failure_reason: null, job_trace_id: null,
      };
    }
    session.jobs.set(job.job_id, job);
    return { headers: { location: `${path}/${job.job_id}` } };
  },

  get_launch_fielding_run_from_draft_job: ({ session, params }) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId, job_id: jobId } = params;
    const job = session.jobs.get(jobId);
    if (!job || job.account_id !== accountId || job.project_id !== projectId || job.target_group_id !== targetGroupId) throw notFound('job_id');
    return { body: jobView(job) };
  },

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

  pause_fielding_run: transition<'pause_fielding_run'>('pause'),
  resume_fielding_run: transition<'resume_fielding_run'>('resume'),
  complete_fielding_run: transition<'complete_fielding_run'>('complete'),
} satisfies Handlers;
