#!/usr/bin/env bash
# Run the whole suite against real services. Starts what is not running and
# stops, afterwards, only what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
started_pg=0; started_redis=0

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start && started_pg=1
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no && started_redis=1
  for _ in $(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
if [ ! -x /usr/bin/chromium ]; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; browser tests will fail" >&2
fi

cleanup() {
  $PY -m scripts.services down
  [ "$started_redis" = 1 ] && redis-cli -h 127.0.0.1 -p 6379 shutdown nosave >/dev/null 2>&1
  [ "$started_pg" = 1 ] && pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main stop
  return 0
}
trap cleanup EXIT

eval "$($PY -m scripts.services up)" || { echo "could not start the test services" >&2; exit 1; }
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/easel}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}"
export CELERY_BROKER_URL="$REDIS_URL"
export EASEL_MODEL_PRESET=tiny-random
export EASEL_DATA_DIR="${EASEL_TEST_DATA_DIR:-$PWD/var/test-data}"
export EASEL_REQUIRE_SERVICES=true
rm -rf "$EASEL_DATA_DIR"
$PY -m pytest "$@"
