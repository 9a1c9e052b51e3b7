// The loaded scenarios and who uses which: the set (swapped whole on reload, so a request never sees
// half of one), each session's choice, and each session's progress through its scenarios.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { digestOf } from '../digest.js';
import { keyParts, sessionKey, type Session } from '../sessions/store.js';
import { failedCommand } from '../sessions/unavailable.js';
import type { CompiledScenario } from './compile.js';
import { newScenarioState, type ScenarioState } from './decide.js';
import { SeededRandom } from './random.js';
import type { ScenarioFileData } from './schema.js';
import { isPlainObject, nearestName, type Issue } from './validate.js';
import {
  BUILTIN_SCENARIOS_DIR, checkScenarioData, formatField, loadScenarioFolders, SCENARIO_EXTENSIONS, ScenarioError, type LoadedScenario, type ScenarioFolder, type ScenarioSet,
} from './load.js';

export interface ScenarioCatalogOptions {
  /** The user's folder, added on top of the built-in one (same name: the user's wins). */
  userDir?: string | undefined;
  /** Overrides the built-in folder (tests). */
  builtinDir?: string;
  /** The scenario every session starts with; none means the realistic behaviour. */
  defaultScenario?: string | undefined;
  /** Session choices remembered (least recently used forgotten first). */
  maxSessions: number;
  /** With maxSessions, a client's share of inlineScenarioBytes when it sends scenarios with its own token; maxSessions unless given. */
  maxSessionsPerClient?: number | undefined;
  /** Bytes of sent scenarios (their JSON text) kept at once; 16 MiB unless given. */
  inlineScenarioBytes?: number | undefined;
  log?: FastifyBaseLogger;
}

/**
 * A scenario sent for a session (admin API, programmatic control) rather than read from a folder: a
 * scenario file's content, its description optional.
 */
export type ScenarioDefinition = Omit<ScenarioFileData, 'description' | '$schema'> & { description?: string };

/** The name a sent scenario goes by: `inline:` and the start of its text's digest, so the same rules are one scenario. */
export const INLINE_PREFIX = 'inline:';
const INLINE_FILE = '(sent for a session)';
/** The description of a sent scenario that gives none: which way it came. */
const INLINE_DESCRIPTIONS = { admin: 'a scenario sent through the admin API', programmatic: 'a scenario sent through the programmatic API' } as const;
/** The way a scenario is sent for a session: the admin API (a client in any language), or the programmatic API (useScenario in process). */
export type SentThrough = keyof typeof INLINE_DESCRIPTIONS;
const DEFAULT_INLINE_BYTES = 16 * 1024 * 1024;

/** A sent scenario's problems, each at its path in what was sent (`rules[0].respond.status`). */
export class ScenarioDefinitionError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(`the scenario sent has ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}:\n${issues.map((issue) => `  ${formatField(issue.path)}: expected ${issue.expected}, found ${issue.found}`).join('\n')}`);
    this.name = 'ScenarioDefinitionError';
  }
}

/** The sent scenarios in use would pass the instance's bound (inlineScenarioBytes). */
export class InlineScenarioSpaceError extends Error {
  /** `client`: the client whose share it would pass (a client sending with its own token); else the instance's bound. */
  constructor(readonly held: number, readonly limit: number, readonly bytes: number, readonly client?: string) {
    super(client === undefined
      ? `the scenarios sent for sessions take ${held} bytes of the ${limit} this instance keeps, and this one takes ${bytes}`
      : `the scenarios client ${JSON.stringify(client)}'s sessions chose take ${held} bytes of the ${limit} it may hold, and this one takes ${bytes}`);
    this.name = 'InlineScenarioSpaceError';
  }
}

/**
 * A session's progress through one scenario as plain data, for a snapshot of the session
 * (sessions/snapshot.ts): it applies again only to a scenario of the same name and the same source.
 */
export interface ScenarioProgress {
  name: string;
  /** SHA-256 of the scenario file's text: an edited file starts afresh, as it does on a reload. */
  source: string;
  /** Per rule: the step in use, and the requests it has answered (always finite: it counts up to a finite `times`). */
  step: number[];
  used: number[];
  /** The random stream's position (SeededRandom.position). */
  random: number;
  /** Per rule, for rate-limited steps: the window's start and its requests, in pairs (absent in snapshots made before rate limits). */
  window?: number[];
}

export type ReloadOutcome = { ok: true; scenarios: number } | { ok: false; error: ScenarioError };

/** A session's scenario and where the choice came from. */
export interface ScenarioChoice {
  /** The scenario answering: null, the realistic behaviour. */
  scenario: string | null;
  chosen_by: 'session' | 'default';
  /** A scenario sent for the session (inline:…): what was sent, with its description filled in. */
  sent?: unknown;
  /**
   * The scenario chosen, when it is not loaded now (its file removed or renamed; a scenario sent to another
   * instance that this one could not take in): it answers again once it is.
   */
  missing?: string;
}

/** The sent scenarios an instance holds (GET /__admin/scenarios). */
export interface SentScenarios {
  bytes: number;
  limit: number;
  scenarios: { name: string; description: string; seed: CompiledScenario['seed']; rules: number; bytes: number; in_use: boolean }[];
}

const RELOAD_DEBOUNCE_MS = 100;

/** Where a shared store keeps the choices (implemented by sessions/redis.ts). */
export interface ChoiceSharing {
  /** Answers the keys of the choices forgotten to make room (the store keeps maxSessions). */
  setChoice(key: string, stored: string): Promise<readonly string[]>;
  /** A sent scenario's text, for the other instances to take in (adoptInline) when a choice names it. */
  setInline(name: string, text: string): Promise<void>;
  forgetChoices(name: string, clientId?: string | null): Promise<void>;
  forgetAllChoices(): Promise<void>;
}

export class ScenarioCatalog extends EventEmitter<{ reloaded: [ScenarioSet]; 'reload-failed': [ScenarioError] }> {
  private set: ScenarioSet;
  private readonly choices: LRUCache<string, { name: string | null }>;
  /** Scenarios sent for sessions, by name (inline:…), with the bytes of their text; unused ones go when room is needed. */
  private readonly inline = new Map<string, { loaded: Pick<LoadedScenario, 'scenario' | 'digest'>; bytes: number; text: string }>();
  private inlineBytes = 0;
  private readonly inlineLimit: number;
  private readonly states = new WeakMap<Session, Map<string, ScenarioState>>();
  private readonly watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly folders: readonly ScenarioFolder[],
    readonly defaultName: string | null,
    set: ScenarioSet,
    private readonly maxSessions: number,
    private readonly log: FastifyBaseLogger | undefined,
    inlineLimit = DEFAULT_INLINE_BYTES,
    private readonly maxSessionsPerClient = maxSessions,
  ) {
    super();
    this.set = set;
    this.choices = new LRUCache({
      max: maxSessions,
      // A session back on the default without a word would pass a test that should fail. (With a shared
      // store the choices are Redis's, this map a cache of them: nothing is lost; the store tells of the
      // choices it forgets, in choose.)
      dispose: (choice, key, reason) => {
        if (reason === 'evict' && this.shared === null) this.evicted(key, choice.name);
      },
    });
    this.inlineLimit = inlineLimit;
  }

  /** Loads the folders; throws ScenarioError when a file, or the default scenario's name, is wrong. */
  static async open(options: ScenarioCatalogOptions): Promise<ScenarioCatalog> {
    const folders: ScenarioFolder[] = [{ dir: options.builtinDir ?? BUILTIN_SCENARIOS_DIR, origin: 'builtin' }];
    if (options.userDir) folders.push({ dir: options.userDir, origin: 'user' });
    const defaultName = options.defaultScenario ?? null;
    const set = checkDefault(await loadScenarioFolders(folders), defaultName);
    return new ScenarioCatalog(folders, defaultName, set, options.maxSessions, options.log, options.inlineScenarioBytes, options.maxSessionsPerClient);
  }

  /** The catalog a mock's configuration asks for, watching its folders when `watchScenarios` is on. */
  static async fromConfig(config: Pick<Config, 'scenariosDir' | 'scenario' | 'watchScenarios' | 'watchPollMs' | 'maxSessions' | 'maxSessionsPerClient' | 'inlineScenarioBytes'>, log?: FastifyBaseLogger): Promise<ScenarioCatalog> {
    const catalog = await ScenarioCatalog.open({
      userDir: config.scenariosDir, defaultScenario: config.scenario, maxSessions: config.maxSessions, maxSessionsPerClient: config.maxSessionsPerClient,
      inlineScenarioBytes: config.inlineScenarioBytes, ...(log ? { log } : {}),
    });
    if (config.watchScenarios) catalog.watch({ pollMs: config.watchPollMs });
    return catalog;
  }

  get(name: string): LoadedScenario | undefined {
    return this.set.scenarios.get(name);
  }

  names(): string[] {
    return [...this.set.scenarios.keys()].sort();
  }

  list(): LoadedScenario[] {
    return this.names().map((name) => this.set.scenarios.get(name)!);
  }

  // ---- Choosing -------------------------------------------------------------------------------

  /**
   * A session's choice: a scenario name, or null for the realistic behaviour whatever the default. With
   * a client id (null: the shared session) it is that client's session's; without, every session of
   * that name's, whichever client it belongs to, unless one has a choice of its own.
   */
  choose(name: string, scenario: string | null, clientId?: string | null): Promise<void> {
    if (clientId === undefined) this.forget(name);
    this.choices.set(choiceKey(name, clientId), { name: scenario });
    // A sent scenario's text goes to the shared store before the choice that names it (one connection, in order).
    const text = scenario === null ? undefined : this.inline.get(scenario)?.text;
    const inlineSaved = text === undefined ? undefined : this.shared?.setInline(scenario!, text);
    const saved = this.shared?.setChoice(choiceKey(name, clientId), scenario ?? '').then((gone) => {
      for (const key of gone) {
        this.evicted(key, this.choices.peek(key)?.name);
        this.choices.delete(key);
      }
    });
    return Promise.all([inlineSaved, saved]).then(() => undefined, this.sharingFailed);
  }

  /** Tells that a choice was forgotten to make room (`scenario`: what it chose, when this instance knew it). */
  private evicted(key: string, scenario: string | null | undefined): void {
    const { name, clientId } = keyParts(key);
    const maxSessions = this.maxSessions;
    this.log?.warn({ event: 'scenario_choice_evicted', session: name, client_id: clientId, scenario, maxSessions },
      `a session's scenario choice was forgotten to make room: maxSessions (${maxSessions}) choices are held; the session is back on ${this.defaultName === null ? 'the realistic behaviour' : `the default scenario ${JSON.stringify(this.defaultName)}`}`);
  }

  /**
   * Takes in a scenario sent for a session: checked and compiled as a file would be (throws
   * ScenarioDefinitionError naming each problem's path), named by its text's digest, and kept while a
   * choice names it. Throws InlineScenarioSpaceError when it would pass the instance's bound, after the
   * sent scenarios no choice names any more are let go. Answers its name, for choose(). Its description,
   * when it gives none, says which way it came (`through`), so the same rules sent each way are two scenarios.
   */
  defineInline(definition: unknown, through: SentThrough, sender?: { clientId: string; session: string }): string {
    const data = isPlainObject(definition) && definition.description === undefined ? { ...definition, description: INLINE_DESCRIPTIONS[through] } : definition;
    const text = JSON.stringify(data) ?? 'null';
    const digest = digestOf(text);
    const name = `${INLINE_PREFIX}${digest.slice(0, 16)}`;
    if (!this.inline.has(name)) this.keepInline(name, text, data, digest, sender);
    return name;
  }

  /**
   * The bytes a client sending scenarios with its own token may have in use: its share of
   * inlineScenarioBytes, as its sessions are of maxSessions, so that no client fills the room of others.
   */
  clientShare(): number {
    return Math.floor(this.inlineLimit * Math.min(1, this.maxSessionsPerClient / this.maxSessions));
  }

  /** The bytes of the sent scenarios a client's choices name, but for the choice of `except` (the session whose choice is being replaced). */
  private clientBytes(clientId: string, except: string): number {
    let bytes = 0;
    for (const name of this.chosenNames(clientId, except)) bytes += name === null ? 0 : this.inline.get(name)?.bytes ?? 0;
    return bytes;
  }

  /** Whether a sent scenario of this name is held here (a shared store's choice may name one sent to another instance). */
  hasInline(name: string): boolean {
    return this.inline.has(name);
  }

  /**
   * Takes in a sent scenario's text as another instance stored it (null: not there, or not readable);
   * false, with a warning, when it cannot be used here.
   */
  adoptInline(name: string, text: string | null): boolean {
    if (this.inline.has(name)) return true;
    if (text === null) {
      this.log?.warn({ scenario: name }, 'a scenario sent to another instance is not in the session store (it expired); its sessions get the realistic behaviour');
      return false;
    }
    try {
      this.keepInline(name, text, JSON.parse(text), digestOf(text));
      return true;
    } catch (error) {
      this.log?.warn({ err: error, scenario: name }, 'a scenario sent to another instance cannot be used here; its sessions get the realistic behaviour');
      return false;
    }
  }

  /**
   * Checks and compiles a sent scenario (ScenarioDefinitionError) and keeps it within the bound, and
   * within the sender's share when a client sent it with its own token (InlineScenarioSpaceError).
   */
  private keepInline(name: string, text: string, data: unknown, digest: string, sender?: { clientId: string; session: string }): void {
    // A client's own token may send one (decision 179): its patterns must take linear time.
    const checked = checkScenarioData(data, name, INLINE_FILE, false, { linearPatterns: true });
    if (!checked.scenario) throw new ScenarioDefinitionError(checked.issues);
    const bytes = Buffer.byteLength(text);
    if (sender !== undefined) {
      const used = this.clientBytes(sender.clientId, sessionKey(sender.session, sender.clientId));
      const share = this.clientShare();
      if (used + bytes > share) throw new InlineScenarioSpaceError(used, share, bytes, sender.clientId);
    }
    if (this.inlineBytes + bytes > this.inlineLimit) this.sweepInline();
    if (this.inlineBytes + bytes > this.inlineLimit) throw new InlineScenarioSpaceError(this.inlineBytes, this.inlineLimit, bytes);
    this.inline.set(name, { loaded: { scenario: checked.scenario, digest }, bytes, text });
    this.inlineBytes += bytes;
  }

  /**
   * The sent scenarios held here, with the bytes of their text against the bound; one no choice names
   * (in_use false) is let go when a new one needs its room. With a client id, only those its own
   * sessions' choices name, and its bytes against its share (clientShare).
   */
  sentScenarios(clientId?: string): SentScenarios {
    const named = this.chosenNames();
    const own = clientId === undefined ? null : this.chosenNames(clientId);
    return {
      // A client sees its own use against its own share, not the instance's (other clients' included).
      bytes: clientId === undefined ? this.inlineBytes : this.clientBytes(clientId, ''),
      limit: clientId === undefined ? this.inlineLimit : this.clientShare(),
      scenarios: [...this.inline].filter(([name]) => own === null || own.has(name)).map(([name, { loaded: { scenario }, bytes }]) => ({
        name, description: scenario.description, seed: scenario.seed, rules: scenario.rules.length, bytes, in_use: named.has(name),
      })),
    };
  }

  /** The scenarios the choices name: all of them, or those of one client's sessions (but the choice of `except`). */
  private chosenNames(clientId?: string, except?: string): Set<string | null> {
    const named = new Set<string | null>();
    const prefix = clientId === undefined ? '' : sessionKey('', clientId);
    for (const [key, choice] of this.choices.entries()) if (key.startsWith(prefix) && key !== except) named.add(choice.name);
    return named;
  }

  /** Lets go of the sent scenarios no choice names (a choice forgotten, replaced, or evicted). */
  private sweepInline(): void {
    const named = this.chosenNames();
    for (const [name, held] of this.inline) {
      if (named.has(name)) continue;
      this.inline.delete(name);
      this.inlineBytes -= held.bytes;
    }
  }

  /** A scenario by name: a file's, or one sent for a session. */
  private loadedOf(name: string): Pick<LoadedScenario, 'scenario' | 'digest'> | undefined {
    return this.set.scenarios.get(name) ?? this.inline.get(name)?.loaded;
  }

  /**
   * With a shared store (sessions/redis.ts): where choices are also written, so every instance makes
   * the same; an instance takes the stored ones in (adoptChoice) whenever a request takes its session.
   */
  shared: ChoiceSharing | null = null;

  private readonly sharingFailed = (error: unknown) => this.log?.warn(failedCommand(error), 'a scenario choice was not saved to the session store');

  /** Takes in a choice as the shared store holds it: '' the realistic behaviour, a name, or null for none. */
  adoptChoice(key: string, stored: string | null): void {
    if (stored === null) this.choices.delete(key);
    else if (this.choices.get(key)?.name !== (stored === '' ? null : stored)) this.choices.set(key, { name: stored === '' ? null : stored });
  }

  /** Forgets a session's progress through every scenario: sequences and random streams start afresh. */
  restart(session: Session): void {
    this.states.delete(session);
  }

  /** Back to the default scenario: the name's choice and its clients' own choices, or one client's. */
  forget(name: string, clientId?: string | null): void {
    this.shared?.forgetChoices(name, clientId).catch(this.sharingFailed);
    if (clientId !== undefined) {
      this.choices.delete(choiceKey(name, clientId));
      return;
    }
    this.choices.delete(choiceKey(name));
    for (const key of this.choices.keys()) if (key.endsWith(`\u0000${name}`)) this.choices.delete(key);
  }

  /** Every session back to the default scenario. */
  forgetAll(): void {
    this.shared?.forgetAllChoices().catch(this.sharingFailed);
    this.choices.clear();
  }

  choiceOf(name: string, clientId?: string | null): ScenarioChoice {
    const choice = (clientId !== undefined ? this.choices.get(choiceKey(name, clientId)) : undefined) ?? this.choices.get(choiceKey(name));
    if (!choice) return { scenario: this.defaultName, chosen_by: 'default' };
    if (choice.name === null) return { scenario: null, chosen_by: 'session' };
    // The choice stays, but what answers is what scenarioOf finds: the realistic behaviour, until the scenario is back.
    if (!this.loadedOf(choice.name)) return { scenario: null, chosen_by: 'session', missing: choice.name };
    const sent = this.inline.get(choice.name)?.text;
    return sent === undefined ? { scenario: choice.name, chosen_by: 'session' } : { scenario: choice.name, chosen_by: 'session', sent: JSON.parse(sent) };
  }

  /** The scenario that answers a session's requests (its own choice, its name's, else the default), if any. */
  scenarioOf(session: Session): CompiledScenario | null {
    // No session has chosen (a server started with --scenario): no lookups in the LRU cache per request.
    const choice = this.choices.size === 0 ? undefined : this.choices.get(session.id) ?? this.choices.get(choiceKey(session.name));
    const name = choice ? choice.name : this.defaultName;
    return name === null ? null : this.loadedOf(name)?.scenario ?? null;
  }

  /**
   * A session's progress through a scenario: step counters and its random stream. Kept with the Session
   * object, so it goes when the session is reset or evicted; a scenario edited on disk starts afresh.
   */
  stateOf(session: Session, scenario: CompiledScenario): ScenarioState {
    let perSession = this.states.get(session);
    if (!perSession) {
      perSession = new Map();
      this.states.set(session, perSession);
    }
    let state = perSession.get(scenario.name);
    if (!state || state.scenario !== scenario) {
      state = newScenarioState(scenario, session.name);
      perSession.set(scenario.name, state);
    }
    return state;
  }

  /** The session's progress through the scenarios it has used, in the order it first used them; progress kept for a scenario since reloaded with other rules is left out. */
  exportStates(session: Session): ScenarioProgress[] {
    const progress: ScenarioProgress[] = [];
    for (const [name, state] of this.states.get(session) ?? []) {
      const loaded = this.loadedOf(name);
      if (loaded?.scenario !== state.scenario) continue;
      const window = state.windowStart.some((start) => start !== 0)
        ? Array.from(state.windowStart).flatMap((start, index) => [start, state.windowCount[index]!])
        : undefined;
      progress.push({ name, source: loaded.digest, step: Array.from(state.step), used: Array.from(state.used), random: state.random.position, ...(window ? { window } : {}) });
    }
    return progress;
  }

  /**
   * Replaces the session's progress by `progress` (from exportStates, here or in another process). A
   * scenario that is gone or whose file's text differs starts afresh, as after a reload.
   */
  importStates(session: Session, progress: readonly ScenarioProgress[]): void {
    const perSession = new Map<string, ScenarioState>();
    for (const saved of progress) {
      const loaded = this.loadedOf(saved.name);
      if (!loaded || loaded.digest !== saved.source) continue;
      const scenario = loaded.scenario;
      const rules = scenario.rules.length;
      if (saved.step.length !== rules || saved.used.length !== rules) continue;
      const window = saved.window?.length === rules * 2 ? saved.window : undefined;
      perSession.set(saved.name, {
        scenario, step: Uint32Array.from(saved.step), used: Float64Array.from(saved.used), random: new SeededRandom(saved.random),
        windowStart: window ? Float64Array.from({ length: rules }, (_, index) => window[index * 2]!) : new Float64Array(rules),
        windowCount: window ? Float64Array.from({ length: rules }, (_, index) => window[index * 2 + 1]!) : new Float64Array(rules),
      });
    }
    this.states.set(session, perSession);
  }

  // ---- Reloading ------------------------------------------------------------------------------

  /** Reads the folders again; on success the new set replaces the old at once, else the old one stays. */
  reload(): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.reloadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    try {
      const next = checkDefault(await loadScenarioFolders(this.folders, this.set), this.defaultName);
      this.set = next;
      this.log?.info({ scenarios: next.scenarios.size }, 'scenarios reloaded');
      this.emit('reloaded', next);
      return { ok: true, scenarios: next.scenarios.size };
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      this.log?.error({ problems: error.problems }, `scenario reload failed, the last good scenarios stay in use: ${error.message}`);
      this.emit('reload-failed', error);
      return { ok: false, error };
    }
  }

  /**
   * Reloads shortly after a scenario file (.yaml, .yml, .json, not a dot file) in the folders changes:
   * other files (a log written into the folder, an editor's swap file) are ignored. With `pollMs`, the
   * folders are read every pollMs instead of watched, for mounts that deliver no file events (Docker
   * Desktop, WSL2). Neither keeps the process alive.
   */
  watch(options: { pollMs?: number } = {}): void {
    if (this.watchers.length > 0 || this.poller) return;
    if (options.pollMs) {
      this.poll(options.pollMs);
      return;
    }
    for (const folder of this.folders) {
      try {
        const watcher = watch(folder.dir, { persistent: false }, (_event, filename) => {
          if (isScenarioFileName(filename)) this.scheduleReload();
        });
        watcher.on('error', (error) => this.log?.warn({ err: error, dir: folder.dir }, 'stopped watching a scenario folder'));
        this.watchers.push(watcher);
      } catch (error) {
        this.log?.warn({ err: error, dir: folder.dir }, 'cannot watch a scenario folder; edits need POST /__admin/scenarios/reload');
      }
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.debounce);
    // A reload that throws (not a problem in a file, which it reports) must not end the process.
    this.debounce = setTimeout(() => void this.reload().catch((error: unknown) => this.log?.error({ err: error }, 'scenario reload failed')), RELOAD_DEBOUNCE_MS);
  }

  private poll(intervalMs: number): void {
    let last: string | undefined;
    let busy = false;
    const check = async () => {
      if (busy) return;
      busy = true;
      try {
        const now = await this.folderSignature();
        if (last !== undefined && now !== last) this.scheduleReload();
        last = now;
      } finally {
        busy = false;
      }
    };
    void check();
    this.poller = setInterval(() => void check(), intervalMs);
    this.poller.unref();
  }

  /** The scenario files of every folder with their sizes and times: a change to any changes it. */
  private async folderSignature(): Promise<string> {
    const parts: string[] = [];
    for (const folder of this.folders) {
      const names = await readdir(folder.dir).catch(() => [] as string[]);
      for (const name of names.filter(isScenarioFileName).sort()) {
        const info = await stat(join(folder.dir, name)).catch(() => null);
        parts.push(`${folder.dir}/${name}:${info?.size ?? -1}:${info?.mtimeMs ?? -1}`);
      }
    }
    return parts.join('\n');
  }

  close(): void {
    clearTimeout(this.debounce);
    clearInterval(this.poller);
    this.poller = undefined;
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }
}

/** A file the scenario loader reads: a .yaml, .yml or .json that is not a dot file. Unknown (null): yes. */
function isScenarioFileName(name: string | Buffer | null): boolean {
  if (name === null) return true;
  const text = String(name);
  return !text.startsWith('.') && SCENARIO_EXTENSIONS.includes(extname(text).toLowerCase());
}

function checkDefault(set: ScenarioSet, name: string | null): ScenarioSet {
  if (name !== null && !set.scenarios.has(name)) {
    throw new ScenarioError([{
      file: '(configuration)', line: null, column: null, rule: null, field: 'scenario',
      expected: `the name of a scenario (${[...set.scenarios.keys()].sort().join(', ')})`,
      found: `${JSON.stringify(name)}${((nearest) => (nearest ? ` (did you mean ${JSON.stringify(nearest)}?)` : ''))(nearestName(name, [...set.scenarios.keys()]))}`,
    }]);
  }
  return set;
}

/** A choice for one client's session (its session key), or for a name (no client id given). */
function choiceKey(name: string, clientId?: string | null): string {
  return clientId === undefined || clientId === null ? name : sessionKey(name, clientId);
}
