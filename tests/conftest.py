from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def oidc_provider():
    """A local OpenID Connect provider (tests/oidc.py) for `st.login`, on 127.0.0.1."""
    from tests.oidc import MockProvider

    with MockProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1 (tests/pgcluster.py)."""
    from tests.pgcluster import ClusterUnavailable, PostgresCluster

    try:
        cluster = PostgresCluster()
    except ClusterUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}", pytrace=False)
        pytest.skip(str(exc))
    with cluster:
        yield cluster


@pytest.fixture
def postgres_db(postgres_cluster):
    """A fresh database with PostGIS, dropped after the test; its URL."""
    from tests.pgcluster import database

    with database(postgres_cluster) as url:
        yield url


@pytest.fixture(scope="session")
def large_store_file(tmp_path_factory):
    """100,000 synthetic events (benchmarks/generate.py, fixed seed) in a Parquet store."""
    import sys

    from geo.store import EventStore

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.pop(0)
    path = tmp_path_factory.mktemp("large-store") / "events-100000.parquet"
    EventStore.write(generate(100_000), path)
    return path


@pytest.fixture(scope="session")
def large_app(large_store_file, tmp_path_factory):
    """The app on that store, as `streamlit run` serves it (127.0.0.1, a free port)."""
    from geo.serve import AppServer

    log = tmp_path_factory.mktemp("large-app") / "streamlit.log"
    with AppServer(large_store_file, app_dir=ROOT, log_path=log, name="large") as server:
        server.wait_ready()
        yield server
