"""Values computed from the market alone, kept by the ``MarketData`` they were computed on.

A sweep worker keeps one ``MarketData`` for every config it runs (``alvh.sweep.task``), and so
does a process that runs several backtests on one market. What a session's decisions read that
does not depend on the config (the day's SPX surface, the hedge's view of the VX curve and the
VIX family, the VIX option greeks of that view) is then computed by the first run and read by
the others (docs/sweep.md, "What is computed once and shared").

The rule that keeps a config from reading another's value: a memo's key holds every input its
value depends on besides the market itself (the snapshot time, the surface parameters, whether
the ETF is read, ...), and a value never holds anything a run computed from its own settings
(costs, sizes, contracts it registered). Values are treated as immutable by their readers, or,
when a reader fills a dict inside one (the VIX option greeks of a day), every entry is itself a
function of the market and of the entry's key only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class SharedMemo:
    """Named tables of market-only values, each a dict from a key to a value.

    One per ``MarketData`` (``MarketData.shared``); the data outlives every run on it, so the
    tables do too.
    """

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[str, dict[Hashable, Any]] = {}

    def table(self, kind: str) -> dict[Hashable, Any]:
        """Return the table of ``kind`` (created empty on first use); its readers fill it."""
        t = self._tables.get(kind)
        if t is None:
            t = self._tables[kind] = {}
        return t

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """Return the value of ``key`` in the table of ``kind``, built by ``build()`` once.

        ``key`` must hold every input of ``build`` other than the market it reads (see the
        module docstring): two calls with the same key get the same object.
        """
        t = self._tables.get(kind)
        if t is None:
            t = self._tables[kind] = {}
        v = t.get(key)
        if v is None:
            v = t[key] = build()
        return v

    def sizes(self) -> dict[str, int]:
        """Return the number of values kept per table (for benchmarks and tests)."""
        return {k: len(t) for k, t in sorted(self._tables.items())}

    def clear(self) -> None:
        """Forget every value (a benchmark's cold start; a run never needs it)."""
        self._tables.clear()
