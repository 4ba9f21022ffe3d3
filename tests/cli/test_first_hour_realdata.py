"""First-hour messages on the real data: the spans a refused period names are the store's."""

from __future__ import annotations

from pathlib import Path

import pytest

from alvh.cli.app import main
from alvh.market.store import Store, import_paths

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def spx_vix_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the real SPX (1927-) and VIX (1990-) daily histories, read in place."""
    root = tmp_path_factory.mktemp("store")
    files = [shared_data / "spx_daily_1927_2026.csv", shared_data / "vix_daily_cboe_1990_2026.csv"]
    import_paths(Store(root), files)
    return root


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, " ".join((cap.out + cap.err).split())


def test_period_after_the_vix_history_names_both_spans(capsys, tmp_path, spx_vix_store) -> None:
    # The engine once said "it spans 2025-08-01..2026-08-21": the window a run loads (a year
    # before --start), not what the store holds; and it did not say VIX was the short series.
    out = tmp_path / "out"
    code, text = _run(
        capsys,
        "backtest",
        "--preset",
        "ic-ladder",
        "--store",
        str(spx_vix_store),
        "--start",
        "2026-08-03",
        "--end",
        "2026-12-31",
        "--out",
        str(out),
    )
    assert code == 2
    assert "no session between 2026-08-03 and 2026-12-31 has both SPX and VIX bars" in text
    assert "SPX 1927-12-30..2026-08-21, VIX 1990-01-02..2026-07-22" in text
    assert "choose dates within 1990-01-02..2026-07-22" in text
    assert not out.exists()


def test_holiday_names_the_sessions_around_it(capsys, spx_vix_store) -> None:
    code, text = _run(
        capsys,
        "price",
        "spx",
        "--date",
        "2020-07-03",
        "--expiry",
        "2020-07-17",
        "--strikes",
        "3000",
        "--store",
        str(spx_vix_store),
    )
    assert code == 2
    assert "--date 2020-07-03 (Friday) is not an NYSE trading session" in text
    assert "2020-07-02 (Thu) and 2020-07-06 (Mon)" in text
