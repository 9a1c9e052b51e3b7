// One session's state as plain JSON data, and that data put back into a Session: what lets several
// processes share a session, and a restarted process keep it (the session store in Redis or Valkey).
//
// The snapshot holds everything a later request can observe: the objects and their indexes (Maps as
// [key, value] pairs, in insertion order, which is the order of lists), events, idempotency keys
// (least recently used first, so their recency survives), the ETag revision, the clock, job timing,
// fills and fielding settings, stored bytes with each sized object's share, and the session's
// progress through its scenarios (ScenarioCatalog.exportStates).
//
// Left out on purpose:
// - eventListener, deliveryScript, webhookDeliveries: this process's listener, the script of the
//   request under way, and its delivery queues and timers. A restore leaves the target's as they are.
// - lastSeenAt: the session store tracks it.
// - id, name, clientId and the limits: the Session restored into has its own.
// - The journal (journal/journal.ts) and the session's scenario choice (ScenarioCatalog.choose, kept
//   by name): separate, and not held by the Session.
//
// A snapshot shares structure with the session it was taken of (the objects themselves, not copies):
// serialize it before the session changes. restoreSnapshot takes ownership of the snapshot it is given.
import type { ScenarioCatalog, ScenarioProgress } from '../scenarios/catalog.js';
import { SeededRandom } from '../scenarios/random.js';
import type { CintEvent } from './events.js';
import type { FieldingSettings } from './fielding-settings.js';
import type { Fill, QuotaFill } from './simulator.js';
import type { FieldingRun, Job, JobTiming, Project, Session, StoredResource, StoredResponse, TargetGroup } from './store.js';

export const SNAPSHOT_FORMAT = 1;

/** A number JSON can carry: Infinity and -Infinity, which JSON would turn into null, as text. */
type JsonNumber = number | 'Infinity' | '-Infinity';

/** An object counted against maxSessionBytes: its key, itself, and the bytes it counts for. */
type Sized<T> = [key: string, value: T, bytes: number];

/** A fill with its random stream as its position and its quotas as pairs. */
export type FillSnapshot = Omit<Fill, 'random' | 'quotas'> & { random: number; quotas: [string, QuotaFill][] };

export interface SessionSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  createdAt: string;
  requestCount: number;
  revision: number;
  clockOffsetMs: number;
  nextChangeAt: JsonNumber;
  jobTiming: JobTiming | null;
  fielding: FieldingSettings | null;
  storedBytes: number;
  resourceCount: number;
  projects: [string, Project][];
  projectsByAccount: [number, string[]][];
  targetGroups: Sized<TargetGroup>[];
  targetGroupsByProject: [string, string[]][];
  runs: [string, FieldingRun][];
  runsByTargetGroup: [string, string[]][];
  jobs: [string, Job][];
  events: CintEvent[];
  /** By collection key, each collection's objects in creation order. */
  resources: [string, Sized<StoredResource>[]][];
  singletons: Sized<StoredResource>[];
  /** Least recently used first. */
  idempotency: [string, StoredResponse][];
  fills: [string, FillSnapshot][];
  scenarios: ScenarioProgress[];
}

/**
 * Everything a session holds that must survive a restart or be seen by another process. It shares the
 * session's objects rather than copying them (JSON.stringify copies them anyway): serialize it before
 * the session changes.
 */
export function snapshotOf(session: Session, scenarios: ScenarioCatalog): SessionSnapshot {
  const sized = <T extends object>(map: ReadonlyMap<string, T>): Sized<T>[] => Array.from(map, ([key, value]) => [key, value, session.sizeOf(value)]);
  return {
    format: SNAPSHOT_FORMAT,
    createdAt: session.createdAt.toISOString(),
    requestCount: session.requestCount,
    revision: session.revision,
    clockOffsetMs: session.clockOffsetMs,
    nextChangeAt: jsonNumber(session.nextChangeAt),
    jobTiming: session.jobTiming,
    fielding: session.fielding,
    storedBytes: session.storedBytes,
    resourceCount: session.resourceCount,
    projects: [...session.projects],
    projectsByAccount: [...session.projectsByAccount],
    targetGroups: sized(session.targetGroups),
    targetGroupsByProject: [...session.targetGroupsByProject],
    runs: [...session.runs],
    runsByTargetGroup: [...session.runsByTargetGroup],
    jobs: [...session.jobs],
    events: session.events,
    resources: Array.from(session.resources, ([key, collection]) => [key, sized(collection)]),
    singletons: sized(session.singletons),
    // rentries(): least recently used first; lru-cache types its items loosely.
    idempotency: [...session.idempotency.rentries()] as [string, StoredResponse][],
    fills: Array.from(session.fills, ([id, fill]) => [id, fillSnapshotOf(fill)]),
    scenarios: scenarios.exportStates(session),
  };
}

/** About how long each piece of snapshotJson's text is. */
const PIECE_CHARS = 16384;

/**
 * JSON.stringify(snapshot), the same text, in pieces of about PIECE_CHARS characters: each element of
 * the snapshot's lists is stringified on its own. The Redis store hashes the pieces to see whether a
 * session changed, and joins them only when it did. V8 makes one large JSON.stringify's result as a
 * chain of parts, and copies it into one string the first time anything reads it: for a session of
 * 2001 projects and their idempotent answers (about 1 MB), comparing the text with the last one saved
 * cost as much again as making it. Small pieces are cheap to read.
 */
export function snapshotJson(snapshot: SessionSnapshot): string[] {
  const pieces: string[] = [];
  let piece = '{';
  let first = true;
  for (const [key, value] of Object.entries(snapshot) as [string, unknown][]) {
    // As JSON.stringify: a field whose value is undefined is left out.
    if (value === undefined) continue;
    piece += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(value)) {
      piece += JSON.stringify(value);
      continue;
    }
    piece += '[';
    for (let index = 0; index < value.length; index += 1) {
      // As JSON.stringify: an undefined element is null.
      piece += `${index === 0 ? '' : ','}${JSON.stringify(value[index]) ?? 'null'}`;
      if (piece.length >= PIECE_CHARS) {
        pieces.push(piece);
        piece = '';
      }
    }
    piece += ']';
  }
  pieces.push(`${piece}}`);
  return pieces;
}

/**
 * A text (a few hundred characters, more for the progress through a scenario of many rules) that differs
 * whenever a request that only reads (a GET) changed what the snapshot holds:
 * its ETag revision (every change to an object a client sees), its quiet changes (a job's poll counted,
 * a job ended), when it next changes by itself (the clock moved it on), its newest event, how much it
 * holds, its clock and timing settings, and its progress through its scenarios. The Redis store compares
 * it before and after a read instead of serializing and hashing the whole snapshot (several ms for a
 * session of 1 MB). A write (POST, PUT, PATCH, DELETE) can change a stored object's fields in place and
 * is always compared in full.
 */
export function vitalsOf(session: Session, scenarios: ScenarioCatalog): string {
  const { events } = session;
  return JSON.stringify([
    session.revision, session.quietChanges, jsonNumber(session.nextChangeAt), events.length, events[events.length - 1]?.id ?? '',
    session.objectCount, session.storedBytes, session.idempotency.size, session.clockOffsetMs, session.jobTiming, session.fielding,
    scenarios.exportStates(session),
  ]);
}

/**
 * Replaces everything `session` holds by the snapshot's, keeping the Session object itself (its
 * identity and runtime fields). Throws an Error naming the format if snapshot.format is not SNAPSHOT_FORMAT,
 * before changing anything. The session takes the snapshot's objects as they are: hand it a parsed
 * snapshot of its own, not one still in use.
 */
export function restoreSnapshot(session: Session, snapshot: SessionSnapshot, scenarios: ScenarioCatalog): void {
  const format: unknown = snapshot.format;
  if (format !== SNAPSHOT_FORMAT) throw new Error(`cannot restore a session snapshot of format ${JSON.stringify(format)}: this cint-mock reads format ${SNAPSHOT_FORMAT} only`);
  session.createdAt.setTime(Date.parse(snapshot.createdAt));
  session.requestCount = snapshot.requestCount;
  session.revision = snapshot.revision;
  session.clockOffsetMs = snapshot.clockOffsetMs;
  session.nextChangeAt = Number(snapshot.nextChangeAt);
  session.jobTiming = snapshot.jobTiming;
  // Frozen, as setFielding leaves it.
  session.fielding = snapshot.fielding && Object.freeze(snapshot.fielding);
  session.resourceCount = snapshot.resourceCount;

  refill(session.projects, snapshot.projects);
  refill(session.projectsByAccount, snapshot.projectsByAccount);
  refill(session.targetGroups, adoptSized(session, snapshot.targetGroups));
  refill(session.targetGroupsByProject, snapshot.targetGroupsByProject);
  refill(session.runs, snapshot.runs);
  refill(session.runsByTargetGroup, snapshot.runsByTargetGroup);
  refill(session.jobs, snapshot.jobs);
  session.events.splice(0, session.events.length, ...snapshot.events);
  refill(session.resources, snapshot.resources.map(([key, collection]) => [key, new Map(adoptSized(session, collection))]));
  refill(session.singletons, adoptSized(session, snapshot.singletons));
  // adoptSize leaves storedBytes alone: the snapshot's total is the session's.
  session.storedBytes = snapshot.storedBytes;

  session.idempotency.clear();
  for (const [key, response] of snapshot.idempotency) session.idempotency.set(key, response);
  refill(session.fills, snapshot.fills.map(([id, fill]) => [id, fillOf(fill)]));
  scenarios.importStates(session, snapshot.scenarios);
}

function jsonNumber(value: number): JsonNumber {
  if (Number.isFinite(value)) return value;
  return value > 0 ? 'Infinity' : '-Infinity';
}

function refill<K, V>(map: Map<K, V>, entries: Iterable<readonly [K, V]>): void {
  map.clear();
  for (const [key, value] of entries) map.set(key, value);
}

/** The objects as [key, object] pairs, each counted by the session as holding its bytes again. */
function adoptSized<T extends object>(session: Session, entries: readonly Sized<T>[]): [string, T][] {
  return entries.map(([key, value, bytes]) => {
    session.adoptSize(value, bytes);
    return [key, value];
  });
}

function fillSnapshotOf(fill: Fill): FillSnapshot {
  const { random, quotas, ...rest } = fill;
  return { ...rest, random: random.position, quotas: [...quotas] };
}

function fillOf(snapshot: FillSnapshot): Fill {
  const { random, quotas, ...rest } = snapshot;
  return { ...rest, random: new SeededRandom(random), quotas: new Map(quotas) };
}
