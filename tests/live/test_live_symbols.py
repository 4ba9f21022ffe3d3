"""Broker symbols: OCC options, CFE VX futures, the hedge's ETF, and what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from alvh.book.contracts import EtfShare, SpxOption, VixFuture, VixOption
from alvh.live.symbols import Foreign, SymbolError, occ_symbol, parse_symbol

ON = date(2024, 3, 1)


def test_occ_spxw_put_padded_and_unpadded() -> None:
    # "SPXW  240621P05000000": root SPXW padded to 6, 2024-06-21, put, 05000000 / 1000 = 5000.
    want = SpxOption("SPXW", date(2024, 6, 21), 5000.0, "P")
    assert parse_symbol("SPXW  240621P05000000", on=ON) == want
    assert parse_symbol("SPXW240621P05000000", on=ON) == want
    assert parse_symbol("spxw  240621p05000000", on=ON) == want


def test_occ_fractional_strike_and_roots() -> None:
    # 00022500 / 1000 = 22.5; SPX is the AM-settled monthly root.
    assert parse_symbol("VIX   240417C00022500", on=ON) == VixOption(date(2024, 4, 17), 22.5, "C")
    spx = parse_symbol("SPX   240621C05300000", on=ON)
    assert isinstance(spx, SpxOption) and spx.settlement == "AM"


def test_occ_round_trip() -> None:
    for c in (
        SpxOption("SPXW", date(2024, 6, 21), 5000.0, "P"),
        SpxOption("SPX", date(2024, 6, 21), 5325.0, "C"),
        VixOption(date(2024, 4, 17), 22.5, "C"),
    ):
        sym = occ_symbol(c)
        assert len(sym) == 21
        assert parse_symbol(sym, on=ON) == c


def test_book_ids_are_accepted() -> None:
    assert parse_symbol("SPXW 2024-06-21 P 5000", on=ON) == SpxOption(
        "SPXW", date(2024, 6, 21), 5000.0, "P"
    )


@pytest.mark.parametrize(
    ("text", "year", "mini"),
    [
        ("VXM4", 2024, False),
        ("VX/M4", 2024, False),
        ("/VXM4", 2024, False),
        ("VXM24", 2024, False),
        ("VXMM4", 2024, True),
        ("VXMM24", 2024, True),
    ],
)
def test_vx_futures(text: str, year: int, mini: bool) -> None:
    c = parse_symbol(text, on=ON)
    assert isinstance(c, VixFuture)
    assert c.code == f"VXM{year % 100:02d}" and c.mini is mini
    # June 2024 VX expired Wednesday 2024-06-18 (30 days before the 2024-07-19 SPX expiry).
    assert c.expiry == date(2024, 6, 18)


def test_vx_one_digit_year_is_the_next_live_contract() -> None:
    # On 2024-07-01 the June 2024 contract has expired: "VXM4" can only mean June 2034.
    c = parse_symbol("VXM4", on=date(2024, 7, 1))
    assert isinstance(c, VixFuture) and c.code == "VXM34"
    # And in late 2019 "VXF0" is January 2020.
    c = parse_symbol("VXF0", on=date(2019, 12, 2))
    assert isinstance(c, VixFuture) and c.code == "VXF20"


def test_etf_and_foreign() -> None:
    assert parse_symbol("VXX", on=ON) == EtfShare("VXX")
    assert parse_symbol("VIXY", on=ON, etf_symbol="VIXY") == EtfShare("VIXY")
    aapl = parse_symbol("AAPL", on=ON)
    assert isinstance(aapl, Foreign) and "not the hedge's ETF" in aapl.why
    vixy = parse_symbol("VIXY", on=ON)  # not this book's ETF
    assert isinstance(vixy, Foreign)
    spy = parse_symbol("SPY   240621P00500000", on=ON)
    assert isinstance(spy, Foreign) and "SPY" in spy.why
    weekly_vix = parse_symbol("VIXW  240410C00020000", on=ON)
    assert isinstance(weekly_vix, Foreign) and "weekly" in weekly_vix.why


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("SPXW  241341P05000000", "expiry date"),  # month 13
        ("SPXW  240621P00000000", "strike 0"),
        ("SPXW  240621X05000000", "not a symbol"),
        ("SPXW 240621P5000", "not a symbol"),
        ("VX12M4", "weekly VX"),
        ("VXQ", "not a symbol"),
        ("12345", "not a symbol"),
    ],
)
def test_malformed_symbols_are_refused(text: str, needle: str) -> None:
    with pytest.raises(SymbolError, match=needle):
        parse_symbol(text, on=ON)
