// Records every Cint request in its session's journal once the response has gone out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { entryBytes, JOURNAL_BODY_LIMIT, JOURNAL_PATH_LIMIT, type JournalEntry } from '../journal/journal.js';

/** A request or response body as the journal keeps it, and its size in characters: bodies over JOURNAL_BODY_LIMIT are left out. */
function keptBody(body: unknown): { body?: unknown; chars: number } {
  if (body === undefined || body === null) return { chars: 0 };
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text === undefined) return { chars: 0 };
  if (text.length > JOURNAL_BODY_LIMIT) return { body: `[body omitted: ${text.length} characters, more than the ${JOURNAL_BODY_LIMIT} the journal keeps]`, chars: 100 };
  return { body, chars: text.length };
}

const NO_QUERY: Record<string, unknown> = Object.freeze({});
const NO_BODY: { body?: unknown; chars: number } = Object.freeze({ chars: 0 });

let lastMs = -1;
let lastIso = '';

/** The time now as ISO 8601: made once per millisecond, which many requests share under load. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Puts a request in its session's journal. `status` 0 with a `fault` is a request the scenario engine
 * answered by breaking the connection: no HTTP status went out, but the client did make the call.
 */
export function recordRequest(app: FastifyInstance, request: FastifyRequest, status: number, durationMs: number, fault?: string): void {
  const context = request.cint;
  // Once: with a shared store the entry is made as the answer is sent (hooks/shared.ts).
  if (!context?.session || context.journaled) return;
  const kept = keptBody(request.body);
  // The response as sent (text); an empty one (204, a redirect) is none.
  const response = context.responseBody ? keptBody(context.responseBody) : NO_BODY;
  const url = request.url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const entry: JournalEntry = {
    request_id: request.id,
    at: isoNow(),
    session: context.sessionId,
    operation: context.operationId,
    method: request.method,
    path: path.length > JOURNAL_PATH_LIMIT ? `${path.slice(0, JOURNAL_PATH_LIMIT)}…` : path,
    query: queryAt === -1 ? NO_QUERY : { ...(request.query as Record<string, unknown>) },
    status,
    duration_ms: Math.round(durationMs * 100) / 100,
    scenario: context.scenario ?? null,
    replayed: context.replayed,
  };
  if (fault) entry.fault = fault;
  if (kept.body !== undefined) entry.body = kept.body;
  if (response.body !== undefined) entry.response_body = response.body as string;
  const bytes = entryBytes(kept.chars + response.chars, url.length);
  app.mock.journals.of(context.session).record(entry, bytes);
  context.journaled = { entry, bytes };
}

/** Milliseconds since the request's context was made. */
export function elapsedMs(request: FastifyRequest): number {
  return performance.now() - request.cint.startedAt;
}

export function journal(app: FastifyInstance): void {
  // The entry is made as the answer is handed to Node, with its status and body as sent: an onResponse
  // hook instead made Fastify listen for every response's end. (Registered after the hooks that change
  // the answer in onSend; a scenario fault that takes the connection over records its own.)
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.cint) {
      if (typeof payload === 'string') request.cint.responseBody = payload;
      recordRequest(app, request, reply.statusCode, elapsedMs(request));
    }
    done(null, payload);
  });
}
