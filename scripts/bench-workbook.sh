#!/usr/bin/env bash
# Workbook benchmark (issue 15): 106 controls and N evidence rows (default 100,000). In the same
# run, interleaved, three times each: `csfkit export --formats csv` (the CSV-only package, the
# baseline the issue names), `--formats xlsx` (the workbook alone) and `--formats csv,xlsx`; wall
# time and peak RSS of each. Several row counts show whether the workbook's memory grows with the
# evidence (it should not: its sheets are written row by row to temporary files). `default` is the
# whole default export (PDF, CSVs, POA&M, workbook). LONG=1 generates descriptions of about 190
# characters (`bench_gen --long`), which wrap in the Evidence sheet: the case that made the
# workbook grow with the evidence until issue 22 (item 23). CSFKIT_BIN=PATH measures another build
# of csfkit (an older one, for a before/after figure) on the same input.
# Usage: [LONG=1] [FORMATS="csv xlsx csv,xlsx default"] [CSFKIT_BIN=PATH] scripts/bench-workbook.sh [ROWS...]
# (default: 100000 rows)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen
B=target/release
C=${CSFKIT_BIN:-$B/csfkit}
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CSFKIT_DB="$work/c.db"
for n in "${rows[@]}"; do
  rm -rf "$work"/c.db* "$work/pkg"
  $B/examples/bench_gen ${LONG:+--long} "$n" "$work/evidence.csv"
  $C --quiet evidence import "$work/evidence.csv" --evidence-root "$work"
  echo "== $n evidence rows"
  for i in 1 2 3; do
    for formats in ${FORMATS:-csv xlsx csv,xlsx default}; do
      pick=(--formats "$formats")
      [ "$formats" = default ] && pick=()
      s=$(date +%s.%N)
      /usr/bin/time -f '%M' -o "$work/rss" $C --quiet export --provider datacrunch --services iaas,model \
        --out "$work/pkg" --force --as-of 2026-11-24 "${pick[@]}"
      e=$(date +%s.%N)
      size=""
      [ -f "$work/pkg/audit-workbook.xlsx" ] && size=", audit-workbook.xlsx $(( $(stat -c %s "$work/pkg/audit-workbook.xlsx") / 1024 )) KiB"
      echo "run $i ${formats}: $(echo "$e - $s" | bc -l | cut -c1-5) s, peak RSS $(( $(cat "$work/rss") / 1024 )) MB$size"
    done
  done
done
