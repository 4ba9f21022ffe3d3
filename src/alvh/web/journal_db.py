"""Paged, read-only queries on a run's journal.sqlite (never loaded whole).

The file is opened with ``mode=ro&immutable=1``: a finished run directory does not change, and
``immutable`` stops SQLite from creating ``-wal``/``-shm`` files beside it, so a read-only
folder works and nothing is written. Queries use the primary key (run_id, date, seq), the
(run_id, rule, date) index or, for the decisions that acted, the partial index of those
(``decisions_acted``), all written by the engine.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alvh.errors import AlvhError

MAX_PAGE_ROWS = 500


class JournalReadError(AlvhError):
    """A journal.sqlite that cannot be opened or queried."""


@dataclass(frozen=True)
class Page:
    """One page of journal rows and the total count that matched."""

    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    try:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as e:
        raise JournalReadError(f"{path}: cannot open the journal ({e})") from e


def _run_id(con: sqlite3.Connection) -> str:
    # One run per journal; naming it lets SQLite use the (run_id, date, seq) primary key and
    # the (run_id, rule, date) index instead of scanning.
    row = con.execute("SELECT run_id FROM runs LIMIT 1").fetchone()
    return str(row[0]) if row else ""


def _inputs(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


_COUNTS: dict[tuple[Any, ...], int] = {}
_MAX_COUNTS = 256


def _count(con: sqlite3.Connection, path: Path, clause: str, args: tuple[Any, ...]) -> int:
    # A finished journal does not change (it is opened immutable), so the number of rows a
    # filter matches is counted once per file version: paging through a broad filter (every
    # hedge rule that acted: a scan of most of the table) then costs one query a page, not two.
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size, clause, args)
    if key not in _COUNTS:
        if len(_COUNTS) >= _MAX_COUNTS:
            _COUNTS.clear()
        _COUNTS[key] = int(
            con.execute(f"SELECT count(*) FROM decisions{clause}", args).fetchone()[0]
        )
    return _COUNTS[key]


_ACTED_INDEX: dict[tuple[Any, ...], bool] = {}


def _has_acted_index(con: sqlite3.Connection, path: Path) -> bool:
    # Journals written before the partial index (alvh.engine.journal) lack it; asked once per
    # file version.
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _ACTED_INDEX:
        if len(_ACTED_INDEX) >= _MAX_COUNTS:
            _ACTED_INDEX.clear()
        row = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'decisions_acted'"
        ).fetchone()
        _ACTED_INDEX[key] = row is not None
    return _ACTED_INDEX[key]


def decisions(
    path: Path,
    date: str | None = None,
    rule_prefix: str | None = None,
    acted_only: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> Page:
    """Return one page of decisions, in (date, seq) order.

    Parameters
    ----------
    path
        The journal.sqlite file.
    date
        Only this session (``YYYY-MM-DD``).
    rule_prefix
        Only rules starting with this (``hedge.`` or ``tier.short.``).
    acted_only
        Only decisions whose action is not ``none``.
    offset, limit
        The page; ``limit`` is capped at ``MAX_PAGE_ROWS``.
    """
    limit = max(1, min(int(limit), MAX_PAGE_ROWS))
    offset = max(0, int(offset))
    where, args = ["run_id = ?"], []
    if date is not None:
        where.append("date = ?")
        args.append(date)
    try:
        with closing(_connect(path)) as con:
            acted_index = acted_only and _has_acted_index(con, path)
            if rule_prefix:
                # Range on the rule text instead of LIKE, so the (run_id, rule, date) index
                # serves it; with "acted" and the journal's partial index of the decisions
                # that acted, that index instead (``+rule`` keeps the planner off the rule
                # index, which would visit every row of the prefix, acted or not).
                col = "+rule" if acted_index else "rule"
                where.append(f"{col} >= ? AND {col} < ?")
                args += [rule_prefix, rule_prefix + "\U0010ffff"]
            if acted_only:
                where.append("action != 'none'")
            clause = " WHERE " + " AND ".join(where)
            args.insert(0, _run_id(con))
            total = _count(con, path, clause, tuple(args))
            cur = con.execute(
                "SELECT date, seq, rule, inputs_json, outcome, action, reason FROM decisions"
                f"{clause} ORDER BY date, seq LIMIT ? OFFSET ?",
                [*args, limit, offset],
            )
            rows = [
                {
                    "date": d,
                    "seq": s,
                    "rule": r,
                    "inputs": _inputs(i),
                    "outcome": o,
                    "action": a,
                    "reason": why,
                }
                for d, s, r, i, o, a, why in cur
            ]
    except sqlite3.Error as e:
        raise JournalReadError(f"{path}: cannot query the journal ({e})") from e
    return Page(rows=rows, total=int(total), offset=offset, limit=limit)


def neighbours(path: Path, date: str) -> tuple[str | None, str | None]:
    """Return the previous and next session dates in the journal around ``date``."""
    try:
        with closing(_connect(path)) as con:
            rid = _run_id(con)
            prev = con.execute(
                "SELECT max(date) FROM decisions WHERE run_id = ? AND date < ?", (rid, date)
            ).fetchone()[0]
            nxt = con.execute(
                "SELECT min(date) FROM decisions WHERE run_id = ? AND date > ?", (rid, date)
            ).fetchone()[0]
    except sqlite3.Error as e:
        raise JournalReadError(f"{path}: cannot query the journal ({e})") from e
    return prev, nxt
