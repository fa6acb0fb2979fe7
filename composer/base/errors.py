"""The one exception type users see: a single line naming the problem and the fix."""


class ComposerError(Exception):
    """A problem with the user's input or machine, explained in one line.

    The CLI prints ``str(error)`` and exits non-zero; it never shows a traceback for these.

    >>> str(ComposerError("duration 0 s is too short", "give a duration between 1 s and 60 min"))
    'duration 0 s is too short: give a duration between 1 s and 60 min'
    """

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}: {fix}" if fix else problem)
