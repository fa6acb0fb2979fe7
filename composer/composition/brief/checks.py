"""Checks on what a brief asks for, shared by the text reader, brief files and flags: each
returns the value or raises a one-line ``ComposerError`` that says how to fix it."""

from __future__ import annotations

from dataclasses import replace

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.model import (KINDS, MAX_DURATION_S, MAX_TEMPO_BPM, MIN_DURATION_S, MIN_TEMPO_BPM,
                                              Brief, events_in_order)
from composer.composition.brief.times import clock_text

#: The longest stinger: a short pickup into one hit that rings out. A longer cue is no stinger
#: ("a hit at 1:15" in a 3-minute trailer is an event of a longer cue).
MAX_STINGER_S = 6.0


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
    """A tempo in 20–300 BPM, or a clear error.

    >>> check_tempo(128)
    128.0
    """
    if not MIN_TEMPO_BPM <= bpm <= MAX_TEMPO_BPM:
        raise ComposerError(f"tempo {bpm:g} BPM is outside 20–300 BPM", "give a tempo such as 90 or 128")
    return float(bpm)


def check_kind(kind: str) -> str:
    """One of the five cue kinds, or a clear error.

    >>> check_kind("bed")
    'bed'
    """
    if kind not in KINDS:
        raise ComposerError(f"unknown kind {kind!r}", f"use one of: {', '.join(KINDS)}")
    return kind


def check_stinger(brief: Brief, kind_asked: bool) -> Brief:
    """``brief``, unless it is a stinger longer than MAX_STINGER_S. A stinger asked for by
    ``--kind`` (``kind_asked``) is then a clear error; one the words chose ("logo stinger, 10
    minutes", "product reveal, 20 seconds") gives way to the length asked: the cue becomes a
    bed when it loops, else its use case's kind (thematic when that is a stinger too), and
    the notes say so.

    >>> from composer.composition.brief.text import parse_text
    >>> cue = check_stinger(parse_text("logo stinger, 10 minutes"), kind_asked=False)
    >>> cue.kind, cue.duration_s, cue.notes
    ('thematic', 600.0, ('a stinger lasts at most 6 s, but 600 s was asked: composed as a thematic cue',))
    """
    if brief.kind != "stinger" or brief.duration_s <= MAX_STINGER_S:
        return brief
    if kind_asked:
        raise ComposerError(f"a stinger lasts at most {MAX_STINGER_S:g} s, but {brief.duration_s:g} s was asked",
                            f"ask for {MAX_STINGER_S:g} s or less, or another kind, e.g. --kind thematic")
    from composer.composition.brief.data import presets

    preset_kind = presets()[brief.preset].kind
    kind = "bed" if brief.loop else preset_kind if preset_kind != "stinger" else "thematic"
    article = "an" if kind[0] in "aeiou" else "a"
    note = (f"a stinger lasts at most {MAX_STINGER_S:g} s, but {brief.duration_s:g} s was asked: "
            f"composed as {article} {kind} cue")
    return replace(brief, kind=kind, notes=(*brief.notes, note))


def check_times(brief: Brief) -> Brief:
    """``brief`` with every change of energy it asks for inside the piece. A moment at or past
    the end is a clear error, never kept silently; a span longer than the piece ("builds in the
    final 20 seconds" of a 6-second cut) is the whole piece, and the notes say so.

    >>> from composer.composition.brief.text import parse_text
    >>> check_times(parse_text("calm piano, 2 minutes, quiet at 5:00"))
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the change at 5:00 is at or past the end of the 2:00 piece: \
give a time before 2:00, or a longer length
    >>> capped = check_times(parse_text("calm piano, 10 seconds, builds in the final 20 seconds"))
    >>> capped.shape[0].from_end_s, capped.notes
    (10.0, ('the final 20 s is longer than the 0:10 piece: read as the whole piece',))
    """
    length = _clock(brief.duration_s)
    events, notes = [], list(brief.notes)
    for event in brief.shape:
        if event.start_s is not None and event.start_s >= brief.duration_s:
            raise ComposerError(f"the change at {_clock(event.start_s)} is at or past the end of the {length} piece",
                                f"give a time before {length}, or a longer length")
        if event.from_end_s is not None and event.from_end_s > brief.duration_s:
            notes.append(f"the final {event.from_end_s:g} s is longer than the {length} piece: read as the whole piece")
            event = replace(event, from_end_s=brief.duration_s)
        elif event.end_s is not None and event.end_s > brief.duration_s:
            notes.append(f"the first {event.end_s:g} s is longer than the {length} piece: read as the whole piece")
            event = replace(event, end_s=brief.duration_s)
        events.append(event)
    return replace(brief, shape=tuple(events), notes=tuple(dict.fromkeys(notes)))


#: Events that may land on the very end: a button ends the music there, a build rises into it.
_AT_THE_END = ("button", "build")


def check_events(brief: Brief) -> Brief:
    """``brief`` with its events in time order, if each lies inside the piece and no two stops
    overlap; else one clear error naming the event, where it came from, and the fix.

    >>> from composer.composition.brief.text import parse_text
    >>> check_events(parse_text("calm piano, 1 minute, a hit at 1:15"))
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the hit at 1:15 (from the brief) is at or past the end of the 1:00 piece: \
give a time before 1:00, or a longer length (e.g. --duration 90)
    >>> check_events(parse_text("calm piano, 1 minute, music stops at 0:20 for 3 s, a break at 0:22"))
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the stop at 0:22 (from the brief) begins inside the stop at 0:20 (0:20–0:23): \
move it after 0:23, or shorten the first stop
    """
    end = Fraction(brief.duration_s)
    length = clock_text(end)
    events = sorted(brief.events, key=lambda e: e.at_s)
    for event in events:
        where = f"the {event.kind.replace('_', '-')} at {clock_text(event.at_s)} (from {_source(event.source)})"
        if event.at_s < 0 or event.length_s < 0:
            raise ComposerError(f"{where} starts before the music", "give times and lengths of 0 or more")
        if event.kind == "build" and event.length_s > event.at_s:
            raise ComposerError(f"{where} rises for {clock_text(event.length_s)}, from before the start",
                                f"give it at most {clock_text(event.at_s)} to rise")
        if event.at_s > end or (event.at_s == end and event.kind not in _AT_THE_END):
            raise ComposerError(f"{where} is at or past the end of the {length} piece",
                                f"give a time before {length}, or a longer length (e.g. --duration "
                                f"{_longer(float(event.at_s))})")
        if event.kind != "build" and event.end_s > end:
            raise ComposerError(f"{where} runs to {clock_text(event.end_s)}, past the end of the {length} piece",
                                f"end it by {length}, or give a longer length (e.g. --duration "
                                f"{_longer(float(event.end_s))})")
    stops = [e for e in events if e.kind == "stop"]
    for first, second in zip(stops, stops[1:]):
        if second.at_s < first.end_s:
            raise ComposerError(f"the stop at {clock_text(second.at_s)} (from {_source(second.source)}) begins inside "
                                f"the stop at {clock_text(first.at_s)} ({clock_text(first.at_s)}–"
                                f"{clock_text(first.end_s)})",
                                f"move it after {clock_text(first.end_s)}, or shorten the first stop")
    return replace(brief, events=events_in_order(events))


def _source(source: str) -> str:
    """Where an event came from, as an error names it."""
    return {"brief": "the brief", "flag": "a flag", "timeline": "the timeline file",
            "markers": "the marker file"}.get(source, source)


def _longer(seconds: float) -> str:
    """The next whole half-minute after ``seconds``, for an error's example of a longer length.

    >>> _longer(60), _longer(75)
    ('90', '90')
    """
    return f"{(int(seconds) // 30 + 1) * 30}"


def _clock(seconds: float) -> str:
    """Seconds as m:ss, as a brief writes times.

    >>> _clock(90), _clock(59.5)
    ('1:30', '0:59')
    """
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
