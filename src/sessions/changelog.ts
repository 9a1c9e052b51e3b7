// A target group's changelog (get_target_group_changelog): one entry per change, the newest kept.
import { randomUUID } from 'node:crypto';
import type { TargetGroup } from './store.js';

/** Changelog entries kept per target group. */
export const CHANGELOG_LIMIT = 500;

export interface Change { object: string; new_value: unknown; old_value: unknown }

/** Adds an entry of `changes` made by `user` at `at`; a target group changed all day long keeps a bounded history. */
export function addChangelogEntry(group: TargetGroup, user: string, at: string, changes: Change[]): void {
  if (changes.length === 0) return;
  group.changelog.push({ id: randomUUID(), occurred_at: at, user: { type: 'las_user', las_user_id: user }, changes });
  if (group.changelog.length > CHANGELOG_LIMIT) group.changelog.splice(0, group.changelog.length - CHANGELOG_LIMIT);
}
