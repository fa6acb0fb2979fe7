"""What an editor writes becomes CueEvents on the Brief: times in every form read back exactly,
the issue's example briefs, the event flags, timeline files, an editor's markers (written with
OpenTimelineIO itself) and one clear line for each bad timeline. The music landing the events is
the plan's business, not tested here."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from composer.base.errors import ComposerError
from composer.base.theory import pitch_class
from composer.cli import app
from composer.composition.brief import EVENT_KINDS, build_brief, parse_text
from composer.composition.brief.model import _AT_ONE_TIME
from composer.composition.brief.times import FRAME_RATES, clock_text, parse_time, timecode_text
from tests.conftest import run_composer

runner = CliRunner()


def _events(brief):
    return [(e.kind, e.at_s, e.length_s) for e in brief.events]


# --- one reader of a time -------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3 * 3600 * 1000))
def test_a_clock_time_reads_back_exactly(millis):
    seconds = Fraction(millis, 1000)
    assert parse_time(clock_text(seconds)) == seconds


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**7), st.sampled_from(["", " ", "s", " s", " seconds", " sec"]))
def test_seconds_read_back_exactly(millis, unit):
    seconds = Fraction(millis, 1000)
    written = f"{float(seconds):.3f}".rstrip("0").rstrip(".")
    assert parse_time(f"{written}{unit}") == seconds


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=24 * 3600 * 24 - 1), st.sampled_from(sorted(FRAME_RATES)))
def test_a_timecode_reads_back_exactly(frames, rate):
    fps = FRAME_RATES[rate]
    frames = frames % (100 * 3600 * round(fps))  # a two-digit hour
    seconds = frames / fps
    assert parse_time(timecode_text(seconds, fps), fps) == seconds


def _written(seconds: Fraction, form: str) -> str:
    if form == "clock":
        return clock_text(seconds)
    if form == "timecode":
        return timecode_text(seconds)
    return f"{float(seconds):.2f}".rstrip("0").rstrip(".") + " s"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=179 * 25), st.sampled_from(["clock", "timecode", "seconds"])),
                min_size=1, max_size=5, unique_by=lambda item: item[0]))
def test_hits_written_in_any_form_read_back_exactly_from_a_brief(hits):
    times = [Fraction(frames, 25) for frames, _ in hits]
    written = [_written(time, form) for time, (_, form) in zip(times, hits)]
    listed = written[0] if len(written) == 1 else f"{', '.join(written[:-1])} and {written[-1]}"
    brief = build_brief(f"tense cue, 3 minutes, hits at {listed}", {})
    assert [(e.kind, e.at_s) for e in brief.events] == [("hit", time) for time in sorted(times)]
    assert brief.duration_s == 180 and brief.ignored_words == ()


@pytest.mark.parametrize("written", ["1:75", "soon", "00:00:01:25", "1:15:", ""])
def test_a_time_that_does_not_parse_is_a_clear_error(written):
    with pytest.raises(ComposerError, match="time|timecode"):
        parse_time(written)


# --- brief words ----------------------------------------------------------------------------

def test_a_hit_inside_a_long_cue_is_an_event_not_a_stinger():
    brief = build_brief("tense suspense cue for a 90-second crime documentary scene, builds to a hit at 1:15", {})
    assert brief.kind != "stinger" and brief.duration_s == 90
    assert _events(brief) == [("build", 75, 0), ("hit", 75, 0)]
    assert brief.shape == () and "hit" not in brief.ignored_words
    assert not any("stinger" in note for note in brief.notes)


def test_a_hit_word_in_a_short_cue_is_still_a_stinger():
    assert parse_text("a big hit, 3 seconds").kind == "stinger"
    assert parse_text("bold product reveal, 4 seconds").kind == "stinger"
    assert parse_text("bold product reveal, 20 seconds").kind == "thematic"


def test_hits_stops_and_their_words_are_read_not_ignored():
    brief = build_brief("tense cue, 30 seconds, hit on the downbeat at 0:12, music stops at 0:20 for two seconds", {})
    assert _events(brief) == [("hit", 12, 0), ("stop", 20, 2)]
    assert brief.kind == "underscore" and brief.duration_s == 30
    assert not {"downbeat", "two", "seconds", "stops"} & set(brief.ignored_words)


@pytest.mark.parametrize("text", ["hits at 0:08, 0:16.5 and 0:31, 40 seconds", "hits at 8 s, 16.5 s and 31 s, 40 seconds"])
def test_a_list_of_hits_is_a_hit_each_and_no_figure_is_ignored(text):
    brief = build_brief(text, {})
    assert _events(brief) == [("hit", 8, 0), ("hit", Fraction(33, 2), 0), ("hit", 31, 0)]
    assert brief.duration_s == 40
    assert not any(word[0].isdigit() for word in brief.ignored_words), brief.ignored_words


@pytest.mark.parametrize("text, expected", [
    ("a hit 75 seconds in, 90 seconds", [("hit", 75, 0)]),
    ("swells at the 40-second mark, 90 seconds", [("swell", 40, 0)]),
    ("an accent at 1:02.25 and a stab at 1:10, 90 seconds", [("hit", Fraction(249, 4), 0), ("hit", 70, 0)]),
    ("a break at 0:30, 1 minute", [("stop", 30, 2)]),
    ("stops for half a second at 0:30, 1 minute", [("stop", 30, Fraction(1, 2))]),
    ("a 3-second stop at 0:30, 1 minute", [("stop", 30, 3)]),
    ("drop out from 0:45 to 1:05, 2 minutes", [("dip", 45, 20)]),
    ("builds from 0:40 to 0:55, 1 minute", [("build", 55, 15)]),
    ("builds to the logo at 0:55, 1 minute", [("build", 55, 0)]),
    ("fades in over the first 10 seconds, 1 minute", [("fade_in", 0, 10)]),
    ("tempo change to 140 at 1:00, 2 minutes", [("tempo", 60, 0)]),
    ("a hit at 00:01:15:12, 2 minutes", [("hit", Fraction(1887, 25), 0)]),
    ("a hit at 00:01:15:12 at 24 fps, 2 minutes", [("hit", 75 + Fraction(12, 24), 0)]),
    ("big hit on the cut to black at 0:45, 1 minute", [("hit", 45, 0)]),
    ("0:12 hit, 0:20 stop for 3 seconds, 1:00 button, 1 minute", [("hit", 12, 0), ("stop", 20, 3), ("button", 60, 0)]),
    ("at 0:30 a big hit, 1 minute", [("hit", 30, 0)]),
    ("the music should stop at 0:40 and come back in at 0:44, 1 minute", [("stop", 40, 4)]),
])
def test_event_phrases(text, expected):
    brief = build_brief(text, {})
    assert _events(brief) == expected
    assert not any(word[0].isdigit() for word in brief.ignored_words), brief.ignored_words


def test_a_time_nothing_reads_is_one_ignored_word_not_its_figures():
    brief = build_brief("calm, 1 minute, quiet at 0:20 then 0:40 whatever, 00:00:50:00", {})
    assert brief.ignored_words == ("whatever", "0:40", "00:00:50:00")


def test_a_drop_out_keeps_the_named_layers():
    brief = build_brief("calm, 2 minutes, drop to just the pad (and piano) under the quote from 0:45 to 1:05", {})
    (dip,) = brief.events
    assert (dip.kind, dip.at_s, dip.length_s, dip.keep) == ("dip", 45, 20, ("pad", "melody"))
    assert brief.ignored_words == ("quote",)


@pytest.mark.parametrize("text", ["underscore, 2 minutes, dips under the interview from 0:40 to 1:10",
                                  "underscore, 2 minutes, dip under the voice 0:40-1:10",
                                  "underscore, 2 minutes, drops out 0:40 to 1:10",
                                  "underscore, 2 minutes, dips beneath the narration between 0:40 and 1:10",
                                  "corporate, 2 minutes, quiet from 0:40 to 1:10 for the voiceover",
                                  "corporate, 2 minutes, quiet between 0:40 and 1:10",
                                  "corporate, 2 minutes, softer 0:40-1:10",
                                  "corporate, 2 minutes, leave space for the voiceover from 0:40 to 1:10",
                                  "corporate, 2 minutes, quieter under the interview from 0:40 until 1:10"])
def test_a_dip_under_something_or_over_a_bare_span_is_read(text):
    """Editors say what the music dips under and write spans bare; the words of what it dips
    under are left for the other readers (the interview is the use case), none ignored. "Quiet
    from 0:40 to 1:10" is a drop-out that ends (it dropped the energy from 0:40 to the end and
    left "1:10" ignored; "quiet between" and "leave space for the voiceover" were not read)."""
    brief = build_brief(text, {})
    assert _events(brief) == [("dip", 40, 30)]
    assert brief.ignored_words == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("action trailer, 60 seconds, a big hit at 0:50, then silence, final boom at 0:58",
     [("hit", 50, 0), ("stop", 50, 8), ("hit", 58, 0)]),
    ("trailer, 40 seconds, hit at 0:20 followed by silence until 0:24", [("hit", 20, 0), ("stop", 20, 4)]),
    ("trailer, 40 seconds, a slam at 0:30 and then nothing", [("hit", 30, 0), ("stop", 30, 2)]),
])
def test_a_hit_then_silence_stops_until_the_next_event(text, expected):
    """"a big hit at 0:50, then silence, final boom at 0:58": the silence lasts from the hit to the
    boom ("silence" was ignored and the music played on through the eight seconds)."""
    brief = build_brief(text, {})
    assert sorted(_events(brief)) == sorted(expected) and brief.ignored_words == ()


@pytest.mark.parametrize("text", ["upbeat ukulele, 30 seconds, key change at 0:20",
                                  "corporate pop, 30 seconds, modulates up at 0:20",
                                  "pop anthem, 30 seconds, a key lift at 0:20"])
def test_a_key_change_with_no_mode_lifts_the_key_a_step(text):
    """"key change at 0:20" was ignored (only "key change to major at ..." was read): it is the
    pop song's lift, the key a whole step up from 0:20, in the same mode."""
    from composer import compose

    brief = build_brief(text, {})
    assert [(e.kind, e.at_s, e.mode) for e in brief.events] == [("turn", 20, "up")] and brief.ignored_words == ()
    piece = compose(text, seed=1)
    (at_q, tonic, mode), = piece.plan.key_changes
    assert mode == piece.plan.mode and piece.plan.seconds(at_q) == 20
    steps = (pitch_class(tonic) - pitch_class(piece.plan.tonic)) % 12
    assert steps == 2 and piece.chords[-1].root_pc == pitch_class(tonic)  # it ends at home in the new key


@pytest.mark.parametrize(("text", "expected"), [
    ("lullaby music box, 30 seconds, stop at 0:25", [("stop", 25, 5)]),
    ("tense underscore, 90 seconds, a hit at 0:30, stops dead at 1:20", [("hit", 30, 0), ("stop", 80, 10)]),
    ("lo-fi, 2 minutes, stop at 0:20", [("stop", 20, 2)]),
    ("lullaby, 30 seconds, stop at 0:25 for one second", [("stop", 25, 1)]),
    ("lullaby, 30 seconds, stop at 0:20, hit at 0:28", [("stop", 20, 2), ("hit", 28, 0)]),
])
def test_a_stop_near_the_end_with_nothing_after_it_is_the_end(text, expected):
    """"stop at 0:25" of a 30-second cue played on for 3 s after a 2-second stop: with less than
    MIN_RESUME_S left and nothing asked after it, a stop of no stated length lasts to the end."""
    assert _events(build_brief(text, {})) == expected


@pytest.mark.parametrize(("text", "at_s", "mode"), [
    ("documentary, 3 minutes, sad then hopeful from 1:30", 90, "major"),
    ("calm then tense at 0:40, 1 minute", 40, "minor"),
    ("dark documentary, 2 minutes, getting hopeful after 1:20", 80, "major"),
])
def test_a_mood_from_a_time_is_a_turn(text, at_s, mode):
    """"sad then hopeful from 1:30" read as one mood, half sad, half hopeful, all through (no
    event): it is a turn at 1:30 to the mood after it, the piece before it in the mood before."""
    brief = build_brief(text, {})
    assert [(e.kind, e.at_s, e.mode) for e in brief.events] == [("turn", at_s, mode)] and brief.ignored_words == ()
    assert brief.valence * (1 if mode == "minor" else -1) > 0  # the mood before the turn is the piece's


def test_a_title_hit_is_a_hit():
    assert _events(build_brief("trailer, 50 seconds, the title hit at 0:45", {})) == [("hit", 45, 0)]


@pytest.mark.parametrize(("text", "expected"), [
    ("wedding video, 2 minutes, romantic piano, strings come in at 0:30", [("enter", 30, ("pad",))]),
    ("pop, 40 seconds, bass and drums come in at 0:10, hit at 0:30", [("enter", 10, ("bass", "drums")), ("hit", 30, ())]),
    ("edm, 1 minute, the beat drops at 0:30", [("build", 30, ()), ("hit", 30, ())]),
    ("trailer, 1 minute, the music kicks in at 0:05", []),
])
def test_layers_that_come_in_are_read(text, expected):
    brief = build_brief(text, {})
    assert [(e.kind, e.at_s, e.keep) for e in brief.events] == expected


def test_a_turn_carries_its_mode():
    brief = build_brief("tense cue, 2 minutes, turns hopeful at 1:30 with a key change to major", {})
    assert [(e.kind, e.at_s, e.mode, e.label) for e in brief.events] == [("turn", 90, "major", "hopeful")]
    assert [(e.kind, e.mode) for e in build_brief("2 minutes, key change to minor at 1:00", {}).events] == [("turn", "minor")]
    assert [(e.kind, e.mode) for e in build_brief("2 minutes, turns dark at 1:00", {}).events] == [("turn", "minor")]


def test_fades_and_buttons_set_the_ending():
    faded = build_brief("calm piano, 1 minute, fades out over the last 6 seconds", {})
    assert _events(faded) == [("fade_out", 54, 6)] and faded.ending == "fade"
    assert _events(build_brief("calm piano, 1 minute, fades out over the last 6 seconds", {"duration": 90})) == \
        [("fade_out", 84, 6)]
    button = build_brief("ends exactly on a big button at 0:30, 30 seconds", {})
    assert _events(button) == [("button", 30, 0)] and button.ending == "button" and button.duration_s == 30


def test_briefs_without_event_words_have_no_events():
    from scripts.fingerprint import BRIEFS

    for text in BRIEFS:
        assert build_brief(text, {}).events == (), text
    old = build_brief("gets quiet at 0:50 for the voiceover then lifts again at 1:10, 2 minutes, corporate", {})
    assert [(e.verb, e.start_s) for e in old.shape] == [("drop", 50), ("build", 70)]


def test_events_are_in_time_order_a_build_before_the_hit_it_leads_to():
    assert sorted(_AT_ONE_TIME) == sorted(EVENT_KINDS)
    brief = build_brief("2 minutes, a hit at 1:40, builds to a hit at 0:50, music stops at 0:20", {"hit": ["0:10"]})
    assert [(e.kind, e.at_s) for e in brief.events] == [("hit", 10), ("stop", 20), ("build", 50), ("hit", 50), ("hit", 100)]


# --- flags, files -----------------------------------------------------------------------------

def _explained(*arguments: str) -> dict:
    result = runner.invoke(app, ["explain", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_event_flag_reaches_explain():
    data = _explained("tense documentary underscore, 2 minutes", "--hit", "1:15", "--hit", "0:16.5", "--stop", "0:20+2",
                      "--dip", "0:45-1:05:pad,piano", "--build", "0:40-0:55", "--turn", "1:30:major", "--fade-in", "10",
                      "--fade-out", "6", "--button", "1:55", "--fps", "25")
    events = [(e["kind"], e["asked_s"], e["length_s"], e["keep"], e["mode"], e["source"]) for e in data["events"]]
    assert events == [
        ("fade_in", 0.0, 10.0, [], "", "flag"), ("hit", 16.5, 0.0, [], "", "flag"), ("stop", 20.0, 2.0, [], "", "flag"),
        ("dip", 45.0, 20.0, ["pad", "melody"], "", "flag"), ("build", 55.0, 15.0, [], "", "flag"),
        ("hit", 75.0, 0.0, [], "", "flag"), ("turn", 90.0, 0.0, [], "major", "flag"),
        ("fade_out", 114.0, 6.0, [], "", "flag"), ("button", 115.0, 0.0, [], "", "flag")]
    assert data["ending"] == "button"
    assert list(data)[list(data).index("cues") + 1] == "events"


def test_explain_as_text_shows_each_event_asked_and_landed_and_the_tempo_map():
    """The table a person reads (not only --json): every event with where it lands, the tempo
    map and key changes as sentences, not data."""
    result = runner.invoke(app, ["explain", "tense cue, 2 minutes, turns hopeful at 1:30 with a key change to major",
                                 "--hit", "0:16.5", "--stop", "0:40+2"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "hit 0:16.5, lands 0:16.5 (bar" in text and "stop 0:40 for 2 s, lands 0:40 (bar" in text
    assert "BPM from 0:00 (bar 1)" in text and "major from 1:30 (bar" in text
    assert "{" not in text


def test_explain_says_where_the_tempo_ramps_and_where_a_bar_changes_meter():
    """Hits at 0:08, 0:16.5, 0:31 and 0:32.3: the JSON tempo map lists a ramp as one entry (the
    tempo it leaves and reaches, where it starts and ends), the notes name the bar of changed
    meter and the moment it serves, and the table a person reads says both in words."""
    arguments = ("upbeat corporate music, 45 seconds", "--hit", "0:08", "--hit", "0:16.5", "--hit", "0:31",
                 "--hit", "0:32.3", "--seed", "2")
    data = _explained(*arguments)
    ramps = [t for t in data["tempo_map"] if "end_s" in t]
    assert ramps and all(t["end_s"] > t["start_s"] and t["end_bar"] >= t["bar"] for t in ramps)
    assert any(note.startswith("bar 6 is 5/4 so the hit at 0:16.5 falls on a downbeat") for note in data["notes"])
    assert any(" ramp from " in note and "so the hit at 0:31 falls on a downbeat" in note for note in data["notes"])
    result = runner.invoke(app, ["explain", *arguments], terminal_width=200)
    text = " ".join(result.output.split())
    assert "BPM ramp" in text and "→" in text and "is 5/4 so the hit at 0:16.5" in text


def test_a_timecode_flag_counts_frames_at_the_asked_rate():
    data = _explained("calm piano, 2 minutes", "--hit", "00:01:15:12", "--fps", "24")
    assert data["events"][0]["asked_s"] == 75.5


def test_explain_without_events_lists_none():
    assert _explained("calm piano for a 60-second interview")["events"] == []


def test_a_timeline_file_in_toml_and_json(tmp_path):
    toml = tmp_path / "cues.toml"
    toml.write_text('[[events]]\nkind = "hit"\nat = "1:15"\n\n[[events]]\nkind = "stop"\nat = "0:20"\nlength = 2\n\n'
                    '[[events]]\nkind = "dip"\nat = "0:45"\nuntil = "1:05"\nkeep = ["pad"]\n\n'
                    '[[events]]\nkind = "tempo"\nat = 60\ntempo = 140\n')
    listed = tmp_path / "cues.json"
    listed.write_text(json.dumps([{"kind": "turn", "at": "1:30", "mode": "major", "label": "hope"},
                                  {"kind": "fade_out", "length": 6}]))
    brief = build_brief("tense cue, 2 minutes", {"timeline": str(toml)})
    assert [(e.kind, e.at_s, e.length_s, e.keep, e.tempo_bpm, e.source) for e in brief.events] == [
        ("stop", 20, 2, (), None, "timeline"), ("dip", 45, 20, ("pad",), None, "timeline"),
        ("tempo", 60, 0, (), 140, "timeline"), ("hit", 75, 0, (), None, "timeline")]
    data = _explained("tense cue, 2 minutes", "--timeline", str(listed))
    assert [(e["kind"], e["asked_s"], e["mode"], e["label"]) for e in data["events"]] == [
        ("turn", 90.0, "major", "hope"), ("fade_out", 114.0, "", "")]


def test_a_brief_file_may_hold_events_and_name_a_timeline_beside_it(tmp_path):
    (tmp_path / "cues.json").write_text('{"events": [{"kind": "hit", "at": "0:30"}]}')
    brief_file = tmp_path / "cue.toml"
    brief_file.write_text('brief = "tense cue, 1 minute"\ntimeline = "cues.json"\nhit = ["0:10"]\n'
                          'events = [{kind = "stop", at = "0:40", length = 1}]\n')
    data = _explained("--brief-file", str(brief_file))
    assert [(e["kind"], e["asked_s"]) for e in data["events"]] == [("hit", 10.0), ("hit", 30.0), ("stop", 40.0)]


@pytest.mark.parametrize("content, words", [
    ('[[events]]\nkind = "hit"\nat = "soon"\n', ["event 1 (hit)", "at 'soon'", "1:15"]),
    ('[[events]]\nkind = "hit"\nat = "0:10"\n[[events]]\nkind = "dip"\nat = "0:45"\nuntil = "0:40"\n',
     ["event 2 (dip)", "before it starts"]),
    ('[[events]]\nkind = "bang"\nat = "0:10"\n', ["event 1", "'bang'", "kind ="]),
    ('[[events]]\nkind = "hit"\nwhen = "0:10"\n', ["event 1", "unknown keys", "when"]),
    ('[[events]]\nkind = "dip"\nat = "0:10"\nlength = 2\nkeep = ["kazoo band"]\n', ["kazoo band", "not a layer"]),
    ('[[events]]\nkind = "fade_out"\n', ["event 1 (fade_out)", "no length"]),
    ("[[events]\n", ["not valid TOML"]),
])
def test_a_bad_timeline_file_names_the_file_the_entry_and_the_fix(tmp_path, content, words):
    path = tmp_path / "cues.toml"
    path.write_text(content)
    with pytest.raises(ComposerError) as raised:
        build_brief("tense cue, 1 minute", {"timeline": str(path)})
    assert str(path) in str(raised.value)
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize("arguments, words", [
    (["tense cue, 1 minute, a hit at 1:15"], ["hit at 1:15", "past the end", "--duration 90"]),
    (["tense cue, 1 minute", "--stop", "0:50+20"], ["stop at 0:50", "past the end"]),
    (["tense cue, 1 minute", "--stop", "0:20+3", "--stop", "0:22+1"], ["stop at 0:22", "inside the stop at 0:20"]),
    (["tense cue, 1 minute", "--hit", "soon"], ["--hit 'soon'", "1:15"]),
    (["tense cue, 1 minute, a hit at 1:75"], ["'1:75' does not read as a time"]),
    (["tense cue, 1 minute", "--dip", "0:45-0:40"], ["--dip", "ends before it starts"]),
    (["tense cue, 1 minute", "--markers", "README.md"], ["marker file", ".otio"]),
    (["tense cue, 1 minute", "--fps", "26"], ["frame rate", "25"]),
])
def test_a_bad_timeline_is_one_clear_line_and_a_non_zero_exit(arguments, words):
    result = run_composer("explain", *arguments)
    assert result.code != 0 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("composer: error:"), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# --- an editor's markers ----------------------------------------------------------------------

def _edit(otio, rate: float = 25.0):
    """A two-clip edit with markers on the timeline, a track and a clip, 2 minutes long."""
    RationalTime, TimeRange = otio.opentime.RationalTime, otio.opentime.TimeRange
    timeline = otio.schema.Timeline(name="cut")
    timeline.global_start_time = RationalTime(3600 * rate, rate)
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    for name, start in (("a", 1000), ("b", 5000)):
        clip = otio.schema.Clip(name=name, source_range=TimeRange(RationalTime(start, rate), RationalTime(60 * rate, rate)))
        track.append(clip)
    second = track[1]
    # 15 s into the second clip's media: 1:15 on the timeline
    second.markers.append(otio.schema.Marker(name="HIT", marked_range=TimeRange(RationalTime(5000 + 15 * rate, rate))))

    def marker(name, at, length=0):
        return otio.schema.Marker(name=name, marked_range=TimeRange(RationalTime(at * rate, rate),
                                                                     RationalTime(length * rate, rate)))

    timeline.tracks.markers.extend([marker("STOP", 20, 2), marker("VO IN", 45), marker("VO OUT", 65),
                                    marker("BUILD", 40, 15), marker("Chorus", 90)])
    track.markers.append(marker("BUTTON", 115))
    return timeline


def test_markers_from_an_otio_timeline(tmp_path):
    otio = pytest.importorskip("opentimelineio", reason="opentimelineio is not installed (a dependency in "
                                                        "pyproject.toml: pip install -e .)")
    path = tmp_path / "edit.otio"
    otio.adapters.write_to_file(_edit(otio), str(path))
    brief = build_brief("tense cue, 2 minutes", {"markers": str(path)})
    assert [(e.kind, e.at_s, e.length_s, e.label, e.source) for e in brief.events] == [
        ("stop", 20, 2, "", "markers"), ("dip", 45, 20, "VO", "markers"), ("build", 55, 15, "", "markers"),
        ("hit", 75, 0, "", "markers"), ("turn", 90, 0, "Chorus", "markers"), ("button", 115, 0, "", "markers")]


def test_markers_from_fcp_xml_and_an_edl(tmp_path):
    otio = pytest.importorskip("opentimelineio", reason="opentimelineio is not installed (a dependency in "
                                                        "pyproject.toml: pip install -e .)")
    timeline = _edit(otio)
    xml = tmp_path / "edit.xml"
    try:
        otio.adapters.write_to_file(timeline, str(xml), adapter_name="fcp_xml")
        edl = tmp_path / "edit.edl"
        otio.adapters.write_to_file(timeline, str(edl), adapter_name="cmx_3600", rate=25)
    except Exception as error:  # the adapters come with opentimelineio-plugins
        pytest.skip(f"the FCP XML and EDL adapters are not installed ({error})")
    from_xml = build_brief("tense cue, 2 minutes", {"markers": str(xml)})
    assert ("hit", 75) in [(e.kind, e.at_s) for e in from_xml.events]
    assert ("stop", 20) in [(e.kind, e.at_s) for e in from_xml.events]
    from_edl = build_brief("tense cue, 2 minutes", {"markers": str(edl), "fps": 25})
    assert [(e.kind, e.at_s) for e in from_edl.events if e.kind == "hit"] == [("hit", 75)]


def test_a_file_that_is_no_marker_file_is_a_clear_error(tmp_path):
    pytest.importorskip("opentimelineio", reason="opentimelineio is not installed (a dependency in pyproject.toml)")
    path = tmp_path / "edit.otio"
    path.write_text("this is not a timeline")
    with pytest.raises(ComposerError, match="is not a readable OTIO timeline"):
        build_brief("tense cue, 2 minutes", {"markers": str(path)})


def test_each_event_says_where_it_was_asked_for(tmp_path):
    """A brief file's ``hit = 5`` is the brief file's, a flag's the flag's, a manifest row's the
    manifest's, so explain and the report name the place an editor would look to change it."""
    from composer.cue import request

    brief_file = tmp_path / "cue.toml"
    brief_file.write_text('brief = "upbeat corporate pop, 20 seconds"\nhit = 5\nstop = "0:12+1"\n', "utf-8")

    def sources(asked):
        return {(e.kind, e.source) for e in build_brief(asked.text, asked.fields).events}

    assert sources(request(None, brief_file, None)) == {("hit", "brief file"), ("stop", "brief file")}
    assert sources(request(None, brief_file, None, hit=["0:07"])) == {("hit", "flag"), ("stop", "brief file")}
    assert sources(request("calm piano, 20 s", None, None, "manifest", hit=["0:07"])) == {("hit", "manifest")}
    assert sources(request("calm piano, 20 s", None, None, hit=["0:07"])) == {("hit", "flag")}
