"""composer: original background music from a plain-language brief.

>>> from composer import compose
>>> piece = compose("gentle piano for a 30-second interview", seed=3)
>>> piece.plan.kind, piece.plan.duration_s
('underscore', 30.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from composer.base.errors import ComposerError

if TYPE_CHECKING:
    from composer.audio.deliver import Delivered
    from composer.base.about import version
    from composer.piece import Piece, compose

    __version__: str

__all__ = ["ComposerError", "Delivered", "Piece", "compose", "__version__"]


def __getattr__(name: str) -> Any:
    """``compose``, ``Piece`` and ``Delivered`` load the music and audio stacks when first used,
    so ``composer --help`` and a bad flag answer at once (scipy alone takes a second to import);
    ``__version__`` (and ``version()``) read the installed metadata when asked
    (importlib.metadata takes 25 ms)."""
    if name in ("__version__", "version"):
        from composer.base.about import version

        return version() if name == "__version__" else version
    if name in ("Piece", "compose"):
        from composer import piece

        return getattr(piece, name)
    if name == "Delivered":
        from composer.audio import deliver

        return deliver.Delivered
    raise AttributeError(f"module 'composer' has no attribute {name!r}")
