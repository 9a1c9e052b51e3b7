// Cint's webhook events (WebhookEventType): what happens to a session's objects, as events its
// registered webhooks are sent. Everything that changes a target group, fills a quota or moves a
// respondent publishes here; the session's listener (webhooks/delivery.ts) delivers each event to the
// webhooks that subscribe to it, and list_webhook_events_history shows those deliveries.
import type { OperationId } from '../cint/operations.js';
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

/** Who hears a session's events: the webhook deliverer, given to every session by the session store. */
export interface EventListener {
  published(session: Session, event: CintEvent): void;
}

/** Events kept per session, oldest forgotten first. */
export const EVENT_LIMIT = 1000;

/**
 * Records an event of the session at `at` (ISO, by the session's clock) and hands it to the session's
 * listener, which delivers it; returns it. Publishing never waits: deliveries happen later, on timers.
 * An event whose payload has a numeric `account_id` goes to that account's webhooks only; one without
 * goes to the webhooks of every account of the session.
 */
export function publishEvent(session: Session, type: CintEventType, payload: Record<string, unknown>, at: string): CintEvent {
  const event: CintEvent = { id: newId(), type, payload, created_at: at };
  session.events.push(event);
  if (session.events.length > EVENT_LIMIT) session.events.splice(0, session.events.length - EVENT_LIMIT);
  session.eventListener?.published(session, event);
  return event;
}

/**
 * The operations whose handling can publish events: a scenario's `webhook` step acts on the events
 * published while the request it answers is handled, so it may only sit on these. Jobs publish when
 * they end: at their creation when they end at once, else at the poll that ends them.
 */
export const PUBLISHING_OPERATIONS: readonly OperationId[] = [
  'pause_fielding_run', 'resume_fielding_run', 'complete_fielding_run', 'relaunch_fielding_run', 'launch_now_fielding_run',
  'create_launch_fielding_run_from_draft_job', 'get_launch_fielding_run_from_draft_job',
  'create_schedule_fielding_run_from_draft_job', 'get_schedule_fielding_run_from_draft_job',
  'create_bulk_launch_target_groups_job', 'get_bulk_launch_target_groups_job',
  'create_bulk_pause_target_groups_job', 'get_bulk_pause_target_groups_job',
  'create_bulk_resume_target_groups_job', 'get_bulk_resume_target_groups_job',
  'create_bulk_complete_target_groups_job', 'get_bulk_complete_target_groups_job',
  'create_bulk_relaunch_target_groups_job', 'get_bulk_relaunch_target_groups_job',
  'create_bulk_update_target_group_project_manager_job', 'get_bulk_update_target_group_project_manager_job',
  'update_target_group', 'update_launched_target_group_details', 'update_cost_per_interview', 'update_profile_filling_goal',
];
