// Finding a session's objects by the ids in a path; each miss is Cint's 404 naming the parameter.
import { notFound } from '../cint/errors.js';
import type { FieldingRun, Project, Session, TargetGroup } from './store.js';

export function findProject(session: Session, accountId: number, projectId: string): Project {
  const project = session.projects.get(projectId);
  if (!project || project.account_id !== accountId) throw notFound('project_id');
  return project;
}

export function findTargetGroup(session: Session, accountId: number, projectId: string, targetGroupId: string): TargetGroup {
  findProject(session, accountId, projectId);
  const targetGroup = session.targetGroups.get(targetGroupId);
  if (!targetGroup || targetGroup.project_id !== projectId) throw notFound('target_group_id');
  return targetGroup;
}

/**
 * A target group named without its project (`/accounts/{a}/target-groups/{t}/…`,
 * `/demand/target-groups/{t}/overview`): it must be the session's, and in the account when one is named.
 */
export function findTargetGroupById(session: Session, accountId: number | undefined, targetGroupId: string): TargetGroup {
  const targetGroup = session.targetGroups.get(targetGroupId);
  const project = targetGroup ? session.projects.get(targetGroup.project_id) : undefined;
  if (!targetGroup || !project || (accountId !== undefined && project.account_id !== accountId)) throw notFound('target_group_id');
  return targetGroup;
}

export function findFieldingRun(session: Session, accountId: number, projectId: string, targetGroupId: string, runId: string): FieldingRun {
  findTargetGroup(session, accountId, projectId, targetGroupId);
  const run = session.runs.get(runId);
  if (!run || run.target_group_id !== targetGroupId) throw notFound('fielding_run_id');
  return run;
}

export function appendId<K>(index: Map<K, string[]>, key: K, id: string): void {
  const ids = index.get(key);
  if (ids) ids.push(id);
  else index.set(key, [id]);
}
