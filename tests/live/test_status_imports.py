"""The book's light imports: a book's contracts, fills and log load neither numba nor the
exchange calendars; ``alvh.book``'s names still resolve (on first use)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _loaded(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
        env=dict(os.environ),
    ).stdout.split()
    return set(out)


def test_contracts_positions_and_the_log_fold_load_no_numba_nor_calendars() -> None:
    mods = _loaded("import alvh.book.contracts, alvh.book.positions, alvh.live.fold")
    assert "numba" not in mods and "exchange_calendars" not in mods
    assert "alvh.book.account" not in mods


def test_book_names_resolve_lazily_and_are_the_modules_objects() -> None:
    import alvh.book as book
    from alvh.book.account import Account
    from alvh.book.contracts import VixFuture
    from alvh.book.positions import fold

    assert book.Account is Account and book.VixFuture is VixFuture and book.fold is fold
    assert set(book.__all__) <= set(dir(book))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = book.Nope  # type: ignore[attr-defined]
    # The one function of contracts that needs the calendar still gives the CFE code.
    from datetime import date

    assert VixFuture.for_expiry(date(2024, 6, 18)).code == "VXM24"
