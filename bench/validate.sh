#!/usr/bin/env bash
# Benchmark of `tiexin validate` on a generated province (issue 2).
# usage: bench/validate.sh [HOUSEHOLDS]   (default 1000000)
# Builds the release binary, generates the archive as CSV and as Parquet (once; kept in
# $BENCH_DIR), then times validation without the cache, with a cold cache and with a
# warm cache. Prints wall time, peak RSS and rows per second.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tiexin-target-release}"
bench=${BENCH_DIR:-/tmp/tiexin-bench}
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/tiexin"
mkdir -p "$bench"

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$bench/time" "$@" >"$bench/out" 2>"$bench/err" || true
  read -r secs kb <"$bench/time"
  rows=$(awk -F, 'NR>1 {s+=$3} END {print s}' "$bench/out")
  printf '%-34s %8.2f s  %7.0f MiB  %10d rows  %8.2f M rows/s\n' "$label" "$secs" "$((kb / 1024))" "$rows" \
    "$(echo "$rows / $secs / 1000000" | bc -l)"
}

for fmt in csv parquet; do
  dir="$bench/h$n-$fmt"
  if [ ! -f "$dir/.done" ]; then
    /usr/bin/time -f "%e %M" -o "$bench/time" "$bin" generate --out "$dir" --households "$n" --format "$fmt" --seed 1 --force 2>/dev/null
    read -r secs kb <"$bench/time"
    echo "generate $n households ($fmt): $secs s, peak $((kb / 1024)) MiB, $(du -sh "$dir" | cut -f1)"
    touch "$dir/.done"
  fi
  measure "validate $fmt, no cache" "$bin" validate --archive "$dir" --format csv --no-cache
  export TIEXIN_CACHE_DIR="$bench/cache-$fmt"
  rm -rf "$TIEXIN_CACHE_DIR"
  measure "validate $fmt, cold cache (writes)" "$bin" validate --archive "$dir" --format csv
  measure "validate $fmt, warm cache" "$bin" validate --archive "$dir" --format csv
  unset TIEXIN_CACHE_DIR
done
