// The command line as another language's test suite would use it: the ready line on stdout, SIGTERM,
// the exit codes (0 stopped, 1 bad configuration, 2 could not start), config files and flags.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliCommand, envWithoutMockVariables, killStarted, ROOT, runCli, started, withinDeadline } from './cli-process.js';
import { API_VERSION, projectsUrl } from './helpers.js';

// A few CLIs at a time: each start takes about half a second of CPU.
describe('the cint-mock command', { concurrency: 3 }, () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cint-mock-cli-')); });
  after(() => {
    killStarted();
    rmSync(dir, { recursive: true, force: true });
  });

  const configFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const listProjects = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${projectsUrl()}`, { headers: { 'cint-api-version': API_VERSION, ...headers } });

  it('--port 0 prints one JSON ready line with a URL that answers, and SIGTERM exits 0', async () => {
    const cli = runCli(['--port', '0', '--log-level', 'warn']);
    const ready = await cli.ready();
    assert.equal(ready.event, 'listening');
    assert.ok(ready.port > 0);
    assert.equal(ready.url, `http://127.0.0.1:${ready.port}`);
    const health = await fetch(`${ready.url}/__admin/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json() as { status: string }).status, 'ok');

    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    assert.equal(cli.stdout(), `${JSON.stringify(ready)}\n`);
    // Nothing to warn about on a plain start (a dependency's warning once was, on every start).
    assert.equal(cli.stderr(), '');
  });

  it('a SIGTERM sent the moment the ready line is read drains and exits 0, every time', async () => {
    // The handlers were put in place just after the ready line: a quick SIGTERM often ended the process
    // by the signal (about half of the starts on a loaded machine).
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const cli = runCli(['--port', '0', '--log-level', 'silent']);
      await cli.ready();
      cli.child.kill('SIGTERM');
      assert.deepEqual(await cli.exited(), { code: 0, signal: null }, `attempt ${attempt}`);
    }
  });

  it('a SIGTERM while it starts (its store not answering yet) exits 0 at once, without waiting for the start', async () => {
    // As a container's PID 1, node ignores a signal it has no handler for: docker stop then waited 10 s.
    // A store that takes connections and never answers holds the start (about 5 s, then exit 2).
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const asked = once(silent, 'connection');
      const cli = runCli(['--port', '0', '--log-level', 'silent', '--store', `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`]);
      // The start is under way once it asks the store (a fixed wait was too short on a loaded machine,
      // where the signal then came before the process had loaded its code).
      await withinDeadline(asked, 'a connection to the store', 20_000);
      const sent = Date.now();
      cli.child.kill('SIGTERM');
      // Exit 0 at once: a start that had waited for the store would have given up with exit 2.
      assert.deepEqual(await cli.exited(), { code: 0, signal: null }, cli.stderr());
      assert.ok(Date.now() - sent < 5000, `exited ${Date.now() - sent} ms after the signal`);
      assert.equal(cli.stdout(), '');
    } finally {
      silent.close();
    }
  });

  it('a SIGTERM while the server is being set up (no store to wait on) still stops it, 0, every time', async () => {
    // The start's listener gave way to the draining stop's once the server listened. A signal that came
    // while the server was set up reached JavaScript only after that swap, if at all: removing the
    // listener dropped it, and the server went on to listen and ran on (as PID 1 until docker stop's kill).
    // The warning about the unknown variable is written just before the server is set up. Here the set-up
    // took about 0.25 s, most of it (about 0.2 s) without a turn of the event loop: the signal goes in
    // at a few times after the warning.
    for (const [attempt, afterMs] of [50, 100, 150, 200].entries()) {
      const cli = runCli(['--port', '0', '--log-level', 'warn'], { CINT_MOCK_SIGNAL_CHECK: '1' });
      await withinDeadline(new Promise<void>((resolve) => {
        // After runCli's own listener, which keeps cli.stderr().
        const look = () => {
          if (!cli.stderr().includes('CINT_MOCK_SIGNAL_CHECK')) return;
          cli.child.stderr!.off('data', look);
          resolve();
        };
        cli.child.stderr!.on('data', look);
      }), 'the warning before the set-up', 20_000);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      cli.child.kill('SIGTERM');
      assert.deepEqual(await cli.exited(10_000), { code: 0, signal: null }, `attempt ${attempt}, ${afterMs} ms after the warning: ${cli.stdout()}${cli.stderr()}`);
    }
  });

  it("warns when a variable of the environment overrides a config file's setting (the image's HOST and CINT_MOCK_SCENARIOS_DIR, say)", async () => {
    mkdirSync(join(dir, 'file-scenarios'));
    mkdirSync(join(dir, 'env-scenarios'));
    const path = configFile('overridden.yaml', 'scenariosDir: ./file-scenarios\nhost: 127.0.0.1\nmaxSessions: 50\nlogLevel: info\n');
    // As in the image: HOST and the scenarios folder from the environment. maxSessions the same in both: no word.
    const cli = runCli(['--port', '0', '--config', path], { HOST: '127.0.0.1', CINT_MOCK_SCENARIOS_DIR: join(dir, 'env-scenarios'), CINT_MOCK_MAX_SESSIONS: '50', LOG_LEVEL: 'warn' });
    await cli.ready();
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    const warnings = cli.stderr().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 40);
    assert.deepEqual(warnings.map(({ msg }) => msg), [
      `the config file's scenariosDir (${path}) is not used: CINT_MOCK_SCENARIOS_DIR is set, and the environment wins over a config file (flags > environment > file); unset CINT_MOCK_SCENARIOS_DIR (docker run -e CINT_MOCK_SCENARIOS_DIR=) to use the file's`,
      `the config file's logLevel (${path}) is not used: LOG_LEVEL is set, and the environment wins over a config file (flags > environment > file); unset LOG_LEVEL (docker run -e LOG_LEVEL=) to use the file's`,
    ]);
    // The same path through the environment (relative there, to the working folder), or a flag for it: no word.
    const agreeing = runCli(['--port', '0', '--log-level', 'warn', '--config', path], { CINT_MOCK_SCENARIOS_DIR: relative(ROOT, join(dir, 'file-scenarios')), LOG_LEVEL: 'info' });
    await agreeing.ready();
    agreeing.child.kill('SIGTERM');
    assert.deepEqual(await agreeing.exited(), { code: 0, signal: null });
    assert.equal(agreeing.stderr(), '');
  });

  it('bad flag values exit 1 naming each option and the value given', async () => {
    const cli = runCli(['--port', 'eighty', '--auth-mode', 'nope', '--token-algorithm', 'HS512']);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /^ {2}--auth-mode \(authMode\): Expected one of "verify", "decode", "off" \(got "nope"\)$/m);
    assert.match(cli.stderr(), /^ {2}--token-algorithm \(tokenAlgorithm\): Expected one of "HS256", "RS256" \(got "HS512"\)$/m);
    assert.match(cli.stderr(), /^ {2}--port \(port\): .*\(got "eighty"\)$/m);
    assert.equal(cli.stdout(), '');
  });

  it('errors name the variable or the file key the user wrote, and suggest the nearest name', async () => {
    const fromEnv = runCli(['--port', '0'], { CINT_MOCK_MAX_SESSIONS: 'lots', CINT_MOCK_MAX_SESION: '3' });
    assert.deepEqual(await fromEnv.exited(), { code: 1, signal: null });
    assert.match(fromEnv.stderr(), /^ {2}CINT_MOCK_MAX_SESSIONS \(maxSessions\): Expected integer \(got "lots"\)$/m);
    assert.match(fromEnv.stderr(), /^cint-mock: ignoring the unknown environment variable CINT_MOCK_MAX_SESION; did you mean CINT_MOCK_MAX_SESSIONS\?$/m);

    const typo = runCli(['--port', '0', '--config', configFile('typo.yaml', 'maxSesions: 3\n')]);
    assert.deepEqual(await typo.exited(), { code: 1, signal: null });
    assert.match(typo.stderr(), /typo\.yaml:\n {2}maxSesions: Unexpected property; did you mean maxSessions\?/);

    const scenario = runCli(['--port', '0', '--scenario', 'flakey']);
    assert.deepEqual(await scenario.exited(), { code: 1, signal: null });
    assert.match(scenario.stderr(), /found "flakey" \(did you mean "flaky"\?\)/);
  });

  it('an integer variable that is not exactly one exits 1 naming the variable and the option, not cut down by parseInt', async () => {
    // PORT=0e5 was read as parseInt's 0: a free port. A start would print the ready line; the refusal exits first.
    const cli = runCli([], { PORT: '0e5', LOG_LEVEL: 'silent' });
    const exit = await Promise.race([cli.exited(), cli.ready().then((ready) => assert.fail(`started: ${JSON.stringify(ready)}`))]);
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.equal(cli.stderr(), 'cint-mock: invalid configuration:\n  PORT (port): Expected integer (got "0e5")\n');
    assert.equal(cli.stdout(), '');
  });

  it('an unreadable key file exits 1 naming the flag', async () => {
    // The key file is read only with RS256 (with HS256 it is refused as unused): this error shows both flags arrive.
    const cli = runCli(['--port', '0', '--token-algorithm', 'RS256', '--jwt-private-key-file', join(dir, 'no-such-key.pem')]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /^ {2}--jwt-private-key-file \(jwtPrivateKeyFile\): cannot read the key file: ENOENT.*\(got ".*no-such-key\.pem"\)$/m);
  });

  it("warnings before the logger are JSON lines when the logs are JSON, and suggest LOG_LEVEL, PORT and HOST for a CINT_MOCK_ name of theirs", async () => {
    const cli = runCli(['--port', '0'], { CINT_MOCK_LOGLEVEL: 'debug', CINT_MOCK_PORT: '9000', CINT_MOCK_HOST: '0.0.0.0' });
    await cli.ready();
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    const lines = cli.stderr().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const warnings = lines.filter((line) => line.level === 40);
    assert.deepEqual(warnings.map(({ msg }) => msg).sort(), [
      'ignoring the unknown environment variable CINT_MOCK_HOST; did you mean HOST?',
      'ignoring the unknown environment variable CINT_MOCK_LOGLEVEL; did you mean LOG_LEVEL?',
      'ignoring the unknown environment variable CINT_MOCK_PORT; did you mean PORT?',
    ]);
    // Shaped as the server's own log lines.
    const serverLine = lines.find((line) => line.level === 30)!;
    for (const warning of warnings) {
      assert.deepEqual(Object.keys(warning), Object.keys(serverLine).filter((key) => ['level', 'time', 'pid', 'hostname', 'msg'].includes(key)));
      assert.equal(warning.pid, serverLine.pid);
      assert.equal(typeof warning.time, 'number');
    }

    // Plain text when the logs are pretty (pino-pretty is a dev dependency here), and none below the log level.
    const pretty = runCli(['--port', '0'], { CINT_MOCK_LOGLEVEL: 'debug', CINT_MOCK_LOG_PRETTY: 'true', LOG_LEVEL: 'warn' });
    await pretty.ready();
    pretty.child.kill('SIGTERM');
    assert.deepEqual(await pretty.exited(), { code: 0, signal: null });
    assert.equal(pretty.stderr(), 'cint-mock: ignoring the unknown environment variable CINT_MOCK_LOGLEVEL; did you mean LOG_LEVEL?\n');
    const quiet = runCli(['--port', '0'], { CINT_MOCK_LOGLEVEL: 'debug', LOG_LEVEL: 'error' });
    await quiet.ready();
    quiet.child.kill('SIGTERM');
    assert.deepEqual(await quiet.exited(), { code: 0, signal: null });
    assert.equal(quiet.stderr(), '');
  });

  it('pretty logs asked for without pino-pretty installed: the warning is a JSON line, as the logs then are', async () => {
    // pino-pretty made unresolvable, as in the image (an optional dependency it leaves out).
    const hook = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(
      'data:text/javascript,export async function resolve(s, c, n) { if (s === "pino-pretty") throw Object.assign(new Error("not installed"), { code: "ERR_MODULE_NOT_FOUND" }); return n(s, c); }')});`;
    const env = { ...envWithoutMockVariables(), CINT_MOCK_LOG_PRETTY: 'true' };
    const [node, cli] = cliCommand();
    const child = spawn(node, ['--import', hook, cli, '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    await withinDeadline(new Promise<void>((resolve) => {
      const check = () => (stdout.includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    }), 'ready line');
    child.kill('SIGTERM');
    await once(child, 'close');
    const lines = stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.deepEqual({ level: lines[0]!.level, msg: lines[0]!.msg }, { level: 40, msg: 'pino-pretty is not installed; logs stay JSON' });
    assert.ok(lines.some((line) => line.level === 30), 'the server logs JSON too');
  });

  it('a wrong flag exits 1 with our own message, the nearest flag suggested', async () => {
    // parseArgs's own: "Unknown option '--version'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--version\"".
    for (const [args, message] of [
      [['--port', '0', '--no-such-flag'], 'unknown option --no-such-flag; see --help'],
      [['--version'], 'unknown option --version; see --help'],
      [['--scenarios-dir', 'x'], 'unknown option --scenarios-dir (did you mean --scenarios?); see --help'],
      [['--auth-mod', 'off'], 'unknown option --auth-mod (did you mean --auth-mode?); see --help'],
      [['-x'], 'unknown option -x; see --help'],
      [['--port'], 'option --port needs a value; see --help'],
      [['--port', '--host', '0.0.0.0'], 'option --port needs a value, and --host looks like an option (for a value that starts with "-", write --port=--host); see --help'],
      [['--help=yes'], 'option --help takes no value; see --help'],
      [['serve'], 'unknown command: serve; see --help'],
    ] as const) {
      const cli = runCli([...args]);
      assert.deepEqual(await cli.exited(), { code: 1, signal: null }, args.join(' '));
      assert.equal(cli.stderr(), `cint-mock: ${message}\n`);
      assert.equal(cli.stdout(), '');
    }
  });

  it('validate reads the folder alone: an unrelated bad setting (PORT=abc) does not fail it', async () => {
    const folder = join(dir, 'validate-only');
    mkdirSync(folder);
    writeFileSync(join(folder, 'mine.yaml'), 'description: mine\nrules: []\n');
    const named = runCli(['validate', folder], { PORT: 'abc', CINT_MOCK_MAX_SESSIONS: 'lots' });
    assert.deepEqual(await named.exited(), { code: 0, signal: null });
    assert.equal(named.stdout(), `${folder}: 1 scenario valid (mine)\n`);
    assert.equal(named.stderr(), '');
    // The folder from the environment, or from the config file (relative to the file), with the same bad setting beside it.
    const fromEnv = runCli(['validate'], { PORT: 'abc', CINT_MOCK_SCENARIOS_DIR: folder });
    assert.deepEqual(await fromEnv.exited(), { code: 0, signal: null });
    assert.equal(fromEnv.stdout(), `${folder}: 1 scenario valid (mine)\n`);
    const fromFile = runCli(['validate', '--config', configFile('validate.yaml', 'scenariosDir: ./validate-only\n')], { PORT: 'abc' });
    assert.deepEqual(await fromFile.exited(), { code: 0, signal: null });
    assert.equal(fromFile.stdout(), `${folder}: 1 scenario valid (mine)\n`);
    // Bad settings in the file itself, beside its scenariosDir: not validate's business either.
    const besideBad = runCli(['validate', '--config', configFile('validate-beside.yaml', 'scenariosDir: ./validate-only\nport: abc\nlogLevl: loud\n')]);
    assert.deepEqual(await besideBad.exited(), { code: 0, signal: null });
    assert.equal(besideBad.stdout(), `${folder}: 1 scenario valid (mine)\n`);
    assert.equal(besideBad.stderr(), '');
    // The one setting it reads is still checked, naming the file.
    const badFolder = configFile('validate-bad.yaml', 'scenariosDir: [one, two]\nport: abc\n');
    const wrong = runCli(['validate', '--config', badFolder]);
    assert.deepEqual(await wrong.exited(), { code: 1, signal: null });
    assert.match(wrong.stderr(), new RegExp(`^cint-mock: invalid config file ${badFolder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\n  scenariosDir: `));
    assert.doesNotMatch(wrong.stderr(), /port/);
  });

  it('a broken config file exits 1 naming the file and each wrong field', async () => {
    const path = configFile('broken.yaml', 'authMod: off\nmaxSessions: many\n');
    const cli = runCli(['--port', '0', '--config', path]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    const stderr = cli.stderr();
    assert.ok(stderr.includes(path), stderr);
    assert.match(stderr, /authMod: Unexpected property/);
    assert.match(stderr, /maxSessions: Expected integer \(got "many"\)/);
  });

  it('a reference data file whose body breaks the schema exits 1 naming the file and the operation', async () => {
    const path = configFile('reference.yaml', 'get_countries:\n  countries: [{ id: not-a-number }]\n');
    const cli = runCli(['--port', '0', '--reference-data', path]);
    assert.deepEqual(await cli.exited(), { code: 1, signal: null });
    assert.match(cli.stderr(), /invalid reference data in .*reference\.yaml:\n {2}get_countries: the body does not match the documented 200 schema:\n {4}'countries\[0\]\.id' must be of type integer\.\n/);
  });

  it('a valid YAML config file is applied', async () => {
    const path = configFile('open.yaml', 'authMode: off\nlogLevel: warn\n');
    const cli = runCli(['--port', '0', '--config', path]);
    const { url } = await cli.ready();
    const listed = await listProjects(url);
    assert.equal(listed.status, 200, await listed.text());
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });

  it("a config file's relative scenariosDir is its own folder's, whatever the working directory", async () => {
    const folder = join(dir, 'relative');
    mkdirSync(join(folder, 'sc'), { recursive: true });
    writeFileSync(join(folder, 'sc', 'relative-one.yaml'), 'description: lists are unavailable\nrules:\n  - match: { operation: list_account_projects }\n    respond: { status: 503 }\n');
    const path = join(folder, 'cint-mock.yaml');
    writeFileSync(path, 'authMode: off\nlogLevel: warn\nscenariosDir: ./sc\nscenario: relative-one\n');
    const cli = runCli(['--port', '0', '--config', path]);
    const { url } = await cli.ready();
    const listed = await listProjects(url);
    assert.equal(listed.status, 503, await listed.text());
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });

  it("an empty variable is unset, so the config file's value applies (the image's HOST, blanked with docker run -e HOST=)", async () => {
    const path = configFile('host.yaml', 'host: 127.0.0.2\nport: 0\nlogLevel: silent\n');
    const cli = runCli(['--config', path], { HOST: '', CINT_MOCK_SCENARIOS_DIR: '' });
    const { url, port } = await cli.ready();
    assert.equal(url, `http://127.0.0.2:${port}`);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
  });

  it('flags win over the config file', async () => {
    const path = configFile('overridden.yaml', 'authMode: off\nlogLevel: warn\nport: 1\n');
    const cli = runCli(['--config', path, '--port', '0', '--auth-mode', 'verify']);
    const { url, port } = await cli.ready();
    assert.notEqual(port, 1);
    assert.equal((await listProjects(url)).status, 401);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited()).code, 0);
  });

  it('a port already in use exits 2', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const { port } = blocker.address() as AddressInfo;
      const cli = runCli(['--port', String(port), '--log-level', 'silent']);
      assert.deepEqual(await cli.exited(), { code: 2, signal: null });
      assert.match(cli.stderr(), /could not start: .*EADDRINUSE/);
      assert.equal(cli.stdout(), '');
    } finally {
      blocker.close();
    }
  });

  it('run by an npm script, it stops when the process that started it is gone (npm does not pass SIGTERM on)', async () => {
    // npm runs a script as `sh -c '<command>'`; killing that shell is what a SIGTERM to npm amounts to.
    const env = { ...envWithoutMockVariables(), npm_lifecycle_event: 'start' };
    const [node, cli] = cliCommand();
    const shell = spawn('sh', ['-c', `"${node}" "${cli}" --port 0 --log-level silent & wait`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(shell);
    let stdout = '';
    shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    // The pipe closes when its last writer, the server, has exited.
    const serverGone = once(shell.stdout!, 'close');
    await withinDeadline(new Promise<void>((resolve) => {
      const check = () => (stdout.includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    }), 'ready line');
    const { url } = JSON.parse(stdout.split('\n')[0]!) as { url: string };
    assert.equal((await fetch(`${url}/__admin/health`)).status, 200);
    shell.kill('SIGKILL');
    await withinDeadline(serverGone, 'server exit after its parent died');
    await assert.rejects(fetch(`${url}/__admin/health`));
  });

  it('--help prints the usage and exits 0', async () => {
    const cli = runCli(['--help']);
    assert.deepEqual(await cli.exited(), { code: 0, signal: null });
    assert.match(cli.stdout(), /^cint-mock: /);
    assert.match(cli.stdout(), /Exit codes: 0 stopped cleanly, 1 bad configuration or scenario file, 2 could not start/);
  });
});

describe("the command line's hold on V8's young generation while starting", () => {
  it('is left off when the user gave node a growth factor, as a flag or in NODE_OPTIONS', async () => {
    // Importing it holds this process's growth too: released at once, as the command line does at its ready line.
    const { growthGivenByUser, releaseYoungGeneration } = await import('../src/start-heap.js');
    releaseYoungGeneration();
    assert.equal(growthGivenByUser([], undefined), false);
    assert.equal(growthGivenByUser(['--import', 'tsx', '--max-semi-space-size=4'], '--max-old-space-size=512'), false);
    assert.equal(growthGivenByUser(['--semi-space-growth-factor=3'], undefined), true);
    assert.equal(growthGivenByUser(['--semi_space_growth_factor', '3'], undefined), true);
    assert.equal(growthGivenByUser([], '--enable-source-maps  --semi-space-growth-factor=4'), true);
  });
});
