"""Pictures: any MIDI file as a piano roll per part, with its sections and its energy, as a PNG.

So that a piece can be judged at a glance — where the sections turn, which parts play when,
whether the build really builds — for composer's MIDI and for anyone else's. Parts are the
file's instruments as :func:`composer.measure.music.read_music` reads them (one lane each, named by
the track, else by the General MIDI program); sections are the file's marker meta messages
(composer writes one per section); energy is :func:`composer.measure.time_measures.energy_per_bar`. Time
runs in seconds, as on a video editor's timeline.

matplotlib is imported by this module only, and draws on its non-interactive Agg canvas, so
``composer --help`` stays fast and no display is needed.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass
from pathlib import Path

import mido
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from composer.base.errors import ComposerError
from composer.base.midi_text import decoded_midi
from composer.base.files import output_folder, write_bytes
from composer.base.general_midi import program_name
from composer.base.quiet import quiet_import
from composer.measure.music import Music, Part, bar_starts, read_music
from composer.measure.time_measures import energy_per_bar

WIDTH_IN = 12.0
LANE_HEIGHT_IN = 1.1
ENERGY_HEIGHT_IN = 1.4
MARGINS_HEIGHT_IN = 1.2
DPI = 100
#: Note bars are this opaque at velocity 0, fully opaque at 127, so accents stand out.
QUIET_ALPHA = 0.35
ENERGY_LABEL = "energy\n(vel/bar)"


@dataclass(frozen=True)
class Timeline:
    """What the file says about time besides its notes: section markers and the tempo map."""

    #: (seconds, text) of each marker meta message, in order.
    markers: tuple[tuple[float, str], ...]
    #: (quarter notes, seconds, microseconds per quarter) at the start and at each tempo change.
    tempos: tuple[tuple[float, float, int], ...]

    def seconds(self, quarters: float) -> float:
        """Seconds at ``quarters`` quarter notes from the start, along the tempo map.

        >>> Timeline((), ((0.0, 0.0, 500_000), (4.0, 2.0, 1_000_000))).seconds(6.0)
        4.0
        """
        index = max(0, bisect.bisect_right([q for q, _, _ in self.tempos], quarters) - 1)
        start_q, start_s, tempo = self.tempos[index]
        return start_s + (quarters - start_q) * tempo / 1e6


def read_timeline(data: bytes) -> Timeline:
    """The markers and tempo map of MIDI bytes already read by ``read_music`` (so they parse)."""
    midi = decoded_midi(data)
    ticks = seconds = 0.0
    tempo = 500_000  # 120 BPM, the Standard MIDI File default
    markers: list[tuple[float, str]] = []
    tempos = [(0.0, 0.0, tempo)]
    for message in mido.merge_tracks(midi.tracks):
        seconds += mido.tick2second(message.time, midi.ticks_per_beat, tempo)
        ticks += message.time
        if message.type == "marker":
            markers.append((seconds, str(message.text).strip()))
        elif message.type == "set_tempo":
            tempo = int(message.tempo)
            tempos.append((ticks / midi.ticks_per_beat, seconds, tempo))
    return Timeline(tuple(markers), tuple(tempos))


#: The first words of an event's marker, and the colour events are drawn in.
EVENT_WORDS = ("hit", "stop", "dip", "build", "swell", "turn", "fade in", "fade out", "button", "tempo", "enter")
EVENT_COLOUR = "tab:red"


def lane_name(part: Part) -> str:
    """A part's lane label: its track name, else its General MIDI instrument.

    >>> lane_name(Part("", 0, True, ())), lane_name(Part("", 33, False, ()))
    ('Drums', 'Electric Bass (finger)')
    """
    if part.name:
        return part.name
    if part.drum:
        return "Drums"
    return program_name(part.program)


def is_event(marker: str) -> bool:
    """Whether a marker names an event of the picture (a hit, a stop …) rather than a section:
    composer names events by their kind and asked time ("hit 1:15").

    >>> is_event("hit 1:15"), is_event("fade in 0:00"), is_event("statement 2")
    (True, True, False)
    """
    words = marker.split()
    return len(words) >= 2 and " ".join(words[:-1]) in EVENT_WORDS and ":" in words[-1]


def draw(music: Music, timeline: Timeline, title: str) -> Figure:
    """The picture: one piano-roll lane per part that plays, then the energy per bar, sharing
    one time axis in seconds, with a labelled line at each section marker."""
    parts = [p for p in music.parts if p.notes]
    if not parts:
        raise ComposerError(f"{title} has no notes to draw", "give a MIDI file with notes in it")
    heights = [LANE_HEIGHT_IN] * len(parts) + [ENERGY_HEIGHT_IN]
    figure = Figure(figsize=(WIDTH_IN, sum(heights) + MARGINS_HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    figure.suptitle(title)
    colours = [f"C{i % 10}" for i in range(len(parts))]
    for part, lane, colour in zip(parts, axes, colours):
        _piano_roll(lane, part, colour)
        lane.set_ylabel(lane_name(part), rotation=0, ha="right", va="center")
    _energy(axes[-1], music, timeline)
    for lane in axes:
        lane.set_xlim(0, music.duration_s)
        for at_s, text in timeline.markers:
            event = is_event(text)
            lane.axvline(at_s, color=EVENT_COLOUR if event else "0.35", linewidth=1.4 if event else 0.8,
                         linestyle="-" if event else "--")
    stacked: dict[float, int] = {}
    for at_s, text in timeline.markers:  # marks at one time stack upwards, each readable
        height = stacked[round(at_s, 2)] = stacked.get(round(at_s, 2), -1) + 1
        axes[0].annotate(text, (at_s, 1.0), xycoords=("data", "axes fraction"), xytext=(2, 2 + 10 * height),
                         textcoords="offset points", fontsize=8, va="bottom", clip_on=False,
                         color=EVENT_COLOUR if is_event(text) else "black")
    axes[-1].set_xlabel("time (s)")
    return figure


def _piano_roll(lane: Axes, part: Part, colour: str) -> None:
    """Each note as a bar from its start to its end at its pitch, more opaque the harder it is played."""
    boxes = [[(n.start_s, n.pitch - 0.4), (n.end_s, n.pitch - 0.4), (n.end_s, n.pitch + 0.4), (n.start_s, n.pitch + 0.4)]
             for n in part.notes]
    fills = [to_rgba(colour, QUIET_ALPHA + (1 - QUIET_ALPHA) * n.velocity / 127) for n in part.notes]
    lane.add_collection(PolyCollection(boxes, facecolors=fills, edgecolors="none"))
    low, high = min(n.pitch for n in part.notes), max(n.pitch for n in part.notes)
    lane.set_ylim(low - 1.5, high + 1.5)
    marked = [] if part.drum else [p for p in range(low, high + 1) if p % 12 == 0] or [low]
    names = quiet_import("pretty_midi").note_number_to_name
    lane.set_yticks(marked, [str(names(p)) for p in marked], fontsize=7)
    lane.grid(axis="y", color="0.9", linewidth=0.5)


def _energy(lane: Axes, music: Music, timeline: Timeline) -> None:
    """The evaluator's energy per bar as steps over the bars' times."""
    energy = energy_per_bar(music)
    starts_q = bar_starts(music, music.end_q)
    if energy:
        bar_q = starts_q[-1] - starts_q[-2] if len(starts_q) > 1 else music.end_q - starts_q[-1]
        edges_s = [timeline.seconds(q) for q in [*starts_q, starts_q[-1] + bar_q]]
        lane.stairs(energy, edges_s, fill=True, color="0.55", alpha=0.6)
        lane.set_ylim(0, max(energy) * 1.1 or 1)
    lane.set_ylabel(ENERGY_LABEL, rotation=0, ha="right", va="center")


def figure_for_midi(data: bytes, title: str) -> Figure:
    """The picture of MIDI bytes (see :func:`draw`); ComposerError if they are not MIDI."""
    music = read_music(data, title)
    return draw(music, read_timeline(data), title)


def png_bytes(data: bytes, title: str) -> bytes:
    """The picture of MIDI bytes as a PNG file's bytes.

    >>> from composer import compose
    >>> png_bytes(compose("calm piano, 8 seconds", seed=1).midi_bytes, "calm")[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    figure_for_midi(data, title).savefig(buffer, format="png")
    return buffer.getvalue()


def plot_midi(midi_file: Path, out_file: Path | None = None) -> Path:
    """Draw ``midi_file`` to ``out_file`` (default: beside it as .png), atomically; returns the path."""
    if not midi_file.is_file():
        raise ComposerError(f"MIDI file {midi_file} does not exist", "check the path")
    target = out_file or midi_file.with_suffix(".png")
    if target.suffix.lower() != ".png":
        raise ComposerError(f"cannot write a picture as {target.name}", "give a .png file, e.g. --out piece.png")
    picture = png_bytes(midi_file.read_bytes(), midi_file.name)  # a MIDI file that cannot be drawn makes no folder
    with output_folder(target.parent):
        write_bytes(target, picture)
    return target
