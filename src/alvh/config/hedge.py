"""Hedge (ALVH) configuration. Extended by the hedge work (issue 5)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HedgeConfig(BaseModel):
    """Which hedge to run; ``preset = "none"`` runs the condor book unhedged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str = "none"
