// What `npm run bench` knows of the machine: where the servers and the load generator run (each pinned
// to a CPU of its own with taskset when there is one and two CPUs to split), a process's resident memory,
// and a line describing the machine for the report. These machines are shared: the load average is part
// of every result.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export interface Placement {
  /** The CPU the servers run on, or undefined when nothing is pinned. */
  serverCpu: number | undefined;
  /** The CPU the load generator (and the bench's own process) runs on, or undefined. */
  loadCpu: number | undefined;
  /** For the report: how things were placed, or why they were not pinned. */
  description: string;
  /** The CPUs the bench could use before it pinned itself. */
  cpuCount: number;
}

/** The CPUs this process may run on (a container's cpuset may not start at 0). */
function allowedCpus(): number[] {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (list) {
      return list.split(',').flatMap((part) => {
        const [first, last] = part.split('-').map(Number) as [number, number | undefined];
        return Array.from({ length: (last ?? first) - first + 1 }, (_, offset) => first + offset);
      });
    }
  } catch {
    // not Linux: count them
  }
  return Array.from({ length: availableParallelism() }, (_, cpu) => cpu);
}

/**
 * The servers on the first allowed CPU, the load generator and this process on the second, so that the
 * load generator never takes CPU time from the server it measures. Unpinned when BENCH_PIN=0, when there
 * is one CPU or when taskset is missing; the description says which.
 */
export function placeProcesses(): Placement {
  const cpus = allowedCpus();
  const unpinned = (why: string): Placement => ({ serverCpu: undefined, loadCpu: undefined, cpuCount: cpus.length, description: `not pinned (${why}): servers and load generator share the CPUs` });
  if (process.env.BENCH_PIN === '0') return unpinned('BENCH_PIN=0');
  if (cpus.length < 2) return unpinned(`${cpus.length} CPU available`);
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status !== 0) return unpinned('taskset not found');
  const [serverCpu, loadCpu] = cpus as [number, number];
  // Every thread of this process (the fill and the checks run here; libuv's threads too) onto the load CPU.
  const self = spawnSync('taskset', ['-a', '-p', '-c', String(loadCpu), String(process.pid)], { encoding: 'utf8' });
  if (self.status !== 0) return unpinned(`taskset could not pin this process: ${(self.stderr ?? '').trim()}`);
  return { serverCpu, loadCpu, cpuCount: cpus.length, description: `pinned with taskset: servers on CPU ${serverCpu}, load generator (its own process) and the bench on CPU ${loadCpu}` };
}

/** The command line that runs `command` on `cpu` (through taskset, which execs it: same pid), or as is. */
export function onCpu(cpu: number | undefined, command: readonly string[]): { file: string; args: string[] } {
  const [file, ...args] = command as [string, ...string[]];
  return cpu === undefined ? { file, args } : { file: 'taskset', args: ['-c', String(cpu), file, ...args] };
}

/** Clock ticks a second, for /proc/<pid>/stat's CPU times (100 on Linux nearly everywhere). */
const CLOCK_TICKS = (() => {
  const getconf = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number((getconf.stdout ?? '').trim());
  return getconf.status === 0 && Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** The CPU time (user and system) a process has used, in microseconds; undefined without /proc. */
export function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // After the command name (in parentheses, and it may hold spaces and parentheses itself, so the last
    // ") " ends it): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Resident memory in MB: /proc/<pid>/status VmRSS, else `ps -o rss=`; undefined when neither answers. */
export function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // no /proc (macOS) or the process is gone
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number((ps.stdout ?? '').trim());
  return ps.status === 0 && Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
}

/** The 1, 5 and 15 minute load averages, as the report prints them. */
export function loadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

/** An integer setting from the environment (BENCH_SECONDS, BENCH_RULES, …): `fallback` when unset, an error naming it when not an integer of at least `minimum`. */
export function envInteger(name: string, fallback: number, minimum: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer >= ${minimum}, got ${JSON.stringify(raw)}`);
  return value;
}
