#!/usr/bin/env bash
# Export benchmark (issue 5): 106 controls and N evidence rows (default 100,000). Times, in the
# same run: `csfkit export` of the whole package (PDF with the evidence appendix, CSVs, manifest)
# with its peak RSS, and LibreOffice headless converting the same evidence-index.csv to PDF (what a
# user would otherwise do).
# Several row counts show whether memory grows with the evidence (it should not).
# Usage: scripts/bench-export.sh [ROWS...]   (default: 100000; LO_MAX=N skips LibreOffice above N rows)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen
B=target/release
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(100000)
LO_MAX=${LO_MAX:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CSFKIT_DB="$work/c.db"
for n in "${rows[@]}"; do
  rm -rf "$work"/c.db* "$work/pkg" "$work/lo"
  $B/examples/bench_gen "$n" "$work/evidence.csv"
  $B/csfkit --quiet evidence import "$work/evidence.csv" --evidence-root "$work"
  echo "== $n evidence rows"
  for i in 1 2 3; do
    s=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" $B/csfkit --quiet export --provider datacrunch --services iaas,model \
      --out "$work/pkg" --force --as-of 2026-11-24
    e=$(date +%s.%N)
    echo "csfkit export run $i: $(echo "$e - $s" | bc -l | cut -c1-5) s, peak RSS $(( $(cat "$work/rss") / 1024 )) MB"
  done
  pages=$(pdfinfo "$work/pkg/report.pdf" | awk '/^Pages:/ {print $2}')
  echo "report.pdf: $pages pages, $(( $(stat -c %s "$work/pkg/report.pdf") / 1024 )) KiB"
  if command -v soffice >/dev/null && [ "$n" -le "$LO_MAX" ]; then
    s=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" soffice --headless --convert-to pdf --outdir "$work/lo" \
      "$work/pkg/evidence-index.csv" >/dev/null 2>&1
    e=$(date +%s.%N)
    echo "LibreOffice csv->pdf (evidence-index.csv only): $(echo "$e - $s" | bc -l | cut -c1-5) s, peak RSS $(( $(cat "$work/rss") / 1024 )) MB, $(pdfinfo "$work/lo/evidence-index.pdf" | awk '/^Pages:/ {print $2}') pages"
  fi
done
