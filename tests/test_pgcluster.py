"""The throwaway PostgreSQL cluster the desk's store tests run against."""

from __future__ import annotations

import psycopg
import pytest

from tests.pgcluster import ClusterUnavailable, PostgresCluster, database


def test_postgis_answers_in_a_fresh_database(postgres_db: str) -> None:
    with psycopg.connect(postgres_db) as connection:
        row = connection.execute("SELECT ST_AsText(ST_MakePoint(30.5, 50.4))").fetchone()
    assert row == ("POINT(30.5 50.4)",)


def test_databases_are_independent(postgres_cluster: PostgresCluster) -> None:
    with database(postgres_cluster) as first, database(postgres_cluster) as second:
        with psycopg.connect(first, autocommit=True) as connection:
            connection.execute("CREATE TABLE only_here (x int)")
        with psycopg.connect(second) as connection:
            row = connection.execute("SELECT to_regclass('only_here')").fetchone()
        assert row == (None,)


def test_a_stopped_cluster_accepts_no_connection() -> None:
    try:
        cluster = PostgresCluster()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    with cluster:
        url = cluster.url()
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)
    assert not cluster.folder.exists()
