"""One render on several cores (composer.audio.parallel): groups of MIDI channels played by
worker processes and summed give the one-process render, and a failing worker is one clear
error that leaves no scratch files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile

from composer import compose
from composer.audio import render as renderer
from composer.audio.deliver import Rendering, deliver
from composer.audio.formats import Provenance
from composer.audio.parallel import Part, Worker, work_groups
from composer.base.errors import ComposerError
from composer.base.midi_text import decoded_midi

#: −120 dBFS: the most two renders may differ by on any sample.
LIMIT = 10 ** (-120 / 20)
SECONDS = 5.0


def held_notes() -> mido.MidiFile:
    """Three instruments on three channels whose notes all start before any ends, so each
    synth gives every note a voice of its own (no voice is reused)."""
    song = mido.MidiFile(type=1, ticks_per_beat=480)
    for channel, program, notes in ((0, 0, (60, 64, 67)), (1, 48, (48, 55)), (2, 73, (79,))):
        track = mido.MidiTrack([mido.Message("program_change", channel=channel, program=program)])
        track += [mido.Message("note_on", channel=channel, note=note, velocity=90, time=0) for note in notes]
        track.append(mido.Message("note_off", channel=channel, note=notes[0], velocity=0, time=480 * 5))
        track += [mido.Message("note_off", channel=channel, note=note, velocity=0) for note in notes[1:]]
        song.tracks.append(track)
    return song


@pytest.mark.parametrize("loop", [False, True])
def test_two_workers_equal_one_within_minus_120_dbfs(small_soundfont, loop):
    midi = held_notes()
    one = renderer.render_midi(midi, small_soundfont, SECONDS, loop=loop, fade_out_s=0.5)
    two = renderer.render_midi(midi, small_soundfont, SECONDS, loop=loop, fade_out_s=0.5, workers=2)
    assert len(work_groups(list(renderer.timed_messages(midi)), 2)) == 2
    assert one.shape == two.shape == (round(SECONDS * renderer.SAMPLE_RATE), 2)
    assert np.abs(one).max() > 0.01
    assert np.abs(one.astype(np.float64) - two).max() <= LIMIT


def test_the_same_worker_count_gives_the_same_bytes_and_another_only_a_trace(small_soundfont):
    """FluidSynth starts a reused voice slot's new note from the output gain of the slot's last
    note (ramping to its own over 64 frames), so where separate synths give a note another slot
    that block differs slightly, at a few note onsets (−54 dBFS at worst measured on a 3-minute bed)."""
    piece = compose("bright corporate music, 6 seconds", seed=1, duration=6)
    midi = decoded_midi(piece.midi_bytes)
    one = renderer.render_midi(midi, small_soundfont, 6, space=piece.room)
    two = renderer.render_midi(midi, small_soundfont, 6, space=piece.room, workers=2)
    again = renderer.render_midi(midi, small_soundfont, 6, space=piece.room, workers=2)
    assert two.tobytes() == again.tobytes()
    assert np.abs(one.astype(np.float64) - two).max() < 10 ** (-50 / 20)


def test_groups_balance_the_sounding_notes_by_channel_and_key():
    long_note = [(0.0, mido.Message("note_on", channel=0, note=60)), (10.0, mido.Message("note_off", channel=0, note=60))]
    short = [(0.0, mido.Message("note_on", channel=c, note=n)) for c, n in ((0, 64), (1, 60), (2, 60))]
    short += [(1.0, mido.Message("note_off", channel=c, note=n)) for c, n in ((0, 64), (1, 60), (2, 60))]
    assert work_groups(long_note + short, 2) == [frozenset({(0, 60)}), frozenset({(0, 64), (1, 60), (2, 60)})]
    assert work_groups(long_note, 4) == [frozenset({(0, 60)})]  # one note plays: one group


def test_notes_that_act_on_each_other_stay_in_one_group():
    drums = [(0.0, mido.Message("note_on", channel=9, note=note)) for note in (36, 38, 42, 46)]
    assert work_groups(drums, 4) == [frozenset({(9, -1)})]  # a kit's hi-hats cut each other
    gliding = [(0.0, mido.Message("control_change", channel=3, control=65, value=127))]
    gliding += [(1.0, mido.Message("note_on", channel=3, note=note)) for note in (60, 67)]
    assert work_groups(gliding, 2) == [frozenset({(3, -1)})]  # portamento glides from the last note


def test_stems_still_sum_to_the_mix_with_workers_asked(tmp_path, small_soundfont):
    piece = compose("calm piano for a 30-second interview", seed=2, duration=4)
    rendering = Rendering(decoded_midi(piece.midi_bytes), 4.0, small_soundfont, piece.room, workers=2)
    delivered = deliver(rendering, [tmp_path / "cue.wav"], Provenance("cue", "test"), stems=piece.stem_channels,
                        bit_depth=24)
    summed = sum(soundfile.read(str(path), dtype="float64")[0] for path in delivered.stems.values())
    mix_gain = 10 ** (delivered.mastered.gain_db / 20)
    raw = renderer.render_midi(rendering.midi, small_soundfont, 4.0, space=piece.room) * mix_gain
    assert np.abs(summed - raw).max() < 1e-5


def test_a_corrupt_soundfont_is_one_clear_error_and_leaves_no_scratch(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    font = tmp_path / "broken.sf2"
    font.write_bytes(b"RIFF" + bytes(4000))
    with pytest.raises(ComposerError, match="soundfont"):
        renderer.render_midi(held_notes(), font, SECONDS, workers=2)
    assert list(scratch.iterdir()) == []


def test_a_failing_worker_says_why_in_one_line(tmp_path, small_soundfont):
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF" + bytes(4000))
    events = list(renderer.timed_messages(held_notes()))
    frames = round(SECONDS * renderer.SAMPLE_RATE)
    part = Part(events, broken, renderer.SAMPLE_RATE, frames, frames, False, renderer.room("studio"),
                tmp_path / "part.f32")
    worker = Worker(part, tmp_path, "part")
    with pytest.raises(ComposerError, match=f"could not load the soundfont {broken}"):
        worker.finish()
    assert not part.out.exists() or part.out.stat().st_size == 0


def test_workers_under_one_are_refused():
    with pytest.raises(ComposerError, match="--workers 0"):
        renderer.worker_count(0, 60.0)
    assert renderer.worker_count(None, 5.0) == 1


def test_cli_render_with_two_workers(tmp_path, composer_cli, small_soundfont):
    midi_path = tmp_path / "held.mid"
    held_notes().save(str(midi_path))
    run = composer_cli("render", str(midi_path), "--duration", "4", "--soundfont", str(small_soundfont),
                       "--workers", "2", "--out", str(tmp_path / "held.wav"))
    assert run.code == 0, run.stderr
    audio, rate = soundfile.read(str(tmp_path / "held.wav"))
    assert audio.shape == (4 * rate, 2)
    refused = composer_cli("render", str(midi_path), "--workers", "0")
    assert refused.code != 0 and "--workers 0 is less than 1" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr


def test_scratch_folder_is_gone_after_a_render(tmp_path, monkeypatch, small_soundfont):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    renderer.render_midi(held_notes(), small_soundfont, 2.0, workers=3)
    assert [path for path in Path(tmp_path).iterdir() if path.name.startswith("composer-render-")] == []


def test_cli_compose_refuses_workers_under_one_before_composing(tmp_path, composer_cli):
    run = composer_cli("compose", "calm piano, 10 seconds", "--workers", "0", "--out", str(tmp_path))
    assert run.code != 0 and "--workers 0 is less than 1" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.iterdir())
