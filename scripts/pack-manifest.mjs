// The package.json that `npm pack` puts in the tarball, without the `prepare` script.
//
// `prepare` builds dist/ where the package is installed from a checkout: `npm ci` here, and
// `npm install git+https://…/cint-mock.git` (npm installs the dev dependencies in its clone and runs
// prepare there). A tarball is already built, and npm 11 warns about the `prepare` script of any
// package installed from a file or URL ("install scripts not yet covered by allowScripts") although
// it never runs it there. So `prepack` takes it out of package.json for the pack, and `postpack`
// puts the file back byte for byte:
//   node scripts/pack-manifest.mjs            # prepack, after the build
//   node scripts/pack-manifest.mjs --restore  # postpack
// A pack that fails in between leaves the saved copy; the next run of either restores it first.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const saved = fileURLToPath(new URL('../.package.json.before-pack', import.meta.url));

if (existsSync(saved)) renameSync(saved, manifest);
if (!process.argv.includes('--restore')) {
  const original = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(original);
  delete pkg.scripts.prepare;
  writeFileSync(saved, original);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}
