// A session's clock moved years on for target groups that cannot take a complete any more (their quotas
// full, or the session's complete share at 0): they keep fielding at the session's rates up to their end
// date, their completes held where they are; the same seed and clock moves give the same counts on two
// apps, and one jump or several (a pause on the way) give the same counts too; a clock move publishes one
// session-updated for such a target group, as for any other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import {
  assertMatchesSpec, clientOf, createProject, createTargetGroup, futureDate, launchUrl, makeApp, runsUrl, setFielding, targetGroupsUrl, type Client, QUOTA_PROFILING,
} from './helpers.js';

/** Two quotas of one profile, 10 and 30 completes, under a completes goal of 1000: the completes stop at 40. */
const fullQuotas = { profiling: QUOTA_PROFILING, completes_goal: 1000 };

const HOURS_A_DAY = 24;
const TEN_YEARS = 3650;

interface Quota { completes: number; prescreens: number; completes_goal?: number }
interface Performance {
  entrants: number; prescreens: number; completes: number; incidence_rate: number; conversion_rate: number; drop_off_rate: number;
  first_complete?: string; last_complete?: string; respondent_analysis: { live: { status: string; count: number }[] };
}

/** A clock move (an ISO 8601 duration), a pause or resume of the run, or `read`: what a client reads then is kept. */
type Move = string;

/** A launched target group: its client, the URLs the tests read, and what a move needs. */
interface Launched { app: MockApp; client: Client; groupUrl: string; runUrl: string; targetGroupId: string; endAt: string }

async function launched(app: MockApp, settings: Record<string, unknown>, body: Record<string, unknown> | undefined, days: number): Promise<Launched> {
  const client = await clientOf(app);
  const project = await createProject(app, client);
  await setFielding(app, client, settings);
  const targetGroupId = await createTargetGroup(app, client, project.id, body);
  const endAt = futureDate(days);
  const launch = await app.inject({
    method: 'POST', url: launchUrl(project.id, targetGroupId),
    headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: endAt },
  });
  assert.equal(launch.statusCode, 201, launch.body);
  const job = await app.inject({ method: 'GET', url: String(launch.headers.location), headers: client.headers() });
  assert.equal(job.json().status, 'Completed', job.body);
  const groupUrl = `${targetGroupsUrl(project.id)}/${targetGroupId}`;
  return { app, client, groupUrl, runUrl: `${runsUrl(project.id, targetGroupId)}/${job.json().created_fielding_run_id}`, targetGroupId, endAt };
}

const get = (run: Launched, url: string) => run.app.inject({ method: 'GET', url, headers: run.client.headers() });

/** Moves the session's clock on, or pauses or resumes the run; the clock's time after it. */
async function move(run: Launched, step: Move): Promise<number> {
  if (step === 'pause' || step === 'resume') {
    const etag = String((await get(run, run.runUrl)).headers.etag);
    const answer = await run.app.inject({ method: 'POST', url: `${run.runUrl}/${step}`, headers: run.client.headers({ 'if-match': etag }) });
    assert.equal(answer.statusCode, 204, answer.body);
    const clock = await run.app.inject({ method: 'GET', url: `/__admin/sessions/${run.client.clientId}/clock` });
    return Date.parse(clock.json().now);
  }
  const moved = await run.app.inject({ method: 'POST', url: `/__admin/sessions/${run.client.clientId}/clock`, payload: { advance: step } });
  assert.equal(moved.statusCode, 200, moved.body);
  return Date.parse(moved.json().now);
}

async function performance(run: Launched): Promise<Performance> {
  const answer = await get(run, `${run.groupUrl}/performance`);
  assert.equal(answer.statusCode, 200, answer.body);
  assertMatchesSpec('get_target_group_performance', 200, answer.json());
  return answer.json();
}

/** Each profile's targets' quotas (a target without a quota: null). */
async function quotas(run: Launched): Promise<(Quota | null)[][]> {
  const answer = await get(run, `${run.groupUrl}/profiles`);
  assert.equal(answer.statusCode, 200, answer.body);
  assertMatchesSpec('list_profiles', 200, answer.json());
  return answer.json().profiles.map((profile: { targets: { quota?: Quota }[] }) => profile.targets.map((target) => target.quota ?? null));
}

/**
 * What a client reads of a target group's fill: its performance, quotas, completes by week, run status;
 * instants as milliseconds from the run's start (two runs launched a moment apart compare alike).
 */
async function counts(run: Launched) {
  const numbers = await performance(run);
  const weekly = await get(run, `${run.groupUrl}/completes-aggregated-by-interval?aggregation_interval=P1W`);
  assert.equal(weekly.statusCode, 200, weekly.body);
  const fielding = (await get(run, run.runUrl)).json();
  const sinceStart = (at: string | undefined) => (at === undefined ? null : Date.parse(at) - Date.parse(fielding.start_fielding_at));
  return {
    performance: { ...numbers, first_complete: sinceStart(numbers.first_complete), last_complete: sinceStart(numbers.last_complete) },
    quotas: await quotas(run),
    weekly: (weekly.json().aggregated_completes_intervals as { count: number }[]).map(({ count }) => count),
    status: fielding.status as string,
  };
}

/** Within `share` of `expected`, saying what it is. */
function near(actual: number, expected: number, share: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * share, `${what}: about ${expected}, got ${actual}`);
}

/** Every start is a complete, a terminate, an over quota or a drop-off, once; each profile's targets share every prescreen. */
function accountedFor(numbers: Pick<Performance, 'entrants' | 'prescreens' | 'completes' | 'respondent_analysis'>, profiles: (Quota | null)[][]): void {
  assert.equal(numbers.respondent_analysis.live.reduce((total, { count }) => total + count, 0), numbers.entrants);
  const overQuota = numbers.respondent_analysis.live.find(({ status }) => status === 'Overquota')!.count;
  assert.equal(numbers.prescreens, numbers.entrants - overQuota);
  for (const targets of profiles) {
    if (targets.some((quota) => quota === null)) continue;
    assert.equal(targets.reduce((total, quota) => total + quota!.prescreens, 0), numbers.prescreens, 'a profile\'s targets hold every prescreen');
    assert.equal(targets.reduce((total, quota) => total + quota!.completes, 0), numbers.completes, 'and every complete');
  }
}

describe('a clock moved years on for target groups that cannot take a complete', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('a target group whose quotas are full fields on for ten years: its starts grow with the time, its completes stay at its quotas, and its run is paused at its end date', async () => {
    const perHour = 12;
    const run = await launched(app, { starts_per_hour: perHour, seed: 'full quotas' }, fullQuotas, TEN_YEARS);
    await move(run, 'P1D');
    const day = await performance(run);
    assert.equal(day.completes, 40, 'a day fills both quotas (40 completes of the goal of 1000)');
    assert.deepEqual((await quotas(run))[0]!.map((quota) => quota!.completes), [10, 30]);

    await move(run, 'P365D');
    const year = await counts(run);
    near(year.performance.entrants, perHour * HOURS_A_DAY * 366, 0.02, 'starts in 366 days');
    assert.equal(year.performance.completes, 40, 'no complete while the quotas are full');
    assert.deepEqual(year.quotas[0]!.map((quota) => quota!.completes), [10, 30]);
    assert.equal(year.performance.last_complete, Date.parse(day.last_complete!) - Date.parse((await get(run, run.runUrl)).json().start_fielding_at), 'the last complete is the one that filled the quotas');
    accountedFor(year.performance, year.quotas);
    assert.equal(year.status, 'live');

    await move(run, `P${TEN_YEARS}D`);
    const done = await counts(run);
    near(done.performance.entrants, perHour * HOURS_A_DAY * TEN_YEARS, 0.01, 'starts in the run\'s ten years');
    assert.ok(done.performance.entrants > year.performance.entrants * 9, 'nine years more, nine times the starts');
    assert.equal(done.performance.completes, 40);
    assert.deepEqual(done.quotas[0]!.map((quota) => quota!.completes), [10, 30]);
    accountedFor(done.performance, done.quotas);
    // The other starts are terminates, over quota (those who would complete among them) and drop-offs, at the session's shares.
    const overQuota = done.performance.respondent_analysis.live.find(({ status }) => status === 'Overquota')!.count;
    near(overQuota, done.performance.entrants * (0.3 + 0.05), 0.02, 'over quota: the complete and over-quota shares');

    assert.equal(done.status, 'paused');
    const ended = (await get(run, run.runUrl)).json();
    assert.equal(ended.last_changed_at, run.endAt, 'paused at its end date, not when the clock got there');
    const changelog = await get(run, `${run.groupUrl}/changelog`);
    assert.deepEqual(changelog.json().changelog[0].changes[0], { object: 'status_change', new_value: 'paused', old_value: 'live', reason_code: 'past_scheduled_end_date' });
    assert.equal(done.weekly.length, Math.ceil(TEN_YEARS / 7), 'the run\'s ten years by week');
    assert.equal(done.weekly.at(-1), 40);
    assert.equal(done.weekly[0], 40, 'every complete in the first week');

    await move(run, 'P30D');
    assert.deepEqual(await counts(run), done, 'a run paused at its end fills no more');
  });

  it('a session whose complete share is 0: ten years of starts split at its shares over every profile\'s targets, none completing', async () => {
    const perHour = 5;
    const run = await launched(app, { starts_per_hour: perHour, complete: 0, screen_out: 0.6, over_quota: 0.1, seed: 3 }, undefined, TEN_YEARS);
    await move(run, 'P3700D');
    const { performance: numbers, quotas: profiles, status } = await counts(run);
    near(numbers.entrants, perHour * HOURS_A_DAY * TEN_YEARS, 0.01, 'starts in ten years');
    assert.equal(numbers.completes, 0);
    assert.equal(numbers.first_complete, null);
    const live = Object.fromEntries(numbers.respondent_analysis.live.map(({ status: name, count }) => [name, count]));
    near(live.Terminate!, numbers.entrants * 0.6, 0.01, 'terminates');
    near(live.Overquota!, numbers.entrants * 0.1, 0.02, 'over quota');
    accountedFor(numbers, profiles);
    // Cint's example target group: several profiles, each target's prescreens by its share of the profile's goals.
    const [gender] = profiles;
    near(gender![0]!.prescreens, numbers.prescreens * 0.4921, 0.02, 'the first gender target\'s prescreens');
    assert.equal(status, 'paused');
  });
});

describe('the same counts however the clock gets there', () => {
  let first: MockApp;
  let second: MockApp;
  before(async () => { [first, second] = await Promise.all([makeApp(), makeApp()]); });
  after(() => Promise.all([first.close(), second.close()]));

  // Both pause, resume and read at the same times of the clock; the quotas are full on the first day, and
  // the run ends (ten years after its launch) between the last two reads.
  const oneJump: Move[] = ['PT20H', 'P30D', 'pause', 'PT5H30M', 'resume', 'read', 'P400D', 'read', 'P3000D', 'read', 'P300D', 'read'];
  const several: Move[] = [
    'PT20H', 'P10D', 'PT13H', 'P19DT11H', 'pause', 'PT2H', 'PT3H30M', 'resume', 'read',
    'P1D', 'PT1H', 'P398DT23H', 'read', 'P2999D', 'P1D', 'read', 'P100D', 'P200D', 'read',
  ];

  /** What a client read at each `read` of `moves`, on a target group of its own launched on `app`. */
  async function driven(app: MockApp, moves: Move[], seed: number | string, body: Record<string, unknown> | undefined = fullQuotas) {
    const run = await launched(app, { starts_per_hour: 20, seed }, body, TEN_YEARS);
    const reads = [];
    for (const step of moves) {
      if (step === 'read') reads.push(await counts(run));
      else await move(run, step);
    }
    return reads;
  }

  it('two apps given the same seed and moves give the same counts, at each step and at the end', async () => {
    const [a, b] = await Promise.all([driven(first, oneJump, 'same'), driven(second, oneJump, 'same')]);
    assert.deepEqual(a.map((read) => [read.performance.completes, read.status]), [[40, 'live'], [40, 'live'], [40, 'live'], [40, 'paused']]);
    for (const read of a) accountedFor(read.performance, read.quotas);
    assert.ok(a[3]!.performance.entrants > a[2]!.performance.entrants && a[2]!.performance.entrants > a[1]!.performance.entrants * 7);
    assert.deepEqual(b, a);
    assert.notDeepEqual((await driven(second, oneJump, 'other')).at(-1)!.performance, a.at(-1)!.performance, 'another seed, other counts');
  });

  it('one jump or several, a pause on the way: the same counts at the same times, for full quotas and for Cint\'s example', async () => {
    const jumps = await driven(first, oneJump, 7);
    assert.equal(jumps.at(-1)!.status, 'paused');
    assert.deepEqual(await driven(second, several, 7), jumps);
    // Cint's example target group: eight profiles, whose quotas stop its completes at 150 in about ten days.
    const example = await driven(first, oneJump, 'example', undefined);
    assert.ok(example[0]!.performance.completes > 0 && example.at(-1)!.performance.completes < 1500, JSON.stringify(example.at(-1)!.performance));
    assert.deepEqual(await driven(second, several, 'example', undefined), example);
  });
});

describe('events of a clock move for a target group that cannot take a complete', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('one session-updated per move, with its starts and quota fills, ending at the last tick the clock passed', async () => {
    const run = await launched(app, { starts_per_hour: 12, seed: 'events' }, fullQuotas, TEN_YEARS);
    await move(run, 'P2D');
    const before = await performance(run);
    const [beforeQuotas] = await quotas(run);
    assert.equal(before.completes, 40);
    const events = app.mock.sessions.find(run.client.clientId)!.events;
    const published = events.length;

    const now = await move(run, 'P365D');
    const after = await performance(run);
    const [afterQuotas] = await quotas(run);
    const mine = events.slice(published).filter((event) => event.payload.target_group_id === run.targetGroupId);
    const updates = mine.filter((event) => event.type === 'session-updated');
    assert.equal(updates.length, 1, 'one session-updated for the move');
    const update = updates[0]!.payload as { occurred_at: string; period: { from: string; to: string }; respondents: Record<string, number>; totals: Record<string, number> };
    assert.equal(update.respondents.started, after.entrants - before.entrants);
    assert.equal(update.respondents.completed, 0);
    assert.equal(update.respondents.screened_out! + update.respondents.over_quota! + update.respondents.dropped_off!, update.respondents.started);
    assert.equal(update.totals.entrants, after.entrants);
    assert.equal(update.totals.prescreens, after.prescreens);
    assert.equal(update.period.to, update.occurred_at);
    const endedAt = Date.parse(update.occurred_at);
    // Ticks are 32 hours long a year into a run: the last one the clock passed ended within the last two.
    assert.ok(endedAt <= now && endedAt > now - 64 * 3_600_000, `${update.occurred_at} by the clock's ${new Date(now).toISOString()}`);
    assert.ok(Date.parse(update.period.from) < now - 364 * 86_400_000, update.period.from);

    const fills = mine.filter((event) => event.type === 'quota-fill-registered').map((event) => event.payload as Record<string, number>);
    assert.equal(fills.length, 2, 'one per quota that moved');
    assert.deepEqual(fills.map((fill) => fill.completes_added), [0, 0]);
    assert.deepEqual(fills.map((fill) => fill.completes), [10, 30]);
    assert.equal(fills.reduce((total, fill) => total + fill.screens_added!, 0), after.prescreens - before.prescreens);
    assert.deepEqual(afterQuotas!.map((quota, index) => quota!.prescreens - beforeQuotas![index]!.prescreens).sort(), fills.map((fill) => fill.screens_added).sort());
  });
});
