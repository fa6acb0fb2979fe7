"""One cue, from what was asked to its written set: the path `composer compose` and every row
of `composer batch` go through, so a cue made either way is the same files, byte for byte.

What is asked is checked here whole (brief, name, formats, audio settings) before anything is
composed; :func:`write_cue` then composes the piece and writes its set through the one delivery
path (composer.audio.deliver), all files appearing together or none. Light to import: the music
and audio stacks load inside the functions that use them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from composer.base.errors import ComposerError

if TYPE_CHECKING:
    from composer.audio.deliver import Delivered, Progress
    from composer.piece import Piece

AUDIO_CHOICES = ("wav", "flac", "ogg", "mp3")
#: Formats written from the score rather than rendered: sheet music.
SCORE_CHOICES = ("musicxml",)
#: The longest base name of the files, in UTF-8 bytes: with its longest suffix (".musicxml",
#: "-stems") and a temporary file's prefix and suffix it stays within the 255 bytes file systems allow.
MAX_NAME_BYTES = 120
#: The sample rate audio is rendered at unless asked otherwise.
DEFAULT_SAMPLE_RATE = 44100
#: The most headroom stems may be asked to keep under full scale, summed (dB).
MAX_STEMS_HEADROOM_DB = 60.0


@dataclass(frozen=True)
class Request:
    """What the user asked for: brief text, the fields over it, the seed and the file name."""

    text: str
    fields: dict[str, Any]
    seed: int
    name: str | None


def request(brief: str | None, file: Path | None, seed: int | None, given_as: str = "flag", **flags: Any) -> Request:
    """The brief text and the fields over it: the file's, then the flags' (flags win). Events
    the file asks for (``hit = 5``) are reported as the brief file's, and the flags' as
    ``given_as`` ("flag"; a batch's rows are the "manifest")."""
    from composer.composition.brief import DEFAULT_SEED, load_brief_file
    from composer.composition.brief.timeline import EVENT_FLAGS

    fields: dict[str, Any] = load_brief_file(file) if file else {}
    file_text, file_seed, file_name = fields.pop("brief", None), fields.pop("seed", None), fields.pop("name", None)
    sources = {name: "brief file" for name in EVENT_FLAGS if fields.get(name) is not None}
    for field_name, value in flags.items():
        if value is not None:
            fields[field_name] = value
            if field_name in EVENT_FLAGS:
                sources[field_name] = given_as
    if any(source != "flag" for source in sources.values()):
        fields["event_sources"] = sources
    text = brief if brief is not None else file_text
    if text is None:
        raise ComposerError("no brief given", 'write one, e.g. composer compose "calm piano for a 60-second interview"')
    chosen_seed = seed if seed is not None else file_seed if file_seed is not None else DEFAULT_SEED
    if file_name is not None:
        check_name(file_name, f"name in {file}", 'write e.g. name = "launch-v1"')
    return Request(text, fields, chosen_seed, file_name or None)


def check_name(name: str, given_as: str = "--name", fix: str = "give e.g. --name launch-v1") -> str:
    """``name`` if it is a plain file name, so every file lands in the output folder: no folder
    separators, not "." or "..", no control characters, at most MAX_NAME_BYTES bytes of UTF-8;
    else a clear error (folders go in --out).

    >>> check_name("launch-v1 🎵")
    'launch-v1 🎵'
    >>> check_name("../x")
    Traceback (most recent call last):
    composer.base.errors.ComposerError: --name '../x' is not a plain file name (it holds a folder separator): give e.g. --name launch-v1, and the folder with --out
    """
    if not name.strip():
        why = "it is empty"
    elif name in (".", ".."):
        why = "it names a folder"
    elif "/" in name or "\\" in name:
        why = "it holds a folder separator"
    elif any(unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp") for character in name):
        why = "it holds a control character"
    elif len(name.encode("utf-8")) > MAX_NAME_BYTES:
        why = f"it is longer than {MAX_NAME_BYTES} bytes"
    else:
        return name
    shown = repr(name) if len(name) <= 60 else f"{name[:60]!r}…"
    raise ComposerError(f"{given_as} {shown} is not a plain file name ({why})", f"{fix}, and the folder with --out")


def slug(text: str) -> str:
    """Words as a file name's stem: lower case, runs of anything else as one hyphen.

    >>> slug("Corporate, upbeat!")
    'corporate-upbeat'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "piece"


def default_name(asked: Request) -> str:
    """The files' base name when none is given: the brief's first words and the seed."""
    return check_name(f"{slug(' '.join(asked.text.split()[:6]))}-seed{asked.seed}", "the default name",
                      "give a shorter --seed or a --name")


def check_formats(formats: Sequence[str]) -> list[str]:
    """The formats asked (each item may list several, comma-separated), known and without
    repeats; WAV when none is named.

    >>> check_formats(["wav,FLAC", ".mp3", "wav"])
    ['wav', 'flac', 'mp3']
    """
    chosen = [f.strip().lower().lstrip(".") for spec in formats for f in spec.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in AUDIO_CHOICES + SCORE_CHOICES]
    if unknown:
        raise ComposerError(f"unknown format {unknown[0]!r}", f"use one of: {', '.join(AUDIO_CHOICES + SCORE_CHOICES)}")
    return list(dict.fromkeys(chosen)) or ["wav"]


@dataclass(frozen=True)
class Output:
    """What is made of a piece besides its MIDI and report: audio in ``audio`` formats (none:
    MIDI only) with these settings, rendered with ``soundfont`` (chosen and checked), and the
    files drawn from the score (``drawn``: "musicxml", "png"); the stems lowered together to keep
    ``stems_headroom_db`` under full scale summed, where asked; ``force``: files in the way that
    composer did not make are replaced too."""

    audio: tuple[str, ...] = ("wav",)
    drawn: tuple[str, ...] = ()
    loudness: float | None = None
    soundfont: Path | None = None
    sample_rate: int = DEFAULT_SAMPLE_RATE
    bit_depth: int | None = None
    stems: bool = False
    stems_headroom_db: float | None = None
    force: bool = False


def output(formats: Sequence[str], *, midi_only: bool = False, plot: bool = False, loudness: float | None = None,
           soundfont: Path | None = None, sample_rate: int = DEFAULT_SAMPLE_RATE, bit_depth: int | None = None,
           stems: bool = False, stems_headroom_db: float | None = None, force: bool = False) -> Output:
    """The output asked for, checked whole, the soundfont chosen when there is audio to render."""
    from composer.audio import check_bit_depth, check_loudness
    from composer.audio.render import check_sample_rate

    check_loudness(loudness)
    check_sample_rate(sample_rate)
    check_bit_depth(bit_depth)
    if stems and midi_only:
        raise ComposerError("--stems needs audio but --midi-only writes none", "drop one of --stems and --midi-only")
    check_stems_headroom(stems_headroom_db, stems)
    chosen = check_formats(formats)
    drawn = (["musicxml"] if "musicxml" in chosen else []) + (["png"] if plot else [])
    audio = [] if midi_only else [f for f in chosen if f in AUDIO_CHOICES]
    if stems and not audio:
        raise ComposerError("--stems needs audio but --format names none", "add an audio format, e.g. --format wav")
    font = None
    if audio:
        from composer.audio.soundfonts import choose_soundfont

        font = choose_soundfont(soundfont)
    return Output(tuple(audio), tuple(drawn), loudness, font, sample_rate, bit_depth, stems, stems_headroom_db, force)


def check_stems_headroom(headroom_db: float | None, stems: bool) -> None:
    """A clear error for a headroom without stems or outside 0–MAX_STEMS_HEADROOM_DB dB."""
    if headroom_db is None:
        return
    if not stems:
        raise ComposerError("--stems-headroom sets the stems' level but no --stems are asked", "add --stems")
    if not 0 <= headroom_db <= MAX_STEMS_HEADROOM_DB:
        raise ComposerError(f"--stems-headroom {headroom_db:g} is outside 0–{MAX_STEMS_HEADROOM_DB:g} dB",
                            "give e.g. --stems-headroom 1")


@dataclass(frozen=True)
class Cue:
    """One cue to write: the brief text and fields over it, the seed, the files' base name and
    what is made of it. Everything in it is checked but the brief, which :func:`write_cue`
    builds first."""

    text: str
    fields: Mapping[str, Any]
    seed: int
    name: str
    output: Output = field(default_factory=Output)


@dataclass(frozen=True)
class Written:
    """What :func:`write_cue` wrote: the report (NAME.json's content), every file in the order
    a user reads them (MIDI, audio, stems, sheets, markers, report) and the delivered audio."""

    report: dict[str, Any]
    paths: list[Path]
    delivered: Delivered | None


def _no_progress(duration_s: float) -> AbstractContextManager[Progress | None]:
    return nullcontext(None)


def write_cue(cue: Cue, folder: Path,
              progress: Callable[[float], AbstractContextManager[Progress | None]] = _no_progress,
              workers: int | None = None) -> Written:
    """Compose ``cue`` and write its set into ``folder`` (created if missing; removed again if
    this made it and the set fails): NAME.mid, the audio, stems, sheets, an editor's markers
    when the cue has events, and NAME.json describing them, all together or none. ``progress``
    gives the render's progress callback for the piece's length; ``workers`` threads render
    the mix (None: one per core, up to two; see :func:`composer.audio.render.worker_count`)."""
    from composer.composition.brief import build_brief

    parsed = build_brief(cue.text, cue.fields)  # a bad brief is told before the music and audio stacks load

    from composer.audio.deliver import deliver
    from composer.base.files import output_folder, write_together
    from composer.piece import compose

    piece = compose(parsed, seed=cue.seed, title=cue.name)
    base, asked = cue.name, cue.output
    midi_path, json_path = folder / f"{base}.mid", folder / f"{base}.json"
    audio_paths = [folder / f"{base}.{f}" for f in asked.audio]
    sheet_paths = [folder / f"{base}.{suffix}" for suffix in asked.drawn]
    made = {midi_path: piece.midi_bytes, **{path: _sheet_bytes(piece, path.suffix) for path in sheet_paths}}
    files = {"midi": midi_path, **{path.suffix.lstrip("."): path for path in sheet_paths}}
    marker_paths = []
    if piece.plan.events:  # cut to picture: the markers go back to the editor's timeline
        from composer.notation.markers import markers_csv, markers_otio

        otio_path, csv_path = folder / f"{base}.otio", folder / f"{base}-markers.csv"
        audio_name = audio_paths[0].name if audio_paths else None
        made |= {otio_path: markers_otio(piece.plan, base, audio_name), csv_path: markers_csv(piece.plan)}
        files |= {"markers_otio": otio_path, "markers_csv": csv_path}
        marker_paths = [otio_path, csv_path]

    def report_bytes(delivered: Delivered | None) -> bytes:
        return piece.report_json(delivered, files).encode("utf-8")

    earlier = composer_report(json_path)
    if not asked.force:
        check_own_set([*made, *audio_paths, folder / f"{base}-stems", json_path], json_path, earlier)
    new_set = {*made, *audio_paths, json_path, *([folder / f"{base}-stems"] if asked.stems and audio_paths else [])}
    retire = [path for path in earlier_set(folder, earlier) if path not in new_set]
    delivered = None
    with output_folder(folder):
        if asked.soundfont is not None and audio_paths:
            with progress(piece.plan.duration_s) as rendering_progress:
                played = piece.rendering(asked.soundfont, asked.loudness, asked.sample_rate, workers)
                delivered = deliver(played, audio_paths, piece.provenance(), stems=piece.stem_channels if asked.stems else None,
                                    bit_depth=asked.bit_depth, progress=rendering_progress,
                                    beside={**made, json_path: report_bytes},
                                    stems_headroom_db=asked.stems_headroom_db, retire=retire)
        else:
            write_together({**made, json_path: report_bytes(None)}, base, retire)
    stem_paths = list(delivered.stems.values()) if delivered else []
    return Written(piece.report(delivered, files), [midi_path, *audio_paths, *stem_paths, *sheet_paths,
                                                    *marker_paths, json_path], delivered)


#: The fields every composer report has: a NAME.json holding them is an earlier composer set's.
REPORT_FIELDS = frozenset({"brief", "seed", "version", "kind"})


def composer_report(report: Path) -> dict[str, Any] | None:
    """The report at ``report`` if composer wrote it (a JSON object with REPORT_FIELDS; never
    read through a link), else None: what an earlier set under the name left.

    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.json").write_text('{"mine": true}')
    >>> composer_report(folder / "notes.json"), composer_report(folder / "none.json")
    (None, None)
    """
    import json

    if report.is_symlink():
        return None
    try:
        earlier = json.loads(report.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return earlier if isinstance(earlier, dict) and REPORT_FIELDS <= earlier.keys() else None


def earlier_set(folder: Path, earlier: Mapping[str, Any] | None) -> list[Path]:
    """The files of the earlier composer set whose report is ``earlier`` (every file and the
    stems folder it lists, found in ``folder``), so a set written again under the name replaces
    it whole: a re-run with fewer formats leaves no stale WAV or stems of the one before.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> report = {"brief": "b", "seed": 1, "version": "v", "kind": "bed",
    ...           "files": {"midi": "out/cue.mid", "wav": "out/cue.wav"}, "stems": {"pad": "out/cue-stems/pad.wav"}}
    >>> for made in ("cue.mid", "cue.wav", "cue-stems/pad.wav"):
    ...     (folder / made).parent.mkdir(exist_ok=True)
    ...     _ = (folder / made).write_bytes(b"")
    >>> [path.name for path in earlier_set(folder, report)], earlier_set(folder, None)
    (['cue.mid', 'cue.wav', 'cue-stems'], [])
    """
    if earlier is None:
        return []
    files, stems = earlier.get("files"), earlier.get("stems")
    files, stems = (files if isinstance(files, dict) else {}), (stems if isinstance(stems, dict) else {})
    names = [Path(str(path)).name for path in files.values()] + [Path(str(path)).parent.name for path in stems.values()]
    return [folder / name for name in dict.fromkeys(names) if name and name not in (".", "..") and (folder / name).exists()]


def check_own_set(paths: list[Path], report: Path, earlier: Mapping[str, Any] | None) -> None:
    """Nothing in the way of a set, or an earlier composer set under its name (``earlier``: its
    report, read by :func:`composer_report`), which is replaced whole; else a clear error, so a
    user's own file that shares the name is never destroyed without --force."""
    in_way = [path for path in paths if path.exists() and not path.is_symlink()]  # links: the set writer refuses them
    if not in_way or report.is_symlink() or earlier is not None:
        return
    raise ComposerError(f"{in_way[0]} is already there and is not part of a composer set (no composer report "
                        f"{report.name} beside it)", "move it, choose another --name, or give --force to replace it")


def _sheet_bytes(piece: Piece, suffix: str) -> bytes:
    """The bytes of a file drawn from the piece rather than rendered: MusicXML or the PNG picture."""
    if suffix == ".musicxml":
        return piece.musicxml_bytes()
    from composer.measure.plot import png_bytes

    return png_bytes(piece.midi_bytes, piece.title)
