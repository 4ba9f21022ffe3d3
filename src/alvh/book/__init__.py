"""book layer of alvh: contracts, legs, condors, fills, positions, cash, margin, greeks, costs.

Imports ``alvh.kernel``, ``alvh.calendar`` and ``alvh.market`` only (see ARCHITECTURE).
Conventions are documented in docs/book-and-config.md.

The names below load their module on first use (PEP 562): importing ``alvh.book.contracts`` or
``alvh.book.positions`` (symbols, fills, the live book's log) must not load the account and
its compiled kernels (numba: about 0.7 s a process) when nothing marks or values a book.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alvh.book.account import Account
    from alvh.book.condor import InvalidCondorError, IronCondor, Leg
    from alvh.book.contracts import Contract, EtfShare, SpxOption, VixFuture, VixOption
    from alvh.book.greeks import DollarGreeks
    from alvh.book.legs import ETF, SPX_OPTION, VIX_OPTION, VX_FUTURE, OpenLegs
    from alvh.book.positions import Fill, Position, fold

_WHERE = {
    "Account": "account",
    **dict.fromkeys(("ETF", "SPX_OPTION", "VIX_OPTION", "VX_FUTURE", "OpenLegs"), "legs"),
    **dict.fromkeys(("InvalidCondorError", "IronCondor", "Leg"), "condor"),
    **dict.fromkeys(("Contract", "EtfShare", "SpxOption", "VixFuture", "VixOption"), "contracts"),
    "DollarGreeks": "greeks",
    **dict.fromkeys(("Fill", "Position", "fold"), "positions"),
}

__all__ = [
    "ETF",
    "SPX_OPTION",
    "VIX_OPTION",
    "VX_FUTURE",
    "Account",
    "Contract",
    "DollarGreeks",
    "EtfShare",
    "Fill",
    "InvalidCondorError",
    "IronCondor",
    "Leg",
    "OpenLegs",
    "Position",
    "SpxOption",
    "VixFuture",
    "VixOption",
    "fold",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'alvh.book' has no attribute {name!r}")
    value = getattr(import_module(f"alvh.book.{module}"), name)
    globals()[name] = value  # later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
