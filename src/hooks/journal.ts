// Records every Cint request in its session's journal once the response has gone out.
import type { FastifyInstance } from 'fastify';
import { JOURNAL_BODY_LIMIT } from '../journal/journal.js';

function keptBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  const text = JSON.stringify(body);
  return text !== undefined && text.length <= JOURNAL_BODY_LIMIT ? body : '[body omitted: larger than the journal keeps]';
}

export function journal(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
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
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      scenario: context.scenario ?? null,
      replayed: context.replayed,
      ...(body !== undefined ? { body } : {}),
    });
  });
}
