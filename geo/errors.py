"""One rooted exception tree: every error Event Atlas raises on purpose is an EventAtlasError.

Each message is written for the person using the app, and says how to fix the problem.
"""

from __future__ import annotations

from dataclasses import dataclass


class EventAtlasError(Exception):
    """Root of every error Event Atlas raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, located precisely enough to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    # What many rows share (for a grouped summary), and the offending value, when known.
    cause: str = ""
    value: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class DataFileError(EventAtlasError):
    """A data file cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("DataFileError needs at least one problem")
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.problems[0].file}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))

    @property
    def summary(self) -> str:
        count = len(self.problems)
        return f"{count} problem{'s' if count != 1 else ''} in {self.problems[0].file}"


class SettingError(EventAtlasError):
    """A setting (environment variable or option) has a value that cannot be used."""


class UnsafeURLError(EventAtlasError):
    """A link is not http(s) and will not be shown."""


class GeocodingError(EventAtlasError):
    """A place name could not be turned into coordinates."""


class PlaceNotFoundError(GeocodingError):
    """No place of that name is known."""


class AmbiguousPlaceError(GeocodingError):
    """Several different places carry the name; the caller must say which (a country bias)."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = candidates
        listed = "; ".join(candidates)
        super().__init__(
            f"'{query}' is ambiguous: {listed}. Add the country (e.g. country_codes=['UA']) "
            "or write the coordinates yourself"
        )


class GazetteerIndexError(EventAtlasError):
    """The offline gazetteer's index file cannot be built or read (not a problem of one name)."""


class PublishError(EventAtlasError):
    """A static site cannot be made of this view, or written where asked."""


class DraftError(EventAtlasError):
    """An article cannot be drafted into events: empty, too long, or missing what sources need."""
