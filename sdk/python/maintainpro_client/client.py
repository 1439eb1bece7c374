"""MaintainProClient: one requests.Session, the contract's resources, errors as MaintainProError."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import MaintainProError

JSON = dict[str, Any]
# Retried on connection errors and 502/503/504: requests that do the same thing when sent twice.
# POST (create, consume, test) and PATCH are never re-sent: a retry could create a second work order.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";,]+)"?')


class Page(list):
    """One page of a list: the items, plus X-Total-Count and the Link header's URLs by rel."""

    def __init__(self, items: Iterable[JSON], total: int | None, links: dict[str, str]) -> None:
        super().__init__(items)
        self.total = total
        self.links = links


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 Link header -> {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(value or "")}


def _query(filters: dict[str, Any]) -> dict[str, Any]:
    """Lists become comma lists (status=["new", "assigned"] -> status=new,assigned); None is left out."""
    out = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set)):
            value = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


class MaintainProClient:
    """A client of the MaintainPro API.

    ``base_url`` ends with /api (e.g. http://127.0.0.1:8000/api). Authenticate with ``token`` (a JWT
    access token, plus ``refresh_token`` to renew it), with ``api_key`` (mp_live_...), or later with
    ``client.auth.login(...)``. An expired access token is refreshed once and the request retried.
    """

    def __init__(self, base_url: str, token: str | None = None, *, refresh_token: str | None = None,
                 api_key: str | None = None, timeout: float = 30.0, retries: int = 3,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = api_key or token
        self.refresh_token = refresh_token
        self.timeout = timeout
        self.session = session or requests.Session()
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                      backoff_factor=0.2, status_forcelist=(502, 503, 504), allowed_methods=IDEMPOTENT_METHODS,
                      # False: urllib3 would otherwise also retry 429 (after sleeping its Retry-After);
                      # a rate limit is the caller's to handle, surfaced as MaintainProError(429).
                      raise_on_status=False, respect_retry_after_header=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "maintainpro-client-python/1.0"})
        self.auth = AuthResource(self)
        self.work_orders = WorkOrdersResource(self)
        self.equipment = EquipmentResource(self)
        self.parts = PartsResource(self)
        self.pm_templates = PMTemplatesResource(self)
        self.pm_compliance = PMComplianceResource(self)
        self.webhooks = WebhooksResource(self)
        self.performance = PerformanceResource(self)
        self.api_keys = ApiKeysResource(self)

    # --- transport ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/api/"):  # a Link header's relative URL: resolve against the server's origin
            return urljoin(self.base_url + "/", path)
        return self.base_url + path

    def _send(self, method: str, path: str, params: dict | None, body: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.session.request(method, self._url(path), params=params, json=body, headers=headers,
                                    timeout=self.timeout)

    def raw(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
            authenticated: bool = True) -> requests.Response:
        """The response of one call (2xx), after at most one token refresh; MaintainProError otherwise."""
        response = self._send(method, path, params, json)
        if (response.status_code == 401 and authenticated and self.refresh_token
                and path not in ("/auth/login", "/auth/refresh")):
            self.auth.refresh()
            response = self._send(method, path, params, json)
        if response.status_code >= 400:
            raise _error(response)
        return response

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None) -> Any:
        response = self.raw(method, path, params=params, json=json)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def page(self, path: str, filters: dict[str, Any]) -> Page:
        response = self.raw("GET", path, params=_query(filters))
        total = response.headers.get("X-Total-Count")
        return Page(response.json(), int(total) if total else None, parse_link_header(response.headers.get("Link")))

    def iterate(self, path: str, filters: dict[str, Any]) -> Iterator[JSON]:
        """Every item of a list, page after page, following the Link header's rel="next"."""
        page = self.page(path, filters)
        while True:
            yield from page
            following = page.links.get("next")
            if not following:
                return
            response = self.raw("GET", following)
            total = response.headers.get("X-Total-Count")
            page = Page(response.json(), int(total) if total else None,
                        parse_link_header(response.headers.get("Link")))


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


class _Resource:
    path = ""

    def __init__(self, client: MaintainProClient) -> None:
        self.client = client


class _Listable(_Resource):
    def list(self, **filters: Any) -> Page:
        """One page (``page``, ``limit`` up to 500, and the resource's filters)."""
        return self.client.page(self.path, filters)

    def iterate(self, **filters: Any) -> Iterator[JSON]:
        """Every item across all pages (a generator; lists answer 100 items a page by default)."""
        return self.client.iterate(self.path, filters)

    def get(self, object_id: str) -> JSON:
        return self.client.request("GET", f"{self.path}/{object_id}")


class _Writable(_Listable):
    def create(self, data: JSON | None = None, **fields: Any) -> JSON:
        return self.client.request("POST", self.path, json={**(data or {}), **fields})

    def update(self, object_id: str, data: JSON | None = None, **fields: Any) -> JSON:
        return self.client.request("PATCH", f"{self.path}/{object_id}", json={**(data or {}), **fields})


class AuthResource(_Resource):
    def login(self, email: str, password: str, mfa_token: str) -> JSON:
        """Log in with the password and the current TOTP code; the client keeps both tokens."""
        body = self.client.request("POST", "/auth/login",
                                   json={"email": email, "password": password, "mfaToken": mfa_token})
        self.client.token, self.client.refresh_token = body["token"], body["refreshToken"]
        return body

    def refresh(self) -> str:
        """A new access token from the refresh token (kept by the client, and returned)."""
        if not self.client.refresh_token:
            raise MaintainProError(401, "No refresh token: log in first")
        response = self.client.raw("POST", "/auth/refresh", json={"refreshToken": self.client.refresh_token},
                                   authenticated=False)
        self.client.token = response.json()["token"]
        return self.client.token

    def logout(self) -> JSON:
        """End this session: its access and refresh tokens stop working at once."""
        body = self.client.request("POST", "/auth/logout", json={})
        self.client.token = self.client.refresh_token = None
        return body

    def me(self) -> JSON:
        return self.client.request("GET", "/auth/me")


class WorkOrdersResource(_Writable):
    """Filters: status, priority (comma lists or Python lists), assignedTo, and the others the API documents."""

    path = "/work-orders"


class EquipmentResource(_Writable):
    path = "/equipment"


class PartsResource(_Writable):
    path = "/parts"

    def consume(self, work_order_id: str | JSON, parts_usage: list[JSON] | None = None) -> Any:
        """POST /parts/consume: consume(work_order_id, [{"partId", "quantityUsed", "unitCost"}]) or the whole body."""
        body = work_order_id if isinstance(work_order_id, dict) else {
            "workOrderId": work_order_id, "partsUsage": parts_usage or []}
        return self.client.request("POST", "/parts/consume", json=body)


class PMTemplatesResource(_Writable):
    path = "/pm-templates"

    def delete(self, template_id: str) -> None:
        self.client.request("DELETE", f"{self.path}/{template_id}")


class PMComplianceResource(_Resource):
    def get(self, days: int = 30, **filters: Any) -> JSON:
        return self.client.request("GET", "/pm-compliance", params=_query({"days": days, **filters}))


class WebhooksResource(_Writable):
    path = "/webhooks"

    def delete(self, webhook_id: str) -> None:
        self.client.request("DELETE", f"{self.path}/{webhook_id}")

    def stats(self, webhook_id: str) -> JSON:
        return self.client.request("GET", f"{self.path}/{webhook_id}/stats")

    def test(self, webhook_id: str) -> JSON:
        """Send a signed test delivery now."""
        return self.client.request("POST", f"{self.path}/{webhook_id}/test", json={})

    def deliveries(self, webhook_id: str, **filters: Any) -> Page:
        return self.client.page(f"{self.path}/{webhook_id}/deliveries", filters)

    def iterate_deliveries(self, webhook_id: str, **filters: Any) -> Iterator[JSON]:
        return self.client.iterate(f"{self.path}/{webhook_id}/deliveries", filters)


class PerformanceResource(_Resource):
    def summary(self) -> JSON:
        return self.client.request("GET", "/admin/performance/summary")


class ApiKeysResource(_Listable):
    path = "/api-keys"

    def create(self, name: str, role: str) -> JSON:
        """A new key; its full text (``key``) is in this answer only."""
        return self.client.request("POST", self.path, json={"name": name, "role": role})

    def revoke(self, key_id: str) -> None:
        self.client.request("DELETE", f"{self.path}/{key_id}")
