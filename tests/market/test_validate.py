"""Bad input is rejected with the file, line, column, value and what was expected."""

from __future__ import annotations

import pytest

from alvh.errors import DataFormatError
from alvh.market.importers import import_file

HEAD = "DATE,OPEN,HIGH,LOW,CLOSE\n"


def _err(tmp_path, text: str, name: str = "VIX_History.csv") -> DataFormatError:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(DataFormatError) as e:
        import_file(p)
    assert str(p) in str(e.value)
    return e.value


def test_malformed_row_names_its_line(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,13\n01/04/2017,12,13,11\n")
    assert e.line == 3 and "5 comma-separated fields" in e.expected


def test_negative_price(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,13\n01/04/2017,12,13,11,-12\n")
    assert (e.line, e.field, e.value) == (3, "close", -12.0)


def test_unsorted_dates(tmp_path):
    e = _err(tmp_path, HEAD + "01/04/2017,14,14,12,13\n01/03/2017,12,13,11,12\n")
    assert (e.line, e.field, e.value) == (3, "date", "2017-01-03")
    assert "increasing" in e.expected and "line 2" in e.expected


def test_duplicate_dates(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,13\n01/03/2017,12,13,11,12\n")
    assert e.line == 3 and "unique" in e.expected


def test_bad_date(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,13\n13/45/2017,12,13,11,12\n")
    assert (e.line, e.field, e.value) == (3, "DATE", "13/45/2017")


def test_not_a_number(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,abc\n")
    assert (e.line, e.field, e.value) == (2, "CLOSE", "abc")


def test_close_outside_high_low(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,14,14,12,15\n")
    assert (e.line, e.field) == (2, "close") and "within [low, high]" in e.expected


def test_bar_on_a_holiday_is_an_error(tmp_path):
    # 2017-07-04 is no session; only the documented holiday bars are dropped instead.
    e = _err(tmp_path, HEAD + "07/03/2017,11,12,10,11\n07/04/2017,11,12,10,11\n")
    assert (e.line, e.field, e.value) == (3, "date", "2017-07-04")


def test_documented_gth_holiday_bar_is_dropped(tmp_path):
    p = tmp_path / "VIX_History.csv"
    p.write_text(HEAD + "07/03/2024,12.1,12.2,11.9,12.09\n07/04/2024,12.1,12.35,12.09,12.26\n")
    res = import_file(p)
    assert len(res.pieces[0].frame) == 1
    assert sum(res.dropped.values()) == 1


def test_legacy_vix_open_outside_range_becomes_nan(tmp_path):
    p = tmp_path / "VIX_History.csv"
    p.write_text(HEAD + "11/08/2004,2.58,14.48,13.68,13.80\n")
    f = import_file(p).pieces[0].frame
    assert f["open"].isna().all() and f["close"].iloc[0] == 13.80


def test_recent_open_outside_range_is_an_error(tmp_path):
    e = _err(tmp_path, HEAD + "01/03/2017,2.58,14,12,13\n")
    assert (e.line, e.field) == (2, "open")


def test_vx_expiry_must_follow_cfe_rule(tmp_path):
    text = (
        "trade_date,contract,contract_month,expiry,dte_cal,settle,volume,open_interest,source\n"
        "2020-03-16,VXH20,2020-03,2020-03-18,2,72.625,,,x\n"
        "2020-03-16,VXJ20,2020-04,2020-04-16,31,60.0,,,x\n"
    )
    e = _err(tmp_path, text, "panel.csv")
    assert (e.line, e.field, e.value) == (3, "expiry", "2020-04-16")
    assert "2020-04-15" in e.expected


def test_vx_ten_times_quotes_after_2007_are_implausible(tmp_path):
    text = (
        "Trade Date,Futures,Open,High,Low,Close,Settle,Change,Total Volume,EFP,Open Interest\n"
        "01/03/2008,F (Jan 08),0,0,0,0,231.5,0,0,0,0\n"
    )
    e = _err(tmp_path, text, "CFE_F08_VX.csv")
    assert (e.line, e.field) == (2, "settle")


def test_unknown_event_kind(tmp_path):
    e = _err(tmp_path, "date,kind\n2017-02-01,NFP\n", "events.csv")
    assert (e.line, e.field, e.value) == (2, "kind", "NFP")


def test_unknown_fred_series(tmp_path):
    e = _err(tmp_path, "DATE,DGS10\n2017-01-03,2.45\n", "DGS10.csv")
    assert e.field == "DGS10" and "DFF" in e.expected
