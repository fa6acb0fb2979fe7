"""A bed lies under speech for minutes: its scenes change what plays, not how loud it is. Read
from the rendered, mastered audio of 5-minute beds in styles whose melody carries the most of
their level (a reggae organ's tune, a lounge's vibraphone) and of a corporate bed, in the
soundfont composer picks on this machine (FluidR3 GM once set up)."""

from __future__ import annotations

import pytest

from composer import compose
from composer.audio.loudness import integrated_loudness, loudness_range

#: The widest loudness range a bed may have (EBU Tech 3342, LU): a pop song's is 5–8; before its
#: scenes were levelled a reggae bed's was 13 (its melody resting for 52 s, 7.6 dB down).
BED_RANGE_LU = 8.0
#: The most two half-minute stretches of a bed may differ (dB; stretches every 15 s after the first).
BED_SPREAD_DB = 6.0
WINDOW_S, HOP_S = 30, 15


@pytest.mark.parametrize("brief, seed", [("laid-back reggae bed for a travel vlog, 5 minutes", 2),
                                         ("relaxed jazzy lounge bed for a hotel lobby, 5 minutes", 2),
                                         ("calm corporate podcast bed, 5 minutes", 1)])
def test_a_long_beds_scenes_keep_its_level(default_soundfont, brief, seed):
    """Each scene that rests a part lifts what is left (and one that adds a voice holds back),
    so a 5-minute bed's loudness range stays under BED_RANGE_LU and its half-minute stretches
    within BED_SPREAD_DB of each other, while its scenes still change the parts heard."""
    piece = compose(brief, seed=seed)
    assert {scene.resting for scene in piece.plan.scenes} - {()}, "the bed changes its parts"
    audio = piece.audio(default_soundfont)
    rate = 44100
    levels = [integrated_loudness(audio[start : start + WINDOW_S * rate], rate)
              for start in range(HOP_S * rate, len(audio) - WINDOW_S * rate + 1, HOP_S * rate)]
    spread = loudness_range(audio, rate)
    assert spread is not None and spread <= BED_RANGE_LU, spread
    assert max(levels) - min(levels) <= BED_SPREAD_DB, [round(level, 1) for level in levels]
