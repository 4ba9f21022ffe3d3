"""Contract ids parse back into the contracts they name."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from alvh.book.contracts import VixFuture, VixOption, parse_contract_id


@pytest.mark.parametrize(
    "cid",
    [
        "SPX 2024-03-15 P 4500",
        "SPXW 2024-03-22 C 5300",
        "VIX 2024-03-20 C 22.5",
        "VXH24",
        "VXMH24",
        "VXX",
    ],
)
def test_parse_contract_id_round_trips(cid: str) -> None:
    assert parse_contract_id(cid).id == cid


def test_parsed_vx_future_follows_the_cfe_expiry_rule() -> None:
    c = parse_contract_id("VXG18")  # the February 2018 contract, settled 2018-02-14
    assert isinstance(c, VixFuture) and c.expiry == date(2018, 2, 14) and c.multiplier == 1000


def test_parse_contract_id_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a contract id"):
        parse_contract_id("SPX 2024-03-15 4500")


def test_vix_option_id_follows_its_terms() -> None:
    opt = VixOption(date(2024, 3, 20), 22.5, "C")
    assert opt.id == "VIX 2024-03-20 C 22.5"
    moved = dataclasses.replace(opt, strike=30.0, right="P")
    assert moved.id == "VIX 2024-03-20 P 30" and moved != opt
    assert parse_contract_id(moved.id) == moved
    assert parse_contract_id("VIX 2024-03-20 P 30") == VixOption(date(2024, 3, 20), 30.0, "P")
