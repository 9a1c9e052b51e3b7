// The README's quick start (the sh block after "## Quick start with curl"), run as written with bash and
// curl against any base URL: a server in-process, a child process over HTTPS, a container. Only the
// `BASE=` line is replaced; curl trusts `caFile` through CURL_CA_BUNDLE when given.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

/** The quick start's shell block, as the README has it. */
export function quickStartScript(): string {
  const readme = readFileSync(README, 'utf8');
  const block = /^## Quick start with curl\n+```sh\n([\s\S]*?)^```/m.exec(readme);
  assert.ok(block, 'README.md has no sh block after "## Quick start with curl"');
  assert.match(block[1]!, /^BASE=http:\/\/127\.0\.0\.1:8080$/m, 'the quick start no longer starts with BASE=http://127.0.0.1:8080');
  return block[1]!;
}

/** The README's example of the fielding simulator: the sh block after "see a run fill; after the quick start", run after the quick start. */
export function fieldingExampleScript(): string {
  const readme = readFileSync(README, 'utf8');
  const block = /see a run fill; after the quick start[^\n]*\n+```sh\n([\s\S]*?)^```/m.exec(readme);
  assert.ok(block, 'README.md has no sh block after "see a run fill; after the quick start"');
  return block[1]!;
}

export interface QuickStartRun { stdout: string; stderr: string }

/** Runs the quick start against `base` (then the script `then`, in the same shell); curl verifies the server's certificate against `caFile` when given. */
export async function runQuickStart(base: string, options: { caFile?: string; timeoutMs?: number; then?: string } = {}): Promise<QuickStartRun> {
  const script = quickStartScript().replace(/^BASE=http:\/\/127\.0\.0\.1:8080$/m, `BASE=${base}`) + (options.then ?? '');
  const env = { ...process.env, ...(options.caFile ? { CURL_CA_BUNDLE: options.caFile } : {}) };
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * What the quick start's comments promise, in order: complete answers 204, the stale ETag 412 in Cint's
 * envelope, the scheduled run is "scheduled", then "live" once the session's clock has moved, and the
 * target group's old address is a 301. `curl -s` hides failures, so each promise is checked.
 */
export function assertQuickStartOutput({ stdout, stderr }: QuickStartRun): void {
  const context = `\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`;
  // The bodies curl prints end without a newline, so the output is read as one text, in order.
  const expectations: [string, RegExp][] = [
    ['complete answers 204', /^HTTP\/1\.1 204/m],
    ['a pause with the stale ETag answers 412 in the envelope', /"object":"precondition_failed_error"/],
    ['the scheduled run reads "scheduled"', /"status":"scheduled"/],
    ['the clock is moved', /"now":"2030-01-01T10:00:00/],
    ['after the clock moved, the run reads "live"', /"status":"live"/],
    ["the target group's old address is a 301", /HTTP\/1\.1 301/],
  ];
  let from = 0;
  for (const [what, pattern] of expectations) {
    const match = pattern.exec(stdout.slice(from));
    assert.ok(match, `quick start: ${what} (${pattern}) not found after character ${from}${context}`);
    from += match.index + match[0].length;
  }
  const envelope = jsonObjects(stdout).find((body) => body.object === 'precondition_failed_error');
  assert.deepEqual(Object.keys(envelope ?? {}).sort(), ['detail', 'id', 'object'], `the 412 is not Cint's envelope${context}`);
}

/** The top-level JSON objects in a text where they follow each other and other output. */
function jsonObjects(text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"' && depth > 0) {
      inString = true;
    } else if (char === '{') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) objects.push(JSON.parse(text.slice(start, index + 1)) as Record<string, unknown>);
    }
  }
  return objects;
}
