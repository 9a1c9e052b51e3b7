// One log line per request: session, operation, status and duration.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export function requestLog(app: FastifyInstance): void {
  // Which levels write anything, known once: with logging off no line is built at all. (Without a
  // logger, Fastify's stand-in has no isLevelEnabled and writes nothing.)
  const log = app.log as { isLevelEnabled?: (level: string) => boolean };
  const enabled = { info: log.isLevelEnabled?.('info') ?? false, debug: log.isLevelEnabled?.('debug') ?? false };
  if (!enabled.info && !enabled.debug) return;
  app.addHook('onResponse', (request, reply, done) => {
    // Health checks come every few seconds from Docker and load balancers: keep them out of info logs.
    const level = request.url === '/__admin/health' ? 'debug' : 'info';
    if (enabled[level]) writeLine(request, reply, level);
    done();
  });
}

/**
 * The line of a request Fastify answered before its hooks ran (error-handler.ts frameworkError), whose
 * onResponse hooks do not run either.
 */
export function logUnhooked(request: FastifyRequest, reply: FastifyReply): void {
  if ((request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info')) writeLine(request, reply, 'info');
}

function writeLine(request: FastifyRequest, reply: FastifyReply, level: 'info' | 'debug'): void {
  request.log[level]({
    request_id: request.id,
    method: request.method,
    url: request.url,
    session: request.cint?.session ? request.cint.sessionId : undefined,
    operation: request.cint?.operation?.id,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    ...(request.cint?.replayed ? { replayed: true } : {}),
  }, 'request');
}
