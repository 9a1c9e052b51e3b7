// Starts each request's context and puts the trace headers on every response.
import type { FastifyInstance } from 'fastify';
import { isTraceparent, newTraceparent } from '../cint/trace.js';

export function requestContext(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const incoming = request.headers.traceparent;
    const tracestate = request.headers.tracestate;
    request.cint = {
      operationId: request.routeOptions.config.operationId ?? null,
      sessionId: 'anonymous',
      session: null,
      identity: null,
      traceparent: isTraceparent(incoming) ? incoming : newTraceparent(),
      tracestate: typeof tracestate === 'string' && isTraceparent(incoming) ? tracestate : undefined,
      replayed: false,
    };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // request.cint is missing only when the request failed before onRequest ran (a 404 route, say).
    const traceparent = request.cint?.traceparent ?? newTraceparent();
    reply.header('traceparent', traceparent);
    if (request.cint?.tracestate) reply.header('tracestate', request.cint.tracestate);
    return payload;
  });
}
