#!/usr/bin/env bash
# Serve Easel on the embedded defaults: SQLite, local files, in-process tasks, the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python
export EASEL_DATA_DIR="${EASEL_DATA_DIR:-$PWD/var}"
mkdir -p "$EASEL_DATA_DIR"
# jemalloc halves the time of the model's large convolutions on the CPU (FACTS.md).
# Freed pages are kept (never decay): serving 4 images at 256 and 1024 px took half the time
# it took with 5-second decay, and the RSS stayed flat at 3.5 GB over repeated requests
# (docs/model.md, session 10). Training decays instead: its RSS grew without bound.
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -e "$JEMALLOC" ]; then
  export LD_PRELOAD="$JEMALLOC${LD_PRELOAD:+:$LD_PRELOAD}"
  export MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:-1,muzzy_decay_ms:-1}"
fi
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py ensure_admin
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
echo "Easel is at http://127.0.0.1:$PORT (data in $EASEL_DATA_DIR; e-mails are written to $EASEL_DATA_DIR/mail)"
exec $PY -m uvicorn webapp.asgi:application --host 127.0.0.1 --port "$PORT" --no-access-log
