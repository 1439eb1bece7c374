'use strict';
// MaintainPro API SDK for Node.js 18+ (built-in fetch, no dependencies).
//   const MaintainProAPI = require('@maintainpro/api-sdk');
//   const client = new MaintainProAPI({ baseUrl: 'http://127.0.0.1:8000/api', token });
const crypto = require('node:crypto');

const LINK = /<([^>]*)>\s*;\s*rel="?([^";,]+)"?/g;

/** Any non-2xx answer, in the contract's error format {message, errors: [{field, message}]}. */
class MaintainProError extends Error {
  constructor(status, message, errors = [], headers = {}, body = null, options = undefined) {
    super(message, options && options.cause !== undefined ? { cause: options.cause } : undefined);
    // 'timeout' or 'network' when no answer came (status 0, the fetch error as `cause`); null otherwise.
    this.code = (options && options.code) || null;
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

function bodyBytes(rawBody) {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (rawBody instanceof ArrayBuffer) return Buffer.from(rawBody);
  if (ArrayBuffer.isView(rawBody)) return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  return null;
}

function hexEqual(signature, expected) {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]+$/.test(signature.trim())) return false;
  const given = Buffer.from(signature.trim(), 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * True when `signature` (the X-MaintainPro-Signature header: hex HMAC-SHA256 of the raw body with the
 * endpoint's secret) matches. Pass the body exactly as received (bytes or string), before JSON.parse.
 * Constant-time comparison. It does not cover the time: prefer verifyTimestampedWebhook, which
 * refuses a captured delivery replayed later.
 */
function verifyWebhook(rawBody, signature, secret) {
  const body = bodyBytes(rawBody);
  if (!signature || !secret || body === null) return false;
  return hexEqual(signature, crypto.createHmac('sha256', secret).update(body).digest());
}

/**
 * True when X-MaintainPro-Timestamp-Signature (hex HMAC-SHA256 of `<timestamp>.<raw body>`) matches
 * and X-MaintainPro-Timestamp (Unix seconds) is within `toleranceSeconds` (default 300) of now, so a
 * delivery captured and replayed later is refused. `headers` may be a plain object (any case) or a
 * Headers instance.
 */
function verifyTimestampedWebhook(rawBody, headers, secret, { toleranceSeconds = 300, now = Date.now() } = {}) {
  const header = (name) => {
    if (!headers) return null;
    if (typeof headers.get === 'function') return headers.get(name);
    const found = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
    const value = found === undefined ? null : headers[found];
    return Array.isArray(value) ? value[0] : value;
  };
  const timestamp = header('X-MaintainPro-Timestamp');
  const signature = header('X-MaintainPro-Timestamp-Signature');
  const body = bodyBytes(rawBody);
  if (!timestamp || !/^\d{1,12}$/.test(String(timestamp).trim()) || !signature || !secret || body === null) {
    return false;
  }
  const stamped = String(timestamp).trim();
  if (Math.abs(now / 1000 - Number(stamped)) > toleranceSeconds) return false;
  const expected = crypto.createHmac('sha256', secret).update(Buffer.from(`${stamped}.`, 'ascii')).update(body)
    .digest();
  return hexEqual(String(signature), expected);
}

const enc = encodeURIComponent;

/** The API's operations the client has a method for: operationId -> [method, path below /api, client method].
 * tests/test_js_sdk.py compares it with the server's OpenAPI document and calls each method's name. */
const OPERATIONS = {
  login: ['POST', '/auth/login', 'auth.login'],
  logout: ['POST', '/auth/logout', 'auth.logout'],
  me: ['GET', '/auth/me', 'auth.me'],
  refresh: ['POST', '/auth/refresh', 'auth.refresh'],
  list_api_keys: ['GET', '/api-keys', 'apiKeys.list'],
  create_api_key: ['POST', '/api-keys', 'apiKeys.create'],
  get_api_key: ['GET', '/api-keys/{}', 'apiKeys.get'],
  revoke_api_key: ['DELETE', '/api-keys/{}', 'apiKeys.revoke'],
  performance_summary: ['GET', '/admin/performance/summary', 'performance.summary'],
  docs_page: ['GET', '/docs', 'docs.page'],
  openapi_json: ['GET', '/openapi.json', 'docs.openapi'],
  list_equipment: ['GET', '/equipment', 'equipment.list'],
  create_equipment: ['POST', '/equipment', 'equipment.create'],
  export_equipment: ['GET', '/equipment/export', 'equipment.export'],
  get_equipment: ['GET', '/equipment/{}', 'equipment.get'],
  update_equipment: ['PATCH', '/equipment/{}', 'equipment.update'],
  list_downtime: ['GET', '/equipment/{}/downtime', 'equipment.downtime'],
  list_meter_readings: ['GET', '/equipment/{}/meter-readings', 'equipment.meterReadings'],
  record_meter_reading: ['POST', '/equipment/{}/meter-readings', 'equipment.recordMeterReading'],
  rotate_report_token: ['POST', '/equipment/{}/report-token', 'equipment.rotateReportToken'],
  change_equipment_status: ['POST', '/equipment/{}/status', 'equipment.changeStatus'],
  list_failure_codes: ['GET', '/failure-codes', 'failureCodes.list'],
  create_failure_code: ['POST', '/failure-codes', 'failureCodes.create'],
  export_failure_codes: ['GET', '/failure-codes/export', 'failureCodes.export'],
  import_failure_codes: ['POST', '/failure-codes/import', 'failureCodes.import'],
  update_failure_code: ['PATCH', '/failure-codes/{}', 'failureCodes.update'],
  delete_failure_code: ['DELETE', '/failure-codes/{}', 'failureCodes.delete'],
  create_import: ['POST', '/imports', 'imports.create'],
  list_imports: ['GET', '/imports', 'imports.list'],
  get_import: ['GET', '/imports/{}', 'imports.get'],
  get_import_refused_csv: ['GET', '/imports/{}/refused.csv', 'imports.refusedCsv'],
  get_kpis: ['GET', '/kpis', 'kpis.get'],
  get_kpi_trends: ['GET', '/kpis/trends', 'kpis.trends'],
  get_kpi_records: ['GET', '/kpis/{}/records', 'kpis.records'],
  get_planning_kpis: ['GET', '/kpis/planning', 'kpis.planning'],
  get_bad_actors: ['GET', '/kpis/bad-actors', 'kpis.badActors'],
  list_schedules: ['GET', '/schedules', 'schedules.list'],
  create_schedule: ['POST', '/schedules', 'schedules.create'],
  get_schedule: ['GET', '/schedules/{}', 'schedules.get'],
  add_schedule_item: ['POST', '/schedules/{}/items', 'schedules.addItem'],
  remove_schedule_item: ['DELETE', '/schedules/{}/items/{}', 'schedules.removeItem'],
  freeze_schedule: ['POST', '/schedules/{}/freeze', 'schedules.freeze'],
  list_absences: ['GET', '/absences', 'absences.list'],
  add_absence: ['POST', '/absences', 'absences.create'],
  remove_absence: ['DELETE', '/absences/{}', 'absences.delete'],
  set_weekly_hours: ['PUT', '/users/{}/weekly-hours', 'users.setWeeklyHours'],
  list_parts: ['GET', '/parts', 'parts.list'],
  create_part: ['POST', '/parts', 'parts.create'],
  consume_parts: ['POST', '/parts/consume', 'parts.consume'],
  export_parts: ['GET', '/parts/export', 'parts.export'],
  list_reorder_requests: ['GET', '/parts/reorder-requests', 'reorderRequests.list'],
  get_part: ['GET', '/parts/{}', 'parts.get'],
  update_part: ['PATCH', '/parts/{}', 'parts.update'],
  create_stock_movement: ['POST', '/parts/{}/stock-movements', 'parts.addStockMovement'],
  list_stock_movements: ['GET', '/parts/{}/stock-movements', 'parts.stockMovements'],
  pm_compliance: ['GET', '/pm-compliance', 'pmCompliance.get'],
  list_pm_templates: ['GET', '/pm-templates', 'pmTemplates.list'],
  create_pm_template: ['POST', '/pm-templates', 'pmTemplates.create'],
  get_pm_template: ['GET', '/pm-templates/{}', 'pmTemplates.get'],
  update_pm_template: ['PATCH', '/pm-templates/{}', 'pmTemplates.update'],
  delete_pm_template: ['DELETE', '/pm-templates/{}', 'pmTemplates.delete'],
  get_reorder_request: ['GET', '/reorder-requests/{}', 'reorderRequests.get'],
  mark_reorder_ordered: ['POST', '/reorder-requests/{}/ordered', 'reorderRequests.markOrdered'],
  mark_reorder_received: ['POST', '/reorder-requests/{}/received', 'reorderRequests.markReceived'],
  receive_against_request: ['POST', '/reorder-requests/{}/receipts', 'reorderRequests.receive'],
  list_receipts: ['GET', '/reorder-requests/{}/receipts', 'reorderRequests.receipts'],
  list_requests: ['GET', '/requests', 'requests.list'],
  create_request: ['POST', '/requests', 'requests.create'],
  get_request: ['GET', '/requests/{}', 'requests.get'],
  get_request_photo: ['GET', '/requests/{}/photo', 'requests.photo'],
  approve_request: ['POST', '/requests/{}/approve', 'requests.approve'],
  merge_request: ['POST', '/requests/{}/merge', 'requests.merge'],
  decline_request: ['POST', '/requests/{}/decline', 'requests.decline'],
  list_users: ['GET', '/users', 'users.list'],
  create_user: ['POST', '/users', 'users.create'],
  get_user: ['GET', '/users/{}', 'users.get'],
  update_user: ['PATCH', '/users/{}', 'users.update'],
  reset_mfa: ['POST', '/users/{}/reset-mfa', 'users.resetMfa'],
  list_notifications: ['GET', '/notifications', 'notifications.list'],
  read_notification: ['POST', '/notifications/{}/read', 'notifications.read'],
  read_all_notifications: ['POST', '/notifications/read-all', 'notifications.readAll'],
  get_notification_preferences: ['GET', '/me/notification-preferences', 'notifications.preferences'],
  put_notification_preferences: ['PUT', '/me/notification-preferences', 'notifications.setPreferences'],
  get_warehouse: ['GET', '/warehouse', 'warehouse.get'],
  update_warehouse: ['PATCH', '/warehouse', 'warehouse.update'],
  list_webhooks: ['GET', '/webhooks', 'webhooks.list'],
  create_webhook: ['POST', '/webhooks', 'webhooks.create'],
  redeliver: ['POST', '/webhooks/deliveries/{}/redeliver', 'webhooks.redeliver'],
  get_webhook: ['GET', '/webhooks/{}', 'webhooks.get'],
  update_webhook: ['PATCH', '/webhooks/{}', 'webhooks.update'],
  delete_webhook: ['DELETE', '/webhooks/{}', 'webhooks.delete'],
  list_deliveries: ['GET', '/webhooks/{}/deliveries', 'webhooks.deliveries'],
  webhook_stats: ['GET', '/webhooks/{}/stats', 'webhooks.stats'],
  test_webhook: ['POST', '/webhooks/{}/test', 'webhooks.test'],
  list_work_orders: ['GET', '/work-orders', 'workOrders.list'],
  create_work_order: ['POST', '/work-orders', 'workOrders.create'],
  bulk_assign_work_orders: ['POST', '/work-orders/bulk-assign', 'workOrders.bulkAssign'],
  bulk_update_work_orders: ['POST', '/work-orders/bulk', 'workOrders.bulkUpdate'],
  export_work_orders: ['GET', '/work-orders/export', 'workOrders.export'],
  get_work_order: ['GET', '/work-orders/{}', 'workOrders.get'],
  update_work_order: ['PATCH', '/work-orders/{}', 'workOrders.update'],
  list_work_order_attachments: ['GET', '/work-orders/{}/attachments', 'workOrders.attachments'],
  add_work_order_attachment: ['POST', '/work-orders/{}/attachments', 'workOrders.addAttachment'],
  get_work_order_attachment: ['GET', '/work-orders/{}/attachments/{}', 'workOrders.attachmentFile'],
  get_checklist: ['GET', '/work-orders/{}/checklist', 'workOrders.checklist'],
  add_checklist_items: ['POST', '/work-orders/{}/checklist', 'workOrders.addChecklistItems'],
  update_checklist_item: ['PATCH', '/work-orders/{}/checklist/{}', 'workOrders.updateChecklistItem'],
  create_follow_up: ['POST', '/work-orders/{}/checklist/{}/follow-up', 'workOrders.createFollowUp'],
  list_work_order_comments: ['GET', '/work-orders/{}/comments', 'workOrders.comments'],
  add_work_order_comment: ['POST', '/work-orders/{}/comments', 'workOrders.addComment'],
  list_follow_ups: ['GET', '/work-orders/{}/follow-ups', 'workOrders.followUps'],
  list_labor: ['GET', '/work-orders/{}/labor', 'workOrders.labor'],
  add_labor: ['POST', '/work-orders/{}/labor', 'workOrders.addLabor'],
  request_part: ['POST', '/work-orders/{}/part-requests', 'workOrders.requestPart'],
  list_part_requests: ['GET', '/work-orders/{}/part-requests', 'workOrders.partRequests'],
  get_work_order_signature: ['GET', '/work-orders/{}/signature', 'workOrders.signature'],
  sign_work_order: ['POST', '/work-orders/{}/signature', 'workOrders.sign'],
};

/** OPERATIONS[operationId]'s path with its {} filled by the ids, each URL-encoded. */
function opPath(operationId, ...ids) {
  let n = 0;
  return OPERATIONS[operationId][1].replace(/\{\}/g, () => enc(ids[n++]));
}

/** A file for a multipart form: a Blob as is, bytes or text wrapped in one. */
function asBlob(file, contentType) {
  if (typeof Blob !== 'undefined' && file instanceof Blob) return file;
  return new Blob([file], contentType ? { type: contentType } : {});
}

class Resource {
  constructor(client, path) {
    this.client = client;
    this.path = path;
  }

  /** One page: an array with `.total` (X-Total-Count), `.exact` (false: `.total` is a lower bound,
   * X-Total-Count-Exact), `.links` ({first, prev, next, last}) and `.nextCursor` (X-Next-Cursor,
   * with `cursor`). */
  list(filters = {}) {
    return this.client.page(this.path + queryString(filters));
  }

  /** Every item across all pages, following the Link header: `for await (const x of r.iterate({...}))`. */
  iterate(filters = {}) {
    return this.client.iterate(this.path + queryString(filters));
  }

  /**
   * An incremental sync: the pages from `cursor` (default '*', everything) in (updatedAt, id) order,
   * each an array with `.nextCursor`. `sync.cursor` is the cursor to keep for the next run once the
   * loop is over (it advances after each page). Nothing is skipped or repeated under concurrent writes.
   */
  sync({ cursor = '*', ...filters } = {}) {
    return new Sync(this.client, this.path, cursor, filters);
  }

  [Symbol.asyncIterator]() {
    return this.iterate()[Symbol.asyncIterator]();
  }

  get(id, query = {}) {
    return this.client.request('GET', `${this.path}/${enc(id)}${queryString(query)}`);
  }

  create(data, options) {
    return this.client.request('POST', this.path, data, options);
  }

  update(id, data, options) {
    return this.client.request('PATCH', `${this.path}/${enc(id)}`, data, options);
  }

  delete(id, options) {
    return this.client.request('DELETE', `${this.path}/${enc(id)}`, undefined, options);
  }

  /** The CSV export (or `format: 'ndjson'` where offered) as text, with the list's filters. */
  export(filters = {}) {
    return this.client.request('GET', `${this.path}/export${queryString(filters)}`, undefined,
      { headers: { Accept: filters.format === 'ndjson' ? 'application/x-ndjson' : 'text/csv' } });
  }
}

class Sync {
  constructor(client, path, cursor, filters) {
    this.client = client;
    this.path = path;
    this.filters = filters;
    /** Where the next read starts: after the loop, keep it for the next sync. */
    this.cursor = cursor;
  }

  /** Page by page: each an array of records (with `.nextCursor`, `.total`). */
  async *pages() {
    for (;;) {
      const items = await this.client.page(this.path + queryString({ ...this.filters, cursor: this.cursor }));
      if (items.nextCursor) this.cursor = items.nextCursor;
      yield items;
      if (!items.links.next) return;
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const items of this.pages()) yield* items;
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

class WorkOrders extends Resource {
  /** get(id, {expand: ['parts', 'checklist', 'labor', 'comments']}) */
  get(id, query = {}) {
    return super.get(id, query);
  }

  bulkAssign(body, options) {
    return this.client.request('POST', opPath('bulk_assign_work_orders'), body, options);
  }

  bulkUpdate(body, options) {
    return this.client.request('POST', opPath('bulk_update_work_orders'), body, options);
  }

  attachments(id, filters = {}) {
    return this.client.page(opPath('list_work_order_attachments', id) + queryString(filters));
  }

  /** A photo: addAttachment(id, bytesOrBlob, {filename, contentType}) as multipart/form-data. */
  addAttachment(id, file, { filename = 'photo.jpg', contentType, ...options } = {}) {
    const form = new FormData();
    form.append('file', asBlob(file, contentType), filename);
    return this.client.request('POST', opPath('add_work_order_attachment', id), form, options);
  }

  /** The attachment's image bytes (`size: 'thumb'` for the small one where offered). */
  async attachmentFile(id, attachmentId, query = {}) {
    const response = await this.client.raw('GET', opPath('get_work_order_attachment', id, attachmentId) +
      queryString(query), undefined, { headers: { Accept: 'image/*' } });
    return this.client.read(response, () => response.arrayBuffer());
  }

  checklist(id) {
    return this.client.request('GET', opPath('get_checklist', id));
  }

  /** `{items: [...]}` typed in, or `{fromTemplateId}`: appended to an ad-hoc work order's checklist. */
  addChecklistItems(id, body, options) {
    return this.client.request('POST', opPath('add_checklist_items', id), body, options);
  }

  updateChecklistItem(id, itemId, body, options) {
    return this.client.request('PATCH', opPath('update_checklist_item', id, itemId), body, options);
  }

  createFollowUp(id, itemId, options) {
    return this.client.request('POST', opPath('create_follow_up', id, itemId), undefined, options);
  }

  comments(id, filters = {}) {
    return this.client.page(opPath('list_work_order_comments', id) + queryString(filters));
  }

  addComment(id, body, options) {
    return this.client.request('POST', opPath('add_work_order_comment', id), body, options);
  }

  followUps(id) {
    return this.client.request('GET', opPath('list_follow_ups', id));
  }

  labor(id) {
    return this.client.request('GET', opPath('list_labor', id));
  }

  addLabor(id, body, options) {
    return this.client.request('POST', opPath('add_labor', id), body, options);
  }

  requestPart(id, body, options) {
    return this.client.request('POST', opPath('request_part', id), body, options);
  }

  partRequests(id, filters = {}) {
    return this.client.page(opPath('list_part_requests', id) + queryString(filters));
  }

  signature(id) {
    return this.client.request('GET', opPath('get_work_order_signature', id));
  }

  /** Sign off: sign(id, {file: pngBytesOrBlob, signerName}) as multipart/form-data. */
  sign(id, { file, signerName, filename = 'signature.png', contentType = 'image/png', ...fields }, options) {
    const form = new FormData();
    form.append('file', asBlob(file, contentType), filename);
    form.append('signerName', signerName);
    for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== null) form.append(name, String(value));
    return this.client.request('POST', opPath('sign_work_order', id), form, options);
  }
}

class Equipment extends Resource {
  downtime(id, filters = {}) {
    return this.client.page(opPath('list_downtime', id) + queryString(filters));
  }

  meterReadings(id, filters = {}) {
    return this.client.page(opPath('list_meter_readings', id) + queryString(filters));
  }

  recordMeterReading(id, body, options) {
    return this.client.request('POST', opPath('record_meter_reading', id), body, options);
  }

  rotateReportToken(id, options) {
    return this.client.request('POST', opPath('rotate_report_token', id), undefined, options);
  }

  changeStatus(id, body, options) {
    return this.client.request('POST', opPath('change_equipment_status', id), body, options);
  }
}

class Parts extends Resource {
  /** POST /parts/consume: consume({workOrderId, partsUsage: [{partId, quantityUsed, unitCost}]}). */
  consume(body, options) {
    return this.client.request('POST', opPath('consume_parts'), body, options);
  }

  stockMovements(id, filters = {}) {
    return this.client.page(opPath('list_stock_movements', id) + queryString(filters));
  }

  addStockMovement(id, body, options) {
    return this.client.request('POST', opPath('create_stock_movement', id), body, options);
  }
}

class ReorderRequests {
  constructor(client) {
    this.client = client;
  }

  list(filters = {}) {
    return this.client.page(opPath('list_reorder_requests') + queryString(filters));
  }

  get(id) {
    return this.client.request('GET', opPath('get_reorder_request', id));
  }

  markOrdered(id, options) {
    return this.client.request('POST', opPath('mark_reorder_ordered', id), undefined, options);
  }

  markReceived(id, body, options) {
    return this.client.request('POST', opPath('mark_reorder_received', id), body, options);
  }

  /** A receipt against the request: `{quantity?, note?, moreThanOrdered?}` (no quantity: what remains). */
  receive(id, body, options) {
    return this.client.request('POST', opPath('receive_against_request', id), body || {}, options);
  }

  receipts(id) {
    return this.client.request('GET', opPath('list_receipts', id));
  }
}

/** The requests inbox: problem reports and requesters' requests waiting for a manager. */
class Requests {
  constructor(client) {
    this.client = client;
  }

  list(filters = {}) {
    return this.client.page(opPath('list_requests') + queryString(filters));
  }

  create(body, options) {
    return this.client.request('POST', opPath('create_request'), body, options);
  }

  get(id) {
    return this.client.request('GET', opPath('get_request', id));
  }

  /** The photo's bytes (`size: 'thumb'` for the small one). */
  async photo(id, query = {}) {
    const response = await this.client.raw('GET', opPath('get_request_photo', id) + queryString(query), undefined,
      { headers: { Accept: 'image/*' } });
    return this.client.read(response, () => response.arrayBuffer());
  }

  approve(id, body = {}, options) {
    return this.client.request('POST', opPath('approve_request', id), body, options);
  }

  merge(id, body, options) {
    return this.client.request('POST', opPath('merge_request', id), body, options);
  }

  decline(id, body, options) {
    return this.client.request('POST', opPath('decline_request', id), body, options);
  }
}

class Users extends Resource {
  resetMfa(id, options) {
    return this.client.request('POST', opPath('reset_mfa', id), undefined, options);
  }

  /** The person's hours a week on the weekly plan: setWeeklyHours(id, {weeklyHours}). */
  setWeeklyHours(id, body, options) {
    return this.client.request('PUT', `/users/${enc(id)}/weekly-hours`, body, options);
  }
}

class Imports {
  constructor(client) {
    this.client = client;
  }

  /** create(kind, csv): the CSV text or bytes (sent as text/csv), or a FormData with its `file`. */
  create(kind, csv, options = {}) {
    const form = typeof FormData !== 'undefined' && csv instanceof FormData;
    return this.client.request('POST', opPath('create_import') + queryString({ kind }), csv,
      { ...options, headers: { ...(form ? {} : { 'Content-Type': 'text/csv' }), ...(options.headers || {}) } });
  }

  list(filters = {}) {
    return this.client.page(opPath('list_imports') + queryString(filters));
  }

  get(id) {
    return this.client.request('GET', opPath('get_import', id));
  }

  /** The refused rows as CSV text, each with its reason. */
  refusedCsv(id) {
    return this.client.request('GET', opPath('get_import_refused_csv', id), undefined,
      { headers: { Accept: 'text/csv' } });
  }
}

/** The failure catalogue (ISO 14224 modes, causes, remedies): a plain list, no paging. */
class FailureCodes {
  constructor(client) {
    this.client = client;
  }

  list(filters = {}) {
    return this.client.request('GET', opPath('list_failure_codes') + queryString(filters));
  }

  create(body, options) {
    return this.client.request('POST', opPath('create_failure_code'), body, options);
  }

  update(id, body, options) {
    return this.client.request('PATCH', opPath('update_failure_code', id), body, options);
  }

  /** null when deleted (204); the code, retired, when work orders carry it. */
  delete(id, options) {
    return this.client.request('DELETE', opPath('delete_failure_code', id), undefined, options);
  }

  /** The catalogue as CSV text. */
  export() {
    return this.client.request('GET', opPath('export_failure_codes'), undefined, { headers: { Accept: 'text/csv' } });
  }

  /** import(csv): the CSV text or bytes (sent as text/csv), or a FormData with its `file`; all rows or none. */
  import(csv, options = {}) {
    const form = typeof FormData !== 'undefined' && csv instanceof FormData;
    return this.client.request('POST', opPath('import_failure_codes'), csv,
      { ...options, headers: { ...(form ? {} : { 'Content-Type': 'text/csv' }), ...(options.headers || {}) } });
  }
}

class Webhooks extends Resource {
  stats(id) {
    return this.client.request('GET', opPath('webhook_stats', id));
  }

  /** Send a signed test delivery now; answers its outcome. */
  test(id, options) {
    return this.client.request('POST', opPath('test_webhook', id), {}, options);
  }

  deliveries(id, filters = {}) {
    return this.client.page(opPath('list_deliveries', id) + queryString(filters));
  }

  iterateDeliveries(id, filters = {}) {
    return this.client.iterate(opPath('list_deliveries', id) + queryString(filters));
  }

  redeliver(deliveryId, options) {
    return this.client.request('POST', opPath('redeliver', deliveryId), undefined, options);
  }
}

class ApiKeys extends Resource {
  /** A new key; its full text (`key`) is in this answer only. */
  create({ name, role }, options) {
    return this.client.request('POST', this.path, { name, role }, options);
  }

  revoke(id, options) {
    return this.delete(id, options);
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isRawBody(body) {
  return typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    (typeof FormData !== 'undefined' && body instanceof FormData) ||
    (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams);
}

class MaintainProAPI {
  /**
   * @param {object} options
   * @param {string} options.baseUrl  ends with /api, e.g. http://127.0.0.1:8000/api
   * @param {string} [options.token]  a JWT access token
   * @param {string} [options.refreshToken]  renews an expired access token (once per request)
   * @param {string} [options.apiKey]  an API key (mp_live_...) instead of a token
   * @param {Function} [options.fetch]  defaults to the global fetch of Node 18+
   * @param {number} [options.timeoutMs]  per attempt, default 30000
   * @param {number} [options.retries]  further attempts after a failed one, default 3 (0: never retry)
   * @param {number} [options.retryDelayMs]  first backoff, doubled each retry (with jitter), default 500
   * @param {number} [options.maxRetryDelayMs]  longest wait; a Retry-After longer than this is not waited, default 60000
   */
  constructor({ baseUrl, token = null, refreshToken = null, apiKey = null, fetch: fetchImpl, timeoutMs = 30000,
    retries = 3, retryDelayMs = 500, maxRetryDelayMs = 60000 } = {}) {
    if (!baseUrl) throw new TypeError('baseUrl is required, e.g. http://127.0.0.1:8000/api');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = apiKey || token;
    this.refreshToken = refreshToken;
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.retryDelayMs = retryDelayMs;
    this.maxRetryDelayMs = maxRetryDelayMs;
    this.fetch = fetchImpl || globalThis.fetch;
    if (typeof this.fetch !== 'function') throw new TypeError('No fetch: use Node.js 18+ or pass options.fetch');
    this.auth = new Auth(this);
    this.workOrders = new WorkOrders(this, '/work-orders');
    this.equipment = new Equipment(this, '/equipment');
    this.parts = new Parts(this, '/parts');
    this.reorderRequests = new ReorderRequests(this);
    this.requests = new Requests(this);
    this.pmTemplates = new Resource(this, '/pm-templates');
    this.pmCompliance = { get: ({ days = 30 } = {}) => this.request('GET', `/pm-compliance${queryString({ days })}`) };
    this.webhooks = new Webhooks(this, '/webhooks');
    this.performance = { summary: () => this.request('GET', '/admin/performance/summary') };
    this.apiKeys = new ApiKeys(this, '/api-keys');
    this.users = new Users(this, '/users');
    this.imports = new Imports(this);
    this.failureCodes = new FailureCodes(this);
    this.kpis = {
      get: (query = {}) => this.request('GET', `/kpis${queryString(query)}`),
      trends: (query = {}) => this.request('GET', `/kpis/trends${queryString(query)}`),
      records: (name, filters = {}) => this.page(opPath('get_kpi_records', name) + queryString(filters)),
      iterateRecords: (name, filters = {}) => this.iterate(opPath('get_kpi_records', name) + queryString(filters)),
      planning: (query = {}) => this.request('GET', `/kpis/planning${queryString(query)}`),
      badActors: (query = {}) => this.request('GET', `/kpis/bad-actors${queryString(query)}`),
    };
    this.schedules = {
      list: (query = {}) => this.request('GET', `/schedules${queryString(query)}`),
      create: (body, options) => this.request('POST', '/schedules', body, options),
      get: (id) => this.request('GET', `/schedules/${enc(id)}`),
      addItem: (id, body, options) => this.request('POST', `/schedules/${enc(id)}/items`, body, options),
      removeItem: (id, itemId, options) => this.request('DELETE', `/schedules/${enc(id)}/items/${enc(itemId)}`, undefined, options),
      freeze: (id, options) => this.request('POST', `/schedules/${enc(id)}/freeze`, undefined, options),
    };
    this.absences = {
      list: (query = {}) => this.request('GET', `/absences${queryString(query)}`),
      create: (body, options) => this.request('POST', '/absences', body, options),
      delete: (id, options) => this.request('DELETE', `/absences/${enc(id)}`, undefined, options),
    };
    this.warehouse = {
      get: () => this.request('GET', '/warehouse'),
      update: (body, options) => this.request('PATCH', '/warehouse', body, options),
    };
    /** The caller's own notifications (an API key: its creator's) and how they hear of each kind. */
    this.notifications = {
      list: (filters = {}) => this.page(`/notifications${queryString(filters)}`),
      iterate: (filters = {}) => this.iterate(`/notifications${queryString(filters)}`),
      read: (id, options) => this.request('POST', opPath('read_notification', id), undefined, options),
      readAll: (options) => this.request('POST', '/notifications/read-all', undefined, options),
      preferences: () => this.request('GET', '/me/notification-preferences'),
      setPreferences: (body, options) => this.request('PUT', '/me/notification-preferences', body, options),
    };
    this.docs = {
      /** The OpenAPI document (what this client's methods are checked against). */
      openapi: () => this.request('GET', '/openapi.json'),
      /** The reference page (HTML text). */
      page: () => this.request('GET', '/docs', undefined, { headers: { Accept: 'text/html' } }),
    };
  }

  url(path) {
    if (/^https?:\/\//.test(path)) return path;
    // A Link header's relative URL (/api/...): resolve against the server's origin.
    if (path.startsWith('/api/')) return new URL(path, this.baseUrl).toString();
    return this.baseUrl + path;
  }

  async send(method, path, body, { auth = true, headers: extra = {}, idempotencyKey = null, timeoutMs } = {}) {
    const headers = { Accept: 'application/json' };
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const init = { method, headers, signal: AbortSignal.timeout(timeoutMs ?? this.timeoutMs) };
    if (body !== undefined && body !== null && isRawBody(body)) {
      init.body = body; // FormData sets its own multipart Content-Type; text/bytes take the caller's
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    Object.assign(headers, extra);
    try {
      return await this.fetch(this.url(path), init);
    } catch (error) {
      throw wrapFailure(error, method, path, timeoutMs ?? this.timeoutMs);
    }
  }

  /** The wait before attempt `attempt + 1` after `failure`, or null when it is not to be retried. */
  retryDelay(failure, attempt, retryable) {
    if (!retryable) return null;
    const busyKey = failure.status === 409 && failure.errors[0] && failure.errors[0].field === 'Idempotency-Key';
    if (!(failure.status === 0 || failure.status === 429 || failure.status === 503 || busyKey)) return null;
    const backoff = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** attempt * (0.5 + Math.random() / 2));
    if (failure.retryAfter === null || failure.retryAfter === undefined) return backoff;
    const asked = failure.retryAfter * 1000;
    return asked > this.maxRetryDelayMs ? null : Math.max(asked, 50);
  }

  /**
   * The raw Response of a 2xx answer (after at most one token refresh, and the retries); MaintainProError
   * otherwise (status 0 with `code` 'timeout' or 'network' and the fetch error as `cause` when no answer
   * came). Options: headers, idempotencyKey (a string, or false for none), timeoutMs, retries, auth.
   */
  async raw(method, path, body, options = {}) {
    const { auth = true, retryOn401 = true } = options;
    const verb = method.toUpperCase();
    // One key per call, the same on each retry, so a write the server already did is answered, not redone.
    let key = options.idempotencyKey;
    if (key === undefined || key === null || key === true) key = WRITES.has(verb) && auth ? crypto.randomUUID() : null;
    const retryable = IDEMPOTENT.has(verb) || Boolean(key);
    const sendOptions = { auth, headers: options.headers, idempotencyKey: key || null, timeoutMs: options.timeoutMs };
    const retries = options.retries ?? this.retries;
    let refreshed = false;
    for (let attempt = 0; ; attempt += 1) {
      let failure;
      try {
        let response = await this.send(verb, path, body, sendOptions);
        if (response.status === 401 && auth && retryOn401 && this.refreshToken && !refreshed) {
          refreshed = true;
          await response.arrayBuffer(); // release the connection
          await this.auth.refresh();
          response = await this.send(verb, path, body, sendOptions);
        }
        if (response.ok) return response;
        failure = await this.failure(response, verb, path);
      } catch (error) {
        if (!(error instanceof MaintainProError)) throw error;
        failure = error;
      }
      const wait = attempt < retries ? this.retryDelay(failure, attempt, retryable) : null;
      if (wait === null) throw failure;
      await sleep(wait);
    }
  }

  async failure(response, method, path) {
    const headers = headersObject(response.headers);
    const text = await this.read(response, () => response.text(), method, path);
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    const message = (parsed && typeof parsed.message === 'string' && parsed.message) || response.statusText ||
      `HTTP ${response.status}`;
    return new MaintainProError(response.status, message, parsed && parsed.errors, headers, parsed ?? text);
  }

  /** Reads a body; a timeout or a cut connection while reading is a MaintainProError too. */
  async read(response, how, method = 'GET', path = response.url) {
    try {
      return await how();
    } catch (error) {
      throw wrapFailure(error, method, path, this.timeoutMs);
    }
  }

  /**
   * Any call: the parsed JSON of a 2xx answer, the text of any other kind (CSV, NDJSON, HTML), null for
   * 204 or an empty body; MaintainProError otherwise. `options.headers` are sent too; `options.query` is
   * added to the path.
   */
  async request(method, path, body, options = {}) {
    const query = options.query ? queryString(options.query) : '';
    const target = query && path.includes('?') ? `${path}&${query.slice(1)}` : path + query;
    const response = await this.raw(method, target, body, options);
    if (response.status === 204) return null;
    const text = await this.read(response, () => response.text(), method, target);
    if (!text) return null;
    const type = response.headers.get('content-type') || '';
    if (/[/+]json\b/.test(type) && !/ndjson/.test(type)) return JSON.parse(text);
    return text;
  }

  async page(path) {
    const response = await this.raw('GET', path);
    const items = await this.read(response, () => response.json(), 'GET', path);
    const total = response.headers.get('x-total-count');
    items.total = total === null ? null : parseInt(total, 10);
    // false: the server stopped counting at its cap (LIST_COUNT_CAP): `total` is a lower bound.
    items.exact = response.headers.get('x-total-count-exact') !== 'false';
    items.links = parseLinkHeader(response.headers.get('link'));
    items.nextCursor = response.headers.get('x-next-cursor');
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

function wrapFailure(error, method, path, timeoutMs) {
  if (error instanceof MaintainProError) return error;
  const timedOut = error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const message = timedOut ? `${method} ${path}: no answer within ${timeoutMs} ms`
    : `${method} ${path}: ${(error && error.cause && error.cause.message) || (error && error.message) || 'network error'}`;
  return new MaintainProError(0, message, [], {}, null, { cause: error, code: timedOut ? 'timeout' : 'network' });
}

module.exports = MaintainProAPI;
module.exports.MaintainProAPI = MaintainProAPI;
module.exports.MaintainProError = MaintainProError;
module.exports.verifyWebhook = verifyWebhook;
module.exports.verifyTimestampedWebhook = verifyTimestampedWebhook;
module.exports.parseLinkHeader = parseLinkHeader;
module.exports.OPERATIONS = OPERATIONS;
module.exports.default = MaintainProAPI;
