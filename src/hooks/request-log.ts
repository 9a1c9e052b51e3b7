// One log line per request: its client, session, operation, status and duration.
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

/** A query parameter whose value is a credential, by its name: client_secret, access_token, password, api_key... */
const CREDENTIAL_IN_QUERY = /([?&][^=&#]*(?:secret|token|password|passwd|api[-_]?key|signature)[^=&#]*=)[^&#]*/gi;

/**
 * The URL as the log shows it: a credential a client put in the query (an OAuth client sending its secret
 * there, say) is replaced by [redacted], as headers and bodies never reach the log at all.
 */
export function loggedUrl(url: string): string {
  return url.includes('?') ? url.replace(CREDENTIAL_IN_QUERY, '$1[redacted]') : url;
}

function writeLine(request: FastifyRequest, reply: FastifyReply, level: 'info' | 'debug'): void {
  request.log[level]({
    request_id: request.id,
    method: request.method,
    url: loggedUrl(request.url),
    // Two clients may use one session name (X-Mock-Session): each is its own session, told apart by client.
    client: request.cint?.identity?.clientId,
    session: request.cint?.session ? request.cint.sessionId : undefined,
    operation: request.cint?.operation?.id,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    ...(request.cint?.replayed ? { replayed: true } : {}),
  }, 'request');
}
