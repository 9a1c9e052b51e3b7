// Memory is bounded by configuration, not by traffic: sessions, journal entries, idempotency keys,
// stored objects and scenario choices all stay within their limits however many requests come.
// Counted, not timed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import { API_VERSION, makeApp, projectBody, projectsUrl, tokenFor } from './helpers.js';

const LIMITS = { maxSessions: 50, journalSize: 20, maxIdempotencyKeysPerSession: 10, maxObjectsPerSession: 25 };
const REQUESTS = 5000;
const COLD_SESSIONS = 1000;
const HOT_SESSIONS = 5;

describe('bounded memory under sustained traffic', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ ...LIMITS, watchScenarios: false }); });
  after(() => app.close());

  /** Every session held right now is within its limits. */
  function assertWithinLimits(when: string) {
    const { sessions, journals } = app.mock;
    assert.ok(sessions.size <= LIMITS.maxSessions, `${when}: ${sessions.size} sessions held`);
    for (const { id, client_id: clientId } of sessions.list()) {
      const session = sessions.find(id, clientId)!;
      assert.ok(journals.of(session).entries().length <= LIMITS.journalSize, `${when}: journal of ${id}`);
      assert.ok(session.idempotency.size <= LIMITS.maxIdempotencyKeysPerSession, `${when}: idempotency keys of ${id}`);
      assert.ok(session.objectCount <= LIMITS.maxObjectsPerSession, `${when}: objects of ${id}`);
    }
  }

  it(`${REQUESTS} requests over ${COLD_SESSIONS + HOT_SESSIONS} sessions stay within the configured limits`, async () => {
    const token = await tokenFor(app, 'load-client');
    const control = controlOf(app);
    // Every seventh request goes to one of a few hot sessions, which stay in memory and fill up; the
    // rest cycle through many cold sessions, which push each other out.
    const sessionOf = (i: number) => (i % 7 === 0 ? `hot-${(i / 7) % HOT_SESSIONS}` : `cold-${i % COLD_SESSIONS}`);
    const sent = new Map<string, number>();
    const statuses = new Map<number, number>();

    for (let i = 0; i < REQUESTS; i += 1) {
      const session = sessionOf(i);
      // Half of the cold sessions also choose a scenario: the choices are bounded too.
      if (session.startsWith('cold-') && i % 2 === 0) control.useScenario(session, 'happy-path');
      const response = await app.inject({
        method: 'POST', url: projectsUrl(), payload: projectBody(),
        headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, 'x-mock-session': session, 'idempotency-key': `key-${i}` },
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      sent.set(session, (sent.get(session) ?? 0) + 1);
      assert.ok(app.mock.sessions.size <= LIMITS.maxSessions, `after request ${i}: ${app.mock.sessions.size} sessions held`);
      if (i % 250 === 0) assertWithinLimits(`after request ${i}`);
    }
    assertWithinLimits('at the end');

    assert.equal(sent.size, COLD_SESSIONS + HOT_SESSIONS);
    // A full hot session refuses further objects with 409 rather than growing.
    assert.ok((statuses.get(409) ?? 0) > 0, JSON.stringify([...statuses]));
    assert.deepEqual([...statuses.keys()].sort(), [202, 409]);

    // The hot sessions were all kept, and each one's limits were reached, not just approached.
    const { sessions, journals, scenarios } = app.mock;
    for (let h = 0; h < HOT_SESSIONS; h += 1) {
      const session = sessions.find(`hot-${h}`);
      assert.ok(session, `hot-${h} was evicted`);
      const journal = journals.of(session);
      assert.equal(journal.entries().length, LIMITS.journalSize);
      assert.equal(journal.count(), sent.get(`hot-${h}`), 'counts stay exact while the journal drops entries');
      assert.equal(session.idempotency.size, LIMITS.maxIdempotencyKeysPerSession);
      assert.equal(session.objectCount, LIMITS.maxObjectsPerSession);
    }

    const listed = (await app.inject({ method: 'GET', url: '/__admin/sessions' })).json().sessions as unknown[];
    assert.equal(listed.length, LIMITS.maxSessions);
    const chosen = [...sent.keys()].filter((id) => scenarios.choiceOf(id).chosen_by === 'session');
    assert.ok(chosen.length > 0 && chosen.length <= LIMITS.maxSessions, `${chosen.length} scenario choices remembered`);
  });
});
