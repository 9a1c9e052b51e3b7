// Unions told apart by a discriminator, rewritten once per schema, when its validator is compiled, so
// that a failing value is checked against the branch it names and not against every branch.
//
// Cint's unions of object shapes (a price prediction's `config`, a Fielding Assistant's `pacing`, an
// allocation template's `supply_allocations[]`) are told apart by a property every branch requires and
// fixes to one value: `type`, `object`, or deeper, `profiling.profile_adjustment_type`. Validated as an
// anyOf, a value that fails the branch it names fails every other branch too, and the client was told
// about all of them ("'config.type' must be one of: dynamic" beside the real error). Rewritten as a chain
// of if/then/else on the discriminator's value, only the branch named is checked; a value that names no
// branch (or none at all) meets one last check: the discriminator is one of the allowed values, and the
// fields every branch requires are there. Which values are valid does not change: every branch requires
// its discriminator at one value, so a value can only ever match the branches that name it.
//
// A union with no discriminator may still be told apart by which fields a value has: a branch that
// requires a field the value does not have cannot match it. update_profile_filling_goal's body is
// {completes_goal}, {profiles} or both; a template's target has a quota or not. There the value is checked
// against the branches whose required fields it has, and a value that has none's is checked against
// every branch, as before. Which values are valid does not change either. Any other union is left as it is.

type Schema = Record<string, unknown>;
type Tag = { path: readonly string[]; values: readonly unknown[] };

/** Keywords whose value is data, never a schema: nothing in them is rewritten. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example', 'required']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
/** How deep a discriminator may lie: `type` is 1, `profiling.profile_adjustment_type` is 2. */
const MAX_TAG_DEPTH = 2;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one value a property's schema allows: its const, or its enum of one value. */
function singleValue(schema: unknown): { value: unknown } | undefined {
  if (!isSchema(schema)) return undefined;
  if ('const' in schema) return { value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return { value: schema.enum[0] };
  return undefined;
}

const isObjectShape = (schema: Schema): boolean => schema.type === 'object' && isSchema(schema.properties);
const isNullBranch = (schema: Schema): boolean =>
  schema.type === 'null' && Object.keys(schema).every((key) => key === 'type' || key === 'description' || key === 'title');

/** anyOf [anyOf [A, B], C] is anyOf [A, B, C]: a branch that is nothing but a union gives its branches. */
function flatten(branches: readonly unknown[]): unknown[] {
  return branches.flatMap((branch) => {
    if (!isSchema(branch)) return [branch];
    const keys = Object.keys(branch);
    const inner = keys.length === 1 && (keys[0] === 'anyOf' || keys[0] === 'oneOf') ? branch[keys[0]] : undefined;
    return Array.isArray(inner) ? flatten(inner) : [branch];
  });
}

/**
 * Every property a shape requires and fixes to one value, by path (`type`, `profiling.profile_adjustment_type`),
 * with that value. A deeper one counts only through properties that are required objects themselves.
 */
function fixedValues(shape: Schema, prefix: readonly string[] = [], found = new Map<string, { path: string[]; value: unknown }>()) {
  const required = Array.isArray(shape.required) ? shape.required as unknown[] : [];
  for (const [name, property] of Object.entries(shape.properties as Schema)) {
    if (!required.includes(name)) continue;
    const path = [...prefix, name];
    const fixed = singleValue(property);
    if (fixed) found.set(JSON.stringify(path), { path, value: fixed.value });
    else if (path.length < MAX_TAG_DEPTH && isSchema(property) && isObjectShape(property)) fixedValues(property, path, found);
  }
  return found;
}

/**
 * The discriminator of a union's shapes: a path every shape fixes, to at least two values between them.
 * Of several, the one that tells most shapes apart, then the shallowest, then the first.
 */
function discriminatorOf(shapes: readonly Schema[]): Tag | undefined {
  const perShape = shapes.map((shape) => fixedValues(shape));
  let best: Tag | undefined;
  let bestDistinct = 1;
  for (const [key, { path }] of perShape[0]!) {
    if (!perShape.every((fixed) => fixed.has(key))) continue;
    const values = perShape.map((fixed) => fixed.get(key)!.value);
    const distinct = new Set(values.map((value) => JSON.stringify(value))).size;
    if (distinct > bestDistinct || (distinct === bestDistinct && best && path.length < best.path.length)) {
      best = { path, values };
      bestDistinct = distinct;
    }
  }
  return best;
}

/** A schema that holds of an object whose value at `path` is `value`, and of nothing else. */
function selects(path: readonly string[], value: unknown): Schema {
  let schema: Schema = { const: value };
  for (const name of [...path].reverse()) schema = { type: 'object', required: [name], properties: { [name]: schema } };
  return schema;
}

/**
 * What a value that names no branch is checked against: it is an object (or null, where the union allows
 * null) with the fields every branch requires, and its discriminator is one of the allowed values.
 */
function namesNoBranch(shapes: readonly Schema[], tag: Tag, nullable: boolean): Schema {
  const allowed = [...new Map(tag.values.map((value) => [JSON.stringify(value), value])).values()];
  let schema: Schema = { enum: allowed };
  for (let depth = tag.path.length - 1; depth >= 0; depth -= 1) {
    const name = tag.path[depth]!;
    let required = [name];
    if (depth === 0) {
      const lists = shapes.map((shape) => (Array.isArray(shape.required) ? shape.required as unknown[] : []));
      required = [...new Set([...lists[0]!.filter((field) => lists.every((list) => list.includes(field))) as string[], name])];
    }
    schema = { type: depth === 0 && nullable ? ['object', 'null'] : 'object', required, properties: { [name]: schema } };
  }
  return schema;
}

/** A union's object branches and whether it takes null too; undefined unless two or more are objects and the rest null. */
function objectBranches(branches: readonly unknown[]): { shapes: Schema[]; nullable: boolean } | undefined {
  const schemas = branches.filter(isSchema);
  if (schemas.length !== branches.length) return undefined;
  const shapes = schemas.filter((schema) => !isNullBranch(schema));
  if (shapes.length < 2 || !shapes.every(isObjectShape)) return undefined;
  return { shapes, nullable: shapes.length < schemas.length };
}

/** The chain that checks object `shapes` against the branches their discriminator names, or undefined without one. */
function discriminate(shapes: readonly Schema[], nullable: boolean): Schema | undefined {
  const tag = discriminatorOf(shapes);
  if (!tag) return undefined;
  const groups = new Map<string, { value: unknown; shapes: Schema[] }>();
  shapes.forEach((shape, index) => {
    const key = JSON.stringify(tag.values[index]);
    const group = groups.get(key) ?? { value: tag.values[index], shapes: [] };
    group.shapes.push(shape);
    groups.set(key, group);
  });
  let chain = namesNoBranch(shapes, tag, nullable);
  for (const group of [...groups.values()].reverse()) {
    // Shapes that share a value may be told apart by another discriminator; if not, any of them will do.
    const then = group.shapes.length === 1 ? group.shapes[0]! : discriminate(group.shapes, false) ?? { anyOf: group.shapes };
    chain = { if: selects(tag.path, group.value), then, else: chain };
  }
  return chain;
}

/** At most this many fields tell a union's branches apart by being there: the chain has 2^n ends. */
const MAX_PRESENCE_FIELDS = 3;

/**
 * The chain that checks an object against the branches whose required fields it has, or undefined where
 * every branch requires the same fields, or one requires none. A value that has no branch's required
 * fields (or is no object) meets every branch, as in the union.
 */
function byRequiredFields(shapes: readonly Schema[]): Schema | undefined {
  const requiredOf = shapes.map((shape) => (Array.isArray(shape.required) ? shape.required as string[] : []));
  // A shape that requires nothing takes any object (ProfilingRequest's "No profiling"): none is told apart.
  if (requiredOf.some((required) => required.length === 0)) return undefined;
  const fields = [...new Set(requiredOf.flat())].filter((field) => !requiredOf.every((required) => required.includes(field)));
  if (fields.length === 0 || fields.length > MAX_PRESENCE_FIELDS) return undefined;
  const chainFrom = (present: readonly string[], rest: readonly string[]): Schema => {
    if (rest.length === 0) {
      const meant = shapes.filter((_, index) => requiredOf[index]!.every((field) => !fields.includes(field) || present.includes(field)));
      const candidates = meant.length === 0 ? shapes : meant;
      return candidates.length === 1 ? candidates[0]! : { anyOf: candidates };
    }
    const [field, ...others] = rest;
    return { if: { type: 'object', required: [field] }, then: chainFrom([...present, field!], others), else: chainFrom(present, others) };
  };
  return chainFrom([], fields);
}

/**
 * The schema with every union whose branches are told apart by a discriminator rewritten as a chain that
 * checks only the branch named, and every other one told apart by the fields a value has, as a chain that
 * checks only the branches it could be (see above); the schema given is not changed. Run once per schema,
 * when its validator is compiled.
 */
export function discriminateUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(discriminateUnions);
  if (!isSchema(schema)) return schema;
  const result: Schema = {};
  const chains: Schema[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(keyword)) result[keyword] = value;
    else if (SCHEMA_MAPS.has(keyword) && isSchema(value)) {
      result[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, discriminateUnions(sub)]));
    } else if ((keyword === 'anyOf' || keyword === 'oneOf') && Array.isArray(value)) {
      const union = objectBranches(flatten(value).map(discriminateUnions));
      const chain = union && (discriminate(union.shapes, union.nullable) ?? byRequiredFields(union.shapes));
      // A union that takes null takes it before any chain is asked.
      if (chain) chains.push(union.nullable ? { if: { type: 'null' }, then: true, else: chain } : chain);
      else result[keyword] = value.map(discriminateUnions);
    } else result[keyword] = discriminateUnions(value);
  }
  if (chains.length === 0) return result;
  // A union alone becomes its chain; beside other keywords, the chain joins them under allOf.
  if (Object.keys(result).length === 0 && chains.length === 1) return chains[0];
  return { ...result, allOf: [...(Array.isArray(result.allOf) ? result.allOf as unknown[] : []), ...chains] };
}
