"""Importers on hand-made fixtures in each real layout (tests/fixtures/market)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.errors import DataFormatError
from alvh.market.importers import detect, import_file
from alvh.market.importers.common import header_of

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "market"


def _piece(res, table):
    (p,) = [p for p in res.pieces if p.table == table]
    return p.frame


def test_cboe_ohlc_history_m_d_y_dates():
    res = import_file(FIX / "VIX_History.csv")
    assert res.fmt == "index_ohlc"
    f = _piece(res, "index_bars")
    assert list(f["symbol"].unique()) == ["VIX"]
    assert f["date"].iloc[0] == pd.Timestamp("2017-01-03")
    assert f["close"].tolist() == [12.85, 11.85, 11.67]
    # VIX family closes are known at 16:15 ET the same day.
    assert f["known_at"].iloc[0] == pd.Timestamp("2017-01-03 16:15")


def test_cboe_close_only_vvix():
    f = _piece(import_file(FIX / "VVIX_History.csv"), "index_bars")
    assert f["symbol"].iloc[0] == "VVIX"
    assert f["close"].iloc[1] == 94.20
    assert f["open"].isna().all()


def test_yahoo_symbol_from_file_name_and_override():
    f = _piece(import_file(FIX / "^GSPC.csv"), "index_bars")
    assert f["symbol"].iloc[0] == "SPX"
    assert f["close"].iloc[1] == 2270.75
    assert f["known_at"].iloc[0] == pd.Timestamp("2017-01-03 16:00")
    g = _piece(import_file(FIX / "^GSPC.csv", symbol="^SPX"), "index_bars")
    assert g["symbol"].iloc[0] == "SPX"


def test_yahoo_with_wrong_symbol_is_rejected_by_plausibility():
    with pytest.raises(DataFormatError) as e:
        import_file(FIX / "^GSPC.csv", symbol="VIX")
    assert e.value.line == 2 and e.value.field == "close"


def test_fred_missing_dot_dropped_and_publication_lag():
    res = import_file(FIX / "FRED_DFF.csv")
    f = _piece(res, "rates")
    assert f["value_pct"].tolist() == [0.55, 0.66]
    assert res.dropped == {"DFF: missing value ('.' or empty)": 1}
    # DFF of Sunday 2017-01-01 is published Monday 09:00 ET.
    assert f["known_at"].iloc[0] == pd.Timestamp("2017-01-02 09:00")


def test_events_defaults_and_known_at():
    f = _piece(import_file(FIX / "events.csv"), "events")
    by_kind = f.set_index("kind")
    assert by_kind.loc["CPI", "time_et"] == "08:30"  # empty time -> release time
    assert by_kind.loc["FOMC", "known_at"] == pd.Timestamp("2016-01-01")  # scheduled: a year ahead
    assert by_kind.loc["PPI", "known_at"] == pd.Timestamp("2017-02-16 08:30")  # unscheduled


def test_cfe_2007_layout_rescale_trailing_commas_and_soq():
    res = import_file(FIX / "CFE_K07_VX.csv")
    v = _piece(res, "vx_settlements")
    # Rows before 2007-03-26 were quoted at 10x: 139.8 -> 13.98.
    assert v["settle"].tolist() == pytest.approx([13.98, 13.87, 14.05, 13.25, 13.52])
    assert set(v["contract"]) == {"VXK07"}
    assert (v["expiry"] == pd.Timestamp("2007-05-16")).all()
    fin = _piece(res, "final_settlements")
    assert fin["value"].tolist() == [13.52]
    assert fin["known_at"].iloc[0] == pd.Timestamp("2007-05-16 09:45")


def test_cfe_modern_layout_disclaimer_and_iso_dates():
    v = _piece(import_file(FIX / "VX_2020-03-18.csv"), "vx_settlements")
    assert v["contract"].tolist() == ["VXH20", "VXH20"]
    assert v["settle"].iloc[1] == 72.625
    assert v["expiry"].iloc[0] == pd.Timestamp("2020-03-18")


@pytest.mark.parametrize(
    ("header", "fmt"),
    [
        ("DATE,OPEN,HIGH,LOW,CLOSE", "index_ohlc"),
        ("date,open,high,low,close,volume,ohlc_quality,source", "index_ohlc"),
        ("DATE,SKEW", "index_close"),
        ("date,VIX9D,VIX,VIX3M,VIX6M,SP500", "index_close"),
        ("Date,Open,High,Low,Close,Adj Close,Volume", "yahoo"),
        ("DATE,DFF", "fred"),
        ("date,irx_close_pct", "fred"),
        (
            "Trade Date,Futures,Open,High,Low,Close,Settle,Change,Total Volume,EFP,Open Interest",
            "cfe_raw",
        ),
        (
            "trade_date,contract,contract_month,expiry,dte_cal,settle,volume,open_interest,source",
            "vx_panel",
        ),
        ("decision_date,meeting_start,type", "fomc"),
        ("release_date,reference_month,source_url", "cpi"),
        ("date,kind", "events"),
    ],
)
def test_detection_by_header(header, fmt):
    found = detect(tuple(header.split(",")))
    assert found is not None and found[0] == fmt


def test_detection_ignores_file_name(tmp_path):
    # A FRED series saved under an index-looking name is still read as a rate series.
    p = tmp_path / "VIX_History.csv"
    p.write_text("DATE,DFF\n2017-01-03,0.66\n")
    assert import_file(p).pieces[0].table == "rates"


def test_disclaimer_line_is_skipped():
    header, line = header_of("Some disclaimer without commas\nTrade Date,Futures,Settle\n1,2,3\n")
    assert header == ("Trade Date", "Futures", "Settle") and line == 2


def test_unknown_layout_names_the_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("foo,bar\n1,2\n")
    with pytest.raises(DataFormatError) as e:
        import_file(p)
    assert e.value.line == 1 and "known layout" in str(e.value)


def test_gzip_is_read_transparently(tmp_path):
    import gzip

    p = tmp_path / "vvix.csv.gz"
    p.write_bytes(gzip.compress((FIX / "VVIX_History.csv").read_bytes()))
    f = import_file(p).pieces[0].frame
    assert np.allclose(f["close"], [97.12, 94.20, 93.50])


def test_tar_members_are_read_directly(tmp_path):
    import tarfile

    p = tmp_path / "cfe.tar.gz"
    with tarfile.open(p, "w:gz") as tar:
        for name in ("CFE_K07_VX.csv", "VX_2020-03-18.csv"):
            tar.add(FIX / name, arcname=f"raw/{name}")
    res = import_file(p)
    v = _piece(res, "vx_settlements")
    assert sorted(v["contract"].unique()) == ["VXH20", "VXK07"]
    assert len(v) == 7
