"""Run configuration: validation, TOML loading errors, presets, overrides, run id, dump."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from alvh.config.condor import DeltaWings, MonthlyEntry, WidthWings
from alvh.config.load import (
    config_with_overrides,
    dump_toml,
    load_config,
    load_preset,
    preset_names,
    run_id,
)
from alvh.config.run import RunConfig, TierConfig
from alvh.errors import ConfigError

GOOD = """
name = "mine"
[data]
start = 2010-01-04
end = 2012-12-31
[capital]
initial_usd = 250000
[[tiers]]
name = "short"
strikes = { method = "delta", short_delta = 0.15 }
[[tiers]]
name = "weeklies"
dte = { min = 5, max = 10 }
entry = { schedule = "every_n_sessions", n = 3 }
wings = { method = "width", points = 30, call_points = 20 }
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_good_file_fills_defaults(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, GOOD))
    assert cfg.capital.initial_usd == 250_000 and cfg.capital.cash_rate == "irx"
    short, weeklies = cfg.tiers
    assert (short.dte.min, short.dte.max, short.dte.target) == (7, 21, 14)  # named-tier default
    assert weeklies.dte.target == 7.5  # midpoint when no target is given
    assert isinstance(weeklies.wings, WidthWings) and weeklies.wings.call_points == 20
    assert cfg.execution.fill_timing == "next_close" and cfg.execution.decision_time == "16:15"
    assert cfg.hedge.preset == "none"


@pytest.mark.parametrize(
    ("snippet", "key_path", "value", "expected"),
    [
        # unknown key deep inside a tagged union: the tag segment is not in the path
        (
            '[[tiers]]\nname = "short"\nstrikes = { method = "delta", short_delat = 0.2 }',
            "tiers[0].strikes.short_delat",
            0.2,
            "allowed keys here: method, short_delta",
        ),
        (
            "[capital]\ninitial_usd = 1e6\ncash = 'irx'",
            "capital.cash",
            "irx",
            "initial_usd, cash_rate",
        ),
        ("bogus = 1", "bogus", 1, "allowed keys here: name, data"),
        (
            '[[tiers]]\nname = "short"\nrisk_per_condor_pct_of_equity = 8',
            "tiers[0].risk_per_condor_pct_of_equity",
            8,
            "less than or equal to 5",
        ),
        (
            '[[tiers]]\nname = "short"\nstrikes = { method = "gamma" }',
            "tiers[0].strikes.method",
            "gamma",
            "'delta', 'pop', 'sd'",
        ),
        (
            "[execution]\nfill_timing = 'tomorrow'",
            "execution.fill_timing",
            "tomorrow",
            "next_close",
        ),
        ('[[tiers]]\nname = "odd"', "tiers[0].dte", None, "required"),
        (
            '[[tiers]]\nname = "short"\nexits = { hold_to_expiry = true, exit_dte = 3 }',
            "tiers[0].exits",
            {"hold_to_expiry": True, "exit_dte": 3},
            "remove exit_dte",
        ),
        (
            "[data]\nstart = 2012-01-01\nend = 2011-01-01",
            "data.start",
            date(2012, 1, 1),
            "a value before end (2011-01-01)",
        ),
        ('[hedge]\npreset = "nope"', "hedge.preset", "nope", "alvh-442"),
        # the tag value equals a key name here ('weekday'): still one segment in the path
        (
            '[[tiers]]\nname = "short"\nentry = { schedule = "weekday", weekday = "sat" }',
            "tiers[0].entry.weekday",
            "sat",
            "'mon', 'tue'",
        ),
        (
            '[[tiers]]\nname = "short"\nstrikes = { short_delta = 0.2 }',
            "tiers[0].strikes.method",
            None,
            "which kind",
        ),
    ],
)
def test_errors_name_key_value_expected_and_file(
    tmp_path: Path, snippet: str, key_path: str, value: object, expected: str
) -> None:
    path = _write(tmp_path, snippet + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert err.key_path == key_path
    assert err.value == value
    assert expected in err.expected
    assert str(path) in str(err)


def test_partial_product_tables_keep_other_defaults(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, "[execution.fees.vx_future]\ncommission_usd = 2.0\n"))
    assert cfg.execution.fees.vx_future.commission_usd == 2.0
    assert cfg.execution.fees.vx_future.exchange_fee_usd == 1.0  # default kept
    assert cfg.execution.fees.spx_option.commission_usd == 0.65


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="valid TOML"):
        load_config(_write(tmp_path, "name = \n"))
    with pytest.raises(ConfigError, match="readable TOML file"):
        load_config(tmp_path / "missing.toml")


def test_presets_load_and_encode_their_rules() -> None:
    assert set(preset_names()) >= {"ic-ladder", "cndr"}
    ladder = load_preset("ic-ladder")
    assert [(t.name, t.dte.min, t.dte.max) for t in ladder.tiers] == [
        ("short", 7, 21),
        ("medium", 30, 45),
        ("long", 60, 90),
    ]
    assert all(t.risk_per_condor_pct_of_equity <= 5 for t in ladder.tiers)
    assert ladder.tier("short").exits.exit_on_short_strike_touch
    assert ladder.tier("long").exits.exit_dte == 21
    assert isinstance(ladder.tier("long").wings, DeltaWings)
    cndr = load_preset("cndr")
    (t,) = cndr.tiers
    assert isinstance(t.entry, MonthlyEntry) and t.product == "spx"
    assert t.strikes.method == "delta" and t.strikes.short_delta == 0.20  # type: ignore[union-attr]
    assert isinstance(t.wings, DeltaWings) and t.wings.long_delta == 0.05
    assert t.exits.hold_to_expiry and cndr.capital.cash_rate == "irx"
    with pytest.raises(ConfigError, match="ic-ladder"):
        load_preset("ic_ladder")


def test_extends_a_preset(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, 'extends = "cndr"\n[capital]\ninitial_usd = 5e5\n'))
    assert cfg.name == "cndr" and cfg.capital.initial_usd == 5e5 and cfg.capital.cash_rate == "irx"


def test_overrides_by_dotted_path() -> None:
    base = load_preset("ic-ladder")
    cfg = config_with_overrides(
        base, **{"capital.initial_usd": 2e6, "tiers[1].max_open_condors": 5, "tiers.0.dte.min": 8}
    )
    assert cfg.capital.initial_usd == 2e6 and cfg.tiers[1].max_open_condors == 5
    assert cfg.tiers[0].dte.min == 8 and base.tiers[0].dte.min == 7
    hedged = config_with_overrides(base, **{"hedge.preset": "alvh-442"})
    assert hedged.hedge.enabled
    with pytest.raises(ConfigError) as info:
        config_with_overrides(base, **{"capital.initial": 1.0})
    assert info.value.key_path == "capital.initial" and "overrides" in str(info.value)
    with pytest.raises(ConfigError, match="existing list index"):
        config_with_overrides(base, **{"tiers[7].max_open_condors": 1})


def test_run_id_changes_with_any_value_and_inputs() -> None:
    cfg = load_preset("ic-ladder")
    rid = run_id(cfg, "synthetic-7", "0.1.0")
    assert len(rid) == 16 and rid == run_id(load_preset("ic-ladder"), "synthetic-7", "0.1.0")
    assert rid != run_id(
        config_with_overrides(cfg, **{"tiers[2].exits.exit_dte": 20}), "synthetic-7", "0.1.0"
    )
    assert rid != run_id(cfg, "synthetic-8", "0.1.0")
    assert rid != run_id(cfg, "synthetic-7", "0.1.1")


def test_run_id_is_stable_across_processes_and_key_order(tmp_path: Path) -> None:
    # same content, keys written in another order -> same id
    a = load_config(_write(tmp_path, GOOD))
    reordered = GOOD.replace("[capital]\ninitial_usd = 250000\n", "").replace(
        'name = "mine"\n', 'name = "mine"\ncapital = { initial_usd = 250000 }\n'
    )
    b = load_config(_write(tmp_path, reordered))
    assert run_id(a, "d", "v") == run_id(b, "d", "v")
    code = (
        "from alvh.config.load import load_config, run_id; import sys;"
        "print(run_id(load_config(sys.argv[1]), 'd', 'v'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(_write(tmp_path, GOOD))],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    assert out.stdout.strip() == run_id(a, "d", "v")


def test_dump_toml_round_trips(tmp_path: Path) -> None:
    for name in preset_names():
        cfg = load_preset(name)
        text = dump_toml(cfg)
        assert text == dump_toml(cfg)
        assert load_config(_write(tmp_path, text)) == cfg
    hedged = config_with_overrides(load_preset("ic-ladder"), **{"hedge.preset": "alvh-442"})
    assert load_config(_write(tmp_path, dump_toml(hedged))) == hedged


def test_models_are_frozen_and_strict() -> None:
    cfg = RunConfig()
    assert [t.name for t in cfg.tiers] == ["short", "medium", "long"]
    with pytest.raises(Exception, match="frozen"):
        cfg.name = "x"  # type: ignore[misc]
    assert hash(cfg) == hash(RunConfig())
    with pytest.raises(ValueError, match="long_delta"):
        TierConfig.model_validate(
            {
                "name": "short",
                "strikes": {"method": "delta", "short_delta": 0.05},
                "wings": {"method": "delta", "long_delta": 0.10},
            }
        )
    with pytest.raises(ValueError, match="multiple of 5"):
        WidthWings(points=12)
