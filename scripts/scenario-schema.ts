// Writes schemas/scenario.schema.json from the TypeBox schema of scenario files (src/scenarios/schema.ts),
// so editors validate and complete scenario files. `--check` fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from '../src/scenarios/schema.js';

const target = fileURLToPath(new URL('../schemas/scenario.schema.json', import.meta.url));
const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    process.stderr.write('schemas/scenario.schema.json is out of date: run npm run scenario-schema\n');
    process.exit(1);
  }
  process.stdout.write('schemas/scenario.schema.json is up to date\n');
} else {
  await writeFile(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
