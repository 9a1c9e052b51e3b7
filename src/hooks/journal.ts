// Records every Cint request in its session's journal once the response has gone out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { entryBytes, JOURNAL_BODY_LIMIT, JOURNAL_HEADERS, JOURNAL_PATH_LIMIT, REDACTED, type JournalEntry } from '../journal/journal.js';

/** A request or response body as the journal keeps it, and its size in characters: bodies over JOURNAL_BODY_LIMIT are left out. */
function keptBody(body: unknown): { body?: unknown; chars: number } {
  if (body === undefined || body === null) return { chars: 0 };
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text === undefined) return { chars: 0 };
  if (text.length > JOURNAL_BODY_LIMIT) return { body: `[body omitted: ${text.length} characters, more than the ${JOURNAL_BODY_LIMIT} the journal keeps]`, chars: 100 };
  return { body, chars: text.length };
}

/**
 * A JSON request body as the journal keeps it: what the client sent, parsed afresh from its text (request.body
 * is what validation made of it: trimmed, defaults filled in), or the text itself when it is not JSON.
 */
function sentBody(text: string): { body?: unknown; chars: number } {
  if (text.length > JOURNAL_BODY_LIMIT) return keptBody(text);
  try {
    return { body: JSON.parse(text) as unknown, chars: text.length };
  } catch {
    return { body: text, chars: text.length };
  }
}

/**
 * A query as the client sent it (request.query is what validation made of it: coerced, defaults filled
 * in): each parameter's text, `+` a space and `%XX` decoded where it is valid, a list when repeated.
 * Read here rather than by node:querystring, whose null-prototype object, copied, made a list page's
 * answer about a tenth slower (bench61): one parameter costs a slice.
 */
function sentQuery(text: string): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodedPart(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodedPart(pair.slice(at + 1));
    const before = Object.hasOwn(query, name) ? query[name] : undefined;
    // A list made here grows in place: copying it for each repeat took time of the square of their number.
    if (Array.isArray(before)) {
      before.push(value);
      continue;
    }
    const next = before === undefined ? value : [before, value];
    // An own property whatever its name: `__proto__=` must not set the object's prototype.
    if (name === '__proto__') Object.defineProperty(query, name, { value: next, enumerable: true, writable: true, configurable: true });
    else query[name] = next;
  }
  return query;
}

function decodedPart(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Puts the request's JOURNAL_HEADERS as sent in `kept`, Authorization's value left out; answers their characters (names and values). */
function keepHeaders(sent: FastifyRequest['headers'], kept: Record<string, string>): number {
  let chars = 0;
  for (const name of JOURNAL_HEADERS) {
    const value = sent[name];
    if (value === undefined) continue;
    const text = name === 'authorization' ? REDACTED : typeof value === 'string' ? value : value.join(', ');
    kept[name] = text;
    chars += name.length + text.length;
  }
  return chars;
}

/**
 * Puts the answer's headers as the mock set them in `kept`, each as text, Content-Length left out (Node's
 * framing, as are the Date, Connection and Keep-Alive it adds as it writes); answers their characters.
 */
function keepResponseHeaders(sent: Readonly<Record<string, unknown>>, kept: Record<string, string>): number {
  let chars = 0;
  for (const name in sent) {
    if (name === 'content-length') continue;
    const value = sent[name];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : String(value);
    kept[name] = text;
    chars += name.length + text.length;
  }
  return chars;
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
 * A journal entry as a request makes it: an instance of a class, not an object literal. V8 watches where
 * object literals are made, and seeing nearly every entry outlive a young collection (a session keeps its
 * last journalBytes of them) it made them in the old generation from then on, where each kept the young
 * strings it points to (request id, path, an omitted body's note) alive until a full collection: a list
 * page's answer spent 2.7 µs in young collections instead of 1.6. V8 does not do that for a class's
 * instances. The optional fields are set only when present, as before; readers get plain objects (the
 * admin API's JSON, control's structuredClone).
 */
class Entry implements JournalEntry {
  declare fault?: string;
  declare body?: unknown;
  declare response_body?: string;
  declare response_headers?: Record<string, string>;

  constructor(
    public request_id: string,
    public at: string,
    public session: string,
    public operation: string | null,
    public method: string,
    public path: string,
    public query: Record<string, unknown>,
    public headers: Record<string, string>,
    public status: number,
    public duration_ms: number,
    public scenario: { name: string; rule: number } | null,
    public replayed: boolean,
  ) {}
}

/**
 * Puts a request in its session's journal, with the answer's status and headers (`sent`; null when none
 * went out). `status` 0 with a `fault` is a request the scenario engine answered by breaking the
 * connection: no HTTP status went out, but the client did make the call. With another status, the fault
 * lost that answer, or (malformed_body) cut its body off. `status` 0 without a fault: the client left
 * while a scripted delay held its answer back.
 */
export function recordRequest(app: FastifyInstance, request: FastifyRequest, status: number, sent: Readonly<Record<string, unknown>> | null, durationMs: number,
  fault?: string): void {
  const context = request.cint;
  // Once: with a shared store the entry is made as the answer is sent (hooks/shared.ts).
  if (!context?.session || context.journaled) return;
  const kept = context.requestText === undefined ? keptBody(request.body) : sentBody(context.requestText);
  // The response as sent (text); an empty one (204, a redirect) is none.
  const response = context.responseBody ? keptBody(context.responseBody) : NO_BODY;
  const url = request.url;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const headers: Record<string, string> = {};
  const headerChars = keepHeaders(request.headers, headers);
  const entry = new Entry(
    request.id,
    isoNow(),
    context.sessionId,
    context.operation?.id ?? null,
    request.method,
    path.length > JOURNAL_PATH_LIMIT ? `${path.slice(0, JOURNAL_PATH_LIMIT)}…` : path,
    queryAt === -1 ? NO_QUERY : sentQuery(url.slice(queryAt + 1)),
    headers,
    status,
    Math.round(durationMs * 100) / 100,
    context.scenario ?? null,
    context.replayed,
  );
  if (fault) entry.fault = fault;
  if (kept.body !== undefined) entry.body = kept.body;
  if (response.body !== undefined) entry.response_body = response.body as string;
  let responseHeaderChars = 0;
  if (sent !== null) responseHeaderChars = keepResponseHeaders(sent, (entry.response_headers = {}));
  const bytes = entryBytes(kept.chars + response.chars, url.length + request.id.length + headerChars + responseHeaderChars);
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
      // An answer a scenario loses on its way is journaled with its status and the fault that lost it.
      recordRequest(app, request, reply.statusCode, headersOf(reply), elapsedMs(request), request.cint.lostAnswer ?? undefined);
    }
    done(null, payload);
  });
}

/** Fastify's own object of a reply's headers (by its symbol's description), read once; null: none such. */
let replyHeaders: symbol | null | undefined;

/**
 * The headers set on a reply so far: Fastify's object of them, read in place. reply.getHeaders() copies it
 * into a new object, with the Node response's own (the mock sets none there) merged in another: two
 * objects more per request, only to be copied again.
 */
function headersOf(reply: FastifyReply): Readonly<Record<string, unknown>> {
  if (replyHeaders === undefined) replyHeaders = Object.getOwnPropertySymbols(reply).find((symbol) => symbol.description === 'fastify.reply.headers') ?? null;
  return replyHeaders === null ? reply.getHeaders() : (reply as unknown as Record<symbol, Readonly<Record<string, unknown>>>)[replyHeaders]!;
}

/**
 * A header put on the answer after its entry was made (by a route's onSend hook, which runs after the
 * journal's: an echoed Idempotency-Key), put in the entry too. Its few characters are not counted.
 */
export function journalResponseHeader(request: FastifyRequest, name: string, value: string): void {
  const headers = request.cint?.journaled?.entry.response_headers;
  if (headers) headers[name] = value;
}
