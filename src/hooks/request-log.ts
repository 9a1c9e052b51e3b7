// One log line per request: session, operation, status and duration.
import type { FastifyInstance } from 'fastify';

export function requestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: request.url,
      session: request.cint?.sessionId,
      operation: request.cint?.operationId ?? undefined,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(request.cint?.replayed ? { replayed: true } : {}),
    }, 'request');
  });
}
