// The generated data files (scripts/extract-spec.mjs writes them beside the generated modules): read as
// JSON at start, which costs less than compiling the same data as string literals in a module.
import { readFileSync } from 'node:fs';

/**
 * `name` beside this module (src/cint, dist/src/cint), or in cint/ beside the bundled command line
 * (dist/src/cli.js, made by scripts/finish-build.mjs, whose import.meta.url is its own).
 */
export function readGeneratedJson(name: string): unknown {
  const places = [new URL(`./${name}`, import.meta.url), new URL(`./cint/${name}`, import.meta.url)];
  for (const place of places) {
    let text: string;
    try {
      text = readFileSync(place, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    return JSON.parse(text);
  }
  throw new Error(`cint-mock: ${name} is missing from the install (looked in ${places.map((place) => place.pathname).join(', ')})`);
}
