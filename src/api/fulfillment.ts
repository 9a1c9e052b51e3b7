// Fulfillment (Cint's S2S API): a respondent session's status by its RID, and its transition to one of
// the S2S codes. The mock routes no respondents, so an RID is taken as given (decision 31): one that
// was never transitioned reads as still in the survey (the document's example status, 1), and each
// transition is kept in the session (a singleton per RID, counted in its bytes and objects), so the
// status read next is the one set.
import { CintError, type InvalidParam } from '../cint/errors.js';
import { isoAt } from '../sessions/lifecycle.js';
import type { Handlers } from './handler.js';

/** "The session ID of the respondent routed to your survey ... of type UUID4" (any UUID is taken). */
const RID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The document's table of S2S codes, in its order. */
const S2S_CODES = new Map([[5, 'Complete'], [2, 'Screenout'], [4, 'Quality Terminate'], [3, 'Quota Full']]);

/** The status of a session not transitioned yet: the document's example, a respondent still in the survey. */
const IN_SURVEY = 1;

const keyOf = (rid: string) => `/fulfillment/respondents/${rid.toLowerCase()}`;

export const fulfillmentHandlers = {
  // "Respondent status could not be found": an RID that is not a session ID (a UUID) names no session.
  get_respondent_status: ({ session, params }) => {
    const rid = params.RID;
    if (!RID.test(rid)) throw new CintError(404, `RID: respondent status could not be found: '${rid}' is not a session ID (a UUID)`);
    const stored = session.singletons.get(keyOf(rid));
    return { body: { id: rid, status: (stored?.fields.status as number | undefined) ?? IN_SURVEY } };
  },

  update_respondent_status: ({ session, body }) => {
    const { id, status } = body as { id: string; status: number };
    const invalid: InvalidParam[] = [];
    if (!RID.test(id)) invalid.push({ name: 'id', reason: `'id' must be the respondent's session ID (RID), a UUID; got '${id}'` });
    if (!S2S_CODES.has(status)) {
      const codes = [...S2S_CODES].map(([code, name]) => `${code} (${name})`).join(', ');
      invalid.push({ name: 'status', reason: `'status' must be one of the S2S codes ${codes}; got ${status}` });
    }
    if (invalid.length > 0) throw new CintError(422, 'the respondent status could not be updated', { invalid_params: invalid, object: 'unprocessable_entity_error' });
    session.putSingleton(keyOf(id), { status }, isoAt(session.now()));
    return { body: { id, status } };
  },
} satisfies Handlers;
