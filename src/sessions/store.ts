// Each client's world: its projects, target groups, fielding runs and idempotency keys, in memory.
// Sessions live in an LRU map with a cap, so a long-running instance stays within bounded memory.
import { LRUCache } from 'lru-cache';
import { monotonicFactory } from 'ulid';
import { randomInt } from 'node:crypto';

export const newId = monotonicFactory();

const READABLE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function humanReadableId(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += READABLE[randomInt(READABLE.length)];
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
  /** get_target_group_changelog's entries, oldest first: one per change a client made. */
  changelog: Record<string, unknown>[];
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

export interface LaunchJob {
  job_id: string;
  account_id: number;
  project_id: string;
  target_group_id: string;
  created_fielding_run_id: string | null;
  created_at: string;
  created_by: string;
  status: 'Completed' | 'Failed' | 'Processing';
  failure_reason: { code: string; description: string } | null;
  job_trace_id: string | null;
}

/** An object of one of the API's other collections (webhooks, templates, jobs...), kept generically. */
export interface StoredResource {
  id: string;
  /** The request bodies that made and changed it, merged: what reads of it give back. */
  fields: Record<string, unknown>;
  etag: string;
  created_at: string;
  updated_at: string;
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
  /** Idempotency keys remembered per session (least recently used forgotten first). */
  maxIdempotencyKeys: number;
}

/** Thrown when a session already holds as many objects as it may. */
export class SessionFullError extends Error {
  constructor(readonly limit: number) {
    super(`this session holds the maximum of ${limit} objects; reset it (DELETE /__admin/sessions/{id}) or raise maxObjectsPerSession`);
  }
}

export class Session {
  readonly projects = new Map<string, Project>();
  readonly projectsByAccount = new Map<number, string[]>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly targetGroupsByProject = new Map<string, string[]>();
  readonly runs = new Map<string, FieldingRun>();
  readonly runsByTargetGroup = new Map<string, string[]>();
  readonly jobs = new Map<string, LaunchJob>();
  /** The generic collections, by collection key (path template and scope), each by id in creation order. */
  readonly resources = new Map<string, Map<string, StoredResource>>();
  /** Singleton sub-resources (an assignment, a specification) set by PUT and read by GET, by path. */
  readonly singletons = new Map<string, StoredResource>();
  resourceCount = 0;
  readonly idempotency: LRUCache<string, StoredResponse>;
  readonly createdAt = new Date();
  lastSeenAt = new Date();
  requestCount = 0;
  private revision = 0;

  constructor(readonly id: string, private readonly limits: SessionLimits) {
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
}

export interface SessionStoreOptions extends SessionLimits {
  maxSessions: number;
}

export interface SessionSummary {
  id: string;
  created_at: string;
  last_seen_at: string;
  requests: number;
  objects: number;
}

export class SessionStore {
  private readonly sessions: LRUCache<string, Session>;

  constructor(private readonly options: SessionStoreOptions) {
    this.sessions = new LRUCache({ max: options.maxSessions });
  }

  /** The session for `id`, created on first use; marks it as the most recently used. */
  get(id: string): Session {
    let session = this.sessions.get(id);
    if (!session) {
      session = new Session(id, this.options);
      this.sessions.set(id, session);
    }
    session.lastSeenAt = new Date();
    return session;
  }

  peek(id: string): Session | undefined {
    return this.sessions.peek(id);
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /** Forget a session's state; the next request starts it afresh. */
  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): SessionSummary[] {
    return [...this.sessions.values()].map(summaryOf);
  }

  /** One session's summary, without marking it used; undefined when it is not held. */
  summary(id: string): SessionSummary | undefined {
    const session = this.sessions.peek(id);
    return session ? summaryOf(session) : undefined;
  }
}

function summaryOf(session: Session): SessionSummary {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    requests: session.requestCount,
    objects: session.objectCount,
  };
}
