// compute_target_group_transitions: the project's target groups a client selects (search string,
// filters, included and excluded ids) and which of the five batch jobs could act on that set now, judged
// by the rules those jobs apply to each target group (sessions/jobs.ts runBatch, sessions/lifecycle.ts).
import { BATCH } from '../sessions/jobs.js';
import { refusal, runOf } from '../sessions/lifecycle.js';
import { findProject } from '../sessions/lookup.js';
import type { BatchAction, Session, TargetGroup } from '../sessions/store.js';
import type { HandlerInput, Handlers } from './handler.js';
import { targetGroupMatcher } from './target-groups.js';

type Selection = HandlerInput<'compute_target_group_transitions'>['body'];

/**
 * Which target groups the request selects. Every part given must hold, as in get_list_target_groups
 * (decision 58): search and filters as that list applies them, several values of one filter being
 * alternatives; `included_target_group_ids` narrows the set to those ids, it does not add to what the
 * filters leave out; `excluded_target_group_ids` removes ids, and wins over `included_target_group_ids`.
 * An empty filter list matches nothing, as the list's does: a set meant for a batch job never grows
 * by a value left out.
 */
function selector(selection: Selection): (group: TargetGroup) => boolean {
  const filters = selection.filters;
  const matches = targetGroupMatcher({ search: selection.search_string?.toLowerCase(), status: filters?.status, country: filters?.country, language: filters?.language });
  const included = selection.included_target_group_ids ? new Set(selection.included_target_group_ids) : null;
  const excluded = new Set(selection.excluded_target_group_ids ?? []);
  return (group) => !excluded.has(group.id) && (!included || included.has(group.id)) && matches(group);
}

/** What the batch job for `action` would do with the target group now: move it, count it as already there, or fail it. */
function batchOutcome(session: Session, group: TargetGroup, action: BatchAction): 'moves' | 'already' | 'fails' {
  const { action: runAction, done } = BATCH[action];
  if (group.status === done) return 'already';
  const run = runOf(session, group);
  return run && refusal(session, run, runAction) === null ? 'moves' : 'fails';
}

/**
 * The document does not say whether an action is allowed on a set when it is allowed on one of its
 * target groups or on all. A client offers the action and then sends `target_groups` to its batch job,
 * so it is allowed when that job would fail none of them and move at least one (those already in the
 * target state count as updated, and an action that changes nothing is not offered). An empty set
 * allows nothing.
 */
function allowedOn(session: Session, groups: readonly TargetGroup[], action: BatchAction): boolean {
  let moves = false;
  for (const group of groups) {
    const outcome = batchOutcome(session, group, action);
    if (outcome === 'fails') return false;
    if (outcome === 'moves') moves = true;
  }
  return moves;
}

export const transitionHandlers = {
  compute_target_group_transitions: ({ session, params, body }) => {
    findProject(session, params.account_id, params.project_id);
    const selects = selector(body);
    const groups: TargetGroup[] = [];
    // Newest first, as the project's target groups are listed (decision 16).
    const ids = session.targetGroupsByProject.get(params.project_id) ?? [];
    for (let index = ids.length - 1; index >= 0; index -= 1) {
      const group = session.targetGroups.get(ids[index]!);
      if (group && selects(group)) groups.push(group);
    }
    return {
      body: {
        // TargetGroupIds has minItems 1: an empty selection leaves the field out rather than break the schema.
        ...(groups.length ? { target_groups: groups.map((group) => group.id) } : {}),
        is_launch_allowed: allowedOn(session, groups, 'launch'),
        is_pause_allowed: allowedOn(session, groups, 'pause'),
        is_resume_allowed: allowedOn(session, groups, 'resume'),
        is_relaunch_allowed: allowedOn(session, groups, 'relaunch'),
        is_finish_allowed: allowedOn(session, groups, 'complete'),
      },
    };
  },
} satisfies Handlers;
