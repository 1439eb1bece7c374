// The JavaScript SDK as an integrator uses it, against the real app (gunicorn, migrated scratch
// database, a real worker): the contract's own examples, end to end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import MaintainProAPI, { MaintainProError, verifyTimestampedWebhook, verifyWebhook } from '@maintainpro/api-sdk';
import { expiredToken, startLossyProxy, startReceiver, startServer, totp } from '../testing/helpers.mjs';

const CREATE_WORK_ORDER_EXAMPLE = {
  title: 'Emergency Repair - Motor M-205',
  description: 'Motor showing unusual vibration patterns',
  priority: 'high',
  type: 'corrective',
  equipmentId: 'equipment-uuid',
  assignedTo: 'technician-uuid',
  dueDate: '2025-01-21T16:00:00.000Z',
};
const UPDATE_WORK_ORDER_EXAMPLE = { status: 'completed', completionNotes: 'Replaced bearing, tested operation' };
const CREATE_EQUIPMENT_EXAMPLE = {
  assetTag: 'MOTOR-205', model: 'ABB M3BP 160MLA4', manufacturer: 'ABB', description: 'Conveyor drive motor',
  location: 'Production Line 2', area: 'Assembly', criticality: 'medium',
};
const LISTED_PART_EXAMPLE = {
  partNumber: 'BRG-6205-2RS', description: 'Ball Bearing 25x52x15mm', category: 'Bearings', stockLevel: 45,
  reorderPoint: 10, unitCost: '12.50', supplier: 'SKF Industrial', location: 'Shelf A-12-B',
};
const SECRET = 'your-webhook-secret-key';
// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

let live;
let server;
const clients = {};

async function loggedIn(name, offset = 0, options = {}) {
  const account = server.accounts[name];
  const client = new MaintainProAPI({ baseUrl: `${server.base}/api`, ...options });
  const body = await client.auth.login({ email: account.email, password: server.password,
    mfaToken: totp(account.totp_secret, offset) });
  return { client, body };
}

before(async () => {
  live = await startServer();
  server = live.server;
  for (const name of ['admin', 'manager', 'technician']) clients[name] = (await loggedIn(name)).client;
});

after(async () => {
  if (live) await live.stop();
});

test('login with MFA keeps the tokens; a wrong code is a 401 in the contract format', async () => {
  const me = await clients.manager.auth.me();
  assert.equal(me.email, server.accounts.manager.email);
  assert.equal(me.role, 'manager');
  const stranger = new MaintainProAPI({ baseUrl: `${server.base}/api` });
  await assert.rejects(
    stranger.auth.login({ email: server.accounts.manager.email, password: 'wrong', mfaToken: '000000' }),
    (error) => error instanceof MaintainProError && error.status === 401 && error.message.length > 0,
  );
});

test('contract flow: create, list with filters across pages, consume parts, complete', async () => {
  const { manager, technician } = clients;
  const pump = await manager.equipment.create(CREATE_EQUIPMENT_EXAMPLE);
  assert.equal((await manager.equipment.get(pump.id)).assetTag, 'MOTOR-205');
  const bearing = await manager.parts.create(LISTED_PART_EXAMPLE);
  const created = await manager.workOrders.create({ ...CREATE_WORK_ORDER_EXAMPLE, equipmentId: pump.id,
    assignedTo: server.accounts.technician.user_id });
  assert.equal(created.status, 'assigned');
  assert.match(created.foNumber, /^WO-\d{4}-\d{3,}$/);
  for (let n = 0; n < 4; n += 1) {
    await manager.workOrders.create({ title: `Inspect coupling ${n}`, priority: 'high', equipmentId: pump.id });
  }
  await manager.workOrders.create({ title: 'Low one', priority: 'low', equipmentId: pump.id });

  const first = await manager.workOrders.list({ equipmentId: pump.id, priority: ['high', 'medium'], limit: 2 });
  assert.equal(first.length, 2);
  assert.equal(first.total, 5);
  assert.ok(first.links.next);
  const every = [];
  for await (const workOrder of manager.workOrders.iterate({ equipmentId: pump.id, priority: 'high,medium', limit: 2 })) {
    every.push(workOrder);
  }
  assert.equal(every.length, 5);
  assert.equal(new Set(every.map((w) => w.id)).size, 5);
  assert.ok(every.every((w) => w.priority === 'high'));

  await technician.parts.consume({ workOrderId: created.id,
    partsUsage: [{ partId: bearing.id, quantityUsed: 2, unitCost: '12.50' }] });
  assert.equal((await manager.parts.get(bearing.id)).stockLevel, 43);
  const done = await technician.workOrders.update(created.id, UPDATE_WORK_ORDER_EXAMPLE);
  assert.equal(done.status, 'completed');
  const partNumbers = [];
  for await (const part of manager.parts.iterate({ limit: 1 })) partNumbers.push(part.partNumber);
  assert.deepEqual(partNumbers, ['BRG-6205-2RS']);
});

test('errors carry status, message and field errors', async () => {
  await assert.rejects(clients.manager.workOrders.create({ priority: 'urgent' }), (error) => {
    assert.equal(error.status, 400);
    const fields = new Set(error.errors.map((e) => e.field));
    assert.ok(fields.has('title') && fields.has('priority'), [...fields].join());
    return true;
  });
  await assert.rejects(clients.manager.workOrders.get('00000000-0000-4000-8000-000000000000'),
    (error) => error.status === 404);
  await assert.rejects(clients.technician.webhooks.list(), (error) => {
    assert.equal(error.status, 403);
    assert.equal(error.retryAfter, null); // a permission error: nothing to wait for
    assert.ok(error.rateLimit.limit > 0); // the budget is described on every answer
    return true;
  });
});

test('retryAfter is read from a 429 or a 503 only', () => {
  const headers = { 'retry-after': '3600', 'x-ratelimit-limit': '60' };
  assert.equal(new MaintainProError(429, 'Rate limit exceeded', [], headers).retryAfter, 3600);
  assert.equal(new MaintainProError(503, 'Service unavailable', [], headers).retryAfter, 3600);
  for (const status of [400, 403, 404, 409]) {
    const error = new MaintainProError(status, 'Refused', [], headers);
    assert.equal(error.retryAfter, null, String(status));
    assert.equal(error.rateLimit.limit, 60);
  }
});

test('an expired access token is refreshed once and the request retried; logout ends it', async () => {
  const { body } = await loggedIn('admin', 1);
  const expired = expiredToken(server, 'admin', body.sessionId);
  const client = new MaintainProAPI({ baseUrl: `${server.base}/api`, token: expired, refreshToken: body.refreshToken });
  assert.equal((await client.auth.me()).email, server.accounts.admin.email);
  assert.notEqual(client.token, expired);
  const noRefresh = new MaintainProAPI({ baseUrl: `${server.base}/api`, token: expired });
  await assert.rejects(noRefresh.auth.me(), (error) => error.status === 401 && error.message === 'Token has expired');
  await client.auth.logout();
  const stale = new MaintainProAPI({ baseUrl: `${server.base}/api`, token: expired, refreshToken: body.refreshToken });
  await assert.rejects(stale.workOrders.list(), (error) => error.status === 401);
});

test('a registered webhook receives a signed delivery that verifyWebhook accepts', async () => {
  const { admin, manager } = clients;
  const receiver = await startReceiver();
  try {
    const hook = await admin.webhooks.create({ url: receiver.url,
      events: ['work_order.created', 'work_order.completed'], secret: SECRET, active: true });
    assert.equal(hook.secret, SECRET);
    assert.ok((await admin.webhooks.list()).some((h) => h.id === hook.id));
    const made = await manager.workOrders.create({ title: 'Emergency Repair', priority: 'high' });
    const [delivery] = await receiver.waitFor(1, 60000);
    assert.ok(delivery, 'the worker delivered nothing');
    assert.equal(delivery.headers['x-maintainpro-event'], 'work_order.created');
    const signature = delivery.headers['x-maintainpro-signature'];
    assert.equal(verifyWebhook(delivery.body, signature, SECRET), true);
    assert.equal(verifyWebhook(new Uint8Array(delivery.body), signature, SECRET), true);
    assert.equal(verifyWebhook(delivery.body.toString('utf8'), signature, SECRET), true);
    assert.equal(verifyTimestampedWebhook(delivery.body, delivery.headers, SECRET), true);
    assert.equal(verifyTimestampedWebhook(delivery.body, new Headers(delivery.headers), SECRET), true);
    const sent = Number(delivery.headers['x-maintainpro-timestamp']) * 1000;
    // Replayed ten minutes later: refused by the default tolerance (300 s), accepted by a wider one.
    assert.equal(verifyTimestampedWebhook(delivery.body, delivery.headers, SECRET, { now: sent + 600000 }), false);
    assert.equal(verifyTimestampedWebhook(delivery.body, delivery.headers, SECRET,
      { now: sent + 600000, toleranceSeconds: 900 }), true);
    // The timestamp cannot be moved without the signature failing, nor the body changed.
    assert.equal(verifyTimestampedWebhook(delivery.body, { ...delivery.headers,
      'x-maintainpro-timestamp': String(sent / 1000 + 1) }, SECRET, { now: sent }), false);
    assert.equal(verifyTimestampedWebhook(Buffer.concat([delivery.body, Buffer.from(' ')]), delivery.headers, SECRET),
      false);
    assert.equal(verifyTimestampedWebhook(delivery.body, delivery.headers, 'another-secret'), false);
    assert.equal(verifyTimestampedWebhook(delivery.body, { 'x-maintainpro-signature': signature }, SECRET), false);
    assert.equal(verifyWebhook(Buffer.concat([delivery.body, Buffer.from(' ')]), signature, SECRET), false);
    assert.equal(verifyWebhook(delivery.body, signature, 'another-secret'), false);
    const payload = JSON.parse(delivery.body.toString('utf8'));
    assert.equal(payload.event, 'work_order.created');
    assert.equal(payload.data.entityId, made.id);

    const ping = await admin.webhooks.test(hook.id);
    assert.equal(ping.success, true);
    // The worker records a delivery just after the receiver has answered it: ask until it has.
    let stats;
    for (const deadline = Date.now() + 30000; ; await new Promise((resolve) => setTimeout(resolve, 50))) {
      stats = await admin.webhooks.stats(hook.id);
      if ((stats.delivered >= 2 && stats.total >= 2) || Date.now() > deadline) break;
    }
    assert.ok(stats.delivered >= 2 && stats.total >= 2, JSON.stringify(stats));
    const deliveries = await admin.webhooks.deliveries(hook.id);
    assert.ok(deliveries.some((d) => d.event === 'work_order.created'));
    await admin.webhooks.update(hook.id, { active: false });
    assert.equal(await admin.webhooks.delete(hook.id), null);
  } finally {
    await receiver.close();
  }
});

test('PM templates, PM compliance and the performance summary', async () => {
  const { admin, manager } = clients;
  const template = await manager.pmTemplates.create({
    name: 'Monthly Motor Inspection', description: 'Monthly preventive maintenance for motors',
    frequencyType: 'calendar', frequency: 30, estimatedDuration: 120,
    checklist: [{ id: 'check-1', description: 'Check motor temperature', type: 'measurement', required: true }],
  });
  const ids = [];
  for await (const t of manager.pmTemplates) ids.push(t.id);
  assert.ok(ids.includes(template.id));
  assert.equal(typeof (await manager.pmCompliance.get({ days: 30 })), 'object');
  const summary = await admin.performance.summary();
  for (const key of ['uptime', 'requestCount', 'averageResponseTime', 'errorRate']) assert.ok(key in summary, key);
  await manager.pmTemplates.delete(template.id);
});

test('an API key works like a token and stops at once when revoked', async () => {
  const { admin } = clients;
  const created = await admin.apiKeys.create({ name: 'ERP sync', role: 'manager' });
  assert.match(created.key, /^mp_live_/);
  const integration = new MaintainProAPI({ baseUrl: `${server.base}/api`, apiKey: created.key });
  const made = await integration.workOrders.create({ title: 'Raised by the ERP', priority: 'low' });
  assert.equal((await integration.workOrders.get(made.id)).title, 'Raised by the ERP');
  assert.equal((await integration.auth.me()).role, 'manager');
  const listed = (await admin.apiKeys.list()).find((k) => k.id === created.id);
  assert.ok(listed.lastUsedAt);
  assert.equal(listed.key, undefined);
  await admin.apiKeys.revoke(created.id);
  await assert.rejects(integration.workOrders.list(), (error) => error.status === 401);
});

test('a rate limit surfaces as a 429 with Retry-After and the rate-limit headers', async () => {
  const { client } = await loggedIn('limited', 0, { retries: 0 }); // see the 429, do not wait it out
  let limited = null;
  // RATELIMIT_API is 60 per 3 seconds for this server: bursts of 10 at once reach it however slow
  // the machine.
  for (let n = 0; n < 400 && !limited; n += 10) {
    const burst = await Promise.allSettled(Array.from({ length: 10 }, () => client.workOrders.list({ limit: 1 })));
    limited = burst.find((outcome) => outcome.status === 'rejected')?.reason ?? null;
  }
  assert.ok(limited instanceof MaintainProError, 'no 429 within 400 requests');
  assert.equal(limited.status, 429);
  assert.ok(limited.retryAfter >= 1 && limited.retryAfter <= 3, String(limited.retryAfter));
  assert.match(limited.message, /^Rate limit exceeded: 60 requests per 3 seconds; try again in a few seconds$/);
  assert.equal(limited.rateLimit.limit, 60);
  assert.equal(limited.rateLimit.remaining, 0);
  assert.ok(limited.rateLimit.reset > 0);
});

/** A client on an API key of its own (its own rate-limit budget), made by the admin. */
async function keyClient(name, options = {}) {
  const created = await clients.admin.apiKeys.create({ name, role: 'manager' });
  return new MaintainProAPI({ baseUrl: `${server.base}/api`, apiKey: created.key, ...options });
}

test('request() sends headers and answers text for CSV and NDJSON; raw() gives the Response', async () => {
  const { manager } = clients;
  const made = await manager.workOrders.create({ title: 'Export me', priority: 'low' });
  const csv = await manager.request('GET', '/work-orders/export', undefined, { headers: { Accept: 'text/csv' },
    query: { q: 'Export me' } });
  assert.equal(typeof csv, 'string');
  assert.match(csv.split('\n')[0], /foNumber/);
  assert.ok(csv.includes(made.foNumber));
  const ndjson = await manager.workOrders.export({ format: 'ndjson', q: 'Export me' });
  const lines = ndjson.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.at(-1), { end: true, rows: lines.length - 1 });
  assert.equal(lines[0].id, made.id);
  const response = await manager.raw('GET', `/work-orders/${made.id}`);
  assert.equal(response.status, 200);
  assert.equal((await response.json()).id, made.id);
});

test('the methods beyond the contract: comments, labor, checklist, KPIs, users, stock, reorder requests', async () => {
  const { admin, manager } = clients;
  const made = await manager.workOrders.create({ title: 'Grease the gearbox', priority: 'medium' });
  await manager.workOrders.addComment(made.id, { body: 'Grease ordered' });
  assert.deepEqual((await manager.workOrders.comments(made.id)).map((c) => c.body), ['Grease ordered']);
  await manager.workOrders.addLabor(made.id, { minutes: 30, note: 'Greased' });
  const labor = await manager.workOrders.labor(made.id);
  assert.ok(JSON.stringify(labor).includes('Greased'));
  assert.ok(Array.isArray(await manager.workOrders.checklist(made.id)));
  const detail = await manager.workOrders.get(made.id, { expand: ['labor', 'comments'] });
  assert.equal(detail.id, made.id);
  assert.equal(typeof (await manager.kpis.get({ days: 30 })), 'object');
  const users = await admin.users.list({ q: 'fitter' });
  assert.ok(users.some((u) => u.email === server.accounts.technician.email));
  const grease = await manager.parts.create({ partNumber: 'GRS-1', description: 'Grease', category: 'Lubricants',
    stockLevel: 5, reorderPoint: 1, unitCost: '4.00', supplier: 'Shell', location: 'Shelf B' });
  assert.ok(Array.isArray(await manager.parts.stockMovements(grease.id)));
  assert.ok(Array.isArray(await manager.reorderRequests.list()));
  assert.equal((await manager.docs.openapi()).openapi.startsWith('3.'), true);
  assert.match(await manager.docs.page(), /<html/i);
  // Text and multipart bodies: a CSV import sent as text/csv, a photo as multipart/form-data.
  const job = await admin.imports.create('parts', 'partNumber,description,category,stockLevel,reorderPoint,unitCost\n' +
    'IMP-1,Imported seal,Seals,3,1,2.50\n');
  assert.equal((await admin.imports.get(job.id)).id, job.id);
  const photo = await manager.workOrders.addAttachment(made.id, Buffer.from(PNG, 'base64'),
    { filename: 'gearbox.png', contentType: 'image/png' });
  assert.deepEqual((await manager.workOrders.attachments(made.id)).map((a) => a.id), [photo.id]);
  const bytes = await manager.workOrders.attachmentFile(made.id, photo.id);
  assert.ok(bytes instanceof ArrayBuffer && bytes.byteLength > 0);
});

test('a create whose answer is lost is retried with the same Idempotency-Key: one work order', async () => {
  const key = await clients.admin.apiKeys.create({ name: 'Lossy network', role: 'manager' });
  const proxy = await startLossyProxy(server.base);
  try {
    const client = new MaintainProAPI({ baseUrl: `${proxy.base}/api`, apiKey: key.key, timeoutMs: 2000, retries: 5,
      retryDelayMs: 50 });
    const title = `Lost answer ${Date.now()}`;
    const made = await client.workOrders.create({ title, priority: 'high' });
    assert.equal(made.title, title);
    assert.ok(proxy.requests.length >= 2, 'the first answer was not lost');
    const keys = proxy.requests.map((head) => /^idempotency-key: *(.+)$/im.exec(head)?.[1]);
    assert.ok(keys[0] && keys.every((k) => k === keys[0]), keys.join());
    const found = await clients.manager.workOrders.list({ q: title });
    assert.deepEqual(found.map((w) => w.id), [made.id]);
  } finally {
    await proxy.close();
  }
  // No answer at all: a MaintainProError (status 0, code timeout, the fetch error as cause), not fetch's own.
  const silent = await startLossyProxy(server.base);
  try {
    const client = new MaintainProAPI({ baseUrl: `${silent.base}/api`, apiKey: key.key, timeoutMs: 200, retries: 0 });
    await assert.rejects(client.workOrders.create({ title: 'Never answered', priority: 'low' }), (error) => {
      assert.ok(error instanceof MaintainProError);
      assert.equal(error.status, 0);
      assert.equal(error.code, 'timeout');
      assert.ok(error.cause);
      return true;
    });
  } finally {
    await silent.close();
  }
  const nobody = new MaintainProAPI({ baseUrl: 'http://127.0.0.1:9/api', retries: 1, retryDelayMs: 10 });
  await assert.rejects(nobody.workOrders.list(), (error) => error instanceof MaintainProError &&
    error.status === 0 && error.code === 'network' && error.cause !== undefined);
});

test('a 429 is waited out: every call of a burst beyond the budget succeeds', async () => {
  const statuses = [];
  const client = await keyClient('Burst', { retries: 5, fetch: async (url, init) => {
    const response = await fetch(url, init);
    statuses.push(response.status);
    return response;
  } });
  // Bursts of 10 at once until the budget (60 per 3 seconds) runs out: each call still answers, once
  // the 429's Retry-After has passed.
  let calls = 0;
  while (!statuses.includes(429) && calls < 400) {
    const burst = await Promise.all(Array.from({ length: 10 }, () => client.workOrders.list({ limit: 1 })));
    assert.ok(burst.every((page) => Array.isArray(page)));
    calls += burst.length;
  }
  assert.ok(statuses.includes(429), `the budget was never reached in ${calls} calls`);
  assert.equal(statuses.filter((status) => status === 200).length, calls);
  assert.equal(statuses.at(-1), 200);
});

test('an incremental sync with concurrent writers skips nothing, repeats nothing, ends equal to the server', async () => {
  const writerA = await keyClient('Sync writer A');
  const writerB = await keyClient('Sync writer B');
  const reader = await keyClient('Sync reader');
  const line = await writerA.equipment.create({ assetTag: `SYNC-${Date.now()}`, model: 'Line', manufacturer: 'ACME',
    description: 'Sync line', location: 'Hall 1', area: 'Sync', criticality: 'low' });
  const ids = [];
  for (let n = 0; n < 12; n += 1) {
    ids.push((await writerA.workOrders.create({ title: `Sync ${n}`, priority: 'low', equipmentId: line.id })).id);
  }
  await new Promise((resolve) => setTimeout(resolve, 1100)); // past the settle horizon (1 s)
  const copy = new Map();
  const apply = (sync, versions) => async () => {
    for await (const page of sync.pages()) {
      for (const order of page) {
        const version = `${order.id}@${order.updatedAt}`;
        assert.ok(!versions.has(version), `${version} came twice`);
        versions.add(version);
        copy.set(order.id, order);
      }
    }
  };
  let writing = true;
  const writer = async (client, tag) => {
    for (let n = 0; writing && n < 25; n += 1) {
      const id = ids[(n * 5 + tag.length) % ids.length];
      await client.workOrders.update(id, { description: `${tag} edit ${n}` });
      if (n % 4 === 0) {
        ids.push((await client.workOrders.create({ title: `Sync ${tag} ${n}`, priority: 'low',
          equipmentId: line.id })).id);
      }
    }
  };
  const first = reader.workOrders.sync({ equipmentId: line.id, limit: 3 });
  const writers = Promise.all([writer(writerA, 'a'), writer(writerB, 'bb')]);
  await apply(first, new Set())();
  writing = false;
  await writers;
  assert.ok(first.cursor !== '*', 'no cursor to keep');
  // Later runs start from the kept cursor: only what changed since comes.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const next = reader.workOrders.sync({ cursor: first.cursor, equipmentId: line.id, limit: 50 });
  await apply(next, new Set())();
  const server = new Map();
  for await (const order of writerA.workOrders.iterate({ equipmentId: line.id, limit: 100 })) server.set(order.id, order);
  assert.equal(server.size, ids.length);
  assert.deepEqual([...copy.keys()].sort(), [...server.keys()].sort());
  for (const [id, order] of server) {
    assert.equal(copy.get(id).updatedAt, order.updatedAt, id);
    assert.equal(copy.get(id).description, order.description, id);
  }
  // Equipment and parts sync the same way (all records settled by now: none written in the last second).
  const lines = [];
  for await (const equipment of reader.equipment.sync({ area: 'Sync' })) lines.push(equipment.id);
  assert.deepEqual(lines, [line.id]);
  const partsSync = reader.parts.sync({ limit: 1 });
  const partIds = [];
  for await (const part of partsSync) partIds.push(part.id);
  assert.deepEqual(partIds.sort(), (await reader.parts.list({ limit: 500 })).map((p) => p.id).sort());
  assert.ok(partIds.length >= 2 && partsSync.cursor !== '*');
  const again = reader.workOrders.sync({ cursor: next.cursor, equipmentId: line.id });
  const nothing = [];
  for await (const order of again) nothing.push(order);
  assert.deepEqual(nothing, []);
});
