// The scenario engine's core: given a scenario's rules for one operation, the request's facts, the
// session's state for that scenario and its random stream, decide how the request is answered.
// No I/O: the only effects are on the state it is handed (step counters, the random stream).
import { meetsAll, type CompiledRule, type CompiledScenario, type CompiledStep, type RequestFacts } from './compile.js';
import { randomFor, type SeededRandom } from './random.js';
import { keyedCandidates, type OperationRules } from './rule-index.js';

/** One session's progress through one scenario. */
export interface ScenarioState {
  readonly scenario: CompiledScenario;
  /** Per rule (by index): the step in use. */
  readonly step: Uint32Array;
  /** Per rule (by index): how many requests the step in use has answered. */
  readonly used: Float64Array;
  /** Per rule (by index), for a step with a rate limit: when its window began (session clock, ms; 0: none yet), and the requests in it. */
  readonly windowStart: Float64Array;
  readonly windowCount: Float64Array;
  readonly random: SeededRandom;
}

export interface Decision {
  /** The index of the rule that answered. */
  readonly rule: number;
  readonly step: CompiledStep;
  /** Which of a sequence's steps answered, from 0; null for a rule of one step. */
  readonly position: number | null;
  /** The delay drawn for this request, in milliseconds. */
  readonly delayMs: number;
  /** A rate-limited step's answer: when its window ends (session clock, ms), for Retry-After as the answer is sent. */
  readonly windowEndsAt?: number;
}

export function newScenarioState(scenario: CompiledScenario, sessionId: string): ScenarioState {
  return {
    scenario,
    step: new Uint32Array(scenario.rules.length),
    used: new Float64Array(scenario.rules.length),
    windowStart: new Float64Array(scenario.rules.length),
    windowCount: new Float64Array(scenario.rules.length),
    random: randomFor(scenario.seed, sessionId),
  };
}

/**
 * The first rule that matches and still has a step to give answers; null means the realistic
 * behaviour. A step drawn out by its probability lets the next rules try, and is not used up.
 *
 * Only the rules the index leaves as candidates are tried: those filed under the request's own values
 * and those filed under none. Every other rule requires a value the request does not have, so it would
 * not match; and a rule that does not match changes nothing (no counter, no draw). Trying the
 * candidates in file order therefore decides exactly as trying every rule in file order would.
 */
export function decideResponse(operation: OperationRules, facts: RequestFacts, state: ScenarioState, now = Date.now()): Decision | null {
  const { rules, unkeyed } = operation;
  const keyed = keyedCandidates(operation, facts);
  // Two ascending lists of positions, walked together: the candidates in file order.
  let u = 0;
  let k = 0;
  while (u < unkeyed.length || k < keyed.length) {
    const position = k >= keyed.length || (u < unkeyed.length && unkeyed[u]! < keyed[k]!) ? unkeyed[u++]! : keyed[k++]!;
    const decision = tryRule(rules[position]!, facts, state, now);
    if (decision) return decision;
  }
  return null;
}

/** The rule's answer to the request, or null when it does not match or steps aside. */
function tryRule(rule: CompiledRule, facts: RequestFacts, state: ScenarioState, now: number): Decision | null {
  if (!meetsAll(rule.exact, facts) || (rule.check !== null && !rule.check(facts))) return null;
  const step = currentStep(rule, state);
  if (!step) return null;
  const windowEndsAt = step.rateLimit === null ? null : overLimit(rule.index, step.rateLimit, state, now);
  if (windowEndsAt === undefined) return null;
  if (step.probability < 1 && !(state.random.next() < step.probability)) return null;
  if (step.times !== Infinity && state.used[rule.index]! < step.times) state.used[rule.index]! += 1;
  const delay = step.delayMs;
  const delayMs = delay === null ? 0 : delay[0] === delay[1] ? delay[0] : state.random.between(delay[0], delay[1]);
  const position = rule.steps.length > 1 ? state.step[rule.index]! : null;
  return windowEndsAt === null ? { rule: rule.index, step, position, delayMs } : { rule: rule.index, step, position, delayMs, windowEndsAt };
}

/**
 * Counts the request in the rule's window (a new window begins with the first request after the last one
 * ended): undefined while the window has room (the step steps aside), else when the window ends.
 */
function overLimit(index: number, limit: { requests: number; windowMs: number }, state: ScenarioState, now: number): number | undefined {
  let start = state.windowStart[index]!;
  // A clock set back before the window began starts a new one too.
  if (start === 0 || now >= start + limit.windowMs || now < start) {
    start = state.windowStart[index] = now;
    state.windowCount[index] = 0;
  }
  state.windowCount[index]! += 1;
  return state.windowCount[index]! > limit.requests ? start + limit.windowMs : undefined;
}

/** The step that answers the rule's next request, moving on when one is used up; null once the rule is spent. */
function currentStep(rule: CompiledRule, state: ScenarioState): CompiledStep | null {
  const index = rule.index;
  let position = state.step[index]!;
  const step = rule.steps[position]!;
  if (state.used[index]! < step.times) return step;
  if (position + 1 < rule.steps.length) {
    position += 1;
  } else if (rule.after === 'restart') {
    position = 0;
  } else if (rule.after === 'repeat') {
    return step;
  } else {
    return null;
  }
  state.step[index] = position;
  state.used[index] = 0;
  // The next step's rate limit, if any, counts from its own first request.
  state.windowStart[index] = 0;
  state.windowCount[index] = 0;
  return rule.steps[position]!;
}
