"""The fidelity report on the shared data: the figures reached hold as floors.

Floors measured on 2026-12-03 with the shipped surface parameters (surface_params.json v2,
label v2-e82a6995a1ef, fitted on 2007-2025 and both chains: these are in-sample figures) at
branch surface f7928c0; a recalibration that changes them must move these floors with the
measurement, never loosen them silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alvh.fidelity.chains import read_chain_file
from alvh.fidelity.report import build_report, file_id, write_report
from alvh.market.data import MarketData

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

HOD = "spx_options_eod_2018-01_hod_format.csv.gz"
DATASHOP = "spxw_options_2019-06-26_1545_datashop_format.csv.gz"
# Goal window (5-50 delta, 14-60 DTE) mean |model - market IV|, vol points: measured (HOD
# 0.40 / 0.36, DataShop 0.19 / 0.30) + ~0.1.
FLOORS_PTS = {HOD: {"P": 0.5, "C": 0.45}, DATASHOP: {"P": 0.3, "C": 0.4}}
MIN_COMPARED = {HOD: {"P": 300, "C": 150}, DATASHOP: {"P": 700, "C": 380}}


@pytest.fixture(scope="module")
def report_dir(
    real_market: MarketData, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    cal = shared_data / "calibration"
    inputs = [(name, file_id(cal / name), read_chain_file(cal / name)) for name in FLOORS_PTS]
    r = build_report(real_market, index_dir=cal, chain_inputs=inputs)
    out = tmp_path_factory.mktemp("fidelity")
    write_report(r, out)
    return out


def test_chain_iv_errors_hold_their_floors(report_dir: Path) -> None:
    js = json.loads((report_dir / "fidelity.json").read_text())
    chains = {c["source"]: c for c in js["chains"]}
    assert set(chains) == set(FLOORS_PTS)
    for name, floors in FLOORS_PTS.items():
        h = chains[name]["headline"]
        for right, ceiling in floors.items():
            assert h[right]["count"] >= MIN_COMPARED[name][right], (name, right)
            assert h[right]["mean_abs_error_pts"] <= ceiling, (name, right, h[right])


def test_chain_tables_cover_puts_and_calls_by_bucket(report_dir: Path) -> None:
    js = json.loads((report_dir / "fidelity.json").read_text())
    ds = next(c for c in js["chains"] if c["source"] == DATASHOP)
    # 30 expiries out to a year: every DTE bucket has puts and calls.
    buckets = {(r["right"], r["dte_bucket"]) for r in ds["by_dte"]}
    assert buckets == {(r, b) for r in "PC" for b in ("7-14", "14-30", "30-60", "60-120", "120+")}
    assert {(r["right"], r["delta_bucket"]) for r in ds["by_delta"]} == {
        (r, b) for r in "PC" for b in ("5-10", "10-20", "20-35", "35-50")
    }
    hod = next(c for c in js["chains"] if c["source"] == HOD)
    assert len(hod["quote_dates"]) == 20  # 21 in the file; the expiry day has no time left
    page = (report_dir / "fidelity.html").read_text()
    assert js["data"]["data_id"] in page and js["surface_params"] in page


# After 2015-12-31 (in sample for these parameters, see above): monthly corr, |CAGR gap| pp,
# |max-DD gap| pp, years of the same sign. Measured: PUT 0.986, 1.13, 1.38, 10/10; PPUT 0.994,
# 0.29, 1.36, 10/10; BXM 0.989, 0.20, 1.13, 11/11; CLL 0.994, 0.13, 2.14, 11/11.
INDEX_FLOORS = {
    "PUT": (0.975, 1.45, 1.9, 10),
    "PPUT": (0.985, 0.6, 1.9, 10),
    "BXM": (0.978, 0.5, 1.6, 11),
    "CLL": (0.983, 0.45, 2.6, 11),
}


def test_index_replicas_hold_their_floors(report_dir: Path) -> None:
    js = json.loads((report_dir / "fidelity.json").read_text())
    if not js["indexes"]:
        assert any("replicas" in n for n in js["notes"])
        pytest.skip("no index replicas in this build")
    got = {ix["name"]: ix for ix in js["indexes"]}
    assert set(got) == set(INDEX_FLOORS)
    for name, (corr, cagr_gap, dd_gap, signs) in INDEX_FLOORS.items():
        ix = got[name]
        assert len(ix["real_file_id"]) == 16
        assert {"whole", "in_sample", "out_of_sample"} <= set(ix["windows"])
        m = ix["windows"]["out_of_sample"]
        assert m["start"] == "2015-12-31"
        assert m["monthly_corr"] >= corr, (name, m["monthly_corr"])
        assert abs(m["cagr_gap_pp"]) <= cagr_gap, (name, m["cagr_gap_pp"])
        assert abs(m["max_dd_gap_pp"]) <= dd_gap, (name, m["max_dd_gap_pp"])
        assert m["sign_agree_years"] >= signs, (name, m["sign_agree_years"])


def test_vix_section_reports_the_fitted_model_on_the_real_vix_chain(
    real_market: MarketData, shared_data: Path, tmp_path: Path
) -> None:
    # The VIX section of ``alvh fidelity``: the shipped VIX option model against the 2024-06-03
    # chain, monthly and weekly expiries, calls and puts. Monthly calls of 0.1-0.6 delta are
    # 2-8% off in the fit (docs/vix-models.md); the ceiling here is the 10% goal.
    from alvh.cli.fidelity import vix_section

    frame = vix_section(shared_data)
    assert frame is not None
    assert set(frame["root"]) == {"VIX", "VIXW"}
    assert (frame["quote_date"] == "2024-06-03").all()
    monthly = frame[(frame["root"] == "VIX") & (frame["delta_bucket"] == "all")]
    assert len(monthly) == 6
    assert (monthly["atm_err_pts"].abs() <= 5.0).all(), monthly
    r = build_report(real_market, index_dir=None, chain_inputs=[], vix=frame)
    write_report(r, tmp_path)
    js = json.loads((tmp_path / "fidelity.json").read_text())
    assert len(js["vix"]) == len(frame)
    assert "VIX options" in (tmp_path / "fidelity.html").read_text()
