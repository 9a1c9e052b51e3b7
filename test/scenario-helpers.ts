// Helpers for the scenario tests: a temporary folder of scenario files, an app that loads it, and a
// client whose session uses a given scenario.
import assert from 'node:assert/strict';
import { once, type EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import type { ConfigInput } from '../src/config.js';
import { clientOf, makeApp } from './helpers.js';

export type ScenarioFiles = Record<string, string | object>;

/** Every folder scenarioFolder made, removed when the test file's process ends (tests that remove their own are fine too). */
const made = new Set<string>();
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder holding the files (objects are written as JSON). */
export async function scenarioFolder(files: ScenarioFiles = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cint-mock-scenarios-'));
  made.add(dir);
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: ScenarioFiles): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

export async function removeFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** An app with the files as its user scenario folder (not watched unless asked). */
export async function appWithScenarios(files: ScenarioFiles, overrides: ConfigInput = {}): Promise<{ app: MockApp; dir: string; close(): Promise<void> }> {
  const dir = await scenarioFolder(files);
  const app = await makeApp({ scenariosDir: dir, watchScenarios: false, ...overrides });
  return { app, dir, close: async () => { await app.close(); await removeFolder(dir); } };
}

/** A client with its own session, set to use `scenario` through the admin API. */
export async function clientUsing(app: MockApp, scenario: string | null) {
  const client = await clientOf(app);
  const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario } });
  assert.equal(chosen.statusCode, 200, chosen.body);
  return client;
}

export function statusesOf(responses: LightMyRequestResponse[]): number[] {
  return responses.map((response) => response.statusCode);
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The next `name` event's arguments, failing after `timeoutMs` (the timer also keeps the test alive while it waits). */
export async function nextEvent(emitter: EventEmitter, name: string, timeoutMs = 5000): Promise<unknown[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await once(emitter, name, { signal: controller.signal });
  } catch {
    return assert.fail(`timed out after ${timeoutMs} ms waiting for the ${name} event`);
  } finally {
    clearTimeout(timer);
  }
}

/** What a client saw of one request: the response and its body, or the error its connection ended with. */
export interface Outcome { response?: IncomingMessage; body?: string; error?: NodeJS.ErrnoException }

export interface RawRequest { method?: string; path: string; headers: Record<string, string>; body?: unknown; timeoutMs?: number }

/**
 * One request on a connection of its own (no agent), for faults that break the connection itself:
 * resolves with the response and body, or the socket error (CLIENT_TIMEOUT when timeoutMs passes first);
 * `sent` resolves once the request is written.
 */
export function sendOnce(url: string, { method = 'GET', path, headers, body, timeoutMs }: RawRequest): Promise<Outcome> & { sent: Promise<void> } {
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => { markSent = resolve; });
  const outcome = new Promise<Outcome>((resolve) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const request = httpRequest(`${url}${path}`, {
      method,
      agent: false,
      headers: { ...headers, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
    }, (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { received += chunk; });
      response.on('end', () => resolve({ response, body: received }));
      response.on('error', (error) => resolve({ response, body: received, error }));
    });
    request.on('error', (error) => resolve({ error }));
    request.on('timeout', () => request.destroy(Object.assign(new Error('the client gave up'), { code: 'CLIENT_TIMEOUT' })));
    request.on('finish', markSent);
    request.end(text);
  });
  return Object.assign(outcome, { sent });
}
