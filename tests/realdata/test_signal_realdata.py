"""``alvh signal`` on the real store: every session of 2020 (the COVID crash) with alvh-442.

The config starts 2020-01-02, so each signal replays at most a year. Each signal loads the store
only through its day D (``load_for_signal``: nothing after D is read) and replays the backtest;
its orders (model and limit prices included) and its journal must equal the rows of D of ONE
full-year run, on all 252 sessions after the first (the first is refused: the engine needs two).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def store(hedge_inputs_store: Path) -> Path:
    return hedge_inputs_store


def _config():  # type: ignore[no-untyped-def]
    from alvh.config.hedge import hedge_preset
    from alvh.config.load import config_with_overrides, load_preset

    over = {"data.start": date(2020, 1, 2), "data.end": date(2020, 12, 31), "data.source": "store"}
    cfg = config_with_overrides(load_preset("ic-ladder"), **over)
    return cfg.model_copy(update={"hedge": hedge_preset("alvh-442")})


def _records(orders: pd.DataFrame) -> list[tuple]:  # type: ignore[type-arg]
    # A blank price (NaN: no quoted mid without a chain) compares as "nan", so rows are equal
    # exactly when every field is (NaN != NaN would fail equal rows).
    return [
        tuple("nan" if isinstance(v, float) and v != v else v for v in row)
        for row in orders.itertuples(index=False, name=None)
    ]


def test_signal_equals_the_2020_backtest_on_every_session(store: Path) -> None:
    from alvh.backtest import run
    from alvh.live.signal import SignalDateError, load_for_signal, signal_for

    cfg = _config()
    full = run(cfg, load_for_signal(cfg, store, cfg.data.end))
    sessions = full.daily.index
    assert len(sessions) == 253 and full.daily["vix"].max() > 80  # 2020-03-16: VIX 82.69
    journal = dict(full.journal)
    dates = pd.to_datetime(full.orders["date"])
    compared = 0
    kinds: set[str] = set()
    with pytest.raises(SignalDateError, match="first session"):
        signal_for(cfg, load_for_signal(cfg, store, date(2020, 1, 2)), date(2020, 1, 2))
    for day in sessions[1:]:
        d = day.date()
        sig = signal_for(cfg, load_for_signal(cfg, store, d), d)
        expected = full.orders[dates == day].reset_index(drop=True)
        assert _records(sig.orders) == _records(expected), d
        assert sig.journal == tuple(journal[day]), d
        compared += len(sig.orders)
        kinds |= set(sig.orders["kind"])
    assert compared == len(full.orders) > 200
    assert kinds == {"condor_entry", "condor_exit", "hedge"}


def test_cli_signal_on_a_store_runs_past_the_presets_end(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A preset ends in 2024; on a store the replay still runs to D (the store's last session
    by default), so --start after the preset's end is a valid request, not a period error."""
    import json

    from alvh.cli.app import main

    code = main(
        [
            "signal",
            "--preset",
            "ic-ladder",
            "--store",
            str(store),
            "--start",
            "2026-01-02",
            "--json",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    sig = json.loads(out.out)
    assert sig["replay"]["start"] == "2026-01-02"
    assert sig["date"] > "2026-01-02" and sig["date"] == sig["replay"]["end"]
