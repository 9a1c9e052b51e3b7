// The scenario engine's core: given a scenario's rules for one operation, the request's facts, the
// session's state for that scenario and its random stream, decide how the request is answered.
// No I/O: the only effects are on the state it is handed (step counters, the random stream).
import type { CompiledRule, CompiledScenario, CompiledStep, RequestFacts } from './compile.js';
import { randomFor, type SeededRandom } from './random.js';

/** One session's progress through one scenario. */
export interface ScenarioState {
  readonly scenario: CompiledScenario;
  /** Per rule (by index): the step in use. */
  readonly step: Uint32Array;
  /** Per rule (by index): how many requests the step in use has answered. */
  readonly used: Float64Array;
  readonly random: SeededRandom;
}

export interface Decision {
  /** The index of the rule that answered. */
  readonly rule: number;
  readonly step: CompiledStep;
  /** The delay drawn for this request, in milliseconds. */
  readonly delayMs: number;
}

export function newScenarioState(scenario: CompiledScenario, sessionId: string): ScenarioState {
  return {
    scenario,
    step: new Uint32Array(scenario.rules.length),
    used: new Float64Array(scenario.rules.length),
    random: randomFor(scenario.seed, sessionId),
  };
}

/**
 * The first rule that matches and still has a step to give answers; null means the realistic
 * behaviour. A step drawn out by its probability lets the next rules try, and is not used up.
 */
export function decideResponse(rules: readonly CompiledRule[], facts: RequestFacts, state: ScenarioState): Decision | null {
  for (const rule of rules) {
    if (!rule.matches(facts)) continue;
    const step = currentStep(rule, state);
    if (!step) continue;
    if (step.probability < 1 && !(state.random.next() < step.probability)) continue;
    if (step.times !== Infinity && state.used[rule.index]! < step.times) state.used[rule.index]! += 1;
    const delay = step.delayMs;
    const delayMs = delay === null ? 0 : delay[0] === delay[1] ? delay[0] : state.random.between(delay[0], delay[1]);
    return { rule: rule.index, step, delayMs };
  }
  return null;
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
  return rule.steps[position]!;
}
