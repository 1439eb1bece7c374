'use strict';
// MaintainPro API SDK for Node.js 18+ (built-in fetch, no dependencies).
//   const MaintainProAPI = require('@maintainpro/api-sdk');
//   const client = new MaintainProAPI({ baseUrl: 'http://127.0.0.1:8000/api', token });
const crypto = require('node:crypto');

const LINK = /<([^>]*)>\s*;\s*rel="?([^";,]+)"?/g;

/** Any non-2xx answer, in the contract's error format {message, errors: [{field, message}]}. */
class MaintainProError extends Error {
  constructor(status, message, errors = [], headers = {}, body = null) {
    super(message);
    this.name = 'MaintainProError';
    this.status = status;
    this.errors = Array.isArray(errors) ? errors : [];
    this.headers = headers;
    this.body = body;
    const int = (name) => {
      const value = headers[name.toLowerCase()];
      const number = value === undefined ? NaN : parseInt(value, 10);
      return Number.isNaN(number) ? null : number;
    };
    // Seconds to wait before trying again: read from a 429 Too Many Requests or a 503 only, so a
    // client that sleeps on it never waits on a refusal that waiting cannot cure (a 403, a 404).
    this.retryAfter = status === 429 || status === 503 ? int('Retry-After') : null;
    this.rateLimit = {
      limit: int('X-RateLimit-Limit'),
      remaining: int('X-RateLimit-Remaining'),
      reset: int('X-RateLimit-Reset'),
    };
  }
}

function parseLinkHeader(value) {
  const links = {};
  for (const match of (value || '').matchAll(LINK)) links[match[2]] = match[1];
  return links;
}

function headersObject(headers) {
  const out = {};
  headers.forEach((value, name) => { out[name.toLowerCase()] = value; });
  return out;
}

function queryString(filters = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * True when `signature` (the X-MaintainPro-Signature header: hex HMAC-SHA256 of the raw body with the
 * endpoint's secret) matches. Pass the body exactly as received (Buffer or string), before JSON.parse.
 * Constant-time comparison.
 */
function verifyWebhook(rawBody, signature, secret) {
  if (!signature || !secret || rawBody === undefined || rawBody === null) return false;
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  let given;
  try {
    given = Buffer.from(String(signature).trim(), 'hex');
  } catch {
    return false;
  }
  if (given.length !== expected.length) return false;
  return crypto.timingSafeEqual(given, expected);
}

class Resource {
  constructor(client, path) {
    this.client = client;
    this.path = path;
  }

  /** One page: an array with `.total` (X-Total-Count) and `.links` ({first, prev, next, last}). */
  list(filters = {}) {
    return this.client.page(this.path + queryString(filters));
  }

  /** Every item across all pages, following the Link header: `for await (const x of r.iterate({...}))`. */
  iterate(filters = {}) {
    return this.client.iterate(this.path + queryString(filters));
  }

  [Symbol.asyncIterator]() {
    return this.iterate()[Symbol.asyncIterator]();
  }

  get(id) {
    return this.client.request('GET', `${this.path}/${encodeURIComponent(id)}`);
  }

  create(data) {
    return this.client.request('POST', this.path, data);
  }

  update(id, data) {
    return this.client.request('PATCH', `${this.path}/${encodeURIComponent(id)}`, data);
  }

  delete(id) {
    return this.client.request('DELETE', `${this.path}/${encodeURIComponent(id)}`);
  }
}

class Auth {
  constructor(client) {
    this.client = client;
  }

  /** Log in with the password and the current TOTP code (mfaToken); the client keeps both tokens. */
  async login({ email, password, mfaToken }) {
    const body = await this.client.request('POST', '/auth/login', { email, password, mfaToken }, { auth: false });
    this.client.token = body.token;
    this.client.refreshToken = body.refreshToken;
    return body;
  }

  /** A new access token from the refresh token (kept by the client and returned). */
  async refresh() {
    if (!this.client.refreshToken) throw new MaintainProError(401, 'No refresh token: log in first');
    const body = await this.client.request('POST', '/auth/refresh', { refreshToken: this.client.refreshToken },
      { auth: false, retryOn401: false });
    this.client.token = body.token;
    return body.token;
  }

  /** End this session: its access and refresh tokens stop working at once. */
  async logout() {
    const body = await this.client.request('POST', '/auth/logout', {});
    this.client.token = null;
    this.client.refreshToken = null;
    return body;
  }

  me() {
    return this.client.request('GET', '/auth/me');
  }
}

class Parts extends Resource {
  /** POST /parts/consume: consume({workOrderId, partsUsage: [{partId, quantityUsed, unitCost}]}). */
  consume(body) {
    return this.client.request('POST', '/parts/consume', body);
  }
}

class Webhooks extends Resource {
  stats(id) {
    return this.client.request('GET', `${this.path}/${encodeURIComponent(id)}/stats`);
  }

  /** Send a signed test delivery now; answers its outcome. */
  test(id) {
    return this.client.request('POST', `${this.path}/${encodeURIComponent(id)}/test`, {});
  }

  deliveries(id, filters = {}) {
    return this.client.page(`${this.path}/${encodeURIComponent(id)}/deliveries${queryString(filters)}`);
  }

  iterateDeliveries(id, filters = {}) {
    return this.client.iterate(`${this.path}/${encodeURIComponent(id)}/deliveries${queryString(filters)}`);
  }
}

class ApiKeys extends Resource {
  /** A new key; its full text (`key`) is in this answer only. */
  create({ name, role }) {
    return this.client.request('POST', this.path, { name, role });
  }

  revoke(id) {
    return this.delete(id);
  }
}

class MaintainProAPI {
  /**
   * @param {object} options
   * @param {string} options.baseUrl  ends with /api, e.g. http://127.0.0.1:8000/api
   * @param {string} [options.token]  a JWT access token
   * @param {string} [options.refreshToken]  renews an expired access token (once per request)
   * @param {string} [options.apiKey]  an API key (mp_live_...) instead of a token
   * @param {Function} [options.fetch]  defaults to the global fetch of Node 18+
   * @param {number} [options.timeoutMs]  per request, default 30000
   */
  constructor({ baseUrl, token = null, refreshToken = null, apiKey = null, fetch: fetchImpl, timeoutMs = 30000 } = {}) {
    if (!baseUrl) throw new TypeError('baseUrl is required, e.g. http://127.0.0.1:8000/api');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = apiKey || token;
    this.refreshToken = refreshToken;
    this.timeoutMs = timeoutMs;
    this.fetch = fetchImpl || globalThis.fetch;
    if (typeof this.fetch !== 'function') throw new TypeError('No fetch: use Node.js 18+ or pass options.fetch');
    this.auth = new Auth(this);
    this.workOrders = new Resource(this, '/work-orders');
    this.equipment = new Resource(this, '/equipment');
    this.parts = new Parts(this, '/parts');
    this.pmTemplates = new Resource(this, '/pm-templates');
    this.pmCompliance = { get: ({ days = 30 } = {}) => this.request('GET', `/pm-compliance${queryString({ days })}`) };
    this.webhooks = new Webhooks(this, '/webhooks');
    this.performance = { summary: () => this.request('GET', '/admin/performance/summary') };
    this.apiKeys = new ApiKeys(this, '/api-keys');
  }

  url(path) {
    if (/^https?:\/\//.test(path)) return path;
    // A Link header's relative URL (/api/...): resolve against the server's origin.
    if (path.startsWith('/api/')) return new URL(path, this.baseUrl).toString();
    return this.baseUrl + path;
  }

  async send(method, path, body, auth) {
    const headers = { Accept: 'application/json' };
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    const init = { method, headers, signal: AbortSignal.timeout(this.timeoutMs) };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return this.fetch(this.url(path), init);
  }

  /** The raw Response of a 2xx answer (after at most one token refresh); MaintainProError otherwise. */
  async raw(method, path, body, { auth = true, retryOn401 = true } = {}) {
    let response = await this.send(method, path, body, auth);
    if (response.status === 401 && auth && retryOn401 && this.refreshToken) {
      await response.arrayBuffer(); // release the connection
      await this.auth.refresh();
      response = await this.send(method, path, body, auth);
    }
    if (!response.ok) {
      const headers = headersObject(response.headers);
      const text = await response.text();
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
      const message = (parsed && typeof parsed.message === 'string' && parsed.message) || response.statusText ||
        `HTTP ${response.status}`;
      throw new MaintainProError(response.status, message, parsed && parsed.errors, headers, parsed ?? text);
    }
    return response;
  }

  async request(method, path, body, options) {
    const response = await this.raw(method, path, body, options);
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  async page(path) {
    const response = await this.raw('GET', path);
    const items = await response.json();
    const total = response.headers.get('x-total-count');
    items.total = total === null ? null : parseInt(total, 10);
    items.links = parseLinkHeader(response.headers.get('link'));
    return items;
  }

  async *iterate(path) {
    let next = path;
    while (next) {
      const items = await this.page(next);
      yield* items;
      next = items.links.next || null;
    }
  }
}

module.exports = MaintainProAPI;
module.exports.MaintainProAPI = MaintainProAPI;
module.exports.MaintainProError = MaintainProError;
module.exports.verifyWebhook = verifyWebhook;
module.exports.parseLinkHeader = parseLinkHeader;
module.exports.default = MaintainProAPI;
