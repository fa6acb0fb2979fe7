"""Fingerprint of what composer makes: MIDI bytes, the JSON report, the score's spelled notes
and `explain --json`, over many briefs × seeds. A refactor that should change nothing must
leave every fingerprint the same.

    .venv/bin/python scripts/fingerprint.py > before.json   # on the old code
    .venv/bin/python scripts/fingerprint.py > after.json    # on the new code
    diff before.json after.json && echo identical

The last line of the output is one hash over everything.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from composer import compose
from composer.cli import app

SCORES = Path(__file__).resolve().parent.parent / "scores"
SEEDS = (1, 2, 7)
BRIEFS = (
    "bright, forward-moving background music for a 90-second product video, no vocals, builds slightly in the final 20 seconds",
    "calm reflective underscore for a 60-second documentary interview, no drums",
    "tense trailer theme, 45 seconds, in D minor",
    "warm seamless loop for a podcast, 2 minutes",
    "calm piano for a 60-second interview",
    "gets quiet at 0:50 for the voiceover then lifts again at 1:10, 2 minutes, corporate",
    "logo stinger, 4 seconds, triumphant",
    "short sad stinger for a game over screen, 2 seconds",
    "slow evolving ambient pad for meditation, 3 minutes",
    "dark ambient drone for a horror game menu, 90 seconds, loop",
    "happy upbeat ukulele music for a kids' explainer, 45 seconds",
    "epic heroic orchestral theme for a trailer, 2:30, builds to a climax",
    "lo-fi chill bed for a study stream, 3 minutes, seamless loop",
    "energetic electronic track for a TikTok reel, 30 seconds, 128 bpm",
    "gentle waltz in 3/4 for a wedding video, 1 minute, in F major",
    "mysterious documentary underscore with cello and harp, 75 seconds",
    "acoustic guitar and marimba, hopeful corporate explainer, 60 seconds",
    "melancholy piano and strings for a charity appeal, 1m30s, fades out",
    "inspiring corporate background, 2 minutes, no piano",
    "tense suspense cue for a crime documentary, 90 seconds, starts quiet and swells",
    "playful pizzicato music for a cooking show, 40 seconds",
    "uplifting sunrise theme in E dorian, 80 seconds",
    "relaxed jazzy lounge bed for a hotel lobby video, 2 minutes, in Bb major",
    "bold product launch reveal, 20 seconds, ends on a button",
    "nostalgic warm family memories montage, a minute and a half",
    "minimal electronic pulse for a tech explainer, 50 seconds, very calm",
    "angry aggressive action sequence, 35 seconds, 140 bpm",
    "soft e-learning module background, 5 minutes, steady",
    "romantic strings in 6/8, 70 seconds",
    "very slow contemplative solo flute, 1 minute",
    "dreamy synth pad with bells, ambient, 100 seconds, in C# minor",
    "corporate interview bed, 80 to 100 bpm feel, 95 seconds, without drums, with vibraphone",
)


def spelled_notes(piece: object) -> list[list[object]]:
    """Every note of the score as (part, offset, spelled pitches, length) in written order."""
    rows: list[list[object]] = []
    for part in piece.score.parts:  # type: ignore[attr-defined]
        for element in part.flatten().notes:
            rows.append([part.id, str(element.offset), [p.nameWithOctave for p in element.pitches],
                         str(element.quarterLength)])
    return rows


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprints() -> dict[str, dict[str, str]]:
    runner = CliRunner()
    cases: list[tuple[str, list[str], dict[str, object]]] = []
    for text in BRIEFS:
        cases.append((text, [text], {}))
    for path in sorted(SCORES.glob("*.toml")):
        cases.append((f"file:{path.name}", ["--brief-file", str(path)], {"file": path}))
    result: dict[str, dict[str, str]] = {}
    for label, arguments, extra in cases:
        for seed in SEEDS:
            if "file" in extra:
                from composer.composition.brief import load_brief_file

                fields = load_brief_file(extra["file"])  # type: ignore[arg-type]
                text = str(fields.pop("brief"))
                fields.pop("seed", None)
                fields.pop("name", None)
                piece = compose(text, seed=seed, **fields)
            else:
                piece = compose(label, seed=seed)
            explained = runner.invoke(app, ["explain", *arguments, "--json", "--seed", str(seed)])
            report = piece.report()
            result[f"{label} | seed {seed}"] = {
                "midi": digest(piece.midi_bytes),
                "report": digest(json.dumps(report, sort_keys=False, ensure_ascii=False).encode()),
                "spelled": digest(json.dumps(spelled_notes(piece)).encode()),
                "explain": digest(explained.stdout.encode()),
            }
    return result


def main() -> None:
    found = fingerprints()
    json.dump(found, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    total = digest(json.dumps(found, sort_keys=True).encode())
    sys.stdout.write(f"# {len(found)} cases, all: {total}\n")


if __name__ == "__main__":
    main()
