"""Melody: a one- or two-bar motif stated, sequenced and developed over the chords, phrase by phrase.

Each four-bar phrase states the motif, sequences it a step higher or lower over the next chord,
fragments it, and breathes on a long, stable cadence tone. A contrast section answers with the
motif inverted; a theme's ending broadens it (augmentation); a returning section brings back
the first statement's phrases over their own harmony. In a thematic piece, a build or climax
may drive the motif at half its values (diminution) instead of fragmenting it, and a
consequent phrase or the ending may carry its last statement on in sequence (extension); a
tense motif may dip to a chromatic lower neighbour. Themes develop in rhythm too: a statement
displaced by an eighth, its values reordered or a long one struck twice, a cadence tone
shortened or anticipated, also where a phrase is sung again. Only a climax reaches the top of
the melody's range, so the climax holds its highest note. The motif gives each note a wished-for
scale step; the pitch actually written is the nearest one that keeps the rules:

- strong beats sit on chord tones, cadences on the chord's root or third;
- a non-chord tone is left by step;
- no leap larger than a fifth where anything else fits, and such a leap turns back;
- no tritone and no augmented second (a three-semitone move onto or from a chromatic note);
- no parallel fifths or octaves with the bass.
"""

from composer.composition.melody.notes import MelodyNote, Motif, Theme, is_strong, melody_range
from composer.composition.melody.phrases import developed, diminishable
from composer.composition.melody.theme import make_theme

__all__ = ["MelodyNote", "Motif", "Theme", "developed", "diminishable", "is_strong", "make_theme", "melody_range"]
