// If-Match against a resource's weak ETag. Cint's ETags are weak (W/"..."), so comparison ignores the
// W/ prefix; "*" matches any current version.
import { preconditionFailed } from './errors.js';

// W/"5", "5" and 5 name the same version: a client building If-Match from a run's `version` field
// may leave out the quotes or the weak prefix.
const opaque = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

export function ifMatchSatisfied(header: string, current: string): boolean {
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(current));
}

export function requireIfMatch(header: unknown, current: string): void {
  if (typeof header === 'string' && !ifMatchSatisfied(header, current)) {
    throw preconditionFailed(`The resource has been modified since you last retrieved it (If-Match ${header}, current ETag ${current}). Please fetch the latest version and try your request again.`);
  }
}
