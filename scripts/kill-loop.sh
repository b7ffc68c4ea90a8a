#!/usr/bin/env bash
# kill -9 at 10 moments of an import and of an export (issue 12): after each kill the catalogue
# passes `csfkit check` and holds either none or all of the import's rows; the package path holds
# either the old package or the new one (both verify), and the next export clears the leftovers.
# Usage: scripts/kill-loop.sh [ROWS]   (default 200000; needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin csfkit --example bench_gen
B=$PWD/target/release
n=${1:-200000}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
export CSFKIT_DB=$w/c.db NO_COLOR=1
$B/examples/bench_gen "$n" "$w/e.csv"
$B/csfkit -q init
# How long a whole import and export take, to spread the kills over them.
s=$(date +%s.%N); $B/csfkit -q evidence import "$w/e.csv" --evidence-root "$w" --dry-run; imp=$(echo "$(date +%s.%N) - $s" | bc -l)
# The number of evidence rows a whole import stores (a CSF 1.1 ID becomes one row per successor).
full=$(CSFKIT_DB=$w/ref.db $B/csfkit -q evidence import "$w/e.csv" --evidence-root "$w" && CSFKIT_DB=$w/ref.db $B/csfkit evidence list --format csv | tail -n +2 | wc -l)
echo "import of $n rows ($full evidence rows) takes about ${imp:0:5} s"
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  at=$(echo "$imp * $i / 10" | bc -l)
  before=$($B/csfkit evidence list --format csv 2>/dev/null | tail -n +2 | wc -l)
  $B/csfkit -q evidence import "$w/e.csv" --evidence-root "$w" & pid=$!
  sleep "$at"; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  after=$($B/csfkit evidence list --format csv 2>/dev/null | tail -n +2 | wc -l)
  $B/csfkit -q check >/dev/null && integrity=ok || integrity=BROKEN
  if [ "$after" -eq "$before" ] || [ "$after" -eq "$full" ]; then whole=yes; else whole=NO; fi
  echo "import kill at ${at:0:5} s: rows $before -> $after, check $integrity, all-or-nothing $whole"
  [ "$integrity" = ok ] && [ "$whole" = yes ] && ok=$((ok + 1))
done
# Export: an old package in place, then a replacement killed at 10 moments.
$B/csfkit -q evidence import "$w/e.csv" --evidence-root "$w" || true
$B/csfkit -q export --provider datacrunch --services iaas,model --out "$w/pkg" --as-of 2026-01-01
s=$(date +%s.%N); $B/csfkit -q export --provider datacrunch --services iaas,model --out "$w/probe" --as-of 2026-01-01; exp=$(echo "$(date +%s.%N) - $s" | bc -l)
echo "export of $n rows takes about ${exp:0:5} s"
for i in 1 2 3 4 5 6 7 8 9 10; do
  at=$(echo "$exp * $i / 10" | bc -l)
  $B/csfkit -q export --provider datacrunch --services iaas,model --out "$w/pkg" --force --as-of 2026-0$((1 + i % 9))-02 & pid=$!
  sleep "$at"; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  if $B/csfkit -q verify "$w/pkg" >/dev/null 2>&1; then pkg=verifies; else pkg=BROKEN; fi
  left=$(ls -a "$w" | grep -c -E '\.pkg\.(partial|old)-' || true)
  $B/csfkit -q export --provider datacrunch --services iaas,model --out "$w/pkg" --force --as-of 2026-01-01 --formats csv
  after=$(ls -a "$w" | grep -c -E '\.pkg\.(partial|old)-' || true)
  echo "export kill at ${at:0:5} s: package $pkg, leftovers $left -> $after after the next export"
  [ "$pkg" = verifies ] && [ "$after" -eq 0 ] && ok=$((ok + 1))
done
echo "$ok of 20 kills left a sound catalogue and package"
