// The operation table: every Cint operation the mock serves, with its method, path, success status
// and documented statuses, as generated from Cint's OpenAPI document.
import { operationTable } from './spec.generated.js';

export { CINT_API_VERSION } from './spec.generated.js';

export type OperationId = keyof typeof operationTable;
export type Operation = (typeof operationTable)[OperationId];

export const operations: readonly Operation[] = Object.freeze(Object.values(operationTable));
export const operationIds: readonly OperationId[] = Object.freeze(operations.map((op) => op.id));

export function isOperationId(value: string): value is OperationId {
  return Object.hasOwn(operationTable, value);
}

export function operation(id: OperationId): Operation {
  return operationTable[id];
}

/** Header names as Cint's document spells them, for messages (requests carry them in any case). */
export const HEADER_NAMES: Readonly<Record<string, string>> = Object.freeze({
  'cint-api-version': 'Cint-API-Version',
  'idempotency-key': 'Idempotency-Key',
  'if-match': 'If-Match',
});
