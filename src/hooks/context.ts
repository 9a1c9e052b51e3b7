// Starts each request's context and puts the trace headers on every response.
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, CintError } from '../cint/errors.js';
import { isTraceparent, newTraceparent } from '../cint/trace.js';

/**
 * Starts a request's context: in the first onRequest hook, or where Fastify refused the request before
 * its hooks ran (error-handler.ts frameworkError), with no operation.
 */
export function startContext(request: FastifyRequest, operation: FastifyRequest['cint']['operation']): void {
  const incoming = request.headers.traceparent;
  const tracestate = request.headers.tracestate;
  request.cint = {
    operation,
    sessionId: 'anonymous',
    session: null,
    identity: null,
    traceparent: isTraceparent(incoming) ? incoming : newTraceparent(),
    tracestate: typeof tracestate === 'string' && isTraceparent(incoming) ? tracestate : undefined,
    replayed: false,
    startedAt: performance.now(),
    // Every field from the start, so every request's context has one shape.
    scenario: null,
    jobScript: null,
    deliveryScript: null,
    lostAnswer: null,
    journaled: null,
    responseBody: undefined,
  };
}

/** Puts the request's trace headers on its answer (a new traceparent when it has no context). */
export function stampTrace(request: FastifyRequest, reply: FastifyReply): void {
  // request.cint is missing only when the request failed before onRequest ran.
  reply.header('traceparent', request.cint?.traceparent ?? newTraceparent());
  if (request.cint?.tracestate) reply.header('tracestate', request.cint.tracestate);
}

export function requestContext(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => { closing = true; });
  // While draining, the last request that arrived on each connection: answers go out in arrival order,
  // so only its answer closes the connection, and requests pipelined behind an earlier one get theirs.
  const lastArrived = new WeakMap<Socket, FastifyRequest>();

  // Callback-style hooks here and in the API's pipeline: no promise per hook, and a reply sent from a
  // hook goes out at once (an async hook that answers makes Fastify wait on the response's end).
  app.addHook('onRequest', (request, _reply, done) => {
    startContext(request, request.routeOptions.config.operation ?? null);
    // HTTP/1.1 requires a Host header (Node's own refusal of it is a bare 400, switched off in app.ts).
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      done(badRequest([{ name: 'Host', reason: "'Host' is required in HTTP/1.1." }], 'the Host header is missing'));
      return;
    }
    // A request that reaches a draining server (pipelined, or on a busy keep-alive connection) is told to
    // go elsewhere, in Cint's envelope; requests already past this point finish normally.
    if (closing) {
      lastArrived.set(request.raw.socket, request);
      done(new CintError(503, 'the server is shutting down; retry the request', { headers: { 'retry-after': '1' } }));
      return;
    }
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    stampTrace(request, reply);
    // Draining: the last answer on a connection closes it, so a pooled client opens a new one (to the
    // next instance) instead of sending its next request down a socket about to close.
    if (closing) {
      const last = lastArrived.get(request.raw.socket);
      if (last === undefined || last === request) reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
