// The Cint Demand API: every operation in Cint's document, registered from the operation table, in one
// encapsulated plugin so its hooks run for these routes only. A request reads top to bottom:
//   authenticate and pick the session (onRequest) -> decide: a scripted answer, a fault, or on
//   (preValidation) -> required headers and content type -> schema validation -> idempotent replay
//   (preHandler) -> the operation's handler -> stamp headers (onSend) -> one journal entry (onResponse).
// /oauth/token and /__admin are sibling plugins and pay for none of it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { operations, type Operation } from '../cint/operations.js';
import { pruneUnknown } from '../cint/prune.js';
import { authentication } from '../hooks/authentication.js';
import { businessUnitHook } from '../hooks/business-unit.js';
import { idempotency } from '../hooks/idempotency.js';
import { journal } from '../hooks/journal.js';
import { requiredHeaders } from '../hooks/required-headers.js';
import { scenarioEngine } from '../hooks/scenario.js';
import { directoryOf, type Directory } from './directory.js';
import { fieldingRunHandlers } from './fielding-runs.js';
import { jobHandlers } from './jobs.js';
import { genericHandler, planOperations } from './generic.js';
import type { Handler, HandlerInput, Handlers } from './handler.js';
import { profileHandlers } from './profiles.js';
import { projectHandlers } from './projects.js';
import { acceptUploads } from './multipart.js';
import { loadReferenceData } from './reference-data.js';
import { userIdOf } from './shared.js';
import { targetGroupHandlers } from './target-groups.js';
import { targetGroupViewHandlers } from './target-group-views.js';

export const handlers: Handlers = { ...projectHandlers, ...targetGroupHandlers, ...targetGroupViewHandlers, ...fieldingRunHandlers, ...jobHandlers, ...profileHandlers };

export async function cintApi(app: FastifyInstance, options: { bodyLimit: number; referenceData?: string | undefined }): Promise<void> {
  const referenceData = loadReferenceData(options.referenceData);
  const directory = directoryOf(referenceData);
  // Reconciliations arrive as CSV text.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  authentication(app);
  scenarioEngine(app);
  requiredHeaders(app);
  idempotency(app);
  journal(app);

  const plans = planOperations(operations, new Set(Object.keys(handlers)));
  const register = (scope: FastifyInstance, op: Operation) => {
    const handler = (handlers[op.id] as Handler | undefined) ?? genericHandler(op, plans.get(op.id)!, referenceData.get(op.id));
    const normalize = businessUnitHook(op);
    scope.route({
      ...(normalize ? { preValidation: normalize } : {}),
      method: op.method,
      url: op.path,
      // Headers are checked by hooks/required-headers.ts, before the body, with the document's names.
      schema: routeSchemas(op),
      config: { operationId: op.id },
      exposeHeadRoute: false,
      handler: respond(op, handler, directory),
    });
  };
  const isUpload = (op: Operation) => op.bodyContentType === 'multipart/form-data';
  for (const op of operations) if (!isUpload(op)) register(app, op);
  // The uploads (a `file` part in multipart/form-data) in a scope of their own, the only routes that read it.
  await app.register(async (uploads) => {
    acceptUploads(uploads, { bytes: options.bodyLimit, fields: 10 });
    for (const op of operations) if (isUpload(op)) register(uploads, op);
  });
}

function routeSchemas(op: Operation) {
  const { headers: _checkedByHook, ...schemas } = op.schemas as Record<string, unknown>;
  return schemas;
}

function respond(op: Operation, handler: Handler, directory: Directory) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const output = await handler(new Input(op, request, directory));
    const status = output.status ?? op.successStatus;
    reply.code(status);
    if (output.headers) reply.headers(output.headers);
    if (output.body === undefined || status === 204) return reply.send();
    return reply.send(output.body);
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
  get jobTiming() { return this.session.jobTiming ?? this.request.server.mock.jobTiming; }
  get jobScript() { return this.request.cint.jobScript ?? null; }
}
