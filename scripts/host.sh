#!/usr/bin/env bash
# Set up (first run only) and serve Event Atlas for many readers: one app process per core (or
# --replicas N) behind HAProxy with sticky sessions, at http://localhost:8501 (--port P).
# Arguments go to `python -m geo serve`, e.g. `bash scripts/host.sh --replicas 2`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

if ! command -v haproxy >/dev/null; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "== installing Debian's haproxy (it puts the replicas behind one address)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/python -m geo serve "$@"
