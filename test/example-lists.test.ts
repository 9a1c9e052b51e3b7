// Lists answered from the document's examples or the user's reference data (no handler of their own)
// are paged as their query asks: a client following next_cursor, or counting page_number up, gets
// every item once and then an end, as from Cint.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { assertCintError, assertMatchesSpec, clientOf, makeApp, type Client } from './helpers.js';

/** Every page a client following next_cursor gets, until has_more is false (at most 20). */
async function followCursors(app: MockApp, client: Client, path: string): Promise<Record<string, unknown>[]> {
  const pages: Record<string, unknown>[] = [];
  let url: string | null = path;
  while (url !== null && pages.length < 20) {
    const response: LightMyRequestResponse = await app.inject({ url, headers: client.headers() });
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json() as Record<string, unknown>;
    pages.push(page);
    url = page.has_more === true ? `${path}&start_after=${encodeURIComponent(String(page.next_cursor))}` : null;
  }
  return pages;
}

describe('lists answered from the document\'s examples', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(() => app.close());

  it('account_questions_translation: next_cursor leads through every profile once, then has_more is false', async () => {
    const pages = await followCursors(app, client, '/v1/demand/accounts/101/questions-translation?locale=eng_us&page_size=2&allow_custom_quals=true');
    assert.deepEqual(pages.map((page) => (page.profiles as { name: string }[]).map((profile) => profile.name)), [['AGE', 'GENDER'], ['ZIP', 'HISPANIC'], ['STORES 1']]);
    assert.deepEqual(pages.map((page) => page.total), [5, 5, 5]);
    assert.deepEqual(pages.map((page) => page.has_more), [true, true, false]);
    for (const page of pages) assertMatchesSpec('account_questions_translation', 200, page);
  });

  it('account_questions_translation: standard questions unless asked, filtered by question id and by a text search, before paging', async () => {
    const names = async (query: string) => {
      const response = await app.inject({ url: `/v1/demand/accounts/101/questions-translation?locale=eng_us&${query}`, headers: client.headers() });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json() as { profiles: { name: string }[]; total: number };
      return [body.profiles.map((profile) => profile.name), body.total];
    };
    // STORES 1 is the example's one account-specific question (standard: false).
    assert.deepEqual(await names(''), [['AGE', 'GENDER', 'ZIP', 'HISPANIC'], 4]);
    assert.deepEqual(await names('only_custom_quals=true'), [['STORES 1'], 1]);
    assert.deepEqual(await names('id=43,63'), [['GENDER'], 1]);
    assert.deepEqual(await names('id=43,63&allow_custom_quals=true'), [['GENDER', 'STORES 1'], 2]);
    // The search reads questions and answers, in either language, whatever the case.
    assert.deepEqual(await names('query=hispanic'), [['HISPANIC'], 1]);
    assert.deepEqual(await names('query=FEMALE'), [['GENDER'], 1]);
    assert.deepEqual(await names('query=wal-&allow_custom_quals=true'), [['STORES 1'], 1]);
    assert.deepEqual(await names('query=nothing-like-it'), [[], 0]);
    assert.deepEqual(await names('page_size=1&query=a'), [['AGE'], 4]);
    const refused = await app.inject({ url: '/v1/demand/accounts/101/questions-translation?locale=eng_us&id=42,age', headers: client.headers() });
    assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'id', reason: /comma-separated list of question ids/ }] });
  });

  it('list_global_allocation_templates: page_size 1 gives one template a page, and a cursor from nowhere is a 400', async () => {
    const pages = await followCursors(app, client, '/v1/demand/allocation-templates?page_size=1');
    assert.deepEqual(pages.map((page) => (page.templates as { name: string }[]).map((template) => template.name)), [['Global Template A'], ['Global Template B']]);
    assert.equal(pages[1]!.has_more, false);
    for (const page of pages) assertMatchesSpec('list_global_allocation_templates', 200, page);
    const refused = await app.inject({ url: '/v1/demand/allocation-templates?start_after=WzAsIm5vd2hlcmUiXQ', headers: client.headers() });
    assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'start_after', reason: "'start_after' must be a next_cursor value from an earlier page." }] });
  });

  it('get_clients: page_size and page_number pick the page', async () => {
    const page = async (query: string) => (await app.inject({ url: `/v1/accounts/101/clients?${query}`, headers: client.headers() })).json() as { clients: { name: string }[] };
    assert.deepEqual((await page('page_size=1')).clients.map((item) => item.name), ['Acme Inc']);
    assert.deepEqual((await page('page_size=1&page_number=1')).clients.map((item) => item.name), ['Global Research Partners']);
    assert.deepEqual((await page('page_size=1&page_number=2')).clients, []);
    assert.deepEqual((await page('')).clients.map((item) => item.name), ['Acme Inc', 'Global Research Partners']);
  });
});

describe('lists answered from the user\'s reference data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cint-mock-example-lists-'));
  let app: MockApp;
  let client: Client;
  before(async () => {
    const file = join(dir, 'reference.json');
    writeFileSync(file, JSON.stringify({ get_clients: { clients: Array.from({ length: 25 }, (_, index) => ({ id: index + 1, name: `Client ${index + 1}` })) } }));
    app = await makeApp({ referenceData: file });
    client = await clientOf(app);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages the user\'s list: 10 a page unless page_size says otherwise', async () => {
    const ids = async (query: string) => ((await app.inject({ url: `/v1/accounts/101/clients?${query}`, headers: client.headers() })).json() as { clients: { id: number }[] }).clients.map((item) => item.id);
    assert.deepEqual(await ids(''), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(await ids('page_number=2'), [21, 22, 23, 24, 25]);
    assert.deepEqual(await ids('page_size=100'), Array.from({ length: 25 }, (_, index) => index + 1));
  });
});
