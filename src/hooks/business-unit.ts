// business_unit_id is a string of digits in the document's target group bodies and an integer in the
// feasibility body; clients written against an earlier revision of 2025-12-18 send the other form.
// Either form of the same digits is read as the operation's schema says, before it is validated: a
// hook on the routes whose body has the field, so no other request pays for it. In a path (the
// allocation templates' and pricing reads of a business unit) it is a string the schema does not
// restrict, and anything but digits is refused as in a body (decision 14).
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { badRequest } from '../cint/errors.js';
import type { Operation } from '../cint/operations.js';

const DIGITS = /^\d{1,9}$/;

/** The route-level preValidation hook for `op`, or undefined when its body has no business_unit_id. */
export function businessUnitHook(op: Operation): ((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void) | undefined {
  const type = (op.schemas as { body?: { properties?: Record<string, { type?: string }> } }).body?.properties?.business_unit_id?.type;
  if (type !== 'string' && type !== 'integer') return undefined;
  return (request, _reply, done) => {
    const body = request.body as Record<string, unknown> | null | undefined;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const value = body.business_unit_id;
      if (type === 'string' && Number.isSafeInteger(value) && (value as number) >= 0) body.business_unit_id = String(value);
      else if (type === 'integer' && typeof value === 'string' && DIGITS.test(value)) body.business_unit_id = Number(value);
    }
    done();
  };
}

/**
 * The route-level preValidation hook of the operations whose path names a business unit, undefined for
 * the others: a business_unit_id that is not digits is a 400 naming it, as the path's other ids are
 * refused before the query and the body are read.
 */
export function businessUnitPathHook(op: Operation): ((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void) | undefined {
  if (!op.path.includes('/:business_unit_id')) return undefined;
  return (request, _reply, done) => {
    const value = (request.params as Record<string, unknown>).business_unit_id;
    if (typeof value === 'string' && !DIGITS.test(value)) {
      done(badRequest([{ name: 'business_unit_id', reason: "'business_unit_id' must be the numeric id of a business unit." }]));
    } else done();
  };
}
