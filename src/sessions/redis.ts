// Sessions shared through Redis or Valkey (the `store` option): several instances serve one session as
// one instance would, and a restarted instance finds every session as it was left.
//
// Each instance still works on its sessions in memory (sessions/store.ts); this layer makes a request
// take its session in turn, across instances, and brings in what another instance changed since:
//   acquire: wait for this instance's turn at the session, then for the Redis lock; when the stored
//            version is not the one held here, restore the stored snapshot (sessions/snapshot.ts);
//   release: add the request's journal entry, save the snapshot when it changed (a read whose vitals
//            did not change did not change it) and free the lock, in one script, before the answer goes out.
// A session's requests are thereby serialized across instances, so `times`, idempotent replays, ETags
// and the seeded random stream's position are exact whichever instance answers. Keys, all under the
// prefix: <p>:session:<key> (hash: v version, d snapshot, n request count), <p>:lock:<key>,
// <p>:journal:<key> (list), <p>:counts:<key> (hash), <p>:journal-bytes:<key>, <p>:sessions and
// <p>:client:<client id> (sorted sets of keys by last use), <p>:choices (hash) and <p>:choice-use (its
// keys by last use), <p>:jwt-secret and <p>:jwt-secrets (the HS256 key, and those whose tokens are taken),
// <p>:deliveries:<key> (hash), <p>:delivery-order:<key> (sorted set), <p>:deliveries-version:<key>.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { MAX_HS256_KEYS, type TokenService } from '../auth/tokens.js';
import { digestOf } from '../digest.js';
import { INLINE_PREFIX, type ScenarioCatalog } from '../scenarios/catalog.js';
import type { JournalCount, JournalEntry, JournalStore } from '../journal/journal.js';
import type { DeliveryRecord, WebhookDeliverer } from '../webhooks/delivery.js';
import { restoreSnapshot, snapshotJson, snapshotOf, vitalsOf, type SessionSnapshot } from './snapshot.js';
import { keyParts, Session, sessionKey, type EvictionLimit, type SessionLimits, type SessionStore } from './store.js';
import { isRefusal, replyOf, StoreUnavailableError, unavailable } from './unavailable.js';


/**
 * A Lua function the scripts that forget sessions share: everything stored of the session `key` under
 * `prefix`, and its place in the set of sessions and in its client's.
 */
const FORGET = `
local function forget(prefix, sessions, key)
  for _, kind in ipairs({'session', 'journal', 'counts', 'journal-bytes', 'deliveries', 'delivery-order', 'deliveries-version'}) do
    redis.call('DEL', prefix .. ':' .. kind .. ':' .. key)
  end
  redis.call('ZREM', sessions, key)
  local at = string.find(key, '\\0', 1, true)
  if at then redis.call('ZREM', prefix .. ':client:' .. string.sub(key, 1, at - 1), key) end
end`;

/**
 * Takes the lock when it is free; answers [version, snapshot or nil when the one held is current, the two
 * choices, the deliveries' version and records when newer, the request count]. A choice found is marked
 * used (ARGV[9], now), as the in-memory cache of choices marks it; a choice of a scenario sent for
 * sessions (inline:…) keeps its text (<p>:scenario:<name>) for another idle timeout.
 */
const ACQUIRE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local v = redis.call('HGET', KEYS[2], 'v') or ''
local choices = redis.call('HMGET', KEYS[3], ARGV[4], ARGV[5])
for i = 1, 2 do
  local c = choices[i]
  if c then redis.call('ZADD', KEYS[6], ARGV[9], ARGV[3 + i]) end
  if c and string.sub(c, 1, 7) == 'inline:' then redis.call('PEXPIRE', ARGV[7] .. c, ARGV[8]) end
end
local dv = redis.call('GET', KEYS[4]) or ''
local deliveries = false
if dv ~= ARGV[6] then deliveries = redis.call('HVALS', KEYS[5]) end
local d = false
if v ~= ARGV[3] then d = redis.call('HGET', KEYS[2], 'd') end
local n = redis.call('HGET', KEYS[2], 'n') or '0'
return {v, d, choices[1], choices[2], dv, deliveries, n}`;

/**
 * Records a delivery's progress (another instance shows it), keeping the session's newest ARGV[3]; a
 * version the instances compare to know when to read them again.
 */
const SAVE_DELIVERY = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
while redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[3]) do
  local oldest = redis.call('ZPOPMIN', KEYS[2])[1]
  redis.call('HDEL', KEYS[1], oldest)
end
redis.call('INCR', KEYS[3])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return 1`;

/**
 * A Lua function RELEASE uses: adds `entry` ("<bytes> <JSON>", its bytes as
 * the in-memory journal counts them) to the list `journal` and counts it under `field` of `counts`; keeps
 * at most `size` entries and `maxBytes` of them (in `bytes`), the oldest dropped first, as that journal
 * does; all three live for `idle` ms more. Answers the entries kept.
 */
const APPEND = `
local function append(journal, counts, bytes, entry, size, maxBytes, field, idle)
  redis.call('RPUSH', journal, entry)
  local total = redis.call('INCRBY', bytes, tonumber(string.match(entry, '^%d+')))
  local length = redis.call('LLEN', journal)
  while length > 0 and (length > tonumber(size) or total > tonumber(maxBytes)) do
    total = redis.call('DECRBY', bytes, tonumber(string.match(redis.call('LPOP', journal), '^%d+')))
    length = length - 1
  end
  redis.call('HINCRBY', counts, field, 1)
  for _, key in ipairs({journal, counts, bytes}) do redis.call('PEXPIRE', key, idle) end
  return length
end`;

/**
 * Saves (when a snapshot is given) and the request count (always: kept beside the snapshot, so that a
 * request which changed nothing else writes a number, not the session), marks the session used and frees
 * the lock, if this request still holds it. The store then holds at most maxSessions sessions, and a client at most maxSessionsPerClient:
 * past them the least recently used go (of that client first), as in one instance's memory, and a
 * client's session forgotten (for room, or idle) takes its scenario choice with it. Answers the version,
 * then each session forgotten for room: 'c' (its client's bound) or 'a' (the store's) and its key. The
 * request's journal entry, when ARGV[11] is one, is added first (KEYS[4] to KEYS[6], ARGV[11] to
 * ARGV[14], as APPEND takes them), whether the lock is still held or not: one command, not two.
 */
const RELEASE = `
${APPEND}
if ARGV[11] ~= '' then append(KEYS[4], KEYS[5], KEYS[6], ARGV[11], ARGV[12], ARGV[13], ARGV[14], ARGV[3]) end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local prefix, key, now, idle = ARGV[7], ARGV[5], tonumber(ARGV[4]), tonumber(ARGV[3])
local v
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], 'd', ARGV[2], 'n', ARGV[10])
  v = redis.call('HINCRBY', KEYS[2], 'v', 1)
else
  redis.call('HSET', KEYS[2], 'n', ARGV[10])
  v = redis.call('HGET', KEYS[2], 'v') or ''
end
redis.call('PEXPIRE', KEYS[2], idle)
redis.call('DEL', KEYS[1])
${FORGET}
local answer = {tostring(v)}
-- A client's session takes its scenario choice with it (a choice for a name alone stays).
local function unchoose(gone)
  if string.find(gone, '\\0', 1, true) then
    redis.call('HDEL', prefix .. ':choices', gone)
    redis.call('ZREM', prefix .. ':choice-use', gone)
  end
end
local function trim(set, max, limit)
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', now - idle)) do
    redis.call('ZREM', set, gone)
    unchoose(gone)
  end
  while redis.call('ZCARD', set) > max do
    local oldest = redis.call('ZRANGE', set, 0, 0)[1]
    if oldest == key then break end
    forget(prefix, KEYS[3], oldest)
    unchoose(oldest)
    table.insert(answer, limit .. oldest)
  end
end
if ARGV[8] ~= '' then
  local own = prefix .. ':client:' .. ARGV[8]
  redis.call('ZADD', own, now, key)
  redis.call('PEXPIRE', own, idle)
  trim(own, tonumber(ARGV[9]), 'c')
end
redis.call('ZADD', KEYS[3], now, key)
trim(KEYS[3], tonumber(ARGV[6]), 'a')
return answer`;

/**
 * The HS256 key of the instances on the store (KEYS[1]), written by the first (ARGV[2] when none is
 * stored), and the keys whose tokens they take (KEYS[2], sorted by when each was added, ARGV[1]): the
 * one stored and those ARGV[3..] an instance has signed with, so that after the store lost them (a
 * FLUSHALL, a restart without persistence) the replicas put them back and converge on one key to sign
 * with while taking every token any of them issued. Keeps the newest ${MAX_HS256_KEYS}. Answers the stored
 * key, the keys to take, and 1 when ARGV[2] was written.
 */
const SYNC_SECRET = `
local written = redis.call('SET', KEYS[1], ARGV[2], 'NX') and 1 or 0
local current = redis.call('GET', KEYS[1])
for i = 3, #ARGV do redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[i]) end
local extra = redis.call('ZCARD', KEYS[2]) - ${MAX_HS256_KEYS}
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1) end
redis.call('ZADD', KEYS[2], 'NX', ARGV[1], current)
return {current, redis.call('ZRANGE', KEYS[2], 0, -1), written}`;

/** Frees a lock if it is still the holder's (a lock taken by a command whose answer never came back). */
const FREE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Keeps a held lock alive while a long request runs. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Records a session key's or a name's choice (ARGV[1], ARGV[2]: '' the realistic behaviour, else a
 * scenario's name), marked used now (ARGV[3]), and keeps at most ARGV[4] choices, as the in-memory cache
 * of choices does: past it the least recently used are forgotten. Answers their keys.
 */
const CHOOSE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local gone = {}
while redis.call('ZCARD', KEYS[2]) > tonumber(ARGV[4]) do
  local oldest = redis.call('ZPOPMIN', KEYS[2])[1]
  redis.call('HDEL', KEYS[1], oldest)
  table.insert(gone, oldest)
end
return gone`;

/** Forgets the choices of a name: its own and every client's session of that name. */
const FORGET_NAME = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local suffix = '\\0' .. ARGV[1]
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, -#suffix) == suffix then
    redis.call('HDEL', KEYS[1], field)
    redis.call('ZREM', KEYS[2], field)
  end
end
return 1`;

/**
 * Forgets stored sessions: the one of key ARGV[3], else those called ARGV[2], else ('' and '') all. One
 * script, sent at once: a request that follows a reset is sent after it on the same connection.
 */
const FORGET_SESSIONS = `
${FORGET}
if ARGV[3] ~= '' then
  forget(ARGV[1], KEYS[1], ARGV[3])
  return 1
end
local removed = 0
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local at = string.find(key, '\\0', 1, true)
  local name = at and string.sub(key, at + 1) or key
  if ARGV[2] == '' or name == ARGV[2] then
    forget(ARGV[1], KEYS[1], key)
    removed = removed + 1
  end
end
return removed`;

/** A field of a session's counts (journalArgs writes it: operation, status, the fault if any) and its count. */
function countOf(field: string, count: string): JournalCount {
  const [operation = '', status, fault] = field.split('\u0000');
  return { operation, status: Number(status), fault, count: Number(count) };
}

/** RELEASE's journal arguments when the request has no journal entry. */
const NO_ENTRY: [entry: string, size: number, maxBytes: number, countField: string] = ['', 0, 0, ''];

/** What ACQUIRE answers: the version, the snapshot when newer, the two choices, the deliveries' version and records when newer, the request count. */
type Acquired = [string, string | null, string | null, string | null, string, string[] | null, string];

interface SharedRedis extends Redis {
  acquireSession(lock: string, data: string, choices: string, deliveryVersion: string, deliveries: string, choiceUse: string, token: string, lockMs: number, known: string, key: string,
    name: string, knownDeliveries: string, scenarioPrefix: string, idleMs: number, now: number): Promise<Acquired | null>;
  saveDelivery(deliveries: string, order: string, version: string, id: string, record: string, limit: number, idleMs: number): Promise<number>;
  releaseSession(lock: string, data: string, sessions: string, journal: string, counts: string, bytes: string, token: string, snapshot: string, idleMs: number, now: number,
    key: string, maxSessions: number, prefix: string, clientId: string, maxPerClient: number, requestCount: number,
    entry: string, size: number, maxBytes: number, countField: string): Promise<string[] | null>;
  renewSession(lock: string, token: string, lockMs: number): Promise<number>;
  freeLock(lock: string, token: string): Promise<number>;
  syncSecret(secret: string, secrets: string, now: number, candidate: string, ...signedWith: string[]): Promise<[string, string[], number]>;
  choose(choices: string, choiceUse: string, key: string, stored: string, now: number, max: number): Promise<string[]>;
  forgetName(choices: string, choiceUse: string, name: string): Promise<number>;
  forgetSessions(sessions: string, prefix: string, name: string, key: string): Promise<number>;
}

export interface RedisSessionsOptions {
  url: string;
  prefix: string;
  /** A session nobody used for this long is forgotten (its keys expire). */
  idleMs: number;
  journalSize: number;
  /** Bytes of journal entries kept per session (as the in-memory journal counts them). */
  journalBytes: number;
  /** Deliveries a session keeps (webhookHistoryLimit). */
  deliveryHistoryLimit: number;
  /** Sessions the store holds in all, and per client: past them the least recently used are forgotten. */
  maxSessions: number;
  maxSessionsPerClient: number;
  /** The limits of a new session, for an empty one to restore when the stored one is gone. */
  limits: SessionLimits;
  /** How long a request waits for a session another instance holds before it is answered 503. */
  waitMs?: number;
  /** How long a lock lives unless renewed (an instance that dies holding one frees it after this). */
  lockMs?: number;
  /**
   * How long taking a session's lock, or health's look at the store, may wait for Redis's answer before
   * the store counts as not answering (default 1000 ms; other commands wait the client's 5 s).
   */
  answerTimeoutMs?: number;
  /** Told when the store stops answering and when it answers again (one line each, not one per request). */
  log?: StoreLog;
  /** How often an instance sharing its HS256 key through the store checks the store still holds it (default 5 s). */
  keySyncMs?: number;
  /** Told of each stored session this instance forgot to make room (its key), and for which bound. */
  evicted?: (key: string, limit: EvictionLimit) => void;
  /**
   * Whether a read that left the session's vitals as they were is checked in full all the same, and
   * refused (503) when the snapshot did change: for the test suite on Redis, so that a change a read makes
   * without touching the vitals fails a test instead of going unsaved. Default: CHECK_STORE_READS=1.
   */
  checkReads?: boolean;
}

/** Where the store's state changes are logged (the app's logger). */
export interface StoreLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** How soon after a token whose signature no known key matches the key is looked up in the store again, at most. */
const UNKNOWN_SIGNATURE_SYNC_MS = 1000;

/** How often a store that stopped answering is asked again (PING) until it answers. */
const PROBE_MS = 500;

/** A command that got no answer in time (the store hangs, or the network to it). */
class NoAnswerError extends Error {}

/**
 * Whether a command's failure says the store did not answer (a timeout, a connection gone), as opposed
 * to its refusing the command (a ReplyError) or a fault of the mock's own.
 */
function noAnswer(error: unknown): boolean {
  if (!(error instanceof Error) || isRefusal(error) || error instanceof StoreUnavailableError) return false;
  if (error instanceof NoAnswerError || error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /^(Command timed out|Connection is closed|Stream isn't writeable|Socket closed)/.test(error.message);
}

/** The store's trouble: it does not answer (every request refused at once until it does), or refuses commands. */
interface Outage {
  kind: 'down' | 'refusing';
  since: number;
  reason: string;
}

interface Hold {
  token: string;
  endTurn: () => void;
  renew: NodeJS.Timeout;
}

export class RedisSessions {
  readonly kind = 'redis';
  private readonly redis: SharedRedis;
  private readonly turns = new Turns();
  private readonly held = new WeakMap<Session, Hold>();
  /** The stored version each local session holds ('stale': its last save failed, bring the stored one in). */
  private readonly versions = new WeakMap<Session, string>();
  /** The version of the session's delivery records last brought in. */
  private readonly deliveryVersions = new WeakMap<Session, string>();
  /**
   * The digest of the snapshot last saved or brought in, so an unchanged session is not written again.
   * Made from snapshotJson's pieces without joining them, so a snapshot brought in as one string compares
   * with one made here in pieces (SHA-256: about 0.7 ms for a session of 1 MB, against several ms to
   * compare the texts themselves).
   */
  private readonly savedDigests = new WeakMap<Session, string>();
  /**
   * The digest of vitalsOf the session when its snapshot was last saved or brought in: a read that leaves
   * them so changed nothing. A digest, since a session's progress through a scenario of many rules makes
   * its vitals long.
   */
  private readonly savedVitals = new WeakMap<Session, string>();
  private readonly checkReads: boolean;
  private readonly waitMs: number;
  private readonly lockMs: number;
  private readonly answerTimeoutMs: number;
  /** null while the store answers; see Outage. */
  private outage: Outage | null = null;
  /** The PING loop of a store that is down, and whether its PING is out. */
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  /**
   * Locks a command may have taken without its answer coming back (token → lock key): each is freed as
   * soon as it was lost (the FREE_LOCK sent after it on the same connection runs after it, when the
   * store resumes) and again before the store counts as back, so no request waits out a lock nobody holds.
   */
  private readonly orphans = new Map<string, string>();
  /** The token service whose HS256 key is shared through the store (shareTokens), its periodic check, the last check, and when a token's signature last asked for one. */
  private tokens: TokenService | null = null;
  private keyTimer: NodeJS.Timeout | null = null;
  private keySync: Promise<void> = Promise.resolve();
  private unknownSignatureAt = 0;
  /** A lock's owner: this instance (random, once) and which of its holds (a counter), not random bytes per request. */
  private readonly instanceId = randomBytes(12).toString('base64url');
  private lockCount = 0;
  private scenarios: ScenarioCatalog | null = null;
  private journals: JournalStore | null = null;
  private webhooks: WebhookDeliverer | null = null;
  private store: SessionStore | null = null;

  private constructor(redis: Redis, private readonly options: RedisSessionsOptions) {
    this.redis = redis as SharedRedis;
    this.redis.defineCommand('acquireSession', { numberOfKeys: 6, lua: ACQUIRE });
    this.redis.defineCommand('saveDelivery', { numberOfKeys: 3, lua: SAVE_DELIVERY });
    this.redis.defineCommand('releaseSession', { numberOfKeys: 6, lua: RELEASE });
    this.redis.defineCommand('renewSession', { numberOfKeys: 1, lua: RENEW });
    this.redis.defineCommand('freeLock', { numberOfKeys: 1, lua: FREE_LOCK });
    this.redis.defineCommand('syncSecret', { numberOfKeys: 2, lua: SYNC_SECRET });
    this.redis.defineCommand('choose', { numberOfKeys: 2, lua: CHOOSE });
    this.redis.defineCommand('forgetName', { numberOfKeys: 2, lua: FORGET_NAME });
    this.redis.defineCommand('forgetSessions', { numberOfKeys: 1, lua: FORGET_SESSIONS });
    this.waitMs = options.waitMs ?? 10_000;
    this.lockMs = options.lockMs ?? 5000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 1000;
    // A connection made again: ask at once whether the store answers.
    this.redis.on('ready', () => this.probeOnce());
    this.checkReads = options.checkReads ?? process.env.CHECK_STORE_READS === '1';
  }

  /**
   * Connects, or throws a StoreUnavailableError naming the URL: an instance that cannot reach its store
   * does not start. Afterwards a lost connection is retried for ever, and requests meanwhile get 503.
   */
  static async connect(options: RedisSessionsOptions): Promise<RedisSessions> {
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // Nothing waits for a connection that is not there: a request is answered 503 at once instead.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 5000,
      commandTimeout: 5000,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    };
    const redis = new Redis(options.url, redisOptions);
    // Errors are answered where they happen (503s, the health endpoint); ioredis would print each one.
    redis.on('error', () => {});
    // Redis's own refusal of the connection (WRONGPASS, NOAUTH), which ioredis reports only as an event:
    // the failed connect() says no more than "Connection is closed."
    let refusal: Error | undefined;
    const atStart = (error: Error) => {
      if (isRefusal(error)) refusal ??= error;
    };
    redis.on('error', atStart);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw startFailure(options.url, refusal ?? error);
    } finally {
      redis.off('error', atStart);
    }
    return new RedisSessions(redis, options);
  }

  /** The pieces it keeps in step: set once the app has built them. */
  attach(store: SessionStore, scenarios: ScenarioCatalog, journals: JournalStore, webhooks: WebhookDeliverer): void {
    this.store = store;
    this.scenarios = scenarios;
    this.journals = journals;
    this.webhooks = webhooks;
    webhooks.mirror = this;
  }

  /** A delivery's progress, for the other instances' events history and admin API (not awaited by the deliverer). */
  saved(session: Session, record: DeliveryRecord): void {
    this.redis.saveDelivery(this.key('deliveries', session.id), this.key('delivery-order', session.id), this.key('deliveries-version', session.id),
      record.id, JSON.stringify(record), this.options.deliveryHistoryLimit, this.options.idleMs).catch(() => {
      // The store is away: this instance still shows it; the others will not until its next change.
    });
  }

  /** Brings in the session's delivery records when another instance changed them. */
  async refresh(session: Session): Promise<void> {
    const version = (await this.redis.get(this.key('deliveries-version', session.id))) ?? '';
    if (version === (this.deliveryVersions.get(session) ?? '')) return;
    this.adoptDeliveries(session, version, await this.redis.hvals(this.key('deliveries', session.id)));
  }

  private adoptDeliveries(session: Session, version: string, records: string[]): void {
    this.deliveryVersions.set(session, version);
    this.webhooks!.adopt(session, records.map((record) => JSON.parse(record) as DeliveryRecord));
  }

  get url(): string {
    return redactUrl(this.options.url);
  }

  /**
   * The HS256 key of the instances on this store: the first one's, kept in the store, so a token from
   * one instance is taken by every other (the store holds it as long as any session, and longer); and
   * the keys whose tokens they take (decision 92).
   */
  async sharedSecret(mine: string): Promise<{ current: string; accepted: string[] }> {
    const [current, accepted] = await this.syncSecret(mine);
    return { current, accepted };
  }

  /** SYNC_SECRET: `candidate` written when the store holds no key, `signedWith` added to the keys taken. */
  private syncSecret(candidate: string, ...signedWith: string[]): Promise<[string, string[], number]> {
    return this.redis.syncSecret(this.key('jwt-secret'), this.key('jwt-secrets'), Date.now(), candidate, ...signedWith);
  }

  /**
   * Keeps `tokens`' HS256 key in step with the store's, from now on: every keySyncMs, when the store is
   * back after an outage, and (at most once a second) when a token's signature matches no key it knows.
   */
  shareTokens(tokens: TokenService): void {
    this.tokens = tokens;
    tokens.onUnknownSignature = () => {
      const now = Date.now();
      if (now - this.unknownSignatureAt < UNKNOWN_SIGNATURE_SYNC_MS) return;
      this.unknownSignatureAt = now;
      void this.syncTokenKey();
    };
    this.keyTimer = setInterval(() => void this.syncTokenKey(), this.options.keySyncMs ?? 5000);
    this.keyTimer.unref();
  }

  /**
   * Puts this instance's HS256 key back in the store when the store lost it (SET NX: the first instance
   * to do so wins), with the keys it signed with; signs from then on with the key the store holds, and
   * takes tokens of every key the store lists, and of its own. One check after another; never rejects.
   */
  syncTokenKey(): Promise<void> {
    this.keySync = this.keySync.then(() => this.checkTokenKey());
    return this.keySync;
  }

  private async checkTokenKey(): Promise<void> {
    const tokens = this.tokens;
    if (!tokens || this.outage?.kind === 'down') return;
    const { current, signedWith } = tokens.hs256Keys();
    try {
      const [stored, accepted, written] = await this.answered(this.syncSecret(current, ...signedWith));
      tokens.useSecrets(stored, accepted);
      if (written === 1) {
        this.options.log?.info({ event: 'token_key_restored', store: this.url },
          'the session store had lost the HS256 token key: this instance wrote its own back, which every instance on the store adopts');
      } else if (stored !== current) {
        this.options.log?.info({ event: 'token_key_adopted', store: this.url },
          'the session store holds another HS256 token key (it lost the one this instance had): signing with it now, and still taking tokens of the keys before');
      }
    } catch (error) {
      this.failure(error);
    }
  }

  /**
   * The sessions in the store (used within the idle timeout), for health: what every instance counts
   * alike, and whether the store answers (within answerTimeoutMs). Throws a StoreUnavailableError when it
   * does not, at once while it is down.
   */
  async sessionCount(): Promise<number> {
    this.checkUp();
    try {
      return await this.answered(this.redis.zcount(this.key('sessions'), Date.now() - this.options.idleMs, '+inf'));
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * `command`'s answer, or a NoAnswerError after answerTimeoutMs. A timer that fires late (the event loop
   * was busy) first lets the loop read what came meanwhile, so a busy instance does not take an answer
   * waiting in its socket for a store that hangs.
   */
  private answered<T>(command: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new NoAnswerError(`no answer within ${this.answerTimeoutMs} ms`));
      }), this.answerTimeoutMs);
      command.then((value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error as Error);
      });
    });
  }

  /**
   * The request's error for a command that failed, noting what it says of the store: one that did not
   * answer is down (every request refused at once until a PING is answered), one that refused the command
   * (OOM, READONLY…) is refusing; either is logged once, when it starts, not per request.
   */
  private failure(error: unknown): StoreUnavailableError {
    const failed = unavailable(error);
    if (noAnswer(error)) {
      this.down((error as Error).message);
      failed.outage = true;
    } else if (isRefusal(error)) {
      this.refusing(replyOf(error as Error));
      failed.outage = true;
    }
    return failed;
  }

  /** Refuses a request at once while the store is down. */
  private checkUp(): void {
    const outage = this.outage;
    if (outage?.kind !== 'down') return;
    const refused = new StoreUnavailableError(`the session store has not answered since ${new Date(outage.since).toISOString()} (${outage.reason})`);
    refused.outage = true;
    throw refused;
  }

  private down(reason: string): void {
    if (this.outage?.kind === 'down') return;
    this.outage = { kind: 'down', since: Date.now(), reason };
    this.options.log?.warn({ event: 'session_store_down', store: this.url, reason },
      'the session store does not answer: requests that need it are answered 503 at once until it answers a PING again');
    this.probe = setInterval(() => this.probeOnce(), PROBE_MS);
    this.probe.unref();
    this.probeOnce();
  }

  private refusing(reason: string): void {
    if (this.outage !== null) return;
    this.outage = { kind: 'refusing', since: Date.now(), reason };
    this.options.log?.warn({ event: 'session_store_refusing', store: this.url, reason },
      `the session store refuses commands (${reason}): requests that need it are answered 503 until it takes them again`);
  }

  /** The store took a command again (a session's lock): a refusing store is back. */
  private accepted(): void {
    if (this.outage?.kind === 'refusing') this.back();
  }

  /** While the store is down: a PING, unless one is out; when it is answered, the lost locks are freed and the store is back. */
  private probeOnce(): void {
    if (this.outage?.kind !== 'down' || this.probing) return;
    this.probing = true;
    this.redis.ping()
      .then(async () => {
        for (const [token, lock] of this.orphans) {
          await this.redis.freeLock(lock, token);
          this.orphans.delete(token);
        }
        if (this.outage?.kind === 'down') this.back();
      })
      .catch(() => {
        // Still away: the next tick asks again.
      })
      .finally(() => {
        this.probing = false;
      });
  }

  private back(): void {
    const outage = this.outage!;
    this.outage = null;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.options.log?.info({ event: 'session_store_back', store: this.url, after_ms: Date.now() - outage.since },
      `the session store ${outage.kind === 'down' ? 'answers' : 'takes commands'} again`);
    // A store restarted without persistence lost the token key with the rest.
    if (outage.kind === 'down') void this.syncTokenKey();
  }

  /**
   * A lock `token` may hold without its holder knowing (its command's answer was lost): freed by a
   * FREE_LOCK sent now, which runs after that command on the same connection, and again once the store
   * is back (in case the connection was made anew meanwhile).
   */
  private orphan(lock: string, token: string): void {
    this.orphans.set(token, lock);
    this.redis.freeLock(lock, token).then(() => this.orphans.delete(token), () => {
      // The store is away: freed when it is back.
    });
  }

  async close(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    if (this.keyTimer) clearInterval(this.keyTimer);
    this.keyTimer = null;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** Whether this request holds `session` now (between acquire and release). */
  holds(session: Session): boolean {
    return this.held.has(session);
  }

  /** Takes `session` for one request: its turn here, then the lock; brings in the stored state when it is newer. */
  async acquire(session: Session, bringIn = true): Promise<void> {
    this.checkUp();
    const endTurn = await this.turns.take(session.id);
    const token = `${this.instanceId}:${(this.lockCount += 1)}`;
    const lock = this.key('lock', session.id);
    try {
      // A request that waited for its turn behind one the store did not answer is not sent to it.
      this.checkUp();
      const deadline = Date.now() + this.waitMs;
      let pause = 1;
      for (;;) {
        const answer = await this.answered(this.redis.acquireSession(lock, this.key('session', session.id), this.key('choices'),
          this.key('deliveries-version', session.id), this.key('deliveries', session.id), this.key('choice-use'),
          token, this.lockMs, this.versions.get(session) ?? '', session.id, session.name, this.deliveryVersions.get(session) ?? '',
          this.key('scenario', ''), this.options.idleMs, Date.now()));
        if (this.outage !== null) this.accepted();
        if (answer) {
          if (bringIn) {
            // A scenario another instance was sent, before the choice and the progress that name it.
            await this.takeInScenarios([answer[2], answer[3]]);
            this.bringIn(session, answer);
          }
          else this.versions.set(session, answer[0]);
          break;
        }
        if (Date.now() > deadline) throw new StoreUnavailableError(`the session ${JSON.stringify(session.name)} stayed busy in another instance for ${this.waitMs} ms`);
        await sleep(pause);
        this.checkUp();
        pause = Math.min(pause * 2, 25);
      }
      const renew = setInterval(() => {
        if (this.outage?.kind !== 'down') this.redis.renewSession(lock, token, this.lockMs).catch(() => {});
      }, Math.floor(this.lockMs / 3));
      renew.unref();
      this.held.set(session, { token, endTurn, renew });
    } catch (error) {
      endTurn();
      // The script may still run when the store resumes, taking the lock for nobody.
      if (noAnswer(error)) this.orphan(lock, token);
      throw this.failure(error);
    }
  }

  /**
   * Saves what the request changed, with its journal entry, and frees the session. Rejects when the
   * change could not be saved; the session held here is then brought in afresh on its next turn. A
   * request that only `read` and left the session's vitals (vitalsOf) as they were saved or brought in
   * is not serialized: it changed nothing the snapshot holds.
   */
  async release(session: Session, entry?: { entry: JournalEntry; bytes: number } | null, read = false): Promise<void> {
    const hold = this.held.get(session);
    if (!hold) return;
    this.held.delete(session);
    clearInterval(hold.renew);
    const lock = this.key('lock', session.id);
    try {
      if (this.outage?.kind === 'down') {
        // Nothing is saved (the request answers 503), and the lock goes once the store is back.
        this.orphan(lock, hold.token);
        this.checkUp();
      }
      const vitals = digestOf(vitalsOf(session, this.scenarios!));
      // The snapshot's text when it changed ('' when not), and its digest when it was made (not for a read whose vitals stayed).
      let snapshot = '';
      let digest: string | undefined;
      if (read && vitals === this.savedVitals.get(session)) {
        if (this.checkReads) this.checkRead(session, entry?.entry);
      } else {
        const pieces = this.snapshotPieces(session);
        digest = digestOf(pieces);
        if (digest !== this.savedDigests.get(session)) snapshot = pieces.join('');
      }
      // With the journal entry: one command.
      const answer = await this.redis.releaseSession(lock, this.key('session', session.id), this.key('sessions'),
        ...this.journalKeys(session), hold.token, snapshot, this.options.idleMs, session.lastSeenAt, session.id,
        this.options.maxSessions, this.options.prefix, session.clientId ?? '', this.options.maxSessionsPerClient, session.requestCount,
        ...(entry ? this.journalArgs(entry.entry, entry.bytes) : NO_ENTRY));
      if (answer === null) throw new StoreUnavailableError(`the session ${JSON.stringify(session.name)} was held longer than ${this.lockMs} ms without renewal, and its change was not saved`);
      const [version, ...evicted] = answer as [string, ...string[]];
      for (const forgotten of evicted) this.options.evicted?.(forgotten.slice(1), forgotten[0] === 'c' ? 'maxSessionsPerClient' : 'maxSessions');
      this.versions.set(session, version);
      if (digest !== undefined) {
        this.savedDigests.set(session, digest);
        this.savedVitals.set(session, vitals);
      }
    } catch (error) {
      this.versions.set(session, 'stale');
      // RELEASE may never have reached the store: its lock goes once the store is back.
      if (noAnswer(error)) this.orphan(lock, hold.token);
      throw this.failure(error);
    } finally {
      hold.endTurn();
    }
  }

  /** The keys of a session's journal: its entries, their counts by operation and status, their bytes. */
  private journalKeys(session: Session): [journal: string, counts: string, bytes: string] {
    return [this.key('journal', session.id), this.key('counts', session.id), this.key('journal-bytes', session.id)];
  }

  /**
   * A journal entry as APPEND takes it: its text ("<bytes> <JSON>"), the journal's bounds, its count's
   * field (operation and status, and the fault its answer met if any, NUL between them: countOf reads it).
   */
  private journalArgs(entry: JournalEntry, bytes: number): [entry: string, size: number, maxBytes: number, countField: string] {
    const field = `${entry.operation ?? ''}\u0000${entry.status}`;
    return [`${bytes} ${JSON.stringify(entry)}`, this.options.journalSize, this.options.journalBytes, entry.fault === undefined ? field : `${field}\u0000${entry.fault}`];
  }

  /**
   * Saves a change made outside a request (the programmatic control, which is synchronous): in this
   * instance's turn, over whatever is stored, since the change was made to the session held here.
   */
  async persist(session: Session): Promise<void> {
    await this.acquire(session, false);
    await this.release(session);
  }

  /**
   * Brings the stored sessions called `name` (of `clientId` when given) into this instance, with their
   * choices and, when asked, their journals: the admin API reads and changes them here afterwards.
   */
  async pull(name: string, clientId?: string | null, withJournal = false): Promise<void> {
    return this.guarded(async () => {
      const keys = clientId !== undefined ? [sessionKey(name, clientId)] : (await this.liveKeys()).filter((key) => keyParts(key).name === name);
      // Choices first: a session's progress through a sent scenario applies once the scenario is here.
      await this.pullChoices([name, ...keys]);
      await Promise.all(keys.map((key) => this.pullKey(key, withJournal)));
    });
  }

  /**
   * Brings every stored session in (for the list of sessions), and forgets here those the store no longer
   * has (deleted, reset or forgotten by another instance, or idle), but one a request here holds.
   */
  async pullAll(): Promise<void> {
    return this.guarded(async () => {
      const keys = await this.liveKeys();
      const stored = new Set(keys);
      for (const session of this.store!.all()) {
        if (!stored.has(session.id) && !this.held.has(session)) this.store!.forgetHere(session.name, session.clientId);
      }
      await this.pullChoices([...new Set(keys.flatMap((key) => [key, keyParts(key).name]))]);
      await Promise.all(keys.map((key) => this.pullKey(key, false)));
    });
  }

  /** Forgets the stored sessions called `name` (of `clientId` when given): state, journal, counts. */
  async delete(name: string, clientId?: string | null): Promise<void> {
    return this.guarded(async () => {
      await this.redis.forgetSessions(this.key('sessions'), this.options.prefix, name, clientId !== undefined ? sessionKey(name, clientId) : '');
    });
  }

  /** Forgets every stored session and every choice. */
  async clear(): Promise<void> {
    return this.guarded(async () => {
      await this.redis.forgetSessions(this.key('sessions'), this.options.prefix, '', '');
      await this.redis.del(this.key('choices'), this.key('choice-use'));
    });
  }

  /**
   * Records a choice for a session key or a name ('' the realistic behaviour, else a scenario's name).
   * The store keeps maxSessions choices, as one instance's memory does; answers the keys of those
   * forgotten to make room (the least recently used).
   */
  async setChoice(choiceKey: string, choice: string): Promise<string[]> {
    return this.redis.choose(this.key('choices'), this.key('choice-use'), choiceKey, choice, Date.now(), this.options.maxSessions);
  }

  /** Keeps a sent scenario's text for the other instances, for an idle timeout after the last request of a session that chose it. */
  async setInline(name: string, text: string): Promise<void> {
    await this.redis.set(this.key('scenario', name), text, 'PX', this.options.idleMs);
  }

  /**
   * Takes in the sent scenarios these choices name that this instance does not hold yet. Never throws:
   * one it cannot read or use leaves its sessions the realistic behaviour, with a warning.
   */
  private async takeInScenarios(choices: readonly (string | null | undefined)[]): Promise<void> {
    for (const name of choices) {
      if (!name?.startsWith(INLINE_PREFIX) || this.scenarios!.hasInline(name)) continue;
      this.scenarios!.adoptInline(name, await this.redis.get(this.key('scenario', name)).catch(() => null));
    }
  }

  /** Forgets the choices of a name, its own and its clients' sessions'; or of one client's session. */
  async forgetChoices(name: string, clientId?: string | null): Promise<void> {
    if (clientId !== undefined && clientId !== null) {
      const key = sessionKey(name, clientId);
      await this.redis.multi().hdel(this.key('choices'), key).zrem(this.key('choice-use'), key).exec();
    } else await this.redis.forgetName(this.key('choices'), this.key('choice-use'), name);
  }

  async forgetAllChoices(): Promise<void> {
    await this.redis.del(this.key('choices'), this.key('choice-use'));
  }

  /** Runs commands of the admin API: refused at once while the store is down, a failure noted as the store's. */
  private async guarded(run: () => Promise<void>): Promise<void> {
    this.checkUp();
    try {
      await run();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private key(kind: string, id?: string): string {
    return id === undefined ? `${this.options.prefix}:${kind}` : `${this.options.prefix}:${kind}:${id}`;
  }

  /** The keys of the sessions used within the idle timeout. */
  private async liveKeys(): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('sessions'), Date.now() - this.options.idleMs, '+inf');
  }

  private async pullKey(key: string, withJournal: boolean): Promise<void> {
    const [[version, data, requestCount], lastSeen] = await Promise.all([this.redis.hmget(this.key('session', key), 'v', 'd', 'n'), this.redis.zscore(this.key('sessions'), key)]);
    const { name, clientId } = keyParts(key);
    if (data === null || data === undefined) {
      // Gone from the store (expired, or reset elsewhere): gone here too.
      this.store!.forgetHere(name, clientId);
      return;
    }
    const session = this.store!.held(name, clientId);
    if (lastSeen !== null) session.lastSeenAt = Number(lastSeen);
    await this.refresh(session);
    // A session this request holds is current already.
    if (!this.held.has(session)) {
      if (version !== this.versions.get(session)) this.restore(session, version ?? '', data);
      session.requestCount = Number(requestCount ?? 0);
    }
    if (withJournal) {
      const [entries, counts] = await Promise.all([this.redis.lrange(this.key('journal', key), 0, -1), this.redis.hgetall(this.key('counts', key))]);
      const kept = entries.map((item) => {
        const space = item.indexOf(' ');
        return { bytes: Number(item.slice(0, space)), entry: JSON.parse(item.slice(space + 1)) as JournalEntry };
      });
      this.journals!.of(session).replace(kept, Object.entries(counts).map(([field, count]) => countOf(field, count)));
    }
  }

  private async pullChoices(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const values = await this.redis.hmget(this.key('choices'), ...keys);
    await this.takeInScenarios(values);
    keys.forEach((key, index) => this.scenarios!.adoptChoice(key, values[index] ?? null));
  }

  private bringIn(session: Session, [version, data, ownChoice, nameChoice, deliveryVersion, deliveries, requestCount]: Acquired): void {
    // Before a restore, which leaves the snapshot's (always 0) in place: the count is kept beside it.
    this.bringInState(session, version, data);
    session.requestCount = Number(requestCount);
    this.scenarios!.adoptChoice(session.id, ownChoice);
    if (session.id !== session.name) this.scenarios!.adoptChoice(session.name, nameChoice);
    if (deliveries) this.adoptDeliveries(session, deliveryVersion, deliveries);
  }

  private bringInState(session: Session, version: string, data: string | null): void {
    if (version === this.versions.get(session)) return;
    if (data === null) {
      // Nothing stored: a new session, or one that expired or was reset in another instance.
      const known = this.versions.get(session);
      if (known !== undefined && known !== '') this.restore(session, version, JSON.stringify(this.emptySnapshot(session)));
      else this.versions.set(session, version);
      if (known !== undefined && known !== '') this.journals!.of(session).replace([], []);
      return;
    }
    this.restore(session, version, data);
  }

  /**
   * The session's snapshot as saved, as pieces of its JSON text: without its request count, which changes
   * with every request and is saved beside it, so a request that changed nothing else does not write the
   * session again.
   */
  private snapshotPieces(session: Session): string[] {
    const snapshot = snapshotOf(session, this.scenarios!);
    snapshot.requestCount = 0;
    return snapshotJson(snapshot);
  }

  private restore(session: Session, version: string, data: string): void {
    restoreSnapshot(session, JSON.parse(data) as SessionSnapshot, this.scenarios!);
    this.versions.set(session, version);
    this.savedDigests.set(session, digestOf([data]));
    this.savedVitals.set(session, digestOf(vitalsOf(session, this.scenarios!)));
  }

  /** checkReads: throws when a read whose vitals stayed as they were did change the snapshot. */
  private checkRead(session: Session, entry: JournalEntry | undefined): void {
    if (digestOf(this.snapshotPieces(session)) === this.savedDigests.get(session)) return;
    throw new Error(`${entry ? `${entry.method} ${entry.path} (${entry.operation ?? 'no operation'})` : 'a read'} changed the session ${JSON.stringify(session.name)} `
      + 'but not its vitals (sessions/snapshot.ts vitalsOf): the change would not be saved');
  }

  private emptySnapshot(session: Session): SessionSnapshot {
    return snapshotOf(new Session(session.id, this.options.limits, session.name, session.clientId), this.scenarios!);
  }
}

/** Each session's requests in this instance, one after another, in the order they came. */
class Turns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for `key`'s turn; answers the function that ends it. */
  async take(key: string): Promise<() => void> {
    const before = this.tails.get(key);
    let end!: () => void;
    const mine = new Promise<void>((resolve) => {
      end = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(key, tail);
    if (before) await before;
    return () => {
      end();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}




/** Why an instance could not start on its store: Redis's refusal (with what to check), or what kept it from answering. */
function startFailure(url: string, error: unknown): StoreUnavailableError {
  const where = redactUrl(url);
  if (!isRefusal(error)) return new StoreUnavailableError(`cannot reach the session store ${where}: ${(error as Error).message}`, { cause: error });
  const reply = replyOf(error as Error);
  const hint = /^(WRONGPASS|NOAUTH)\b/.test(reply) ? ' (the user and password are the URL\'s: redis://user:password@host:port, or redis://:password@host:port for the default user)' : '';
  return new StoreUnavailableError(`the session store ${where} refused the connection: ${reply}${hint}`, { cause: error });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
