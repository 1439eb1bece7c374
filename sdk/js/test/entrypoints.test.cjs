'use strict';
// Both entry points, without a server: the contract's require(), ES import, and verifyWebhook.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { MaintainProError } = require('@maintainpro/api-sdk');

test('require returns the MaintainProAPI class, with the helpers beside it', () => {
  const MaintainProAPI = require('@maintainpro/api-sdk');
  assert.equal(typeof MaintainProAPI, 'function');
  assert.equal(MaintainProAPI.name, 'MaintainProAPI');
  assert.equal(MaintainProAPI.MaintainProAPI, MaintainProAPI);
  const client = new MaintainProAPI({ baseUrl: 'http://127.0.0.1:9/api/', token: 'your-jwt-token' });
  assert.equal(client.baseUrl, 'http://127.0.0.1:9/api');
  for (const name of ['auth', 'workOrders', 'equipment', 'parts', 'pmTemplates', 'pmCompliance', 'webhooks',
    'performance', 'apiKeys']) {
    assert.ok(client[name], name);
  }
  assert.throws(() => new MaintainProAPI({}), TypeError);
});

test('import gives the same class as the default export and named exports', async () => {
  const esm = await import('@maintainpro/api-sdk');
  assert.equal(esm.default, require('@maintainpro/api-sdk'));
  assert.equal(typeof esm.verifyWebhook, 'function');
  assert.equal(typeof esm.MaintainProError, 'function');
});

test('verifyWebhook accepts the right signature only', () => {
  const { verifyWebhook } = require('@maintainpro/api-sdk');
  const body = Buffer.from('{"id":"e1","event":"work_order.created"}');
  const signature = crypto.createHmac('sha256', 'your-webhook-secret-key').update(body).digest('hex');
  assert.equal(verifyWebhook(body, signature, 'your-webhook-secret-key'), true);
  assert.equal(verifyWebhook(body.toString('utf8'), signature, 'your-webhook-secret-key'), true);
  assert.equal(verifyWebhook(Buffer.concat([body, Buffer.from(' ')]), signature, 'your-webhook-secret-key'), false);
  assert.equal(verifyWebhook(body, signature, 'another-secret'), false);
  assert.equal(verifyWebhook(body, signature.slice(0, 10), 'your-webhook-secret-key'), false);
  assert.equal(verifyWebhook(body, 'zz' + signature.slice(2), 'your-webhook-secret-key'), false);
  assert.equal(verifyWebhook(body, undefined, 'your-webhook-secret-key'), false);
});

test('parseLinkHeader reads the API\'s Link header', () => {
  const { parseLinkHeader } = require('@maintainpro/api-sdk');
  const links = parseLinkHeader('</api/work-orders?page=1&limit=2>; rel="first", </api/work-orders?page=2&limit=2>; rel="next"');
  assert.deepEqual(links, { first: '/api/work-orders?page=1&limit=2', next: '/api/work-orders?page=2&limit=2' });
});

/** An HTTP server answering each request with the next of `answers` ([status, headers, body]); keeps the requests. */
async function scripted(answers) {
  const http = require('node:http');
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, key: req.headers['idempotency-key'] });
    const [status, headers, body] = answers[Math.min(seen.length - 1, answers.length - 1)];
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${server.address().port}/api`, seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('a write is retried on 503 (after Retry-After) and on a busy Idempotency-Key, with one key', async () => {
  const MaintainProAPI = require('@maintainpro/api-sdk');
  const busy = { message: 'The first request with this Idempotency-Key is still running; send it again in a moment',
    errors: [{ field: 'Idempotency-Key', message: 'still running' }] };
  const server = await scripted([[503, { 'Retry-After': '1' }, { message: 'Busy', errors: [] }],
    [409, {}, busy], [201, {}, { id: 'wo-1' }]]);
  try {
    const client = new MaintainProAPI({ baseUrl: server.base, token: 't', retryDelayMs: 10 });
    assert.deepEqual(await client.workOrders.create({ title: 'Pump' }), { id: 'wo-1' });
    assert.equal(server.seen.length, 3);
    assert.match(server.seen[0].key, /^[0-9a-f-]{36}$/);
    assert.ok(server.seen.every((r) => r.key === server.seen[0].key));
  } finally {
    await server.close();
  }
});

test('no retry: a 400, a 409 of another kind, a write sent without a key, a Retry-After beyond the longest wait', async () => {
  const MaintainProAPI = require('@maintainpro/api-sdk');
  const cases = [
    [[400, {}, { message: 'Invalid', errors: [{ field: 'title', message: 'Required' }] }], {}],
    [[409, {}, { message: 'Completed', errors: [{ field: 'status', message: 'Completed' }] }], {}],
    [[503, {}, { message: 'Busy', errors: [] }], { idempotencyKey: false }],
    [[429, { 'Retry-After': '3600' }, { message: 'Rate limit exceeded', errors: [] }], {}],
  ];
  for (const [answer, options] of cases) {
    const server = await scripted([answer, [201, {}, { id: 'wo-1' }]]);
    try {
      const client = new MaintainProAPI({ baseUrl: server.base, token: 't', retryDelayMs: 10, maxRetryDelayMs: 2000 });
      await assert.rejects(client.workOrders.create({ title: 'Pump' }, options),
        (error) => error instanceof MaintainProError && error.status === answer[0]);
      assert.equal(server.seen.length, 1, JSON.stringify(answer));
      if (options.idempotencyKey === false) assert.equal(server.seen[0].key, undefined);
      else assert.match(server.seen[0].key, /^[0-9a-f-]{36}$/);
    } finally {
      await server.close();
    }
  }
});

test('verifyTimestampedWebhook: the signature over "<timestamp>.<body>" within the tolerance', () => {
  const { verifyTimestampedWebhook } = require('@maintainpro/api-sdk');
  const secret = 'your-webhook-secret-key';
  const body = Buffer.from('{"id":"e1","event":"webhook.test"}');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const headers = { 'X-MaintainPro-Timestamp': timestamp, 'X-MaintainPro-Timestamp-Signature': signature };
  assert.equal(verifyTimestampedWebhook(body, headers, secret), true);
  assert.equal(verifyTimestampedWebhook(new Uint8Array(body), headers, secret), true);
  assert.equal(verifyTimestampedWebhook(body.toString(), headers, secret, { toleranceSeconds: 1 }), true);
  const later = Number(timestamp) * 1000 + 301000;
  assert.equal(verifyTimestampedWebhook(body, headers, secret, { now: later }), false);
  assert.equal(verifyTimestampedWebhook(body, headers, secret, { now: later, toleranceSeconds: 400 }), true);
  assert.equal(verifyTimestampedWebhook(body, { ...headers, 'X-MaintainPro-Timestamp': `${timestamp}0` }, secret), false);
  assert.equal(verifyTimestampedWebhook(body, headers, 'another-secret'), false);
  assert.equal(verifyTimestampedWebhook(body, { 'X-MaintainPro-Timestamp': timestamp }, secret), false);
});
