// What an allocation must make sense as, beyond its schema: the document is silent on the rules, so these
// are the ones no allocation can be filled under and Cint cannot be expected to take. A minimum above its
// maximum; minimums adding up past the 100% there is; a supplier in two groups (blocked and grouped is
// taken, as the document's own update_target_group example does it, on every operation, so that what one
// takes the others take too; blocked twice is taken as well); a template with two exchange entries.
// Checked on the allocation templates' create and update, on update_target_group_allocation_specification
// and on a target group's `allocations` (create_target_group, update_target_group), each offending field
// named, in the same 400 as whatever else of the body fails its schema (hooks/body-rules.ts). Values of
// the wrong type are left to the schema. The Fielding Assistant's dynamic pricing is held to its
// description's minimum_cpi rule here too, and a target group's fielding_specification to an end after
// its start (decision 199).
import type { InvalidParam } from '../cint/errors.js';
import type { Operation, OperationId } from '../cint/operations.js';
import { bodyRulesHook, type BodyRules } from '../hooks/body-rules.js';

type Json = Record<string, unknown>;

/** A share of the supply: an exchange, a group; its minimum and maximum and their names. */
interface Share { min: unknown; max: unknown; minName: string; maxName: string }
/** Where a supplier is placed: blocked, or in a group (its id, and the name of the field holding it). */
interface Place { id: unknown; name: string; blocked: boolean }

const objectOf = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? value as Json : undefined);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const percentage = (value: unknown): number | undefined => (Number.isInteger(value) ? value as number : undefined);
/** A supplier id as a number, whether sent as digits or as an integer; undefined for anything else (the schema's or checkSupplierIds' to name). */
const supplierKey = (id: unknown): number | undefined => (Number.isSafeInteger(id) ? id as number : typeof id === 'string' && /^\d{1,9}$/.test(id) ? Number(id) : undefined);

/**
 * The problems of one allocation: its shares (a null minimum is none) and where each supplier is placed,
 * in the order sent; a supplier's second group is the one named. A supplier both blocked and in a group is
 * taken (update_target_group's own example does it), and one blocked twice.
 */
function allocationProblems(shares: readonly Share[], places: readonly Place[]): InvalidParam[] {
  const problems: InvalidParam[] = [];
  const named = new Set<string>();
  const add = (name: string, reason: string) => {
    if (named.has(name)) return;
    named.add(name);
    problems.push({ name, reason });
  };
  for (const share of shares) {
    const min = percentage(share.min);
    const max = percentage(share.max);
    if (min !== undefined && max !== undefined && min > max) add(share.minName, `'${share.minName}' (${min}) must not be above '${share.maxName}' (${max}).`);
  }
  const minimums = shares.map((share) => ({ name: share.minName, min: percentage(share.min) ?? 0 })).filter((share) => share.min > 0);
  const total = minimums.reduce((sum, share) => sum + share.min, 0);
  if (total > 100) {
    for (const share of minimums) add(share.name, `'${share.name}' (${share.min}) is one of the minimums, which add up to ${total}: together they must not be above 100.`);
  }
  const first = new Map<number, Place[]>();
  for (const place of places) {
    const key = supplierKey(place.id);
    if (key === undefined) continue;
    const before = first.get(key) ?? [];
    const clash = place.blocked ? undefined : before.find((other) => !other.blocked);
    if (clash) add(place.name, `'${place.name}' names supplier ${key}, which '${clash.name}' names already: a supplier is in one group at most.`);
    first.set(key, [...before, place]);
  }
  return problems;
}

/** An allocation template's `supply_allocations`: its entries' shares and suppliers, and one exchange entry at most. */
function templateProblems(body: Json): InvalidParam[] {
  const shares: Share[] = [];
  const places: Place[] = [];
  const extra: InvalidParam[] = [];
  let exchange: string | undefined;
  listOf(body.supply_allocations).forEach((value, index) => {
    const entry = objectOf(value);
    const at = `supply_allocations[${index}]`;
    if (!entry) return;
    if (entry.type === 'exchange' || entry.type === 'group') {
      shares.push({ min: entry.percentage_min, max: entry.percentage_max, minName: `${at}.percentage_min`, maxName: `${at}.percentage_max` });
    }
    if (entry.type === 'exchange') {
      if (exchange !== undefined) extra.push({ name: `${at}.type`, reason: `'${at}.type': a template has one exchange entry, and ${exchange} is it.` });
      exchange ??= at;
    }
    if (entry.type === 'group' || entry.type === 'blocked') {
      listOf(entry.suppliers).forEach((supplier, position) => {
        places.push({ id: objectOf(supplier)?.supplier_id, name: `${at}.suppliers[${position}].supplier_id`, blocked: entry.type === 'blocked' });
      });
    }
  });
  return [...extra, ...allocationProblems(shares, places)];
}

/**
 * A target group's allocations (`prefix`: where they are in the body; an open exchange group's suppliers
 * are in `groupField`): the open exchange's share, its groups' and the private groups', all of one supply;
 * the suppliers of each exchange in one place each (the private exchange's suppliers are its own deals).
 */
function targetGroupProblems(allocations: unknown, prefix: string, groupField: 'suppliers' | 'supplier_ids'): InvalidParam[] {
  const parts = objectOf(allocations);
  if (!parts) return [];
  const shares: Share[] = [];
  const placesOf = (part: Json, at: string, ofGroup: (group: Json, name: string) => Place[]): Place[] => [
    ...listOf(part.blocked_supplier_ids).map((id, index) => ({ id, name: `${at}.blocked_supplier_ids[${index}]`, blocked: true })),
    ...listOf(part.groups).flatMap((value, index) => {
      const group = objectOf(value);
      const name = `${at}.groups[${index}]`;
      if (!group) return [];
      shares.push({ min: group.min_percentage, max: group.max_percentage, minName: `${name}.min_percentage`, maxName: `${name}.max_percentage` });
      return ofGroup(group, name);
    }),
  ];
  const open = objectOf(parts.open_exchange_allocations);
  const closed = objectOf(parts.private_exchange_allocations);
  const at = `${prefix}open_exchange_allocations`;
  if (open) shares.push({ min: open.exchange_min_percentage, max: open.exchange_max_percentage, minName: `${at}.exchange_min_percentage`, maxName: `${at}.exchange_max_percentage` });
  const openPlaces = open ? placesOf(open, at, (group, name) => listOf(group[groupField]).map((id, index) => ({ id, name: `${name}.${groupField}[${index}]`, blocked: false }))) : [];
  const closedPlaces = closed ? placesOf(closed, `${prefix}private_exchange_allocations`, (group, name) => [{ id: group.supplier_id, name: `${name}.supplier_id`, blocked: false }]) : [];
  // The shares are checked once, with the open exchange's places; the private exchange's places on their own.
  return [...allocationProblems(shares, openPlaces), ...allocationProblems([], closedPlaces)];
}

/**
 * The Fielding Assistant's dynamic pricing module: "If you specify `minimum_cpi`, it must be lower than the
 * `maximum_cpi`." Read as not above it, in the same currency: the document's own create_target_group
 * example gives the two the same value (and a total_budget beside maximum_cpi, which the module's
 * description also rules out; the example wins over that reading, as in decision 173).
 */
function pricingProblems(assignment: unknown, prefix: string): InvalidParam[] {
  const pricing = objectOf(objectOf(assignment)?.pricing);
  const min = objectOf(pricing?.minimum_cpi);
  const max = objectOf(pricing?.maximum_cpi);
  if (pricing?.type !== 'dynamic' || !min || !max || min.currency_code !== max.currency_code) return [];
  const [low, high] = [Number(min.value), Number(max.value)];
  if (!(typeof min.value === 'string' && typeof max.value === 'string' && low > high)) return [];
  const name = `${prefix}pricing.minimum_cpi.value`;
  return [{ name, reason: `'${name}' (${min.value}) must not be above '${prefix}pricing.maximum_cpi.value' (${max.value}).` }];
}

/**
 * A draft's planned fielding period ends after it starts, as a run's must (update_fielding_run) and as the
 * document says of a target group's start_at and end_at elsewhere ("Must be later than the 'start_at'").
 * Not held to the clock: the document's own example plans a period long past (decision 199).
 */
function fieldingProblems(fielding: unknown): InvalidParam[] {
  const dates = objectOf(fielding);
  const [start, end] = [dates?.start_at, dates?.end_at];
  if (typeof start !== 'string' || typeof end !== 'string' || !(Date.parse(end) <= Date.parse(start))) return [];
  return [{ name: 'fielding_specification.end_at', reason: `'fielding_specification.end_at' (${end}) must be after 'fielding_specification.start_at' (${start}).` }];
}

const targetGroupRules = (body: Json): InvalidParam[] => [
  ...targetGroupProblems(body.allocations, 'allocations.', 'suppliers'),
  ...pricingProblems(body.fielding_assistant_assignment, 'fielding_assistant_assignment.'),
  ...fieldingProblems(body.fielding_specification),
];

const RULES: Partial<Record<OperationId, BodyRules>> = {
  create_account_allocation_template: templateProblems,
  update_account_allocation_template: templateProblems,
  update_target_group_allocation_specification: (body) => targetGroupProblems(body, '', 'supplier_ids'),
  create_target_group: (body) => targetGroupRules(body),
  update_target_group: (body) => targetGroupRules(body),
  create_or_update_fielding_assistant_assignment: (body) => pricingProblems(body, ''),
};

/** The route-level preValidation hook of the operations that take allocations, undefined for the others. */
export function allocationRulesHook(op: Operation): ReturnType<typeof bodyRulesHook> | undefined {
  const rules = RULES[op.id];
  return rules ? bodyRulesHook(op, rules) : undefined;
}
