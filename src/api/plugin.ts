// The Cint Demand API: every operation in Cint's document, registered from the operation table, in one
// encapsulated plugin so its hooks run for these routes only. A request reads top to bottom:
//   authenticate and pick the session (onRequest) -> decide: a scripted answer, a fault, or on
//   (preValidation) -> required headers and content type -> schema validation -> idempotent replay
//   (preHandler, on POST and PUT) -> the operation's handler -> stamp headers, then one journal entry
//   (onSend), the answer kept for replay and, with a shared store, the session saved.
// /oauth/token and /__admin are sibling plugins and pay for none of it.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { operations, type Operation, type OperationId } from '../cint/operations.js';
import { badRequest } from '../cint/errors.js';
import { pruneUnknown } from '../cint/prune.js';
import type { RouteMethods } from '../cint/route-methods.js';
import { validatorCompiler } from '../cint/validation.js';
import { authentication } from '../hooks/authentication.js';
import { businessUnitHook, businessUnitPathHook } from '../hooks/business-unit.js';
import { exclusionDurationsHook } from '../hooks/exclusion-durations.js';
import { rememberIdempotent, replayIdempotent, takesIdempotencyKey } from '../hooks/idempotency.js';
import { journal } from '../hooks/journal.js';
import { requiredHeaders } from '../hooks/required-headers.js';
import { scenarioEngine } from '../hooks/scenario.js';
import { giveSessionBack, takeSessions } from '../hooks/shared.js';
import { accountWrappers } from './accounts.js';
import { allocationRulesHook } from './allocation-rules.js';
import { allocationTemplateHandlers, allocationTemplateWrappers } from './allocation-templates.js';
import { directoryOf, type Directory } from './directory.js';
import { exclusionGroupHandlers, exclusionGroupWrappers } from './exclusion-groups.js';
import { exclusionHandlers, exclusionWrappers } from './exclusions.js';
import { feasibilityHandlers } from './feasibility.js';
import { fieldingRunHandlers } from './fielding-runs.js';
import { fulfillmentHandlers } from './fulfillment.js';
import { jobHandlers } from './jobs.js';
import { genericHandler, planOperations } from './generic.js';
import type { Handler, HandlerInput, HandlerOutput, Handlers } from './handler.js';
import { pricingHandlers } from './pricing.js';
import { profileTemplateHandlers, profileTemplateWrappers } from './profile-templates.js';
import { profileHandlers } from './profiles.js';
import { questionWrappers } from './questions.js';
import { projectHandlers } from './projects.js';
import { reconciliationHandlers } from './reconciliations.js';
import { reportHandlers, reportWrappers } from './reports.js';
import { recontactHandlers, recontactWrappers } from './recontacts.js';
import { acceptUploads } from './multipart.js';
import { MAX_FILE_BYTES } from './uploads.js';
import { loadReferenceData } from './reference-data.js';
import { userIdOf } from './shared.js';
import { targetGroupHandlers } from './target-groups.js';
import { targetGroupViewHandlers } from './target-group-views.js';
import { targetGroupSettingsHandlers } from './target-group-settings.js';
import { transitionHandlers } from './transitions.js';
import { uniqueCodeHandlers } from './unique-codes.js';
import { webhookUrlHook, webhookWrappers } from './webhooks.js';

export const handlers: Handlers = {
  ...projectHandlers,
  ...targetGroupHandlers,
  ...targetGroupViewHandlers,
  ...targetGroupSettingsHandlers,
  ...fieldingRunHandlers,
  ...jobHandlers,
  ...profileHandlers,
  ...profileTemplateHandlers,
  ...exclusionGroupHandlers,
  ...transitionHandlers,
  ...allocationTemplateHandlers,
  ...exclusionHandlers,
  ...uniqueCodeHandlers,
  ...recontactHandlers,
  ...reconciliationHandlers,
  ...reportHandlers,
  ...fulfillmentHandlers,
  ...feasibilityHandlers,
  ...pricingHandlers,
};

/** The largest reconciliation CSV taken: 100,000 rows of a UUID and a reason code are about 4.1 MB. */
const MAX_CSV_BYTES = 8 * 1024 * 1024;

/** Reads with a handler of their own that answer (part of) the user's reference data for them. */
const OWN_REFERENCE_READS: ReadonlySet<OperationId> = new Set(['get_global_allocation_template_by_template_id']);

/** Why `id`'s read never answers reference data given for it (null: it does), as the start's error says it. */
function unreadReference(id: OperationId, plans: ReadonlyMap<OperationId, { role: string; within: readonly unknown[] }>): string | null {
  if (id in handlers) return OWN_REFERENCE_READS.has(id) ? null : 'the mock answers this read itself, from the session\'s state or its own rules';
  // A read of something the clients made (a webhook's events, a report's status) is theirs too.
  const plan = plans.get(id);
  return !plan || (plan.role === 'other' && plan.within.length === 0) ? null : 'the mock answers this read from the session\'s state (what its clients made)';
}

export async function cintApi(app: FastifyInstance, options: { bodyLimit: number; referenceData?: string | undefined; webhookRequireHttps?: boolean; routes: RouteMethods }): Promise<void> {
  const plans = planOperations(operations, new Set(Object.keys(handlers)));
  const referenceData = loadReferenceData(options.referenceData, (id) => unreadReference(id, plans));
  const directory = directoryOf(referenceData);
  // Reconciliations arrive as CSV text.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  authentication(app);
  const { shared } = app.mock;
  if (shared) takeSessions(app, shared);
  scenarioEngine(app, options.routes);
  requiredHeaders(app);
  journal(app);
  // Route hooks, after the journal's onSend: an operation's answer is kept for replay where it takes an
  // Idempotency-Key (reads and deletes run neither hook), then a shared store saves the session.
  const giveBack = shared ? giveSessionBack(shared) : undefined;

  // Operations the generic handler serves with a check before it or more after it (api/webhooks.ts).
  const around = {
    ...webhookWrappers,
    ...exclusionWrappers,
    ...exclusionGroupWrappers,
    ...recontactWrappers,
    ...reportWrappers,
    ...profileTemplateWrappers,
    ...accountWrappers,
    ...allocationTemplateWrappers,
    ...questionWrappers,
  };
  const requireHttps = options.webhookRequireHttps ?? false;
  const register = (scope: FastifyInstance, op: Operation) => {
    // A wrapper makes the answer's list itself (the webhook events history): the example's is not paged first.
    const generic = () => genericHandler(op, plans.get(op.id)!, referenceData.get(op.id), !(op.id in around));
    const handler = (handlers[op.id] as Handler | undefined) ?? around[op.id]?.(generic()) ?? generic();
    // What a body needs before it is validated, on the routes whose body has it.
    const optional = takesNoBody(op);
    const normalize = [...(optional ? [refuseNullBody] : []), businessUnitPathHook(op), businessUnitHook(op), allocationRulesHook(op), exclusionDurationsHook(op), webhookUrlHook(op, requireHttps)].filter((hook) => hook !== undefined);
    const keyed = takesIdempotencyKey(op.method);
    const onSend = [...(keyed ? [rememberIdempotent] : []), ...(giveBack ? [giveBack] : [])];
    scope.route({
      // A reconciliation's CSV may have Cint's 100,000 rows (about 4 MB), whatever the limit of JSON bodies.
      ...(op.bodyContentType === 'text/csv' ? { bodyLimit: Math.max(options.bodyLimit, MAX_CSV_BYTES) } : {}),
      ...(normalize.length ? { preValidation: normalize } : {}),
      ...(keyed ? { preHandler: replayIdempotent } : {}),
      ...(onSend.length ? { onSend } : {}),
      method: op.method,
      url: op.path,
      // Headers are checked by hooks/required-headers.ts, before the body, with the document's names.
      schema: routeSchemas(op),
      ...(optional ? { validatorCompiler: bodyOrNone } : {}),
      config: { operation: op },
      exposeHeadRoute: false,
      handler: respond(op, handler, directory),
    });
  };
  const isUpload = (op: Operation) => op.bodyContentType === 'multipart/form-data';
  for (const op of operations) if (!isUpload(op)) register(app, op);
  // The uploads (a `file` part in multipart/form-data) in a scope of their own, the only routes that read it.
  // A file may be as large as Cint takes (under 5 MB), whatever the limit of the JSON bodies.
  await app.register(async (uploads) => {
    acceptUploads(uploads, { fileBytes: MAX_FILE_BYTES, bytes: options.bodyLimit, fields: 10 });
    for (const op of operations) if (isUpload(op)) register(uploads, op);
  });
}

/**
 * A scenario's `webhook` step shapes the deliveries of the events this request publishes: the session
 * carries the script while the handler runs. Handlers publish synchronously (a change and its event are
 * one step), so the script is set for exactly this request's events and no other request's.
 */
function runWithDeliveryScript<T>(request: FastifyRequest, run: () => T): T {
  const script = request.cint.deliveryScript;
  const session = request.cint.session;
  if (!script || !session) return run();
  session.deliveryScript = script;
  try {
    return run();
  } finally {
    session.deliveryScript = null;
  }
}

/**
 * Where Cint's document makes the request body optional (requestBody not `required`) and every field of
 * it is optional too, a request without a body stands as an empty one would (decision 190):
 * calculate_target_group_feasibility_by_id's what-if fields. update_respondent_status's body is optional
 * in the document as well, but its fields are required, so without one it is still refused.
 */
function takesNoBody(op: Operation): boolean {
  // Read from the schema, not by compiling it: a validator is compiled when first used, not at start.
  const body = (op.schemas as { body?: { type?: unknown; required?: readonly unknown[] } }).body;
  return op.bodyContentType !== null && !op.bodyRequired && body?.type === 'object' && (body.required ?? []).length === 0;
}

/** The route's validators, its body's passing a request without one (Fastify hands the validator null for it). */
const bodyOrNone: FastifySchemaCompiler<unknown> = (route) => {
  const validate = validatorCompiler(route) as ReturnType<FastifySchemaCompiler<unknown>> & ((data: unknown) => boolean);
  if (route.httpPart !== 'body') return validate;
  const orNone = ((data: unknown) => data === null || validate(data)) as typeof validate;
  Object.defineProperty(orNone, 'errors', { get: () => validate.errors });
  return orNone;
};

/** A body that is JSON's null is not a missing one: refused as before, as every other body's type is. */
function refuseNullBody(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (request.body === null) done(badRequest([{ name: 'body', reason: "'body' must be of type object." }]));
  else done();
}

function routeSchemas(op: Operation) {
  const { headers: _checkedByHook, ...schemas } = op.schemas as Record<string, unknown>;
  return schemas;
}

/** The route's handler: the operation's handler, data in and data out, and its output sent. Most answer at once; a promise is awaited. */
function respond(op: Operation, handler: Handler, directory: Directory) {
  const send = (reply: FastifyReply, output: HandlerOutput) => {
    const status = output.status ?? op.successStatus;
    reply.code(status);
    if (output.headers) reply.headers(output.headers);
    if (output.body === undefined || status === 204) reply.send();
    else reply.send(output.body);
  };
  return (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> | undefined => {
    const output = runWithDeliveryScript(request, () => handler(new Input(op, request, directory)));
    // A promise resolves to the reply, as Fastify asks of an async handler that sends: the answer may
    // still be on its way (an onSend hook that writes the session to Redis), and a promise of undefined
    // would be taken for a handler that sent nothing.
    if (output instanceof Promise) return output.then((resolved) => { send(reply, resolved); return reply; });
    send(reply, output);
    return undefined;
  };
}

/** One class, so every handler input has the same shape; actor and path are worked out only when asked. */
class Input implements HandlerInput {
  constructor(readonly operation: Operation, private readonly request: FastifyRequest, readonly directory: Directory) {}
  get session() { return this.request.cint.session!; }
  get identity() { return this.request.cint.identity; }
  get actor() { return userIdOf(this.request.cint.identity?.clientId ?? this.request.cint.sessionId); }
  get params() { return this.request.params as never; }
  get query() { return this.request.query as never; }
  get headers() { return this.request.headers; }
  /** The body without the fields Cint's schema does not have (src/cint/prune.ts), worked out once. */
  get body() { return (this.prunedBody ??= { value: pruneUnknown((this.operation.schemas as { body?: object }).body, this.request.body) }).value as never; }
  private prunedBody: { value: unknown } | undefined;
  get path() { return this.request.url.split('?')[0] ?? this.request.url; }
  get origin() { return `${this.request.protocol}://${this.request.host}`; }
  get jobTiming() { return this.session.jobTiming ?? this.request.server.mock.jobTiming; }
  get jobScript() { return this.request.cint.jobScript ?? null; }
}
