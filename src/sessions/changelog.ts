// A target group's changelog (get_target_group_changelog): one entry per change, the newest kept.
// Every entry is also Cint's `target-group-updated` webhook event, published to the session's webhooks.
import { randomUUID } from 'node:crypto';
import { publishEvent } from './events.js';
import type { Session, TargetGroup } from './store.js';

/** Changelog entries kept per target group. */
export const CHANGELOG_LIMIT = 500;

export interface Change { object: string; new_value: unknown; old_value: unknown; reason_code?: string | null }

/**
 * Who made a change, as the changelog's user object: a client's user, or Cint's `system_user` for what
 * the platform did by itself (a run started or completed by its dates or its goal).
 */
export type ChangelogUser = { type: 'las_user'; las_user_id: string } | { type: 'system_user' };

/**
 * Adds an entry of `changes` made by `user` (null: the system) at `at` (a target group changed all day
 * long keeps a bounded history), and publishes it as a `target-group-updated` event: the entry's id, the
 * target group's account, project and id, when, who and what changed. Cint's one example of the event
 * wraps `user` in a list (`user: [{las_user_id, type}]`) where the changelog has one object: each is
 * followed where it is documented.
 */
export function addChangelogEntry(session: Session, group: TargetGroup, user: string | null, at: string, changes: Change[]): void {
  if (changes.length === 0) return;
  const who: ChangelogUser = user === null ? { type: 'system_user' } : { type: 'las_user', las_user_id: user };
  const entry = { id: randomUUID(), occurred_at: at, user: who, changes };
  group.changelog.push(entry);
  if (group.changelog.length > CHANGELOG_LIMIT) group.changelog.splice(0, group.changelog.length - CHANGELOG_LIMIT);
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
