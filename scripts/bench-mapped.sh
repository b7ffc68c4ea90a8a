#!/usr/bin/env bash
# Mapped-import benchmark (issue 17): in the same run, a ROWS-row xlsx evidence tracker keyed by
# CSF 2.0 subcategories and one keyed by SP 800-53 Rev 5 controls (every control some CSF 2.0
# subcategory cites, from `csfkit crosswalk --from sp800-53`, cycled), each imported into a fresh
# catalogue (median of 3) with peak RSS. An 800-53 row is stored once per citing subcategory, so
# the table gives rows read and evidence rows stored.
# Usage: scripts/bench-mapped.sh [ROWS...]   (default: 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen
B=target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(200000)

CSFKIT_DB="$work/ids.db" $B/csfkit --quiet crosswalk --from sp800-53 --format csv |
  tail -n +2 | cut -d, -f1 | sort -u >"$work/sp800-53.txt"

median3() { # median wall time of three imports of "$1" into a fresh catalogue
  local ts=()
  for _ in 1 2 3; do
    rm -f "$work"/c.db*
    CSFKIT_DB="$work/c.db" $B/csfkit --quiet init
    local s e
    s=$(date +%s.%N)
    CSFKIT_DB="$work/c.db" /usr/bin/time -f '%M' -o "$work/rss" $B/csfkit --quiet evidence import "$1" \
      --evidence-root "$work" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    e=$(date +%s.%N)
    ts+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n 2p
}

printf '%-8s %-9s %10s %10s %10s %12s %8s\n' rows keyed_by import_s rows_per_s stored stored_per_s rss_MB
for n in "${rows[@]}"; do
  for keyed in csf2 sp800-53; do
    f="$work/evidence-$keyed-$n.xlsx"
    if [ "$keyed" = csf2 ]; then $B/examples/bench_gen "$n" "$f"; else $B/examples/bench_gen "$n" "$f" "$work/sp800-53.txt"; fi
    t=$(median3 "$f")
    rss=$(awk '{printf "%.0f", $1/1024}' "$work/rss")
    stored=$(sqlite3 "$work/c.db" 'select count(*) from evidence' 2>/dev/null ||
      CSFKIT_DB="$work/c.db" $B/csfkit evidence list --format csv | tail -n +2 | wc -l)
    printf '%-8s %-9s %10.2f %10.0f %10s %12.0f %8s\n' "$n" "$keyed" "$t" "$(echo "$n / $t" | bc -l)" \
      "$stored" "$(echo "$stored / $t" | bc -l)" "$rss"
  done
done
