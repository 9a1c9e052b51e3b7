// The README's examples that follow the quick start, run as written with bash and curl against a server
// on a real socket: the fielding simulator's (a session's rates, its clock moved, a run filling to its goal).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/server.js';
import { assertQuickStartOutput, fieldingExampleScript, runQuickStart } from './quick-start.js';

describe("the README's fielding example", () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock({ watchScenarios: false, logLevel: 'silent' }); });
  after(() => mock.close());

  it('sets rates the shares allow, fills the live target group in two days and to its goal in five', async () => {
    const marker = '--- fielding example ---';
    // Each answer on a line of its own: curl's bodies end without a newline.
    const run = await runQuickStart(mock.url, { then: `\necho '${marker}'\ncurl() { command curl "$@"; echo; }\n${fieldingExampleScript()}` });
    assertQuickStartOutput(run);
    const lines = run.stdout.slice(run.stdout.indexOf(marker) + marker.length).split('\n').filter((line) => line.startsWith('{'));
    const [settings, twoDays, performance, fiveDays, overview] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 5, run.stdout);
    assert.deepEqual(settings, {
      session: 'my-client', starts_per_hour: 10, complete: 0.5, screen_out: 0.3, over_quota: 0.05, drop_off: 0.15, seed: 7, source: 'session',
    });
    assert.match(String(twoDays!.now), /^2030-01-03T10:00/);
    // "about 480 entrants, half of them completes": 10 an hour for 47 hours (the first hour fills nothing).
    const entrants = performance!.entrants as number;
    const completes = performance!.completes as number;
    assert.ok(entrants >= 400 && entrants <= 560, `entrants ${entrants}`);
    assert.ok(completes >= entrants * 0.4 && completes <= entrants * 0.6, `completes ${completes} of ${entrants}`);
    assert.match(String(fiveDays!.now), /^2030-01-06T10:00/);
    assert.equal(overview!.status, 'completed');
    assert.deepEqual(overview!.progress, { current_completes: 500, current_prescreens: (overview!.progress as { current_prescreens: number }).current_prescreens, filling_goal: 500, filling_strategy: 'completes' });
  });
});
