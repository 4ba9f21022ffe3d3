"""``SyntheticParams``: every knob of the embedded synthetic market, with its default.

The equations these parameters enter are written out in ``docs/synthetic.md``. Time is in years
of trading time (252 sessions a year); variances are annualised decimals (0.04 = 20% vol).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from alvh.errors import ConfigError


@dataclass(frozen=True)
class SyntheticParams:
    """Parameters of the synthetic market model (defaults tuned to 1990-2026 SPX/VIX facts).

    Attributes
    ----------
    spx_initial
        SPX level at the first generated session.
    drift_ann
        Expected arithmetic SPX price return per year (jumps compensated).
    theta_var
        Long-run level of the slow variance factor under P (annualised variance).
    kappa_fast
        Mean-reversion speed per year of the fast (spot) variance factor towards the slow one.
    kappa_slow
        Mean-reversion speed per year of the slow variance factor towards ``theta_var``.
    volvol_fast
        Log-volatility of the fast variance factor (per sqrt(year)).
    volvol_slow
        Log-volatility of the slow variance factor (per sqrt(year)).
    rho_fast
        Correlation of the fast variance shock with the SPX diffusive shock (leverage effect).
    rho_slow
        Correlation of the slow variance shock with the SPX diffusive shock.
    jump_share
        Share of the instantaneous variance carried by jumps; the jump intensity is
        ``jump_share * v / E[J^2]`` per year, so jumps cluster when variance is high.
    jump_mean
        Mean SPX log-jump size (negative: crashes).
    jump_std
        Standard deviation of the SPX log-jump size.
    jump_var_loading_fast
        On a jump of size J the fast factor is multiplied by ``exp(-loading * J)``.
    jump_var_loading_slow
        On a jump of size J the slow factor is multiplied by ``exp(-loading * J)``.
    var_floor
        Floor on either variance factor: keeps VIX above about 9 as in 1990-2026 (a lognormal
        factor alone would wander too low in long calm regimes).
    var_cap
        Ceiling on either variance factor (a guard against numerically absurd paths).
    overnight_share
        Share of a session's variance accrued overnight (close to open); the rest is intraday.
    var_premium
        Risk-neutral multiplier on expected variance (variance risk premium): VIX^2 is this
        times the model's expected average variance.
    theta_q_mult
        Risk-neutral long-run variance as a multiple of ``theta_var`` (term premium: with
        ``kappa_slow_q`` it is what puts the VX curve in contango on calm days).
    kappa_slow_q
        Risk-neutral mean-reversion speed per year of the slow factor (the fast factor keeps
        ``kappa_fast``); a market price of slow-variance risk makes it differ from P's.
    vvix_premium
        Multiplier from the model's instantaneous vol of VIX to the quoted VVIX.
    vvix_floor
        Lowest VVIX value (the index never went below about 60).
    skew_base
        SKEW is ``100 + skew_base + skew_scale / VIX`` plus an AR(1) noise, clipped to
        [100, 170]: higher skew when VIX is low.
    skew_scale
        See ``skew_base`` (index points times vol points).
    skew_noise
        Stationary standard deviation of the SKEW noise (index points).
    skew_ar
        Daily autocorrelation of the SKEW noise.
    rate_regime_years
        Mean length of a fed funds target regime; a new target is drawn at FOMC meetings.
    rate_max_pct
        Highest fed funds target drawn (percent).
    rate_stress_vix
        At an FOMC meeting with the previous VIX close at or above this, the Fed cuts to zero.
    rate_noise_pct
        Daily noise of DFF around the target (percent).
    irx_spread_pct
        IRX minus DFF on average (percent; T-bills yield a little below fed funds).
    burn_in_sessions
        Sessions simulated and discarded before the first date, so day one is not special.
    """

    spx_initial: float = 1500.0
    drift_ann: float = 0.07
    theta_var: float = 0.029
    kappa_fast: float = 9.0
    kappa_slow: float = 1.0
    volvol_fast: float = 2.8
    volvol_slow: float = 0.75
    rho_fast: float = -0.80
    rho_slow: float = -0.55
    jump_share: float = 0.12
    jump_mean: float = -0.03
    jump_std: float = 0.02
    jump_var_loading_fast: float = 8.0
    jump_var_loading_slow: float = 3.0
    var_floor: float = 0.0055
    var_cap: float = 1.2
    overnight_share: float = 0.2
    var_premium: float = 1.3
    theta_q_mult: float = 1.3
    kappa_slow_q: float = 2.0
    vvix_premium: float = 1.0
    vvix_floor: float = 60.0
    skew_base: float = 5.0
    skew_scale: float = 300.0
    skew_noise: float = 4.0
    skew_ar: float = 0.98
    rate_regime_years: float = 3.0
    rate_max_pct: float = 5.25
    rate_stress_vix: float = 35.0
    rate_noise_pct: float = 0.02
    irx_spread_pct: float = -0.08
    burn_in_sessions: int = 252

    def __post_init__(self) -> None:
        positive = (
            "spx_initial",
            "theta_var",
            "kappa_fast",
            "kappa_slow",
            "volvol_fast",
            "volvol_slow",
            "jump_std",
            "var_floor",
            "var_cap",
            "var_premium",
            "theta_q_mult",
            "kappa_slow_q",
            "vvix_premium",
            "rate_regime_years",
            "rate_max_pct",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ConfigError(
                    f"synthetic.{name}", getattr(self, name), "a number greater than 0"
                )
        for name in ("rho_fast", "rho_slow"):
            if not -1.0 < getattr(self, name) < 1.0:
                raise ConfigError(f"synthetic.{name}", getattr(self, name), "a number in (-1, 1)")
        for name in ("jump_share", "overnight_share", "skew_ar"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"synthetic.{name}", getattr(self, name), "a number in [0, 1)")
        if self.kappa_fast <= max(self.kappa_slow, self.kappa_slow_q):
            raise ConfigError(
                "synthetic.kappa_fast",
                self.kappa_fast,
                f"more than kappa_slow={self.kappa_slow} and kappa_slow_q={self.kappa_slow_q}",
            )
        if self.var_floor >= min(self.theta_var, self.var_cap):
            raise ConfigError(
                "synthetic.var_floor", self.var_floor, "less than theta_var and var_cap"
            )
        if self.burn_in_sessions < 0:
            raise ConfigError("synthetic.burn_in_sessions", self.burn_in_sessions, "0 or more")

    def as_sorted_items(self) -> list[tuple[str, float | int]]:
        """Return ``(name, value)`` pairs in field-name order (stable input for hashing)."""
        d = asdict(self)
        return sorted((f.name, d[f.name]) for f in fields(self))
