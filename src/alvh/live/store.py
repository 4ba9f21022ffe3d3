"""The book's database: SQLAlchemy Core over SQLite (default) or PostgreSQL (by URL).

Tables (``SCHEMA_VERSION`` 1):

- ``book``: one row per book: name, created_at, the config file's path, TOML text and hash,
  capital, the market data id at creation, schema version. Never updated: a config change is an
  event.
- ``events``: the append-only log. ``seq`` (increasing), the book, the session date it belongs
  to, ``kind`` (order, fill, journal, import, config_change, note), the payload as compact JSON
  with sorted keys, created_at, and the hash of the input that produced it.
- ``sessions``: one row per (book, session date) that received events: data id and status.
- ``inputs``: one row per applied input (a positions or fills file, a config change), unique on
  (book, sha256 of its bytes): applying the same input twice applies nothing the second time.

Every command runs in one transaction (``BookStore.begin``): a crash, a kill or an error leaves
the database as it was before the command. SQLite files run in WAL mode with foreign keys on and
``synchronous=FULL`` (a commit survives a power cut, not only a killed process), except the
sessions ``alvh book advance`` commits before its last (``BookStore.begin(durable=False)``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from alvh.live.errors import BookError, BookNotFoundError
from alvh.live.schema import (
    BOOK_BY_NAME,
    BOOK_FOR_UPDATE,
    EVENT_KINDS,
    INSERT_EVENTS,
    INSERT_STEPPED,
    LAST_PAPER,
    LAST_PAPER_BEFORE,
    MARK_STEPPED,
    book_table,
    events_table,
    inputs_table,
    metadata,
    sessions_table,
)

_INSERT_CHUNK: Final = 500  # events per INSERT batch (and per progress call)


@dataclass(frozen=True, slots=True)
class BookRow:
    """The ``book`` row: what the book was created with."""

    name: str
    created_at: str
    config_path: str
    config_toml: str
    config_hash: str
    capital_usd: float
    data_id: str | None
    schema_version: int


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the event log (payload decoded)."""

    seq: int
    session_date: date
    kind: str
    payload: dict[str, Any]
    created_at: str
    input_hash: str | None


@dataclass(frozen=True, slots=True)
class AppliedInput:
    """An input already applied: when, and which events it wrote."""

    kind: str
    source: str
    applied_at: str
    first_seq: int | None
    last_seq: int | None


def now_utc() -> str:
    """Return the current UTC time, ISO 8601 to the second (the log's created_at)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dump_payload(payload: Mapping[str, Any]) -> str:
    """Return a payload as compact JSON with sorted keys (same payload, same bytes)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)


def default_books_dir() -> Path:
    """Return the folder of SQLite books: ``$ALVH_BOOKS`` or ``./books``."""
    return Path(os.environ.get("ALVH_BOOKS", "books"))


def resolve_url(name: str, db: str | None) -> str:
    """Return the database URL of book ``name``.

    ``db`` None: ``sqlite:///<books dir>/<name>.sqlite``; a string with ``://``: that URL
    (``postgresql+psycopg://user:pw@host/db``, ``sqlite:////abs/path.sqlite``); any other
    string: a SQLite file path.
    """
    if db is None:
        return f"sqlite:///{default_books_dir() / (name + '.sqlite')}"
    if "://" in db:
        return db
    return f"sqlite:///{Path(db)}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Return a SQLAlchemy engine for ``url`` (SQLite pragmas set on every connection).

    Raises
    ------
    BookError
        If the URL names a database driver that is not installed or is malformed.
    """
    try:
        engine = sa.create_engine(url, future=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise BookError(
            f"cannot use database {url!r}: {exc}; expected a path, 'sqlite:///PATH' or "
            "'postgresql+psycopg://USER:PASSWORD@HOST/DB'"
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class BookStore:
    """The database behind one or more books.

    Parameters
    ----------
    url
        SQLAlchemy URL (see ``resolve_url``).
    create
        Create the folder and tables when missing (``alvh book init``); otherwise a missing
        SQLite file is an error rather than a new empty database.
    """

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url
        u = sa.engine.make_url(url)
        if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
            path = Path(u.database or "")
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.exists():
                raise BookNotFoundError(
                    f"no book database at {path}; create the book with "
                    "'alvh book init NAME --config FILE' (or pass --db)"
                )
        self.engine = make_engine(url)
        try:
            if create:
                metadata.create_all(self.engine, checkfirst=True)
        except sa.exc.OperationalError as exc:
            raise BookError(f"cannot open database {self.display_url}: {exc.orig}") from None

    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @contextmanager
    def begin(self, *, durable: bool = True) -> Iterator[Connection]:
        """Yield a connection inside one transaction: committed at the end, rolled back on error.

        SQLite takes the write lock at the start (``BEGIN IMMEDIATE``), so two commands on the
        same book run one after the other instead of failing half-way. ``durable=False``
        (SQLite only): the commit is not synced to disk (``synchronous=NORMAL`` in WAL mode);
        it survives a killed process, but a power cut or OS crash before the next synced
        commit on the file may undo it, whole (never half of it). ``alvh book advance`` commits
        its sessions so and syncs the last: the fsync cost more than the session's step.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as conn:
                if sqlite:
                    if not durable:
                        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    try:
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                        try:
                            yield conn
                            conn.commit()
                        except BaseException:
                            conn.rollback()
                            raise
                    finally:
                        if not durable:  # the pooled connection goes back as it came
                            conn.exec_driver_sql("PRAGMA synchronous=FULL")
                else:
                    with conn.begin():
                        yield conn
        except sa.exc.OperationalError as exc:
            raise BookError(f"database {self.display_url}: {exc.orig}") from None

    def sync(self) -> None:
        """Make every commit so far durable (SQLite: a passive WAL checkpoint, which syncs the
        WAL first; PostgreSQL commits are durable already).

        ``alvh book advance`` calls it when it stops before its last session (an error, an
        interrupt) after committing sessions with ``durable=False``.
        """
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    # -- reads ------------------------------------------------------------------------------
    def book(self, conn: Connection, name: str) -> BookRow:
        """Return the book row.

        Raises
        ------
        BookNotFoundError
            If there is no book of that name (or the database holds no book tables).
        """
        return self._book_row(conn, name, BOOK_BY_NAME)

    def _book_row(self, conn: Connection, name: str, query: sa.Select[Any]) -> BookRow:
        try:
            row = conn.execute(query, {"name": name}).first()
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):
            row = None
        if row is None:
            raise BookNotFoundError(
                f"no book named {name!r} in {self.display_url}; "
                "create it with 'alvh book init NAME --config FILE'"
            )
        return BookRow(**row._mapping)

    def lock_book(self, conn: Connection, name: str) -> BookRow:
        """Return the book row, locked until the transaction ends (writers of one book queue).

        SQLite's ``BEGIN IMMEDIATE`` already serialises writers; PostgreSQL takes a row lock
        (``SELECT ... FOR UPDATE``), so two commands cannot both check a close against the same
        fold and both write it.
        """
        return self._book_row(conn, name, BOOK_FOR_UPDATE)

    def events(
        self,
        conn: Connection,
        name: str,
        *,
        kinds: Sequence[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
        on: date | None = None,
    ) -> list[Event]:
        """Return events of a book in ``seq`` order (optionally of some kinds, of one session
        ``on``, a page)."""
        t = events_table
        q = sa.select(t).where(t.c.book == name, t.c.seq > after_seq).order_by(t.c.seq)
        if kinds is not None:
            q = q.where(t.c.kind.in_(list(kinds)))
        if on is not None:
            q = q.where(t.c.session_date == on)
        if limit is not None:
            q = q.limit(limit)
        return [
            Event(
                seq=r.seq,
                session_date=r.session_date,
                kind=r.kind,
                payload=json.loads(r.payload),
                created_at=r.created_at,
                input_hash=r.input_hash,
            )
            for r in conn.execute(q)
        ]

    def journal_of_rule(
        self, conn: Connection, name: str, rule: str, after_seq: int = 0
    ) -> list[Event]:
        """Return the book's ``journal`` events of one rule (after ``after_seq``), in order.

        Filtered in SQL on the payload's text (compact JSON, sorted keys), so the engine's
        stored states (the bulk of the journal) are not read and decoded; then on the rule.
        """
        t = events_table
        needle = '%"rule":' + json.dumps(rule) + "%"
        q = (
            sa.select(t)
            .where(
                t.c.book == name,
                t.c.seq > after_seq,
                t.c.kind == "journal",
                t.c.payload.like(needle),
            )
            .order_by(t.c.seq)
        )
        out = [
            Event(r.seq, r.session_date, r.kind, json.loads(r.payload), r.created_at, r.input_hash)
            for r in conn.execute(q)
        ]
        return [e for e in out if e.payload.get("rule") == rule]

    def last_seq(self, conn: Connection, name: str) -> int:
        """Return the ``seq`` of the book's last event (0 for a book without events)."""
        t = events_table
        q = sa.select(sa.func.max(t.c.seq)).where(t.c.book == name)
        return int(conn.execute(q).scalar_one_or_none() or 0)

    def count_events(self, conn: Connection, name: str) -> int:
        """Return how many events the book's log holds."""
        t = events_table
        q = sa.select(sa.func.count()).select_from(t).where(t.c.book == name)
        return int(conn.execute(q).scalar_one())

    def last_session(self, conn: Connection, name: str) -> date | None:
        """Return the latest session date that received events (None for a new book)."""
        t = sessions_table
        q = sa.select(sa.func.max(t.c.session_date)).where(t.c.book == name)
        return conn.execute(q).scalar_one_or_none()

    def last_stepped(self, conn: Connection, name: str, before: date | None = None) -> date | None:
        """Return the last session the engine step ran on (status ``paper``), before
        ``before`` when given; None when never."""
        if before is None:
            return conn.execute(LAST_PAPER, {"name": name}).scalar_one_or_none()
        params = {"name": name, "before": before}
        return conn.execute(LAST_PAPER_BEFORE, params).scalar_one_or_none()

    def mark_stepped(self, conn: Connection, name: str, day: date, data_id: str | None) -> None:
        """Record that the engine step ran on ``day`` (status ``paper``, the data id it read);
        a row a fills file wrote for that day takes the status."""
        params = {"name": name, "day": day, "data_id": data_id}
        done = conn.execute(MARK_STEPPED, params)
        if not done.rowcount:
            conn.execute(INSERT_STEPPED, params)

    def applied(self, conn: Connection, name: str, input_hash: str) -> AppliedInput | None:
        """Return the record of an input already applied to the book, None if never."""
        t = inputs_table
        r = conn.execute(sa.select(t).where(t.c.book == name, t.c.input_hash == input_hash)).first()
        if r is None:
            return None
        return AppliedInput(r.kind, r.source, r.applied_at, r.first_seq, r.last_seq)

    # -- writes (inside ``begin``) ------------------------------------------------------------
    def insert_book(self, conn: Connection, row: BookRow) -> None:
        """Insert the book row.

        Raises
        ------
        BookError
            If a book of that name exists already.
        """
        exists = conn.execute(
            sa.select(book_table.c.name).where(book_table.c.name == row.name)
        ).first()
        if exists is not None:
            raise BookError(f"a book named {row.name!r} exists already in {self.display_url}")
        conn.execute(sa.insert(book_table).values(**_asdict(row)))

    def append(
        self,
        conn: Connection,
        name: str,
        events: Sequence[tuple[date, str, Mapping[str, Any]]],
        *,
        input_hash: str | None,
        progress: Any = None,
    ) -> tuple[int | None, int | None]:
        """Append events (session date, kind, payload); return the first and last seq written.

        ``progress(n_written)`` is called after each batch (the crash tests kill the process
        there, mid-transaction).
        """
        created = now_utc()
        first: int | None = None
        last: int | None = None
        for lo in range(0, len(events), _INSERT_CHUNK):
            chunk = events[lo : lo + _INSERT_CHUNK]
            for _, kind, _ in chunk:
                if kind not in EVENT_KINDS:
                    raise ValueError(f"unknown event kind {kind!r}")
            res = conn.execute(
                INSERT_EVENTS,
                [
                    {
                        "book": name,
                        "session_date": day,
                        "kind": kind,
                        "payload": dump_payload(payload),
                        "created_at": created,
                        "input_hash": input_hash,
                    }
                    for day, kind, payload in chunk
                ],
                # insertmanyvalues keeps the RETURNING rows in parameter order.
                execution_options={"preserve_rowcount": False},
            )
            seqs = [r[0] for r in res]
            if seqs:
                first = min(seqs) if first is None else first
                last = max(seqs)
            if progress is not None:
                progress(lo + len(chunk))
        return first, last

    def touch_sessions(
        self, conn: Connection, name: str, days: Sequence[date], data_id: str | None, status: str
    ) -> None:
        """Record the sessions that received events (existing rows are kept as they are)."""
        t = sessions_table
        have = {
            r[0]
            for r in conn.execute(
                sa.select(t.c.session_date).where(t.c.book == name, t.c.session_date.in_(days))
            )
        }
        new = sorted(set(days) - have)
        if new:
            conn.execute(
                sa.insert(t),
                [
                    {"book": name, "session_date": d, "data_id": data_id, "status": status}
                    for d in new
                ],
            )

    def record_input(
        self,
        conn: Connection,
        name: str,
        input_hash: str,
        kind: str,
        source: str,
        seqs: tuple[int | None, int | None],
    ) -> None:
        """Record an applied input (the unique constraint refuses a second application)."""
        conn.execute(
            sa.insert(inputs_table).values(
                book=name,
                input_hash=input_hash,
                kind=kind,
                source=source,
                applied_at=now_utc(),
                first_seq=seqs[0],
                last_seq=seqs[1],
            )
        )


def _asdict(row: BookRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in BookRow.__dataclass_fields__}
