// Broken deliveries on the raw socket, for clients' network error handling: the reply is taken over
// from Fastify (hijacked) and the connection is reset, closed, fed a broken body, or left hanging; or
// the realistic answer is made and then lost the same way.
import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultName, LostAnswerFault } from './schema.js';

/** The body malformed_body sends: JSON cut off mid-string, so every JSON parser fails on it. */
export function malformedBody(): string {
  return `{"id":"${randomUUID()}","detail":"this body was cut off by the mock's malformed_body fault`;
}

/** Takes the answer over and breaks it; the headers and body sent (malformed_body's), if any, for the journal. */
export function breakConnection(request: FastifyRequest, reply: FastifyReply, fault: FaultName,
  options: { status: number; headers: Readonly<Record<string, string>>; hangMs: number }): { headers: OutgoingHttpHeaders; body: string } | undefined {
  reply.hijack();
  if (fault !== 'malformed_body') {
    cut(request, reply, fault, options.hangMs);
    return undefined;
  }
  const body = malformedBody();
  // The trace headers every answer carries (hooks/context.ts), which this one, hijacked, would not get.
  const { traceparent, tracestate } = request.cint;
  const headers = {
    ...options.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    traceparent,
    ...(tracestate ? { tracestate } : {}),
  };
  reply.raw.writeHead(options.status, headers);
  reply.raw.end(body);
  return { headers, body };
}

/**
 * An answer made, then lost on its way (the fault of a passthrough, job or webhook step): the request
 * was carried out as the real API would, its answer kept for a replay of its Idempotency-Key and, with a
 * shared store, the session saved, all in the onSend hooks. Where Fastify then writes the answer, the
 * connection is reset, closed or left hanging instead. Fastify writes an answer only through the
 * response's writeHead, write and end (a body, none, or a stream piped in), so this response's own
 * stand in for them.
 */
export function loseAnswer(request: FastifyRequest, reply: FastifyReply, fault: LostAnswerFault, hangMs: number): void {
  const response = reply.raw;
  response.writeHead = (() => response) as typeof response.writeHead;
  response.write = (() => true) as typeof response.write;
  response.end = (() => {
    cut(request, reply, fault, hangMs);
    return response;
  }) as typeof response.end;
}

/** Breaks the connection without a byte of an answer. */
function cut(request: FastifyRequest, reply: FastifyReply, fault: LostAnswerFault, hangMs: number): void {
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
    case 'hang': {
      // Nothing is sent: the client waits until it gives up, or until hangMs (hangTimeoutMs) has passed
      // and the connection is closed, so hung connections cannot pile up for ever. A shutdown cuts it
      // after its grace period (server.ts), so a hang never blocks one.
      const timer = setTimeout(() => (typeof socket?.destroy === 'function' ? socket.destroy() : reply.raw.destroy()), hangMs);
      timer.unref();
      reply.raw.once('close', () => clearTimeout(timer));
      break;
    }
  }
}
