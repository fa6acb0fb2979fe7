"""Scenes: a long piece changes what a listener hears every half minute or so, as library music
does over minutes (a part or two rests for a scene, then all play again, the energy wandering
within its band), while key, style and motif keep its identity. Scenes are whole sections, so a
change falls on a phrase boundary; the first and the last play in full, so a loop's wrap joins
the texture it left. The changes are data (``plan.toml`` [scenes]).
"""

from __future__ import annotations

import random
from collections.abc import Sequence, Set

from composer.composition.plan.data import SceneChange, plan_data
from composer.composition.plan.model import Role, Scene, Timing

#: The roles that carry the harmony: a scene keeps one of them playing.
HARMONY_ROLES = ("pad", "ostinato", "texture")
#: Sections a theme plays in full whatever its scene: its arrival and its close.
FULL_SECTIONS = ("climax", "build", "ending")
#: A scene is at least this many bars; a thinned one lasts at least THINNED_S seconds.
SCENE_BARS = (8, 32)
THINNED_S = 60.0
#: A solo player's scenes, both his own figure and the full one, last about this long: no part
#: leaves to be missed for a minute, and a solo piano bed's 83-second scenes of one figure held
#: it for two minutes with no change heard.
SOLO_S = 45.0
#: An "evolving" piece's scenes: from this share of the usual length, this much shorter.
EVOLVING = 0.5
#: The last scene, the full band's return into the close, may be as short as the closing phrase.
LAST_BARS = 4


def plan_scenes(kind: str, timing: Timing, form: Sequence[tuple[str, int]], roles: Sequence[Role],
                rng: random.Random, verbs: Set[str] = frozenset(),
                second_voice: str = "") -> tuple[tuple[Scene, ...], tuple[float, ...]]:
    """The scenes of a piece of at least [scenes] ``from_s`` seconds, each about ``length_s``
    long and made of whole sections, and the energy each bar gains from its scene; none (and
    no energy) for a shorter piece or a kind no change suits. A thinned scene follows a full
    one and a full one a thinned one, each thinned scene's change drawn from those that rest a
    part this piece has (never the one before), each full scene's energy wandering up to
    ``full_wander`` up. A brief that asks for it "evolving" (shape verb ``evolve``) changes
    from half the length and twice as often; a "steady" one never. A piece with a
    ``second_voice`` (the role of a long bed's second melody instrument) hands it the tune in
    one thinned scene, drawn, and brings it in with a counter-melody in every other full scene
    after the first; it rests in all the others.

    >>> from fractions import Fraction
    >>> timing = Timing(Fraction(100), (4, 4), 80, Fraction(0), Fraction(0))
    >>> roles = [Role(r, 0, 0) for r in ("pad", "bass", "ostinato", "drums")]
    >>> scenes, energy = plan_scenes("bed", timing, [("statement", 8)] * 10, roles, random.Random(1))
    >>> [s.change for s in scenes][:2], scenes[-1].change, len(energy)
    (['full', 'bass_rests'], 'full', 80)
    """
    rules = plan_data().scenes
    playing = {role.role for role in roles}
    menu = {name: change for name, change in rules.changes.items()
            if kind in change.kinds and _thins(change, playing) and not change.features and not change.opening}
    featured = {name: change for name, change in rules.changes.items()
                if second_voice and kind in change.kinds and change.features == second_voice}
    pace = EVOLVING if "evolve" in verbs else 1.0
    if timing.seconds(timing.music_q) < rules.from_s * pace or not menu or "steady" in verbs:
        return (), ()
    solo = all(change.solo for change in menu.values())
    spans = _spans(timing, form, (SOLO_S if solo else rules.length_s) * pace, (SOLO_S if solo else THINNED_S) * pace)
    rng = random.Random(rng.getrandbits(64))  # its own: only a piece with scenes draws for them
    scenes: list[Scene] = []
    energy: list[float] = []
    previous = ""
    resting_before: set[str] = set()
    thinned = [index % 2 == 1 and index < len(spans) - 1 and not set(names) & set(FULL_SECTIONS)
               for index, (_, _, names) in enumerate(spans)]
    handing = [name for name, change in featured.items() if change.rests]
    swap_at = rng.choice([i for i, thin in enumerate(thinned) if thin]) if handing and any(thinned) else -1
    bringing = [name for name, change in featured.items() if not change.rests]
    moving = next((name for name, change in rules.changes.items() if change.harmony and kind in change.kinds), "")
    for index, (first, bars, names) in enumerate(spans):
        start_q, end_q = timing.bar_start_q(first), timing.bar_start_q(first + bars)
        if thinned[index]:
            previous = handing[0] if index == swap_at else rng.choice(_fresh(menu, previous, playing, resting_before))
            change = featured[previous] if index == swap_at else menu[previous]
            resting = tuple(role for role in change.rests if role in playing)
            resting_before = set(resting)
            scenes.append(Scene(previous, start_q, end_q, resting, change.features))
            energy += [change.energy] * bars
        else:
            lift = round(rng.uniform(0, rules.full_wander), 3) if 0 < index < len(spans) - 1 else 0.0
            if bringing and 0 < index < len(spans) - 1 and index % 4 == 2:
                scenes.append(Scene(bringing[0], start_q, end_q, (), second_voice))
                lift += featured[bringing[0]].energy
            elif moving and 0 < index < len(spans) - 1 and index % 4 == (0 if bringing else 2):
                scenes.append(Scene(moving, start_q, end_q))
                lift += rules.changes[moving].energy
            else:
                scenes.append(Scene("full", start_q, end_q))
            energy += [lift] * bars
    opening = next((name for name, change in rules.changes.items()
                    if change.opening and kind in change.kinds and _thins(change, playing)), "")
    if opening and form[0][0] == "intro" and spans[0][1] - form[0][1] >= SCENE_BARS[0]:
        scenes, energy = _opened(scenes, energy, opening, rules.changes[opening], playing, timing, form[0][1])
    return _joined(_voice_rests(scenes, second_voice)), tuple(energy)


def _fresh(menu: dict[str, SceneChange], previous: str, playing: Set[str], resting_before: Set[str]) -> list[str]:
    """The changes a thinned scene may draw from: not the one before, and resting a part the one
    before let play (an EDM bed's breakdown, its drums and arpeggio resting, followed a minute
    later by the arpeggio resting: the arpeggio was missing for two and a half minutes, no
    change heard); any other than the one before where none does.

    >>> menu = {"breakdown": SceneChange(("melody", "drums"), 0.1), "drums_rest": SceneChange(("drums",), 0.0),
    ...         "bass_rests": SceneChange(("bass",), 0.0)}
    >>> _fresh(menu, "breakdown", {"melody", "drums", "bass", "pad"}, {"melody", "drums"})
    ['bass_rests']
    """
    others = sorted(name for name in menu if name != previous) or sorted(menu)
    fresh = [name for name in others if not {role for role in menu[name].rests if role in playing} <= resting_before]
    return fresh or others


def _opened(scenes: list[Scene], energy: list[float], name: str, change: SceneChange, playing: Set[str],
            timing: Timing, intro_bars: int) -> tuple[list[Scene], list[float]]:
    """``scenes`` with the intro split from the first as a scene of its own, ``change``'s roles
    resting there (they enter after it), and its bars' energy moved by the change's."""
    first = scenes[0]
    cut_q = timing.bar_start_q(intro_bars)
    resting = tuple(role for role in change.rests if role in playing)
    opened = [Scene(name, first.start_q, cut_q, resting), Scene(first.change, cut_q, first.end_q, first.resting,
                                                                first.features), *scenes[1:]]
    return opened, [e + change.energy for e in energy[:intro_bars]] + energy[intro_bars:]


def _voice_rests(scenes: list[Scene], second_voice: str) -> list[Scene]:
    """``scenes`` with the ``second_voice`` (if any) resting in every one that does not feature it."""
    if not second_voice:
        return scenes
    return [scene if scene.features == second_voice or second_voice in scene.resting else
            Scene(scene.change, scene.start_q, scene.end_q, (*scene.resting, second_voice)) for scene in scenes]


def _joined(scenes: list[Scene]) -> tuple[Scene, ...]:
    """``scenes`` with each full scene that follows a full one joined to it (no change there)."""
    joined: list[Scene] = []
    for scene in scenes:
        if joined and scene.change == "full" and joined[-1].change == "full":
            joined[-1] = Scene("full", joined[-1].start_q, scene.end_q, scene.resting)
        else:
            joined.append(scene)
    return tuple(joined)


def _thins(change: SceneChange, playing: set[str]) -> bool:
    """Whether ``change`` rests a part the piece has and leaves at least two parts, one of
    them carrying the harmony; a solo player's change, whether one pitched part plays.

    >>> solo = SceneChange((), 0.0, solo=True)
    >>> _thins(solo, {"ostinato"}), _thins(solo, {"ostinato", "drums"}), _thins(solo, {"pad", "bass"})
    (True, True, False)
    """
    if change.solo:
        return len(playing - {"drums"}) == 1
    left = playing - set(change.rests)
    return bool(playing & set(change.rests)) and len(left) >= 2 and bool(left & set(HARMONY_ROLES))


def _spans(timing: Timing, form: Sequence[tuple[str, int]], length_s: float,
           thinned_s: float) -> list[tuple[int, int, list[str]]]:
    """(first bar, bars, section names) of each scene, whole sections: full scenes of about
    ``length_s`` and thinned ones of at least ``thinned_s`` (a listener who hears a part leave
    hears it gone for a while, and its return), alternating from a full first to a full last;
    of the ways to gather the sections so (each scene's length stretched by up to a half), the
    one with fewest thinned scenes too short to be heard as one, then whose longest scene is
    shortest."""
    bar_s = float(timing.seconds(timing.bar_start_q(1)) - timing.seconds(timing.bar_start_q(0)))
    tries = [_gathered(form, bar_s, length_s * stretch, thinned_s * stretch) for stretch in (1, 1.125, 1.25, 1.375, 1.5)]

    def short_thinned(spans: list[tuple[int, int, list[str]]]) -> int:
        return sum(index % 2 == 1 and bars * bar_s < 0.75 * thinned_s for index, (_, bars, _) in enumerate(spans))

    return min(tries, key=lambda spans: (short_thinned(spans), max(bars for _, bars, _ in spans)))


def _gathered(form: Sequence[tuple[str, int]], bar_s: float, full_s: float,
              thinned_s: float) -> list[tuple[int, int, list[str]]]:
    """Sections gathered into scenes of about ``full_s`` and ``thinned_s`` seconds in turn
    (SCENE_BARS[0] bars at least): a scene closes where it reaches its length, or where the
    next section would take it further past it than it now falls short (a slow bed's thinned
    scene of three 26-second sections held one texture for 79 s, of four for 105 s: no change
    heard for over a minute); an even count ends with its last section as a full scene of
    its own where both stand (the last may be LAST_BARS), else (or where the last scene is too
    short) joins the last two."""
    spans: list[tuple[int, int, list[str]]] = []
    first, bars, names = 0, 0, list[str]()
    for name, length in form:
        wanted_s = full_s if len(spans) % 2 == 0 else thinned_s
        if bars >= SCENE_BARS[0] and (bars + length) * bar_s - wanted_s > max(0.0, wanted_s - bars * bar_s):
            spans.append((first, bars, names))
            first, bars, names = first + bars, 0, []
        bars += length
        names.append(name)
    if bars:
        spans.append((first, bars, names))
    last_first, last_bars, last_names = spans[-1]
    final = form[-1][1] if len(last_names) > 1 else 0
    if len(spans) % 2 == 0 and final >= LAST_BARS and last_bars - final >= SCENE_BARS[0]:
        spans[-1:] = [(last_first, last_bars - final, last_names[:-1]), (last_first + last_bars - final, final,
                                                                           last_names[-1:])]
    while len(spans) > 1 and (len(spans) % 2 == 0 or spans[-1][1] < LAST_BARS):
        last_first, last_bars, last_names = spans.pop(-2)
        _, bars, names = spans.pop()
        spans.append((last_first, last_bars + bars, last_names + names))
    return spans
