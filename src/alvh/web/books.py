"""Live books for the Book page, read-only: discovery, the log's fold, status, triggers, signal.

``alvh serve --books DIR_OR_DB_URL`` names SQLite book files (a folder of ``*.sqlite``, or one
file) or a database URL (``sqlite:///PATH``, ``postgresql+psycopg://...``) holding any number
of books. Each book is opened **read-only**: SQLite through ``file:PATH?mode=ro`` (SQLite URI
parameters, https://www.sqlite.org/uri.html; no write, no checkpoint), PostgreSQL in read-only
transactions (``postgresql_readonly``). Nothing here locks a book, appends an event or re-reads
the config file a book was made from: the page shows the config the book last accepted (its
stored text and ``config_change`` events), the way ``alvh book`` commands would use it once
accepted.

The figures are those of ``alvh book status`` (``alvh.live.status.book_status``,
``alvh.live.triggers.book_triggers``) and the signal that of ``alvh signal --book``
(``alvh.live.advance.book_signal``: the engine's step from the book's stored state): the same functions, not
a second implementation.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alvh.errors import AlvhError
from alvh.web.runs_index import valid_key


class BookReadError(AlvhError):
    """A book database that cannot be opened or read."""


@dataclass(frozen=True)
class BookRef:
    """A book found in a ``--books`` source: its key in the page's URLs and where it lives."""

    key: str
    name: str
    source: str  # the file or the URL (password hidden) it was found in
    url: str  # how to open it (SQLite: the file path; else the URL)
    sqlite: bool


def _sqlite_names(path: Path) -> list[str]:
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise BookReadError(f"{path}: cannot open the book database ({e})") from None
    try:
        return [str(r[0]) for r in con.execute("SELECT name FROM book ORDER BY name")]
    except sqlite3.Error as e:
        raise BookReadError(f"{path}: not a book database ({e})") from None
    finally:
        con.close()


def _url_names(url: str) -> list[str]:
    import sqlalchemy as sa

    from alvh.live.schema import book_table

    engine = _engine(url, sqlite=False)
    try:
        with engine.connect() as conn:
            q = sa.select(book_table.c.name).order_by(book_table.c.name)
            return [str(n) for n in conn.execute(q).scalars()]
    except sa.exc.SQLAlchemyError as e:
        raise BookReadError(
            f"{_display(url)}: cannot list books ({e.__class__.__name__})"
        ) from None
    finally:
        engine.dispose()


def _display(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<malformed database URL>"


def display_source(src: str) -> str:
    """Return a ``--books`` source as the pages show it: a URL with its password hidden."""
    return _display(src) if "://" in src else src


def _files(folder: Path) -> list[Path]:
    root = folder.resolve()
    out = []
    for p in sorted(folder.glob("*.sqlite")):
        # A file linked from outside the folder is not served (as for runs).
        if p.is_file() and p.resolve().parent == root:
            out.append(p)
    return out


def discover_books(sources: list[str]) -> tuple[dict[str, BookRef], list[tuple[str, str]]]:
    """Return the books found in ``sources`` by key, and (source, error) for those unread.

    A key is the book's name; a name found in several sources is prefixed by its file's stem
    (``stem@name``). Names that are not valid keys (``runs_index.valid_key``) are skipped.
    """
    found: list[BookRef] = []
    errors: list[tuple[str, str]] = []
    for src in sources:
        if "://" in src and not src.startswith("sqlite:///"):
            try:
                names = _url_names(src)
            except AlvhError as e:
                errors.append((_display(src), str(e)))
                continue
            found += [BookRef(n, n, _display(src), src, False) for n in names]
            continue
        path = Path(src.removeprefix("sqlite:///")) if src.startswith("sqlite:///") else Path(src)
        files = _files(path) if path.is_dir() else [path]
        for f in files:
            try:
                names = _sqlite_names(f)
            except AlvhError as e:
                errors.append((str(f), str(e)))
                continue
            found += [BookRef(n, n, str(f), str(f), True) for n in names]
    counts: dict[str, int] = {}
    for b in found:
        counts[b.name] = counts.get(b.name, 0) + 1
    out: dict[str, BookRef] = {}
    for b in found:
        key = b.name if counts[b.name] == 1 else f"{Path(b.source).stem}@{b.name}"
        if valid_key(key) and key not in out:
            out[key] = BookRef(key, b.name, b.source, b.url, b.sqlite)
    return out, errors


def _engine(url: str, *, sqlite: bool) -> Any:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    if sqlite:
        path = Path(url)

        def connect() -> sqlite3.Connection:
            # mode=ro: SQLite opens the file read-only (it cannot write or checkpoint it).
            return sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False
            )

        return sa.create_engine("sqlite://", creator=connect, poolclass=NullPool)
    return sa.create_engine(
        url, poolclass=NullPool, execution_options={"postgresql_readonly": True}
    )


@dataclass(frozen=True)
class BookData:
    """What the Book page reads of a book's log."""

    ref: BookRef
    capital_usd: float
    created_at: str
    data_id: str | None
    n_events: int
    last_seq: int
    config: Any  # RunConfig: the config the book last accepted
    config_hash: str
    fold: Any  # alvh.live.fold.BookFold


def read_only_store(ref: BookRef) -> Any:
    """Return an ``alvh.live.store.BookStore`` whose engine only reads (dispose its engine)."""
    from alvh.live.store import BookStore

    class _ReadOnly(BookStore):
        # BookStore's reads, on a read-only engine (its constructor would open read-write).
        def __init__(self, url: str, engine: Any) -> None:
            self.url = url
            self.engine = engine

    engine = _engine(ref.url, sqlite=ref.sqlite)
    return _ReadOnly(f"sqlite:///{ref.url}" if ref.sqlite else ref.url, engine)


def read_book(ref: BookRef) -> BookData:
    """Read a book's row, accepted config and log (read-only) and fold it.

    Raises
    ------
    BookReadError
        When the database cannot be read or the stored config does not parse.
    """
    import tomllib

    import sqlalchemy as sa

    from alvh.config.load import config_from_dict
    from alvh.live.fold import fold_book

    store = read_only_store(ref)
    engine = store.engine
    try:
        with engine.connect() as conn:
            row = store.book(conn, ref.name)
            events = store.events(conn, ref.name)
    except sa.exc.SQLAlchemyError as e:
        raise BookReadError(f"{ref.source}: cannot read book {ref.name!r} ({e})") from None
    finally:
        engine.dispose()
    text, digest = row.config_toml, row.config_hash
    for ev in events:
        if ev.kind == "config_change":
            text, digest = ev.payload["toml"], ev.payload["new_hash"]
    try:
        cfg = config_from_dict(tomllib.loads(text), f"book {ref.name} (stored config)")
    except tomllib.TOMLDecodeError as e:
        raise BookReadError(f"book {ref.name}: its stored config is not TOML ({e})") from None
    return BookData(
        ref=ref,
        capital_usd=row.capital_usd,
        created_at=row.created_at,
        data_id=row.data_id,
        n_events=len(events),
        last_seq=events[-1].seq if events else 0,
        config=cfg,
        config_hash=digest,
        fold=fold_book(events),
    )


_MARKETS: dict[tuple[str, str | None], tuple[Any, date]] = {}
_LOCK = threading.Lock()


def market(store: Path | None, day: date | None) -> tuple[Any, date]:
    """Return ``status_market(store, day)``, kept per (store, data id, day) in this process."""
    from alvh.live.context import market_facts
    from alvh.live.status import status_market

    facts = market_facts(store)
    key = (f"{store}|{facts.data_id}", None if day is None else day.isoformat())
    with _LOCK:
        if key not in _MARKETS:
            if len(_MARKETS) > 8:
                _MARKETS.clear()
            _MARKETS[key] = status_market(store, day)
        return _MARKETS[key]


def status(bd: BookData, store: Path | None, day: date | None) -> dict[str, Any]:
    """Return the book's status and triggers on ``day`` (default: the store's last session)."""
    from dataclasses import asdict

    from alvh.live.status import book_status
    from alvh.live.triggers import book_triggers

    data, when = market(store, day)
    s = book_status(bd.ref.name, bd.capital_usd, bd.fold, bd.config, data, when)
    t = book_triggers(bd.config, data, when, bd.fold.fills)
    return {"status": s, "triggers": t, "day": when, "status_json": asdict(s)}


_SIGNALS: dict[tuple[Any, ...], dict[str, Any]] = {}


def signal(bd: BookData, store: Path | None, day: date | None) -> dict[str, Any]:
    """Return the book's signal for ``day`` as ``alvh signal --book`` computes it.

    The engine's step for D from the book's stored state of D - 1 (``alvh.live.advance.
    book_signal``, on a read-only connection: nothing is written); kept per (book, log length,
    data, day) in this process.
    """
    import pandas as pd

    from alvh.live.advance import book_signal, load_book_market, signal_of_book
    from alvh.live.context import market_facts
    from alvh.live.signal import default_day

    cfg, capital = bd.config, bd.capital_usd
    when = day or default_day(cfg, store)
    facts = market_facts(store)
    key = (bd.ref.key, bd.ref.source, bd.last_seq, facts.data_id, when)
    if key in _SIGNALS:
        return _SIGNALS[key]
    data = load_book_market(cfg, store, when)
    rstore = read_only_store(bd.ref)
    try:
        bs = book_signal(rstore, bd.ref.name, cfg, capital, data, when)
    finally:
        rstore.engine.dispose()
    sig = signal_of_book(bs, cfg, data)
    orders = sig.orders.assign(date=pd.to_datetime(sig.orders["date"]).dt.date.astype(str))
    out = {"signal": sig, "orders": orders.to_dict("records")}
    if len(_SIGNALS) > 32:
        _SIGNALS.clear()
    _SIGNALS[key] = out
    return out
