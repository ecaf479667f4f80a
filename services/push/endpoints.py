"""What a browser hands over when it subscribes, checked before it is stored or used.

A push endpoint is a URL the worker will POST to, so an unchecked one would let anyone make
the server post to services on its own network (SSRF). Outside development and tests
(``PUSH_ALLOW_PRIVATE_ENDPOINTS``) an endpoint must be https and its host must resolve only
to public addresses; every address it resolves to is checked, when subscribing and again
before each batch is sent (a name may be pointed elsewhere later), and the address each
connection actually reaches is checked once more as it opens (``public_only``): a name that
answers a public address to the check and a private one to the connection (DNS rebinding)
gets no request.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import gettext as _
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import NewConnectionError

from models.push import AUTH_MAX, ENDPOINT_MAX, P256DH_MAX
from services.errors import DomainError


class BadSubscription(DomainError):
    """The subscription cannot be used; ``str(err)`` says why, in the reader's language."""


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def parse(data: object, *, allow_private: bool) -> Subscription:
    """The subscription in ``data`` (``PushSubscription.toJSON()``: ``endpoint`` and
    ``keys.p256dh``, ``keys.auth``), checked. Raises ``BadSubscription``."""
    if not isinstance(data, dict):
        raise BadSubscription(_("This alert subscription is not valid."), "endpoint")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise BadSubscription(_("This alert subscription is not valid."), "endpoint")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not _is_key(p256dh, P256DH_MAX, 65) or not _is_key(auth, AUTH_MAX, 16):
        raise BadSubscription(_("The phone's alert keys are not valid."), "keys")
    try:  # an uncompressed point on P-256, or encryption to it cannot work
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _decode(p256dh))
    except ValueError:
        raise BadSubscription(_("The phone's alert keys are not valid."), "keys") from None
    check_endpoint(endpoint, allow_private=allow_private)
    return Subscription(endpoint=endpoint, p256dh=p256dh, auth=auth)


def check_endpoint(endpoint: str, *, allow_private: bool) -> None:
    """Raise ``BadSubscription`` unless the worker may POST to ``endpoint``."""
    if len(endpoint) > ENDPOINT_MAX or any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise BadSubscription(_("This alert subscription is not valid."), "endpoint")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise BadSubscription(_("This alert subscription is not valid."), "endpoint") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise BadSubscription(_("Alerts can only go to a secure (https) push service."), "endpoint")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise BadSubscription(_("This alert subscription is not valid."), "endpoint")
    if allow_private:
        return
    check_host(parts.hostname, port or 443)


def check_host(host: str, port: int = 443) -> None:
    """Raise ``BadSubscription`` unless every address ``host`` resolves to is public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        message = _("The push service's address could not be found.")
        raise BadSubscription(message, "endpoint") from None
    if not found:
        raise BadSubscription(_("The push service's address could not be found."), "endpoint")
    for _family, _type, _proto, _name, address in found:
        if not is_public(address[0]):
            raise BadSubscription(
                _("Alerts cannot go to a private or local network address."), "endpoint"
            )


def public_only(session: requests.Session) -> requests.Session:
    """``session``, its connections refused before a byte is sent when the address they
    reached is not public (``is_public``). Proxies set in the environment are not used: the
    worker must reach the push service itself."""
    session.trust_env = False
    for prefix in ("http://", "https://"):
        session.mount(prefix, _PublicOnlyAdapter())
    return session


class _PublicOnlyHTTPConnection(HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        if not is_public(sock.getpeername()[0]):
            sock.close()
            raise NewConnectionError(self, "refused: the push service's address is not public")
        return sock


class _PublicOnlyHTTPSConnection(HTTPSConnection, _PublicOnlyHTTPConnection):
    pass


class _PublicOnlyHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicOnlyHTTPConnection


class _PublicOnlyHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicOnlyHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicOnlyHTTPPool,
            "https": _PublicOnlyHTTPSPool,
        }


def is_public(address: str) -> bool:
    """Whether ``address`` (IPv4 or IPv6, maybe with a zone) is on the public internet:
    not loopback, private, link-local, shared (CGNAT), multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _is_key(value: object, longest: int, size: int) -> bool:
    if not isinstance(value, str) or not value or len(value) > longest:
        return False
    try:
        return len(_decode(value)) == size
    except (binascii.Error, ValueError):
        return False
