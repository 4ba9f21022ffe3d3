"""book layer of alvh: contracts, legs, condors, fills, positions, cash, margin, greeks, costs.

Imports ``alvh.kernel``, ``alvh.calendar`` and ``alvh.market`` only (see ARCHITECTURE).
Conventions are documented in docs/book-and-config.md.
"""

from alvh.book.account import ETF, SPX_OPTION, VIX_OPTION, VX_FUTURE, Account, OpenLegs
from alvh.book.condor import InvalidCondorError, IronCondor, Leg
from alvh.book.contracts import Contract, EtfShare, SpxOption, VixFuture, VixOption
from alvh.book.greeks import DollarGreeks
from alvh.book.positions import Fill, Position, fold

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
