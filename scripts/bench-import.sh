#!/usr/bin/env bash
# Import benchmark (issue 4): for 100,000- and 1,000,000-row evidence files (xlsx and CSV) it
# times, in the same run and on the same files:
#   floor   - a bare calamine streaming read of every cell (csv crate for CSV)
#   csfkit  - `csfkit evidence import` into a fresh catalogue (median of 3), with peak RSS
#   pandas  - pandas.read_excel / read_csv + DataFrame.to_sql into SQLite (one run; slow)
# Usage: scripts/bench-import.sh [ROWS...]   (default: 100000 1000000)
# Needs: a release build, python3 with pandas and openpyxl (pip install pandas openpyxl).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen --example bench_floor
B=target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(100000 1000000)
PANDAS_MAX=${PANDAS_MAX:-1000000}

median3() { # median wall time of three runs of "$@" (after a fresh setup by $setup)
  local ts=()
  for _ in 1 2 3; do
    eval "$setup"
    local s e
    s=$(date +%s.%N); /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    e=$(date +%s.%N)
    ts+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n 2p
}

printf '%-9s %-5s %10s %10s %10s %10s %8s %8s\n' rows fmt floor_s csfkit_s pandas_s ratio rss_MB floor_MB
for n in "${rows[@]}"; do
  for fmt in xlsx csv; do
    f="$work/evidence-$n.$fmt"
    $B/examples/bench_gen "$n" "$f"
    setup=":"
    floor=$(median3 $B/examples/bench_floor "$f")
    floor_rss=$(awk '{printf "%.0f", $1/1024}' "$work/rss")
    setup="rm -f $work/c.db*; CSFKIT_DB=$work/c.db $B/csfkit --quiet init"
    csf=$(median3 env CSFKIT_DB="$work/c.db" $B/csfkit --quiet evidence import "$f" --evidence-root "$work")
    rss=$(awk '{printf "%.0f", $1/1024}' "$work/rss")
    if [ "$n" -le "$PANDAS_MAX" ] && python3 -c 'import pandas, openpyxl' 2>/dev/null; then
      rm -f "$work/p.db"; s=$(date +%s.%N)
      python3 scripts/bench_pandas.py "$f" "$work/p.db" >/dev/null
      pandas=$(echo "$(date +%s.%N) - $s" | bc -l)
    else
      pandas=nan
    fi
    printf '%-9s %-5s %10.2f %10.2f %10.2f %9.2fx %8s %8s\n' "$n" "$fmt" "$floor" "$csf" "$pandas" \
      "$(echo "$csf / $floor" | bc -l)" "$rss" "$floor_rss"
  done
done
