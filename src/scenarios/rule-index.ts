// Files an operation's rules under the exact values they require (a project id in the path, a query
// value, a header), so that a request looks only at the rules its own values can satisfy, plus the rules
// no single value rules out, still in file order. Built once when a scenario compiles, read per request.
import type { OperationId } from '../cint/operations.js';
import type { CompiledRule, RequestFacts } from './compile.js';

export type ExactField = 'params' | 'query' | 'headers';

/**
 * A condition of a rule's match that only listed values meet: `params: { project_id: 01K… }`, a literal
 * segment of a `path` template, `query: { page_size: [5, 10] }`. Regular expressions and `present` are not.
 */
export interface ExactCondition {
  readonly field: ExactField;
  /** The parameter's name; a header's in lower case, as requests carry it. */
  readonly name: string;
  /** The values as text (101 is "101"): the request's value, or one of its repeated values, must be one. */
  readonly values: readonly string[];
}

/** The request value one group of rules is filed under, and those rules by the value they require. */
export interface RuleKey {
  readonly field: ExactField;
  readonly name: string;
  /** Positions in the operation's `rules`, ascending. */
  readonly byValue: ReadonlyMap<string, readonly number[]>;
}

/** The rules that can answer one operation: in file order, and indexed. */
export interface OperationRules {
  readonly rules: readonly CompiledRule[];
  /** Positions in `rules`, ascending, of the rules filed under no value: every request considers them. */
  readonly unkeyed: readonly number[];
  readonly keys: readonly RuleKey[];
}

const NONE: readonly number[] = Object.freeze([]);

/** A request value rules could be filed under, while the index is built. */
interface KeyCandidate {
  /** The distinct values the operation's rules require of it. */
  readonly values: Set<string>;
  /** How many conditions of the operation's rules are on it. */
  rules: number;
  /** First seen, for ties. */
  readonly order: number;
  /** The key, once some rule is filed under it. */
  key: { field: ExactField; name: string; byValue: Map<string, number[]> } | null;
}

/** The request value with the most distinct values splits rules finest; then the one most rules have. */
function finer(a: KeyCandidate, b: KeyCandidate): boolean {
  if (a.values.size !== b.values.size) return a.values.size > b.values.size;
  return a.rules !== b.rules ? a.rules > b.rules : a.order < b.order;
}

/**
 * Files each rule under one of its exact conditions, or none. Any one is sound: a rule that matches a
 * request meets all its conditions, so it is always among the rules filed under the request's value.
 * The condition chosen is on the request value with the most distinct values across the operation's
 * rules (then the one most rules have), so rules spread thinly over few lookups.
 */
export function indexRules(operationId: OperationId, rules: readonly CompiledRule[]): OperationRules {
  const candidates = new Map<string, KeyCandidate>();
  const conditions = rules.map((rule) => {
    const path = rule.pathExact.get(operationId);
    return (path ? [...path, ...rule.exact] : rule.exact).map((condition) => {
      const id = `${condition.field}\u0000${condition.name}`;
      let candidate = candidates.get(id);
      if (!candidate) {
        candidate = { values: new Set(), rules: 0, order: candidates.size, key: null };
        candidates.set(id, candidate);
      }
      candidate.rules += 1;
      for (const value of condition.values) candidate.values.add(value);
      return { condition, candidate };
    });
  });

  const unkeyed: number[] = [];
  const keys: NonNullable<KeyCandidate['key']>[] = [];
  conditions.forEach((list, position) => {
    let chosen = list[0];
    for (const entry of list) if (finer(entry.candidate, chosen!.candidate)) chosen = entry;
    if (!chosen) {
      unkeyed.push(position);
      return;
    }
    const { condition, candidate } = chosen;
    if (!candidate.key) {
      candidate.key = { field: condition.field, name: condition.name, byValue: new Map() };
      keys.push(candidate.key);
    }
    const byValue = candidate.key.byValue;
    for (const value of condition.values.length === 1 ? condition.values : new Set(condition.values)) {
      const filed = byValue.get(value);
      if (filed) filed.push(position);
      else byValue.set(value, [position]);
    }
  });
  return Object.freeze({
    rules,
    unkeyed: Object.freeze(unkeyed),
    keys: Object.freeze(keys.map((key) => Object.freeze(key))),
  });
}

/**
 * Positions, ascending, of the rules filed under the request's own values (the unkeyed ones aside). The
 * usual request meets one list or none, returned as it is; only several lists are merged into a new one.
 * Matching is on text, as the matchers do: a value that is not a string (or a list of them) meets none.
 */
export function keyedCandidates(operation: OperationRules, facts: RequestFacts): readonly number[] {
  let found = NONE;
  for (const key of operation.keys) {
    const value = facts[key.field][key.name];
    if (typeof value === 'string') {
      const filed = key.byValue.get(value);
      if (filed) found = found === NONE ? filed : mergeAscending(found, filed);
    } else if (Array.isArray(value)) {
      // A repeated query parameter (or header): a rule listing two of its values is filed under both.
      for (const item of value) {
        const filed = typeof item === 'string' ? key.byValue.get(item) : undefined;
        if (filed) found = found === NONE ? filed : mergeAscending(found, filed);
      }
    }
  }
  return found;
}

/** Two ascending lists as one, each position once. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (merged.length === 0 || merged[merged.length - 1] !== next) merged.push(next);
  }
  return merged;
}
