"""A small tile server on loopback, standing in for OpenStreetMap's: it serves one PNG for every
tile (or whatever a test tells it to) and records each request with its headers."""

from __future__ import annotations

import math
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.tiles import Tile


def png(width: int = 256, height: int = 256, rgb: tuple[int, int, int] = (200, 220, 200)) -> bytes:
    """A plain-coloured PNG: what a tile of a park looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


TILE_PNG = png()


def tile_at(lat: float, lon: float, z: int) -> Tile:
    """The tile that holds a place (the slippy-map formula every tile server uses)."""
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return Tile(z, x, y)


# On the route of tests.factories.ROUTE, and far from it.
BRANDENBURG_GATE = tile_at(52.5163, 13.3777, 16)
PARIS = tile_at(48.8566, 2.3522, 16)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class TileServer:
    """``url``: the upstream template for TILE_UPSTREAM_URL. Set ``status``, ``headers`` and
    ``body`` to change what every tile answer is; ``requests`` lists what was asked."""

    url: str = ""
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "image/png", "Cache-Control": "max-age=3600"}
    )
    body: bytes = TILE_PNG
    requests: list[Seen] = field(default_factory=list)


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    state = TileServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            state.requests.append(Seen(self.path, dict(self.headers.items())))
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()
