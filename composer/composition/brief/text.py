"""A plain-language brief read into a ``Brief``: the figures first (times, tempo, meter, key,
length), then the words through the lexicon, then each field from what they mean."""

from __future__ import annotations

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.checks import check_duration
from composer.composition.brief.data import presets
from composer.composition.brief.duration import find_duration
from composer.composition.brief.events import WrittenEvent, find_events, resolve, stray_times
from composer.composition.brief.ensemble import (accompanies, alone, colours, ensemble, exclusions, family_notes, featured,
                                                 groove, instruments, joins, kit, named_roles, names_drums, plain,
                                                 part_count)
from composer.composition.brief.key import find_key
from composer.composition.brief.kind import asks_loop, cue_kind, lively_kind, preset_name
from composer.composition.brief.meter import find_meter, meter_word
from composer.composition.brief.model import DEFAULT_DURATION_S, DROP_LABEL, Brief, CueEvent, ShapeEvent
from composer.composition.brief.mood import contradiction, mood, mood_words
from composer.composition.brief.reader import Reader
from composer.composition.brief.shape import ending, find_shape
from composer.composition.brief.style import find_style
from composer.composition.brief.tempo import find_tempo
from composer.composition.brief.times import clock_text, find_cue_times, find_windows
from composer.composition.brief.words import read_words
from composer.composition.styles import styles


def parse_text(text: str, fps: Fraction | None = None) -> Brief:
    """Read a plain-language brief; a timecode's frames are counted at ``fps`` (else the rate
    the brief names, else 25).

    The extractors take their phrases in a fixed order (events, spans and moments, tempo, meter, key,
    style, length, then words), so a phrase one has read is not read again by the next (the
    style takes only an era, "80s synthwave", which the length would misread; its other words
    the lexicon reads too, and they leave the ignored ones).

    >>> b = parse_text("bright, forward-moving background music for a 90-second product video, "
    ...                "no vocals, builds slightly in the final 20 seconds")
    >>> (b.kind, b.preset, b.duration_s, b.shape[0].verb, b.shape[0].from_end_s)
    ('thematic', 'product', 90.0, 'build', 20.0)
    >>> b = parse_text("tense suspense cue for a 90-second crime documentary scene, builds to a hit at 1:15")
    >>> b.kind, [(e.kind, float(e.at_s)) for e in b.events], b.shape
    ('underscore', [('build', 75.0), ('hit', 75.0)], ())
    """
    if not text or not text.strip():
        raise ComposerError("the brief is empty", 'describe the music, e.g. "calm piano for a 60-second interview"')
    reader = Reader(text)
    written_events = find_events(reader, fps)
    windows = find_windows(reader)
    cue_times = find_cue_times(reader)
    tempo = find_tempo(reader)
    meter = find_meter(reader)
    key = find_key(reader)
    named_style = find_style(reader)
    duration = find_duration(reader)
    strays = stray_times(reader)
    words = read_words(reader)
    meanings = words.meanings
    preset = presets()[preset_name(meanings)]
    loop = asks_loop(meanings)
    # kind follows length: the length asked, else the latest moment the events name
    latest = max((float(w.event.end_s) for w in written_events if not w.from_end), default=None)
    moods = mood_words(meanings)
    valence, arousal = mood(preset.mood, moods)
    kind = lively_kind(cue_kind(meanings, preset, loop, duration if duration is not None else latest), meanings,
                       preset, arousal, named_style.name, moods)
    notes = [*reader.notes, *family_notes(meanings), *contradiction(moods), *named_style.notes]
    if duration is None:
        article = "an" if kind[0] in "aeiou" else "a"
        notes.append(f"no length given: {DEFAULT_DURATION_S[kind]:g} s, the default for {article} {kind}")
    duration_s = check_duration(DEFAULT_DURATION_S[kind] if duration is None else duration)
    written_events, drops = _dropped(written_events, named_style.name)
    if named_style.name is not None:  # a named style's "drop" may have meant its beat landing
        notes += [f"drop at {clock_text(shape.start_s)}: {named_style.name} has no beat drop, so the music falls "
                  f"quieter from there; ask for a hit at {clock_text(shape.start_s)} to land the full music there"
                  for shape in drops if shape.start_s is not None]
    events = resolve(written_events, duration_s)
    return Brief(
        text=text.strip(),
        kind=kind,
        preset=preset.name,
        duration_s=duration_s,
        valence=valence,
        arousal=arousal,
        tempo_bpm=tempo,
        key=key,
        meter=meter or meter_word(meanings),
        instruments=instruments(meanings),
        exclude=exclusions(meanings),
        loop=loop,
        shape=(*find_shape(meanings, windows, cue_times), *drops),
        ending=ending(meanings, loop) or ("button" if any(e.kind == "button" for e in events) else None),
        notes=tuple(dict.fromkeys(notes)),
        ignored_words=(*named_style.unused(words.ignored), *strays),
        mood_words=tuple(w.word for w in moods),
        duration_given=duration is not None,
        colours=colours(meanings),
        alone=alone(meanings) and not (joins(meanings) and accompanies(meanings, named_style.band)),
        featured=featured(meanings),
        plain=plain(meanings),
        ensemble=ensemble(meanings),
        part_count=part_count(meanings),
        kit=kit(meanings),
        groove=groove(meanings),
        names_drums=names_drums(meanings),
        named_roles=named_roles(meanings),
        style=named_style.name,
        style_words=named_style.words,
        events=events,
    )


def _dropped(written: list[WrittenEvent], style: str | None) -> tuple[list[WrittenEvent], tuple[ShapeEvent, ...]]:
    """The events with each "drop at 0:15" made what it means in the named style: in one with a
    drop (EDM, trap), a build into a hit there, the full beat landing; in any other the music
    falling quieter from there (a shape), as "drops at 0:50" under a voiceover does.

    >>> events, shape = _dropped([WrittenEvent(CueEvent("drop", Fraction(15)))], "edm")
    >>> [(w.event.kind, float(w.event.at_s), w.event.label) for w in events], shape
    ([('build', 15.0, 'the drop'), ('hit', 15.0, 'the drop')], ())
    >>> _dropped([WrittenEvent(CueEvent("drop", Fraction(50)))], None)[1]
    (ShapeEvent(verb='drop', amount=1.0, start_s=50.0, end_s=None, from_end_s=None, onward=False),)
    """
    dance = style is not None and styles()[style].drops
    kept: list[WrittenEvent] = []
    quieter: list[ShapeEvent] = []
    for written_event in written:
        event = written_event.event
        if event.kind != "drop":
            kept.append(written_event)
        elif dance:
            kept += [WrittenEvent(CueEvent(kind, event.at_s, label=DROP_LABEL)) for kind in ("build", "hit")]
        else:
            quieter.append(ShapeEvent("drop", start_s=float(event.at_s)))
    return kept, tuple(quieter)
