// Target groups: get_list_target_groups, create_target_group, get_target_group, update_target_group.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest } from '../cint/errors.js';
import * as spec from '../cint/spec.generated.js';
import { appendId, findProject, findTargetGroup } from '../sessions/lookup.js';
import { paginate } from '../sessions/pagination.js';
import { humanReadableId, newId, type TargetGroup } from '../sessions/store.js';
import { cursorOf, highlight, pageSizeOf, sessionOf } from './shared.js';

// Cint takes business_unit_id as a string but returns it as an integer: only digits can be both.
function checkBusinessUnit(body: { business_unit_id: string }): void {
  if (!/^\d{1,9}$/.test(body.business_unit_id)) {
    throw badRequest([{ name: 'business_unit_id', reason: "'business_unit_id' must be the numeric id of a business unit." }]);
  }
}

function targetGroupView(group: TargetGroup) {
  const { business_unit_id: businessUnit, ...rest } = group.spec;
  return {
    ...rest,
    human_readable_id: group.human_readable_id,
    business_unit_id: Number(businessUnit),
    pricing_model: 'dynamic' as const,
    created_at: group.created_at,
  };
}

function targetGroupListItem(group: TargetGroup, search: string | undefined) {
  const name = String(group.spec.name);
  const exclusion = group.spec.exclusion as { enabled?: boolean } | null | undefined;
  const reference = group.spec.target_group_customer_reference_number;
  return {
    id: group.id,
    human_readable_id: group.human_readable_id,
    name,
    ...(search ? { highlighted_name: highlight(name, search) } : {}),
    project_manager_id: String(group.spec.project_manager_id),
    exclusion_enabled: exclusion?.enabled === true,
    locale: String(group.spec.locale),
    status: group.status,
    created_at: group.created_at,
    updated_at: group.updated_at,
    statistics: {
      progress: {
        value: {
          current_completes: 0,
          current_prescreens: 0,
          filling_goal: Math.max(1, Math.round(Number(group.spec.completes_goal) || 1)),
          filling_strategy: 'completes' as const,
        },
        issues: [],
      },
    },
    ...(typeof reference === 'string' ? { target_group_customer_reference_number: reference } : {}),
  };
}

export const targetGroupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/demand/accounts/:account_id/projects/:project_id/target-groups', {
    schema: { params: spec.GetListTargetGroupsParams, querystring: spec.GetListTargetGroupsQuery },
    config: { operationId: 'get_list_target_groups' },
  }, async (request) => {
    const session = sessionOf(request);
    const { account_id: accountId, project_id: projectId } = request.params;
    findProject(session, accountId, projectId);
    const query = request.query;
    const search = (query.search_string ?? query.name)?.toLowerCase();
    const statuses = query.status ? new Set<string>(query.status) : null;
    const readableIds = query.human_readable_ids ? new Set(query.human_readable_ids) : null;
    const references = query.target_group_customer_reference_numbers ? new Set(query.target_group_customer_reference_numbers) : null;
    const page = paginate(session.targetGroupsByProject.get(projectId) ?? [], (id) => session.targetGroups.get(id), {
      pageSize: pageSizeOf(query.page_size), startAfter: cursorOf('start_after', query.start_after), endBefore: cursorOf('end_before', query.end_before),
    }, (group) => (!statuses || statuses.has(group.status))
      && (!search || String(group.spec.name).toLowerCase().includes(search))
      && (!readableIds || readableIds.has(group.human_readable_id))
      && (!references || references.has(String(group.spec.target_group_customer_reference_number)))
      && (!query.project_manager_id || String(group.spec.project_manager_id).toLowerCase() === query.project_manager_id.toLowerCase())
      && (query.exclusion_status === undefined || ((group.spec.exclusion as { enabled?: boolean } | undefined)?.enabled === true) === query.exclusion_status));
    return {
      url: `/accounts/${accountId}/projects/${projectId}/target-groups`,
      has_more: page.hasMore,
      next_cursor: page.nextCursor,
      target_groups: page.items.map((group) => targetGroupListItem(group, search)),
    };
  });

  app.post('/v1/demand/accounts/:account_id/projects/:project_id/target-groups', {
    schema: { params: spec.CreateTargetGroupParams, body: spec.CreateTargetGroupBody },
    config: { operationId: 'create_target_group' },
  }, async (request, reply) => {
    const session = sessionOf(request);
    const project = findProject(session, request.params.account_id, request.params.project_id);
    checkBusinessUnit(request.body);
    session.reserve();
    const now = new Date().toISOString();
    const group: TargetGroup = {
      id: newId(),
      human_readable_id: humanReadableId(7),
      project_id: project.id,
      status: 'draft',
      created_at: now,
      updated_at: now,
      spec: structuredClone(request.body) as Record<string, unknown>,
    };
    session.targetGroups.set(group.id, group);
    appendId(session.targetGroupsByProject, project.id, group.id);
    project.last_activity_at = now;
    return reply.code(201).send({ id: group.id });
  });

  app.get('/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id', {
    schema: { params: spec.GetTargetGroupParams },
    config: { operationId: 'get_target_group' },
  }, async (request) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = request.params;
    return targetGroupView(findTargetGroup(sessionOf(request), accountId, projectId, targetGroupId));
  });

  app.put('/v1/demand/accounts/:account_id/projects/:project_id/target-groups/:target_group_id', {
    schema: { params: spec.UpdateTargetGroupParams, body: spec.UpdateTargetGroupBody },
    config: { operationId: 'update_target_group' },
  }, async (request, reply) => {
    const { account_id: accountId, project_id: projectId, target_group_id: targetGroupId } = request.params;
    const group = findTargetGroup(sessionOf(request), accountId, projectId, targetGroupId);
    checkBusinessUnit(request.body);
    group.spec = structuredClone(request.body) as Record<string, unknown>;
    group.updated_at = new Date().toISOString();
    return reply.code(204).send();
  });
};
