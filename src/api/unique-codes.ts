// Respondent unique codes: each target group's two pools of codes, one for its live URL and one for its
// test URL. An upload adds the codes the pool does not hold yet and answers how many it added; the stats
// count the pool and what of it is unconsumed; delete-unconsumed leaves only the consumed codes. A pool
// is kept as sessions/unique-codes.ts describes; the fielding simulator consumes the live pool's codes.
import { badRequest, type InvalidParam } from '../cint/errors.js';
import { isoAt } from '../sessions/lifecycle.js';
import { findTargetGroupById } from '../sessions/lookup.js';
import { jsonBytes, type Session, type StoredResource } from '../sessions/store.js';
import { codesOf, consumedOf, poolKeyOf, type Pool } from '../sessions/unique-codes.js';
import type { Handler, Handlers } from './handler.js';

interface Params { account_id: number; target_group_id: string }

/**
 * The most codes one pool holds. The document bounds a batch (20,000 codes) and not a pool; 100,000 is
 * the capacity it gives a target group's recontact and exclusion ids. The session's bytes bound it too.
 */
export const MAX_POOL_CODES = 100_000;

/** "Between 1 and 128 characters and contain only alphanumeric characters, hyphens (-), and underscores (_)": the length is the schema's. */
const CODE = /^[A-Za-z0-9_-]+$/;

/** invalid_params name at most this many codes; the detail says how many there are. */
const NAMED_AT_MOST = 100;

const keyOf = (params: Params, pool: Pool) => poolKeyOf(params.account_id, params.target_group_id, pool);

/** The pool of the target group the path names (404 naming target_group_id when it is not the session's). */
function poolOf(session: Session, params: Params, pool: Pool): StoredResource | undefined {
  findTargetGroupById(session, params.account_id, params.target_group_id);
  return session.singletons.get(keyOf(params, pool));
}

/** Each code outside the allowed characters, named by its index (trimmed already: hooks trim what the document says is trimmed). */
function checkCodes(codes: readonly string[]): void {
  const bad: InvalidParam[] = [];
  codes.forEach((code, index) => {
    if (CODE.test(code)) return;
    const name = `respondent_unique_codes[${index}]`;
    bad.push({ name, reason: `'${name}' must contain only letters, digits, hyphens (-) and underscores (_).` });
  });
  if (bad.length === 0) return;
  const detail = bad.length > NAMED_AT_MOST
    ? `request had validation errors: ${bad.length} codes have characters a code cannot have; the first ${NAMED_AT_MOST} are named`
    : undefined;
  throw badRequest(bad.slice(0, NAMED_AT_MOST), detail);
}

/**
 * "Only unique codes are processed": a code the batch repeats counts once, a code the pool holds already
 * is ignored, and `uploaded_count` is the number of codes added. Codes are compared exactly (they go
 * into a URL as they are), so `ABC` and `abc` are two codes.
 */
function upload(pool: Pool): Handler {
  return ({ session, params, body }) => {
    const path = params as unknown as Params;
    const stored = poolOf(session, path, pool);
    const codes = (body as unknown as { respondent_unique_codes: string[] }).respondent_unique_codes;
    checkCodes(codes);
    const held = new Set(codesOf(stored));
    const added = [...new Set(codes)].filter((code) => !held.has(code));
    if (added.length === 0) return { body: { uploaded_count: 0 } };
    if (held.size + added.length > MAX_POOL_CODES) {
      throw badRequest([{
        name: 'respondent_unique_codes',
        reason: `'respondent_unique_codes' would give the ${pool} pool of target group ${path.target_group_id} ${held.size + added.length} codes (it holds ${held.size}, and ${added.length} are new); a pool holds at most ${MAX_POOL_CODES}.`,
      }]);
    }
    const now = isoAt(session.now());
    const consumed = consumedOf(stored);
    const fields = { codes: [...codesOf(stored), ...added], ...(consumed > 0 ? { consumed } : {}) };
    // Counted before the change: past maxSessionBytes nothing is added.
    session.putSingleton(keyOf(path, pool), fields, now);
    return { body: { uploaded_count: added.length } };
  };
}

function stats(pool: Pool): Handler {
  return ({ session, params }) => {
    const stored = poolOf(session, params as unknown as Params, pool);
    const count = codesOf(stored).length;
    return { body: { total_count: count, unconsumed_count: count - consumedOf(stored) } };
  };
}

/**
 * The codes no respondent consumed go; the consumed ones stay (they still count in `total_count`, and
 * an upload of one of them is ignored). A pool with none consumed goes whole, and no longer counts as
 * an object or in bytes.
 */
function deleteUnconsumed(pool: Pool): Handler {
  return ({ session, params }) => {
    const stored = poolOf(session, params as unknown as Params, pool);
    if (!stored) return {};
    const consumed = consumedOf(stored);
    if (consumed === 0) {
      session.singletons.delete(stored.id);
      session.release(stored);
      return {};
    }
    const fields = { codes: codesOf(stored).slice(0, consumed), consumed };
    session.recount(stored, jsonBytes(fields));
    stored.fields = fields;
    stored.updated_at = isoAt(session.now());
    return {};
  };
}

export const uniqueCodeHandlers: Handlers = {
  upload_live_respondent_unique_codes: upload('live'),
  get_live_respondent_unique_codes_stats: stats('live'),
  delete_unconsumed_live_respondent_unique_codes: deleteUnconsumed('live'),
  upload_test_respondent_unique_codes: upload('test'),
  get_test_respondent_unique_codes_stats: stats('test'),
  delete_unconsumed_test_respondent_unique_codes: deleteUnconsumed('test'),
};
