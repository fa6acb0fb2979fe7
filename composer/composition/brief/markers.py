"""Events from an editor's markers (``--markers edit.otio|edit.xml|edit.edl``), read through
OpenTimelineIO: OTIO, Final Cut Pro 7 XML and CMX 3600 EDL. A marker's name says what it asks
for (HIT, STOP, VO IN … VO OUT, BUILD, TURN, BUTTON, FADE …); any other name starts a section,
labelled with that name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.events import DEFAULT_STOP_S, WrittenEvent
from composer.composition.brief.model import TURN_MODES, CueEvent
from composer.composition.brief.times import DEFAULT_FPS, FRAME_RATES, clock_text

#: Marker names (upper case, the longest first where one begins another) and the event each asks for.
MARKER_KINDS = {"VO IN": "vo_in", "VO OUT": "vo_out", "FADE IN": "fade_in", "FADE OUT": "fade_out", "FADE": "fade_out",
                "HIT": "hit", "STOP": "stop", "BREAK": "stop", "BUILD": "build", "TURN": "turn", "BUTTON": "button",
                "SWELL": "swell", "DIP": "dip", "DROP": "dip"}
#: The files a marker file may be, by suffix, and the OpenTimelineIO adapter that reads each.
ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".edl": "cmx_3600"}


class Marker(NamedTuple):
    """A marker on the timeline: its name and its range in exact seconds from the timeline's start."""

    name: str
    at_s: Fraction
    length_s: Fraction


def marker_events(path: Path, fps: Fraction = DEFAULT_FPS) -> list[WrittenEvent]:
    """The events an editor's marker file asks for; an EDL's timecodes are counted at ``fps``
    (an EDL does not say its rate)."""
    return events_from_markers(read_markers(path, fps), str(path))


def events_from_markers(markers: list[Marker], source: str) -> list[WrittenEvent]:
    """Markers as events: VO IN … VO OUT a drop-out between them, a BUILD rising over its range
    into its end (or into its moment), an unknown name a section start labelled with it.

    >>> [(e.event.kind, str(e.event.at_s), str(e.event.length_s), e.event.label) for e in events_from_markers([
    ...     Marker("HIT", Fraction(75), Fraction(0)), Marker("VO IN", Fraction(45), Fraction(0)),
    ...     Marker("VO OUT", Fraction(65), Fraction(0)), Marker("Chorus", Fraction(90), Fraction(0)),
    ...     Marker("STOP", Fraction(20), Fraction(3))], "edit.otio")]
    [('stop', '20', '3', ''), ('dip', '45', '20', 'VO'), ('hit', '75', '0', ''), ('turn', '90', '0', 'Chorus')]
    """
    events: list[WrittenEvent] = []
    voice_in: Marker | None = None
    for marker in sorted(markers, key=lambda m: m.at_s):
        kind, rest = _kind_of(marker.name)
        if kind == "vo_in":
            if voice_in is not None:
                raise ComposerError(f"{source}: the VO IN marker at {clock_text(marker.at_s)} follows another VO IN "
                                    f"(at {clock_text(voice_in.at_s)})", "put a VO OUT marker between them")
            voice_in = marker
        elif kind == "vo_out":
            if voice_in is None:
                raise ComposerError(f"{source}: the VO OUT marker at {clock_text(marker.at_s)} has no VO IN before it",
                                    "put a VO IN marker where the voice starts")
            events.append(WrittenEvent(CueEvent("dip", voice_in.at_s, marker.at_s - voice_in.at_s, label="VO",
                                                source="markers")))
            voice_in = None
        else:
            events.append(WrittenEvent(_event(kind, rest, marker)))
    if voice_in is not None:
        raise ComposerError(f"{source}: the VO IN marker at {clock_text(voice_in.at_s)} has no VO OUT after it",
                            "put a VO OUT marker where the voice ends")
    return events


def _kind_of(name: str) -> tuple[str, str]:
    """The event a marker's name asks for and the rest of the name ("", the name, for an unknown one).

    >>> _kind_of("hit - logo"), _kind_of("VO In"), _kind_of("Turn major"), _kind_of("Chorus")
    (('hit', 'logo'), ('vo_in', ''), ('turn', 'major'), ('', 'Chorus'))
    """
    written = " ".join(name.split())
    upper = written.upper()
    for prefix, kind in MARKER_KINDS.items():
        if upper == prefix or (upper.startswith(prefix) and not upper[len(prefix)].isalnum()):
            return kind, written[len(prefix):].strip(" -:–")
    return "", written


def _event(kind: str, rest: str, marker: Marker) -> CueEvent:
    """One marker's event (the marker's duration is the event's length where it has one)."""
    if kind == "":
        return CueEvent("turn", marker.at_s, label=rest, source="markers")
    if kind == "turn":
        mode = rest.lower() if rest.lower() in TURN_MODES else ""
        return CueEvent("turn", marker.at_s, mode=mode, label="" if mode else rest, source="markers")
    if kind == "build":
        return CueEvent("build", marker.at_s + marker.length_s, marker.length_s, label=rest, source="markers")
    if kind == "stop":
        return CueEvent("stop", marker.at_s, marker.length_s or DEFAULT_STOP_S, label=rest, source="markers")
    length = marker.length_s if kind in ("dip", "swell", "fade_in", "fade_out") else Fraction(0)
    return CueEvent(kind, marker.at_s, length, label=rest, source="markers")


def read_markers(path: Path, fps: Fraction = DEFAULT_FPS) -> list[Marker]:
    """Every marker of the timeline in ``path`` (on the timeline, its tracks and its clips), at
    its time from the timeline's start."""
    suffix = path.suffix.lower()
    if suffix not in ADAPTERS:
        raise ComposerError(f"marker file {path} is not one composer reads (its suffix is {suffix or 'missing'})",
                            "export markers as OTIO (.otio), Final Cut Pro XML (.xml) or a CMX 3600 EDL (.edl)")
    if not path.is_file():
        raise ComposerError(f"marker file {path} does not exist" if not path.exists() else
                            f"marker file {path} is a folder", "check the path, e.g. --markers edit.otio")
    otio = _opentimelineio()
    options = {"rate": float(fps)} if suffix == ".edl" else {}
    try:
        read = otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[suffix], **options)
    except Exception as error:  # an adapter raises what its parser meets: any failure means "not a marker file"
        reason = " ".join(str(error).split())[:80] or type(error).__name__
        raise ComposerError(f"marker file {path} is not a readable {suffix[1:].upper()} timeline ({reason})",
                            "export the markers again from the editor as OTIO, FCP XML or a CMX 3600 EDL") from None
    timeline = _first_timeline(otio, read)
    if timeline is None:
        raise ComposerError(f"marker file {path} holds no timeline", "export the sequence itself, with its markers")
    markers = list(_markers(otio, timeline))
    if not markers:
        raise ComposerError(f"marker file {path} has no markers", "add markers named HIT, STOP, VO IN … in the editor")
    return markers


def _opentimelineio() -> Any:
    try:
        import opentimelineio
    except ImportError:
        raise ComposerError("reading an editor's markers needs OpenTimelineIO, which is not installed",
                            "install composer with its dependencies (pip install opentimelineio "
                            "opentimelineio-plugins)") from None
    return opentimelineio


def _first_timeline(otio: Any, read: Any) -> Any:
    """The timeline a file holds: itself, or the first of a collection."""
    if isinstance(read, otio.schema.Timeline):
        return read
    if isinstance(read, otio.schema.SerializableCollection):
        return next((item for item in read.find_children() if isinstance(item, otio.schema.Timeline)), None)
    return None


def _markers(otio: Any, timeline: Any) -> Iterator[Marker]:
    """The timeline's markers: on its stack (from the stack's start; one written at absolute
    timecode, past the end, counted from the global start time), on each track and on each item
    in a track (from its clip's media time to the track's), a track's time counted from its first
    item (an EDL's record timecode from its first event)."""
    stack = timeline.tracks
    duration = _seconds(stack.duration())
    start = timeline.global_start_time
    origin = _seconds(start) if start is not None else Fraction(0)
    for marker in stack.markers:
        at = _seconds(marker.marked_range.start_time)
        if at > duration and origin and 0 <= at - origin <= duration:
            at -= origin
        yield Marker(marker.name, at, _seconds(marker.marked_range.duration))
    for track in stack:
        if not isinstance(track, otio.schema.Track):
            continue
        for marker in track.markers:
            yield Marker(marker.name, _seconds(marker.marked_range.start_time), _seconds(marker.marked_range.duration))
        for item in track.find_children():
            for marker in getattr(item, "markers", ()):
                at = item.transformed_time(marker.marked_range.start_time, track)
                yield Marker(marker.name, _seconds(at), _seconds(marker.marked_range.duration))


def _seconds(time: Any) -> Fraction:
    """An OpenTimelineIO RationalTime in exact seconds (a rate such as 29.97 read as 30000/1001).

    >>> from types import SimpleNamespace
    >>> _seconds(SimpleNamespace(value=45.0, rate=29.97)), _seconds(SimpleNamespace(value=1875.0, rate=25.0))
    (Fraction(3003, 2000), Fraction(75, 1))
    """
    rate = next((exact for exact in FRAME_RATES.values() if abs(float(exact) - time.rate) < 1e-3),
                Fraction(time.rate).limit_denominator(1001))
    return Fraction(time.value).limit_denominator(1000) / rate
