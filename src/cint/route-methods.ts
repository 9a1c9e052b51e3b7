// Which methods each of the server's paths takes, so a request with a method its path does not take is
// told so (405 with Allow) rather than that nothing is there (decision 37). Every route is noted as it is
// registered; the matchers are made at the first request that needs them, after the last route.
import type { FastifyInstance } from 'fastify';

interface PathMethods {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

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
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const matchers = (this.matchers ??= this.compile());
    const methods = new Set<string>();
    for (const candidates of [matchers.get(segmentsOf(path, this.deepest + 1)), matchers.get(-1)]) {
      for (const matcher of candidates ?? []) {
        if (matcher.pattern.test(path)) for (const each of matcher.methods) methods.add(each);
      }
    }
    return methods.size === 0 || methods.has(method) ? null : [...methods].sort().join(', ');
  }

  private compile(): Map<number, PathMethods[]> {
    const matchers = new Map<number, PathMethods[]>();
    for (const [url, methods] of this.byPath) {
      const key = url.includes('*') ? -1 : segmentsOf(url, Infinity);
      this.deepest = Math.max(this.deepest, key);
      let list = matchers.get(key);
      if (!list) matchers.set(key, (list = []));
      list.push({ pattern: patternOf(url), methods });
    }
    return matchers;
  }
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
