"""What the plan decides: its timing, sections and roles, and the Plan itself.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import KW_ONLY, dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from composer.base.exact import Fraction
from composer.base.general_midi import program_name
from composer.composition.brief import DROP_LABEL
from composer.composition.styles import Groove

if TYPE_CHECKING:
    from music21 import key as m21key


@dataclass(frozen=True)
class Section:
    """A span of the form, in quarter notes from the start, with its mean energy (0..1)."""

    name: str
    start_q: Fraction
    length_q: Fraction
    energy: float

    @property
    def end_q(self) -> Fraction:
        return self.start_q + self.length_q


@dataclass(frozen=True)
class Scene:
    """A stretch of a long piece with its own texture: the roles that rest from ``start_q`` to
    ``end_q`` (quarter notes), the change's name ("full": all play) and the role it features
    (a second voice taking the tune or entering with a counter-melody)."""

    change: str
    start_q: Fraction
    end_q: Fraction
    resting: tuple[str, ...] = ()
    features: str = ""


@dataclass(frozen=True)
class Role:
    """One part of the arrangement: what it does and which General MIDI program plays it."""

    role: str
    program: int
    channel: int
    #: The brief named this instrument: it is heard even in a cue whose energy never reaches
    #: the entry of its layer (an ostinato, a counter-line).
    asked: bool = False

    @property
    def name(self) -> str:
        return "Drums" if self.role == "drums" else program_name(self.program)


@dataclass(frozen=True)
class PlacedEvent:
    """A brief's event where the music puts it: its span in quarter notes (a moment's end is
    its start; a build's span is its rise, ending on its moment), with what the brief asked.

    >>> PlacedEvent("build", Fraction(30), Fraction(0), Fraction(32), Fraction(64)).moment_q
    Fraction(64, 1)
    """

    kind: str
    asked_s: Fraction
    asked_length_s: Fraction
    at_q: Fraction
    end_q: Fraction
    keep: tuple[str, ...] = ()
    mode: str = ""
    label: str = ""
    source: str = "brief"
    #: The named instruments an ``enter`` brings in (General MIDI programs), besides its roles.
    programs: tuple[int, ...] = ()

    @property
    def moment_q(self) -> Fraction:
        """Where the asked time lands: a build's arrival, any other event's start."""
        return self.end_q if self.kind == "build" else self.at_q

    @property
    def is_drop(self) -> bool:
        """Whether this is a dance track's drop: the hit the band clears the way for.

        >>> PlacedEvent("hit", Fraction(15), Fraction(0), Fraction(32), Fraction(32), label=DROP_LABEL).is_drop
        True
        """
        return self.kind == "hit" and self.label == DROP_LABEL


@dataclass(frozen=True)
class Timing:
    """When the music happens: tempo, meter, whole bars after a pickup, and the release after
    them, fitted so that the piece ends exactly at the asked second."""

    tempo_bpm: Fraction
    meter: tuple[int, int]
    bars: int
    pickup_q: Fraction
    tail_s: Fraction
    _: KW_ONLY
    #: Where the tempo changes after the start: (quarter notes, BPM), in order; each change
    #: falls on a downbeat so that the music reaches a cue's moment exactly.
    tempo_changes: tuple[tuple[Fraction, Fraction], ...] = ()
    #: Where the meter changes: (bar from 0, meter) from that bar on, in order; a bar of 2/4 or
    #: 5/4 among 4/4 lands a cue's moment on a downbeat where whole bars cannot.
    meter_changes: tuple[tuple[int, tuple[int, int]], ...] = ()

    @cached_property
    def bar_q(self) -> Fraction:
        """Quarter notes per bar of the piece's meter: 4 in 4/4, 3 in 3/4, 3 in 6/8 (a bar of
        changed meter has its own ``bar_length_q``; kept once worked out: the melody's drafts ask
        it a hundred thousand times)."""
        return Fraction(4 * self.meter[0], self.meter[1])

    @property
    def music_q(self) -> Fraction:
        """Length of the written music in quarter notes (pickup plus whole bars)."""
        return self.bar_start_q(self.bars) if self.meter_changes else self.pickup_q + self.bars * self.bar_q

    def bar_length_q(self, bar: int) -> Fraction:
        """Quarter notes in bar ``bar``: the meter's, or its changed meter's.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        meter_changes=((2, (2, 4)), (3, (4, 4)))).bar_length_q(2)
        Fraction(2, 1)
        """
        if not self.meter_changes:
            return self.bar_q
        firsts, _, lengths = self._meter_runs
        return lengths[max(0, bisect.bisect_right(firsts, bar) - 1)]

    def meter_map(self) -> list[tuple[Fraction, int, int]]:
        """Every meter with where it starts: (quarter notes, numerator, denominator), the first
        at the pickup's end.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        meter_changes=((2, (2, 4)), (3, (4, 4)))).meter_map()
        [(Fraction(0, 1), 4, 4), (Fraction(8, 1), 2, 4), (Fraction(10, 1), 4, 4)]
        """
        opening = [] if self.meter_changes and self.meter_changes[0][0] == 0 else [(0, self.meter)]
        return [(self.bar_start_q(bar), *meter) for bar, meter in [*opening, *self.meter_changes]]

    @cached_property
    def _meter_runs(self) -> tuple[list[int], list[Fraction], list[Fraction]]:
        """(first bar, its start in quarter notes, quarter notes per bar) of each run of bars in
        one meter, as three lists to bisect."""
        firsts, starts, lengths = [0], [self.pickup_q], [self.bar_q]
        for first, (numerator, denominator) in self.meter_changes:
            starts.append(starts[-1] + (first - firsts[-1]) * lengths[-1])
            firsts.append(first)
            lengths.append(Fraction(4 * numerator, denominator))
        return firsts, starts, lengths

    def bar_start_q(self, bar: int) -> Fraction:
        """Where bar ``bar`` (from 0) starts, in quarter notes, each bar before it its own length.

        >>> timing = Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...                 meter_changes=((2, (2, 4)), (3, (4, 4))))
        >>> timing.bar_start_q(2), timing.bar_start_q(3), timing.bar_start_q(5)
        (Fraction(8, 1), Fraction(10, 1), Fraction(18, 1))
        """
        if not self.meter_changes:
            return self.pickup_q + bar * self.bar_q
        firsts, starts, lengths = self._meter_runs
        run = max(0, bisect.bisect_right(firsts, bar) - 1)
        return starts[run] + (bar - firsts[run]) * lengths[run]

    def bar_at(self, quarters: Fraction) -> int:
        """The bar (from 0) that ``quarters`` falls in.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1)).bar_at(Fraction(9))
        2
        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        meter_changes=((2, (2, 4)), (3, (4, 4)))).bar_at(Fraction(11))
        3
        """
        if not self.meter_changes:
            return math.floor((quarters - self.pickup_q) / self.bar_q)
        firsts, starts, lengths = self._meter_runs
        run = max(0, bisect.bisect_right(starts, quarters) - 1)
        return firsts[run] + math.floor((quarters - starts[run]) / lengths[run])

    def in_bar_q(self, quarters: Fraction) -> Fraction:
        """How far into its bar ``quarters`` falls, in quarter notes (0 on a downbeat).

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        meter_changes=((2, (2, 4)), (3, (4, 4)))).in_bar_q(Fraction(11))
        Fraction(1, 1)
        """
        if not self.meter_changes:
            return (quarters - self.pickup_q) % self.bar_q
        return quarters - self.bar_start_q(self.bar_at(quarters))

    def bars_to_q(self, start_q: Fraction, bars: Fraction) -> Fraction:
        """Quarter notes that ``bars`` bars (a part of a bar as that share of its own length)
        take from ``start_q``.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        meter_changes=((2, (2, 4)), (3, (4, 4)))).bars_to_q(Fraction(4), Fraction(3, 2))
        Fraction(5, 1)
        """
        if not self.meter_changes:
            return bars * self.bar_q
        return self._at_position(self._position(start_q) + bars) - start_q

    def bar_count(self, start_q: Fraction, end_q: Fraction) -> int:
        """Whole bars from ``start_q`` to ``end_q`` (a section's), each bar its own length."""
        if not self.meter_changes:
            return int((end_q - start_q) / self.bar_q)
        return int(self._position(end_q) - self._position(start_q))

    def _position(self, quarters: Fraction) -> Fraction:
        bar = self.bar_at(quarters)
        return bar + (quarters - self.bar_start_q(bar)) / self.bar_length_q(bar)

    def _at_position(self, position: Fraction) -> Fraction:
        bar = math.floor(position)
        return self.bar_start_q(bar) + (position - bar) * self.bar_length_q(bar)

    @property
    def end_q(self) -> Fraction:
        """The requested end, in quarter notes at the plan's tempo (music plus release)."""
        return self.music_q + self.tail_s * self.end_tempo_bpm / 60

    @property
    def end_tempo_bpm(self) -> Fraction:
        """The tempo the piece ends in (its release rings at it)."""
        return self.tempo_changes[-1][1] if self.tempo_changes else self.tempo_bpm

    def tempo_map(self) -> tuple[tuple[Fraction, Fraction], ...]:
        """Every tempo with where it starts: (quarter notes, BPM), the first at 0.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...        tempo_changes=((Fraction(16), Fraction(60)),)).tempo_map()[1]
        (Fraction(16, 1), Fraction(60, 1))
        """
        return ((Fraction(0), self.tempo_bpm), *self.tempo_changes)

    def tempo_runs(self) -> list[tuple[Fraction, Fraction, Fraction, Fraction]]:
        """The tempo map as a listener hears it: (first quarter, last quarter, BPM before, BPM
        after) per change, a ramp's tempo a beat (or an eighth) in one direction as one run (a
        step's first and last quarter are one); a change under a hundredth of a BPM (a span's
        last beat absorbing the rounding to whole microseconds) is not heard as one.

        >>> Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1), tempo_changes=(
        ...     (Fraction(4), Fraction(118)), (Fraction(5), Fraction(116)), (Fraction(8), Fraction(115999, 1000)),
        ...     (Fraction(12), Fraction(120)))).tempo_runs()[1:]
        [(Fraction(4, 1), Fraction(5, 1), Fraction(120, 1), Fraction(116, 1)), (Fraction(12, 1), Fraction(12, 1), Fraction(116, 1), Fraction(120, 1))]
        """
        beat_q = Fraction(4, self.meter[1])
        runs = [(Fraction(0), Fraction(0), self.tempo_bpm, self.tempo_bpm)]
        for at_q, bpm in self.tempo_changes:
            first_q, last_q, before, heard = runs[-1]
            if abs(bpm - heard) < Fraction(1, 100):
                continue
            if len(runs) > 1 and at_q - last_q <= beat_q and (bpm - heard) * (heard - before) > 0:
                runs[-1] = (first_q, at_q, before, bpm)
            else:
                runs.append((at_q, at_q, heard, bpm))
        return runs

    @cached_property
    def _tempo_starts(self) -> tuple[list[Fraction], list[Fraction]]:
        """Where each tempo of the map starts, in quarter notes and in exact seconds: a ramp's
        hundreds of per-beat tempos are then looked up by bisection, not walked."""
        starts_q, starts_s = [], []
        total, previous_q, previous_bpm = Fraction(0), Fraction(0), self.tempo_bpm
        for start_q, bpm in self.tempo_map():
            total += (start_q - previous_q) * 60 / previous_bpm
            starts_q.append(start_q)
            starts_s.append(total)
            previous_q, previous_bpm = start_q, bpm
        return starts_q, starts_s

    def exact_seconds(self, quarters: Fraction) -> Fraction:
        """Seconds from the start at ``quarters`` quarter notes, exactly, through the tempo map.

        >>> timing = Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...                 tempo_changes=((Fraction(16), Fraction(60)),))
        >>> timing.exact_seconds(Fraction(16)), timing.exact_seconds(Fraction(20))
        (Fraction(8, 1), Fraction(12, 1))
        """
        if not self.tempo_changes:
            return quarters * 60 / self.tempo_bpm
        starts_q, starts_s = self._tempo_starts
        index = max(0, bisect.bisect_right(starts_q, quarters) - 1)
        return starts_s[index] + (quarters - starts_q[index]) * 60 / self.tempo_map()[index][1]

    def seconds(self, quarters: Fraction) -> float:
        """Seconds from the start at ``quarters`` quarter notes."""
        if not self.tempo_changes:
            return float(quarters * 60 / self.tempo_bpm)
        return float(self.exact_seconds(quarters))

    def quarters_at(self, seconds: Fraction) -> Fraction:
        """Quarter notes from the start at ``seconds`` (the inverse of ``exact_seconds``).

        >>> timing = Timing(Fraction(120), (4, 4), 8, Fraction(0), Fraction(1),
        ...                 tempo_changes=((Fraction(16), Fraction(60)),))
        >>> timing.quarters_at(Fraction(12))
        Fraction(20, 1)
        """
        starts_q, starts_s = self._tempo_starts
        index = max(0, bisect.bisect_right(starts_s, seconds) - 1)
        return starts_q[index] + (seconds - starts_s[index]) * self.tempo_map()[index][1] / 60


@dataclass(frozen=True)
class Plan(Timing):
    """Every decision the later stages need, and nothing they decide themselves: no stage
    after the plan reads the Brief or the presets."""

    kind: str
    duration_s: float
    #: The use-case preset the brief chose (presets.toml), for the report; its values are below.
    preset: str
    #: The mood: valence (dark −1 … bright 1) and arousal (calm −1 … energetic 1).
    valence: float
    arousal: float
    tempo_range: tuple[int, int]
    tonic: str
    mode: str
    sections: tuple[Section, ...]
    bar_energy: tuple[float, ...]
    roles: tuple[Role, ...]
    ending: str
    loudness_lufs: float
    #: The space it plays in (a name in rooms.toml).
    room: str
    #: The family of four-chord loops harmony leans on (harmony.toml [idioms]), and how often.
    idiom: str
    idiom_share: float
    #: The motif's character (harmony.toml [motif_flavours]); "" for the plain one.
    motif_flavour: str
    #: The share of each beat the first of two eighths takes: 1/2 plays straight.
    swing: Fraction
    #: The style it plays (a name in styles.toml) and that style's drum groove (None: no kit).
    style: str
    groove: Groove | None
    #: How the style's bass and chord player play and which chords it speaks in (styles.py
    #: BASS_PATTERNS, COMPING_PATTERNS, HARMONY_VOCABULARIES).
    bass_pattern: str = "held"
    comping: str = "sustain"
    harmony_vocabulary: str = "triads"
    #: First bar of a lift (the key up a step to the end) and its tonic; None and "" for none.
    lift_bar: int | None = None
    lift_tonic: str = ""
    #: Bars left to the speaking voice over an underscore (every other phrase): no melody there.
    voice_bars: frozenset[int] = frozenset()
    #: What the plan could not do as the brief asked (an instrument with no part free), for the report.
    notes: tuple[str, ...] = ()
    #: The brief's events where the music puts them, in time order.
    events: tuple[PlacedEvent, ...] = ()
    #: Where a turn changes the key: (quarter notes, tonic, mode), in order.
    key_changes: tuple[tuple[Fraction, str, str], ...] = ()
    #: A long piece's scenes, in order (none in a short one).
    scenes: tuple[Scene, ...] = ()
    #: Per bar, the energy before the scenes moved it (arrange.parts layer_energy_at: a scene
    #: that adds a voice holds the level back, not its layers); empty: ``bar_energy``.
    layer_energy: tuple[float, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.tonic} {self.mode}"

    def section_at(self, quarters: Fraction) -> Section:
        """The section playing at ``quarters``."""
        return self.sections[self.section_index(quarters)]

    @cached_property
    def _section_starts_q(self) -> list[Fraction]:
        """Where each section starts, kept for :meth:`section_index` (asked once a note)."""
        return [s.start_q for s in self.sections]

    @cached_property
    def _scene_starts_q(self) -> list[Fraction]:
        return [s.start_q for s in self.scenes]

    def section_index(self, quarters: Fraction) -> int:
        """The index of the section playing at ``quarters``."""
        return max(0, bisect.bisect_right(self._section_starts_q, quarters) - 1)

    def scene_index(self, quarters: Fraction) -> int:
        """The index of the scene playing at ``quarters`` (0 in a piece without scenes)."""
        return max(0, bisect.bisect_right(self._scene_starts_q, quarters) - 1)

    def key_at(self, quarters: Fraction) -> tuple[str, str]:
        """(tonic, mode) in force at ``quarters``: the home key, or the lifted key after a lift."""
        if self.lift_bar is not None and quarters >= self.bar_start_q(self.lift_bar):
            return self.lift_tonic, self.mode
        changes = [(tonic, mode) for start_q, tonic, mode in self.key_changes if start_q <= quarters]
        return changes[-1] if changes else (self.tonic, self.mode)

    @property
    def lift_q(self) -> Fraction | None:
        """Where the lift starts, in quarter notes, or None."""
        return None if self.lift_bar is None else self.bar_start_q(self.lift_bar)

    def lift_summary(self) -> dict[str, Any] | None:
        """The lift as JSON data (first bar counted from 1, start in seconds, new key), or None."""
        if self.lift_bar is None or self.lift_q is None:
            return None
        return {"bar": self.lift_bar + 1, "start_s": round(self.seconds(self.lift_q), 3),
                "key": f"{self.lift_tonic} {self.mode}"}

    def energy_curve(self) -> list[tuple[float, float]]:
        """The energy curve as [seconds, level] points, one per bar start."""
        return [(round(self.seconds(self.bar_start_q(b)), 3), e) for b, e in enumerate(self.bar_energy)]


@cache
def music21_key(tonic: str, mode: str) -> m21key.Key:
    """The music21 Key of a tonic as composer writes it ("Bb") and a mode.

    >>> music21_key("Bb", "minor").sharps
    -5
    """
    from music21 import key as m21key  # a quarter second to import: a plan needs it only to move its key

    return m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)


def transposed_tonic(tonic: str, mode: str, interval: str, to_mode: str = "") -> str:
    """The tonic ``interval`` (music21's name: "M2", "-m3") from ``tonic``, spelled as composer
    writes it so that its key in ``to_mode`` (else ``mode``) has at most six sharps or flats.

    >>> transposed_tonic("A", "major", "M2"), transposed_tonic("E", "minor", "m3", "major"), transposed_tonic("B", "major", "M2")
    ('B', 'G', 'Db')
    """
    moved = music21_key(tonic, mode).tonic.transpose(interval)
    if abs(music21_key(moved.name.replace("-", "b"), to_mode or mode).sharps) > 6:
        moved = moved.getEnharmonic() or moved
    return moved.name.replace("-", "b")
