"""Scenes: a long piece changes what a listener hears every half minute or so, as library music
does over minutes (a part or two rests for a scene, then all play again, the energy wandering
within its band), while key, style and motif keep its identity. Scenes are whole sections, so a
change falls on a phrase boundary; the first and the last play in full, so a loop's wrap joins
the texture it left. The changes are data (``plan.toml`` [scenes]).
"""

from __future__ import annotations

import random
from collections.abc import Sequence, Set

from composer.base.exact import Fraction
from composer.composition.plan.data import SceneChange, plan_data
from composer.composition.plan.model import Plan, Role, Scene, Timing

#: The roles that carry the harmony: a scene keeps one of them playing.
HARMONY_ROLES = ("pad", "ostinato", "texture")
#: Sections a theme plays in full whatever its scene: its arrival and its close.
FULL_SECTIONS = ("climax", "build", "ending")
#: A scene is at least this many bars (or FULL_S seconds, a slow piece's phrase); a thinned one
#: lasts at least THINNED_S seconds.
SCENE_BARS = 8
FULL_S = 15.0
#: The first scene (the piece's entrance, no thinned scene before it) lasts at most twice this:
#: two half-minutes of it, and the third hears the first scene that rests a part.
FIRST_S = 27.0
#: A slow piece's long section is cut into phrases of this many bars for its scenes (_phrases);
#: so is every section of a piece whose whole sections cannot be gathered to cost less than
#: CUT_COST (_cost: a hymn's 26-second sections after a 22-second intro held its first scene
#: for 74 s, three half-minutes alike).
PHRASE_BARS = 4
CUT_COST = 50.0
THINNED_S = 60.0
#: A solo player's scenes, both his own figure and the full one, last about this long: no part
#: leaves to be missed for a minute, and a solo piano bed's 83-second scenes of one figure held
#: it for two minutes with no change heard.
SOLO_S = 45.0
#: An "evolving" piece's scenes: from this share of the usual length, its full returns this
#: much shorter (its thinned scenes keep THINNED_S: a part gone for less is not heard gone).
EVOLVING = 0.5
#: The last scene, the full band's return into the close, may be as short as the closing phrase.
LAST_BARS = 4


def plan_scenes(kind: str, timing: Timing, form: Sequence[tuple[str, int]], roles: Sequence[Role],
                rng: random.Random, verbs: Set[str] = frozenset(),
                second_voice: str = "") -> tuple[tuple[Scene, ...], tuple[float, ...]]:
    """The scenes of a piece of at least [scenes] ``from_s`` seconds, made of whole sections
    (a slow piece's, of whole phrases: ``_phrases``), and the energy each bar gains from its scene; none (and
    no energy) for a shorter piece or a kind no change suits. A thinned scene follows a full
    one and a full one a thinned one, each thinned scene's change drawn from those that rest a
    part this piece has (never the one before), each full scene's energy wandering up to
    ``full_wander`` up. A brief that asks for it "evolving" (shape verb ``evolve``) changes
    from half the length, its full returns half as long; a "steady" one never. A piece with a
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
    spans = _spans(timing, form, (SOLO_S if solo else rules.length_s) * pace, SOLO_S * pace if solo else THINNED_S)
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
    if opening and form[0][0] == "intro" and spans[0][1] - form[0][1] >= PHRASE_BARS:
        scenes, energy = _opened(scenes, energy, opening, rules.changes[opening], playing, timing, form[0][1])
    return _joined(_voice_rests(scenes, second_voice)), tuple(energy)


def scene_change_at(plan: Plan, q: Fraction) -> SceneChange | None:
    """The change (plan.toml [scenes.changes]) of the scene playing at ``q``; None in a piece
    without scenes, or in a full scene, which changes nothing.

    >>> from composer import compose
    >>> plan = compose("warm lo-fi bed for a study stream, 5 minutes", seed=1).plan
    >>> [bool(scene_change_at(plan, s.start_q)) for s in plan.scenes][:2], scene_change_at(plan, plan.music_q)
    ([False, True], None)
    """
    if not plan.scenes:
        return None
    return plan_data().scenes.changes.get(plan.scenes[plan.scene_index(q)].change)


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
    """Whether ``change`` rests a part the piece has, other than a counter-line (which plays
    only in the fuller bars: a string quartet's scene resting it alone, after a full return
    too calm for it, rested nothing for 90 s), and leaves at least two parts, one of them
    carrying the harmony; a solo player's change, whether one pitched part plays.

    >>> solo = SceneChange((), 0.0, solo=True)
    >>> _thins(solo, {"ostinato"}), _thins(solo, {"ostinato", "drums"}), _thins(solo, {"pad", "bass"})
    (True, True, False)
    >>> _thins(SceneChange(("melody", "counter"), 0.0), {"pad", "bass", "ostinato", "counter"})
    False
    """
    if change.solo:
        return len(playing - {"drums"}) == 1
    left = playing - set(change.rests)
    return bool((playing - {"counter"}) & set(change.rests)) and len(left) >= 2 and bool(left & set(HARMONY_ROLES))


def _spans(timing: Timing, form: Sequence[tuple[str, int]], full_s: float,
           thinned_s: float) -> list[tuple[int, int, list[str]]]:
    """(first bar, bars, section names) of each scene, whole sections (a slow piece's long
    ones cut into phrases: ``_phrases``) of SCENE_BARS bars or FULL_S seconds at least (the
    last LAST_BARS), alternating from a full first to a full last: of the ways to gather the
    sections so, the one whose thinned scenes all last from ``thinned_s`` to half as long again
    and whose full scenes last at most ``full_s`` (the first, from 0.8 ``full_s`` past the
    intro to twice FIRST_S: the piece's layers enter before any rests), or come nearest (see
    _cost). A
    listener who hears a part leave hears it gone for a while: a thinned scene of a minute or
    more holds a whole half-minute without it, however the half-minutes fall; and the full band
    returns for a phrase or two, so that a half-minute without a change in texture never meets
    two more (a thinned scene of 54 s or a full one of 90 held one texture for 90 s).

    >>> from fractions import Fraction
    >>> timing = Timing(Fraction(120), (4, 4), 88, Fraction(0), Fraction(0))  # 2 s a bar
    >>> [(first, bars) for first, bars, _ in _spans(timing, [("statement", 8)] * 11, 30.0, 60.0)]
    [(0, 12), (12, 32), (44, 8), (52, 32), (84, 4)]
    """
    bar_s = float(timing.seconds(timing.bar_start_q(1)) - timing.seconds(timing.bar_start_q(0)))
    intro_s = form[0][1] * bar_s if form and form[0][0] == "intro" else 0.0
    cost, spans = _gathered(_phrases(form, bar_s, full_s), bar_s, full_s, thinned_s, intro_s)
    if cost >= CUT_COST:  # no gathering of whole sections fits: cut them all at their phrases
        spans = min((cost, spans), _gathered(_phrases(form, bar_s, 0.0), bar_s, full_s, thinned_s, intro_s))[1]
    return spans


def _gathered(form: Sequence[tuple[str, int]], bar_s: float, full_s: float, thinned_s: float,
              intro_s: float) -> tuple[float, list[tuple[int, int, list[str]]]]:
    """The cheapest gathering of ``form``'s sections into scenes (``_spans``), and its cost."""
    starts = [0]
    for _, length in form:
        starts.append(starts[-1] + length)
    # best[(sections gathered, whether the next scene is thinned)]: (cost, scenes so far)
    best: dict[tuple[int, bool], tuple[float, list[tuple[int, int]]]] = {(0, False): (0.0, [])}
    longest_s = 2 * max(full_s, thinned_s)
    for first in range(len(form)):
        for thinned in (False, True):
            if (first, thinned) not in best:
                continue
            cost, gathered = best[(first, thinned)]
            for after in range(first + 1, len(form) + 1):
                bars = starts[after] - starts[first]
                if bars < (LAST_BARS if after == len(form) else SCENE_BARS) and bars * bar_s < FULL_S:
                    continue
                names = {name for name, _ in form[first:after]}
                total = cost + _cost(thinned and not names & set(FULL_SECTIONS), bars * bar_s,
                                     max(full_s, 2 * FIRST_S) if first == 0 else full_s, thinned_s)
                if first == 0:  # the layers that enter after the intro play a while before any rests
                    total += 10 * max(0.0, intro_s + 0.8 * full_s - bars * bar_s)
                if total < best.get((after, not thinned), (float("inf"), []))[0]:
                    best[(after, not thinned)] = (total, [*gathered, (first, after)])
                if bars * bar_s > longest_s:
                    break
    cost, gathered = best.get((len(form), True), (float("inf"), [(0, len(form))]))
    return cost, [(starts[first], starts[after] - starts[first], [name for name, _ in form[first:after]])
                  for first, after in gathered]


def _phrases(form: Sequence[tuple[str, int]], bar_s: float, full_s: float) -> list[tuple[str, int]]:
    """``form`` with each section longer than a full return may last (a slow bed's 8 bars of 36
    s) cut into its PHRASE_BARS phrases, so that the full band can come back for one phrase: an
    ambient bed's full returns of one section, with a part of each scene either side sounding
    into them, held one texture over three half-minutes.

    >>> _phrases([("intro", 4), ("drift", 8)], 4.5, 30.0), _phrases([("statement", 8)], 2.0, 30.0)
    ([('intro', 4), ('drift', 4), ('drift', 4)], [('statement', 8)])
    """
    return [(name, part) for name, length in form
            for part in ([PHRASE_BARS] * (length // PHRASE_BARS)
                         if length * bar_s > full_s and length % PHRASE_BARS == 0 and length > PHRASE_BARS else [length])]


def _cost(thinned: bool, seconds: float, full_s: float, thinned_s: float) -> float:
    """How far a scene of ``seconds`` falls from its kind's length: none for a full scene of at
    most ``full_s``, a little for a thinned scene past ``thinned_s`` (the shortest that holds
    is best), much for either outside its bounds (a thinned scene that would keep one texture
    for half as long again as it should, or play its full band through the plan of a thinned
    one).

    >>> _cost(False, 18.0, 30.0, 60.0), _cost(True, 65.0, 30.0, 60.0), _cost(True, 54.0, 30.0, 60.0) > 100
    (0.0, 0.5, True)
    """
    if not thinned:
        return 10 * max(0.0, seconds - full_s)
    if thinned_s <= seconds < 1.5 * thinned_s:
        return 0.1 * (seconds - thinned_s)
    return 100 + 10 * max(thinned_s - seconds, seconds - 1.5 * thinned_s)
