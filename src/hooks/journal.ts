// Records every Cint request in its session's journal once the response has gone out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { entryBytes, JOURNAL_BODY_LIMIT, JOURNAL_PATH_LIMIT, type JournalEntry } from '../journal/journal.js';

/** The body as the journal keeps it, and its size in characters: bodies over JOURNAL_BODY_LIMIT are left out. */
function keptBody(body: unknown): { body?: unknown; chars: number } {
  if (body === undefined || body === null) return { chars: 0 };
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text === undefined) return { chars: 0 };
  if (text.length > JOURNAL_BODY_LIMIT) return { body: `[body omitted: ${text.length} characters, more than the ${JOURNAL_BODY_LIMIT} the journal keeps]`, chars: 100 };
  return { body, chars: text.length };
}

/** The response body as the journal keeps it: the text as sent, or a note of its size past JOURNAL_BODY_LIMIT. */
function keptResponse(text: string | undefined): { text?: string; chars: number } {
  if (!text) return { chars: 0 };
  if (text.length > JOURNAL_BODY_LIMIT) return { text: `[body omitted: ${text.length} characters, more than the ${JOURNAL_BODY_LIMIT} the journal keeps]`, chars: 100 };
  return { text, chars: text.length };
}

/**
 * Puts a request in its session's journal. `status` 0 with a `fault` is a request the scenario engine
 * answered by breaking the connection: no HTTP status went out, but the client did make the call.
 */
export function recordRequest(app: FastifyInstance, request: FastifyRequest, status: number, durationMs: number, fault?: string): void {
  const context = request.cint;
  if (!context?.session) return;
  const kept = keptBody(request.body);
  const response = keptResponse(context.responseBody);
  const path = request.url.split('?')[0] ?? request.url;
  const entry: JournalEntry = {
    request_id: request.id,
    at: new Date().toISOString(),
    session: context.sessionId,
    operation: context.operationId,
    method: request.method,
    path: path.length > JOURNAL_PATH_LIMIT ? `${path.slice(0, JOURNAL_PATH_LIMIT)}…` : path,
    query: { ...(request.query as Record<string, unknown>) },
    status,
    duration_ms: Math.round(durationMs * 100) / 100,
    scenario: context.scenario ?? null,
    replayed: context.replayed,
    ...(fault ? { fault } : {}),
    ...(kept.body !== undefined ? { body: kept.body } : {}),
    ...(response.text !== undefined ? { response_body: response.text } : {}),
  };
  app.mock.journals.of(context.session).record(entry, entryBytes(kept.chars + response.chars, request.url.length));
}

export function journal(app: FastifyInstance): void {
  // The body is kept by reference here and measured when the entry is made: serialized answers are strings.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.cint && typeof payload === 'string') request.cint.responseBody = payload;
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    recordRequest(app, request, reply.statusCode, reply.elapsedTime);
  });
}
