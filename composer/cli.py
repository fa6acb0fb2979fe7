"""The ``composer`` command: compose, batch, explain, render, evaluate, plot, soundfonts, presets, styles.

Every problem a user can cause ends as one line on stderr naming the problem and the fix,
with exit status 2 — never a traceback.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperCommand
from rich.console import Console
from rich.table import Table

from composer.audio import DEFAULT_LOUDNESS_LUFS, MAX_LOUDNESS_LUFS, MIN_LOUDNESS_LUFS
from composer.base.errors import ComposerError
from composer.cue import MAX_NAME_BYTES, check_formats, check_name, check_stems_headroom, default_name
from composer.cue import request as _request

if TYPE_CHECKING:
    from composer.audio.deliver import Delivered
    from composer.batch import Outcome
    from composer.composition.brief import Brief

app = typer.Typer(
    name="composer",
    help="Original, licence-free background music for video, composed from a plain-language brief.\n\n"
    'Example: composer compose "calm piano for a 60-second interview" --seed 2',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


def _print_version(asked: bool) -> None:
    if asked:
        from composer.base.about import version

        out.print(f"composer {version()}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", help="Print composer's version and exit.", callback=_print_version, is_eager=True)] = False,
             ) -> None:
    """Original, licence-free background music for video, composed from a plain-language brief."""

BriefText = Annotated[Optional[str], typer.Argument(
    help='The brief in plain words, e.g. "bright music for a 90-second product video, builds at the end". '
         'A brief that starts with "-" goes after "--" (the end of the options), e.g. '
         'composer compose --seed 2 -- "-- calm piano, 30 s"',
    show_default=False)]
BriefFile = Annotated[Optional[Path], typer.Option(
    "--brief-file", help="A TOML brief, e.g. scores/podcast-bed.toml; its fields win over the text.",
    show_default=False)]
Seed = Annotated[Optional[int], typer.Option(help="Seed for the choices: same brief + seed = same music. e.g. --seed 7")]
Kind = Annotated[Optional[str], typer.Option(
    help="underscore | bed | stinger | thematic | ambient, e.g. --kind bed", show_default=False)]
Duration = Annotated[Optional[float], typer.Option(
    help="Length in seconds, 1 to 3600, e.g. --duration 90", show_default=False)]
Tempo = Annotated[Optional[float], typer.Option(help="Tempo in BPM, 20 to 300, e.g. --tempo 128", show_default=False)]
Key = Annotated[Optional[str], typer.Option(help='Key and mode, e.g. --key "D minor"', show_default=False)]
Meter = Annotated[Optional[str], typer.Option(help='Time signature, e.g. --meter 3/4', show_default=False)]
StyleName = Annotated[Optional[str], typer.Option(
    "--style", help='A style by name or word (see `composer styles`), e.g. --style "bossa nova"', show_default=False)]
Loop = Annotated[Optional[bool], typer.Option(
    "--loop/--no-loop", help="Make it loop seamlessly (no tail), e.g. for a podcast bed.", show_default=False)]
Soundfont = Annotated[Optional[Path], typer.Option(
    help="A General MIDI .sf2/.sf3 to render with (default: see `composer soundfonts`).", show_default=False)]
Loudness = Annotated[Optional[float], typer.Option(
    help=f"Integrated loudness target in LUFS, {MIN_LOUDNESS_LUFS:g} to {MAX_LOUDNESS_LUFS:g}, "
         f"e.g. --loudness {DEFAULT_LOUDNESS_LUFS:g} (default per use).",
    show_default=False)]
Formats = Annotated[list[str], typer.Option(
    "--format", help="Audio format(s): wav, flac, ogg, mp3; repeat or comma-separate, e.g. --format wav,flac. "
                     "All are written from one render.", show_default=False)]
SampleRate = Annotated[int, typer.Option(
    "--sample-rate", help="Samples per second, 44100 or 48000 (what video editors use), e.g. --sample-rate 48000")]
BitDepth = Annotated[Optional[int], typer.Option(
    "--bit-depth", help="Bits per sample of WAV and FLAC, 16 or 24, e.g. --bit-depth 24 (default: WAV 16, FLAC 24).",
    show_default=False)]
Hits = Annotated[list[str], typer.Option(
    "--hit", help="A hit (a tutti accent on a downbeat) at a time; repeat for more, e.g. --hit 1:15 --hit 0:16.5 "
                  "(times: 1:15, 0:16.5, 75, 75s, or a timecode 00:01:15:00 at --fps).", show_default=False)]
Stops = Annotated[list[str], typer.Option(
    "--stop", help="The music stops at a time for a length (start+length), e.g. --stop 0:20+2; repeatable.",
    show_default=False)]
Dips = Annotated[list[str], typer.Option(
    "--dip", help="A drop-out from one time to another, keeping only the layers named after a colon (none: the "
                  "thinnest texture), e.g. --dip 0:45-1:05:pad,piano; repeatable.", show_default=False)]
Builds = Annotated[list[str], typer.Option(
    "--build", help="A rise over a span into its end, e.g. --build 0:40-0:55 (or into a moment: --build 0:55); "
                    "repeatable.", show_default=False)]
Turns = Annotated[list[str], typer.Option(
    "--turn", help="A new section at a time, in a mode if named (major, minor, or up: a step up), e.g. --turn 1:30:major; repeatable.",
    show_default=False)]
FadeIn = Annotated[Optional[str], typer.Option(
    "--fade-in", help="Fade in over the first seconds, e.g. --fade-in 10", show_default=False)]
FadeOut = Annotated[Optional[str], typer.Option(
    "--fade-out", help="Fade out over the last seconds, e.g. --fade-out 6", show_default=False)]
Button = Annotated[Optional[str], typer.Option(
    "--button", help="End on a button (a short final chord) at a time, e.g. --button 0:30", show_default=False)]
Fps = Annotated[Optional[str], typer.Option(
    "--fps", help="Frames per second of timecodes (and of an EDL's markers): 23.976, 24, 25, 29.97, 30, 50, 59.94 "
                  "or 60, e.g. --fps 25 (the default).", show_default=False)]
TimelineFile = Annotated[Optional[Path], typer.Option(
    "--timeline", help='Events from a file: TOML [[events]] kind = "hit" at = "1:15", or JSON '
                       '[{"kind": "stop", "at": "0:20", "length": 2}], e.g. --timeline cues.toml', show_default=False)]
MarkerFile = Annotated[Optional[Path], typer.Option(
    "--markers", help="Events from an editor's markers (OTIO .otio, Final Cut Pro .xml, CMX 3600 .edl) named HIT, "
                      "STOP, VO IN/VO OUT, BUILD, TURN, BUTTON, FADE; other names start sections, e.g. "
                      "--markers edit.otio", show_default=False)]
Force = Annotated[bool, typer.Option(
    "--force", help="Replace files in the way even when composer did not make them (by default only an "
                    "earlier composer set or render under the same name is replaced).")]
Stems = Annotated[bool, typer.Option(
    "--stems", help="Also write one 32-bit float WAV per part into NAME-stems/ (e.g. pad.wav, bass.wav), "
                    "the same length and gain as the mix: summed they give the mix before its limiter, so they "
                    "may peak over 0 dBFS (NAME.json says how far: stems_summed_peak_dbfs).")]
Workers = Annotated[Optional[int], typer.Option(
    "--workers", help="Threads rendering the audio at once: a cue of a minute or more plays as two groups of "
                      "notes, each on its own synth, e.g. --workers 1 to leave a core free (default: one per "
                      "core, up to two). The audio is the same bytes whatever the count.",
    show_default=False)]
StemsHeadroom = Annotated[Optional[float], typer.Option(
    "--stems-headroom", help="With --stems, lower every stem by one gain so that summed they peak this many dB "
                             "under full scale, e.g. --stems-headroom 1; NAME.json records the cut as "
                             "stems_trim_db (raise the stems by it to match the mix).", show_default=False)]


class _BriefCommand(TyperCommand):
    """A command taking a brief: a brief that starts with "-" (e.g. "-5 dB, calm piano") would be
    read as an unknown option, so that mistake is told as one line showing where it goes."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes its list
        try:
            return super().parse_args(ctx, args)
        except Exception as error:
            option = getattr(error, "option_name", None)  # only click's NoSuchOption names one
            brief = _dashed_brief(given, option) if isinstance(option, str) else None
            if brief is None:
                raise
            raise ComposerError(f"the brief {brief!r} starts with '-', so it reads as an option",
                                f"put it after --, e.g. composer {ctx.info_name} -- {shlex.quote(brief)}") from None


def _dashed_brief(args: list[str], option: str) -> str | None:
    """The argument that gave the unknown ``option`` when it is not shaped like an option at all
    (words, a space, a comma), so it can only be a brief; None otherwise.

    >>> _dashed_brief(["--seed", "2", "-calm piano, 30 s"], "-c")
    '-calm piano, 30 s'
    >>> _dashed_brief(["--bogus"], "--bogus") is None
    True
    """
    for arg in args:
        if arg == "--":
            break
        if arg.startswith(option) and not re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", arg, re.DOTALL):
            return arg
    return None


def main() -> None:
    """Entry point of the console script: run the app, turning ComposerError into one line.
    SIGTERM and SIGHUP end a run as Ctrl-C does, by unwinding it, so its staged files and lock
    are removed; the exit status is 128 + the signal's number (Ctrl-C's 130 is typer's)."""
    from composer.base.files import ending_signals_raise

    try:
        with ending_signals_raise():
            app()
    except ComposerError as error:
        err.print(f"composer: error: {error}", markup=False, soft_wrap=True)
        sys.exit(2)


def _events(hit: list[str], stop: list[str], dip: list[str], build: list[str], turn: list[str], fade_in: str | None,
            fade_out: str | None, button: str | None, fps: str | None, timeline: Path | None,
            markers: Path | None) -> dict[str, Any]:
    """The event flags as brief fields (a repeatable flag not given is no field)."""
    return {"hit": hit or None, "stop": stop or None, "dip": dip or None, "build": build or None, "turn": turn or None,
            "fade_in": fade_in, "fade_out": fade_out, "button": button, "fps": fps,
            "timeline": str(timeline) if timeline else None, "markers": str(markers) if markers else None}


@contextmanager
def _progress(seconds: float) -> Iterator[Any]:
    """Each phase of a delivery named as it begins ("rendering 60 s", "mastering", "encoding wav",
    "measuring wav", "encoding stems"): on a terminal, one bar that takes each phase's name; where
    stderr is not one (logs, CI, pipes), one plain line per phase, never one per step of it."""

    def named(phase: str) -> str:
        return f"rendering {round(seconds, 1):g} s" if phase == "rendering" else phase

    if not err.is_terminal:
        told = [""]

        def line(phase: str, done: int, total: int) -> None:
            if phase != told[0]:
                told[0] = phase
                err.print(f"composer: {named(phase)}", markup=False, highlight=False, soft_wrap=True)

        yield line
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(named("rendering"), total=None)
        yield lambda phase, done, total: bar.update(task, description=named(phase), completed=done,
                                                    total=total or None)


@app.command(cls=_BriefCommand)
def compose(
    brief: BriefText = None,
    brief_file: BriefFile = None,
    seed: Seed = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files, e.g. --out out; created if missing "
                                                       "once the brief and options are checked.")] = Path("out"),
    name: Annotated[Optional[str], typer.Option(
        help="Base name of the files, e.g. --name launch-v1 writes launch-v1.mid/.wav/.json "
             "(default: the brief's first words and the seed): a plain file name in any script, at most "
             f"{MAX_NAME_BYTES} bytes, no folders (those go in --out). It is also the title in the MIDI file "
             "(as UTF-8) and the audio tags. A composer set already there under the name is replaced whole, "
             "as a re-cut lands where the edit links to it; give another name to keep both. A file there that is "
             "not part of a composer set (no composer NAME.json) stops the run, unless --force.",
             show_default=False)] = None,
    kind: Kind = None,
    duration: Duration = None,
    tempo: Tempo = None,
    key: Key = None,
    meter: Meter = None,
    style: StyleName = None,
    loop: Loop = None,
    audio_format: Annotated[list[str], typer.Option(
        "--format", help="Output format(s): wav, flac, ogg, mp3 (audio, all from one render) and musicxml (sheet "
                         "music, opens in MuseScore); repeat or comma-separate, e.g. --format wav,musicxml",
        show_default=False)] = ["wav"],  # noqa: B006
    midi_only: Annotated[bool, typer.Option(
        "--midi-only", help="Write no audio: the MIDI and JSON, plus NAME.musicxml if --format names it.")] = False,
    plot: Annotated[bool, typer.Option(
        "--plot", help="Also draw NAME.png: a piano roll per part, the sections and the energy.")] = False,
    loudness: Loudness = None,
    soundfont: Soundfont = None,
    sample_rate: SampleRate = 44100,
    bit_depth: BitDepth = None,
    stems: Stems = False,
    stems_headroom: StemsHeadroom = None,
    hit: Hits = [],  # noqa: B006
    stop: Stops = [],  # noqa: B006
    dip: Dips = [],  # noqa: B006
    build: Builds = [],  # noqa: B006
    turn: Turns = [],  # noqa: B006
    fade_in: FadeIn = None,
    fade_out: FadeOut = None,
    button: Button = None,
    fps: Fps = None,
    timeline: TimelineFile = None,
    markers: MarkerFile = None,
    force: Force = False,
    workers: Workers = None,
) -> None:
    """Compose a piece from a brief and write NAME.mid, NAME.wav (or --format) and NAME.json.

    The audio is mastered to the loudness target (--loudness, or the use case's) with its true
    peak at most -1 dBTP, and tagged with its title, brief, seed and composer version.

    Example: composer compose "bright music for a 90-second product video, builds in the final 20 seconds" --seed 1

    Example: composer compose --brief-file scores/social-reel.toml --format wav,mp3 --sample-rate 48000 --bit-depth 24 --stems

    Sheet music and a picture too: composer compose "calm piano for a 60-second interview" --format wav,musicxml --plot

    Cut to picture: composer compose "tense documentary underscore, 90 seconds" --hit 1:15 --stop 0:20+2 --dip 0:45-1:05:pad
    """
    from composer.audio.render import check_workers
    from composer.cue import Cue, output, write_cue

    if workers is not None:
        check_workers(workers)

    asked = _request(brief, brief_file, seed, kind=kind, duration=duration, tempo=tempo, key=key, meter=meter,
                     style=style, loop=loop,
                     **_events(hit, stop, dip, build, turn, fade_in, fade_out, button, fps, timeline, markers))
    made = output(audio_format, midi_only=midi_only, plot=plot, loudness=loudness, soundfont=soundfont,
                  sample_rate=sample_rate, bit_depth=bit_depth, stems=stems, stems_headroom_db=stems_headroom,
                  force=force)
    if name is not None:
        check_name(name)
    base = name or asked.name or default_name(asked)
    written = write_cue(Cue(asked.text, asked.fields, asked.seed, base, made), out_dir, _progress, workers)
    delivered = written.delivered
    report = written.report
    out.print(f"{report['kind']} · {report['key']} · {report['tempo_bpm']:g} BPM · {report['meter']} · "
              f"{report['duration_s']:g} s", markup=False)
    if report["loudness_lufs"] is not None:
        shortfall = report["loudness_shortfall_lu"]
        out.print(f"{report['loudness_lufs']:g} LUFS (target {report['loudness_target_lufs']:g}"
                  f"{f', {shortfall:g} LU short: {_held_by(delivered)}' if shortfall else ''}) · "
                  f"true peak {report['true_peak_dbtp']:g} dBTP · range {report['loudness_range_lu']} LU · "
                  f"{report['sample_rate']} Hz", markup=False)
    _say_stem_levels(delivered)
    for path in written.paths:
        out.print(str(path), markup=False, soft_wrap=True)  # a path is never broken across lines


def _say_stem_levels(delivered: Delivered | None) -> None:
    """A line on the stems' level where they were written: where summed they peak over full scale
    (they carry no limiter), how far and what lowers them; where a headroom lowered them, by how much."""
    levels = delivered.stem_levels if delivered is not None else None
    if levels is None:
        return
    summed = f"stems summed peak at {levels.summed_peak_dbfs:+.1f} dBFS"
    if levels.trim_db > 0:
        out.print(f"{summed}, {levels.trim_db:.1f} dB under the mix's gain", markup=False, soft_wrap=True)
    elif levels.summed_peak_dbfs > 0:
        out.print(f"{summed}, over full scale (stems carry no limiter): --stems-headroom 1 lowers them together "
                  "to -1 dBFS", markup=False, soft_wrap=True)


def _held_by(delivered: Delivered | None) -> str:
    """What held the loudness short of its target: the true-peak ceiling, or the gain cap."""
    from composer.audio.master import MAX_GAIN_DB

    if delivered is not None and delivered.mastered.gain_capped:
        return f"the gain is capped at +{MAX_GAIN_DB:g} dB (the audio is nearly silent)"
    return "the -1 dBTP ceiling wins"


@app.command(cls=_BriefCommand)
def explain(
    brief: BriefText = None,
    brief_file: BriefFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    seed: Seed = None,
    kind: Kind = None,
    duration: Duration = None,
    tempo: Tempo = None,
    key: Key = None,
    meter: Meter = None,
    style: StyleName = None,
    loop: Loop = None,
    hit: Hits = [],  # noqa: B006
    stop: Stops = [],  # noqa: B006
    dip: Dips = [],  # noqa: B006
    build: Builds = [],  # noqa: B006
    turn: Turns = [],  # noqa: B006
    fade_in: FadeIn = None,
    fade_out: FadeOut = None,
    button: Button = None,
    fps: Fps = None,
    timeline: TimelineFile = None,
    markers: MarkerFile = None,
    against: Annotated[Optional[Path], typer.Option(
        "--against", help="An earlier version's MIDI (same brief and seed, events moved): compose this one and say "
                          "which bars play as before and which changed, e.g. --against out/cue.mid",
        show_default=False)] = None,
) -> None:
    """Show how a brief is understood (kind, preset, mood, length, tempo, key, form, events) without composing.

    Example: composer explain "tense documentary underscore, 2 minutes, gets quiet at 0:50" --json

    Example: composer explain "tense cue, 90 seconds, builds to a hit at 1:15" --stop 0:20+2 --markers edit.otio

    Example (after moving a hit): composer explain "tense cue, 90 seconds, a hit at 1:17" --seed 4 --against out/cue.mid
    """
    from composer.composition.brief import build_brief
    from composer.composition.plan import make_plan
    from composer.understanding import explanation, generator

    asked = _request(brief, brief_file, seed, kind=kind, duration=duration, tempo=tempo, key=key, meter=meter,
                     style=style, loop=loop,
                     **_events(hit, stop, dip, build, turn, fade_in, fade_out, button, fps, timeline, markers))
    parsed = build_brief(asked.text, asked.fields)
    data = explanation(parsed, make_plan(parsed, generator(asked.seed, parsed)))
    if against is not None:
        data["changes"] = _changes_against(parsed, asked.seed, against)
    if as_json:
        out.print(json.dumps(data, ensure_ascii=False), markup=False, soft_wrap=True)
        return
    table = Table(show_header=False, box=None)
    for field_name, value in data.items():
        table.add_row(field_name, _readable(field_name, value))
    out.print(table)


def _changes_against(brief: Brief, seed: int, earlier: Path) -> dict[str, object]:
    """Which bars of the piece the brief and seed compose play as in ``earlier`` (a MIDI file)."""
    from composer.measure.reconform import bar_changes
    from composer.piece import compose

    try:
        earlier_bytes = earlier.read_bytes()
    except OSError as error:
        raise ComposerError(f"--against {earlier}: cannot read it ({error.strerror or error})",
                            "give the MIDI file composer wrote for the earlier version") from None
    piece = compose(brief, seed=seed)
    plan = piece.plan
    starts_s = [plan.seconds(plan.bar_start_q(bar)) for bar in range(plan.bars)]
    return bar_changes(starts_s, piece.midi_bytes, earlier_bytes, f"--against {earlier}").as_dict()


def _clock(seconds: float) -> str:
    """Seconds as m:ss.

    >>> _clock(75.4)
    '1:15'
    """
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _readable(field_name: str, value: Any) -> str:
    """One field of `composer explain` as a person reads it."""
    from composer.composition.brief.times import clock_text

    if field_name == "mood":
        words = f" ({', '.join(value['words'])})" if value["words"] else ""
        return f"valence {value['valence']:+.2f}, arousal {value['arousal']:+.2f}{words}"
    if field_name == "energy":
        levels = [level for _, level in value]
        return f"{_sparkline(levels)}  {min(levels, default=0):.2f}–{max(levels, default=0):.2f}"
    if field_name == "instruments":
        return "; ".join(f"{i['role']}: {i['name']} (GM {i['program']})" for i in value)
    if field_name == "sections":
        return " · ".join(f"{s['name']} {_clock(s['start_s'])}" for s in value)
    if field_name == "lift":
        return f"up to {value['key']} at {_clock(value['start_s'])} (bar {value['bar']})" if value else "none"
    if field_name == "tempo_range":
        return f"{value[0]}–{value[1]} BPM"
    if field_name == "style":
        chosen = f"chosen by: {', '.join(value['words'])}" if value["words"] else "the use case's"
        over = f", drums play {value['groove']}" if value.get("groove") else ""
        return f"{value['name']} ({chosen}){over}"
    if field_name == "cues":
        return "; ".join(_describe_cue(cue) for cue in value) or "none"
    if field_name == "events":
        return "; ".join(_describe_event(event) for event in value) or "none"
    if field_name == "tempo_map":
        return " · ".join(f"{t['from_bpm']:g} → {t['bpm']:g} BPM ramp {clock_text(t['start_s'])}–"
                          f"{clock_text(t['end_s'])} (bars {t['bar']}–{t['end_bar']})" if "end_s" in t else
                          f"{t['bpm']:g} BPM from {clock_text(t['start_s'])} (bar {t['bar']})" for t in value) or "none"
    if field_name == "changes":
        if value["first_change_s"] is None:
            return f"every bar as before ({value['same_bars']})"
        return (f"bars {value['same_bars']} as before · bars {value['changed_bars']} changed "
                f"(from {clock_text(value['first_change_s'])})")
    if field_name == "scenes":
        return " · ".join(f"{scene['change'].replace('_', ' ')} from {_clock(scene['start_s'])} (bar {scene['bar']}"
                          f"{', ' + scene['instrument'] if 'instrument' in scene else ''})"
                          for scene in value) or "none (under two minutes)"
    if field_name == "key_changes":
        return " · ".join(f"{k['key']} from {clock_text(k['start_s'])} (bar {k['bar']})" for k in value) or "none"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _describe_cue(cue: dict[str, Any]) -> str:
    if cue["from_end_s"] is not None:
        where = f"over the final {cue['from_end_s']:g} s"
    elif cue["start_s"] is not None:
        where = f"from {_clock(cue['start_s'])}"
    else:
        where = "across the piece"
    return f"{cue['verb']} ×{cue['amount']:g} {where}"


def _describe_event(event: dict[str, Any]) -> str:
    """One event as `composer explain` shows it, asked and landed, e.g.
    "stop 0:20 for 2 s, lands 0:20.000 (bar 9) (flag)"."""
    from composer.composition.brief.times import clock_text

    length = f" for {event['length_s']:g} s" if event["length_s"] else ""
    joined = ", ".join(event["keep"])
    keep = (f": {joined} come in" if event["kind"] == "enter" else f" keeping {joined}") if event["keep"] else ""
    mode = " up a step" if event["mode"] == "up" else f" to {event['mode']}" if event["mode"] else ""
    label = f" “{event['label']}”" if event["label"] else ""
    landed = f", lands {clock_text(event['landed_s'])} (bar {event['bar']})"
    return (f"{event['kind'].replace('_', '-')} {clock_text(event['asked_s'])}{length}{keep}{mode}{label}{landed} "
            f"({event['source']})")


def _sparkline(levels: list[float], width: int = 48) -> str:
    """Energy levels as a row of block characters, resampled to ``width``."""
    if not levels:
        return ""
    blocks = "▁▂▃▄▅▆▇█"
    shown = min(width, len(levels))
    picks = [levels[i * len(levels) // shown] for i in range(shown)]
    return "".join(blocks[min(7, int(level * 8))] for level in picks)


@app.command()
def batch(
    manifest: Annotated[Optional[Path], typer.Argument(
        help="A manifest of cues, one per row: TOML ([defaults] and [[cue]] tables), CSV (a header of fields, a "
             'row per cue) or JSON Lines (an object per line, the first may be {"defaults": {...}}). A row holds '
             "brief or brief_file, seed, name, format and any option of `composer compose` (duration, kind, tempo, "
             "key, meter, style, loop, loudness, sample_rate, bit_depth, stems, hit …), e.g. cues.toml",
        show_default=False)] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for every cue's files and the catalogue, e.g. "
                                                       "--out library; a Dask cluster's workers must see it at the "
                                                       "same path.")] = Path("out"),
    workers: Annotated[Optional[int], typer.Option(
        help="Processes on this machine, e.g. --workers 2 (default: one per core).", show_default=False)] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        help="Run on a Dask cluster instead, e.g. --scheduler tcp://10.0.0.5:8786 (its workers need composer and "
             "the soundfont installed).", show_default=False)] = None,
    expand: Annotated[Optional[str], typer.Option(
        help='No manifest: --count takes of one brief with successive seeds, e.g. --expand "corporate, upbeat" '
             "--count 50", show_default=False)] = None,
    count: Annotated[int, typer.Option(help="How many takes --expand makes, e.g. --count 50")] = 10,
    seed: Annotated[Optional[int], typer.Option(
        help="The first seed of --expand's takes (default 1), e.g. --seed 101", show_default=False)] = None,
    name: Annotated[Optional[str], typer.Option(
        help="With --expand, the names' stem: NAME-01, NAME-02 … (default: the brief's words).",
        show_default=False)] = None,
    audio_format: Annotated[list[str], typer.Option(
        "--format", help="Formats for every cue, over the manifest's, e.g. --format wav,mp3", show_default=False)] = [],  # noqa: B006
    midi_only: Annotated[bool, typer.Option("--midi-only", help="Write no audio for any cue.")] = False,
    duration: Annotated[Optional[float], typer.Option(
        help="Length in seconds of every cue, over the manifest's, e.g. --duration 30", show_default=False)] = None,
    soundfont: Soundfont = None,
) -> None:
    """Compose many cues: each row of a manifest (or each take of --expand) written as `composer compose` writes
    it, on every core or a Dask cluster, then catalogue.csv and catalogue.json in --out (file, title, kind, style,
    duration, BPM, key, mood, loudness, true peak, seed, brief).

    Resumable: a re-run skips the cues whose row, composer version and files are unchanged and redoes the rest.
    A failing row is reported with its line and does not stop the others; the exit status is then 1.

    Example: composer batch cues.toml --out library --workers 2

    Example: composer batch --expand "corporate, upbeat" --count 50 --duration 30 --out corporate
    """
    import time

    from composer.batch import expanded, read_manifest, run_batch

    if (manifest is None) == (expand is None):
        raise ComposerError("give a manifest or --expand", 'e.g. composer batch cues.toml, or composer batch '
                                                            '--expand "corporate, upbeat" --count 50')
    if manifest is not None and (seed is not None or name is not None):
        raise ComposerError("--seed and --name are for --expand", "set seeds and names in the manifest's rows")
    if expand is not None and name is not None:
        check_name(name)
    rows = read_manifest(manifest) if manifest is not None else expanded(expand or "", count, seed or 1, name)
    over = {"format": audio_format or None, "midi_only": True if midi_only else None, "duration": duration,
            "soundfont": str(soundfont.absolute()) if soundfont else None}
    started = time.perf_counter()
    with _batch_progress() as (on_start, on_outcome):
        summary = run_batch(rows, out_dir, manifest.parent if manifest else Path("."), over=over, workers=workers,
                            scheduler=scheduler, on_start=on_start, on_outcome=on_outcome)
    for failure in summary.failed:
        err.print(f"composer: {failure.where}{f' ({failure.name})' if failure.name else ''}: {failure.error}",
                  markup=False, soft_wrap=True)
    made = sum(1 for o in summary.outcomes if o.error is None and not o.skipped)
    skipped = sum(1 for o in summary.outcomes if o.skipped)
    seconds = time.perf_counter() - started
    out.print(f"{len(summary.outcomes)} cues: {made} made, {skipped} unchanged, {len(summary.failed)} failed "
              f"({seconds:.1f} s)", markup=False)
    for path in summary.catalogue:
        out.print(str(path), markup=False, soft_wrap=True)
    if summary.failed:
        raise typer.Exit(1)


@contextmanager
def _batch_progress() -> Iterator[tuple[Callable[[int], None], Callable[[Outcome], None]]]:
    """A bar with the count, failures and time left on a terminal; otherwise a plain line per cue."""
    if not err.is_terminal:
        total = done = 0

        def started(count: int) -> None:
            nonlocal total
            total = count

        def ended(outcome: Outcome) -> None:
            nonlocal done
            done += 1
            what = ("unchanged, skipped" if outcome.skipped else f"made in {outcome.seconds:.1f} s"
                    if outcome.error is None else "failed")
            err.print(f"[{done}/{total}] {outcome.name or outcome.where}: {what}", markup=False, soft_wrap=True)

        yield started, ended
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("cues"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("cues", total=None, failed=0)
        failed = 0

        def begun(count: int) -> None:
            bar.update(task, total=count)

        def finished(outcome: Outcome) -> None:
            nonlocal failed
            failed += outcome.error is not None
            bar.update(task, advance=1, failed=failed)

        yield begun, finished


@app.command()
def render(
    midi_file: Annotated[Path, typer.Argument(help="Any Standard MIDI File, e.g. out/launch.mid or a DAW export.")],
    out_file: Annotated[Optional[Path], typer.Option(
        "--out", help="Audio file to write (.wav/.flac/.ogg/.mp3), default: beside the MIDI as .wav; "
                      "with --format, its name with each format's suffix. A file already there is replaced "
                      "(whole, once the new one is written) if composer made it; anyone else's only with --force.",
        show_default=False)] = None,
    soundfont: Soundfont = None,
    duration: Annotated[Optional[float], typer.Option(
        help="Exact length in seconds (default: the MIDI's own length, plus 2 s to ring out if it stops "
             "with its last note).", show_default=False)] = None,
    loudness: Annotated[float, typer.Option(
        help=f"Integrated loudness target in LUFS, e.g. --loudness {DEFAULT_LOUDNESS_LUFS:g}")] = DEFAULT_LOUDNESS_LUFS,
    audio_format: Formats = [],  # noqa: B006
    sample_rate: SampleRate = 44100,
    bit_depth: BitDepth = None,
    stems: Annotated[bool, typer.Option(
        "--stems", help="Also write one 32-bit float WAV per track (per channel for a type 0 file; tracks sharing "
                        "a channel share one), named by track name, into NAME-stems/: summed they give the mix "
                        "before its limiter, so they may peak over 0 dBFS.")] = False,
    stems_headroom: StemsHeadroom = None,
    force: Force = False,
    workers: Workers = None,
) -> None:
    """Render any MIDI file to audio with FluidSynth, at a target loudness, true peak at most -1 dBTP.

    Example: composer render out/product-video.mid --out out/product-video.flac

    Example: composer render my-edit.mid --format wav,mp3 --sample-rate 48000 --bit-depth 24 --loudness -14 --stems
    """
    from composer.audio import check_bit_depth, check_loudness
    from composer.audio import render as renderer
    from composer.audio.deliver import Rendering, deliver
    from composer.audio.formats import Provenance, audio_format_for, made_by_composer
    from composer.audio.soundfonts import choose_soundfont
    from composer.base.files import output_folder
    from composer.composition.brief import check_duration
    from composer.base.about import version

    check_loudness(loudness)
    renderer.check_sample_rate(sample_rate)
    check_bit_depth(bit_depth)
    check_stems_headroom(stems_headroom, stems)
    if workers is not None:
        renderer.check_workers(workers)
    midi = renderer.check_playable(renderer.read_midi(midi_file), midi_file)
    first = out_file or midi_file.with_suffix(".wav")
    targets = [first.with_suffix(f".{f}") for f in check_formats(audio_format)] if audio_format else [first]
    for target in targets:
        audio_format_for(target)
        if target.exists() and not force and not made_by_composer(target):
            raise ComposerError(f"{target} is already there and composer did not make it",
                                "give another --out, or --force to replace it")
    font = choose_soundfont(soundfont)
    length = check_duration(duration if duration is not None else _natural_length(midi))
    title = next((track.name for track in midi.tracks if track.name), midi_file.stem)
    rendering = Rendering(midi, length, font, renderer.room(renderer.DEFAULT_ROOM), loudness_lufs=loudness,
                          sample_rate=sample_rate, workers=workers)
    with output_folder(first.parent), _progress(length) as progress:
        delivered = deliver(rendering, targets, Provenance(title, version(), source=midi_file.name),
                            stems=renderer.track_stems(midi) if stems else None, bit_depth=bit_depth,
                            progress=progress, stems_headroom_db=stems_headroom)
    mastered = delivered.mastered
    short = (f", {mastered.shortfall_lu:.1f} LU short of {loudness:g}: {_held_by(delivered)}"
             if mastered.shortfall_lu else "")
    for target, measures in zip(targets, delivered.measures.values()):
        out.print(f"{target}  ({length:.3f} s, {measures.sample_rate} Hz, {measures.loudness_lufs:.1f} LUFS{short}, "
                  f"{measures.true_peak_dbtp:.1f} dBTP, {font.name})", markup=False, soft_wrap=True)
    _say_stem_levels(delivered)
    for path in delivered.stems.values():
        out.print(str(path), markup=False, soft_wrap=True)


def _natural_length(midi: Any) -> float:
    """The MIDI's length, with 2 s more when its last note stops at the very end (room to ring
    out), but never past the longest length composer renders when the file itself is within it
    (a 60-minute loop composer wrote renders at 60 minutes, not refused at 60:02)."""
    import mido

    from composer.composition.brief.model import MAX_DURATION_S

    seconds = 0.0
    last_note_end = 0.0
    for message in midi:
        seconds += message.time
        if isinstance(message, mido.Message) and message.type in ("note_on", "note_off"):
            last_note_end = seconds
    total = float(midi.length)
    ring = 2.0 if total - last_note_end < 0.5 else 0.0
    return min(total + ring, max(total, MAX_DURATION_S))


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(
        help="A MIDI file (.mid) — ours or anyone's — or an audio file (.wav/.flac/.ogg/.mp3).")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object {name: value} instead of a table.")] = False,
) -> None:
    """Measure a piece: key, scale, chord tones, melody, parallels, ranges, motif, energy (MIDI);
    length, loudness, true peak, loudness range, clipping, edge levels (audio).

    Example: composer evaluate out/product-video.mid --json
    """
    from composer.measure.evaluate import as_dict
    from composer.measure.evaluate import evaluate as measure

    measures = measure(file)
    if as_json:
        out.print(json.dumps(as_dict(measures), ensure_ascii=False), markup=False, soft_wrap=True)
        return
    table = Table("measure", "value", "unit", "meaning", box=None)
    for column in table.columns[:3]:
        column.no_wrap = True
    table.columns[3].ratio = 1
    for item in measures:
        table.add_row(item.name, _shown(item.value), item.unit, item.meaning)
    out.print(table)


def _shown(value: Any) -> str:
    """A measure's value as a person reads it: a series as a sparkline with its range.

    >>> _shown(None), _shown(0.25), _shown((1.0, 2.0))
    ('—', '0.25', '▄█ 1–2')
    """
    if value is None:
        return "—"
    if isinstance(value, tuple):
        top = max(value, default=0.0) or 1.0
        spark = _sparkline([v / top * 0.99 for v in value], 12)
        return f"{spark} {min(value, default=0):.3g}–{max(value, default=0):.3g}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@app.command()
def plot(
    midi_file: Annotated[Path, typer.Argument(help="Any Standard MIDI File, e.g. out/launch.mid or a DAW export.")],
    out_file: Annotated[Optional[Path], typer.Option(
        "--out", help="PNG file to write, default: beside the MIDI as .png.", show_default=False)] = None,
) -> None:
    """Draw a MIDI file as a PNG: a piano roll per part, a line at each section marker, the energy per bar.

    Example: composer plot out/product-video.mid --out out/product-video.png
    """
    from composer.measure.plot import plot_midi

    out.print(str(plot_midi(midi_file, out_file)), markup=False, soft_wrap=True)


@app.command()
def soundfonts() -> None:
    """List the soundfonts composer can use, in the order it prefers them; the first is the default."""
    from composer.audio.soundfonts import check_soundfont, find_soundfonts

    found = find_soundfonts()
    if not found:
        raise ComposerError("no soundfont found", "run `make setup` or pass --soundfont PATH")
    default_shown = False
    for item in found:
        try:
            check_soundfont(item.path)
            status = "ok"
        except ComposerError as error:
            status = error.problem
        mark = "default" if status == "ok" and not default_shown else ""
        default_shown = default_shown or status == "ok"
        out.print(f"{mark:8} {item.path}  ({item.source}; {status})", markup=False, soft_wrap=True)


@app.command()
def presets() -> None:
    """List the use-case presets: the words that choose them, kind, tempo range, loudness and room."""
    from composer.composition.brief import presets as preset_table

    table = Table("preset", "kind", "tempo", "loudness", "room", "drums", "chosen by")
    for name, preset in preset_table().items():
        table.add_row(name, preset.kind, f"{preset.tempo[0]}–{preset.tempo[1]} BPM",
                      f"{preset.loudness:g} LUFS", preset.room, "yes" if preset.drums else "no",
                      ", ".join(preset.words[:6]))
    out.print(table)


@app.command()
def styles() -> None:
    """List the styles: tempo range, feel, meters, drum kit, how its bass and chords play, the
    chords it speaks in, its own instrument per role (General MIDI; `composer explain` shows who
    plays) and the words that choose it.

    Example: composer explain "lo-fi hip hop bed for a study stream" shows the style a brief chose.
    """
    from composer.base.general_midi import program_name
    from composer.composition.styles import styles as style_table

    table = Table("style", "tempo", "feel", "meter", "kit", "bass", "comping", "harmony", "palette", "chosen by")
    table.columns[0].min_width = max(map(len, style_table()))  # a narrow terminal wraps the words, not a name
    for name, style in style_table().items():
        feel = f"{style.feel} {float(style.swing):.2f}" if style.swing != 1 / 2 else style.feel
        palette = "; ".join(f"{role}: {program_name(programs[0])}" for role, programs in style.palette.items())
        table.add_row(name, f"{style.tempo[0]}–{style.tempo[1]} BPM", feel,
                      ", ".join(f"{beats}/{unit}" for beats, unit in style.meters),
                      style.drums.kit if style.drums else "none", style.bass, style.comping, style.harmony,
                      palette or "the use case's", ", ".join(style.words[:4]))
    out.print(table)
