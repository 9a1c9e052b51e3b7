// The Python suite in examples/python (the standard library only) run as a Python user runs it: it starts
// cint-mock as a child process, reads its ready line, scripts its sessions over the admin API and stops
// it with SIGTERM. Here the mock is started from source; a user's suite uses `npx cint-mock`.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliCommand, envWithoutMockVariables } from '../test/cli-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function pythonSkipReason(): string | false {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    if (process.env.REQUIRE_PYTHON_TESTS === '1') throw new Error('python3 is not installed, and REQUIRE_PYTHON_TESTS=1');
    return 'python3 is not installed';
  }
}

it('the Python example suite passes against cint-mock started as a child process', { skip: pythonSkipReason(), timeout: 120_000 }, async () => {
  const env = envWithoutMockVariables();
  env.CINT_MOCK_COMMAND = JSON.stringify(cliCommand());
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile('python3', ['-m', 'unittest', '-v', 'examples/python/test_cint_mock.py'], { cwd: ROOT, env, timeout: 110_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  assert.equal(code, 0, output);
  assert.match(output, /^Ran 6 tests in /m, output);
  assert.doesNotMatch(output, /unknown environment variable/, 'the suite\'s own CINT_MOCK_COMMAND is not passed on to the mock');
  assert.match(output, /^OK$/m, output);
});
