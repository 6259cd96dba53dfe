"""Faults: the database goes away and comes back; a save fails half-way through."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from courage_hub.activities.models import Activity, ActivityFile
from courage_hub.core.uploads import upload_root
from courage_hub.extensions import db as _db

from .conftest import DB_KIND, drop_postgres_schema, login, make_app, postgres_url_for_schema
from .test_activities import create, jpeg_with_gps, report

GERMAN_503 = "Vorübergehend nicht erreichbar"


def assert_unavailable(client) -> None:
    page = client.get("/schulen/")
    assert page.status_code == 503
    assert GERMAN_503 in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503


def assert_available(client) -> None:
    assert client.get("/schulen/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["database"] == "ok"


# --- the database goes away --------------------------------------------------------------------------------------


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite file outage")
def test_sqlite_outage_gives_german_503_and_the_site_recovers_by_itself(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = make_app("sqlite:///" + str(folder / "site.sqlite3"), str(tmp_path / "instance"))
    client = app.test_client()
    with app.app_context():
        _db.create_all()
        assert_available(client)
        # The volume with the database disappears. (A worker's open connection would keep the moved file open;
        # a worker that starts now, or reconnects, finds nothing.)
        _db.engine.dispose()
        folder.rename(tmp_path / "gone")
        assert_unavailable(client)
        assert_unavailable(client)
        (tmp_path / "gone").rename(folder)
        assert_available(client)  # no restart, no dispose: the next request simply works again
        _db.engine.dispose()


class TcpProxy:
    """A TCP forwarder to PostgreSQL that can be cut (every connection closed, new ones refused) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            with suppress(OSError):  # wakes the thread waiting in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.mark.skipif(DB_KIND != "postgres", reason="PostgreSQL network outage")
def test_postgres_outage_gives_german_503_and_the_site_recovers_by_itself(tmp_path, worker_id, testrun_uid):
    schema = f"courage_outage_{testrun_uid[:8]}_{worker_id}"
    url = make_url(postgres_url_for_schema(schema))
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    app = make_app(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), str(tmp_path))
    client = app.test_client()
    try:
        with app.app_context():
            _db.create_all()
            assert_available(client)  # the pool now holds a connection through the proxy
            proxy.cut()  # the network to the database fails: open connections die, new ones are refused
            assert_unavailable(client)
            assert_unavailable(client)
            proxy.start()  # the database is reachable again on the same address
            assert_available(client)  # no restart: the pool notices dead connections (pre-ping) and reconnects
            _db.session.remove()
            _db.engine.dispose()
    finally:
        proxy.cut()
        drop_postgres_schema(schema)


# --- a save fails half-way -----------------------------------------------------------------------------------------


def files_in_storage() -> list[Path]:
    return [p for p in upload_root().iterdir() if p.is_file()]


def test_report_save_failing_after_files_and_rows_were_written_leaves_nothing_behind(app, client, users, db):
    login(client, users["coord_a"])

    def crash_after_the_file_rows(session, flush_context) -> None:
        if any(isinstance(obj, ActivityFile) for obj in session.new):
            raise RuntimeError("worker died before the commit")

    # The photo is stored and its rows are flushed into the open transaction; then the save dies before COMMIT.
    event.listen(Session, "after_flush", crash_after_the_file_rows)
    try:
        with pytest.raises(RuntimeError, match="worker died"):
            create(
                client, users["school_a"], report(photo_consent="y", alt_1="Plakat"), photo_1=(jpeg_with_gps(), "a.jpg")
            )
    finally:
        event.remove(Session, "after_flush", crash_after_the_file_rows)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert files_in_storage() == []
    # The same report saves normally afterwards, with its photo and thumbnail.
    response = create(
        client, users["school_a"], report(photo_consent="y", alt_1="Plakat"), photo_1=(jpeg_with_gps(), "a.jpg")
    )
    assert response.status_code == 302
    assert len(files_in_storage()) == 2
