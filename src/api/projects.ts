// Projects: list_account_projects, create_project, get_project_by_id, update_project.
import { requireIfMatch } from '../cint/etag.js';
import { appendId, findProject } from '../sessions/lookup.js';
import { paginate } from '../sessions/pagination.js';
import { humanReadableId, newId, type Project, type Session } from '../sessions/store.js';
import type { Handlers } from './handler.js';
import { cursorOf, highlight, pageSizeOf } from './shared.js';
import { isoAt } from '../sessions/lifecycle.js';
import { projectStatisticsOf, targetGroupsOf } from './target-group-views.js';

function projectView(project: Project) {
  return {
    id: project.id,
    human_readable_id: project.human_readable_id,
    name: project.name,
    project_manager_id: project.project_manager_id,
    account_id: project.account_id,
    ...(project.project_customer_reference_number ? { project_customer_reference_number: project.project_customer_reference_number } : {}),
  };
}

/**
 * A project as a list page shows it. The optional fields are left undefined rather than spread in, which
 * made three objects per item (ten items a page): JSON leaves an undefined field out, in the same order.
 */
function projectListItem(session: Session, project: Project, search: string | undefined) {
  const targetGroups = targetGroupsOf(session, project.id);
  const references = targetGroups.length === 0 ? [] : targetGroups.map((group) => group.spec.target_group_customer_reference_number)
    .filter((reference): reference is string => typeof reference === 'string');
  return {
    id: project.id,
    human_readable_id: project.human_readable_id,
    account_id: project.account_id,
    project_customer_reference_number: project.project_customer_reference_number || undefined,
    name: project.name,
    highlighted_name: search ? highlight(project.name, search) : undefined,
    target_group_human_readable_ids: targetGroups.map((group) => group.human_readable_id),
    target_group_count: targetGroups.length,
    status: 'active' as const,
    last_activity_at: project.last_activity_at,
    statistics: projectStatisticsOf(session, project.id, targetGroups),
    target_group_customer_reference_numbers: references.length > 0 ? references : undefined,
  };
}

/**
 * search_string finds a project by its name or human-readable id, or by the name or human-readable id
 * of one of its target groups (Cint's list page says so).
 */
function projectMatches(session: Session, project: Project, search: string): boolean {
  if (project.name.toLowerCase().includes(search) || project.human_readable_id.toLowerCase().includes(search)) return true;
  return (session.targetGroupsByProject.get(project.id) ?? []).some((id) => {
    const group = session.targetGroups.get(id);
    return group !== undefined && (String(group.spec.name).toLowerCase().includes(search) || group.human_readable_id.toLowerCase().includes(search));
  });
}

export const projectHandlers = {
  list_account_projects: ({ session, params, query }) => {
    const { account_id: accountId } = params;
    const search = (query.search_string ?? query.name)?.toLowerCase();
    // Cint lists every project as active: the mock has no way to make one inactive.
    if (query.status === 'inactive') {
      return { body: { projects: [], url: `/accounts/${accountId}/projects`, has_more: false, next_cursor: null } };
    }
    const page = paginate(session.projectsByAccount.get(accountId) ?? [], (id) => session.projects.get(id), {
      pageSize: pageSizeOf(query.page_size), startAfter: cursorOf('start_after', query.start_after), endBefore: cursorOf('end_before', query.end_before),
    }, (project) => (!query.project_manager_id || project.project_manager_id.toLowerCase() === query.project_manager_id.toLowerCase())
      && (!search || projectMatches(session, project, search)));
    return {
      body: {
        projects: page.items.map((project) => projectListItem(session, project, search)),
        url: `/accounts/${accountId}/projects`,
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      },
    };
  },

  // Cint documents 202 Accepted here (its status-code page says "200 or similar"): the spec wins.
  create_project: ({ session, params, body }) => {
    session.reserve();
    const now = isoAt(session.now());
    const project: Project = {
      id: newId(),
      human_readable_id: humanReadableId(6),
      account_id: params.account_id,
      name: body.name,
      project_manager_id: body.project_manager_id,
      project_customer_reference_number: body.project_customer_reference_number ?? null,
      created_at: now,
      last_activity_at: now,
      etag: session.nextEtag(),
    };
    session.projects.set(project.id, project);
    appendId(session.projectsByAccount, project.account_id, project.id);
    return { headers: { etag: project.etag }, body: { id: project.id } };
  },

  get_project_by_id: ({ session, params }) => {
    const project = findProject(session, params.account_id, params.project_id);
    return { headers: { etag: project.etag }, body: projectView(project) };
  },

  update_project: ({ session, params, headers, body }) => {
    const project = findProject(session, params.account_id, params.project_id);
    requireIfMatch(headers['if-match'], project.etag);
    project.name = body.name;
    project.project_manager_id = body.project_manager_id;
    project.project_customer_reference_number = body.project_customer_reference_number;
    project.last_activity_at = isoAt(session.now());
    project.etag = session.nextEtag();
    return {
      headers: { etag: project.etag, 'idempotency-key': String(headers['idempotency-key']) },
      body: { id: project.id, human_readable_id: project.human_readable_id },
    };
  },
} satisfies Handlers;
