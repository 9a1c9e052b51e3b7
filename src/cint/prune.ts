// Request bodies without the fields Cint's schema does not have: what the mock stores is what the API
// knows, so a client's unknown fields (a typo, or 900 KB of anything) are not kept, read back or counted.
// Free-form objects (no `properties`, or `additionalProperties` allowed) keep everything.

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/**
 * Every named property the schema (with its anyOf/oneOf/allOf branches) allows, and whether others are
 * allowed. A name several branches have keeps what any of them allows: a quota is {completes_goal} in
 * one branch of a target and {completes_goal_percentage} in another, and neither is dropped.
 */
function knownProperties(schema: Schema, into: Map<string, Schema> = new Map()): { known: Map<string, Schema>; open: boolean } {
  let open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  if (schema.patternProperties) open = true;
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    const seen = into.get(name);
    into.set(name, seen === undefined || seen === sub ? sub : { anyOf: [seen, sub] });
  }
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    if (knownProperties(branch, into).open) open = true;
  }
  return { known: into, open };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` without the properties `schema` does not know, at every depth; `value` itself when nothing goes. */
export function pruneUnknown(schema: object | undefined, value: unknown): unknown {
  if (!schema) return value;
  const node = schema as Schema;
  if (Array.isArray(value)) {
    const items = Array.isArray(node.items) ? undefined : node.items ?? branchItems(node);
    if (!items) return value;
    return value.map((item) => pruneUnknown(items, item));
  }
  if (!isPlainObject(value)) return value;
  const { known, open } = knownProperties(node);
  // An object whose schema names no properties is free-form: kept whole.
  if (known.size === 0) return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    const sub = known.get(name);
    if (sub) out[name] = pruneUnknown(sub, field);
    else if (open) out[name] = field;
  }
  return out;
}

/** The items of an array whose schema is a union of array schemas: what any branch's items allow. */
function branchItems(schema: Schema): Schema | undefined {
  const found: Schema[] = [];
  const collect = (node: Schema) => {
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) {
      if (branch.items && !Array.isArray(branch.items)) found.push(branch.items);
      else collect(branch);
    }
  };
  collect(schema);
  return found.length <= 1 ? found[0] : { anyOf: found };
}
