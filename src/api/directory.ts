// Names for ids a client sends bare and Cint answers with a name beside them: the suppliers of a target
// group's allocations (ids in the request, {id, name} in get_target_group) and the account's name in a
// target group's details. They come from the lists a client can read, so the two always agree: the
// user's reference data for get_suppliers and get_user_accounts when given, else the document's example
// of each. An id neither list has is named after itself ("Supplier 980"): the mock knows no other names.
// Other reads that answer what a reference list holds (the global allocation templates) read it here too.
import { exampleBody } from './answers.js';
import type { ReferenceData } from './reference-data.js';

export interface Supplier { id: number; name: string }

export interface Directory {
  /** The suppliers get_suppliers answers, in its order. */
  readonly suppliers: readonly Supplier[];
  supplier(id: number): Supplier;
  accountName(accountId: number): string;
  /** The body a read of reference data answers: the user's, else the document's example. Read it, never change it. */
  referenceBody(operationId: string): unknown;
}

/** What the user gave for a read, or the document's example. */
function bodyOf(reference: ReferenceData, operationId: string): unknown {
  const text = reference.get(operationId);
  return text === undefined ? exampleBody(operationId, 200) : JSON.parse(text);
}

/** The {id, name} entries of a list read's body: `field` of what the user gave, or of the document's example. */
function namesIn(reference: ReferenceData, operationId: string, field: string): Map<number, string> {
  const body = bodyOf(reference, operationId) as Record<string, unknown> | undefined;
  const names = new Map<number, string>();
  const entries = body?.[field];
  for (const entry of Array.isArray(entries) ? entries as { id?: unknown; name?: unknown }[] : []) {
    // Cint's supplier in an allocation is {id: integer >= 0, name: non-empty}: entries that cannot be one are skipped.
    if (Number.isSafeInteger(entry?.id) && (entry.id as number) >= 0 && typeof entry.name === 'string' && entry.name !== '') {
      names.set(entry.id as number, entry.name);
    }
  }
  return names;
}

/** Made at registration; the lists are read on first use (few requests need them, and start-up need not pay). */
export function directoryOf(reference: ReferenceData): Directory {
  let suppliers: Map<number, string> | undefined;
  let accounts: Map<number, string> | undefined;
  let supplierList: Supplier[] | undefined;
  const bodies = new Map<string, unknown>();
  const supplierNames = () => (suppliers ??= namesIn(reference, 'get_suppliers', 'suppliers'));
  return {
    get suppliers() {
      return (supplierList ??= [...supplierNames()].map(([id, name]) => ({ id, name })));
    },
    supplier: (id) => ({ id, name: supplierNames().get(id) ?? `Supplier ${id}` }),
    accountName: (accountId) => (accounts ??= namesIn(reference, 'get_user_accounts', 'accounts')).get(accountId) ?? `Account ${accountId}`,
    referenceBody: (operationId) => {
      if (!bodies.has(operationId)) bodies.set(operationId, bodyOf(reference, operationId));
      return bodies.get(operationId);
    },
  };
}
