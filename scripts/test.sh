#!/usr/bin/env bash
# Set up everything the tests need (Python packages, Debian's chromium and haproxy) and run the
# whole suite: lint, format, mypy --strict, unit, AppTest, hosting and browser tests. Exits
# non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

# Debian packages the tests need: chromium (browser tests), haproxy (hosting tests),
# PostgreSQL with PostGIS (the desk's store; the tests start a throwaway cluster themselves).
MISSING=()
[ -x /usr/bin/chromium ] || MISSING+=(chromium fonts-dejavu-core)
command -v haproxy >/dev/null || MISSING+=(haproxy)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || MISSING+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || MISSING+=(postgis postgresql-postgis)
if [ ${#MISSING[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "== installing Debian's ${MISSING[*]} for the tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi

echo "== installing Python packages"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy --strict geo"
.venv/bin/mypy geo
echo "== pytest"
.venv/bin/python -m pytest "$@"
