#!/usr/bin/env bash
# Two builds compared on the same archive, their runs interleaved (A, B, A, B, …) so
# that the machine's drift between runs falls on both alike (this 2-core VM varies by
# up to 15% from one minute to the next).
# usage: bench/compare.sh BIN_A CACHE_A BIN_B CACHE_B ARCHIVE [RUNS]   (RUNS default 3)
# Each CACHE is that build's validated cache folder (builds with other validation code
# have their own entries); its kept results are removed before every run, so each
# figure is computed. Prints, per command and build, the fastest wall time and the
# largest peak RSS.
set -euo pipefail
[ $# -ge 5 ] || { sed -n 2,9p "$0"; exit 2; }
bins=("$1" "$3")
caches=("$2" "$4")
archive=$5
runs=${6:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
commands=(
  "validate -q"
  "metrics --period 2026Q3"
  "findings --period 2026Q3"
  "bulletin --period 2026Q3 --date 2026-10-15 --out $tmp/bulletin.pdf"
  "shortlist --year 2026"
)
# Warm each cache first (a build's first load of the archive validates it).
for k in 0 1; do
  TIEXIN_CACHE_DIR=${caches[$k]} "${bins[$k]}" validate --archive "$archive" -q >/dev/null 2>&1 || true
done
printf '| command | A: wall (min) | A: peak RSS | B: wall (min) | B: peak RSS |\n|---|---|---|---|---|\n'
for c in "${commands[@]}"; do
  declare -a best=("" "") rss=(0 0)
  for _ in $(seq "$runs"); do
    for k in 0 1; do
      rm -rf "${caches[$k]}/results"
      # validate exits 1 when rows are rejected (the generated archive has some).
      # shellcheck disable=SC2086
      TIEXIN_CACHE_DIR=${caches[$k]} TIEXIN_STATE_DIR=$tmp/state$k /usr/bin/time -f "%e %M" \
        -o "$tmp/time" "${bins[$k]}" $c --archive "$archive" >/dev/null 2>"$tmp/err" || true
      read -r s kb <"$tmp/time"
      if [ -z "${best[$k]}" ] || (($(echo "$s < ${best[$k]}" | bc))); then best[$k]=$s; fi
      ((kb > rss[k])) && rss[k]=$kb
    done
  done
  printf '| `%s` | %s s | %.2f GiB | %s s | %.2f GiB |\n' "${c%% --out*}" "${best[0]}" \
    "$(echo "${rss[0]} / 1048576" | bc -l)" "${best[1]}" "$(echo "${rss[1]} / 1048576" | bc -l)"
done
