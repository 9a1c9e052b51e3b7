// What `npm pack` puts in the package, as a user installing it gets it: the license package.json names,
// the documents the README links to, no source map pointing at a file it does not ship, and exactly
// the dependencies its code imports. (scripts/package-check.sh installs the real tarball in CI.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The checkout itself: npm test runs this file from a compiled tree (scripts/run-tests.mjs) whose
// package.json is a link to the checkout's, and `npm pack` does not follow a link.
const ROOT = dirname(realpathSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json')));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
  exports: Record<string, { types: string; default: string }>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

/** Relative link targets of a markdown text, outside fenced code blocks, without their #anchor. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const targets = [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return targets
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]!);
}

/** Every bare module specifier imported by the TypeScript files under `dir` (static, type-only and dynamic imports). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    // Comments left out: they show imports a user writes (`from 'cint-mock/testcontainers'`).
    const source = readFileSync(join(dir, entry), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const match of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^'.][^']*)'/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return names;
}

describe('the package as npm pack makes it', () => {
  let files: Set<string>;
  before(async () => {
    // --ignore-scripts: the file list of what is built now, without building again (`prepare`).
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    files = new Set(report.files.map((file) => file.path));
  });

  const shipped = (path: string) => files.has(path) || [...files].some((file) => file.startsWith(`${path.replace(/\/$/, '')}/`));

  it('keeps prepare in package.json for installs from a checkout or git, and takes it out of the packed one', () => {
    const scripts = (pkg as unknown as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.prepare, 'npm run build', 'package.json lost its prepare script (a pack that failed half way? see scripts/pack-manifest.mjs)');
    assert.match(scripts.prepack ?? '', /pack-manifest\.mjs$/);
    assert.match(scripts.postpack ?? '', /pack-manifest\.mjs --restore$/);
  });

  it('ships a LICENSE whose text is the license package.json names', () => {
    assert.ok(files.has('LICENSE'), 'LICENSE is not in the package');
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n/);
  });

  it('ships every file the README and the docs it ships link to', () => {
    const documents = [...files].filter((file) => file.endsWith('.md'));
    assert.ok(documents.includes('README.md') && documents.includes('docs/scenarios.md'), `documents packed: ${documents.join(', ')}`);
    const missing: string[] = [];
    for (const document of documents) {
      for (const target of relativeLinks(readFileSync(join(ROOT, document), 'utf8'))) {
        const path = posix.normalize(posix.join(posix.dirname(document), target));
        if (!shipped(path)) missing.push(`${document} -> ${target}`);
      }
    }
    assert.deepEqual(missing, [], 'links to files the package does not ship');
  });

  it('ships the built entry points it names, and no source map pointing at a file it does not ship', () => {
    if (!existsSync(join(ROOT, 'dist/src/index.js'))) {
      assert.fail('dist/ is not built: run npm run build (npm ci does it) before this test');
    }
    const entries = [...Object.values(pkg.exports).flatMap((entry) => [entry.types, entry.default]), ...Object.values(pkg.bin)];
    for (const entry of entries) assert.ok(files.has(posix.normalize(entry)), `${entry} is not in the package`);
    for (const map of [...files].filter((file) => file.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const path = posix.normalize(posix.join(posix.dirname(map), source));
        assert.ok(files.has(path), `${map} points at ${source}, which the package does not ship`);
      }
    }
  });

  it('ships the command line as an ASCII-only bundle, which V8 keeps in half the memory of a two-byte one', () => {
    const bin = Object.values(pkg.bin)[0]!;
    const source = readFileSync(join(ROOT, bin), 'utf8');
    assert.ok(source.length > 1_000_000, `${bin} is the bundle of the server and its dependencies`);
    const outside = /[\u0080-\uffff]/.exec(source);
    assert.equal(outside, null, `${bin} holds ${JSON.stringify(outside?.[0])} at offset ${outside?.index}: scripts/finish-build.mjs escapes such characters`);
  });

  it('depends on exactly what its code imports; the terminal log formatter and Testcontainers are optional', () => {
    const imported = importedPackages(join(ROOT, 'src'));
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ]);
    assert.deepEqual([...declared].filter((name) => !imported.has(name)).sort(), [], 'dependencies nothing in src imports');
    assert.deepEqual([...imported].filter((name) => !declared.has(name)).sort(), [], 'packages src imports without declaring them');
    assert.ok(!('pino-pretty' in pkg.dependencies) && pkg.optionalDependencies?.['pino-pretty'], 'pino-pretty is optional, not a dependency');
    for (const name of Object.keys(pkg.peerDependencies ?? {})) {
      assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `the peer dependency ${name} is not optional`);
    }
  });
});
