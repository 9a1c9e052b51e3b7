// Cint's webhook events (WebhookEventType): what happens to a session's objects, as events its
// registered webhooks are sent. Everything that changes a target group, fills a quota or moves a
// respondent publishes here; the webhooks module (deliveries, history) reads from here.
import { newId, type Session } from './store.js';

export type CintEventType = 'target-group-updated' | 'quota-fill-registered' | 'session-updated';

/** A stored event record, as list_webhook_events_history shows it: `{id, type, payload, created_at}` (status is its deliveries'). */
export interface CintEvent {
  /** A ULID: unique, and in the order events happened. */
  id: string;
  type: CintEventType;
  payload: Record<string, unknown>;
  /** By the session's clock. */
  created_at: string;
}

/** Events kept per session, oldest forgotten first. */
export const EVENT_LIMIT = 1000;

/** Records an event of the session at `at` (ISO, by the session's clock); returns it. */
export function publishEvent(session: Session, type: CintEventType, payload: Record<string, unknown>, at: string): CintEvent {
  const event: CintEvent = { id: newId(), type, payload, created_at: at };
  session.events.push(event);
  if (session.events.length > EVENT_LIMIT) session.events.splice(0, session.events.length - EVENT_LIMIT);
  return event;
}
