// What the mock knows about a request as it moves through the hooks, kept on the request.
import type { Identity } from './auth/tokens.js';
import type { JournalEntry } from './journal/journal.js';
import type { Operation } from './cint/operations.js';
import type { LostAnswerFault } from './scenarios/schema.js';
import type { JobScript } from './sessions/jobs.js';
import type { Session } from './sessions/store.js';
import type { DeliveryScript } from './webhooks/delivery.js';

export interface RequestContext {
  /** The operation's entry in the table (null off the Cint routes); its `id` names it. */
  operation: Operation | null;
  sessionId: string;
  session: Session | null;
  identity: Identity | null;
  traceparent: string;
  tracestate: string | undefined;
  /** Set when the answer came from a replayed idempotency key. */
  replayed: boolean;
  /** performance.now() when the request's context was made, for the journal's duration. */
  startedAt: number;
  /**
   * Which scenario rule answered (its index in the file's rules, from 0); null when the scenario engine
   * let the realistic behaviour answer; `{ name: 'Prefer: code=NNN', rule: -1 }` for a Prefer header.
   */
  scenario?: { name: string; rule: number; step?: number } | null;
  /** A scenario's `job` step: how the job this request creates behaves. */
  jobScript?: JobScript | null;
  /** A scenario's `webhook` step: how the events this request publishes are delivered. */
  deliveryScript?: DeliveryScript | null;
  /** The fault of a step that runs the realistic handler (passthrough, job, webhook): the answer made is lost this way instead of sent (scenarios/faults.ts loseAnswer). */
  lostAnswer?: LostAnswerFault | null;
  /** Its journal entry, once made (with a shared store it is saved with the session, before the answer goes out). */
  journaled?: { entry: JournalEntry; bytes: number } | null;
  /** The request's body as the client sent it, when it was read as JSON text, for the journal: validation trims and fills in request.body. */
  requestText?: string;
  /** The response's body as sent (onSend's payload, when it is text), for the journal. */
  responseBody?: string;
}
