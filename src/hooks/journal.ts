// Records every Cint request in its session's journal once the response has gone out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JOURNAL_BODY_LIMIT } from '../journal/journal.js';

function keptBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  const text = JSON.stringify(body);
  return text !== undefined && text.length <= JOURNAL_BODY_LIMIT ? body : '[body omitted: larger than the journal keeps]';
}

/**
 * Puts a request in its session's journal. `status` 0 with a `fault` is a request the scenario engine
 * answered by breaking the connection: no HTTP status went out, but the client did make the call.
 */
export function recordRequest(app: FastifyInstance, request: FastifyRequest, status: number, durationMs: number, fault?: string): void {
  const context = request.cint;
  if (!context?.session) return;
  const body = keptBody(request.body);
  app.mock.journals.of(context.session).record({
    request_id: request.id,
    at: new Date().toISOString(),
    session: context.sessionId,
    operation: context.operationId,
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    query: { ...(request.query as Record<string, unknown>) },
    status,
    duration_ms: Math.round(durationMs * 100) / 100,
    scenario: context.scenario ?? null,
    replayed: context.replayed,
    ...(fault ? { fault } : {}),
    ...(body !== undefined ? { body } : {}),
  });
}

export function journal(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    recordRequest(app, request, reply.statusCode, reply.elapsedTime);
  });
}
