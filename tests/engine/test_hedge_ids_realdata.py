"""A hedge contract id carries its terms: on the real VX panel, every contract's expiry is the
one its id names by the CFE rule, so the engine's pricer needs no registry of data expiries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alvh.book.contracts import VixFuture, parse_contract_id
from alvh.engine.hedge_pricing import HedgePricer
from alvh.market.store import Store, import_paths

pytestmark = pytest.mark.realdata

VX_PANEL = "vx_settle_panel_2004_2026.csv.gz"


def test_every_vx_contract_in_the_data_expires_where_its_id_says(
    shared_data: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "vx-store")
    import_paths(store, [shared_data / VX_PANEL])
    market = store.load()
    vx = market.tables["vx_settlements"]
    pairs = vx[["contract", "expiry"]].drop_duplicates()
    # 273 monthly contracts, 2004-05 to 2027-05 (the panel as of 2026-07): a fact of the data.
    assert len(pairs) >= 270
    for code, expiry in pairs.itertuples(index=False):
        c = parse_contract_id(code)
        assert isinstance(c, VixFuture) and not c.mini, code
        assert c.expiry == pd.Timestamp(expiry).date(), code
    # So a contract is marked from its id alone: the settle of that contract on the known curve.
    day = pd.Timestamp("2020-03-16")
    rows = vx[vx["date"] == day].sort_values("expiry")
    snap = market.snapshot(day + pd.Timedelta(hours=16, minutes=15))
    pricer = HedgePricer()
    for r in rows.head(4).itertuples():
        m = pricer.mark(snap, r.contract)
        assert m.mid == r.settle and m.expiry == pd.Timestamp(r.expiry), r.contract
        assert pricer.mark(snap, "VXM" + r.contract[2:]).mid == r.settle
