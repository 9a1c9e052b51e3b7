// The allocation templates, each read the same way wherever it is read.
// An account allocation template as the client made it, read by its id or through its business unit:
// the template a client created with create_account_allocation_template (a generic collection,
// api/generic.ts), with each supplier's name. Through the business unit, in the shape a target group's
// allocations take. Without this, both reads answered the document's example allocations whatever
// template the client had made: what was sent lacks the names (and the exchange's suppliers) that the
// answer's schema requires, so the generic read kept the example's.
// The global templates are those list_global_allocation_templates lists (the user's reference data, else
// the document's example), each with the rules of get_global_allocation_template_by_template_id's body;
// the system template is every supplier get_suppliers lists. The account's association names one of the
// account's templates or a global one, and goes with an account template that is deleted.
import { badRequest, CintError, notFound, notFoundDetail } from '../cint/errors.js';
import { requireIfMatch } from '../cint/etag.js';
import { operation } from '../cint/operations.js';
import { collectionKeyOf, type Session, type StoredResource } from '../sessions/store.js';
import type { Directory } from './directory.js';
import { contentEtag } from './generic.js';
import { thenDo, type Handlers, type Wrappers } from './handler.js';
import { isObject, objectsOf, type Json } from './target-group-shape.js';

/** The templates live in create_account_allocation_template's generic collection, per account. */
const ITEM_PATH = operation('get_account_allocation_template_by_template_id').path;
/** The association is a generic singleton, kept under its path. */
const ASSOCIATION_PATH = operation('set_account_allocation_template_association').path;
/** TemplateID is `format: ulid`: Crockford's base 32, 26 characters, at most 7ZZZ… (either case). */
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;

const accountTemplate = (session: Session, accountId: unknown, templateId: string): StoredResource | undefined =>
  session.resources.get(collectionKeyOf(ITEM_PATH, [accountId as number]))?.get(templateId);
const associationKey = (accountId: unknown) => ASSOCIATION_PATH.replace(':account_id', String(accountId));

// ---- Suppliers ------------------------------------------------------------------------------------

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

// ---- A template's two shapes ----------------------------------------------------------------------

/**
 * The `open_exchange_allocations` and `private_exchange_allocations` of a business unit's read, from a
 * template's `supply_allocations`: its exchange entry's percentages, its groups, its blocked suppliers;
 * the open exchange's suppliers are those get_suppliers lists that the template neither blocks nor
 * groups (decision 124). A template has Cint Exchange suppliers only, so no private exchange supplier is
 * blocked.
 */
function businessUnitAllocations(entries: Json[], directory: Directory) {
  const exchange = entries.find((entry) => entry.type === 'exchange');
  const groups = entries.filter((entry) => entry.type === 'group');
  const blocked = entries.filter((entry) => entry.type === 'blocked').flatMap(supplierIdsOf);
  return {
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
  };
}

/**
 * A template's `supply_allocations` as a read by its id answers them: each supplier as {supplier_id, name},
 * and the exchange entry with the open exchange's suppliers. The supplier's panel `type` is left out:
 * the schema does not require it, and the mock does not know it.
 */
function answeredAllocations(entries: Json[], directory: Directory): Json[] {
  const named = (ids: readonly unknown[]) => ids.map((id) => ({ supplier_id: Number(id), name: directory.supplier(Number(id)).name }));
  return entries.map((entry) => ({
    ...entry,
    suppliers: named(entry.type === 'exchange' ? openExchangeSuppliers(entries, directory).map((supplier) => supplier.id) : supplierIdsOf(entry)),
  }));
}

// ---- Global templates -----------------------------------------------------------------------------

interface GlobalTemplate { template_id: string; name: string; last_modified_at: unknown; last_modified_by: unknown }

/** The global templates: those list_global_allocation_templates lists (the user's reference data, else the document's example). */
function globalTemplates(directory: Directory): GlobalTemplate[] {
  const body = directory.referenceBody('list_global_allocation_templates');
  return objectsOf(isObject(body) ? body.templates : undefined).filter((item): item is Json & GlobalTemplate =>
    typeof item.template_id === 'string' && typeof item.name === 'string');
}

/** The global template `templateId` names; a 404 naming template_id when it names none. */
function globalTemplate(directory: Directory, templateId: string): GlobalTemplate {
  const template = globalTemplates(directory).find((item) => item.template_id === templateId);
  if (!template) throw notFound('template_id');
  return template;
}

/**
 * What a global template holds: the supply_allocations of get_global_allocation_template_by_template_id's
 * body (the user's reference data, else the document's example), suppliers by id only: their names and
 * the exchange's suppliers are get_suppliers', as an account template's are. The mock knows one set of
 * rules, so every global template has them.
 */
function globalRules(directory: Directory): Json[] {
  const body = directory.referenceBody('get_global_allocation_template_by_template_id');
  return objectsOf(isObject(body) ? body.supply_allocations : undefined).map(({ suppliers, ...entry }) =>
    (entry.type === 'exchange' ? entry : { ...entry, suppliers: objectsOf(suppliers).map((supplier) => ({ supplier_id: supplier.supplier_id })) }));
}

// ---- The system template ---------------------------------------------------------------------------

/** "System Default for eng_us": the locale asked for, as the document's example names it. */
const systemTemplateName = (locale: string) => `System Default for ${locale}`;
/**
 * Every supplier on the exchange and nothing else, so every complete comes from the exchange: 100 is both
 * the minimum and the maximum (the by-locale example's; the business unit example's 0 would let a target
 * group take nothing from the only supply there is).
 */
const SYSTEM_PERCENTAGE = 100;

/** The association before any is set: the first global template listed (none without one). */
function defaultAssociation(directory: Directory): { template_id: string } | undefined {
  const first = globalTemplates(directory)[0];
  return first && { template_id: first.template_id };
}

// ---- The handlers ----------------------------------------------------------------------------------

export const allocationTemplateWrappers: Wrappers = {
  get_account_allocation_template_by_template_id: (generic) => (input) => thenDo(generic(input), (output) => {
    const params = input.params as unknown as Record<string, string>;
    const template = accountTemplate(input.session, params.account_id, params.template_id!);
    if (!template) return output;
    return { ...output, body: { ...(output.body as Json), supply_allocations: answeredAllocations(objectsOf(template.fields.supply_allocations), input.directory) } };
  }),

  // Before any association is set (and once its template is deleted), the account's default is the first
  // global template listed, as the document's example names 01JT5Z59MAKQ82J5K9Y3YGFNHN, the list's first.
  get_account_allocation_template_association: (generic) => (input) => {
    const params = input.params as unknown as Record<string, unknown>;
    if (input.session.singletons.has(associationKey(params.account_id))) return generic(input);
    const body = defaultAssociation(input.directory);
    if (!body) throw new CintError(404, `no allocation template is associated with account ${String(params.account_id)}, and there is no global template`);
    return { headers: { etag: contentEtag(body) }, body };
  },

  // The template must be one of the account's or a global one: a malformed id is a 400 (TemplateID is a
  // ULID), another a 404 naming template_id, both before If-Match is compared (decision 11).
  set_account_allocation_template_association: (generic) => (input) => {
    const params = input.params as unknown as Record<string, unknown>;
    const templateId = (input.body as unknown as { template_id: string }).template_id;
    if (!ULID.test(templateId)) throw badRequest([{ name: 'template_id', reason: "'template_id' must be a valid ulid." }]);
    if (!accountTemplate(input.session, params.account_id, templateId) && !globalTemplates(input.directory).some((item) => item.template_id === templateId)) {
      throw new CintError(404, `${notFoundDetail('template_id')} (${templateId} is neither an allocation template of account ${String(params.account_id)} nor a global one)`);
    }
    // The first write is held to the default's ETag, which the read answered: two clients both writing
    // over the default must not both succeed (the generic write compares only what it stored).
    const unset = input.session.singletons.has(associationKey(params.account_id)) ? undefined : defaultAssociation(input.directory);
    if (unset) requireIfMatch(input.headers['if-match'], contentEtag(unset));
    return generic(input);
  },

  // An association goes with its template: the account's default is then as before any was set.
  delete_account_allocation_template: (generic) => (input) => thenDo(generic(input), (output) => {
    const params = input.params as unknown as Record<string, unknown>;
    const key = associationKey(params.account_id);
    const association = input.session.singletons.get(key);
    if (association && association.fields.template_id === params.template_id) {
      input.session.singletons.delete(key);
      input.session.release(association);
    }
    return output;
  }),
};

export const allocationTemplateHandlers = {
  // The business unit and locale choose nothing more: the mock's suppliers are the same for all (decision 124).
  get_account_allocation_template_for_business_unit_id: ({ session, params, directory }) => {
    const template = accountTemplate(session, params.account_id, params.template_id);
    if (!template) throw notFound('template_id');
    return {
      headers: { etag: template.etag },
      body: {
        template_id: template.id,
        template_name: template.fields.name,
        ...businessUnitAllocations(objectsOf(template.fields.supply_allocations), directory),
        last_modified_at: template.updated_at,
        last_modified_by: template.fields.last_modified_by,
      },
    };
  },

  get_global_allocation_template_by_template_id: ({ params, directory }) => {
    const template = globalTemplate(directory, params.template_id);
    const body = { template_id: template.template_id, name: template.name, supply_allocations: answeredAllocations(globalRules(directory), directory) };
    return { headers: { etag: contentEtag(body) }, body };
  },

  get_global_allocation_template_by_id_for_business_unit_id: ({ params, directory }) => {
    const template = globalTemplate(directory, params.template_id);
    return {
      body: {
        template_id: template.template_id,
        template_name: template.name,
        ...businessUnitAllocations(globalRules(directory), directory),
        last_modified_at: template.last_modified_at,
        last_modified_by: template.last_modified_by,
      },
    };
  },

  get_system_allocation_template: ({ query, directory }) => ({
    body: {
      name: systemTemplateName(query.locale),
      supply_allocations: [{
        type: 'exchange', percentage_min: SYSTEM_PERCENTAGE, percentage_max: SYSTEM_PERCENTAGE,
        suppliers: directory.suppliers.map((supplier) => ({ supplier_id: supplier.id, name: supplier.name })),
      }],
    },
  }),

  get_system_allocation_template_by_business_unit_id: ({ query, directory }) => ({
    body: {
      template_name: systemTemplateName(query.locale),
      open_exchange_allocations: {
        exchange_suppliers: directory.suppliers.map((supplier) => supplierInfo(directory, supplier.id)),
        exchange_min_percentage: SYSTEM_PERCENTAGE,
        exchange_max_percentage: SYSTEM_PERCENTAGE,
      },
      private_exchange_allocations: { blocked_suppliers: [] },
    },
  }),
} satisfies Handlers;
