// What an operation's handler sees and returns: data in, data out. The plugin (api/plugin.ts) turns a
// request into a HandlerInput and a HandlerOutput into the answer; handlers never touch the reply.
import type { Static, TSchema } from '@sinclair/typebox';
import type { Identity } from '../auth/tokens.js';
import type { Operation, OperationId } from '../cint/operations.js';
import type { operationTable } from '../cint/spec.generated.js';
import type { JobScript } from '../sessions/jobs.js';
import type { JobTiming, Session } from '../sessions/store.js';
import type { Directory } from './directory.js';

type Schemas<Id extends OperationId> = (typeof operationTable)[Id]['schemas'];
type Part<Id extends OperationId, K extends string> = Schemas<Id> extends { [P in K]: infer S extends TSchema } ? Static<S> : undefined;

export interface HandlerInput<Id extends OperationId = OperationId> {
  operation: Operation;
  session: Session;
  identity: Identity | null;
  /** Who the session's changes are attributed to (created_by, last_changed_by). */
  actor: string;
  params: Part<Id, 'params'>;
  query: Part<Id, 'querystring'>;
  headers: Record<string, string | string[] | undefined>;
  body: Part<Id, 'body'>;
  /** The request path without its query string. */
  path: string;
  /** Where the request came: scheme and host (`http://127.0.0.1:8080`), for the absolute URLs an answer gives. */
  origin: string;
  /** How long a job this request creates takes: the session's setting, else the instance's. */
  jobTiming: JobTiming;
  /** What a scenario's `job` step asks of the job this request creates; null when none. */
  jobScript: JobScript | null;
  /** Names for the ids the API answers with a name beside them (suppliers, accounts). */
  directory: Directory;
}

export interface HandlerOutput {
  /** The operation's documented success status when left out. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler<Id extends OperationId = OperationId> = (input: HandlerInput<Id>) => HandlerOutput | Promise<HandlerOutput>;

/** Handlers of their own, keyed by operation id; the others get the generic handler. */
export type Handlers = { [Id in OperationId]?: Handler<Id> };

/** Wraps an operation's generic handler: checks before it, or more done after it. */
export type AroundGeneric = (generic: Handler) => Handler;

/** `more` done to a handler's output once it is there, whether the handler answered at once or with a promise. */
export function thenDo(output: HandlerOutput | Promise<HandlerOutput>, more: (output: HandlerOutput) => HandlerOutput): HandlerOutput | Promise<HandlerOutput> {
  return output instanceof Promise ? output.then(more) : more(output);
}

/** Operations the generic handler serves with a check before it or more after it, keyed by operation id. */
export type Wrappers = Partial<Record<OperationId, AroundGeneric>>;
