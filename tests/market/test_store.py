"""The store: load, merge rule, data id, atomic and idempotent imports, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alvh.cli.app import main
from alvh.errors import DataFormatError, NoDataError, StoreError
from alvh.market.store import Store, default_store_path, import_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "market"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_empty_store(tmp_path):
    st = Store(tmp_path / "s")
    assert st.is_empty() and st.data_id is None
    with pytest.raises(NoDataError):
        st.load()


def test_default_path_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ALVH_STORE", str(tmp_path / "x"))
    assert default_store_path() == tmp_path / "x"
    monkeypatch.delenv("ALVH_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "alvh" / "store"


def test_import_then_load_gives_market_data(tmp_path):
    st = Store(tmp_path / "s")
    rep = import_paths(st, [FIX])
    assert rep.changed and rep.data_id_after == st.data_id
    md = st.load()
    assert md.source.kind == "store" and md.source.data_id == st.data_id
    assert md.snapshot("2017-01-04 16:20").close("VIX") == 11.85
    assert md.snapshot("2017-01-04 16:10").close("VIX") == 12.85  # not yet known at 16:10
    vx = md.tables["vx_settlements"]
    assert vx.loc[vx["date"] == "2020-03-16", "settle"].item() == 72.625
    assert md.tables["final_settlements"]["value"].tolist() == [13.52]
    files = {Path(f.path).name: f for f in rep.files}
    assert files["FRED_DFF.csv"].dropped == {"DFF: missing value ('.' or empty)": 1}


def test_load_window(tmp_path):
    st = Store(tmp_path / "s")
    import_paths(st, [FIX])
    md = st.load(start="2017-01-04", end="2017-01-04")
    assert md.tables["index_bars"]["date"].unique().tolist() == [pd.Timestamp("2017-01-04")]
    assert len(md.tables["rates"]) == 2  # rates keep a 14-day lookback
    assert len(md.tables["events"]) == 3  # events are calendars: never cut


def test_reimport_same_files_changes_nothing(tmp_path):
    st = Store(tmp_path / "s")
    import_paths(st, [FIX])
    before = _tree(st.root)
    rep = import_paths(st, [FIX])
    assert not rep.changed
    assert {f.status for f in rep.files} == {"unchanged"}
    assert _tree(st.root) == before


def test_failed_import_leaves_store_unchanged(tmp_path):
    st = Store(tmp_path / "s")
    import_paths(st, [FIX / "VIX_History.csv"])
    before, data_id = _tree(st.root), st.data_id
    bad = tmp_path / "bad.csv"
    bad.write_text("DATE,VVIX\n01/03/2017,-1\n")
    with pytest.raises(DataFormatError):
        import_paths(st, [FIX / "VVIX_History.csv", bad])
    assert _tree(st.root) == before and st.data_id == data_id


def test_failure_while_writing_removes_new_objects(tmp_path, monkeypatch):
    st = Store(tmp_path / "s")
    import_paths(st, [FIX / "VIX_History.csv"])
    before, data_id = _tree(st.root), st.data_id

    def boom(m):
        raise OSError("disk full")

    monkeypatch.setattr(Store, "_write_manifest", lambda self, m: boom(m))
    with pytest.raises(OSError):
        import_paths(st, [FIX / "VVIX_History.csv", FIX / "^GSPC.csv"])
    assert _tree(st.root) == before and st.data_id == data_id


def test_merge_rule_rank_then_latest(tmp_path):
    st = Store(tmp_path / "s")
    a = tmp_path / "a" / "VIX_History.csv"
    b = tmp_path / "b" / "VIX_History.csv"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_text("DATE,OPEN,HIGH,LOW,CLOSE\n01/03/2017,14,14,12,13\n01/04/2017,12,13,11,12\n")
    b.write_text("DATE,OPEN,HIGH,LOW,CLOSE\n01/04/2017,12,13,11,12.5\n01/05/2017,12,13,11,11.7\n")
    import_paths(st, [a])
    import_paths(st, [b])  # same rank, later import wins on 2017-01-04
    bars = st.load().tables["index_bars"]
    assert bars["close"].tolist() == [13, 12.5, 11.7]
    # A multi-index close table ranks below the dedicated file whatever the order.
    qi = tmp_path / "terms.csv"
    qi.write_text("date,VIX,VIX6M\n2017-01-04,99,15\n")
    import_paths(st, [qi])
    bars = st.load().tables["index_bars"]
    vix = bars[bars["symbol"] == "VIX"]
    assert vix["close"].tolist() == [13, 12.5, 11.7]
    assert bars[bars["symbol"] == "VIX6M"]["close"].tolist() == [15]


def test_data_id_is_content_not_order(tmp_path):
    s1, s2 = Store(tmp_path / "1"), Store(tmp_path / "2")
    import_paths(s1, [FIX / "VIX_History.csv", FIX / "VVIX_History.csv"])
    import_paths(s2, [FIX / "VVIX_History.csv"])
    import_paths(s2, [FIX / "VIX_History.csv"])
    assert s1.data_id == s2.data_id
    m = json.loads((s1.root / "manifest.json").read_text())
    assert all(
        (s1.root / "objects" / f"{t['object']}.parquet").exists() for t in m["tables"].values()
    )


def test_locked_store(tmp_path):
    st = Store(tmp_path / "s")
    st.root.mkdir()
    (st.root / ".lock").write_text("123")
    with pytest.raises(StoreError, match="locked"):
        import_paths(st, [FIX / "VIX_History.csv"])


def test_missing_path(tmp_path):
    with pytest.raises(DataFormatError, match="existing file"):
        import_paths(Store(tmp_path / "s"), [tmp_path / "nope.csv"])


def test_cli_import_and_status(tmp_path, capsys):
    store = str(tmp_path / "s")
    assert main(["data", "import", str(FIX), "--store", store]) == 0
    out = capsys.readouterr().out
    assert "VX (1 contract)" in out and "dropped 1 rows" in out
    assert main(["data", "status", "--store", store]) == 0
    out = capsys.readouterr().out
    assert Store(store).data_id in out and "VVIX" in out and "VX (2 contracts)" in out


def test_cli_bad_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "VIX_History.csv"
    bad.write_text("DATE,OPEN,HIGH,LOW,CLOSE\n01/03/2017,14,14,12,-1\n")
    assert main(["data", "import", str(bad), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "close" in err
