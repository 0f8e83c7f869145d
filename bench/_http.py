"""A lean HTTP/1.1 keep-alive client for load generation.

The benchmarks run their clients on the same 2-core machine as the server and
PostgreSQL. httpx spent ~1.7 ms of CPU per orderPlace request, CPU the server
then could not use; this client spends a fraction of that. It speaks just
enough HTTP for our server: POST with Content-Length, one request at a time
per connection, responses with Content-Length (uvicorn's JSON responses).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class LeanClient:
    def __init__(self, url: str, headers: dict[str, str] | None = None,
                 timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                      f"Content-Type: application/json\r\n{extra}")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> "LeanClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None

    async def post_json(self, payload: Any) -> tuple[int, Any]:
        """(status, decoded JSON body)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        status, raw = await asyncio.wait_for(self._post(body), self.timeout)
        return status, json.loads(raw)

    async def _post(self, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None and self._writer is not None
        self._writer.write(f"{self._head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            raise HttpError(f"connection closed: {exc}") from None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                raise HttpError(f"unsupported transfer-encoding {value.strip()}")
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length is None:
            raise HttpError("response without Content-Length")
        data = await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, data
