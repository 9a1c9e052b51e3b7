// The journal page at /__admin/ and the admin API's Swagger UI at /__admin/docs/, over a real socket:
// what they serve (and the envelope for what they do not), the admin token, and the page itself in
// headless Chromium (Debian's `chromium`; skipped with a message where it is not installed, required
// where REQUIRE_BROWSER_TESTS=1, as in CI).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startMock, type RunningMock } from '../src/index.js';
import { API_VERSION, MANAGER_ID, projectsUrl } from './helpers.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((candidate): candidate is string => Boolean(candidate) && existsSync(candidate!));
const NO_BROWSER = 'no Chromium here: install Debian\'s (apt-get install chromium) or set CHROMIUM_PATH to run the page in a browser';
if (!CHROMIUM && process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`REQUIRE_BROWSER_TESTS=1 but ${NO_BROWSER}`);
const browserSkip = CHROMIUM ? false : NO_BROWSER;
/** How long the browser may take to show something; a failure waits this long, a pass much less. */
const SHOWN_WITHIN_MS = 15_000;

const MISSING = '01K40T69E63BHTT9MAJYRBQ8HY';

/** One Chromium for the file's browser tests, started by the first; each test opens its own context. */
let launched: Promise<Browser> | undefined;
// --no-sandbox: CI and these machines run as root, where Chromium's sandbox will not start.
const browserOf = () => (launched ??= chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] }));
after(async () => { if (launched) await (await launched).close(); });

async function get(mock: RunningMock, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${mock.url}${path}`, { headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function assertEnvelope(answer: { status: number; headers: Headers; text: string }, status: number, object: string, detail?: RegExp) {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'id', 'object']);
  assert.equal(body.object, object);
  assert.match(String(body.id), /^[0-9a-f-]{36}$/);
  if (detail) assert.match(String(body.detail), detail);
}

/** A client's requests over the socket: a project made, read, a 404 and a scripted 503. */
async function traffic(mock: RunningMock, clientId: string, projectName = 'Page study') {
  const headers = { ...mock.headers(clientId), 'content-type': 'application/json' };
  const url = `${mock.url}${projectsUrl()}`;
  const created = await fetch(url, {
    method: 'POST', headers: { ...headers, 'idempotency-key': `${clientId}-1` }, body: JSON.stringify({ name: projectName, project_manager_id: MANAGER_ID }),
  });
  assert.equal(created.status, 202, await created.clone().text());
  const { id } = await created.json() as { id: string };
  assert.equal((await fetch(`${url}/${id}`, { headers })).status, 200);
  const missing = await fetch(`${url}/${MISSING}`, { headers });
  assert.equal(missing.status, 404);
  const scripted = await fetch(url, { headers: { ...headers, prefer: 'code=503' } });
  assert.equal(scripted.status, 503);
  return { id, missing: await missing.text(), scripted: await scripted.text() };
}

describe('admin page and viewer: what they serve', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock({ watchScenarios: false }); });
  after(() => mock.close());

  it('serves the page at /__admin/, its script and style, and sends /__admin to /__admin/ so relative links resolve', async () => {
    const page = await get(mock, '/__admin/');
    assert.equal(page.status, 200, page.text);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(page.text, /<script src="page\/journal\.js" defer><\/script>/);

    const bare = await get(mock, '/__admin?x=1');
    assert.equal(bare.status, 302);
    assert.equal(new URL(bare.headers.get('location')!, `${mock.url}/__admin?x=1`).href, `${mock.url}/__admin/?x=1`);

    const script = await get(mock, '/__admin/page/journal.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(script.text, /sessions\/\$\{encodeURIComponent\(session\)\}/);
    const style = await get(mock, '/__admin/page/journal.css');
    assert.equal(style.status, 200);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
  });

  it('answers a file it does not have, under the page or the viewer, with Cint\'s 404 envelope', async () => {
    for (const path of ['/__admin/page/nope.js', '/__admin/page/', '/__admin/page/../index.html', '/__admin/docs/static/nope.js', '/__admin/docs/nope.css', '/__admin/docs/static/%2e%2e/%2e%2e/package.json']) {
      assertEnvelope(await get(mock, path), 404, 'not_found_error', /no route matches GET/);
    }
  });

  it('serves Swagger UI at /__admin/docs/ with the admin API\'s document as JSON and YAML', async () => {
    const page = await get(mock, '/__admin/docs/');
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /<title>cint-mock admin API<\/title>/);
    assert.match(page.text, /swagger-ui-bundle\.js/);
    const bundle = await get(mock, '/__admin/docs/static/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);

    const json = await get(mock, '/__admin/docs/json');
    assert.equal(json.status, 200, json.text);
    const document = JSON.parse(json.text) as { openapi: string; paths: Record<string, unknown> };
    assert.deepEqual(document, JSON.parse((await get(mock, '/__admin/openapi.json')).text));
    assert.ok('/__admin/sessions/{id}/journal' in document.paths);
    assert.deepEqual(Object.keys(document.paths).filter((path) => path.startsWith('/__admin/docs') || path === '/__admin/' || path.startsWith('/__admin/page')), []);
    const yaml = await get(mock, '/__admin/docs/yaml');
    assert.equal(yaml.status, 200);
    assert.match(yaml.text, /^openapi: 3\.0\.3$/m);
  });
});

describe('admin page and viewer: the admin token and turning the API off', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock({ watchScenarios: false, adminToken: 'page-secret' }); });
  after(() => mock.close());

  it('the page, its files and the viewer\'s page need no token; the document and the data do', async () => {
    for (const path of ['/__admin/', '/__admin/page/journal.js', '/__admin/docs/', '/__admin/docs/static/swagger-ui.css', '/__admin/docs/static/swagger-initializer.js']) {
      assert.equal((await get(mock, path)).status, 200, path);
    }
    for (const path of ['/__admin/docs/json', '/__admin/docs/yaml', '/__admin/openapi.json', '/__admin/sessions']) {
      assertEnvelope(await get(mock, path), 401, 'authorization_error', /admin token/);
      assert.equal((await get(mock, path, { authorization: 'Bearer page-secret' })).status, 200, path);
    }
    // The viewer sends the token the page keeps for the tab.
    const initializer = await get(mock, '/__admin/docs/static/swagger-initializer.js');
    assert.match(initializer.text, /sessionStorage\.getItem\("cint-mock-admin-token"\)/);
  });

  it('adminEnabled: false removes the page and the viewer (404 in the envelope)', async () => {
    const closed = await startMock({ watchScenarios: false, adminEnabled: false });
    try {
      for (const path of ['/__admin/', '/__admin/page/journal.js', '/__admin/docs/', '/__admin/docs/json', '/__admin/docs/static/swagger-ui.css']) {
        assertEnvelope(await get(closed, path), 404, 'not_found_error');
      }
    } finally {
      await closed.close();
    }
  });
});

describe('admin page in headless Chromium', { skip: browserSkip }, () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock({ watchScenarios: false }); });
  after(() => mock.close());

  /** A new tab (its own sessionStorage) that fails the test on any script error the page raises. */
  async function open(path: string, on = mock): Promise<{ page: Page; problems: string[] }> {
    const context = await (await browserOf()).newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(SHOWN_WITHIN_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); void dialog.dismiss(); });
    await page.goto(`${on.url}${path}`);
    return { page, problems };
  }

  const rowsOf = (page: Page) => page.locator('#journal details.entry');

  it('loads: the sessions table, and a note while there is no session', async () => {
    const fresh = await startMock({ watchScenarios: false });
    try {
      const { page, problems } = await open('/__admin', fresh);
      await page.waitForSelector('body[data-loaded="true"]');
      assert.equal(new URL(page.url()).pathname, '/__admin/');
      assert.equal(await page.title(), 'cint-mock: sessions and journal');
      assert.equal(await page.locator('#sessions').isVisible(), true);
      assert.equal(await page.locator('#no-sessions').isVisible(), true);
      assert.equal(await page.locator('#session-panel').isVisible(), false);
      assert.deepEqual(problems, []);
      await page.context().close();
    } finally {
      await fresh.close();
    }
  });

  it('lists a session after traffic, with its scenario and clock, and shows its requests newest first with both bodies and the rule', async () => {
    const { page, problems } = await open('/__admin/');
    await page.waitForSelector('body[data-loaded="true"]');
    const sent = await traffic(mock, 'browser-a', 'Browser study');
    mock.useScenario('browser-a', 'happy-path');
    await page.click('#refresh');
    const row = page.locator('#sessions tbody tr[data-session="browser-a"]');
    await row.waitFor();
    assert.equal(await row.locator('td.scenario').textContent(), 'happy-path');
    assert.match(String(await row.locator('td.clock').textContent()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

    await row.locator('a').click();
    await rowsOf(page).first().waitFor();
    assert.equal(new URL(page.url()).hash, '#session=browser-a&client_id=browser-a');
    assert.equal(await page.locator('#session-title').textContent(), 'Session browser-a');
    assert.equal(await page.locator('dd[data-fact="scenario"]').textContent(), 'happy-path');
    assert.deepEqual(await rowsOf(page).evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-operation')} ${node.getAttribute('data-status')}`)), [
      'list_account_projects 503', 'get_project_by_id 404', 'get_project_by_id 200', 'create_project 202',
    ]);

    // The scripted 503: which rule answered, and the envelope the client got.
    const scripted = rowsOf(page).nth(0);
    assert.equal(await scripted.locator('.rule').textContent(), 'Prefer: code=503');
    await scripted.locator('summary').click();
    assert.deepEqual(JSON.parse(String(await scripted.locator('.response-body pre.body').textContent())), JSON.parse(sent.scripted));
    assert.equal(await scripted.locator('.request-body pre').textContent(), '(no body)');

    // The create: the request body as sent, the response as answered.
    const create = rowsOf(page).nth(3);
    await create.locator('summary').click();
    assert.deepEqual(JSON.parse(String(await create.locator('.request-body pre').textContent())), { name: 'Browser study', project_manager_id: MANAGER_ID });
    assert.deepEqual(JSON.parse(String(await create.locator('.response-body pre.body').textContent())), { id: sent.id });
    assert.equal(await create.locator('.rule').textContent(), 'realistic');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('shows an answer made and then lost: its status, the fault that lost it, and the body the client never got', async () => {
    mock.useScenario('browser-lost', {
      description: 'the first create_project is made, then its answer lost',
      rules: [{ match: { operation: 'create_project' }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } }],
    });
    const headers = { ...mock.headers('browser-lost'), 'content-type': 'application/json', 'idempotency-key': 'browser-lost-1' };
    const body = JSON.stringify({ name: 'Lost study', project_manager_id: MANAGER_ID });
    await assert.rejects(fetch(`${mock.url}${projectsUrl()}`, { method: 'POST', headers, body }), 'the answer never arrives');
    const retried = await fetch(`${mock.url}${projectsUrl()}`, { method: 'POST', headers, body });
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    const { id } = await retried.json() as { id: string };

    const { page, problems } = await open('/__admin/#session=browser-lost&client_id=browser-lost');
    await rowsOf(page).nth(1).waitFor();
    const lost = rowsOf(page).nth(1);
    assert.equal(await lost.getAttribute('data-status'), '202');
    assert.equal(await lost.locator('.tag.lost').textContent(), 'lost: connection_reset');
    assert.equal(await rowsOf(page).nth(0).locator('.tag.lost').count(), 0, 'the replay arrived');
    await lost.locator('summary').click();
    const shown = String(await lost.locator('.response-body pre.body').textContent());
    assert.match(shown, /^\(made, then lost to connection_reset: the client never got it\)\n/);
    assert.deepEqual(JSON.parse(shown.slice(shown.indexOf('\n') + 1)), { id });
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('the fault filter: every answer a scenario fault met, a broken connection, an answer lost and a body cut off', async () => {
    mock.useScenario('browser-faults', {
      description: 'one of each kind of fault, then the realistic behaviour',
      rules: [
        { match: { operation: 'create_project' }, respond: { passthrough: true, fault: 'connection_reset', times: 1 } },
        // A sequence: the cut-off body, then the realistic answer (each entry names its step).
        { match: { operation: 'get_project_by_id' }, respond: [{ fault: 'malformed_body', times: 1 }, { passthrough: true }] },
        { match: { operation: 'list_account_projects' }, respond: { fault: 'empty_response', times: 1 } },
      ],
    });
    const headers = { ...mock.headers('browser-faults'), 'content-type': 'application/json', 'idempotency-key': 'browser-faults-1' };
    const body = JSON.stringify({ name: 'Faulted study', project_manager_id: MANAGER_ID });
    await assert.rejects(fetch(`${mock.url}${projectsUrl()}`, { method: 'POST', headers, body }), 'the answer is lost');
    const { id } = await (await fetch(`${mock.url}${projectsUrl()}`, { method: 'POST', headers, body })).json() as { id: string };
    const cut = await fetch(`${mock.url}${projectsUrl()}/${id}`, { headers: mock.headers('browser-faults') });
    assert.equal(cut.status, 200);
    const cutText = await cut.text();
    assert.throws(() => JSON.parse(cutText), SyntaxError, 'the body is cut off');
    assert.equal((await fetch(`${mock.url}${projectsUrl()}/${id}`, { headers: mock.headers('browser-faults') })).status, 200);
    await assert.rejects(fetch(`${mock.url}${projectsUrl()}`, { headers: mock.headers('browser-faults') }), 'no answer at all');
    assert.equal((await fetch(`${mock.url}${projectsUrl()}`, { headers: mock.headers('browser-faults') })).status, 200);

    const { page, problems } = await open('/__admin/#session=browser-faults&client_id=browser-faults');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 6);
    assert.equal(await page.locator('#filter-status option[value="fault"]').textContent(), 'fault · 3 over its life');
    await page.selectOption('#filter-status', 'fault');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 3);
    assert.match(new URL(page.url()).hash, /status=fault/);
    assert.deepEqual(await rowsOf(page).evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-operation')} ${node.getAttribute('data-status')}`)), [
      'list_account_projects 0', 'get_project_by_id 200', 'create_project 202',
    ]);
    const [reset, malformed, lost] = [rowsOf(page).nth(0), rowsOf(page).nth(1), rowsOf(page).nth(2)];
    assert.equal(await reset.locator('.status').textContent(), 'empty_response');
    assert.equal(await malformed.locator('.tag.lost').textContent(), 'malformed_body');
    assert.equal(await lost.locator('.tag.lost').textContent(), 'lost: connection_reset');
    assert.match(String(await malformed.locator('.rule').textContent()), /^inline:\S+ · rules\[1\] · step 0malformed_body$/);
    await malformed.locator('summary').click();
    assert.equal(await malformed.locator('.response-body pre.body').textContent(), `(JSON cut off mid-string by the malformed_body fault; as the client read it:)\n${cutText}`);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('the address\'s status (0 or a value the API refuses), method and fault filters, shown in their dropdowns with counts over the session\'s life', async () => {
    mock.useScenario('browser-filters', {
      description: 'one list_account_projects with no answer, then the realistic behaviour',
      rules: [{ match: { operation: 'list_account_projects' }, respond: { fault: 'empty_response', times: 1 } }],
    });
    await assert.rejects(fetch(`${mock.url}${projectsUrl()}`, { headers: mock.headers('browser-filters') }), 'no answer at all');
    await traffic(mock, 'browser-filters');
    const hash = '#session=browser-filters&client_id=browser-filters';
    const kinds = (page: Page) => rowsOf(page).evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-operation')} ${node.getAttribute('data-status')}`));

    // status=0: the requests that got no answer, an option of its own.
    const { page, problems } = await open(`/__admin/${hash}&status=0`);
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 1);
    assert.deepEqual(await kinds(page), ['list_account_projects 0']);
    assert.equal(await page.locator('#filter-status').inputValue(), '0');
    assert.equal(await page.locator('#filter-status option:checked').textContent(), 'no answer (0) · 1 over its life');
    assert.deepEqual(await page.locator('#filter-status option').evaluateAll((nodes) => nodes.map((node) => node.textContent)), [
      'any', '2xx · 2 over its life', '3xx · 0 over its life', '4xx · 1 over its life', '5xx · 1 over its life', 'fault · 1 over its life',
      'no answer (0) · 1 over its life', '200 · 1 over its life', '202 · 1 over its life', '404 · 1 over its life', '503 · 1 over its life',
    ]);

    // A method in the address, and chosen in its dropdown.
    await page.evaluate((next) => { location.hash = next; }, `${hash}&method=POST`);
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 1 && document.querySelector('#journal details.entry')?.getAttribute('data-operation') === 'create_project');
    assert.equal(await page.locator('#filter-method').inputValue(), 'POST');
    await page.selectOption('#filter-method', 'GET');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.equal(new URL(page.url()).hash, `${hash}&method=GET`);
    assert.deepEqual(await kinds(page), ['list_account_projects 503', 'get_project_by_id 404', 'get_project_by_id 200', 'list_account_projects 0']);

    // A fault in the address.
    await page.evaluate((next) => { location.hash = next; }, `${hash}&fault=empty_response`);
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 1);
    assert.equal(await page.locator('#filter-fault').inputValue(), 'empty_response');
    assert.equal(await page.locator('#filter-fault option:checked').textContent(), 'empty_response · 1 over its life');
    assert.deepEqual(await kinds(page), ['list_account_projects 0']);
    assert.deepEqual(problems, []);
    await page.context().close();

    // Values the API refuses: its reason, not every entry as if no filter were set.
    for (const [query, reason] of [
      ['status=abc', "'status' must be of type integer."], ['status=6xx', "'status' must be of type integer."], ['status=999', "'status' must be <= 599."],
      ['method=FETCH', "'method' names no HTTP method: \"FETCH\"; give one such as GET, POST, PUT or DELETE"],
    ] as const) {
      const { page: refused } = await open(`/__admin/${hash}&${query}`);
      await refused.locator('#message[data-kind="error"]').waitFor();
      const detail = query.startsWith('method') ? 'unknown method "FETCH"' : 'request had validation errors';
      assert.equal(await refused.locator('#message').textContent(), `Could not read the admin API: 400 bad_request_error: ${detail} (${reason})`, query);
      assert.equal(await rowsOf(refused).count(), 0, query);
      const [name, value] = query.split('=') as [string, string];
      assert.equal(await refused.locator(`#filter-${name} option:checked`).textContent(), `${value} (refused)`, query);
      await refused.context().close();
    }
  });

  it('filters by operation and by status, exactly or by class, and keeps the filter in the address', async () => {
    await traffic(mock, 'browser-b');
    await traffic(mock, 'browser-b');
    const { page, problems } = await open('/__admin/#session=browser-b&client_id=browser-b');
    await rowsOf(page).first().waitFor();
    assert.equal(await rowsOf(page).count(), 8);
    const statuses = () => rowsOf(page).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')));
    const operations = () => rowsOf(page).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-operation')));

    await page.selectOption('#filter-status', '404');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 2);
    assert.deepEqual(await statuses(), ['404', '404']);
    assert.match(new URL(page.url()).hash, /status=404/);

    await page.selectOption('#filter-status', '5xx');
    await page.waitForFunction(() => [...document.querySelectorAll('#journal details.entry')].every((node) => node.getAttribute('data-status') === '503'));
    assert.deepEqual(await statuses(), ['503', '503']);

    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-operation', 'get_project_by_id');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.deepEqual(await operations(), ['get_project_by_id', 'get_project_by_id', 'get_project_by_id', 'get_project_by_id']);
    assert.deepEqual(await statuses(), ['404', '200', '404', '200']);

    await page.selectOption('#filter-status', '200');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 2);
    assert.deepEqual(await statuses(), ['200', '200']);
    assert.equal(await page.locator('#shown').textContent(), '2 shown, newest first');

    // A link with the filters opens on them.
    const { page: linked } = await open(`/__admin/${new URL(page.url()).hash}`);
    await linked.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 2);
    assert.equal(await linked.locator('#filter-operation').inputValue(), 'get_project_by_id');
    assert.equal(await linked.locator('#filter-status').inputValue(), '200');
    await linked.context().close();

    // A path no route has is journaled with no operation: '(none)' in the operation filter picks it out.
    const typo = await get(mock, '/v1/demand/accounts/101/projectz', mock.headers('browser-b'));
    assert.equal(typo.status, 404);
    await page.selectOption('#filter-status', '');
    await page.click('#refresh');
    await page.waitForFunction(() => [...document.querySelectorAll('#filter-operation option')].some((option) => option.getAttribute('value') === '(none)'));
    await page.selectOption('#filter-operation', '(none)');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 1);
    assert.deepEqual(await operations(), ['(none)']);
    assert.deepEqual(await statuses(), ['404']);
    assert.match(await rowsOf(page).first().textContent() ?? '', /\/v1\/demand\/accounts\/101\/projectz/);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('live: new requests appear without a click; a session no longer in memory is said to be gone', async () => {
    await traffic(mock, 'browser-live');
    const { page, problems } = await open('/__admin/#session=browser-live&client_id=browser-live');
    await rowsOf(page).first().waitFor();
    assert.equal(await rowsOf(page).count(), 4);
    await page.check('#live');
    await traffic(mock, 'browser-live');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 8);

    mock.reset('browser-live');
    await page.waitForFunction(() => document.querySelector('#session-panel')?.hasAttribute('hidden'));
    assert.match(String(await page.locator('#message').textContent()), /^Session browser-live is not in memory/);
    assert.equal(await page.locator('#sessions tbody tr[data-session="browser-live"]').count(), 0);
    // The browser logs the 404 the page read the gone session's summary with; nothing else.
    assert.deepEqual(problems.filter((problem) => !/status of 404/.test(problem)), []);
    await page.context().close();
  });

  it('after a refused read, shows the address\'s session with no entries, the API\'s reasons, and the matching row selected', async () => {
    await traffic(mock, 'browser-alice');
    await traffic(mock, 'browser-bob');
    await get(mock, '/v1/demand/accounts/101/projects?page_size=5', mock.headers('browser-bob'));
    const { page, problems } = await open('/__admin/#session=browser-alice&client_id=browser-alice');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    await page.evaluate(() => { location.hash = '#session=browser-bob&client_id=browser-bob&status=999'; });
    await page.locator('#message[data-kind="error"]').waitFor();
    assert.equal(await page.locator('#message').textContent(),
      'Could not read the admin API: 400 bad_request_error: request had validation errors (\'status\' must be <= 599.)');
    assert.equal(await page.locator('#session-title').textContent(), 'Session browser-bob');
    assert.equal(await rowsOf(page).count(), 0, 'none of alice\'s entries under bob\'s name');
    assert.equal(await page.locator('#session-facts dd').count(), 0);
    assert.equal(await page.locator('#journal').textContent(), 'Nothing shown: the admin API did not answer this read (the message above says why).');
    assert.deepEqual(await page.locator('#sessions tr.selected').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session'))), ['browser-bob']);
    // The filters stay, naming the refused value, so it can be changed.
    assert.equal(await page.locator('#filter-status').isVisible(), true);
    assert.equal(await page.locator('#filter-status').inputValue(), '999');
    assert.equal(await page.locator('#filter-status option:checked').textContent(), '999 (refused)');
    await page.selectOption('#filter-status', '');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 5);
    assert.equal(await page.locator('#message').textContent(), '');
    assert.equal(await page.locator('#session-title').textContent(), 'Session browser-bob');
    assert.equal(await rowsOf(page).first().getAttribute('data-operation'), 'list_account_projects');

    // The same from a first load: the panel and its filters are there, with the API's reason for the operation.
    const { page: typo } = await open('/__admin/#session=browser-bob&client_id=browser-bob&operation=create_projct');
    await typo.locator('#message[data-kind="error"]').waitFor();
    assert.equal(await typo.locator('#message').textContent(), 'Could not read the admin API: 400 bad_request_error: unknown operation "create_projct" '
      + '(\'operation\' names no operation: "create_projct" (did you mean "create_project"?); give a Cint operation id (docs/operations.md lists them), or (none) for the requests no route took)');
    assert.equal(await typo.locator('#session-title').textContent(), 'Session browser-bob');
    assert.equal(await typo.locator('#filter-operation option:checked').textContent(), 'create_projct (refused)');
    assert.ok(await typo.locator('#filter-operation option[value="create_project"]').count() === 1, 'the dropdown offers the operations the session made');
    await typo.context().close();
    assert.deepEqual(problems.filter((problem) => !/status of 400/.test(problem)), []);
    await page.context().close();
  });

  it('fits a phone and a laptop: no sideways scrolling, the path gets room first, and an opened entry shows the whole path and query', async () => {
    const { id } = await traffic(mock, 'browser-narrow');
    const long = `${projectsUrl()}/${id}/target-groups/${MISSING}/fielding-runs?page_size=5&starting_after=${MISSING}&name=a-rather-long-name-to-find`;
    await get(mock, long, mock.headers('browser-narrow'));
    const { page, problems } = await open('/__admin/#session=browser-narrow&client_id=browser-narrow');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 5);
    const newest = rowsOf(page).first();
    const missing = rowsOf(page).nth(2);
    assert.equal(await missing.getAttribute('data-status'), '404');
    const box = (selector: string, entry = newest) => entry.locator(selector).evaluate((node) => {
      const rect = node.getBoundingClientRect();
      return { left: rect.left, right: rect.right, width: rect.width, cut: node.scrollWidth > node.clientWidth, text: node.textContent };
    });
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const overflow = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
      assert.ok(overflow.document <= overflow.viewport, `${width} px: the document is ${overflow.document} px wide in ${overflow.viewport}`);
      const path = await box('summary .path');
      assert.ok(path.width > 0 && path.left >= 0 && path.right <= width, `${width} px: the path's box ${JSON.stringify(path)}`);
      // The 404's path (59 characters) is whole on its line at either width; the long one wraps, whole, on a phone.
      const short = await box('summary .path', missing);
      assert.equal(short.text, `${projectsUrl()}/${MISSING}`);
      assert.equal(short.cut, false, `${width} px: ${short.text} is cut`);
      if (width === 375) assert.equal(path.cut, false, 'the long path wraps, whole, on its own line');

      await newest.locator('summary').click();
      const full = await box('.request-line');
      assert.equal(full.text, `GET${long}`);
      assert.equal(await newest.locator('.request-line .full-path').textContent(), long);
      assert.ok(full.width > 0 && full.right <= width && !full.cut, `${width} px: the whole path in the details ${JSON.stringify(full)}`);
      const opened = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
      assert.ok(opened, `${width} px: no sideways scrolling with the entry open`);
      await newest.locator('summary').click();
    }
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('live keeps the focus and a text selection: unchanged reads change nothing, new entries leave the old ones in place, Enter on a session keeps focus on it', async () => {
    await traffic(mock, 'browser-focus');
    await traffic(mock, 'browser-focus-2');
    const { page, problems } = await open('/__admin/#session=browser-focus&client_id=browser-focus');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    const refreshes = async () => Number(await page.locator('body').getAttribute('data-refreshes'));
    const afterRefreshes = async (count: number) => {
      const from = await refreshes();
      await page.waitForFunction(([before, more]) => Number(document.body.dataset.refreshes) >= before + more, [from, count] as const);
    };

    // Enter on a session's link shows it, and the focus stays on the link.
    await page.locator('#sessions a[data-session="browser-focus-2"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#session-title')?.textContent === 'Session browser-focus-2');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.equal(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.getAttribute('data-session')}`), 'A browser-focus-2');
    await page.locator('#sessions a[data-session="browser-focus"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#session-title')?.textContent === 'Session browser-focus');
    assert.equal(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.getAttribute('data-session')}`), 'A browser-focus');

    // Live, with nothing new: the list is not touched.
    await page.check('#live');
    await page.evaluate(() => {
      const changes = { count: 0 };
      (window as unknown as { changes: typeof changes }).changes = changes;
      new MutationObserver((records) => { changes.count += records.length; }).observe(document.querySelector('#journal')!, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await afterRefreshes(2);
    assert.equal(await page.evaluate(() => (window as unknown as { changes: { count: number } }).changes.count), 0, 'two live reads of the same entries changed nothing');

    // A focused entry keeps the focus while new ones arrive above it.
    const second = rowsOf(page).nth(1);
    const id = await second.getAttribute('data-request-id');
    await second.locator('summary').focus();
    await traffic(mock, 'browser-focus');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 8);
    assert.equal(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.parentElement?.getAttribute('data-request-id')}`), `SUMMARY ${id}`);

    // Text selected in an entry: live waits while it is there, and shows the new entries once it is cleared.
    const path = rowsOf(page).nth(1).locator('summary .path');
    const selected = await path.evaluate((node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
      return document.getSelection()!.toString();
    });
    assert.equal(selected, `${projectsUrl()}/${MISSING}`);
    await traffic(mock, 'browser-focus');
    await afterRefreshes(2);
    assert.equal(await page.evaluate(() => document.getSelection()!.toString()), selected, 'the selection is still there');
    assert.equal(await rowsOf(page).count(), 8, 'the new entries wait');
    await page.evaluate(() => document.getSelection()!.removeAllRanges());
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 12);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('session links are real links to their address, and each request has a link that opens it', async () => {
    await traffic(mock, 'browser-links');
    const { page, problems } = await open('/__admin/');
    const link = page.locator('#sessions a[data-session="browser-links"]');
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), '#session=browser-links&client_id=browser-links');
    await link.click();
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.equal(new URL(page.url()).hash, '#session=browser-links&client_id=browser-links');

    const missing = rowsOf(page).nth(1);
    const id = String(await missing.getAttribute('data-request-id'));
    await missing.locator('summary').click();
    const permalink = missing.locator('a.permalink');
    assert.equal(await permalink.textContent(), 'link to this request');
    assert.equal(await permalink.getAttribute('href'), `#session=browser-links&client_id=browser-links&entry=${encodeURIComponent(id)}`);

    const { page: linked } = await open(`/__admin/${await permalink.getAttribute('href')}`);
    await linked.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.deepEqual(await linked.locator('#journal details[open]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-request-id'))), [id]);
    assert.equal(await linked.locator('#journal details[open] .request-line').textContent(), `GET${projectsUrl()}/${MISSING}`);
    // The headers the journal keeps, under the request line, Authorization's value redacted.
    assert.equal(await linked.locator('#journal details[open] .request-headers').textContent(),
      `authorization: [redacted]\ncint-api-version: ${API_VERSION}\ncontent-type: application/json`);
    // The answer's headers, above its body: the envelope's type and the trace header the mock made.
    assert.match(String(await linked.locator('#journal details[open] .response-body .response-headers').textContent()),
      /^content-type: application\/json; charset=utf-8\ntraceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(await linked.locator('#message').textContent(), '');
    await linked.context().close();

    // A link to a request the list does not hold (dropped by the journal's bounds, filtered out) says so.
    const { page: gone } = await open('/__admin/#session=browser-links&client_id=browser-links&entry=no-such-request');
    await gone.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    assert.equal(await gone.locator('#journal details[open]').count(), 0);
    assert.equal(await gone.locator('#message').getAttribute('data-kind'), 'warning');
    assert.match(String(await gone.locator('#message').textContent()), /^Request no-such-request is not in the list: the journal may have dropped it/);
    await gone.context().close();
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('reads and draws the newest 500 only, says so, and says when the journal\'s bounds dropped older matching requests', async () => {
    const bounded = await startMock({ watchScenarios: false, journalSize: 510, journalBytes: 16 * 1024 * 1024 });
    try {
      const headers = bounded.headers('browser-many');
      for (let i = 0; i < 20; i += 1) assert.equal((await fetch(`${bounded.url}${projectsUrl()}/${MISSING}`, { headers })).status, 404);
      for (let i = 0; i < 500; i += 1) assert.equal((await fetch(`${bounded.url}${projectsUrl()}`, { headers })).status, 200);
      // 520 requests: the journal keeps the newest 510, so 10 of the 404s are gone.
      const { page, problems } = await open('/__admin/#session=browser-many&client_id=browser-many', bounded);
      const asked: string[] = [];
      page.on('request', (request) => { if (request.url().includes('/journal')) asked.push(new URL(request.url()).search); });
      await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 500);
      assert.equal(await page.locator('#shown').textContent(), '500 shown, newest first');
      assert.equal(await page.locator('#bounds').textContent(), 'Showing the newest 500 of 520 matching requests (counted over its life; the journal keeps only the newest, up to its bounds). '
        + 'Narrow with the filters to see older ones.');
      assert.equal(await page.locator('#filter-status option[value="404"]').textContent(), '404 · 20 over its life');

      for (const status of ['404', '4xx']) {
        await page.selectOption('#filter-status', status);
        await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 10);
        assert.equal(await page.locator('#shown').textContent(), '10 shown, newest first', status);
        assert.equal(await page.locator('#bounds').textContent(),
          '10 older matching requests were dropped by the journal\'s bounds (journalSize, journalBytes); the counts still count them.', status);
      }
      await page.selectOption('#filter-status', '200');
      await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 500);
      assert.equal(await page.locator('#bounds').textContent(), '');
      assert.ok(asked.length > 0 && asked.every((search) => new URLSearchParams(search).get('limit') === '501'), asked.join(' '));
      assert.deepEqual(problems, []);
      await page.context().close();
    } finally {
      await bounded.close();
    }
  });

  it('shows what a client sent as text: markup in a body never runs', async () => {
    await traffic(mock, 'browser-c', '<img src=x onerror="alert(1)"><script>alert(2)</script>');
    const { page, problems } = await open('/__admin/#session=browser-c&client_id=browser-c&operation=create_project');
    const create = rowsOf(page).first();
    await create.locator('summary').click();
    assert.match(String(await create.locator('.request-body pre').textContent()), /<img src=x onerror=\\"alert\(1\)\\"><script>alert\(2\)<\/script>/);
    assert.equal(await page.locator('#journal img, #journal script').count(), 0);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});

describe('admin page and viewer in headless Chromium, with an admin token', { skip: browserSkip }, () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock({ watchScenarios: false, adminToken: 'browser-secret' }); });
  after(() => mock.close());

  it('the page asks for the token, then lists sessions; Swagger UI in the same tab reads the document with it', async () => {
    await traffic(mock, 'token-client');
    const context = await (await browserOf()).newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(SHOWN_WITHIN_MS);
    await page.goto(`${mock.url}/__admin/`);
    await page.locator('#token-form').waitFor();
    assert.match(String(await page.locator('#message').textContent()), /admin token/);
    assert.equal(await page.locator('#sessions tbody tr').count(), 0);

    const refreshes = Number(await page.locator('body').getAttribute('data-refreshes'));
    await page.fill('#token', 'wrong');
    await page.click('#token-form button');
    await page.waitForFunction((before) => Number(document.body.dataset.refreshes) > before, refreshes);
    // A wrong token is said to be refused, not taken for none, and is not kept for the next read.
    assert.match(String(await page.locator('#message').textContent()), /^The token given was refused \(.+\)\. Type the admin token/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cint-mock-admin-token')), null);
    assert.equal(await page.locator('#sessions tbody tr').count(), 0);
    await page.fill('#token', 'browser-secret');
    await page.click('#token-form button');
    await page.locator('#sessions tbody tr[data-session="token-client"]').waitFor();

    await page.click('nav a');
    await page.locator('.opblock-summary-path[data-path="/__admin/sessions/{id}/journal"]').waitFor();
    // Try it out (on from the start) goes through the same token.
    const block = page.locator('#operations-sessions-get___admin_sessions');
    await block.locator('.opblock-summary').click();
    await block.locator('button.execute').click();
    await block.locator('.live-responses-table tbody td.response-col_status').first().waitFor();
    assert.equal((await block.locator('.live-responses-table tbody td.response-col_status').first().textContent())?.trim(), '200');
    await context.close();
  });

  it('a session the token may not read (403): its name over an empty panel, not the last session\'s entries', async () => {
    await traffic(mock, 'own-client');
    await traffic(mock, 'other-client');
    const context = await (await browserOf()).newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(SHOWN_WITHIN_MS);
    await page.goto(`${mock.url}/__admin/#session=own-client&client_id=own-client`);
    await page.locator('#token-form').waitFor();
    // A client's own Cint token reads its own sessions only.
    await page.fill('#token', mock.headers('own-client').authorization!.replace(/^Bearer /, ''));
    await page.click('#token-form button');
    await page.waitForFunction(() => document.querySelectorAll('#journal details.entry').length === 4);
    await page.evaluate(() => { location.hash = '#session=other-client&client_id=other-client'; });
    await page.locator('#message[data-kind="error"]').waitFor();
    assert.match(String(await page.locator('#message').textContent()), /^Could not read the admin API: 403 authorization_error: /);
    assert.equal(await page.locator('#session-title').textContent(), 'Session other-client');
    assert.equal(await page.locator('#journal details.entry').count(), 0);
    assert.equal(await page.locator('#sessions tr.selected').count(), 0, 'the other client\'s session is not listed, so no row is selected');
    assert.deepEqual(await page.locator('#sessions tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session'))), ['own-client']);
    await context.close();
  });

  it('Swagger UI without the token says it cannot read the document', async () => {
    const context = await (await browserOf()).newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(SHOWN_WITHIN_MS);
    await page.goto(`${mock.url}/__admin/docs/`);
    await page.getByText('Failed to load API definition').waitFor();
    await context.close();
  });
});
