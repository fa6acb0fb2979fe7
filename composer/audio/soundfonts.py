"""Soundfonts: where composer finds a General MIDI soundfont, and whether a file really is one.

Search order: an explicit path, ``$COMPOSER_SOUNDFONT``, ``soundfonts/`` in the project, the
system's GM soundfonts, and last the small TimGM6mb that ships inside pretty_midi, so audio
renders with no configuration at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from composer.base.errors import ComposerError

PROJECT_SOUNDFONTS = Path(__file__).resolve().parents[2] / "soundfonts"
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
    """The TimGM6mb.sf2 that the pretty_midi package ships."""
    return Path(str(resources.files("pretty_midi").joinpath("TimGM6mb.sf2")))


def find_soundfonts() -> list[FoundSoundfont]:
    """Every soundfont composer would consider, in the order it prefers them."""
    found: list[FoundSoundfont] = []
    variable = os.environ.get(ENVIRONMENT_VARIABLE)
    if variable:
        found.append(FoundSoundfont(Path(variable), f"${ENVIRONMENT_VARIABLE}"))
    for folder in dict.fromkeys((PROJECT_SOUNDFONTS, Path.cwd() / "soundfonts")):
        if folder.is_dir():
            for path in sorted([*folder.glob("*.sf2"), *folder.glob("*.sf3")]):
                found.append(FoundSoundfont(path, f"project {folder}"))
    found.extend(FoundSoundfont(p, "system") for p in SYSTEM_SOUNDFONTS if p.is_file())
    bundled = bundled_soundfont()
    if bundled.is_file():
        found.append(FoundSoundfont(bundled, "bundled with pretty_midi"))
    return found


def choose_soundfont(explicit: Path | None = None) -> Path:
    """The soundfont to render with: ``explicit`` if given, else the first one found; checked."""
    if explicit is not None:
        return check_soundfont(explicit)
    found = find_soundfonts()
    if not found:
        raise ComposerError(
            "no soundfont found",
            "install Debian's fluid-soundfont-gm (make setup), put a .sf2 in soundfonts/, or pass --soundfont PATH",
        )
    return check_soundfont(found[0].path)


def check_soundfont(path: Path) -> Path:
    """``path`` if it is a readable SoundFont 2 (.sf2/.sf3) file, else a clear error.

    A SoundFont is a RIFF file whose form type is ``sfbk``; anything else would make the synth
    fail later with a less helpful message.
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
    return path
