// The request journal: what each session asked and what it got, newest first. Each session keeps at
// most journalSize entries and journalBytes bytes of them; counts are exact however many were dropped.
import { METHODS } from 'node:http';
import type { InvalidParam } from '../cint/errors.js';
import { isOperationId, operationIds } from '../cint/operations.js';
import { FAULTS } from '../scenarios/schema.js';
import { nearestName } from '../scenarios/validate.js';
import type { Session } from '../sessions/store.js';

export interface JournalEntry {
  request_id: string;
  at: string;
  session: string;
  operation: string | null;
  method: string;
  path: string;
  /** The query as the client sent it: each parameter's text, a list of them when it was repeated. */
  query: Record<string, unknown>;
  /**
   * The request's JOURNAL_HEADERS the client sent, by lower-case name (a repeated one joined with ", "),
   * Authorization's value as [redacted]. Absent in entries a shared store kept from before it was journaled.
   */
  headers?: Record<string, string>;
  status: number;
  duration_ms: number;
  /** The scenario rule that answered, when one did; for a rule of several steps, which one (from 0). */
  scenario: { name: string; rule: number; step?: number } | null;
  replayed: boolean;
  /**
   * The scenario fault the answer met: status is then 0 (the connection broken, no answer), the status of
   * the answer made and lost (the fault of a passthrough, job or webhook step), or the status sent with
   * a body cut off (malformed_body).
   */
  fault?: string;
  /**
   * The request body as the client sent it, when it was small enough to keep (JOURNAL_BODY_LIMIT characters):
   * its JSON, parsed afresh (not what validation trimmed or filled in), or its text when it is not JSON.
   */
  body?: unknown;
  /** The response body as sent, as text (JSON is not parsed), when it was small enough to keep. */
  response_body?: string;
  /**
   * The answer's headers as the mock set them, by lower-case name, each as text (a list joined with ", "):
   * Content-Type, the trace headers, Retry-After, ETag, Location, WWW-Authenticate, Allow, an echoed
   * Idempotency-Key, a rule's own. Not Content-Length, nor what Node adds as it writes (Date, Connection,
   * Keep-Alive). Absent when no answer went out (status 0), and in entries a shared store kept from
   * before it was journaled.
   */
  response_headers?: Record<string, string>;
}

export interface JournalFilter {
  /** An operation id, or NO_OPERATION. */
  operation?: string | undefined;
  status?: number | undefined;
  /** A fault's name, or 'any': the requests whose answer a scenario fault broke, lost or cut off. */
  fault?: string | undefined;
  method?: string | undefined;
  limit?: number | undefined;
}

/** What count() counts by: the journal's filters but for method and limit (counts are kept by operation, status and fault). */
export type CountFilter = Pick<JournalFilter, 'operation' | 'status' | 'fault'>;

/** A count of requests: by operation ('' for none) and status, and by the fault their answer met, if any. */
export interface JournalCount {
  operation: string;
  status: number;
  fault?: string | undefined;
  count: number;
}

/** How the counts and filters name the requests with no operation (a path no route takes). */
export const NO_OPERATION = '(none)';


/**
 * The filters that can match no request, each with why: an `operation` that is neither an operation id
 * nor NO_OPERATION, a `fault` that is neither a fault's name nor 'any', a `method` that is no HTTP method. A typo would otherwise count 0,
 * and pass a test asserting that its client never made that call.
 */
export function filterProblems({ operation, fault, method }: CountFilter & Pick<JournalFilter, 'method'>): InvalidParam[] {
  const problems: InvalidParam[] = [];
  // Any method Node's parser takes may reach the journal (a 405 or a 404 for one no route has).
  if (method !== undefined && !METHODS.includes(method.toUpperCase())) {
    problems.push({ name: 'method', reason: `'method' names no HTTP method: ${JSON.stringify(method)}; give one such as GET, POST, PUT or DELETE` });
  }
  if (operation !== undefined && operation !== NO_OPERATION && !isOperationId(operation)) {
    problems.push({
      name: 'operation',
      reason: `'operation' names no operation: ${JSON.stringify(operation)}${didYouMean(operation, operationIds)}; give a Cint operation id (docs/operations.md lists them), or ${NO_OPERATION} for the requests no route took`,
    });
  }
  const faults = [...FAULTS, 'any'];
  if (fault !== undefined && !faults.includes(fault)) {
    problems.push({ name: 'fault', reason: `'fault' names no fault: ${JSON.stringify(fault)}${didYouMean(fault, faults)}; give one of ${faults.join(', ')}` });
  }
  return problems;
}

/** ` (did you mean "x"?)` when `name` is a typo of one of `known`; nothing otherwise. */
function didYouMean(name: string, known: readonly string[]): string {
  const nearest = nearestName(name, known);
  return nearest ? ` (did you mean ${JSON.stringify(nearest)}?)` : '';
}

const faultMatches = (fault: string | undefined, wanted: string) => fault !== undefined && (wanted === 'any' || fault === wanted);

export const JOURNAL_BODY_LIMIT = 4096;
/**
 * The request headers an entry keeps (decision 209): those whose sending, or not, is the client's handling
 * of the API: Cint's own (Cint-API-Version, Idempotency-Key, If-Match, If-None-Match), Authorization (its
 * value never kept), the body's type, and the mock's own choice of answer (Prefer, X-Mock-Scenario). Not the
 * rest (Host, User-Agent, Accept-Encoding, …), which say nothing of it and would more than double what an
 * entry holds.
 */
export const JOURNAL_HEADERS = ['authorization', 'cint-api-version', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'prefer', 'x-mock-scenario'] as const;
/** What a journal entry keeps of an Authorization header's value. */
export const REDACTED = '[redacted]';
/** Characters of a request's path the journal keeps. */
export const JOURNAL_PATH_LIMIT = 2048;
/** What an entry costs beyond its body, path and query: its other fields and the objects holding them. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * About how many bytes an entry holds in memory (strings as UTF-16 code units): its bodies' characters,
 * and those of the other text a client chose: its URL (path and query, kept as the path and the parsed
 * query), its request id (an X-Request-Id of the client's) and its kept headers, with its other fields
 * and the answer's headers.
 */
export function entryBytes(bodyChars: number, textChars: number): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (bodyChars + textChars);
}

/**
 * A session's newest requests: at most `capacity` entries and `maxBytes` bytes, the oldest dropped first.
 */
export class Journal {
  /** The entries from `head` on; those before it were dropped (undefined) and are cut off now and then. */
  private entriesKept: (JournalEntry | undefined)[] = [];
  private sizes: number[] = [];
  /** Index of the oldest entry still kept: dropped entries are cut off the arrays now and then, not one by one. */
  private head = 0;
  private bytes = 0;
  /** Requests by operation ('' for none) and status, over the session's whole life. */
  private readonly counts = new Map<string, Map<number, number>>();
  /** Those of them whose answer a scenario fault met (counted above as well), by operation, status and fault. */
  private faulted: Required<JournalCount>[] = [];

  constructor(readonly capacity: number, readonly maxBytes = Infinity) {}

  /** Bytes the kept entries hold, about. */
  get size(): number {
    return this.bytes;
  }

  record(entry: JournalEntry, bytes = entryBytes(0, entry.path.length + entry.request_id.length)): void {
    const byStatus = this.countsOf(entry.operation ?? '');
    byStatus.set(entry.status, (byStatus.get(entry.status) ?? 0) + 1);
    if (entry.fault !== undefined) this.countFault(entry.operation ?? '', entry.status, entry.fault, 1);
    if (this.capacity === 0 || bytes > this.maxBytes) return;
    this.entriesKept.push(entry);
    this.sizes.push(bytes);
    this.bytes += bytes;
    while (this.entriesKept.length - this.head > this.capacity || this.bytes > this.maxBytes) {
      this.bytes -= this.sizes[this.head]!;
      // Let go of it now, not at the next cut: until then the array kept as many dropped entries again
      // as the journal keeps, in memory the journal's byte count no longer showed.
      this.entriesKept[this.head] = undefined;
      this.head += 1;
    }
    if (this.head > 64 && this.head * 2 > this.entriesKept.length) {
      this.entriesKept = this.entriesKept.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Replaces everything by another instance's view (a shared store's journal, oldest first, and its
   * counts by operation, status and fault).
   */
  replace(entries: { entry: JournalEntry; bytes: number }[], counts: JournalCount[]): void {
    this.entriesKept = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
    this.counts.clear();
    this.faulted = [];
    for (const { entry, bytes } of entries) {
      this.entriesKept.push(entry);
      this.sizes.push(bytes);
      this.bytes += bytes;
    }
    for (const { operation, status, fault, count } of counts) {
      const byStatus = this.countsOf(operation);
      byStatus.set(status, (byStatus.get(status) ?? 0) + count);
      if (fault !== undefined) this.countFault(operation, status, fault, count);
    }
  }

  /** Faulted answers are few (a scenario's faults): a short list serves. */
  private countFault(operation: string, status: number, fault: string, count: number): void {
    const counted = this.faulted.find((item) => item.operation === operation && item.status === status && item.fault === fault);
    if (counted) counted.count += count;
    else this.faulted.push({ operation, status, fault, count });
  }

  /** An operation's requests by status, made empty the first time. */
  private countsOf(operation: string): Map<number, number> {
    let byStatus = this.counts.get(operation);
    if (!byStatus) this.counts.set(operation, (byStatus = new Map()));
    return byStatus;
  }

  /** Entries newest first, filtered. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = filter.limit ?? this.capacity;
    for (let i = this.entriesKept.length - 1; i >= this.head && out.length < limit; i -= 1) {
      const entry = this.entriesKept[i]!;
      if (filter.operation !== undefined && (entry.operation ?? NO_OPERATION) !== filter.operation) continue;
      if (filter.status !== undefined && entry.status !== filter.status) continue;
      if (filter.fault !== undefined && !faultMatches(entry.fault, filter.fault)) continue;
      if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) continue;
      out.push(entry);
    }
    return out;
  }

  /** How many requests matched, over the session's whole life (not only the entries kept). */
  count(filter: CountFilter = {}): number {
    let total = 0;
    if (filter.fault !== undefined) {
      for (const { operation, status, fault, count } of this.faulted) {
        if ((filter.operation === undefined || (operation || NO_OPERATION) === filter.operation) && (filter.status === undefined || status === filter.status)
          && faultMatches(fault, filter.fault)) total += count;
      }
      return total;
    }
    for (const [operation, byStatus] of this.counts) {
      if (filter.operation !== undefined && (operation || NO_OPERATION) !== filter.operation) continue;
      for (const [status, value] of byStatus) if (filter.status === undefined || status === filter.status) total += value;
    }
    return total;
  }

  /** Counts per operation and status: { create_project: { "202": 2, "400": 1 } }. */
  summary(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [operation, byStatus] of this.counts) {
      const counts = (out[operation || NO_OPERATION] ??= {});
      for (const [status, value] of byStatus) counts[status] = value;
    }
    return out;
  }

  /** Faulted answers per operation and fault: { create_project: { connection_reset: 1 } }. */
  faultSummary(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const { operation, fault, count } of this.faulted) {
      const counts = (out[operation || NO_OPERATION] ??= {});
      counts[fault] = (counts[fault] ?? 0) + count;
    }
    return out;
  }
}

/** One journal per session object: a reset session starts with an empty journal. */
export class JournalStore {
  private readonly journals = new WeakMap<Session, Journal>();

  constructor(readonly capacity: number, readonly maxBytes = Infinity) {}

  of(session: Session): Journal {
    let journal = this.journals.get(session);
    if (!journal) {
      journal = new Journal(this.capacity, this.maxBytes);
      this.journals.set(session, journal);
    }
    return journal;
  }
}
