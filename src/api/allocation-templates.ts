// An account allocation template read through its business unit: the template a client created with
// create_account_allocation_template (a generic collection, api/generic.ts), in the shape a target
// group's allocations take, with each supplier's name. Without this, the business unit's read answered
// the document's example whatever template the client had made.
import { notFound } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { collectionKeyOf, type StoredResource } from '../sessions/store.js';
import type { Directory } from './directory.js';
import type { Handlers } from './handler.js';
import { isObject, objectsOf, type Json } from './target-group-shape.js';

/** The templates live in create_account_allocation_template's generic collection, per account. */
const ITEM_PATH = operation('get_account_allocation_template_by_template_id').path;

const supplierInfo = (directory: Directory, id: unknown) => {
  const supplier = directory.supplier(Number(id));
  return { supplier_id: String(supplier.id), supplier_name: supplier.name };
};
const supplierIdsOf = (entry: Json): unknown[] => objectsOf(entry.suppliers).map((supplier) => supplier.supplier_id);

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
  const taken = new Set([...blocked, ...groups.flatMap(supplierIdsOf)].map(Number));
  return {
    template_id: template.id,
    template_name: template.fields.name,
    open_exchange_allocations: {
      exchange_suppliers: directory.suppliers.filter((supplier) => !taken.has(supplier.id)).map((supplier) => supplierInfo(directory, supplier.id)),
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

export const allocationTemplateHandlers = {
  // The business unit and locale choose nothing more: the mock's suppliers are the same for all (decision 124).
  get_account_allocation_template_for_business_unit_id: ({ session, params, directory }) => {
    const template = session.resources.get(collectionKeyOf(ITEM_PATH, [params.account_id]))?.get(params.template_id);
    if (!template) throw notFound('template_id');
    return { headers: { etag: template.etag }, body: businessUnitView(template, directory) };
  },
} satisfies Handlers;
