"""A Web Push service on loopback, and phones that subscribe to it: a real protocol peer.

``PushService`` is an HTTP server that takes what the worker POSTs, as a browser's push
service would (RFC 8030): it checks the VAPID ``Authorization`` (RFC 8292: an ES256 JWT for
this origin, signed by the key in ``k``) and answers 201, or whatever status a test asks for
one phone. ``Phone`` holds a browser's side of a subscription, keys generated in the test
(an ECDH P-256 pair and a 16-byte auth secret), and decrypts what reached it (RFC 8291,
``aes128gcm``, with ``http_ece``), so a test reads the alert as the phone would.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.waiting import wait_until

# The app's VAPID key in tests (make_test_app), one per test process.
TEST_VAPID_KEY = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class VapidError(Exception):
    pass


def check_vapid(header: str, origin: str) -> dict:
    """The claims of a valid ``vapid t=…, k=…`` header for ``origin``; raises VapidError."""
    scheme, _space, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"scheme {scheme!r}")
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    token, key = parts["t"], unb64url(parts["k"])
    signing_input, _dot, signature = token.rpartition(".")
    header_b64, _dot, claims_b64 = signing_input.partition(".")
    if json.loads(unb64url(header_b64)).get("alg") != "ES256":
        raise VapidError("not ES256")
    raw = unb64url(signature)
    if len(raw) != 64:
        raise VapidError("signature length")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    try:
        public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidError("bad signature") from None
    claims = json.loads(unb64url(claims_b64))
    if claims.get("aud") != origin:
        raise VapidError(f"aud {claims.get('aud')!r}")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise VapidError("sub")
    claims["k"] = b64url(key)
    return claims


@dataclass
class Arrival:
    token: str
    headers: dict
    body: bytes
    claims: dict | None
    error: str | None


class PushService:
    """The push service: ``POST /push/<token>``. ``answers[token]`` is a list of statuses to
    give that phone's next requests (then 201); ``raw`` mode answers 201 without checking
    (for the bench's baseline)."""

    def __init__(self) -> None:
        # Header names are kept lower-cased.
        self.arrivals: list[Arrival] = []
        self.answers: dict[str, list[int]] = {}
        self.count = 0
        self.check = True
        self.delay = 0.0  # seconds each answer takes: a slow push service
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = service._take(self.path, headers, body)
                if service.delay:
                    time.sleep(service.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _take(self, path: str, headers: dict, body: bytes) -> int:
        token = path.rsplit("/", 1)[-1]
        with self._lock:
            self.count += 1
            if not self.check:
                return 201
            claims, error = None, None
            try:
                claims = check_vapid(headers.get("authorization", ""), self.origin)
            except (VapidError, KeyError, ValueError) as err:
                error = f"vapid: {err}"
            self.arrivals.append(Arrival(token, headers, body, claims, error))
            if error:
                return 403
            queued = self.answers.get(token)
            return queued.pop(0) if queued else 201

    def endpoint(self, token: str) -> str:
        return f"{self.origin}/push/{token}"

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        wait_until(lambda: self.count >= count, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Phone:
    """A browser's side of one subscription: its keys, made here, and what reached it."""

    service: PushService
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def endpoint(self) -> str:
        return self.service.endpoint(self.token)

    def subscription(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives the page's script."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public_point(self.key)), "auth": b64url(self.auth)},
        }

    def arrivals(self) -> list[Arrival]:
        return [a for a in self.service.arrivals if a.token == self.token]

    def received(self) -> list[dict]:
        """Every alert that reached this phone, decrypted with its own keys, as JSON."""
        return [json.loads(self.decrypt(a)) for a in self.arrivals() if a.error is None]

    def decrypt(self, arrival: Arrival) -> bytes:
        assert arrival.headers.get("content-encoding") == "aes128gcm"
        return http_ece.decrypt(
            arrival.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()
