#!/usr/bin/env bash
# Cluster mode (issue 18, cargo feature `ballista`): build it, test it, measure it.
#
# usage: bench/cluster.sh test                    build with the feature and run
#                                                 tests/cluster.rs (a scheduler and two
#                                                 executors as processes on 127.0.0.1)
#        bench/cluster.sh bench [HOUSEHOLDS...] [--runs N] [--partitions P]
#                                                 release build; for each archive size
#                                                 (default 1000000), local mode against a
#                                                 local two-executor cluster whose runs
#                                                 are split into P (default 2)
#                                                 partitions (cluster-partitions)
#
# The benchmark prints, per command (findings of a quarter, metrics of a year, the
# shortlist), the minimum wall time of N runs (default 3) and the peak RSS of every
# process: the tiexin client, the scheduler and each executor. Peaks are per command:
# each process's high-water mark (VmHWM) is reset before the command's runs.
#
# The feature's builds live in their own target folders (Ballista needs DataFusion
# built with other features; sharing the main folder would rebuild it back and forth).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}
shift || true

case "$mode" in
test)
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tiexin-target-ballista}"
  cargo test --features ballista --test cluster -- --test-threads 1
  exit
  ;;
bench) ;;
*)
  echo "usage: bench/cluster.sh test | bench [HOUSEHOLDS...] [--runs N]" >&2
  exit 2
  ;;
esac

sizes=()
runs=3
partitions=2
while [ $# -gt 0 ]; do
  case "$1" in
  --runs) runs=$2; shift 2 ;;
  --partitions) partitions=$2; shift 2 ;;
  *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tiexin-target-ballista-release}"
cargo build --release --features ballista --bins --quiet
bin=$CARGO_TARGET_DIR/release
bench=${BENCH_DIR:-/tmp/tiexin-bench}
mkdir -p "$bench"
export TIEXIN_STATE_DIR="$bench/state"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { # port: wait until something accepts on 127.0.0.1:port
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2; exit 1
}

sched_port=$(port)
"$bin/tiexin-scheduler" --bind "127.0.0.1:$sched_port" >"$bench/scheduler.log" 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
listening "$sched_port"
for i in 1 2; do
  flight=$(port); grpc=$(port)
  mkdir -p "$bench/executor-$i"
  "$bin/tiexin-executor" --scheduler "127.0.0.1:$sched_port" --bind 127.0.0.1 \
    --port "$flight" --grpc-port "$grpc" --cores 1 --work-dir "$bench/executor-$i" \
    >"$bench/executor-$i.log" 2>&1 &
  pids+=($!)
  listening "$flight"
done
sleep 2
engine="ballista://127.0.0.1:$sched_port"
# The cluster runs split their work into $partitions (cluster-partitions).
printf 'cluster-partitions = %s\n' "$partitions" >"$bench/cluster.toml"

hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
reset() { for p in "${pids[@]}"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }

logs=("$bench/scheduler.log" "$bench/executor-1.log" "$bench/executor-2.log")
size() { stat -c %s "$1"; }

measure() { # label, engine args...: "secs client_kib sched_kib exec1_kib exec2_kib"
  local best="" peak=0 secs kb
  reset
  for _ in $(seq "$runs"); do
    # Where each log stood before this run: the last run's part is read by tasks().
    offsets=(); for l in "${logs[@]}"; do offsets+=("$(size "$l")"); done
    # Every run computes: no kept results are read (a cluster run keeps none anyway).
    rm -rf "$TIEXIN_CACHE_DIR/results"
    /usr/bin/time -f "%e %M" -o "$bench/time" "$bin/tiexin" "$@" --format csv >/dev/null 2>"$bench/err" \
      || { echo "failed: $*" >&2; cat "$bench/err" >&2; exit 1; }
    read -r secs kb <"$bench/time"
    if [ -z "$best" ] || (($(echo "$secs < $best" | bc))); then best=$secs; fi
    ((kb > peak)) && peak=$kb
  done
  echo "$best $peak $(hwm "${pids[0]}") $(hwm "${pids[1]}") $(hwm "${pids[2]}")"
}

gib() { echo "scale=2; $1 / 1048576" | bc; }

tasks() { # label wall: what the cluster did in the last measured run, two table rows
  local parts=() i
  for i in "${!logs[@]}"; do
    # Kept per archive size and command, to be read again.
    tail -c +"$((offsets[i] + 1))" "${logs[i]}" >"$bench/run-$1-$i.log"
    parts+=("$bench/run-$1-$i.log")
  done
  python3 bench/cluster_tasks.py "$2" "$partitions" "${parts[@]}"
}

for n in "${sizes[@]}"; do
  dir="$bench/h$n-csv"
  if [ ! -f "$dir/.done" ]; then
    "$bin/tiexin" generate --out "$dir" --households "$n" --format csv --seed 1 --force >/dev/null
    touch "$dir/.done"
  fi
  export TIEXIN_CACHE_DIR="$bench/cache-cluster-$n"
  "$bin/tiexin" validate --archive "$dir" --format csv -q >/dev/null 2>&1 || true
  # Publish the cluster's tables once (the first cluster run would), and time it.
  start=$(date +%s.%N)
  "$bin/tiexin" metrics --period 2026Q1 --archive "$dir" --engine "$engine" --format csv >/dev/null
  publish=$(echo "$(date +%s.%N) - $start" | bc)
  echo
  echo "## $n households (first cluster run, publishing the tables included: ${publish} s)"
  echo
  echo "| command | local | local RSS | cluster | client RSS | scheduler RSS | executor 1 RSS | executor 2 RSS |"
  echo "|---|---|---|---|---|---|---|---|"
  done_rows=() more_rows=()
  for cmd in "findings --period 2026Q3" "metrics --period 2026" "shortlist --year 2026"; do
    # shellcheck disable=SC2086
    read -r ls lk _ _ _ < <(measure $cmd --archive "$dir")
    # measure runs in a subshell: the offsets of its last run are written out.
    # shellcheck disable=SC2086
    read -r cs ck sk e1 e2 < <(measure $cmd --archive "$dir" --engine "$engine" --config "$bench/cluster.toml"; declare -p offsets >"$bench/offsets")
    echo "| $cmd | $ls s | $(gib "$lk") GiB | $cs s | $(gib "$ck") GiB | $(gib "$sk") GiB | $(gib "$e1") GiB | $(gib "$e2") GiB |"
    # shellcheck disable=SC1091
    source "$bench/offsets"
    { read -r did; read -r more; } < <(tasks "$n-$partitions-${cmd%% *}" "$cs")
    done_rows+=("| $cmd | $cs s | $did |")
    more_rows+=("| $cmd | $cs s | $more |")
  done
  echo
  echo "Where the cluster's time went (the last run of each command, from the logs):"
  echo
  echo "| command | wall | jobs | scheduler planning | stages | tasks | executor 1 busy | executor 2 busy | median task | longest task |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${done_rows[@]}"
  echo
  echo "More executors, from the per-task times (bench/cluster_tasks.py; cluster-partitions = $partitions):"
  echo
  echo "| command | wall (2 executors) | stages on 2 (model) | the rest (client, scheduling) | all tasks' time | estimate on $partitions executors |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${more_rows[@]}"
done
