"""Instruments and ensembles (issue 14): every General MIDI program and the words editors use
for it reach the written MIDI; every named instrument is heard, in the role its family suits;
"solo X" is X alone; duo … quintet and the named ensembles fix who plays; exclusions win; and
no word is dropped silently. Everything is read back from the written MIDI, with short pieces
so that the whole file stays fast.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from fractions import Fraction

import mido
import pretty_midi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import compose
from composer.composition.brief import ensembles, lexicon, parse_text
from composer.piece import Piece

#: The words an editor uses that must name these programs (0-based).
ALIASES = {
    "fiddle": 110, "violin": 40, "viola": 41, "cello": 42, "contrabass": 43, "upright": 32, "upright bass": 32,
    "double bass": 32, "uke": 24, "ukulele": 24, "slap bass": 36, "fretless": 35, "rhodes": 4, "wurlitzer": 4,
    "hammond": 16, "organ": 16, "church organ": 19, "harpsichord": 6, "clavinet": 7, "harmonica": 22,
    "accordion": 21, "bandoneon": 23, "nylon guitar": 24, "classical guitar": 24, "steel-string guitar": 25,
    "acoustic guitar": 25, "jazz guitar": 26, "clean guitar": 27, "muted guitar": 28, "overdriven guitar": 29,
    "distorted guitar": 30, "trumpet": 56, "muted trumpet": 59, "trombone": 57, "tuba": 58, "french horn": 60,
    "brass section": 61, "sax": 65, "alto sax": 65, "tenor sax": 66, "soprano sax": 64, "baritone sax": 67,
    "clarinet": 71, "oboe": 68, "bassoon": 70, "flute": 73, "piccolo": 72, "recorder": 74, "pan flute": 75,
    "sitar": 104, "banjo": 105, "shamisen": 106, "koto": 107, "kalimba": 108, "bagpipe": 109, "steel drums": 114,
    "steel pan": 114, "taiko": 116, "timpani": 47, "marimba": 12, "vibraphone": 11, "xylophone": 13,
    "glockenspiel": 9, "celesta": 8, "music box": 10, "tubular bells": 14, "harp": 46, "synth lead": 81,
    "square lead": 80, "synth pad": 89, "warm pad": 89, "808": 38, "electric piano": 4, "string ensemble": 48,
    "synth bass": 38, "choir aahs": 52, "acoustic grand piano": 0, "choir": 52, "voices": 53, "gospel choir": 52,
    "dulcimer": 15, "ocarina": 79, "melodica": 22, "handpan": 114, "erhu": 110, "toy piano": 8, "b3": 16,
    "flugelhorn": 56, "euphonium": 58, "theremin": 85, "bass clarinet": 71, "jazz bass": 32,
    "string orchestra": 48, "tango accordion": 23, "synth strings": 50, "polysynth": 90, "halo pad": 94,
}
#: Use cases of every kind, for the briefs the properties compose.
USES = ("for a kids' explainer", "calm interview underscore", "podcast bed", "product video", "meditation ambient",
        "logo sting", "epic trailer theme", "lo-fi chill loop", "sad documentary", "news bed")
#: One word per program (its shortest), for the properties over named instruments.
NAMES = sorted({min((w for w, p in lexicon().instruments.items() if p == program), key=len) for program in range(128)})


def plain(gm_name: str) -> str:
    """A General MIDI name in plain words, as the lexicon writes it: "Lead 8 (bass + lead)" → "lead 8 bass lead"."""
    return " ".join(re.sub(r"[()+]", " ", gm_name.lower()).split())


def sounding_programs(piece: Piece) -> tuple[list[int], int]:
    """The programs of the pitched tracks that play notes, read back from the MIDI with mido, and
    how many notes the drum channel plays."""
    midi = mido.MidiFile(file=io.BytesIO(piece.midi_bytes))
    programs: dict[int, int] = {}
    notes: Counter[int] = Counter()
    for track in midi.tracks:
        for message in track:
            if message.type == "program_change":
                programs[message.channel] = message.program
            elif message.type == "note_on" and message.velocity > 0:
                notes[message.channel] += 1
    return sorted(programs[c] for c in notes if c != 9), notes[9]


def test_every_general_midi_name_is_a_word_of_the_lexicon() -> None:
    words = lexicon().instruments
    for program in range(128):
        name = plain(pretty_midi.program_to_instrument_name(program))
        assert words.get(name) == program, f"{name!r} should name program {program}"
    wrong = {word: (program, words.get(word)) for word, program in ALIASES.items() if words.get(word) != program}
    assert not wrong, f"aliases naming the wrong program (wanted, found): {wrong}"


def test_every_name_and_alias_round_trips_to_the_midi() -> None:
    """A brief naming it → the plan has a role on its program → the written MIDI plays it."""
    problems = []
    for word, program in lexicon().instruments.items():
        piece = compose(f"{word}, 4 seconds", seed=len(word))
        played, _ = sounding_programs(piece)
        if program not in piece.brief.instruments or program not in {r.program for r in piece.plan.roles}:
            problems.append(f"{word!r}: instruments {piece.brief.instruments}, roles {piece.plan.roles}")
        elif program not in played:
            problems.append(f"{word!r}: program {program} silent in the MIDI (plays {played})")
        elif piece.brief.ignored_words:
            problems.append(f"{word!r}: ignored {piece.brief.ignored_words}")
    assert not problems, "\n".join(problems)


def test_multi_word_names_read_as_one_longest_first_and_plurals_as_singulars() -> None:
    cases = {"electric piano and bass guitar": (4, 33), "acoustic guitar nylon": (24,), "two french horns": (60,),
             "distorted guitars and slap bass": (30, 36), "lead 8 bass + lead": (87,), "synth bass 2": (39,),
             "string ensemble 2": (49,), "808 bass and a sub bass": (38,)}
    for text, programs in cases.items():
        assert parse_text(text).instruments == programs, text


SOLO_FORMS = ("solo {}", "{} solo", "{} only", "just {}", "only a {}", "unaccompanied {}")
SOLOISTS = ("cello", "piano", "flute", "marimba", "acoustic guitar", "trumpet", "strings", "synth pad",
            "upright bass", "harp", "violin", "harpsichord")


@pytest.mark.parametrize("seed", [1, 2])
def test_solo_is_one_pitched_track_and_no_drums(seed: int) -> None:
    """Whatever the use case (drums in a product video, timpani in a trailer, a bed's ostinato),
    "solo X" is X alone: one pitched track, X's, and nothing on the drum channel."""
    problems = []
    for index, soloist in enumerate(SOLOISTS):
        form = SOLO_FORMS[(index + seed) % len(SOLO_FORMS)]
        text = f"{form.format(soloist)}, {USES[(index * 3 + seed) % len(USES)]}, 20 seconds"
        piece = compose(text, seed=seed)
        played, drum_notes = sounding_programs(piece)
        if played != [lexicon().instruments[soloist]] or drum_notes or len(piece.plan.roles) != 1:
            problems.append(f"{text!r}: plays {played}, {drum_notes} drum notes, roles {piece.plan.roles}")
        if "solo" in text and "solo" in piece.brief.ignored_words:
            problems.append(f"{text!r}: 'solo' ignored")
    assert not problems, "\n".join(problems)


def test_a_lone_melody_in_an_underscore_leaves_no_bars_to_a_voice() -> None:
    """With nothing else playing, a solo melody resting every other phrase would be silence."""
    piece = compose("sad solo cello for an interview, 60 seconds", seed=3)
    assert piece.plan.kind == "underscore" and not piece.plan.voice_bars
    assert compose("sad cello for an interview, 60 seconds", seed=3).plan.voice_bars


@pytest.mark.parametrize(("text", "programs", "drums"), [
    ("happy jazz trio for a hotel lobby, 20 seconds", [0, 0, 32], True),  # the piano plays the tune and comps
    ("romantic piano trio, 20 seconds", [0, 40, 42], False),
    ("romantic string quartet for a wedding, 20 seconds", [40, 40, 41, 42], False),
    ("calm string quartet for an interview, 20 seconds", [40, 40, 41, 42], False),
    ("string trio, documentary, 20 seconds", [40, 41, 42], False),
    ("triumphant brass quintet for a product launch, 20 seconds", [56, 56, 57, 58, 60], False),
    ("wind quintet for a kids' explainer, 20 seconds", [60, 68, 70, 71, 73], False),
    ("string quartet, no viola, 20 seconds", [40, 40, 42], False),
    ("jazz trio without drums, 20 seconds", [0, 0, 32], False),
    ("cello and piano duo, 20 seconds", [0, 42], False),
    ("just piano and strings for a product video, 20 seconds", [0, 48], False),
])
def test_ensembles_fix_who_plays(text: str, programs: list[int], drums: bool) -> None:
    """Each player of the ensemble plays notes in the MIDI, and nobody else does."""
    for seed in (1, 4):
        piece = compose(text, seed=seed)
        played, drum_notes = sounding_programs(piece)
        assert played == programs, (text, seed, piece.plan.roles)
        assert (drum_notes > 0) == drums, (text, seed, drum_notes)


def test_a_string_quartet_keeps_the_players_musical() -> None:
    """The chosen mapping: first violin the melody, second violin the counter-line under it,
    viola the held inner voices, cello the bass."""
    roles = {r.role: r.program for r in compose("string quartet, 20 seconds", seed=1).plan.roles}
    assert roles == {"melody": 40, "counter": 40, "pad": 41, "bass": 42}


def test_a_count_keeps_that_many_parts_with_the_named_ones_first() -> None:
    piece = compose("a trio for a product video, 20 seconds", seed=2)
    played, drum_notes = sounding_programs(piece)
    assert len(played) + (drum_notes > 0) == 3 == len(piece.plan.roles)
    piece = compose("marimba duo for a product video, 20 seconds", seed=2)
    assert 12 in sounding_programs(piece)[0] and len(piece.plan.roles) == 2
    # more named than counted: none is left out, and the report says so
    piece = compose("piano, violin, cello and flute trio, 20 seconds", seed=2)
    assert sounding_programs(piece)[0] == [0, 40, 42, 73]
    assert any("4 instruments named for 3 parts" in note for note in piece.report()["notes"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_marimba_of_a_bed_is_heard(seed: int) -> None:
    """A bed has no melody of its own: the named marimba takes the ostinato rather than vanish."""
    piece = compose("playful marimba music for a kids' explainer", seed=seed)
    assert piece.plan.kind == "bed"
    assert 12 in sounding_programs(piece)[0], piece.plan.roles


def test_a_solo_among_others_leads_and_all_play() -> None:
    piece = compose("epic trailer, starts with a solo horn, then strings and brass, 20 seconds", seed=1)
    roles = {r.role: r.program for r in piece.plan.roles}
    assert roles["melody"] == 60 and {48, 61} <= set(roles.values())
    assert {48, 60, 61} <= set(sounding_programs(piece)[0])


@pytest.mark.parametrize(("text", "family"), [
    ("blues with guitar lead, 40 seconds", (24, 31)),
    ("lead guitar blues for a motorcycle ad, 30 seconds", (24, 31)),
    ("corporate pop, sax leading, 30 seconds", (64, 67)),
    ("upbeat funk, the piano leads, 40 seconds", (0, 7)),
])
def test_a_lead_word_gives_its_instrument_the_tune_and_the_band_plays_on(text: str, family: tuple[int, int]) -> None:
    """"guitar lead": the guitar takes the melody and the style's band plays on (the word read as
    the square-wave synth lead, so a blues band's tune was a chiptune); a plain "guitar" is the
    style's own (a blues lead guitar is electric)."""
    piece = compose(text, seed=1)
    melody = next(role.program for role in piece.plan.roles if role.role == "melody")
    assert family[0] <= melody <= family[1] and melody in sounding_programs(piece)[0], piece.plan.roles
    assert len(piece.plan.roles) >= 3 and "lead" not in piece.brief.ignored_words
    if "blues" in text:
        assert melody != 25  # the steel-string acoustic is no blues band's lead


def test_a_lead_word_with_no_instrument_beside_it_is_filler() -> None:
    brief = parse_text("a catchy lead over a steady beat, 30 seconds")
    assert 80 not in brief.instruments and "lead" not in brief.ignored_words and not brief.featured


@pytest.mark.parametrize("text", ["slow evolving ambient drone with solo flute, 3 minutes",
                                  "documentary underscore with a solo cello, 60 seconds"])
def test_a_soloist_with_a_kind_of_cue_plays_over_it(text: str) -> None:
    """"an ambient drone with solo flute": the flute over the drone, not the flute alone (it
    played as the piece's only part, and the drone the brief named was gone)."""
    piece = compose(text, seed=1)
    heard = sounding_programs(piece)[0]
    soloist = 73 if "flute" in text else 42
    assert soloist in heard and len(piece.plan.roles) >= 3, piece.plan.roles
    assert any(role.role in ("bass", "pad") and role.program in heard for role in piece.plan.roles)


@pytest.mark.parametrize(("text", "lead", "partner"), [
    ("soft documentary underscore with solo cello and piano, 2 minutes", 42, 0),
    ("solo violin and harp for a wedding, 60 seconds", 40, 46),
    ("solo flute and piano, 45 seconds", 73, 0),
])
@pytest.mark.parametrize("seed", [1, 5])
def test_solo_x_and_y_is_a_duo_on_a_bass_from_bar_one(text: str, lead: int, partner: int, seed: int) -> None:
    """"solo cello and piano" as chamber music writes it: the two alone, the first leading, the
    piano or harp playing from the first bar (it was silent through a 16 s intro) with its left
    hand under the harmony, since no one else plays a bass."""
    piece = compose(text, seed=seed)
    pitched = {r.role: r.program for r in piece.plan.roles if r.role != "drums"}
    assert pitched["melody"] == lead and set(pitched.values()) == {lead, partner}, pitched
    midi = pretty_midi.PrettyMIDI(io.BytesIO(piece.midi_bytes))
    (accompanist,) = [i for i in midi.instruments if i.program == partner and not i.is_drum]
    bar_s = piece.plan.seconds(piece.plan.bar_start_q(1))
    assert min(n.start for n in accompanist.notes) < bar_s  # heard in the first bar
    bars = {piece.plan.bar_at(piece.plan.quarters_at(Fraction(n.start))) for n in accompanist.notes if n.pitch < 55}
    assert len(bars) >= 0.8 * piece.plan.bars, (len(bars), piece.plan.bars)  # a bass under most bars


@settings(max_examples=60, deadline=None, derandomize=True)
@given(names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True), use=st.sampled_from(USES),
       seed=st.integers(0, 9))
def test_named_instruments_are_never_dropped(names: list[str], use: str, seed: int) -> None:
    """Two or three named instruments with any use case: each plays notes in the MIDI, or the
    report's notes say why it does not."""
    piece = compose(f"{' and '.join(names)}, {use}, 20 seconds", seed=seed)
    played, _ = sounding_programs(piece)
    notes = " ".join(piece.report()["notes"])
    for name in names:
        program = lexicon().instruments[name]
        named = plain(pretty_midi.program_to_instrument_name(program))
        assert program in played or named in notes, (name, piece.plan.roles, notes)


def test_an_instrument_with_no_free_part_is_reported() -> None:
    """An ambient cue has room for a texture, a pad and a bass: a fourth melodic instrument has
    no part left, and the report says so rather than dropping it silently."""
    piece = compose("flute, oboe, clarinet and trumpet, meditation ambient, 20 seconds", seed=1)
    played = sounding_programs(piece)[0]
    left_out = [p for p in (73, 68, 71, 56) if p not in played]
    assert len(left_out) == 1, (played, piece.plan.roles)
    assert any(plain(pretty_midi.program_to_instrument_name(left_out[0])) in note and "left out" in note
               for note in piece.report()["notes"])


@pytest.mark.parametrize(("text", "ignored", "not_ignored"), [
    ("a solo for the hero, 30 seconds", ["solo", "hero"], []),
    ("sad solo cello", [], ["solo", "cello"]),
    ("happy jazz trio with brushes and blorp", ["blorp"], ["jazz", "trio", "brushes"]),
    ("just some background music", [], ["just"]),
    ("piano only, zorp", ["zorp"], ["only", "piano"]),
    ("calm piano, only 30 seconds", [], ["only"]),
])
def test_ignored_words_keep_what_was_not_used(text: str, ignored: list[str], not_ignored: list[str]) -> None:
    brief = parse_text(text)
    assert [w for w in brief.ignored_words if w in ignored] == ignored, brief.ignored_words
    assert not set(not_ignored) & set(brief.ignored_words), brief.ignored_words


def test_only_beside_an_instrument_asks_for_it_alone() -> None:
    """ "only" belongs to the instrument beside it; across a comma it is filler."""
    assert parse_text("piano only, 30 seconds").alone
    assert not parse_text("calm piano, only 30 seconds").alone
    assert parse_text("romantic string quartet").mood_words == ("romantic",)
    assert "jazz" in parse_text("jazz trio").mood_words


@pytest.mark.parametrize("text", ["just drums and bass, funky, 30 seconds", "drums and bass only, 20 seconds"])
def test_drums_and_bass_alone_are_the_styles_kit_and_bass(text: str) -> None:
    """"just drums and bass" played the drums alone ('bass' was only noted): the style's bass
    plays beside the kit, and nothing else."""
    piece = compose(text, seed=1)
    assert {r.role for r in piece.plan.roles} == {"bass", "drums"}, piece.plan.roles
    played, drum_notes = sounding_programs(piece)
    bass = next(r.program for r in piece.plan.roles if r.role == "bass")
    assert played == [bass] and drum_notes > 0, (played, drum_notes)


def test_woodwinds_are_flute_clarinet_and_bassoon() -> None:
    roles = {r.role: r.program for r in compose("playful woodwinds for a cartoon, 30 seconds", seed=1).plan.roles}
    assert roles == {"melody": 73, "pad": 71, "bass": 70}, roles


def test_the_families_cover_every_program_with_roles_a_part_can_take() -> None:
    data = ensembles()
    assert [data.family(p).programs[0] <= p <= data.family(p).programs[1] for p in range(128)] == [True] * 128
    for family in data.families:
        assert family.roles and family.solo


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_lone_melody_begins_at_once(seed: int) -> None:
    """No one plays an intro under a solo cello: a 60-second solo does not open on silence."""
    for soloist in ("cello", "flute", "violin", "trumpet"):
        piece = compose(f"mournful solo {soloist}, 60 seconds, memorial video", seed=seed)
        first_s = min(piece.plan.seconds(note.start_q) for part in piece.parts for note in part.notes)
        assert first_s < piece.plan.seconds(piece.plan.bar_q), f"solo {soloist}: first note at {first_s:.1f} s"
        assert piece.plan.sections[0].name != "intro"


def test_grief_is_slow_and_a_memorial_is_a_use_case() -> None:
    """A mournful, sad or somber brief is played slow (a sad pop song is not grieving), and a
    memorial, tribute or charity film is a use case of its own, not an ignored word."""
    for text in ("mournful solo cello, 60 seconds", "somber piano, 1 minute", "sad strings, 40 seconds"):
        piece = compose(text, seed=1)
        assert piece.plan.tempo_bpm <= 80, f"{text!r}: {piece.plan.tempo_bpm} BPM"
    for word in ("memorial", "tribute", "funeral", "charity"):
        brief = parse_text(f"piano for a {word} video, 1 minute")
        assert brief.preset == "tribute" and word not in brief.ignored_words, word
