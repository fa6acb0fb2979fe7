"""Sheet music: the MusicXML a piece writes parses back in music21 with the score's parts, notes,
key, meter and tempo, written in note values a player reads (no tuplets made of gated lengths);
it validates against the MusicXML 4.0 XSD, every part carries the key and time signatures, drums
are unpitched on a percussion clef, dynamics follow each passage's level."""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from music21 import converter, expressions, instrument, key, layout, meter, percussion, stream, tempo
from music21 import note as note_module
from music21 import pitch

from composer import compose
from composer.piece import Piece
from composer.notation.musicxml import drum_key, notation
from tests.conftest import run_composer

#: Short pieces that between them have drums, a 4–3 suspension (two voices in the pad), notes tied
#: over bar lines, detached notes, a minor key in 3/4, and a stinger's pickup bar.
BRIEFS = {
    "product": ("bright product video, 16 seconds, builds at the end", 1),
    "waltz": ("sad waltz underscore in D minor, 12 seconds", 2),
    "stinger": ("logo stinger, 4 seconds", 1),
    "ambient": ("mysterious dark ambient texture, slow pads and distant bells, 60-second seamless loop, no drums", 1),
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


def _events(part: stream.Part, drums: bool = False) -> list[Event]:
    """(onset, length, sounds) of every note and chord of ``part``, notes tied over bar lines
    joined into one (music21's stripTies leaves tied chords in voices apart); a drum part's
    sounds are its General MIDI keys ("k36"), however they are written."""
    events: list[Event] = []
    tied: dict[tuple[str, ...], int] = {}
    for element in sorted(part.flatten().notes, key=lambda n: Fraction(n.offset)):
        pitches = _sounds(element, drums)
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


def _sounds(element: note_module.NotRest, drums: bool) -> tuple[str, ...]:
    """A note's or chord's pitches by name, or a drum part's General MIDI keys."""
    if isinstance(element, (note_module.Unpitched, percussion.PercussionChord)):
        hits = element.notes if isinstance(element, percussion.PercussionChord) else [element]
        return tuple(sorted(f"k{drum_key(h.displayStep, h.displayOctave, h.notehead)}" for h in hits))
    if drums:
        return tuple(sorted(f"k{p.midi}" for p in element.pitches))
    return tuple(sorted(p.nameWithOctave for p in element.pitches))


def _players(score: stream.Score) -> list[stream.Part]:
    """The parts of ``score`` as players read them: a grand staff's two staves (braced
    PartStaffs, as music21 reads a two-staff part back) joined into one part."""
    braced = [group for group in score.spannerBundle.getByClass(layout.StaffGroup)
              if group.symbol == "brace" and all(isinstance(s, stream.PartStaff) for s in group.getSpannedElements())]
    second = {id(group.getSpannedElements()[1]): group.getSpannedElements()[1] for group in braced}
    players = []
    for part in score.parts:
        if id(part) in second:
            continue
        group = next((g for g in braced if g.getSpannedElements()[0] is part), None)
        if group is None:
            players.append(part)
            continue
        joined = stream.Part()
        joined.partName = part.partName
        joined.insert(0, part.getInstrument())
        for staff in group.getSpannedElements():
            for element in staff.flatten().notes:
                joined.insert(element.getOffsetInHierarchy(staff), element)
        players.append(joined)
    return players


def _is_drums(part: stream.Part) -> bool:
    return isinstance(part.getInstrument(returnDefault=False), instrument.UnpitchedPercussion)


def _struck(events: list[Event]) -> list[tuple[Fraction, tuple[str, ...]]]:
    """(onset, sounds) with everything struck at one onset together, each sound once."""
    at: dict[Fraction, set[str]] = {}
    for onset, _, sounds in events:
        at.setdefault(onset, set()).update(sounds)
    return [(onset, tuple(sorted(sounds))) for onset, sounds in sorted(at.items())]


def _each_pitch(events: list[Event]) -> list[Event]:
    """``events`` with each chord as one event per pitch."""
    return [(onset, length, (sound,)) for onset, length, sounds in events for sound in sounds]


def _sixteenth(at_q: Fraction) -> Fraction:
    return math.floor(at_q * 4 + Fraction(1, 2)) / 4


def test_the_file_is_musicxml_without_tuplets(written: Written) -> None:
    data = written.path.read_bytes()
    assert data.startswith(b"<?xml") and b"<score-partwise" in data
    assert b"<time-modification>" not in data  # no 10:9 or 160:153 tuplets from gated lengths
    assert written.piece.report(files={"musicxml": written.path})["files"]["musicxml"] == str(written.path)


def test_same_parts_and_notes_as_the_score(written: Written) -> None:
    """Every note of the score, read back by music21, at its onset (on the nearest sixteenth: an
    ambient texture's drift is the MIDI's), with its pitches, or for drums its keys."""
    score = written.piece.score
    sheet = notation(score, written.piece.plan, written.piece.performance)
    back = _players(written.back)
    assert [p.partName for p in back] == [p.partName for p in score.parts]
    for ours, theirs, on_sheet in zip(score.parts, back, _players(sheet)):
        drums = _is_drums(ours)
        read = _events(theirs, drums)
        expected = [(_sixteenth(q), p) for q, _, p in _events(ours, drums)]
        assert _struck(read) == _struck([(q, Fraction(0), p) for q, p in expected]), ours.partName
        assert read == _events(on_sheet, drums), ours.partName  # lengths: the written values, exactly
        assert len(read) > 0


def test_written_lengths_cover_the_sounding_ones_and_never_run_into_the_next_note(written: Written) -> None:
    piece = written.piece
    for ours, sheet in zip(piece.score.parts, _players(notation(piece.score, piece.plan, piece.performance))):
        if _is_drums(ours):
            continue  # a drum hit is written to the next onset, whatever it rings
        # paired by written onset and pitch, note by note (a grand staff splits a chord between
        # its hands): two onsets drifting onto one sixteenth may swap order
        sounding = sorted(_each_pitch(_events(ours)), key=lambda e: (_sixteenth(e[0]), e[2], e[1]))
        notated = sorted(_each_pitch(_events(sheet)), key=lambda e: (e[0], e[2], e[1]))
        assert len(sounding) == len(notated), ours.partName
        onsets = sorted({q for q, _, _ in sounding})
        for (start, length, pitches), (written_start, written_length, written_pitches) in zip(sounding, notated):
            assert written_pitches == pitches and written_start == _sixteenth(start), (ours.partName, start)
            assert (written_length * 4).denominator == 1
            assert written_start + written_length >= start + length - Fraction(1, 8)
            following = [q for q in onsets if q > start]
            # a note let go before the next onset is written to end by it, unless the two fall on
            # one sixteenth (a drifting arpeggio): then they are written struck together
            if following and start + length <= following[0] and _sixteenth(following[0]) > written_start:
                assert written_start + written_length <= _sixteenth(following[0]), (ours.partName, start)


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


SCHEMA = Path(__file__).parent / "schemas" / "musicxml-4.0" / "musicxml.xsd"
SCORES = sorted((Path(__file__).parent.parent / "scores").glob("*.toml"))
#: Instruments a player reads in one clef whatever the part plays (by the part's name).
BASS_CLEF = ("Cello", "Contrabass", "Bassoon", "Tuba", "Bass")
TREBLE_CLEF = ("Violin", "Flute")
MARKS = ("pp", "p", "mp", "mf", "f", "ff")
#: General MIDI programs (0-based) a player reads on a grand staff: keyboards, organs, the harp.
GRAND_STAFF = (*range(0, 9), *range(16, 21), 46)


@dataclass
class SheetPart:
    """One <part> of a MusicXML file, read with ElementTree alone (not music21)."""

    name: str
    drum_names: list[str]
    keys: list[tuple[int, int]]  # (measure index, fifths) where the key is written
    times: list[tuple[int, str]]  # (measure index, "3/4")
    clefs: set[str]
    dynamics: list[tuple[int, int, str]]  # (measure index, position in divisions, mark)
    tuplets: set[tuple[str, str]]
    overfull: list[int]  # measures holding more than their meter
    notes: int
    unpitched: int
    program: int  # General MIDI, 0-based (-1: none written)
    staves: int
    across_beats: int  # notes struck off the beat and held past the next one, untied there


def _read_sheet(data: bytes) -> list[SheetPart]:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(data)
    listed = {p.get("id"): p for p in root.iter("score-part")}
    parts = []
    for part in root.iter("part"):
        entry = listed[part.get("id")]
        unpitched_keys = [int(m.findtext("midi-unpitched", "0")) - 1 for m in entry.iter("midi-instrument")
                          if m.find("midi-unpitched") is not None]
        drum_names = [s.findtext("instrument-name", "") for s in entry.iter("score-instrument")] if unpitched_keys else []
        program = int(entry.findtext("midi-instrument/midi-program", "0")) - 1
        read = SheetPart(entry.findtext("part-name", ""), drum_names, [], [], set(), [], set(), [], 0, 0, program, 1, 0)
        divisions, bar, beat = 1, 0, 1
        for index, measure in enumerate(part.iter("measure")):
            position = longest = 0
            for child in measure:
                if child.tag == "attributes":
                    divisions = int(child.findtext("divisions", str(divisions)))
                    for written_key in child.iter("key"):
                        read.keys.append((index, int(written_key.findtext("fifths", "0"))))
                    for time in child.iter("time"):
                        beats, beat_type = time.findtext("beats", ""), time.findtext("beat-type", "")
                        read.times.append((index, f"{beats}/{beat_type}"))
                        bar = int(beats) * 4 * divisions // int(beat_type)
                        compound = beat_type == "8" and int(beats) % 3 == 0 and int(beats) > 3  # 6/8: dotted quarters
                        beat = 4 * divisions // int(beat_type) * (3 if compound else 1)
                    read.clefs |= {c.findtext("sign", "") for c in child.iter("clef")}
                    read.staves = int(child.findtext("staves", str(read.staves)))
                elif child.tag == "direction":
                    for marks in child.iter("dynamics"):
                        read.dynamics += [(index, position, mark.tag) for mark in marks]
                elif child.tag == "backup":
                    position -= int(child.findtext("duration", "0"))
                elif child.tag == "forward":
                    position += int(child.findtext("duration", "0"))
                elif child.tag == "note":
                    read.notes += child.find("rest") is None
                    read.unpitched += child.find("unpitched") is not None
                    for modification in child.iter("time-modification"):
                        read.tuplets.add((modification.findtext("actual-notes", ""),
                                          modification.findtext("normal-notes", "")))
                    if child.find("chord") is None and child.find("grace") is None:
                        length = int(child.findtext("duration", "0"))
                        read.across_beats += (child.find("rest") is None and position % beat != 0
                                              and position // beat != (position + length - 1) // beat)
                        position += length
                longest = max(longest, position)
            if longest > bar:
                read.overfull.append(index)
        parts.append(read)
    return parts


def _passage_marks(piece: Piece, track: int) -> list[str]:
    """The dynamic each section of ``piece`` should show for MIDI track ``track``, read from the
    MIDI file with mido: the mark for the mean velocity of the notes struck in it (onsets to the
    nearest sixteenth, so micro-timing never moves a note over a section's edge), each written
    only where it changes."""
    import io

    import mido

    from composer.notation.musicxml import dynamic_mark

    midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
    struck, now = [], 0
    for message in midi.tracks[track]:
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            struck.append((Fraction(round(now * 4 / midi.ticks_per_beat), 4), message.velocity))
    marks: list[str] = []
    for section in piece.plan.sections:
        velocities = [v for at, v in struck if section.start_q <= at < section.end_q]
        if velocities:
            mark = dynamic_mark(sum(velocities) / len(velocities), piece.plan.loudness_lufs)
            if not marks or marks[-1] != mark:
                marks.append(mark)
    return marks


@pytest.fixture(scope="module")
def schema() -> object:
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


@pytest.mark.parametrize("score", SCORES, ids=lambda p: p.stem)
def test_every_score_validates_and_is_written_as_a_player_reads_it(score: Path, schema: object) -> None:
    """Each ready-made brief × 2 seeds: valid MusicXML 4.0 (the W3C XSD); every part has the first
    part's key and time signatures at the same bars (drums the time signatures only); no tuplet but
    3:2; no bar fuller than its meter; no note held over a beat from off it but tied there; drums
    unpitched on a percussion clef, named by General MIDI; a cello's bass clef, a violin's treble,
    a piano's grand staff; one dynamic at a time, each the level of its passage."""
    import pretty_midi

    from composer.composition.brief import load_brief_file

    fields = load_brief_file(score)
    text = fields.pop("brief")
    for name in ("seed", "name"):
        fields.pop(name, None)
    for seed in (1, 2):  # eight briefs give the breadth; a third seed cost the suite 18 s and found nothing new
        piece = compose(text, seed=seed, **fields)
        data = piece.musicxml_bytes()
        schema.validate(data.decode("utf-8"))  # type: ignore[attr-defined]
        parts = _read_sheet(data)
        first = parts[0]
        assert first.keys and first.times, (score.stem, seed)
        for track, part in enumerate(parts, start=1):
            where = (score.stem, seed, part.name)
            assert part.times == first.times, where
            assert part.tuplets <= {("3", "2")} and not part.overfull, where
            assert part.drum_names or part.across_beats == 0, where  # a held note is tied at each beat
            if part.drum_names:
                assert part.keys == [] and part.clefs == {"percussion"} and part.unpitched == part.notes, where
                gm_names = {pretty_midi.note_number_to_drum_name(k) for k in range(35, 82)}
                assert set(part.drum_names) <= gm_names, where
            else:
                assert part.keys == first.keys and part.unpitched == 0, where
                if part.name.startswith(BASS_CLEF) or part.name.endswith(" Bass"):
                    assert part.clefs == {"F"}, where
                if part.name.startswith(TREBLE_CLEF):
                    assert part.clefs == {"G"}, where
                if part.program in GRAND_STAFF:  # a keyboard or harp: treble and bass staves, braced
                    assert part.staves == 2 and part.clefs == {"G", "F"}, where
                else:
                    assert part.staves == 1, where
            positions = [(m, q) for m, q, _ in part.dynamics]
            assert len(positions) == len(set(positions)), where  # never two marks stacked
            assert [mark for _, _, mark in part.dynamics] == _passage_marks(piece, track), where


def test_swells_are_hairpins_and_a_quiet_cue_is_never_loud(written: Written) -> None:
    data = written.path.read_bytes()
    marks = {mark for part in _read_sheet(data) for _, _, mark in part.dynamics}
    assert marks and marks <= set(MARKS)
    if written.piece.plan.loudness_lufs <= -23:
        assert marks <= {"pp", "p", "mp", "mf"}
    if written.path.stem == "ambient":  # its pad swells into each phrase and back
        wedges = set(re.findall(rb'<wedge [^>]*type="(\w+)"', data))
        assert {b"crescendo", b"diminuendo", b"stop"} <= wedges


MUSESCORE = shutil.which("mscore3") or shutil.which("mscore") or shutil.which("musescore")


@pytest.mark.skipif(MUSESCORE is None, reason="MuseScore is not installed (Debian: apt-get install musescore3)")
@pytest.mark.parametrize("score", SCORES, ids=lambda p: p.stem)
def test_musescore_lays_out_every_score_as_a_pdf(score: Path, tmp_path: Path) -> None:
    from composer.composition.brief import load_brief_file

    fields = load_brief_file(score)
    text = fields.pop("brief")
    for name in ("seed", "name"):
        fields.pop(name, None)
    sheet = compose(text, seed=1, **fields).write_musicxml(tmp_path / "cue.musicxml")
    pdf = tmp_path / "cue.pdf"
    result = subprocess.run([str(MUSESCORE), "-o", str(pdf), str(sheet)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), result.stderr[-2000:]


def test_a_bar_of_changed_meter_is_written_with_its_time_signature(schema: object) -> None:
    """Hits that take bars of changed meter among 4/4: valid MusicXML whose every part
    changes its time signature at those bars and back (the plan's meter map, measure by
    measure), with no bar fuller than its own meter."""
    from composer.composition.brief import build_brief

    brief = build_brief("upbeat corporate music, 45 seconds", {"hit": ["0:08", "0:16.5", "0:31", "0:32.3"]})
    piece = compose(brief, seed=2)
    plan = piece.plan
    assert {meter for _, meter in plan.meter_changes} - {plan.meter}
    data = piece.musicxml_bytes()
    schema.validate(data.decode("utf-8"))  # type: ignore[attr-defined]
    wanted = [(plan.bar_at(at_q) if plan.bars else 0, f"{n}/{d}") for at_q, n, d in plan.meter_map()]
    for part in _read_sheet(data):
        assert part.times == wanted and not part.overfull, part.name
