"""Chain files through ``alvh data import``'s detection: layouts, BOM, missing columns, flags."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from alvh.errors import DataFormatError
from alvh.market.importers.detect import import_file
from alvh.market.store import Store, import_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "chains"
# Reduced DataShop 15:45 layout (no root column), UTF-8 BOM, no final newline. Underlying
# bid/ask 2999.90/3000.10 -> 3000.00. Expiry 2020-03-20 is 18 days out; the quotes obey
# C - P = 3000 - K (DF 1) at 2900..3100, except the rows each flag is about:
#   2500 P  bid 0                       -> zero_bid
#   2600 P  bid 2.10 > ask 2.00         -> crossed
#   3150    C mid 7.25 - P mid 160.50 = -153.25; 3000 - 3150 = -150; slack 0.25 + 0.50 + 0.05
#           = 0.80 < 3.25               -> parity (call and put)
#   3500 C  bid 0.50 with bid size 0, untraded, ln(3500/3000) = 0.154 >
#           max(0.10, 3 x 0.20 x sqrt(18/365) = 0.133) -> stale
DATASHOP_1545 = FIX / "datashop_1545_spxw_2020-03-02.csv"


def _flags(frame: pd.DataFrame) -> dict[tuple[float, str], str]:
    return {(r.strike, r.right): r.quality for r in frame.itertuples() if r.quality}


def test_reduced_datashop_with_bom_and_no_final_newline_imports() -> None:
    raw = DATASHOP_1545.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.endswith(b"\n")
    res = import_file(DATASHOP_1545)
    assert res.fmt == "cboe_datashop"
    (piece,) = res.pieces
    f = piece.frame
    assert piece.table == "option_chains" and len(f) == 15
    assert set(f["root"]) == {"SPXW"}  # from the file name: the layout has no root column
    assert any("root taken from the file name" in n for n in res.notes)
    assert (f["underlying"] == 3000.0).all()
    assert (f["known_at"] == pd.Timestamp("2020-03-02 16:15")).all()
    atm = f[(f["strike"] == 3000.0) & (f["right"] == "C")].iloc[0]
    assert (atm["bid"], atm["ask"], atm["volume"], atm["open_interest"]) == (52, 53, 300, 5100)
    # Each source line is kept with its row (for messages naming the line).
    (row,) = f.index[f["strike"] == 2500.0]
    assert int(piece.lines[row]) == 2


def test_reduced_datashop_rows_are_flagged_not_dropped() -> None:
    (piece,) = import_file(DATASHOP_1545).pieces
    assert _flags(piece.frame) == {
        (2500.0, "P"): "zero_bid",
        (2600.0, "P"): "crossed",
        (3150.0, "C"): "parity",
        (3150.0, "P"): "parity",
        (3500.0, "C"): "stale",
    }


def test_gzipped_copy_imports_the_same(tmp_path: Path) -> None:
    gz = tmp_path / "datashop_1545_spxw_2020-03-02.csv.gz"
    gz.write_bytes(gzip.compress(DATASHOP_1545.read_bytes()))
    a, b = import_file(DATASHOP_1545).pieces[0].frame, import_file(gz).pieces[0].frame
    pd.testing.assert_frame_equal(a, b)


def test_root_from_symbol_option_and_from_the_expiry(tmp_path: Path) -> None:
    plain = tmp_path / "quotes.csv"
    plain.write_bytes(DATASHOP_1545.read_bytes())
    # 2020-03-20 is March's third Friday: without a hint it is the AM-settled SPX.
    assert set(import_file(plain).pieces[0].frame["root"]) == {"SPX"}
    assert set(import_file(plain, "SPXW").pieces[0].frame["root"]) == {"SPXW"}


def test_store_import_is_all_or_nothing_with_a_bad_chain(tmp_path: Path) -> None:
    bad = tmp_path / "bad_spxw.csv"
    text = DATASHOP_1545.read_text(encoding="utf-8-sig").replace(
        ",3000,C,25,52,", ",3000,C,25,-52,"
    )
    bad.write_text(text)
    st = Store(tmp_path / "store")
    with pytest.raises(DataFormatError) as err:
        import_paths(st, [DATASHOP_1545, bad])
    assert (err.value.line, err.value.field, err.value.value) == (8, "bid_1545", "-52")
    assert st.is_empty()
    report = import_paths(st, [DATASHOP_1545])
    assert report.files[0].fmt == "cboe_datashop"
    assert len(st.load().tables["option_chains"]) == 15
