// An account allocation template as the client made it, read by its id or through its business unit:
// the template a client created with create_account_allocation_template (a generic collection,
// api/generic.ts), with each supplier's name. Through the business unit, in the shape a target group's
// allocations take. Without this, both reads answered the document's example allocations whatever
// template the client had made: what was sent lacks the names (and the exchange's suppliers) that the
// answer's schema requires, so the generic read kept the example's.
import { notFound } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { collectionKeyOf, type StoredResource } from '../sessions/store.js';
import type { Directory } from './directory.js';
import { thenDo, type Handlers, type Wrappers } from './handler.js';
import { isObject, objectsOf, type Json } from './target-group-shape.js';

/** The templates live in create_account_allocation_template's generic collection, per account. */
const ITEM_PATH = operation('get_account_allocation_template_by_template_id').path;

const supplierInfo = (directory: Directory, id: unknown) => {
  const supplier = directory.supplier(Number(id));
  return { supplier_id: String(supplier.id), supplier_name: supplier.name };
};
const supplierIdsOf = (entry: Json): unknown[] => objectsOf(entry.suppliers).map((supplier) => supplier.supplier_id);

/** The open exchange's suppliers: those get_suppliers lists that the template neither blocks nor groups (decision 124). */
function openExchangeSuppliers(entries: Json[], directory: Directory) {
  const taken = new Set(entries.filter((entry) => entry.type !== 'exchange').flatMap(supplierIdsOf).map(Number));
  return directory.suppliers.filter((supplier) => !taken.has(supplier.id));
}

/**
 * GetAccountAllocationTemplateBusinessUnitIdResponse from a stored template's `supply_allocations`:
 * its exchange entry's percentages, its groups, its blocked suppliers; the open exchange's suppliers are
 * those get_suppliers lists that the template neither blocks nor groups (decision 124). A template has
 * Cint Exchange suppliers only, so no private exchange supplier is blocked.
 */
function businessUnitView(template: StoredResource, directory: Directory) {
  const entries = objectsOf(template.fields.supply_allocations);
  const exchange = entries.find((entry) => entry.type === 'exchange');
  const groups = entries.filter((entry) => entry.type === 'group');
  const blocked = entries.filter((entry) => entry.type === 'blocked').flatMap(supplierIdsOf);
  return {
    template_id: template.id,
    template_name: template.fields.name,
    open_exchange_allocations: {
      exchange_suppliers: openExchangeSuppliers(entries, directory).map((supplier) => supplierInfo(directory, supplier.id)),
      blocked_suppliers: blocked.map((id) => supplierInfo(directory, id)),
      exchange_min_percentage: (isObject(exchange) ? exchange.percentage_min : undefined) ?? 0,
      exchange_max_percentage: (isObject(exchange) ? exchange.percentage_max : undefined) ?? 100,
      groups: groups.map((group) => ({
        group_name: group.name,
        min_percentage: group.percentage_min ?? 0,
        max_percentage: group.percentage_max,
        suppliers: supplierIdsOf(group).map((id) => supplierInfo(directory, id)),
      })),
    },
    private_exchange_allocations: { blocked_suppliers: [] },
    last_modified_at: template.updated_at,
    last_modified_by: template.fields.last_modified_by,
  };
}

/**
 * GetAccountAllocationTemplateByTemplateIdResponse's `supply_allocations` from the stored template's: each
 * supplier as {supplier_id, name}, and the exchange entry with the open exchange's suppliers. The
 * supplier's panel `type` is left out: the schema does not require it, and the mock does not know it.
 */
function answeredAllocations(template: StoredResource, directory: Directory): Json[] {
  const entries = objectsOf(template.fields.supply_allocations);
  const named = (ids: readonly unknown[]) => ids.map((id) => ({ supplier_id: Number(id), name: directory.supplier(Number(id)).name }));
  return entries.map((entry) => ({
    ...entry,
    suppliers: named(entry.type === 'exchange' ? openExchangeSuppliers(entries, directory).map((supplier) => supplier.id) : supplierIdsOf(entry)),
  }));
}

export const allocationTemplateWrappers: Wrappers = {
  get_account_allocation_template_by_template_id: (generic) => (input) => thenDo(generic(input), (output) => {
    const params = input.params as unknown as Record<string, string>;
    const template = input.session.resources.get(collectionKeyOf(ITEM_PATH, [params.account_id]))?.get(params.template_id!);
    if (!template) return output;
    return { ...output, body: { ...(output.body as Json), supply_allocations: answeredAllocations(template, input.directory) } };
  }),
};

export const allocationTemplateHandlers = {
  // The business unit and locale choose nothing more: the mock's suppliers are the same for all (decision 124).
  get_account_allocation_template_for_business_unit_id: ({ session, params, directory }) => {
    const template = session.resources.get(collectionKeyOf(ITEM_PATH, [params.account_id]))?.get(params.template_id);
    if (!template) throw notFound('template_id');
    return { headers: { etag: template.etag }, body: businessUnitView(template, directory) };
  },
} satisfies Handlers;
