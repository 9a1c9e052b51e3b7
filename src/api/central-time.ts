// US Central time (America/Chicago), in which Cint counts report days and the reconciliation window:
// "dates are interpreted as 00:00 in US/Central", "midnight on the 26th of the month".
// Made at first use, not at start: a formatter with a time zone loads ICU's data, about 7 MB of memory
// every process would hold for the few that read reports or reconciliations.
let central: Intl.DateTimeFormat | undefined;
const centralFormat = () => (central ??= new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Chicago', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
}));

/** The Central wall clock at `ms`: its year, month (0-11), day, and its offset from UTC. */
export function centralAt(ms: number): { year: number; month: number; day: number; offsetMs: number } {
  const parts = centralFormat().formatToParts(ms);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const [year, month, day] = [part('year'), part('month') - 1, part('day')];
  const wall = Date.UTC(year, month, day, part('hour'), part('minute'), part('second'));
  return { year, month, day, offsetMs: wall - Math.floor(ms / 1000) * 1000 };
}

/** Midnight Central of a date, as an instant (a month past 11 is the next year's, as Date.UTC counts). */
export function centralMidnight(year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month, day);
  const guess = wall - centralAt(wall).offsetMs;
  return wall - centralAt(guess).offsetMs;
}

/** The Central calendar day of an instant, YYYY-MM-DD. */
export function centralDateOf(ms: number): string {
  const { year, month, day } = centralAt(ms);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Midnight Central of a YYYY-MM-DD day. */
export function centralMidnightOf(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return centralMidnight(year, month - 1, day);
}
