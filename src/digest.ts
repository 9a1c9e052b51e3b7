// What tells two texts apart without keeping them: a scenario file's content (scenarios/load.ts, and the
// progress a session's snapshot names it by) and a session's snapshot as last saved (sessions/redis.ts).
import { createHash } from 'node:crypto';

/** SHA-256, base64url, of the text, or of the pieces' concatenation: the same however the text is cut. */
export function digestOf(text: string | readonly string[]): string {
  const hash = createHash('sha256');
  if (typeof text === 'string') hash.update(text);
  else for (const piece of text) hash.update(piece);
  return hash.digest('base64url');
}
