// Manage Profiles for Launched Target Groups, as far as the fielding simulator moves them: list_profiles
// and get_profile answer the target group's profiles with the ids every read shows, each quota with
// its completes and prescreens so far; update_profile_filling_goal changes the completes goal and quota
// goals the simulator fills to. The document describes them for launched target groups but documents no
// refusal of a draft: a draft answers too, with nothing filled.
import { addChangelogEntry } from '../sessions/changelog.js';
import { findTargetGroup } from '../sessions/lookup.js';
import { completeAtGoal, isoAt, runOf } from '../sessions/lifecycle.js';
import { goalOf, quotaFillOf } from '../sessions/simulator.js';
import { targetGroupBytes, type Session, type TargetGroup } from '../sessions/store.js';
import type { Handlers } from './handler.js';
import { profilesOf, targetPosition } from './target-group-shape.js';
import { answerFrom } from './answers.js';

type Json = Record<string, unknown>;

/** A profile as RegularProfileV3: each target's quota with what the simulator has filled. */
function profileView(session: Session, group: TargetGroup, profile: Json): Json {
  const targets = (profile.targets as Json[]).map((target) => {
    if (typeof target.quota !== 'object' || target.quota === null) return target;
    const fill = quotaFillOf(session, group, String(target.id));
    return { ...target, quota: { ...(target.quota as Json), completes: fill.completes, prescreens: fill.prescreens } };
  });
  return { ...profile, quotas_enabled: profile.quotas_enabled ?? true, targets };
}

function profilesView(session: Session, group: TargetGroup) {
  return {
    locale: String(group.spec.locale),
    completes_goal: goalOf(group),
    profiles: profilesOf(group).map((profile) => profileView(session, group, profile)),
  };
}

interface GoalUpdate {
  completes_goal?: number | null;
  profiles?: { profile_id?: string; targets?: { id: string; quota: { completes_goal: number } }[] }[] | null;
}

export const profileHandlers = {
  list_profiles: ({ session, params }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: profilesView(session, group) };
  },

  // A profile id the target group does not have is taken as given (decision 31): the document's example with that id.
  get_profile: ({ session, params, operation }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const profile = profilesOf(group).find((candidate) => candidate.id === params.profile_id);
    if (!profile) return { body: answerFrom(operation.id, 200, { id: params.profile_id }) };
    return { body: profileView(session, group, profile) };
  },

  // The goals the simulator fills to from now on. A run already at its new goal completes now; a
  // higher goal lets a run completed at its goal be relaunched.
  update_profile_filling_goal: ({ session, params, body, actor }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const update = body as GoalUpdate;
    const spec = structuredClone(group.spec);
    const profiles = ((spec.profiling as Json | undefined)?.profiles ?? []) as { targets: { quota?: Json }[] }[];
    // A quota id the target group does not have is taken as given (decision 31) and changes nothing.
    for (const target of (update.profiles ?? []).flatMap((profile) => profile.targets ?? [])) {
      const at = targetPosition(group, target.id);
      const stored = at ? profiles[at.profile]?.targets[at.target] : undefined;
      if (!stored) continue;
      // A nominal goal now, whatever the profiling's adjustment type: the reads answer both forms.
      const { completes_goal_percentage: _percentage, ...quota } = stored.quota ?? {};
      stored.quota = { ...quota, completes_goal: Math.round(target.quota.completes_goal) };
    }
    const before = goalOf(group);
    if (typeof update.completes_goal === 'number') spec.completes_goal = Math.round(update.completes_goal);
    session.resize(group, targetGroupBytes(group, spec));
    group.spec = spec;
    const now = isoAt(session.now());
    group.updated_at = now;
    if (goalOf(group) !== before) addChangelogEntry(session, group, actor, now, [{ object: 'filling_goal_change', new_value: goalOf(group), old_value: before }]);
    const run = runOf(session, group);
    if (run) completeAtGoal(session, run);
    return { body: profilesView(session, group) };
  },
} satisfies Handlers;
