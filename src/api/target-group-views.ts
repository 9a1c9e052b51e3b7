// What the API says about a target group beyond the target group itself, read from what the session
// holds: its details, its overview (and the one by target group id), the project's overview, and the
// changelog, which gets an entry for every change a client makes (see recordChanges).
import { CintError, notFoundDetail } from '../cint/errors.js';
import { addChangelogEntry } from '../sessions/changelog.js';
import { findProject, findTargetGroup, findTargetGroupById } from '../sessions/lookup.js';
import type { Project, Session, TargetGroup } from '../sessions/store.js';
import { answerFrom } from './answers.js';
import type { Handlers } from './handler.js';
import { localeParts } from './shared.js';
import { detailsView } from './target-group-shape.js';
import { isoAt } from '../sessions/lifecycle.js';

/** The spec fields the changelog follows, and the change object Cint names for each. */
const CHANGES: Readonly<Record<string, string>> = {
  name: 'name_change',
  business_unit_id: 'business_unit_change',
  project_manager_id: 'project_manager_change',
  expected_length_of_interview_minutes: 'expected_length_of_interview_minutes_change',
  expected_incidence_rate: 'expected_incidence_rate_change',
  study_type_code: 'study_type_change',
  industry_lockout_code: 'industry_lockout_code_change',
  collects_pii: 'collects_pii_change',
  live_url: 'live_url_change',
  test_url: 'test_url_change',
  locale: 'locale_change',
  target_group_customer_reference_number: 'target_group_customer_reference_number_change',
};

const changeValue = (field: string, value: unknown) =>
  (value === undefined ? null : field === 'project_manager_id' ? { las_user_id: value } : value);

/** Adds one changelog entry for the fields that differ between `before` and `after` (nothing when none do). */
export function recordChanges(session: Session, group: TargetGroup, actor: string, before: Record<string, unknown>, after: Record<string, unknown>, at: string): void {
  const changes = Object.entries(CHANGES)
    .filter(([field]) => after[field] !== undefined && JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map(([field, object]) => ({ object, new_value: changeValue(field, after[field]), old_value: changeValue(field, before[field]) }));
  addChangelogEntry(session, group, actor, at, changes);
}

function progressOf(group: TargetGroup) {
  return { current_completes: 0, current_prescreens: 0, filling_goal: Math.max(1, Math.round(Number(group.spec.completes_goal) || 1)), filling_strategy: 'completes' };
}

function overviewOf(project: Project, group: TargetGroup) {
  const { language, country } = localeParts(group.spec.locale ?? 'eng_us');
  return {
    account_id: project.account_id,
    project_id: project.id,
    project_name: project.name,
    target_group_name: group.spec.name,
    project_manager_id: group.spec.project_manager_id,
    progress: progressOf(group),
    status: group.status,
    country_code: (country || 'us').toUpperCase(),
    language_code: (language || 'eng').toUpperCase(),
    created_at: group.created_at,
  };
}

/** A target group that is no longer a draft; a draft's details are a 404 saying so. */
function launchedTargetGroup(session: Session, accountId: number, projectId: string, targetGroupId: string): TargetGroup {
  const group = findTargetGroup(session, accountId, projectId, targetGroupId);
  if (group.status === 'draft') {
    throw new CintError(404, `${notFoundDetail('target_group_id')}: target group ${targetGroupId} is a draft, and has details once it is launched or scheduled (read the draft with get_target_group)`);
  }
  return group;
}

export const targetGroupViewHandlers = {
  // A target group has details once it is launched or scheduled: a draft's are not found (404).
  get_target_group_details: ({ session, params, directory }) => {
    const group = launchedTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: detailsView(group, params.account_id, directory, true) };
  },

  update_launched_target_group_details: ({ session, params, body, actor, directory }) => {
    const group = launchedTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    const before = { ...group.spec };
    Object.assign(group.spec, body as Record<string, unknown>);
    group.updated_at = isoAt(session.now());
    recordChanges(session, group, actor, before, group.spec, group.updated_at);
    return { body: detailsView(group, params.account_id, directory, false) };
  },

  get_target_group_overview: ({ session, params, operation }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    return { body: answerFrom(operation.id, 200, overviewOf(session.projects.get(group.project_id)!, group)) };
  },

  get_target_group_overview_by_target_group_id: ({ session, params, operation }) => {
    const group = findTargetGroupById(session, undefined, params.target_group_id);
    return { body: answerFrom(operation.id, 200, overviewOf(session.projects.get(group.project_id)!, group), undefined, ['project_id']) };
  },

  project_overview: ({ session, params, operation }) => {
    const project = findProject(session, params.account_id, params.project_id);
    return { body: answerFrom(operation.id, 200, projectOverviewOf(session, project), undefined, ['id']) };
  },

  get_target_group_changelog: ({ session, params, operation }) => {
    const group = findTargetGroup(session, params.account_id, params.project_id, params.target_group_id);
    // Newest first, like Cint's lists.
    return { body: answerFrom(operation.id, 200, { next_cursor: '' }, { field: 'changelog', entries: [...group.changelog].reverse() }) };
  },
} satisfies Handlers;

function projectOverviewOf(session: Session, project: Project) {
  const groups = (session.targetGroupsByProject.get(project.id) ?? []).map((id) => session.targetGroups.get(id)).filter((group) => group !== undefined);
  return {
    id: project.id,
    human_readable_id: project.human_readable_id,
    name: project.name,
    account_id: project.account_id,
    project_manager_id: project.project_manager_id,
    ...(project.project_customer_reference_number ? { project_customer_reference_number: project.project_customer_reference_number } : {}),
    statistics: {
      filling_goal: groups.reduce((sum, group) => sum + progressOf(group).filling_goal, 0),
      current_completes: 0, current_prescreens: 0, incidence_rate_median: 0,
      length_of_interview_median_seconds: 0, conversion_rate_average: 0, drop_off_rate_average: 0,
    },
    created_at: project.created_at,
  };
}
