#!/usr/bin/env bash
# Benchmark of issue 16: a province's quarter on this machine, from the warm validated
# cache, release build.
# usage: [TIEXIN_BIN=PATH] bench/quarter.sh [HOUSEHOLDS] [RUNS]   (default 1000000, 3)
#
# Prints one table: per command, the minimum wall time and the peak RSS of RUNS runs,
# twice: computed (the kept results, $TIEXIN_CACHE_DIR/results, removed before each run,
# so every figure is computed from the validated tables) and kept (a run over the same
# files before, so the rules' rows and the metrics come from the kept results);
# beside it DuckDB running the same SQL files (bench/duckdb_quarter.py: the views, the
# quarter's tables and the rules of queries/findings/ for the quarter and the major
# rules of the quarter before, over the same validated rows) where that applies; and the
# floor: the time to read every column of the validated cache's Arrow files as a load
# does (pyarrow: mapped, every array checked), which any command has to do at least once.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tiexin-target-release}"
bench=${BENCH_DIR:-/tmp/tiexin-bench}
# TIEXIN_BIN: another build to measure (an earlier commit's, for a before/after).
if [ -n "${TIEXIN_BIN:-}" ]; then
  bin=$TIEXIN_BIN
else
  cargo build --release --quiet
  bin="$CARGO_TARGET_DIR/release/tiexin"
fi
dir="$bench/h$n-csv"
mkdir -p "$bench"
if [ ! -f "$dir/.done" ]; then
  "$bin" generate --out "$dir" --households "$n" --format csv --seed 1 --force >/dev/null
  touch "$dir/.done"
fi
export TIEXIN_CACHE_DIR="$bench/cache-csv"
export TIEXIN_STATE_DIR="$bench/state"
# Fill the validated cache (a cold load), so that every run below reads it warm.
"$bin" validate --archive "$dir" --format csv -q >/dev/null 2>&1 || true
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb

best() { # mode (computed|kept), label, command... → "secs kib": the fastest run, max RSS
  local mode=$1 label=$2 secs kb best_s="" best_kb=0
  shift 2
  [ "$mode" = kept ] && { "$@" >/dev/null 2>&1 || true; }
  for _ in $(seq "$runs"); do
    [ "$mode" = computed ] && rm -rf "$TIEXIN_CACHE_DIR/results"
    if ! /usr/bin/time -f "%e %M" -o "$bench/time" "$@" >/dev/null 2>"$bench/err"; then
      # validate exits 1 when rows are rejected (the generated archive has some).
      [ "$label" = validate ] || { echo "$label failed:" >&2; cat "$bench/err" >&2; exit 1; }
    fi
    read -r secs kb <"$bench/time"
    if [ -z "$best_s" ] || (($(echo "$secs < $best_s" | bc))); then best_s=$secs; fi
    ((kb > best_kb)) && best_kb=$kb
  done
  echo "$best_s $best_kb"
}

floor=$(python3 - "$TIEXIN_CACHE_DIR" <<'EOF'
import glob, os, sys, time
import pyarrow as pa
files = sorted(glob.glob(sys.argv[1] + "/*.arrow"))
# The newest entry of each table: the one this build wrote or read last.
newest = {}
for f in files:
    # A table's validated rows ("households-…") and its integer keys ("keys-households-…").
    name = f.rsplit("/", 1)[1]
    t = "-".join(name.split("-", 2)[:2]) if name.startswith("keys-") else name.split("-", 1)[0]
    if t not in newest or os.path.getmtime(f) > os.path.getmtime(newest[t]):
        newest[t] = f
best = None
for _ in range(3):
    t0 = time.perf_counter()
    rows = 0
    for f in newest.values():
        # What a load does: map the file, and check every array (offsets, UTF-8).
        t = pa.ipc.open_file(pa.memory_map(f)).read_all()
        t.validate(full=True)
        rows += t.num_rows
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(f"{best:.2f}")
EOF
)

duck=$(python3 bench/duckdb_quarter.py "$TIEXIN_CACHE_DIR" 2026Q3 "$runs")

printf '\n%s households, %s runs each, warm cache; floor = reading the cache'"'"'s Arrow files: %s s\n\n' "$n" "$runs" "$floor"
printf '| command | computed: wall (min) | peak RSS (max) | ÷ floor | kept: wall | peak RSS | DuckDB, same SQL |\n|---|---|---|---|---|---|---|\n'
gib() { echo "$1 / 1048576" | bc -l; }
row() { # label, duckdb, command...
  local label=$1 d=$2
  shift 2
  read -r s kb <<<"$(best computed "$label" "$@")"
  read -r ks kkb <<<"$(best kept "$label" "$@")"
  printf '| `%s` | %.2f s | %.2f GiB | %.1f× | %.2f s | %.2f GiB | %s |\n' "$label" "$s" "$(gib "$kb")" \
    "$(echo "$s / $floor" | bc -l)" "$ks" "$(gib "$kkb")" "$d"
}
row validate "—" "$bin" validate --archive "$dir" --format csv -q
row "metrics --period 2026Q3" "—" "$bin" metrics --archive "$dir" --period 2026Q3 --format csv -q
row "findings --period 2026Q3" "$duck" "$bin" findings --archive "$dir" --period 2026Q3 --format csv -q
row "bulletin --period 2026Q3" "—" "$bin" bulletin --archive "$dir" --period 2026Q3 --date 2026-10-15 \
  --number 1 --out "$bench/bulletin.pdf" -q
row "shortlist --year 2026" "—" "$bin" shortlist --archive "$dir" --year 2026 --format csv -q
