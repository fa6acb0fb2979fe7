"""`composer batch`: many cues from one manifest, on this machine's cores or a Dask cluster,
resumable, ending in a catalogue a stock-music library can publish.

A manifest is TOML, CSV or JSON Lines; each row is one cue, with the fields of a brief file
(``brief``, ``seed``, ``name``, ``kind``, ``duration``, ``tempo``, ``key``, events …) and the
options of `composer compose` (``brief_file``, ``format``, ``midi_only``, ``loudness``,
``sample_rate``, ``bit_depth``, ``stems``, ``plot``, ``soundfont``); paths are read relative
to the manifest. Defaults: TOML's ``[defaults]`` table (rows are ``[[cue]]`` tables), JSON
Lines' first line ``{"defaults": {...}}``; a CSV's columns are the fields and an empty cell
leaves its field unset (lists in a cell are separated by ";").

Every cue goes through :func:`composer.cue.write_cue`, the path `composer compose` takes, so
it is the same files, byte for byte, wherever it runs. A cue's set appears whole or not at
all; once written, a state file (``.composer-batch/NAME.json`` in the output folder, written
atomically) holds a hash of its resolved row and composer's version and a hash of each file.
A re-run skips a cue whose state still matches its row and its files, and redoes the rest. A
failing cue is recorded with its line and one-line error and stops no other.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from composer.base.about import version
from composer.base.errors import ComposerError
from composer.base.files import write_bytes, write_together
from composer.composition.brief.overrides import FIELD_SCHEMA, check_fields
from composer.cue import AUDIO_CHOICES, DEFAULT_SAMPLE_RATE, Cue, check_name, default_name, output, request, slug, write_cue

#: What a row may set besides the brief file's fields, each with the kind of value it takes.
OUTPUT_FIELDS: dict[str, str] = {
    "brief_file": "text", "format": "list of text", "midi_only": "true or false", "plot": "true or false",
    "loudness": "number", "soundfont": "text", "sample_rate": "whole number", "bit_depth": "whole number",
    "stems": "true or false",
}
#: Every field a row may hold, with its kind.
ROW_FIELDS: dict[str, str] = {**{name: kind for name, (kind, _) in FIELD_SCHEMA.items()}, **OUTPUT_FIELDS}
#: Fields naming a file, read relative to the manifest.
PATH_FIELDS = ("brief_file", "soundfont", "timeline", "markers")
#: Where each written cue's state is kept, inside the output folder.
STATE_FOLDER = ".composer-batch"
#: The catalogue's base name (a cue may not take it) and its columns, in order.
CATALOGUE = "catalogue"
CATALOGUE_FIELDS = ("file", "title", "kind", "style", "duration_s", "bpm", "key", "mood", "loudness_lufs",
                    "true_peak_dbtp", "seed", "brief")


@dataclass(frozen=True)
class Row:
    """One manifest row: where it is (``"line 7"``), its fields over the defaults, or the
    problem that kept it from being read."""

    where: str
    fields: dict[str, Any]
    problem: str | None = None


@dataclass(frozen=True)
class Job:
    """A cue to write into ``folder``, with ``key``, the hash of everything that decides its bytes."""

    where: str
    cue: Cue
    folder: Path
    key: str


@dataclass(frozen=True)
class Outcome:
    """What became of one row: made (``seconds`` of work), ``skipped`` as unchanged, or failed
    with its one-line ``error``."""

    where: str
    name: str | None
    error: str | None = None
    seconds: float = 0.0
    skipped: bool = False


@dataclass(frozen=True)
class Summary:
    """A batch's outcomes in manifest order, and the catalogue files written."""

    outcomes: list[Outcome]
    catalogue: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]


# --- reading a manifest -------------------------------------------------------------------

def read_manifest(path: Path) -> list[Row]:
    """The rows of a TOML, CSV or JSON Lines manifest (by its suffix), defaults laid under each."""
    readers = {".toml": _toml_rows, ".csv": _csv_rows, ".jsonl": _jsonl_rows, ".ndjson": _jsonl_rows}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ComposerError(f"manifest {path} is not .toml, .csv or .jsonl", "name it by its format, e.g. cues.toml")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ComposerError(f"manifest {path} does not exist", "check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ComposerError(f"cannot read manifest {path} ({getattr(error, 'strerror', None) or error})",
                            "give a UTF-8 text file") from None
    return reader(text, path)


def _toml_rows(text: str, path: Path) -> list[Row]:
    """``[defaults]`` and ``[[cue]]`` tables; each row is placed at its ``[[cue]]`` line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ComposerError(f"manifest {path} is not valid TOML ({error})", "fix the file") from None
    defaults, cues = data.pop("defaults", {}), data.pop("cue", [])
    if data or not isinstance(defaults, dict) or not isinstance(cues, list):
        raise ComposerError(f"manifest {path} holds {sorted(data) or 'other than tables'}",
                            "write a [defaults] table and one [[cue]] table per cue")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*cue\s*\]\]", line)]
    places = [f"line {n}" for n in lines] if len(lines) == len(cues) else [f"cue {i}" for i in range(1, len(cues) + 1)]
    return [Row(where, {**defaults, **cue}) if isinstance(cue, dict) else Row(where, {}, "is not a table")
            for where, cue in zip(places, cues)]


def _csv_rows(text: str, path: Path) -> list[Row]:
    """A header naming the fields, then a row per cue; empty cells are left unset."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_field_name(name) for name in next(reader, [])]
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        where, start = f"line {start}", reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            rows.append(Row(where, {}, f"has {len(cells)} cells where the header names {len(header)}"))
            continue
        rows.append(Row(where, {name: _from_cell(ROW_FIELDS.get(name, "text"), cell.strip())
                                for name, cell in zip(header, cells) if cell.strip()}))
    return rows


def _from_cell(kind: str, cell: str) -> Any:
    """A CSV cell as the value its field takes; left as text where it is not one (the check says so).

    >>> _from_cell("list of times", "1:15; 1:30"), _from_cell("true or false", "yes"), _from_cell("whole number", "x")
    (['1:15', '1:30'], True, 'x')
    """
    if kind == "true or false":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(cell.lower(), cell)
    if kind in ("whole number", "number"):
        try:
            return int(cell) if kind == "whole number" else float(cell)
        except ValueError:
            return cell
    if kind in ("list of text", "list of times"):
        return [item.strip() for item in cell.split(";") if item.strip()]
    if kind == "list of tables":
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    return cell


def _jsonl_rows(text: str, path: Path) -> list[Row]:
    """One JSON object per line; a first line ``{"defaults": {...}}`` holds the defaults."""
    rows: list[Row] = []
    defaults: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append(Row(where, {}, f"is not JSON ({error.msg} at column {error.colno})"))
            continue
        if not isinstance(value, dict):
            rows.append(Row(where, {}, "is not a JSON object"))
        elif list(value) == ["defaults"] and not rows and not defaults:
            if not isinstance(value["defaults"], dict):
                raise ComposerError(f"manifest {path} {where}: defaults is not an object",
                                    'write e.g. {"defaults": {"duration": 30}}')
            defaults = value["defaults"]
        else:
            rows.append(Row(where, {**defaults, **value}))
    return rows


def expanded(brief: str, count: int, first_seed: int, prefix: str | None = None) -> list[Row]:
    """``count`` takes of one brief with successive seeds, named ``PREFIX-01``, ``PREFIX-02`` …

    >>> [(row.where, row.fields["seed"], row.fields["name"]) for row in expanded("corporate, upbeat", 2, 7)]
    [('cue 1', 7, 'corporate-upbeat-01'), ('cue 2', 8, 'corporate-upbeat-02')]
    """
    if not 1 <= count <= 10_000:
        raise ComposerError(f"--count {count} is outside 1 to 10000", "give e.g. --count 50")
    stem = prefix if prefix is not None else slug(brief)
    width = max(2, len(str(count)))
    return [Row(f"cue {i}", {"brief": brief, "seed": first_seed + i - 1, "name": f"{stem}-{i:0{width}d}"})
            for i in range(1, count + 1)]


def _field_name(name: str) -> str:
    return name.strip().lower().replace("-", "_")


# --- from a row to a job -----------------------------------------------------------------

def resolve(row: Row, manifest_folder: Path, over: Mapping[str, Any] | None = None) -> Cue:
    """The cue a row asks for, checked whole as `composer compose` checks its flags (the brief
    built once here, so a bad one fails before any work): a clear error otherwise. ``over``
    (the command's own flags) wins over the row."""
    if row.problem:
        raise ComposerError(f"it {row.problem}", "fix the row")
    fields = {_field_name(name): value for name, value in row.fields.items()}
    fields |= {name: value for name, value in (over or {}).items() if value is not None}
    unknown = sorted(set(fields) - set(ROW_FIELDS))
    if unknown:
        raise ComposerError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
                            f"use only: {', '.join(sorted(ROW_FIELDS))}")
    check_fields({name: value for name, value in fields.items() if name in FIELD_SCHEMA})
    _check_output_fields(fields)
    for name in PATH_FIELDS:
        if isinstance(fields.get(name), str):
            fields[name] = str(manifest_folder / fields[name])
    text, brief_file, seed, name = (fields.pop(key, None) for key in ("brief", "brief_file", "seed", "name"))
    if text is None and brief_file is None:
        raise ComposerError("no brief", 'give the cue brief = "…" or brief_file = "…" (or one in the defaults)')
    formats = fields.pop("format", None)
    made = output([formats] if isinstance(formats, str) else formats or [], midi_only=bool(fields.pop("midi_only", False)), plot=bool(fields.pop("plot", False)),
                  loudness=fields.pop("loudness", None), soundfont=_path(fields.pop("soundfont", None)),
                  sample_rate=fields.pop("sample_rate", None) or DEFAULT_SAMPLE_RATE, bit_depth=fields.pop("bit_depth", None),
                  stems=bool(fields.pop("stems", False)))
    asked = request(text, _path(brief_file), seed, "manifest", **fields)
    from composer.composition.brief import build_brief

    build_brief(asked.text, asked.fields)
    chosen = check_name(name, "name", 'write e.g. name = "launch-v1"') if name is not None else \
        asked.name or default_name(asked)
    if chosen == CATALOGUE:
        raise ComposerError(f"the name {CATALOGUE!r} is the catalogue's", "give the cue another name")
    return Cue(asked.text, asked.fields, asked.seed, chosen, made)


def _path(value: Any) -> Path | None:
    return Path(value) if value is not None else None


def _check_output_fields(fields: Mapping[str, Any]) -> None:
    """Each of the compose options a row sets has its kind of value, else a clear error."""
    for name, kind in OUTPUT_FIELDS.items():
        value = fields.get(name)
        if value is None:
            continue
        fine = {
            "text": isinstance(value, str),
            "true or false": isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "whole number": isinstance(value, int) and not isinstance(value, bool),
            "list of text": isinstance(value, str) or (isinstance(value, list)
                                                       and all(isinstance(item, str) for item in value)),
        }[kind]
        if not fine:
            shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:40]}…"
            raise ComposerError(f"{name} {shown} is not {'a ' if 'number' in kind else ''}{kind}",
                                f"write e.g. {_EXAMPLES[name]}")


_EXAMPLES = {"brief_file": 'brief_file = "scores/podcast-bed.toml"', "format": 'format = "wav,flac"',
             "midi_only": "midi_only = true", "plot": "plot = true", "loudness": "loudness = -16",
             "soundfont": 'soundfont = "GeneralUser.sf2"', "sample_rate": "sample_rate = 48000",
             "bit_depth": "bit_depth = 24", "stems": "stems = true"}


def cue_key(cue: Cue) -> str:
    """A hash of everything that decides the cue's bytes: the resolved row, the contents of
    the files it reads (timeline, markers), the soundfont by path, size and time, and
    composer's version. Same key, same files."""
    font = cue.output.soundfont
    read = {name: _digest(Path(cue.fields[name])) for name in ("timeline", "markers") if cue.fields.get(name)}
    inputs = {
        "version": version(), "text": cue.text, "fields": cue.fields, "seed": cue.seed, "name": cue.name,
        "output": {**asdict(cue.output), "soundfont": _font_stamp(font) if font else None}, "read": read,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _font_stamp(font: Path) -> str:
    found = font.stat()
    return f"{font}:{found.st_size}:{found.st_mtime_ns}"


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def state_path(folder: Path, name: str) -> Path:
    """Where the state of the cue ``name`` written into ``folder`` is kept."""
    return folder / STATE_FOLDER / f"{name}.json"


def is_done(job: Job) -> bool:
    """Whether the job's cue is written: its state has the job's key and every file it lists
    is there with the bytes it had when written."""
    try:
        state = json.loads(state_path(job.folder, job.cue.name).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("key") != job.key:
        return False
    files = state.get("files")
    if not isinstance(files, dict) or not files:
        return False
    return all(_digest(job.folder / name) == digest for name, digest in files.items())


def make_cue(job: Job) -> Outcome:
    """Write one cue and then its state; runs in a worker (a pool process or a Dask worker).
    Never raises for a bad cue: its error comes back as the outcome, one line."""
    started = time.perf_counter()
    try:
        cue = job.cue
        if state_path(job.folder, cue.name).exists():  # the batch wrote this set before: its files are composer's
            cue = replace(cue, output=replace(cue.output, force=True))
        written = write_cue(cue, job.folder, workers=1)  # the batch's own processes fill the cores
        state = {"key": job.key, "version": version(),
                 "files": {str(path.relative_to(job.folder)): _digest(path) for path in written.paths}}
        (job.folder / STATE_FOLDER).mkdir(exist_ok=True)
        write_bytes(state_path(job.folder, job.cue.name), json.dumps(state, indent=2).encode("utf-8"))
    except Exception as error:  # noqa: BLE001 - one cue's failure, whatever it is, is that cue's line
        return Outcome(job.where, job.cue.name, _one_line(error), time.perf_counter() - started)
    return Outcome(job.where, job.cue.name, None, time.perf_counter() - started)


def _one_line(error: BaseException) -> str:
    """A ComposerError's message; any other exception's type and message, on one line."""
    text = str(error) if isinstance(error, ComposerError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split())


# --- running ------------------------------------------------------------------------------

Report = Callable[[Outcome], None]


def run_batch(rows: Sequence[Row], folder: Path, manifest_folder: Path, *, over: Mapping[str, Any] | None = None,
              workers: int | None = None, scheduler: str | None = None,
              on_start: Callable[[int], None] = lambda total: None, on_outcome: Report = lambda outcome: None,
              ) -> Summary:
    """Resolve every row, skip the cues already written as asked, write the rest on a local
    process pool of ``workers`` (default: every core) or on the Dask cluster at ``scheduler``,
    then write the catalogue of every written cue. ``on_outcome`` hears of each row as it ends."""
    from composer.base.files import prepare_folder

    if scheduler is not None and workers is not None:
        raise ComposerError("--workers is for this machine's pool, --scheduler for a Dask cluster", "give one of them")
    if workers is not None and workers < 1:
        raise ComposerError(f"--workers {workers} is less than 1", "give e.g. --workers 2")
    folder = prepare_folder(folder.absolute())
    on_start(len(rows))
    outcomes: dict[int, Outcome] = {}
    jobs: dict[int, Job] = {}
    taken: dict[str, str] = {}
    for index, row in enumerate(rows):
        try:
            cue = resolve(row, manifest_folder.absolute(), over)
            if cue.name in taken:
                raise ComposerError(f"the name {cue.name!r} is taken by {taken[cue.name]}", "give each cue its own name")
        except ComposerError as error:
            outcomes[index] = Outcome(row.where, row.fields.get("name"), _one_line(error))
            on_outcome(outcomes[index])
            continue
        taken[cue.name] = row.where
        job = Job(row.where, cue, folder, cue_key(cue))
        if is_done(job):
            outcomes[index] = Outcome(row.where, cue.name, skipped=True)
            on_outcome(outcomes[index])
        else:
            jobs[index] = job

    def finished(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        on_outcome(outcome)

    if jobs:
        if scheduler is not None:
            _on_dask(jobs, scheduler, finished)
        else:
            _on_pool(jobs, workers or os.cpu_count() or 1, finished)
    ordered = [outcomes[index] for index in range(len(rows))]
    return Summary(ordered, write_catalogue(folder, [o.name for o in ordered if o.error is None and o.name]))


def _on_pool(jobs: Mapping[int, Job], workers: int, finished: Callable[[int, Outcome], None]) -> None:
    """Each job in a process of a local pool. The processes are forked from a fresh server
    process that has imported the music and audio stacks once (seconds on a busy machine), not
    from this one, whose synth may hold threads that would not survive a fork."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["composer.batch", "composer.piece", "composer.audio.deliver"])
    else:
        context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(make_cue, job): index for index, job in jobs.items()}
        try:
            for future in as_completed(futures):
                index = futures[future]
                finished(index, _result(future.result, jobs[index]))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _on_dask(jobs: Mapping[int, Job], scheduler: str, finished: Callable[[int, Outcome], None]) -> None:
    """Each job as a task on the Dask cluster at ``scheduler``; its workers write into the
    output folder, which they must see at the same path (a shared file system)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ComposerError("--scheduler needs Dask", "install it: pip install 'dask[distributed]'") from None
    try:
        client = Client(scheduler, timeout=5, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ComposerError(f"cannot reach the Dask scheduler at {scheduler} ({_one_line(error)})",
                            "start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                            "or leave out --scheduler to use this machine's cores") from None
    with client:
        futures = {client.submit(make_cue, job, pure=False): index for index, job in jobs.items()}
        for future in as_completed(futures, loop=client.loop):
            index = futures[future]
            finished(index, _result(future.result, jobs[index]))


def _result(result: Callable[[], Outcome], job: Job) -> Outcome:
    """A worker's outcome, or the job's failure when the worker itself died or failed."""
    try:
        return result()
    except Exception as error:  # noqa: BLE001 - a lost worker fails its cue, not the batch
        return Outcome(job.where, job.cue.name, _one_line(error))


# --- the catalogue ------------------------------------------------------------------------

def catalogue_entry(report: Mapping[str, Any]) -> dict[str, Any]:
    """One cue as a stock-music library lists it, from its JSON report: the audio file (the
    MIDI when it has none) and what the music is."""
    files = report["files"]
    audio = next((path for kind, path in files.items() if kind in AUDIO_CHOICES), files["midi"])
    return {"file": Path(audio).name, "title": report["title"], "kind": report["kind"],
            "style": report["style"]["name"], "duration_s": report["duration_s"], "bpm": report["tempo_bpm"],
            "key": report["key"], "mood": list(report["mood"]["words"]), "loudness_lufs": report["loudness_lufs"],
            "true_peak_dbtp": report["true_peak_dbtp"], "seed": report["seed"], "brief": report["brief"]}


def write_catalogue(folder: Path, names: Iterable[str]) -> list[Path]:
    """``catalogue.csv`` and ``catalogue.json`` in ``folder``: one entry per named cue, read
    from its report, written together."""
    entries = []
    for name in names:
        try:
            entries.append(catalogue_entry(json.loads((folder / f"{name}.json").read_text("utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a report gone or not composer's: the cue is not offered
    table = io.StringIO()
    writer = csv.DictWriter(table, CATALOGUE_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow({**entry, "mood": "; ".join(entry["mood"])})
    paths = [folder / f"{CATALOGUE}.csv", folder / f"{CATALOGUE}.json"]
    write_together({paths[0]: table.getvalue().encode("utf-8"),
                    paths[1]: (json.dumps(entries, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}, CATALOGUE)
    return paths
