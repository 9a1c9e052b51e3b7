// Turns a checked scenario file into rules ready for the hot path: each rule resolved at load to the
// operations it can answer (a method and path become operation ids too), its matchers compiled to
// closures, and the rules filed by operation id in file order, then by the exact values they require
// (rule-index.ts). Mistakes the schema cannot see (a path no operation serves, a step that can never
// answer) are reported here, with their field.
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { Static } from '@sinclair/typebox';
import safeRegex from 'safe-regex2';
import { operation, operations, type Operation, type OperationId } from '../cint/operations.js';
import { JOB_KINDS, JOB_OPERATIONS } from '../cint/jobs.js';
import type { JobScript } from '../sessions/jobs.js';
import type { JobFailure } from '../sessions/store.js';
import type { AfterLastStep, FaultName, JobStep, LostAnswerFault, MatchData, RuleData, ScenarioFileData, StepData, ValueMatcherData, WebhookStep } from './schema.js';
import { PUBLISHING_OPERATIONS } from '../sessions/events.js';
import type { DeliveryScript } from '../webhooks/delivery.js';
import { indexRules, type ExactCondition, type ExactField, type OperationRules } from './rule-index.js';
import { checkAgainst, describeValue, editDistance, isPlainObject, nearestName, type FieldPath, type Issue } from './validate.js';
import { errorBodySchema } from './error-body.js';

type JobStepData = Static<typeof JobStep>;
type WebhookStepData = Static<typeof WebhookStep>;

/** What the engine looks at in a request. */
export interface RequestFacts {
  readonly operationId: OperationId;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** Header names in lower case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export interface CompiledStep {
  /**
   * respond: send `status` (an error envelope for 4xx/5xx, `body` for 2xx/3xx, a redirect without a
   * body for any other 3xx); passthrough: run the realistic handler, its success sent with `status` when
   * set (a 2xx, or 304); job, webhook: run it with their script;
   * the last three lose the handler's answer when `lostAnswer` is set. fault: break the connection
   * instead of handling the request.
   */
  readonly kind: 'respond' | 'passthrough' | 'fault' | 'job' | 'webhook';
  readonly status: number | null;
  /** A 2xx/3xx body, or the fields merged over a 4xx/5xx envelope; undefined when none. */
  readonly body: unknown;
  readonly fault: FaultName | null;
  readonly headers: Readonly<Record<string, string>>;
  /** [min, max] milliseconds, or null for no delay. */
  readonly delayMs: readonly [number, number] | null;
  /** Requests this step answers before the next takes over; Infinity when it has no `times`. */
  readonly times: number;
  readonly probability: number;
  /** job: the realistic handler runs, and the job it makes behaves as this says. */
  readonly job: JobScript | null;
  /** webhook: the realistic handler runs, and the events it publishes are delivered as this says. */
  readonly webhook: DeliveryScript | null;
  /** respond with a 4xx/5xx: only the requests past `requests` in a window of `windowMs` are answered; null: every one. */
  readonly rateLimit: Readonly<{ requests: number; windowMs: number }> | null;
  /** passthrough, job, webhook: the answer the realistic handler made is lost on its way, this way (the step's `fault`). */
  readonly lostAnswer: LostAnswerFault | null;
}

export interface CompiledRule {
  /** The rule's index in the file's `rules`, counting from 0 as in error messages. */
  readonly index: number;
  readonly operations: readonly OperationId[];
  /**
   * The conditions among `params`, `query` and `headers` that only listed values meet: checked together
   * by `meetsAll`, and the index's conditions.
   */
  readonly exact: readonly ExactCondition[];
  /** The rest of the match (`path`, patterns, `present`, `body`), or null when there is none. */
  readonly check: ((facts: RequestFacts) => boolean) | null;
  /** Literal segments of a `path` template where an operation has a parameter, per operation (for the index). */
  readonly pathExact: ReadonlyMap<OperationId, readonly ExactCondition[]>;
  readonly steps: readonly CompiledStep[];
  readonly after: AfterLastStep;
}

export interface CompiledScenario {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  /** The seed as written, or null when outcomes are not reproducible. */
  readonly seed: number | string | null;
  readonly rules: readonly CompiledRule[];
  /**
   * Rules that can answer each operation, in file order and indexed by the values they require: the hot
   * path reads only its operation's rules, and of those only the ones the request's values can satisfy.
   */
  readonly byOperation: ReadonlyMap<OperationId, OperationRules>;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NO_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Compiles a checked file. `skipRules` are rules the schema already found wrong: the others are still
 * compiled so that one run reports every problem in the file.
 */
export interface CompileOptions {
  /**
   * Every `matches` pattern must be one V8's linear-time engine runs: a scenario sent through the admin
   * API, which a client's own token may send (decision 179), must not hold the process for others.
   */
  linearPatterns?: boolean;
}

export function compileScenario(data: ScenarioFileData, name: string, file: string, skipRules: ReadonlySet<number> = new Set(), options: CompileOptions = {}): { scenario: CompiledScenario | null; issues: Issue[] } {
  const issues: Issue[] = [];
  const rules: CompiledRule[] = [];
  // Rules with the same steps share them (steps are data; what a session used of them is kept by rule),
  // and rules for the same operations share the list.
  const shared: Shared = { compiled: new Map(), sharedOperations: new Map(), linearPatterns: options.linearPatterns ?? false };
  data.rules.forEach((rule, index) => {
    if (skipRules.has(index)) return;
    const compiled = compileRule(rule, index, ['rules', index], issues, shared);
    if (compiled) rules.push(compiled);
  });
  if (issues.length > 0 || skipRules.size > 0) return { scenario: null, issues };

  const filed = new Map<OperationId, CompiledRule[]>();
  for (const rule of rules) {
    for (const id of rule.operations) {
      const list = filed.get(id);
      if (list) list.push(rule);
      else filed.set(id, [rule]);
    }
  }
  const byOperation = new Map<OperationId, OperationRules>();
  for (const [id, list] of filed) byOperation.set(id, indexRules(id, Object.freeze(list)));
  const scenario: CompiledScenario = Object.freeze({
    name,
    description: data.description,
    file,
    seed: data.seed ?? null,
    rules: Object.freeze(rules),
    byOperation,
  });
  return { scenario, issues };
}

interface Shared {
  /**
   * Compiled steps by the JSON text of the `respond` they came from, which only narrows the search. A
   * generated file gives thousands of rules the same `respond`; each rule after the first takes the steps
   * compiled for the same operations and `after` (by `sources`), without compiling them again; rules whose
   * steps come out deeply equal share one frozen list (`steps`). Only steps that compiled without a
   * problem are here, so a rule that takes them has none either. The text is made once per rule: a file
   * of distinct bodies (a scenario sent through the admin API) spent a quarter of its compile on a second
   * JSON text, of the steps, and on hashing long keys.
   */
  readonly compiled: Map<string, SameRespond>;
  readonly sharedOperations: Map<string, readonly OperationId[]>;
  readonly linearPatterns: boolean;
}

interface SameRespond {
  /** By the rule's operations and `after`; JSON text loses the difference between undefined, Infinity and what they print as, so `respond` is compared too. */
  readonly sources: Map<string, { readonly respond: unknown; readonly steps: readonly CompiledStep[] }[]>;
  readonly steps: (readonly CompiledStep[])[];
}

function compileRule(rule: RuleData, index: number, at: FieldPath, issues: Issue[], shared: Shared): CompiledRule | null {
  const { compiled, sharedOperations } = shared;
  const before = issues.length;
  const resolved = resolveOperations(rule.match, at, issues);
  const operationsKey = resolved ? resolved.operations.join(' ') : '';
  const sourceKey = `${operationsKey}\u0000${rule.after ?? ''}`;
  const respondText = JSON.stringify(rule.respond) ?? '';
  const same = resolved ? compiled.get(respondText) : undefined;
  const sameSource = same?.sources.get(sourceKey);
  const known = sameSource?.find((entry) => isDeepStrictEqual(entry.respond, rule.respond))?.steps;
  const steps = known ?? compileSteps(rule, at, issues, resolved?.operations ?? []);
  const exact = exactConditions(rule.match);
  const check = resolved ? compileMatchers(rule.match, resolved.pathParams, at, issues, shared.linearPatterns) : null;
  if (!resolved || issues.length > before) return null;
  let ruleSteps = known;
  if (!ruleSteps) {
    let alike = same;
    if (!alike) compiled.set(respondText, (alike = { sources: new Map(), steps: [] }));
    ruleSteps = alike.steps.find((shared) => isDeepStrictEqual(shared, steps));
    if (!ruleSteps) alike.steps.push((ruleSteps = Object.freeze(steps)));
    const entry = { respond: rule.respond, steps: ruleSteps };
    if (sameSource) sameSource.push(entry);
    else alike.sources.set(sourceKey, [entry]);
  }
  let ruleOperations = sharedOperations.get(operationsKey);
  if (!ruleOperations) sharedOperations.set(operationsKey, (ruleOperations = Object.freeze(resolved.operations)));
  return Object.freeze({
    index,
    operations: ruleOperations,
    exact,
    check,
    pathExact: pathConditions(resolved.pathParams),
    steps: ruleSteps,
    after: rule.after ?? 'fall_through',
  });
}

// ---- Which operations a match can answer -------------------------------------------------------

interface Resolved {
  operations: OperationId[];
  /** Literal path segments that stand where an operation has a parameter, per operation. */
  pathParams: ReadonlyMap<OperationId, [string, string][]>;
}

const NO_PATH_PARAMS: ReadonlyMap<OperationId, [string, string][]> = new Map();

/** The names of each operation's path parameters, by its path, worked out once. */
const PATH_PARAM_NAMES = new Map(operations.map((op) => [op.path as string, new Set(paramNamesOf(op.path))]));

const hasPathParam = (op: Operation, name: string): boolean => PATH_PARAM_NAMES.get(op.path)?.has(name) ?? paramNamesOf(op.path).includes(name);

/** The operations a rule's match can answer (`at`: the rule's field path, for the problems found). */
function resolveOperations(match: MatchData, at: FieldPath, issues: Issue[]): Resolved | null {
  if (match.operation === undefined && match.method === undefined && match.path === undefined) {
    issues.push({ path: [...at, 'match', 'operation'], expected: 'an operation (an id, a list of ids, or "*"), a method or a path', found: 'nothing', missing: true });
    return null;
  }
  let candidates: readonly Operation[] = operations;

  if (match.operation !== undefined) {
    const ids = Array.isArray(match.operation) ? match.operation : [match.operation];
    if (ids.includes('*') && ids.length > 1) {
      issues.push({ path: [...at, 'match', 'operation'], expected: 'operation ids, or "*" alone (it already means every operation)', found: describeValue(ids) });
      return null;
    }
    if (!ids.includes('*')) candidates = ids.map((id) => operation(id as OperationId));
  }

  if (match.method !== undefined) {
    const methods = new Set(Array.isArray(match.method) ? match.method : [match.method]);
    const kept = candidates.filter((op) => methods.has(op.method));
    if (kept.length === 0) {
      const served = [...new Set(candidates.map((op) => op.method))].join(', ');
      issues.push({ path: [...at, 'match', 'method'], expected: `a method of the operations matched (${served})`, found: describeValue(match.method) });
      return null;
    }
    candidates = kept;
  }

  let pathParams = NO_PATH_PARAMS;
  if (match.path !== undefined) {
    if (match.path.includes('?')) {
      issues.push({ path: [...at, 'match', 'path'], expected: 'a path without a query string (match the query with `query:`)', found: describeValue(match.path) });
      return null;
    }
    const template = segmentsOf(match.path);
    const kept: Operation[] = [];
    const literalsByOperation = new Map<OperationId, [string, string][]>();
    for (const op of candidates) {
      const literals = matchTemplate(template, routeSegments(op.path));
      if (literals) {
        kept.push(op);
        if (literals.length > 0) literalsByOperation.set(op.id, literals);
      }
    }
    if (literalsByOperation.size > 0) pathParams = literalsByOperation;
    if (kept.length === 0) {
      const pool = candidates.length > 0 ? candidates : operations;
      const nearest = nearestPath(template, pool.map((op) => op.path));
      issues.push({
        path: [...at, 'match', 'path'],
        expected: `a path the Cint API serves${match.method || match.operation ? ' for the method and operation given' : ''}${nearest ? ` (nearest: ${nearest})` : ''}`,
        found: describeValue(match.path),
      });
      return null;
    }
    candidates = kept;
  }

  if (match.params) {
    for (const name of Object.keys(match.params)) {
      if (candidates.every((op) => hasPathParam(op, name))) continue;
      const kept = candidates.filter((op) => hasPathParam(op, name));
      if (kept.length === 0) {
        const known = [...new Set(candidates.flatMap((op) => paramNamesOf(op.path)))];
        issues.push({
          path: [...at, 'match', 'params', name],
          expected: `a path parameter of the operations matched (${known.join(', ') || 'none'})`,
          found: `${JSON.stringify(name)}${nearestName(name, known) ? ` (did you mean ${JSON.stringify(nearestName(name, known))}?)` : ''}`,
          atKey: true,
        });
        return null;
      }
      candidates = kept;
    }
  }
  return { operations: candidates.map((op) => op.id), pathParams };
}

function segmentsOf(path: string): string[] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.split('/').slice(1);
}

/** The segments of each operation's path, split once: every rule with a `path` is compared with them. */
const ROUTE_SEGMENTS = new Map(operations.map((op) => [op.path as string, Object.freeze(segmentsOf(op.path))]));

function routeSegments(path: string): readonly string[] {
  return ROUTE_SEGMENTS.get(path) ?? segmentsOf(path);
}

function paramNamesOf(path: string): string[] {
  return segmentsOf(path).filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
}

const TEMPLATE_PARAM = /^(?::[A-Za-z_]\w*|\{[A-Za-z_]\w*\})$/;

/** Segment costs (a template's segment, then a route's) kept across rules: generated files repeat their mistakes. */
const segmentCosts = new Map<string, Map<string, number>>();

function knownCostsOf(want: string): Map<string, number> {
  let known = segmentCosts.get(want);
  if (!known) {
    if (segmentCosts.size >= 1000) segmentCosts.clear();
    known = new Map();
    segmentCosts.set(want, known);
  }
  return known;
}

/**
 * The operation path nearest a template, segment by segment: a parameter of the path takes any segment,
 * a mistyped literal segment costs the share of its characters that differ, any other segment that
 * differs, is missing or is extra costs 1.
 * Character by character, a project id in the template outweighed the rest (`…/1/projectz/01K…` was
 * nearest allocation-templates), and 10,000 such rules took minutes to report.
 */
function nearestPath(template: string[], paths: readonly string[]): string | undefined {
  // Per segment of the template: its cost against each segment of the routes, worked out once.
  const costs = template.map((want) => {
    const isParam = TEMPLATE_PARAM.test(want);
    const known = knownCostsOf(want);
    return (have: string): number => {
      if (have.startsWith(':') || want === have) return 0;
      if (isParam) return 1;
      let cost = known.get(have);
      if (cost === undefined) {
        // A typo costs the share of characters it changed; another word, 1.
        const typo = Math.max(2, Math.floor(Math.min(want.length, have.length) / 3));
        const distance = editDistance(want.toLowerCase(), have.toLowerCase(), typo + 1);
        cost = distance <= typo ? distance / Math.max(want.length, have.length) : 1;
        known.set(have, cost);
      }
      return cost;
    };
  });
  let best: string | undefined;
  let bestCost = Infinity;
  const routes = paths.map(routeSegments);
  const longest = Math.max(0, ...routes.map((route) => route.length));
  let previous = new Float64Array(longest + 1);
  let current = new Float64Array(longest + 1);
  routes.forEach((route, index) => {
    // Edit distance over segments: previous[j] is the cost of the template so far against route[0..j).
    for (let j = 0; j <= route.length; j += 1) previous[j] = j;
    for (let i = 1; i <= template.length; i += 1) {
      const cost = costs[i - 1]!;
      current[0] = i;
      for (let j = 1; j <= route.length; j += 1) {
        current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost(route[j - 1]!));
      }
      const done = previous;
      previous = current;
      current = done;
    }
    const cost = previous[route.length]!;
    if (cost < bestCost) {
      best = paths[index];
      bestCost = cost;
    }
  });
  return best;
}

/** Null when the template cannot match the operation's path; else the literal values it requires. */
function matchTemplate(template: string[], route: readonly string[]): [string, string][] | null {
  if (template.length !== route.length) return null;
  const literals: [string, string][] = [];
  for (let i = 0; i < template.length; i += 1) {
    const want = template[i]!;
    const have = route[i]!;
    if (TEMPLATE_PARAM.test(want)) {
      if (!have.startsWith(':')) return null;
    } else if (have.startsWith(':')) {
      literals.push([have.slice(1), decodeURIComponent(want)]);
    } else if (want !== have) {
      return null;
    }
  }
  return literals;
}

// ---- Request matchers ---------------------------------------------------------------------------

type ValueTest = (value: string | string[] | undefined) => boolean;

type Check = (facts: RequestFacts) => boolean;

// Each check is made by a function of its own, so a closure holds only what it tests (a closure made in
// compileMatchers would keep all of that call's variables, for every rule).
const pathCheck = (pathParams: ReadonlyMap<OperationId, [string, string][]>): Check =>
  (facts) => (pathParams.get(facts.operationId) ?? []).every(([name, value]) => facts.params[name] === value);
const valueCheck = (field: ExactField, name: string, test: ValueTest): Check => (facts) => test(facts[field][name]);
const bodyCheck = (pattern: unknown): Check => (facts) => bodyMatches(pattern, facts.body);
const allOf = (checks: readonly Check[]): Check => (facts) => {
  for (const check of checks) if (!check(facts)) return false;
  return true;
};

/**
 * The checks of a match besides its listed values (which meetsAll checks over the rule's `exact`, so a
 * rule per project id holds no function of its own); null when there are none.
 */
function compileMatchers(match: MatchData, pathParams: ReadonlyMap<OperationId, [string, string][]>, at: FieldPath, issues: Issue[], linear: boolean): Check | null {
  const checks: Check[] = [];
  if (pathParams.size > 0) checks.push(pathCheck(pathParams));
  addValueChecks(checks, 'params', match.params, at, issues, linear);
  addValueChecks(checks, 'query', match.query, at, issues, linear);
  addValueChecks(checks, 'headers', match.headers, at, issues, linear);
  if (match.body !== undefined) checks.push(bodyCheck(match.body));
  if (checks.length === 0) return null;
  return checks.length === 1 ? checks[0]! : allOf(checks);
}

/** A check per pattern or `present` among a match's `params`, `query` or `headers`. */
function addValueChecks(checks: Check[], field: ExactField, matchers: Record<string, ValueMatcherData> | undefined, at: FieldPath, issues: Issue[], linear: boolean): void {
  if (matchers === undefined) return;
  for (const name of Object.keys(matchers)) {
    const matcher = matchers[name]!;
    if (exactValues(matcher)) continue;
    const test = compileValue(matcher, [...at, 'match', field, name], issues, linear);
    checks.push(valueCheck(field, field === 'headers' ? name.toLowerCase() : name, test));
  }
}

/** Whether the request meets every listed-values condition: its value, or one of its repeated values, is listed. */
export function meetsAll(conditions: readonly ExactCondition[], facts: RequestFacts): boolean {
  for (const { field, name, values } of conditions) {
    const value = facts[field][name];
    if (value === undefined) return false;
    if (Array.isArray(value) ? !value.some((item) => values.includes(item)) : !values.includes(value)) return false;
  }
  return true;
}

/** The values a matcher allows, as text, when it allows only listed values; null for a pattern or `present`. */
function exactValues(matcher: ValueMatcherData): string[] | null {
  if (Array.isArray(matcher)) return matcher.map(String);
  return isPlainObject(matcher) ? null : [String(matcher)];
}

function exactConditions(match: MatchData): readonly ExactCondition[] {
  const conditions: ExactCondition[] = [];
  addExact(conditions, 'params', match.params);
  addExact(conditions, 'query', match.query);
  addExact(conditions, 'headers', match.headers);
  // A copy of its own length: an array grown by push keeps room for 17, which every rule would hold.
  return conditions.length === 0 ? NO_CONDITIONS : Object.freeze(conditions.slice());
}

/** A condition per listed-values matcher among a match's `params`, `query` or `headers` (a header's name in lower case). */
function addExact(conditions: ExactCondition[], field: ExactField, matchers: Record<string, ValueMatcherData> | undefined): void {
  if (matchers === undefined) return;
  for (const name of Object.keys(matchers)) {
    const values = exactValues(matchers[name]!);
    if (values) conditions.push(Object.freeze({ field, name: field === 'headers' ? name.toLowerCase() : name, values: Object.freeze(values) }));
  }
}

const NO_CONDITIONS: readonly ExactCondition[] = Object.freeze([]);

const NO_PATH_CONDITIONS: ReadonlyMap<OperationId, readonly ExactCondition[]> = new Map();

function pathConditions(pathParams: ReadonlyMap<OperationId, [string, string][]>): ReadonlyMap<OperationId, readonly ExactCondition[]> {
  if (pathParams.size === 0) return NO_PATH_CONDITIONS;
  const conditions = new Map<OperationId, readonly ExactCondition[]>();
  for (const [id, literals] of pathParams) {
    conditions.set(id, Object.freeze(literals.map(([name, value]) => Object.freeze({ field: 'params' as const, name, values: Object.freeze([value]) }))));
  }
  return conditions;
}

/** A pattern (`matches`) or `present`; listed values are checked by meetsAll. */
function compileValue(matcher: ValueMatcherData, at: FieldPath, issues: Issue[], linearOnly: boolean): ValueTest {
  if (!isPlainObject(matcher)) throw new Error(`listed values are checked by meetsAll, not compiled: ${describeValue(matcher)}`);
  if ('present' in matcher) {
    const present = matcher.present;
    return (value) => (value !== undefined) === present;
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(matcher.matches);
  } catch (error) {
    issues.push({ path: [...at, 'matches'], expected: 'a valid regular expression', found: `${JSON.stringify(matcher.matches)} (${(error as Error).message})` });
    return () => false;
  }
  // Patterns are tested against what clients send (a header up to 16 KB, a body's strings up to the body
  // limit): one that backtracks exponentially, such as (a+)+$ or (a|a)*b, or polynomially, such as
  // .*a.*b, would let one request hold the process for every other client. safe-regex2 refuses the
  // repetitions inside repetitions; V8's linear-time engine then runs every pattern it can in time
  // proportional to the value, and a pattern that must be linear and cannot be is refused.
  if (!safeRegex(pattern, { limit: REPETITION_LIMIT })) {
    issues.push({ path: [...at, 'matches'], expected: `a regular expression without a repetition inside a repetition (such as (a+)+) and with at most ${REPETITION_LIMIT} repetitions: one a request's value could make take exponential time is refused`, found: JSON.stringify(matcher.matches) });
    return () => false;
  }
  const linear = linearPattern(matcher.matches);
  if (linear) pattern = linear;
  else if (linearOnly && LINEAR_ENGINE) {
    issues.push({
      path: [...at, 'matches'],
      expected: 'a regular expression V8\'s linear-time engine runs: no lookaround, no backreference, no count above 16 (write [0-9A-Z]{13}[0-9A-Z]{13} for [0-9A-Z]{26}, or list the exact values): a pattern sent through the admin API must take linear time whatever a request sends',
      found: JSON.stringify(matcher.matches),
    });
    return () => false;
  }
  return (value) => value !== undefined && (Array.isArray(value) ? value.some((item) => pattern.test(item)) : pattern.test(value));
}

/** safe-regex2's limit on a pattern's repetitions (its default). */
const REPETITION_LIMIT = 25;

/**
 * Whether V8's linear-time regular expression engine (the `l` flag) can be used: a V8 flag that only lets
 * `new RegExp(source, 'l')` be made, changing nothing for any other pattern in the process.
 */
const LINEAR_ENGINE = (() => {
  try {
    setFlagsFromString('--enable-experimental-regexp-engine');
    return new RegExp('a', 'l').flags.includes('l');
  } catch {
    return false;
  }
})();

/** The pattern on the linear-time engine; null when it cannot run it (a lookaround, a backreference, a count above 16) or is not there. */
export function linearPattern(source: string): RegExp | null {
  if (!LINEAR_ENGINE) return null;
  try {
    return new RegExp(source, 'l');
  } catch {
    return null;
  }
}

/**
 * A partial deep match: every field of the pattern must be in the body and match; a list in the
 * pattern matches a list whose items include, for each pattern item, one that matches it.
 */
export function bodyMatches(pattern: unknown, actual: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(actual) && pattern.every((wanted) => actual.some((item) => bodyMatches(wanted, item)));
  }
  if (isPlainObject(pattern)) {
    if (!isPlainObject(actual)) return false;
    for (const key of Object.keys(pattern)) {
      if (!Object.hasOwn(actual, key) || !bodyMatches(pattern[key], actual[key])) return false;
    }
    return true;
  }
  return pattern === actual;
}

// ---- Steps --------------------------------------------------------------------------------------

function compileSteps(rule: RuleData, at: FieldPath, issues: Issue[], matched: readonly OperationId[]): CompiledStep[] {
  const list = Array.isArray(rule.respond) ? rule.respond : [rule.respond];
  const stepPath = (index: number): FieldPath => (Array.isArray(rule.respond) ? [...at, 'respond', index] : [...at, 'respond']);
  const steps = list.map((step, index) => compileStep(step, stepPath(index), issues, matched));
  steps.forEach((step, index) => {
    if (index < steps.length - 1 && step.times === Infinity) {
      issues.push({
        path: [...stepPath(index), 'times'],
        expected: 'times on every step but the last (a step without times answers forever, so the steps after it would never answer)',
        found: 'nothing',
        missing: true,
      });
    }
  });
  const last = steps[steps.length - 1];
  if (rule.after !== undefined && last && last.times === Infinity) {
    issues.push({
      path: [...at, 'after'],
      expected: 'no `after` here: the last step has no times, so it answers forever and there is no after',
      found: describeValue(rule.after),
      atKey: true,
    });
  }
  return steps;
}

function compileStep(step: StepData, at: FieldPath, issues: Issue[], matched: readonly OperationId[]): CompiledStep {
  const data = step === 'passthrough' ? { passthrough: true as const } : step;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(data.headers ?? {})) {
    const text = String(value);
    if (!HEADER_NAME.test(name)) {
      issues.push({ path: [...at, 'headers', name], expected: 'a header name (letters, digits and !#$%&\'*+.^_`|~-)', found: JSON.stringify(name), atKey: true });
    } else if (/[\r\n\0]/.test(text)) {
      issues.push({ path: [...at, 'headers', name], expected: 'a header value on one line', found: describeValue(value) });
    } else {
      headers[name.toLowerCase()] = text;
    }
  }
  let delayMs: [number, number] | null = null;
  if (data.delay_ms !== undefined) {
    delayMs = Array.isArray(data.delay_ms) ? [data.delay_ms[0], data.delay_ms[1]] : [data.delay_ms, data.delay_ms];
    if (delayMs[0] > delayMs[1]) {
      issues.push({ path: [...at, 'delay_ms'], expected: '[min, max] with min no greater than max', found: describeValue(data.delay_ms) });
    }
  }
  const common = {
    headers: Object.freeze(headers),
    delayMs: delayMs && delayMs[1] > 0 ? Object.freeze(delayMs) : null,
    times: data.times ?? Infinity,
    probability: data.probability ?? 1,
    rateLimit: null,
    lostAnswer: null,
  };

  // Before `fault`: the fault of a step that runs the realistic handler loses the answer the handler made.
  if ('passthrough' in data) {
    return Object.freeze({ kind: 'passthrough', status: null, body: undefined, fault: null, job: null, webhook: null, ...common, lostAnswer: data.fault ?? null });
  }
  if ('job' in data) {
    const job = compileJob(data.job, [...at, 'job'], issues, matched);
    return Object.freeze({ kind: 'job', status: null, body: undefined, fault: null, job, webhook: null, ...common, lostAnswer: data.fault ?? null });
  }
  if ('webhook' in data) {
    const webhook = compileWebhook(data.webhook, [...at, 'webhook'], issues, matched);
    return Object.freeze({ kind: 'webhook', status: null, body: undefined, fault: null, job: null, webhook, ...common, lostAnswer: data.fault ?? null });
  }
  if ('fault' in data) {
    if (data.status !== undefined && data.fault !== 'malformed_body') {
      issues.push({ path: [...at, 'status'], expected: `no status with fault ${data.fault} (only malformed_body sends one)`, found: String(data.status), atKey: true });
    }
    if (data.status !== undefined && NO_BODY_STATUSES.has(data.status)) {
      issues.push({ path: [...at, 'status'], expected: 'a status that carries a body (malformed_body sends one)', found: String(data.status) });
    }
    return Object.freeze({ kind: 'fault', status: data.status ?? null, body: undefined, fault: data.fault, job: null, webhook: null, ...common });
  }
  const { status, body } = data;
  if (body !== undefined && NO_BODY_STATUSES.has(status)) {
    issues.push({ path: [...at, 'body'], expected: `no body with status ${status} (it has none)`, found: describeValue(body), atKey: true });
  }
  if (status >= 400 && body !== undefined) {
    if (!isPlainObject(body)) {
      issues.push({ path: [...at, 'body'], expected: "an object of fields merged over Cint's error envelope (id, object, detail, invalid_params)", found: describeValue(body) });
    } else {
      // Each field is sent as is: one the envelope does not have, or of another type, breaks the answer.
      issues.push(...checkAgainst(errorBodySchema(status, matched), body, [...at, 'body']));
    }
  }
  const limit = data.rate_limit;
  if (limit !== undefined && status < 400) {
    issues.push({ path: [...at, 'rate_limit'], expected: 'rate_limit only with a status from 400 to 599 (the requests past the limit are refused with it)', found: `status ${status}`, atKey: true });
  }
  // A 2xx (or 304) without a body keeps the realistic answer and changes only its status; any other
  // 3xx without one is a redirect, answered without running the handler (hooks/scenario.ts).
  const kind = body === undefined && (status < 300 || status === 304) ? 'passthrough' : 'respond';
  const rateLimit = limit === undefined ? null : Object.freeze({ requests: limit.requests, windowMs: limit.per_ms });
  return Object.freeze({ kind, status, body, fault: null, job: null, webhook: null, ...common, rateLimit });
}

/**
 * A job step answers only operations that create jobs, and fails a job only with a code the document
 * names for every kind of job the rule matches, so a scripted failure is one a client can meet.
 */
function compileJob(data: JobStepData['job'], at: FieldPath, issues: Issue[], matched: readonly OperationId[]): JobScript | null {
  const notJobs = matched.filter((id) => !JOB_KINDS[id]);
  if (matched.length === 0 || notJobs.length > 0) {
    issues.push({
      path: at, atKey: true,
      expected: `a rule whose match names only operations that create jobs (${JOB_OPERATIONS.join(', ')})`,
      found: notJobs.length > 0 ? `a rule that also matches ${notJobs.slice(0, 3).join(', ')}${notJobs.length > 3 ? ', …' : ''}` : 'a rule that matches no operation',
    });
    return null;
  }
  let fail: JobFailure | null = null;
  if (data.fail !== undefined) {
    const code = typeof data.fail === 'string' ? data.fail : data.fail.code;
    const kinds = matched.map((id) => JOB_KINDS[id]!);
    const codes = Object.keys(kinds[0]!.failures).filter((name) => kinds.every((kind) => name in kind.failures));
    if (!codes.includes(code)) {
      const nearest = nearestName(code, codes);
      issues.push({
        path: typeof data.fail === 'string' ? [...at, 'fail'] : [...at, 'fail', 'code'],
        expected: codes.length > 0 ? `a failure code the document names for ${matched.join(', ')}: ${codes.join(', ')}` : `no fail: the document names no failure for ${matched.join(', ')}`,
        found: `${JSON.stringify(code)}${nearest ? ` (did you mean ${JSON.stringify(nearest)}?)` : ''}`,
      });
      return null;
    }
    fail = { code, description: (typeof data.fail === 'object' ? data.fail.description : undefined) ?? kinds[0]!.failures[code]! };
  }
  return Object.freeze({ polls: data.processing_polls ?? null, fail });
}

/**
 * A webhook step acts on the events a request publishes, so it answers only operations that can
 * publish one (sessions/events.ts); a dropped event cannot also be delayed, duplicated, reordered or
 * signed.
 */
function compileWebhook(data: WebhookStepData['webhook'], at: FieldPath, issues: Issue[], matched: readonly OperationId[]): DeliveryScript | null {
  const silent = matched.filter((id) => !PUBLISHING_OPERATIONS.includes(id));
  if (matched.length === 0 || silent.length > 0) {
    issues.push({
      path: at, atKey: true,
      expected: `a rule whose match names only operations that publish webhook events (${PUBLISHING_OPERATIONS.join(', ')})`,
      found: silent.length > 0 ? `a rule that also matches ${silent.slice(0, 3).join(', ')}${silent.length > 3 ? ', …' : ''}` : 'a rule that matches no operation',
    });
    return null;
  }
  const others = (['delay_ms', 'duplicate', 'out_of_order', 'signature'] as const).filter((name) => data[name] !== undefined);
  if (data.drop && others.length > 0) {
    issues.push({ path: [...at, others[0]!], atKey: true, expected: 'nothing beside drop: a dropped event is never sent', found: others.join(', ') });
    return null;
  }
  return Object.freeze({
    delayMs: data.delay_ms ?? 0,
    copies: data.duplicate === true ? 2 : data.duplicate ?? 1,
    outOfOrder: data.out_of_order === true,
    drop: data.drop === true,
    signature: data.signature ?? null,
  });
}
