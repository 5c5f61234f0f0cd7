#!/usr/bin/env bash
# Benchmark of `tiexin validate` on a generated province (issues 2 and 12).
# usage: bench/validate.sh [HOUSEHOLDS] [FORMS]   (default 1000000, "csv parquet gb18030 xlsx")
# Builds the release binary, generates the archive as CSV and as Parquet (once; kept in
# $BENCH_DIR), then times validation without the cache, with a cold cache and with a
# warm cache. The intake forms of issue 12 (without the cache): `gb18030` is every table
# of the CSV archive converted to GB18030 (iconv); `xlsx` is households as a workbook
# (Chinese headers, date cells; bench/csv_to_xlsx.rs) beside unions and contacts as CSV,
# so that its rate is the workbook's. Prints wall time, peak RSS and rows per second.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
forms=${2:-csv parquet gb18030 xlsx}
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

generate() { # format
  local dir="$bench/h$n-$1"
  if [ ! -f "$dir/.done" ]; then
    /usr/bin/time -f "%e %M" -o "$bench/time" "$bin" generate --out "$dir" --households "$n" --format "$1" --seed 1 --force 2>/dev/null
    read -r secs kb <"$bench/time"
    echo "generate $n households ($1): $secs s, peak $((kb / 1024)) MiB, $(du -sh "$dir" | cut -f1)"
    touch "$dir/.done"
  fi
}

for fmt in $forms; do
  case $fmt in
    csv | parquet)
      generate "$fmt"
      dir="$bench/h$n-$fmt"
      measure "validate $fmt, no cache" "$bin" validate --archive "$dir" --format csv --no-cache
      export TIEXIN_CACHE_DIR="$bench/cache-$fmt"
      rm -rf "$TIEXIN_CACHE_DIR"
      measure "validate $fmt, cold cache (writes)" "$bin" validate --archive "$dir" --format csv
      measure "validate $fmt, warm cache" "$bin" validate --archive "$dir" --format csv
      unset TIEXIN_CACHE_DIR
      ;;
    gb18030)
      generate csv
      dir="$bench/h$n-gb18030"
      if [ ! -f "$dir/.done" ]; then
        mkdir -p "$dir"
        for f in "$bench/h$n-csv"/*.csv; do iconv -f UTF-8 -t GB18030 "$f" >"$dir/$(basename "$f")"; done
        touch "$dir/.done"
      fi
      measure "validate gb18030 csv, no cache" "$bin" validate --archive "$dir" --format csv --no-cache
      ;;
    xlsx)
      generate csv
      dir="$bench/h$n-xlsx"
      if [ ! -f "$dir/.done" ]; then
        mkdir -p "$dir"
        cp "$bench/h$n-csv"/unions.csv "$bench/h$n-csv"/contacts.csv "$dir/"
        # The converter is built in the debug profile, in the tests' target directory:
        # `cargo run --release --example` would build the dev-dependencies in release,
        # which unifies other features and rebuilds DataFusion (40+ minutes).
        CARGO_TARGET_DIR="${DEBUG_TARGET_DIR:-$HOME/.cache/tiexin-target}" \
          cargo run --quiet --example csv_to_xlsx -- households "$bench/h$n-csv/households.csv" "$dir/households.xlsx"
        touch "$dir/.done"
      fi
      measure "validate households.xlsx, no cache" "$bin" validate --archive "$dir" --format csv --no-cache
      ;;
    *) echo "unknown form $fmt (csv, parquet, gb18030, xlsx)" >&2; exit 2 ;;
  esac
done
