"""Importing all of shared/data into a fresh store gives the published facts (SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.calendar.expiries import parse_vx_contract, vx_expiry
from alvh.market.store import Store, import_paths

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def imported(shared_data: Path, tmp_path_factory):
    st = Store(tmp_path_factory.mktemp("store"))
    report = import_paths(st, [shared_data])
    return st, report, st.load()


def _dropped(report, name: str) -> dict[str, int]:
    (f,) = [f for f in report.files if Path(f.path).name.startswith(name)]
    return f.dropped


def test_index_facts(imported):
    _, _, md = imported
    bars = md.tables["index_bars"].set_index(["symbol", "date"])
    assert bars.loc[("VIX", pd.Timestamp("2008-11-20")), "close"] == 80.86
    assert bars.loc[("SPX", pd.Timestamp("2008-10-10")), "close"] == 899.22
    assert bars.loc[("VIX9D", pd.Timestamp("2020-03-16")), "close"] == 106.66
    # VIX6M comes only from the term-closes table.
    assert "VIX6M" in md.symbols
    # SPX before 1982-04-20 has no real open (ohlc_quality): NaN, not a fake price.
    assert np.isnan(bars.loc[("SPX", pd.Timestamp("1970-06-01")), "open"])
    assert bars.loc[("SPX", pd.Timestamp("2008-10-10")), "open"] > 0


def test_vx_facts(imported):
    _, _, md = imported
    vx = md.tables["vx_settlements"]
    row = vx[(vx["contract"] == "VXH20") & (vx["date"] == "2020-03-16")]
    assert row["settle"].item() == 72.625
    assert not vx.duplicated(["date", "contract"]).any()
    # Up to 2015-04-01 exactly the 21,419 cleaned CFE rows: the continuous files add nothing
    # for far months CFE did not settle (2007-2011), although they were imported too.
    assert (vx["date"] <= "2015-04-01").sum() == 21_419


def test_every_vx_contract_expires_by_the_cfe_rule(imported):
    _, _, md = imported
    vx = md.tables["vx_settlements"]
    for code, exp in vx.groupby("contract")["expiry"].first().items():
        assert exp.date() == vx_expiry(*parse_vx_contract(code)), code
    assert (vx["date"] <= vx["expiry"]).all()
    fin = md.tables["final_settlements"]
    assert len(fin) == 120


def test_dropped_rows_are_reported(imported):
    _, report, _ = imported
    assert _dropped(report, "vvix") == {"VVIX: flagged suspect in the source": 6}
    assert _dropped(report, "vx_futures_contracts") == {"flagged suspect_settle in the source": 343}
    raw = _dropped(report, "vx_cfe_raw")
    assert raw["settle <= 0 (pre-listing placeholder)"] > 0


def test_raw_cfe_archive_equals_cleaned_file(shared_data: Path, tmp_path):
    # The raw exchange files, cleaned by the importer's own rules, give exactly the rows of the
    # hand-checked per-contract file (same keys, same settles after the /10 rescaling).
    a, b = Store(tmp_path / "raw"), Store(tmp_path / "clean")
    import_paths(a, [shared_data / "vx_cfe_raw_contract_files_2004_2015.tar.gz"])
    import_paths(b, [shared_data / "vx_futures_contracts_cfe_2004_2015.csv.gz"])
    va, vb = (s.load().tables["vx_settlements"] for s in (a, b))
    cols = ["date", "contract", "expiry", "settle", "volume", "open_interest"]
    pd.testing.assert_frame_equal(va[cols], vb[cols])


def test_reimport_all_is_a_no_op(imported, shared_data: Path):
    st, report, _ = imported
    again = import_paths(st, [shared_data])
    assert not again.changed and again.data_id_after == report.data_id_after
