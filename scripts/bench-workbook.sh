#!/usr/bin/env bash
# Workbook benchmark (issue 15): 106 controls and N evidence rows (default 100,000). In the same
# run, interleaved, three times each: `csfkit export --formats csv` (the CSV-only package, the
# baseline the issue names), `--formats xlsx` (the workbook alone) and `--formats csv,xlsx`; wall
# time and peak RSS of each. Several row counts show whether the workbook's memory grows with the
# evidence (it should not: its sheets are written row by row to temporary files).
# Usage: scripts/bench-workbook.sh [ROWS...]   (default: 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen
B=target/release
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CSFKIT_DB="$work/c.db"
for n in "${rows[@]}"; do
  rm -rf "$work"/c.db* "$work/pkg"
  $B/examples/bench_gen "$n" "$work/evidence.csv"
  $B/csfkit --quiet evidence import "$work/evidence.csv" --evidence-root "$work"
  echo "== $n evidence rows"
  for i in 1 2 3; do
    for formats in csv xlsx csv,xlsx; do
      s=$(date +%s.%N)
      /usr/bin/time -f '%M' -o "$work/rss" $B/csfkit --quiet export --provider datacrunch --services iaas,model \
        --out "$work/pkg" --force --as-of 2026-11-24 --formats "$formats"
      e=$(date +%s.%N)
      size=""
      [ -f "$work/pkg/audit-workbook.xlsx" ] && size=", audit-workbook.xlsx $(( $(stat -c %s "$work/pkg/audit-workbook.xlsx") / 1024 )) KiB"
      echo "run $i --formats $formats: $(echo "$e - $s" | bc -l | cut -c1-5) s, peak RSS $(( $(cat "$work/rss") / 1024 )) MB$size"
    done
  done
done
