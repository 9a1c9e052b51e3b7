// Small pieces the Cint handlers share.
import { createHash } from 'node:crypto';
import { badRequest } from '../cint/errors.js';

export const MAX_PAGE_SIZE = 1000;

/** A CSV field, quoted when it must be (RFC 4180); nothing for a value that is not there. */
export const csvField = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** JSON with every object's keys sorted: the same text for two values that differ only in key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Cint defaults page_size to 10. Each operation's bounds (1–100 for most, 1–1000 or 1–50 where the
 * document says so) are in its query schema, checked before a handler runs; this is the last guard.
 */
export function pageSizeOf(pageSize: number | undefined): number {
  const size = pageSize ?? 10;
  if (size < 1 || size > MAX_PAGE_SIZE) {
    throw badRequest([{ name: 'page_size', reason: `'page_size' must be between 1 and ${MAX_PAGE_SIZE}.` }]);
  }
  return size;
}

const CURSOR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A cursor that names nothing of the list: an empty one is what a last page gives, so the client is told to stop there. */
export const unknownCursor = (name: 'start_after' | 'end_before', value: string) => badRequest([{
  name,
  reason: value === '' && name === 'start_after'
    ? `'${name}' is empty: an empty next_cursor (or none) is the last page's, with nothing after it; stop paging there.`
    : `'${name}' must be a next_cursor value from an earlier page.`,
}]);

/** A list cursor is the id of an item from an earlier page (a ULID); anything else is a 400. */
export function cursorOf(name: 'start_after' | 'end_before', value: string | undefined): string | undefined {
  if (value !== undefined && !CURSOR.test(value)) throw unknownCursor(name, value);
  return value;
}

export interface PageQuery { page_size?: number; start_after?: string; end_before?: string }

/**
 * A page of a short newest-first list, by scanning (the lists of what clients create: a few objects,
 * an exclusion group's 100 members): `page_size` (10 by default), `start_after` the id of the last item
 * of the page before, `end_before` of the first of the page after. A cursor that names no item of the
 * list is a 400.
 */
export function pageOf<T>(items: readonly T[], idOf: (item: T) => string, query: PageQuery): { items: T[]; hasMore: boolean; nextCursor: string | null } {
  const size = pageSizeOf(query.page_size);
  const indexOf = (name: 'start_after' | 'end_before') => {
    const cursor = query[name];
    if (cursor === undefined) return undefined;
    const at = items.findIndex((item) => idOf(item) === cursor);
    if (at < 0) throw unknownCursor(name, cursor);
    return at;
  };
  const after = indexOf('start_after');
  const before = indexOf('end_before');
  const from = after === undefined ? 0 : after + 1;
  const to = before ?? items.length;
  const page = before !== undefined && after === undefined ? items.slice(Math.max(0, to - size), to) : items.slice(from, Math.min(to, from + size));
  const last = page.at(-1);
  const hasMore = last !== undefined && items.indexOf(last) < items.length - 1;
  return { items: page, hasMore, nextCursor: hasMore ? idOf(last) : null };
}

/** Cint's highlighted_name: the matched part of a name wrapped in <em>. */
export function highlight(name: string, search: string): string {
  const at = name.toLowerCase().indexOf(search.toLowerCase());
  if (at < 0) return name;
  return `${name.slice(0, at)}<em>${name.slice(at, at + search.length)}</em>${name.slice(at + search.length)}`;
}

const userIds = new Map<string, string>();

/** A stable UUID for a client, for Cint's created_by / last_changed_by fields (remembered: it is asked per request). */
export function userIdOf(clientId: string): string {
  let id = userIds.get(clientId);
  if (id === undefined) {
    if (userIds.size >= 10_000) userIds.clear();
    id = uuidFromHash(clientId);
    userIds.set(clientId, id);
  }
  return id;
}

/** A version-4-shaped UUID made from the hash of `text`: the same text always gives the same UUID. */
export function uuidFromHash(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A locale code's language and country, lower case: `eng_us` is English (`eng`, the language filter's
 * ISO 639-3 form) in the United States (`us`, the country filter's ISO 3166 alpha-2 form). The language
 * comes first and the country last, whatever stands between.
 */
export function localeParts(locale: unknown): { language: string; country: string } {
  const parts = String(locale ?? '').toLowerCase().split('_');
  return { language: parts[0] ?? '', country: parts.length > 1 ? parts.at(-1)! : '' };
}
