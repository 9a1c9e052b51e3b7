// Webhook deliveries: each event a session publishes is POSTed, signed, to every webhook of that session
// (and of the event's account) that subscribes to its type. Deliveries run in real time on unref'd
// timers, never on the request that published the event: receivers are real servers with real clocks.
//
// Per webhook, one POST at a time, oldest first (so events arrive in order while all goes well), and
// across the instance at most `concurrency` at once. A 2xx answer is `delivered`; anything else, a
// timeout or a refused connection is an `undelivered` attempt retried with exponential backoff, and
// `expired` once the retries are used up. `circuitFailures` failed attempts in a row open the webhook's
// circuit: its waiting deliveries are `bounced` and none is tried until, after `circuitOpenMs`, the oldest
// is tried again; a success closes the circuit and the others follow in order, a failure keeps it open.
// Memory is bounded: at most `queueLimit` unfinished deliveries per webhook (the next is `expired` at
// once) and `historyLimit` deliveries per session (the oldest forgotten first).
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { operation } from '../cint/operations.js';
import type { CintEvent, CintEventType } from '../sessions/events.js';
import { collectionKeyOf, newId, type Session, type SessionEventListener, type StoredResource } from '../sessions/store.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** Cint's WebhookEventsDeliveryStatus. */
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'undelivered' | 'bounced' | 'expired';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'undelivered', 'bounced', 'expired'];
const FINAL: ReadonlySet<DeliveryStatus> = new Set(['delivered', 'expired']);

/** How a scenario breaks a delivery's signature. */
export const SIGNATURE_FAULTS = ['wrong_secret', 'stale_timestamp', 'missing'] as const;
export type SignatureFault = (typeof SIGNATURE_FAULTS)[number];

/** How stale a `stale_timestamp` signature is: far past any tolerance a receiver would allow. */
export const STALE_SECONDS = 3600;
/** The longest an `out_of_order` delivery waits for a later one to overtake it. */
export const HOLD_MAX_MS = 60_000;

/** What a scenario's `webhook` step does to the deliveries of the events a request publishes. */
export interface DeliveryScript {
  /** Wait this long before the first attempt. */
  readonly delayMs: number;
  /** How many times each event is delivered (2: twice, the same event id and body). */
  readonly copies: number;
  /** Held back until a later event of the same webhook has been delivered (at most HOLD_MAX_MS). */
  readonly outOfOrder: boolean;
  /** Never sent: expired at once. */
  readonly drop: boolean;
  readonly signature: SignatureFault | null;
}

export interface DeliveryOptions {
  /** How long an attempt may take, connection to answer, before it counts as failed. */
  timeoutMs: number;
  /** Attempts after the first one. */
  retries: number;
  /** The wait before the first retry; each next one waits twice as long, at most retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failed attempts in a row to one webhook that open its circuit. */
  circuitFailures: number;
  /** How long an open circuit waits before it tries again. */
  circuitOpenMs: number;
  /** Unfinished deliveries one webhook may have; past it a new one is expired at once. */
  queueLimit: number;
  /** Deliveries one session keeps, the oldest forgotten first. */
  historyLimit: number;
  /** POSTs in flight at once, across the instance. */
  concurrency: number;
}

/** How often a waiter for a delivery looks at the shared store's records (another instance may send it). */
const MIRROR_POLL_MS = 100;

export interface DeliveryAttempt {
  /** When it was sent (real time). */
  at: string;
  url: string;
  /** The receiver's status; null when there was no answer (refused, timed out). */
  status_code: number | null;
  /** Why it failed without an answer; null otherwise. */
  error: string | null;
  duration_ms: number;
  /** The Cint-Signature header sent; null when a scenario left it out. */
  signature: string | null;
}

/** One event's delivery to one webhook. */
export interface Delivery {
  /** A ULID, in creation order (cursors compare them). */
  readonly id: string;
  readonly webhookId: string;
  readonly event: CintEvent;
  /** The JSON text POSTed, the same at every attempt and in every copy. */
  readonly body: string;
  /** 1, or 2… for the copies a scenario's `duplicate` makes. */
  readonly copy: number;
  readonly script: DeliveryScript | null;
  readonly createdAt: number;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** When the next attempt is due (real time); null when none is planned. */
  nextAttemptAt: number | null;
  /** Why it ended as it did, when it is not the receiver's answer (dropped, queue full, webhook deleted). */
  note: string | null;
  timer: NodeJS.Timeout | null;
  abort: AbortController | null;
  /** Counted among its lane's unfinished deliveries. */
  counted: boolean;
  /** Sent by another instance on a shared store: shown here as that one reports it, never sent from here. */
  remote?: boolean;
}

/** A delivery as data, for another instance to show (DeliveryMirror). */
export type DeliveryRecord = Pick<Delivery, 'id' | 'webhookId' | 'event' | 'body' | 'copy' | 'createdAt' | 'status' | 'attempts' | 'nextAttemptAt' | 'note'>;

/**
 * Where a shared store keeps each delivery's progress (sessions/redis.ts), so every instance's events
 * history and admin API show the deliveries another instance sends; and how a waiter for one looks again.
 */
export interface DeliveryMirror {
  saved(session: Session, record: DeliveryRecord): void;
  /** Brings in what the other instances report of the session's deliveries (DeliveryDeliverer.adopt). */
  refresh(session: Session): Promise<void>;
}

/** One webhook's queue and circuit. */
interface Lane {
  readonly webhookId: string;
  readonly owner: SessionDeliveries;
  /** Due, waiting for the lane (or a global slot). */
  readonly ready: Delivery[];
  /** Waiting for the circuit to close, oldest first (the next one tried is the oldest). */
  readonly bounced: Delivery[];
  /** out_of_order: waiting for a later delivery to overtake them. */
  readonly held: Delivery[];
  busy: boolean;
  /** Waiting in the deliverer's queue for a global slot. */
  queued: boolean;
  unfinished: number;
  /** Failed attempts in a row. */
  failures: number;
  circuit: 'closed' | 'open' | 'half-open';
  circuitTimer: NodeJS.Timeout | null;
}

interface Waiter {
  readonly filter: DeliveryFilter;
  readonly resolve: (delivery: Delivery) => void;
}

/** A session's deliveries: its webhooks' lanes and every delivery, oldest first; and who sends them. */
export class SessionDeliveries {
  readonly lanes = new Map<string, Lane>();
  readonly list: Delivery[] = [];
  readonly waiters = new Set<Waiter>();
  closed = false;
  constructor(readonly session: Session, readonly deliverer: WebhookDeliverer) {}
}

export interface DeliveryFilter {
  webhookId?: string | undefined;
  type?: CintEventType | undefined;
  /** Only deliveries made after this one (a delivery id). */
  after?: string | undefined;
  /** For next(): the statuses worth waiting for; a final one (delivered, expired) always ends the wait. */
  statuses?: readonly DeliveryStatus[] | undefined;
}

/** Waits for a delivery one session may have at once (the admin API's long polls are bounded too). */
export const MAX_WAITERS = 100;

export class TooManyWaitersError extends Error {
  constructor() {
    super(`this session already has ${MAX_WAITERS} waits for a delivery; let some end first`);
    this.name = 'TooManyWaitersError';
  }
}

export class DeliveryTimeoutError extends Error {
  constructor(readonly timeoutMs: number, filter: DeliveryFilter) {
    const what = [filter.webhookId && `webhook ${filter.webhookId}`, filter.type, filter.after && `after ${filter.after}`].filter(Boolean).join(', ');
    super(`no delivery${what ? ` (${what})` : ''} reached ${filter.statuses?.join(' or ') ?? 'delivered or expired'} within ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

/** The webhooks of a session live in the generic collection of create_webhook, per account. */
const WEBHOOK_ITEM_PATH = operation('get_webhook').path;
const WEBHOOK_KEY_PREFIX = collectionKeyOf(WEBHOOK_ITEM_PATH, []);

export function webhooksOf(session: Session, accountId: number): ReadonlyMap<string, StoredResource> | undefined {
  return session.resources.get(collectionKeyOf(WEBHOOK_ITEM_PATH, [accountId]));
}

/** The webhooks an event goes to: those of its account (of every account when it names none) that subscribe to its type. */
function subscribers(session: Session, event: CintEvent): StoredResource[] {
  const accountId = event.payload.account_id;
  const collections = typeof accountId === 'number'
    ? [webhooksOf(session, accountId)]
    : [...session.resources].filter(([key]) => key.startsWith(WEBHOOK_KEY_PREFIX)).map(([, collection]) => collection);
  const found: StoredResource[] = [];
  for (const collection of collections) {
    for (const webhook of collection?.values() ?? []) {
      const events = webhook.fields.events;
      if (Array.isArray(events) && events.includes(event.type)) found.push(webhook);
    }
  }
  return found;
}

/** The webhook a delivery goes to, as it is now (its URL and secret may have changed); undefined once deleted. */
function currentWebhook(session: Session, webhookId: string): StoredResource | undefined {
  for (const [key, collection] of session.resources) {
    if (!key.startsWith(WEBHOOK_KEY_PREFIX)) continue;
    const webhook = collection.get(webhookId);
    if (webhook) return webhook;
  }
  return undefined;
}

export class WebhookDeliverer implements SessionEventListener {
  private readonly active = new Set<SessionDeliveries>();
  /** Lanes with a due delivery, waiting for one of the `concurrency` slots. */
  private readonly queue: Lane[] = [];
  private inFlight = 0;
  private closed = false;

  /** With a shared store: where each delivery's progress is written for the other instances. */
  mirror: DeliveryMirror | null = null;

  constructor(private readonly options: DeliveryOptions, private readonly log?: FastifyBaseLogger) {}

  /**
   * Takes in the deliveries other instances report for the session: each new one is shown, inert, in
   * its place by id; one already shown is updated; this instance's own stay as they are here.
   */
  adopt(session: Session, records: readonly DeliveryRecord[]): void {
    const owner = this.ownerOf(session);
    const known = new Map(owner.list.map((delivery) => [delivery.id, delivery]));
    let added = false;
    for (const record of records) {
      const shown = known.get(record.id);
      if (shown && !shown.remote) continue;
      if (shown) {
        Object.assign(shown, { status: record.status, attempts: record.attempts, nextAttemptAt: record.nextAttemptAt, note: record.note });
        continue;
      }
      owner.list.push({ ...record, script: null, timer: null, abort: null, counted: false, remote: true });
      added = true;
    }
    if (added) {
      owner.list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      while (owner.list.length > this.options.historyLimit) this.forgetOldest(owner);
    }
    this.changed(owner);
  }

  /** A session published an event: one delivery per subscribing webhook (more when a scenario duplicates it). */
  published(session: Session, event: CintEvent): void {
    if (this.closed) return;
    const webhooks = subscribers(session, event);
    if (webhooks.length === 0) return;
    const owner = this.ownerOf(session);
    const script = session.deliveryScript;
    // The envelope Cint's WebhookEvent describes, without `status` (that is the history's view of it).
    const body = JSON.stringify({ id: event.id, type: event.type, payload: event.payload, created_at: event.created_at });
    for (const webhook of webhooks) {
      const lane = this.laneOf(owner, webhook.id);
      for (let copy = 1; copy <= (script?.copies ?? 1); copy += 1) this.add(lane, event, body, copy, script);
    }
  }

  /** The session is gone (reset, deleted, evicted): nothing more is sent for it, and its waiters give up. */
  forget(session: Session): void {
    const owner = session.webhookDeliveries;
    if (!owner) return;
    owner.closed = true;
    this.active.delete(owner);
    for (const delivery of owner.list) stopTimers(delivery);
    for (const lane of owner.lanes.values()) if (lane.circuitTimer) clearTimeout(lane.circuitTimer);
    owner.waiters.clear();
  }

  /**
   * delete_webhook: the webhook's waiting deliveries end `expired` at once (decision 68), not when its
   * retry or its circuit would have found it gone.
   */
  webhookDeleted(session: Session, webhookId: string): void {
    const lane = session.webhookDeliveries?.lanes.get(webhookId);
    if (lane) this.webhookGone(lane);
  }

  /** Stops every timer and in-flight POST: a closed app keeps nothing alive. */
  close(): void {
    this.closed = true;
    for (const owner of [...this.active]) this.forget(owner.session);
    this.queue.length = 0;
  }

  /** A session's deliveries, newest first. */
  deliveries(session: Session, filter: DeliveryFilter & { status?: DeliveryStatus | undefined; limit?: number | undefined } = {}): Delivery[] {
    const found: Delivery[] = [];
    const list = session.webhookDeliveries?.list ?? [];
    for (let i = list.length - 1; i >= 0 && found.length < (filter.limit ?? Infinity); i -= 1) {
      const delivery = list[i]!;
      if (matches(delivery, filter) && (filter.status === undefined || delivery.status === filter.status)) found.push(delivery);
    }
    return found;
  }

  /**
   * The first delivery made after `filter.after` (of that webhook and type) once it has reached one of
   * `filter.statuses` or a final status; it waits for one to be made and to get there, up to `timeoutMs`
   * (DeliveryTimeoutError). A test asserts on deliveries with it instead of sleeping.
   */
  next(session: Session, filter: DeliveryFilter, timeoutMs: number): Promise<Delivery> {
    const owner = this.ownerOf(session);
    const found = settled(owner, filter);
    if (found) return Promise.resolve(found);
    if (owner.waiters.size >= MAX_WAITERS) return Promise.reject(new TooManyWaitersError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        filter,
        resolve: (delivery) => {
          clearTimeout(timer);
          clearInterval(poll);
          owner.waiters.delete(waiter);
          resolve(delivery);
        },
      };
      // Not unref'd: a test awaiting it is what keeps the process alive; it is bounded by timeoutMs.
      const timer = setTimeout(() => {
        owner.waiters.delete(waiter);
        clearInterval(poll);
        reject(new DeliveryTimeoutError(timeoutMs, filter));
      }, timeoutMs);
      // Another instance may be the one sending it: look at what the shared store reports meanwhile.
      const mirror = this.mirror;
      const poll = mirror ? setInterval(() => void mirror.refresh(session).catch(() => {}), MIRROR_POLL_MS) : undefined;
      poll?.unref();
      owner.waiters.add(waiter);
    });
  }

  private ownerOf(session: Session): SessionDeliveries {
    let owner = session.webhookDeliveries;
    if (!owner) {
      owner = session.webhookDeliveries = new SessionDeliveries(session, this);
      this.active.add(owner);
    }
    return owner;
  }

  private laneOf(owner: SessionDeliveries, webhookId: string): Lane {
    let lane = owner.lanes.get(webhookId);
    if (!lane) {
      lane = { webhookId, owner, ready: [], bounced: [], held: [], busy: false, queued: false, unfinished: 0, failures: 0, circuit: 'closed', circuitTimer: null };
      owner.lanes.set(webhookId, lane);
    }
    return lane;
  }

  private add(lane: Lane, event: CintEvent, body: string, copy: number, script: DeliveryScript | null): void {
    const owner = lane.owner;
    const now = Date.now();
    const delivery: Delivery = {
      id: newId(), webhookId: lane.webhookId, event, body, copy, script, createdAt: now,
      status: 'pending', attempts: [], nextAttemptAt: null, note: null, timer: null, abort: null, counted: false,
    };
    owner.list.push(delivery);
    if (owner.list.length > this.options.historyLimit) this.forgetOldest(owner);
    if (script?.drop) return this.end(lane, delivery, 'expired', 'dropped by the scenario: never sent');
    if (lane.unfinished >= this.options.queueLimit) {
      return this.end(lane, delivery, 'expired', `not sent: the webhook already has ${this.options.queueLimit} deliveries waiting (webhookQueueLimit)`);
    }
    lane.unfinished += 1;
    delivery.counted = true;
    if (script?.outOfOrder) {
      lane.held.push(delivery);
      delivery.nextAttemptAt = now + (script.delayMs || 0) + HOLD_MAX_MS;
      delivery.timer = setTimeout(() => this.release(lane, delivery), delivery.nextAttemptAt - now).unref();
      return this.changed(owner, delivery);
    }
    const delayMs = script?.delayMs ?? 0;
    delivery.nextAttemptAt = now + delayMs;
    // Even when due now, the attempt starts after the request that published the event is answered.
    delivery.timer = setTimeout(() => this.due(lane, delivery), delayMs).unref();
    this.changed(owner, delivery);
  }

  /** The session holds historyLimit deliveries: its oldest is forgotten, and stops if it had not finished. */
  private forgetOldest(owner: SessionDeliveries): void {
    const oldest = owner.list.shift()!;
    if (FINAL.has(oldest.status) || oldest.remote) return;
    stopTimers(oldest);
    const lane = owner.lanes.get(oldest.webhookId);
    if (!lane) return;
    for (const queue of [lane.ready, lane.bounced, lane.held]) {
      const at = queue.indexOf(oldest);
      if (at >= 0) queue.splice(at, 1);
    }
    if (oldest.counted) lane.unfinished -= 1;
    oldest.counted = false;
    oldest.status = 'expired';
    oldest.note = `forgotten: the session keeps its newest ${this.options.historyLimit} deliveries (webhookHistoryLimit)`;
  }

  /** An out_of_order delivery goes now: a later one has been delivered, or it has waited long enough. */
  private release(lane: Lane, delivery: Delivery): void {
    const at = lane.held.indexOf(delivery);
    if (at < 0) return;
    lane.held.splice(at, 1);
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = null;
    this.due(lane, delivery);
  }

  /** A delivery's attempt is due: into the lane's queue, or among the bounced while the circuit is open. */
  private due(lane: Lane, delivery: Delivery): void {
    delivery.timer = null;
    if (lane.owner.closed || FINAL.has(delivery.status)) return;
    if (lane.circuit !== 'closed') return this.bounce(lane, delivery);
    lane.ready.push(delivery);
    this.changed(lane.owner, delivery);
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    if (this.closed || lane.owner.closed || lane.busy || lane.ready.length === 0) return;
    if (this.inFlight >= this.options.concurrency) {
      if (!lane.queued) {
        lane.queued = true;
        this.queue.push(lane);
      }
      return;
    }
    const delivery = lane.ready.shift()!;
    lane.busy = true;
    this.inFlight += 1;
    // attempt() catches what a receiver can cause; this catches the rest, so no delivery can crash the process.
    void this.attempt(lane, delivery).catch((error: unknown) => {
      this.log?.error({ err: error, session: lane.owner.session.name, webhook: lane.webhookId }, 'webhook delivery failed unexpectedly');
      if (!FINAL.has(delivery.status)) this.end(lane, delivery, 'expired', 'not delivered: the mock failed unexpectedly (see its log)');
    }).finally(() => {
      lane.busy = false;
      this.inFlight -= 1;
      this.pump(lane);
      while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
        const next = this.queue.shift()!;
        next.queued = false;
        this.pump(next);
      }
    });
  }

  /** One POST of the delivery to its webhook as the webhook is now: its URL, signed with its current secret. */
  private async attempt(lane: Lane, delivery: Delivery): Promise<void> {
    const owner = lane.owner;
    const webhook = currentWebhook(owner.session, lane.webhookId);
    if (!webhook) return this.webhookGone(lane);
    const url = String(webhook.fields.url);
    const script = delivery.script;
    const t = Math.floor(Date.now() / 1000) - (script?.signature === 'stale_timestamp' ? STALE_SECONDS : 0);
    const secret = script?.signature === 'wrong_secret' ? randomBytes(32).toString('base64') : String(webhook.fields.secret);
    const signature = script?.signature === 'missing' ? null : signatureHeader(secret, t, delivery.body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'cint-mock-webhooks',
      // One connection per attempt: no idle keep-alive socket outlives the delivery (or a closed app).
      connection: 'close',
    };
    if (signature !== null) headers[SIGNATURE_HEADER] = signature;
    delivery.status = 'delivering';
    delivery.nextAttemptAt = null;
    this.changed(owner, delivery);
    const abort = (delivery.abort = new AbortController());
    const timeout = setTimeout(() => abort.abort(new Error(`no answer within ${this.options.timeoutMs} ms (webhookTimeoutMs)`)), this.options.timeoutMs).unref();
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, { method: 'POST', headers, body: delivery.body, signal: abort.signal, redirect: 'manual' });
      statusCode = response.status;
      // The answer's body is not read: a receiver cannot make the mock hold it.
      await response.body?.cancel().catch(() => undefined);
    } catch (failure) {
      error = describeFailure(failure, abort.signal);
    } finally {
      clearTimeout(timeout);
      delivery.abort = null;
    }
    // Stopped meanwhile: the session is gone, the app closed, or the delivery was forgotten.
    if (owner.closed || this.closed || FINAL.has(delivery.status)) return;
    delivery.attempts.push({ at: new Date(started).toISOString(), url, status_code: statusCode, error, duration_ms: Date.now() - started, signature });
    this.log?.debug({ session: owner.session.name, webhook: lane.webhookId, event: delivery.event.id, status: statusCode, error }, 'webhook delivery attempt');
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) return this.succeeded(lane, delivery);
    // Deleted while the POST was out: there is nothing left to retry it to.
    if (!currentWebhook(owner.session, lane.webhookId)) return this.webhookGone(lane);
    this.failed(lane, delivery);
  }

  /**
   * The webhook is deleted: every delivery of it that waits (its turn, a retry, the circuit, a later
   * event) ends `expired` with a note, and nothing stays scheduled for it; one whose POST is out ends
   * by its answer. Its lane goes: a deleted webhook gets no more events.
   */
  private webhookGone(lane: Lane): void {
    const owner = lane.owner;
    owner.lanes.delete(lane.webhookId);
    if (lane.circuitTimer) clearTimeout(lane.circuitTimer);
    lane.circuitTimer = null;
    if (lane.queued) this.queue.splice(this.queue.indexOf(lane), 1);
    lane.queued = false;
    lane.ready.length = 0;
    lane.bounced.length = 0;
    lane.held.length = 0;
    for (const delivery of owner.list) {
      if (delivery.webhookId !== lane.webhookId || FINAL.has(delivery.status) || delivery.remote || delivery.abort) continue;
      this.end(lane, delivery, 'expired', `not sent${delivery.attempts.length > 0 ? ' again' : ''}: the webhook was deleted`);
    }
  }

  private succeeded(lane: Lane, delivery: Delivery): void {
    lane.failures = 0;
    if (lane.circuit !== 'closed') this.closeCircuit(lane);
    this.end(lane, delivery, 'delivered', null);
  }

  private failed(lane: Lane, delivery: Delivery): void {
    lane.failures += 1;
    const retriesLeft = delivery.attempts.length <= this.options.retries;
    if (lane.circuit === 'half-open' || (lane.circuit === 'closed' && lane.failures >= this.options.circuitFailures)) this.openCircuit(lane);
    if (!retriesLeft) return this.end(lane, delivery, 'expired', `not delivered after ${delivery.attempts.length} attempts (webhookRetries: ${this.options.retries})`);
    if (lane.circuit !== 'closed') return this.bounce(lane, delivery);
    const wait = Math.min(this.options.retryBaseMs * 2 ** (delivery.attempts.length - 1), this.options.retryMaxMs);
    delivery.status = 'undelivered';
    delivery.nextAttemptAt = Date.now() + wait;
    delivery.timer = setTimeout(() => this.due(lane, delivery), wait).unref();
    this.changed(lane.owner, delivery);
  }

  private openCircuit(lane: Lane): void {
    lane.circuit = 'open';
    // What was waiting for its turn or for a retry waits for the circuit now: were a retry left on its
    // timer, a newer delivery would be tried before it when the circuit half-opens. Opening is rare,
    // and the session's list is bounded (historyLimit).
    for (const waiting of lane.ready.splice(0)) this.bounce(lane, waiting);
    for (const waiting of lane.owner.list) {
      if (waiting.webhookId === lane.webhookId && waiting.status === 'undelivered' && waiting.timer) this.bounce(lane, waiting);
    }
    if (lane.circuitTimer) clearTimeout(lane.circuitTimer);
    lane.circuitTimer = setTimeout(() => this.halfOpen(lane), this.options.circuitOpenMs).unref();
    this.log?.info({ session: lane.owner.session.name, webhook: lane.webhookId, failures: lane.failures }, 'webhook circuit open');
  }

  /** After circuitOpenMs: the oldest bounced delivery is tried; its answer closes or reopens the circuit. */
  private halfOpen(lane: Lane): void {
    lane.circuitTimer = null;
    if (lane.owner.closed) return;
    const probe = lane.bounced.shift();
    if (!probe) {
      lane.circuit = 'closed';
      return;
    }
    lane.circuit = 'half-open';
    lane.ready.unshift(probe);
    this.pump(lane);
  }

  /** The delivery waits for the circuit, in its place by age among the others. */
  private bounce(lane: Lane, delivery: Delivery): void {
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = null;
    delivery.status = 'bounced';
    delivery.nextAttemptAt = null;
    // Ids are in creation order; at most queueLimit wait, and mostly the newest comes last.
    let at = lane.bounced.length;
    while (at > 0 && lane.bounced[at - 1]!.id > delivery.id) at -= 1;
    lane.bounced.splice(at, 0, delivery);
    this.changed(lane.owner, delivery);
  }

  private closeCircuit(lane: Lane): void {
    lane.circuit = 'closed';
    if (lane.circuitTimer) clearTimeout(lane.circuitTimer);
    lane.circuitTimer = null;
    for (const waiting of lane.bounced.splice(0)) {
      waiting.status = waiting.attempts.length > 0 ? 'undelivered' : 'pending';
      lane.ready.push(waiting);
      this.changed(lane.owner, waiting);
    }
  }

  /** A final status: no more attempts; out_of_order deliveries made before it may go now. */
  private end(lane: Lane, delivery: Delivery, status: 'delivered' | 'expired', note: string | null): void {
    stopTimers(delivery);
    if (delivery.counted) lane.unfinished -= 1;
    delivery.counted = false;
    delivery.status = status;
    delivery.nextAttemptAt = null;
    delivery.note = note;
    if (status === 'delivered') {
      for (const held of [...lane.held]) if (held.id < delivery.id) this.release(lane, held);
    }
    this.changed(lane.owner, delivery);
  }

  /**
   * Something changed in the session's deliveries (`delivery`, when one did): written for the other
   * instances, and waiters whose delivery got where they wait for are answered.
   */
  private changed(owner: SessionDeliveries, delivery?: Delivery): void {
    if (delivery && this.mirror && !delivery.remote) this.mirror.saved(owner.session, recordOf(delivery));
    for (const waiter of [...owner.waiters]) {
      const found = settled(owner, waiter.filter);
      if (found) waiter.resolve(found);
    }
  }
}

function recordOf(delivery: Delivery): DeliveryRecord {
  const { id, webhookId, event, body, copy, createdAt, status, attempts, nextAttemptAt, note } = delivery;
  return { id, webhookId, event, body, copy, createdAt, status, attempts, nextAttemptAt, note };
}

function stopTimers(delivery: Delivery): void {
  if (delivery.timer) clearTimeout(delivery.timer);
  delivery.timer = null;
  delivery.abort?.abort(new Error('stopped'));
}

function matches(delivery: Delivery, filter: DeliveryFilter): boolean {
  return (filter.webhookId === undefined || delivery.webhookId === filter.webhookId)
    && (filter.type === undefined || delivery.event.type === filter.type)
    && (filter.after === undefined || delivery.id > filter.after);
}

/** The first delivery the filter names, when it has reached a status worth answering; null otherwise. */
function settled(owner: SessionDeliveries, filter: DeliveryFilter): Delivery | null {
  const first = owner.list.find((delivery) => matches(delivery, filter));
  if (!first) return null;
  return FINAL.has(first.status) || filter.statuses?.includes(first.status) ? first : null;
}

/** Why a POST got no answer, in a sentence: refused, timed out, no such host. */
function describeFailure(failure: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const error = failure as { message?: string; cause?: { code?: string; message?: string } };
  const cause = error.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return `${cause.code}: ${cause.message ?? error.message ?? 'failed'}`;
  return error.message ?? String(failure);
}

/** A delivery as the admin API and the programmatic API show it. */
export interface DeliveryView {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: CintEventType;
  /** 1, or 2… for the copies a scenario's `duplicate` makes (the same event id and body). */
  copy: number;
  status: DeliveryStatus;
  /** Why it ended as it did when that is not the receiver's answer: dropped, queue full, webhook deleted. */
  note: string | null;
  created_at: string;
  next_attempt_at: string | null;
  attempts: DeliveryAttempt[];
  /** The JSON text POSTed (the signature is over `<t>.` + exactly this). */
  body: string;
}

export function deliveryView(delivery: Delivery): DeliveryView {
  return {
    id: delivery.id,
    webhook_id: delivery.webhookId,
    event_id: delivery.event.id,
    event_type: delivery.event.type,
    copy: delivery.copy,
    status: delivery.status,
    note: delivery.note,
    created_at: new Date(delivery.createdAt).toISOString(),
    next_attempt_at: delivery.nextAttemptAt === null ? null : new Date(delivery.nextAttemptAt).toISOString(),
    attempts: delivery.attempts.map((attempt) => ({ ...attempt })),
    body: delivery.body,
  };
}
