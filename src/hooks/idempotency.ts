// Idempotency-Key: the same key with the same request replays the first answer and changes nothing;
// the same key with a different request is refused with 409 conflict_error.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conflict } from '../cint/errors.js';

const KEPT_HEADERS = ['etag', 'location', 'content-type', 'idempotency-key'];

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function fingerprint(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return createHash('sha256').update(`${request.method} ${path}\n${canonical(request.body)}`).digest('base64url');
}

function keyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' && key.length > 0 && (request.method === 'POST' || request.method === 'PUT') ? key : undefined;
}

export function idempotency(app: FastifyInstance): void {
  app.addHook('preHandler', async (request, reply) => {
    const session = request.cint.session;
    const key = keyOf(request);
    if (!session || !key || !request.cint.operationId) return;
    const stored = session.idempotency.get(key);
    if (!stored) return;
    if (stored.fingerprint !== fingerprint(request)) {
      throw conflict(`Idempotency-Key '${key}' was already used for a different request (${stored.operationId}); use a new key for a new request`);
    }
    request.cint.replayed = true;
    reply.code(stored.status).headers(stored.headers).header('idempotent-replayed', 'true');
    return reply.send(stored.payload);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const session = request.cint?.session;
    const key = keyOf(request);
    const operationId = request.cint?.operationId;
    if (!session || !key || !operationId || request.cint.replayed) return payload;
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    session.idempotency.set(key, {
      fingerprint: fingerprint(request),
      operationId,
      status: reply.statusCode,
      headers,
      payload: typeof payload === 'string' ? payload : '',
    });
    return payload;
  });
}
