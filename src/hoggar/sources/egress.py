"""Where the node may connect when it reads a feed (server-side request forgery guard).

A feed address is typed by an administrator, but the node fetches it from inside the
network it runs in, and follows redirects chosen by the feed's server. Without a
guard, `http://127.0.0.1:5432/`, the cloud metadata address or an intranet service is
one feed (or one redirect) away. Every connection a feed reader opens goes through
`GuardedBackend`: the host name is resolved once, every address it resolves to must
be public (`ipaddress.is_global`, not multicast) or inside a network the operator
allowed (`HOGGAR_FEEDS_ALLOW_NETWORKS`, CIDRs separated by commas), and the socket is
opened to that checked address — so a name that resolves differently a second later
(DNS rebinding) gains nothing, and each redirect hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

ALLOW_ENV = "HOGGAR_FEEDS_ALLOW_NETWORKS"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressRefused(httpx.TransportError):
    """A feed address resolves to a place the node may not connect to."""


def allowed_networks(raw: str | None = None) -> tuple[Network, ...]:
    """The operator's extra networks (`HOGGAR_FEEDS_ALLOW_NETWORKS`)."""
    text = os.environ.get(ALLOW_ENV, "") if raw is None else raw
    out = []
    for part in text.split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"{ALLOW_ENV}: {part.strip()!r} is not a network") from exc
    return tuple(out)


def refusal(address: str, allowed: Iterable[Network] = ()) -> str | None:
    """Why the node may not connect to `address` (an IP), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed):
        return None
    if ip.is_global and not ip.is_multicast:
        return None
    kind = (
        "loopback"
        if ip.is_loopback
        else "link-local"
        if ip.is_link_local
        else "private"
        if ip.is_private
        else "not public"
    )
    return f"{ip} is a {kind} address; allow its network in {ALLOW_ENV} to read feeds there"


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to checked addresses."""

    def __init__(self, allowed: Iterable[Network] = ()) -> None:
        self.allowed = tuple(allowed)
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            problem = refusal(address, self.allowed)
            if problem:
                raise EgressRefused(f"{host}: {problem}")
        error: Exception = httpcore.ConnectError(f"{host}: no address")
        for address in addresses:  # every one checked above; the first that answers
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise EgressRefused("feeds are read over TCP only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def guarded_client(allowed: Iterable[Network] | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx client whose every connection (redirects included) is checked."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # httpcore.ConnectionPool; no public way to set its backend
    assert isinstance(pool, httpcore.ConnectionPool)
    pool._network_backend = GuardedBackend(allowed_networks() if allowed is None else allowed)
    return httpx.Client(transport=transport, trust_env=False, **kwargs)
