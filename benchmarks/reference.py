"""Reference figures: composer's measures on real music beside ours.

Real music comes from music21's corpus: Bach chorales (four voices, the textbook of harmony and
voice leading) and folk melodies from the Essen collection (one line, the textbook of how tunes
move). Each is written to MIDI by music21 — with its pickup bar padded, so the file's bar lines
are the music's — and measured by ``composer.measure.evaluate.evaluate`` exactly as any user's file
would be. Ours are composed from one brief per kind of cue, several seeds each. Every column
shows the median over its pieces (energy per bar: the median of the mean bar).
Run: .venv/bin/python benchmarks/reference.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mido  # noqa: E402

from composer import compose  # noqa: E402
from composer.measure.evaluate import Value, as_dict, evaluate  # noqa: E402

CHORALES = ("bach/bwv66.6", "bach/bwv269", "bach/bwv347", "bach/bwv153.1", "bach/bwv86.6", "bach/bwv40.8")
FOLK_SONGS = (("essenFolksong/altdeu10", 1), ("essenFolksong/altdeu10", 4), ("essenFolksong/erk5", 1),
              ("essenFolksong/erk5", 2), ("essenFolksong/han1", 1), ("essenFolksong/han1", 4),
              ("essenFolksong/kinder0", 1), ("essenFolksong/boehme10", 3))
BRIEFS = {
    "thematic": "bright product video with a recurring theme, 60 seconds",
    "underscore": "calm reflective underscore for a 60-second documentary interview, no drums",
    "bed": "warm seamless loop for a podcast, 2 minutes",
    "stinger": "epic logo sting, 3 seconds",
    "ambient": "mysterious ambient drone for a game menu, 90 seconds",
}
SEEDS = range(1, 6)
ROWS = ("key_correlation", "pitch_in_scale", "pitch_class_entropy", "strong_beat_chord_tones", "stepwise_share",
        "leap_share", "leap_recovery", "parallel_perfects", "outside_gm_range", "empty_beat_rate", "mean_polyphony",
        "motif_recurrence", "motif_top_count", "energy_per_bar", "onset_regularity", "tempo_bpm", "duration_s")


def write_corpus_piece(name: str, number: int | None, folder: Path) -> Path | None:
    """A corpus piece written as MIDI by music21, its pickup padded to a whole bar; None if
    music21 cannot write it (a few Essen tunes trip its MIDI writer)."""
    from music21 import corpus, stream

    score = corpus.parse(name, number=number) if number else corpus.parse(name)
    path = folder / f"{name.replace('/', '-')}-{number or 0}.mid"
    try:
        score.write("midi", fp=str(path))
    except Exception as error:  # noqa: BLE001 - music21's writer fails in several ways on odd scores
        print(f"  (skipped {name} #{number}: music21 cannot write it as MIDI: {type(error).__name__})")
        return None
    first = score.parts[0].getElementsByClass(stream.Measure).first() if score.parts else None
    pickup = float(first.paddingLeft) if first is not None else 0.0
    if pickup > 0:  # music21 starts the upbeat at beat 1; delay every part's first note instead
        midi = mido.MidiFile(str(path))
        ticks = round(pickup * midi.ticks_per_beat)
        for track in midi.tracks:
            first_note = next((m for m in track if m.type == "note_on"), None)
            if first_note is not None:
                first_note.time += ticks
        midi.save(str(path))
    return path


def median(values: list[Value]) -> Value:
    """Median of the numbers (a series counts as its mean); a name when all agree."""
    numbers = [statistics.fmean(v) if isinstance(v, tuple) and v else v for v in values]
    numeric = [float(v) for v in numbers if isinstance(v, (int, float))]
    if numeric:
        return statistics.median(numeric)
    names = {v for v in values if isinstance(v, str)}
    return names.pop() if len(names) == 1 else None


def shown(value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def main() -> None:
    warnings.filterwarnings("ignore")  # music21's parsers warn about details of old encodings
    started = time.perf_counter()
    columns: dict[str, list[dict[str, Value]]] = {}
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        bach = [write_corpus_piece(name, None, folder) for name in CHORALES]
        folk = [write_corpus_piece(name, number, folder) for name, number in FOLK_SONGS]
        columns[f"Bach×{sum(p is not None for p in bach)}"] = [as_dict(evaluate(p)) for p in bach if p]
        columns[f"folk×{sum(p is not None for p in folk)}"] = [as_dict(evaluate(p)) for p in folk if p]
        for kind, brief in BRIEFS.items():
            pieces = []
            for seed in SEEDS:
                path = compose(brief, seed=seed).write_midi(folder / f"{kind}-{seed}.mid")
                pieces.append(as_dict(evaluate(path)))
            columns[f"{kind}×{len(pieces)}"] = pieces
    keys = {name: ", ".join(sorted({str(m["key"]) for m in pieces})) for name, pieces in columns.items()}
    width = max(len(row) for row in ROWS) + 2
    print(f"median per column; ours: seeds {SEEDS.start}–{SEEDS.stop - 1} of one brief per kind")
    print(" " * width + "".join(f"{name:>13}" for name in columns))
    for row in ROWS:
        cells = "".join(f"{shown(median([m[row] for m in pieces])):>13}" for pieces in columns.values())
        print(f"{row:<{width}}{cells}")
    print()
    for name, found in keys.items():
        print(f"{name:>14} keys found: {found}")
    print("briefs: " + "; ".join(f"{kind}: {brief!r}" for kind, brief in BRIEFS.items()))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
