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
  private matchers: PathMethods[] | null = null;

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
    const methods = new Set<string>();
    for (const matcher of (this.matchers ??= this.compile())) {
      if (matcher.pattern.test(path)) for (const method of matcher.methods) methods.add(method);
    }
    return methods.size === 0 || methods.has(method) ? null : [...methods].sort().join(', ');
  }

  private compile(): PathMethods[] {
    return [...this.byPath].map(([url, methods]) => ({ pattern: patternOf(url), methods }));
  }
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
