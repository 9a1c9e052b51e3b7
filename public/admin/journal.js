// The journal page: the sessions, each one's scenario and clock, and a session's requests newest first,
// read from the admin API's JSON routes beside this page. Everything a client sent is shown as text
// (textContent), never as markup. The location's hash holds the choice, so a link can point at a
// session and its filters: #session=my-client&client_id=my-client&status=503 (also operation, method, fault).
'use strict';

/** Where the admin token is kept for this tab; the Swagger UI page (../docs/) reads the same key. */
const TOKEN_KEY = 'cint-mock-admin-token';
const LIVE_EVERY_MS = 2000;
/** The most entries the page reads and draws: the newest; the filters reach older ones. */
const LIMIT = 500;
/** Status filters that are not one status: each status of the class the session has had is asked of the API. (fault: any answer a scenario fault met.) */
const STATUS_CLASSES = { '2xx': [200, 299], '3xx': [300, 399], '4xx': [400, 499], '5xx': [500, 599] };
const FAULT = 'fault';
const NO_OPERATION = '(none)';
/** The methods offered in the method filter (the API takes any HTTP method; it counts none by method). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** The counts the dropdowns show are the API's: over the session's life, dropped entries included. */
const LIFE = 'over its life';

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'className') node.className = value;
    else if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

class Unauthorized extends Error {}

function choice() {
  const params = new URLSearchParams(location.hash.slice(1));
  return {
    session: params.get('session'),
    clientId: params.get('client_id'),
    operation: params.get('operation') ?? '',
    status: params.get('status') ?? '',
    method: params.get('method') ?? '',
    fault: params.get('fault') ?? '',
    // One request to open and scroll to: a link to it (its details' "link to this request").
    entry: params.get('entry') ?? '',
  };
}

/** The filters the address sets, as the journal route's query: a status class is applied here, not asked of the API. */
function journalQuery(selected) {
  const status = selected.status === '' || selected.status === FAULT || Object.hasOwn(STATUS_CLASSES, selected.status) ? undefined : selected.status;
  return {
    // NO_OPERATION is the admin API's name for the requests no route took, as in its counts.
    operation: selected.operation || undefined,
    // Anything else (0, 999, abc) goes to the API as given: it answers 0's entries, and refuses the rest with its reason.
    status,
    method: selected.method || undefined,
    fault: selected.fault || (selected.status === FAULT ? 'any' : undefined),
  };
}

/** The address's hash for a choice: what a link to it carries. */
function hashOf(next) {
  const params = new URLSearchParams();
  for (const [name, value] of [['session', next.session], ['client_id', next.clientId], ['operation', next.operation], ['status', next.status],
    ['method', next.method], ['fault', next.fault], ['entry', next.entry]]) {
    if (value) params.set(name, value);
  }
  return `#${params}`;
}

function choose(next) {
  const hash = hashOf(next);
  if (location.hash === hash) void refresh();
  else location.hash = hash;
}

async function api(path, query = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') search.set(name, value);
  const token = sessionStorage.getItem(TOKEN_KEY);
  const queryString = search.toString();
  const response = await fetch(queryString ? `${path}?${queryString}` : path, {
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    cache: 'no-store',
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Unauthorized(body.detail ?? 'the admin API needs a token');
  if (!response.ok) {
    // The whole detail, then each refused parameter's reason: the reasons say what to give instead
    // ('status' must be <= 599., did you mean "create_project"?).
    const reasons = Array.isArray(body.invalid_params) ? body.invalid_params.map((param) => String(param.reason ?? param.name)) : [];
    const error = new Error(`${response.status} ${body.object ?? ''}: ${body.detail ?? response.statusText}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
    error.status = response.status;
    error.refused = new Set(Array.isArray(body.invalid_params) ? body.invalid_params.map((param) => param.name) : []);
    throw error;
  }
  return body;
}

const sessionPath = (session, rest = '') => `sessions/${encodeURIComponent(session)}${rest}`;

function say(text, kind = 'info') {
  const message = $('message');
  message.textContent = text;
  message.dataset.kind = kind;
}

function time(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toISOString().slice(11, 23);
}

function statusClass(status) {
  return status === 0 ? 'fault' : `s${Math.floor(status / 100)}xx`;
}

function ruleText(scenario) {
  if (!scenario) return 'realistic';
  if (scenario.rule < 0) return scenario.name;
  // A sequence's step too, from 0 as in the file's list: flaky's 503s are step 0, its passthrough step 1.
  return `${scenario.name} · rules[${scenario.rule}]${scenario.step === undefined ? '' : ` · step ${scenario.step}`}`;
}

function pretty(value) {
  if (value === undefined) return '(no body)';
  if (typeof value !== 'string') return JSON.stringify(value, null, 2);
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}

/** Sets a node's text only when it differs: a write replaces the text node, and with it a selection in it. */
function setText(node, text) {
  const value = String(text ?? '');
  if (node.textContent !== value) node.textContent = value;
}

function setAttribute(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

/**
 * Puts `nodes` in `parent` in this order, moving only those out of place and removing the rest: a live
 * refresh that read the same things changes nothing, and the nodes kept keep their focus and state.
 */
function placeChildren(parent, nodes) {
  const wanted = new Set(nodes);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  nodes.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] ?? null);
  });
}

/** Runs `render`, then gives the focus back to the element with the same data-focus-key if a node it had was replaced or moved. */
function keepingFocus(render) {
  const active = document.activeElement;
  const key = active instanceof HTMLElement ? active.dataset.focusKey : undefined;
  render();
  if (!key || document.activeElement === active) return;
  const same = [...document.querySelectorAll('[data-focus-key]')].find((node) => node.dataset.focusKey === key);
  if (same) same.focus({ preventScroll: true });
}

/** Whether the person has text selected in the page's content: a live refresh then waits, so as not to lose it. */
function selecting() {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.toString() === '') return false;
  const main = document.querySelector('main');
  return main.contains(selection.anchorNode) || main.contains(selection.focusNode);
}

function sessionRow(key) {
  const link = element('a', { href: '#', 'data-focus-key': `session:${key}` });
  // A real link (copy it, open it in a new tab); a plain click chooses here, reading again even when already chosen.
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    choose({ session: link.dataset.session, clientId: link.dataset.clientId });
  });
  return element('tr', { 'data-key': key },
    element('td', {}, link), element('td'), element('td', { className: 'scenario' }), element('td', { className: 'clock' }),
    element('td', { className: 'number' }), element('td', { className: 'number' }), element('td'));
}

function renderSessions(sessions, selected) {
  const body = $('sessions').tBodies[0];
  const rows = new Map([...body.rows].map((row) => [row.dataset.key, row]));
  placeChildren(body, sessions.map((session) => {
    const key = sessionKey({ session: session.id, clientId: session.client_id ?? '' });
    const row = rows.get(key) ?? sessionRow(key);
    const current = selected.session === session.id && (selected.clientId ?? null) === session.client_id;
    setAttribute(row, 'class', current ? 'selected' : '');
    setAttribute(row, 'data-session', session.id);
    const [name, client, scenario, clock, requests, objects, seen] = row.cells;
    const link = name.firstChild;
    setText(link, session.id);
    link.dataset.session = session.id;
    link.dataset.clientId = session.client_id ?? '';
    setAttribute(link, 'href', hashOf({ session: session.id, clientId: session.client_id ?? '' }));
    setText(client, session.client_id ?? '(shared)');
    setText(scenario, session.scenario ?? 'realistic');
    setText(clock, session.clock.now);
    setAttribute(clock, 'title', `offset ${session.clock.offset_ms} ms`);
    setText(requests, session.requests);
    setText(objects, session.objects);
    setText(seen, time(session.last_seen_at));
    setAttribute(seen, 'title', session.last_seen_at);
    return row;
  }));
  $('no-sessions').hidden = sessions.length > 0;
}

function fillSelect(select, options, value, refused = false, anyLabel = 'any') {
  const known = new Set(options.map(([optionValue]) => optionValue));
  if (value && !known.has(value)) options.push([value, refused ? `${value} (refused)` : value]);
  // The same choices as shown: left alone, so an open dropdown or the keyboard's place in it stays.
  const key = JSON.stringify([anyLabel, options, value]);
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  select.replaceChildren(element('option', { value: '' }, anyLabel), ...options.map(([optionValue, label]) => element('option', { value: optionValue }, label)));
  select.value = value;
}

const sum = (values) => values.reduce((total, count) => total + count, 0);
const counted = (name, count) => `${name} · ${count} ${LIFE}`;

function renderFilters({ by_operation: byOperation, faults }, selected, refused = new Set()) {
  const operations = Object.entries(byOperation)
    .map(([operation, statuses]) => [operation, sum(Object.values(statuses))])
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => [operation, counted(operation, count)]);
  fillSelect($('filter-operation'), operations, selected.operation, refused.has('operation'));

  const statuses = new Map();
  for (const counts of Object.values(byOperation)) {
    for (const [status, count] of Object.entries(counts)) statuses.set(Number(status), (statuses.get(Number(status)) ?? 0) + count);
  }
  const classes = Object.entries(STATUS_CLASSES)
    .map(([name, [low, high]]) => [name, counted(name, sum([...statuses].filter(([status]) => status >= low && status <= high).map(([, count]) => count)))]);
  // Broken connections (status 0), answers made and lost, bodies cut off: every answer a fault met.
  const byFault = new Map();
  for (const counts of Object.values(faults)) for (const [fault, count] of Object.entries(counts)) byFault.set(fault, (byFault.get(fault) ?? 0) + count);
  const faulted = sum([...byFault.values()]);
  if (faulted > 0) classes.push([FAULT, counted(FAULT, faulted)]);
  // 0: the requests that got no answer (a fault broke the connection, or the client left during a scripted delay).
  const none = [['0', counted('no answer (0)', statuses.get(0) ?? 0)]];
  const exact = [...statuses.keys()].filter((status) => status !== 0).sort((a, b) => a - b).map((status) => [String(status), counted(status, statuses.get(status))]);
  fillSelect($('filter-status'), [...classes, ...none, ...exact], selected.status, refused.has('status'));

  fillSelect($('filter-method'), METHODS.map((method) => [method, method]), selected.method, refused.has('method'));
  const faultNames = [...byFault.keys()].sort().map((fault) => [fault, counted(fault, byFault.get(fault))]);
  fillSelect($('filter-fault'), [['any', counted('any fault', faulted)], ...faultNames], selected.fault, refused.has('fault'), 'all requests');
}

function section(title, text, className, headers) {
  return element('section', { className },
    element('h3', {}, title),
    // An answer's headers, above its body (name: value, a line each).
    headers && Object.keys(headers).length > 0
      ? element('pre', { className: 'response-headers', 'aria-label': 'response headers' }, headerLines(headers))
      : '',
    element('pre', { className: 'body' }, text));
}

const headerLines = (headers) => Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\n');

/** An answer a scenario made and then lost (the fault of a passthrough, job or webhook step): its status went nowhere. */
const lostTo = (entry) => (entry.status !== 0 && entry.fault && entry.fault !== 'malformed_body' ? entry.fault : null);
/** A status sent with its body cut off mid-JSON (a malformed_body fault). */
const cutOff = (entry) => entry.fault === 'malformed_body';

/** The query as the journal parsed it, as text again (a repeated parameter's values each in turn). */
function queryText(query) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, String(one));
  }
  return search.toString();
}

/** An entry's key on the page: its request id (a client may send its own, twice) and time. */
const entryKey = (entry) => `${entry.request_id} ${entry.at}`;

function renderEntry(entry, open, selected) {
  const lost = lostTo(entry);
  const query = queryText(entry.query);
  const fullPath = `${entry.path}${query ? `?${query}` : ''}`;
  const details = element('details', { className: 'entry', role: 'listitem', 'data-request-id': entry.request_id, 'data-status': entry.status, 'data-operation': entry.operation ?? NO_OPERATION });
  details.open = open;
  details.append(
    element('summary', { 'data-focus-key': `entry:${entryKey(entry)}` },
      element('span', { className: 'at', title: entry.at }, time(entry.at)),
      element('span', { className: `status ${statusClass(entry.status)}` }, entry.status === 0 ? entry.fault ?? 'no answer' : entry.status),
      element('span', { className: 'method' }, entry.method),
      element('span', { className: 'operation' }, entry.operation ?? NO_OPERATION),
      element('span', { className: 'path', title: fullPath }, fullPath),
      element('span', { className: 'rule' }, ruleText(entry.scenario), entry.replayed ? element('span', { className: 'tag' }, 'replayed') : '',
        lost ? element('span', { className: 'tag lost' }, `lost: ${lost}`) : '',
        cutOff(entry) ? element('span', { className: 'tag lost' }, 'malformed_body') : ''),
      element('span', { className: 'duration' }, `${entry.duration_ms} ms`)),
    // The whole path and query, which the line above may cut short.
    element('p', { className: 'request-line' }, element('span', { className: 'method' }, entry.method), element('code', { className: 'full-path' }, fullPath)),
    // The headers the journal keeps of those sent (Cint's, Authorization redacted, the body's type, Prefer, X-Mock-Scenario).
    entry.headers && Object.keys(entry.headers).length > 0
      ? element('pre', { className: 'request-headers', 'aria-label': 'request headers' }, headerLines(entry.headers))
      : '',
    element('div', { className: 'bodies' },
      section('Request body', pretty(entry.body), 'request-body'),
      section('Response', entry.status === 0 ? `(no response: ${entry.fault ?? 'the client left during a scripted delay'})`
        : lost ? `(made, then lost to ${lost}: the client never got it)\n${pretty(entry.response_body)}`
          : cutOff(entry) ? `(JSON cut off mid-string by the malformed_body fault; as the client read it:)\n${entry.response_body ?? ''}` : pretty(entry.response_body), 'response-body',
      entry.response_headers)),
    element('p', { className: 'meta' },
      `request ${entry.request_id} · answered by ${entry.scenario ? `scenario ${ruleText(entry.scenario)}` : 'the realistic behaviour'}`
      + `${entry.replayed ? ' (an idempotent replay)' : ''} · ${entry.at} · `,
    element('a', { className: 'permalink', href: hashOf({ session: selected.session, clientId: selected.clientId, entry: entry.request_id }) }, 'link to this request')));
  return details;
}

/** The session and client the address names, as one string: what the panel's content belongs to. */
const sessionKey = (selected) => (selected.session ? `${selected.session}\u0000${selected.clientId ?? ''}` : '');
/** Whose panel is shown now ('' for none): an error must not leave one session's entries under another's name. */
let panelShows = '';

/**
 * The panel after a read failed: the address's session as its title, no facts and no entries (they may
 * be another session's, or not what the filters ask), and the filter controls, so a refused filter can be
 * changed. `refused` names the parameters the API refused.
 */
function clearPanel(selected, counts = { by_operation: {}, faults: {} }, refused = new Set()) {
  $('session-title').textContent = `Session ${selected.session}`;
  $('session-facts').replaceChildren();
  renderFilters(counts, selected, refused);
  $('journal').replaceChildren(element('p', { className: 'empty' }, 'Nothing shown: the admin API did not answer this read (the message above says why).'));
  $('shown').textContent = '';
  $('bounds').textContent = '';
  $('session-panel').hidden = false;
  panelShows = sessionKey(selected);
}

/**
 * Reads the chosen session: its summary, counts and the entries the filters keep; 'gone' for a session
 * no longer in memory. A failed read throws, with the counts without the filters when they could be read
 * (`unfiltered`), to fill the dropdowns so a refused filter can be changed.
 */
async function readSession(selected) {
  const who = { client_id: selected.clientId || undefined };
  let summary;
  try {
    summary = await api(sessionPath(selected.session), who);
  } catch (error) {
    if (error.status === 404) return 'gone';
    throw error;
  }
  try {
    return { summary, ...await readEntries(selected, who) };
  } catch (error) {
    error.unfiltered = await api(sessionPath(selected.session, '/counts'), who).catch(() => undefined);
    throw error;
  }
}

/**
 * The newest LIMIT entries the filters keep (one more is asked for, to know whether there are more),
 * with the counts, and `total`: how many requests the filters match over the session's life, where the
 * counts can say (they count by operation, status and fault, not method). The counts are read first, so
 * a request made meanwhile cannot make the journal look as if it had dropped one.
 */
async function readEntries(selected, who) {
  const query = journalQuery(selected);
  const range = Object.hasOwn(STATUS_CLASSES, selected.status) ? STATUS_CLASSES[selected.status] : undefined;
  const countsPath = sessionPath(selected.session, '/counts');
  const journalPath = sessionPath(selected.session, '/journal');
  const counts = await api(countsPath, { ...who, operation: query.operation, status: query.status, fault: query.fault });
  const countable = query.method === undefined;
  if (!range) {
    const { entries } = await api(journalPath, { ...who, ...query, limit: LIMIT + 1 });
    return { counts, entries: entries.slice(0, LIMIT), more: entries.length > LIMIT, total: countable ? counts.count : undefined };
  }
  // A class (5xx): each of its statuses the session has had, asked of the API, merged newest first.
  const statuses = new Set();
  for (const [operation, byStatus] of Object.entries(counts.by_operation)) {
    if (query.operation !== undefined && operation !== query.operation) continue;
    for (const status of Object.keys(byStatus)) if (Number(status) >= range[0] && Number(status) <= range[1]) statuses.add(status);
  }
  const reads = await Promise.all([...statuses].map(async (status) => {
    const statusCounts = countable ? await api(countsPath, { ...who, operation: query.operation, status, fault: query.fault }) : undefined;
    const { entries } = await api(journalPath, { ...who, ...query, status, limit: LIMIT + 1 });
    return { entries, count: statusCounts?.count };
  }));
  const entries = reads.flatMap((read) => read.entries).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return {
    counts,
    entries: entries.slice(0, LIMIT),
    more: entries.length > LIMIT,
    total: countable ? sum(reads.map((read) => read.count)) : undefined,
  };
}

/** What the list leaves out: entries past LIMIT, or ones the journal's bounds dropped (the counts still count them). */
function boundsNote({ entries, more, total }) {
  if (more) {
    return total === undefined
      ? `Showing the newest ${LIMIT}; more match. Narrow with the filters to see older ones.`
      : `Showing the newest ${LIMIT} of ${total} matching requests (counted ${LIFE}; the journal keeps only the newest, up to its bounds). Narrow with the filters to see older ones.`;
  }
  const dropped = total === undefined ? 0 : total - entries.length;
  if (dropped <= 0) return '';
  return `${dropped} older matching request${dropped === 1 ? ' was' : 's were'} dropped by the journal's bounds (journalSize, journalBytes); the counts still count ${dropped === 1 ? 'it' : 'them'}.`;
}

function showSession(selected, read) {
  const panel = $('session-panel');
  if (!selected.session || read === 'gone') {
    panel.hidden = true;
    panelShows = '';
    if (read === 'gone') say(`Session ${selected.session} is not in memory: it was reset or forgotten, or has made no request yet.`, 'warning');
    return;
  }
  const { summary, counts, entries } = read;
  setText($('bounds'), boundsNote(read));
  setText($('session-title'), `Session ${summary.id}`);
  const facts = [
    ['client', summary.client_id ?? '(shared by name)'],
    ['scenario', summary.scenario ?? 'none (the realistic behaviour)'],
    ['clock', `${summary.clock.now}${summary.clock.offset_ms ? ` (moved ${summary.clock.offset_ms} ms)` : ''}`],
    ['requests', `${summary.requests} (${counts.count} journaled over its life)`],
    ['objects', summary.objects],
  ];
  const factList = $('session-facts');
  if (factList.children.length !== facts.length * 2) {
    factList.replaceChildren(...facts.flatMap(([term]) => [element('dt', {}, term), element('dd', { 'data-fact': term })]));
  }
  facts.forEach(([, value], index) => setText(factList.children[index * 2 + 1], value));
  renderFilters(counts, selected);

  // The entries already shown are kept as they are (open or not, focused or not); only new ones are made.
  const list = $('journal');
  const shown = new Map([...list.querySelectorAll('details.entry')].map((node) => [node.dataset.key, node]));
  const nodes = [];
  for (const entry of entries) {
    const key = `${sessionKey(selected)}|${entryKey(entry)}`;
    let node = shown.get(key);
    shown.delete(key);
    if (!node) {
      node = renderEntry(entry, false, selected);
      node.dataset.key = key;
    }
    nodes.push(node);
  }
  if (nodes.length === 0) nodes.push(list.querySelector(':scope > p.empty.none') ?? element('p', { className: 'empty none' }, 'No request matches.'));
  placeChildren(list, nodes);
  setText($('shown'), `${entries.length} shown, newest first`);
  panel.hidden = false;
  panelShows = sessionKey(selected);
  // A link to one request opens it and brings it into view, once for that address.
  if (selected.entry && location.hash !== entryShownFor) {
    const linked = [...list.querySelectorAll('details.entry')].find((node) => node.dataset.requestId === selected.entry);
    if (linked) {
      entryShownFor = location.hash;
      linked.open = true;
      linked.scrollIntoView({ block: 'start' });
    } else {
      say(`Request ${selected.entry} is not in the list: the journal may have dropped it (it keeps a session's newest requests, up to journalSize and journalBytes), the filters may leave it out, or it is older than the newest ${LIMIT} shown.`, 'warning');
    }
  }
}

/** The address whose linked entry was opened: it is not opened again each refresh once closed. */
let entryShownFor = '';

let running = null;
let again = false;
let againLive = false;
let refreshes = 0;
/**
 * Reads and shows the sessions and the chosen one; asked again while it reads, it reads once more after
 * (a filter changed meanwhile). A live refresh (`live`) shows nothing new while text is selected in the
 * page, so as not to take the selection away: the next one after it is cleared does.
 */
async function refresh({ live = false } = {}) {
  if (running) {
    againLive = again ? againLive && live : live;
    again = true;
    return running;
  }
  running = (async () => {
    const selected = choice();
    let fromSession = false;
    try {
      const { sessions } = await api('sessions');
      $('token-form').hidden = !sessionStorage.getItem(TOKEN_KEY);
      let read;
      let failed;
      try {
        read = selected.session ? await readSession(selected) : undefined;
      } catch (error) {
        failed = error;
      }
      if (live && !failed && selecting()) return;
      say('');
      keepingFocus(() => renderSessions(sessions, selected));
      if (failed) {
        fromSession = true;
        throw failed;
      }
      keepingFocus(() => showSession(selected, read));
      document.body.dataset.loaded = 'true';
    } catch (error) {
      if (error instanceof Unauthorized) {
        // A token the API refused is forgotten (here and for Swagger UI), and said so: a typo is not "no token".
        const refusedToken = sessionStorage.getItem(TOKEN_KEY) !== null;
        sessionStorage.removeItem(TOKEN_KEY);
        $('token-form').hidden = false;
        say(`${refusedToken ? `The token given was refused (${error.message})` : error.message}. Type the admin token (CINT_MOCK_ADMIN_TOKEN); it is kept in this tab only.`, 'warning');
      } else {
        say(`Could not read the admin API: ${error.message}`, 'error');
      }
      // Whatever failed, the panel shows the address's session or nothing: never another's entries.
      if (fromSession || panelShows !== sessionKey(selected)) {
        if (selected.session) clearPanel(selected, error.unfiltered, error.refused);
        else $('session-panel').hidden = true;
      }
    }
  })();
  try {
    await running;
  } finally {
    running = null;
    // Each finished refresh is counted on the body, so a test (or a person's tool) can wait for the next one.
    document.body.dataset.refreshes = String((refreshes += 1));
    if (again) {
      again = false;
      void refresh({ live: againLive });
    }
  }
}

let timer = null;
function setLive(on) {
  clearInterval(timer);
  timer = on ? setInterval(() => void refresh({ live: true }), LIVE_EVERY_MS) : null;
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('token').value = '';
    void refresh();
  });
  $('refresh').addEventListener('click', () => void refresh());
  $('live').addEventListener('change', (event) => setLive(event.target.checked));
  $('filter-operation').addEventListener('change', (event) => choose({ ...choice(), operation: event.target.value }));
  $('filter-status').addEventListener('change', (event) => choose({ ...choice(), status: event.target.value }));
  $('filter-method').addEventListener('change', (event) => choose({ ...choice(), method: event.target.value }));
  $('filter-fault').addEventListener('change', (event) => choose({ ...choice(), fault: event.target.value }));
  window.addEventListener('hashchange', () => void refresh());
  void refresh();
});
