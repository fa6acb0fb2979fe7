"""Data files load into typed records, and a malformed one fails at load naming the file, the
key and the problem (composer/base/records.py), for the plan's and the grammar's files."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from composer.base.errors import ComposerError
from composer.base.records import record
from composer.composition.grammar import HarmonyData, harmony_data
from composer.composition.plan import PlanData, plan_data


def _parsed(name: str) -> dict[str, Any]:
    text = resources.files("composer").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


def test_the_shipped_files_load() -> None:
    assert "minor" in harmony_data().grammar and harmony_data().development.extension_notes
    assert plan_data().counter.channel == 4 and plan_data().mode_regions


@pytest.mark.parametrize(("file", "kind", "change", "message"), [
    ("plan.toml", PlanData, lambda d: d["form"].pop("lift_share"),
     "form.lift_share: missing"),
    ("plan.toml", PlanData, lambda d: d["counter"]["programs"].update(social="synth"),
     "counter.programs.social: expected int, found 'synth'"),
    ("plan.toml", PlanData, lambda d: d["mode_regions"][2].update(valence=[0.1]),
     "mode_regions[2].valence: expected a list of 2, found [0.1]"),
    ("plan.toml", PlanData, lambda d: d["swing"]["moods"].update(jazzy="lots"),
     "swing.moods.jazzy: expected a number or a fraction like \"1/2\", found 'lots'"),
    ("harmony.toml", HarmonyData, lambda d: d["grammar"]["major"].update(TT=["I"]),
     "grammar.major.TT: unknown key"),
    ("harmony.toml", HarmonyData, lambda d: d["rhythms"]["4"].update(calm=[[2, 2], 4]),
     "rhythms.4.calm[1]: expected a list, found 4"),
    ("harmony.toml", HarmonyData, lambda d: d["development"].update(kinds="thematic"),
     "development.kinds: expected a list, found 'thematic'"),
])
def test_a_malformed_file_names_the_file_the_key_and_the_problem(file: str, kind: type, change: Any,
                                                                 message: str) -> None:
    broken = copy.deepcopy(_parsed(file))
    change(broken)
    with pytest.raises(ComposerError) as raised:
        record(kind, broken, file)
    assert str(raised.value).startswith(f"{file}: {message}")
