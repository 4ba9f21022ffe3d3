"""Lazy pieces of the ALVH rule's inputs (``alvh.strategy.hedge.alvh_rule``): priced when read.

The candidate hedge quotes (``LazyQuotes``) are priced only on the sessions whose decision reads
them, i.e. that buy or roll; ``LazyMapping`` does the same for the cap use per held symbol,
which only a roll reads. They say *when* to price, never what is known: the quotes are built
from the same snapshot's market.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar, overload

from alvh.strategy.hedge.instruments import InstrumentQuote

V = TypeVar("V")


class LazyQuotes(Sequence[InstrumentQuote]):
    """Today's hedge quotes, priced on first use.

    Pricing every candidate (six VX futures, six VIX calls solved by delta, the ETF) costs more
    than the rest of a quiet session's decision, and only sessions that buy or roll read them.

    Parameters
    ----------
    build
        Returns the quotes; called at most once.
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], list[InstrumentQuote]]) -> None:
        self._build: Callable[[], list[InstrumentQuote]] | None = build
        self._items: tuple[InstrumentQuote, ...] = ()

    @property
    def built(self) -> bool:
        """Whether the quotes were priced."""
        return self._build is None

    def _get(self) -> tuple[InstrumentQuote, ...]:
        if self._build is not None:
            self._items = tuple(self._build())
            self._build = None
        return self._items

    @overload
    def __getitem__(self, i: int) -> InstrumentQuote: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[InstrumentQuote]: ...
    def __getitem__(self, i: int | slice) -> InstrumentQuote | Sequence[InstrumentQuote]:
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[InstrumentQuote]:
        return iter(self._get())


class LazyMapping(Mapping[str, V]):
    """A mapping built on first read (``BookExposure.held_unit_use``: only rolls read it).

    Parameters
    ----------
    build
        Returns the items; called at most once.
    """

    __slots__ = ("_build", "_items")

    def __init__(self, build: Callable[[], dict[str, V]]) -> None:
        self._build: Callable[[], dict[str, V]] | None = build
        self._items: dict[str, V] = {}

    def _get(self) -> dict[str, V]:
        if self._build is not None:
            self._items = self._build()
            self._build = None
        return self._items

    def __getitem__(self, key: str) -> V:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
