"""Brief: what the user asked for, read from plain text, a TOML file and flags.

The reading is table-driven: every word it knows lives in ``data/lexicon.toml`` and
``data/presets.toml``. Words it could not use are kept in ``ignored_words`` so nothing a
user wrote is silently dropped.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from composer.base.errors import ComposerError
from composer.base.tables import table

KINDS = ("underscore", "bed", "stinger", "thematic", "ambient")
DEFAULT_DURATION_S = {"underscore": 60.0, "bed": 120.0, "stinger": 3.0, "thematic": 90.0, "ambient": 120.0}
MIN_DURATION_S = 1.0
MAX_DURATION_S = 3600.0
MIN_TEMPO_BPM = 20.0
MAX_TEMPO_BPM = 300.0
ENDINGS = ("ring", "button", "fade", "loop")


@dataclass(frozen=True)
class ShapeEvent:
    """One change of energy the brief asks for.

    ``verb`` is ``build`` or ``drop``; the event spans ``start_s``..``end_s`` of the piece, or,
    when ``from_end_s`` is set, the last ``from_end_s`` seconds. ``amount`` scales the change.
    """

    verb: str
    amount: float = 1.0
    start_s: float | None = None
    end_s: float | None = None
    from_end_s: float | None = None


@dataclass(frozen=True)
class Brief:
    """A structured brief. Fields left ``None`` are for the planner to choose."""

    text: str
    kind: str
    preset: str
    duration_s: float
    valence: float
    arousal: float
    tempo_bpm: float | None = None
    key: str | None = None
    meter: tuple[int, int] | None = None
    instruments: tuple[int, ...] = ()
    exclude: tuple[str, ...] = ()
    loop: bool = False
    shape: tuple[ShapeEvent, ...] = ()
    ending: str | None = None
    notes: tuple[str, ...] = ()
    ignored_words: tuple[str, ...] = ()
    mood_words: tuple[str, ...] = ()
    duration_given: bool = True
    colours: tuple[str, ...] = ()


def lexicon() -> dict[str, Any]:
    """The brief vocabulary (``data/lexicon.toml``)."""
    return table("lexicon")


@cache
def presets() -> dict[str, dict[str, Any]]:
    """Use-case presets (``data/presets.toml``), by name."""
    return {name: preset for name, preset in table("presets").items() if name != "colours"}


@cache
def presets_colours() -> dict[str, dict[str, Any]]:
    """Palette colours ("acoustic", "electronic", …) from ``data/presets.toml``, by name."""
    colours: dict[str, dict[str, Any]] = table("presets")["colours"]
    return colours


_NUMBER = r"\d+(?:\.\d+)?"
_SECONDS = r"(?:seconds?|secs?|s)\b"
_MINUTES = r"(?:minutes?|mins?|m)\b"
_HOURS = r"(?:hours?|hrs?|h)\b"
_CLOCK = r"(\d{1,2}):([0-5]\d)"
_WINDOW = re.compile(
    rf"\b(?:in|over|for|during|across)\s+the\s+(final|last|closing|first|opening)\s+"
    rf"(?:({_NUMBER})\s*-?\s*({_SECONDS}|{_MINUTES})|(\w+\s+)?({_SECONDS}|{_MINUTES}))"
)
_AT_TIME = re.compile(rf"\b(?:at|from|by|until|till|around|after)\s+(?:{_CLOCK}|({_NUMBER})\s*{_SECONDS})")
_TEMPO = re.compile(rf"\b(?:at\s+)?({_NUMBER})\s*-?\s*bpm\b")
_MODE_WORDS = r"major|minor|maj|min|dorian|mixolydian|lydian|phrygian"
_KEY = re.compile(
    rf"\b(?:in(?:\s+the\s+key\s+of)?|key\s+of|key:?)\s+([a-h])([#b](?![a-ln-z])|-?sharp|-?flat)?"
    rf"(?:(m)\b|[\s-]+({_MODE_WORDS})\b|(?=[\s,.;:!?)]|$))"
)
_KEY_BARE = re.compile(r"\b([a-h])([#b])?[\s-]+(major|minor|dorian|mixolydian|lydian|phrygian)\b")
_METER = re.compile(r"\b([2-9]|1[0-2])/(2|4|8|16)\b")
_DURATIONS = (
    # "1m30s", "2m 15s"
    re.compile(r"\b(\d+)\s*m\s*(\d+)\s*s\b"),
    # "1 min 30", "1 min 45 s", "2 minutes and 10 seconds"
    re.compile(rf"\b({_NUMBER})\s*-?\s*{_MINUTES}\s*(?:and\s+)?(\d+)\s*(?:{_SECONDS})?"),
    re.compile(rf"\b({_NUMBER})\s*-?\s*{_HOURS}"),
    re.compile(rf"\b({_NUMBER})\s*-?\s*{_MINUTES}"),
    re.compile(rf"\b({_NUMBER})\s*-?\s*{_SECONDS}"),
    re.compile(rf"(?<![\d:])\b{_CLOCK}\b"),
)
_WORD_DURATION = re.compile(rf"\b((?:[a-z-]+\s+)?(?:and\s+a\s+half|[a-z-]+))\s+(?:{_MINUTES}|{_SECONDS})")
_AND_A_HALF = re.compile(rf"\b([a-z-]+)\s+({_MINUTES}|{_HOURS})\s+and\s+a\s+half\b")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9#-]*(?:'[a-z]+)?")


def normalise(text: str) -> str:
    """Lower-case, fold typographic signs, so that "E♭ Major" reads as "eb major".

    >>> normalise("E♭ Major — 90‑second")
    'eb major - 90-second'
    """
    return _fold(text).lower()


def _fold(text: str) -> str:
    """``normalise`` without the lower-casing: signs folded, all whitespace one space."""
    text = unicodedata.normalize("NFKC", text).replace("♭", "b").replace("♯", "#")
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    return re.sub(r"\s+", " ", text)


def _number_words(phrase: str) -> float | None:
    """Read "one and a half", "ninety", "half a" as a number; None if it is not one."""
    numbers: dict[str, float] = lexicon()["numbers"]
    words = phrase.replace("-", " - ").split()
    words = [w for w in words if w != "-"] if "forty-five" not in phrase else phrase.split()
    if phrase.strip() in ("half a", "half an"):
        return 0.5
    total = 0.0
    seen = False
    skip = 0
    for i, word in enumerate(words):
        if skip:
            skip -= 1
            continue
        if word == "and" and words[i + 1 : i + 3] == ["a", "half"]:
            total += 0.5
            skip = 2
            continue
        if word not in numbers:
            return None
        total += numbers[word]
        seen = True
    return total if seen else None


def _seconds(number: str, unit: str) -> float:
    value = float(number)
    if re.fullmatch(_MINUTES, unit):
        return value * 60
    if re.fullmatch(_HOURS, unit):
        return value * 3600
    return value


class _Reader:
    """Consumes a brief's text: regex forms first, then words through the lexicon."""

    def __init__(self, text: str) -> None:
        folded = _fold(text)
        self.text = folded.lower()
        # the original capitals, where lower-casing kept every position ("in D" names a key,
        # "in a documentary" does not)
        self.cased = folded if len(folded) == len(self.text) else self.text
        self.used = [False] * len(self.text)

    def take(self, match: re.Match[str]) -> None:
        for i in range(match.start(), match.end()):
            self.used[i] = True

    def free(self, match: re.Match[str]) -> bool:
        return not any(self.used[match.start() : match.end()])


def _find_duration(reader: _Reader) -> float | None:
    for pattern in _DURATIONS:
        for match in pattern.finditer(reader.text):
            if not reader.free(match):
                continue
            reader.take(match)
            groups = match.groups()
            if pattern in (_DURATIONS[0], _DURATIONS[1]):
                return float(groups[0]) * 60 + float(groups[1])
            if pattern is _DURATIONS[5]:
                return int(groups[0]) * 60 + int(groups[1])
            unit = reader.text[match.start(1) + len(groups[0]) : match.end()].strip(" -")
            return _seconds(groups[0], unit)
    for match in _AND_A_HALF.finditer(reader.text):
        value = _number_words(match.group(1))
        if value is not None and reader.free(match):
            reader.take(match)
            return _seconds(str(value + 0.5), match.group(2))
    for match in _WORD_DURATION.finditer(reader.text):
        value = _number_words(match.group(1))
        if value is None:
            # "a minute" or "half a minute": try the last word alone
            tail = match.group(1).split()[-1]
            value = _number_words(tail)
            if value is None:
                continue
        if not reader.free(match):
            continue
        reader.take(match)
        unit = match.group(0)[len(match.group(1)) :].strip()
        return _seconds(str(value), unit)
    return None


def _find_key(reader: _Reader) -> str | None:
    """A key named as "in D minor", "in Bb", "in C#m", "in the key of G", "F# minor".

    "in" followed by a bare letter counts only when the letter was written as a capital, so
    "in a documentary" or "in e-learning" are not keys.
    """
    for match in _KEY.finditer(reader.text):
        letter, accidental, short_minor, mode = match.groups()
        if not (accidental or short_minor or mode or reader.cased[match.start(1)].isupper()):
            continue
        if reader.free(match):
            reader.take(match)
            return parse_key(letter + (accidental or "") + " " + ("minor" if short_minor else mode or "major"))
    bare = _KEY_BARE.search(reader.text)
    if bare is not None and reader.free(bare):
        reader.take(bare)
        return parse_key(bare.group(1) + (bare.group(2) or "") + " " + bare.group(3))
    return None


def parse_key(text: str) -> str:
    """Check and spell a key as "D minor", "Eb major", "F# dorian".

    >>> parse_key("e♭ Major")
    'Eb major'
    >>> parse_key("f#m")
    'F# minor'
    """
    cleaned = normalise(text).strip().replace("-sharp", "#").replace("-flat", "b")
    cleaned = cleaned.replace(" sharp", "#").replace(" flat", "b")
    match = re.fullmatch(r"([a-g])([#b]?)\s*-?\s*(major|minor|maj|min|m|dorian|mixolydian|lydian|phrygian)?", cleaned)
    if match is None:
        raise ComposerError(
            f"unknown key {text!r}",
            'write a tonic A–G with an optional # or b and a mode, e.g. "D minor", "Eb major", "F# dorian"',
        )
    mode = {"maj": "major", "min": "minor", "m": "minor", None: "major"}.get(match.group(3), match.group(3))
    return f"{match.group(1).upper()}{match.group(2)} {mode}"


def _phrases() -> dict[str, list[tuple[str, Any]]]:
    """Every word or phrase the lexicon knows, mapped to its meanings (category, value).

    A word may mean several things at once: "corporate" picks a preset and is a mood.
    """
    lex = lexicon()
    table: dict[str, list[tuple[str, Any]]] = {}

    def add(word: str, category: str, value: Any) -> None:
        table.setdefault(word, []).append((category, value))

    for name, preset in presets().items():
        for word in preset["words"]:
            add(word, "preset", name)
    for category in ("moods", "modifiers", "kinds", "weak_kinds", "meters", "families", "instruments"):
        for word, value in lex[category].items():
            add(word, category, value)
    for colour, spec in presets_colours().items():
        for word in spec["words"]:
            add(word, "colours", colour)
    for verb in ("build", "drop", "fade", "button", "ring", "steady", "big_finish", "starts_quiet"):
        for word in lex["shape"][verb]:
            add(word, "shape", verb)
    for word in lex["exclusion_words"]["prefixes"]:
        add(word, "exclude", None)
    for word in lex["filler"]["words"]:
        if word not in table:
            add(word, "filler", None)
    return table


@cache
def _phrase_table() -> tuple[dict[str, list[tuple[str, Any]]], int]:
    table = _phrases()
    return table, max(len(p.split()) for p in table)


def parse_text(text: str) -> Brief:
    """Read a plain-language brief.

    >>> b = parse_text("bright, forward-moving background music for a 90-second product video, "
    ...                "no vocals, builds slightly in the final 20 seconds")
    >>> (b.kind, b.preset, b.duration_s, b.shape[0].verb, b.shape[0].from_end_s)
    ('thematic', 'product', 90.0, 'build', 20.0)
    """
    if not text or not text.strip():
        raise ComposerError("the brief is empty", 'describe the music, e.g. "calm piano for a 60-second interview"')
    reader = _Reader(text)
    windows: list[tuple[int, float, bool]] = []  # (position, seconds, counted from the end)
    for match in _WINDOW.finditer(reader.text):
        if match.group(2):
            seconds = _seconds(match.group(2), match.group(3))
        else:  # "the last thirty seconds", "the last minute"
            value = _number_words(match.group(4).strip()) if match.group(4) else 1.0
            if value is None:
                continue
            seconds = _seconds(str(value), match.group(5))
        reader.take(match)
        windows.append((match.start(), seconds, match.group(1) in ("final", "last", "closing")))
    cue_times: list[tuple[int, float]] = []
    for match in _AT_TIME.finditer(reader.text):
        if not reader.free(match):
            continue
        reader.take(match)
        seconds = int(match.group(1)) * 60 + int(match.group(2)) if match.group(1) else float(match.group(3))
        cue_times.append((match.start(), seconds))
    tempo: float | None = None
    tempo_match = _TEMPO.search(reader.text)
    if tempo_match:
        reader.take(tempo_match)
        tempo = check_tempo(float(tempo_match.group(1)))
    meter: tuple[int, int] | None = None
    meter_match = _METER.search(reader.text)
    if meter_match:
        reader.take(meter_match)
        meter = (int(meter_match.group(1)), int(meter_match.group(2)))
    key = _find_key(reader)
    duration = _find_duration(reader)

    table, longest = _phrase_table()
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(reader.text) if not reader.used[m.start()]]
    moods: list[tuple[str, float, float, float]] = []
    kind_words: list[str] = []
    weak_kinds: list[str] = []
    colours: list[str] = []
    preset_name: str | None = None
    instruments: list[int] = []
    exclude: list[str] = []
    shape_marks: list[tuple[int, str, float]] = []
    ending: str | None = None
    loop = False
    ignored: list[str] = []
    notes: list[str] = []
    modifier = 1.0
    excluding = False
    i = 0
    while i < len(tokens):
        position = tokens[i][0]
        match_len, entries, phrase = 0, [], ""
        for n in range(min(longest, len(tokens) - i), 0, -1):
            candidate = " ".join(word for _, word in tokens[i : i + n])
            if candidate in table:
                match_len, entries, phrase = n, table[candidate], candidate
                break
        if not entries:
            word = tokens[i][1].strip("'-")
            singular = word[:-1] if word.endswith("s") else ""
            if singular in table and any(c in ("instruments", "moods") for c, _ in table[singular]):
                match_len, entries, phrase = 1, table[singular], singular
            else:
                ignored.append(tokens[i][1])
                i += 1
                excluding = False
                continue
        i += match_len
        categories = {category: value for category, value in entries}
        if "exclude" in categories:
            excluding = True
            continue
        if excluding and ("families" in categories or "instruments" in categories):
            excluding = False
            name = categories.get("families", phrase)
            if name == "vocals":
                notes.append("no vocals: composer writes instrumental music only")
            else:
                exclude.append(str(name))
            continue
        excluding = False
        if "modifiers" in categories:
            modifier = float(categories["modifiers"])
            # "builds slightly": a modifier right after a shape verb scales that verb
            if shape_marks and shape_marks[-1][0] >= position - 12 and shape_marks[-1][2] == 1.0:
                p, verb, _ = shape_marks[-1]
                shape_marks[-1] = (p, verb, modifier)
                modifier = 1.0
            continue
        for category, value in entries:
            if category == "moods":
                moods.append((phrase, float(value[0]), float(value[1]), modifier))
            elif category == "kinds":
                loop = loop or phrase in lexicon()["loop_words"]
                kind_words.append(str(value))
            elif category == "weak_kinds":
                weak_kinds.append(str(value))
            elif category == "meters" and meter is None:
                beats, unit = str(value).split("/")
                meter = (int(beats), int(unit))
            elif category == "colours":
                colours.append(str(value))
            elif category == "preset":
                preset_name = preset_name or str(value)
            elif category == "instruments":
                instruments.append(int(value))
            elif category == "families" and value == "vocals":
                notes.append("no vocals: composer writes instrumental music only")
            elif category == "families":
                notes.append(f"'{phrase}' noted: {value} play where the style uses them")
            elif category == "shape" and value in ("fade", "button", "ring"):
                ending = str(value)
            elif category == "shape" and value == "big_finish":
                shape_marks.append((position, "build", 1.5 * modifier))
            elif category == "shape":
                shape_marks.append((position, str(value), modifier))
        modifier = 1.0

    preset_name = preset_name or "general"
    preset = presets()[preset_name]
    named_kinds = [k for k in kind_words if k != "bed" or not loop]
    if named_kinds:
        kind = named_kinds[0]
    elif loop:
        kind = "bed"
    elif weak_kinds and preset_name == "general":
        kind = weak_kinds[0]
    else:
        kind = str(preset["kind"])
    valence, arousal = _mood(preset["mood"], moods, notes)
    shape = _shape(shape_marks, windows, cue_times)
    duration_given = duration is not None
    if duration is None:
        duration = DEFAULT_DURATION_S[kind]
        notes.append(f"no length given: {duration:g} s, the default for a {kind}")
    return Brief(
        text=text.strip(),
        kind=kind,
        preset=preset_name,
        duration_s=check_duration(duration),
        valence=valence,
        arousal=arousal,
        tempo_bpm=tempo,
        key=key,
        meter=meter,
        instruments=tuple(dict.fromkeys(instruments)),
        exclude=tuple(dict.fromkeys(exclude)),
        loop=loop,
        shape=shape,
        ending=ending or ("loop" if loop else None),
        notes=tuple(dict.fromkeys(notes)),
        ignored_words=tuple(ignored),
        mood_words=tuple(m[0] for m in moods),
        duration_given=duration_given,
        colours=tuple(dict.fromkeys(colours)),
    )


def _mood(
    preset_mood: list[float], moods: list[tuple[str, float, float, float]], notes: list[str]
) -> tuple[float, float]:
    """Valence and arousal: the preset's, pulled 70 % toward the mean of the brief's mood words.

    Contradictions (a calm word and an aggressive one) are averaged, so the music sits between
    them, and the report names the pair.
    """
    if not moods:
        return float(preset_mood[0]), float(preset_mood[1])
    # a modifier scales its word ("very sad" is sadder than "sad"); the words are then averaged
    valence = _clamp(sum(m[1] * m[3] for m in moods) / len(moods))
    arousal = _clamp(sum(m[2] * m[3] for m in moods) / len(moods))
    calmest = min(moods, key=lambda m: m[2])
    wildest = max(moods, key=lambda m: m[2])
    if wildest[2] - calmest[2] >= 1.2:
        notes.append(f"'{calmest[0]}' and '{wildest[0]}' pull apart: the music sits between them")
    return (
        round(_clamp(0.3 * preset_mood[0] + 0.7 * valence), 3),
        round(_clamp(0.3 * preset_mood[1] + 0.7 * arousal), 3),
    )


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def _shape(
    marks: list[tuple[int, str, float]], windows: list[tuple[int, float, bool]], cue_times: list[tuple[int, float]]
) -> tuple[ShapeEvent, ...]:
    """Pair each shape verb with the nearest time window or cue time that follows it."""
    events: list[ShapeEvent] = []
    for position, verb, amount in marks:
        if verb == "steady":
            events.append(ShapeEvent("steady", amount))
            continue
        window = next((w for w in windows if w[0] > position and w[0] - position < 60), None)
        cue = next((c for c in cue_times if c[0] > position and c[0] - position < 60), None)
        if verb == "starts_quiet":
            events.append(ShapeEvent("build", amount * 1.5, start_s=0.0))
        elif window is not None:
            windows.remove(window)
            if window[2]:
                events.append(ShapeEvent(verb, amount, from_end_s=window[1]))
            else:
                events.append(ShapeEvent(verb, amount, start_s=0.0, end_s=window[1]))
        elif cue is not None:
            cue_times.remove(cue)
            events.append(ShapeEvent(verb, amount, start_s=cue[1]))
        elif verb == "build" and events and events[-1].verb == "drop" and events[-1].end_s is not None:
            # "quiet for the first 30 seconds, then kicks in": the lift comes where the quiet ends
            events.append(ShapeEvent(verb, amount, start_s=events[-1].end_s))
        else:
            events.append(ShapeEvent(verb, amount))
    return tuple(events)


def check_duration(seconds: float) -> float:
    """A duration the composer can honour, or a clear error.

    >>> check_duration(90)
    90.0
    """
    if not seconds > 0:
        raise ComposerError(f"duration {seconds:g} s is not positive", "give a length such as 90 s or 1:30")
    if seconds < MIN_DURATION_S:
        raise ComposerError(f"duration {seconds:g} s is too short", f"give at least {MIN_DURATION_S:g} s")
    if seconds > MAX_DURATION_S:
        raise ComposerError(
            f"duration {seconds:g} s is longer than 60 minutes", "give at most 60 minutes, or compose it in parts"
        )
    return float(seconds)


def check_tempo(bpm: float) -> float:
    """A tempo in 20–300 BPM, or a clear error."""
    if not MIN_TEMPO_BPM <= bpm <= MAX_TEMPO_BPM:
        raise ComposerError(f"tempo {bpm:g} BPM is outside 20–300 BPM", "give a tempo such as 90 or 128")
    return float(bpm)


def check_kind(kind: str) -> str:
    """One of the five cue kinds, or a clear error."""
    if kind not in KINDS:
        raise ComposerError(f"unknown kind {kind!r}", f"use one of: {', '.join(KINDS)}")
    return kind


def load_brief_file(path: Path) -> dict[str, Any]:
    """Fields of a TOML brief file (``brief = "…"``, ``duration``, ``kind``, ``tempo``, ``key``, …)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ComposerError(f"brief file {path} does not exist", "check the path, e.g. scores/product-video.toml")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ComposerError(f"brief file {path} is not valid TOML ({error})", "fix the file, see scores/ for examples")
    known = {"brief", "kind", "duration", "tempo", "key", "meter", "loop", "seed", "name", "preset", "instruments", "exclude", "ending"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ComposerError(f"brief file {path} has unknown fields {unknown}", f"use only: {', '.join(sorted(known))}")
    return data


def build_brief(text: str | None, overrides: Mapping[str, Any]) -> Brief:
    """The brief from text, then each override (file fields, then flags) laid over it.

    >>> build_brief("calm piano for an interview", {"duration": 45, "key": "d minor"}).key
    'D minor'
    """
    brief = parse_text(text or "")
    changes: dict[str, Any] = {}
    if overrides.get("kind") is not None:
        changes["kind"] = check_kind(str(overrides["kind"]))
    if overrides.get("preset") is not None:
        if overrides["preset"] not in presets():
            raise ComposerError(f"unknown preset {overrides['preset']!r}", f"use one of: {', '.join(presets())}")
        changes["preset"] = overrides["preset"]
    if overrides.get("duration") is not None:
        changes["duration_s"] = check_duration(_number(overrides["duration"], "duration"))
        changes["notes"] = tuple(n for n in brief.notes if not n.startswith("no length given"))
        changes["duration_given"] = True
    elif "kind" in changes and not brief.duration_given:
        changes["duration_s"] = DEFAULT_DURATION_S[changes["kind"]]
    if overrides.get("tempo") is not None:
        changes["tempo_bpm"] = check_tempo(_number(overrides["tempo"], "tempo"))
    if overrides.get("key") is not None:
        changes["key"] = parse_key(str(overrides["key"]))
    if overrides.get("meter") is not None:
        meter = str(overrides["meter"])
        match = _METER.fullmatch(meter)
        if match is None:
            raise ComposerError(f"unknown meter {meter!r}", 'write it as "4/4", "3/4" or "6/8"')
        changes["meter"] = (int(match.group(1)), int(match.group(2)))
    if overrides.get("loop") is not None:
        changes["loop"] = bool(overrides["loop"])
        changes["ending"] = "loop" if overrides["loop"] else brief.ending
    if overrides.get("ending") is not None:
        if overrides["ending"] not in ENDINGS:
            raise ComposerError(f"unknown ending {overrides['ending']!r}", f"use one of: {', '.join(ENDINGS)}")
        changes["ending"] = overrides["ending"]
    if overrides.get("exclude"):
        changes["exclude"] = tuple(dict.fromkeys([*brief.exclude, *overrides["exclude"]]))
    if overrides.get("instruments"):
        programs = [_instrument_program(name) for name in overrides["instruments"]]
        changes["instruments"] = tuple(dict.fromkeys([*brief.instruments, *programs]))
    return replace(brief, **changes)


def _number(value: Any, field: str) -> float:
    """A number from a flag or a brief file, or a clear error naming the field."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ComposerError(f"{field} {value!r} is not a number", f"give {field} as a number, e.g. 90") from None


def _instrument_program(name: str) -> int:
    programs: dict[str, int] = lexicon()["instruments"]
    key = normalise(name).strip()
    if key not in programs:
        raise ComposerError(f"unknown instrument {name!r}", f"use one of: {', '.join(sorted(programs))}")
    return programs[key]
