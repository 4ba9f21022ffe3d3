"""The two real chain files of shared/data import with the facts SOURCES.md gives (section 4, 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alvh.market.chain_quality import parity_fits
from alvh.market.store import Store, import_paths

pytestmark = pytest.mark.realdata

DATASHOP_2019 = "calibration/spxw_options_2019-06-26_1545_datashop_format.csv.gz"
HOD_2018 = "calibration/spx_options_eod_2018-01_hod_format.csv.gz"


@pytest.fixture(scope="module")
def imported(shared_data: Path, tmp_path_factory):  # type: ignore[no-untyped-def]
    st = Store(tmp_path_factory.mktemp("chains"))
    report = import_paths(st, [shared_data / DATASHOP_2019, shared_data / HOD_2018])
    return st, report, st.load().tables["option_chains"]


def _file(report, name: str):  # type: ignore[no-untyped-def]
    (f,) = [f for f in report.files if Path(f.path).name == Path(name).name]
    return f


def test_2019_datashop_chain_facts(imported) -> None:  # type: ignore[no-untyped-def]
    _, report, chains = imported
    f = _file(report, DATASHOP_2019)
    assert f.fmt == "cboe_datashop" and f.status == "imported"
    c = chains[chains["quote_date"] == "2019-06-26"]
    assert len(c) == 10_384
    assert (c["right"] == "C").sum() == (c["right"] == "P").sum() == 5_192
    assert c["expiry"].nunique() == 30
    assert c["expiry"].min() == pd.Timestamp("2019-06-26")
    assert c["expiry"].max() == pd.Timestamp("2020-06-30")
    assert (c["strike"].min(), c["strike"].max()) == (800.0, 4200.0)
    assert set(c["root"]) == {"SPXW"}
    # Underlying bid/ask 2917.80/2918.42: the stored underlying is the mid.
    assert np.allclose(c["underlying"], (2917.80 + 2918.42) / 2)
    assert (c["bid"] == 0).sum() == 706
    assert (c["volume"] > 0).sum() == 2_618
    # Flags: the 706 zero bids, no crossed quote, and (measured) no parity or stale flag.
    q = f.chain_quality.iloc[0]
    assert (q["rows"], q["zero_bid"], q["crossed"], q["stale"], q["parity"]) == (
        10_384,
        706,
        0,
        0,
        0,
    )


def test_2018_hod_chain_facts_and_parity(imported) -> None:  # type: ignore[no-untyped-def]
    _, report, chains = imported
    assert _file(report, HOD_2018).fmt == "hod"
    c = chains[chains["quote_date"] < "2019-01-01"]
    assert len(c) == 7_588
    assert c["quote_date"].nunique() == 21
    assert set(c["expiry"]) == {pd.Timestamp("2018-01-31")}
    assert (c["bid"] > c["ask"]).sum() == 0
    day = c[c["quote_date"] == "2018-01-02"]
    s = float(day["underlying"].iloc[0])
    assert s == 2695.79
    mid = ((day["bid"] + day["ask"]) / 2).to_numpy()
    call = pd.Series(mid[(day["right"] == "C").to_numpy()], day.loc[day["right"] == "C", "strike"])
    put = pd.Series(mid[(day["right"] == "P").to_numpy()], day.loc[day["right"] == "P", "strike"])
    # SOURCES.md: C - P mid = S - K - 0.44 near the money on 2018-01-02.
    assert call[2695.0] - put[2695.0] == pytest.approx(s - 2695.0 - 0.44, abs=0.005)
    # The importer's parity line agrees: DF (F - S) within 0.1 of -0.44, DF ~ 1 at 29 days.
    ((fit, _),) = parity_fits(day)
    assert fit.discount * (fit.forward - s) == pytest.approx(-0.44, abs=0.1)
    assert fit.discount == pytest.approx(1.0, abs=0.002)


def test_2019_parity_discounts_give_the_rates_of_mid_2019(imported) -> None:  # type: ignore[no-untyped-def]
    _, _, chains = imported
    fits = [f for f, _ in parity_fits(chains[chains["quote_date"] == "2019-06-26"])]
    long = [f for f in fits if (f.expiry - f.quote_date).days >= 60]
    rates = [-np.log(f.discount) / ((f.expiry - f.quote_date).days / 365) for f in long]
    # Fed funds were 2.38-2.40% in June 2019; the implied rates of 2-12 months sit near it.
    assert min(rates) > 0.018 and max(rates) < 0.030
    assert all(2915.0 < f.forward < 2930.0 for f in fits)


def test_reimporting_changes_nothing(imported, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    st, _, _ = imported
    before = st.data_id
    again = import_paths(st, [shared_data / DATASHOP_2019])
    assert again.files[0].status == "unchanged" and st.data_id == before


def test_price_spx_on_the_chain_day_uses_the_quotes(shared_data: Path, tmp_path: Path) -> None:
    from alvh.cli.price import spx_price_table

    st = Store(tmp_path / "store")
    names = [
        "spx_daily_1927_2026.csv",
        "vix_daily_cboe_1990_2026.csv",
        "fed_funds_effective_daily_fred_DFF_1954_2026.csv",
        DATASHOP_2019,
    ]
    import_paths(st, [shared_data / n for n in names])
    market = st.load("2019-06-01", "2019-07-31")
    day, expiry = pd.Timestamp("2019-06-26"), pd.Timestamp("2019-07-19")
    frame, inputs = spx_price_table(market, day, expiry, np.array([2700.0, 2900.0]), False)
    assert inputs["surface"] == "quotes" and inputs["basis"].startswith("quotes: SPXW chain")
    p2900 = frame[frame["strike"] == 2900.0].iloc[0]
    assert (p2900["bid"], p2900["ask"], p2900["mid"]) == (33.70, 34.00, 33.85)
    # An out-of-the-money put at a listed strike is priced at its own mid.
    assert p2900["price"] == pytest.approx(33.85, abs=0.01)
    assert abs(p2900["iv_diff_pts"]) < 5.0
    _, next_day = spx_price_table(
        market, pd.Timestamp("2019-06-27"), expiry, np.array([2900.0]), False
    )
    assert next_day["surface"] == "model" and "no option chain for 2019-06-27" in next_day["basis"]
