"""`composer evaluate` and composer.measure.evaluate: objective measures of any MIDI or audio file.

The measures are checked where their answer is known: on our own output (against what the
composer itself reports), on music it did not make (a Bach chorale written out by music21),
on baselines built to have a property or lack it (a restated motif vs random notes, a drum
groove vs random onsets, hand-placed parallel fifths), and on the EBU's own loudness-range test
signals.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pretty_midi
import pytest

from composer import compose
from composer.measure.evaluate import Value, as_dict, evaluate, evaluate_midi_bytes
from composer.base.errors import ComposerError
from composer.audio.loudness import loudness_range
from composer.audio.soundfonts import bundled_soundfont
from tests.conftest import run_composer

MIDI_MEASURES = {"duration_s", "tempo_bpm", "key", "key_correlation", "pitch_in_scale", "pitch_class_entropy",
                 "melody_part", "strong_beat_chord_tones", "stepwise_share", "leap_share", "leap_recovery",
                 "parallel_perfects", "outside_gm_range", "empty_beat_rate", "mean_polyphony", "motif_recurrence",
                 "motif_top_count", "energy_per_bar", "onset_regularity"}
AUDIO_MEASURES = {"length_s", "frames", "sample_rate", "channels", "loudness_lufs", "true_peak_dbtp",
                  "loudness_range_lu", "clipped_samples", "start_level_dbfs", "end_level_dbfs"}
THEMATIC = "recurring melody theme for a video series, 60 seconds"


def measures(path: Path) -> dict[str, Value]:
    return as_dict(evaluate(path))


def measures_of(midi_bytes: bytes) -> dict[str, Value]:
    return as_dict(evaluate_midi_bytes(midi_bytes))


def write(pm: pretty_midi.PrettyMIDI, path: Path) -> Path:
    pm.write(str(path))
    return path


def one_part(notes: list[tuple[int, float, float]], program: int = 0, drum: bool = False,
             tempo: float = 120.0) -> pretty_midi.PrettyMIDI:
    """A file with one part of (pitch, start s, end s) notes."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    part = pretty_midi.Instrument(program=program, is_drum=drum, name="drums" if drum else "part")
    part.notes = [pretty_midi.Note(velocity=90, pitch=p, start=s, end=e) for p, s, e in notes]
    pm.instruments.append(part)
    return pm


def random_melody(seed: int, notes: int = 120) -> pretty_midi.PrettyMIDI:
    """Random pitches (two octaves) and random lengths: no motif at all."""
    chance = random.Random(seed)
    melody, now = [], 0.0
    for _ in range(notes):
        length = chance.choice([0.25, 0.5, 0.75, 1.0, 1.5])
        melody.append((chance.randint(60, 84), now, now + length))
        now += length
    return one_part(melody)


@pytest.fixture(scope="module")
def chorale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bach's chorale BWV 66.6 as music21 writes it to MIDI: music composer did not make."""
    from music21 import corpus

    path = tmp_path_factory.mktemp("bach") / "bwv66.6.mid"
    corpus.parse("bach/bwv66.6").write("midi", fp=str(path))
    return path


# --- on our output and on music we did not make --------------------------------------------


def test_our_midi_measures_agree_with_what_the_composer_says(tmp_path: Path) -> None:
    piece = compose("bright product video, 60 seconds", seed=1)
    found = measures(piece.write_midi(tmp_path / "x.mid"))
    report = piece.report()
    assert set(found) == MIDI_MEASURES
    assert found["duration_s"] == pytest.approx(60.0, abs=1e-3)
    assert found["tempo_bpm"] == pytest.approx(report["tempo_bpm"], abs=0.01)
    assert found["pitch_in_scale"] >= 0.9 and found["key_correlation"] > 0.7
    assert found["outside_gm_range"] == 0
    energy = found["energy_per_bar"]
    # every bar of the plan, and the bars the final chord rings into
    assert isinstance(energy, tuple) and piece.plan.bars <= len(energy) <= piece.plan.bars + 2 and max(energy) > 0
    for name in ("strong_beat_chord_tones", "stepwise_share", "empty_beat_rate", "motif_recurrence"):
        assert 0.0 <= found[name] <= 1.0, name


def test_energy_per_bar_counts_each_note_in_the_bar_it_is_written_in() -> None:
    """Read back from the file, micro-timing has pushed some onsets a few ms before their bar
    line; each still counts in its written bar, so the measure equals the score's own sum."""
    piece = compose("upbeat tiktok reel, 30 seconds", seed=3)
    plan = piece.plan
    assert plan.pickup_q == 0
    written = [0.0] * plan.bars
    for part in piece.parts:
        for note in part.notes:
            if note.start_q < plan.end_q and int(note.start_q // plan.bar_q) < plan.bars:
                written[int(note.start_q // plan.bar_q)] += note.velocity / 127
    pushed = sum(1 for part in piece.parts for n in part.notes
                 if n.start_q % plan.bar_q == 0 and piece.performance.part(part.role.role).nudges_ms[n.start_q] < 0)
    assert pushed > 0, "some downbeat is played early"
    measured = as_dict(evaluate_midi_bytes(piece.midi_bytes))["energy_per_bar"]
    assert measured[: plan.bars] == pytest.approx(written, abs=0.006)


def test_measures_of_memory_and_file_are_the_same(tmp_path: Path) -> None:
    piece = compose("calm reflective underscore for a 30-second documentary interview", seed=2)
    from_file = measures(piece.write_midi(tmp_path / "u.mid"))
    assert as_dict(evaluate_midi_bytes(piece.midi_bytes)) == from_file


def test_a_bach_chorale_has_plausible_figures(chorale: Path) -> None:
    found = measures(chorale)
    assert found["key"] == "F# minor"
    assert found["key_correlation"] > 0.85
    assert found["pitch_in_scale"] >= 0.9
    assert found["parallel_perfects"] <= 2
    assert found["melody_part"] == "Soprano"
    assert 3.5 <= found["mean_polyphony"] <= 4.0
    assert found["strong_beat_chord_tones"] >= 0.85
    assert found["empty_beat_rate"] == 0.0 and found["outside_gm_range"] == 0
    assert 0.5 <= found["stepwise_share"] <= 0.9


# --- baselines with and without the property a measure looks for --------------------------


def test_motif_recurrence_is_high_for_our_theme_and_near_zero_for_random_notes(tmp_path: Path) -> None:
    ours = [measures(compose(THEMATIC, seed=seed).write_midi(tmp_path / f"t{seed}.mid")) for seed in (1, 2, 3)]
    noise = [measures(write(random_melody(seed), tmp_path / f"r{seed}.mid")) for seed in (1, 2, 3)]
    ours_mean = float(np.mean([m["motif_recurrence"] for m in ours]))
    noise_worst = max(float(m["motif_recurrence"]) for m in noise)
    assert noise_worst <= 0.05, noise
    assert ours_mean >= 0.15, ours


THEMATIC_BRIEFS = [
    THEMATIC,
    "epic recurring theme for a trailer, 45 seconds",
    "playful motif for a kids' explainer, 40 seconds",
    "gentle wedding theme in 3/4, 60 seconds",
]


@pytest.mark.parametrize("brief", THEMATIC_BRIEFS)
def test_our_theme_states_its_motif_at_least_three_times(brief: str) -> None:
    """Read back from the MIDI file by the same measure that finds no motif in random notes."""
    counts = [int(measures_of(compose(brief, seed=seed).midi_bytes)["motif_top_count"] or 0) for seed in range(12)]
    assert min(counts) >= 3, f"{brief!r}: commonest four-note figure heard {counts} times (seeds 0-11)"


def test_a_motif_in_sequence_counts_as_recurring(tmp_path: Path) -> None:
    """A three-note figure and a long note, restated a step higher each bar (a diatonic sequence
    in C major: its thirds alternate major and minor, the scale steps stay the same)."""
    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79]
    figure = [(0, 0.0, 0.25), (1, 0.25, 0.25), (2, 0.5, 0.5), (0, 1.0, 1.0)]  # (scale step, onset s, length s)
    notes = [(scale[bar % 4 + step], bar * 2.0 + onset, bar * 2.0 + onset + 0.9 * length)
             for bar in range(8) for step, onset, length in figure]
    found = measures(write(one_part(notes), tmp_path / "sequence.mid"))
    assert found["motif_recurrence"] >= 0.7
    assert found["motif_top_count"] >= 7


def test_onset_regularity_tells_a_groove_from_random_onsets(tmp_path: Path) -> None:
    groove = []
    for eighth in range(128):  # 16 bars of 4/4 at 120 BPM: hi-hat eighths, kick 1 and 3, snare 2 and 4
        t = eighth * 0.25
        groove.append((42, t, t + 0.1))
        if eighth % 4 == 0:
            groove.append((36 if eighth % 8 == 0 else 38, t, t + 0.1))
    chance = random.Random(7)
    onsets = sorted(chance.uniform(0, 32) for _ in range(128))
    scattered = [(chance.randint(48, 84), t, t + 0.5) for t in onsets]
    steady = measures(write(one_part(groove, drum=True), tmp_path / "groove.mid"))["onset_regularity"]
    irregular = measures(write(one_part(scattered), tmp_path / "random.mid"))["onset_regularity"]
    assert steady is not None and irregular is not None
    assert steady < 0.1 < 0.6 < irregular


def test_a_chord_over_a_resting_bass_is_no_step_of_the_bass_line(tmp_path: Path) -> None:
    """An oom-pah: the tuba on the beat, the accordion's chord off it while the tuba rests. The
    chord's low G under the tune's G is no bass note: outer voices C-C, then (tuba silent) G-G,
    then F-C counted nothing, where the lowest note at each onset counted parallel octaves."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    for program, notes in ((58, [(36, 0.0, 0.4), (41, 1.0, 1.4)]),  # tuba: C2, F2 on the beats
                           (21, [(43, 0.5, 0.9), (48, 0.5, 0.9)]),  # accordion: G2-C3 off the beat
                           (71, [(72, 0.0, 0.5), (79, 0.5, 1.0), (72, 1.0, 1.5)])):  # clarinet: C5 G5 C5
        part = pretty_midi.Instrument(program=program)
        part.notes = [pretty_midi.Note(velocity=90, pitch=p, start=s, end=e) for p, s, e in notes]
        pm.instruments.append(part)
    assert measures(write(pm, tmp_path / "oom-pah.mid"))["parallel_perfects"] == 0
    pm.instruments[0].notes[1].pitch = 38  # the tuba steps C2-D2
    pm.instruments[2].notes[2].pitch = 74  # under the tune's C5-D5: parallel octaves in the real outer voices
    assert measures(write(pm, tmp_path / "octaves.mid"))["parallel_perfects"] == 1


def test_parallel_fifths_and_chord_tones_on_a_hand_made_file(tmp_path: Path) -> None:
    """Outer voices C–G, D–A, E–B (two parallel fifths), then C–E–G under a passing D on beat 3."""
    notes = [(48, 0.0, 0.5), (55, 0.0, 0.5), (50, 0.5, 1.0), (57, 0.5, 1.0), (52, 1.0, 1.5), (59, 1.0, 1.5),
             (48, 2.0, 4.0), (52, 2.0, 4.0), (55, 2.0, 4.0), (72, 2.0, 3.0), (74, 3.0, 4.0)]
    found = measures(write(one_part(notes), tmp_path / "fifths.mid"))
    assert found["parallel_perfects"] == 2
    # strong beats (1 and 3 at 120 BPM) at 0 s: G over C, 1 s: B over E, 2 s: C over C major, and
    # 3 s: D over C major, the one that is not a chord tone; the one-part file's top voice is
    # its highest note at each onset
    assert found["strong_beat_chord_tones"] == pytest.approx(3 / 4, abs=1e-3)


def test_notes_outside_an_instruments_range_are_counted(tmp_path: Path) -> None:
    flute = one_part([(40, 0.0, 1.0), (72, 1.0, 2.0), (100, 2.0, 3.0)], program=73)
    assert measures(write(flute, tmp_path / "flute.mid"))["outside_gm_range"] == 2


def test_a_file_without_notes_measures_without_failing(tmp_path: Path) -> None:
    found = measures(write(pretty_midi.PrettyMIDI(), tmp_path / "empty.mid"))
    assert found["key"] is None and found["motif_recurrence"] is None and found["energy_per_bar"] == ()


# --- audio ---------------------------------------------------------------------------------


def test_our_render_measures_as_the_composer_reported(tmp_path: Path) -> None:
    piece = compose("bright product video, 60 seconds", seed=1)
    delivered = piece.render(tmp_path / "x.wav", soundfont=bundled_soundfont())
    found = measures(delivered.files["wav"])
    assert set(found) == AUDIO_MEASURES
    assert found["loudness_lufs"] == pytest.approx(delivered.mastered.loudness_lufs, abs=0.1)
    assert found["true_peak_dbtp"] == pytest.approx(delivered.mastered.true_peak_dbtp, abs=0.1)
    assert found["length_s"] == 60.0 and found["frames"] == 60 * 44100
    assert found["sample_rate"] == 44100 and found["channels"] == 2 and found["clipped_samples"] == 0
    assert 0 < found["loudness_range_lu"] < 20
    assert found["start_level_dbfs"] is not None and found["end_level_dbfs"] is not None


@pytest.mark.parametrize(("levels", "expected"), [
    ((-20, -30), 10), ((-20, -15), 5), ((-40, -20), 20), ((-50, -35, -20, -35, -50), 15),
])
def test_loudness_range_passes_the_ebu_tech_3342_test_signals(levels: tuple[int, ...], expected: float) -> None:
    """EBU Tech 3342 cases 1–4: 1 kHz stereo sine, 20 s at each level; LRA within ±1 LU."""
    rate = 48000
    t = np.arange(20 * rate) / rate
    audio = np.concatenate([10 ** (db / 20) * np.sin(2 * np.pi * 1000 * t) for db in levels]).astype(np.float32)
    lra = loudness_range(np.stack([audio, audio], axis=1), rate)
    assert lra == pytest.approx(expected, abs=1.0)


def test_clipped_samples_and_edge_levels(tmp_path: Path) -> None:
    import soundfile

    rate = 8000
    audio = np.zeros((rate, 1), dtype=np.float32)
    audio[: rate // 2] = 0.5
    audio[100:110] = 1.0
    soundfile.write(tmp_path / "clip.wav", audio, rate, subtype="FLOAT")
    found = measures(tmp_path / "clip.wav")
    assert found["clipped_samples"] == 10 and found["channels"] == 1
    assert found["start_level_dbfs"] == pytest.approx(-5.8, abs=0.3)
    assert found["end_level_dbfs"] is None  # digital silence has no level


# --- the command -----------------------------------------------------------------------------


def test_the_command_prints_one_json_object(chorale: Path) -> None:
    result = run_composer("evaluate", str(chorale), "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == MIDI_MEASURES
    assert data["key"] == "F# minor" and isinstance(data["energy_per_bar"], list)


def test_the_command_prints_a_table(chorale: Path) -> None:
    result = run_composer("evaluate", str(chorale))
    assert result.code == 0, result.stderr
    assert "pitch_in_scale" in result.stdout and "F# minor" in result.stdout


@pytest.mark.parametrize("name", ["x.mid", "x.txt", "x.wav", "missing.mid"])
def test_a_bad_file_is_one_line_and_a_failure(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name != "missing.mid":
        path.write_text("this is not music\n", "utf-8")
    result = run_composer("evaluate", str(path))
    assert result.code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("composer: error:"), result.stderr
    assert "Traceback" not in result.stderr


def test_a_truncated_midi_file_is_a_composer_error(tmp_path: Path) -> None:
    data = compose("epic logo sting, 3 seconds", seed=1).midi_bytes
    for cut in (10, 30, len(data) // 2):
        (tmp_path / "cut.mid").write_bytes(data[:cut])
        with pytest.raises(ComposerError):
            evaluate(tmp_path / "cut.mid")
