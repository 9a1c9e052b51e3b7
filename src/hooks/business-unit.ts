// business_unit_id is a string of digits in the document's target group bodies and an integer in the
// feasibility body; clients written against an earlier revision of 2025-12-18 send the other form.
// Either form of the same digits is read as the operation's schema says, before it is validated.
import type { FastifyInstance } from 'fastify';
import { operations, type OperationId } from '../cint/operations.js';

const DIGITS = /^\d{1,9}$/;

export function businessUnitIds(app: FastifyInstance): void {
  const wanted = new Map<OperationId, 'string' | 'integer'>();
  for (const op of operations) {
    const type = (op.schemas as { body?: { properties?: Record<string, { type?: string }> } }).body?.properties?.business_unit_id?.type;
    if (type === 'string' || type === 'integer') wanted.set(op.id, type);
  }
  app.addHook('preValidation', async (request) => {
    const type = wanted.get(request.cint.operationId!);
    const body = request.body as Record<string, unknown> | null | undefined;
    if (type === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const value = body.business_unit_id;
    if (type === 'string' && Number.isSafeInteger(value) && (value as number) >= 0) body.business_unit_id = String(value);
    else if (type === 'integer' && typeof value === 'string' && DIGITS.test(value)) body.business_unit_id = Number(value);
  });
}
