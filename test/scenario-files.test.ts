import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse, parseDocument } from 'yaml';
import {
  BUILTIN_SCENARIOS_DIR, ScenarioError, formatProblem, loadScenarioFolders, parseScenario, readPlainYaml, validateScenarioFolder,
  type ScenarioProblem,
} from '../src/scenarios/load.js';
import { scenarioJsonSchema } from '../src/scenarios/schema.js';
import { cliCommand } from './cli-process.js';
import { appWithScenarios, clientUsing, removeFolder, scenarioFolder } from './scenario-helpers.js';
import { projectsUrl } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function problemsOf(text: string, file = 'broken.yaml'): ScenarioProblem[] {
  const parsed = parseScenario(text, file, 'broken');
  assert.equal(parsed.scenario, null, 'the file is refused');
  return parsed.problems;
}

describe('scenario file problems', () => {
  it('name the file, line and column, the rule, the field, what was expected and what was found', () => {
    const problems = problemsOf(`description: broken
rules:
  - match: { operation: list_account_projects }
    respond: { status: 503 }
  - match: { operation: get_projct }
    respond:
      - status: abc
        times: 2
      - passthrough
`);
    assert.deepEqual(problems, [{
      file: 'broken.yaml', line: 5, column: 25, rule: 1, field: 'rules[1].match.operation',
      expected: 'a Cint operation id, a list of them, or "*"', found: '"get_projct" (did you mean "get_project_by_id"?)',
    }, {
      file: 'broken.yaml', line: 7, column: 17, rule: 1, field: 'rules[1].respond[0].status',
      expected: 'an HTTP status from 200 to 599', found: '"abc"',
    }]);
    assert.equal(formatProblem(problems[0]!),
      'broken.yaml:5:25: rules[1].match.operation: expected a Cint operation id, a list of them, or "*", found "get_projct" (did you mean "get_project_by_id"?)');
  });

  it('report a missing field at the object that should hold it', () => {
    const [problem] = problemsOf('rules: []\n');
    assert.equal(formatProblem(problem!), 'broken.yaml:1:1: description: expected a non-empty string, found nothing');
  });

  it('report an unknown field at its name, with the likely intended one', () => {
    const problems = problemsOf(`description: typo
rules:
  - match: { operation: "*" }
    respnd: { status: 500 }
`);
    assert.deepEqual(problems.map(formatProblem), [
      'broken.yaml:3:5: rules[0].respond: expected a step or a list of steps, found nothing',
      'broken.yaml:4:5: rules[0].respnd: expected one of the fields match, respond, after, found "respnd" (did you mean "respond"?)',
    ]);
  });

  it('name the fault, the step shape, the fields that do not go together', () => {
    const problems = problemsOf(`description: shapes
rules:
  - match: { operation: "*" }
    respond: { fault: hangg }
  - match: { operation: "*" }
    respond: { statuss: 500 }
  - match: { operation: "*" }
    respond: { status: 503, passthrough: true }
  - match: { operation: "*" }
    respond: { fault: hang, status: 500 }
`).map(formatProblem);
    assert.deepEqual(problems, [
      'broken.yaml:4:23: rules[0].respond.fault: expected a fault (connection_reset, empty_response, malformed_body, hang), found "hangg" (did you mean "hang"?)',
      'broken.yaml:6:14: rules[1].respond: expected a step: "passthrough", or an object with status, passthrough: true, fault, job or webhook, found {"statuss":500}',
      'broken.yaml:8:29: rules[2].respond.passthrough: expected one of the fields status, body, headers, delay_ms, times, probability, rate_limit, found "passthrough"',
      'broken.yaml:10:29: rules[3].respond.status: expected no status with fault hang (only malformed_body sends one), found 500',
    ]);
  });

  it('catch what the schema cannot: paths, parameters, methods, unreachable steps, bodies, regular expressions', () => {
    const problems = problemsOf(`description: semantics
rules:
  - match: { method: GET, path: /v1/demand/accounts/:account_id/projcts }
    respond: { status: 500 }
  - match: { operation: create_project, params: { project_id: x } }
    respond: { status: 500 }
  - match: { operation: create_project, method: GET }
    respond: { status: 500 }
  - match: { operation: "*" }
    respond: [ { status: 503 }, passthrough ]
  - match: { operation: "*" }
    respond: { status: 204, body: { a: 1 }, delay_ms: [5, 1] }
  - match: { operation: "*", headers: { x-a: { matches: "(" } } }
    respond: { status: 500, times: 1 }
    after: restart
  - match: { operation: "*" }
    respond: passthrough
    after: repeat
`).map(formatProblem);
    assert.deepEqual(problems, [
      'broken.yaml:3:33: rules[0].match.path: expected a path the Cint API serves for the method and operation given (nearest: /v1/demand/accounts/:account_id/projects), found "/v1/demand/accounts/:account_id/projcts"',
      'broken.yaml:5:51: rules[1].match.params.project_id: expected a path parameter of the operations matched (account_id), found "project_id"',
      'broken.yaml:7:49: rules[2].match.method: expected a method of the operations matched (POST), found "GET"',
      'broken.yaml:10:16: rules[3].respond[0].times: expected times on every step but the last (a step without times answers forever, so the steps after it would never answer), found nothing',
      'broken.yaml:12:29: rules[4].respond.body: expected no body with status 204 (it has none), found {"a":1}',
      'broken.yaml:12:55: rules[4].respond.delay_ms: expected [min, max] with min no greater than max, found [5,1]',
      'broken.yaml:13:57: rules[5].match.headers.x-a.matches: expected a valid regular expression, found "(" (Invalid regular expression: /(/: Unterminated group)',
      'broken.yaml:18:5: rules[6].after: expected no `after` here: the last step has no times, so it answers forever and there is no after, found "repeat"',
    ]);
  });

  it("check a 4xx/5xx body's fields against the envelope its answer is: Error's, with what the status adds; id and object stay replaceable", () => {
    const problems = problemsOf(`description: error bodies
rules:
  - match: { operation: create_project }
    respond: { status: 400, body: { invalid_param: [ { name: n, reason: r } ], detial: x } }
  - match: { operation: create_project }
    respond: { status: 400, body: { object: 123, detail: null, invalid_params: oops } }
  - match: { operation: create_project }
    respond: { status: 422, body: { invalid_params: [ { name: x } ], object: Not-Snake, id: 7 } }
  - match: { operation: manage_target_group_profiles }
    respond: { status: 500, body: { errors: [ { name: a } ], title: x } }
  - match: { operation: "*" }
    respond: { status: 429, body: { details: 5 } }
`).map(formatProblem);
    assert.deepEqual(problems, [
      'broken.yaml:4:37: rules[0].respond.body.invalid_param: expected one of the fields id, object, detail, invalid_params, found "invalid_param" (did you mean "invalid_params"?)',
      'broken.yaml:4:80: rules[0].respond.body.detial: expected one of the fields id, object, detail, invalid_params, found "detial" (did you mean "detail"?)',
      'broken.yaml:6:45: rules[1].respond.body.object: expected a string matching ^([a-z]*_)*([a-z]*)$, found 123',
      'broken.yaml:6:58: rules[1].respond.body.detail: expected a string, found null',
      'broken.yaml:6:80: rules[1].respond.body.invalid_params: expected a list of { name, reason } or null, found "oops"',
      'broken.yaml:8:55: rules[2].respond.body.invalid_params[0].reason: expected a string, found nothing',
      'broken.yaml:8:78: rules[2].respond.body.object: expected a string matching ^([a-z]*_)*([a-z]*)$, found "Not-Snake"',
      'broken.yaml:8:93: rules[2].respond.body.id: expected a string, found 7',
      // manage_target_group_profiles documents InternalErrorDemandAPI for 500: `errors` of { name, reason }, no `title`.
      'broken.yaml:10:47: rules[3].respond.body.errors[0].reason: expected a string, found nothing',
      'broken.yaml:10:62: rules[3].respond.body.title: expected one of the fields id, object, detail, invalid_params, errors, found "title"',
      // Every 429 carries `details`, Cint's TooManyRequestsProblemDetails message.
      'broken.yaml:12:46: rules[4].respond.body.details: expected a string, found 5',
    ]);

    // Setting the envelope's fields, replacing id and object, adding a field the operation documents for the status.
    const parsed = parseScenario(`description: error bodies that fit
rules:
  - match: { operation: "*" }
    respond: { status: 503, body: { id: fixed-id, object: maintenance_error, detail: down, invalid_params: null } }
  - match: { operation: create_project }
    respond: { status: 400, body: { invalid_params: [ { name: name, reason: "'name' must not be empty." } ] } }
  - match: { operation: get_panel_distribution_draft }
    respond: { status: 400, body: { title: Bad profile, instance: /x, type: about:blank } }
  - match: { operation: "*" }
    respond: { status: 500, body: { errors: [] } }
  - match: { operation: create_launch_fielding_run_from_draft_job }
    respond: { status: 429, body: { details: slow down } }
`, 'fits.yaml', 'fits');
    assert.deepEqual(parsed.problems.map(formatProblem), []);
  });

  it('refuse a pattern a request\'s value could make backtrack exponentially, and take the usual ones', () => {
    const problems = problemsOf(`description: patterns
rules:
  - match: { operation: "*", headers: { x-a: { matches: "^(a+)+$" } } }
    respond: { status: 500 }
  - match: { operation: list_account_projects, query: { search_string: { matches: "(x|y*)*z" } } }
    respond: { status: 500 }
  - match: { operation: "*", headers: { user-agent: { matches: "^legacy-client/[0-9.]+( |$)" }, x-b: { matches: "^01[0-9A-Z]{24}$" } } }
    respond: { status: 500 }
`).map(formatProblem);
    const expected = 'expected a regular expression without a repetition inside a repetition (such as (a+)+) and with at most 25 repetitions: one a request\'s value could make take exponential time is refused';
    assert.deepEqual(problems, [
      `broken.yaml:3:57: rules[0].match.headers.x-a.matches: ${expected}, found "^(a+)+$"`,
      `broken.yaml:5:83: rules[1].match.query.search_string.matches: ${expected}, found "(x|y*)*z"`,
    ]);
  });

  it('suggest the nearest path segment by segment: literal ids stand where parameters are', () => {
    const nearest = (path: string) => problemsOf(`description: paths\nrules:\n  - match: { path: "${path}" }\n    respond: { status: 404 }\n`)[0]?.expected;
    assert.equal(nearest('/v1/demand/accounts/1/projectz/01K40T69E63BHTT9MAJYRBQ8HY'),
      'a path the Cint API serves (nearest: /v1/demand/accounts/:account_id/projects/:project_id)');
    assert.equal(nearest('/v1/demand/acounts/101/projects/01K40T69E63BHTT9MAJYRBQ8HY/target-group'),
      'a path the Cint API serves (nearest: /v1/demand/accounts/:account_id/projects/:project_id/target-groups)');
  });

  it('give JSON files their lines too', () => {
    const problems = problemsOf(JSON.stringify({ description: 'json', rules: [{ match: { operation: '*' }, respond: { status: 99 } }] }, null, 2), 'broken.json');
    assert.equal(formatProblem(problems[0]!), 'broken.json:9:19: rules[0].respond.status: expected an HTTP status from 200 to 599, found 99');
  });

  it('read .json files as JSON: single quotes and trailing commas that YAML would take are errors with their line and column', () => {
    const [quoted] = problemsOf("{\n  'description': 'single quotes',\n  \"rules\": []\n}\n", 'quoted.json');
    assert.equal(formatProblem(quoted!), "quoted.json:2:3: (syntax): expected valid JSON, found Expected property name or '}' in JSON at position 4");
    const [trailing] = problemsOf('{\n  "description": "trailing comma",\n  "rules": [],\n}\n', 'trailing.json');
    assert.equal(trailing?.line, 4);
    assert.equal(trailing?.column, 1);
    assert.equal(trailing?.expected, 'valid JSON');
    // The same text as .yaml is YAML, and valid.
    assert.ok(parseScenario('{\n  "description": "trailing comma",\n  "rules": [],\n}\n', 'trailing.yaml', 'trailing').scenario);
  });

  it('refuse a key given twice in one JSON object, as YAML files do, at the second one', () => {
    const [twice] = problemsOf('{\n  "description": "a",\n  "rules": [],\n  "description": "b"\n}\n', 'twice.json');
    assert.equal(formatProblem(twice!), 'twice.json:4:3: (syntax): expected each key once in an object, found "description" again');
    const [escaped] = problemsOf('{"description": "a", "rules": [{"match": {"operation": "*", "query": {"a\\"b": 1, "a\\u0022b": 2}}, "respond": {"status": 500}}]}', 'escaped.json');
    assert.equal(escaped?.found, '"a\\"b" again');
    // Equal keys in different objects, and key-like text inside strings, are fine.
    const fine = '{"description": "{\\"rules\\": 1, \\"rules\\": 2}", "rules": [{"match": {"operation": "*", "query": {"x": ["x", "x"]}}, "respond": {"status": 500}},'
      + ' {"match": {"operation": "*", "query": {"x": "y"}}, "respond": {"status": 500}}]}';
    assert.ok(parseScenario(fine, 'fine.json', 'fine').scenario);
  });

  it('report a problem in every rule that repeats a respond, whatever an earlier rule with the same respond compiled to', () => {
    // Rules with the same respond reuse its compiled steps; the steps' problems depend on the rule's
    // operations and its after, and a respond with a problem is compiled again for each rule.
    const problems = problemsOf(`description: rules that repeat one another's respond
rules:
  - match: { operation: get_project_by_id, params: { project_id: A } }
    respond: { status: 503 }
  - match: { operation: get_project_by_id, params: { project_id: B } }
    respond: { status: 503 }
    after: repeat
  - match: { operation: create_bulk_pause_target_groups_job }
    respond: { job: { processing_polls: 1 } }
  - match: { operation: get_project_by_id }
    respond: { job: { processing_polls: 1 } }
  - match: { operation: get_project_by_id, params: { project_id: C } }
    respond: { status: 204, body: { a: 1 } }
  - match: { operation: get_project_by_id, params: { project_id: D } }
    respond: { status: 204, body: { a: 1 } }
  - match: { operation: get_project_by_id, params: { project_id: E } }
    respond: { status: 503 }
`);
    assert.deepEqual(problems.map((problem) => [problem.rule, problem.field]), [
      [1, 'rules[1].after'],
      [3, 'rules[3].respond.job'],
      [4, 'rules[4].respond.body'],
      [5, 'rules[5].respond.body'],
    ]);
  });

  it('refuse an alias inside its own anchor at the alias: the data would hold itself', () => {
    const problems = problemsOf(`description: a body that holds itself
rules:
  - match: { operation: get_project_by_id }
    respond: &step
      status: 200
      body: { again: *step }
`);
    assert.deepEqual(problems, [{
      file: 'broken.yaml', line: 6, column: 22, rule: 0, field: 'rules[0].respond.body.again',
      expected: 'an alias outside the node its anchor names (data that does not hold itself)', found: 'an alias to a node that holds it',
    }]);
    // An alias used twice, each outside its anchor, is fine.
    assert.ok(parseScenario(`description: shared
rules:
  - match: { operation: get_project_by_id }
    respond: &gone { status: 404 }
  - match: { operation: list_account_projects }
    respond: *gone
`, 'shared.yaml', 'shared').scenario);
  });

  it('refuse objects and arrays nested deeper than a request body may be (64), which JSON.parse reads and the rules\' walks could not', () => {
    const nested = (depth: number) => `{"description": "deep", "rules": [{"match": {"operation": "get_project_by_id"}, "respond": {"status": 200, "body": ${'['.repeat(depth)}1${']'.repeat(depth)}}}]}`;
    // The file, rules, a rule, respond: the body is the fifth level.
    assert.ok(parseScenario(nested(60), 'deep.json', 'deep').scenario, '64 levels load');
    for (const depth of [61, 50_000]) {
      const problems = problemsOf(nested(depth), 'deep.json');
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.rule, 0);
      assert.equal(problems[0]?.field, `rules[0].respond.body${'[0]'.repeat(60)}`);
      assert.equal(problems[0]?.expected, 'objects and arrays nested at most 64 deep, as in a request body');
      assert.equal(problems[0]?.found, 'deeper nesting');
    }
    // YAML nested so deep that the parser runs out of stack.
    const [yaml] = problemsOf(`description: deep\nrules:\n  - match: { operation: get_project_by_id }\n    respond: { status: 200, body: ${'['.repeat(50_000)}1${']'.repeat(50_000)} }\n`);
    assert.deepEqual([yaml?.field, yaml?.expected, yaml?.found], ['(syntax)', 'objects and arrays nested at most 64 deep, as in a request body', 'nesting too deep to read']);
  });

  it('report the first YAML syntax error with its position', () => {
    const [problem] = problemsOf('description: [unclosed\nrules: []\n');
    assert.equal(problem?.line, 2);
    assert.equal(problem?.field, '(syntax)');
    assert.equal(problem?.expected, 'valid YAML or JSON');
  });
});

describe('reading YAML', () => {
  // Plain files are read by js-yaml, the rest by the yaml library (load.ts): the two must never differ.
  const yamlLibrary = (text: string): { data: unknown } | null => {
    const doc = parseDocument(text, { uniqueKeys: true });
    return doc.errors.length > 0 || doc.warnings.length > 0 ? null : { data: doc.toJS({ maxAliasCount: 1000 }) };
  };

  it('the fast reader gives the yaml library\'s data, or leaves the text to it', () => {
    const texts = [
      'a: 0b101', 'a: 0o17', 'a: -0x1F', 'a: 0x1F', 'a: 1_000', 'a: .5', 'a: 5.', 'a: 1e3', 'a: +.inf', 'a: .NaN', 'a: ~', 'a: Null', 'a:',
      'a: TRUE', 'a: yes', 'a: on', 'a: 012', 'a: 09', 'a: -0', 'a: +12', 'a: 2026-12-04', 'a: 1:30', 'a: 12345678901234567890', 'a: 0.10',
      'a: "\\u00e9\\x41"', "a: 'it''s'", 'a: |\n  x\n  y\n', 'a: >-\n  x\n  y\n', 'a: [1, 2, {b: c}]', '\ufeffa: 1', '- a\n- b', '12', '',
      // Where the readers differ: YAML 1.1 by directive, explicit tags, aliases, keys that are not text.
      '%YAML 1.1\n---\na: yes', 'a: !!float 1', 'a: !!str 12', 'a: !custom x', '{"a":!!float 1}', 'a: &x {b: 1}\nc: *x', '? [x, y]\n: 1', '<<: {a: 1}\nb: 2',
      // Errors: the yaml library reports them, with its messages and positions.
      'a: 1\na: 2', 'a: b: c', 'a:\n\t- x', 'a: [1,2', 'a: @x', '---\na: 1\n---\nb: 2',
    ];
    let fast = 0;
    for (const text of texts) {
      const plain = readPlainYaml(text);
      if (!plain) continue;
      fast += 1;
      assert.deepEqual(plain, yamlLibrary(text), `both readers on ${JSON.stringify(text)}`);
    }
    assert.ok(fast >= 30, `only ${fast} texts read by the fast reader`);
    // The directive and the tag are where js-yaml alone would read something else.
    assert.equal(readPlainYaml('%YAML 1.1\n---\na: yes'), null);
    assert.equal(readPlainYaml('a: !!float 1'), null);
  });

  it('every built-in scenario and every YAML example in the docs reads the same with either reader', async () => {
    const builtins = (await readdir(BUILTIN_SCENARIOS_DIR)).filter((entry) => /\.ya?ml$/.test(entry));
    for (const name of builtins) {
      const text = await readFile(join(BUILTIN_SCENARIOS_DIR, name), 'utf8');
      const plain = readPlainYaml(text);
      assert.ok(plain, `${name} is plain YAML, read by the fast reader`);
      assert.deepEqual(plain, yamlLibrary(text), name);
    }
    let examples = 0;
    for (const doc of ['README.md', 'docs/scenarios.md']) {
      const text = await readFile(join(ROOT, doc), 'utf8');
      for (const [, block = ''] of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
        const plain = readPlainYaml(block);
        if (plain) assert.deepEqual(plain, yamlLibrary(block), `${doc}:\n${block}`);
        examples += plain ? 1 : 0;
      }
    }
    assert.ok(builtins.length >= 12 && examples >= 15, `${builtins.length} built-in files, ${examples} examples`);
  });

  it('a YAML 1.1 directive keeps its meaning: yes is true there, and text without it', () => {
    const rule = 'rules:\n  - match: { operation: "*", headers: { x-debug: { present: yes } } }\n    respond: { status: 500 }\n';
    assert.ok(parseScenario(`%YAML 1.1\n---\ndescription: x\n${rule}`, 'old.yaml', 'old').scenario);
    const [problem] = problemsOf(`description: x\n${rule}`);
    assert.equal(problem?.field, 'rules[0].match.headers.x-debug.present');
    assert.equal(problem?.line, 3);
  });

  it('anchors and aliases share a step between rules', async () => {
    const { app, close } = await appWithScenarios({
      'shared.yaml': 'description: one outage\nrules:\n  - match: { operation: list_account_projects }\n    respond: &down { status: 503 }\n'
        + '  - match: { operation: create_project }\n    respond: *down\n',
    });
    try {
      const client = await clientUsing(app, 'shared');
      for (const method of ['GET', 'POST'] as const) {
        const response = await app.inject({ method, url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: method === 'POST' ? {} : undefined });
        assert.equal(response.statusCode, 503, `${method}: ${response.body}`);
        assert.equal(response.headers['retry-after'], '1');
        assert.equal(response.json().object, 'service_unavailable_error');
      }
    } finally {
      await close();
    }
  });

  it('aliases that would expand without bound are a problem of their file, not a stalled or crashed load', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const dir = await scenarioFolder({ 'laughs.yaml': `${levels.join('\n')}\ndescription: x\nrules: []\n` });
    try {
      await assert.rejects(loadScenarioFolders([{ dir, origin: 'user' }]), (error: unknown) => {
        assert.ok(error instanceof ScenarioError);
        assert.deepEqual(error.problems.map((problem) => [problem.field, problem.expected]), [['(syntax)', 'aliases that repeat at most 1,000 nodes']]);
        assert.match(error.problems[0]!.file, /laughs\.yaml$/);
        return true;
      });
    } finally {
      await removeFolder(dir);
    }
  });
});

describe('scenario folders', () => {
  it('the built-in folder is valid', async () => {
    const outcome = await validateScenarioFolder();
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.ok(outcome.names.includes('flaky'));
  });

  it('a folder with problems throws one error listing all of them, file by file', async () => {
    const dir = await scenarioFolder({
      'a.yaml': 'description: a\nrules:\n  - match: { operation: nope }\n    respond: { status: 500 }\n',
      'b.json': '{ "description": "b", "rules": "none" }',
      'c.yml': 'description: c\nrules: []\n',
      'c.yaml': 'description: c again\nrules: []\n',
      'bad name!.yaml': 'description: x\nrules: []\n',
      'notes.txt': 'not a scenario',
    });
    try {
      await assert.rejects(loadScenarioFolders([{ dir, origin: 'user' }]), (error: unknown) => {
        assert.ok(error instanceof ScenarioError);
        const lines = error.message.split('\n');
        assert.equal(lines[0], '4 problems in the scenarios:');
        assert.match(lines[1]!, /^ {2}.*a\.yaml:3:25: rules\[0\]\.match\.operation: expected a Cint operation id, a list of them, or "\*", found "nope"/);
        assert.match(lines[2]!, /^ {2}.*b\.json:1:32: rules: expected a list of rules, found "none"$/);
        assert.match(lines[3]!, /^ {2}.*bad name!\.yaml: \(file name\): expected a name of letters, digits/);
        assert.match(lines[4]!, /^ {2}.*c\.yml: \(file name\): expected one file per scenario name \(c\.yaml is also named "c"\), found "c\.yml"$/);
        return true;
      });
    } finally {
      await removeFolder(dir);
    }
  });

  it('an entry named as a scenario file that is no file is a problem: a folder, a named pipe, a symbolic link to nothing', { timeout: 10_000 }, async () => {
    // They were skipped without a word (and reading a named pipe waited for a writer): the load went on
    // without them, and `cint-mock validate` counted what was left.
    const dir = await scenarioFolder({ 'good.yaml': 'description: good\nrules: []\n' });
    try {
      await mkdir(join(dir, 'mounted.yaml'));
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
      await symlink(join(dir, 'nowhere.yaml'), join(dir, 'dangling.json'));
      await assert.rejects(loadScenarioFolders([{ dir, origin: 'user' }]), (error: unknown) => {
        assert.ok(error instanceof ScenarioError);
        assert.equal(error.message, [
          '3 problems in the scenarios:',
          `  ${join(dir, 'dangling.json')}: (file): expected a file (this is a symbolic link to nothing), found ENOENT: no such file or directory`,
          `  ${join(dir, 'mounted.yaml')}: (file): expected a file, found a folder (a bind mount of a host file that does not exist makes one)`,
          `  ${join(dir, 'pipe.yaml')}: (file): expected a file, found a named pipe (FIFO)`,
        ].join('\n'));
        return true;
      });
    } finally {
      await removeFolder(dir);
    }
  });

  it('a missing folder is a problem too', async () => {
    await assert.rejects(loadScenarioFolders([{ dir: '/nonexistent/cint-mock-scenarios', origin: 'user' }]), /\/nonexistent\/cint-mock-scenarios: \(folder\): expected a readable folder of scenario files, found ENOENT/);
  });
});

describe('the JSON Schema of scenario files', () => {
  it('schemas/scenario.schema.json is generated from the TypeBox schema and up to date (npm run scenario-schema)', async () => {
    const committed = JSON.parse(await readFile(join(ROOT, 'schemas/scenario.schema.json'), 'utf8'));
    assert.deepEqual(committed, scenarioJsonSchema());
  });

  it('accepts every built-in scenario, and refuses a broken one, as an editor would', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(scenarioJsonSchema());
    for (const file of await readdir(BUILTIN_SCENARIOS_DIR)) {
      const data = parse(await readFile(join(BUILTIN_SCENARIOS_DIR, file), 'utf8'));
      assert.ok(validate(data), `${file}: ${ajv.errorsText(validate.errors)}`);
    }
    assert.equal(validate({ description: 'x', rules: [{ match: { operation: 'nope' }, respond: { status: 500 } }] }), false);
    assert.equal(validate({ description: 'x', rules: [{ match: { operation: '*' }, respond: { fault: 'hang', colour: 'red' } }] }), false);
  });
});

describe('docs/scenarios.md', () => {
  it('every scenario example in it loads without a problem', async () => {
    const text = await readFile(join(ROOT, 'docs/scenarios.md'), 'utf8');
    let checked = 0;
    for (const [, block = ''] of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
      // Reference sketches (with "...") and fragments without a respond are not scenarios.
      if (!block.includes('respond:') || /:\s*\.\.\.\s*(#|$)/m.test(block)) continue;
      const source = /^description:/m.test(block) ? block : /^rules:/m.test(block) ? `description: x\n${block}` : `description: x\nrules:\n${block}`;
      const parsed = parseScenario(source, 'docs/scenarios.md', 'example');
      assert.deepEqual(parsed.problems.map(formatProblem), [], source);
      checked += 1;
    }
    assert.ok(checked >= 7, `only ${checked} examples found`);
  });
});

function runCli(args: string[], env: Record<string, string> = {}, user: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [node, cli] = cliCommand();
    const child = spawn(node, [cli, ...args], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // A server that started when it should not have: stop it so the test fails instead of hanging.
      if (stdout.includes('"listening"')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the command line', () => {
  let good: string;
  let bad: string;
  before(async () => {
    good = await scenarioFolder({ 'mine.yaml': 'description: mine\nrules:\n  - match: { operation: "*" }\n    respond: { status: 500 }\n' });
    bad = await scenarioFolder({ 'broken.yaml': 'description: broken\nrules:\n  - match: { operation: "*" }\n    respond: { status: 99 }\n' });
  });
  after(async () => {
    await removeFolder(good);
    await removeFolder(bad);
  });

  it('cint-mock validate DIR exits 0 for a valid folder', async () => {
    const { code, stdout } = await runCli(['validate', good]);
    assert.equal(code, 0);
    assert.equal(stdout, `${good}: 1 scenario valid (mine)\n`);
  });

  it('cint-mock validate DIR exits 1 and prints every problem', async () => {
    const { code, stderr } = await runCli(['validate', bad]);
    assert.equal(code, 1);
    assert.equal(stderr, `cint-mock: a problem in the scenarios:\n  ${join(bad, 'broken.yaml')}:4:24: rules[0].respond.status: expected an HTTP status from 200 to 599, found 99\n`);
  });

  it('cint-mock validate with no folder checks the built-in scenarios', async () => {
    const { code, stdout } = await runCli(['validate']);
    assert.equal(code, 0);
    const builtins = (await readdir(BUILTIN_SCENARIOS_DIR)).filter((entry) => /\.ya?ml$/.test(entry)).map((entry) => entry.replace(/\.ya?ml$/, '')).sort();
    assert.equal(builtins.length, 14);
    assert.match(stdout, new RegExp(`: 14 scenarios valid \\(${builtins.join(', ')}\\)\n$`));
  });

  it('a broken scenario file at start exits 1 with the message', async () => {
    const { code, stderr, stdout } = await runCli(['--port', '0', '--scenarios', bad]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /broken\.yaml:4:24: rules\[0\]\.respond\.status: expected an HTTP status from 200 to 599, found 99/);
  });

  it('a scenario file the server cannot read exits 1, at start and in validate, naming the file, the error and whose read it was', async () => {
    // As in the image: a file of another user's, mode 600, and a server that is not root. Root reads
    // any file, so as root the server runs as nobody (65534); otherwise the file is made unreadable.
    const root = process.getuid?.() === 0;
    const dir = await scenarioFolder({ 'mine.yaml': 'description: mine\nrules: []\n', 'private.yaml': 'description: private\nrules: []\n' });
    const user = root ? { uid: 65534, gid: 65534 } : {};
    const uid = root ? 65534 : process.getuid?.();
    try {
      await chmod(dir, 0o755);
      await chmod(join(dir, 'private.yaml'), root ? 0o600 : 0o000);
      const expected = `cint-mock: a problem in the scenarios:\n  ${join(dir, 'private.yaml')}: (file): expected a file readable by the server's user `
        + `(the server runs as uid ${uid}; the image's user is node, uid 1000: make it readable by that user, e.g. chmod a+r), found EACCES: permission denied\n`;
      const validated = await runCli(['validate', dir], {}, user);
      assert.deepEqual(validated, { code: 1, stdout: '', stderr: expected });
      const started = await runCli(['--port', '0', '--scenarios', dir], {}, user);
      assert.deepEqual(started, { code: 1, stdout: '', stderr: expected });
      // A folder it cannot list says the same.
      await chmod(dir, root ? 0o700 : 0o000);
      const folder = await runCli(['validate', dir], {}, user);
      assert.deepEqual(folder, {
        code: 1, stdout: '', stderr: `cint-mock: a problem in the scenarios:\n  ${dir}: (folder): expected a folder of scenario files readable by the server's user `
          + `(the server runs as uid ${uid}; the image's user is node, uid 1000: make it readable by that user, e.g. chmod a+r), found EACCES\n`,
      });
      await chmod(dir, 0o700);
    } finally {
      await removeFolder(dir);
    }
  });

  it('an unknown --scenario at start exits 1 naming the known ones (also through the environment)', async () => {
    const flag = await runCli(['--port', '0', '--scenarios', good, '--scenario', 'nope']);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /scenario: expected the name of a scenario \(.*mine.*\), found "nope"/);
    const env = await runCli(['--port', '0'], { CINT_MOCK_SCENARIO: 'nope' });
    assert.equal(env.code, 1);
  });
});
