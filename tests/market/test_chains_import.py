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


def test_import_and_status_count_flags_per_quote_date(tmp_path: Path) -> None:
    st = Store(tmp_path / "store")
    report = import_paths(st, [DATASHOP_1545])
    counts = report.files[0].chain_quality
    assert counts is not None
    assert counts.to_dict("records") == [
        {
            "quote_date": pd.Timestamp("2020-03-02"),
            "rows": 15,
            "crossed": 1,
            "zero_bid": 1,
            "stale": 1,
            "parity": 2,
        }
    ]
    stored = st.chain_quality()
    assert stored is not None
    pd.testing.assert_frame_equal(stored, counts)
    # The flags are stored with the rows.
    chains = st.load().tables["option_chains"]
    assert (chains["quality"] != "").sum() == 5


def test_cli_import_and_status_print_the_flag_counts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from alvh.cli.app import main

    store = str(tmp_path / "store")
    assert main(["data", "import", "--store", store, str(DATASHOP_1545)]) == 0
    out = capsys.readouterr().out
    assert "quote flags: datashop_1545_spxw_2020-03-02.csv" in out
    assert "cboe_datashop" in out and "option_chains:SPXW" in out
    flags = out[out.index("quote flags") :]
    row = next(line for line in flags.splitlines() if line.strip("│ ").startswith("2020-03-02"))
    assert [int(x) for x in row.replace("│", " ").split()[1:]] == [15, 1, 1, 1, 2]
    assert main(["data", "status", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "option chain quote flags" in out and "root taken from" not in out


def test_empty_chain_file_says_it_is_empty(tmp_path: Path) -> None:
    empty = tmp_path / "spxw_empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(DataFormatError, match="empty"):
        import_file(empty)


@pytest.mark.parametrize("column", ["option_type", "ask_1545", "underlying_bid_1545"])
def test_missing_column_is_named_alone(tmp_path: Path, column: str) -> None:
    raw = pd.read_csv(DATASHOP_1545, dtype=str, encoding="utf-8-sig").drop(columns=[column])
    path = tmp_path / "spxw_missing.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataFormatError) as err:
        import_file(path)
    assert err.value.field == column and err.value.line == 1
    assert "DataShop" in str(err.value) and "Yahoo" not in str(err.value)


# OptionsDX end of day, its real 33 columns (", " separated; C_SIZE "bid x ask"; blank IVs).
# Underlying 4437.86; 2023-09-15 is September's third Friday (root SPX, 31 days), 2023-09-13
# a Wednesday (SPXW). Calls and puts obey C - P = 4440 - K except:
#   4600    C mid 8.25 - P mid 162.50 = -154.25 against -160: off by 5.75 > 0.25 + 0.50 + 0.05
#           -> parity (call and put)
#   5200 C  bid 0 -> zero_bid;  5200 P bid 765 > ask 760 -> crossed
#   3600 P  bid 0.60 with bid size 0, untraded, ln(3600/4437.86) = -0.209, beyond
#           max(0.10, 3 x 0.20 x sqrt(31/365) = 0.175) -> stale (the 3600 call has sizes 5 x 5)
OPTIONSDX_EOD = FIX / "optionsdx_spx_eod_2023-08-15.txt"


def test_optionsdx_real_columns_import_with_flags() -> None:
    res = import_file(OPTIONSDX_EOD)
    assert res.fmt == "optionsdx"
    (piece,) = res.pieces
    f = piece.frame
    assert len(f) == 18  # 9 lines x 2 rights
    roots = f.groupby("expiry")["root"].first()
    assert roots[pd.Timestamp("2023-09-15")] == "SPX"
    assert roots[pd.Timestamp("2023-09-13")] == "SPXW"
    put = f[(f["strike"] == 4300.0) & (f["right"] == "P")].iloc[0]
    assert (put["bid"], put["ask"], put["volume"], put["underlying"]) == (20, 21, 950, 4437.86)
    assert _flags(f) == {
        (3600.0, "P"): "stale",
        (4600.0, "C"): "parity",
        (4600.0, "P"): "parity",
        (5200.0, "C"): "zero_bid",
        (5200.0, "P"): "crossed",
    }
    # Both rows of a line point at that line.
    assert sorted(piece.lines[(f["strike"] == 4450.0).to_numpy()].tolist()) == [5, 5, 10, 10]


def test_a_folder_picks_up_optionsdx_txt_files_only(tmp_path: Path) -> None:
    (tmp_path / "spx_eod_202308.txt").write_bytes(OPTIONSDX_EOD.read_bytes())
    (tmp_path / "README.txt").write_text("not data\n")
    st = Store(tmp_path / "store")
    report = import_paths(st, [tmp_path])
    assert [Path(f.path).name for f in report.files] == ["spx_eod_202308.txt"]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "expected"),
    [
        (", 8.00, 8.50, 4600.0, 162.00,", ", -8.00, 8.50, 4600.0, 162.00,", 8, "[C_BID]", ">= 0"),
        (
            ", 2023-08-15, 16.000000, 4437.86, 2023-09-13",
            ", 2023-08-15, 16.000000, 4437.86, 2023-13-13",
            10,
            "[EXPIRE_DATE]",
            "a date",
        ),
        ("20 x 20, 85.00", "20 by 20, 85.00", 4, "[C_SIZE]", "12 x 14"),
    ],
)
def test_optionsdx_bad_values_are_refused_naming_line_and_column(
    tmp_path: Path, old: str, new: str, line: int, field: str, expected: str
) -> None:
    text = OPTIONSDX_EOD.read_text()
    assert old in text
    bad = tmp_path / "spx_eod.txt"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(DataFormatError) as err:
        import_file(bad)
    assert (err.value.line, err.value.field) == (line, field)
    assert expected in err.value.expected


def test_a_repeated_contract_is_refused_naming_the_line(tmp_path: Path) -> None:
    text = DATASHOP_1545.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    bad = tmp_path / "spxw_dup.csv"
    bad.write_text("\n".join([*lines, lines[7].replace(",25,52,", ",25,51,")]))
    with pytest.raises(DataFormatError, match="one row per contract") as err:
        import_file(bad)
    assert err.value.line == 17


def test_index_underlying_left_at_zero_is_read_off_parity(tmp_path: Path) -> None:
    # DataShop leaves ^SPX bid/ask at 0 without an index licence. At 3000, C mid 52.50 and P
    # mid 52.50: the level is 3000 + 52.50 - 52.50 = 3000.
    text = DATASHOP_1545.read_text(encoding="utf-8-sig").replace(",2999.9,3000.1,", ",0,0,")
    path = tmp_path / "spxw_no_underlying.csv"
    path.write_text(text)
    res = import_file(path)
    assert (res.pieces[0].frame["underlying"] == 3000.0).all()
    assert any("put-call parity" in n for n in res.notes)


@pytest.mark.parametrize("cut", [",0,650", ",2999.9,3000.1,0,650"])
def test_a_short_row_is_refused_naming_its_line(tmp_path: Path, cut: str) -> None:
    text = DATASHOP_1545.read_text(encoding="utf-8-sig")
    assert text.endswith(cut)
    bad = tmp_path / "spxw_short.csv"
    bad.write_text("\n\n".join(text[: -len(cut)].rsplit("\n", 1)))  # and a blank line before
    with pytest.raises(DataFormatError) as err:
        import_file(bad)
    assert err.value.line == 17 and "fields" in err.value.expected


def test_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    lines = DATASHOP_1545.read_text(encoding="utf-8-sig").splitlines()
    bad = tmp_path / "spxw_blank.csv"
    # A blank line after line 3 moves the 2600 put (line 3) nowhere and the 2900 call to 5.
    body = [*lines[:3], "", *lines[3:]]
    body[4] = body[4].replace(",20,112,", ",20,-112,")
    bad.write_text("\n".join(body))
    with pytest.raises(DataFormatError) as err:
        import_file(bad)
    assert (err.value.line, err.value.field) == (5, "bid_1545")


def test_root_from_expiry_follows_the_standard_monthly_rule() -> None:
    from alvh.market.importers.chains import _third_friday_root

    # 2022-04-15 was Good Friday: April's AM expiration moved to Thursday 2022-04-14.
    days = pd.to_datetime(["2020-06-19", "2020-06-17", "2022-04-14", "2022-04-13", "2022-05-20"])
    assert list(_third_friday_root(days.to_numpy())) == ["SPX", "SPXW", "SPX", "SPXW", "SPX"]


def test_parity_underlying_is_per_underlying_symbol(tmp_path: Path) -> None:
    # The fixture's SPXW rows plus the same quotes scaled by 1/100 as ^VIX options: with the
    # underlying bid/ask at 0, SPX reads 3000 off parity and VIX 30 (not one level for both).
    spx = pd.read_csv(DATASHOP_1545, dtype=str, encoding="utf-8-sig")
    spx.insert(0, "underlying_symbol", "^SPX")
    spx.insert(2, "root", "SPXW")
    vix = spx.copy()
    vix["underlying_symbol"], vix["root"] = "^VIX", "VIX"
    for col in ("strike", "bid_1545", "ask_1545"):
        vix[col] = (vix[col].astype(float) / 100).map(lambda v: f"{v:g}")
    both = pd.concat([spx, vix], ignore_index=True)
    both[["underlying_bid_1545", "underlying_ask_1545"]] = "0"
    path = tmp_path / "two_underlyings.csv"
    both.to_csv(path, index=False)
    f = import_file(path).pieces[0].frame
    assert f.groupby("root")["underlying"].unique().map(list).to_dict() == {
        "SPXW": [3000.0],
        "VIX": [30.0],
    }


def test_no_underlying_and_too_few_quotes_is_refused(tmp_path: Path) -> None:
    raw = pd.read_csv(FIX / "cboe_datashop_spx_2020-05-28.csv", dtype=str)
    raw = raw.drop(columns=["active_underlying_price_1545", "implied_underlying_price_1545"])
    raw[["underlying_bid_1545", "underlying_ask_1545"]] = "0"
    path = tmp_path / "no_underlying.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataFormatError) as err:
        import_file(path)
    assert (err.value.line, err.value.field) == (2, "underlying_bid_1545")
    assert "infer" in err.value.expected


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("2020-03-02,2020-03-20,2950,P,", "2020-02-30,2020-03-20,2950,P,", 7, "quote_date"),
        (",3050,C,30,30,30,31,", ",3050,C,30,30,30,-31,", 10, "ask_1545"),
        (",3100,P,20,115,", ",3100,P,20,1l5,", 13, "bid_1545"),
        (",3150,C,40,", ",3150,X,40,", 14, "option_type"),
    ],
)
def test_datashop_bad_values_are_refused_naming_line_and_column(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    text = DATASHOP_1545.read_text(encoding="utf-8-sig")
    assert text.count(old) == 1
    bad = tmp_path / "spxw_bad.csv"
    bad.write_text(text.replace(old, new))
    with pytest.raises(DataFormatError) as err:
        import_file(bad)
    assert (err.value.line, err.value.field) == (line, field)
    assert str(bad) in str(err.value)


# HistoricalOptionData, two quote dates (m/d/yyyy, as some HOD exports write them).
# Underlying 2700, expiry 2018-01-31; C - P = 2700 - K at 2600..2750 except:
#   2800        C mid 1.25 - P mid 95.50 = -94.25 against -100 -> parity (call and put)
#   2300 P      bid 0 -> zero_bid
#   3300 C      01-03 quote equals 01-02's, untraded, ln(3300/2700) = 0.20 >
#               max(0.10, 3 x 0.20 x sqrt(28/365) = 0.166) -> stale on 01-03 only
#   2700 C      01-03 bid 22.00 > ask 21.50 -> crossed
HOD_FLAGS = FIX / "hod_spxw_2018-01-02_03_flags.csv"


def test_hod_two_dates_with_flags() -> None:
    res = import_file(HOD_FLAGS)
    assert res.fmt == "hod"
    f = res.pieces[0].frame
    assert len(f) == 14 and set(f["root"]) == {"SPXW"}
    flagged = {
        (str(r.quote_date.date()), r.strike, r.right): r.quality
        for r in f.itertuples()
        if r.quality
    }
    assert flagged == {
        ("2018-01-02", 2300.0, "P"): "zero_bid",
        ("2018-01-02", 2800.0, "C"): "parity",
        ("2018-01-02", 2800.0, "P"): "parity",
        ("2018-01-03", 3300.0, "C"): "stale",
        ("2018-01-03", 2700.0, "C"): "crossed",
    }
