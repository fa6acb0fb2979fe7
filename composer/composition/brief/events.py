"""What the picture asks of the music at given times, read from a brief's words: hits ("a hit at
1:15", "hits at 0:08, 0:16.5 and 0:31"), stops ("music stops at 0:20 for two seconds"),
drop-outs ("drop to just the pad from 0:45 to 1:05"), builds ("builds to a hit at 1:15"),
swells, turns ("turns hopeful at 1:30", "key change to major at 1:30"), fades ("fades in over
the first 10 seconds", "fades out over the last 6 seconds"), buttons ("ends on a button at
0:30") and tempo changes ("tempo change to 140 at 1:00").

The extractor runs before every other one, so the times and words an event uses are read once,
as the event's, and never as a length, a tempo, a cue kind ("hit") or an energy-shape change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import NamedTuple

from composer.base.errors import ComposerError
from composer.base.exact import Fraction
from composer.composition.brief.checks import check_tempo
from composer.composition.brief.data import PART_ROLES, ensembles, lexicon
from composer.composition.brief.model import CueEvent, events_in_order
from composer.composition.brief.reader import CLOCK, MINUTES, NUMBER, SECONDS, Reader, figure, number_words
from composer.composition.brief.times import (DEFAULT_FPS, MARKED, MOMENT, MOMENTS, TIMECODE, fps_from, moments,
                                              parse_time)

#: How long a stop lasts when the brief names no length.
DEFAULT_STOP_S = Fraction(2)
#: The least music worth resuming after such a stop: with less left, and nothing asked after
#: it, the stop is the end ("stop at 0:25" of a 30-second cue does not play on for 3 s).
MIN_RESUME_S = Fraction(10)
#: Words naming a tutti accent.
HIT_WORDS = ("hit", "hits", "accent", "accents", "stab", "stabs", "impact", "impacts", "boom", "booms", "slam",
             "slams", "sting", "stings")
#: The words a drop-out's kept layers are named by beside the roles themselves.
_ROLE_WORDS = {"pads": "pad", "drum": "drums", "drums": "drums", "percussion": "drums", "beat": "drums",
               "beats": "drums", "tune": "melody", "lead": "melody", "theme": "melody", "strings": "pad",
               "synth": "pad", "synths": "pad", "keys": "pad"}
#: Words that join the kept layers ("the pad and piano").
_JOINERS = ("just", "only", "the", "a", "an", "and", "plus", "with", "&")

_AT = r"(?:at|on|around|by)\s+(?:(?:about|exactly|precisely|right)\s+)?"
#: Where an event happens: after a preposition, or a moment that says so itself ("75 seconds in").
_PLACE = rf"(?:{_AT}|(?=(?:{MARKED})))(?P<times>{MOMENTS})"
#: Where a change begins: as _PLACE, or "from 1:30", "after 1:30" ("sad, then hopeful from 1:30").
_FROM_PLACE = rf"(?:{_AT}|(?:from|after|starting\s+at)\s+|(?=(?:{MARKED})))(?P<times>{MOMENTS})"
_SPAN = rf"(?:from|between)\s+(?P<start>{MOMENT})\s*(?:to|until|till|into|and|-)\s*(?P<end>{MOMENT})"
_ADJECTIVES = r"(?:(?:big|huge|loud|hard|sharp|strong|massive|single|short|clean|final|dramatic|orchestral|title|logo|the)\s+)*"
_HIT = "|".join(HIT_WORDS)


def _length(name: str) -> str:
    """A length as written ("2 s", "two seconds", "half a second"), in the group ``name``."""
    return (rf"(?P<{name}>{NUMBER}\s*-?\s*(?:{SECONDS}|{MINUTES})"
            rf"|(?:half\s+an?|an?|[a-z]+(?:-[a-z]+)?(?:\s+and\s+a\s+half)?)\s+(?:seconds?|secs?|minutes?|mins?)\b)")


_STRAY = re.compile(rf"{TIMECODE}|{CLOCK}(?:\.\d+)?")
_NO_TIME = re.compile(r"\b(?:at|from|to|until|till)\s+(\d{1,2}(?::\d{2,3}){1,3}(?:\.\d+)?)(?![\w:])")
_FPS = re.compile(r"\b(?:at\s+)?(\d+(?:\.\d+)?)\s*(?:fps|frames\s+(?:per|a)\s+second)\b")
_TEMPO = re.compile(
    rf"\b(?:(?:a\s+)?(?:tempo|bpm|pace)\s+(?:changes?|changing|shifts?|goes|moves|jumps|drops|rises)?\s*"
    rf"|(?:changes?|shifts?|switches|jumps|goes)\s+(?=to\s+{NUMBER}\s*bpm))"
    rf"(?:up\s+|down\s+)?to\s+(?P<bpm>{NUMBER})(?:\s*bpm)?\s+{_PLACE}")
_BUILD_SPAN = re.compile(
    rf"\b(?:builds?|building|rises?|rising|grows?|growing|climbs?|climbing|ramps?(?:\s+up)?|(?:a\s+)?(?:build|rise))"
    rf"(?:\s+up)?\s+{_SPAN}")
_BUILD_INTO = re.compile(
    rf"\b(?:builds?|building|rises?|rising|grows?|growing|climbs?|climbing|ramps?(?:\s+up)?|swells?|crescendos?"
    rf"|(?:an?\s+)?(?:build|rise|riser|crescendo))(?:\s+up)?\s+(?:to|into|towards?)\s+"
    rf"(?P<target>(?:[a-z'-]+\s+){{0,4}}?){_PLACE}")
#: What a drop-out leaves room for ("leave space for the voiceover from 0:50 to 1:10").
_SPEECH = r"voice-?overs?|vo|narration|narrator|dialogue|speaker|presenter|interview|host|speech|talking"
_DIP = re.compile(
    rf"\b(?:drops?|dips?|thins?|pulls?|strips?|(?:gets?|goes|turns?)\s+quiet(?:er)?|(?:an?\s+)?drop-?outs?"
    rf"|quiet(?:er|ens?)?|soft(?:er|ens?)?|(?:leaves?|leaving|makes?|making)\s+(?:room|space)"
    rf"(?:\s+for\s+(?:the\s+)?(?:{_SPEECH}))?)"
    rf"(?:\s+(?:out|down|back))?(?:\s+(?:to|into)\s+(?P<keep>[a-z0-9 ,&'()-]+?))?"
    rf"(?:\s+(?:under|beneath|below|behind)\s+(?P<under>(?:[a-z'-]+\s+){{0,3}}?[a-z'-]+))?\s+"
    rf"(?:{_SPAN}|(?P<bare>(?P<bare_start>{MOMENT})\s*(?:-|–|to|until|till)\s*(?P<bare_end>{MOMENT})))")
#: "strings come in at 0:30", "the drums kick in at 0:15", "bring in the piano at 0:40": layers entering.
_ENTER = re.compile(
    rf"\b(?:(?P<layers>[a-z][a-z ,&'-]*?)\s+(?:(?:come|comes|coming|kick|kicks|kicking|drop|drops)\s+in"
    rf"|join|joins|enter|enters)|(?:bring|brings|bringing|add|adds|adding)\s+(?:in\s+)?(?P<brought>[a-z][a-z ,&'-]*?)"
    rf"(?:\s+in)?)"
    rf"\s+{_PLACE}")
_STOP = re.compile(
    rf"\b(?:(?:the\s+)?music\s+)?(?:(?:should|will|must)\s+)?(?:stops?|cuts?\s+out|breaks?|pauses?|silence"
    rf"|goes\s+silent)\s+(?:(?:dead|completely|suddenly)\s+)?(?:for\s+{_length('before')}\s+)?{_PLACE}"
    rf"(?:\s*,?\s*for\s+{_length('after')}|\s*,?\s*(?:and|then)\s+(?:comes?\s+back(?:\s+in)?|resumes?|returns?"
    rf"|kicks?\s+back\s+in|starts?\s+again)\s+{_AT}(?P<resume>{MOMENT}))?")
_SIZED_STOP = re.compile(
    rf"\b(?:an?\s+)?(?P<number>{NUMBER}|[a-z]+)[\s-]*(?:seconds?|secs?|s)\s+(?:stop|break|pause|silence|gap)s?\s+{_PLACE}")
_SWELL = re.compile(
    rf"\b(?:an?\s+)?(?:swells?|swelling|crescendos?)\s+(?:up\s+)?(?:{_SPAN}|{_PLACE}(?:\s+(?:for|over)\s+{_length('len')})?)")
_KEY_CHANGE = re.compile(
    rf"\b(?:(?:a|the)\s+)?(?:key\s+change|modulation|modulates?|modulating|shifts?|changes?|turns?)\s+(?:up\s+)?"
    rf"(?:to|into)\s+(?:the\s+|a\s+)?(?:relative\s+|parallel\s+)?(?P<mode>major|minor)(?:\s+key)?\s+{_PLACE}")
#: "key change at 1:20", "modulates up at 1:20", "a lift at 1:20": the key up a step (a turn to mode "up").
_KEY_LIFT = re.compile(
    rf"\b(?:(?:a|the)\s+)?(?:key\s+(?:change|lift|shift)|modulation|modulates?|modulating|(?:truck[\s-]driver\s+)?lift)"
    rf"(?:\s+up)?(?:\s+(?:a|one)\s+(?:whole\s+)?(?:step|tone))?\s+{_PLACE}")
_TURN = re.compile(
    rf"\b(?:turns?|becomes?|(?:shifts?|changes?|moves?)\s+to|then|turning|becoming|getting)\s+(?:more\s+)?"
    rf"(?P<mood>[a-z-]+)\s+{_FROM_PLACE}"
    rf"(?P<tail>\s*,?\s*(?:with|and|into)\s+(?:a\s+|the\s+)?(?:key\s+change|modulation|change|shift)\s+(?:up\s+)?"
    rf"(?:to|into)\s+(?:the\s+|a\s+)?(?:relative\s+|parallel\s+)?(?P<mode>major|minor)(?:\s+key)?)?")
_BUTTON = re.compile(
    rf"\b(?:(?:ends?|finish(?:es)?|closes?|stops?)\s+(?:(?:exactly|right|cleanly)\s+)?on\s+)?(?:(?:a|an|the)\s+)?"
    rf"{_ADJECTIVES}(?:button|hard\s+ending|sting\s+ending)\s+{_PLACE}")
_ENDS_ON_HIT = re.compile(rf"\b(?:ends?|finish(?:es)?|closes?)\s+(?:(?:exactly|right|cleanly)\s+)?on\s+"
                          rf"(?:(?:a|an|the)\s+)?{_ADJECTIVES}(?:{_HIT})\s+{_PLACE}")
#: What may stand between a hit and its time: "on the downbeat", "on the cut to black", "when
#: the door slams".
_WHEN = r"(?:(?:right\s+)?(?:on|when|as|where|with)\s+(?:[a-z']+\s+){1,4}?)?"
_HIT_AT = re.compile(rf"\b(?:(?:a|an|one|two|three|four|five|six|several|some)\s+)?{_ADJECTIVES}(?P<word>{_HIT})\s+{_WHEN}{_PLACE}")
#: "a big hit at 0:50, then silence": the hit, and a stop from it to the next event ("until 0:56" says when).
_HIT_THEN_SILENCE = re.compile(
    rf"{_HIT_AT.pattern}\s*,?\s*(?:(?:and\s+)?then|followed\s+by)\s+(?:silence|nothing|dead\s+air|a\s+(?:stop|pause|gap))"
    rf"(?:\s+(?:until|till|to)\s+(?P<until>{MOMENT}))?")
#: "drop at 0:15", "the beat drops at 0:30", "a bass drop at 1:00": in dance music the moment the
#: full beat lands, elsewhere the music falling quieter (the brief decides by its style).
_DROP_AT = re.compile(rf"\b(?:(?:a|an|the)\s+)?(?:big\s+|huge\s+|massive\s+)?(?:beat\s+|bass\s+)?drops?\s+{_PLACE}")
#: A spotting note, the time first: "0:12 hit", "0:20 - stop for 2 s", "at 1:00 a button"; a
#: time on the clock only, joined by a space, a dash or a colon (never a comma: "1:30, a hit"
#: names a length, then a hit).
_SPOTTED = re.compile(
    rf"(?<![\w:.])(?:at\s+)?(?P<times>{TIMECODE}|{CLOCK}(?:\.\d+)?(?!\.\d))(?:\s*[-:]\s*|\s+)"
    rf"(?:(?:a|an|the)\s+)?{_ADJECTIVES}(?P<word>{_HIT}|stops?|breaks?|buttons?|swells?)\b"
    rf"(?:\s+for\s+{_length('len')})?")
#: Spotted words and the event each names.
_SPOTTED_KINDS = {**{word: "hit" for word in HIT_WORDS}, "stop": "stop", "stops": "stop", "break": "stop",
                  "breaks": "stop", "button": "button", "buttons": "button", "swell": "swell", "swells": "swell"}
_FADE_IN = re.compile(
    rf"\bfades?[\s-]+in\b(?:\s+(?:over|during|across|for|in)\s+(?:the\s+(?:first|opening)\s+)?{_length('len')})?")
_FADE_OUT = re.compile(
    rf"\bfades?[\s-]+out\s+(?P<window>(?:over|during|across|for|in)\s+(?:the\s+(?:last|final|closing)\s+)?{_length('len')})")


class WrittenEvent(NamedTuple):
    """An event as the words ask for it; ``from_end``: it lies ``length_s`` before the end of
    the piece, wherever that ends up (a fade-out "over the last 6 seconds"); ``until_next``: a
    stop lasting to the next event after it ("a hit at 0:50, then silence"), or its own length
    where none follows; ``open_ended``: a stop whose length the words do not give, which lasts
    to the end where nothing follows it and too little would be left to resume
    (MIN_RESUME_S)."""

    event: CueEvent
    from_end: bool = False
    until_next: bool = False
    #: A stop of no written length: near the end, with nothing after it, it is the end.
    open_ended: bool = False


def find_events(reader: Reader, fps: Fraction | None = None) -> list[WrittenEvent]:
    """Every event the words ask for, in the order the phrases are read; the frame rate of a
    timecode is ``fps``, else the one the brief names ("25 fps"), else DEFAULT_FPS.

    >>> def kinds(text):
    ...     return [(w.event.kind, str(w.event.at_s), str(w.event.length_s)) for w in find_events(Reader(text))]
    >>> kinds("builds to a hit at 1:15")
    [('build', '75', '0'), ('hit', '75', '0')]
    >>> kinds("hits at 0:08, 0:16.5 and 0:31")
    [('hit', '8', '0'), ('hit', '33/2', '0'), ('hit', '31', '0')]
    >>> kinds("hit on the downbeat at 0:12, music stops at 0:20 for two seconds")
    [('stop', '20', '2'), ('hit', '12', '0')]
    >>> kinds("fades in over the first 10 seconds, fades out over the last 6 seconds")
    [('fade_in', '0', '10'), ('fade_out', '0', '6')]
    >>> [(w.event.kind, w.event.keep) for w in find_events(Reader("drop to just the pad and piano from 0:45 to 1:05"))]
    [('dip', ('pad', 'melody'))]
    """
    written_fps = fps or _fps_written(reader) or DEFAULT_FPS
    found: list[WrittenEvent] = []
    for read in _READERS:
        found += read(reader, written_fps)
    return found


def resolve(written: Iterable[WrittenEvent], duration_s: float) -> tuple[CueEvent, ...]:
    """The events at their times in a piece of ``duration_s``, in time order (a fade-out over the
    last seconds placed before the end; one longer than the piece is the whole piece).

    >>> fade = WrittenEvent(CueEvent("fade_out", Fraction(0), Fraction(6)), from_end=True)
    >>> resolve([fade, WrittenEvent(CueEvent("hit", Fraction(5)))], 30)
    (CueEvent(kind='hit', at_s=Fraction(5, 1), length_s=Fraction(0, 1), keep=(), mode='', tempo_bpm=None, \
label='', source='brief', programs=()), CueEvent(kind='fade_out', at_s=Fraction(24, 1), length_s=Fraction(6, 1), keep=(), \
mode='', tempo_bpm=None, label='', source='brief', programs=()))
    """
    end = Fraction(duration_s)
    written = list(written)
    events = []
    for event, from_end, until_next, open_ended in written:
        if from_end:
            length = min(event.length_s, end)
            event = replace(event, at_s=end - length, length_s=length)
        if until_next or open_ended:
            later = [other.event.at_s for other in written if not other.from_end and other.event.at_s > event.at_s]
            if until_next and later:
                event = replace(event, length_s=min(later) - event.at_s)
            if open_ended and not later and end - event.end_s < MIN_RESUME_S:  # "stops dead at 1:20" of 1:30
                event = replace(event, length_s=end - event.at_s)
        events.append(event)
    return events_in_order(events)


def stray_times(reader: Reader) -> list[str]:
    """Timecodes and clock times ("0:16.5") that nothing read, each taken whole, so that it is
    reported as one ignored time rather than as its figures.

    >>> reader = Reader("tense, 00:01:15:00 somewhere")
    >>> stray_times(reader), reader.untaken_words()
    (['00:01:15:00'], [(0, 'tense'), (19, 'somewhere')])

    A figure after "at" that looks like a time but is none is a clear error:

    >>> stray_times(Reader("a hit at 1:75"))
    Traceback (most recent call last):
    composer.base.errors.ComposerError: the time '1:75' does not read as a time: write it as 1:15, 0:16.5, 75 s or a timecode 00:01:15:00
    """
    strays = []
    for match in _STRAY.finditer(reader.text):
        if reader.free(match):
            reader.take(match)
            strays.append(match.group(0))
    for match in _NO_TIME.finditer(reader.text):
        if reader.free(match):
            parse_time(match.group(1))  # a clear error: "at 1:75" is no time
    return strays


def _fps_written(reader: Reader) -> Fraction | None:
    """ "at 24 fps", "29.97 frames per second"."""
    for match in _FPS.finditer(reader.text):
        if reader.free(match):
            reader.take(match)
            return fps_from(match.group(1))
    return None


def _matches(reader: Reader, pattern: re.Pattern[str]) -> Iterable[re.Match[str]]:
    """The pattern's matches no other phrase has taken, each taken as it is read."""
    for match in pattern.finditer(reader.text):
        if reader.free(match):
            yield match


def _tempo(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _TEMPO):
        bpm = Fraction(check_tempo(float(figure(match.group("bpm"))))).limit_denominator(1000)
        reader.take(match)
        found += [WrittenEvent(CueEvent("tempo", at, tempo_bpm=bpm)) for at in moments(match.group("times"), fps)]
    return found


def _build_span(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _BUILD_SPAN):
        start, end = _span(match, fps)
        reader.take(match)
        found.append(WrittenEvent(CueEvent("build", end, end - start)))
    return found


def _build_into(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "builds to a hit at 1:15" (a build and a hit), "builds to the logo at 0:55" (a build)."""
    found = []
    for match in _matches(reader, _BUILD_INTO):
        target = [word for word in match.group("target").split() if word not in ("a", "an", "the")]
        label = " ".join(target)
        reader.take(match)
        for at in moments(match.group("times"), fps):
            found.append(WrittenEvent(CueEvent("build", at, label=label)))
            if any(word in HIT_WORDS for word in target):
                found.append(WrittenEvent(CueEvent("hit", at, label=label)))
    return found


def _dip(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "drop to just the pad and piano from 0:45 to 1:05": the named layers play on; words in
    the layers' place that name none ("under the quote") are left for the other readers, as are
    the words of what it dips under ("dips under the interview 0:40-1:10": the use case)."""
    found = []
    for match in _matches(reader, _DIP):
        start, end = _span(match, fps)
        holes = sorted(match.span(group) for group in ("keep", "under") if match.group(group) is not None)
        cursor = match.start()
        for hole_start, hole_end in holes:
            reader.take_span(cursor, hole_start)
            cursor = hole_end
        reader.take_span(cursor, match.end())
        keep: list[str] = []
        if match.group("keep") is not None:
            keep = _kept_layers(reader, match.start("keep"), match.group("keep"))
        found.append(WrittenEvent(CueEvent("dip", start, end - start, tuple(dict.fromkeys(keep)))))
    return found


def _kept_layers(reader: Reader, offset: int, text: str, instruments: list[int] | None = None) -> list[str]:
    """The roles named in a drop-out's kept layers, taking the words that name them. Given
    ``instruments``, a named instrument ("a cello") is added there as its program instead and its
    words are left to the reader of instruments, so the instrument is cast."""
    tokens = [(start + offset, word) for start, word in _tokens(text)]
    roles: list[str] = []
    i = 0
    while i < len(tokens):
        for n in (3, 2, 1):
            words = [word for _, word in tokens[i : i + n]]
            phrase = " ".join(words)
            role = layer_role(phrase)
            if len(words) == n and (role or (n == 1 and phrase in _JOINERS)):
                if instruments is not None and (program := instrument_program(phrase)) is not None:
                    instruments.append(program)
                else:
                    start, end = tokens[i][0], tokens[i + n - 1][0] + len(tokens[i + n - 1][1])
                    reader.take_span(start, end)
                    roles += [role] if role else []
                i += n
                break
        else:
            i += 1
    return roles


def instrument_program(phrase: str) -> int | None:
    """The General MIDI program of a named instrument ("cello", "saxophones"), None for a role,
    a family or any other word.

    >>> instrument_program("cello"), instrument_program("strings"), instrument_program("pad")
    (42, None, None)
    """
    programs = lexicon().instruments
    for word in (phrase, phrase[:-1] if phrase.endswith("s") else ""):
        if word in programs and word not in (*PART_ROLES, *_ROLE_WORDS, *lexicon().families):
            return programs[word]
    return None


def layer_role(phrase: str) -> str:
    """The role a kept layer's name stands for: a role ("pad"), a family ("drums"), an
    instrument's first role ("piano": melody), or "" for none."""
    programs, families = lexicon().instruments, lexicon().families
    for word in (phrase, phrase[:-1] if phrase.endswith("s") else ""):
        if word in PART_ROLES or word == "drums":
            return word
        if word in _ROLE_WORDS:
            return _ROLE_WORDS[word]
        if word in families and families[word] in (*PART_ROLES, "drums"):
            return families[word]
        if word in programs:
            return ensembles().family(programs[word]).roles[0]
    return ""


def _enter(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "strings come in at 0:30": the named layers enter there; words that name no layer are
    left for the other readers ("romantic piano, strings come in at 0:30": only "strings"), and
    so are a named instrument's, which is cast and enters there (a cello that "comes in at 1:00"
    was read as the melody's role only, and no cello played)."""
    found = []
    for match in _matches(reader, _ENTER):
        group = "layers" if match.group("layers") is not None else "brought"
        text = match.group(group)
        tail = text.split(",")[-1]  # the layers are the last clause's ("romantic piano, strings")
        offset = match.start(group) + len(text) - len(tail)
        named = [role for _, word in _tokens(tail) if (role := layer_role(word))]
        if not named:
            continue
        instruments: list[int] = []
        keep = _kept_layers(reader, offset, tail, instruments)
        reader.take_span(match.end(group), match.end())
        if group == "brought":
            reader.take_span(match.start(), match.start(group))
        found += [WrittenEvent(CueEvent("enter", at, keep=tuple(dict.fromkeys(keep)),
                                        programs=tuple(dict.fromkeys(instruments))))
                  for at in moments(match.group("times"), fps)]
    return found


def _tokens(text: str) -> list[tuple[int, str]]:
    """The words of ``text`` with their offsets."""
    return [(m.start(), m.group(0)) for m in re.finditer(r"[a-z0-9][a-z0-9-]*|&", text)]


def _stop(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _SIZED_STOP):
        length = _length_value(f"{match.group('number')} s")
        if length is None:
            continue
        reader.take(match)
        found += [WrittenEvent(CueEvent("stop", at, length)) for at in moments(match.group("times"), fps)]
    for match in _matches(reader, _STOP):
        written = match.group("before") or match.group("after")
        length = _length_value(written) if written else DEFAULT_STOP_S
        times = moments(match.group("times"), fps)
        if match.group("resume"):  # "stops at 0:40 and comes back in at 0:44"
            length = parse_time(match.group("resume"), fps) - times[-1]
        if length is None or length <= 0:
            continue
        reader.take(match)
        open_ended = not written and not match.group("resume")
        found += [WrittenEvent(CueEvent("stop", at, length), open_ended=open_ended) for at in times]
    return found


def _swell(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _SWELL):
        if match.group("start"):
            start, end = _span(match, fps)
            reader.take(match)
            found.append(WrittenEvent(CueEvent("swell", start, end - start)))
            continue
        length = _length_value(match.group("len")) if match.group("len") else Fraction(0)
        if length is None:
            continue
        reader.take(match)
        found += [WrittenEvent(CueEvent("swell", at, length)) for at in moments(match.group("times"), fps)]
    return found


def _key_change(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _KEY_CHANGE):
        reader.take(match)
        found += [WrittenEvent(CueEvent("turn", at, mode=match.group("mode"), label=f"key change to {match.group('mode')}"))
                  for at in moments(match.group("times"), fps)]
    return found


def _key_lift(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "key change at 1:20" with no mode named: the pop song's lift, the key up a step."""
    found = []
    for match in _matches(reader, _KEY_LIFT):
        reader.take(match)
        found += [WrittenEvent(CueEvent("turn", at, mode="up", label="key change up a step"))
                  for at in moments(match.group("times"), fps)]
    return found


def _turn(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "turns hopeful at 1:30" (a turn to major: the mood's brightness chooses the mode),
    "… with a key change to major" (the mode named)."""
    found = []
    for match in _matches(reader, _TURN):
        mood = match.group("mood")
        mode = match.group("mode") or mode_of(mood)
        if mode is None:
            continue
        reader.take(match)
        found += [WrittenEvent(CueEvent("turn", at, mode=mode, label=mood)) for at in moments(match.group("times"), fps)]
    return found


def mode_of(mood: str) -> str | None:
    """The mode a turn to a mood asks for: major for a bright one, minor for a dark one, else ""
    (a new section in the same mode); None for a word that is no mood.

    >>> mode_of("hopeful"), mode_of("dark"), mode_of("reflective"), mode_of("blorp")
    ('major', 'minor', '', None)
    """
    if mood in ("major", "minor"):
        return mood
    if mood not in lexicon().moods:
        return None
    valence = lexicon().moods[mood][0]
    return "major" if valence >= 0.3 else "minor" if valence <= -0.3 else ""


def _button(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for pattern in (_BUTTON, _ENDS_ON_HIT):
        for match in _matches(reader, pattern):
            reader.take(match)
            found += [WrittenEvent(CueEvent("button", at)) for at in moments(match.group("times"), fps)]
    return found


def _hit(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    found = []
    for match in _matches(reader, _HIT_AT):
        reader.take(match)
        found += [WrittenEvent(CueEvent("hit", at, label=_hit_label(match))) for at in moments(match.group("times"), fps)]
    return found


def _hit_label(match: re.Match[str]) -> str:
    """A hit's label: the word it was called by where that is not "hit" ("boom", "sting")."""
    word = match.group("word")
    return "" if word in ("hit", "hits") else word.rstrip("s")


def _hit_then_silence(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "a big hit at 0:50, then silence, a final boom at 0:58": the hit, then nothing from it to
    the next event (or until the time it names, else DEFAULT_STOP_S); the hit's chord still
    sounds, as every hit is struck after the stops are cut."""
    found = []
    for match in _matches(reader, _HIT_THEN_SILENCE):
        times = moments(match.group("times"), fps)
        until = parse_time(match.group("until"), fps) if match.group("until") else None
        if until is not None and until <= times[-1]:
            continue
        reader.take(match)
        found += [WrittenEvent(CueEvent("hit", at, label=_hit_label(match))) for at in times]
        length = DEFAULT_STOP_S if until is None else until - times[-1]
        found.append(WrittenEvent(CueEvent("stop", times[-1], length), until_next=until is None))
    return found


def _drop(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "drop at 0:15": a ``drop`` event, which the brief makes a build into a hit in a style with
    a drop (EDM, trap) and the energy falling there in any other."""
    found = []
    for match in _matches(reader, _DROP_AT):
        reader.take(match)
        found += [WrittenEvent(CueEvent("drop", at)) for at in moments(match.group("times"), fps)]
    return found


def _spotted(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """Spotting notes, the time first: "0:12 hit, 0:20 stop for 2 s, 1:00 button"."""
    found = []
    for match in _matches(reader, _SPOTTED):
        kind = _SPOTTED_KINDS[match.group("word")]
        length = _length_value(match.group("len")) if match.group("len") else DEFAULT_STOP_S if kind == "stop" else 0
        if length is None:
            continue
        reader.take(match)
        found.append(WrittenEvent(CueEvent(kind, parse_time(match.group("times"), fps), Fraction(length))))
    return found


def _fade_in(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "fades in over the first 10 seconds"; "fades in" alone: over a length the planner chooses (0)."""
    found = []
    for match in _matches(reader, _FADE_IN):
        length = _length_value(match.group("len")) if match.group("len") else Fraction(0)
        if length is None:
            continue
        reader.take(match)
        found.append(WrittenEvent(CueEvent("fade_in", Fraction(0), length)))
    return found


def _fade_out(reader: Reader, fps: Fraction) -> list[WrittenEvent]:
    """ "fades out over the last 6 seconds": the span is the event's, the words "fades out" stay
    for the ending they name."""
    found = []
    for match in _matches(reader, _FADE_OUT):
        length = _length_value(match.group("len"))
        if length is None:
            continue
        reader.take_span(match.start("window"), match.end("window"))
        found.append(WrittenEvent(CueEvent("fade_out", Fraction(0), length), from_end=True))
    return found


def _span(match: re.Match[str], fps: Fraction) -> tuple[Fraction, Fraction]:
    """A span's start and end ("from 0:40 to 1:10", or for a dip a bare "0:40-1:10"); one that
    ends before it starts is a clear error."""
    bare = "bare" in match.groupdict() and match.group("bare") is not None
    first, last = (match.group("bare_start"), match.group("bare_end")) if bare else (match.group("start"),
                                                                                      match.group("end"))
    start, end = parse_time(first, fps), parse_time(last, fps)
    if end <= start:
        raise ComposerError(f"the span {first} to {last} ends before it starts",
                            "write the earlier time first, e.g. from 0:45 to 1:05")
    return start, end


def _length_value(text: str) -> Fraction | None:
    """A length in seconds as written ("2 s", "two seconds", "half a second"), or None.

    >>> _length_value("two seconds"), _length_value("half a second"), _length_value("1.5 s"), _length_value("few seconds")
    (Fraction(2, 1), Fraction(1, 2), Fraction(3, 2), None)
    """
    try:
        return parse_time(text)
    except ComposerError:
        pass
    match = re.fullmatch(r"(.+?)\s+(seconds?|secs?|s|minutes?|mins?)", text.strip())
    value = number_words(match.group(1)) if match else None
    if match is None or value is None:
        return None
    return Fraction(value).limit_denominator(1000) * (60 if match.group(2).startswith("m") else 1)


_READERS: Sequence[Callable[[Reader, Fraction], list[WrittenEvent]]] = (
    _tempo, _build_span, _build_into, _dip, _enter, _stop, _swell, _key_change, _key_lift, _turn, _button, _hit_then_silence, _hit, _drop,
    _spotted, _fade_in, _fade_out,
)
