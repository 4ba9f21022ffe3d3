"""Deflated Sharpe, PBO by CSCV and SPA against numbers worked by hand or from the papers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from alvh.sweep.overfit import (
    deflated_sharpe,
    expected_max_sharpe,
    pbo_cscv,
    probabilistic_sharpe,
    sharpe_per_period,
    spa_test,
)
from alvh.sweep.runner import SweepOutcome


def test_dsr_matches_the_worked_example_of_bailey_and_lopez_de_prado() -> None:
    # The paper's example (JPM 2014, section "A numerical example"): N = 100 trials, annualised
    # variance of their Sharpe ratios 0.5, 1250 daily observations, the best has annualised
    # Sharpe 2.5, skew -3, kurtosis 10. Daily: SR = 2.5/sqrt(250), V = 0.5/250.
    # SR0 = sqrt(0.002) * (0.4228 * 2.3263 + 0.5772 * 2.6800) = 0.1132 (paper: 0.1132).
    sr0 = expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    # z = (0.1581 - 0.1132) * sqrt(1249) / sqrt(1 + 3 * 0.1581 + 9/4 * 0.1581^2) = 1.28;
    # DSR = Phi(z) = 0.90 (paper: 0.9004).
    dsr = probabilistic_sharpe(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-4)


def test_one_trial_is_not_deflated_and_psr_of_normal_returns() -> None:
    assert expected_max_sharpe(1, 0.3) == 0.0
    # Normal returns (skew 0, kurtosis 3), SR 0.1 over 101 periods against 0:
    # z = 0.1 * 10 / sqrt(1 + 0.5 * 0.01) = 0.99751; Phi = 0.84073.
    assert probabilistic_sharpe(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(
        stats.norm.cdf(1.0 / math.sqrt(1.005)), rel=1e-12
    )


def test_deflated_sharpe_of_a_matrix_uses_its_trials() -> None:
    rng = np.random.default_rng(1)
    r = rng.normal(0.0005, 0.01, size=(500, 20))
    d = deflated_sharpe(r, selected=3)
    srs = sharpe_per_period(r)
    assert d.n_trials == 20 and d.n_obs == 500
    assert d.sharpe == pytest.approx(r[:, 3].mean() / r[:, 3].std(ddof=1))
    assert d.var_sharpe == pytest.approx(np.var(srs, ddof=1))
    assert d.sr0 == pytest.approx(expected_max_sharpe(20, np.var(srs, ddof=1)))
    # More trials at the same spread of Sharpe ratios: a higher bar.
    assert expected_max_sharpe(40, d.var_sharpe) > d.sr0
    assert 0.0 <= d.dsr <= 1.0


def test_pbo_zero_when_one_config_is_best_in_every_block() -> None:
    # Config 2 earns more than the others in every period with the same noise pattern; it is
    # the IS best in every split and the OOS best too: logit = ln((3/4)/(1/4)) = ln 3 > 0.
    base = np.tile([0.01, -0.005, 0.002, -0.001], 10)[:, None]
    r = np.hstack([base, base * 0.5, base + 0.003])
    p = pbo_cscv(r, n_blocks=4)
    assert p.n_splits == 6 and p.pbo == 0.0
    np.testing.assert_allclose(p.logits, math.log(3.0))


def test_pbo_one_when_the_in_sample_best_always_fails_out_of_sample() -> None:
    # Two configs over 2 blocks: A wins block 0, B wins block 1. Training on block 0 picks A,
    # which ranks 1 of 2 on block 1: w = 1/3, logit = ln(1/2) < 0; the other split is the
    # mirror image. PBO = 2/2 = 1.
    blk0 = np.array([[0.02, 0.001], [0.01, -0.001], [0.03, 0.0]])
    blk1 = blk0[:, ::-1]
    p = pbo_cscv(np.vstack([blk0, blk1]), n_blocks=2)
    assert p.n_splits == 2 and p.pbo == 1.0
    np.testing.assert_allclose(p.logits, [math.log(0.5), math.log(0.5)])


def test_pbo_refuses_unusable_inputs() -> None:
    with pytest.raises(ValueError, match="even"):
        pbo_cscv(np.zeros((40, 3)), n_blocks=3)
    with pytest.raises(ValueError, match="2 configs"):
        pbo_cscv(np.zeros((40, 1)))
    with pytest.raises(ValueError, match="too few"):
        pbo_cscv(np.zeros((10, 3)), n_blocks=16)


def test_spa_rejects_for_a_clearly_better_config_and_not_for_clones() -> None:
    rng = np.random.default_rng(7)
    bench = rng.normal(0.0, 0.01, 750)
    noise = rng.normal(0.0, 0.002, (750, 3))
    clones = bench[:, None] + noise  # no better than the benchmark on average
    better = np.hstack([clones, (bench + 0.003)[:, None]])  # +0.3% a day: better beyond doubt
    assert spa_test(bench, better, reps=300, seed=1).p_consistent < 0.01
    s = spa_test(bench, clones - 0.0005, reps=300, seed=1)  # all worse
    assert s.p_consistent > 0.5
    # Fixed seed: the same p-values every time.
    assert spa_test(bench, better, reps=300, seed=1) == spa_test(bench, better, reps=300, seed=1)


def test_luck_report_of_a_sweep_selects_the_best_and_deflates_it(
    serial_sweep: SweepOutcome,
) -> None:
    import json

    import pandas as pd

    from alvh.errors import ConfigError
    from alvh.sweep.luck import luck_report

    t = serial_sweep.table
    res = luck_report(serial_sweep.out, t, "sharpe", spa_reps=200)
    assert res["selected"]["config_hash"] == t.loc[t["sharpe"].idxmax(), "config_hash"]
    # Rebuild the returns matrix from the equity files by hand and deflate the best column.
    cols = [
        pd.read_parquet(serial_sweep.out / "equity" / f"{h}.parquet")["hedged_equity_usd"]
        for h in t["config_hash"]
    ]
    r = np.column_stack([c.to_numpy()[1:] / c.to_numpy()[:-1] - 1.0 for c in cols])
    d = deflated_sharpe(r, int(t["sharpe"].idxmax()))
    assert res["deflated_sharpe"]["dsr"] == pytest.approx(d.dsr, rel=1e-9)
    assert res["deflated_sharpe"]["n_trials"] == 4
    assert 0.0 <= res["pbo"]["pbo"] <= 1.0 and res["pbo"]["n_splits"] == 252
    assert json.loads((serial_sweep.out / "luck.json").read_text()) == res
    with pytest.raises(ConfigError, match="--select"):
        luck_report(serial_sweep.out, t, "win_rate_pct")
