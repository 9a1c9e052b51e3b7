// Reads scenario folders (YAML or JSON, one scenario per file, named by the file's stem) into a set of
// compiled scenarios, or fails with every problem found, each naming file, line, field, expected, found.
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load as loadPlainYaml } from 'js-yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { badShape, SHAPE_WORDS } from '../cint/json-depth.js';
import { digestOf } from '../digest.js';
import { compileScenario, type CompileOptions, type CompiledScenario } from './compile.js';
import { ScenarioFile } from './schema.js';
import { checkAgainst, isPlainObject, type FieldPath, type Issue } from './validate.js';

/** scenarios/ at the package root, from src/scenarios (tsx) or dist/src/scenarios (built). */
export const BUILTIN_SCENARIOS_DIR = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../scenarios'), resolve(here, '../../../scenarios')];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
})();

export const SCENARIO_EXTENSIONS = ['.yaml', '.yml', '.json'];
const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type ScenarioOrigin = 'builtin' | 'user';

export interface ScenarioFolder {
  dir: string;
  origin: ScenarioOrigin;
}

export interface LoadedScenario {
  /** Compiled on first read for the built-in files (they are checked by the tests, not at each start). */
  readonly scenario: CompiledScenario;
  origin: ScenarioOrigin;
  file: string;
  /**
   * SHA-256 of the file's text (base64url): a reload keeps the compiled scenario (and sessions' progress)
   * of an unchanged file, and sessions know an edited one. The text itself is not kept.
   */
  digest: string;
}

export interface ScenarioSet {
  readonly scenarios: ReadonlyMap<string, LoadedScenario>;
}

/** One thing wrong in a scenario file. Rules count from 0, lines and columns from 1. */
export interface ScenarioProblem {
  file: string;
  line: number | null;
  column: number | null;
  rule: number | null;
  field: string;
  expected: string;
  found: string;
}

export function formatProblem(problem: ScenarioProblem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.field}: expected ${problem.expected}, found ${problem.found}`;
}

export class ScenarioError extends Error {
  constructor(readonly problems: readonly ScenarioProblem[]) {
    super(`${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in the scenarios:\n${problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** `rules[1].respond[0].status` */
export function formatField(path: FieldPath): string {
  if (path.length === 0) return '(the file)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[\w$-]+$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** JSON's own syntax error (or a key given twice in an object), with its line and column; else the data. */
function parseJson(text: string, file: string): { data: unknown } | { problem: ScenarioProblem } {
  const syntaxProblem = (offset: number | null, expected: string, found: string): { problem: ScenarioProblem } => {
    const before = offset === null ? null : text.slice(0, offset).split('\n');
    return {
      problem: {
        file, line: before ? before.length : null, column: before ? before.at(-1)!.length + 1 : null, rule: null, field: '(syntax)', expected, found,
      },
    };
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? NaN);
    return syntaxProblem(Number.isNaN(position) ? null : position, 'valid JSON', message.replace(/ \(line \d+ column \d+\)$/, ''));
  }
  // JSON.parse keeps the last of two equal keys without a word; the YAML reader refuses them, and so does this.
  const duplicate = firstDuplicateKey(text);
  if (duplicate) return syntaxProblem(duplicate.offset, 'each key once in an object', `${JSON.stringify(duplicate.key)} again`);
  return { data };
}

/**
 * The first key that an object of the (valid) JSON text has twice, with its offset. One pass over the
 * text: a string right after `{` or after a `,` inside an object is a key.
 */
function firstDuplicateKey(text: string): { key: string; offset: number } | null {
  const objects: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (char === 0x22) { // "
      const start = i;
      let escaped = false;
      for (i += 1; text.charCodeAt(i) !== 0x22; i += 1) {
        if (text.charCodeAt(i) === 0x5c) { // \
          escaped = true;
          i += 1;
        }
      }
      const keys = objects.at(-1);
      if (expectKey && keys) {
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (keys.has(key)) return { key, offset: start };
        keys.add(key);
        expectKey = false;
      }
    } else if (char === 0x7b) { // {
      objects.push(new Set());
      expectKey = true;
    } else if (char === 0x5b) { // [
      objects.push(null);
    } else if (char === 0x7d || char === 0x5d) { // } ]
      objects.pop();
    } else if (char === 0x2c) { // ,
      expectKey = Boolean(objects.at(-1));
    }
  }
  return null;
}

/** The YAML document of a text and the line of each offset in it: where problems are. */
interface Located {
  doc: Document;
  lineCounter: LineCounter;
}

function parseYaml(text: string): Located {
  const lineCounter = new LineCounter();
  return { doc: parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true }), lineCounter };
}

/** What a file nested past the bound is told, whether the parser or the shape check found it. */
const NESTING_BOUND = `${SHAPE_WORDS.deep.expected}, as in a request body`;

/** A directive line (`%YAML 1.1` changes what `yes` means to the yaml library), or a tag (`!!float 1`). */
const DIRECTIVE_OR_TAG = /^%|(?:^|[\s[{,:])!/m;

/**
 * The data of a plain YAML text, read by js-yaml: the same data as the yaml library gives for YAML 1.2's
 * core schema, about 20 times faster (the yaml library took about 0.9 s to read a 10,000-rule file).
 * Null when the yaml library must read the text, as before: a directive or a tag, where the two readers
 * differ; an alias (the yaml library bounds how far aliases expand); a syntax error, a key given twice,
 * an empty file (the yaml library's messages are the ones users see). A problem found in the data is
 * located with the yaml library's document, so only a file with a problem is read twice.
 */
export function readPlainYaml(text: string): { data: unknown } | null {
  if (DIRECTIVE_OR_TAG.test(text)) return null;
  try {
    return { data: loadPlainYaml(text, { schema: CORE_SCHEMA, maxAliases: 0 }) };
  } catch {
    return null;
  }
}

/** Parses, checks and compiles one file's text. */
export function parseScenario(text: string, file: string, name: string): { scenario: CompiledScenario | null; problems: ScenarioProblem[] } {
  if (file.toLowerCase().endsWith('.json')) {
    // A .json file is JSON: YAML would take single quotes and trailing commas that JSON refuses. JSON.parse
    // reads it many times faster than the YAML reader, which only runs when a problem needs its position.
    const parsed = parseJson(text, file);
    if ('problem' in parsed) return { scenario: null, problems: [parsed.problem] };
    return checkAndCompile(parsed.data, text, file, name);
  }
  const plain = readPlainYaml(text);
  if (plain) return checkAndCompile(plain.data, text, file, name);
  const located = parseYaml(text);
  const { doc } = located;
  if (doc.errors.length > 0) {
    // The first syntax error only: the parser's later ones are mostly its confusion after the first.
    return {
      scenario: null,
      problems: doc.errors.slice(0, 1).map((error) => {
        const found = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
        // The parser itself ran out of stack: nesting thousands deep, far past what a file may hold.
        const tooDeep = found.startsWith('Maximum call stack size exceeded');
        return {
          file,
          line: error.linePos?.[0].line ?? null,
          column: error.linePos?.[0].col ?? null,
          rule: null,
          field: '(syntax)',
          expected: tooDeep ? NESTING_BOUND : 'valid YAML or JSON',
          found: tooDeep ? 'nesting too deep to read' : found,
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // Aliases that would expand without bound (a "billion laughs" file) are a ReferenceError: the reader
    // stops, and says so, as it does for anything else it cannot turn into data.
    const expected = error instanceof ReferenceError ? 'aliases that repeat at most 1,000 nodes' : 'YAML that can be read into data';
    return { scenario: null, problems: [{ file, line: null, column: null, rule: null, field: '(syntax)', expected, found: (error as Error).message }] };
  }
  return checkAndCompile(data, text, file, name, located, true);
}

/**
 * A value nested deeper than a request body may be (JSON.parse reads any depth, and the walks that
 * check, compile and compare rules would overflow the stack; a `match.body` deeper than any request
 * could not match anyway), or with `aliases`, an alias inside its own anchor (data that holds itself).
 */
function shapeIssue(data: unknown, aliases: boolean): Issue | null {
  const bad = badShape(data, aliases);
  if (!bad) return null;
  const { expected, found } = SHAPE_WORDS[bad.kind];
  return { path: bad.path, expected: bad.kind === 'cycle' ? `${expected} (data that does not hold itself)` : NESTING_BOUND, found };
}

/** An issue as a problem of its file, with its line and column. */
function locatedProblem(issue: Issue, file: string, located: Located): ScenarioProblem {
  const position = locate(located.doc, located.lineCounter, issue);
  return {
    file,
    line: position.line,
    column: position.col,
    rule: issue.path[0] === 'rules' && typeof issue.path[1] === 'number' ? issue.path[1] : null,
    field: formatField(issue.path),
    expected: issue.expected,
    found: issue.found,
  };
}

/** Checks a file's data against the schema and compiles it, locating each problem in the text. */
function checkAndCompile(data: unknown, text: string, file: string, name: string, located?: Located, aliases = false): { scenario: CompiledScenario | null; problems: ScenarioProblem[] } {
  const problem = (issue: Issue): ScenarioProblem => locatedProblem(issue, file, (located ??= parseYaml(text)));
  const checked = checkScenarioData(data, name, file, aliases);
  return { scenario: checked.scenario, problems: checked.issues.map(problem).sort(inFileOrder) };
}

/**
 * A scenario's data checked against the schema and compiled: the scenario, or every issue found (a file's
 * or a scenario sent through the admin API). The rules the schema accepted are still compiled, so one
 * run reports every problem.
 */
export function checkScenarioData(data: unknown, name: string, file: string, aliases = false, options: CompileOptions = {}): { scenario: CompiledScenario | null; issues: Issue[] } {
  const shape = shapeIssue(data, aliases);
  if (shape) return { scenario: null, issues: [shape] };
  const issues = checkAgainst(ScenarioFile, data);
  if (issues.length === 0) return compileScenario(data as never, name, file, new Set(), options);
  const rules = isPlainObject(data) && Array.isArray(data.rules) ? data.rules : null;
  const wrongRules = new Set(issues.map((issue) => (issue.path[0] === 'rules' ? issue.path[1] : undefined)).filter((index) => typeof index === 'number'));
  const semantic = rules && !issues.some((issue) => issue.path.length <= 1 && issue.path[0] === 'rules')
    ? compileScenario({ description: '', rules } as never, name, file, wrongRules, options).issues
    : [];
  return { scenario: null, issues: [...issues, ...semantic] };
}

function inFileOrder(a: ScenarioProblem, b: ScenarioProblem): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

/** Where an issue is in the file: the value at its path, its key for a name problem, its parent when missing. */
function locate(doc: Document, lineCounter: LineCounter, issue: Issue): { line: number; col: number } {
  const path = issue.missing ? issue.path.slice(0, -1) : issue.path;
  let node: unknown = doc.contents;
  let key: Node | null = null;
  let reached = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment));
      if (!pair) break;
      key = isScalar(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      key = null;
      node = node.items[segment];
    } else {
      break;
    }
    reached += 1;
  }
  let target: Node | null = key;
  if (reached === path.length && issue.atKey && key) target = key;
  else if ((node as Node | null)?.range) target = node as Node;
  const offset = target?.range?.[0] ?? 0;
  return lineCounter.linePos(offset);
}

/** Loads every folder, later folders overriding earlier ones by name; throws ScenarioError listing every problem. */
export async function loadScenarioFolders(folders: readonly ScenarioFolder[], previous?: ScenarioSet): Promise<ScenarioSet> {
  const problems: ScenarioProblem[] = [];
  const scenarios = new Map<string, LoadedScenario>();
  const previousByFile = new Map<string, LoadedScenario>();
  for (const loaded of previous?.scenarios.values() ?? []) previousByFile.set(loaded.file, loaded);

  for (const folder of folders) {
    let names: string[];
    try {
      names = (await readdir(folder.dir)).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        file: folder.dir, line: null, column: null, rule: null, field: '(folder)',
        expected: code === 'EACCES' || code === 'EPERM' ? `a folder of scenario files readable ${WHOSE_READ}` : 'a readable folder of scenario files',
        found: code ?? String(error),
      });
      continue;
    }
    const inThisFolder = new Map<string, string>();
    for (const entry of names) {
      const extension = extname(entry).toLowerCase();
      if (entry.startsWith('.') || !SCENARIO_EXTENSIONS.includes(extension)) continue;
      const file = join(folder.dir, entry);
      const read = await readScenarioText(file);
      if (read === null) continue;
      if ('problem' in read) {
        problems.push(read.problem);
        continue;
      }
      const { text } = read;
      const name = basename(entry, extname(entry));
      if (!SCENARIO_NAME.test(name)) {
        problems.push({ file, line: null, column: null, rule: null, field: '(file name)', expected: 'a name of letters, digits, ".", "_" and "-", starting with a letter or digit', found: JSON.stringify(name) });
        continue;
      }
      const clash = inThisFolder.get(name);
      if (clash) {
        problems.push({ file, line: null, column: null, rule: null, field: '(file name)', expected: `one file per scenario name (${basename(clash)} is also named ${JSON.stringify(name)})`, found: JSON.stringify(entry) });
        continue;
      }
      inThisFolder.set(name, file);
      const kept = previousByFile.get(file);
      const digest = digestOf(text);
      if (kept && kept.digest === digest && kept.origin === folder.origin) {
        scenarios.set(name, kept);
        continue;
      }
      if (folder.origin === 'builtin') {
        scenarios.set(name, builtinScenario(text, file, name, digest));
        continue;
      }
      const parsed = parseScenario(text, file, name);
      problems.push(...parsed.problems);
      if (parsed.scenario) scenarios.set(name, { scenario: parsed.scenario, origin: folder.origin, file, digest });
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
  return Object.freeze({ scenarios });
}

/**
 * The text of a scenario file, or why it cannot be read, as a problem of the load like any other (a file
 * that could not be read was skipped without a word: the server went on without it, and `validate`
 * counted 0 scenarios and passed). Null for a file gone since the folder was listed (ENOENT): a delete
 * or a rename under way, which the next reload sees as such, not a file the server was given and could
 * not read. A symbolic link to nothing is not gone, and is a problem.
 */
async function readScenarioText(file: string): Promise<{ text: string } | { problem: ScenarioProblem } | null> {
  const problem = (expected: string, found: string) => ({ problem: { file, line: null, column: null, rule: null, field: '(file)', expected, found } });
  let info;
  try {
    // Looked at before reading: reading a FIFO (a named pipe) would wait for a writer, and hold the load.
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return problem(READABLE_FILE, describeReadError(error));
    const link = await lstat(file).then((found) => found.isSymbolicLink(), () => false);
    return link ? problem('a file (this is a symbolic link to nothing)', 'ENOENT: no such file or directory') : null;
  }
  if (!info.isFile()) {
    // Docker makes a folder where a bind mount names a host file that does not exist: -v ./x.yaml:/scenarios/x.yaml.
    const kind = info.isDirectory() ? 'a folder (a bind mount of a host file that does not exist makes one)'
      : info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device';
    return problem('a file', kind);
  }
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return problem(READABLE_FILE, describeReadError(error));
  }
}

/** Whose read it is: the server's user, in the image uid 1000 (node), which a mounted file's owner often is not. */
const WHOSE_READ = `by the server's user (the server runs as uid ${process.getuid?.() ?? 'unknown'}; the image's user is node, uid 1000: make it readable by that user, e.g. chmod a+r)`;

/** What a scenario file must be. */
const READABLE_FILE = `a file readable ${WHOSE_READ}`;

function describeReadError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  // Node's message is "EACCES: permission denied, open '/scenarios/x.yaml'": the file is named already.
  return code ? message.replace(/, \w+ '.*'$/, '') : String(error);
}

/**
 * A built-in scenario, parsed when a session first uses it or the admin API lists it: parsing the twelve
 * YAML files took about 30 ms of every start. They ship with the package and a test checks each one
 * (`cint-mock validate` does too), so a problem here is a broken install, thrown at first use.
 */
function builtinScenario(text: string, file: string, name: string, digest: string): LoadedScenario {
  let compiled: CompiledScenario | undefined;
  return {
    origin: 'builtin', file, digest,
    get scenario() {
      if (compiled) return compiled;
      const parsed = parseScenario(text, file, name);
      if (!parsed.scenario) throw new ScenarioError(parsed.problems);
      return (compiled = parsed.scenario);
    },
  };
}

/** Checks one folder on its own (the built-in one when none is given), as `cint-mock validate` does. */
export async function validateScenarioFolder(dir = BUILTIN_SCENARIOS_DIR): Promise<
  { ok: true; dir: string; names: string[] } | { ok: false; dir: string; error: ScenarioError }> {
  try {
    const set = await loadScenarioFolders([{ dir, origin: 'user' }]);
    return { ok: true, dir, names: [...set.scenarios.keys()].sort() };
  } catch (error) {
    if (error instanceof ScenarioError) return { ok: false, dir, error };
    throw error;
  }
}
