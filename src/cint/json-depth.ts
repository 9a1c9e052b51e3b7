// How deep a JSON text nests, found before it is parsed: objects and arrays nested thousands deep make
// every recursive walk after the parse (validation, copies, serialisation) overflow the stack. Cint's
// deepest request schema nests about ten levels; a body nested deeper than MAX_JSON_DEPTH is refused.

/** Objects and arrays inside one another that a body may hold. */
export const MAX_JSON_DEPTH = 64;

/** The offset of the bracket that opens level max + 1, or -1 when the text nests no deeper than max. */
export function excessiveNesting(text: string, max = MAX_JSON_DEPTH): number {
  // Too short to be that deep: most bodies end here.
  if (text.length <= max * 2) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i += 1; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > max) return i;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return -1;
}

/** What each kind of bad shape is told, as the problem's expected and found: the config file and the scenario files say the same. */
export const SHAPE_WORDS = {
  deep: { expected: `objects and arrays nested at most ${MAX_JSON_DEPTH} deep`, found: 'deeper nesting' },
  cycle: { expected: 'an alias outside the node its anchor names', found: 'an alias to a node that holds it' },
} as const;

/**
 * Where parsed data would break the walks after it, or null: a value nested deeper than `max` objects
 * and arrays, or, when the data may share values (a YAML file with aliases), a value that holds one of
 * the values it is inside (an alias inside its own anchor), which could be neither serialized nor
 * compared. `path` leads to that value. Each shared value is walked once.
 */
export function badShape(data: unknown, shared: boolean, max = MAX_JSON_DEPTH): { kind: keyof typeof SHAPE_WORDS; path: (string | number)[] } | null {
  const inside = shared ? new Set<object>() : null;
  const done = shared ? new Set<object>() : null;
  const path: (string | number)[] = [];
  let found: keyof typeof SHAPE_WORDS | null = null;
  const walk = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || done?.has(value)) return false;
    if (inside?.has(value)) found = 'cycle';
    else if (path.length >= max) found = 'deep';
    if (found) return true;
    inside?.add(value);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        path.push(index);
        if (walk(value[index])) return true;
        path.pop();
      }
    } else {
      for (const key of Object.keys(value)) {
        path.push(key);
        if (walk((value as Record<string, unknown>)[key])) return true;
        path.pop();
      }
    }
    inside?.delete(value);
    done?.add(value);
    return false;
  };
  return walk(data) && found ? { kind: found, path } : null;
}
