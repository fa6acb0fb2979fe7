"""One delivery path: a MIDI file (composer's or anyone's) rendered once, mastered, written in
every asked format and as stems, all or nothing, each written file measured as it is written.

`composer compose`, `composer render` and ``Piece.render`` all deliver through :func:`deliver`;
:func:`mix` is its first half, the mastered audio kept in memory. One written file's format,
tags and measures are formats.py's. Before a render, the free space is checked where its
files and its stems' scratch files will go.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mido
import numpy as np

from composer.audio import DEFAULT_LOUDNESS_LUFS
from composer.audio import master as mastering
from composer.audio import render as renderer
from composer.audio.loudness import preload
from composer.audio.parallel import RENDER_GROUPS
from composer.audio.formats import (STEM_SUBTYPE, FileMeasures, Provenance, audio_format_for, rounded,
                                    stem_paths, write_audio)
from composer.audio.spool import Spool, sample_peak
from composer.base.errors import ComposerError
from composer.base.files import staged

#: Bytes per sample, per channel, a written file takes at most: PCM at its depth (FLAC no more),
#: the lossy formats far less (320 kb/s MP3 at 44.1 kHz stereo is 0.45), a float stem 4.
BYTES_PER_SAMPLE = {"wav": 2, "flac": 2, "ogg": 0.5, "mp3": 0.5, "stem": 4}
#: Space to leave over the estimate, for the file system's own needs and the report, MIDI and score.
SPACE_MARGIN_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Ending:
    """How the render ends: a loop renders past its end and folds that ring-out onto its start,
    so it repeats without a seam; anything else fades in over 5 ms and out over ``fade_out_s``."""

    loop: bool = False
    fade_out_s: float = renderer.FADE_OUT_S


@dataclass(frozen=True)
class Rendering:
    """How a MIDI file becomes mastered audio: played for exactly ``duration_s`` with
    ``soundfont`` (chosen and checked by the caller) in ``room``, ended as ``ending`` says, at
    ``sample_rate``, then mastered to ``loudness_lufs`` with its true peak under −1 dBTP."""

    midi: mido.MidiFile
    duration_s: float
    soundfont: Path
    room: renderer.Room
    loudness_lufs: float = DEFAULT_LOUDNESS_LUFS
    ending: Ending = Ending()
    sample_rate: int = renderer.SAMPLE_RATE
    #: Markers written into a WAV's cue chunk: (seconds, label), in order.
    cue_points: tuple[tuple[float, str], ...] = ()
    #: Threads playing the note groups (composer.audio.parallel); None: one per core, up to two
    #: (render.worker_count). The audio is the same bytes whatever the count.
    workers: int | None = None


@dataclass(frozen=True)
class StemLevels:
    """The level stems were written at: the mix's gain less ``trim_db`` (0 unless a headroom was
    asked), and the sample peaks that gives, summed and of the loudest stem alone (dBFS; over 0
    is over full scale, kept by the float files but clipped by any fixed-point bus)."""

    gain_db: float
    trim_db: float
    summed_peak_dbfs: float
    loudest_peak_dbfs: float

    def report(self) -> dict[str, float | None]:
        return {"stems_gain_db": rounded(self.gain_db), "stems_trim_db": rounded(self.trim_db),
                "stems_summed_peak_dbfs": rounded(self.summed_peak_dbfs),
                "stems_loudest_peak_dbfs": rounded(self.loudest_peak_dbfs)}


@dataclass(frozen=True)
class Delivered:
    """What a delivery made: the soundfont and rate it rendered with and what mastering did;
    per format (e.g. "wav"), the file written and what it measures read back from disk; per
    stem, its file, and the level the stems were written at. No files where the audio stayed in
    memory (:func:`mix`)."""

    soundfont: Path
    sample_rate: int
    mastered: mastering.Mastered
    files: Mapping[str, Path] = field(default_factory=dict)
    measures: Mapping[str, FileMeasures] = field(default_factory=dict)
    stems: Mapping[str, Path] = field(default_factory=dict)
    stem_levels: StemLevels | None = None


#: A file to write beside the audio: its bytes, or a function of what was delivered (a report).
Beside = bytes | Callable[[Delivered], bytes]
#: Told how a delivery moves on: the phase it is in ("rendering", "mastering", "encoding wav",
#: "measuring wav", "encoding stems"), and how far in it is (done of total; a total of 0: no measure).
Progress = Callable[[str, int, int], None]


def mix(rendering: Rendering, progress: Progress | None = None) -> tuple[np.ndarray, Delivered]:
    """The mastered stereo mix (frames × 2, float32, exactly ``round(duration × rate)`` frames),
    kept in memory, and what mastering did; nothing is written."""
    audio, mastered, _, _ = _mastered(rendering, None, progress or _unwatched)
    try:
        return audio.array(), Delivered(rendering.soundfont, rendering.sample_rate, mastered)
    finally:
        audio.close()


def deliver(
    rendering: Rendering,
    targets: Sequence[Path],
    provenance: Provenance,
    *,
    stems: renderer.StemChannels | None = None,
    bit_depth: int | None = None,
    progress: Progress | None = None,
    beside: Mapping[Path, Beside] | None = None,
    stems_headroom_db: float | None = None,
    retire: Sequence[Path] = (),
) -> Delivered:
    """Render once, master, and write the mix to each target (one per format, the format from
    its suffix: .wav, .flac, .ogg, .mp3), tagged with ``provenance``; with ``stems`` (name →
    MIDI channels), each stem as a float WAV in ``NAME-stems/`` beside the first target, with the
    mix's gain and no limiter (so summed they may peak over full scale), or with
    ``stems_headroom_db`` all lowered by one gain so that summed they peak that far under it; then each file of ``beside``, which may be made from what was
    delivered (the report of it). All in one folder, as one set (composer.base.files): the files
    appear together, in this order, or none does. A 16-bit file is dithered with noise seeded
    by the provenance's seed, so the same piece always gives the same bytes. ``progress`` is told
    each phase as it begins and how far it is; the earlier set's files in ``retire`` leave as
    the new set lands."""
    if not targets:
        raise ComposerError("no audio file to deliver", "name at least one, e.g. cue.wav")
    formats = [_format(target) for target in targets]
    if len(set(formats)) < len(formats):
        raise ComposerError(f"audio targets {[str(t) for t in targets]} need one file per format",
                            "name one file per format, e.g. cue.wav and cue.mp3")
    extra = dict(beside or {})
    check_free_space(rendering.duration_s, rendering.sample_rate, formats, bit_depth, len(stems or {}),
                     targets[0].parent)
    stem_targets = stem_paths(targets[0].parent, targets[0].stem, list(stems or {}))
    stem_folder = [stem_targets[0].parent] if stem_targets else []  # replaced whole
    tell = progress or _unwatched
    with staged([*targets, *stem_folder, *extra], retire=retire) as staging:
        audio, mastered, rendered, raw_peak = _mastered(rendering, stems, tell)
        rate = rendering.sample_rate
        try:
            measures = {}
            for number, (name, target, temporary) in enumerate(zip(formats, targets, staging)):
                measures[name] = write_audio(temporary, audio, rate, target.suffix.lower(), bit_depth, provenance,
                                             dither_seed=provenance.seed or 0, cue_points=rendering.cue_points,
                                             loop=rendering.ending.loop,
                                             announce=_steps(tell, name, number, len(formats)))
        except BaseException:
            if rendered:
                rendered.close()
            raise
        finally:
            audio.close()
        if stem_folder:
            staging[len(targets)].mkdir()
        summed_db = _decibels(raw_peak) + mastered.gain_db
        trim_db = max(0.0, summed_db + stems_headroom_db) if stems_headroom_db is not None else 0.0
        alone = rendered.scaled(mastered.gain_db - trim_db) if rendered else iter(())
        loudest = 0.0
        for number, (target, (name, stem)) in enumerate(zip(stem_targets, alone)):  # none asked: none rendered
            tell("encoding stems", number, len(stem_targets))
            loudest = max(loudest, sample_peak(stem))
            tags = dataclasses.replace(provenance, title=f"{provenance.title} ({name})")
            write_audio(staging[len(targets)] / target.name, stem, rate, ".wav", provenance=tags,
                        subtype=STEM_SUBTYPE, loop=rendering.ending.loop)
        levels = (StemLevels(mastered.gain_db - trim_db, trim_db, summed_db - trim_db, _decibels(loudest))
                  if stem_targets else None)
        delivered = Delivered(rendering.soundfont, rate, mastered, dict(zip(formats, targets)), measures,
                              dict(zip(stems or {}, stem_targets)), levels)
        for temporary, content in zip(staging[len(targets) + len(stem_folder) :], extra.values()):
            temporary.write_bytes(content if isinstance(content, bytes) else content(delivered))
    return delivered


def space_needed_bytes(duration_s: float, sample_rate: int, formats: Sequence[str], bit_depth: int | None,
                       stem_count: int) -> tuple[int, int]:
    """(bytes in the output folder, bytes of scratch files in the system's temporary folder) a
    render of ``duration_s`` seconds needs at most: each format's file and each float stem; and
    as scratch (float, see spool.py) the mix and each stem as each note group's synth played
    them (composer.audio.parallel), or later the mix, the stems and a written file decoded to
    be measured.

    >>> [round(b / 2**20) for b in space_needed_bytes(3600, 44100, ["wav", "mp3"], None, 4)]
    [5602, 12112]
    """
    samples = math.ceil(duration_s * sample_rate) * 2
    depth = (bit_depth or 16) / 8
    written = sum(depth if name in ("wav", "flac") else BYTES_PER_SAMPLE[name] for name in formats)
    stems = stem_count * BYTES_PER_SAMPLE["stem"]
    scratch = max(RENDER_GROUPS * (stem_count + 1), stem_count + 2) * BYTES_PER_SAMPLE["stem"]
    return math.ceil(samples * (written + stems)), math.ceil(samples * scratch)


def check_free_space(duration_s: float, sample_rate: int, formats: Sequence[str], bit_depth: int | None,
                     stem_count: int, folder: Path) -> None:
    """A clear error, before anything is rendered, where ``folder`` or the temporary folder has
    less free space than the render needs (see :func:`space_needed_bytes`) and a margin."""
    out_bytes, scratch_bytes = space_needed_bytes(duration_s, sample_rate, formats, bit_depth, stem_count)
    scratch = Path(tempfile.gettempdir())
    for place, needed, fix in ((folder, out_bytes, "free some space there or choose another --out"),
                               (scratch, scratch_bytes, "free some space there or set TMPDIR to a roomier folder")):
        if not needed:
            continue
        existing = next((p for p in (place, *place.parents) if p.exists()), Path("/"))
        free = shutil.disk_usage(existing).free
        if free < needed + SPACE_MARGIN_BYTES:
            raise ComposerError(f"not enough free space in {place}: this render needs about {_megabytes(needed)} "
                                f"({duration_s:g} s at {sample_rate} Hz as {', '.join(formats)}"
                                f"{f' and {stem_count} stems' if stem_count else ''}), {_megabytes(free)} is free",
                                fix)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _format(target: Path) -> str:
    """The format a target is written in, by its suffix ("wav"), or a clear error."""
    audio_format_for(target)
    return target.suffix.lower().lstrip(".")


def _steps(progress: Progress, name: str, number: int, count: int) -> Callable[[str], None]:
    """``progress`` told each step of writing the ``number``-th of ``count`` files, named with its
    format ("encoding mp3")."""
    return lambda step: progress(f"{step} {name}", number, count)


def _decibels(peak: float) -> float:
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _unwatched(phase: str, done: int, total: int) -> None:
    """Progress nobody watches."""


def _mastered(
    rendering: Rendering, stems: renderer.StemChannels | None, progress: Progress
) -> tuple[Spool, mastering.Mastered, renderer.RenderedStems | None, float]:
    """The rendered mix mastered (in place, in a spool the caller closes), and with ``stems`` the
    stems of the same render and the sample peak of the mix before mastering (its stems' sum),
    else 0."""
    played = (rendering.midi, rendering.soundfont, rendering.duration_s)
    rate, loop, fade_out_s, space = (rendering.sample_rate, rendering.ending.loop, rendering.ending.fade_out_s,
                                     rendering.room)
    rendered: renderer.RenderedStems | None = None
    progress("rendering", 0, 1)
    preload()  # the meter's import runs beside the synths
    workers = renderer.worker_count(rendering.workers)

    def frames(done: int, total: int) -> None:
        progress("rendering", done, total)

    if stems:
        raw, rendered = renderer.render_with_stems(*played, stems, rate, loop=loop, fade_out_s=fade_out_s,
                                                   progress=frames, space=space, workers=workers)
    else:
        raw = renderer.render_spooled(*played, rate, loop=loop, fade_out_s=fade_out_s, progress=frames, space=space,
                                      workers=workers)
    try:
        raw_peak = sample_peak(raw) if stems else 0.0
        progress("mastering", 0, 0)
        _, mastered = mastering.master(raw, rate, rendering.loudness_lufs)
    except BaseException:
        raw.close()
        if rendered:
            rendered.close()
        raise
    return raw, mastered, rendered, raw_peak
