#!/usr/bin/env bash
# Import benchmark (issues 4 and 29). For each size, bench_gen writes one evidence tracker per
# format (xlsx, CSV); then, in the same run and on the same file, RUNS rounds alternate:
#   floor   - a bare streaming read of every cell (calamine for xlsx, the csv crate for CSV)
#   csfkit  - `csfkit evidence import` of this build into a fresh catalogue
#   base    - the same with BASE_BIN, the build before the change (left out when unset)
#   pandas  - pandas.read_excel / read_csv + DataFrame.to_sql into SQLite (PANDAS_RUNS rounds)
# Each round runs the four one after the other, so load that comes and goes hits them alike.
# Printed per file and contestant: the median and every run's wall time, the median's ratio to
# the floor, and the peak RSS of the median run; then one summary line.
# Usage: [BASE_BIN=/work/base-bin/csfkit-8b454df] scripts/bench-import.sh [ROWS...]
#        (default rows: 200000 1000000)
# Env:   RUNS (3), PANDAS_RUNS (RUNS; 0 leaves pandas out), PANDAS_MAX (largest size pandas
#        gets, 1000000), FORMATS ("xlsx csv"), KEEP=1 keeps the work directory.
# Needs: cargo (release build), GNU time (/usr/bin/time), bc, and for pandas python3 with
#        pandas and openpyxl (pip install pandas openpyxl; left out when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen --example bench_floor
B=$(realpath target/release)
base=${BASE_BIN:+$(realpath "$BASE_BIN")}
runs=${RUNS:-3}
pandas_runs=${PANDAS_RUNS:-$runs}
PANDAS_MAX=${PANDAS_MAX:-1000000}
formats=${FORMATS:-xlsx csv}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"' EXIT
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(200000 1000000)
have_pandas=0
python3 -c 'import pandas, openpyxl' 2>/dev/null && have_pandas=1

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# csfkit: $B/csfkit ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ', uncommitted changes'))"
echo "# base:   ${base:-none (set BASE_BIN)}"
[ "$have_pandas" = 1 ] || echo "# pandas: not installed (pip install pandas openpyxl), left out"

# once NAME CMD...: runs CMD once, appending its wall time (s) and peak RSS (MB) to $work/NAME.
once() {
  local name=$1 s e
  shift
  s=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err" || {
    echo "$name failed:" >&2
    cat "$work/err" >&2
    exit 1
  }
  e=$(date +%s.%N)
  printf '%s %s\n' "$(echo "$e - $s" | bc -l)" "$(awk 'END {printf "%.0f", $1/1024}' "$work/rss")" >>"$work/$name"
}

# import NAME BIN FILE: a fresh catalogue made by BIN, then the timed import.
import() {
  local name=$1 bin=$2 f=$3
  rm -f "$work/c.db" "$work/c.db-"*
  CSFKIT_DB="$work/c.db" "$bin" --quiet init
  once "$name" env CSFKIT_DB="$work/c.db" "$bin" --quiet evidence import "$f" --evidence-root "$work"
}

# median NAME: "median_s runs_s rss_MB", the RSS being the median run's.
median() {
  sort -g "$work/$1" | awk '{t[NR] = $1; m[NR] = $2; all = all sprintf(" %.2f", $1)}
    END {i = int((NR + 1) / 2); printf "%.2f %s %s\n", t[i], substr(all, 2), m[i]}'
}

printf '%-8s %-4s %-7s %8s %7s %7s  %s\n' rows fmt what median_s x_floor peak_MB runs_s
for n in "${rows[@]}"; do
  for fmt in $formats; do
    f="$work/evidence-$n.$fmt"
    "$B/examples/bench_gen" "$n" "$f" >/dev/null
    rm -f "$work"/{floor,csfkit,base,pandas}
    names=(floor csfkit)
    [ -z "$base" ] || names+=(base)
    use_pandas=0
    if [ "$have_pandas" = 1 ] && [ "$pandas_runs" -gt 0 ] && [ "$n" -le "$PANDAS_MAX" ]; then
      use_pandas=1
      names+=(pandas)
    fi
    for ((r = 1; r <= runs; r++)); do
      once floor "$B/examples/bench_floor" "$f"
      import csfkit "$B/csfkit" "$f"
      [ -z "$base" ] || import base "$base" "$f"
      if [ "$use_pandas" = 1 ] && [ "$r" -le "$pandas_runs" ]; then
        rm -f "$work/p.db"
        once pandas python3 scripts/bench_pandas.py "$f" "$work/p.db"
      fi
    done
    floor=$(median floor | cut -d' ' -f1)
    declare -A med=()
    for name in "${names[@]}"; do
      read -r m rest <<<"$(median "$name")"
      med[$name]=$m
      rss=${rest##* }
      printf '%-8s %-4s %-7s %8s %6.2fx %7s  %s\n' "$n" "$fmt" "$name" "$m" \
        "$(echo "$m / $floor" | bc -l)" "$rss" "${rest% *}"
    done
    summary="$n $fmt: csfkit $(printf '%.2f' "$(echo "${med[csfkit]} / $floor" | bc -l)")x the bare read"
    [ -z "$base" ] || summary+=" (base $(printf '%.2f' "$(echo "${med[base]} / $floor" | bc -l)")x)"
    [ "$use_pandas" = 0 ] ||
      summary+=", pandas $(printf '%.1f' "$(echo "${med[pandas]} / ${med[csfkit]}" | bc -l)")x slower than csfkit"
    echo "# $summary"
    unset med
  done
done
