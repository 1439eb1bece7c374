"""MaintainProClient: one requests.Session, the API's resources as typed methods, errors as MaintainProError.

Every answer that is not a 2xx, and every request that got no answer, raises MaintainProError (the
network cases as MaintainProNetworkError / MaintainProTimeout, the library's exception as
``__cause__``). Requests are retried with backoff when a retry cannot do the work twice: reads,
PUT and DELETE by nature, and POST/PATCH because the client sends each of them with an
``Idempotency-Key`` (one uuid4 per call, the same on every retry of that call).
"""
from __future__ import annotations

import builtins
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, Generic, Literal, TypeVar, cast
from urllib.parse import urljoin

import requests

from .endpoints import ENDPOINTS
from .errors import MaintainProError, MaintainProNetworkError, MaintainProTimeout
from .models import (
    AbsenceCreate,
    AbsenceOut,
    ApiKeyCreatedOut,
    ApiKeyOut,
    AttachmentOut,
    BadActorsOut,
    ChecklistAdd,
    ChecklistItemUpdate,
    CommentOut,
    ComplianceOut,
    ConsumptionOut,
    DeliveryOut,
    DowntimePeriodOut,
    EquipmentCreate,
    EquipmentOut,
    EquipmentUpdate,
    FailureCodeCreate,
    FailureCodeImportOut,
    FailureCodeOut,
    FailureCodeUpdate,
    FollowUpCreated,
    ImportDetailOut,
    ImportOut,
    KpiRecordOut,
    KpisOut,
    LaborCreate,
    LaborList,
    LaborOut,
    LoginResponse,
    MeterReadingCreate,
    MeterReadingCreated,
    MeterReadingOut,
    NotificationOut,
    PartCreate,
    PartOut,
    PartUpdate,
    PartUsage,
    PerformanceSummaryOut,
    PingResultOut,
    PMTemplateCreate,
    PMTemplateOut,
    PMTemplateUpdate,
    PreferencesOut,
    PreferencesUpdate,
    ReadAllOut,
    ReorderReceiptCreate,
    ReorderReceiptCreated,
    ReorderReceiptOut,
    ReorderRequestOut,
    ReportTokenOut,
    RequestApprove,
    RequestCreate,
    RequestOut,
    ScheduleItemCreate,
    ScheduleItemOut,
    SignatureOut,
    StockMovementCreate,
    StockMovementOut,
    TrendsOut,
    UserAdminOut,
    UserCreate,
    UserMfaResetOut,
    UserOut,
    UserUpdate,
    WarehouseOut,
    WarehouseUpdate,
    WebhookCreate,
    WebhookOut,
    WebhookStatsOut,
    WebhookUpdate,
    WeeklyHoursOut,
    WorkOrderChecklistItemOut,
    WorkOrderCreate,
    WorkOrderDetailOut,
    WorkOrderExpandedOut,
    WorkOrderOut,
    WorkOrderUpdate,
)

T = TypeVar("T")
JSON = dict[str, Any]
FileContent = bytes | str | IO[bytes]
# Safe to send twice by nature; other writes are retried only with an Idempotency-Key.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# 429 and 503 say when to come back (Retry-After); 502/504 are a proxy's. None of them did the work.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?')
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class Page(list[T]):
    """One page of a list: the items, plus X-Total-Count (``exact`` False: a lower bound, the
    server stopped counting at its cap), the Link header's URLs by rel, and on a cursor read the
    X-Next-Cursor to start the next read from."""

    def __init__(self, items: Iterable[T], total: int | None, links: dict[str, str],
                 next_cursor: str | None = None, exact: bool = True) -> None:
        super().__init__(items)
        self.total = total
        self.exact = exact
        self.links = links
        self.next_cursor = next_cursor


class Sync(Generic[T]):
    """An incremental read: iterate it for every record changed since ``cursor``, page after page.

    ``cursor`` moves to the page's X-Next-Cursor once all of that page's records have been handed
    out; keep it (after storing the records) and start the next run from it. A record changed while
    you read comes again later in its new version: upsert by id and the newest version wins.
    """

    def __init__(self, client: MaintainProClient, path: str, cursor: str, filters: dict[str, Any]) -> None:
        self._client = client
        self._path = path
        self._filters = filters
        self.cursor = cursor
        self.pages_read = 0

    def pages(self) -> Iterator[Page[T]]:
        while True:
            page: Page[T] = self._client.page(self._path, {**self._filters, "cursor": self.cursor})
            self.pages_read += 1
            yield page
            if page.next_cursor:
                self.cursor = page.next_cursor
            if "next" not in page.links or not page.next_cursor:
                return

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 Link header -> {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(value or "")}


def _query(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Lists become comma lists (status=["new", "assigned"] -> status=new,assigned); None is left out."""
    out = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


def _file_bytes(content: FileContent) -> bytes:
    """Read once, so a retry sends the same bytes again."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return content.read()


class MaintainProClient:
    """A client of the MaintainPro API.

    ``base_url`` ends with /api (e.g. http://127.0.0.1:8000/api). Authenticate with ``token`` (a JWT
    access token, plus ``refresh_token`` to renew it), with ``api_key`` (mp_live_...), or later with
    ``client.auth.login(...)``. An expired access token is refreshed once and the request retried.

    ``timeout``: seconds to connect and to wait for an answer. ``retries``: further attempts after a
    network error, a timeout, a 429/502/503/504, or a 409 about an Idempotency-Key still running
    (0: never retry). ``backoff``: the first wait in seconds, doubled each attempt (with jitter) when
    the server gave no Retry-After. ``max_retry_after``: a Retry-After longer than this is not waited
    out; the error is raised for the caller to decide.
    """

    def __init__(self, base_url: str, token: str | None = None, *, refresh_token: str | None = None,
                 api_key: str | None = None, timeout: float = 30.0, retries: int = 3, backoff: float = 0.5,
                 max_retry_after: float = 60.0, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = api_key or token
        self.refresh_token = refresh_token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "maintainpro-client-python/1.1"})
        self.auth = AuthResource(self)
        self.users = UsersResource(self)
        self.work_orders = WorkOrdersResource(self)
        self.equipment = EquipmentResource(self)
        self.parts = PartsResource(self)
        self.reorder_requests = ReorderRequestsResource(self)
        self.requests = RequestsResource(self)
        self.imports = ImportsResource(self)
        self.failure_codes = FailureCodesResource(self)
        self.kpis = KpisResource(self)
        self.schedules = SchedulesResource(self)
        self.absences = AbsencesResource(self)
        self.pm_templates = PMTemplatesResource(self)
        self.pm_compliance = PMComplianceResource(self)
        self.webhooks = WebhooksResource(self)
        self.performance = PerformanceResource(self)
        self.api_keys = ApiKeysResource(self)
        self.warehouse = WarehouseResource(self)
        self.notifications = NotificationsResource(self)

    # --- transport ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/api/"):  # a Link header's relative URL: resolve against the server's origin
            return urljoin(self.base_url + "/", path)
        return self.base_url + path

    def _wait(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the answer should be raised."""
        if attempt >= self.retries:
            return None
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = self.backoff
            return seconds if seconds <= self.max_retry_after else None
        return self.backoff * 2.0 ** attempt * (0.5 + random.random() / 2)

    def raw(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
            data: Any = None, files: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
            authenticated: bool = True, retry: bool = True, stream: bool = False) -> requests.Response:
        """The response of one call (2xx), after retries and at most one token refresh; MaintainProError
        otherwise. A write is sent with an Idempotency-Key (yours from ``headers``, or a new uuid4)."""
        method = method.upper()
        sent_headers = dict(headers or {})
        if method in WRITE_METHODS and authenticated and not any(k.lower() == "idempotency-key" for k in sent_headers):
            sent_headers["Idempotency-Key"] = str(uuid.uuid4())
        keyed = any(k.lower() == "idempotency-key" for k in sent_headers)
        retryable = retry and (method in IDEMPOTENT_METHODS or keyed)
        refreshed = False
        attempt = 0
        while True:
            if self.token and authenticated:
                sent_headers["Authorization"] = f"Bearer {self.token}"
            try:
                response = self.session.request(method, self._url(path), params=params, json=json, data=data,
                                                files=files, headers=sent_headers, timeout=self.timeout,
                                                stream=stream)
            except requests.RequestException as exc:
                transient = isinstance(exc, (requests.ConnectionError, requests.Timeout))
                wait = self._wait(attempt, None) if retryable and transient else None
                if wait is None:
                    if isinstance(exc, requests.Timeout):
                        raise MaintainProTimeout(f"No answer within {self.timeout} s: {method} {path}") from exc
                    raise MaintainProNetworkError(f"Network error on {method} {path}: {exc}") from exc
                self.sleep(wait)
                attempt += 1
                continue
            status = response.status_code
            if (status == 401 and authenticated and self.refresh_token and not refreshed
                    and path not in ("/auth/login", "/auth/refresh")):
                refreshed = True
                self.auth.refresh()
                continue
            if retryable and (status in RETRY_STATUSES or (status == 409 and _idempotency_conflict(response))):
                wait = self._wait(attempt, response.headers.get("Retry-After") if status in (409, 429, 503) else None)
                if wait is not None:
                    response.close()
                    self.sleep(wait)
                    attempt += 1
                    continue
            if status >= 400:
                raise _error(response)
            return response

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None, data: Any = None,
                files: Mapping[str, Any] | None = None) -> Any:
        """Any endpoint: the parsed JSON answer, the text of any other answer (CSV, NDJSON), None when empty."""
        response = self.raw(method, path, params=_query(params or {}), json=json, headers=headers, data=data,
                            files=files)
        if response.status_code == 204 or not response.content:
            return None
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            return response.json()
        return response.text

    def page(self, path: str, filters: Mapping[str, Any]) -> Page[Any]:
        return _page(self.raw("GET", path, params=_query(filters)))

    def iterate(self, path: str, filters: Mapping[str, Any]) -> Iterator[Any]:
        """Every item of a list, page after page, following the Link header's rel="next"."""
        page = self.page(path, filters)
        while True:
            yield from page
            following = page.links.get("next")
            if not following:
                return
            page = _page(self.raw("GET", following))

    def openapi(self) -> JSON:
        """The OpenAPI 3.1 document the server describes itself with."""
        return cast(JSON, self.request(*ENDPOINTS["openapi"]))

    def docs_page(self) -> str:
        """The /api/docs page (HTML, for people)."""
        return cast(str, self.request(*ENDPOINTS["docs_page"], headers={"Accept": "text/html"}))


def _page(response: requests.Response) -> Page[Any]:
    total = response.headers.get("X-Total-Count")
    return Page(response.json(), int(total) if total else None, parse_link_header(response.headers.get("Link")),
                response.headers.get("X-Next-Cursor"), response.headers.get("X-Total-Count-Exact") != "false")


def _idempotency_conflict(response: requests.Response) -> bool:
    """A 409 because the first request with this key is still running: worth sending again."""
    try:
        errors = response.json().get("errors") or []
        return bool(errors) and errors[0].get("field") == "Idempotency-Key"
    except (ValueError, AttributeError):
        return False


def _error(response: requests.Response) -> MaintainProError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = str(body.get("message") or response.reason)
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    else:
        message, errors = response.reason or f"HTTP {response.status_code}", []
    return MaintainProError(response.status_code, message, errors, dict(response.headers), body)


def _body(data: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> JSON:
    return {**(data or {}), **fields}


class _Resource:
    name = ""

    def __init__(self, client: MaintainProClient) -> None:
        self.client = client

    def _route(self, operation: str, *ids: str) -> tuple[str, str]:
        """(method, path) of this resource's operation, its {placeholders} filled in order."""
        method, template = ENDPOINTS[f"{self.name}.{operation}"]
        values = iter(ids)
        return method, _PLACEHOLDER.sub(lambda _m: str(next(values)), template)

    def _call(self, operation: str, *ids: str, params: Mapping[str, Any] | None = None, json: Any = None,
              headers: Mapping[str, str] | None = None, data: Any = None,
              files: Mapping[str, Any] | None = None) -> Any:
        method, path = self._route(operation, *ids)
        return self.client.request(method, path, params=params, json=json, headers=headers, data=data, files=files)

    def _page(self, operation: str, *ids: str, filters: Mapping[str, Any]) -> Page[Any]:
        return self.client.page(self._route(operation, *ids)[1], filters)

    def _iterate(self, operation: str, *ids: str, filters: Mapping[str, Any]) -> Iterator[Any]:
        return self.client.iterate(self._route(operation, *ids)[1], filters)


class AuthResource(_Resource):
    name = "auth"

    def login(self, email: str, password: str, mfa_token: str) -> LoginResponse:
        """Log in with the password and the current TOTP code; the client keeps both tokens.
        Never retried: a TOTP code is accepted once."""
        method, path = self._route("login")
        response = self.client.raw(method, path, json={"email": email, "password": password, "mfaToken": mfa_token},
                                   authenticated=False, retry=False)
        body = cast(LoginResponse, response.json())
        self.client.token, self.client.refresh_token = body["token"], body["refreshToken"]
        return body

    def refresh(self) -> str:
        """A new access token from the refresh token (kept by the client, and returned)."""
        if not self.client.refresh_token:
            raise MaintainProError(401, "No refresh token: log in first")
        method, path = self._route("refresh")
        response = self.client.raw(method, path, json={"refreshToken": self.client.refresh_token},
                                   authenticated=False, retry=False)
        token = str(response.json()["token"])
        self.client.token = token
        return token

    def logout(self) -> JSON:
        """End this session: its access and refresh tokens stop working at once."""
        body = cast(JSON, self._call("logout", json={}) or {})
        self.client.token = self.client.refresh_token = None
        return body

    def me(self) -> UserOut:
        return cast(UserOut, self._call("me"))


class WorkOrdersResource(_Resource):
    """Filters: status, priority (comma lists or Python lists), assignedTo, equipmentId, type, q, dueBefore,
    dueAfter, overdue, updatedSince, createdAfter, createdBefore, expand, sort, page, limit."""

    name = "work_orders"

    def list(self, **filters: Any) -> Page[WorkOrderExpandedOut]:
        """One page (``page``, ``limit`` up to 500, and the filters)."""
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[WorkOrderExpandedOut]:
        """Every work order across all pages (a generator)."""
        return self._iterate("list", filters=filters)

    def sync(self, cursor: str = "*", **filters: Any) -> Sync[WorkOrderExpandedOut]:
        """Work orders changed since ``cursor`` ("*": all), oldest change first; keep ``.cursor`` after."""
        return Sync(self.client, self._route("list")[1], cursor, filters)

    def get(self, work_order_id: str, *, expand: str | builtins.list[str] | None = None) -> WorkOrderDetailOut:
        return cast(WorkOrderDetailOut, self._call("get", work_order_id, params={"expand": expand}))

    def create(self, data: WorkOrderCreate | None = None, **fields: Any) -> WorkOrderOut:
        return cast(WorkOrderOut, self._call("create", json=_body(data, fields)))

    def update(self, work_order_id: str, data: WorkOrderUpdate | None = None, **fields: Any) -> WorkOrderDetailOut:
        return cast(WorkOrderDetailOut, self._call("update", work_order_id, json=_body(data, fields)))

    def bulk_assign(self, work_order_ids: builtins.list[str], assigned_to: str | None) -> builtins.list[WorkOrderOut]:
        return cast(builtins.list[WorkOrderOut], self._call("bulk_assign", json={"ids": work_order_ids,
                                                                          "assignedTo": assigned_to}))

    def bulk_update(self, work_order_ids: builtins.list[str], **changes: Any) -> builtins.list[WorkOrderOut]:
        """Change many alike, all or nothing: any of assignedTo, status, priority, dueDate (snake_case
        or camelCase; None clears assignedTo and dueDate)."""
        body = {"ids": work_order_ids, **{_camel(k): v for k, v in changes.items()}}
        return cast(builtins.list[WorkOrderOut], self._call("bulk_update", json=body))

    def export(self, format: Literal["csv", "ndjson"] = "csv", **filters: Any) -> str:  # noqa: A002
        """The export as text: CSV, or NDJSON (one work order a line, last {"end": true, "rows": N})."""
        return cast(str, self._call("export", params={**filters, "format": format},
                                    headers={"Accept": "application/x-ndjson" if format == "ndjson" else "text/csv"}))

    def export_rows(self, **filters: Any) -> Iterator[JSON]:
        """The NDJSON export streamed, one work order at a time; raises MaintainProError when the stream
        ends without its {"end": true, "rows": N} line or with another count."""
        import json as _json

        method, path = self._route("export")
        response = self.client.raw(method, path, params=_query({**filters, "format": "ndjson"}), stream=True,
                                   headers={"Accept": "application/x-ndjson"})
        sent = 0
        with response:
            for line in response.iter_lines():
                if not line:
                    continue
                row = _json.loads(line)
                if row.get("end") is True:
                    if row.get("rows") != sent:
                        raise MaintainProError(0, f"Export said {row.get('rows')} rows, {sent} arrived")
                    return
                sent += 1
                yield row
        raise MaintainProError(0, f"Export cut short after {sent} rows")

    def attachments(self, work_order_id: str, **filters: Any) -> Page[AttachmentOut]:
        return self._page("attachments", work_order_id, filters=filters)

    def add_attachment(self, work_order_id: str, content: FileContent, filename: str = "photo.jpg",
                       content_type: str = "image/jpeg") -> AttachmentOut:
        return cast(AttachmentOut, self._call("add_attachment", work_order_id,
                                              files={"file": (filename, _file_bytes(content), content_type)}))

    def attachment(self, work_order_id: str, attachment_id: str, *, size: str | None = None) -> bytes:
        """The photo's bytes (``size``: a smaller rendition the API documents, e.g. "thumb")."""
        method, path = self._route("attachment", work_order_id, attachment_id)
        return bytes(self.client.raw(method, path, params=_query({"size": size}), headers={"Accept": "*/*"}).content)

    def checklist(self, work_order_id: str) -> builtins.list[WorkOrderChecklistItemOut]:
        return cast(builtins.list[WorkOrderChecklistItemOut], self._call("checklist", work_order_id))

    def add_checklist_items(self, work_order_id: str, data: ChecklistAdd | None = None,
                            **fields: Any) -> builtins.list[WorkOrderChecklistItemOut]:
        """Items typed in (``{"items": [...]}``) or a PM template's checklist (``{"fromTemplateId": id}``)
        appended to an ad-hoc work order; answers the whole checklist."""
        return cast(builtins.list[WorkOrderChecklistItemOut],
                    self._call("add_checklist_items", work_order_id, json=_body(data, fields)))

    def update_checklist_item(self, work_order_id: str, item_id: str, data: ChecklistItemUpdate | None = None,
                              **fields: Any) -> WorkOrderChecklistItemOut:
        return cast(WorkOrderChecklistItemOut, self._call("update_checklist_item", work_order_id, item_id,
                                                          json=_body(data, fields)))

    def create_follow_up(self, work_order_id: str, item_id: str) -> FollowUpCreated:
        """The follow-up work order of a flagged checklist item (201 made, 200 the one made before)."""
        return cast(FollowUpCreated, self._call("create_follow_up", work_order_id, item_id, json={}))

    def follow_ups(self, work_order_id: str) -> builtins.list[WorkOrderOut]:
        return cast(builtins.list[WorkOrderOut], self._call("follow_ups", work_order_id))

    def comments(self, work_order_id: str, **filters: Any) -> Page[CommentOut]:
        return self._page("comments", work_order_id, filters=filters)

    def add_comment(self, work_order_id: str, body: str, *, visible_to_reporter: bool = False) -> CommentOut:
        return cast(CommentOut, self._call("add_comment", work_order_id,
                                           json={"body": body, "visibleToReporter": visible_to_reporter}))

    def labor(self, work_order_id: str) -> LaborList:
        return cast(LaborList, self._call("labor", work_order_id))

    def add_labor(self, work_order_id: str, data: LaborCreate | None = None, **fields: Any) -> LaborOut:
        return cast(LaborOut, self._call("add_labor", work_order_id, json=_body(data, fields)))

    def part_requests(self, work_order_id: str, **filters: Any) -> Page[ReorderRequestOut]:
        return self._page("part_requests", work_order_id, filters=filters)

    def request_part(self, work_order_id: str, part_id: str, quantity: int) -> ReorderRequestOut:
        return cast(ReorderRequestOut, self._call("request_part", work_order_id,
                                                  json={"partId": part_id, "quantity": quantity}))

    def signature(self, work_order_id: str) -> SignatureOut:
        return cast(SignatureOut, self._call("signature", work_order_id))

    def sign(self, work_order_id: str, png: FileContent, signer_name: str) -> SignatureOut:
        return cast(SignatureOut, self._call("sign", work_order_id, data={"signerName": signer_name},
                                             files={"file": ("signature.png", _file_bytes(png), "image/png")}))


class EquipmentResource(_Resource):
    """Filters: status, criticality, area, q, updatedSince, createdAfter, createdBefore, page, limit."""

    name = "equipment"

    def list(self, **filters: Any) -> Page[EquipmentOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[EquipmentOut]:
        return self._iterate("list", filters=filters)

    def sync(self, cursor: str = "*", **filters: Any) -> Sync[EquipmentOut]:
        return Sync(self.client, self._route("list")[1], cursor, filters)

    def get(self, equipment_id: str) -> EquipmentOut:
        return cast(EquipmentOut, self._call("get", equipment_id))

    def create(self, data: EquipmentCreate | None = None, **fields: Any) -> EquipmentOut:
        return cast(EquipmentOut, self._call("create", json=_body(data, fields)))

    def update(self, equipment_id: str, data: EquipmentUpdate | None = None, **fields: Any) -> EquipmentOut:
        return cast(EquipmentOut, self._call("update", equipment_id, json=_body(data, fields)))

    def export(self, **filters: Any) -> str:
        """The CSV export as text."""
        return cast(str, self._call("export", params=filters, headers={"Accept": "text/csv"}))

    def change_status(self, equipment_id: str, status: str, **fields: Any) -> EquipmentOut:
        return cast(EquipmentOut, self._call("change_status", equipment_id, json={"status": status, **fields}))

    def downtime(self, equipment_id: str, **filters: Any) -> Page[DowntimePeriodOut]:
        return self._page("downtime", equipment_id, filters=filters)

    def meter_readings(self, equipment_id: str, **filters: Any) -> Page[MeterReadingOut]:
        return self._page("meter_readings", equipment_id, filters=filters)

    def record_meter_reading(self, equipment_id: str, data: MeterReadingCreate | None = None,
                             **fields: Any) -> MeterReadingCreated:
        return cast(MeterReadingCreated, self._call("record_meter_reading", equipment_id, json=_body(data, fields)))

    def rotate_report_token(self, equipment_id: str) -> ReportTokenOut:
        return cast(ReportTokenOut, self._call("rotate_report_token", equipment_id, json={}))


class PartsResource(_Resource):
    """Filters: category, lowStock, q, updatedSince, createdAfter, createdBefore, page, limit."""

    name = "parts"

    def list(self, **filters: Any) -> Page[PartOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[PartOut]:
        return self._iterate("list", filters=filters)

    def sync(self, cursor: str = "*", **filters: Any) -> Sync[PartOut]:
        return Sync(self.client, self._route("list")[1], cursor, filters)

    def get(self, part_id: str) -> PartOut:
        return cast(PartOut, self._call("get", part_id))

    def create(self, data: PartCreate | None = None, **fields: Any) -> PartOut:
        return cast(PartOut, self._call("create", json=_body(data, fields)))

    def update(self, part_id: str, data: PartUpdate | None = None, **fields: Any) -> PartOut:
        return cast(PartOut, self._call("update", part_id, json=_body(data, fields)))

    def export(self, **filters: Any) -> str:
        """The CSV export as text."""
        return cast(str, self._call("export", params=filters, headers={"Accept": "text/csv"}))

    def consume(self, work_order_id: str, parts_usage: builtins.list[PartUsage]) -> ConsumptionOut:
        """POST /parts/consume: consume(work_order_id, [{"partId", "quantityUsed", "unitCost"}])."""
        return cast(ConsumptionOut, self._call("consume", json={"workOrderId": work_order_id,
                                                                "partsUsage": parts_usage}))

    def stock_movements(self, part_id: str, **filters: Any) -> Page[StockMovementOut]:
        return self._page("stock_movements", part_id, filters=filters)

    def record_stock_movement(self, part_id: str, data: StockMovementCreate | None = None,
                              **fields: Any) -> StockMovementOut:
        return cast(StockMovementOut, self._call("record_stock_movement", part_id, json=_body(data, fields)))


class ReorderRequestsResource(_Resource):
    name = "reorder_requests"

    def list(self, **filters: Any) -> Page[ReorderRequestOut]:
        return self._page("list", filters=filters)

    def get(self, request_id: str) -> ReorderRequestOut:
        return cast(ReorderRequestOut, self._call("get", request_id))

    def mark_ordered(self, request_id: str) -> ReorderRequestOut:
        return cast(ReorderRequestOut, self._call("mark_ordered", request_id, json={}))

    def mark_received(self, request_id: str, note: str | None = None) -> ReorderRequestOut:
        return cast(ReorderRequestOut, self._call("mark_received", request_id, json={"note": note}))

    def receive(self, request_id: str, data: ReorderReceiptCreate | None = None,
                **fields: Any) -> ReorderReceiptCreated:
        """A receipt against the request (all that remains, or ``quantity``; ``moreThanOrdered`` to
        book beyond it); answers the receipt with the request after it."""
        return cast(ReorderReceiptCreated, self._call("receive", request_id, json=_body(data, fields)))

    def receipts(self, request_id: str) -> builtins.list[ReorderReceiptOut]:
        return cast(builtins.list[ReorderReceiptOut], self._call("receipts", request_id))


class RequestsResource(_Resource):
    """The requests inbox: problem reports and requesters' requests waiting for a manager."""

    name = "requests"

    def list(self, **filters: Any) -> Page[RequestOut]:
        return self._page("list", filters=filters)

    def create(self, data: RequestCreate | None = None, **fields: Any) -> RequestOut:
        return cast(RequestOut, self._call("create", json=_body(data, fields)))

    def get(self, request_id: str) -> RequestOut:
        return cast(RequestOut, self._call("get", request_id))

    def photo(self, request_id: str, *, size: str | None = None) -> bytes:
        """The photo's bytes (``size``: "thumb" for the small rendition)."""
        method, path = self._route("photo", request_id)
        return bytes(self.client.raw(method, path, params=_query({"size": size}), headers={"Accept": "*/*"}).content)

    def approve(self, request_id: str, data: RequestApprove | None = None, **fields: Any) -> RequestOut:
        return cast(RequestOut, self._call("approve", request_id, json=_body(data, fields)))

    def merge(self, request_id: str, work_order_id: str) -> RequestOut:
        return cast(RequestOut, self._call("merge", request_id, json={"workOrderId": work_order_id}))

    def decline(self, request_id: str, reason: str) -> RequestOut:
        return cast(RequestOut, self._call("decline", request_id, json={"reason": reason}))


class ImportsResource(_Resource):
    name = "imports"

    def create(self, kind: Literal["assets", "parts"], csv: FileContent, filename: str = "import.csv") -> ImportOut:
        """Upload a CSV of assets or parts; the import runs in the background (poll get())."""
        return cast(ImportOut, self._call("create", params={"kind": kind},
                                          files={"file": (filename, _file_bytes(csv), "text/csv")}))

    def list(self, **filters: Any) -> Page[ImportOut]:
        return self._page("list", filters=filters)

    def get(self, import_id: str) -> ImportDetailOut:
        return cast(ImportDetailOut, self._call("get", import_id))

    def refused_csv(self, import_id: str) -> str:
        return cast(str, self._call("refused_csv", import_id, headers={"Accept": "text/csv"}))


class FailureCodesResource(_Resource):
    """The failure catalogue (ISO 14224 modes, causes, remedies). Filters: kind, equipmentClass, includeRetired."""

    name = "failure_codes"

    def list(self, **filters: Any) -> list[FailureCodeOut]:
        return cast(list[FailureCodeOut], self._call("list", params=filters))

    def create(self, data: FailureCodeCreate | None = None, **fields: Any) -> FailureCodeOut:
        return cast(FailureCodeOut, self._call("create", json=_body(data, fields)))

    def update(self, code_id: str, data: FailureCodeUpdate | None = None, **fields: Any) -> FailureCodeOut:
        return cast(FailureCodeOut, self._call("update", code_id, json=_body(data, fields)))

    def delete(self, code_id: str) -> FailureCodeOut | None:
        """None when deleted; the code, retired (active false), when work orders carry it."""
        return cast("FailureCodeOut | None", self._call("delete", code_id))

    def export(self) -> str:
        return cast(str, self._call("export", headers={"Accept": "text/csv"}))

    def import_csv(self, csv: FileContent, filename: str = "failure-codes.csv") -> FailureCodeImportOut:
        """Create or update codes from CSV (the export's columns); all rows or none."""
        return cast(FailureCodeImportOut, self._call("import_csv",
                                                     files={"file": (filename, _file_bytes(csv), "text/csv")}))


class KpisResource(_Resource):
    name = "kpis"

    def get(self, days: int = 30) -> KpisOut:
        return cast(KpisOut, self._call("get", params={"days": days}))

    def trends(self, days: int | None = None) -> TrendsOut:
        return cast(TrendsOut, self._call("trends", params={"days": days}))

    def records(self, name: str, **filters: Any) -> Page[KpiRecordOut]:
        """The records behind a figure (name: mttrHours, mtbfHours, availability, plannedMaintenancePercentage,
        pmCompliance, backlog, scheduleCompliance, breakInShare, plannedWorkPercent, backlogCrewWeeks); filters: days, outcome, page, limit."""
        return self._page("records", name, filters=filters)

    def iterate_records(self, name: str, **filters: Any) -> Iterator[KpiRecordOut]:
        return self._iterate("records", name, filters=filters)
    def planning(self, days: int = 30) -> dict[str, Any]:
        """Schedule compliance, break-in share, planned work %, backlog in crew-weeks."""
        return cast(dict[str, Any], self._call("planning", params={"days": days}))

    def bad_actors(self, days: int = 365, limit: int = 5, equipment_class: str | None = None) -> BadActorsOut:
        """The assets with most downtime, failures and cost, with their failure modes, and the Pareto of
        failure modes and causes."""
        params: dict[str, Any] = {"days": days, "limit": limit}
        if equipment_class is not None:
            params["equipmentClass"] = equipment_class
        return cast(BadActorsOut, self._call("bad_actors", params=params))


class SchedulesResource(_Resource):
    """The weekly plans: a week's plan, its items (workOrderId, userId, day, hours), its freeze."""

    name = "schedules"

    def list(self, week_start: str | None = None) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._call("list", params={"weekStart": week_start}))

    def create(self, week_start: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("create", json={"weekStart": week_start}))

    def get(self, schedule_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("get", schedule_id))

    def add_item(self, schedule_id: str, data: ScheduleItemCreate | None = None, **fields: Any) -> ScheduleItemOut:
        return cast(ScheduleItemOut, self._call("add_item", schedule_id, json=_body(data, fields)))

    def remove_item(self, schedule_id: str, item_id: str) -> None:
        self._call("remove_item", schedule_id, item_id)

    def freeze(self, schedule_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("freeze", schedule_id))


class AbsencesResource(_Resource):
    name = "absences"

    def list(self, user_id: str | None = None) -> list[AbsenceOut]:
        return cast(list[AbsenceOut], self._call("list", params={"userId": user_id}))

    def create(self, data: AbsenceCreate | None = None, **fields: Any) -> AbsenceOut:
        return cast(AbsenceOut, self._call("create", json=_body(data, fields)))

    def delete(self, absence_id: str) -> None:
        self._call("delete", absence_id)


class PMTemplatesResource(_Resource):
    name = "pm_templates"

    def list(self, **filters: Any) -> Page[PMTemplateOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[PMTemplateOut]:
        return self._iterate("list", filters=filters)

    def get(self, template_id: str) -> PMTemplateOut:
        return cast(PMTemplateOut, self._call("get", template_id))

    def create(self, data: PMTemplateCreate | None = None, **fields: Any) -> PMTemplateOut:
        return cast(PMTemplateOut, self._call("create", json=_body(data, fields)))

    def update(self, template_id: str, data: PMTemplateUpdate | None = None, **fields: Any) -> PMTemplateOut:
        return cast(PMTemplateOut, self._call("update", template_id, json=_body(data, fields)))

    def delete(self, template_id: str) -> None:
        self._call("delete", template_id)


class PMComplianceResource(_Resource):
    name = "pm_compliance"

    def get(self, days: int = 30, **filters: Any) -> ComplianceOut:
        return cast(ComplianceOut, self._call("get", params={"days": days, **filters}))


class UsersResource(_Resource):
    name = "users"

    def list(self, **filters: Any) -> Page[UserAdminOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[UserAdminOut]:
        return self._iterate("list", filters=filters)

    def get(self, user_id: str) -> UserAdminOut:
        return cast(UserAdminOut, self._call("get", user_id))

    def create(self, data: UserCreate | None = None, **fields: Any) -> UserAdminOut:
        return cast(UserAdminOut, self._call("create", json=_body(data, fields)))

    def update(self, user_id: str, data: UserUpdate | None = None, **fields: Any) -> UserAdminOut:
        return cast(UserAdminOut, self._call("update", user_id, json=_body(data, fields)))

    def reset_mfa(self, user_id: str) -> UserMfaResetOut:
        return cast(UserMfaResetOut, self._call("reset_mfa", user_id, json={}))

    def set_weekly_hours(self, user_id: str, weekly_hours: float) -> WeeklyHoursOut:
        """The person's hours a week on the weekly plan (managers)."""
        return cast(WeeklyHoursOut, self._call("set_weekly_hours", user_id, json={"weeklyHours": weekly_hours}))


class WarehouseResource(_Resource):
    name = "warehouse"

    def get(self) -> WarehouseOut:
        return cast(WarehouseOut, self._call("get"))

    def update(self, data: WarehouseUpdate | None = None, **fields: Any) -> WarehouseOut:
        return cast(WarehouseOut, self._call("update", json=_body(data, fields)))


class NotificationsResource(_Resource):
    """The caller's own notifications (for an API key: its creator's) and how they hear of each kind."""

    name = "notifications"

    def list(self, **filters: Any) -> Page[NotificationOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[NotificationOut]:
        return self._iterate("list", filters=filters)

    def read(self, notification_id: str) -> NotificationOut:
        return cast(NotificationOut, self._call("read", notification_id, json={}))

    def read_all(self) -> ReadAllOut:
        return cast(ReadAllOut, self._call("read_all", json={}))

    def preferences(self) -> PreferencesOut:
        return cast(PreferencesOut, self._call("preferences"))

    def set_preferences(self, data: PreferencesUpdate | None = None, **fields: Any) -> PreferencesOut:
        """Change some kinds' channels, e.g. preferences=[{"kind": "stock_low", "channel": "digest"}]."""
        return cast(PreferencesOut, self._call("set_preferences", json=_body(data, fields)))


class WebhooksResource(_Resource):
    name = "webhooks"

    def list(self, **filters: Any) -> Page[WebhookOut]:
        return self._page("list", filters=filters)

    def iterate(self, **filters: Any) -> Iterator[WebhookOut]:
        return self._iterate("list", filters=filters)

    def get(self, webhook_id: str) -> WebhookOut:
        return cast(WebhookOut, self._call("get", webhook_id))

    def create(self, data: WebhookCreate | None = None, **fields: Any) -> WebhookOut:
        return cast(WebhookOut, self._call("create", json=_body(data, fields)))

    def update(self, webhook_id: str, data: WebhookUpdate | None = None, **fields: Any) -> WebhookOut:
        return cast(WebhookOut, self._call("update", webhook_id, json=_body(data, fields)))

    def delete(self, webhook_id: str) -> None:
        self._call("delete", webhook_id)

    def stats(self, webhook_id: str) -> WebhookStatsOut:
        return cast(WebhookStatsOut, self._call("stats", webhook_id))

    def test(self, webhook_id: str) -> PingResultOut:
        """Send a signed test delivery (event webhook.test) now."""
        return cast(PingResultOut, self._call("test", webhook_id, json={}))

    def deliveries(self, webhook_id: str, **filters: Any) -> Page[DeliveryOut]:
        return self._page("deliveries", webhook_id, filters=filters)

    def iterate_deliveries(self, webhook_id: str, **filters: Any) -> Iterator[DeliveryOut]:
        return self._iterate("deliveries", webhook_id, filters=filters)

    def redeliver(self, delivery_id: str) -> DeliveryOut:
        return cast(DeliveryOut, self._call("redeliver", delivery_id, json={}))


class PerformanceResource(_Resource):
    name = "performance"

    def summary(self) -> PerformanceSummaryOut:
        return cast(PerformanceSummaryOut, self._call("summary"))


class ApiKeysResource(_Resource):
    name = "api_keys"

    def list(self, **filters: Any) -> Page[ApiKeyOut]:
        return self._page("list", filters=filters)

    def get(self, key_id: str) -> ApiKeyOut:
        return cast(ApiKeyOut, self._call("get", key_id))

    def create(self, name: str, role: Literal["admin", "manager", "technician", "requester"]) -> ApiKeyCreatedOut:
        """A new key; its full text (``key``) is in this answer only."""
        return cast(ApiKeyCreatedOut, self._call("create", json={"name": name, "role": role}))

    def revoke(self, key_id: str) -> None:
        self._call("revoke", key_id)
