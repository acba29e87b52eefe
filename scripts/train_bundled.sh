#!/usr/bin/env bash
# Start, or resume, training the bundled cascade in the background: nice 19, one
# thread per stage, so the shared machine stays usable. Every stage resumes from
# its checkpoint ($EASEL_CHECKPOINT_DIR, default ~/.cache/easel/checkpoints), so
# running this again after a stop (or in a later session) carries on.
#
# Two lanes, one core each:
#   A: clip -> decoder            (the decoder freezes the CLIP it starts with)
#   B: super_res_first -> prior -> super_res_1024
#      (the prior waits for that frozen CLIP, so both stages share one)
# Logs: $EASEL_LOG_DIR (default ~/.cache/easel/logs)/<stage>.log and lanes.log.
# Export when you want to ship: .venv/bin/python -m gpu_worker.train export
# Stop: kill -TERM the PIDs in lanes.pid and the stage PIDs (each saves first).
set -euo pipefail
cd "$(dirname "$0")/.."

LOGS="${EASEL_LOG_DIR:-$HOME/.cache/easel/logs}"
CKPT="${EASEL_CHECKPOINT_DIR:-$HOME/.cache/easel/checkpoints}"
export EASEL_CHECKPOINT_DIR="$CKPT"
mkdir -p "$LOGS" "$CKPT"

CLIP_STEPS="${CLIP_STEPS:-2500}"
DECODER_STEPS="${DECODER_STEPS:-200000}"
PRIOR_STEPS="${PRIOR_STEPS:-20000}"
SR_FIRST_STEPS="${SR_FIRST_STEPS:-6000}"
SR_1024_STEPS="${SR_1024_STEPS:-3000}"
WORLD="${WORLD:-stage1}"

# jemalloc makes the convolutions 2-6x faster on this CPU (FACTS.md).
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -e "$JEMALLOC" ]; then
  export LD_PRELOAD="$JEMALLOC${LD_PRELOAD:+:$LD_PRELOAD}"
  export MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:-1,muzzy_decay_ms:-1}"
fi

stage() {
  local name=$1
  shift
  echo "$(date -u +%FT%TZ) start $name $*" >>"$LOGS/lanes.log"
  nice -n 19 .venv/bin/python -m gpu_worker.train "$name" --world "$WORLD" --threads 1 "$@" >>"$LOGS/$name.log" 2>&1
  echo "$(date -u +%FT%TZ) end $name rc=$?" >>"$LOGS/lanes.log"
}

lane_a() {
  stage clip --steps "$CLIP_STEPS"
  stage decoder --steps "$DECODER_STEPS"
}

lane_b() {
  stage super_res_first --steps "$SR_FIRST_STEPS"
  # The prior must condition on the same frozen CLIP as the decoder.
  while [ ! -f "$CKPT/clip/frozen.pt" ]; do sleep 60; done
  stage prior --steps "$PRIOR_STEPS"
  stage super_res_1024 --steps "$SR_1024_STEPS"
}

# One chain at a time: a second start while one runs would train stages twice.
exec 9>"$LOGS/train_bundled.lock"
if ! flock -n 9; then
  echo "training is already running (lock $LOGS/train_bundled.lock); logs in $LOGS" >&2
  exit 1
fi

nohup bash -c "$(declare -f stage lane_a); LOGS='$LOGS' CKPT='$CKPT' CLIP_STEPS='$CLIP_STEPS' DECODER_STEPS='$DECODER_STEPS' WORLD='$WORLD'; lane_a" >/dev/null 2>&1 9>&- &
A=$!
nohup bash -c "$(declare -f stage lane_b); LOGS='$LOGS' CKPT='$CKPT' SR_FIRST_STEPS='$SR_FIRST_STEPS' PRIOR_STEPS='$PRIOR_STEPS' SR_1024_STEPS='$SR_1024_STEPS' WORLD='$WORLD'; lane_b" >/dev/null 2>&1 9>&- &
B=$!
echo "$A $B" >"$LOGS/lanes.pid"
# The lock stays held while the lanes run: hand it to a waiter that lives as long as they do.
nohup bash -c "while kill -0 $A 2>/dev/null || kill -0 $B 2>/dev/null; do sleep 30; done" >/dev/null 2>&1 &
echo "training lanes started: A (clip -> decoder) pid $A, B (super_res_first -> prior -> super_res_1024) pid $B; logs in $LOGS"
