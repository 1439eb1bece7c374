'use strict';
// Both entry points, without a server: the contract's require(), ES import, and verifyWebhook.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

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
