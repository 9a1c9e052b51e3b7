// What the respondent-id uploads share (recontacts and exclusions): the uploaded file of ids read line by line, and a target group's ids as its upload and removal jobs leave them. The generic
// collections keep each upload's file (counted in the session's bytes) under its job's id; the ids are
// folded from the jobs that Completed, oldest first, so a job does its work when it ends (decision 44)
// and nothing but the files is stored.
import { badRequest, conflict, fileTooLarge } from '../cint/errors.js';
import { collectionKeyOf, type Session, type StoredResource } from '../sessions/store.js';
import type { HandlerInput } from './handler.js';
import { uuidFromHash } from './shared.js';

/** "The uploaded file size must be less than 5MB" (read as 5 MiB). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** "The total number of IDs (existing plus new) cannot exceed 100,000." */
export const MAX_SAVED_IDS = 100_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A respondent id (a UUID) as it is kept: lower case, as UUIDs are written (RFC 9562); null when the line is not one. */
export const respondentIdOf = (line: string): string | null => (UUID.test(line) ? line.toLowerCase() : null);

/**
 * The respondent id Cint saves for a response id (a UUID too). Cint maps a response to its respondent;
 * the mock has no respondents behind the ids, so it stands in with an id made from the response id's
 * hash: the same response id always gives the same respondent id, and never the response id itself.
 */
export function respondentIdOfResponse(line: string): string | null {
  return UUID.test(line) ? uuidFromHash(`response:${line.toLowerCase()}`) : null;
}

/** The upload's `file` part; without one, a 400 naming it; of 5 MB or more, a 413. */
export function uploadedFile(body: unknown): string {
  const file = (body as Record<string, unknown> | undefined)?.file;
  if (typeof file !== 'string') {
    throw badRequest([{ name: 'file', reason: "'file' is required: send the ids as the multipart/form-data part named 'file'." }]);
  }
  const bytes = Buffer.byteLength(file);
  if (bytes >= MAX_FILE_BYTES) throw fileTooLarge(MAX_FILE_BYTES, bytes);
  return file;
}

export interface IdFile {
  /** Each id once, in the order of the lines that first gave it. */
  ids: string[];
  /** Lines that were empty, or that `idOf` did not take. */
  rejected: number;
}

/**
 * The ids of an uploaded file: "no header row", one id per line (CRLF, LF or CR), each trimmed. `idOf`
 * gives the id a line stands for, or null when it is not one; a newline at the end of the file ends its
 * last line and starts no empty one.
 */
export function readIdFile(text: string, idOf: (line: string) => string | null): IdFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  const ids = new Set<string>();
  let rejected = 0;
  for (const line of lines) {
    const trimmed = line.trim();
    const id = trimmed === '' ? null : idOf(trimmed);
    if (id === null) rejected += 1;
    else ids.add(id);
  }
  return { ids: [...ids], rejected };
}

type Collection = ReadonlyMap<string, StoredResource> | undefined;

/** The path's target group, as the upload and removal paths name it. */
export interface TargetGroupPath { account_id: number; project_id: string; target_group_id: string }

/** The generic collection of one kind of job (`itemPath`: its status operation's path) of the path's target group. */
export const jobsOf = (session: Session, itemPath: string, params: TargetGroupPath): Collection =>
  session.resources.get(collectionKeyOf(itemPath, [params.account_id, params.project_id, params.target_group_id]));

/** The document's `partial_success_reason` of an upload job that ended with lines that were empty or not an id. */
export const partialSuccess = (uploaded: number, failed: number) =>
  ({ description: `Upload partially successful. ${uploaded} respondent IDs uploaded successfully, ${failed} failed (invalid or empty).` });

/** The stored uploads and removals of these collections whose jobs Completed, oldest first. */
export function completedInOrder(session: Session, collections: readonly Collection[]): StoredResource[] {
  const done = collections.flatMap((collection) => [...(collection?.values() ?? [])])
    .filter((resource) => session.jobs.get(resource.id)?.status === 'Completed');
  // A job's id is its stored upload's, a ULID from one monotonic source: their order is the order of creation.
  return done.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** "Only one job can run at a time per Target Group": a job of these collections still Processing is a 409. */
export function refuseWhileProcessing(session: Session, collections: readonly Collection[], kind: string): void {
  for (const collection of collections) {
    for (const id of collection?.keys() ?? []) {
      if (session.jobs.get(id)?.status !== 'Processing') continue;
      throw conflict(`${kind} job ${id} of this target group is still Processing; only one ${kind} job can run at a time per target group: poll it until it is Completed or Failed, then try again.`);
    }
  }
}

/**
 * The same request with another body, for the generic handler: an upload keeps only its file and what
 * reading it later needs (the multipart fields beside it are not stored).
 */
export function withBody<Input extends HandlerInput>(input: Input, body: Record<string, unknown>): Input {
  return Object.create(input, { body: { value: body } }) as Input;
}
