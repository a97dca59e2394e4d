"""Problems grouped by cause: a count and the first rows of each, before any per-row detail.

Thousands of identical row messages hide the one fix that clears them all. A summary line says
how many rows share a cause, which column, the first rows and their values, and the remedy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from geo.errors import Problem

EXAMPLES = 3


@dataclass
class ProblemGroup:
    """Rows that share one cause in one column."""

    column: str
    cause: str
    problems: list[Problem] = field(default_factory=list)

    def line(self, noun: str = "rows") -> str:
        count = len(self.problems)
        where = f" [{self.column}]" if self.column else ""
        firsts = []
        for problem in self.problems[:EXAMPLES]:
            row = f"row {problem.line}" if problem.line is not None else problem.field
            firsts.append(f"{row} {problem.value!r}" if problem.value else row)
        more = " …" if count > EXAMPLES else ""
        label = noun if count != 1 else noun.rstrip("s")
        return f"{count:,} {label}{where}: {self.cause} (first: {', '.join(firsts)}{more})"


def group_problems(problems: Sequence[Problem]) -> list[ProblemGroup]:
    """Groups, the largest first; a problem without a cause is its own message."""
    groups: dict[tuple[str, str], ProblemGroup] = {}
    for problem in problems:
        cause = problem.cause or problem.message
        column = problem.field.split("].", 1)[-1] if problem.cause else problem.field
        key = (column, cause)
        if key not in groups:
            groups[key] = ProblemGroup(column, cause)
        groups[key].problems.append(problem)
    return sorted(groups.values(), key=lambda g: -len(g.problems))


def summary_lines(problems: Sequence[Problem], noun: str = "rows") -> list[str]:
    """One line per cause, for the CLI's stderr and the page's import box."""
    return [group.line(noun) for group in group_problems(problems)]
