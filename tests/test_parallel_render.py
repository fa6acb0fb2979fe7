"""One render on two cores (composer.audio.parallel): a cue of a minute or more plays as two
fixed groups of notes, each on its own synth, on two threads or one after the other — the same
bytes either way — and a failing synth is one clear error that leaves no scratch files."""

from __future__ import annotations

import os
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
from composer.audio.parallel import PARALLEL_MIN_S, RENDER_GROUPS, note_groups, work_groups
from composer.base.errors import ComposerError
from composer.base.midi_text import decoded_midi

#: −120 dBFS: the most two renders may differ by on any sample.
LIMIT = 10 ** (-120 / 20)
#: Long enough to play as two note groups.
SECONDS = PARALLEL_MIN_S


def held_notes() -> mido.MidiFile:
    """Three instruments on three channels whose notes all start before any ends, so each
    synth gives every note a voice of its own (no voice is reused), then a second round."""
    song = mido.MidiFile(type=1, ticks_per_beat=480)
    for channel, program, notes in ((0, 0, (60, 64, 67)), (1, 48, (48, 55)), (2, 73, (79,))):
        track = mido.MidiTrack([mido.Message("program_change", channel=channel, program=program)])
        for _ in range(2):
            track += [mido.Message("note_on", channel=channel, note=note, velocity=90, time=0) for note in notes]
            track.append(mido.Message("note_off", channel=channel, note=notes[0], velocity=0, time=480 * 5))
            track += [mido.Message("note_off", channel=channel, note=note, velocity=0) for note in notes[1:]]
        song.tracks.append(track)
    return song


@pytest.mark.parametrize("loop", [False, True])
def test_two_workers_give_the_bytes_of_one(small_soundfont, loop):
    """The acceptance point (within −120 dBFS of the one-process render) held exactly: the groups
    are fixed, so one thread playing them in turn and two playing them at once sum the same."""
    midi = held_notes()
    one = renderer.render_midi(midi, small_soundfont, SECONDS, loop=loop, fade_out_s=0.5)
    two = renderer.render_midi(midi, small_soundfont, SECONDS, loop=loop, fade_out_s=0.5, workers=2)
    many = renderer.render_midi(midi, small_soundfont, SECONDS, loop=loop, fade_out_s=0.5, workers=8)
    assert len(note_groups(list(renderer.timed_messages(midi)), SECONDS)) == RENDER_GROUPS
    assert one.shape == two.shape == (round(SECONDS * renderer.SAMPLE_RATE), 2)
    assert np.abs(one).max() > 0.01
    assert np.abs(one.astype(np.float64) - two).max() <= LIMIT
    assert one.tobytes() == two.tobytes() == many.tobytes()


def test_a_composed_minute_renders_the_same_on_one_thread_or_two(small_soundfont):
    """A real cue, drums and all: the groups split its channels by key and the sum is exact."""
    piece = compose("bright corporate music with drums, 60 seconds", seed=1, duration=60)
    midi = decoded_midi(piece.midi_bytes)
    groups = note_groups(list(renderer.timed_messages(midi)), 60)
    assert len(groups) == RENDER_GROUPS and all(groups)
    one = renderer.render_midi(midi, small_soundfont, 60, space=piece.room, workers=1)
    two = renderer.render_midi(midi, small_soundfont, 60, space=piece.room, workers=2)
    assert np.abs(one).max() > 0.01
    assert one.tobytes() == two.tobytes()


def test_a_short_cue_plays_on_one_synth():
    notes = [(0.0, mido.Message("note_on", note=n, channel=0)) for n in (60, 64, 67)]
    assert len(note_groups(notes, PARALLEL_MIN_S - 1)) == 1
    assert len(note_groups(notes, PARALLEL_MIN_S)) == RENDER_GROUPS


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


def test_stems_still_sum_to_the_mix_and_the_mix_is_the_plain_one(tmp_path, small_soundfont):
    """With stems each group's synth plays into one output group per stem: summed, the stems are
    the mix the plain path renders (no note's attack differs: the same synths, the same voices)."""
    piece = compose("calm piano with strings for an interview, 60 seconds", seed=2, duration=60)
    rendering = Rendering(decoded_midi(piece.midi_bytes), 60.0, small_soundfont, piece.room, workers=2)
    delivered = deliver(rendering, [tmp_path / "cue.wav"], Provenance("cue", "test"), stems=piece.stem_channels,
                        bit_depth=24)
    summed = sum(soundfile.read(str(path), dtype="float64")[0] for path in delivered.stems.values())
    mix_gain = 10 ** (delivered.mastered.gain_db / 20)
    raw = renderer.render_midi(rendering.midi, small_soundfont, 60.0, space=piece.room, workers=1) * mix_gain
    assert np.abs(summed - raw).max() < 1e-5


def test_a_corrupt_soundfont_is_one_clear_error_and_leaves_no_scratch(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    font = tmp_path / "broken.sf2"
    font.write_bytes(b"RIFF" + bytes(4000))
    for workers in (1, 2):
        with pytest.raises(ComposerError, match=f"could not load the soundfont {font}"):
            renderer.render_midi(held_notes(), font, SECONDS, workers=workers)
    assert list(scratch.iterdir()) == []
    assert not [fd for fd in os.listdir("/proc/self/fd") if "(deleted)" in os.path.realpath(f"/proc/self/fd/{fd}")
                and str(scratch) in os.path.realpath(f"/proc/self/fd/{fd}")]


def test_workers_under_one_are_refused():
    with pytest.raises(ComposerError, match="--workers 0"):
        renderer.worker_count(0)
    assert 1 <= renderer.worker_count(None) <= RENDER_GROUPS


def test_cli_render_with_two_workers(tmp_path, composer_cli, small_soundfont):
    midi_path = tmp_path / "held.mid"
    held_notes().save(str(midi_path))
    for workers in ("1", "2"):
        run = composer_cli("render", str(midi_path), "--duration", "60", "--soundfont", str(small_soundfont),
                           "--workers", workers, "--out", str(tmp_path / f"held-{workers}.wav"))
        assert run.code == 0, run.stderr
    audio, rate = soundfile.read(str(tmp_path / "held-2.wav"))
    assert audio.shape == (60 * rate, 2)
    assert (tmp_path / "held-1.wav").read_bytes() == (tmp_path / "held-2.wav").read_bytes()
    refused = composer_cli("render", str(midi_path), "--workers", "0")
    assert refused.code != 0 and "--workers 0 is less than 1" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr


def test_cli_compose_refuses_workers_under_one_before_composing(tmp_path, composer_cli):
    run = composer_cli("compose", "calm piano, 10 seconds", "--workers", "0", "--out", str(tmp_path))
    assert run.code != 0 and "--workers 0 is less than 1" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.iterdir())


def test_a_render_on_two_threads_leaves_stdout_to_its_caller(tmp_path, small_soundfont):
    """The two synths' threads both loaded pyfluidsynth with stdout swapped for a buffer (it
    prints on import), each restoring what the other had set: a Python program that rendered
    a minute with two workers printed nothing ever after. In a fresh interpreter, as a user's
    script is, a line printed after the render reaches stdout."""
    import subprocess
    import sys

    held_notes().save(tmp_path / "held.mid")
    script = ("from pathlib import Path\n"
              "from composer.audio import render\n"
              f"midi = render.read_midi(Path({str(tmp_path / 'held.mid')!r}))\n"
              f"render.render_midi(midi, Path({str(small_soundfont)!r}), {SECONDS}, workers=2)\n"
              "print('still heard')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("still heard"), done.stdout
