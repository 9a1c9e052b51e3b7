// npm test: node's test runner over the TypeScript tests, compiled first, all at once, with esbuild.
//   node scripts/run-tests.mjs [node --test options] [files.ts]   # files default to test/*.test.ts examples/*.test.ts
//
// Each test file runs in a process of its own. Under `node --import tsx`, every module that process
// loads, node_modules' included, goes through tsx's hooks on a thread of their own, and each TypeScript
// one is compiled (or read from tsx's cache): about a second of CPU per test file (14 files: 63 s of CPU
// under tsx, 49 s compiled; the whole suite 281 s against 260 s on a 2-core machine). Here esbuild's transform, the one tsx applies, makes src/, test/ and examples/
// into JavaScript once (about a second), in a tree of this run's own under node_modules/.cache that
// mirrors the package's root: every other file and folder of the root is a symbolic link to the real one,
// and so is every .ts file (beside its .js), so that a path a test makes from its own place (../README.md,
// ../src/healthcheck.ts, ../docs) finds what it finds in the checkout. Then plain `node --test` runs the
// compiled files, with source maps on, so a failure names the lines of the .ts files. The tree is removed
// when the run ends (or by the next run, when this one was killed).
// A file alone runs the same way, or as before without this script: node --import tsx --test test/x.test.ts
// test:redis (scripts/test-redis.mjs) runs its files through here too (run).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The folders compiled; the rest of the root is linked. */
const COMPILED = ['src', 'test', 'examples'];
/** The test files of `npm test`: the *.test.ts files of these folders. */
const TEST_FOLDERS = ['test', 'examples'];

/** `npm test`'s files, relative to the root, sorted. */
export async function testFiles() {
  const files = [];
  for (const folder of TEST_FOLDERS) {
    for (const name of (await readdir(join(root, folder))).sort()) {
      if (name.endsWith('.test.ts')) files.push(`${folder}/${name}`);
    }
  }
  return files;
}

/** Compiles folder (relative to the root) into tree, linking every file (and every .ts beside its .js). */
async function mirror(folder, tree) {
  await mkdir(join(tree, folder), { recursive: true });
  const work = [];
  for (const entry of await readdir(join(root, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      work.push(mirror(path, tree));
      continue;
    }
    work.push(symlink(join(root, path), join(tree, path)));
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) work.push(compile(path, tree));
  }
  await Promise.all(work);
}

/** tsconfig.json, as tsx gives it to esbuild: the options that change what the transform makes (target, class fields). */
const tsconfigRaw = await readFile(join(root, 'tsconfig.json'), 'utf8');

async function compile(path, tree) {
  const source = await readFile(join(root, path), 'utf8');
  const { code } = await transform(source, {
    tsconfigRaw,
    loader: 'ts',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    sourcefile: pathToFileURL(join(root, path)).href,
  });
  await writeFile(join(tree, path.replace(/\.ts$/, '.js')), code);
}

const TREE_PREFIX = 'cint-mock-tests-';

/** Trees of runs that ended without removing theirs (killed): their process is gone. */
async function removeOrphans(cache) {
  for (const name of await readdir(cache)) {
    const pid = name.startsWith(TREE_PREFIX) ? Number.parseInt(name.slice(TREE_PREFIX.length), 10) : Number.NaN;
    if (!(pid > 0) || alive(pid)) continue;
    await rm(join(cache, name), { recursive: true, force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** A fresh tree of the package's root with src/, test/ and examples/ compiled: its folder. */
export async function buildTree() {
  const cache = join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  await removeOrphans(cache);
  const tree = await mkdtemp(join(cache, `${TREE_PREFIX}${process.pid}-`));
  // mkdtemp makes it its owner's alone; a test runs the command line as another user (nobody, as root).
  await chmod(tree, 0o755);
  const work = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    work.push(COMPILED.includes(entry.name) ? mirror(entry.name, tree) : symlink(join(root, entry.name), join(tree, entry.name)));
  }
  await Promise.all(work);
  return tree;
}

/** Two test files at a time: node's default on a 2-core machine is one. */
const CONCURRENCY = '--test-concurrency=2';

/**
 * Runs `node --test` with options (after CONCURRENCY, so one given wins) over files (relative to the
 * root, .ts) compiled in a tree of their own, with env; answers its exit code. The tree is removed
 * after, also after a Ctrl-C or a SIGTERM.
 */
export async function run(options, files, env = process.env) {
  const tree = await buildTree();
  const compiled = files.map((file) => join(tree, file.replace(/\.ts$/, '.js')));
  const child = spawn(process.execPath, ['--enable-source-maps', '--test', CONCURRENCY, ...options, ...compiled], { cwd: root, env, stdio: 'inherit' });
  // A Ctrl-C reaches the runner from the terminal itself (this process waits for it, then removes the
  // tree); a SIGTERM to this process alone is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const code = await new Promise((settle) => child.on('exit', (status, signal) => settle(status ?? (signal ? 1 : 0))));
  await rm(tree, { recursive: true, force: true });
  return code;
}

/**
 * A command line's arguments: the .ts ones are files (relative to the root after this), every other one
 * is node --test's, in its order (so `--name value` too). A file that is not one of src/, test/ or
 * examples/ ends the process with a message naming it.
 */
export function argumentsOf(args, who) {
  const options = args.filter((arg) => !arg.endsWith('.ts'));
  const files = args.filter((arg) => arg.endsWith('.ts')).map((file) => relative(root, resolve(file)));
  const missing = files.filter((file) => !existsSync(join(root, file)) || !COMPILED.includes(file.split(sep)[0]));
  if (missing.length > 0) {
    process.stderr.write(`${who}: not a test file of ${COMPILED.join(', ')}: ${missing.join(', ')}\n`);
    process.exit(1);
  }
  return { options, files };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { options, files } = argumentsOf(process.argv.slice(2), 'run-tests');
  process.exitCode = await run(options, files.length > 0 ? files : await testFiles());
}
