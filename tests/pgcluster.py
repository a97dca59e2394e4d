"""A throwaway PostgreSQL + PostGIS cluster for tests, on 127.0.0.1 and a free port.

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres` user (with a
data folder it owns); as anyone else, as that user. Debian's binaries live in
/usr/lib/postgresql/<version>/bin. The cluster trusts local connections (it listens on
127.0.0.1 only and lives for one test session), and is stopped by whoever started it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.serve import free_port

HOST = "127.0.0.1"
TEMPLATE = "event_atlas_template"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed: the reason says which Debian packages to add."""


def binaries() -> Path:
    """The newest Debian PostgreSQL's bin folder with PostGIS available."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise ClusterUnavailable(
            "PostgreSQL is not installed: apt-get install postgresql postgis (scripts/test.sh "
            "does this)"
        )
    bin_dir = found[-1].parent
    version = bin_dir.parent.name
    if not Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
        raise ClusterUnavailable(
            f"PostGIS is not installed for PostgreSQL {version}: apt-get install postgis"
        )
    return bin_dir


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresCluster:
    """`with PostgresCluster() as cluster:` a running cluster; `cluster.url(db)` to connect."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="event-atlas-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            _as_postgres([str(self.bin / command[0]), *command[1:]]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()}\n{log}")

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            # The postgres user must reach and own its folder.
            self.folder.chmod(0o755)
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-c listen_addresses={HOST} -p {self.port} -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")
        self.running = True
        self._sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self._sql(TEMPLATE, "CREATE EXTENSION postgis")
        return self

    def _sql(self, database: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(statement)

    def new_database(self) -> str:
        """A fresh, empty database with PostGIS (copied from a template: fast)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def drop_database(self, name: str) -> None:
        self._sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def database(cluster: PostgresCluster) -> Iterator[str]:
    """A fresh database's URL, dropped afterwards."""
    name = cluster.new_database()
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)
