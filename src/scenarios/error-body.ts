// What a 4xx/5xx step's body may set, and as what: the fields of the envelope its answer is, typed as
// Cint's document types them. Every scripted error is Error's envelope (id, object, detail,
// invalid_params), with the fields the mock's own envelope adds for the status (429's details) and those
// the operations' documented schema for the status adds (the profiling operations' 500 errors); a field
// none of them has, or a value of another type, would be sent as is and break the answer a client reads.
import { envelope } from '../cint/errors.js';
import type { OperationId } from '../cint/operations.js';
import { responseDefinitions, responseTable } from '../cint/responses.generated.js';
import { describeSchema, type Schema } from './validate.js';

type DocumentSchema = Readonly<Record<string, unknown>>;

/** The step's body as the scenario checker reads it: an object of those fields, none required (each is merged over a default). */
export function errorBodySchema(status: number, operations: readonly OperationId[]): Schema {
  const key = `${status} ${operations.join(' ')}`;
  let schema = bodySchemas.get(key);
  if (!schema) {
    // Files name few distinct sets of operations; a stream of them sent through the admin API is bounded.
    if (bodySchemas.size >= 1000) bodySchemas.clear();
    bodySchemas.set(key, (schema = bodySchema(status, operations)));
  }
  return schema;
}

const bodySchemas = new Map<string, Schema>();

function bodySchema(status: number, operations: readonly OperationId[]): Schema {
  const properties: Record<string, Schema> = { ...checkable({ $ref: 'cint#/definitions/Error' }).properties };
  const added = new Map<string, Schema[]>();
  for (const id of operations) {
    const documented = responseTable()[id]?.responses[String(status)]?.schema as DocumentSchema | undefined;
    if (!documented) continue;
    for (const [name, property] of Object.entries(checkable(documented).properties ?? {})) {
      if (name in properties) continue;
      const seen = added.get(name);
      if (!seen) added.set(name, [property]);
      else if (!seen.some((other) => JSON.stringify(other) === JSON.stringify(property))) seen.push(property);
    }
  }
  // Operations that type a field differently: a value that fits one of them.
  for (const [name, alike] of added) properties[name] = alike.length === 1 ? alike[0]! : { anyOf: alike };
  for (const [name, value] of Object.entries(envelope(status))) properties[name] ??= { type: typeof value };
  return { type: 'object', properties, additionalProperties: false };
}

/**
 * A schema of the document in the terms the scenario checker knows: `$ref`s resolved, enums as literals,
 * and a title for the lists and objects it would only call "a list" or "an object". What it does not check
 * (formats, allOf) takes any value, so nothing the document allows is refused.
 */
function checkable(schema: DocumentSchema, within: ReadonlySet<string> = new Set()): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.slice(ref.lastIndexOf('/') + 1);
    // A definition that holds itself takes any value below: no error envelope nests that deep.
    if (within.has(name)) return {};
    return checkable(responseDefinitions()[name] as DocumentSchema, new Set([...within, name]));
  }
  const branches = (schema.anyOf ?? schema.oneOf) as DocumentSchema[] | undefined;
  if (branches) return { anyOf: branches.map((branch) => checkable(branch, within)) };
  if (Array.isArray(schema.enum)) return { anyOf: schema.enum.map((value: unknown) => ({ const: value })) };
  const checked: Schema = {};
  if (typeof schema.type === 'string') checked.type = schema.type;
  if (typeof schema.pattern === 'string') checked.pattern = schema.pattern;
  if (Array.isArray(schema.required)) checked.required = schema.required as string[];
  const properties = schema.properties as Record<string, DocumentSchema> | undefined;
  if (properties) {
    checked.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, checkable(property, within)]));
    checked.title = `{ ${Object.keys(properties).join(', ')} }`;
  }
  const items = schema.items as DocumentSchema | undefined;
  if (items) {
    checked.items = checkable(items, within);
    checked.title = `a list of ${describeSchema(checked.items)}`;
  }
  return checked;
}
