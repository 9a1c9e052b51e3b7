// Slow and stalled clients are cut by the timeouts, with a 408 in Cint's envelope, over a real socket;
// a slow answer the mock was asked for (a scenario delay) is not a slow client and is not cut.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/server.js';
import { projectsUrl } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a socket, lets `send` write to it, and reports what came back and when (ms after connecting). */
async function exchange(mock: RunningMock, send: (write: (text: string) => void) => Promise<void>) {
  const started = Date.now();
  const socket = connect(mock.port, '127.0.0.1');
  let received = '';
  let firstByteAt: number | null = null;
  socket.setEncoding('utf8').on('data', (chunk: string) => { firstByteAt ??= Date.now() - started; received += chunk; });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  await new Promise((resolve) => socket.once('connect', resolve));
  await send((text) => { if (!socket.destroyed) socket.write(text); });
  const closedAt = await Promise.race([closed, sleep(5000).then(() => null)]);
  socket.destroy();
  return { received, firstByteAt, closedAt };
}

function assertTimedOut(outcome: Awaited<ReturnType<typeof exchange>>, within: number) {
  assert.ok(outcome.closedAt !== null, 'the connection was not closed');
  assert.ok(outcome.firstByteAt !== null && outcome.firstByteAt <= within, `answered after ${outcome.firstByteAt} ms`);
  assert.match(outcome.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(outcome.received, /\r\nConnection: close\r\n/i);
  const body = JSON.parse(outcome.received.slice(outcome.received.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'id', 'object']);
  assert.equal(body.object, 'request_timeout_error');
  assert.equal(body.detail, 'the request was not received in time');
}

describe('timeouts (real socket)', () => {
  let mock: RunningMock;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cint-mock-timeouts-'));
    writeFileSync(join(dir, 'slow-answer.yaml'), [
      'description: list_account_projects answers after 900 ms.',
      'rules:',
      '  - match: { operation: list_account_projects }',
      '    respond: { passthrough: true, delay_ms: 900 }',
      '',
    ].join('\n'));
    mock = await startMock({ headersTimeoutMs: 300, requestTimeoutMs: 600, scenariosDir: dir, watchScenarios: false });
  });
  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const headers = () => Object.entries(mock.headers('slow-client')).map(([name, value]) => `${name}: ${value}\r\n`).join('');

  it('a connection that sends nothing is answered 408 and closed', async () => {
    assertTimedOut(await exchange(mock, async () => undefined), 2000);
  });

  it('headers sent a line at a time are cut at the headers timeout', async () => {
    const outcome = await exchange(mock, async (write) => {
      write(`GET ${projectsUrl()} HTTP/1.1\r\nhost: localhost\r\n`);
      for (let i = 0; i < 30; i += 1) {
        await sleep(50);
        write(`x-slow-${i}: 1\r\n`);
      }
    });
    assertTimedOut(outcome, 1500);
  });

  it('a body that stops coming is cut at the request timeout', async () => {
    const outcome = await exchange(mock, async (write) => {
      write(`POST ${projectsUrl()} HTTP/1.1\r\nhost: localhost\r\n${headers()}content-type: application/json\r\nidempotency-key: slow-1\r\ncontent-length: 200\r\n\r\n{"name":`);
    });
    assertTimedOut(outcome, 2000);
    // Nothing was created from the half body.
    const listed = await fetch(`${mock.url}${projectsUrl()}`, { headers: { ...mock.headers('slow-client'), 'x-mock-scenario': 'happy-path' } });
    assert.deepEqual(((await listed.json()) as { projects: unknown[] }).projects, []);
  });

  it('an answer the mock was asked to delay is not cut: the timeouts are for receiving requests', async () => {
    const response = await fetch(`${mock.url}${projectsUrl()}`, { headers: { ...mock.headers('patient'), 'x-mock-scenario': 'slow-answer' } });
    assert.equal(response.status, 200);
  });
});

describe('timeout configuration', () => {
  it('refuses a headers timeout longer than the request timeout, naming both', async () => {
    await assert.rejects(startMock({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), /headersTimeoutMs: expected at most requestTimeoutMs \(1000\), got 5000/);
  });
});
