// The profiling questions (account_questions_translation): the document's example, or the user's
// reference data, filtered as the document says before it is paged: standard questions unless
// allow_custom_quals or only_custom_quals say otherwise, the question ids of `id`, and a text search of
// `query` over questions and answers.
import { badRequest } from '../cint/errors.js';
import { operation } from '../cint/operations.js';
import { examplePager } from './generic.js';
import { profileQuestions } from './profiles.js';
import type { Json } from './target-group-shape.js';
import { thenDo, type HandlerInput, type HandlerOutput, type Wrappers } from './handler.js';

interface Profile {
  name?: string;
  description?: string;
  description_translated?: string;
  standard?: boolean;
  targets?: { text?: string; text_translated?: string }[];
}

interface QuestionQuery { id?: string; query?: string; allow_custom_quals?: boolean; only_custom_quals?: boolean }

/** `id`: comma-separated question ids; anything else is a 400 naming it. */
function questionIdsOf(id: string | undefined): Set<number> | null {
  if (id === undefined || id.trim() === '') return null;
  const ids = id.split(',').map((part) => part.trim());
  if (!ids.every((part) => /^\d+$/.test(part))) {
    throw badRequest([{ name: 'id', reason: `'id' must be a comma-separated list of question ids (integers), as in '42,43'; got ${JSON.stringify(id)}.` }]);
  }
  return new Set(ids.map(Number));
}

const texts = (profile: Profile) => [profile.name, profile.description, profile.description_translated,
  ...(profile.targets ?? []).flatMap((target) => [target.text, target.text_translated])].filter((text): text is string => typeof text === 'string');

function filtered(profiles: readonly Profile[], query: QuestionQuery): Profile[] {
  const ids = questionIdsOf(query.id);
  const search = query.query?.trim().toLowerCase();
  return profiles.filter((profile) => {
    const custom = profile.standard === false;
    if (query.only_custom_quals === true ? !custom : custom && query.allow_custom_quals !== true) return false;
    if (ids && !profileQuestions(profile as Json).some((id) => ids.has(id))) return false;
    return !search || texts(profile).some((text) => text.toLowerCase().includes(search));
  });
}

type Pager = NonNullable<ReturnType<typeof examplePager>>;

function answer(input: HandlerInput, output: HandlerOutput, page: Pager): HandlerOutput {
  const body = output.body as { profiles?: Profile[]; total?: number } | undefined;
  if (!body || !Array.isArray(body.profiles)) return output;
  const query = (input.query ?? {}) as QuestionQuery & Record<string, unknown>;
  const profiles = filtered(body.profiles, query);
  const chosen = { ...body, profiles, ...('total' in body ? { total: profiles.length } : {}) };
  return { ...output, body: page(chosen, query) };
}

export const questionWrappers: Wrappers = {
  account_questions_translation: (generic) => {
    // Paged after it is filtered: the generic handler leaves a wrapped operation's list whole.
    const page = examplePager(operation('account_questions_translation'))!;
    return (input) => thenDo(generic(input), (output) => answer(input, output, page));
  },
};
