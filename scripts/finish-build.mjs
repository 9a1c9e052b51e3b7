// The build after tsc (`npm run build`): the generated data files beside the compiled modules, and the
// command line bundled into one file.
//
// The bundle: src/cli.ts and everything it imports, dependencies included, into dist/src/cli.js, over
// the file tsc wrote there. Node 20's module loader spends about 200 ms finding, reading and compiling
// the ~400 files of the server's dependencies one by one; one file loads in a fraction of that, so
// `node dist/src/cli.js` (and the image) start about a third faster. The library entry
// (dist/src/index.js, for suites that start the mock in-process) stays unbundled.
//   node scripts/finish-build.mjs          # run by `npm run build`, after tsc
//   node scripts/finish-build.mjs --cli-only DIR
//                                          # the bundle alone, from the source as it is now, at DIR/src/cli.js
//                                          # with the data files it reads (the tests' command line:
//                                          # test/cli-process.ts). DIR must be two folders below the package
//                                          # root, like dist/src, for the bundle to find public/ and scenarios/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliOnly = process.argv[2] === '--cli-only';
if (cliOnly && !process.argv[3]) throw new Error('finish-build.mjs: --cli-only needs a folder');
const out = join(cliOnly ? resolve(process.argv[3]) : join(root, 'dist'), 'src');

// tsc builds incrementally (tsconfig.build.json): it writes only what changed since the build its build
// info (dist/build.tsbuildinfo) records, and does not look at what is in dist/src. Outputs removed since
// (dist/src deleted, not dist/) would stay missing: then the build info goes and tsc builds afresh.
if (!cliOnly) {
  const sources = (await readdir(join(root, 'src'), { recursive: true }))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  const missing = sources.filter((name) => !existsSync(join(out, name.replace(/\.ts$/, '.js'))));
  if (missing.length > 0) {
    process.stderr.write(`finish-build: ${missing.length} of tsc's outputs are missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): building afresh\n`);
    await rm(join(root, 'dist/build.tsbuildinfo'), { force: true });
    execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
}

// src/cint/*.generated.json: tsc copies only what is imported, and these are read (src/cint/generated-data.ts).
await mkdir(join(out, 'cint'), { recursive: true });
for (const name of await readdir(join(root, 'src/cint'))) {
  if (name.endsWith('.generated.json')) await copyFile(join(root, 'src/cint', name), join(out, 'cint', name));
}

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: join(out, 'cli.js'),
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Loaded when asked for, from node_modules: pino-pretty only for a terminal (and optional there),
  // selfsigned only to make a certificate for HTTPS.
  external: ['pino-pretty', 'selfsigned'],
  // The CommonJS dependencies inside an ES module: they may call require() for Node's own modules and
  // read __filename/__dirname, which an ES module does not have.
  banner: {
    js: [
      "import { createRequire as __cintMockCreateRequire } from 'node:module';",
      "import { fileURLToPath as __cintMockFileURLToPath } from 'node:url';",
      "import { dirname as __cintMockDirname } from 'node:path';",
      'const require = __cintMockCreateRequire(import.meta.url);',
      'const __filename = __cintMockFileURLToPath(import.meta.url);',
      'const __dirname = __cintMockDirname(__filename);',
    ].join('\n'),
  },
  legalComments: 'none',
  // Without the indentation, comments and line breaks: V8 keeps a script's source, and the positions of
  // its line ends, in memory for as long as the process runs. 2.6 MB instead of 3.9 MB of source and no
  // 0.8 MB table of line ends: about 2.5 MB less of every server's memory, and 10 ms less of each start.
  // Names are kept (no mangling), so a stack trace still names its functions.
  minifyWhitespace: true,
  logLevel: 'warning',
});
// ASCII only: V8 keeps a script's source in memory, and one character past Latin-1 makes all of it a
// two-byte string: 7.6 MB instead of 3.8 MB of every server's memory. esbuild writes strings and names
// in ASCII (its default charset) but keeps some comments as they are (a dependency's "Θ(N²)"); their
// characters are written as \u escapes, which change nothing in a comment (nor would they in code).
const bundlePath = join(out, 'cli.js');
const bundle = await readFile(bundlePath, 'utf8');
const ascii = bundle.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
if (ascii !== bundle) await writeFile(bundlePath, ascii);
// The package ships no source maps (they would point at src/, which it does not ship): tsc makes none
// for the build (tsconfig.build.json), and maps left in dist/ by an older build are removed.
if (!cliOnly) {
  for (const entry of await readdir(out, { recursive: true })) {
    if (entry.endsWith('.map')) await rm(join(out, entry));
  }
}
