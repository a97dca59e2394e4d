"""Reproducible synthetic conflict datasets for benchmarks (fixed seed, realistic mix).

    python benchmarks/generate.py --sizes 1000 10000 --out benchmarks/data

writes, for each size N: events-N.yaml (up to 100,000 events), events-N.parquet and
events-N-acled.csv. Places are real GeoNames towns of Ukraine, Russia and Belarus, weighted by
population and jittered by their precision; dates span the first year of the invasion; the type
mix follows ACLED's Ukraine data (mostly shelling and clashes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

from geo.export import events_yaml_text
from geo.gazetteer import Entry, load_index
from geo.io.acled import export_acled_csv
from geo.model import Event, Figure, Place, Source
from geo.store import EventStore
from geo.vocabulary import EventType

SEED = 20220224
START = dt.date(2022, 2, 24)
DAYS = 365
YAML_MAX = 100_000
TYPE_WEIGHTS = {
    EventType.SHELLING: 45,
    EventType.ARMED_CLASH: 20,
    EventType.AIR_STRIKE: 12,
    EventType.ATTACK_ON_CIVILIANS: 5,
    EventType.TERRITORY_SEIZED: 3,
    EventType.MILITARY_MOVEMENT: 5,
    EventType.PROTEST: 3,
    EventType.DISPLACEMENT: 2,
    EventType.HUMANITARIAN: 2,
    EventType.STATEMENT: 2,
    EventType.NEGOTIATIONS: 1,
}
JITTER_DEGREES = {1: 0.0, 2: 0.1, 3: 0.6}
ACTORS = ["Russian armed forces", "Ukrainian armed forces", "Civilians", "Local authorities"]
PUBLISHERS = ["Regional administration", "Ministry of Defence", "Wire report", "Local media"]


@functools.cache
def towns() -> tuple[Entry, ...]:
    index = load_index()
    return tuple(
        e
        for e in index.entries
        if e.kind == "city" and e.country in {"UA", "RU", "BY"} and e.population >= 5_000
    )


def generate(count: int, seed: int = SEED) -> Iterator[Event]:
    rng = random.Random(seed)
    places = towns()
    # Cumulative weights: each draw is a bisection, not a pass over every town.
    cumulative = list(itertools.accumulate(p.population for p in places))
    types = list(TYPE_WEIGHTS)
    type_weights = list(TYPE_WEIGHTS.values())
    for i in range(count):
        town = rng.choices(places, cum_weights=cumulative)[0]
        event_type = rng.choices(types, type_weights)[0]
        precision = rng.choices([1, 2, 3], [70, 25, 5])[0]
        jitter = JITTER_DEGREES[precision]
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        killed = rng.choices([0, 1, 2, 5, 12], [60, 20, 10, 7, 3])[0]
        publisher = rng.choice(PUBLISHERS)
        yield Event(
            id=f"syn-{i:07d}",
            title=f"{event_type.value.replace('_', ' ').capitalize()} near {town.name}",
            event_type=event_type,
            date=day,
            place=Place(
                name=town.name,
                country=town.country,
                latitude=round(town.latitude + rng.uniform(-jitter, jitter), 5),
                longitude=round(town.longitude + rng.uniform(-jitter, jitter), 5),
                geo_precision=precision,
            ),
            actors=rng.sample(ACTORS, 2),
            fatalities=[Figure(value=killed, claimed_by=publisher)] if killed else [],
            sources=[
                Source(
                    publisher=publisher,
                    date=day,
                    quote=f"Synthetic report {i}: {event_type.value} reported around {town.name}.",
                )
            ],
            summary=f"Synthetic event {i} for benchmarks; not a real report.",
            tags=["synthetic"],
        )


def write_all(count: int, out: Path, seed: int = SEED) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    events = list(generate(count, seed))
    written = []
    if count <= YAML_MAX:
        yaml_path = out / f"events-{count}.yaml"
        yaml_path.write_text(
            events_yaml_text(events, f"Synthetic benchmark data: {count} events, seed {seed}"),
            encoding="utf-8",
        )
        written.append(yaml_path)
    parquet_path = out / f"events-{count}.parquet"
    EventStore.write(events, parquet_path)
    acled_path = out / f"events-{count}-acled.csv"
    acled_path.write_text(export_acled_csv(events), encoding="utf-8")
    return [*written, parquet_path, acled_path]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for size in args.sizes:
        for path in write_all(size, args.out, args.seed):
            print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
