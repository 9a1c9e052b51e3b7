// Each client's world: its projects, target groups, fielding runs and idempotency keys, in memory.
// Sessions live in an LRU map with a cap, so a long-running instance stays within bounded memory.
import { LRUCache } from 'lru-cache';
import { monotonicFactory } from 'ulid';
import { randomInt } from 'node:crypto';
import type { CintEvent, EventListener } from './events.js';
import type { DeliveryScript, SessionDeliveries } from '../webhooks/delivery.js';
import type { FieldingSettings } from './fielding-settings.js';
import type { Fill } from './simulator.js';

export const newId = monotonicFactory();

/** Crockford's base 32, the alphabet of ULIDs and of human-readable ids. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function humanReadableId(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += CROCKFORD[randomInt(CROCKFORD.length)];
  return out;
}

export interface Project {
  id: string;
  human_readable_id: string;
  account_id: number;
  name: string;
  project_manager_id: string;
  project_customer_reference_number?: string | null;
  created_at: string;
  last_activity_at: string;
  etag: string;
}

export type TargetGroupStatus = 'draft' | 'scheduled' | 'live' | 'paused' | 'completed' | 'archived';

export interface TargetGroup {
  id: string;
  human_readable_id: string;
  project_id: string;
  status: TargetGroupStatus;
  created_at: string;
  updated_at: string;
  /** The request body as the client sent it (after validation and the schema's defaults). */
  spec: Record<string, unknown>;
  /**
   * Where the ids of the spec's profiles and their targets start (a ULID; see api/target-group-shape.ts).
   * A request carries none: a new one each time the body is saved, so every read shows the same ids.
   */
  profileIdBase: string;
  /** get_target_group_changelog's entries, oldest first: one per change a client made. */
  changelog: Record<string, unknown>[];
  /** The Fielding Assistant assignment's ETag, once a PUT has changed it (api/target-group-settings.ts). */
  assignmentEtag?: string;
}

export type FieldingRunStatus = 'scheduled' | 'live' | 'paused' | 'completed';

export interface FieldingRun {
  id: string;
  target_group_id: string;
  last_changed_at: string;
  last_changed_by: string;
  start_fielding_at: string;
  end_fielding_at: string;
  status: FieldingRunStatus;
  version: number;
  etag: string;
}

/**
 * A run's ETag is its version, W/"<version>": Cint's pages tell clients to send "the fielding run's
 * current version" in If-Match, so one built from the `version` field (5, "5" or W/"5") matches too.
 */
export const etagOfVersion = (version: number) => `W/"${version}"`;

/**
 * Every change to a run makes a new version, and with it a new ETag; `actor` is who made it (a run
 * that ends by the clock keeps the last one who changed it).
 */
export function bumpVersion(run: FieldingRun, at: string, actor = run.last_changed_by): void {
  run.version += 1;
  run.etag = etagOfVersion(run.version);
  run.last_changed_at = at;
  run.last_changed_by = actor;
}

export type JobStatus = 'Processing' | 'Completed' | 'Failed';

export interface JobFailure { code: string; description: string }

/**
 * What a job does when it ends, as data: launch or schedule a draft, move each listed target group's
 * run (a batch), or nothing but report that it ran (uploads, removals, reports: kept generically).
 */
export type JobWork =
  | { kind: 'launch'; end_fielding_at: string }
  | { kind: 'schedule'; start_fielding_at: string; end_fielding_at: string }
  | { kind: 'batch'; action: BatchAction; target_group_ids: string[] }
  | { kind: 'assign_manager'; project_manager_id: string | null; target_group_ids: string[] }
  | { kind: 'record' };

export type BatchAction = 'launch' | 'pause' | 'resume' | 'complete' | 'relaunch';

/** One target group a batch job could not move, and why. */
export interface BatchFailure { target_group_id: string; failure_reason: JobFailure }

/** An asynchronous job: created by a POST, polled at its Location until it ends Completed or Failed. */
export interface Job {
  job_id: string;
  /** The operation that created it. */
  operation: string;
  /** The path's ids it was created under (account, project, target group): its status path must name the same. */
  scope: string;
  created_at: string;
  created_by: string;
  status: JobStatus;
  /** Polls still to answer Processing before it may end. */
  pollsLeft: number;
  /** When it may end, by the session's clock (ms). */
  readyAt: number;
  /** A failure a scenario scripted: it ends Failed with this whatever its work would do. */
  scripted: JobFailure | null;
  work: JobWork;
  finished_at: string | null;
  failure_reason: JobFailure | null;
  job_trace_id: string | null;
  /** Launch and schedule: the run it made. */
  created_fielding_run_id: string | null;
  /** Batch jobs: the target groups moved (or already there), and those that could not be. */
  updated: string[] | null;
  failed: BatchFailure[] | null;
}

/** How long a session's jobs stay Processing: polls answered so, and time on the session's clock. */
export interface JobTiming { polls: number; durationMs: number }

/** An object of one of the API's other collections (webhooks, templates, jobs...), kept generically. */
export interface StoredResource {
  id: string;
  /** The request bodies that made and changed it, merged: what reads of it give back. */
  fields: Record<string, unknown>;
  etag: string;
  created_at: string;
  updated_at: string;
}

/**
 * The key of a generic collection in Session.resources: its item path and the values of the path
 * parameters that scope it (a webhook's account), e.g. `/v1/accounts/:account_id/webhooks/:webhook_id|101`.
 */
export function collectionKeyOf(itemPath: string, scope: readonly (string | number | undefined)[]): string {
  return `${itemPath}|${scope.map(String).join('|')}`;
}

export interface StoredResponse {
  fingerprint: string;
  operationId: string;
  status: number;
  headers: Record<string, string>;
  payload: string;
}

export interface SessionLimits {
  /** Projects, target groups, runs and jobs one session may hold. */
  maxObjects: number;
  /** Bytes of stored request data (target groups' bodies, the generic collections' fields) one session may hold. */
  maxBytes: number;
  /** Idempotency keys remembered per session (least recently used forgotten first). */
  maxIdempotencyKeys: number;
  /** The fielding simulator's rates for sessions that set none (the config's `fielding`). */
  fielding?: FieldingSettings;
}

/** Thrown when a session already holds as many objects, or bytes of them, as it may. */
export class SessionFullError extends Error {
  constructor(readonly limit: number, unit: 'objects' | 'bytes' = 'objects') {
    super(unit === 'objects'
      ? `this session holds the maximum of ${limit} objects; reset it (DELETE /__admin/sessions/{id}) or raise maxObjectsPerSession`
      : `this session would hold more than the maximum of ${limit} bytes of stored data; reset it (DELETE /__admin/sessions/{id}) or raise maxSessionBytes`);
  }
}

/** The bytes of `value` as JSON: what the session counts against maxSessionBytes. */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
}

/** What a target group holds as the session counts it, with `spec` the body about to be stored: that body, its profile id base and its changelog. */
export function targetGroupBytes(group: TargetGroup, spec: Record<string, unknown>): number {
  return jsonBytes(spec) + jsonBytes(group.profileIdBase) + jsonBytes(group.changelog);
}

export class Session {
  readonly projects = new Map<string, Project>();
  readonly projectsByAccount = new Map<number, string[]>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly targetGroupsByProject = new Map<string, string[]>();
  readonly runs = new Map<string, FieldingRun>();
  readonly runsByTargetGroup = new Map<string, string[]>();
  readonly jobs = new Map<string, Job>();
  /** Webhook events of this session's objects, oldest first (sessions/events.ts). */
  readonly events: CintEvent[] = [];
  /** Who delivers the session's events (set by the store); null: nobody, events are only recorded. */
  eventListener: EventListener | null = null;
  /**
   * While a request a scenario's `webhook` step answers is handled: how the events it publishes are
   * delivered (api/plugin.ts sets it around the handler); null otherwise.
   */
  deliveryScript: DeliveryScript | null = null;
  /** Its webhooks' deliveries and their state (webhooks/delivery.ts); null until the first one. */
  webhookDeliveries: SessionDeliveries | null = null;
  /** The generic collections, by collection key (path template and scope), each by id in creation order. */
  readonly resources = new Map<string, Map<string, StoredResource>>();
  /** Singleton sub-resources (an assignment, a specification) set by PUT and read by GET, by path. */
  readonly singletons = new Map<string, StoredResource>();
  resourceCount = 0;
  readonly idempotency: LRUCache<string, StoredResponse>;
  readonly createdAt = new Date();
  /** When its last request came (ms): a number, set on every request, so no Date is made for it. */
  lastSeenAt = Date.now();
  requestCount = 0;
  /** The last revision nextEtag gave; a snapshot (sessions/snapshot.ts) carries it, so ETags continue after a restore. */
  revision = 0;
  /**
   * Changes a request that only reads can make and no other mark of vitalsOf (sessions/snapshot.ts)
   * shows, such as a job's poll counted: counted, so that the Redis store can tell a read that changed
   * nothing without writing the whole session out. Not saved: a count of this process's.
   */
  quietChanges = 0;

  /**
   * `id` is the store's key (sessionKey(name, clientId)); `name` what the client called it (its
   * X-Mock-Session, else its client id); `clientId` the client it belongs to, null when shared by name.
   */
  constructor(readonly id: string, private readonly limits: SessionLimits, readonly name: string = id, readonly clientId: string | null = null) {
    this.idempotency = new LRUCache({ max: limits.maxIdempotencyKeys });
  }

  get objectCount(): number {
    return this.projects.size + this.targetGroups.size + this.runs.size + this.jobs.size + this.resourceCount + this.singletons.size;
  }

  /** A weak ETag, unique within the session, for a resource that just changed. */
  nextEtag(): string {
    this.revision += 1;
    return `W/"${this.revision}"`;
  }

  reserve(count = 1): void {
    if (this.objectCount + count > this.limits.maxObjects) throw new SessionFullError(this.limits.maxObjects);
  }

  /**
   * The session's clock: the real clock moved by `clockOffsetMs`, so a test can let days pass without
   * waiting (the admin API's /sessions/{id}/clock, the programmatic clock()). Runs end by it.
   */
  clockOffsetMs = 0;

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * The earliest instant at which something of this session changes by itself (a run starts or ends, a
   * job is due); Infinity: nothing. The clock looks at the session's runs and jobs only from then on.
   */
  nextChangeAt = Infinity;

  /** How long this session's jobs take; null: the instance's jobPolls and jobDuration. */
  jobTiming: JobTiming | null = null;

  /** The fielding simulator's state of each target group that has fielded, by target group id (sessions/simulator.ts). */
  readonly fills = new Map<string, Fill>();
  /** This session's fielding rates and seed; null: the instance's. */
  fielding: FieldingSettings | null = null;
  /** The instance's fielding rates (the config's `fielding`); undefined: the simulator's defaults. */
  get instanceFielding(): FieldingSettings | undefined {
    return this.limits.fielding;
  }

  /** Bytes of stored data the session holds (see jsonBytes). */
  storedBytes = 0;
  private readonly sizes = new WeakMap<object, number>();

  /**
   * Counts `object` as holding `bytes` from now on, in place of what it held: called before the change
   * is made, so a change past maxSessionBytes throws SessionFullError and nothing is half done.
   */
  resize(object: object, bytes: number): void {
    const before = this.sizes.get(object) ?? 0;
    if (bytes > before && this.storedBytes - before + bytes > this.limits.maxBytes) throw new SessionFullError(this.limits.maxBytes, 'bytes');
    this.storedBytes += bytes - before;
    this.sizes.set(object, bytes);
  }

  /**
   * Counts `object` as holding `bytes`, with no limit checked: for what grows by itself (a changelog's
   * entries of the system's changes), and for a client's change whose growth ensureRoom checked first.
   */
  recount(object: object, bytes: number): void {
    this.storedBytes += bytes - (this.sizes.get(object) ?? 0);
    this.sizes.set(object, bytes);
  }

  /** Refuses (SessionFullError) `bytes` more than the session holds past maxSessionBytes; changes nothing. */
  ensureRoom(bytes: number): void {
    if (bytes > 0 && this.storedBytes + bytes > this.limits.maxBytes) throw new SessionFullError(this.limits.maxBytes, 'bytes');
  }

  /** The bytes `object` is counted as holding (0: none). */
  sizeOf(object: object): number {
    return this.sizes.get(object) ?? 0;
  }

  /**
   * Counts `object` as holding `bytes`, with no limit checked and storedBytes left as it is: for the
   * objects of a restored snapshot (sessions/snapshot.ts), which counted them already and sets storedBytes.
   */
  adoptSize(object: object, bytes: number): void {
    this.sizes.set(object, bytes);
  }

  /** An object that is gone no longer counts. */
  release(object: object): void {
    this.storedBytes -= this.sizes.get(object) ?? 0;
    this.sizes.delete(object);
  }

  /**
   * Puts `fields` in the singleton under `key`, made (and counted as an object) if it is new: its bytes are
   * counted first, so past maxSessionBytes or maxObjects nothing changes. Returns it, `updated_at` at `now`.
   */
  putSingleton(key: string, fields: Record<string, unknown>, now: string): StoredResource {
    const stored = this.singletons.get(key);
    if (!stored) this.reserve();
    const target = stored ?? { id: key, fields: {}, etag: '', created_at: now, updated_at: now };
    this.resize(target, jsonBytes(fields));
    target.fields = fields;
    target.updated_at = now;
    if (!stored) this.singletons.set(key, target);
    return target;
  }

  /** Adds a stored object (already counted in bytes) to the generic collection under `key`, made at its first object; it counts as one. */
  addResource(key: string, resource: StoredResource): void {
    let collection = this.resources.get(key);
    if (!collection) this.resources.set(key, (collection = new Map()));
    collection.set(resource.id, resource);
    this.resourceCount += 1;
  }

  /** Removes a stored object of a generic collection (`collection`: its Map in `resources`): it no longer counts. */
  removeResource(collection: Map<string, StoredResource> | undefined, resource: StoredResource): void {
    collection?.delete(resource.id);
    this.resourceCount -= 1;
    this.release(resource);
  }
}

/** What a shared store does when sessions are forgotten (implemented by sessions/redis.ts). */
export interface SharedForgetting {
  delete(name: string, clientId?: string | null): Promise<void>;
  clear(): Promise<void>;
}

/** Hears every session's events, and forgets a session when it is reset, deleted or evicted. */
export interface SessionEventListener extends EventListener {
  forget(session: Session): void;
}

export interface SessionStoreOptions extends SessionLimits {
  maxSessions: number;
  /** Given to every session as its event listener (the webhook deliverer). */
  events?: SessionEventListener;
  /** Sessions one client id may hold; a client's new session past it evicts that client's least recently used one. */
  maxSessionsPerClient: number;
  /** A session nobody used for this long is forgotten (ms); unset: never. */
  idleMs?: number;
  /**
   * Told of each session forgotten without being asked: to make room for another (past maxSessions, or
   * its client's maxSessionsPerClient), or idle past idleMs ('idle').
   */
  evicted?: (session: Session, why: EvictionLimit | 'idle') => void;
}

/** The bound a session was forgotten for, as the configuration names it. */
export type EvictionLimit = 'maxSessions' | 'maxSessionsPerClient';

/**
 * The log line of a session forgotten to make room: its client's next request starts it empty (its
 * objects answer 404), which an operator of a shared instance wants to see next to those 404s.
 */
export function logEviction(log: { warn(fields: object, message: string): void }, name: string, clientId: string | null, limit: EvictionLimit, max: number): void {
  log.warn({ event: 'session_evicted', session: name, client_id: clientId, limit, [limit]: max },
    `a session was forgotten to make room: ${limit === 'maxSessions' ? 'the instance holds' : 'its client holds'} ${limit} (${max}) sessions; its next request starts it empty`);
}

export interface SessionSummary {
  /** The session's name: its X-Mock-Session, or the client id for a client's default session. */
  id: string;
  /** Bytes of stored data it holds (counted against maxSessionBytes). */
  bytes: number;
  /** The client it belongs to; null when shared by name (auth off, shareNamedSessions, or no token). */
  client_id: string | null;
  created_at: string;
  last_seen_at: string;
  requests: number;
  objects: number;
}

/**
 * The store's key for a session: a name is scoped inside its client, so two clients naming the same
 * session get two sessions. Names cannot hold a NUL, so no key of one client meets another's.
 */
export function sessionKey(name: string, clientId: string | null): string {
  return clientId === null ? name : `${clientId}\u0000${name}`;
}

/** The name and client id a sessionKey was made of. */
export function keyParts(key: string): { name: string; clientId: string | null } {
  const at = key.indexOf('\u0000');
  return at === -1 ? { name: key, clientId: null } : { name: key.slice(at + 1), clientId: key.slice(0, at) };
}

/** Thrown when a name without a client id names the sessions of several clients. */
export class AmbiguousSessionError extends Error {
  constructor(readonly sessionName: string, readonly clientIds: readonly (string | null)[]) {
    super(`several clients use the session name ${JSON.stringify(sessionName)} (${clientIds.map((id) => (id === null ? 'shared' : id)).join(', ')}); name the client with client_id`);
    this.name = 'AmbiguousSessionError';
  }
}

export class SessionStore {
  private readonly sessions: LRUCache<string, Session>;
  /** Keys by name, and by client, so the admin API finds sessions by the names clients use. */
  private readonly byName = new Map<string, Set<string>>();
  private readonly byClient = new Map<string, Set<string>>();

  constructor(private readonly options: SessionStoreOptions) {
    this.recentForMs = Math.min(1000, (options.idleMs ?? Infinity) / 100);
    this.sessions = new LRUCache({
      max: options.maxSessions,
      ...(options.idleMs ? { ttl: options.idleMs, updateAgeOnGet: true } : {}),
      dispose: (session, _key, reason) => {
        if (reason === 'evict') options.evicted?.(session, 'maxSessions');
        else if (reason === 'expire') options.evicted?.(session, 'idle');
        if (session === this.recent) this.recent = null;
        options.events?.forget(session);
        unindex(this.byName, session.name, session.id);
        if (session.clientId !== null) unindex(this.byClient, session.clientId, session.id);
      },
    });
  }

  /**
   * The session `name` of `clientId` (null: shared by name), created on first use; marks it as the most
   * recently used. A client at its cap gives up its own least recently used session, never another's.
   */
  get(name: string, clientId: string | null = null): Session {
    const now = Date.now();
    // The session the store gave out last is still the most recently used, so asking the cache again
    // would change nothing for a while: a client's requests mostly come one session at a time.
    const recent = this.recent;
    if (recent !== null && recent.name === name && recent.clientId === clientId && now - this.recentAt < this.recentForMs) {
      recent.lastSeenAt = now;
      return recent;
    }
    const session = this.held(name, clientId);
    session.lastSeenAt = now;
    this.recentAt = now;
    return session;
  }

  /** The session the cache gave out last, and when get() asked for it; null once it is gone. */
  private recent: Session | null = null;
  private recentAt = 0;
  /** How long get() gives the last session out again without asking the cache: a hundredth of the idle timeout, at most a second. */
  private readonly recentForMs: number;

  /** The session, created when it is not held yet, without counting this as a use (the admin API reading it). */
  held(name: string, clientId: string | null = null): Session {
    const key = sessionKey(name, clientId);
    let session = this.sessions.get(key);
    if (!session) {
      if (clientId !== null) this.makeRoomFor(clientId);
      session = new Session(key, this.options, name, clientId);
      session.eventListener = this.options.events ?? null;
      this.sessions.set(key, session);
      index(this.byName, name, key);
      if (clientId !== null) index(this.byClient, clientId, key);
    }
    // The cache's most recently used session now, whoever asked.
    this.recent = session;
    this.recentAt = 0;
    return session;
  }

  private makeRoomFor(clientId: string): void {
    const own = this.byClient.get(clientId);
    while (own && own.size >= this.options.maxSessionsPerClient) {
      let oldest: Session | undefined;
      for (const key of own) {
        const session = this.sessions.peek(key);
        if (session && (!oldest || session.lastSeenAt < oldest.lastSeenAt)) oldest = session;
      }
      if (!oldest) break;
      this.options.evicted?.(oldest, 'maxSessionsPerClient');
      this.sessions.delete(oldest.id);
    }
  }

  /** The sessions called `name`: of one client when `clientId` is given (null: the shared one), else of every client. */
  named(name: string, clientId?: string | null): Session[] {
    if (clientId !== undefined) {
      const session = this.sessions.peek(sessionKey(name, clientId));
      return session ? [session] : [];
    }
    return [...(this.byName.get(name) ?? [])].map((key) => this.sessions.peek(key)).filter((session) => session !== undefined);
  }

  /** The one session called `name` (of `clientId` when given); undefined when none; AmbiguousSessionError when several clients use the name. */
  find(name: string, clientId?: string | null): Session | undefined {
    const found = this.named(name, clientId);
    if (found.length > 1) throw new AmbiguousSessionError(name, found.map((session) => session.clientId));
    return found[0];
  }

  /**
   * With a shared store (sessions/redis.ts): where a session forgotten here is forgotten too. Its calls
   * are sent at once, so what this instance does next is sent after them.
   */
  shared: SharedForgetting | null = null;

  /**
   * Forget the sessions called `name` (of `clientId` when given), here and in a shared store; the next
   * request starts afresh. Awaiting the answer awaits the shared store (rejects when it is away).
   */
  delete(name: string, clientId?: string | null): Promise<void> {
    this.forgetHere(name, clientId);
    return this.shared ? this.shared.delete(name, clientId) : Promise.resolve();
  }

  /** Forget this instance's copy only (a shared store no longer has it). */
  forgetHere(name: string, clientId?: string | null): boolean {
    let deleted = false;
    for (const session of this.named(name, clientId)) deleted = this.sessions.delete(session.id) || deleted;
    return deleted;
  }

  /** Forget every session, here and in a shared store. */
  clear(): Promise<void> {
    this.sessions.clear();
    return this.shared ? this.shared.clear() : Promise.resolve();
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): SessionSummary[] {
    return this.all().map(summaryOf);
  }

  /** The sessions held, most recently used first. */
  all(): Session[] {
    return [...this.sessions.values()];
  }
}

function index(map: Map<string, Set<string>>, name: string, key: string): void {
  let keys = map.get(name);
  if (!keys) map.set(name, (keys = new Set()));
  keys.add(key);
}

function unindex(map: Map<string, Set<string>>, name: string, key: string): void {
  const keys = map.get(name);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) map.delete(name);
}

export function summaryOf(session: Session): SessionSummary {
  return {
    id: session.name,
    client_id: session.clientId,
    created_at: session.createdAt.toISOString(),
    last_seen_at: new Date(session.lastSeenAt).toISOString(),
    requests: session.requestCount,
    objects: session.objectCount,
    bytes: session.storedBytes,
  };
}
