"""Every ready-made brief in scores/ composes and renders with the real synth, and its report
names the kind, the roles and their General MIDI programs."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer import compose
from composer.audio.deliver import mix
from composer.composition.brief import KINDS, load_brief_file
from tests.conftest import PROJECT

SCORES = sorted((PROJECT / "scores").glob("*.toml"))


def _compose(path: Path):
    fields = load_brief_file(path)
    text, seed = fields.pop("brief"), fields.pop("seed", 1)
    fields.pop("name", None)
    return compose(text, seed=seed, **fields)


def test_there_is_a_brief_for_every_kind_and_the_named_use_cases():
    names = {p.stem for p in SCORES}
    assert {"product-video", "documentary-interview", "podcast-bed", "social-reel", "logo-stinger",
            "game-ambient-loop"} <= names
    assert {_compose(p).plan.kind for p in SCORES} == set(KINDS)


@pytest.mark.parametrize("path", SCORES, ids=[p.stem for p in SCORES])
def test_each_score_composes_and_renders(path, small_soundfont):
    piece = _compose(path)
    audio, delivered = mix(piece.rendering(small_soundfont))
    assert audio.shape == (round(piece.plan.duration_s * 44100), 2)
    report = piece.report(delivered)
    assert report["instruments"] and all(0 <= i["program"] <= 127 for i in report["instruments"])
    assert {i["role"] for i in report["instruments"]} >= {"pad"}
    assert report["true_peak_dbtp"] <= -1.0
    assert report["ignored_words"] == [], f"{path.name}: words not understood {report['ignored_words']}"
