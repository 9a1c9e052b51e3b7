// A target group's changelog (get_target_group_changelog): one entry per change, the newest kept.
// Every entry is also Cint's `target-group-updated` webhook event, published to the session's webhooks.
// Entries count towards the session's bytes as the target group's own: a client's change whose entry
// would take the session past maxSessionBytes is refused before anything changes (ensureChangelogRoom).
import { randomUUID } from 'node:crypto';
import { publishEvent } from './events.js';
import { jsonBytes, targetGroupBytes, type Session, type TargetGroup } from './store.js';

/** Changelog entries kept per target group. */
export const CHANGELOG_LIMIT = 500;

export interface Change { object: string; new_value: unknown; old_value: unknown; reason_code?: string | null }

/**
 * Who made a change, as the changelog's user object: a client's user, or Cint's `system_user` for what
 * the platform did by itself (a run started or completed by its dates or its goal).
 */
export type ChangelogUser = { type: 'las_user'; las_user_id: string } | { type: 'system_user' };

const whoIs = (user: string | null): ChangelogUser => (user === null ? { type: 'system_user' } : { type: 'las_user', las_user_id: user });

/**
 * Refuses (SessionFullError) a client's change whose changelog entry would take the session past
 * maxSessionBytes: called before the change makes any, as each of a target group's 500 entries would
 * otherwise grow a session without bound (a name changed back and forth is the same size each time).
 * The system's changes (a run started or ended by the clock) are never refused: they come a few per run.
 * A job that changes `entries` target groups when it ends checks for them all when it is made.
 */
export function ensureChangelogRoom(session: Session, user: string | null, changes: Change[], entries = 1): void {
  if (user === null || changes.length === 0) return;
  // The entry as addChangelogEntry makes it (its id a UUID, its time an ISO instant), and the comma before it.
  session.ensureRoom(entries * (jsonBytes({ id: randomUUID(), occurred_at: new Date(0).toISOString(), user: whoIs(user), changes }) + 1));
}

/**
 * Adds an entry of `changes` made by `user` (null: the system) at `at` (a target group changed all day
 * long keeps a bounded history), and publishes it as a `target-group-updated` event: the entry's id, the
 * target group's account, project and id, when, who and what changed. Cint's one example of the event
 * wraps `user` in a list (`user: [{las_user_id, type}]`) where the changelog has one object: each is
 * followed where it is documented. The entry is counted with no limit checked: a client's change checks
 * with ensureChangelogRoom before it changes anything.
 */
export function addChangelogEntry(session: Session, group: TargetGroup, user: string | null, at: string, changes: Change[]): void {
  if (changes.length === 0) return;
  const who = whoIs(user);
  const entry = { id: randomUUID(), occurred_at: at, user: who, changes };
  group.changelog.push(entry);
  if (group.changelog.length > CHANGELOG_LIMIT) group.changelog.splice(0, group.changelog.length - CHANGELOG_LIMIT);
  session.recount(group, targetGroupBytes(group, group.spec));
  const accountId = session.projects.get(group.project_id)?.account_id;
  publishEvent(session, 'target-group-updated', {
    id: entry.id,
    ...(accountId === undefined ? {} : { account_id: accountId }),
    project_id: group.project_id,
    target_group_id: group.id,
    occurred_at: at,
    user: [who],
    changes,
  }, at);
}
