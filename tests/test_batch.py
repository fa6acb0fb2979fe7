"""`composer batch`: a manifest's cues written as `composer compose` writes them, the same bytes on
a local pool and on a Dask cluster; resumable after a kill; a bad row one line with its place;
a catalogue that reads back. Cues are short and mostly MIDI only, so this stays cheap."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from composer import compose
from composer.batch import CATALOGUE_FIELDS, STATE_FOLDER, Row, read_manifest, run_batch
from tests.conftest import PROJECT, run_composer

TOML_MANIFEST = """\
# three short cues, MIDI only
[defaults]
duration = 3
midi_only = true

[[cue]]
brief = "calm piano for an interview"
seed = 2
name = "calm"

[[cue]]
brief = "upbeat corporate, acoustic guitar"
name = "corporate"
tempo = 110

[[cue]]
brief = "tense trailer build"
name = "tense"
key = "D minor"
hit = ["0:02"]
"""


def _manifest(folder: Path, text: str = TOML_MANIFEST, name: str = "cues.toml") -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    """Every cue file in ``folder`` by name (not the state or the catalogue); the reports name
    the folder their files are in, written here as OUT."""
    return {p.name: p.read_bytes().replace(str(folder).encode(), b"OUT") for p in folder.iterdir()
            if p.is_file() and not p.name.startswith("catalogue")}


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_the_toml_manifest_is_read_with_its_defaults_and_lines(tmp_path: Path) -> None:
    rows = read_manifest(_manifest(tmp_path))
    assert [row.where for row in rows] == ["line 6", "line 11", "line 16"]
    assert rows[1].fields == {"duration": 3, "midi_only": True, "brief": "upbeat corporate, acoustic guitar",
                              "name": "corporate", "tempo": 110}


def test_csv_and_json_lines_manifests_read_as_the_toml_one(tmp_path: Path) -> None:
    csv_rows = read_manifest(_manifest(tmp_path, "brief,seed,name,duration,midi_only,hit\n"
                                                 '"calm piano, interview",2,calm,3,yes,0:01; 0:02\n\n'
                                                 "tense,,tense,3,no,\n", "cues.csv"))
    assert [(row.where, row.fields) for row in csv_rows] == [
        ("line 2", {"brief": "calm piano, interview", "seed": 2, "name": "calm", "duration": 3.0, "midi_only": True,
                    "hit": ["0:01", "0:02"]}),
        ("line 4", {"brief": "tense", "name": "tense", "duration": 3.0, "midi_only": False})]
    jsonl_rows = read_manifest(_manifest(tmp_path, '{"defaults": {"duration": 3}}\n{"brief": "calm", "seed": 2}\n'
                                                   "\n{not json\n", "cues.jsonl"))
    assert [(row.where, row.fields, row.problem) for row in jsonl_rows] == [
        ("line 2", {"duration": 3, "brief": "calm", "seed": 2}, None),
        ("line 4", {}, "is not JSON (Expecting property name enclosed in double quotes at column 2)")]


def test_a_dask_cluster_writes_the_same_bytes_as_the_local_pool_and_compose(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    manifest = _manifest(tmp_path)
    pool_out, dask_out = tmp_path / "pool", tmp_path / "dask"
    on_pool = run_batch(read_manifest(manifest), pool_out, tmp_path, workers=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        on_dask = run_batch(read_manifest(manifest), dask_out, tmp_path, scheduler=cluster.scheduler_address)
    assert on_pool.failed == [] and on_dask.failed == []
    pool_files, dask_files = _files(pool_out), _files(dask_out)
    midi = sorted(name for name in pool_files if name.endswith(".mid"))
    assert midi == ["calm.mid", "corporate.mid", "tense.mid"]
    assert {name: dask_files[name] for name in midi} == {name: pool_files[name] for name in midi}
    # and exactly what `composer compose` (through the API) makes of the same row
    assert pool_files["tense.mid"] == compose("tense trailer build", seed=1, title="tense", duration=3,
                                              key="D minor", hit=["0:02"]).midi_bytes
    assert {"tense.otio", "tense-markers.csv"} <= set(pool_files)  # a cue with events carries its markers


def test_a_rerun_skips_finished_cues_and_redoes_a_deleted_or_half_file(tmp_path: Path) -> None:
    manifest, out = _manifest(tmp_path), tmp_path / "out"
    first = run_batch(read_manifest(manifest), out, tmp_path, workers=1)
    assert [o.skipped for o in first.outcomes] == [False, False, False] and first.failed == []
    written, stamps = _files(out), _stamps(out)
    (out / "corporate.mid").unlink()
    half = (out / "tense.json").read_bytes()
    (out / "tense.json").write_bytes(half[: len(half) // 2])
    again = run_batch(read_manifest(manifest), out, tmp_path, workers=1)
    assert [(o.name, o.skipped, o.error) for o in again.outcomes] == [
        ("calm", True, None), ("corporate", False, None), ("tense", False, None)]
    now = _stamps(out)
    assert {name: now[name] for name in stamps if name.startswith("calm")} == \
        {name: stamps[name] for name in stamps if name.startswith("calm")}  # not touched
    assert _files(out) == written


def test_a_changed_row_or_version_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run_batch(read_manifest(_manifest(tmp_path)), out, tmp_path, workers=1)
    changed = read_manifest(_manifest(tmp_path, TOML_MANIFEST.replace("tempo = 110", "tempo = 120")))
    assert [o.skipped for o in run_batch(changed, out, tmp_path, workers=1).outcomes] == [True, False, True]
    monkeypatch.setattr("composer.batch.version", lambda: "9.9.9")
    assert [o.skipped for o in run_batch(changed[:1], out, tmp_path, workers=1).outcomes] == [False]


def test_a_batch_stopped_after_some_cues_completes_without_redoing_them(tmp_path: Path) -> None:
    """What a kill leaves: the cues done before it, with their state; the cue being written as a
    staging folder with a half file and no journal (composer.base.files). A re-run finishes the
    rest, leaves the finished cues alone and no half file anywhere."""
    manifest = _manifest(tmp_path)
    reference = tmp_path / "reference"
    run_batch(read_manifest(manifest), reference, tmp_path, workers=1)
    out = tmp_path / "out"
    run_batch(read_manifest(manifest)[:1], out, tmp_path, workers=1)  # stopped after one cue
    staging = out / ".corporate.k1ll3d00.composer-staging"
    (staging / "set").mkdir(parents=True)
    (staging / "old").mkdir()
    (staging / "set" / "corporate.mid").write_bytes((reference / "corporate.mid").read_bytes()[:100])
    stamps = _stamps(out)
    resumed = run_batch(read_manifest(manifest), out, tmp_path, workers=1)
    assert [(o.name, o.skipped) for o in resumed.outcomes] == [("calm", True), ("corporate", False), ("tense", False)]
    assert all(_stamps(out)[name] == stamp for name, stamp in stamps.items() if name.startswith("calm"))
    assert not any(p.name.endswith(".composer-staging") for p in out.iterdir())
    assert _files(out) == _files(reference)


def test_a_killed_batch_process_completes_on_rerun(tmp_path: Path) -> None:
    """The real thing: SIGKILL to the batch and its pool once a cue is written, then a re-run."""
    rows = "".join(f'{{"brief": "calm piano, take {i}", "name": "take-{i}"}}\n' for i in range(1, 7))
    manifest = _manifest(tmp_path, '{"defaults": {"duration": 3, "midi_only": true}}\n' + rows, "cues.jsonl")
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from composer.cli import main; main()", "batch", str(manifest), "--out",
               str(out), "--workers", "1"]
    process = subprocess.Popen(command, cwd=PROJECT, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((out / STATE_FOLDER).glob("*.json")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.stem for p in (out / STATE_FOLDER).glob("*.json")}
    assert finished, "no cue was written before the kill"
    stamps = _stamps(out)
    result = run_composer("batch", str(manifest), "--out", str(out), "--workers", "1")
    assert result.code == 0, result.stderr
    assert f"6 cues: {6 - len(finished)} made, {len(finished)} unchanged, 0 failed" in result.stdout
    now = _stamps(out)
    assert all(now[name] == stamp for name, stamp in stamps.items() if Path(name).stem in finished)
    assert not any(p.name.endswith(".composer-staging") or p.name.endswith(".lock") for p in out.iterdir())
    assert sorted(p.name for p in out.glob("*.mid")) == [f"take-{i}.mid" for i in range(1, 7)]


def test_a_bad_row_is_one_line_with_its_place_and_the_rest_complete(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, '{"defaults": {"duration": 3, "midi_only": true}}\n'
                                   '{"brief": "calm piano", "name": "good-1"}\n'
                                   '{"brief": "calm piano", "name": "odd", "colour": "red"}\n'
                                   '{"brief": "calm piano", "name": "short", "duration": 0}\n'
                                   '{"brief": "calm piano", "name": "good-1", "seed": 4}\n'
                                   "{oops\n"
                                   '{"brief": "tense strings", "name": "good-2"}\n', "cues.jsonl")
    result = run_composer("batch", str(manifest), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.code == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("composer:")]
    assert errors == [
        "composer: line 3 (odd): unknown option colour: use only: " + ", ".join(sorted(
            ["bit_depth", "brief", "brief_file", "build", "button", "dip", "duration", "ending", "events", "exclude",
             "fade_in", "fade_out", "format", "fps", "hit", "instruments", "key", "kind", "loop", "loudness",
             "markers", "meter", "midi_only", "name", "plot", "preset", "sample_rate", "seed", "soundfont", "stems",
             "stop", "style", "tempo", "timeline", "turn"])),
        "composer: line 4 (short): duration 0 s is not positive: give a length such as 90 s or 1:30",
        "composer: line 5 (good-1): the name 'good-1' is taken by line 2: give each cue its own name",
        "composer: line 6: it is not JSON (Expecting property name enclosed in double quotes at column 2): fix the row",
    ]
    assert "6 cues: 2 made, 0 unchanged, 4 failed" in result.stdout
    assert {p.name for p in (tmp_path / "out").glob("*.mid")} == {"good-1.mid", "good-2.mid"}


def test_the_catalogue_reads_back_one_entry_per_finished_cue(tmp_path: Path, small_soundfont: Path) -> None:
    rows = [Row("line 1", {"brief": "calm piano for an interview", "duration": 2, "name": "calm", "seed": 3,
                           "format": "flac", "soundfont": str(small_soundfont)}),
            Row("line 2", {"brief": "upbeat corporate", "duration": 2, "name": "corporate", "midi_only": True}),
            Row("line 3", {"brief": "broken", "duration": -1, "name": "broken"})]
    out = tmp_path / "out"
    summary = run_batch(rows, out, tmp_path, workers=2)
    assert [o.where for o in summary.failed] == ["line 3"]
    with (out / "catalogue.csv").open(newline="", encoding="utf-8") as table:
        listed = list(csv.DictReader(table))
    entries = json.loads((out / "catalogue.json").read_text("utf-8"))
    assert [tuple(entry) for entry in entries] == [CATALOGUE_FIELDS] * 2
    assert [entry["file"] for entry in listed] == [entry["file"] for entry in entries] == ["calm.flac", "corporate.mid"]
    calm, corporate = entries
    report = json.loads((out / "calm.json").read_text("utf-8"))
    assert calm == {"file": "calm.flac", "title": "calm", "kind": report["kind"], "style": report["style"]["name"],
                    "duration_s": 2.0, "bpm": report["tempo_bpm"], "key": report["key"],
                    "mood": report["mood"]["words"], "loudness_lufs": report["loudness_lufs"],
                    "true_peak_dbtp": report["true_peak_dbtp"], "seed": 3, "brief": "calm piano for an interview"}
    assert calm["loudness_lufs"] is not None and calm["true_peak_dbtp"] <= -1.0
    assert corporate["loudness_lufs"] is None and corporate["seed"] == 1
    assert listed[0]["mood"] == "; ".join(calm["mood"]) and listed[0]["key"] == calm["key"]


def test_expand_makes_numbered_takes_with_successive_seeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_composer("batch", "--expand", "corporate, upbeat", "--count", "3", "--seed", "5", "--duration", "3",
                          "--midi-only", "--out", str(out), "--workers", "1")
    assert result.code == 0, result.stderr
    entries = json.loads((out / "catalogue.json").read_text("utf-8"))
    assert [(e["file"], e["seed"], e["brief"]) for e in entries] == [
        (f"corporate-upbeat-0{i}.mid", 4 + i, "corporate, upbeat") for i in (1, 2, 3)]
    assert len({(out / e["file"]).read_bytes() for e in entries}) == 3  # three different takes


def test_a_scheduler_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    result = run_composer("batch", str(manifest), "--out", str(tmp_path / "out"), "--scheduler",
                          "tcp://127.0.0.1:9")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("composer: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_a_rows_brief_file_is_read_beside_the_manifest_and_the_row_wins(tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "bed.toml").write_text('brief = "warm podcast bed"\nname = "bed"\nseed = 4\n'
                                                  "duration = 60\n", "utf-8")
    manifest = _manifest(tmp_path, '[[cue]]\nbrief_file = "briefs/bed.toml"\nduration = 3\nmidi_only = true\n')
    summary = run_batch(read_manifest(manifest), tmp_path / "out", manifest.parent, workers=1)
    assert summary.failed == []
    report = json.loads((tmp_path / "out" / "bed.json").read_text("utf-8"))
    assert (report["brief"], report["seed"], report["duration_s"]) == ("warm podcast bed", 4, 3.0)
