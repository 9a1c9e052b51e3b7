// Reproducible randomness: each session draws from its own stream, seeded by the scenario's seed and
// the session's id, so its outcomes depend only on its own requests, whatever other clients do.
import { randomInt } from 'node:crypto';

/** mulberry32: tiny, fast and good enough to decide whether a 5% error happens. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Where the stream is: `new SeededRandom(position)` continues it with the same numbers (sessions/snapshot.ts). */
  get position(): number {
    return this.state;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** FNV-1a over the seed and the session id: the same pair always gives the same stream. */
export function streamSeed(seed: number | string, sessionId: string): number {
  let hash = 0x811c9dc5;
  const text = `${typeof seed}:${seed}\u0000${sessionId}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A stream for a session: reproducible with a seed, different every time without one. */
export function randomFor(seed: number | string | null, sessionId: string): SeededRandom {
  return new SeededRandom(seed === null ? randomInt(2 ** 32 - 1) : streamSeed(seed, sessionId));
}
