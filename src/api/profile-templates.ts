// Profile templates: what create_profile_template stores (a generic collection, api/generic.ts), listed
// by scope and locale, and applied to target groups by profiles.ts (templateApplied). A template made
// through an account is the account's: the request has no scope. Cint's global templates are every
// account's too: read, listed and applied like the account's own, never edited or deleted by one.
// A single template's `locales` is a filter too: one for none of them is not found.
import { operation } from '../cint/operations.js';
import type { Session, StoredResource } from '../sessions/store.js';
import { collectionKeyOf } from '../sessions/store.js';
import { forbidden, notFound } from '../cint/errors.js';
import { answerFrom, exampleBody } from './answers.js';
import type { Handler, HandlerInput, Handlers, Wrappers } from './handler.js';
import { checkTemplateProfiling } from './profiles.js';
import { pageOf } from './shared.js';
import { defined } from './target-group-shape.js';
import { withBody } from './uploads.js';

const ITEM_PATH = operation('get_profile_template').path;
const ACCOUNT_SCOPE = 'account';

/** The account's profile templates in the session, in creation order (create_profile_template's generic collection). */
const templatesOf = (session: Session, accountId: number) => session.resources.get(collectionKeyOf(ITEM_PATH, [accountId]));

/** A regular profile of percentage quotas, a target per condition. */
const percentages = (name: string, description: string, targets: [condition: Record<string, unknown>, percentage: number][]) => ({
  object: 'regular', name, description, quotas_enabled: true,
  targets: targets.map(([condition, percentage]) => ({ conditions: [condition], quota: { completes_goal_percentage: percentage } })),
});

/**
 * Cint's global templates, which every account lists (`scope=global`, or no scope) and applies beside its
 * own: the one the document's list example shows as global, its name, description, label and locales
 * taken from there. Its id is ours, a fixed UUID (the example's id is not the UUID the schema requires),
 * and its profiles ask the example's questions, gender and age, as the question library has them
 * (questions 43 and 42, account_questions_translation), with the example's age bands.
 */
const globalTemplates = (): ReadonlyMap<string, StoredResource> => (globals ??= new Map(
  ((exampleBody('list_profile_templates', 200) as { templates: Record<string, unknown>[] }).templates)
    .filter((template) => template.scope === 'global')
    .map((template, index): [string, StoredResource] => {
      const id = `5d0c9a3e-6f1b-4c2a-9e7d-${String(index + 1).padStart(12, '0')}`;
      const fields = {
        name: template.name, description: template.description, label: template.label, locales: template.locales, scope: 'global',
        profiling: {
          profile_adjustment_type: 'percentage',
          profiles: [
            percentages('Gender', 'What is your gender?', [[{ object: 'selection', question_id: 43, option: '1' }, 50], [{ object: 'selection', question_id: 43, option: '2' }, 50]]),
            percentages('Age', 'What is your age?', [[18, 24, 33], [25, 34, 33], [35, 44, 34]].map(([min, max, percentage]) => [{ object: 'range', question_id: 42, min, max }, percentage!])),
          ],
        },
      };
      return [id, { id, fields, etag: '', created_at: '2023-10-26T10:00:00.000Z', updated_at: '2023-10-26T10:15:00.000Z' }];
    }),
));
/** Made when first asked for: the document's examples are read only when an answer needs them. */
let globals: ReadonlyMap<string, StoredResource> | undefined;

/** The account's profile template of that id, or Cint's global one, if there is one. */
export function templateOf(session: Session, accountId: number, templateId: string): StoredResource | undefined {
  return templatesOf(session, accountId)?.get(templateId) ?? globalTemplates().get(templateId);
}

/** A locale as templates and target groups are compared by it: Cint writes both eng_us and eng-us. */
export const localeKey = (locale: unknown): string => String(locale).trim().toLowerCase().replaceAll('-', '_');

/** The locales a template is for, compared by localeKey. */
export const templateLocales = (template: StoredResource): string[] =>
  (Array.isArray(template.fields.locales) ? template.fields.locales : []).map(localeKey);

/** The locales a `locales` query asks for (comma-separated, any of them), compared by localeKey; empty: no filter. */
const wantedLocales = (locales: string | undefined): Set<string> =>
  new Set((locales ?? '').split(',').map(localeKey).filter((locale) => locale !== ''));

/**
 * Whether a template passes a `locales` filter: it is for one of them, or none was asked. A template for
 * no locale in particular (`locales: []`) is for every one, as applying it takes it for any target group.
 */
const forAnyOf = (template: StoredResource, wanted: ReadonlySet<string>): boolean => {
  const locales = templateLocales(template);
  return wanted.size === 0 || locales.length === 0 || locales.some((locale) => wanted.has(locale));
};

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

/** The global template a request's path names, unless the account has a template of that id. */
function globalNamed(input: HandlerInput): StoredResource | undefined {
  const { session, params } = input as HandlerInput<'get_profile_template'>;
  return templatesOf(session, params.account_id)?.has(params.profile_template_id) ? undefined : globalTemplates().get(params.profile_template_id);
}

/** get_profile_template: a global template read as the account's own are (the generic read's answer). */
const orGlobal = (generic: Handler): Handler => (input) => {
  const template = globalNamed(input);
  if (!template) return generic(input);
  return { status: 200, headers: {}, body: answerFrom('get_profile_template', 200, { ...(input as HandlerInput<'get_profile_template'>).params, ...template.fields, id: template.id }, undefined, ['id']) };
};

/** edit_profile_template, delete_profile_template: a global template is Cint's, for every account; none changes it. */
const notGlobal = (generic: Handler): Handler => (input) => {
  const template = globalNamed(input);
  if (template) throw forbidden(`profile template ${template.id} is a global template, Cint's for every account: an account edits and deletes only its own (scope account)`);
  return generic(input);
};

/**
 * create_profile_template, edit_profile_template: the template's profiles keep to the rules applying it
 * checks (profiles.ts), so that a template a target group could never take is refused when it is made.
 */
const checkedProfiling = (generic: Handler): Handler => (input) => {
  checkTemplateProfiling((input.body as Record<string, unknown> | undefined)?.profiling);
  return generic(input);
};

export const profileTemplateWrappers: Wrappers = {
  create_profile_template: (generic) => checkedProfiling((input) => generic(withBody(input, { ...(input.body as Record<string, unknown> | undefined), scope: ACCOUNT_SCOPE }))),
  get_profile_template: (generic) => forLocales(orGlobal(generic)),
  edit_profile_template: (generic) => notGlobal(checkedProfiling(generic)),
  delete_profile_template: (generic) => forLocales(notGlobal(generic)),
};

export const profileTemplateHandlers = {
  // Newest first unless order=asc (the global templates are older than any session's); `scope` and
  // `locales` (any of them, comma-separated) filter before paging.
  list_profile_templates: ({ session, params, query }) => {
    const { scope, locales, order, ...page } = query;
    const wanted = wantedLocales(locales);
    const templates = [...globalTemplates().values(), ...(templatesOf(session, params.account_id)?.values() ?? [])];
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
