// set_target_group_respondent_activity_exclusions: "A duration can also be set at the request root level
// to apply as the default for all items. Per-item durations override the request-level default. If
// neither is specified, the duration defaults to P90D." The document's schema gives each item the default
// P90D, which validation would fill in before the handler could tell an item that sent none: so the
// request's duration is given to those items first, a route-level hook on the one operation whose body
// has both, and the schema's default is left for items when neither was sent.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Operation } from '../cint/operations.js';

type Schema = { properties?: Record<string, Schema>; items?: Schema };

/** The route-level preValidation hook for `op`, or undefined when its body has no request-level duration for its items. */
export function exclusionDurationsHook(op: Operation): ((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void) | undefined {
  const body = (op.schemas as { body?: Schema }).body;
  if (!body?.properties?.duration || !body.properties.respondent_activity_exclusions?.items?.properties?.duration) return undefined;
  return (request, _reply, done) => {
    const sent = request.body as { duration?: unknown; respondent_activity_exclusions?: unknown } | null | undefined;
    if (typeof sent === 'object' && sent !== null && typeof sent.duration === 'string' && Array.isArray(sent.respondent_activity_exclusions)) {
      for (const item of sent.respondent_activity_exclusions as unknown[]) {
        if (typeof item === 'object' && item !== null && !('duration' in item)) (item as { duration?: string }).duration = sent.duration;
      }
    }
    done();
  };
}
