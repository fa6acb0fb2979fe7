"""The piece's sections and events as markers an editor imports beside the audio: an
OpenTimelineIO timeline (written by opentimelineio; NLEs and its own adapters read it) and a
CSV of the same marks, one per line, with times in seconds and as timecode.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from composer.base.exact import Fraction
from composer.composition.plan import Plan
from composer.notation.score import section_marks

#: The frame rate of the timecodes, unless the editor gives one.
DEFAULT_FPS = 25
#: OpenTimelineIO's marker colours: events stand out from sections.
EVENT_COLOURS = {"hit": "RED", "stop": "ORANGE", "dip": "YELLOW", "build": "GREEN", "turn": "CYAN",
                 "button": "MAGENTA"}


@dataclass(frozen=True)
class Mark:
    """One marker: its name, where it starts and how long it lasts (seconds), and what it marks
    ("section" or an event's kind)."""

    name: str
    start_s: Fraction
    length_s: Fraction
    kind: str


def marks(plan: Plan) -> list[Mark]:
    """Every section and event of ``plan`` as a marker, in time order; an event's start is
    where the music lands it and its length its span (a build's rise, a stop's silence).

    >>> from composer import compose
    >>> [(m.name, round(float(m.start_s), 3)) for m in marks(compose("uplifting corporate, 30 seconds", seed=1).plan)][:2]
    [('intro', 0.0), ('statement', 7.826)]
    """
    names = section_marks(plan)
    result = []
    for section, (_, name) in zip(plan.sections, names):
        result.append(Mark(name, plan.exact_seconds(section.start_q),
                           min(plan.exact_seconds(section.end_q), Fraction(plan.duration_s)) -
                           plan.exact_seconds(section.start_q), "section"))
    for event, (_, name) in zip(plan.events, names[len(plan.sections):]):
        start = plan.exact_seconds(event.at_q)
        result.append(Mark(name, start, plan.exact_seconds(event.end_q) - start, event.kind))
    return sorted(result, key=lambda m: (m.start_s, m.kind == "section"))


def timecode(seconds: Fraction, fps: int = DEFAULT_FPS) -> str:
    """``seconds`` as SMPTE timecode HH:MM:SS:FF at ``fps`` frames a second (the nearest frame).

    >>> timecode(Fraction(75)), timecode(Fraction(33, 2))
    ('00:01:15:00', '00:00:16:12')
    """
    frames = round(seconds * fps)
    whole, frame = divmod(frames, fps)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{frame:02d}"


def markers_csv(plan: Plan, fps: int = DEFAULT_FPS) -> bytes:
    """The markers as CSV (UTF-8): name, start and length in seconds, start as timecode, kind.

    >>> from composer import compose
    >>> markers_csv(compose("uplifting corporate, 30 seconds", seed=1).plan).decode().splitlines()[:2]
    ['name,start_s,length_s,timecode,kind', 'intro,0.000,7.826,00:00:00:00,section']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "start_s", "length_s", "timecode", "kind"])
    for mark in marks(plan):
        writer.writerow([mark.name, f"{float(mark.start_s):.3f}", f"{float(mark.length_s):.3f}",
                         timecode(mark.start_s, fps), mark.kind])
    return buffer.getvalue().encode("utf-8")


def markers_otio(plan: Plan, title: str, audio_name: str | None = None, fps: int = DEFAULT_FPS) -> bytes:
    """An OpenTimelineIO timeline (JSON, UTF-8): one audio track holding the cue (referring to
    ``audio_name`` beside it, if given), and the markers on the timeline, at ``fps``."""
    import opentimelineio as otio  # only where markers are written: it is slow to import

    def at(seconds: Fraction) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(float(seconds * fps), fps)

    timeline = otio.schema.Timeline(name=title, global_start_time=at(Fraction(0)))
    track = otio.schema.Track(name="music", kind=otio.schema.TrackKind.Audio)
    reference = otio.schema.ExternalReference(target_url=audio_name) if audio_name else otio.schema.MissingReference()
    length = otio.opentime.TimeRange(at(Fraction(0)), at(Fraction(plan.duration_s)))
    track.append(otio.schema.Clip(name=title, media_reference=reference, source_range=length))
    timeline.tracks.append(track)
    for mark in marks(plan):
        timeline.tracks.markers.append(otio.schema.Marker(
            name=mark.name, marked_range=otio.opentime.TimeRange(at(mark.start_s), at(mark.length_s)),
            color=EVENT_COLOURS.get(mark.kind, "BLUE"), metadata={"composer": {"kind": mark.kind}}))
    return str(otio.adapters.write_to_string(timeline, "otio_json")).encode("utf-8")
