"""Chain importers (OptionsDX, CBOE DataShop, HistoricalOptionData) and the quote validator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.errors import DataFormatError
from alvh.market.chains import (
    CHAIN_READERS,
    read_cboe_datashop_chains,
    read_hod_chains,
    read_optionsdx_chains,
    sniff_chain_layout,
    validate_chains,
)
from alvh.market.schema import OPTION_CHAINS

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "chains"
OPTIONSDX = FIX / "optionsdx_spx_2020-05-28.txt"
DATASHOP = FIX / "cboe_datashop_spx_2020-05-28.csv"
HOD = FIX / "hod_spxw_2018-01-02.csv"


def _row(frame: pd.DataFrame, root: str, expiry: str, strike: float, right: str) -> pd.Series:
    hit = frame[
        (frame["root"] == root)
        & (frame["expiry"] == pd.Timestamp(expiry))
        & (frame["strike"] == strike)
        & (frame["right"] == right)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_optionsdx_wide_rows_become_one_row_per_right_with_root_from_expiry() -> None:
    c = read_optionsdx_chains(OPTIONSDX)
    assert list(c.columns) == OPTION_CHAINS.column_names
    assert len(c) == 10  # 5 strikes x 2 rights
    # 2020-06-19 is the June third Friday (AM-settled SPX); 2020-06-17 a Wednesday (SPXW).
    put = _row(c, "SPX", "2020-06-19", 2900.0, "P")
    assert (put["bid"], put["ask"], put["volume"]) == (25.10, 25.90, 420.0)
    call = _row(c, "SPXW", "2020-06-17", 3150.0, "C")
    assert (call["bid"], call["ask"], call["underlying"]) == (14.70, 15.40, 3029.73)
    assert (c["known_at"] == pd.Timestamp("2020-05-28 16:15")).all()


def test_cboe_datashop_prefers_1545_quotes_and_active_underlying() -> None:
    c = read_cboe_datashop_chains(DATASHOP)
    assert len(c) == 4
    call = _row(c, "SPX", "2020-06-19", 2900.0, "C")
    assert (call["bid"], call["ask"]) == (136.20, 137.60)  # the 15:45 columns, not eod
    assert call["underlying"] == 3031.50
    assert call["open_interest"] == 5120.0
    assert set(c["root"]) == {"SPX", "SPXW"}


def test_cboe_datashop_eod_only_layout(tmp_path: Path) -> None:
    raw = pd.read_csv(DATASHOP, dtype=str)
    eod = raw.drop(columns=[c for c in raw.columns if c.endswith("_1545")])
    path = tmp_path / "eod.csv"
    eod.to_csv(path, index=False)
    call = _row(read_cboe_datashop_chains(path), "SPX", "2020-06-19", 2900.0, "C")
    assert (call["bid"], call["ask"]) == (135.90, 137.40)
    assert call["underlying"] == pytest.approx((3029.40 + 3030.10) / 2)


def test_hod_layout_maps_type_and_root() -> None:
    c = read_hod_chains(HOD)
    assert len(c) == 4
    assert set(c["right"]) == {"C", "P"} and set(c["root"]) == {"SPXW"}
    put = _row(c, "SPXW", "2018-01-31", 2600.0, "P")
    assert (put["bid"], put["ask"], put["open_interest"]) == (5.5, 5.8, 5220.0)


@pytest.mark.parametrize(
    ("path", "layout"), [(OPTIONSDX, "optionsdx"), (DATASHOP, "cboe_datashop"), (HOD, "hod")]
)
def test_layout_is_sniffed_from_the_header(path: Path, layout: str) -> None:
    assert sniff_chain_layout(path) == layout
    assert len(CHAIN_READERS[layout](path)) > 0


def _corrupt(tmp_path: Path, src: Path, line: int, old: str, new: str) -> Path:
    lines = src.read_text().splitlines()
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    out = tmp_path / src.name
    out.write_text("\n".join(lines) + "\n")
    return out


@pytest.mark.parametrize(
    ("src", "reader", "line", "old", "new", "field"),
    [
        (HOD, read_hod_chains, 3, ",5.5,", ",abc,", "bid"),
        (HOD, read_hod_chains, 4, ",call,", ",straddle,", "type"),
        (HOD, read_hod_chains, 2, "2018-01-02,2600", "2018-13-45,2600", "quotedate"),
        (OPTIONSDX, read_optionsdx_chains, 4, " 133.20,", " -1,", "[P_BID]"),
        (OPTIONSDX, read_optionsdx_chains, 2, " 2020-06-17,", " 2020-05-01,", "[EXPIRE_DATE]"),
        (DATASHOP, read_cboe_datashop_chains, 3, ",P,", ",X,", "option_type"),
    ],
)
def test_bad_rows_raise_data_format_error_naming_line_and_column(
    tmp_path: Path, src: Path, reader, line: int, old: str, new: str, field: str
) -> None:  # type: ignore[no-untyped-def]
    path = _corrupt(tmp_path, src, line, old, new)
    with pytest.raises(DataFormatError) as err:
        reader(path)
    assert err.value.line == line
    assert err.value.field == field
    assert str(path) in str(err.value)


def test_missing_column_names_the_column(tmp_path: Path) -> None:
    raw = pd.read_csv(HOD, dtype=str).drop(columns=["ask"])
    path = tmp_path / "no_ask.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataFormatError, match="'ask'") as err:
        read_hod_chains(path)
    assert err.value.line == 1


def _chain(rows: list[tuple[str, float, str, float, float, float]]) -> pd.DataFrame:
    """Build canonical rows: (quote_date, strike, right, bid, ask, volume), one SPXW expiry."""
    f = pd.DataFrame(rows, columns=["quote_date", "strike", "right", "bid", "ask", "volume"])
    f["quote_date"] = pd.to_datetime(f["quote_date"])
    f["root"], f["expiry"], f["underlying"] = "SPXW", pd.Timestamp("2020-06-30"), 3000.0
    f["known_at"] = f["quote_date"] + pd.Timedelta(hours=16, minutes=15)
    return OPTION_CHAINS.conform(f)


def test_validator_flags_crossed_zero_bid_stale_and_parity() -> None:
    d1, d2 = "2020-06-01", "2020-06-02"
    # Forward 3000, rate 0: C - P = 3000 - K. Quotes 1 point wide around fair values.
    # 2950: C 74.5/75.5 P 24.5/25.5 (C-P = 50 ok); 3000: C 49.5/50.5 P 49.5/50.5;
    # 3050: C 29.5/30.5 P 79.5/80.5; 3100: C 14.5/15.5 but P 120/121 -> C-P in
    # [-106.5, -104.5], while DF(F-K) = -100: a reversal is free money -> parity flag.
    rows = [
        (d1, 2950, "C", 74.5, 75.5, 10),
        (d1, 2950, "P", 24.5, 25.5, 10),
        (d1, 3000, "C", 49.5, 50.5, 10),
        (d1, 3000, "P", 49.5, 50.5, 10),
        (d1, 3050, "C", 29.5, 30.5, 10),
        (d1, 3050, "P", 79.5, 80.5, 10),
        (d1, 3100, "C", 14.5, 15.5, 10),
        (d1, 3100, "P", 120.0, 121.0, 10),
        (d1, 3500, "C", 0.0, 0.05, 0),  # zero bid
        (d1, 3600, "C", 0.40, 0.60, 0),
        # Unchanged from d1 and untraded: stale only far from the money. ln(3600/3000) =
        # 0.18 > max(0.10, 3 x 0.20 x sqrt(28/365) = 0.166); ln(2950/3000) = -0.017 is not.
        (d2, 3600, "C", 0.40, 0.60, 0),
        (d2, 2950, "C", 74.5, 75.5, 0),
        (d2, 3000, "C", 52.0, 51.0, 5),  # crossed
    ]
    chains = _chain(rows)
    report = validate_chains(chains)
    assert set(report.columns) == {"rule", "row", "values"}
    by_rule = {r: set(g["row"]) for r, g in report.groupby("rule")}

    def pos(date: str, strike: float, right: str) -> int:
        m = (
            (chains["quote_date"] == pd.Timestamp(date))
            & (chains["strike"] == strike)
            & (chains["right"] == right)
        )
        return int(np.flatnonzero(m.to_numpy())[0])

    assert by_rule["crossed"] == {pos(d2, 3000, "C")}
    assert by_rule["zero_bid"] == {pos(d1, 3500, "C")}
    assert by_rule["stale"] == {pos(d2, 3600, "C")}
    assert by_rule["parity"] == {pos(d1, 3100, "C"), pos(d1, 3100, "P")}
    parity_text = report.loc[report["rule"] == "parity", "values"].iloc[0]
    # The parity line is fitted through the outlier too (Theil-Sen slope -1.02, clipped to
    # DF = 1.001): DF(F-K) at 3100 is about -100, outside [-106.55, -104.45].
    assert "K=3100" in parity_text and "DF(F-K)=-100." in parity_text


def test_validator_returns_empty_report_for_clean_chain() -> None:
    rows = [
        ("2020-06-01", 2950, "C", 74.5, 75.5, 10),
        ("2020-06-01", 2950, "P", 24.5, 25.5, 10),
        ("2020-06-01", 3000, "C", 49.5, 50.5, 10),
        ("2020-06-01", 3000, "P", 49.5, 50.5, 10),
        ("2020-06-01", 3050, "C", 29.5, 30.5, 10),
        ("2020-06-01", 3050, "P", 79.5, 80.5, 10),
    ]
    report = validate_chains(_chain(rows))
    assert report.empty
    assert list(report.columns) == ["rule", "row", "values"]


def test_theil_sen_slope_matches_scipy() -> None:
    from scipy.stats import theilslopes

    from alvh.market.chain_quality import theil_sen_slope

    rng = np.random.default_rng(7)
    for n in (4, 9, 40):
        k = np.sort(rng.choice(np.arange(2500.0, 3500.0, 5.0), n, replace=False))
        y = 0.997 * (3000.0 - k) + rng.normal(0.0, 0.05, n)
        y[0] += 20.0  # an outlier the median ignores
        np.testing.assert_allclose(theil_sen_slope(k, y), theilslopes(y, k)[0], rtol=1e-12)
