// The server's paths, for the answers of requests no route took: a method the path does not take is told
// so (405 with Allow) rather than that nothing is there (decision 37), and a path with a slip in it (no
// `/v1`, "project" for "projects") is answered with the path meant (decision 183). Every route is noted
// as it is registered; the matchers are made at the first request that needs them, after the last route.
import type { FastifyInstance } from 'fastify';
import { editDistance } from '../scenarios/validate.js';

interface PathMethods {
  readonly pattern: RegExp;
  /** The route's path split at its slashes: a `:param` matches any segment. */
  readonly segments: readonly string[];
  readonly methods: Set<string>;
}

/** Segments longer than this are not compared for a typo: no route's literal segment is near that long. */
const LONGEST_TYPO = 64;

export class RouteMethods {
  private readonly byPath = new Map<string, Set<string>>();
  /** The paths' matchers by their number of segments (a path with a `*` under -1, tried for every request). */
  private matchers: Map<number, PathMethods[]> | null = null;
  /** The most segments a route's path has: a request's path is counted no further. */
  private deepest = 0;

  /** Notes every route registered on `app` (and its plugins) from now on. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) this.add(method, route.url);
    });
  }

  add(method: string, url: string): void {
    let methods = this.byPath.get(url);
    if (!methods) this.byPath.set(url, (methods = new Set()));
    methods.add(method.toUpperCase());
    this.matchers = null;
  }

  /**
   * The methods a request's path takes, as an Allow header lists them; null when no route has the path,
   * or when one with the request's method does (a route that found nothing of its own, a static file say).
   */
  allowed(method: string, url: string): string | null {
    const methods = this.methodsOf(pathOf(url));
    return methods.size === 0 || methods.has(method) ? null : allowHeader(methods);
  }

  /** Every method a request's path takes, as the 405 above lists them (a scripted 405's Allow); null when no route has the path. */
  allowedAt(url: string): string | null {
    const methods = this.methodsOf(pathOf(url));
    return methods.size === 0 ? null : allowHeader(methods);
  }

  /**
   * The path a request no route has most likely meant: with the `/v1` or `/v1/demand` it left out (Cint's
   * base URL ends in `/v1`, and the buyer's paths go on with `/demand`), or with its letters' case and at
   * most one segment's typo mended against a route's path of as many segments. Null when none is near enough.
   */
  nearest(url: string): string | null {
    const path = pathOf(url);
    const prefixed = path.startsWith('/v1/') ? [`/v1/demand${path.slice(3)}`] : [`/v1${path}`, `/v1/demand${path}`];
    for (const candidate of prefixed) if (this.methodsOf(candidate).size > 0) return candidate;
    // A path deeper than every route's is near none of them.
    if (segmentsOf(path, this.deepest + 1) > this.deepest) return null;
    const segments = path.replace(/\/$/, '').split('/');
    let best: string | null = null;
    let bestDistance = Infinity;
    for (const route of this.compiled().get(segments.length - 1) ?? []) {
      const mended = mend(segments, route.segments);
      if (mended && mended.distance < bestDistance) {
        best = mended.path;
        bestDistance = mended.distance;
      }
    }
    return best;
  }

  private methodsOf(path: string): Set<string> {
    const matchers = this.compiled();
    const methods = new Set<string>();
    for (const candidates of [matchers.get(segmentsOf(path, this.deepest + 1)), matchers.get(-1)]) {
      for (const matcher of candidates ?? []) {
        if (matcher.pattern.test(path)) for (const method of matcher.methods) methods.add(method);
      }
    }
    return methods;
  }

  private compiled(): Map<number, PathMethods[]> {
    if (this.matchers) return this.matchers;
    const matchers = new Map<number, PathMethods[]>();
    for (const [url, methods] of this.byPath) {
      // Split as nearest() splits a request's path, so a route is filed under the count it looks up.
      const segments = url.replace(/\/$/, '').split('/');
      const key = url.includes('*') ? -1 : segments.length - 1;
      this.deepest = Math.max(this.deepest, key);
      let list = matchers.get(key);
      if (!list) matchers.set(key, (list = []));
      list.push({ pattern: patternOf(url), segments, methods });
    }
    return (this.matchers = matchers);
  }
}

/**
 * The request's segments with a route's literal ones put in: any number that differ in case only, and
 * one that differs by a typo (an edit distance of at most a third of the route's segment, and at least 2).
 */
function mend(segments: readonly string[], route: readonly string[]): { path: string; distance: number } | null {
  let distance = 0;
  let typos = 0;
  const mended = [...segments];
  for (let index = 0; index < route.length; index += 1) {
    const wanted = route[index]!;
    const given = segments[index]!;
    if (wanted.startsWith(':') || wanted === given) continue;
    mended[index] = wanted;
    if (wanted.toLowerCase() === given.toLowerCase()) continue;
    typos += 1;
    if (typos > 1 || given.length > LONGEST_TYPO) return null;
    const most = Math.max(2, Math.floor(wanted.length / 3));
    distance = editDistance(given.toLowerCase(), wanted.toLowerCase(), most + 1);
    if (distance > most) return null;
  }
  return mended.join('/') === segments.join('/') ? null : { path: mended.join('/'), distance };
}

const allowHeader = (methods: ReadonlySet<string>): string => [...methods].sort().join(', ');

function pathOf(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

/** How many slashes a path has, a trailing one left out (the router ignores it), counted up to `most`. */
function segmentsOf(path: string, most: number): number {
  let count = 0;
  const end = path.endsWith('/') ? path.length - 1 : path.length;
  for (let at = path.indexOf('/'); at !== -1 && at < end && count < most; at = path.indexOf('/', at + 1)) count += 1;
  return count;
}

/** A route's path as a regular expression: a `:param` is one segment, `*` anything; a trailing slash is ignored, as the router ignores it. */
function patternOf(url: string): RegExp {
  const source = url.replace(/\/$/, '').split(/(:[A-Za-z0-9_]+|\*)/).map((part) => {
    if (part === '*') return '.*';
    if (part.startsWith(':')) return '[^/]+';
    return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }).join('');
  return new RegExp(`^${source}/?$`);
}
