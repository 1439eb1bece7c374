// Types of @maintainpro/api-sdk. The API's objects and operations (models.d.ts) are generated from the
// server's OpenAPI document (tools/gen_types.py); tests/test_js_sdk.py fails when they drift apart, when
// an operation of the document has no method here, and when these declarations stop compiling with
// `tsc --strict` in a project without @types/node.
import type { LoginResponse, Operations, UserOut } from './models';

export * from './models';

type Query<K extends keyof Operations> = Operations[K]['query'];
type Body<K extends keyof Operations> = Operations[K]['body'];
type Answer<K extends keyof Operations> = Operations[K]['response'];
type Row<K extends keyof Operations> = Answer<K> extends Array<infer T> ? T : never;

/** Bytes or text: what a webhook body, a file or a CSV may be given as (no Node.js types needed). */
export type Bytes = Uint8Array | ArrayBuffer | string;

export interface ClientOptions {
  /** Ends with /api, e.g. http://127.0.0.1:8000/api */
  baseUrl: string;
  /** A JWT access token (from auth.login) */
  token?: string | null;
  /** Renews an expired access token: the client refreshes once and retries the request */
  refreshToken?: string | null;
  /** An API key (mp_live_<id>_<secret>) instead of a token */
  apiKey?: string | null;
  fetch?: typeof fetch;
  /** Per attempt; default 30000 */
  timeoutMs?: number;
  /** Further attempts after a network error, a timeout, a 429, a 503 or a 409 on a busy Idempotency-Key;
   * default 3, 0 never retries. Reads, PUT/DELETE and keyed writes only (every write is keyed). */
  retries?: number;
  /** First backoff in ms, doubled on each retry (with jitter); default 500. Retry-After wins when sent. */
  retryDelayMs?: number;
  /** The longest wait in ms; a Retry-After longer than this is not waited out (the error is thrown); default 60000 */
  maxRetryDelayMs?: number;
}

/** Per call: extra headers, and the retry settings of this call. */
export interface CallOptions {
  headers?: Record<string, string>;
  /** The write's Idempotency-Key: by default a new UUID per call, the same on each of its retries;
   * give your own to make a retry after a crash safe, or false to send none (the write is then not retried). */
  idempotencyKey?: string | false;
  timeoutMs?: number;
  retries?: number;
}

export interface RequestOptions extends CallOptions {
  /** Added to the path as a query string (arrays joined with commas, null and undefined left out) */
  query?: Record<string, string | number | boolean | null | undefined | ReadonlyArray<string | number>>;
  /** false: no Authorization header (login) */
  auth?: boolean;
  retryOn401?: boolean;
}

export interface PageLinks {
  first?: string;
  prev?: string;
  next?: string;
  last?: string;
}

/** One page of a list: the items, with X-Total-Count (`exact` false: a lower bound, the server's
 * count stopped at its cap), the Link header's URLs and X-Next-Cursor. */
export type Page<T> = T[] & { total: number | null; exact: boolean; links: PageLinks; nextCursor: string | null };

/** An incremental sync: `for await (const record of sync)`, then keep `sync.cursor` for the next run. */
export interface Sync<T> extends AsyncIterable<T> {
  /** Where the next read starts ('*' before the first page): advances after each page. */
  cursor: string;
  pages(): AsyncGenerator<Page<T>, void, undefined>;
}

type SyncQuery<Q> = Omit<Q, 'cursor' | 'page' | 'sort'> & { cursor?: string };

export type PageQuery = { limit?: number; page?: number };
export type WorkOrderQuery = Query<'list_work_orders'>;
export type WorkOrderSort = NonNullable<WorkOrderQuery['sort']>;
export type WorkOrderExportQuery = Query<'export_work_orders'>;
export type EquipmentQuery = Query<'list_equipment'>;
export type PartQuery = Query<'list_parts'>;
export type PMTemplateQuery = Query<'list_pm_templates'>;
export type DeliveryQuery = Query<'list_deliveries'>;
export type UserQuery = Query<'list_users'>;

export class MaintainProError extends Error {
  /** The HTTP status; 0 when no answer came (see `code` and `cause`) */
  status: number;
  message: string;
  /** 'timeout' or 'network' when no answer came; null for an HTTP answer */
  code: 'timeout' | 'network' | null;
  /** The underlying fetch error when no answer came */
  cause?: unknown;
  errors: Array<{ field: string; message: string }>;
  /** Response headers, lower-case names */
  headers: Record<string, string>;
  body: unknown;
  /** Seconds until a retry may succeed, from Retry-After on a 429 or 503 answer; null on any other status */
  retryAfter: number | null;
  rateLimit: { limit: number | null; remaining: number | null; reset: number | null };
  constructor(status: number, message: string, errors?: Array<{ field: string; message: string }>,
    headers?: Record<string, string>, body?: unknown, options?: { cause?: unknown; code?: 'timeout' | 'network' });
}

export interface Auth {
  login(credentials: { email: string; password: string; mfaToken: string }): Promise<LoginResponse>;
  refresh(): Promise<string>;
  logout(): Promise<{ message: string; sessionId: string }>;
  me(): Promise<UserOut>;
}

interface Listing<T, Q> {
  list(filters?: Q): Promise<Page<T>>;
  iterate(filters?: Q): AsyncGenerator<T, void, undefined>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

export interface WorkOrders extends Listing<Row<'list_work_orders'>, WorkOrderQuery> {
  sync(filters?: SyncQuery<WorkOrderQuery>): Sync<Row<'list_work_orders'>>;
  get(id: string, query?: Query<'get_work_order'>): Promise<Answer<'get_work_order'>>;
  create(data: Body<'create_work_order'>, options?: CallOptions): Promise<Answer<'create_work_order'>>;
  update(id: string, data: Body<'update_work_order'>, options?: CallOptions): Promise<Answer<'update_work_order'>>;
  /** CSV text, or NDJSON text with `format: 'ndjson'` (one work order a line, then {"end": true, "rows": N}) */
  export(filters?: WorkOrderExportQuery): Promise<string>;
  bulkAssign(body: Body<'bulk_assign_work_orders'>, options?: CallOptions): Promise<Answer<'bulk_assign_work_orders'>>;
  bulkUpdate(body: Body<'bulk_update_work_orders'>, options?: CallOptions): Promise<Answer<'bulk_update_work_orders'>>;
  attachments(id: string, filters?: Query<'list_work_order_attachments'>): Promise<Page<Row<'list_work_order_attachments'>>>;
  addAttachment(id: string, file: Blob | Bytes, options?: CallOptions & { filename?: string; contentType?: string }):
    Promise<Answer<'add_work_order_attachment'>>;
  attachmentFile(id: string, attachmentId: string, query?: Query<'get_work_order_attachment'>): Promise<ArrayBuffer>;
  checklist(id: string): Promise<Answer<'get_checklist'>>;
  addChecklistItems(id: string, body: Body<'add_checklist_items'>, options?: CallOptions):
    Promise<Answer<'add_checklist_items'>>;
  updateChecklistItem(id: string, itemId: string, body: Body<'update_checklist_item'>, options?: CallOptions):
    Promise<Answer<'update_checklist_item'>>;
  createFollowUp(id: string, itemId: string, options?: CallOptions): Promise<Answer<'create_follow_up'>>;
  comments(id: string, filters?: Query<'list_work_order_comments'>): Promise<Page<Row<'list_work_order_comments'>>>;
  addComment(id: string, body: Body<'add_work_order_comment'>, options?: CallOptions):
    Promise<Answer<'add_work_order_comment'>>;
  followUps(id: string): Promise<Answer<'list_follow_ups'>>;
  labor(id: string): Promise<Answer<'list_labor'>>;
  addLabor(id: string, body: Body<'add_labor'>, options?: CallOptions): Promise<Answer<'add_labor'>>;
  requestPart(id: string, body: Body<'request_part'>, options?: CallOptions): Promise<Answer<'request_part'>>;
  partRequests(id: string, filters?: Query<'list_part_requests'>): Promise<Page<Row<'list_part_requests'>>>;
  signature(id: string): Promise<Answer<'get_work_order_signature'>>;
  sign(id: string, form: { file: Blob | Bytes; signerName: string; filename?: string; contentType?: string;
    [field: string]: unknown }, options?: CallOptions): Promise<Answer<'sign_work_order'>>;
}

export interface EquipmentResource extends Listing<Row<'list_equipment'>, EquipmentQuery> {
  sync(filters?: SyncQuery<EquipmentQuery>): Sync<Row<'list_equipment'>>;
  get(id: string): Promise<Answer<'get_equipment'>>;
  create(data: Body<'create_equipment'>, options?: CallOptions): Promise<Answer<'create_equipment'>>;
  update(id: string, data: Body<'update_equipment'>, options?: CallOptions): Promise<Answer<'update_equipment'>>;
  /** CSV text */
  export(filters?: Query<'export_equipment'>): Promise<string>;
  downtime(id: string, filters?: Query<'list_downtime'>): Promise<Page<Row<'list_downtime'>>>;
  meterReadings(id: string, filters?: Query<'list_meter_readings'>): Promise<Page<Row<'list_meter_readings'>>>;
  recordMeterReading(id: string, body: Body<'record_meter_reading'>, options?: CallOptions):
    Promise<Answer<'record_meter_reading'>>;
  rotateReportToken(id: string, options?: CallOptions): Promise<Answer<'rotate_report_token'>>;
  changeStatus(id: string, body: Body<'change_equipment_status'>, options?: CallOptions):
    Promise<Answer<'change_equipment_status'>>;
}

export interface Parts extends Listing<Row<'list_parts'>, PartQuery> {
  sync(filters?: SyncQuery<PartQuery>): Sync<Row<'list_parts'>>;
  get(id: string): Promise<Answer<'get_part'>>;
  create(data: Body<'create_part'>, options?: CallOptions): Promise<Answer<'create_part'>>;
  update(id: string, data: Body<'update_part'>, options?: CallOptions): Promise<Answer<'update_part'>>;
  /** CSV text */
  export(filters?: Query<'export_parts'>): Promise<string>;
  consume(body: Body<'consume_parts'>, options?: CallOptions): Promise<Answer<'consume_parts'>>;
  stockMovements(id: string, filters?: Query<'list_stock_movements'>): Promise<Page<Row<'list_stock_movements'>>>;
  addStockMovement(id: string, body: Body<'create_stock_movement'>, options?: CallOptions):
    Promise<Answer<'create_stock_movement'>>;
}

export interface ReorderRequests {
  list(filters?: Query<'list_reorder_requests'>): Promise<Page<Row<'list_reorder_requests'>>>;
  get(id: string): Promise<Answer<'get_reorder_request'>>;
  markOrdered(id: string, options?: CallOptions): Promise<Answer<'mark_reorder_ordered'>>;
  markReceived(id: string, body: Body<'mark_reorder_received'>, options?: CallOptions):
    Promise<Answer<'mark_reorder_received'>>;
  receive(id: string, body?: Body<'receive_against_request'>, options?: CallOptions):
    Promise<Answer<'receive_against_request'>>;
  receipts(id: string): Promise<Answer<'list_receipts'>>;
}

/** The requests inbox: problem reports and requesters' requests waiting for a manager. */
export interface Requests {
  list(filters?: Query<'list_requests'>): Promise<Page<Row<'list_requests'>>>;
  create(body: Body<'create_request'>, options?: CallOptions): Promise<Answer<'create_request'>>;
  get(id: string): Promise<Answer<'get_request'>>;
  photo(id: string, query?: Query<'get_request_photo'>): Promise<ArrayBuffer>;
  approve(id: string, body?: Body<'approve_request'>, options?: CallOptions): Promise<Answer<'approve_request'>>;
  merge(id: string, body: Body<'merge_request'>, options?: CallOptions): Promise<Answer<'merge_request'>>;
  decline(id: string, body: Body<'decline_request'>, options?: CallOptions): Promise<Answer<'decline_request'>>;
}

export interface PMTemplates extends Listing<Row<'list_pm_templates'>, PMTemplateQuery> {
  get(id: string): Promise<Answer<'get_pm_template'>>;
  create(data: Body<'create_pm_template'>, options?: CallOptions): Promise<Answer<'create_pm_template'>>;
  update(id: string, data: Body<'update_pm_template'>, options?: CallOptions): Promise<Answer<'update_pm_template'>>;
  delete(id: string, options?: CallOptions): Promise<Answer<'delete_pm_template'>>;
}

export interface Webhooks extends Listing<Row<'list_webhooks'>, Query<'list_webhooks'>> {
  get(id: string): Promise<Answer<'get_webhook'>>;
  create(data: Body<'create_webhook'>, options?: CallOptions): Promise<Answer<'create_webhook'>>;
  update(id: string, data: Body<'update_webhook'>, options?: CallOptions): Promise<Answer<'update_webhook'>>;
  delete(id: string, options?: CallOptions): Promise<null>;
  stats(id: string): Promise<Answer<'webhook_stats'>>;
  test(id: string, options?: CallOptions): Promise<Answer<'test_webhook'>>;
  deliveries(id: string, filters?: DeliveryQuery): Promise<Page<Row<'list_deliveries'>>>;
  iterateDeliveries(id: string, filters?: DeliveryQuery): AsyncGenerator<Row<'list_deliveries'>, void, undefined>;
  redeliver(deliveryId: string, options?: CallOptions): Promise<Answer<'redeliver'>>;
}

export interface ApiKeys extends Listing<Row<'list_api_keys'>, Query<'list_api_keys'>> {
  get(id: string): Promise<Answer<'get_api_key'>>;
  /** The answer's `key` is the key's full text, shown this once */
  create(data: Body<'create_api_key'>, options?: CallOptions): Promise<Answer<'create_api_key'>>;
  revoke(id: string, options?: CallOptions): Promise<null>;
}

export interface Users extends Listing<Row<'list_users'>, UserQuery> {
  get(id: string): Promise<Answer<'get_user'>>;
  create(data: Body<'create_user'>, options?: CallOptions): Promise<Answer<'create_user'>>;
  update(id: string, data: Body<'update_user'>, options?: CallOptions): Promise<Answer<'update_user'>>;
  resetMfa(id: string, options?: CallOptions): Promise<Answer<'reset_mfa'>>;
  setWeeklyHours(id: string, body: Body<'set_weekly_hours'>, options?: CallOptions): Promise<Answer<'set_weekly_hours'>>;
}

export interface Imports {
  /** The CSV as text or bytes (sent as text/csv), or a FormData with its `file` */
  create(kind: NonNullable<Query<'create_import'>['kind']>, csv: Bytes | FormData, options?: CallOptions):
    Promise<Answer<'create_import'>>;
  list(filters?: Query<'list_imports'>): Promise<Page<Row<'list_imports'>>>;
  get(id: string): Promise<Answer<'get_import'>>;
  /** The refused rows as CSV text */
  refusedCsv(id: string): Promise<string>;
}

export interface FailureCodes {
  list(filters?: Query<'list_failure_codes'>): Promise<Answer<'list_failure_codes'>>;
  create(data: Body<'create_failure_code'>, options?: CallOptions): Promise<Answer<'create_failure_code'>>;
  update(id: string, data: Body<'update_failure_code'>, options?: CallOptions): Promise<Answer<'update_failure_code'>>;
  /** null when deleted; the code, retired (active false), when work orders carry it */
  delete(id: string, options?: CallOptions): Promise<Answer<'delete_failure_code'> | null>;
  /** CSV text */
  export(): Promise<string>;
  /** The CSV as text or bytes (sent as text/csv), or a FormData with its `file` */
  import(csv: Bytes | FormData, options?: CallOptions): Promise<Answer<'import_failure_codes'>>;
}

export class MaintainProAPI {
  constructor(options: ClientOptions);
  baseUrl: string;
  token: string | null;
  refreshToken: string | null;
  timeoutMs: number;
  retries: number;
  auth: Auth;
  workOrders: WorkOrders;
  equipment: EquipmentResource;
  parts: Parts;
  reorderRequests: ReorderRequests;
  requests: Requests;
  pmTemplates: PMTemplates;
  pmCompliance: { get(query?: Query<'pm_compliance'>): Promise<Answer<'pm_compliance'>> };
  webhooks: Webhooks;
  performance: { summary(): Promise<Answer<'performance_summary'>> };
  apiKeys: ApiKeys;
  users: Users;
  imports: Imports;
  failureCodes: FailureCodes;
  kpis: {
    get(query?: Query<'get_kpis'>): Promise<Answer<'get_kpis'>>;
    trends(query?: Query<'get_kpi_trends'>): Promise<Answer<'get_kpi_trends'>>;
    records(name: string, filters?: Query<'get_kpi_records'>): Promise<Page<Row<'get_kpi_records'>>>;
    iterateRecords(name: string, filters?: Query<'get_kpi_records'>): AsyncGenerator<Row<'get_kpi_records'>, void, undefined>;
    planning(query?: Query<'get_planning_kpis'>): Promise<Answer<'get_planning_kpis'>>;
    badActors(query?: Query<'get_bad_actors'>): Promise<Answer<'get_bad_actors'>>;
  };
  schedules: {
    list(query?: Query<'list_schedules'>): Promise<Answer<'list_schedules'>>;
    create(body: Body<'create_schedule'>, options?: CallOptions): Promise<Answer<'create_schedule'>>;
    get(id: string): Promise<Answer<'get_schedule'>>;
    addItem(id: string, body: Body<'add_schedule_item'>, options?: CallOptions): Promise<Answer<'add_schedule_item'>>;
    removeItem(id: string, itemId: string, options?: CallOptions): Promise<null>;
    freeze(id: string, options?: CallOptions): Promise<Answer<'freeze_schedule'>>;
  };
  absences: {
    list(query?: Query<'list_absences'>): Promise<Answer<'list_absences'>>;
    create(body: Body<'add_absence'>, options?: CallOptions): Promise<Answer<'add_absence'>>;
    delete(id: string, options?: CallOptions): Promise<null>;
  };
  warehouse: {
    get(): Promise<Answer<'get_warehouse'>>;
    update(body: Body<'update_warehouse'>, options?: CallOptions): Promise<Answer<'update_warehouse'>>;
  };
  notifications: {
    list(filters?: Query<'list_notifications'>): Promise<Page<Row<'list_notifications'>>>;
    iterate(filters?: Query<'list_notifications'>): AsyncGenerator<Row<'list_notifications'>, void, undefined>;
    read(id: string, options?: CallOptions): Promise<Answer<'read_notification'>>;
    readAll(options?: CallOptions): Promise<Answer<'read_all_notifications'>>;
    preferences(): Promise<Answer<'get_notification_preferences'>>;
    setPreferences(body: Body<'put_notification_preferences'>, options?: CallOptions): Promise<Answer<'put_notification_preferences'>>;
  };
  docs: { openapi(): Promise<Record<string, unknown>>; page(): Promise<string> };
  /** Any call: the parsed JSON of a 2xx answer, the text of another kind (CSV, NDJSON), null for 204;
   * MaintainProError otherwise. A body that is text, bytes, a Blob or FormData is sent as it is. */
  request<T = unknown>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  /** The Response of a 2xx answer (after the retries); MaintainProError otherwise. */
  raw(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<Response>;
}

/** Constant-time check of X-MaintainPro-Signature (HMAC-SHA256 of the raw body) */
export function verifyWebhook(rawBody: Bytes, signature: string | null | undefined, secret: string): boolean;

/** Check of X-MaintainPro-Timestamp-Signature (HMAC-SHA256 of `<timestamp>.<raw body>`) and that
 * X-MaintainPro-Timestamp is within `toleranceSeconds` (default 300) of now: refuses replays. */
export function verifyTimestampedWebhook(rawBody: Bytes,
  headers: Record<string, string | string[] | undefined> | { get(name: string): string | null },
  secret: string, options?: { toleranceSeconds?: number; now?: number }): boolean;

export function parseLinkHeader(value: string | null | undefined): PageLinks;

/** operationId -> [method, path below /api ({} for each id), the client's method] */
export const OPERATIONS: Record<keyof Operations, [string, string, string]>;

export default MaintainProAPI;
