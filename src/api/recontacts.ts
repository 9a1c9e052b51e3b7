// Recontacts: the respondent ids (RSIDs) a target group saves as recontact opportunities. The two
// uploads (a file of RSIDs; a file of RSIDs or of response ids, by `entity_type`) and remove-all are
// jobs of the generic collections (api/generic.ts keeps each upload's file under its job's id, and reads
// a remove-all job's status); the saved ids are folded from the target group's jobs that Completed,
// oldest first (api/uploads.ts). Here: what an upload must be, one job at a time, the saved ids and
// their count, the list of upload jobs, an upload job's status (of either upload, at either's path),
// and the download of an upload's file.
import { badRequest, notFound } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { pollJob } from '../sessions/jobs.js';
import { findTargetGroup } from '../sessions/lookup.js';
import type { Session, StoredResource } from '../sessions/store.js';
import type { AroundGeneric, Handler, HandlerInput, Handlers, Wrappers } from './handler.js';
import { uploadedFileName } from './multipart.js';
import { pageOf } from './shared.js';
import {
  completedInOrder, jobsOf, MAX_SAVED_IDS, partialSuccess, readIdFile, refuseWhileProcessing, respondentIdOf, respondentIdOfResponse, uploadedFile,
  withBody, type IdFile, type TargetGroupPath,
} from './uploads.js';

interface Params extends TargetGroupPath { job_id?: string }

// Each kind of job is a generic collection per target group, keyed by its status operation's path.
const UPLOADS_OF_RSIDS = operation('get_recontacts_rsids_upload_file_job_status').path;
const UPLOADS_OF_RESPONDENTS = operation('get_recontact_upload_respondents_by_file_job').path;
const REMOVALS = operation('recontacts_remove_all_rsids_job_status').path;

const uploadsOf = (session: Session, params: Params) =>
  [jobsOf(session, UPLOADS_OF_RSIDS, params), jobsOf(session, UPLOADS_OF_RESPONDENTS, params)];

/** The stored upload (of either kind) whose job the path's job_id names. */
const uploadNamed = (session: Session, params: Params) =>
  uploadsOf(session, params).find((collection) => collection?.has(params.job_id!))?.get(params.job_id!);

/** The target group the path names (404 naming the parameter otherwise), for the handlers that read no generic collection first. */
const targetGroupOf = (session: Session, params: Params) => findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);

/** `RID` and `RESPONSE_ID` name response ids, which Cint "internally maps and saves as Respondent IDs". */
const isResponseIds = (entityType: unknown) => entityType === 'RID' || entityType === 'RESPONSE_ID';
const idReader = (entityType: unknown) => (isResponseIds(entityType) ? respondentIdOfResponse : respondentIdOf);

/**
 * The respondent ids an upload's file gives, read as its entity type says: once per stored upload (its
 * fields never change once stored), not at every read of the saved ids, which folds every upload.
 */
const idFiles = new WeakMap<object, IdFile>();
function idFileOf(upload: StoredResource): IdFile {
  let read = idFiles.get(upload.fields);
  if (!read) {
    read = readIdFile(String(upload.fields.file ?? ''), idReader(upload.fields.entity_type));
    idFiles.set(upload.fields, read);
  }
  return read;
}

/** The target group's saved respondent ids, in the order they were first saved: its Completed uploads, each removal emptying them. */
function savedIds(session: Session, params: Params): Set<string> {
  const removals = jobsOf(session, REMOVALS, params);
  let saved = new Set<string>();
  for (const done of completedInOrder(session, [...uploadsOf(session, params), removals])) {
    if (removals?.has(done.id)) saved = new Set();
    else for (const id of idFileOf(done).ids) saved.add(id);
  }
  return saved;
}

const refuseWhileAJobRuns = (session: Session, params: Params) =>
  refuseWhileProcessing(session, [...uploadsOf(session, params), jobsOf(session, REMOVALS, params)], 'recontact');

/**
 * An upload: one file of ids, at least one of them good, that would not take the target group past
 * 100,000 saved ids; then the generic collection keeps the file (and the entity type it is read by)
 * under the job's id. Bad lines do not refuse the upload: its job ends Completed with a partial success.
 */
function upload(entityTypeOf: (input: HandlerInput) => string | undefined): AroundGeneric {
  return (generic) => (input) => {
    const params = input.params as unknown as Params;
    targetGroupOf(input.session, params);
    refuseWhileAJobRuns(input.session, params);
    const file = uploadedFile(input.body);
    const entityType = entityTypeOf(input);
    const { ids } = readIdFile(file, idReader(entityType));
    const what = isResponseIds(entityType) ? 'response id' : 'respondent id';
    if (ids.length === 0) {
      throw badRequest([{ name: 'file', reason: `'file' holds no ${what}: each line must be one ${what} (a UUID), with no header row.` }]);
    }
    const saved = savedIds(input.session, params);
    const total = saved.size + ids.filter((id) => !saved.has(id)).length;
    if (total > MAX_SAVED_IDS) {
      throw badRequest([{
        name: 'file',
        reason: `'file' would give the target group ${total} saved respondent ids (it has ${saved.size}); the total, existing plus new, cannot exceed ${MAX_SAVED_IDS}.`,
      }]);
    }
    const fileName = uploadedFileName(input.body);
    return generic(withBody(input, {
      file, ...(entityType === undefined ? {} : { entity_type: entityType }), ...(fileName === undefined ? {} : { file_name: fileName }),
    }));
  };
}

/** A remove-all job, under the same one-job-at-a-time rule. */
const removal: AroundGeneric = (generic) => (input) => {
  const params = input.params as unknown as Params;
  targetGroupOf(input.session, params);
  refuseWhileAJobRuns(input.session, params);
  return generic(input);
};

/** The upload the path's job_id names, of either upload: both are listed together, so both read and download. */
function findUpload(session: Session, params: Params): StoredResource {
  const upload = uploadNamed(session, params);
  if (!upload) throw notFound('job_id');
  return upload;
}

/**
 * An upload job's status, polled, at either upload's status path: the job list at upload-respondents-by-file
 * "includes jobs created via both the upload-rsids-by-file and upload-respondents-by-file endpoints", so a
 * client polls each at that path, and the two reads answer one schema (GetRecontactUploadRespondentsByFileJobResponse
 * is all of GetRecontactRsidsUpdateJobResponse), so upload-rsids-by-file reads both too. A remove-all job is a
 * 404 naming `job_id` at both. Fields that do not apply are null, as the schema allows, but `job_trace_id`
 * (no null), left out; once Completed with lines that were empty or not an id, the document's partial
 * success: "500 respondent IDs uploaded successfully, 10 failed (invalid or empty)".
 */
const uploadJobStatus: Handler = ({ session, params: path }) => {
  const params = path as unknown as Params;
  targetGroupOf(session, params);
  const upload = findUpload(session, params);
  const job = session.jobs.get(upload.id);
  if (!job) throw notFound('job_id');
  pollJob(session, job);
  const { ids, rejected } = idFileOf(upload);
  return {
    body: {
      job_id: job.job_id,
      created_at: job.created_at,
      completed_at: job.finished_at,
      status: job.status,
      created_by: job.created_by,
      failure_reason: job.failure_reason,
      partial_success_reason: job.status === 'Completed' && rejected > 0 ? partialSuccess(ids.length, rejected) : null,
      ...(job.job_trace_id === null ? {} : { job_trace_id: job.job_trace_id }),
    },
  };
};

/** "Derived from the storage key": the name of an upload's file where the client gave none (its job id). */
const storageName = (upload: StoredResource) => `${upload.id}.txt`;

/** "The original name of the uploaded file", as the client's multipart part gave it; the storage key's name without one. */
const fileNameOf = (upload: StoredResource) => (typeof upload.fields.file_name === 'string' ? upload.fields.file_name : storageName(upload));

/**
 * The download's attachment name: the original "sanitized for safe use in HTTP headers (non-alphanumeric
 * characters other than dots, hyphens, and underscores are replaced with underscores)"; the storage key's
 * where the original "is unavailable or invalid" (none; of dots and underscores only, which names no file;
 * longer than the 255 characters a file name can have).
 */
function downloadNameOf(upload: StoredResource): string {
  const original = upload.fields.file_name;
  if (typeof original !== 'string') return storageName(upload);
  const sanitized = original.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^[._]*$/.test(sanitized) || sanitized.length > 255 ? storageName(upload) : sanitized;
}

export const recontactWrappers: Wrappers = {
  recontact_create_upload_rsids_by_file_job: upload(() => undefined),
  recontact_create_upload_respondents_by_file_job: upload((input) => (input.query as { entity_type?: string } | undefined)?.entity_type),
  create_all_recontact_rsids_removal_job: removal,
};

export const recontactHandlers = {
  get_target_group_rsid_recontact_list: ({ session, params, query }) => {
    targetGroupOf(session, params);
    // Newest saved first, as every list (decision 16); the cursor is the last id of the page.
    const page = pageOf([...savedIds(session, params)].reverse(), (id) => id, query);
    return {
      body: {
        data: page.items,
        // Not nullable here: "null or absent" on the last page, so left out.
        ...(page.nextCursor === null ? {} : { next_cursor: page.nextCursor }),
        url: `accounts/${params.account_id}/projects/${params.project_id}/target-groups/${params.target_group_id}/recontacts/rsids`,
      },
    };
  },

  get_recontacts_rsids_upload_file_job_status: uploadJobStatus,
  get_recontact_upload_respondents_by_file_job: uploadJobStatus,

  get_recontacts_overview: ({ session, params }) => {
    targetGroupOf(session, params);
    return { body: { saved_respondent_ids_count: savedIds(session, params).size } };
  },

  // "Jobs created via both the upload-rsids-by-file and upload-respondents-by-file endpoints", newest first.
  recontact_list_upload_respondents_by_file_jobs: ({ session, params, query }) => {
    targetGroupOf(session, params);
    const uploads = uploadsOf(session, params).flatMap((collection) => [...(collection?.values() ?? [])])
      .filter((upload) => session.jobs.has(upload.id))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = pageOf(uploads, (upload) => upload.id, query);
    const data = page.items.map((upload) => {
      const job = session.jobs.get(upload.id)!;
      return { job_id: job.job_id, file_name: fileNameOf(upload), status: job.status, created_at: job.created_at, created_by: job.created_by };
    });
    return { body: { data, next_cursor: page.nextCursor } };
  },

  recontact_download_job_file: ({ session, params }) => {
    targetGroupOf(session, params);
    const upload = findUpload(session, params);
    return {
      headers: { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${downloadNameOf(upload)}"` },
      body: String(upload.fields.file ?? ''),
    };
  },
} satisfies Handlers;
