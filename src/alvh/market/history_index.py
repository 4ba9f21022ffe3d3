"""Values computed over growing close histories of one ``MarketData``: ``CloseTails``.

The hedge's close-history triggers (MACD, RSI) read the last few hundred known closes every
session: the same window slides one close a session. A :class:`CloseTails` keeps the rows a
builder computed for each count ``k`` of known closes, so a session looks its row up instead of
cutting and reducing the window again; the indicator maths stays with whoever passes the
builder (``alvh.strategy`` through the engine): this layer only indexes.

Point in time, in one place: the builder is only ever given the closes a snapshot knows
(``close[:k]``, ``k`` the snapshot's count of known bars), never the data's whole array; rows for
a later count are computed when a later snapshot asks, from its own known prefix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

__all__ = ["CloseTails", "TailBuilder"]

TailBuilder = Callable[[np.ndarray, int], Sequence[Any]]
"""``build(known_closes, k_from)`` returns the rows of the histories ``known_closes[:k]`` for
``k_from <= k <= len(known_closes)`` (row ``k - k_from`` for ``k``)."""


class CloseTails:
    """The rows of one builder over one symbol's close histories, by count of known closes.

    Rows are built as later counts are asked (a run asks in session order, so the years of
    closes before its start cost nothing); an earlier count than the first row starts again
    from there.

    Parameters
    ----------
    close
        Every close of the symbol in ``known_at`` order (read only; never handed out whole).
    build
        The builder (see :data:`TailBuilder`).
    """

    __slots__ = ("_build", "_close", "_lock", "_rows", "_start")

    def __init__(self, close: np.ndarray, build: TailBuilder) -> None:
        self._close = np.ascontiguousarray(close, dtype=np.float64)
        self._build = build
        self._start = -1  # the count of the first row; -1 before the first look-up
        self._rows: list[Any] = []
        # Runs in threads may share one MarketData: a look-up sees the rows whole.
        self._lock = threading.Lock()

    def row(self, k: int) -> Any:
        """Return the row of the history of the first ``k`` closes."""
        with self._lock:
            start = self._start
            if start < 0 or k < start:  # the first look-up, or an earlier one: start from k
                self._rows = list(self._build(self._close[:k], k))
                self._start = start = k
            else:
                end = start + len(self._rows)  # first count without a row
                if k >= end:  # later closes became known: rows from the known prefix only
                    self._rows.extend(self._build(self._close[:k], end))
            return self._rows[k - start]


class HistoryIndex:
    """The :class:`CloseTails` of one ``MarketData``, by symbol and builder key."""

    __slots__ = ("_tails",)

    def __init__(self) -> None:
        self._tails: dict[tuple[str, Hashable], CloseTails] = {}

    def tails(
        self, symbol: str, close: np.ndarray, key: Hashable, build: TailBuilder
    ) -> CloseTails:
        """Return the tails of ``symbol`` for the builder named ``key`` (made on first use)."""
        t = self._tails.get((symbol, key))
        if t is None:
            t = self._tails[(symbol, key)] = CloseTails(close, build)
        return t
