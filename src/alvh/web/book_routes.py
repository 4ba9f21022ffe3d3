"""The Book pages: every live book found, and one book's status, triggers and signal.

Read-only (``alvh.web.books``): a book is named by its key in an index built from the
``--books`` sources, never by a path; a book that cannot be read shows its typed error.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse

from alvh.errors import AlvhError
from alvh.web import books
from alvh.web.runs_index import valid_key


class BookIndex:
    """The books found in the ``--books`` sources; rescanned on the Books page and on a miss."""

    def __init__(self, sources: list[str]) -> None:
        self.sources = list(sources)
        self._lock = threading.Lock()
        self.found: dict[str, books.BookRef] = {}
        self.errors: list[tuple[str, str]] = []
        self.rescan()

    def rescan(self) -> None:
        found, errors = books.discover_books(self.sources)
        with self._lock:
            self.found, self.errors = found, errors

    def get(self, key: str) -> books.BookRef:
        if not valid_key(key):
            raise HTTPException(404, f"no book named {key!r} (malformed name)")
        ref = self.found.get(key)
        if ref is None:
            self.rescan()
            ref = self.found.get(key)
        if ref is None:
            raise HTTPException(404, f"no book named {key!r} among the served books")
        return ref


def _day(day: str | None) -> dt.date | None:
    if not day:
        return None
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise HTTPException(400, f"date {day!r}: expected YYYY-MM-DD") from None


def register_book_routes(
    app: FastAPI,
    page: Callable[..., HTMLResponse],
    sources: list[str],
    store: Path | None,
) -> BookIndex:
    """Add ``/books``, ``/book``, ``/book/signal`` and ``/api/book`` to ``app``."""
    index = BookIndex(sources)

    @app.get("/books", response_class=HTMLResponse)
    def books_page() -> HTMLResponse:
        index.rescan()
        rows = []
        for ref in index.found.values():
            try:
                bd = books.read_book(ref)
                rows.append({"ref": ref, "book": bd, "error": None})
            except AlvhError as e:
                rows.append({"ref": ref, "book": None, "error": str(e)})
        shown = [books.display_source(s) for s in index.sources]  # passwords hidden
        return page("books.html", rows=rows, errors=index.errors, sources=shown)

    @app.get("/book", response_class=HTMLResponse)
    def book_page(name: str = Query(...), date: str | None = None) -> HTMLResponse:
        ref = index.get(name)
        day = _day(date)
        try:
            bd = books.read_book(ref)
            st = books.status(bd, store, day)
        except AlvhError as e:
            # The typed error on the page (a book, its config or the market data it needs).
            return page(
                "book.html", ref=ref, error=f"{e.__class__.__name__}: {e}", st=None, bd=None
            )
        return page("book.html", ref=ref, error=None, bd=bd, st=st, date=date or "")

    @app.get("/book/signal", response_class=HTMLResponse)
    def book_signal(name: str = Query(...), date: str | None = None) -> HTMLResponse:
        ref = index.get(name)
        try:
            bd = books.read_book(ref)
            sig = books.signal(bd, store, _day(date))
        except AlvhError as e:
            return page("book_signal.html", error=f"{e.__class__.__name__}: {e}", sig=None)
        return page("book_signal.html", error=None, sig=sig, ref=ref)

    @app.get("/api/book")
    def api_book(name: str = Query(...), date: str | None = None) -> dict[str, Any]:
        ref = index.get(name)
        try:
            bd = books.read_book(ref)
            st = books.status(bd, store, _day(date))
        except AlvhError as e:
            raise HTTPException(422, f"{e.__class__.__name__}: {e}") from None
        from dataclasses import asdict

        return {
            "book": ref.key,
            "source": ref.source,
            "n_events": bd.n_events,
            "status": st["status_json"],
            "triggers": asdict(st["triggers"]),
        }

    return index
