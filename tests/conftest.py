from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT.parent / "shared" / "seed-article.txt"
SHIPPED_EVENTS = ROOT / "data" / "events.yaml"

MINIMAL_EVENT = """\
  - id: {id}
    title: {title}
    event_type: shelling
    date: 2022-02-28
    place:
      name: Kharkiv
      country: UA
      latitude: 49.9935
      longitude: 36.2304
      geo_precision: 1
    sources:
      - publisher: Seed article
        date: 2022-02-28
        quote: Kharkiv in Ukraine's northeast has become a major battleground.
"""


def events_yaml(*ids: str, title: str = "A title") -> str:
    return "events:\n" + "".join(MINIMAL_EVENT.format(id=i, title=title) for i in ids)


@pytest.fixture
def write_events(tmp_path: Path):
    def write(text: str, name: str = "events.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
