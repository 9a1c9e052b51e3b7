// Cursor pagination over ids kept in creation order (ULIDs sort by time): newest first, the cursor is
// the id of the last item on a page. Finding the cursor is a binary search, so a page costs the same
// however many objects a session holds (filters scan only as far as they must to fill the page).

export interface Page<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface PageRequest {
  pageSize: number;
  startAfter?: string | undefined;
  endBefore?: string | undefined;
}

/** Index of the first id >= `id` in an ascending list. */
function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function paginate<T>(ascendingIds: readonly string[], load: (id: string) => T | undefined,
  request: PageRequest, keep: (item: T) => boolean = () => true): Page<T> {
  const { pageSize } = request;
  if (request.endBefore !== undefined) {
    // The page just before the cursor in newest-first order: newer ids, read upwards from the cursor.
    const items: T[] = [];
    let index = lowerBound(ascendingIds, request.endBefore);
    if (ascendingIds[index] === request.endBefore) index += 1;
    for (; index < ascendingIds.length && items.length < pageSize; index += 1) {
      const item = load(ascendingIds[index]!);
      if (item !== undefined && keep(item)) items.unshift(item);
    }
    return finish(ascendingIds, load, keep, items, pageSize);
  }
  let index = request.startAfter === undefined ? ascendingIds.length - 1 : lowerBound(ascendingIds, request.startAfter) - 1;
  const items: T[] = [];
  for (; index >= 0 && items.length < pageSize; index -= 1) {
    const item = load(ascendingIds[index]!);
    if (item !== undefined && keep(item)) items.push(item);
  }
  return finish(ascendingIds, load, keep, items, pageSize, index);
}

function finish<T>(ids: readonly string[], load: (id: string) => T | undefined, keep: (item: T) => boolean,
  items: T[], pageSize: number, from?: number): Page<T> {
  const last = items.at(-1) as { id?: string } | undefined;
  let hasMore = false;
  // Is there anything older than the last item? Look for one more kept item past it.
  let index = from ?? (last?.id ? lowerBound(ids, last.id) - 1 : -1);
  for (; index >= 0; index -= 1) {
    const item = load(ids[index]!);
    if (item !== undefined && keep(item)) { hasMore = true; break; }
  }
  return { items, hasMore: items.length === pageSize && hasMore, nextCursor: hasMore && last?.id ? last.id : null };
}
