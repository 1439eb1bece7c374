// Types of @maintainpro/api-sdk. The API's objects (models.d.ts) are generated from the server's
// OpenAPI document (tools/gen_types.py); tests/test_js_sdk.py fails when they drift apart.
import type {
  ApiKeyCreatedOut, ApiKeyOut, ComplianceOut, ConsumeParts, ConsumptionOut, DeliveryOut, EquipmentCreate,
  EquipmentOut, EquipmentUpdate, LoginResponse, PartCreate, PartOut, PartUpdate, PerformanceSummaryOut,
  PingResultOut, PMTemplateCreate, PMTemplateOut, PMTemplateUpdate, UserOut, WebhookCreate, WebhookOut,
  WebhookStatsOut, WebhookUpdate, WorkOrderCreate, WorkOrderDetailOut, WorkOrderOut, WorkOrderUpdate,
} from './models';

export * from './models';

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
  /** Per request; default 30000 */
  timeoutMs?: number;
}

export interface PageLinks {
  first?: string;
  prev?: string;
  next?: string;
  last?: string;
}

/** One page of a list: the items, with X-Total-Count and the Link header's URLs. */
export type Page<T> = T[] & { total: number | null; links: PageLinks };

export interface PageQuery {
  /** Page size, 1..500 (default 100) */
  limit?: number;
  /** 1-based */
  page?: number;
}

type CsvOf<T extends string> = T | T[] | string;

export interface WorkOrderQuery extends PageQuery {
  status?: CsvOf<WorkOrderOut['status']>;
  assignedTo?: string;
  priority?: CsvOf<WorkOrderOut['priority']>;
  equipmentId?: string;
  type?: CsvOf<WorkOrderOut['type']>;
  q?: string;
  dueBefore?: string;
  dueAfter?: string;
  sort?: string;
}

export interface EquipmentQuery extends PageQuery {
  status?: CsvOf<EquipmentOut['status']>;
  criticality?: CsvOf<EquipmentOut['criticality']>;
  q?: string;
}

export interface PartQuery extends PageQuery {
  category?: string;
  lowStock?: boolean;
  q?: string;
}

export interface PMTemplateQuery extends PageQuery {
  active?: boolean;
  frequencyType?: PMTemplateOut['frequencyType'];
  equipmentId?: string;
  q?: string;
}

export interface DeliveryQuery extends PageQuery {
  state?: CsvOf<DeliveryOut['state']>;
  event?: string;
}

export class MaintainProError extends Error {
  status: number;
  message: string;
  errors: Array<{ field: string; message: string }>;
  /** Response headers, lower-case names */
  headers: Record<string, string>;
  body: unknown;
  /** Seconds until a retry may succeed, from Retry-After on a 429 or 503 answer; null on any other status */
  retryAfter: number | null;
  rateLimit: { limit: number | null; remaining: number | null; reset: number | null };
}

declare class Resource<T, TCreate, TUpdate, TQuery extends PageQuery, TDetail = T> {
  list(filters?: TQuery): Promise<Page<T>>;
  iterate(filters?: TQuery): AsyncGenerator<T, void, undefined>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
  get(id: string): Promise<TDetail>;
  create(data: TCreate): Promise<T>;
  update(id: string, data: TUpdate): Promise<TDetail>;
}

export interface Auth {
  login(credentials: { email: string; password: string; mfaToken: string }): Promise<LoginResponse>;
  refresh(): Promise<string>;
  logout(): Promise<{ message: string; sessionId: string }>;
  me(): Promise<UserOut>;
}

export interface WorkOrders extends Resource<WorkOrderOut, WorkOrderCreate, WorkOrderUpdate, WorkOrderQuery,
  WorkOrderDetailOut> {}
export interface EquipmentResource extends Resource<EquipmentOut, EquipmentCreate, EquipmentUpdate, EquipmentQuery> {}
export interface Parts extends Resource<PartOut, PartCreate, PartUpdate, PartQuery> {
  consume(body: ConsumeParts): Promise<ConsumptionOut>;
}
export interface PMTemplates extends Resource<PMTemplateOut, PMTemplateCreate, PMTemplateUpdate, PMTemplateQuery> {
  delete(id: string): Promise<PMTemplateOut>;
}
export interface Webhooks extends Resource<WebhookOut, WebhookCreate, WebhookUpdate, PageQuery> {
  delete(id: string): Promise<null>;
  stats(id: string): Promise<WebhookStatsOut>;
  test(id: string): Promise<PingResultOut>;
  deliveries(id: string, filters?: DeliveryQuery): Promise<Page<DeliveryOut>>;
  iterateDeliveries(id: string, filters?: DeliveryQuery): AsyncGenerator<DeliveryOut, void, undefined>;
}
export interface ApiKeys {
  list(filters?: PageQuery): Promise<Page<ApiKeyOut>>;
  iterate(filters?: PageQuery): AsyncGenerator<ApiKeyOut, void, undefined>;
  get(id: string): Promise<ApiKeyOut>;
  create(data: { name: string; role: ApiKeyOut['role'] }): Promise<ApiKeyCreatedOut>;
  revoke(id: string): Promise<null>;
}

export class MaintainProAPI {
  constructor(options: ClientOptions);
  baseUrl: string;
  token: string | null;
  refreshToken: string | null;
  auth: Auth;
  workOrders: WorkOrders;
  equipment: EquipmentResource;
  parts: Parts;
  pmTemplates: PMTemplates;
  pmCompliance: { get(query?: { days?: number }): Promise<ComplianceOut> };
  webhooks: Webhooks;
  performance: { summary(): Promise<PerformanceSummaryOut> };
  apiKeys: ApiKeys;
  /** Any call: the parsed JSON of a 2xx answer (null for 204); MaintainProError otherwise. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Constant-time check of X-MaintainPro-Signature against the raw request body. */
export function verifyWebhook(rawBody: string | Buffer | Uint8Array, signature: string | null | undefined,
  secret: string): boolean;

export function parseLinkHeader(value: string | null | undefined): PageLinks;

export default MaintainProAPI;
