"""A TCP proxy whose link to the upstream a test can cut and restore.

Stands between one gateway task and moto, so the store or KMS becomes
unreachable for that task while moto keeps its (in-memory) state. Cutting
closes every open connection and then, depending on `mode`:

- `refuse`: new connections are accepted and closed at once (the peer sees
  the connection reset, as with a stopped service behind a live address);
- `blackhole`: new connections are accepted and never answered (a network
  partition: the peer sees only its own timeouts).
"""

from __future__ import annotations

import asyncio
import threading


class CuttableProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.cut_mode: str | None = None
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CuttableProxy:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            self._drop_all()

        self._call(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def cut(self, mode: str = "refuse") -> None:
        assert mode in ("refuse", "blackhole")

        async def apply() -> None:
            self.cut_mode = mode
            self._drop_all()

        self._call(apply())

    def restore(self) -> None:
        async def apply() -> None:
            self.cut_mode = None
            self._drop_all()  # also ends blackholed connections

        self._call(apply())

    def _call(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_mode == "refuse":
            writer.transport.abort()
            return
        self._writers.add(writer)
        if self.cut_mode == "blackhole":
            return  # kept open, never answered, until restore() or stop()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._writers.discard(writer)
            writer.transport.abort()
            return
        self._writers.add(up_writer)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                self._writers.discard(sink)
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
