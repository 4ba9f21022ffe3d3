"""--vary parsing, validation before anything runs, the grid and the random draw."""

from __future__ import annotations

import pytest

from alvh.config.run import RunConfig
from alvh.errors import ConfigError
from alvh.sweep.grid import (
    chosen_indices,
    config_hash,
    grid_size,
    parse_value,
    parse_vary,
    sweep_points,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.16", 0.16), ("45", 45), ("true", True), ("alvh-442", "alvh-442"), (" none ", "none")],
)
def test_values_read_as_toml_scalars_else_text(text: str, value: object) -> None:
    got = parse_value(text)
    assert got == value and type(got) is type(value)


def test_grid_is_every_combination_first_key_slowest(base_config: RunConfig) -> None:
    v = [
        parse_vary("tiers[0].strikes.short_delta=0.1,0.16"),
        parse_vary("hedge.preset=none,alvh-442,vxth"),
    ]
    pts = sweep_points(base_config, v)
    assert grid_size(v) == 6 and [p.index for p in pts] == list(range(6))
    assert [tuple(p.varied.values()) for p in pts[:4]] == [
        (0.1, "none"),
        (0.1, "alvh-442"),
        (0.1, "vxth"),
        (0.16, "none"),
    ]
    # Each point's config carries its values (the hedge preset is rebuilt from the preset).
    assert getattr(pts[4].config.tiers[0].strikes, "short_delta", None) == 0.16
    assert pts[4].config.hedge.preset == "alvh-442"
    assert len({p.config_hash for p in pts}) == 6


def test_config_hash_is_stable_and_changes_with_any_value(base_config: RunConfig) -> None:
    pts = sweep_points(
        base_config, [parse_vary("tiers[1].exits.profit_target_pct_of_credit=50,60")]
    )
    again = sweep_points(
        base_config, [parse_vary("tiers[1].exits.profit_target_pct_of_credit=50,60")]
    )
    assert [p.config_hash for p in pts] == [p.config_hash for p in again]
    assert pts[0].config_hash != pts[1].config_hash
    assert config_hash(base_config) == config_hash(base_config.model_copy())
    assert all(len(p.config_hash) == 16 for p in pts)


@pytest.mark.parametrize(
    ("spec", "in_message"),
    [
        ("tiers[0].strikes.short_delt=0.1", "short_delt"),  # unknown key
        ("tiers[0].strikes.short_delta=0.1,0.7", "less than 0.5"),  # refused value
        ("hedge.preset=none,alvh-999", "alvh-442"),  # names the allowed presets
        ("tiers[7].dte.min=3", "tiers[7]"),  # no such tier
        ("execution.fill_timing=next_open", "intraday"),  # the engine refuses it
        ("data.start=2020-01-02", "--start"),  # the data is fixed for a sweep
        ("tiers[0].dte.min=5,", "none empty"),
        ("tiers[0].dte.min", "KEY=V1"),
        ("tiers[0].dte.min=5,5", "distinct"),
    ],
)
def test_bad_key_or_value_refused_with_its_name(
    base_config: RunConfig, spec: str, in_message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        sweep_points(base_config, [parse_vary(spec)])
    assert in_message in str(e.value)


def test_refused_combination_names_the_point(base_config: RunConfig) -> None:
    # Each value alone is fine against the preset (7-21 DTE, target 14); a target of 10 below
    # a minimum of 12 is not.
    d = base_config.tiers[0].dte
    assert (d.min, d.max, d.target) == (7, 21, 14)
    v = [parse_vary("tiers[0].dte.min=7,12"), parse_vary("tiers[0].dte.target=10,14")]
    with pytest.raises(ConfigError, match="sweep point"):
        sweep_points(base_config, v)


def test_same_key_twice_and_same_config_twice_refused(base_config: RunConfig) -> None:
    with pytest.raises(ConfigError, match="one --vary"):
        sweep_points(
            base_config, [parse_vary("tiers[0].dte.min=5"), parse_vary("tiers[0].dte.min=6")]
        )
    # 7 and 7.0 are one config once pydantic has read them (an int field).
    with pytest.raises(ConfigError, match="distinct configs"):
        sweep_points(base_config, [parse_vary("tiers[0].dte.min=7,7.0")])


def test_random_draw_is_a_seeded_subset_in_grid_order() -> None:
    a, b = chosen_indices(100, 10, seed=3), chosen_indices(100, 10, seed=3)
    assert a == b and a == sorted(a) and len(set(a)) == 10 and all(0 <= i < 100 for i in a)
    assert chosen_indices(100, 10, seed=4) != a
    assert chosen_indices(5, 10, seed=3) == [0, 1, 2, 3, 4]  # more than the grid: all of it
    with pytest.raises(ConfigError, match="--random"):
        chosen_indices(100, 0, seed=3)


def test_random_points_keep_their_grid_index(base_config: RunConfig) -> None:
    v = [parse_vary("tiers[0].dte.min=3,4,5,6,7"), parse_vary("hedge.preset=none,alvh-442")]
    full = {p.index: p.config_hash for p in sweep_points(base_config, v)}
    some = sweep_points(base_config, v, n_random=4, seed=11)
    assert len(some) == 4
    assert all(full[p.index] == p.config_hash for p in some)
