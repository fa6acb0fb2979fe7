"""The picture's events land where the editor asked, read back from the written MIDI (pretty_midi
and mido, independent of composer's writer) and from the rendered audio: hits within a
millisecond as tutti accents, stops silent, drop-outs thinner and quieter, builds rising,
fade-ins arriving out of quiet, buttons on the last beat, turns heard in the key."""

from __future__ import annotations

import dataclasses
import io
import json
from collections import Counter
from fractions import Fraction

import numpy as np
import pretty_midi
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from music21 import stream as m21stream
from music21 import note as m21note

from composer import compose
from composer.composition.brief import Brief, CueEvent, build_brief
from composer.piece import Piece

SAMPLE_RATE = 44_100


def with_events(text: str, *events: CueEvent) -> Brief:
    """The brief ``text`` with ``events``, as the brief's readers hand them to the plan."""
    return dataclasses.replace(build_brief(text, {}), events=tuple(sorted(events, key=lambda e: e.at_s)))


def midi_of(piece: Piece) -> pretty_midi.PrettyMIDI:
    return pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))


def onsets(midi: pretty_midi.PrettyMIDI) -> list[tuple[float, int, int]]:
    """(seconds, instrument index, velocity) of every note."""
    return [(n.start, index, n.velocity) for index, i in enumerate(midi.instruments) for n in i.notes]


@st.composite
def event_sets(draw: st.DrawFn) -> tuple[float, list[CueEvent]]:
    """A cue length and a few events at least 5 s apart, away from the edges: hits, a stop, a drop-out."""
    duration = draw(st.integers(40, 80))
    count = draw(st.integers(2, 4))
    slots = sorted(draw(st.lists(st.integers(6, duration - 12), min_size=count, max_size=count, unique=True)))
    times: list[int] = []
    for slot in slots:
        if not times or slot - times[-1] >= 8:
            times.append(slot)
    events = []
    for index, at in enumerate(times):
        tenth = Fraction(draw(st.integers(0, 9)), 10)
        what = draw(st.sampled_from(("hit", "hit", "stop", "dip"))) if index else "hit"
        if what == "stop":
            events.append(CueEvent("stop", at + tenth, Fraction(draw(st.integers(15, 30)), 10)))
        elif what == "dip":
            events.append(CueEvent("dip", at + tenth, Fraction(5)))
        else:
            events.append(CueEvent("hit", at + tenth))
    return float(duration), events


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # a composition is too slow to shrink
@given(event_sets(), st.integers(0, 5), st.sampled_from(["uplifting corporate music", "tense documentary underscore",
                                                         "heroic orchestral theme"]))
def test_every_event_lands_where_it_was_asked(case: tuple[float, list[CueEvent]], seed: int, text: str) -> None:
    duration, events = case
    piece = compose(dataclasses.replace(with_events(text, *events), duration_s=duration), seed=seed)
    midi = midi_of(piece)
    notes = onsets(midi)
    for event in events:
        at = float(event.at_s)
        if event.kind == "hit":
            struck = {index for start, index, _ in notes if abs(start - at) < 0.001}
            assert len(struck) >= min(3, len(midi.instruments)), (event, struck)
            strength = {}
            for start, _, velocity in notes:
                strength[round(start * 50)] = strength.get(round(start * 50), 0) + velocity
            hit = sum(v for start, _, v in notes if abs(start - at) < 0.001)
            assert hit >= np.percentile(list(strength.values()), 90), event
        elif event.kind == "stop":
            end = float(event.end_s)
            sounding = [n for i in midi.instruments for n in i.notes if n.start < end - 0.001 and n.end > at + 0.001]
            assert not sounding, (event, sounding[:3])
        elif event.kind == "dip":
            end = float(event.end_s)

            def parts_in(low: float, high: float) -> int:
                return sum(any(n.start < high and n.end > low for n in i.notes) for i in midi.instruments)
            assert parts_in(at + 0.05, end - 0.05) < parts_in(at - 5, at), event
            melody = [i for i, role in zip(midi.instruments, piece.plan.roles) if role.role == "melody"]
            assert all(not (at + 0.05 <= n.start < end - 0.05) for i in melody for n in i.notes)
    landed = {round(e["asked_s"], 3): e["off_ms"] for e in piece.report()["events"]}
    assert all(abs(off) < 1 for off in landed.values()), landed


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("text", ["tense documentary underscore, 60 seconds, hits at 0:21 and 0:40",
                                  "upbeat corporate music, 60 seconds, hits at 0:21 and 0:40",
                                  "warm acoustic folk for a travel vlog, 60 seconds, hits at 0:21 and 0:40",
                                  "epic orchestral trailer, 60 seconds, hits at 0:21 and 0:40"])
def test_a_hit_has_weight_and_a_roll_swelling_into_it(seed: int, text: str) -> None:
    """Low end on the hit (kick, timpani or the bass's octave: a pitch at or under C#3), and in
    the beat before it a percussion roll or fill of three strokes or more that ends louder than
    it began, from the kit or the timpani added for the hits."""
    midi = midi_of(compose(text, seed=seed))
    for at in (21.0, 40.0):
        beat = 60 / midi.get_tempo_changes()[1][np.searchsorted(midi.get_tempo_changes()[0], at, "right") - 1]
        struck = [(n.pitch, i) for i in midi.instruments for n in i.notes if abs(n.start - at) < 0.001]
        assert any(i.is_drum and p == 36 or not i.is_drum and p <= 49 for p, i in struck), (text, seed, at)
        percussion = [i for i in midi.instruments if i.is_drum or i.program == 47]
        rolls = [[n.velocity for n in sorted(i.notes, key=lambda n: n.start)
                  if at - beat - 0.001 <= n.start < at - 0.001 and (not i.is_drum or n.pitch in (37, 38, 39, 40, 41,
                                                                                                 43, 45, 47, 48, 50))]
                 for i in percussion]
        assert any(len(r) >= 3 and r[-1] > r[0] for r in rolls), (text, seed, at, rolls)


def test_the_tempo_map_bends_little_and_the_midi_plays_it_exactly() -> None:
    """Hits at 0:08, 0:16.5 and 0:31 in one cue: one common tempo with small bends, and the
    file's own tempo map (read by pretty_midi) puts each on a downbeat of the written bars."""
    piece = compose(with_events("uplifting corporate music, 45 seconds", CueEvent("hit", Fraction(8)),
                                CueEvent("hit", Fraction(33, 2)), CueEvent("hit", Fraction(31))), seed=2)
    midi = midi_of(piece)
    tempos = [float(bpm) for _, bpm in piece.plan.tempo_map()]
    assert max(tempos) / min(tempos) < 1.2, tempos
    downbeats = midi.get_downbeats()
    for at in (8, 16.5, 31):
        assert min(abs(downbeats - at)) < 0.001, at
    assert [m.text for m in _markers(piece)].count("hit 0:16.5") == 1


def _markers(piece: Piece) -> list[pretty_midi.Lyric]:
    import mido

    track = mido.MidiFile(file=io.BytesIO(piece.midi_bytes)).tracks[0]
    return [pretty_midi.Lyric(m.text, 0) for m in track if m.type == "marker"]


def test_a_button_ending_lands_within_the_last_beat() -> None:
    piece = compose(with_events("bright upbeat promo, 30 seconds", CueEvent("button", Fraction(30))), seed=4)
    midi = midi_of(piece)
    beat_s = 60 / float(piece.plan.end_tempo_bpm)
    last = max(start for start, _, _ in onsets(midi))
    assert 30 - beat_s - 0.001 <= last < 30
    assert piece.plan.ending == "button"
    struck = {index for start, index, _ in onsets(midi) if abs(start - last) < 0.001}
    assert len(struck) >= 2


def test_an_early_button_ends_the_music_and_rings_to_the_end() -> None:
    piece = compose(with_events("bright upbeat promo, 40 seconds", CueEvent("button", Fraction(35))), seed=1)
    midi = midi_of(piece)
    assert max(start for start, _, _ in onsets(midi)) == pytest.approx(35, abs=0.001)
    assert midi.get_end_time() <= 40.001


def test_a_turn_to_major_is_heard_in_the_key_after_it() -> None:
    """Key analysis (music21's) of the music after a turn from A minor finds C major in five of
    six seeds: the turn's first phrase opens on the new tonic. (A relative major shares every
    note with the minor before it, so one seed whose after-music leans on IV may read as F.)"""
    found = []
    for seed in range(1, 7):
        piece = compose(with_events("sad reflective documentary underscore in A minor, 60 seconds",
                                    CueEvent("turn", Fraction(30), mode="major")), seed=seed)
        assert piece.plan.key_at(piece.plan.events[0].at_q) == ("C", "major")
        midi = midi_of(piece)
        after = m21stream.Stream()
        for instrument in midi.instruments:
            for n in instrument.notes:
                if n.start >= 30.5 and not instrument.is_drum:
                    after.append(m21note.Note(n.pitch, quarterLength=max(0.25, round((n.end - n.start) * 2) / 2)))
        key = after.analyze("key")
        found.append(f"{key.tonic.name} {key.mode}")
    assert found.count("C major") >= 5, found


def test_events_are_heard_in_the_audio(small_soundfont) -> None:
    """Rendered, measured in RMS decibels over windows: a stop ≥ 20 dB under the 3 s before it,
    a drop-out ≥ 6 dB under the music around it, a build ≥ 3 dB up over the 20 s into its point,
    a hit louder than the 2 s before it, and a fade-in starting ≥ 10 dB under where it arrives."""
    events = (CueEvent("fade_in", Fraction(0), Fraction(8)), CueEvent("stop", Fraction(20), Fraction(2)),
              CueEvent("dip", Fraction(32), Fraction(8)), CueEvent("build", Fraction(64), Fraction(20)),
              CueEvent("hit", Fraction(64)))
    piece = compose(with_events("uplifting corporate music with drums, 80 seconds", *events), seed=1)
    audio = piece.audio(small_soundfont, sample_rate=SAMPLE_RATE)

    def level(start: float, end: float) -> float:
        frames = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
        return 10 * float(np.log10(np.mean(frames.astype(np.float64) ** 2) + 1e-20))

    assert level(20.3, 21.9) <= level(17, 20) - 20
    assert level(32.5, 39.5) <= min(level(26, 31.5), level(40.5, 46)) - 6
    assert level(60, 64) >= level(44, 48) + 3
    assert level(64, 64.5) > level(62, 64)
    assert level(0, 1) <= level(7, 8) - 10


def test_markers_read_back_in_opentimelineio_csv_and_the_wav_cue_chunk(small_soundfont, tmp_path) -> None:
    """The marker files an editor imports: OTIO read by opentimelineio itself, the CSV by the
    csv module, and the WAV's cue chunk walked as RIFF: each names the hit at its landed time."""
    import csv
    import struct

    import opentimelineio as otio

    from composer.notation.markers import markers_csv, markers_otio

    piece = compose(with_events("uplifting corporate music, 20 seconds", CueEvent("hit", Fraction(12))), seed=1)
    timeline = otio.adapters.read_from_string(markers_otio(piece.plan, "cue", "cue.wav").decode(), "otio_json")
    found = {m.name: m.marked_range.start_time.to_seconds() for m in timeline.tracks.markers}
    assert found["hit 0:12"] == pytest.approx(12, abs=0.001)
    assert timeline.tracks[0][0].media_reference.target_url == "cue.wav"
    assert timeline.duration().to_seconds() == pytest.approx(20)
    rows = list(csv.DictReader(io.StringIO(markers_csv(piece.plan).decode())))
    assert [float(r["start_s"]) for r in rows if r["kind"] == "hit"] == [12.0]
    assert next(r["timecode"] for r in rows if r["kind"] == "hit") == "00:00:12:00"
    wav = tmp_path / "cue.wav"
    piece.render(wav, soundfont=small_soundfont)
    data = wav.read_bytes()
    chunks, at = {}, 12
    while at < len(data):
        name, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        chunks.setdefault(name, []).append(data[at + 8:at + 8 + size])
        at += 8 + size + size % 2
    cue = chunks[b"cue "][0]
    points = [struct.unpack("<II4sIII", cue[4 + 24 * i:28 + 24 * i]) for i in range(struct.unpack("<I", cue[:4])[0])]
    adtl = next(body for body in chunks[b"LIST"] if body[:4] == b"adtl")
    labels = adtl.split(b"labl")[1:]
    named = {struct.unpack("<I", label[4:8])[0]: label[8:].split(b"\0")[0].decode() for label in labels}
    hit = next(number for number, text in named.items() if text == "hit 0:12")
    frame = next(p[1] for p in points if p[0] == hit)
    assert frame == round(12 * 44_100)


def test_hits_too_close_for_whole_bars_land_on_a_bar_of_changed_meter_and_say_so() -> None:
    """Hits 1.3 s apart at 90 BPM: a bar of 2/4 between them, written in the MIDI's time
    signatures, so both fall on downbeats; the report says which bar and why."""
    piece = compose(with_events("uplifting corporate music, 30 seconds", CueEvent("hit", Fraction(12)),
                                CueEvent("hit", Fraction(133, 10))), seed=1)
    midi = midi_of(piece)
    notes = onsets(midi)
    for at in (12, 13.3):
        assert len({index for start, index, _ in notes if abs(start - at) < 0.001}) >= 3, at
        assert min(abs(midi.get_downbeats() - at)) < 0.001, at
    assert (2, 4) in [(t.numerator, t.denominator) for t in midi.time_signature_changes]
    assert any(" is 2/4 so the hit at 0:13.3 falls on a downbeat" in note for note in piece.plan.notes)


def test_hits_too_close_even_for_a_beat_land_within_a_bar_and_say_so() -> None:
    piece = compose(with_events("uplifting corporate music, 30 seconds", CueEvent("hit", Fraction(12)),
                                CueEvent("hit", Fraction(123, 10))), seed=1)
    notes = onsets(midi_of(piece))
    for at in (12, 12.3):
        assert any(abs(start - at) < 0.001 for start, _, _ in notes), at
    assert any("too close" in note for note in piece.plan.notes)


@st.composite
def close_hits(draw: st.DrawFn) -> tuple[float, list[CueEvent]]:
    """A cue length and two to five hits, some close (a second or two apart), some far."""
    duration = draw(st.integers(30, 70))
    at, hits = Fraction(draw(st.integers(30, 90)), 10), []
    while at < duration - 6 and len(hits) < 5:
        hits.append(CueEvent("hit", at))
        at += Fraction(draw(st.sampled_from((draw(st.integers(10, 40)), draw(st.integers(40, 160))))), 10)
    return float(duration), hits


def _midi_maps(piece: Piece) -> tuple[list[tuple[float, float]], list[tuple[float, int, int]]]:
    """(seconds, BPM) of every tempo event and (seconds, numerator, denominator) of every time
    signature, read with mido (ticks) and pretty_midi (ticks to seconds through the tempo map)."""
    import mido

    midi = midi_of(piece)
    track = mido.MidiFile(file=io.BytesIO(piece.midi_bytes)).tracks[0]
    tick, tempos, meters = 0, [], []
    for message in track:
        tick += message.time
        if message.type == "set_tempo":
            tempos.append((midi.tick_to_time(tick), 60_000_000 / message.tempo))
        elif message.type == "time_signature":
            meters.append((midi.tick_to_time(tick), message.numerator, message.denominator))
    return tempos, meters


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # a composition is too slow to shrink
@given(close_hits(), st.integers(0, 5), st.sampled_from([("uplifting corporate music at 96 bpm", 96, (4, 4)),
                                                         ("gentle waltz in 3/4 at 84 bpm", 84, (3, 4)),
                                                         ("tense documentary underscore at 70 bpm", 70, (4, 4))]))
def test_hits_land_on_downbeats_of_a_smooth_tempo_map_and_the_written_meters(
        case: tuple[float, list[CueEvent]], seed: int, cue: tuple[str, int, tuple[int, int]]) -> None:
    """Read back from the MIDI: every hit within 1 ms of its time and on a downbeat of the
    file's own time signatures; neighbouring tempos within 2 % of each other and every tempo
    within 8 % of the cue's, or a note saying why not; a bar of changed meter only ending on a
    hit that whole bars could not reach within 8 % of the cue's tempo by a step of 2 % from the
    one playing, the file's time signatures the plan's."""
    duration, hits = case
    text, wanted, meter = cue
    piece = compose(dataclasses.replace(with_events(text, *hits), duration_s=duration), seed=seed)
    midi = midi_of(piece)
    notes = " ".join(piece.plan.notes)
    tempos, meters = _midi_maps(piece)
    downbeats = midi.get_downbeats()
    for hit in hits:  # a hit under a beat after another falls within a bar, as the notes say
        if f"the moment at {float(hit.at_s):g} s is too close" not in notes:
            assert min(abs(downbeats - float(hit.at_s))) < 0.001, (hit, notes)
    assert all(abs(e["off_ms"]) < 1 for e in piece.report()["events"])
    steps = [abs(after / before - 1) for (_, before), (_, after) in zip(tempos, tempos[1:])]
    assert max(steps, default=0) <= 0.0201 or "a gentler ramp" in notes, (steps, notes)
    assert all(abs(bpm / wanted - 1) <= 0.0801 for _, bpm in tempos) or "off the cue's" in notes, (tempos, notes)
    plan = piece.plan
    planned = [(plan.seconds(at_q), n, d) for at_q, n, d in plan.meter_map()]
    assert [(n, d) for _, n, d in meters] == [(n, d) for _, n, d in planned]
    assert all(abs(written - at) < 1e-6 for (written, _, _), (at, _, _) in zip(meters, planned))
    bar_q = 4 * meter[0] / meter[1]
    moments = [0.0, *(float(h.at_s) for h in hits if f"the moment at {float(h.at_s):g} s is too close" not in notes)]
    for start_s, numerator, denominator in meters:
        if (numerator, denominator) == meter:
            continue
        end_s = next(s for s, *_ in meters if s > start_s)
        assert any(abs(end_s - m) < 0.001 for m in moments), (start_s, end_s, moments)
        after = max(i for i, m in enumerate(moments) if m < end_s - 0.001)
        before_s = moments[after]
        playing = ([bpm for s, bpm in tempos if s < before_s - 0.001] or [None])[-1]
        length = end_s - before_s
        for bars in range(1, int(length * wanted * 1.1 / 60 / bar_q) + 2):
            tempo = 60 * bars * bar_q / length
            assert not (abs(tempo / wanted - 1) <= 0.08 and (playing is None or abs(tempo / playing - 1) <= 0.02)), (
                "whole bars would have fitted", start_s, bars, tempo, playing)
        assert f"is {numerator}/{denominator} so the hit at" in notes


@pytest.mark.parametrize("seed", range(6))
def test_moving_a_hit_refits_only_what_follows_the_last_unmoved_event(seed: int) -> None:
    """Re-conform: the same brief and seed with its second hit moved 2 s later keeps the key,
    the motif, the chords, and every note of every part, melody included (read back from the
    MIDI), before the first hit, which did not move."""
    text = "heroic orchestral theme for a trailer, 70 seconds"
    before = compose(with_events(text, CueEvent("hit", Fraction(20)), CueEvent("hit", Fraction(45))), seed=seed)
    after = compose(with_events(text, CueEvent("hit", Fraction(20)), CueEvent("hit", Fraction(47))), seed=seed)
    assert after.plan.key == before.plan.key
    assert after.theme.motif == before.theme.motif

    def notes_until(piece: Piece, end: float) -> list[tuple[str, int, float, float, int]]:
        return sorted((i.name, n.pitch, round(n.start, 4), round(min(n.end, end), 4), n.velocity)
                      for i in midi_of(piece).instruments for n in i.notes if n.start < end)

    first_hit = before.plan.events[0].at_q
    assert [c for c in after.chords if c.start_q < first_hit] == [c for c in before.chords if c.start_q < first_hit]
    assert notes_until(after, 20) == notes_until(before, 20)
    landed = [e["landed_s"] for e in after.report()["events"]]
    assert landed == [20.0, 47.0]


@pytest.mark.parametrize("seed", range(3))
def test_a_drop_to_just_the_melodys_instrument_keeps_it_playing_the_harmony(seed: int) -> None:
    """"Drop to just the piano" where the piano sings the tune: in the drop-out the piano, and
    only the piano, plays, and plays chords (the harmony under the quote), not silence."""
    piece = compose("minimal piano and soft strings under an interview, 2 minutes, "
                    "drop to just the piano from 0:40 to 1:00", seed=seed)
    midi = midi_of(piece)
    playing = {i.name for i in midi.instruments if any(n.start < 59.9 and n.end > 40.1 for n in i.notes)}
    assert playing == {"Acoustic Grand Piano"}, playing
    piano = next(i for i in midi.instruments if i.name == "Acoustic Grand Piano")
    onsets = Counter(round(n.start, 3) for n in piano.notes if 40 <= n.start < 59.9)
    assert onsets and max(onsets.values()) >= 2, onsets


def test_explain_against_the_earlier_version_says_which_bars_changed(tmp_path) -> None:
    """After moving the second hit, `explain --against old.mid` (same brief and seed) names the
    bars up to the first hit as before and the bars from it as changed; against itself, none."""
    from typer.testing import CliRunner

    from composer.cli import app

    runner = CliRunner()
    text = "tense documentary underscore, 70 seconds"
    earlier = compose(build_brief(text, {"hit": ["0:20", "0:45"]}), seed=4)
    (tmp_path / "cue.mid").write_bytes(earlier.midi_bytes)

    def changes(*hits: str) -> dict:
        flags = [arg for hit in hits for arg in ("--hit", hit)]
        result = runner.invoke(app, ["explain", text, *flags, "--seed", "4", "--against", str(tmp_path / "cue.mid"),
                                     "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["changes"]

    plan = earlier.plan
    first_hit_bar = next(bar + 1 for bar in range(plan.bars) if plan.seconds(plan.bar_start_q(bar)) > 19.999)
    moved = changes("0:20", "0:47")
    # after the first hit a bar may still play as before where nothing in it moved (a held chord alone)
    assert moved["same_bars"].split(", ")[0] == f"1–{first_hit_bar - 1}"
    assert moved["changed_bars"].startswith(str(first_hit_bar))
    assert moved["first_change_s"] == pytest.approx(20, abs=0.001)
    assert changes("0:20", "0:45") == {"same_bars": f"1–{earlier.plan.bars}", "changed_bars": "none",
                                       "first_change_s": None}
    bad = runner.invoke(app, ["explain", text, "--against", str(tmp_path / "missing.mid")])
    assert bad.exit_code != 0 and type(bad.exception).__name__ == "ComposerError" and "--against" in str(bad.exception)


def test_a_bar_of_changed_meter_is_played_through_and_the_groove_realigns_after_it() -> None:
    """Hits at 0:08, 0:16.5 and 0:31 take a bar of 5/4 (read from the MIDI's time signatures):
    the drums play in it from its downbeat's kick up to its last beat, two other parts sound
    on its downbeat, and the kick pattern two bars after lands as it did two bars before."""
    piece = compose(with_events("upbeat corporate music, 45 seconds", CueEvent("hit", Fraction(8)),
                                CueEvent("hit", Fraction(33, 2)), CueEvent("hit", Fraction(31))), seed=2)
    midi = midi_of(piece)

    def quarters(seconds: float) -> Fraction:
        """Quarter notes from the start, to the nearest 32nd: a player's feel nudges by a few ms."""
        return Fraction(round(midi.time_to_tick(seconds) / midi.resolution * 8), 8)

    downbeats = [quarters(t) for t in midi.get_downbeats()]
    odd = [quarters(t.time) for t in midi.time_signature_changes if (t.numerator, t.denominator) != (4, 4)]
    assert (5, 4) in {(t.numerator, t.denominator) for t in midi.time_signature_changes}
    drums = next(i for i in midi.instruments if i.is_drum)
    pitched = [i for i in midi.instruments if not i.is_drum]
    for start in odd:
        index = downbeats.index(start)
        end = downbeats[index + 1]
        assert any(end - 1 <= quarters(n.start) < end for n in drums.notes), start
        assert any(quarters(n.start) == start for n in drums.notes if n.pitch == 36), start
        assert sum(any(quarters(n.start) <= start < quarters(n.end) for n in i.notes) for i in pitched) >= 2, start

        def kicks(bar: int) -> list[Fraction]:
            return sorted(quarters(n.start) - downbeats[bar] for n in drums.notes
                          if n.pitch == 36 and downbeats[bar] <= quarters(n.start) < downbeats[bar + 1])
        assert kicks(index + 2) == kicks(index - 2), (start, kicks(index - 2), kicks(index + 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_dance_drop_clears_the_kick_and_bass_before_it_and_lands_with_them(seed: int) -> None:
    """"drop at 0:15" in tropical house: read back from the MIDI, the kick's groove and the bass
    leave the two beats before it (the band plays on; the last beat is the kit's roll into it)
    and strike together on it."""
    piece = compose("chill tropical house for a travel reel, 45 seconds, drop at 0:15", seed=seed)
    midi = midi_of(piece)
    beat_s = 60 / piece.plan.end_tempo_bpm
    bass = next(inst for inst, role in zip(midi.instruments, piece.plan.roles) if role.role == "bass")
    kit = next(inst for inst in midi.instruments if inst.is_drum)
    low = [note.start for note in bass.notes] + [note.start for note in kit.notes if note.pitch == 36]
    assert not [start for start in low if 15 - 2 * beat_s + 0.02 <= start < 15 - beat_s - 0.02], sorted(low)
    assert not [note.start for note in bass.notes if 15 - 2 * beat_s + 0.02 <= note.start < 14.98]
    assert any(abs(note.start - 15) < 0.02 for note in bass.notes)
    assert any(abs(note.start - 15) < 0.02 and note.pitch == 36 for note in kit.notes)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_hit_then_silence_is_struck_then_silent_until_the_next_hit(seed: int) -> None:
    """"a big hit at 0:50, then silence, final boom at 0:58", read back from the MIDI: every part
    strikes at 0:50, nothing starts after the hit's own beat until the roll into the boom, and
    the boom lands at 0:58."""
    piece = compose("action trailer, 60 seconds, rise from 0:30 to a big hit at 0:50, then silence, "
                    "final boom at 0:58", seed=seed)
    midi = midi_of(piece)
    beat_s = float(piece.plan.seconds(Fraction(1)))
    starts = [note.start for instrument in midi.instruments for note in instrument.notes]
    assert sum(abs(t - 50) < 0.03 for t in starts) >= 3 and sum(abs(t - 58) < 0.03 for t in starts) >= 3
    assert not [t for t in starts if 50 + beat_s < t < 58 - 1.01 * beat_s]
    assert not [note for instrument in midi.instruments if not instrument.is_drum for note in instrument.notes
                if note.start < 57 and note.end > 50 + 1.01 * beat_s]


@pytest.mark.parametrize(("text", "role", "at_s"), [
    ("wedding video, 2 minutes, romantic piano, strings come in at 0:30", "pad", 30),
    ("lo-fi hip hop, 1 minute, the drums kick in at 0:15", "drums", 15),
    ("corporate, 1 minute, bring in the bass at 0:20", "bass", 20),
])
def test_a_layer_comes_in_at_its_time(text: str, role: str, at_s: int) -> None:
    """"strings come in at 0:30" ('come' was ignored and the strings played from the start): read
    back from the MIDI, the layer is silent before its moment (on a downbeat) and plays after."""
    piece = compose(text, seed=1)
    (event,) = [e for e in piece.plan.events if e.kind == "enter"]
    assert event.keep == (role,) and piece.plan.in_bar_q(event.at_q) == 0
    assert abs(float(piece.plan.seconds(event.at_q)) - at_s) < float(piece.plan.seconds(piece.plan.bar_q))
    channel = next(r.channel for r in piece.plan.roles if r.role == role)
    midi = midi_of(piece)
    starts = [n.start for i in midi.instruments for n in i.notes
              if (9 if i.is_drum else _channel_of(piece, i.program)) == channel]
    assert starts and min(starts) >= float(piece.plan.seconds(event.at_q)) - 0.02, min(starts)


@pytest.mark.parametrize(("text", "program", "at_s"), [
    ("acoustic guitar bed, 2 minutes, a cello comes in at 1:00", 42, 60),
    ("lo-fi bed, 2 minutes, saxophone comes in at 0:45", 65, 45),
    ("corporate theme, 1 minute, piano and drums come in at 0:20", 0, 20),
])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_named_instrument_comes_in_at_its_time(text: str, program: int, at_s: int, seed: int) -> None:
    """"a cello comes in at 1:00" casts a cello, which enters there (it was read as the melody's
    role, the cello's words were taken from the brief, and no cello played at all): read back
    from the MIDI, the instrument plays, and not before its moment."""
    piece = compose(text, seed=seed)
    (event,) = [e for e in piece.plan.events if e.kind == "enter"]
    assert program in event.programs and not piece.brief.ignored_words
    starts = [n.start for i in midi_of(piece).instruments if i.program == program and not i.is_drum for n in i.notes]
    assert starts, f"{text} s{seed}: program {program} never plays"
    assert min(starts) >= float(piece.plan.seconds(event.at_q)) - 0.02 and abs(float(piece.plan.seconds(event.at_q)) - at_s) < 3


def _channel_of(piece: Piece, program: int) -> int:
    return next(r.channel for r in piece.plan.roles if r.program == program and r.role != "drums")

