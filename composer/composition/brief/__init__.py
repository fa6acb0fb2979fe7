"""Brief: what the user asked for, read from plain text, a TOML brief file and flags.

The reading is table-driven: every word it knows lives in ``data/lexicon.toml``,
``data/presets.toml`` and ``data/ensembles.toml`` (loaded into typed records by ``data``). Words it could not use are kept
in ``ignored_words`` so nothing a user wrote is silently dropped.

One module per concern: ``model`` (the Brief), ``data`` (lexicon and presets), ``reader`` (the
word-reader the extractors share), one extractor module per field (``events`` first, then
``times``, ``tempo``, ``meter``, ``key``, ``duration``, then ``words`` reads the rest through the
lexicon for ``kind``, ``mood``, ``ensemble`` and ``shape``), ``text`` (``parse_text`` composes
them), ``checks`` and ``overrides`` (brief files and flags), ``timeline`` (events from flags and
timeline files) and ``markers`` (events from an editor's markers, through OpenTimelineIO).
"""

from composer.composition.brief.checks import check_duration, check_kind, check_tempo
from composer.composition.brief.data import (Colour, Ensemble, Ensembles, Family, Lexicon, Preset, ensembles, lexicon,
                                             presets, presets_colours)
from composer.composition.brief.key import parse_key
from composer.composition.brief.model import DEFAULT_DURATION_S, DEFAULT_SEED, DROP_LABEL, ENDINGS, EVENT_KINDS, KINDS, Brief, CueEvent, ShapeEvent
from composer.composition.brief.overrides import build_brief, load_brief_file
from composer.composition.brief.reader import normalise
from composer.composition.brief.text import parse_text

__all__ = [
    "DEFAULT_DURATION_S", "DEFAULT_SEED", "DROP_LABEL", "ENDINGS", "EVENT_KINDS", "KINDS", "Brief", "Colour", "CueEvent", "Ensemble", "Ensembles", "Family", "Lexicon",
    "Preset", "ShapeEvent", "build_brief", "check_duration", "check_kind", "check_tempo", "ensembles", "lexicon",
    "load_brief_file", "normalise", "parse_key", "parse_text", "presets", "presets_colours",
]
