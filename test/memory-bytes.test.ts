// Memory bounded in bytes, not only in counts: fields Cint's schema does not have are not stored, and a
// session holds at most maxSessionBytes of stored data (409 past it, with nothing half done).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCOUNT, assertCintError, clientOf, createProject, createTargetGroup, makeApp, targetGroupBody, targetGroupsUrl,
} from './helpers.js';

const summaryOf = async (app: Awaited<ReturnType<typeof makeApp>>, clientId: string) =>
  (await app.inject({ method: 'GET', url: `/__admin/sessions/${clientId}` })).json() as { bytes: number; objects: number };

describe('stored bytes', () => {
  it('unknown fields are dropped before storing: 150 target groups with a 900 KB unknown field hold their own ~9 KB each, not 135 MB', async () => {
    const app = await makeApp({ watchScenarios: false });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const junk = 'j'.repeat(900_000);
      let id = '';
      for (let i = 0; i < 150; i += 1) id = await createTargetGroup(app, client, project.id, { name: `Target group ${i}`, junk_field: junk, nested: { more: junk.slice(0, 10) } });
      const summary = await summaryOf(app, client.clientId);
      assert.ok(summary.bytes < 150 * (JSON.stringify(targetGroupBody()).length + 500), `${summary.bytes} bytes stored`);
      const read = await app.inject({ method: 'GET', url: `${targetGroupsUrl(project.id)}/${id}`, headers: client.headers() });
      assert.equal(read.statusCode, 200, read.body);
      assert.ok(!read.body.includes('jjjjjjjjjj'), 'the unknown field is not read back');

      // A webhook's unknown field is not kept either; its known fields are.
      const webhook = await app.inject({
        method: 'POST', url: `/v1/accounts/${ACCOUNT}/webhooks`, headers: client.headers(),
        payload: { url: 'https://client.example/hooks', events: ['target-group-updated'], extra: junk },
      });
      assert.equal(webhook.statusCode, 201, webhook.body);
      const hook = await app.inject({ method: 'GET', url: `/v1/accounts/${ACCOUNT}/webhooks/${webhook.json().id as string}`, headers: client.headers() });
      assert.equal(hook.json().url, 'https://client.example/hooks');
      assert.equal(hook.json().extra, undefined);
      assert.ok((await summaryOf(app, client.clientId)).bytes - summary.bytes < 2_000);
    } finally {
      await app.close();
    }
  });

  it('a session past maxSessionBytes gets 409 saying so, nothing is stored, and a delete makes room', async () => {
    const app = await makeApp({ maxSessionBytes: 30_000, watchScenarios: false });
    try {
      const client = await clientOf(app);
      const project = await createProject(app, client);
      const create = (i: number) => app.inject({ method: 'POST', url: targetGroupsUrl(project.id), headers: client.headers(), payload: targetGroupBody({ name: `Target group ${i}` }) });
      let created = 0;
      let refused = await create(0);
      while (refused.statusCode === 201 && created < 20) {
        created += 1;
        refused = await create(created);
      }
      assert.ok(created >= 1 && created < 20, `${created} target groups fitted in 30,000 bytes`);
      assertCintError(refused, 409, 'conflict_error', {
        detail: 'this session would hold more than the maximum of 30000 bytes of stored data; reset it (DELETE /__admin/sessions/{id}) or raise maxSessionBytes',
      });
      const before = await summaryOf(app, client.clientId);
      assert.ok(before.bytes <= 30_000);
      const again = await create(99);
      assert.equal(again.statusCode, 409);
      const after = await summaryOf(app, client.clientId);
      assert.deepEqual([after.bytes, after.objects], [before.bytes, before.objects], 'nothing was stored');
      const listed = await app.inject({ method: 'GET', url: targetGroupsUrl(project.id), headers: client.headers() });
      assert.equal(listed.json().target_groups.length, created);

      // The generic collections count too, and a delete gives the bytes back.
      const hooks = `/v1/accounts/${ACCOUNT}/webhooks`;
      const tooBig = await app.inject({ method: 'POST', url: hooks, headers: client.headers(), payload: { url: `https://client.example/${'p'.repeat(25000)}`, events: ['target-group-updated'] } });
      assertCintError(tooBig, 409, 'conflict_error', { detail: /maximum of 30000 bytes/ });
      const small = await app.inject({ method: 'POST', url: hooks, headers: client.headers(), payload: { url: 'https://client.example/h', events: ['target-group-updated'] } });
      assert.equal(small.statusCode, 201, small.body);
      const withHook = (await summaryOf(app, client.clientId)).bytes;
      assert.ok(withHook > before.bytes);
      const deleted = await app.inject({ method: 'DELETE', url: `${hooks}/${small.json().id as string}`, headers: client.headers() });
      assert.equal(deleted.statusCode, 204);
      assert.equal((await summaryOf(app, client.clientId)).bytes, before.bytes);
    } finally {
      await app.close();
    }
  });
});
