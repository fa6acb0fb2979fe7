"""Pictures: `composer plot` draws any MIDI file — ours and a Bach chorale music21 wrote — as a real
PNG with one named lane per part, a line per section marker and the energy per bar; bad input is
one clear line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import matplotlib.image
import mido
import numpy as np
import pytest
from matplotlib.patches import StepPatch

from composer import compose
from composer.measure.music import read_music
from composer.measure.time_measures import energy_per_bar
from composer.cli import main
from composer.base.errors import ComposerError
from composer.piece import Piece
from composer.measure.plot import DPI, ENERGY_LABEL, figure_for_midi, plot_midi, read_timeline
from tests.conftest import run_composer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def piece() -> Piece:
    return compose("bright product video, 16 seconds, builds at the end", seed=1)


@pytest.fixture(scope="module")
def our_midi(piece: Piece, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return piece.write_midi(tmp_path_factory.mktemp("ours") / "product.mid")


@pytest.fixture(scope="module")
def chorale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bach's chorale BWV 66.6 as music21 writes it to MIDI: music composer did not make."""
    from music21 import corpus

    path = tmp_path_factory.mktemp("bach") / "bwv66.6.mid"
    corpus.parse("bach/bwv66.6").write("midi", fp=str(path))
    return path


def _lane_names(midi: Path) -> list[str]:
    figure = figure_for_midi(midi.read_bytes(), midi.name)
    return [axes.get_ylabel() for axes in figure.axes]


def _assert_png(path: Path, lanes: int) -> None:
    """A real PNG, read back by matplotlib, 12 inches wide and taller for every lane."""
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = matplotlib.image.imread(str(path))
    height, width = pixels.shape[:2]
    assert width == 12 * DPI
    assert (1.1 * lanes + 2.4) * DPI * 0.95 <= height <= (1.1 * lanes + 2.8) * DPI
    assert np.ptp(pixels[..., :3]) > 0.5  # something is drawn, not a blank canvas


def test_our_midi_has_one_named_lane_per_part_then_the_energy(our_midi: Path, piece: Piece) -> None:
    assert _lane_names(our_midi) == [part.partName for part in piece.score.parts] + [ENERGY_LABEL]


def test_a_chorale_we_did_not_make_has_its_four_voices(chorale: Path) -> None:
    assert _lane_names(chorale) == ["Soprano", "Alto", "Tenor", "Bass", ENERGY_LABEL]


def test_each_lane_draws_every_note_of_its_part(chorale: Path) -> None:
    figure = figure_for_midi(chorale.read_bytes(), chorale.name)
    music = read_music(chorale.read_bytes(), "bach")
    drawn = [len(axes.collections[0].get_paths()) for axes in figure.axes[:-1]]
    assert drawn == [len(part.notes) for part in music.parts]


def test_sections_are_lines_labelled_at_the_markers(our_midi: Path, piece: Piece) -> None:
    timeline = read_timeline(our_midi.read_bytes())
    report = piece.report()
    assert [text.split()[0] for _, text in timeline.markers] == [s["name"] for s in report["sections"]]
    assert [at for at, _ in timeline.markers] == pytest.approx([s["start_s"] for s in report["sections"]], abs=0.002)
    figure = figure_for_midi(our_midi.read_bytes(), our_midi.name)
    assert [t.get_text() for t in figure.axes[0].texts] == [s["name"] for s in report["sections"]]
    for axes in figure.axes:
        lines = [line.get_xdata()[0] for line in axes.get_lines()]
        assert lines == pytest.approx([s["start_s"] for s in report["sections"]], abs=0.002)


def test_the_energy_lane_is_the_analysis_energy_per_bar_over_the_bars_seconds(our_midi: Path, piece: Piece) -> None:
    figure = figure_for_midi(our_midi.read_bytes(), our_midi.name)
    steps = [p for p in figure.axes[-1].patches if isinstance(p, StepPatch)]
    assert len(steps) == 1
    values, edges, _ = steps[0].get_data()
    assert list(values) == list(energy_per_bar(read_music(our_midi.read_bytes(), "ours")))
    bar_s = float(piece.plan.bar_q) * 60 / float(piece.plan.tempo_bpm)
    assert np.diff(edges) == pytest.approx(bar_s, abs=1e-6)  # one tempo: bars of equal length


def test_plot_writes_a_png_beside_our_midi(our_midi: Path, piece: Piece) -> None:
    assert plot_midi(our_midi) == our_midi.with_suffix(".png")
    _assert_png(our_midi.with_suffix(".png"), len(piece.score.parts))


def test_the_command_plots_a_chorale_to_the_named_file(chorale: Path, tmp_path: Path) -> None:
    target = tmp_path / "pictures" / "bach.png"
    result = run_composer("plot", str(chorale), "--out", str(target))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(target)
    _assert_png(target, 4)
    assert [p.name for p in target.parent.iterdir()] == ["bach.png"]  # no temporary left behind


def test_compose_plot_writes_the_picture_with_the_other_files(tmp_path: Path) -> None:
    result = run_composer("compose", "calm piano for an 8-second interview", "--out", str(tmp_path), "--name", "p",
                          "--midi-only", "--plot")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.mid", "p.png"]
    assert json.loads((tmp_path / "p.json").read_text())["files"]["png"] == str(tmp_path / "p.png")
    lanes = len(read_music((tmp_path / "p.mid").read_bytes(), "p").parts)
    _assert_png(tmp_path / "p.png", lanes)


def _no_notes() -> bytes:
    midi = mido.MidiFile()
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("marker", text="intro")]))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "out", "words"), [
    ("missing.mid", None, None, ["does not exist"]),
    ("text.mid", b"this is not midi at all", None, ["not a readable MIDI file"]),
    ("silent.mid", _no_notes(), None, ["no notes"]),
    ("ok.mid", None, "picture.jpg", ["picture.jpg", ".png"]),
    ("ok.mid", None, "blocker/picture.png", ["is a file"]),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, our_midi: Path, name: str, content: bytes | None, out: str | None, words: list[str]
) -> None:
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    elif name == "ok.mid":
        source.write_bytes(our_midi.read_bytes())
    (tmp_path / "blocker").write_text("a file where a folder should be")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ComposerError) as caught:
        plot_midi(source, tmp_path / out if out else None)
    for word in words:
        assert word in str(caught.value)
    assert sorted(tmp_path.rglob("*")) == before


def test_the_command_reports_bad_input_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["composer", "plot", str(tmp_path / "missing.mid")])
    with pytest.raises(SystemExit) as exit_status:
        main()
    assert exit_status.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and stderr.startswith("composer: error:")
    assert "does not exist" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("charset", ["utf-8", "latin1"])
def test_track_and_marker_names_read_back_as_written(charset: str) -> None:
    """Names written as UTF-8 (as composer writes them) or Latin-1 (as older DAWs do) are read
    as written by the measures and the plot, as by render."""
    midi = mido.MidiFile(type=1, charset=charset)
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("marker", text="Refrain für Köln", time=0)]))
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="Gitarre ö"),
                                       mido.Message("program_change", program=24),
                                       mido.Message("note_on", note=60, velocity=80),
                                       mido.Message("note_off", note=60, time=480)]))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    data = buffer.getvalue()
    assert [part.name for part in read_music(data, "test").parts] == ["Gitarre ö"]
    assert [text for _, text in read_timeline(data).markers] == ["Refrain für Köln"]
