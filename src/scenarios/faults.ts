// Broken deliveries on the raw socket, for clients' network error handling: the reply is taken over
// from Fastify (hijacked) and the connection is reset, closed, fed a broken body, or left hanging.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultName } from './schema.js';

/** The body malformed_body sends: JSON cut off mid-string, so every JSON parser fails on it. */
export function malformedBody(): string {
  return `{"id":"${randomUUID()}","detail":"this body was cut off by the mock's malformed_body fault`;
}

export function breakConnection(request: FastifyRequest, reply: FastifyReply, fault: FaultName,
  options: { status: number; headers: Readonly<Record<string, string>>; traceparent: string; hangMs: number }): void {
  reply.hijack();
  const socket = request.raw.socket;
  switch (fault) {
    case 'connection_reset':
      // A TCP RST: the client sees ECONNRESET. (inject's fake socket has no RST, so it is just closed.)
      if (typeof socket?.resetAndDestroy === 'function') socket.resetAndDestroy();
      else reply.raw.destroy();
      break;
    case 'empty_response':
      // A clean close before any byte of the answer: the client sees "socket hang up" / "other side closed".
      if (typeof socket?.end === 'function') socket.end(() => socket.destroy());
      else reply.raw.destroy();
      break;
    case 'malformed_body': {
      const text = malformedBody();
      reply.raw.writeHead(options.status, {
        ...options.headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        traceparent: options.traceparent,
      });
      reply.raw.end(text);
      break;
    }
    case 'hang': {
      // Nothing is sent: the client waits until it gives up, or until hangTimeoutMs has passed and the
      // connection is closed, so hung connections cannot pile up for ever. A shutdown cuts it after its
      // grace period (server.ts), so a hang never blocks one.
      const timer = setTimeout(() => (typeof socket?.destroy === 'function' ? socket.destroy() : reply.raw.destroy()), options.hangMs);
      timer.unref();
      reply.raw.once('close', () => clearTimeout(timer));
      break;
    }
  }
}
