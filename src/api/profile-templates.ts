// Profile templates: what create_profile_template stores (a generic collection, api/generic.ts), listed
// by scope and locale, and applied to target groups by profiles.ts (templateApplied). A template made
// through an account is the account's: the request has no scope, and the mock has no global templates.
// A single template's `locales` is a filter too: one for none of them is not found.
import { operation } from '../cint/operations.js';
import type { Session, StoredResource } from '../sessions/store.js';
import { collectionKeyOf } from '../sessions/store.js';
import { notFound } from '../cint/errors.js';
import type { Handler, HandlerInput, Handlers, Wrappers } from './handler.js';
import { pageOf } from './shared.js';
import { defined } from './target-group-shape.js';
import { withBody } from './uploads.js';

const ITEM_PATH = operation('get_profile_template').path;
const ACCOUNT_SCOPE = 'account';

/** The account's profile templates in the session, in creation order (create_profile_template's generic collection). */
const templatesOf = (session: Session, accountId: number) => session.resources.get(collectionKeyOf(ITEM_PATH, [accountId]));

/** The account's profile template of that id, if the session has one. */
export function templateOf(session: Session, accountId: number, templateId: string): StoredResource | undefined {
  return templatesOf(session, accountId)?.get(templateId);
}

/** A locale as templates and target groups are compared by it: Cint writes both eng_us and eng-us. */
export const localeKey = (locale: unknown): string => String(locale).trim().toLowerCase().replaceAll('-', '_');

/** The locales a template is for, compared by localeKey. */
export const templateLocales = (template: StoredResource): string[] =>
  (Array.isArray(template.fields.locales) ? template.fields.locales : []).map(localeKey);

/** The locales a `locales` query asks for (comma-separated, any of them), compared by localeKey; empty: no filter. */
const wantedLocales = (locales: string | undefined): Set<string> =>
  new Set((locales ?? '').split(',').map(localeKey).filter((locale) => locale !== ''));

/** Whether a template passes a `locales` filter: it is for one of them, or none was asked. */
const forAnyOf = (template: StoredResource, wanted: ReadonlySet<string>): boolean =>
  wanted.size === 0 || templateLocales(template).some((locale) => wanted.has(locale));

/**
 * get_profile_template and delete_profile_template take `locales` as the list does, as a filter: a
 * template for none of them is not found (404), and is not deleted.
 */
const forLocales = (generic: Handler): Handler => (input) => {
  const { session, params, query } = input as HandlerInput<'get_profile_template'>;
  const wanted = wantedLocales(query.locales);
  const template = wanted.size === 0 ? undefined : templateOf(session, params.account_id, params.profile_template_id);
  if (template && !forAnyOf(template, wanted)) throw notFound('profile_template_id');
  return generic(input);
};

export const profileTemplateWrappers: Wrappers = {
  create_profile_template: (generic) => (input) => generic(withBody(input, { ...(input.body as Record<string, unknown> | undefined), scope: ACCOUNT_SCOPE })),
  get_profile_template: forLocales,
  delete_profile_template: forLocales,
};

export const profileTemplateHandlers = {
  // Newest first unless order=asc; `scope` and `locales` (any of them, comma-separated) filter before paging.
  list_profile_templates: ({ session, params, query }) => {
    const { scope, locales, order, ...page } = query;
    const wanted = wantedLocales(locales);
    const templates = [...(templatesOf(session, params.account_id)?.values() ?? [])];
    if (order !== 'asc') templates.reverse();
    const kept = templates.filter((template) => (scope === undefined || scope === (template.fields.scope ?? ACCOUNT_SCOPE)) && forAnyOf(template, wanted));
    const listed = pageOf(kept, (template) => template.id, page);
    return {
      body: {
        templates: listed.items.map(({ id, fields }) => defined({
          id, name: fields.name, description: fields.description, label: fields.label, locales: fields.locales, scope: fields.scope ?? ACCOUNT_SCOPE,
        })),
        next_cursor: listed.nextCursor ?? '',
      },
    };
  },
} satisfies Handlers;
