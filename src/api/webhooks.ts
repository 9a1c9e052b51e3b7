// The Notifications Webhooks operations beyond what the generic collection does for them: a webhook's
// URL must be one the mock can POST to, list_webhook_events_history answers the webhook's own
// deliveries (webhooks/delivery.ts), filtered and paged as the document says, and a deleted webhook's
// waiting deliveries end at once.
import { badRequest, type InvalidParam } from '../cint/errors.js';
import type { CintEventType } from '../sessions/events.js';
import type { Delivery, DeliveryStatus } from '../webhooks/delivery.js';
import type { Operation, OperationId } from '../cint/operations.js';
import { bodyRulesHook } from '../hooks/body-rules.js';
import { thenDo, type HandlerInput, type Wrappers } from './handler.js';

/**
 * Cint's document says a webhook's URL is HTTPS. Receivers under test usually listen on plain HTTP on
 * a laptop or in CI, so http:// is accepted too unless webhookRequireHttps; anything else (no scheme,
 * another scheme, credentials in the URL) is a problem naming `url`.
 */
function urlProblem(url: unknown, requireHttps: boolean): InvalidParam | null {
  // A url that is not a string is the schema's to name.
  if (typeof url !== 'string') return null;
  const problem = (reason: string): InvalidParam => ({ name: 'url', reason });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return problem("'url' must be an absolute URL, such as https://example.com/webhook.");
  }
  const schemes = requireHttps ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(parsed.protocol)) {
    return problem(`'url' must be an ${requireHttps ? 'HTTPS' : 'HTTP or HTTPS'} URL, got the scheme '${parsed.protocol.replace(/:$/, '')}'.`);
  }
  if (parsed.username || parsed.password) return problem("'url' must not carry a user name or password.");
  return null;
}

const URL_CHECKED: readonly OperationId[] = ['create_webhook', 'update_webhook'];

/**
 * The route-level preValidation hook of the operations that take a webhook's url, undefined for the
 * others: a url the mock cannot POST to is refused in the same 400 as the body's schema problems.
 */
export function webhookUrlHook(op: Operation, requireHttps: boolean): ReturnType<typeof bodyRulesHook> | undefined {
  if (!URL_CHECKED.includes(op.id)) return undefined;
  return bodyRulesHook(op, (body) => {
    const problem = urlProblem(body.url, requireHttps);
    return problem ? [problem] : [];
  });
}

interface HistoryQuery {
  delivery_status?: DeliveryStatus[];
  type?: CintEventType[];
  start_time: string;
  end_time?: string;
  created_at_sort_order?: 'asc' | 'desc';
  page_size?: number;
  start_after?: string;
  end_before?: string;
}

/** What the history shows of a delivery: Cint's stored event record, with the delivery's status. */
function eventRecord(delivery: Delivery) {
  const { id, type, payload, created_at } = delivery.event;
  return { id, type, payload, status: delivery.status, created_at };
}

/**
 * The webhook's events (each once: a scenario's duplicate copies are the admin API's to show), between
 * start_time and end_time (the session's now by default) by the session's clock, of the statuses and
 * types asked, in created_at order; a page of page_size after start_after or before end_before (event
 * ids of an earlier page; an id that names none of them is a 400).
 */
function historyPage(input: HandlerInput<'list_webhook_events_history'>) {
  const { session, params } = input;
  const query = input.query as HistoryQuery;
  const from = Date.parse(query.start_time);
  const to = query.end_time === undefined ? session.now() : Date.parse(query.end_time);
  if (to < from) throw badRequest([{ name: 'end_time', reason: "'end_time' must not be before 'start_time'." }]);
  const statuses = query.delivery_status ? new Set(query.delivery_status) : null;
  const types = query.type ? new Set(query.type) : null;
  const records = (session.webhookDeliveries?.list ?? [])
    .filter((delivery) => delivery.webhookId === params.webhook_id && delivery.copy === 1)
    .filter((delivery) => {
      const at = Date.parse(delivery.event.created_at);
      return at >= from && at <= to && (!statuses || statuses.has(delivery.status)) && (!types || types.has(delivery.event.type));
    })
    .map(eventRecord);
  if (query.created_at_sort_order === 'desc') records.reverse();
  const size = query.page_size ?? 10;
  let start = 0;
  let end = records.length;
  for (const name of ['start_after', 'end_before'] as const) {
    const cursor = query[name];
    if (cursor === undefined) continue;
    const at = records.findIndex((record) => record.id === cursor);
    if (at < 0) throw badRequest([{ name, reason: `'${name}' must be the id of an event of an earlier page.` }]);
    if (name === 'start_after') start = at + 1;
    else end = at;
  }
  const backwards = query.end_before !== undefined && query.start_after === undefined;
  const events = backwards ? records.slice(Math.max(start, end - size), end) : records.slice(start, Math.min(end, start + size));
  const last = events.at(-1);
  const more = last !== undefined && records.indexOf(last) < records.length - 1;
  return { events, next_cursor: more ? last.id : null };
}

export const webhookWrappers: Wrappers = {
  // The generic handler finds the webhook (404 naming webhook_id otherwise); the body is its history.
  list_webhook_events_history: (generic) => (input) => {
    return thenDo(generic(input), (output) => ({ ...output, body: historyPage(input as HandlerInput<'list_webhook_events_history'>) }));
  },
  // The generic handler deletes it (404 or 412 first); its deliveries still waiting end at once.
  delete_webhook: (generic) => (input) => {
    return thenDo(generic(input), (output) => {
      const { session, params } = input as HandlerInput<'delete_webhook'>;
      session.webhookDeliveries?.deliverer.webhookDeleted(session, params.webhook_id);
      return output;
    });
  },
};
