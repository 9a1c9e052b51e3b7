// Exclusion groups' members: add and remove target groups, list a group's members and a target group's
// groups. The groups themselves are a generic collection (api/generic.ts: create, update); their
// members are a field of the stored group, so the session's byte count, its snapshots and the Redis
// store carry them, and a target group's groups are found by scanning its account's groups (a few per
// account), so a deleted group is listed nowhere. A group's read and the account's list are here too,
// in the shape a target group's list shows it, and delete: Cint refuses a group that still has members.
import { badRequest, conflict, notFound, type InvalidParam } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { findTargetGroupById } from '../sessions/lookup.js';
import { collectionKeyOf, jsonBytes, type Session, type StoredResource } from '../sessions/store.js';
import type { Handlers, Wrappers } from './handler.js';
import { pageOf, type PageQuery } from './shared.js';
import { withBody } from './uploads.js';

/** "An exclusion group can contain a maximum of 100 target groups." */
const MAX_MEMBERS = 100;

/** The groups live in create_exclusion_group's generic collection, per account. */
const ITEM_PATH = operation('get_exclusion_group_by_id').path;
/** The field of a stored group that holds its members, oldest first; no schema names it, so no answer shows it. */
const MEMBERS = 'target_group_ids';
/** The field of a stored group that its first update sets (true); no schema names it either. */
const UPDATED = '_updated';

const groupsOf = (session: Session, accountId: number) => session.resources.get(collectionKeyOf(ITEM_PATH, [accountId]));

function findExclusionGroup(session: Session, accountId: number, id: string): StoredResource {
  const group = groupsOf(session, accountId)?.get(id);
  if (!group) throw notFound('exclusion_group_id');
  return group;
}

function membersOf(group: StoredResource): readonly string[] {
  const members = group.fields[MEMBERS];
  return Array.isArray(members) ? members as string[] : [];
}

/** Replaces the members, counted before the change so that a session past maxSessionBytes changes nothing. */
function setMembers(session: Session, group: StoredResource, members: string[]): void {
  const { [MEMBERS]: _old, ...fields } = group.fields;
  if (members.length > 0) fields[MEMBERS] = members;
  session.resize(group, jsonBytes(fields));
  group.fields = fields;
}

/**
 * Ids the session knows to be something else are refused, each named: a target group of another account
 * ("target groups can be from any project within your account") or a project. Ids it does not know are
 * taken as given, as decisions 31 and 106 take them: they may be the account's target groups made in
 * other sessions (another client's, Cint's UI).
 */
function checkTargetGroupIds(session: Session, accountId: number, ids: readonly string[]): void {
  const problems: InvalidParam[] = [];
  ids.forEach((id, index) => {
    const name = `data[${index}]`;
    const group = session.targetGroups.get(id);
    const project = session.projects.get(group ? group.project_id : id);
    if (group && project && project.account_id !== accountId) {
      problems.push({ name, reason: `'${name}' is a target group of account ${project.account_id}; an exclusion group's target groups must be in its account, ${accountId}.` });
    } else if (!group && project) {
      problems.push({ name, reason: `'${name}' is the id of project ${id}, not of a target group.` });
    }
  });
  if (problems.length) throw badRequest(problems);
}

/**
 * ExclusionGroupInfo, as the group's read and both lists show it. The document's examples show a group
 * never updated with `update_date: null`, but its schema allows no null (nor requires the field): such a
 * group leaves it out, until update_exclusion_group_by_id sets it.
 */
const infoOf = (group: StoredResource) => ({
  exclusion_group_id: group.id,
  tag: group.fields.tag,
  description: group.fields.description,
  create_date: group.created_at,
  ...(group.fields[UPDATED] === true ? { update_date: group.updated_at } : {}),
});

/** A page of newest-first groups as both lists answer it; the url is the operation's own path, for the path's ids. */
function groupPage(groups: readonly StoredResource[], query: PageQuery, url: string) {
  const page = pageOf(groups, (group) => group.id, query);
  // Not nullable in either list's schema: '' on the last page.
  return { body: { data: page.items.map(infoOf), next_cursor: page.nextCursor ?? '', url } };
}

export const exclusionGroupHandlers = {
  get_exclusion_group_by_id: ({ session, params }) => ({ body: infoOf(findExclusionGroup(session, params.account_id, params.exclusion_group_id)) }),

  // "Ordered by creation date", newest first as every list (decision 16); the collection is in creation order.
  get_exclusion_groups_by_account_id: ({ session, params, query }) =>
    groupPage([...(groupsOf(session, params.account_id)?.values() ?? [])].reverse(), query, `accounts/${params.account_id}/exclusion-groups`),

  add_target_groups_to_exclusion_group: ({ session, params, body }) => {
    const group = findExclusionGroup(session, params.account_id, params.exclusion_group_id);
    const sent = body.data ?? [];
    checkTargetGroupIds(session, params.account_id, sent);
    const members = membersOf(group);
    // "An array of unique target group IDs": a repeat, or a member already there, adds nothing.
    const added = [...new Set(sent)].filter((id) => !members.includes(id));
    if (added.length === 0) return {};
    if (members.length + added.length > MAX_MEMBERS) {
      throw badRequest([{
        name: 'data',
        reason: `'data' would give exclusion group ${group.id} ${members.length + added.length} target groups (it has ${members.length}, and ${added.length} are new); an exclusion group can contain a maximum of ${MAX_MEMBERS}.`,
      }], `An exclusion group can contain a maximum of ${MAX_MEMBERS} target groups.`);
    }
    setMembers(session, group, [...members, ...added]);
    return {};
  },

  remove_target_groups_from_exclusion_group: ({ session, params, body }) => {
    const group = findExclusionGroup(session, params.account_id, params.exclusion_group_id);
    const sent = body.data ?? [];
    checkTargetGroupIds(session, params.account_id, sent);
    // Removing one that is not a member leaves the group as the client asked: nothing to refuse.
    const members = membersOf(group);
    const kept = members.filter((id) => !sent.includes(id));
    if (kept.length < members.length) setMembers(session, group, kept);
    return {};
  },

  get_exclusion_group_target_group_exclusions: ({ session, params, query }) => {
    const group = findExclusionGroup(session, params.account_id, params.exclusion_group_id);
    // Newest first (decision 16): the last added first.
    const page = pageOf([...membersOf(group)].reverse(), (id) => id, query);
    return {
      body: {
        data: page.items,
        next_cursor: page.nextCursor,
        // The operation's own path: the document's example names `…/exclusions/target-groups`, which no operation serves.
        url: `accounts/${params.account_id}/exclusion-groups/${group.id}/target-groups`,
      },
    };
  },

  get_exclusion_groups_for_target_group: ({ session, params, query }) => {
    // The operation documents no 404; an unknown target group is one anyway (decision 32).
    const targetGroup = findTargetGroupById(session, params.account_id, params.target_group_id);
    // "Ordered by creation date", newest first as every list (decision 16); the collection is in creation order.
    const groups = [...(groupsOf(session, params.account_id)?.values() ?? [])].filter((group) => membersOf(group).includes(targetGroup.id)).reverse();
    return groupPage(groups, query, `accounts/${params.account_id}/target-groups/${targetGroup.id}/exclusion-groups`);
  },

  // "Attempting to delete a group that still contains target groups will result in a failed request with
  // a conflict error": otherwise as the generic delete (no If-Match: the operation documents none).
  delete_exclusion_group_by_id: ({ session, params }) => {
    const group = findExclusionGroup(session, params.account_id, params.exclusion_group_id);
    const count = membersOf(group).length;
    if (count > 0) {
      throw conflict(`exclusion group ${group.id} still contains ${count} target group${count === 1 ? '' : 's'}; remove all target groups from an exclusion group before you delete it`);
    }
    session.removeResource(groupsOf(session, params.account_id), group);
    return {};
  },
} satisfies Handlers;

export const exclusionGroupWrappers: Wrappers = {
  // The generic update keeps the new tag and description and the time (updated_at); the group keeps that it was updated.
  update_exclusion_group_by_id: (generic) => (input) => generic(withBody(input, { ...(input.body as unknown as Record<string, unknown> | undefined), [UPDATED]: true })),
};
