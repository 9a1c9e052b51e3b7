// Fielding runs: launch from draft (an asynchronous job that completes at once), the job's status,
// listing and reading runs, and the pause / resume / complete lifecycle guarded by If-Match.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import { badRequest, invalidState, notFound } from '../cint/errors.js';
import { requireIfMatch } from '../cint/etag.js';
import * as spec from '../cint/spec.generated.js';
import { appendId, findFieldingRun, findTargetGroup } from '../sessions/lookup.js';
import { newId, type FieldingRun, type FieldingRunStatus, type LaunchJob } from '../sessions/store.js';
import { sessionOf, userIdOf } from './shared.js';

const RUN_PATH = '/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/fielding-runs/:fielding_run_id';

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

/** The lifecycle: which states each action leaves from, and where it goes. */
const TRANSITIONS: Record<'pause' | 'resume' | 'complete', { from: FieldingRunStatus[]; to: FieldingRunStatus }> = {
  pause: { from: ['live'], to: 'paused' },
  resume: { from: ['paused'], to: 'live' },
  complete: { from: ['live', 'paused'], to: 'completed' },
};

export const fieldingRunRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/fielding-run-jobs/launch-from-draft', {
    schema: { params: spec.CreateLaunchFieldingRunFromDraftJobParams, body: spec.CreateLaunchFieldingRunFromDraftJobBody },
    config: { operationId: 'create_launch_fielding_run_from_draft_job' },
  }, async (request, reply) => {
    const session = sessionOf(request);
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = request.params;
    const endAt = new Date(request.body.end_fielding_at);
    if (endAt.getTime() <= Date.now()) {
      throw badRequest([{ name: 'end_fielding_at', reason: "'end_fielding_at' must be in the future." }]);
    }
    const createdBy = userIdOf(request.cint.identity?.clientId ?? request.cint.sessionId);
    // The operation documents no 404: an unknown target group is reported by the job, as Cint does.
    let job: LaunchJob;
    const place: JobPlace = { account_id: accountId, project_id: projectId, target_group_id: targetGroupId };
    const group = session.projects.get(projectId)?.account_id === accountId ? session.targetGroups.get(targetGroupId) : undefined;
    if (!group || group.project_id !== projectId) {
      session.reserve(1);
      job = failedJob(place, createdBy, 'TargetGroupNotFound', `target group ${targetGroupId} was not found in project ${projectId}`);
    } else if (group.status !== 'draft') {
      session.reserve(1);
      job = failedJob(place, createdBy, 'TargetGroupInvalidState', `target group ${targetGroupId} is ${group.status}; only a draft can be launched`);
    } else {
      session.reserve(2);
      const now = new Date().toISOString();
      const run: FieldingRun = {
        id: newId(),
        target_group_id: group.id,
        last_changed_at: now,
        last_changed_by: createdBy,
        start_fielding_at: now,
        end_fielding_at: endAt.toISOString(),
        status: 'live',
        version: 1,
        etag: session.nextEtag(),
      };
      session.runs.set(run.id, run);
      appendId(session.runsByTargetGroup, group.id, run.id);
      group.status = 'live';
      group.updated_at = now;
      job = {
        job_id: newId(), ...place, created_fielding_run_id: run.id, created_at: now,
        created_by: createdBy, status: 'Completed', failure_reason: null, job_trace_id: null,
      };
    }
    session.jobs.set(job.job_id, job);
    const location = `/v1/demand/accounts/${accountId}/projects/${projectId}/target-groups/${targetGroupId}/fielding-run-jobs/launch-from-draft/${job.job_id}`;
    return reply.code(201).header('location', location).send();
  });

  app.get('/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/fielding-run-jobs/launch-from-draft/:job_id', {
    schema: { params: spec.GetLaunchFieldingRunFromDraftJobParams },
    config: { operationId: 'get_launch_fielding_run_from_draft_job' },
  }, async (request) => {
    const session = sessionOf(request);
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId, job_id: jobId } = request.params;
    const job = session.jobs.get(jobId);
    if (!job || job.account_id !== accountId || job.project_id !== projectId || job.target_group_id !== targetGroupId) throw notFound('job_id');
    return jobView(job);
  });

  app.get('/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id/fielding-runs', {
    schema: { params: spec.GetFieldingRunsByTargetGroupIdParams },
    config: { operationId: 'get_fielding_runs_by_target_group_id' },
  }, async (request) => {
    const session = sessionOf(request);
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = request.params;
    const group = findTargetGroup(session, accountId, projectId, targetGroupId);
    const runs = (session.runsByTargetGroup.get(group.id) ?? []).map((id) => session.runs.get(id)).filter((run) => run !== undefined);
    // Cint documents has_more as always false here: every run of a target group comes in one page.
    return { data: runs.map(runView), has_more: false as const };
  });

  app.get(RUN_PATH, {
    schema: { params: spec.GetFieldingRunParams },
    config: { operationId: 'get_fielding_run' },
  }, async (request, reply) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId, fielding_run_id: runId } = request.params;
    const run = findFieldingRun(sessionOf(request), accountId, projectId, targetGroupId, runId);
    return reply.header('etag', run.etag).send(runView(run));
  });

  for (const action of ['pause', 'resume', 'complete'] as const) {
    const schemas = {
      pause: spec.PauseFieldingRunParams,
      resume: spec.ResumeFieldingRunParams,
      complete: spec.CompleteFieldingRunParams,
    } as const;
    app.post(`${RUN_PATH}/${action}`, {
      schema: { params: schemas[action] },
      config: { operationId: `${action}_fielding_run` },
    }, async (request, reply) => {
      const session = sessionOf(request);
      const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId, fielding_run_id: runId } = request.params;
      const run = findFieldingRun(session, accountId, projectId, targetGroupId, runId);
      requireIfMatch(request.headers['if-match'], run.etag);
      const transition = TRANSITIONS[action];
      if (!transition.from.includes(run.status)) {
        throw invalidState(`Cannot ${action} a fielding run which is ${run.status}; ${action} needs a run that is ${transition.from.join(' or ')}.`);
      }
      const now = new Date().toISOString();
      run.status = transition.to;
      run.version += 1;
      run.last_changed_at = now;
      run.last_changed_by = userIdOf(request.cint.identity?.clientId ?? request.cint.sessionId);
      run.etag = session.nextEtag();
      const group = session.targetGroups.get(targetGroupId);
      if (group) {
        group.status = transition.to;
        group.updated_at = now;
      }
      return reply.code(204).header('etag', run.etag).send();
    });
  }
};
