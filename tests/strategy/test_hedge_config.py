"""Hedge config: presets, strict keys, typed errors naming the key."""

from __future__ import annotations

import pytest

from alvh.config.hedge import HedgeConfig, hedge_config_from_dict, hedge_preset, hedge_preset_names
from alvh.errors import ConfigError


def test_presets() -> None:
    names = set(hedge_preset_names())
    assert {
        "none",
        "alvh-442",
        "alvh-123",
        "alvh-vega",
        "vxth",
        "442-budget",
        "442-instruments",
    } <= names
    assert not hedge_preset("none").enabled
    assert hedge_preset("alvh-442").sizing.mode == "442"
    assert hedge_preset("442-budget").sizing.size_base == "budget"
    assert hedge_preset("vxth").rule == "vxth"
    assert HedgeConfig().preset == "none"


def test_overrides_and_errors() -> None:
    cfg = hedge_config_from_dict({"preset": "alvh-123", "triggers": {"iv_shift_threshold": 0.2}})
    assert cfg.triggers.iv_shift_threshold == 0.2 and cfg.sizing.mode == "ladder_123"
    with pytest.raises(ConfigError, match=r"hedge\.triggers\.delta_limt"):
        hedge_config_from_dict({"preset": "alvh-123", "triggers": {"delta_limt": 0.2}})
    with pytest.raises(ConfigError, match=r"hedge\.preset"):
        hedge_config_from_dict({"preset": "alvh-999"}, source="run.toml")
    with pytest.raises(ConfigError, match="exactly one of call_otm_pct and call_delta"):
        hedge_config_from_dict({"preset": "alvh-123", "instruments": {"call_delta": 0.3}})
    with pytest.raises(ConfigError, match="futures_share"):
        hedge_config_from_dict({"preset": "alvh-vega", "sizing": {"futures_share": 0.8}})
