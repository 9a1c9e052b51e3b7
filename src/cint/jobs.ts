// Cint's asynchronous jobs, as its document describes them: the operation that creates each kind, the
// one that polls it, the words its status uses, and the failure codes the document names for it (with
// the document's descriptions). Scenario rules may end a job Failed with one of these codes only.
import type { OperationId } from './operations.js';

export interface JobKind {
  /** The operation that reads the job's status. */
  status: OperationId;
  /** What the job's `status` field says while it runs, when it succeeded, and when it failed (null: it cannot). */
  words: { processing: string; completed: string; failed: string | null };
  /** The failure codes the document names for this kind of job, with its descriptions. */
  failures: Readonly<Record<string, string>>;
}

const FIELDING_RUN_JOB_FAILURES = {
  TargetGroupNotFound: 'Target group not found.',
  TargetGroupInvalidState: 'The target group is not in a draft state and cannot be launched.',
  InvalidFieldingDates: 'The provided start time is in the past.',
};
const BATCH_JOB_FAILURES = {
  TargetGroupNotFound: 'Target group not found.',
  StatusTransitionNotAllowed: 'Status transition is not allowed.',
};
const UPLOAD_JOB_FAILURES = {
  JobExecutionStartMessageFailed: 'The job execution start message failed. Please contact Cint for further assistance.',
};

const JOB_WORDS = { processing: 'Processing', completed: 'Completed', failed: 'Failed' };
const RECONCILIATION_WORDS = { processing: 'processing', completed: 'complete', failed: null };

export const JOB_KINDS: Readonly<Partial<Record<OperationId, JobKind>>> = {
  create_launch_fielding_run_from_draft_job: { status: 'get_launch_fielding_run_from_draft_job', words: JOB_WORDS, failures: FIELDING_RUN_JOB_FAILURES },
  create_schedule_fielding_run_from_draft_job: { status: 'get_schedule_fielding_run_from_draft_job', words: JOB_WORDS, failures: FIELDING_RUN_JOB_FAILURES },
  create_bulk_launch_target_groups_job: { status: 'get_bulk_launch_target_groups_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  create_bulk_pause_target_groups_job: { status: 'get_bulk_pause_target_groups_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  create_bulk_resume_target_groups_job: { status: 'get_bulk_resume_target_groups_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  create_bulk_complete_target_groups_job: { status: 'get_bulk_complete_target_groups_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  create_bulk_relaunch_target_groups_job: { status: 'get_bulk_relaunch_target_groups_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  create_bulk_update_target_group_project_manager_job: { status: 'get_bulk_update_target_group_project_manager_job', words: JOB_WORDS, failures: BATCH_JOB_FAILURES },
  exclusion_create_remove_all_respondents_job: { status: 'get_all_respondent_exclusions_removal_job', words: { ...JOB_WORDS, completed: 'Success' }, failures: UPLOAD_JOB_FAILURES },
  exclusion_create_upload_rids_by_file_job: { status: 'get_respondent_exclusions_upload_by_file_job', words: { ...JOB_WORDS, completed: 'Success' }, failures: UPLOAD_JOB_FAILURES },
  create_all_recontact_rsids_removal_job: { status: 'recontacts_remove_all_rsids_job_status', words: JOB_WORDS, failures: UPLOAD_JOB_FAILURES },
  recontact_create_upload_rsids_by_file_job: { status: 'get_recontacts_rsids_upload_file_job_status', words: JOB_WORDS, failures: UPLOAD_JOB_FAILURES },
  recontact_create_upload_respondents_by_file_job: { status: 'get_recontact_upload_respondents_by_file_job', words: JOB_WORDS, failures: UPLOAD_JOB_FAILURES },
  // A report is `in_progress` until `completed`; the document gives it no failed state.
  generate_report: { status: 'report_status', words: { processing: 'in_progress', completed: 'completed', failed: null }, failures: {} },
  // A reconciliation request is `processing` until `complete` (its status filter's two values): no failed state either.
  post_reconciliations: { status: 'get_reconciliation_by_request_id', words: RECONCILIATION_WORDS, failures: {} },
  post_reconciliations_completes: { status: 'get_reconciliation_by_request_id', words: RECONCILIATION_WORDS, failures: {} },
};

/** The operations that create jobs, for scenario rules' `job` steps. */
export const JOB_OPERATIONS = Object.keys(JOB_KINDS) as OperationId[];
