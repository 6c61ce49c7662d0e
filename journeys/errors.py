"""Problems found in a journey file, and the error that carries them.

Every problem names the path of the offending field inside the file, in the
dotted form a person can find with a text editor: ``steps.tax_check.duration.mean``
or ``transitions[3].to``.

Examples
--------
>>> p = Problem("steps.tax_check.duration.mean", "must be > 0, got -5")
>>> str(p)
'steps.tax_check.duration.mean: must be > 0, got -5'
>>> err = JourneyError([p], source="licence.yaml")
>>> print(err)
licence.yaml: steps.tax_check.duration.mean: must be > 0, got -5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["InputError", "JourneyError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a journey, at one field."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(ValueError):
    """A problem with what a user gave us (a file, a column, an option).

    The command line prints ``str(error)`` (one line per problem, naming the
    file and the row or field) and exits with status 2, without a traceback.
    Every input error of the project derives from this class.
    """


class JourneyError(InputError):
    """A journey file or object that cannot be used; holds every problem found.

    ``str(error)`` gives one line per problem, each prefixed by the file name.
    """

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self.__str__())

    def lines(self) -> list[str]:
        """One line per problem, prefixed by the source file when known."""
        prefix = f"{self.source}: " if self.source else ""
        return [f"{prefix}{p}" for p in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())
