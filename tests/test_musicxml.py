"""Sheet music: the MusicXML a piece writes parses back in music21 with the score's parts, notes,
key, meter and tempo, written in note values a player reads (no tuplets made of gated lengths)."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from music21 import converter, expressions, key, meter, stream, tempo
from music21 import note as note_module
from music21 import pitch

from composer import compose
from composer.piece import Piece
from composer.notation.musicxml import notation
from tests.conftest import run_composer

#: Short pieces that between them have drums, a 4–3 suspension (two voices in the pad), notes tied
#: over bar lines, detached notes, a minor key in 3/4, and a stinger's pickup bar.
BRIEFS = {
    "product": ("bright product video, 16 seconds, builds at the end", 1),
    "waltz": ("sad waltz underscore in D minor, 12 seconds", 2),
    "stinger": ("logo stinger, 4 seconds", 1),
}

Event = tuple[Fraction, Fraction, tuple[str, ...]]


@dataclass
class Written:
    piece: Piece
    path: Path
    back: stream.Score


@pytest.fixture(scope="module", params=sorted(BRIEFS))
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Written:
    text, seed = BRIEFS[request.param]
    piece = compose(text, seed=seed)
    path = piece.write_musicxml(tmp_path_factory.mktemp("sheet") / f"{request.param}.musicxml")
    return Written(piece, path, converter.parse(str(path)))


def _events(part: stream.Part) -> list[Event]:
    """(onset, length, pitches) of every note and chord of ``part``, notes tied over bar lines
    joined into one (music21's stripTies leaves tied chords in voices apart)."""
    events: list[Event] = []
    tied: dict[tuple[str, ...], int] = {}
    for element in sorted(part.flatten().notes, key=lambda n: Fraction(n.offset)):
        pitches = tuple(sorted(p.nameWithOctave for p in element.pitches))
        start, length = Fraction(element.offset), Fraction(element.quarterLength)
        tie = element.tie.type if element.tie is not None else None
        if tie in ("stop", "continue") and pitches in tied:
            index = tied[pitches]
            onset, so_far, _ = events[index]
            assert onset + so_far == start, f"tie over a gap at {start}"
            events[index] = (onset, so_far + length, pitches)
            if tie == "stop":
                del tied[pitches]
            continue
        events.append((start, length, pitches))
        if tie == "start":
            tied[pitches] = len(events) - 1
    assert not tied, f"ties never closed: {tied}"
    return sorted(events)


def test_the_file_is_musicxml_without_tuplets(written: Written) -> None:
    data = written.path.read_bytes()
    assert data.startswith(b"<?xml") and b"<score-partwise" in data
    assert b"<time-modification>" not in data  # no 10:9 or 160:153 tuplets from gated lengths
    assert written.piece.report(files={"musicxml": written.path})["files"]["musicxml"] == str(written.path)


def test_same_parts_and_notes_as_the_score(written: Written) -> None:
    score = written.piece.score
    assert [p.partName for p in written.back.parts] == [p.partName for p in score.parts]
    for ours, theirs, sheet in zip(score.parts, written.back.parts, notation(score).parts):
        read = _events(theirs)
        assert [(q, p) for q, _, p in read] == [(q, p) for q, _, p in _events(ours)], ours.partName
        assert read == _events(sheet), ours.partName  # lengths: the written values, exactly
        assert len(read) > 0


def test_written_lengths_cover_the_sounding_ones_and_never_run_into_the_next_note(written: Written) -> None:
    for ours, sheet in zip(written.piece.score.parts, notation(written.piece.score).parts):
        sounding, notated = _events(ours), _events(sheet)
        onsets = sorted({q for q, _, _ in sounding})
        for (start, length, _), (_, written_length, _) in zip(sounding, notated):
            assert written_length >= length and (written_length * 4).denominator == 1
            following = [q for q in onsets if q > start]
            if following and start + length <= following[0]:
                assert start + written_length <= following[0], (ours.partName, start)


def test_key_meter_tempo_and_section_marks_are_written(written: Written) -> None:
    plan = written.piece.plan
    first = written.back.parts[0]
    keys = list(first.recurse().getElementsByClass(key.KeySignature))
    assert keys and keys[0].sharps == written.piece.score.parts[0].recurse().getElementsByClass(
        key.KeySignature).first().sharps
    assert isinstance(keys[0], key.Key) and keys[0].mode == plan.mode
    signatures = [s.ratioString for s in first.recurse().getElementsByClass(meter.TimeSignature)]
    assert signatures[-1] == f"{plan.meter[0]}/{plan.meter[1]}"
    marks = list(first.recurse().getElementsByClass(tempo.MetronomeMark))
    assert marks and marks[0].getQuarterBPM() == pytest.approx(float(plan.tempo_bpm), abs=0.001)
    assert written.back.metadata.bestTitle == written.piece.title
    marks_q = [(m.content, Fraction(m.getOffsetInHierarchy(first)))
               for m in first.recurse().getElementsByClass(expressions.RehearsalMark)]
    assert marks_q == [(s.name, s.start_q) for s in plan.sections]


def test_compose_writes_musicxml_beside_the_audio_from_one_format_list(tmp_path: Path, small_soundfont: Path) -> None:
    result = run_composer("compose", "calm piano for an 8-second interview", "--out", str(tmp_path), "--name", "s",
                          "--format", "wav,musicxml", "--soundfont", str(small_soundfont))
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.mid", "s.musicxml", "s.wav"]
    assert json.loads((tmp_path / "s.json").read_text())["files"]["musicxml"] == str(tmp_path / "s.musicxml")
    assert len(converter.parse(str(tmp_path / "s.musicxml")).parts) >= 2


def test_midi_only_still_writes_the_sheet_music(tmp_path: Path) -> None:
    result = run_composer("compose", "calm piano for an 8-second interview", "--out", str(tmp_path), "--name", "s",
                          "--format", "musicxml", "--midi-only")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.mid", "s.musicxml"]


def test_the_same_piece_gives_the_same_file_but_for_its_date(written: Written) -> None:
    undated = re.compile(rb"<encoding-date>[^<]*</encoding-date>")
    again = compose(*BRIEFS[written.path.stem]).musicxml_bytes()
    assert undated.sub(b"", again) == undated.sub(b"", written.path.read_bytes())
    assert b'<score-part id="P1">' in again


SPELLING_BRIEFS = ["tense theme in A major, 60 seconds", "anxious theme in G major, 60 seconds",
                   "bright theme for a 2-minute product video, builds in the final 40 seconds",
                   "warm wedding theme in A major, 90 seconds"]


def test_chromatic_notes_are_spelled_by_their_chord_or_where_they_lead() -> None:
    """A note outside the key is written as the chord sounding spells it (the A-flat of a
    borrowed iv in C, not G-sharp); a melody note outside both that moves a semitone to the next
    is written on the letter next to it (D-sharp rising to E in A major, not E-flat) — unless that
    letter would need a double sharp (G natural rising to G-sharp stays G)."""
    from composer.base.theory import scale_pitch_classes
    from composer.composition.harmony import chord_spelling

    by_chord = by_resolution = 0
    for brief in SPELLING_BRIEFS:
        for seed in range(4):
            piece = compose(brief, seed=seed)
            starts = [c.start_q for c in piece.chords]
            for part in piece.score.parts:
                notes = [n for n in part.flatten().notes if isinstance(n, note_module.Note)]
                for written, following in zip(notes, notes[1:] + [None]):
                    at = Fraction(written.offset)
                    tonic, mode = piece.plan.key_at(at)
                    if written.pitch.pitchClass in scale_pitch_classes(tonic, mode) or mode == "minor":
                        continue
                    sounding = piece.chords[max(0, bisect.bisect_right(starts, at) - 1)]
                    names = chord_spelling(sounding.figure, *piece.plan.key_at(sounding.start_q))
                    if written.pitch.pitchClass in names:
                        assert written.pitch.name == names[written.pitch.pitchClass], (brief, seed, written)
                        by_chord += 1
                    elif following is not None and following.pitch.midi - written.pitch.midi == 1:
                        letters = "CDEFGAB"
                        below = letters[letters.index(following.pitch.step) - 1]
                        if (written.pitch.pitchClass - pitch.Pitch(below).pitchClass) % 12 == 1:
                            assert written.pitch.step == below, (brief, seed, written, following)
                            by_resolution += 1
                        else:  # G to G-sharp: the letter below would need a double sharp
                            assert written.pitch.accidental is None or written.pitch.accidental.alter == 0, written
    assert by_chord >= 10 and by_resolution >= 3, (by_chord, by_resolution)
