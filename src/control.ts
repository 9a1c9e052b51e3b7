// The programmatic control of a mock, for test suites: tokens, scenario choice, resets, the journal.
// Works the same on an in-process app (inject-style tests) and on a listening server.
import type { MockApp, MockServices } from './app.js';
import { CINT_API_VERSION } from './cint/operations.js';
import { filterProblems, type CountFilter, type JournalEntry, type JournalFilter } from './journal/journal.js';
import type { ScenarioChoice, ScenarioDefinition, SentThrough } from './scenarios/catalog.js';
import type { Session } from './sessions/store.js';
import { failedCommand } from './sessions/unavailable.js';
import { changeFielding, clockOf, jobTimingView, moveClock, setJobTiming, type ClockChange, type JobTimingChangeData } from './sessions/clock.js';
import { deliveryView, type DeliveryFilter, type DeliveryStatus, type DeliveryView } from './webhooks/delivery.js';

/** Which deliveries: of one webhook, of one event type, in one status; `limit` of them, newest first. */
export interface DeliveryListFilter {
  webhookId?: string;
  type?: DeliveryFilter['type'];
  status?: DeliveryStatus;
  limit?: number;
  clientId?: string | null;
}

/** The next delivery: the first made after `after` (a delivery id; the session's first without it). */
export interface NextDeliveryFilter {
  webhookId?: string;
  type?: DeliveryFilter['type'];
  after?: string;
  /** Statuses worth answering besides the final ones (delivered, expired), e.g. ['undelivered'] or ['bounced']. */
  statuses?: DeliveryStatus[];
  /** How long to wait; 5000 ms by default. */
  timeoutMs?: number;
  clientId?: string | null;
}
import { fieldingView, type FieldingChange, type FieldingView } from './sessions/simulator.js';

export interface TokenOptions {
  /** Accounts the token grants; every account when absent. */
  accounts?: readonly number[];
  ttlSeconds?: number;
}

/**
 * Sessions are named as clients name them: a client id (its default session) or an X-Mock-Session name.
 * A name is scoped inside the client that uses it; where several clients use one name, `clientId`
 * picks one (null: the session shared by name), and without it writes apply to all of them and reads
 * throw AmbiguousSessionError.
 */
export interface MockControl {
  /** A bearer token for `clientId`, signed by this mock; the client id is also its session id. */
  token(clientId: string, options?: TokenOptions): string;
  /** Headers for a Cint request as `clientId`: Authorization and Cint-API-Version. */
  headers(clientId: string, options?: TokenOptions): Record<string, string>;
  /**
   * The scenario a session's requests get from now on: a loaded scenario's name, a scenario's content
   * (`{ rules: [...] }`, as in a file; throws ScenarioDefinitionError naming each problem), or null for
   * the realistic behaviour.
   */
  useScenario(sessionId: string, scenario: string | ScenarioDefinition | null, clientId?: string | null): void;
  scenarioOf(sessionId: string, clientId?: string | null): ScenarioChoice;
  /** Names and descriptions of the loaded scenarios. */
  scenarios(): { name: string; description: string }[];
  /** Forgets one session's state (objects, keys, journal, scenario progress), or every session's. */
  reset(sessionId?: string, clientId?: string | null): void;
  /**
   * A session's requests, newest first: none for a name no session has (not used yet, or reset), as
   * count() says 0. Throws a RangeError for an operation or fault that names none.
   */
  journal(sessionId: string, filter?: JournalFilter & { clientId?: string | null }): JournalEntry[];
  /**
   * How many requests a session made, e.g. count('ci', { operation: 'create_project' }): 0 for a name no
   * session has (not used yet, or reset), so "my client made no call" holds before its first request
   * too. Throws a RangeError for an operation or fault that names none, which would count 0 whatever.
   */
  count(sessionId: string, filter?: CountFilter & { clientId?: string | null }): number;
  /**
   * Reads or moves a session's clock: clock('ci', { advance: 'P3D' }), { set: '2030-01-31T12:00:00Z' },
   * { reset: true }; live runs whose end has come are paused. The session must have made a request.
   */
  clock(sessionId: string, change?: ClockChange, clientId?: string | null): { now: string; offset_ms: number };
  /**
   * Reads or sets how long a session's jobs stay Processing: jobs('ci', { polls: 2 }), { duration: 'PT30S' }
   * (on the session's clock), { reset: true } for the instance's jobPolls and jobDuration.
   */
  jobs(sessionId: string, change?: JobTimingChangeData, clientId?: string | null): { polls: number; duration: string; source: 'session' | 'instance' };
  /** A session's webhook deliveries, newest first, each with its attempts: deliveries('ci', { webhookId, status: 'expired' }). */
  deliveries(sessionId: string, filter?: DeliveryListFilter): DeliveryView[];
  /**
   * Waits for the session's next webhook delivery (after `after`, of that webhook and type) to reach a
   * final status (delivered, expired) or one of `statuses`, and answers it; rejects after `timeoutMs`.
   * A test awaits it instead of sleeping: `const d = await mock.nextDelivery('ci', { webhookId })`.
   */
  nextDelivery(sessionId: string, filter?: NextDeliveryFilter): Promise<DeliveryView>;
  /**
   * Reads or sets how a session's live target groups fill: fielding('ci', { starts_per_hour: 60, seed: 7 })
   * (the rest stay), { reset: true } for the instance's. Throws a RangeError when the shares exceed 1.
   */
  fielding(sessionId: string, change?: FieldingChange, clientId?: string | null): FieldingView;
}

/** A filter that can match no request (an operation id mistyped) throws a RangeError naming it, as the admin API answers 400: it would count 0. */
function checkFilter(filter: CountFilter & { method?: string | undefined }): void {
  const problems = filterProblems(filter);
  if (problems.length > 0) throw new RangeError(problems.map(({ reason }) => reason).join('; '));
}

export class ScenarioNotFoundError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`no scenario named ${JSON.stringify(name)}; known: ${known.join(', ')}`);
    this.name = 'ScenarioNotFoundError';
  }
}

/**
 * Makes `scenario` the session's choice (null: the realistic behaviour) and restarts its progress, so a
 * newly chosen scenario starts from its first step. Shared by the admin API and the programmatic one
 * (`through`: which of them sends it).
 */
export function chooseScenario(
  { sessions, scenarios }: MockServices, sessionId: string, scenario: string | object | null, clientId: string | null | undefined, through: SentThrough, sender?: string,
): Promise<void> {
  const by = sender === undefined ? undefined : { clientId: sender, session: sessionId };
  // Rules sent as data are a scenario of their own (ScenarioDefinitionError names what is wrong in them);
  // a client sending them with its own token has its share of the room for them (`sender`).
  const name = scenario === null || typeof scenario === 'string' ? scenario : scenarios.defineInline(scenario, through, by);
  if (name !== null && !scenarios.get(name) && !scenarios.hasInline(name)) throw new ScenarioNotFoundError(name, scenarios.names());
  const saved = scenarios.choose(sessionId, name, clientId);
  for (const session of sessions.named(sessionId, clientId)) scenarios.restart(session);
  return saved;
}

export function controlOf(app: MockApp): MockControl {
  const { sessions, scenarios, tokens, journals, webhooks, shared } = app.mock;
  /**
   * With a shared store, a change made here is saved there too, in this instance's turn at the session
   * (so this instance's next request sees it); this control is synchronous, so the save is not awaited.
   */
  const save = (...changed: Session[]) => {
    for (const session of changed) {
      shared?.persist(session).catch((error: unknown) => app.log.warn({ ...failedCommand(error), session: session.name }, 'a change made through the programmatic control was not saved to the session store'));
    }
  };
  const forgetStored = (run: () => Promise<void>) => {
    run().catch((error: unknown) => app.log.warn(failedCommand(error), 'a reset through the programmatic control did not reach the session store'));
  };
  const token = (clientId: string, options: TokenOptions = {}) => tokens.issue({
    clientId, accounts: options.accounts ?? null, ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
  }).access_token;
  const existingSession = (sessionId: string, clientId: string | null | undefined) => {
    const session = sessions.find(sessionId, clientId);
    if (!session) throw new Error(`no session named ${JSON.stringify(sessionId)} yet: a session starts with its first request (a token of client ${JSON.stringify(sessionId)}, or X-Mock-Session: ${sessionId}), so make one first`);
    return session;
  };
  return {
    token,
    headers: (clientId, options) => ({ authorization: `Bearer ${token(clientId, options)}`, 'cint-api-version': CINT_API_VERSION }),
    useScenario: (sessionId, scenario, clientId) => {
      void chooseScenario(app.mock, sessionId, scenario, clientId, 'programmatic');
      save(...sessions.named(sessionId, clientId));
    },
    scenarioOf(sessionId, clientId) {
      // As the admin API's read: AmbiguousSessionError where several clients use the name, the session's own choice where one does.
      const session = sessions.find(sessionId, clientId);
      return scenarios.choiceOf(sessionId, session ? session.clientId : clientId);
    },
    scenarios: () => scenarios.list().map(({ scenario }) => ({ name: scenario.name, description: scenario.description })),
    reset(sessionId, clientId) {
      // Sent to a shared store at once; this control is synchronous, so it is not awaited.
      forgetStored(() => (sessionId === undefined ? sessions.clear() : sessions.delete(sessionId, clientId)));
    },
    journal(sessionId, { clientId, ...filter } = {}) {
      checkFilter(filter);
      const session = sessions.find(sessionId, clientId);
      // Copies: a caller's edits never reach the journal.
      return session ? journals.of(session).entries(filter).map((entry) => structuredClone(entry)) : [];
    },
    count(sessionId, { clientId, ...filter } = {}) {
      checkFilter(filter);
      const session = sessions.find(sessionId, clientId);
      return session ? journals.of(session).count(filter) : 0;
    },
    clock(sessionId, change, clientId) {
      const session = existingSession(sessionId, clientId);
      if (change) {
        moveClock(session, change);
        save(session);
      }
      return clockOf(session);
    },
    jobs(sessionId, change, clientId) {
      const session = existingSession(sessionId, clientId);
      if (change) {
        setJobTiming(session, app.mock.jobTiming, change);
        save(session);
      }
      const { session: _name, ...view } = jobTimingView(session, app.mock.jobTiming);
      return view;
    },
    deliveries(sessionId, { clientId, ...filter } = {}) {
      const session = sessions.find(sessionId, clientId);
      return session ? webhooks.deliveries(session, filter).map(deliveryView) : [];
    },
    async nextDelivery(sessionId, { clientId, timeoutMs = 5000, ...filter } = {}) {
      return deliveryView(await webhooks.next(existingSession(sessionId, clientId), filter, timeoutMs));
    },
    fielding(sessionId, change, clientId) {
      const session = existingSession(sessionId, clientId);
      if (change) {
        changeFielding(session, change);
        save(session);
      }
      return fieldingView(session);
    },
  };
}
