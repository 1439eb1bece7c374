"""SSRF guard for webhook targets (OWASP API7).

A target must be http(s) and its host must resolve only to public addresses. This is checked
when an endpoint is registered and again at delivery: the connection itself re-checks the
address it actually reached, so a DNS answer that changes after the check (rebinding) is caught.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class BlockedTarget(Exception):
    """The URL is not an acceptable webhook target; the message says why."""


def _address_blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or not ip.is_global)


# Delivery-time DNS answers, reused for a few seconds (cache_seconds): a worker sending a batch
# to one host resolves it once, not once per POST. Only answers are cached, never a verdict: the
# addresses are checked on every call, and every new connection checks the peer it reached.
_dns_cache: dict[tuple[str, int], tuple[float, list[str]]] = {}
_dns_lock = threading.Lock()
DNS_CACHE_MAX = 1024


def _resolve(host: str, port: int, cache_seconds: float) -> list[str]:
    key = (host, port)
    if cache_seconds > 0:
        with _dns_lock:
            hit = _dns_cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if cache_seconds > 0:
        with _dns_lock:
            if len(_dns_cache) >= DNS_CACHE_MAX:
                _dns_cache.clear()
            _dns_cache[key] = (time.monotonic() + cache_seconds, addresses)
    return addresses


def check_url(url: str, *, allow_private: bool, unresolvable_ok: bool = False, cache_seconds: float = 0) -> None:
    """Raise BlockedTarget unless `url` is http(s) to a host that resolves to public addresses only.

    unresolvable_ok: at registration a host whose DNS is not set up yet is accepted (it proves
    nothing private); delivery checks again and the connection re-checks the peer address.
    cache_seconds: reuse a DNS answer that young (delivery time; registration resolves afresh)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedTarget(f"Invalid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise BlockedTarget("Only http and https URLs are allowed")
    if not parts.hostname:
        raise BlockedTarget("The URL has no host")
    if parts.username or parts.password:
        raise BlockedTarget("Credentials in the URL are not allowed; sign with the secret instead")
    if allow_private:
        return
    try:
        addresses = _resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80), cache_seconds)
    except (socket.gaierror, UnicodeError):
        if unresolvable_ok:
            return
        raise BlockedTarget(f"The host {parts.hostname} does not resolve") from None
    for address in addresses:
        if _address_blocked(address):
            raise BlockedTarget(f"The host {parts.hostname} resolves to a private or reserved address")


def _check_peer(connection: HTTPConnection) -> None:
    """After connect(), before anything of the request is sent (for https only the TLS handshake
    has happened): refuse a connection that reached a private or reserved address."""
    peer = connection.sock.getpeername()[0]
    if _address_blocked(peer):
        connection.close()
        raise BlockedTarget(f"Connected address {peer} is private or reserved")


class _GuardedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def http_session(*, allow_private: bool) -> requests.Session:
    """A requests session for webhook POSTs: no proxies from the environment (the guard must see
    the receiver's own address), and, unless private targets are allowed, the peer check above."""
    session = requests.Session()
    session.trust_env = False
    if not allow_private:
        adapter = _GuardedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session
