// A target group's respondent unique codes as the session keeps them: two pools (live and test), each a
// singleton of the session (a StoredResource under a path-like key, so the session's bytes, its
// snapshots and the Redis store carry it) holding its codes in upload order and how many of them the
// fielding simulator has consumed, the first ones first. api/unique-codes.ts uploads, counts and deletes;
// the simulator (sessions/simulator.ts) consumes the live pool's codes, one for each respondent a target
// group whose live URL has the placeholder sends to the survey.
import type { Session, StoredResource, TargetGroup } from './store.js';

export type Pool = 'live' | 'test';

/** What a live URL carries for Cint to put each respondent's code in: "set up your target group's live URL to include" it. */
export const UNIQUE_CODE_PLACEHOLDER = '[%RESPONDENT_UNIQUE_CODE%]';

/** The pool's key among the session's singletons: the path its codes are uploaded to. */
export const poolKeyOf = (accountId: number, targetGroupId: string, pool: Pool) =>
  `/v1/demand/accounts/${accountId}/target-groups/${targetGroupId}/respondent-unique-codes/${pool}`;

/** Every code the pool holds, consumed or not, in upload order. */
export const codesOf = (stored: StoredResource | undefined): readonly string[] => (stored?.fields.codes as string[] | undefined) ?? [];

/** How many of the pool's first codes respondents have consumed. */
export const consumedOf = (stored: StoredResource | undefined): number => (stored?.fields.consumed as number | undefined) ?? 0;

/** Whether the target group's respondents take a live code each: its live URL has the placeholder. */
export function usesLiveCodes(group: TargetGroup): boolean {
  const url = group.spec.live_url;
  return typeof url === 'string' && url.includes(UNIQUE_CODE_PLACEHOLDER);
}

function livePoolOf(session: Session, group: TargetGroup): StoredResource | undefined {
  const project = session.projects.get(group.project_id);
  return project ? session.singletons.get(poolKeyOf(project.account_id, group.id, 'live')) : undefined;
}

/** The live codes no respondent has consumed yet. */
export function unconsumedLiveCodes(session: Session, group: TargetGroup): number {
  const stored = livePoolOf(session, group);
  return codesOf(stored).length - consumedOf(stored);
}

/**
 * `count` more live codes consumed (no more than the pool has unconsumed): the system's change, counted
 * in the session's bytes but never refused. Only the count changes, so its bytes are worked out from the
 * digits it gained (`,"consumed":N` where it had none), not by writing out the pool's codes again.
 */
export function consumeLiveCodes(session: Session, group: TargetGroup, count: number): void {
  const stored = livePoolOf(session, group);
  if (!stored || count <= 0) return;
  const before = stored.fields.consumed as number | undefined;
  const consumed = Math.min(codesOf(stored).length, (before ?? 0) + count);
  const grown = before === undefined ? ',"consumed":'.length + String(consumed).length : String(consumed).length - String(before).length;
  session.recount(stored, session.sizeOf(stored) + grown);
  stored.fields = { ...stored.fields, consumed };
}
