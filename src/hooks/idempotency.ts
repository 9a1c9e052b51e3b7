// Idempotency-Key: the same key with the same request replays the first answer and changes nothing;
// the same key with a different request is refused with 409 conflict_error. Where an answer documents
// an `idempotency-key` header (update_project, update_webhook), it carries the request's key back.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { conflict } from '../cint/errors.js';
import { canonicalJson } from '../api/shared.js';
import { journalResponseHeader } from './journal.js';

const KEPT_HEADERS = ['etag', 'location', 'content-type', 'idempotency-key'];

/**
 * What makes two requests with a key the same (decision 6): the operation, its path parameters and query
 * as the route read them, so that a trailing slash the route takes, an encoded character or the query's
 * order does not tell a retry from its first request, while another `entity_type` or reconciliation
 * `name` does; and the body in canonical JSON.
 */
function fingerprint(request: FastifyRequest, operationId: string): string {
  return createHash('sha256').update(`${operationId} ${canonicalJson(request.params)} ${canonicalJson(request.query)}\n${canonicalJson(request.body)}`).digest('base64url');
}

/** Operations whose requests take an Idempotency-Key: those sent with POST or PUT. */
export const takesIdempotencyKey = (method: string): boolean => method === 'POST' || method === 'PUT';

function keyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' && key.length > 0 && takesIdempotencyKey(request.method) ? key : undefined;
}

/**
 * A request whose key was used before: the first answer again (the same request), or 409 (another).
 * A route hook of the operations that take a key (api/plugin.ts), so reads and deletes run no
 * preHandler at all.
 */
export function replayIdempotent(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const session = request.cint.session;
  const key = keyOf(request);
  const operationId = request.cint.operation?.id;
  const stored = session && key && operationId ? session.idempotency.get(key) : undefined;
  if (!stored || !operationId) {
    done();
    return;
  }
  if (stored.fingerprint !== fingerprint(request, operationId)) {
    done(conflict(`Idempotency-Key '${key}' was already used for a different request (${stored.operationId}); use a new key for a new request`));
    return;
  }
  request.cint.replayed = true;
  reply.code(stored.status).headers(stored.headers).header('idempotent-replayed', 'true');
  // An answer without a body is replayed without one: sending '' would give it a text/plain type.
  if (stored.payload === '') reply.send();
  else reply.send(stored.payload);
}

/**
 * Keeps each successful answer to a request with a key, for replayIdempotent, and echoes the key where
 * the answer documents it. A route hook of the same operations, before a shared store saves the session.
 */
export function rememberIdempotent(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
  const key = keyOf(request);
  if (key) {
    if ((request.cint?.operation?.echoesIdempotencyKey as readonly number[] | undefined)?.includes(reply.statusCode)) {
      reply.header('idempotency-key', key);
      journalResponseHeader(request, 'idempotency-key', key);
    }
    remember(request, reply, payload, key);
  }
  done(null, payload);
}

/** A successful answer to a request with a key, kept for replay. */
function remember(request: FastifyRequest, reply: FastifyReply, payload: unknown, key: string): void {
  const session = request.cint?.session;
  const operationId = request.cint?.operation?.id;
  if (!session || !operationId || request.cint.replayed) return;
  if (reply.statusCode < 200 || reply.statusCode >= 300) return;
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  session.idempotency.set(key, {
    fingerprint: fingerprint(request, operationId),
    operationId,
    status: reply.statusCode,
    headers,
    payload: typeof payload === 'string' ? payload : '',
  });
}
