"""Bad input gets a typed error naming file, line, field and value, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CONFIG_TOML, FACTS, POSITIONS_CSV, new_book, write

from alvh.errors import DataFormatError
from alvh.live.errors import ConfigChangedError
from alvh.live.service import apply_fills, import_positions, load_fold, read_log

FILLS_HEAD = "date,symbol,quantity,price\n"


def _snapshot(store, name: str = "b1"):  # type: ignore[no-untyped-def]
    _, bf, n = load_fold(store, name)
    return n, bf.positions, bf.foreign


GOOD = "2024-06-11,VXX,1,12.0\n"  # a valid first line: the error is on line 3


@pytest.mark.parametrize(
    ("body", "line", "field", "value", "expected"),
    [
        (
            GOOD + "2024-06-20,SPXW  241341P05000000,-1,2.0\n",
            3,
            "symbol",
            "SPXW  241341P05000000",
            "valid expiry",
        ),
        (GOOD + "2024-06-20,ZZZ 12,-1,2.0\n", 3, "symbol", "ZZZ 12", "not a symbol"),
        (GOOD + "2024-06-20,VXN4,0,15.0\n", 3, "quantity", "0", "non-zero"),
        (GOOD + "2024-06-20,VXN4,1.5,15.0\n", 3, "quantity", "1.5", "whole number"),
        (GOOD + "2024-06-20,VXN4,two,15.0\n", 3, "quantity", "two", "whole number"),
        (GOOD + "2024-06-20,VXN4,-1,-3\n", 3, "price", "-3", ">= 0"),
        (GOOD + "2024-06-31,VXN4,-1,15.0\n", 3, "date", "2024-06-31", "YYYY-MM-DD"),
        # after the market data's last session (2024-06-28): in the future
        (GOOD + "2024-07-01,VXN4,-1,15.0\n", 3, "date", "2024-07-01", "last session 2024-06-28"),
        # earlier than the line before it
        (
            "2024-06-20,VXX,1,12.0\n2024-06-19,VXN4,-1,15.0\n",
            3,
            "date",
            "2024-06-19",
            "dates in order",
        ),
        # before the book's last session (2024-06-10, the VX import): out of order
        ("2024-06-05,VXN4,-1,15.0\n", 2, "date", "2024-06-05", "book's last session 2024-06-10"),
        # a close of something not held (the effect column says close)
        (
            GOOD + "2024-06-20,SPXW  240719P04000000,1,0.5,close\n",
            3,
            "symbol",
            "SPXW  240719P04000000",
            "holds no",
        ),
        # closing more than held (2 VX held)
        (GOOD + "2024-06-20,VXN4,-3,15.0\n", 3, "quantity", "-3", "at most 2"),
        # the same line twice
        (GOOD + GOOD, 3, None, None, "no duplicate of line 2"),
    ],
)
def test_bad_fills_name_the_line_and_write_nothing(
    tmp_path: Path,
    db_url: str,
    body: str,
    line: int,
    field: str | None,
    value: str | None,
    expected: str,
) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    before = _snapshot(store)
    if ",close" in body:
        body = body.replace("\n", ",\n").replace(",close,", ",close")
        head = "date,symbol,quantity,price,effect\n"
    else:
        head = FILLS_HEAD
    path = write(tmp_path, "bad.csv", head + body)
    with pytest.raises(DataFormatError) as info:
        apply_fills(store, "b1", path, FACTS)
    err = info.value
    assert (Path(err.path).name, err.line, err.field, err.value) == ("bad.csv", line, field, value)
    assert expected in str(err)
    assert _snapshot(store) == before
    # nothing recorded as applied either: the corrected file is not refused as a repeat
    assert read_log(store, "b1")[1] == before[0]


@pytest.mark.parametrize(
    ("row", "field", "value", "expected"),
    [
        ("SPXW  240719P04800000,0,1.0,2024-06-03,,", "quantity", "0", "non-zero"),
        ("SPXW  240719P04800000,2.5,1.0,2024-06-03,,", "quantity", "2.5", "whole number"),
        ("SPXW  24071P04800000,1,1.0,2024-06-03,,", "symbol", "SPXW  24071P04800000", "OCC"),
        ("SPXW  240719P04800000,1,1.0,2024-07-15,,", "opened", "2024-07-15", "last session"),
        ("SPXW  240621P04800000,1,1.0,2024-06-03,,", "symbol", "SPXW  240621P04800000", "expired"),
        # the book holds this lot already (imported before)
        (
            "SPXW  240719P05000000,3,4.10,2024-06-03,mid,c1",
            "symbol",
            "SPXW  240719P05000000",
            "does not hold",
        ),
    ],
)
def test_bad_positions_name_the_line_and_write_nothing(
    tmp_path: Path, db_url: str, row: str, field: str, value: str, expected: str
) -> None:
    store, _ = new_book(tmp_path, db_url)
    import_positions(store, "b1", write(tmp_path, "pos.csv", POSITIONS_CSV), FACTS)
    before = _snapshot(store)
    good = "SPXW  240719P04700000,1,0.5,2024-06-03,low,c9\n"
    path = write(
        tmp_path, "bad.csv", "symbol,quantity,avg_price,opened,tier,group\n" + good + row + "\n"
    )
    with pytest.raises(DataFormatError) as info:
        import_positions(store, "b1", path, FACTS)
    err = info.value
    assert (err.line, err.field, err.value) == (3, field, value)
    assert expected in str(err)
    assert _snapshot(store) == before


def test_duplicate_position_lines(tmp_path: Path, db_url: str) -> None:
    store, _ = new_book(tmp_path, db_url)
    text = POSITIONS_CSV + "SPXW  240719P05000000,1,4.0,2024-06-04,mid,c1\n"
    with pytest.raises(DataFormatError, match=r"line 8.*duplicate of line 2"):
        import_positions(store, "b1", write(tmp_path, "pos.csv", text), FACTS)
    assert _snapshot(store)[0] == 0


def test_untagged_close_of_a_contract_held_in_two_lots_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    store, _ = new_book(tmp_path, db_url)
    pos = POSITIONS_CSV + "SPXW  240719P05050000,-1,5.0,2024-06-04,far,c2\n"
    import_positions(store, "b1", write(tmp_path, "pos.csv", pos), FACTS)
    path = write(tmp_path, "f.csv", FILLS_HEAD + "2024-06-20,SPXW  240719P05050000,1,2.0\n")
    with pytest.raises(DataFormatError, match="held in several") as info:
        apply_fills(store, "b1", path, FACTS)
    assert info.value.field == "tier/group"


def test_changed_config_is_refused_then_accepted_and_journaled(tmp_path: Path, db_url: str) -> None:
    store, cfg = new_book(tmp_path, db_url)
    pos = write(tmp_path, "pos.csv", POSITIONS_CSV)
    # Formatting alone is no change: the hash is of the validated config, not the bytes.
    cfg.write_text("# a comment\n" + CONFIG_TOML.replace(" = ", "="), encoding="utf-8")
    import_positions(store, "b1", pos, FACTS)
    n0 = _snapshot(store)[0]
    cfg.write_text(CONFIG_TOML.replace("250000.0", "300000.0"), encoding="utf-8")
    fills = write(tmp_path, "f.csv", FILLS_HEAD + "2024-06-20,VXN4,-1,15.0\n")
    with pytest.raises(ConfigChangedError, match=r"capital\.initial_usd.*--accept-config-change"):
        apply_fills(store, "b1", fills, FACTS)
    assert _snapshot(store)[0] == n0
    res = apply_fills(store, "b1", fills, FACTS, accept_config_change=True)
    assert res.applied
    events, _ = read_log(store, "b1", after_seq=n0)
    assert [e.kind for e in events] == ["config_change", "fill"]
    change = events[0].payload
    assert change["changed_keys"] == ["capital.initial_usd"] and "300000.0" in change["toml"]
    # Accepted once: the next command runs without the flag.
    more = write(tmp_path, "g.csv", FILLS_HEAD + "2024-06-21,VXN4,-1,15.5\n")
    assert apply_fills(store, "b1", more, FACTS).applied
