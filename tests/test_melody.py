"""The theme as a listener meets it: the motif the report names is the one the MIDI file plays.

The report gives the motif as note names and durations and the times it is heard whole; these
tests read the MIDI file back with mido and find, at each of those times, the motif's rhythm
and its contour in scale steps (so a statement in sequence, a third higher, still counts).
"""

from __future__ import annotations

import io

import mido
import pytest
from music21 import pitch

from composer import compose

THEMES = [
    "recurring melody theme for a video series, 60 seconds",
    "epic recurring theme for a trailer, 45 seconds",
    "gentle wedding theme in 3/4, 60 seconds",
    "bright theme for a 2-minute product video, builds in the final 40 seconds",
]


def onsets_s(midi_bytes: bytes, channel: int) -> list[tuple[float, int]]:
    """(onset in seconds, pitch) of the notes on ``channel``, read with mido."""
    notes, clock = [], 0.0
    for message in mido.MidiFile(file=io.BytesIO(midi_bytes)):  # merged tracks, times in seconds
        clock += message.time
        if message.type == "note_on" and message.velocity and message.channel == channel:
            notes.append((round(clock, 3), message.note))
    return notes


@pytest.mark.parametrize("brief", THEMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_report_names_the_motif_and_where_the_file_plays_it(brief: str, seed: int) -> None:
    piece = compose(brief, seed=seed)
    motif = piece.report()["motif"]
    # heard whole (exact contour) at least twice; with its varied returns, at least three times
    # by the n-gram measure (tests/test_evaluate.py)
    assert len(motif["statements_s"]) >= 2, motif
    assert len(motif["notes"]) == len(motif["rhythm_q"]) >= 4, motif
    assert all(pitch.Pitch(name).octave is not None for name in motif["notes"])
    melody = next(r for r in piece.plan.roles if r.role == "melody")
    played = onsets_s(piece.midi_bytes, melody.channel)
    stated = [p for p in played if any(abs(p[0] - s) <= 0.011 for s in motif["statements_s"])]  # ≤ 10 ms feel
    assert len(stated) == len(motif["statements_s"]), "every reported time starts a melody note"
    first = [pitch.Pitch(name).midi for name in motif["notes"]]
    assert stated[0][1] == first[0], "the named notes are the first statement"


STINGERS = ["epic logo sting, 3 seconds", "bright logo reveal, 4 seconds", "tense hit, 5 seconds",
            "playful transition whoosh, 2 seconds"]


@pytest.mark.parametrize("brief", STINGERS)
def test_a_stinger_climbs_its_chord_tones_into_the_hit(brief: str) -> None:
    landed = 0
    for seed in range(10):
        piece = compose(brief, seed=seed)
        climb = piece.theme.notes
        assert len(climb) >= 2, f"seed {seed}: a gesture needs at least two notes"
        assert all(a.pitch < b.pitch for a, b in zip(climb, climb[1:])), f"seed {seed}: {climb}"
        assert all(n.start_q + n.length_q <= piece.plan.pickup_q for n in climb), "the climb is the pickup"
        for note in climb:
            chord = next(c for c in reversed(piece.chords) if c.start_q <= note.start_q)
            assert note.pitch % 12 in chord.pitch_classes, f"seed {seed}: {note} is off {chord.figure}"
        hit = max((n for p in piece.parts if p.role.role == "melody" for n in p.notes), key=lambda n: n.start_q)
        landed += hit.start_q == piece.plan.pickup_q and hit.pitch > climb[-1].pitch
    assert landed >= 8, f"only {landed} of 10 climbs land on a higher hit"
