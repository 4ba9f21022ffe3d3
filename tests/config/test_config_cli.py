"""Config discoverability and messages, as a user meets them: ``alvh presets``, ``alvh config``,
config errors and warnings through the ``alvh`` command."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from alvh.cli.app import main
from alvh.config.check import config_warnings
from alvh.config.hedge import HEDGE_PRESET_SUMMARIES, hedge_preset_names
from alvh.config.keys import config_keys, keys_markdown
from alvh.config.load import config_from_dict, load_config, load_preset, preset_names
from alvh.config.run import RunConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "book-and-config.md"

TIER = (
    '[[tiers]]\nname = "short"\ndte = {{ min = 7, target = 14, max = 21 }}\n'
    'entry = {{ schedule = "weekday", weekday = "mon" }}\nproduct = "spxw"\n'
    'strikes = {{ method = "delta", short_delta = 0.16 }}\nwings = {wings}\n'
)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, " ".join((cap.out + cap.err).split())


def _cfg(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.toml"
    p.write_text(text)
    return p


# -- presets and keys --------------------------------------------------------------------------
def test_presets_lists_every_condor_and_hedge_preset_with_a_line(capsys) -> None:
    code, out, _ = _run(capsys, "presets")
    assert code == 0
    for name in (*preset_names(), *hedge_preset_names()):
        assert f"  {name} " in out
    assert set(HEDGE_PRESET_SUMMARIES) == set(hedge_preset_names())
    assert "Cboe S&P 500 Iron Condor Index" in out  # cndr's first comment line
    assert '[hedge] preset = "NAME"' in out  # not eaten as rich markup


@pytest.mark.parametrize("name", ["ic-ladder", "cndr"])
def test_config_show_prints_toml_that_reads_back_equal(capsys, tmp_path, name) -> None:
    code, out, _ = _run(capsys, "config", "show", name)
    assert code == 0
    p = _cfg(tmp_path, out)
    assert load_config(p) == load_preset(name)
    assert "size_condors_on" in tomllib.loads(out)["capital"]


def test_config_show_with_a_hedge_and_a_typo(capsys) -> None:
    code, out, _ = _run(capsys, "config", "show", "--hedge", "alvh-442")
    assert code == 0 and tomllib.loads(out)["hedge"]["preset"] == "alvh-442"
    code, _, text = _run(capsys, "config", "show", "ic-lader")
    assert code == 2 and "did you mean 'ic-ladder'?" in text


def _leaf_names(model: type[BaseModel], seen: set[str]) -> None:
    import typing

    for name, f in model.model_fields.items():
        args = [f.annotation, *typing.get_args(f.annotation)]
        nested = [
            m
            for a in args
            for m in (a, *typing.get_args(a))
            if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        if nested:
            for m in nested:
                _leaf_names(m, seen)
        else:
            seen.add(name)


def test_config_keys_lists_every_model_field(capsys) -> None:
    code, out, _ = _run(capsys, "config", "keys")
    assert code == 0
    listed = {k.path.split(".")[-1] for k in config_keys()}
    fields: set[str] = set()
    _leaf_names(RunConfig, fields)
    assert fields - listed == set()
    for k in config_keys():
        assert k.type and k.default and k.meaning, k
    assert "capital.size_condors_on" in out
    assert "Whose equity sizes the condors" in " ".join(out.split())


def test_docs_key_table_is_the_generated_one() -> None:
    text = DOC.read_text()
    start = text.index("<!-- config-keys:start -->\n") + len("<!-- config-keys:start -->\n")
    end = text.index("<!-- config-keys:end -->")
    assert text[start:end] == keys_markdown(), (
        "docs/book-and-config.md is out of date: paste `alvh config keys --markdown` between "
        "the config-keys markers"
    )
    assert "`capital.size_condors_on`" in text


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'extends = "ic-lader"\n',
            "'extends' = 'ic-lader'; expected a preset: one of bfly, cndr, ic-ladder; "
            "did you mean 'ic-ladder'?",
        ),
        (
            'extends = "ic-ladder"\n' + TIER.format(wings='{ method = "width", points = 27 }'),
            "'tiers[0].wings.points' = 27; expected a multiple of 5",
        ),
        (
            'extends = "ic-ladder"\n' + TIER.format(wings='{ method = "width", points = -25 }'),
            "'tiers[0].wings.points' = -25; expected greater than 0",
        ),
        (
            'extends = "ic-ladder"\n[dataa]\nseed = 3\n',
            "'dataa' = {seed = 3}; expected a known key (unknown key 'dataa'; did you mean "
            "'data'?; allowed keys here: name, data,",
        ),
        (
            'extends = "ic-ladder"\n[hedge]\npreset = "alvh-442"\nfoo = 1\n',
            "'hedge.foo' = 1; expected a known key (unknown key 'foo'; allowed keys here: preset,",
        ),
        (
            'extends = "ic-ladder"\n[hedge]\npreset = "alvh-44"\n',
            "'hedge.preset' = 'alvh-44'; expected a hedge preset: one of none, alvh-442,",
        ),
        (
            'extends = "ic-ladder"\n[data]\nstart = 2020-01-02\nend = 2019-01-02\n',
            "'data.start' = 2020-01-02; expected a value before end (2019-01-02)",
        ),
    ],
)
def test_config_errors_name_file_key_value_and_rule(capsys, tmp_path, text, message) -> None:
    p = _cfg(tmp_path, text)
    out_dir = tmp_path / "out"
    code, _, shown = _run(capsys, "backtest", str(p), "--out", str(out_dir))
    assert code == 2
    assert f"{p}: {message}" in shown
    for raw in ("Extra inputs are not permitted", "{...}", "overrides", "datetime.date"):
        assert raw not in shown
    assert not out_dir.exists()


# -- warnings ----------------------------------------------------------------------------------
def _with_tier(**tier: object) -> RunConfig:
    base = {"name": "t", "dte": {"min": 20, "max": 40}, **tier}
    return config_from_dict({"tiers": [base]})


def test_monthly_tier_cannot_hold_four() -> None:
    w = config_warnings(
        _with_tier(entry={"schedule": "monthly"}, product="spx", max_open_condors=4)
    )
    assert [x.key_path for x in w] == ["tiers[0].max_open_condors"]
    assert "never holds more than 1 condor" in str(w[0])
    assert config_warnings(load_preset("cndr")) == []  # max_open_condors = 1


def test_monthly_expiries_in_a_narrow_window() -> None:
    w = config_warnings(_with_tier(product="spx", dte={"min": 7, "max": 21}))
    assert [x.key_path for x in w] == ["tiers[0].dte"] and "28 or 35 days apart" in str(w[0])
    assert config_warnings(_with_tier(product="spx", dte={"min": 20, "max": 54})) == []
    assert config_warnings(_with_tier(product="spxw", dte={"min": 7, "max": 21})) == []
    assert config_warnings(load_preset("ic-ladder")) == []


def test_warning_is_printed_by_the_command(capsys, tmp_path) -> None:
    p = _cfg(
        tmp_path,
        'extends = "cndr"\n[[tiers]]\nname = "monthly"\ndte = { min = 20, max = 40 }\n'
        'entry = { schedule = "monthly" }\nproduct = "spx"\nmax_open_condors = 4\n',
    )
    code, _, shown = _run(capsys, "config", "show", "--config", str(p))
    assert code == 0
    assert "warning: 'tiers[0].max_open_condors' = 4: tier 'monthly' enters once a month" in shown
