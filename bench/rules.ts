// Benchmark: the scenario engine with many rules on one operation, in process (no HTTP), so the figures
// are about the engine alone. These machines are shared, so the figures that matter are the ratios.
//   npm run bench:rules                            # 10,000 rules, 5 rounds
//   BENCH_RULES=50000 BENCH_ROUNDS=9 BENCH_DECIDE_MS=1000 npm run bench:rules
//
// 1. Load: a generated scenario file of BENCH_RULES rules (one per project id, as in
//    `match: { operation: get_project_by_id, params: { project_id: … } }`), in YAML and in JSON, read,
//    parsed, checked and compiled by the loader (loadScenarioFolders), as at start or on a reload.
// 2. Decide: decideResponse in a tight loop for get_project_by_id requests that match the last rule,
//    with 10 rules and with BENCH_RULES rules; the ratio of their throughputs is the figure that counts
//    (the goal: at least 0.9). The same rules without their index (every rule tried in file order, as
//    before the index) are shown for comparison.
// Each figure is the median of the rounds; the kinds alternate within a round.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RequestFacts } from '../src/scenarios/compile.js';
import { decideResponse, newScenarioState } from '../src/scenarios/decide.js';
import { loadScenarioFolders, parseScenario } from '../src/scenarios/load.js';
import type { OperationRules } from '../src/scenarios/rule-index.js';
import { envInteger } from './machine.js';

const manyRules = envInteger('BENCH_RULES', 10_000, 10);
const rounds = envInteger('BENCH_ROUNDS', 5, 1);
const decideMs = envInteger('BENCH_DECIDE_MS', 500, 50);
const FEW_RULES = 10;
const ACCOUNT = '101';

/** A ULID-shaped project id per rule. */
const projectId = (index: number) => `01K40T69E63BHTT9MA${String(index).padStart(8, '0')}`;

function yamlScenario(count: number): string {
  const lines = [`description: ${count} projects that answer 404, one rule each`, 'seed: 42', 'rules:'];
  for (let index = 0; index < count; index += 1) {
    lines.push(`  - match: { operation: get_project_by_id, params: { project_id: ${projectId(index)} } }`, '    respond: { status: 404 }');
  }
  return `${lines.join('\n')}\n`;
}

function jsonScenario(count: number): string {
  return JSON.stringify({
    description: `${count} projects that answer 404, one rule each`,
    seed: 42,
    rules: Array.from({ length: count }, (_, index) => ({
      match: { operation: 'get_project_by_id', params: { project_id: projectId(index) } },
      respond: { status: 404 },
    })),
  }, null, 2);
}

/** Decisions per second, in the unit that shows them best. */
function rate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ---------------------------------------------------------------------------------------------------
// 1. Load

async function measureLoad(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cint-mock-bench-rules-'));
  try {
    const files = { yaml: 'many.yaml', json: 'many.json' } as const;
    const texts = { yaml: yamlScenario(manyRules), json: jsonScenario(manyRules) };
    const times: Record<keyof typeof files, number[]> = { yaml: [], json: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of ['yaml', 'json'] as const) {
        const folder = join(dir, `${kind}-${round}`);
        await mkdir(folder);
        await writeFile(join(folder, files[kind]), texts[kind]);
        const started = performance.now();
        const set = await loadScenarioFolders([{ dir: folder, origin: 'user' }]);
        times[kind].push(performance.now() - started);
        assert.equal(set.scenarios.get('many')?.scenario.rules.length, manyRules);
      }
    }
    for (const kind of ['yaml', 'json'] as const) {
      const size = (Buffer.byteLength(texts[kind]) / 1024 / 1024).toFixed(1);
      console.log(`load ${manyRules} rules, ${kind.padEnd(4)} (${size} MB): median ${median(times[kind]).toFixed(0)} ms  [${times[kind].map((ms) => ms.toFixed(0)).join(', ')}]`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. Decide

interface DecideCase {
  label: string;
  operation: OperationRules;
  scenario: ReturnType<typeof compiled>;
  facts: RequestFacts;
  expectedRule: number;
}

function compiled(count: number) {
  const parsed = parseScenario(yamlScenario(count), `bench-${count}.yaml`, `bench-${count}`);
  assert.ok(parsed.scenario, parsed.problems.map((problem) => problem.found).join('; '));
  return parsed.scenario;
}

/** A request as the hook sees it: Fastify's params and query, Node's lower-cased headers. */
function factsFor(project: string): RequestFacts {
  return {
    operationId: 'get_project_by_id',
    params: { account_id: ACCOUNT, project_id: project },
    query: {},
    headers: {
      host: '127.0.0.1:3000',
      'user-agent': 'cint-client/1.0',
      accept: 'application/json',
      authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.bench.signature',
      'cint-api-version': '2025-12-18',
      'accept-encoding': 'gzip, deflate',
      connection: 'keep-alive',
    },
    body: undefined,
  };
}

function decideCase(label: string, count: number, indexed: boolean): DecideCase {
  const scenario = compiled(count);
  const operation = scenario.byOperation.get('get_project_by_id')!;
  return {
    label,
    scenario,
    // Without the index: every rule unkeyed, so every rule is tried in file order.
    operation: indexed ? operation : { rules: operation.rules, unkeyed: operation.rules.map((_, position) => position), keys: [] },
    facts: factsFor(projectId(count - 1)),
    expectedRule: count - 1,
  };
}

/** Decisions per second over about `decideMs`, checked to be the last rule's every time. */
function throughput(test: DecideCase): number {
  const state = newScenarioState(test.scenario, 'bench-session');
  let decisions = 0;
  let answeredByExpected = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < decideMs) {
    for (let i = 0; i < 1000; i += 1) {
      const decision = decideResponse(test.operation, test.facts, state);
      if (decision?.rule === test.expectedRule) answeredByExpected += 1;
    }
    decisions += 1000;
    elapsed = performance.now() - started;
  }
  assert.equal(answeredByExpected, decisions, `${test.label}: every request answered by the last rule`);
  return decisions / (elapsed / 1000);
}

function measureDecide(): void {
  const cases = [
    decideCase(`${FEW_RULES} rules`, FEW_RULES, true),
    decideCase(`${manyRules} rules`, manyRules, true),
    decideCase(`${FEW_RULES} rules, no index`, FEW_RULES, false),
    decideCase(`${manyRules} rules, no index`, manyRules, false),
  ];
  // Warm-up: let the JIT settle on each case before anything counts.
  for (const test of cases) throughput(test);
  const results = new Map<string, number[]>(cases.map((test) => [test.label, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const test of cases) results.get(test.label)!.push(throughput(test));
  }
  const medians = new Map([...results].map(([label, values]) => [label, median(values)]));
  const few = medians.get(cases[0]!.label)!;
  for (const [label, value] of medians) {
    const ratio = value / few;
    console.log(`decide ${label.padEnd(24)} median ${rate(value).padStart(10)}  (${ratio.toFixed(3)}x of ${FEW_RULES} rules)  [${results.get(label)!.map(rate).join(', ')}]`);
  }
  const ratio = medians.get(cases[1]!.label)! / few;
  console.log(`\n${manyRules} rules decide at ${ratio.toFixed(2)}x the throughput of ${FEW_RULES} rules (goal: >= 0.9)`);
}

console.log(`node ${process.version}, ${rounds} rounds, ${decideMs} ms per decide measurement\n`);
await measureLoad();
console.log();
measureDecide();
