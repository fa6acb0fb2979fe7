"""Delivery-ready audio, read back from the written files by independent readers: exact frame
counts at 44.1 and 48 kHz, bit depths, loudness targets under the true-peak ceiling for every
ready-made brief, provenance tags, stems that sum to the mix, and the room each preset plays in."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pyloudnorm
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.id3 import ID3
from scipy.signal import resample_poly

from composer import compose
from composer.audio import formats
from composer.audio.alongside import ahead, both
from composer.audio import master as mastering
from composer.audio import render as renderer
from composer.audio.loudness import (Loudness, PeakEnvelope, integrated_loudness, k_weighted_power, loudness_and_range,
                                     loudness_range, oversampled_peaks, oversampled_runs, true_peak_dbtp)
from composer.composition.brief import load_brief_file, presets
from composer.audio import MAX_LOUDNESS_LUFS, MIN_LOUDNESS_LUFS, check_loudness
from composer.audio.deliver import Delivered, Rendering, deliver, mix
from composer.audio.formats import ORIGINAL_STATEMENT, Provenance
from composer.audio.spool import Spool
from composer.base.errors import ComposerError
from composer.base.tables import table
from tests.conftest import PROJECT, run_composer

#: The scores run 3 s to 2 min; rendering all of them × 3 seeds at full length takes minutes.
#: Loudness and peak control act on the whole file, whatever its length, so each is composed at
#: most this long (the form is refitted to it, as for any --duration); stingers keep their length.
LOUDNESS_CHECK_S = 6.0


def _rms_dbfs(audio: np.ndarray) -> float:
    return 10 * math.log10(float(np.mean(np.square(audio, dtype=np.float64))) + 1e-30)


def _loudness(audio: np.ndarray, rate: int) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(audio))


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize(("suffix", "bits", "subtype"), [(".wav", 16, "PCM_16"), (".flac", 24, "PCM_24")])
def test_lossless_files_have_exactly_the_asked_frames_rate_and_depth(tmp_path, small_soundfont, rate, suffix, bits,
                                                                     subtype):
    piece = compose("bright product video", seed=2, duration=3.3)
    path = piece.render(tmp_path / f"cue{suffix}", soundfont=small_soundfont, sample_rate=rate,
                        bit_depth=bits).files[suffix.lstrip(".")]
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (rate, 2, round(3.3 * rate), subtype)


@pytest.mark.parametrize("score", sorted((PROJECT / "scores").glob("*.toml")), ids=lambda p: p.stem)
def test_every_score_meets_its_loudness_under_the_true_peak_ceiling(tmp_path, small_soundfont, score):
    """Three seeds of each ready-made brief, measured on the written FLAC with pyloudnorm."""
    fields = load_brief_file(score)
    text = fields.pop("brief")
    for key in ("seed", "name"):
        fields.pop(key, None)
    fields["duration"] = min(float(fields.get("duration", LOUDNESS_CHECK_S)), LOUDNESS_CHECK_S)
    for seed in (1, 2, 3):
        piece = compose(text, seed=seed, **fields)
        delivered = piece.render(tmp_path / f"{seed}.flac", soundfont=small_soundfont)
        audio, rate = soundfile.read(str(delivered.files["flac"]), dtype="float32", always_2d=True)
        target = piece.plan.loudness_lufs
        report = piece.report(delivered)
        assert _loudness(audio, rate) == pytest.approx(target, abs=0.5), f"seed {seed}"
        assert true_peak_dbtp(audio) <= -1.0, f"seed {seed}"
        # a stinger's hit is one big transient: the limiter may leave it a little short, and says so
        assert 0.0 <= report["loudness_shortfall_lu"] <= 0.5
        assert report["loudness_lufs"] == pytest.approx(_loudness(audio, rate), abs=0.01)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(crest_db=st.floats(0.0, 24.0), target=st.floats(-30.0, -9.0), seed=st.integers(0, 1000))
def test_the_ceiling_always_holds_and_a_missed_target_is_reported(crest_db, target, seed):
    """Noise with sharp bursts up to 24 dB over it: the limiter reaches the target when it can,
    and where it cannot, the true peak still stays under −1 dBTP and the shortfall is stated."""
    rate = 44100
    generator = np.random.default_rng(seed)
    audio = (0.05 * generator.standard_normal((3 * rate, 2))).astype(np.float32)
    for start in generator.integers(0, len(audio) - 200, 6):
        audio[start : start + 200] *= np.float32(10 ** (crest_db / 20))
    mastered_audio, mastered = mastering.master(audio, rate, target)
    measured = _loudness(mastered_audio, rate)
    assert true_peak_dbtp(mastered_audio) <= -1.0
    assert mastered.loudness_lufs == pytest.approx(measured, abs=0.01)
    if mastered.shortfall_lu == 0:
        assert measured == pytest.approx(target, abs=0.5)
    else:
        assert mastered.shortfall_lu == pytest.approx(target - measured - mastering.LOUDNESS_TOLERANCE_LU, abs=0.05)


def _bursty(seed: int, crest_db: float, seconds: float = 3.0, rate: int = 44100) -> np.ndarray:
    """Noise and a tone near Nyquist (whose peaks fall between samples), with sharp bursts."""
    generator = np.random.default_rng(seed)
    frames = int(seconds * rate)
    audio = 0.05 * generator.standard_normal((frames, 2))
    audio += 0.1 * np.sin(np.arange(frames) * 2 * np.pi * 0.23 + generator.uniform(0, 6))[:, None]
    for start in generator.integers(0, frames - 200, 6):
        audio[start : start + 200] *= 10 ** (crest_db / 20)
    return audio.astype(np.float32)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(crest_db=st.floats(0.0, 24.0), seed=st.integers(0, 1000))
def test_the_true_peak_is_scipys_4x_oversampled_peak(crest_db, seed):
    """The true peak oversamples only where a peak could be: it must read what oversampling
    everything with scipy.signal.resample_poly (float64) reads."""
    audio = _bursty(seed, crest_db)
    reference = 20 * math.log10(float(np.max(np.abs(resample_poly(audio.astype(np.float64), 4, 1, axis=0)))))
    assert true_peak_dbtp(audio) == pytest.approx(reference, abs=0.001)
    envelope = PeakEnvelope(audio).at_least(0.0)  # exact everywhere
    dense = np.abs(resample_poly(audio.astype(np.float64), 4, 1, axis=0)).max(axis=1).reshape(-1, 4).max(axis=1)
    assert np.allclose(envelope, dense, rtol=1e-4, atol=1e-6)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(seed=st.integers(0, 1000), cuts=st.lists(st.integers(0, 3 * 44100), min_size=2, max_size=40, unique=True))
def test_runs_oversampled_together_are_the_floats_of_each_run_alone(seed, cuts):
    """The true peak and the limiter oversample thousands of short runs near a peak in one
    upfirdn call, laid end to end with their reach: each value must be the very float of
    oversampling its run alone (so mastering's bytes did not change), at the ends too."""
    audio = _bursty(seed, 12.0, seconds=3.0)
    bounds = sorted(cuts)
    runs = list(zip(bounds[::2], bounds[1::2]))
    together = list(oversampled_runs(audio, runs))
    frames = np.concatenate([frames for frames, _ in together]) if together else np.zeros(0, dtype=np.int64)
    peaks = np.concatenate([peaks for _, peaks in together]) if together else np.zeros(0, dtype=np.float32)
    assert frames.tolist() == [frame for start, stop in runs for frame in range(start, stop)]
    alone = [oversampled_peaks(audio, start, stop) for start, stop in runs]
    assert peaks.tobytes() == (np.concatenate(alone) if alone else np.zeros(0, dtype=np.float32)).tobytes()


def test_a_measure_made_ahead_on_a_thread_fails_where_it_stopped_and_stops_with_its_reader():
    """Mastering reads the K-weighting a thread ahead of its gain curves: a failure there is
    raised to the reader after the items made before it, and a reader that stops early leaves
    no thread behind."""
    import threading

    def failing():
        yield 1
        yield 2
        raise OSError("scratch disk gone")

    read = []
    with pytest.raises(OSError, match="scratch disk gone"):
        for item in ahead(failing()):
            read.append(item)
    assert read == [1, 2]
    endless = ahead(iter(range(10**9)))
    assert [next(endless) for _ in range(3)] == [0, 1, 2]
    endless.close()
    assert not any(thread.name == "composer-ahead" for thread in threading.enumerate())
    assert both(lambda: "here", lambda: "beside") == ("here", "beside")


def test_one_k_weighting_gives_the_loudness_and_its_range_of_two():
    """A written file is measured with one K-weighting pass for its loudness and its range: the
    same floats as the two measures each filtering on its own."""
    audio = _bursty(3, 18.0, seconds=12.0)
    assert loudness_and_range(audio, 44100) == (integrated_loudness(audio, 44100), loudness_range(audio, 44100))


@settings(max_examples=10, deadline=None, derandomize=True)
@given(crest_db=st.floats(0.0, 24.0), seed=st.integers(0, 1000), seconds=st.floats(0.41, 4.0),
       rate=st.sampled_from([44100, 48000]))
def test_loudness_is_pyloudnorms(crest_db, seed, seconds, rate):
    """BS.1770 loudness from per-frame K-weighted power agrees with pyloudnorm to 0.01 LU, and a
    gain curve applied to that power reads what the audio times the curve reads."""
    audio = _bursty(seed, crest_db, seconds, rate)
    meter = Loudness(audio, rate)
    assert meter.integrated() == pytest.approx(_loudness(audio, rate), abs=0.01)
    # filtered in chunks that cut across the gating blocks' 100 ms pieces: the same loudness
    assert Loudness(audio, rate, chunk_frames=1234).integrated() == pytest.approx(meter.integrated(), abs=1e-4)
    curve = np.linspace(0.5, 2.0, len(audio), dtype=np.float32)  # a slow gain ramp
    pieces = meter.piece_sums()
    for start, power in k_weighted_power(audio, rate, 5000):  # blocks that cut across the pieces
        pieces.add(power * np.square(curve[start : start + len(power)]))
    assert meter.integrated(pieces.total()) == pytest.approx(_loudness(audio * curve[:, None], rate), abs=0.01)


@pytest.mark.parametrize(("rate", "target"), [(44100, -9.0), (48000, -12.0)])
def test_mastering_block_by_block_is_mastering_at_once(rate, target):
    """The limiter streams over a long piece a block at a time, carrying its look-ahead, release
    and moving average across blocks: a loud 3.5 s piece mastered in blocks of 65,536 frames,
    read from and written to a spool, is the same bytes as mastered in one block in memory."""
    audio = _bursty(7, 18.0, 3.5, rate)
    spool = Spool(len(audio))
    spool.write(0, audio)
    whole, at_once = mastering.master(audio.copy(), rate, target, block_frames=4 * 65536)
    _, in_blocks = mastering.master(spool, rate, target, block_frames=65536)
    assert at_once.limiter_reduction_db > 3
    assert in_blocks == at_once
    assert spool.array().tobytes() == whole.tobytes()


def test_loudness_of_a_render_is_pyloudnorms(small_soundfont):
    audio = compose("upbeat tiktok reel", seed=3, duration=8.0).audio(small_soundfont)
    assert integrated_loudness(audio, 44100) == pytest.approx(_loudness(audio, 44100), abs=0.01)


def test_a_target_too_loud_for_the_ceiling_is_missed_and_said(small_soundfont):
    piece = compose("punchy upbeat tiktok reel with big drums", seed=4, duration=6.0)
    audio, delivered = mix(piece.rendering(small_soundfont, loudness_lufs=-5.0))
    assert true_peak_dbtp(audio) <= -1.0
    report = piece.report(delivered)
    assert report["loudness_shortfall_lu"] > 0
    assert report["loudness_lufs"] == pytest.approx(-5.0 - report["loudness_shortfall_lu"] - 0.1, abs=0.05)
    assert report["limiter_reduction_db"] == pytest.approx(mastering.MAX_LIMITING_DB, abs=0.2)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """One `composer compose` at 48 kHz in all four formats, with stems."""
    from composer.audio.soundfonts import bundled_soundfont

    folder = tmp_path_factory.mktemp("delivered")
    brief = "upbeat tiktok reel — 0:06, ünïcode in the brief"
    result = run_composer("compose", brief, "--duration", "6", "--format", "wav,flac,ogg,mp3", "--sample-rate",
                          "48000", "--bit-depth", "24", "--stems", "--soundfont", str(bundled_soundfont()),
                          "--out", str(folder), "--name", "reel", "--seed", "5")
    assert result.code == 0, result.stderr
    return folder, brief, json.loads((folder / "reel.json").read_text())


def test_every_format_reads_back_with_rate_channels_length_and_tags(delivered):
    folder, brief, report = delivered
    for suffix in ("wav", "flac", "ogg", "mp3"):
        path = folder / f"reel.{suffix}"
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels) == (48000, 2)
        # lossless files are exact; lossy ones within one codec frame (1152 samples for MP3)
        assert info.frames == 6 * 48000 if suffix in ("wav", "flac") else abs(info.frames - 6 * 48000) <= 1152
        if suffix != "mp3":
            with soundfile.SoundFile(str(path)) as file:
                tags = file.copy_metadata()
            assert tags["title"] == "reel" and tags["copyright"] == ORIGINAL_STATEMENT
            assert brief in tags["comment"] and "seed 5" in tags["comment"]
            assert tags["software"].startswith(f"composer {report['version']}")
    id3 = ID3(str(folder / "reel.mp3"))
    assert str(id3["TIT2"]) == "reel" and str(id3["TCOP"]) == ORIGINAL_STATEMENT
    assert str(id3["TXXX:brief"]) == brief and str(id3["TXXX:seed"]) == "5"
    assert str(id3["TSSE"]) == f"composer {report['version']}"
    assert soundfile.info(str(folder / "reel.wav")).subtype == "PCM_24"


def test_the_report_measures_the_written_files(delivered):
    folder, brief, report = delivered
    assert report["provenance"] == ORIGINAL_STATEMENT and report["brief"] == brief and report["seed"] == 5
    assert report["sample_rate"] == 48000
    for suffix, measured in report["audio_files"].items():
        audio, rate = soundfile.read(str(folder / f"reel.{suffix}"), dtype="float32", always_2d=True)
        assert measured["loudness_lufs"] == pytest.approx(_loudness(audio, rate), abs=0.01)
        assert measured["true_peak_dbtp"] == pytest.approx(true_peak_dbtp(audio), abs=0.01)
        assert measured["true_peak_dbtp"] <= -1.0
        assert measured["loudness_range_lu"] == pytest.approx(loudness_range(audio, rate), abs=0.01)
    wav = report["audio_files"]["wav"]
    assert (report["loudness_lufs"], report["true_peak_dbtp"], report["loudness_range_lu"]) == (
        wav["loudness_lufs"], wav["true_peak_dbtp"], wav["loudness_range_lu"])
    assert report["loudness_lufs"] == pytest.approx(report["loudness_target_lufs"], abs=0.5)


def test_stems_sum_to_the_mix_before_its_limiter(delivered, small_soundfont):
    """The stems, read back, summed, against the mix rendered again by the plain one-group path
    (fluid_synth_write_float) and raised by the reported master gain: every sample within
    −50 dBFS, so no note's attack differs (stems share the mix's synth and voices)."""
    folder, _, report = delivered
    roles = [instrument["role"] for instrument in report["instruments"]]
    assert sorted(report["stems"]) == sorted(roles)
    stems = [soundfile.read(str(folder / "reel-stems" / f"{role}.wav"), dtype="float32", always_2d=True)
             for role in roles]
    assert {(rate, len(audio)) for audio, rate in stems} == {(48000, 6 * 48000)}
    assert soundfile.info(str(folder / "reel-stems" / "pad.wav")).subtype == "FLOAT"
    summed = np.sum([audio for audio, _ in stems], axis=0)
    piece = compose(report["brief"], seed=5, duration=6.0, title="reel")
    midi = mido.MidiFile(str(folder / "reel.mid"))
    mix = renderer.render_midi(midi, small_soundfont, 6.0, 48000, loop=piece.ending.loop,
                               fade_out_s=piece.ending.fade_out_s, space=renderer.room(report["room"]))
    mix *= np.float32(10 ** (report["master_gain_db"] / 20))
    assert _rms_dbfs(mix) > -30
    for (audio, _), role in zip(stems, roles):  # each stem is its own part, not the mix or silence
        assert -60 < _rms_dbfs(audio) < _rms_dbfs(mix) - 1, role
    assert float(np.max(np.abs(summed - mix))) < 10 ** (-50 / 20)
    # the report says where the stems peak: summed (over 0 dBFS when the mix needed its limiter) and alone
    assert (report["stems_gain_db"], report["stems_trim_db"]) == (report["master_gain_db"], 0.0)
    assert report["stems_summed_peak_dbfs"] == pytest.approx(_peak_dbfs(summed), abs=0.01)
    assert report["stems_loudest_peak_dbfs"] == pytest.approx(max(_peak_dbfs(a) for a, _ in stems), abs=0.01)


def _peak_dbfs(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(audio))))


def test_a_stems_headroom_lowers_every_stem_by_one_gain_recorded_in_the_report(tmp_path, small_soundfont):
    """A loud cue's stems summed peak over full scale at the mix's gain (they carry no limiter);
    with a headroom of 1 dB all are lowered by one gain, the report's trim, so that summed they
    peak at -1 dBFS, and the mix is untouched."""
    piece = compose("epic trailer with big drums, brass and full strings, ends on a hit", seed=1, duration=5.0)
    (tmp_path / "plain").mkdir()
    (tmp_path / "lowered").mkdir()
    plain = piece.render(tmp_path / "plain" / "cue.wav", soundfont=small_soundfont, stems=True)
    lowered = piece.render(tmp_path / "lowered" / "cue.wav", soundfont=small_soundfont, stems=True,
                           stems_headroom_db=1.0)
    loud, quiet = (piece.report(d) for d in (plain, lowered))
    assert loud["stems_summed_peak_dbfs"] > 0 and loud["stems_trim_db"] == 0  # what the headroom is for
    trim = quiet["stems_trim_db"]
    assert trim == pytest.approx(loud["stems_summed_peak_dbfs"] + 1.0, abs=0.01)
    assert quiet["stems_gain_db"] == pytest.approx(loud["stems_gain_db"] - trim, abs=0.01)
    summed = np.zeros((5 * 44100, 2), dtype=np.float64)
    for name, path in lowered.stems.items():
        alone = soundfile.read(str(path), dtype="float32", always_2d=True)[0]
        before = soundfile.read(str(plain.stems[name]), dtype="float32", always_2d=True)[0]
        gain = float(np.sum(alone * before) / np.sum(before * before))  # one gain for the whole stem
        assert 20 * np.log10(gain) == pytest.approx(-trim, abs=0.01), name
        assert float(np.max(np.abs(alone - before * gain))) < 1e-6, name
        summed += alone
    assert _peak_dbfs(summed) == pytest.approx(-1.0, abs=0.01) == quiet["stems_summed_peak_dbfs"]
    assert (tmp_path / "plain" / "cue.wav").read_bytes() == (tmp_path / "lowered" / "cue.wav").read_bytes()


def test_stems_of_a_foreign_midi_are_named_by_track(tmp_path):
    song = pretty_midi.PrettyMIDI()
    for name, program, pitches in (("Flute Solo", 73, [72, 74, 76, 77]), ("Cello", 42, [48, 43, 45, 41])):
        player = pretty_midi.Instrument(program=program, name=name)
        for i, pitch in enumerate(pitches):
            player.notes.append(pretty_midi.Note(velocity=90, pitch=pitch, start=i * 0.5, end=i * 0.5 + 0.45))
        song.instruments.append(player)
    path = tmp_path / "duet.mid"
    song.write(str(path))
    result = run_composer("render", str(path), "--format", "flac,wav", "--stems", "--loudness", "-30",
                          "--sample-rate", "48000", "--duration", "3")
    assert result.code == 0, result.stderr
    mix, rate = soundfile.read(str(tmp_path / "duet.wav"), dtype="float32", always_2d=True)
    assert rate == 48000 and len(mix) == 3 * 48000 and soundfile.info(str(tmp_path / "duet.flac")).frames == len(mix)
    stems = {p.name: soundfile.read(str(p), dtype="float32", always_2d=True)[0]
             for p in (tmp_path / "duet-stems").iterdir()}
    assert sorted(stems) == ["cello.wav", "flute-solo.wav"]
    # at −30 LUFS nothing reaches the limiter: the mix is the stems' sum, up to 16-bit rounding
    assert float(np.max(np.abs(sum(stems.values()) - mix))) < 10 ** (-50 / 20)
    with soundfile.SoundFile(str(tmp_path / "duet.wav")) as file:
        tags = file.copy_metadata()
    assert "duet.mid" in tags["comment"] and "copyright" not in tags  # someone else's music: no claim


@pytest.mark.parametrize(("command", "flag", "value", "words"), [
    ("compose", "--sample-rate", "22050", ["sample rate", "48000"]),
    ("render", "--bit-depth", "32", ["bit depth", "24"]),
])
def test_an_unsupported_rate_or_depth_is_one_line_and_no_files(tmp_path, command, flag, value, words):
    midi = tmp_path / "in.mid"
    midi.write_bytes(compose("calm piano", seed=1, duration=2.0).midi_bytes)
    args = (["compose", "calm piano", "--out", str(tmp_path / "out")] if command == "compose"
            else ["render", str(midi), "--out", str(tmp_path / "out" / "x.wav")])
    result = run_composer(*args, flag, value, "--stems")
    assert result.code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(word in lines[0] for word in words), result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


@pytest.mark.parametrize("command", ["compose", "render"])
def test_help_shows_the_delivery_options_with_examples(command):
    from typer.testing import CliRunner

    from composer.cli import app

    result = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--format", "--sample-rate", "--bit-depth", "--stems", "--loudness"):
        assert option in result.output
    assert "--sample-rate 48000" in result.output


def test_every_preset_plays_in_a_room_that_exists():
    rooms = table("rooms")
    for name, preset in presets().items():
        assert preset.room in rooms, name
    assert {renderer.room(name).name for name in rooms} == set(rooms)


def test_the_room_is_heard_after_the_last_note(small_soundfont):
    """The same chord in a dry synth, a booth and a cathedral: the reverb tail after the notes
    stop grows with the room, and the cathedral rings on well after the dry render is silent."""
    song = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes += [pretty_midi.Note(velocity=100, pitch=p, start=0.0, end=0.5) for p in (60, 64, 67)]
    song.instruments.append(piano)
    buffer = io.BytesIO()
    song.write(buffer)
    midi = mido.MidiFile(file=io.BytesIO(buffer.getvalue()))
    dry = renderer.Room("dry", 0.0, 0.0, 0.0, 0.0, 1, 0.0, 0.3, 0.0)
    tails = {}
    for space in (dry, renderer.room("booth"), renderer.room("cathedral")):
        audio = renderer.render_midi(midi, small_soundfont, 3.0, space=space)
        tails[space.name] = _rms_dbfs(audio[int(1.5 * 44100) : int(2.5 * 44100)])
    assert tails["dry"] < tails["booth"] - 6 < tails["cathedral"] - 12


def test_a_midi_made_elsewhere_splits_per_channel_when_it_has_one_track():
    song = mido.MidiFile(type=0)
    song.tracks.append(mido.MidiTrack([mido.Message("note_on", channel=0, note=60), mido.Message("note_on", channel=9,
                                       note=36), mido.Message("note_off", channel=0, note=60, time=480)]))
    assert renderer.track_stems(song) == {"channel-1": {0}, "channel-10": {9}}


def test_tracks_that_share_a_channel_share_a_stem():
    """A channel's program and controllers belong to every track on it: such tracks are one stem."""
    song = mido.MidiFile(type=1)
    for name, channel in (("Conductor", None), ("Strings", 0), ("Bass", 1), ("Strings CC", 0), ("Drums", 9)):
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
        if channel is not None:
            track.append(mido.Message("control_change", channel=channel, control=7, value=100))
        song.tracks.append(track)
    stems = renderer.track_stems(song)
    assert stems == {"strings+strings-cc": {0}, "bass": {1}, "drums": {9}}
    assert renderer.output_groups(stems) == 5  # 9 % n is 1 (bass) or 0 (strings) for n = 2, 3, 4


def test_file_order_and_existing_render_api_are_unchanged(tmp_path, small_soundfont):
    """`Piece.render` with only a path still writes a 44.1 kHz file, and the report of what it
    delivered names it."""
    piece = compose("logo sting", seed=1, duration=2.0)
    delivered = piece.render(tmp_path / "sting.ogg", soundfont=small_soundfont)
    path = delivered.files["ogg"]
    assert soundfile.info(str(path)).samplerate == 44100
    assert piece.report(delivered)["files"]["ogg"] == str(path) and Path(path).is_file()


@pytest.mark.parametrize("dithered", [True, False])
def test_a_16_bit_file_is_dithered_so_a_quiet_tone_leaves_no_distortion(tmp_path, dithered):
    """A −80 dBFS tone is three 16-bit steps tall: quantized plainly, its error is a staircase
    whose power sits at the tone's harmonics; dithered, the error is hiss spread over every
    frequency. The same audio and seed give the same bytes; the 24-bit path stays undithered."""
    seconds = np.arange(44100) / 44100
    tone = (10 ** (-80 / 20) * np.sin(2 * np.pi * 1000 * seconds)).astype(np.float32)
    path = tmp_path / "quiet.wav"
    steps = formats.DITHER_STEPS if dithered else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(formats, "DITHER_STEPS", steps)
        formats.write_audio(path, np.stack([tone, tone], axis=1), 44100, ".wav", dither_seed=3)
    back, _ = soundfile.read(str(path), dtype="float64", always_2d=True)
    error = back[:, 0] - tone
    error -= error.mean()  # libsndfile's conversion leaves half a step of DC, which is not distortion
    power = np.abs(np.fft.rfft(error)) ** 2
    at_harmonics = power[[1000 * k for k in range(2, 21)]].sum() / power.sum()
    if not dithered:
        assert at_harmonics > 0.3, "the measure sees plain quantization's distortion"
        return
    assert at_harmonics < 0.01
    assert 10 * np.log10(np.mean(error**2)) < -95  # TPDF's half-step RMS: −96 dBFS
    again = tmp_path / "again.wav"
    formats.write_audio(again, np.stack([tone, tone], axis=1), 44100, ".wav", dither_seed=3)
    assert again.read_bytes() == path.read_bytes()


# --- one delivery path ---------------------------------------------------------------------


def _duet() -> mido.MidiFile:
    """Two tracks made elsewhere: a flute line and a cello line, 2 s."""
    song = pretty_midi.PrettyMIDI()
    for name, program, pitches in (("Flute", 73, [72, 74, 76, 77]), ("Cello", 42, [48, 43, 45, 41])):
        player = pretty_midi.Instrument(program=program, name=name)
        for i, pitch in enumerate(pitches):
            player.notes.append(pretty_midi.Note(velocity=90, pitch=pitch, start=i * 0.4, end=i * 0.4 + 0.35))
        song.instruments.append(player)
    buffer = io.BytesIO()
    song.write(buffer)
    return mido.MidiFile(file=io.BytesIO(buffer.getvalue()))


def _duet_rendering(soundfont: Path) -> Rendering:
    return Rendering(_duet(), 2.0, soundfont, renderer.room("studio"), loudness_lufs=-20.0)


def test_one_delivery_writes_each_format_each_stem_and_a_file_made_from_what_was_delivered(tmp_path, small_soundfont):
    """One render of someone else's MIDI: a file per format, each measured as read back; a stem
    per track; and beside them a file made from the Delivered record, all in one step."""
    midi = _duet()
    summary = tmp_path / "duet.txt"
    delivered = deliver(_duet_rendering(small_soundfont), [tmp_path / "duet.wav", tmp_path / "duet.flac"],
                        Provenance("duet", "0", source="duet.mid"), stems=renderer.track_stems(midi),
                        beside={summary: lambda done: json.dumps(sorted(done.files)).encode(), tmp_path / "x": b"x"})
    assert delivered.files == {"wav": tmp_path / "duet.wav", "flac": tmp_path / "duet.flac"}
    assert delivered.stems == {"flute": tmp_path / "duet-stems" / "flute.wav",
                               "cello": tmp_path / "duet-stems" / "cello.wav"}
    assert delivered.soundfont == small_soundfont and delivered.sample_rate == 44100
    assert delivered.mastered.target_lufs == -20.0
    for name, path in delivered.files.items():
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        assert len(audio) == 2 * 44100 == delivered.measures[name].frames
        assert delivered.measures[name].loudness_lufs == pytest.approx(_loudness(audio, rate), abs=0.01)
    assert json.loads(summary.read_text()) == ["flac", "wav"] and (tmp_path / "x").read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["cello.wav", "duet-stems", "duet.flac", "duet.txt",
                                                          "duet.wav", "flute.wav", "x"]


def test_a_delivery_that_fails_at_its_last_file_leaves_nothing(tmp_path, small_soundfont):
    """Every audio file and stem is written when the file beside them fails to be made: none of
    them is left behind, nor the stems' folder."""

    def failing(delivered: Delivered) -> bytes:
        raise RuntimeError("the report could not be made")

    midi = _duet()
    with pytest.raises(RuntimeError, match="report"):
        deliver(_duet_rendering(small_soundfont), [tmp_path / "duet.wav", tmp_path / "duet.mp3"],
                Provenance("duet", "0"), stems=renderer.track_stems(midi), beside={tmp_path / "duet.json": failing})
    assert list(tmp_path.iterdir()) == []


def test_one_file_per_format(tmp_path, small_soundfont):
    with pytest.raises(ComposerError, match="one file per format"):
        deliver(_duet_rendering(small_soundfont), [tmp_path / "a.wav", tmp_path / "b.WAV"], Provenance("a", "0"))
    with pytest.raises(ComposerError, match="unknown audio format"):
        deliver(_duet_rendering(small_soundfont), [tmp_path / "a.aiff"], Provenance("a", "0"))
    assert list(tmp_path.iterdir()) == []


def test_a_piece_is_frozen_and_delivering_it_changes_only_what_the_report_says_was_made(tmp_path, small_soundfont):
    """Rendering a piece returns what was delivered and leaves the piece as it was; its report
    with that delivery differs from the plain one in the audio fields alone."""
    piece = compose("logo sting", seed=1, duration=2.0)
    plain = piece.report()
    delivered = piece.render(tmp_path / "s.wav", tmp_path / "s.mp3", soundfont=small_soundfont, stems=True)
    assert piece.report() == plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        piece.title = "another"  # type: ignore[misc]
    report = piece.report(delivered, {"midi": piece.write_midi(tmp_path / "s.mid")})
    assert report["files"] == {"midi": str(tmp_path / "s.mid"), "wav": str(tmp_path / "s.wav"),
                               "mp3": str(tmp_path / "s.mp3")}
    assert report["stems"] == {role.role: str(tmp_path / "s-stems" / f"{role.role}.wav") for role in piece.roles}
    assert list(report["audio_files"]) == ["wav", "mp3"] and report["soundfont"] == str(small_soundfont)
    changed = {name for name in report if report[name] != plain[name]}
    assert {"soundfont", "loudness_lufs", "true_peak_dbtp", "sample_rate", "audio_files", "files", "stems"} <= changed
    assert changed <= {"soundfont", "loudness_lufs", "true_peak_dbtp", "loudness_range_lu", "loudness_shortfall_lu",
                       "master_gain_db", "limiter_reduction_db", "sample_rate", "audio_files", "files", "stems",
                       "stems_gain_db", "stems_trim_db", "stems_summed_peak_dbfs", "stems_loudest_peak_dbfs"}


def test_a_loudness_target_is_checked_against_one_pair_of_bounds():
    for bound in (MIN_LOUDNESS_LUFS, MAX_LOUDNESS_LUFS, None):
        assert check_loudness(bound) == bound
    for outside in (MIN_LOUDNESS_LUFS - 0.5, MAX_LOUDNESS_LUFS + 0.5):
        with pytest.raises(ComposerError, match="outside -40…-5 LUFS"):
            check_loudness(outside)


def _mutagen_chunks(path: Path) -> dict[bytes, list[bytes]]:
    """Every chunk but the audio of a RIFF/WAVE file by name, as mutagen's RIFF reader finds it
    (a parser neither composer's writer nor this file's struct walk shares any code with); a LIST
    chunk's labels (adtl) as mutagen finds them inside it too, under "labl"."""
    from mutagen._riff import RiffFile, RiffListChunk

    found: dict[bytes, list[bytes]] = {}
    with open(path, "rb") as file:
        for chunk in RiffFile(file).root.subchunks():
            if chunk.id != "data":
                found.setdefault(chunk.id.ljust(4).encode("ascii"), []).append(chunk.read())  # "cue " is read as "cue"
            if isinstance(chunk, RiffListChunk) and chunk.name == "adtl":
                found[b"labl"] = [label.read() for label in chunk.subchunks()]
    return found


def _riff_chunks(path: Path) -> dict[bytes, list[bytes]]:
    """Every chunk of a RIFF/WAVE file by name, walked with struct alone (no WAV library)."""
    import struct

    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks: dict[bytes, list[bytes]] = {}
    at = 12
    while at < len(data):
        name, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        chunks.setdefault(name, []).append(data[at + 8:at + 8 + size])
        at += 8 + size + size % 2
    assert at == len(data)
    return chunks


def _ffprobe_tags(path: Path) -> dict[str, str] | None:
    """The format tags ffprobe (ffmpeg's own WAV reader) finds in ``path``; None without ffprobe."""
    import shutil
    import subprocess

    if shutil.which("ffprobe") is None:
        return None
    result = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
                            capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(result.stdout)["format"].get("tags", {}))


def test_the_wav_carries_a_broadcast_wave_bext_chunk(delivered):
    """EBU Tech 3285 v2 read field by field with struct, and by ffprobe where it is installed:
    title and brief, originator and version, the origination date, time reference 0, the
    file's loudness and true peak; soundfile still reads every frame."""
    import struct

    folder, brief, report = delivered
    path = folder / "reel.wav"
    body = _riff_chunks(path)[b"bext"][0]
    assert _mutagen_chunks(path)[b"bext"] == [body]  # an independent reader finds the same chunk
    text = lambda start, size: body[start:start + size].rstrip(b"\0").decode("utf-8")  # noqa: E731
    assert text(0, 256) == f"reel: {brief}"
    assert text(256, 32) == f"composer {report['version']}" and text(288, 32) == "seed 5"
    assert (body[320:330], body[330:338]) == formats.origination(0)  # the tests' SOURCE_DATE_EPOCH (conftest)
    low, high, version = struct.unpack("<IIH", body[338:348])
    assert (low, high, version) == (0, 0, 2) and body[348:412] == bytes(64)
    loudness, lra, peak = struct.unpack("<3h", body[412:418])
    wav = report["audio_files"]["wav"]
    assert loudness / 100 == pytest.approx(wav["loudness_lufs"], abs=0.01)
    assert peak / 100 == pytest.approx(wav["true_peak_dbtp"], abs=0.01) and peak <= -100
    assert body[602:].decode("ascii") == f"A=PCM,F=48000,W=24,M=stereo,T=composer {report['version']}\r\n"
    assert soundfile.info(str(path)).frames == 6 * 48000
    tags = _ffprobe_tags(path)
    if tags is not None:  # ffmpeg names the bext fields comment, encoded_by, date, creation_time
        assert tags["comment"] == f"reel: {brief}" and tags["encoded_by"] == f"composer {report['version']}"
        assert (tags["originator_reference"], tags["date"], tags["creation_time"]) == ("seed 5", "1970-01-01",
                                                                                       "00:00:00")
        assert tags["time_reference"] == "0"


def test_a_long_brief_is_cut_to_the_bext_description_at_a_whole_character():
    long = Provenance("ünïcode", "0.1.0", "é" * 300, 1)
    body = formats.bext_chunk(long, formats.FileMeasures(1, 44100, 2, -16.0, -1.0, None), "PCM_16")[8:]
    description = body[:256].rstrip(b"\0").decode("utf-8")  # raises on half a character
    assert description.startswith("ünïcode: éé") and len(description.encode()) in (255, 256)
    assert struct_unpack_loudness(body) == (-1600, formats.NO_LOUDNESS, -100)


def struct_unpack_loudness(body: bytes) -> tuple[int, ...]:
    import struct

    return struct.unpack("<3h", body[412:418])


def _ffprobe_chapters(path: Path) -> list[tuple[int, str]] | None:
    """(start frame, title) of each chapter ffprobe finds in ``path`` (ffmpeg reads a WAV's cue
    points and their labels as chapters); None without ffprobe."""
    import shutil
    import subprocess

    if shutil.which("ffprobe") is None:
        return None
    result = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
                            capture_output=True, text=True, timeout=60, check=True)
    return [(int(c["start"]), c["tags"]["title"]) for c in json.loads(result.stdout)["chapters"]]


@pytest.mark.parametrize("brief", ["bright product video", "tense cue that builds to a hit at 0:05"])
def test_the_wav_carries_a_cue_marker_for_every_section_and_event(tmp_path, small_soundfont, brief):
    """One cue point per section and event at the frame the music lands it, labelled with its
    unique name, read with struct from the cue and LIST/adtl chunks, by mutagen and by ffprobe; a piece not
    cut to picture marks its sections too."""
    import struct

    from composer.notation.markers import marks

    piece = compose(brief, seed=1, duration=8.0)
    path = piece.render(tmp_path / "cued.wav", soundfont=small_soundfont).files["wav"]
    expected = sorted((round(float(m.start_s) * 44100), m.name) for m in marks(piece.plan))
    names = [name for _, name in expected]
    assert len(set(names)) == len(names)
    assert len(expected) == len(piece.plan.sections) + len(piece.plan.events)
    assert ("hit" in brief) == bool(piece.plan.events)
    chunks = _riff_chunks(path)
    independent = _mutagen_chunks(path)
    assert independent[b"cue "] == chunks[b"cue "] and independent[b"LIST"] == chunks[b"LIST"]
    labelled = {struct.unpack("<I", label[:4])[0]: label[4:].rstrip(b"\0").decode() for label in independent[b"labl"]}
    cue = chunks[b"cue "][0]
    points = [struct.unpack("<II4sIII", cue[4 + 24 * i : 28 + 24 * i]) for i in range(struct.unpack("<I", cue[:4])[0])]
    assert all(chunk == b"data" and start == 0 and offset == frame for _, frame, chunk, start, _, offset in points)
    adtl = next(body for body in chunks[b"LIST"] if body[:4] == b"adtl")
    labels, at = {}, 4
    while at < len(adtl):
        size = struct.unpack("<I", adtl[at + 4 : at + 8])[0]
        assert adtl[at : at + 4] == b"labl"
        labels[struct.unpack("<I", adtl[at + 8 : at + 12])[0]] = adtl[at + 12 : at + 8 + size].rstrip(b"\0").decode()
        at += 8 + size + size % 2
    assert sorted((frame, labels[number]) for number, frame, *_ in points) == expected and labelled == labels
    assert all(frame < 8 * 44100 for frame, _ in expected)
    chapters = _ffprobe_chapters(path)
    if chapters is not None:
        assert sorted(chapters) == expected


def test_a_seamless_loop_carries_smpl_loop_points_over_the_whole_file(tmp_path, small_soundfont):
    """A loop's WAV has one forward, endless loop from its first frame to its last (smpl), beside
    its bext; the same piece gives the same bytes; soundfile and ffprobe read it whole."""
    import struct

    piece = compose("mysterious dark ambient texture, seamless loop, no drums", seed=1, duration=4.0)
    assert piece.ending.loop
    path = piece.render(tmp_path / "loop.wav", soundfont=small_soundfont).files["wav"]
    chunks = _riff_chunks(path)
    assert b"bext" in chunks and len(chunks[b"smpl"]) == 1 and _mutagen_chunks(path)[b"smpl"] == chunks[b"smpl"]
    header = struct.unpack("<9I", chunks[b"smpl"][0][:36])
    assert header[2] == round(1e9 / 44100) and header[7] == 1  # sample period (ns), one loop
    cue_id, kind, start, end, fraction, plays = struct.unpack("<6I", chunks[b"smpl"][0][36:60])
    assert (kind, start, end, plays) == (0, 0, 4 * 44100 - 1, 0)
    assert soundfile.info(str(path)).frames == 4 * 44100
    again = piece.render(tmp_path / "again.wav", soundfont=small_soundfont).files["wav"]
    assert again.read_bytes() == path.read_bytes()
    if _ffprobe_tags(path) is not None:
        import subprocess

        decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"], capture_output=True,
                                 timeout=60, check=True).stdout
        assert len(decoded) == 4 * 44100 * 2 * 2
    plain = compose("bright product video", seed=2, duration=3.0).render(tmp_path / "plain.wav",
                                                                        soundfont=small_soundfont).files["wav"]
    assert b"smpl" not in _riff_chunks(plain) and b"bext" in _riff_chunks(plain)


def test_the_bext_origination_is_when_the_file_is_written(monkeypatch):
    """Without SOURCE_DATE_EPOCH (the tests set it), a WAV's origination date and time are the
    clock's, in UTC, as an editor's asset manager reads them; with it, that moment."""
    import time

    from composer.audio.formats import FileMeasures, Provenance, bext_chunk

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = time.gmtime()
    body = bext_chunk(Provenance("Launch", "0.1.0", "bright launch", 3), FileMeasures(10, 48000, 2, -14.0, -1.5, 4.2),
                      "PCM_16")[8:]
    after = time.gmtime()
    dates = {time.strftime("%Y-%m-%d", moment).encode() for moment in (before, after)}
    assert body[320:330] in dates and time.strptime(body[330:338].decode(), "%H:%M:%S")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    body = bext_chunk(Provenance("Launch", "0.1.0", "bright launch", 3), FileMeasures(10, 48000, 2, -14.0, -1.5, 4.2),
                      "PCM_16")[8:]
    assert (body[320:330], body[330:338]) == (b"1970-01-02", b"00:00:00")
