"""Broker symbols to contracts: OCC option symbols, CFE VX futures, the hedge's ETF ticker.

What is parsed (and why each rule):

- **OCC option symbols** (the OCC's 21-character OSI format): root left-justified and padded to 6
  characters, expiry ``yymmdd``, ``C``/``P``, strike x 1000 in 8 digits, e.g.
  ``SPXW  240621P05000000`` is the SPXW put of 2024-06-21 at 5000. Brokers often drop the
  padding (``SPXW240621P05000000``), so any run of spaces (or none) between root and date is
  accepted. Roots ``SPX`` and ``SPXW`` become ``SpxOption``; ``VIX`` becomes ``VixOption``.
  ``VIXW`` (weekly VIX options) and every other root are well-formed but not what the strategy
  trades: they come back as ``Foreign`` (reported, left alone).
- **VX futures**: the CFE codes ``VXM4`` / ``VX/M4`` / ``/VXM4`` (one-digit year), ``VXM24``
  (two digits), and the minis ``VXMM4`` / ``VXMM24``. A one-digit year is resolved to the first
  year ending in that digit whose contract has not expired before the position's date (a
  holding cannot be of an expired contract). Weekly VX futures (``VX12``...) are refused: the
  engine models the monthly contracts only.
- **The hedge's ETF**: the ticker named by ``[hedge.instruments] etf_symbol`` (default VXX).
  Any other single word is a well-formed ticker the strategy does not trade: ``Foreign``.
- The book's own ids (``SPXW 2024-06-21 P 5000``, ``VIX 2024-06-18 C 20``, ``VXM24``) are
  accepted too, so a fills file can be written from ``alvh book status --json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from alvh.book.contracts import Contract, EtfShare, SpxOption, VixFuture, VixOption
from alvh.calendar.expiries import vx_contract_code, vx_expiry

_OCC = re.compile(r"^([A-Z][A-Z0-9]{0,5}) *(\d{2})(\d{2})(\d{2})([CP])(\d{8})$")
_VX = re.compile(r"^/?VX(M)?/?([FGHJKMNQUVXZ])(\d{1,2})$")
_VX_WEEKLY = re.compile(r"^/?VX\d{2}/?[FGHJKMNQUVXZ]\d{1,2}$")
_TICKER = re.compile(r"^[A-Z][A-Z0-9.]{0,9}$")
_BOOK_ID = re.compile(r"^(SPX|SPXW|VIX) (\d{4}-\d{2}-\d{2}) ([CP]) (\d+(?:\.\d+)?)$")
_MONTHS = "FGHJKMNQUVXZ"
STRATEGY_OCC_ROOTS = ("SPX", "SPXW", "VIX")


@dataclass(frozen=True, slots=True)
class Foreign:
    """A well-formed symbol of something the strategy does not trade (reported, left alone).

    Parameters
    ----------
    symbol
        The symbol as written (spaces normalised).
    why
        Why the strategy does not recognise it.
    """

    symbol: str
    why: str

    @property
    def id(self) -> str:
        """The symbol: foreign positions are keyed by what the broker calls them."""
        return self.symbol


class SymbolError(ValueError):
    """A symbol that is not well-formed; the message says what was expected."""


def _occ(m: re.Match[str], text: str) -> Contract | Foreign:
    root, yy, mm, dd, right, strike8 = m.groups()
    try:
        expiry = date(2000 + int(yy), int(mm), int(dd))
    except ValueError:
        raise SymbolError(
            f"OCC symbol {text!r} has no valid expiry date {yy}{mm}{dd} (expected yymmdd)"
        ) from None
    strike = int(strike8) / 1000.0
    if strike <= 0:
        raise SymbolError(f"OCC symbol {text!r} has strike 0 (expected strike x 1000 > 0)")
    if root in ("SPX", "SPXW"):
        return SpxOption(root, expiry, strike, right)  # type: ignore[arg-type]
    if root == "VIX":
        return VixOption(expiry, strike, right)  # type: ignore[arg-type]
    why = (
        "weekly VIX options are not modelled (monthly VIX options only)"
        if root == "VIXW"
        else f"root {root} is not traded by the strategy (SPX, SPXW, VIX)"
    )
    return Foreign(f"{root:<6}{yy}{mm}{dd}{right}{strike8}", why)


def _vx(m: re.Match[str], text: str, on: date) -> VixFuture:
    mini, month_code, year_digits = m.groups()
    month = _MONTHS.index(month_code) + 1
    if len(year_digits) == 2:
        year = 2000 + int(year_digits)
    else:
        # One digit: the first year ending in it whose contract is still alive on ``on``.
        digit = int(year_digits)
        year = on.year - (on.year - digit) % 10
        while vx_expiry(year, month) < on:
            year += 10
    return VixFuture(vx_contract_code(year, month), vx_expiry(year, month), mini=bool(mini))


def parse_symbol(text: str, *, on: date, etf_symbol: str = "VXX") -> Contract | Foreign:
    """Return the contract a broker symbol names, or ``Foreign`` for one the strategy ignores.

    Parameters
    ----------
    text
        The symbol as the broker writes it (see the module docstring for the forms).
    on
        The position's date (opened or filled): resolves one-digit VX years.
    etf_symbol
        The hedge's ETF ticker (``[hedge.instruments] etf_symbol``).

    Raises
    ------
    SymbolError
        If the symbol is empty or matches none of the forms.
    """
    raw = text.strip().upper()
    if not raw:
        raise SymbolError("empty symbol (expected an OCC option symbol, a VX future or a ticker)")
    squeezed = " ".join(raw.split())
    if m := _BOOK_ID.match(squeezed):
        root, day, right, strike = m.groups()
        expiry = date.fromisoformat(day)
        if root == "VIX":
            return VixOption(expiry, float(strike), right)  # type: ignore[arg-type]
        return SpxOption(root, expiry, float(strike), right)  # type: ignore[arg-type]
    if m := _OCC.match(raw):
        return _occ(m, raw)
    if m := _VX.match(raw):
        return _vx(m, raw, on)
    if _VX_WEEKLY.match(raw):
        raise SymbolError(
            f"{raw!r} is a weekly VX future; the engine models the monthly contracts only "
            "(e.g. VXM4, VX/M4, VXM24, minis VXMM4)"
        )
    if raw == etf_symbol.upper():
        return EtfShare(raw)
    if _TICKER.match(raw) and not raw.startswith("VX"):
        return Foreign(raw, f"ticker {raw} is not the hedge's ETF ({etf_symbol})")
    raise SymbolError(
        f"{raw!r} is not a symbol alvh can read; expected an OCC option symbol "
        "('SPXW  240621P05000000': root padded to 6, yymmdd, C/P, strike x 1000 in 8 digits), "
        f"a VX future ('VXM4', 'VX/M4', 'VXM24', mini 'VXMM4') or a ticker ({etf_symbol})"
    )


def occ_symbol(contract: SpxOption | VixOption) -> str:
    """Return the 21-character OCC symbol of an option (the inverse of ``parse_symbol``)."""
    root = contract.root if isinstance(contract, SpxOption) else "VIX"
    strike = round(contract.strike * 1000)
    return f"{root:<6}{contract.expiry:%y%m%d}{contract.right}{strike:08d}"
