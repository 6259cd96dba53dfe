"""Faults: the database goes away and comes back; a save fails half-way through."""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import threading
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
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


# --- a fault in the schema is not an outage ------------------------------------------------------------------------


@pytest.fixture
def schema_app(tmp_path, worker_id, testrun_uid):
    """An app on its own, fresh database whose faults reach the error pages (not the test) as in production."""
    if DB_KIND == "postgres":
        schema = f"courage_schema_{testrun_uid[:8]}_{worker_id}"
        url = postgres_url_for_schema(schema)
    else:
        schema, url = None, "sqlite:///" + str(tmp_path / "site.sqlite3")
    app = make_app(url, str(tmp_path / "instance"), PROPAGATE_EXCEPTIONS=False)
    try:
        with app.app_context():
            _db.create_all()
            yield app
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if schema:
            drop_postgres_schema(schema)


def _execute(statement: str) -> None:
    with _db.engine.begin() as connection:
        connection.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("DROP TABLE schools{cascade}", r"no such table: schools|relation \"schools\" does not exist"),
        (
            "ALTER TABLE schools DROP COLUMN public_email",
            r"no such column: schools\.public_email|column schools\.public_email does not exist",
        ),
    ],
    ids=["missing-table", "missing-column"],
)
def test_schema_fault_gives_500_with_traceback_and_message_in_log(schema_app, caplog, statement, message):
    """A forgotten migration is a bug to fix, not a passing outage: 500, and the log says what and where."""
    client = schema_app.test_client()
    assert client.get("/schulen/").status_code == 200
    _execute(statement.format(cascade=" CASCADE" if DB_KIND == "postgres" else ""))
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        page = client.get("/schulen/?q=Geheimwort")
    assert page.status_code == 500
    assert "Etwas ist schiefgelaufen" in page.get_data(as_text=True)
    assert GERMAN_503 not in page.get_data(as_text=True)
    assert "Traceback (most recent call last)" in caplog.text
    assert re.search(message, caplog.text)
    assert "Geheimwort" not in caplog.text  # bound parameters stay out of the log
    assert "database unavailable" not in caplog.text


def test_outage_logs_the_driver_message_once_per_request_without_traceback(tmp_path, caplog):
    """An unreachable database: German 503, and the log names the driver's message, not only its class."""
    if DB_KIND == "postgres":
        url = make_url(os.environ["TEST_DATABASE_URL"]).set(host="127.0.0.1", port=_closed_port())
        url = url.render_as_string(hide_password=False)
        expected = "OperationalError: "
    else:
        url = "sqlite:///" + str(tmp_path / "missing" / "site.sqlite3")
        expected = "OperationalError: unable to open database file"
    app = make_app(url, str(tmp_path / "instance"), PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    with app.app_context(), caplog.at_level(logging.ERROR):
        page = client.get("/schulen/?q=Geheimwort")
        _db.engine.dispose()
    assert page.status_code == 503
    assert GERMAN_503 in page.get_data(as_text=True)
    lines = [r for r in caplog.records if r.getMessage().startswith("database unavailable: ")]
    assert len(lines) == 1
    assert expected in lines[0].getMessage()
    assert lines[0].exc_info is None
    assert "Traceback" not in caplog.text and "Geheimwort" not in caplog.text


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite write lock")
def test_sqlite_locked_past_the_busy_timeout_is_an_outage_not_a_fault(tmp_path, caplog):
    """Another process holds the write lock longer than the busy timeout: German 503, the message in the log."""
    path = tmp_path / "site.sqlite3"
    app = make_app("sqlite:///" + str(path), str(tmp_path / "instance"), PROPAGATE_EXCEPTIONS=False)
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 50
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # in WAL mode, readers wait too
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with caplog.at_level(logging.ERROR):
                page = app.test_client().get("/schulen/")
        finally:
            holder.rollback()
            holder.close()
            _db.engine.dispose()
    assert page.status_code == 503
    assert "database unavailable: OperationalError: database is locked" in caplog.text
    assert "Traceback" not in caplog.text


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
            create(client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "Plakat")])
    finally:
        event.remove(Session, "after_flush", crash_after_the_file_rows)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert files_in_storage() == []
    # The same report saves normally afterwards, with its photo and thumbnail.
    response = create(
        client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "Plakat")]
    )
    assert response.status_code == 302
    assert len(files_in_storage()) == 2
