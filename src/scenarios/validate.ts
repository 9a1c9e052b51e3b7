// Checks a parsed scenario file against the TypeBox schema and explains each failure as a person would:
// the field, what was expected there and what was found. A union reports the branch the value was
// evidently aiming at, so `fault: hangg` says "expected a fault (...)", not "matches no alternative".
import type { TSchema } from '@sinclair/typebox';

export type FieldPath = readonly (string | number)[];

export interface Issue {
  path: FieldPath;
  expected: string;
  found: string;
  /** The problem is the field's name (an unknown field), so point at the key, not its value. */
  atKey?: boolean;
  /** The field is missing, so point at the object that should hold it. */
  missing?: boolean;
}

/** The JSON Schema the checker reads: TypeBox's, and Cint's error envelopes made checkable (error-body.ts). */
export interface Schema {
  type?: string;
  const?: unknown;
  anyOf?: Schema[];
  title?: string;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  items?: Schema | Schema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

export function checkAgainst(schema: TSchema | Schema, value: unknown, path: FieldPath = []): Issue[] {
  const issues: Issue[] = [];
  check(schema as Schema, value, [...path], issues);
  return issues;
}

// The walk appends to one list of issues and keeps the path to the value as one stack, pushed and popped
// as it goes down and back up: an issue copies the path it is at. A copy of the path and a list of issues
// at every field made about 4 KB of garbage per rule checked (42 MB for a 10,000-rule file, now 12 MB).
type PathStack = (string | number)[];

function check(schema: Schema, value: unknown, path: PathStack, issues: Issue[]): void {
  if (schema.anyOf) {
    checkUnion(schema, value, path, issues);
    return;
  }
  if ('const' in schema) {
    if (value !== schema.const) issues.push(mismatch(path, schema, value));
    return;
  }
  switch (schema.type) {
    case 'object':
      checkObject(schema, value, path, issues);
      return;
    case 'array':
      checkArray(schema, value, path, issues);
      return;
    case 'string':
      if (typeof value !== 'string'
        || (schema.minLength !== undefined && value.length < schema.minLength)
        || (schema.pattern !== undefined && !patternOf(schema.pattern).test(value))) issues.push(mismatch(path, schema, value));
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)
        || (schema.type === 'integer' && !Number.isInteger(value))
        || (schema.minimum !== undefined && value < schema.minimum)
        || (schema.maximum !== undefined && value > schema.maximum)) issues.push(mismatch(path, schema, value));
      return;
    case 'boolean':
      if (typeof value !== 'boolean') issues.push(mismatch(path, schema, value));
      return;
    case 'null':
      if (value !== null) issues.push(mismatch(path, schema, value));
      return;
  }
  // A schema without a type takes any value.
}

function checkObject(schema: Schema, value: unknown, path: PathStack, issues: Issue[]): void {
  if (!isPlainObject(value)) {
    issues.push(mismatch(path, schema, value));
    return;
  }
  const properties = schema.properties ?? {};
  const keys = Object.keys(value);
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) issues.push(mismatch(path, schema, value));
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) {
      issues.push({ path: [...path, name], expected: describeSchema(properties[name] ?? {}), found: 'nothing', missing: true });
    }
  }
  for (const key of keys) {
    const property = properties[key];
    if (property) {
      if (value[key] !== undefined) {
        path.push(key);
        check(property, value[key], path, issues);
        path.pop();
      }
      continue;
    }
    const patterned = patternedSchema(schema, key);
    if (patterned) {
      path.push(key);
      check(patterned, value[key], path, issues);
      path.pop();
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties).filter((name) => name !== '$schema');
      const nearest = nearestName(key, known);
      issues.push({
        path: [...path, key],
        expected: `one of the fields ${known.join(', ')}`,
        found: `${JSON.stringify(key)}${nearest ? ` (did you mean ${JSON.stringify(nearest)}?)` : ''}`,
        atKey: true,
      });
    }
  }
}

function checkArray(schema: Schema, value: unknown, path: PathStack, issues: Issue[]): void {
  if (!Array.isArray(value)
    || (schema.minItems !== undefined && value.length < schema.minItems)
    || (schema.maxItems !== undefined && value.length > schema.maxItems)) {
    issues.push(mismatch(path, schema, value));
    return;
  }
  for (let index = 0; index < value.length; index += 1) {
    const itemSchema = Array.isArray(schema.items) ? schema.items[index] : schema.items;
    if (!itemSchema) continue;
    path.push(index);
    check(itemSchema, value[index], path, issues);
    path.pop();
  }
}

function checkUnion(schema: Schema, value: unknown, path: PathStack, issues: Issue[]): void {
  // A union of literals (the 159 operation ids) is a set lookup: checking each branch in turn built and
  // described a mismatch per branch, which was most of the time a 10,000-rule file took to load.
  const allowed = literalSetOf(schema);
  if (allowed) {
    if (!allowed.has(value)) issues.push(namingAll(path, schema, value));
    return;
  }
  const branches = schema.anyOf ?? [];
  let best: { branch: Schema; issues: Issue[] } | undefined;
  for (const branch of branches) {
    if (!accepts(branch, value)) continue;
    // Into the list itself, taken back out when the branch fails: the usual branch that fits costs nothing.
    const before = issues.length;
    check(branch, value, path, issues);
    if (issues.length === before) return;
    const branchIssues = issues.splice(before);
    if (!best || branchIssues.length < best.issues.length) best = { branch, issues: branchIssues };
  }
  // A literal the value did not equal, or an object without the field that says which shape it is:
  // the value was aiming at none of the branches in particular, so name them all.
  if (!best || isLiteral(best.branch) || best.issues.some((issue) => issue.missing && issue.path.length === path.length + 1)) {
    issues.push(namingAll(path, schema, value));
    return;
  }
  issues.push(...best.issues);
}

function namingAll(path: FieldPath, schema: Schema, value: unknown): Issue {
  const issue = mismatch(path, schema, value);
  const nearest = typeof value === 'string' ? suggestionFor(schema, value) : undefined;
  if (nearest) issue.found += ` (did you mean ${JSON.stringify(nearest)}?)`;
  return issue;
}

const suggestions = new WeakMap<Schema, Map<string, string | undefined>>();

/** The literal of the union nearest the value; remembered, as a generated file repeats its mistakes. */
function suggestionFor(schema: Schema, value: string): string | undefined {
  let known = suggestions.get(schema);
  if (!known) {
    known = new Map();
    suggestions.set(schema, known);
  }
  if (!known.has(value)) {
    if (known.size >= 1000) known.clear();
    known.set(value, nearestName(value, literalValues(schema), true));
  }
  return known.get(value);
}

// Schemas are fixed at load, so what is derived from them is derived once.
const literalSets = new WeakMap<Schema, ReadonlySet<unknown> | null>();
const compiledPatterns = new Map<string, RegExp>();

/** The values of a union made only of literals, or null for any other union. */
function literalSetOf(schema: Schema): ReadonlySet<unknown> | null {
  let set = literalSets.get(schema);
  if (set === undefined) {
    set = isLiteral(schema) ? new Set(allLiterals(schema)) : null;
    literalSets.set(schema, set);
  }
  return set;
}

function allLiterals(schema: Schema): unknown[] {
  return 'const' in schema ? [schema.const] : (schema.anyOf ?? []).flatMap(allLiterals);
}

const patternLists = new WeakMap<Schema, readonly (readonly [RegExp, Schema])[]>();

/** The schema of an object schema's `patternProperties` whose pattern the key matches, if any. */
function patternedSchema(schema: Schema, key: string): Schema | undefined {
  let patterns = patternLists.get(schema);
  if (!patterns) {
    patterns = Object.entries(schema.patternProperties ?? {}).map(([pattern, item]) => [patternOf(pattern), item] as const);
    patternLists.set(schema, patterns);
  }
  for (const [pattern, item] of patterns) if (pattern.test(key)) return item;
  return undefined;
}

function patternOf(source: string): RegExp {
  let pattern = compiledPatterns.get(source);
  if (!pattern) {
    pattern = new RegExp(source);
    compiledPatterns.set(source, pattern);
  }
  return pattern;
}

/** Whether the value is of the JSON type the branch describes (its details aside). */
function accepts(schema: Schema, value: unknown): boolean {
  if (schema.anyOf) return schema.anyOf.some((branch) => accepts(branch, value));
  if ('const' in schema) return typeof value === typeof schema.const;
  switch (schema.type) {
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer':
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}

function isLiteral(schema: Schema): boolean {
  return 'const' in schema || (schema.anyOf?.every(isLiteral) ?? false);
}

function literalValues(schema: Schema): string[] {
  if ('const' in schema) return typeof schema.const === 'string' ? [schema.const] : [];
  return (schema.anyOf ?? []).flatMap(literalValues);
}

function mismatch(path: FieldPath, schema: Schema, value: unknown): Issue {
  return { path: [...path], expected: describeSchema(schema), found: describeValue(value) };
}

export function describeSchema(schema: Schema): string {
  if (schema.title) return schema.title;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.anyOf) return schema.anyOf.map(describeSchema).join(' or ');
  switch (schema.type) {
    case 'string':
      if (schema.pattern !== undefined) return `a string matching ${schema.pattern}`;
      return schema.minLength ? 'a non-empty string' : 'a string';
    case 'integer':
    case 'number': {
      const noun = schema.type === 'integer' ? 'an integer' : 'a number';
      if (schema.minimum !== undefined && schema.maximum !== undefined) return `${noun} from ${schema.minimum} to ${schema.maximum}`;
      if (schema.minimum !== undefined) return `${noun} of at least ${schema.minimum}`;
      return noun;
    }
    case 'boolean': return 'true or false';
    case 'null': return 'null';
    case 'array': return 'a list';
    case 'object': return 'an object';
    default: return 'anything';
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json.length <= 60) return json;
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (isPlainObject(value)) return `an object with the fields ${Object.keys(value).join(', ')}`;
  return `${json.slice(0, 57)}...`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The candidate closest to `name` by edit distance: any (`always`), or only one close enough to be a typo. */
export function nearestName(name: string, candidates: readonly string[], always = false): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestScore = Infinity;
  const wanted = name.toLowerCase();
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    // A shared beginning counts: "get_projct" is nearer get_project_by_id than create_project.
    let prefix = 0;
    while (prefix < wanted.length && wanted[prefix] === lower[prefix]) prefix += 1;
    // Only a distance below `limit` can beat the best so far, so the distances stop counting there: a
    // file of 10,000 mistyped paths, each compared with 158 operation paths, took minutes before.
    const limit = bestScore + prefix / 2;
    // A misspelt beginning of a longer id counts too: "get_projct" is nearer get_project_by_id than
    // get_profile, with 158 operation ids to choose from.
    const head = Math.min(editDistance(wanted, lower.slice(0, wanted.length), limit - 1), editDistance(wanted, lower.slice(0, wanted.length + 1), limit - 1)) + 1;
    const distance = Math.min(editDistance(wanted, lower, limit), head);
    const score = distance - prefix / 2;
    if (score < bestScore) {
      best = candidate;
      bestDistance = distance;
      bestScore = score;
    }
  }
  if (best === undefined || bestDistance === 0) return undefined;
  return always || bestDistance <= Math.max(2, Math.floor(Math.min(best.length, name.length) / 3)) ? best : undefined;
}

let previousRow = new Uint32Array(64);
let currentRow = new Uint32Array(64);

/** Levenshtein distance, exact when below `limit`; Infinity once it cannot be (a row's minimum never falls). */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) >= limit) return Infinity;
  if (previousRow.length <= b.length) {
    previousRow = new Uint32Array(b.length + 1);
    currentRow = new Uint32Array(b.length + 1);
  }
  let previous = previousRow;
  let current = currentRow;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    const char = a.charCodeAt(i - 1);
    current[0] = i;
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (char === b.charCodeAt(j - 1) ? 0 : 1));
      current[j] = cost;
      if (cost < rowMinimum) rowMinimum = cost;
    }
    if (rowMinimum >= limit) return Infinity;
    const done = previous;
    previous = current;
    current = done;
  }
  return previous[b.length]!;
}
