// With a shared store (sessions/redis.ts), a Cint request holds its session from authentication to its
// answer: taken after the session is known, given back (its change saved, its journal entry with it)
// just before the answer goes out, so the client's next request, to whichever instance, sees it.
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import type { CintError } from '../cint/errors.js';
import { settle } from '../sessions/clock.js';
import type { RedisSessions } from '../sessions/redis.js';
import { storeUnavailable, unavailable } from '../sessions/unavailable.js';

/** Requests whose session the store would not give (it is away): nothing of theirs is sent to it again. */
const refusedByStore = new WeakSet<FastifyRequest>();

/**
 * The log fields of a store failure a request met, or null when the store's own lines tell of it (it
 * did not answer, or refused the command: sessions/redis.ts logs when that starts and ends). A stack only
 * for an error that is neither the store's nor a lock lost (a fault of the mock's).
 */
function failureFields(request: FastifyRequest, error: unknown): object | null {
  const failure = unavailable(error);
  if (failure.outage) return null;
  return { request_id: request.id, reason: failure.message, ...(failure.cause instanceof Error ? { err: failure.cause } : {}) };
}

/**
 * Takes the request's session once its body is in (a slow upload holds nobody up), before the scenario
 * engine decides: registered after authentication and before the scenario engine.
 */
export function takeSessions(app: FastifyInstance, shared: RedisSessions): void {
  app.addHook('preValidation', (request, reply, done) => {
    const session = request.cint.session;
    if (!session) {
      done();
      return;
    }
    shared.acquire(session).then(() => {
      // Given back however the request ends: a fault that breaks the connection, a client that leaves.
      reply.raw.once('close', () => letGo(app, request));
      session.requestCount += 1;
      settle(session);
      done();
    }, (error: unknown) => {
      refusedByStore.add(request);
      done(storeUnavailable(error, shared.url));
    });
  });
}

/**
 * Gives the session back as the answer is sent, its change and journal entry saved: a route hook, the
 * last of a Cint route's onSend hooks, after the journal's capture of the body and the ones that change
 * the session then (idempotency records). A request refused before it took its session (a body that is
 * not JSON) leaves its journal entry.
 */
export function giveSessionBack(shared: RedisSessions): onSendHookHandler {
  return (request, reply, payload, done) => {
    const session = request.cint?.session;
    if (!session) {
      done(null, payload);
      return;
    }
    // Made by the journal's onSend hook, before this one. A request the store refused its session has
    // no entry the store would take now either.
    if (!shared.holds(session)) {
      if (refusedByStore.has(request)) done(null, payload);
      else void journalUntaken(shared, request).then(() => done(null, payload));
      return;
    }
    shared.release(session, request.cint.journaled ?? undefined, readsOnly(request)).then(() => done(null, payload), (error: unknown) => {
      // The change is not saved, so the answer must not say it was made.
      const fields = failureFields(request, error);
      if (fields) reply.log.warn(fields, 'a change could not be saved to the session store; answered 503');
      done(null, replaceAnswer(reply, storeUnavailable(error, shared.url)));
    });
  };
}

/**
 * Saves the journal entry of a request answered before it took its session (refused at authentication, a
 * body that is not JSON, a path no route takes) or left after it set it down (a scripted delay its client
 * did not wait out), with the session taken and given back as a read: the entry is in the store before
 * the answer goes out, and a session that only such requests used is stored like any other, so the admin
 * API finds it. Never rejects: the answer, already an error, stands, and a warning says the entry was lost.
 */
export async function journalUntaken(shared: RedisSessions, request: FastifyRequest): Promise<void> {
  const { session, journaled } = request.cint;
  if (!session || !journaled) return;
  try {
    await shared.acquire(session);
    await shared.release(session, journaled, true);
  } catch (error) {
    const fields = failureFields(request, error);
    if (fields) request.log.warn(fields, 'a request answered before it took its session could not be journaled in the session store');
  }
}

/** Lets the session go while a request waits out a scripted delay, so others (here or elsewhere) are not held up. */
export async function setDown(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  const shared = app.mock.shared;
  const session = request.cint.session;
  if (shared && session && shared.holds(session)) await shared.release(session);
}

/** Takes the session up again after the delay, as it is now. */
export async function takeUp(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  const shared = app.mock.shared;
  const session = request.cint.session;
  if (shared && session && !shared.holds(session)) {
    try {
      await shared.acquire(session);
    } catch (error) {
      throw storeUnavailable(error, shared.url);
    }
  }
}

/** Gives the session back now, without waiting: a fault broke the connection, or the client left. */
export function letGo(app: FastifyInstance, request: FastifyRequest): void {
  const shared = app.mock.shared;
  const session = request.cint?.session;
  if (!shared || !session || !shared.holds(session)) return;
  shared.release(session, request.cint.journaled ?? undefined, readsOnly(request)).catch((error: unknown) => {
    const fields = failureFields(request, error);
    if (fields) app.log.warn(fields, 'a session could not be saved to the session store after its request ended');
  });
}

/**
 * A GET or HEAD: Cint's reads change a session only in ways its vitals show (sessions/snapshot.ts
 * vitalsOf: the ETag revision, a job's polls, the clock's next change, events, scenario progress), so the
 * store need not serialize the session to see whether one did. npm run test:redis checks it.
 */
const readsOnly = (request: FastifyRequest) => request.method === 'GET' || request.method === 'HEAD';

/** Turns the answer being sent (in onSend) into `error`'s: its status and headers here, its body returned as the payload. */
export function replaceAnswer(reply: FastifyReply, error: CintError): string {
  for (const name of ['etag', 'location', 'content-length']) reply.removeHeader(name);
  reply.code(error.status).headers({ ...error.headers, 'content-type': 'application/json; charset=utf-8' });
  return JSON.stringify(error.body);
}
