// The Python snippets of docs/testcontainers.md, run as a user would: the conftest.py block and the test
// block written to a folder, then pytest. They start the image with testcontainers-python, wait for
// /__admin/health on the mapped port, walk the quick start and choose a scenario for one session.
// Skipped, saying why, where no engine answers, the image is not built, or Python, pytest or the
// testcontainers package is missing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { containerSkipReason, IMAGE } from './containers.js';

const run = promisify(execFile);
const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'testcontainers.md');
const PYTHON = process.env.PYTHON || 'python3';

/** The doc's Python blocks, by the file name on their first line (`# conftest.py`). */
function pythonBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const [, code] of readFileSync(DOC, 'utf8').matchAll(/^```python\n([\s\S]*?)^```/gm)) {
    const name = /^# (\S+\.py)\n/.exec(code!)?.[1];
    if (name) blocks.set(name, code!);
  }
  return blocks;
}

async function pythonSkipReason(): Promise<string | undefined> {
  try {
    await run(PYTHON, ['-c', 'import pytest, testcontainers.core.wait_strategies']);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? (error as Error).message;
    return `${PYTHON} cannot import pytest and testcontainers (4.13 or later): ${detail}; pip install pytest testcontainers to run this test`;
  }
  return containerSkipReason();
}

const skip = await pythonSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'cint-mock-python-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the Python snippets of docs/testcontainers.md', () => {
  it('are there: a conftest.py fixture waiting for the health endpoint, and a test module', () => {
    const blocks = pythonBlocks();
    assert.deepEqual([...blocks.keys()], ['conftest.py', 'test_cint_mock.py']);
    assert.match(blocks.get('conftest.py')!, /HttpWaitStrategy\(8080, "\/__admin\/health"\)/);
    assert.match(blocks.get('conftest.py')!, /get_exposed_port\(8080\)/);
  });

  it(`start ${IMAGE} with testcontainers-python and pass under pytest`, { skip, timeout: 300_000 }, async () => {
    for (const [name, code] of pythonBlocks()) writeFileSync(join(dir, name), code);
    const env = { ...process.env, CINT_MOCK_IMAGE: IMAGE, PYTHONDONTWRITEBYTECODE: '1' };
    try {
      const { stdout } = await run(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', dir], { cwd: dir, env, timeout: 280_000 });
      assert.match(stdout, /\b2 passed\b/, stdout);
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      assert.fail(`pytest failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
  });
});
