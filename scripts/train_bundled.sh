#!/usr/bin/env bash
# Start, or resume, training the bundled cascade in the background: nice 19, one
# thread per stage, so the shared machine stays usable. Every stage resumes from
# its checkpoint ($EASEL_CHECKPOINT_DIR, default ~/.cache/easel/checkpoints), so
# running this again after a stop (or in a later session) carries on.
#
# Three lanes, one core each at most:
#   A: clip -> decoder            (the decoder freezes the CLIP it starts with)
#   B: super_res_first -> super_res_1024   (ground truth only: needs no other stage)
#   C: prior, once the decoder has frozen the CLIP (so both condition on the same one)
# Each lane holds its own lock, so running this again starts only the lanes
# that are not running (after a reboot, a stop, or in a later session).
# Logs: $EASEL_LOG_DIR (default ~/.cache/easel/logs)/<stage>.log and lanes.log.
# Export when you want to ship: .venv/bin/python -m gpu_worker.train export
# Stop: kill -TERM the stage PIDs (each saves first), then the lanes in lanes.pid.
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
# A stage whose resident memory passes this saves and exits with 75; its lane
# starts it again from the checkpoint (a decoder once grew to 18 GB and thrashed
# the machine).
MAX_RSS_GB="${MAX_RSS_GB:-6}"

# jemalloc makes the convolutions 2-6x faster on this CPU (FACTS.md). FACTS.md's
# never-decay setting (dirty_decay_ms:-1) let the decoder's process grow by about
# 1.8 GB per 100 steps (18 GB after 1 h 45 min); with pages returned after 5 s it
# stayed at 1.9-2.1 GB for the next hour at the same speed (docs/model.md).
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -e "$JEMALLOC" ]; then
  export LD_PRELOAD="$JEMALLOC${LD_PRELOAD:+:$LD_PRELOAD}"
  export MALLOC_CONF="${MALLOC_CONF:-background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:5000}"
fi

stage() {
  local name=$1 rc=75
  shift
  while [ "$rc" = 75 ]; do
    echo "$(date -u +%FT%TZ) start $name $*" >>"$LOGS/lanes.log"
    rc=0
    nice -n 19 .venv/bin/python -m gpu_worker.train "$name" --world "$WORLD" --threads 1 --max-rss-gb "$MAX_RSS_GB" "$@" >>"$LOGS/$name.log" 2>&1 || rc=$?
    echo "$(date -u +%FT%TZ) end $name rc=$rc" >>"$LOGS/lanes.log"
  done
}

lane_a() {
  stage clip --steps "$CLIP_STEPS"
  stage decoder --steps "$DECODER_STEPS"
}

lane_b() {
  stage super_res_first --steps "$SR_FIRST_STEPS"
  stage super_res_1024 --steps "$SR_1024_STEPS"
}

lane_c() {
  # The prior must condition on the same frozen CLIP as the decoder.
  while [ ! -f "$CKPT/clip/frozen.pt" ]; do sleep 60; done
  stage prior --steps "$PRIOR_STEPS"
}

# A new machine has no checkpoints: carry on from the committed weights rather
# than from random ones (stages that already have a checkpoint are left alone).
nice -n 19 .venv/bin/python -m gpu_worker.train seed --threads 1 >>"$LOGS/seed.log" 2>&1 || echo "seeding failed: see $LOGS/seed.log"

VARS="LOGS='$LOGS' CKPT='$CKPT' WORLD='$WORLD' CLIP_STEPS='$CLIP_STEPS' DECODER_STEPS='$DECODER_STEPS' PRIOR_STEPS='$PRIOR_STEPS' SR_FIRST_STEPS='$SR_FIRST_STEPS' SR_1024_STEPS='$SR_1024_STEPS' MAX_RSS_GB='$MAX_RSS_GB'"

for lane in a b c; do
  lock="$LOGS/lane_$lane.lock"
  # flock -n gives up at once when the lane is already running.
  if flock -n "$lock" true; then
    nohup flock -n "$lock" bash -c "$(declare -f stage lane_$lane); $VARS; lane_$lane" >/dev/null 2>&1 &
    echo "$lane $! $(date -u +%FT%TZ)" >>"$LOGS/lanes.pid"
    echo "lane $lane started (pid $!)"
  else
    echo "lane $lane is already running"
  fi
done
echo "logs in $LOGS"
