// Every status an operation documents, and 503, can be asked for with `Prefer: code=NNN`, and comes
// with a body valid against that status's schema for that operation: the envelope, 429's problem
// details, the profiling operations' 422, 301's Location.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operations, type Operation } from '../src/cint/operations.js';
import { assertMatchesSpec, clientOf, makeApp, type Client } from './helpers.js';
import type { MockApp } from '../src/app.js';

const ULID = '01JPVZD75DW4KRP7MPFMF6KGZX';
const urlOf = (op: Operation) => op.path.replace(/:([A-Za-z_]+)/g, (_, name: string) => (name === 'account_id' ? '101' : ULID));

describe('Prefer: code=NNN for every documented status of every operation', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(async () => app.close());

  const errorStatuses = (op: Operation) => [...new Set([...(op.statuses as readonly number[]).filter((status) => status >= 300), 503])];

  it('covers every operation', () => {
    assert.equal(operations.length, 158);
    const asked = operations.reduce((sum, op) => sum + errorStatuses(op).length, 0);
    assert.ok(asked > 800, `only ${asked} statuses`);
  });

  for (const op of operations) {
    it(`${op.id}: ${errorStatuses(op).join(', ')}`, async () => {
      for (const status of errorStatuses(op)) {
        const response = await app.inject({ method: op.method, url: urlOf(op), headers: client.headers({ prefer: `code=${status}` }) });
        assert.equal(response.statusCode, status, `${op.id} Prefer ${status}: ${response.body}`);
        if (status === 301) {
          assert.equal(response.headers.location, `${urlOf(op)}/details`);
          continue;
        }
        const body = response.json();
        assert.match(String(response.headers['content-type']), /^application\/json/);
        if (status === 429) {
          assert.equal(body.object, 'too_many_requests_problem_details');
          assert.equal(typeof body.details, 'string');
        } else {
          assert.equal(typeof body.object, 'string');
          assert.equal(typeof body.detail, 'string');
          assert.match(body.id, /^[0-9a-f-]{36}$/);
        }
        if (status === 429 || status === 503) assert.ok(response.headers['retry-after'], `${op.id} ${status} has no Retry-After`);
        if ((op.statuses as readonly number[]).includes(status)) assertMatchesSpec(op.id, status, body, true, response.headers);
      }
    });
  }
});
