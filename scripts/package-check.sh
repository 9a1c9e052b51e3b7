#!/usr/bin/env bash
# CI: the package as a user installs it. `npm pack`, then `npm install` of the tarball in an empty
# folder: npm prints no warning about cint-mock itself, the README's and the docs' links resolve inside
# node_modules/cint-mock, the command line starts and prints its ready line, and both entry points
# (cint-mock, cint-mock/testcontainers) resolve. Needs the npm registry for the dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package-check: FAILED: $*"; exit 1; }

echo "package-check: npm pack"
cp package.json "$work/package.json.before"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "npm pack"; }
tarball=$(ls "$work"/cint-mock-*.tgz)
cmp -s package.json "$work/package.json.before" || fail "npm pack left package.json changed (postpack did not restore it)"
tar -xzOf "$tarball" package/package.json | grep -q '"prepare"' && fail "the packed package.json still has the prepare script"
echo "package-check: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) KB"

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund "$tarball" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "npm install of the tarball"; }
# npm's warnings come in blocks of lines that start with "npm warn"; a block naming cint-mock is ours.
if grep -i '^npm warn' "$work/install.log" | grep -qi 'cint-mock'; then
  cat "$work/install.log"
  fail "npm install printed a warning about cint-mock"
fi
if grep -qi '^npm warn' "$work/install.log"; then
  echo "package-check: note: npm warned about a dependency, not about cint-mock:"
  grep -i '^npm warn' "$work/install.log" | sed 's/^/  /'
fi
echo "package-check: installed with no warning about cint-mock"

node --input-type=module - <<'NODE'
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
const root = 'node_modules/cint-mock';
const missing = [];
for (const document of ['README.md', 'docs/scenarios.md', 'docs/operations.md', 'docs/testcontainers.md', 'docs/benchmarks.md']) {
  const text = readFileSync(join(root, document), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  for (const [, target] of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    const path = normalize(join(root, dirname(document), target.split('#')[0]));
    if (!existsSync(path)) missing.push(`${document} -> ${target}`);
  }
}
if (missing.length > 0) {
  console.error(`package-check: FAILED: links that do not resolve in node_modules:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
const { startMock } = await import('cint-mock');
if (typeof startMock !== 'function') throw new Error('cint-mock does not export startMock');
const module = import.meta.resolve('cint-mock/testcontainers');
if (!existsSync(new URL(module))) throw new Error(`cint-mock/testcontainers resolves to ${module}, which does not exist`);
console.log('package-check: README and docs links resolve in node_modules; cint-mock loads, cint-mock/testcontainers resolves');
NODE

node_modules/.bin/cint-mock --port 0 --log-level warn >"$work/stdout.log" 2>"$work/stderr.log" &
server=$!
for _ in $(seq 1 100); do
  [ -s "$work/stdout.log" ] && break
  sleep 0.1
done
ready=$(head -n 1 "$work/stdout.log")
case "$ready" in
  '{"event":"listening"'*) ;;
  *) cat "$work/stderr.log"; fail "no ready line from the installed cint-mock: '$ready'" ;;
esac
url=$(node -pe 'JSON.parse(process.argv[1]).url' "$ready")
curl -fsS "$url/__admin/health" >/dev/null || fail "the installed cint-mock does not answer at $url"
echo "package-check: the installed command line starts: $ready"
echo "package-check: ok"
