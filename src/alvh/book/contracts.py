"""Contract terms: plain frozen values with a stable string id.

Terms only (QuantLib's lesson): a contract knows what it is, never what it is worth. Pricers take
terms plus market data; the account holds quantities of contracts keyed by ``contract.id``.

Ids are stable across runs and processes (they are written to ``trades.csv`` and the journal):

=================  ==========================  =============================================
contract           id example                  settles on (``settlement_key``)
=================  ==========================  =============================================
SPX monthly        ``SPX 2024-03-15 P 4500``   ``SPX:AM`` (special opening quotation, SET)
SPXW weekly        ``SPXW 2024-03-22 C 5300``  ``SPX:PM`` (index close on expiry day)
VX future          ``VXH24``                   ``VIX:SOQ`` (VIX special opening quotation)
VXM mini future    ``VXMH24``                  ``VIX:SOQ``
VIX option         ``VIX 2024-03-20 C 25``     ``VIX:SOQ``
ETF share          ``VXX``                     never expires
=================  ==========================  =============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal, TypeAlias

Right: TypeAlias = Literal["C", "P"]
Settlement: TypeAlias = Literal["AM", "PM"]
Product: TypeAlias = Literal["spx_option", "vix_option", "vx_future", "vxm_future", "etf"]

SPX_MULTIPLIER = 100.0
VIX_OPTION_MULTIPLIER = 100.0
VX_MULTIPLIER = 1000.0
VXM_MULTIPLIER = 100.0


def _fmt_strike(strike: float) -> str:
    """Format a strike without a trailing ``.0`` (4500, 22.5)."""
    return f"{strike:g}" if strike != int(strike) else str(int(strike))


def _check_right(right: str) -> None:
    if right not in ("C", "P"):
        raise ValueError(f"option right must be 'C' or 'P', got {right!r}")


@dataclass(frozen=True, slots=True)
class SpxOption:
    """A European, cash-settled S&P 500 index option.

    Parameters
    ----------
    root
        ``"SPX"`` (standard monthly, AM-settled) or ``"SPXW"`` (weeklies/dailies, PM-settled).
    expiry
        Expiration date (the settlement day).
    strike
        Strike in index points.
    right
        ``"C"`` or ``"P"``.
    settlement
        ``"AM"`` or ``"PM"``; follows the root (SPX -> AM, SPXW -> PM) and may be omitted.
    """

    root: Literal["SPX", "SPXW"]
    expiry: date
    strike: float
    right: Right
    settlement: Settlement | None = None
    multiplier: float = SPX_MULTIPLIER
    # The id, built once: the account looks lots up by it on every fill.
    _id: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        if self.root not in ("SPX", "SPXW"):
            raise ValueError(f"SPX option root must be 'SPX' or 'SPXW', got {self.root!r}")
        _check_right(self.right)
        if not self.strike > 0:
            raise ValueError(f"strike must be positive, got {self.strike!r}")
        # The root fixes the settlement style (SPX: AM SET; SPXW: PM close), so the id, which
        # names the root, identifies the contract completely.
        style = "AM" if self.root == "SPX" else "PM"
        if self.settlement is None:
            object.__setattr__(self, "settlement", style)
        elif self.settlement != style:
            raise ValueError(
                f"{self.root} options are {style}-settled, got settlement={self.settlement!r}"
            )
        cid = f"{self.root} {self.expiry.isoformat()} {self.right} {_fmt_strike(self.strike)}"
        object.__setattr__(self, "_id", cid)

    @property
    def id(self) -> str:
        """Stable id, e.g. ``SPXW 2024-03-22 C 5300``."""
        return self._id

    @property
    def product(self) -> Product:
        """Cost/margin product class."""
        return "spx_option"

    @property
    def is_call(self) -> bool:
        """Whether this is a call."""
        return self.right == "C"

    @property
    def settlement_key(self) -> str:
        """Which settlement value closes it: ``SPX:AM`` or ``SPX:PM``."""
        return f"SPX:{self.settlement}"


@dataclass(frozen=True, slots=True)
class VixFuture:
    """A VX (multiplier 1000) or VXM mini (multiplier 100) VIX future.

    Parameters
    ----------
    code
        CFE monthly code of the contract month, e.g. ``VXH24`` (also for the mini).
    expiry
        Final settlement date (see ``alvh.calendar.expiries.vx_expiry``).
    mini
        True for the VXM mini future (1/10 size).
    """

    code: str
    expiry: date
    mini: bool = False

    def __post_init__(self) -> None:
        if not (len(self.code) == 5 and self.code.startswith("VX")):
            raise ValueError(f"VX contract code must look like 'VXH24', got {self.code!r}")

    @property
    def multiplier(self) -> float:
        """Dollars per VIX point: 1000 (VX) or 100 (VXM)."""
        return VXM_MULTIPLIER if self.mini else VX_MULTIPLIER

    @property
    def id(self) -> str:
        """Stable id: ``VXH24`` or ``VXMH24``."""
        return "VXM" + self.code[2:] if self.mini else self.code

    @property
    def product(self) -> Product:
        """Cost/margin product class."""
        return "vxm_future" if self.mini else "vx_future"

    @property
    def settlement_key(self) -> str:
        """VX futures settle at the VIX special opening quotation."""
        return "VIX:SOQ"

    @classmethod
    def for_expiry(cls, expiry: date, mini: bool = False) -> VixFuture:
        """Return the monthly future expiring on ``expiry`` (the code follows its month)."""
        # A VX contract month M always expires in calendar month M (the Wednesday ~30 days
        # before the third Friday of M+1 falls on the 13th-22nd of M).
        # Imported here: alvh.calendar.expiries loads pandas and exchange_calendars (~1 s a
        # process), which contract terms, symbols and a book's log otherwise never need.
        from alvh.calendar.expiries import vx_contract_code

        return cls(vx_contract_code(expiry.year, expiry.month), expiry, mini)


@dataclass(frozen=True, slots=True)
class VixOption:
    """A European VIX option; its forward is the VX future of the same expiry.

    Parameters
    ----------
    expiry
        Expiration (the VX final settlement date of the same contract month).
    strike
        Strike in VIX points.
    right
        ``"C"`` or ``"P"``.
    """

    expiry: date
    strike: float
    right: Right
    multiplier: float = VIX_OPTION_MULTIPLIER
    # The id, built once: the engine looks hedge lots and marks up by it every session.
    _id: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        _check_right(self.right)
        if not self.strike > 0:
            raise ValueError(f"strike must be positive, got {self.strike!r}")
        cid = f"VIX {self.expiry.isoformat()} {self.right} {_fmt_strike(self.strike)}"
        object.__setattr__(self, "_id", cid)

    @property
    def id(self) -> str:
        """Stable id, e.g. ``VIX 2024-03-20 C 25``."""
        return self._id

    @property
    def product(self) -> Product:
        """Cost/margin product class."""
        return "vix_option"

    @property
    def is_call(self) -> bool:
        """Whether this is a call."""
        return self.right == "C"

    @property
    def forward(self) -> VixFuture:
        """The VX future whose price is this option's forward (same expiry)."""
        return VixFuture.for_expiry(self.expiry)

    @property
    def settlement_key(self) -> str:
        """VIX options settle at the VIX special opening quotation."""
        return "VIX:SOQ"


@dataclass(frozen=True, slots=True)
class EtfShare:
    """One share of an exchange-traded fund (e.g. a VIX-futures ETF). Never expires."""

    symbol: str
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not self.symbol or " " in self.symbol:
            raise ValueError(f"ETF symbol must be a non-empty word, got {self.symbol!r}")

    @property
    def id(self) -> str:
        """The ticker symbol."""
        return self.symbol

    @property
    def product(self) -> Product:
        """Cost/margin product class."""
        return "etf"

    @property
    def expiry(self) -> None:
        """ETF shares do not expire."""
        return None

    @property
    def settlement_key(self) -> None:
        """ETF shares never settle."""
        return None


Option: TypeAlias = SpxOption | VixOption
Contract: TypeAlias = SpxOption | VixFuture | VixOption | EtfShare


def is_option(contract: Contract) -> bool:
    """Return whether a contract is an option (SPX/SPXW or VIX)."""
    return isinstance(contract, SpxOption | VixOption)


def is_future(contract: Contract) -> bool:
    """Return whether a contract is a VX/VXM future (marked variation-margin style)."""
    return isinstance(contract, VixFuture)


@lru_cache(maxsize=65536)
def parse_contract_id(contract_id: str) -> Contract:
    """Return the contract a stable id names (the inverse of ``contract.id``).

    Contracts are immutable values, so one object per id is shared (the hedge fills of a run
    name the same few contracts again and again).

    ``SPX 2024-03-15 P 4500``, ``SPXW ...``, ``VIX 2024-03-20 C 25``, ``VXH24``, ``VXMH24``;
    any other single word is taken as an ETF ticker. A VX future's expiry follows the CFE rule
    (``alvh.calendar.expiries.vx_expiry``).

    Raises
    ------
    ValueError
        If the id matches none of these forms.
    """
    from alvh.calendar.expiries import parse_vx_contract, vx_expiry

    parts = contract_id.split()
    if len(parts) == 4 and parts[0] in ("SPX", "SPXW", "VIX"):
        root, day, right, strike = parts
        if right not in ("C", "P"):
            raise ValueError(f"bad option right in contract id {contract_id!r}")
        expiry = date.fromisoformat(day)
        if root == "VIX":
            return VixOption(expiry, float(strike), right)  # type: ignore[arg-type]
        return SpxOption(root, expiry, float(strike), right)  # type: ignore[arg-type]
    if len(parts) == 1:
        word = parts[0]
        mini = word.startswith("VXM") and len(word) == 6
        code = "VX" + word[3:] if mini else word
        if len(code) == 5 and code.startswith("VX") and code[3:].isdigit():
            year, month = parse_vx_contract(code)
            return VixFuture(code, vx_expiry(year, month), mini)
        return EtfShare(word)
    raise ValueError(
        f"not a contract id: {contract_id!r} (expected e.g. 'SPX 2024-03-15 P 4500', 'VXH24', "
        "'VIX 2024-03-20 C 25' or an ETF ticker)"
    )
