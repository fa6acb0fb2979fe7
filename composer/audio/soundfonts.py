"""Soundfonts: where composer finds a General MIDI soundfont, and whether a file really is one.

Search order: an explicit path, ``$COMPOSER_SOUNDFONT``, ``soundfonts/`` in the project's own
checkout, the system's GM soundfonts, and last the small TimGM6mb that ships inside pretty_midi,
so audio renders with no configuration at all. A ``soundfonts/`` in whatever folder composer
runs from is not searched: a file someone left there would decide what every render sounds
like (pass it with --soundfont to use it).

A soundfont is checked by loading it into FluidSynth (its sample data left on disk, so this is
quick), with the C libraries' own messages kept off the terminal: composer says what failed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from composer.base.errors import ComposerError

#: The project's own checkout (where pyproject.toml sits beside the package), if composer runs from one.
CHECKOUT = Path(__file__).resolve().parents[2]
PROJECT_SOUNDFONTS = CHECKOUT / "soundfonts" if (CHECKOUT / "pyproject.toml").is_file() else None
SYSTEM_SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/soundfonts/default.sf2"),
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/opt/homebrew/share/soundfonts/default.sf2"),
    Path("/usr/local/share/soundfonts/default.sf2"),
)
ENVIRONMENT_VARIABLE = "COMPOSER_SOUNDFONT"


@dataclass(frozen=True)
class FoundSoundfont:
    """A soundfont on this machine and why it was found (the search step that found it)."""

    path: Path
    source: str


def bundled_soundfont() -> Path:
    """The TimGM6mb.sf2 that the pretty_midi package ships, found without importing pretty_midi
    (which loads pyfluidsynth, and that prints to stdout when ``$CI`` is set)."""
    spec = find_spec("pretty_midi")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(folders[0] if folders else ".") / "TimGM6mb.sf2"


def find_soundfonts() -> list[FoundSoundfont]:
    """Every soundfont composer would consider, in the order it prefers them."""
    found: list[FoundSoundfont] = []
    variable = os.environ.get(ENVIRONMENT_VARIABLE)
    if variable:
        found.append(FoundSoundfont(Path(variable), f"${ENVIRONMENT_VARIABLE}"))
    if PROJECT_SOUNDFONTS is not None and PROJECT_SOUNDFONTS.is_dir():
        for path in sorted([*PROJECT_SOUNDFONTS.glob("*.sf2"), *PROJECT_SOUNDFONTS.glob("*.sf3")]):
            found.append(FoundSoundfont(path, f"project {PROJECT_SOUNDFONTS}"))
    found.extend(FoundSoundfont(p, "system") for p in SYSTEM_SOUNDFONTS if p.is_file())
    bundled = bundled_soundfont()
    if bundled.is_file():
        found.append(FoundSoundfont(bundled, "bundled with pretty_midi"))
    return found


def choose_soundfont(explicit: Path | None = None) -> Path:
    """The soundfont to render with: ``explicit`` if given (checked), else the first one found
    that loads (`composer soundfonts` marks it "default")."""
    from composer.audio.render import load_fluidsynth

    if explicit is not None:
        return check_soundfont(explicit)
    load_fluidsynth()  # without the library no soundfont loads: say that, not that each is broken
    found = find_soundfonts()
    problems: list[str] = []
    for item in found:
        try:
            return check_soundfont(item.path)
        except ComposerError as error:
            problems.append(error.problem)
    raise ComposerError(
        f"no soundfont found{' that loads (' + '; '.join(dict.fromkeys(problems)) + ')' if problems else ''}",
        "install Debian's fluid-soundfont-gm (make setup), or pass --soundfont PATH",
    )


def check_soundfont(path: Path) -> Path:
    """``path`` if it is a SoundFont 2 (.sf2/.sf3) file that FluidSynth loads, else a clear error.

    A SoundFont is a RIFF file whose form type is ``sfbk``; one that has it but is cut short or
    damaged inside is found by loading it, before any output is made.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(12)
    except FileNotFoundError:
        raise ComposerError(f"soundfont {path} does not exist", "check the path or run `composer soundfonts`")
    except OSError as error:
        raise ComposerError(f"soundfont {path} cannot be read ({error.strerror})", "check its permissions")
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise ComposerError(
            f"{path} is not a SoundFont (.sf2/.sf3) file or is corrupt",
            "pass a General MIDI .sf2 such as /usr/share/sounds/sf2/FluidR3_GM.sf2",
        )
    found = path.stat()
    if not _loads(path.resolve(), found.st_size, found.st_mtime_ns):
        raise ComposerError(
            f"soundfont {path} is corrupt (FluidSynth cannot load it; a download cut short?)",
            "download it again, or pass another .sf2 with --soundfont",
        )
    return path


@cache
def _loads(path: Path, size: int, modified_ns: int) -> bool:
    """Whether FluidSynth loads the soundfont (once per file and version of it, per process)."""
    from composer.audio.render import load_fluidsynth

    fluidsynth = load_fluidsynth()
    synth = fluidsynth.Synth(**{"synth.dynamic-sample-loading": 1})
    try:
        with stderr_silenced():  # libinstpatch writes a CRITICAL line to stderr for a bad file
            return bool(synth.sfload(str(path), 0) >= 0)
    finally:
        synth.delete()


@contextmanager
def stderr_silenced() -> Iterator[None]:
    """File descriptor 2 sent to /dev/null for the block: C libraries write to it directly."""
    sys.stderr.flush()
    saved = os.dup(2)
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)
