"""Where the hedge's time goes: lower bounds on its cost, measured by record and replay.

On the real data (``bench_engine``'s 2006-2026 ladder and ``alvh-442``; skipped without
``../shared/data``), each figure is a run plus its journal write, beside the unhedged run of the
same process:

``hedged``
    The ALVH hook as shipped (what ``bench_engine`` times).
``decisions replayed``
    A hook that returns, session by session, the orders and journal entries the shipped hook
    recorded on an earlier run, and decides nothing. The engine's hedge bookkeeping (book
    view, hedge marks, fills, the hedge account) and the journal write still run: the floor
    of any implementation of the hook that journals what this one journals.
``replayed + triggers``
    As above, plus what any decision that journals every rule every session must do: price
    the hedge instruments' market view, look the close rules up, evaluate every trigger on
    that session's inputs and build its journal row. The inputs (book columns, events,
    exposure) are handed over for free, so this bounds from below a hook that evaluates and
    journals all the rules each session.

Each replay checks that it reproduced the recorded run (same daily hedged equity): a replay
that diverged would time a different backtest.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from bench_engine import START, _real_market, _shared_data

from alvh.backtest import definitions, hedge_for
from alvh.config.hedge import hedge_preset
from alvh.config.load import config_with_overrides, load_preset
from alvh.config.run import RunConfig
from alvh.engine.alvh_hedge import AlvhHedge
from alvh.engine.from_config import engine_settings
from alvh.engine.hedge_hook import BookView, HedgeHook, HedgeOrder, NoHedge
from alvh.engine.hedge_ledger import rule_outcome
from alvh.engine.hedge_pricing import _Market
from alvh.engine.journal import JournalEntry, write_journal_atomically
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.market.data import MarketData
from alvh.market.snapshot import MarketSnapshot
from alvh.strategy.hedge.decision import evaluate_triggers
from alvh.strategy.hedge.state import HedgeInputs

Decided = tuple[list[HedgeOrder], list[JournalEntry]]


class _Recording(AlvhHedge):
    """The shipped hook, keeping what it returned and the inputs its step read."""

    def __init__(self, shipped: AlvhHedge) -> None:
        super().__init__(shipped.cfg, shipped.pricer.costs, shipped.fill_timing)
        self.outputs: list[Decided] = []
        self.step_inputs: list[HedgeInputs] = []

    def _inputs(self, snap: MarketSnapshot, view: BookView, m: _Market) -> HedgeInputs:
        inputs = super()._inputs(snap, view, m)
        self.step_inputs.append(inputs)
        return inputs

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decided:
        out = super().decide(snap, view)
        self.outputs.append(out)
        return out


class _Replay(AlvhHedge):
    """Returns the recorded decisions; with ``triggers``, also evaluates and journals the rules."""

    def __init__(self, rec: _Recording, triggers: bool) -> None:
        super().__init__(rec.cfg, rec.pricer.costs, rec.fill_timing)
        self._rec = rec
        self._triggers = triggers

    def prepare(self, data: MarketData) -> None:
        super().prepare(data)
        # The shipped hook registers each contract with its pricer when it first quotes it;
        # this one quotes nothing, so it registers up front every contract the recorded run
        # ordered (the engine prices fills and marks through the hook's pricer).
        ordered = {o.contract_id for orders, _ in self._rec.outputs for o in orders}
        for cid in sorted(ordered):
            self.pricer.register(self._rec.pricer.contract(cid))

    def decide(self, snap: MarketSnapshot, view: BookView) -> Decided:
        self.session_index += 1
        i = self.session_index
        if self._triggers:
            self.pricer.market(snap)
            sig = self._signals
            sig.iv(snap), sig.macd(snap), sig.rsi(snap)
            ts = evaluate_triggers(self._rec.step_inputs[i], self.cfg)
            # Built as the shipped hook builds them; the recorded copies are what gets written.
            _rows = [
                JournalEntry(f"hedge.trigger.{r.rule}", r.inputs, rule_outcome(r), "none", r.reason)
                for r in ts.results.values()
            ]
        return self._rec.outputs[i]


def _run(
    cfg: RunConfig, market: MarketData, hook: HedgeHook, journal: Path
) -> tuple[float, BacktestResult]:
    """Time one run and its journal write with ``hook`` as the hedge."""
    t0 = time.perf_counter()
    engine = Engine(engine_settings(cfg), market, hook)
    res = engine.run("floor", cfg.model_dump(mode="json"), definitions(cfg, market))
    write_journal_atomically(
        journal, res.run_id, {}, res.source.data_id, res.source.description, res.journal
    )
    return time.perf_counter() - t0, res


def _alvh(cfg: RunConfig) -> AlvhHedge:
    """Return the hook a run of ``cfg`` uses (its execution config sets costs and fill timing)."""
    hook = hedge_for(cfg)
    assert isinstance(hook, AlvhHedge)
    return hook


def _same_equity(a: BacktestResult, b: BacktestResult) -> bool:
    return bool((a.daily["hedged_equity_usd"] == b.daily["hedged_equity_usd"]).all())


def run() -> list[dict]:
    shared = _shared_data()
    if shared is None:
        return [
            {"name": "hedge floor (real data)", "skipped": "no ../shared/data (set SHARED_DATA)"}
        ]
    ladder = load_preset("ic-ladder")
    base = config_with_overrides(ladder, **{"data.start": START, "data.end": date(2026, 12, 31)})
    hedged = base.model_copy(update={"hedge": hedge_preset("alvh-442")})
    short = config_with_overrides(hedged, **{"data.end": date(2006, 3, 1)})
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        market = _real_market(shared, d)
        j = Path(d) / "journal.sqlite"
        _run(short, market, hedge_for(short), j)  # warm-up: numba, caches, lazy imports
        rec = _Recording(_alvh(hedged))
        _, recorded = _run(hedged, market, rec, j)  # records the decisions replayed below
        t_u, _ = _run(base, market, NoHedge(), j)
        t_h, _ = _run(hedged, market, hedge_for(hedged), j)
        rows.append({"name": "real: unhedged (+journal)", "seconds": round(t_u, 2)})
        rows.append(
            {
                "name": "real: alvh-442 hedged",
                "seconds": round(t_h, 2),
                "ratio": round(t_h / t_u, 2),
            }
        )
        for label, trig in (("decisions replayed", False), ("replayed + triggers", True)):
            t, res = _run(hedged, market, _Replay(rec, trig), j)
            rows.append(
                {
                    "name": f"real: alvh-442 {label}",
                    "seconds": round(t, 2),
                    "ratio": round(t / t_u, 2),
                    "same_result": _same_equity(res, recorded),
                }
            )
    return rows
