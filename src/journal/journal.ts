// The request journal: what each session asked and what it got, newest first. Entries are kept in a
// ring of fixed size per session; counts are exact however many entries the ring has dropped.
import type { Session } from '../sessions/store.js';

export interface JournalEntry {
  request_id: string;
  at: string;
  session: string;
  operation: string | null;
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  duration_ms: number;
  /** The scenario rule that answered, when one did. */
  scenario: { name: string; rule: number } | null;
  replayed: boolean;
  /** A scenario fault that answered by breaking the connection (status is then 0). */
  fault?: string;
  /** The JSON request body, when it was small enough to keep (JOURNAL_BODY_LIMIT characters). */
  body?: unknown;
}

export interface JournalFilter {
  operation?: string | undefined;
  status?: number | undefined;
  method?: string | undefined;
  limit?: number | undefined;
}

export const JOURNAL_BODY_LIMIT = 4096;

export class Journal {
  private readonly ring: (JournalEntry | undefined)[];
  private next = 0;
  private stored = 0;
  private readonly counts = new Map<string, number>();

  constructor(readonly capacity: number) {
    this.ring = new Array<JournalEntry | undefined>(capacity);
  }

  record(entry: JournalEntry): void {
    const key = `${entry.operation ?? ''} ${entry.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.capacity === 0) return;
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.stored = Math.min(this.stored + 1, this.capacity);
  }

  /** Entries newest first, filtered. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const limit = filter.limit ?? this.capacity;
    for (let i = 1; i <= this.stored && out.length < limit; i += 1) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity]!;
      if (filter.operation !== undefined && entry.operation !== filter.operation) continue;
      if (filter.status !== undefined && entry.status !== filter.status) continue;
      if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) continue;
      out.push(entry);
    }
    return out;
  }

  /** How many requests matched, over the session's whole life (not only the entries kept). */
  count(filter: Pick<JournalFilter, 'operation' | 'status'> = {}): number {
    let total = 0;
    for (const [key, value] of this.counts) {
      const [operation, status] = key.split(' ');
      if (filter.operation !== undefined && operation !== filter.operation) continue;
      if (filter.status !== undefined && Number(status) !== filter.status) continue;
      total += value;
    }
    return total;
  }

  /** Counts per operation and status: { create_project: { "202": 2, "400": 1 } }. */
  summary(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [key, value] of this.counts) {
      const [operation, status] = key.split(' ') as [string, string];
      const name = operation || '(none)';
      (out[name] ??= {})[status] = value;
    }
    return out;
  }
}

/** One journal per session object: a reset session starts with an empty journal. */
export class JournalStore {
  private readonly journals = new WeakMap<Session, Journal>();

  constructor(readonly capacity: number) {}

  of(session: Session): Journal {
    let journal = this.journals.get(session);
    if (!journal) {
      journal = new Journal(this.capacity);
      this.journals.set(session, journal);
    }
    return journal;
  }
}
