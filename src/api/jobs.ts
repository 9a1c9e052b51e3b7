// The fielding jobs: launch and schedule a draft, the five batch transitions and the batch project
// manager update. Each POST makes a job (sessions/jobs.ts) and answers 201 with its Location; each GET
// of that Location is a poll, answering Processing until the job ends Completed or Failed.
import { badRequest, notFound } from '../cint/errors.js';
import { JOB_KINDS } from '../cint/jobs.js';
import type { OperationId } from '../cint/operations.js';
import { ensureChangelogRoom } from '../sessions/changelog.js';
import { createJob, pollJob } from '../sessions/jobs.js';
import { findProject } from '../sessions/lookup.js';
import type { BatchAction, Job, JobWork, Session } from '../sessions/store.js';
import type { Handler, HandlerInput, Handlers } from './handler.js';

type Params = { account_id: number; project_id: string; target_group_id?: string; job_id?: string };

const paramsOf = (input: HandlerInput) => input.params as unknown as Params;

/** The ids of the path a job lives under: its status must be read under the same ones. */
const scopeOf = (params: Params) => [params.account_id, params.project_id, params.target_group_id ?? ''].join('/');

/**
 * Refuses (SessionFullError) a job whose work would take the session past maxSessionBytes with its
 * changelog entries when it ends: one per target group it moves, each as long as its longest.
 */
function ensureRoomForWork(input: HandlerInput, work: JobWork): void {
  if (work.kind === 'assign_manager') {
    if (work.project_manager_id === null) return;
    const manager = { las_user_id: work.project_manager_id };
    ensureChangelogRoom(input.session, input.actor, [{ object: 'project_manager_change', new_value: manager, old_value: manager }], work.target_group_ids.length);
    return;
  }
  const entries = work.kind === 'batch' ? work.target_group_ids.length : work.kind === 'record' ? 0 : 1;
  ensureChangelogRoom(input.session, input.actor, [{ object: 'status_change', new_value: 'scheduled', old_value: 'completed' }], entries);
}

function newJob(input: HandlerInput, work: JobWork): { headers: { location: string } } {
  ensureRoomForWork(input, work);
  const job = createJob(input.session, {
    operation: input.operation.id, scope: scopeOf(paramsOf(input)), actor: input.actor, work,
    timing: input.jobTiming, script: input.jobScript,
  });
  return { headers: { location: `${input.path}/${job.job_id}` } };
}

/** The job a status path names, polled: made by this kind of operation under the same ids, or 404. */
function polledJob(session: Session, params: Params, statusOperation: OperationId): Job {
  const job = session.jobs.get(params.job_id!);
  if (!job || JOB_KINDS[job.operation as OperationId]?.status !== statusOperation || job.scope !== scopeOf(params)) throw notFound('job_id');
  pollJob(session, job);
  return job;
}

// Cint's examples show created_fielding_run_id, failure_reason and job_trace_id as null, but its schema
// types them as non-nullable: a client generated from the schema rejects null, so an empty one is left out.
function runJobView(job: Job) {
  return {
    job_id: job.job_id,
    ...(job.created_fielding_run_id !== null ? { created_fielding_run_id: job.created_fielding_run_id } : {}),
    created_at: job.created_at,
    created_by: job.created_by,
    status: job.status,
    ...(job.failure_reason !== null ? { failure_reason: job.failure_reason } : {}),
    ...(job.job_trace_id !== null ? { job_trace_id: job.job_trace_id } : {}),
  };
}

// The document says both lists are null until the job is Completed, but its schema requires them and
// allows no null: a running job answers them empty.
function batchJobView(job: Job) {
  return {
    job_id: job.job_id,
    created_at: job.created_at,
    created_by: job.created_by,
    status: job.status,
    updated_target_groups: { data: (job.updated ?? []).map((id) => ({ target_group_id: id })), has_more: false as const },
    failed_target_groups: { data: job.failed ?? [], has_more: false as const },
  };
}

/** A launch or schedule from draft. The operation documents no 404: an unknown target group fails the job. */
function fromDraft(kind: 'launch' | 'schedule'): Handler {
  return (input) => {
    const body = input.body as unknown as { start_fielding_at?: string; end_fielding_at: string };
    const end = Date.parse(body.end_fielding_at);
    if (kind === 'launch' && end <= input.session.now()) {
      throw badRequest([{ name: 'end_fielding_at', reason: "'end_fielding_at' must be in the future." }]);
    }
    // The schedule job checks its dates itself and fails InvalidFieldingDates, as the document's example shows.
    return newJob(input, kind === 'launch'
      ? { kind, end_fielding_at: new Date(end).toISOString() }
      : { kind, start_fielding_at: body.start_fielding_at!, end_fielding_at: body.end_fielding_at });
  };
}

/** A poll of a job's status, answered in its kind's view. */
function jobStatus(view: (job: Job) => unknown): Handler {
  return ({ session, params, operation }) => ({ body: view(polledJob(session, params as unknown as Params, operation.id)) });
}

/** A batch over target groups of one project (a 404 when the project is not the session's); each id once. */
function batch(action: BatchAction): Handler {
  return (input) => {
    const params = paramsOf(input);
    findProject(input.session, params.account_id, params.project_id);
    const ids = [...new Set((input.body as unknown as { target_group_ids: string[] }).target_group_ids)];
    return newJob(input, { kind: 'batch', action, target_group_ids: ids });
  };
}


export const jobHandlers = {
  create_launch_fielding_run_from_draft_job: fromDraft('launch'),
  get_launch_fielding_run_from_draft_job: jobStatus(runJobView),
  create_schedule_fielding_run_from_draft_job: fromDraft('schedule'),
  get_schedule_fielding_run_from_draft_job: jobStatus(runJobView),

  create_bulk_launch_target_groups_job: batch('launch'),
  get_bulk_launch_target_groups_job: jobStatus(batchJobView),
  create_bulk_pause_target_groups_job: batch('pause'),
  get_bulk_pause_target_groups_job: jobStatus(batchJobView),
  create_bulk_resume_target_groups_job: batch('resume'),
  get_bulk_resume_target_groups_job: jobStatus(batchJobView),
  create_bulk_complete_target_groups_job: batch('complete'),
  get_bulk_complete_target_groups_job: jobStatus(batchJobView),
  create_bulk_relaunch_target_groups_job: batch('relaunch'),
  get_bulk_relaunch_target_groups_job: jobStatus(batchJobView),

  create_bulk_update_target_group_project_manager_job: (input) => {
    findProject(input.session, input.params.account_id, input.params.project_id);
    // The document requires neither field: without ids there is nothing to do, without a manager nothing to change.
    const body = input.body as unknown as { project_manager_id?: string; target_group_ids?: string[] };
    return newJob(input, { kind: 'assign_manager', project_manager_id: body.project_manager_id ?? null, target_group_ids: [...new Set(body.target_group_ids ?? [])] });
  },
  // Its lists are not required: the document says they are null until the job is Completed, so a running job leaves them out.
  get_bulk_update_target_group_project_manager_job: ({ session, params, operation }) => {
    const job = polledJob(session, params as unknown as Params, operation.id);
    const { updated_target_groups: updated, failed_target_groups: failed, created_by: _notInItsSchema, ...view } = batchJobView(job);
    const work = job.work as Extract<JobWork, { kind: 'assign_manager' }>;
    return { body: { ...view, ...(work.project_manager_id !== null ? { project_manager_id: work.project_manager_id } : {}), ...(job.status === 'Processing' ? {} : { updated_target_groups: updated, failed_target_groups: failed }) } };
  },
} satisfies Handlers;
