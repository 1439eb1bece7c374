// The JavaScript SDK as an integrator uses it, against the real app (gunicorn, migrated scratch
// database, a real worker): the contract's own examples, end to end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import MaintainProAPI, { MaintainProError, verifyWebhook } from '@maintainpro/api-sdk';
import { expiredToken, startReceiver, startServer, totp } from '../testing/helpers.mjs';

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

let live;
let server;
const clients = {};

async function loggedIn(name, offset = 0) {
  const account = server.accounts[name];
  const client = new MaintainProAPI({ baseUrl: `${server.base}/api` });
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
  const { client } = await loggedIn('limited');
  let limited = null;
  for (let n = 0; n < 200 && !limited; n += 1) { // RATELIMIT_API is 60/minute for this server
    try {
      await client.workOrders.list({ limit: 1 });
    } catch (error) {
      limited = error;
    }
  }
  assert.ok(limited instanceof MaintainProError, 'no 429 within 200 requests');
  assert.equal(limited.status, 429);
  assert.ok(limited.retryAfter >= 1 && limited.retryAfter <= 60, String(limited.retryAfter));
  assert.match(limited.message, /^Rate limit exceeded: 60 requests per minute; try again in (a few seconds|1 minute)$/);
  assert.equal(limited.rateLimit.limit, 60);
  assert.equal(limited.rateLimit.remaining, 0);
  assert.ok(limited.rateLimit.reset > 0);
});
