// The command line's start, kept from growing V8's young generation. Imported first by cli.ts, so
// that it runs before the other modules of the bundle are evaluated.
//
// Starting allocates much that lives on (the operation table, the scenarios' compiled rules, the
// parsed files), and V8 answers a young generation's survivors by doubling it: to 16 MB with 10
// rules, 32 MB with 10,000, with 8 and 16 MB of it touched and resident until V8's memory reducer
// runs. Holding the growth factor at 1 while starting leaves it at its starting 2 MB; releasing it
// at the listening line lets traffic grow it as V8 otherwise would (README, decision 98). A
// process-wide V8 flag, so only the command line sets it: a test suite's process that imports
// cint-mock is left as it is.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--semi-space-growth-factor';
/** V8's default, on Node 20 and on the image's Node 24 (`node --v8-options` prints it). */
const V8_DEFAULT_GROWTH = 2;

/** Whether the user gave node a growth factor of their own, as a flag or in NODE_OPTIONS: it is theirs. */
export function growthGivenByUser(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => arg.replaceAll('_', '-').startsWith(FLAG));
}

const held = !growthGivenByUser(process.execArgv, process.env.NODE_OPTIONS);
if (held) setFlagsFromString(`${FLAG}=1`);

/** Back to V8's default: called once the server listens. */
export function releaseYoungGeneration(): void {
  if (held) setFlagsFromString(`${FLAG}=${V8_DEFAULT_GROWTH}`);
}
