"""composer: original background music from a plain-language brief.

>>> from composer import compose
>>> piece = compose("gentle piano for a 30-second interview", seed=3)
>>> piece.plan.kind, piece.plan.duration_s
('underscore', 30.0)
"""

from composer.audio.deliver import Delivered
from composer.base.errors import ComposerError
from composer.piece import Piece, compose, version

__version__ = version()
__all__ = ["ComposerError", "Delivered", "Piece", "compose", "__version__"]
