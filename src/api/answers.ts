// Success bodies built from the document: the operation's example (fitted to its schema when the
// spec was extracted), with the session's own values laid over it. Whatever the overlay breaks is put
// back from the example, so every answer stays valid against the documented schema.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { responseDefinitions, responseTable } from '../cint/responses.generated.js';
import type { DocumentedResponse } from '../cint/responses.js';
import type { InvalidParam } from '../cint/errors.js';
import { invalidParamsFrom } from '../cint/validation.js';

const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

// One ajv for response schemas, made on first use and compiled lazily per operation and status: most
// are never needed, and a mock that only answers scripted errors never needs it at all.
let responseAjv: Ajv | undefined;
function ajvForResponses(): Ajv {
  if (!responseAjv) {
    responseAjv = new Ajv({ strict: false, allErrors: true, multipleOfPrecision: 9, validateSchema: false });
    addFormats(responseAjv);
    responseAjv.addSchema({ $id: 'cint', definitions: responseDefinitions() });
  }
  return responseAjv;
}

const validators = new Map<string, ValidateFunction | null>();
const exampleTexts = new Map<string, string | null>();
const propertySets = new Map<string, ReadonlySet<string>>();
const listFields = new Map<string, string | null>();
const itemPropertySets = new Map<string, ReadonlySet<string> | null>();

export function documentedResponse(operationId: string, status: number): DocumentedResponse | undefined {
  return responseTable()[operationId]?.responses[String(status)];
}

/** A fresh copy of the fitted example for this answer, or undefined when the answer has no body. */
export function exampleBody(operationId: string, status: number): unknown {
  const key = `${operationId} ${status}`;
  let text = exampleTexts.get(key);
  if (text === undefined) {
    const example = documentedResponse(operationId, status)?.example;
    text = example === undefined ? null : JSON.stringify(example);
    exampleTexts.set(key, text);
  }
  return text === null ? undefined : JSON.parse(text);
}

function validatorFor(operationId: string, status: number): ValidateFunction | null {
  const key = `${operationId} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const schema = documentedResponse(operationId, status)?.schema;
    validate = schema ? ajvForResponses().compile(schema) : null;
    validators.set(key, validate);
  }
  return validate;
}

/** True when `body` is valid against the documented schema of this answer (or it documents none). */
export function fitsSchema(operationId: string, status: number, body: unknown): boolean {
  const validate = validatorFor(operationId, status);
  return !validate || validate(body) === true;
}

/** Where and how `body` breaks the documented schema of this answer, as a 400 would name them; none when it fits. */
export function schemaProblems(operationId: string, status: number, body: unknown): InvalidParam[] {
  const validate = validatorFor(operationId, status);
  return !validate || validate(body) === true ? [] : invalidParamsFrom(validate.errors ?? [], 'body');
}

function resolve(schema: unknown): Record<string, unknown> {
  let node = schema as Record<string, unknown> | undefined;
  for (let hops = 0; node && typeof node.$ref === 'string' && hops < 20; hops += 1) {
    node = responseDefinitions()[(node.$ref as string).replace('cint#/definitions/', '')] as Record<string, unknown> | undefined;
  }
  return node ?? {};
}

function propertiesOf(schema: unknown): string[] {
  const node = resolve(schema);
  const own = Object.keys((node.properties as object | undefined) ?? {});
  const branches = [...((node.anyOf as unknown[]) ?? []), ...((node.allOf as unknown[]) ?? [])];
  return [...own, ...branches.flatMap(propertiesOf)];
}

/** The top-level fields the answer's schema names. */
export function responseFields(operationId: string, status: number): ReadonlySet<string> {
  const key = `${operationId} ${status}`;
  let set = propertySets.get(key);
  if (!set) {
    set = new Set(propertiesOf(documentedResponse(operationId, status)?.schema));
    propertySets.set(key, set);
  }
  return set;
}

/** The schema of the top-level field `name` of a schema, in its own properties or its branches'. */
function propertySchema(schema: unknown, name: string): unknown {
  const node = resolve(schema);
  const own = (node.properties as Record<string, unknown> | undefined)?.[name];
  if (own !== undefined) return own;
  for (const branch of [...((node.anyOf as unknown[]) ?? []), ...((node.allOf as unknown[]) ?? [])]) {
    const found = propertySchema(branch, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The answer's list: the example's first array field (`webhooks`, `data`, `templates`, …). */
export function listFieldOf(operationId: string, status: number): string | undefined {
  const key = `${operationId} ${status}`;
  let field = listFields.get(key);
  if (field === undefined) {
    const example = exampleBody(operationId, status) as Record<string, unknown> | undefined;
    field = (example && typeof example === 'object' && Object.keys(example).find((name) => Array.isArray(example[name]))) || null;
    listFields.set(key, field);
  }
  return field ?? undefined;
}

/** The fields the schema of an item of the list `field` names; null when it names none (free-form items). */
export function itemFields(operationId: string, status: number, field: string): ReadonlySet<string> | null {
  const key = `${operationId} ${status} ${field}`;
  let set = itemPropertySets.get(key);
  if (set === undefined) {
    const list = resolve(propertySchema(documentedResponse(operationId, status)?.schema, field));
    const names = propertiesOf(list.items);
    set = names.length ? new Set(names) : null;
    itemPropertySets.set(key, set);
  }
  return set;
}

type Json = Record<string, unknown>;

/**
 * The example with `overlay`'s fields (those the schema names) laid over it, and, when `items` is given,
 * the list field of the example replaced by one item per entry, each an example item with the entry's
 * fields (those the item schema names, when it names any) over it. Fields that make the answer invalid
 * go back to the example's.
 */
export function answerFrom(operationId: string, status: number, overlay: Json, items?: { field?: string; entries: Json[] }, keep: readonly string[] = []): unknown {
  const base = exampleBody(operationId, status);
  if (!base || typeof base !== 'object' || Array.isArray(base)) return base;
  const example = base as Json;
  const fields = responseFields(operationId, status);
  const candidate: Json = { ...example };
  for (const [key, value] of Object.entries(overlay)) if (fields.has(key) && value !== undefined) candidate[key] = value;
  let listField: string | undefined;
  let exampleItem: Json = {};
  if (items) {
    listField = items.field ?? listFieldOf(operationId, status);
    if (listField) {
      const first = (example[listField] as unknown[])[0];
      exampleItem = first && typeof first === 'object' ? first as Json : {};
      // An item's schema that lists its fields says what an item shows: a stored object holds more (a
      // webhook's secret, a template's allocations) than its list shows of it.
      const named = itemFields(operationId, status, listField);
      candidate[listField] = items.entries.map((entry) => {
        const item: Json = { ...exampleItem };
        for (const [key, value] of Object.entries(entry)) if ((!named || named.has(key)) && (key in exampleItem || value !== undefined)) item[key] = value;
        return item;
      });
    }
  }
  const answer = repaired(operationId, status, candidate, example, listField, exampleItem) as Json;
  // An object's own id is never swapped for the example's, whatever the schema says of its format.
  for (const key of keep) if (fields.has(key) && overlay[key] !== undefined) answer[key] = overlay[key];
  return answer;
}

function repaired(operationId: string, status: number, candidate: Json, example: Json, listField: string | undefined, exampleItem: Json): unknown {
  const validate = validatorFor(operationId, status);
  if (!validate) return candidate;
  for (let pass = 0; pass < 4; pass += 1) {
    if (validate(candidate)) return candidate;
    for (const error of validate.errors ?? []) revert(candidate, example, error, listField, exampleItem);
  }
  return validate(candidate) ? candidate : example;
}

function revert(candidate: Json, example: Json, error: ErrorObject, listField: string | undefined, exampleItem: Json): void {
  const segments = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
    const missing = String((error.params as { missingProperty?: string; additionalProperty?: string }).missingProperty
      ?? (error.params as { additionalProperty?: string }).additionalProperty);
    segments.push(missing);
  }
  const [top, index, field] = segments;
  if (top === undefined) return;
  if (top === listField && index !== undefined && /^\d+$/.test(index) && field !== undefined) {
    const item = (candidate[top] as Json[])[Number(index)];
    if (item && typeof item === 'object') {
      if (field in exampleItem) item[field] = structuredClone(exampleItem[field]);
      else delete item[field];
    }
    return;
  }
  if (top in example) candidate[top] = structuredClone(example[top]);
  else delete candidate[top];
}
