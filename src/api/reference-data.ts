// The user's own reference data: a YAML or JSON file mapping operation ids of reads (get_countries,
// get_locales, get_suppliers, ...) to the body each answers instead of the document's example. Checked
// once at start against the documented schema, so a wrong file fails the start, not a client's test.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config.js';
import { isOperationId, operation, type OperationId } from '../cint/operations.js';
import { schemaProblems } from './answers.js';

export type ReferenceData = ReadonlyMap<string, string>;

/**
 * Operation id -> the JSON text of the body to answer; empty when no file is given. `unread` says why a
 * read would never answer what the file gives it (its answer is the session's state, or the mock's own
 * rules), or null when it would: such an entry fails the start too, rather than being ignored.
 */
export function loadReferenceData(file: string | undefined, unread: (id: OperationId) => string | null = () => null): ReferenceData {
  const data = new Map<string, string>();
  if (!file) return data;
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read the reference data file ${file}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`the reference data file ${file} must map operation ids to answer bodies`);
  }
  const problems: string[] = [];
  for (const [id, body] of Object.entries(parsed)) {
    if (!isOperationId(id)) { problems.push(`  ${id}: not an operation id of Cint's document`); continue; }
    const op = operation(id);
    if (op.method !== 'GET') { problems.push(`  ${id}: only reads (GET operations) take reference data; this is ${op.method}`); continue; }
    const why = unread(id);
    if (why !== null) { problems.push(`  ${id}: ${why}; reference data would never be answered`); continue; }
    const wrong = schemaProblems(id, op.successStatus, body);
    if (wrong.length) {
      problems.push(`  ${id}: the body does not match the documented ${op.successStatus} schema:`, ...wrong.slice(0, 5).map((problem) => `    ${problem.reason}`));
      if (wrong.length > 5) problems.push(`    and ${wrong.length - 5} more`);
      continue;
    }
    data.set(id, JSON.stringify(body));
  }
  if (problems.length) throw new ConfigError(`invalid reference data in ${file}:\n${problems.join('\n')}`);
  return data;
}
