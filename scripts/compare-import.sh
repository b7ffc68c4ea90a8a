#!/usr/bin/env bash
# Behaviour check for import changes (issue 29): the same trackers imported by two builds under a
# fixed clock (faketime) must give the same stored rows, batches, chain heads, messages, exit
# codes and --errors-out files. Trackers: bench_gen xlsx and CSV (short and long descriptions),
# one keyed by SP 800-53 IDs (mapped), and a hand-made CSV with every kind of row problem
# (invalid control, bad dates, duplicates, CSF 1.1 IDs, extras, evidence files present and
# missing) imported plainly, with --skip-invalid --errors-out, --dry-run, and twice (already
# stored). Prints "same" or the first differences; exit 1 when anything differs.
# Usage: scripts/compare-import.sh OLD_BIN NEW_BIN [ROWS]   (ROWS default 3000)
# Needs: faketime; the examples built (cargo build --release --example bench_gen).
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1") new=$(realpath "$2") rows=${3:-3000}
gen=${BENCH_GEN:-target/release/examples/bench_gen}
[ -x "$gen" ] || cargo build --release --quiet --example bench_gen
gen=$(realpath "$gen")
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/in/files"
echo "policy text" >"$work/in/files/policy.pdf"
"$gen" "$rows" "$work/in/short.xlsx"
"$gen" "$rows" "$work/in/short.csv"
"$gen" --long "$rows" "$work/in/long.xlsx"
CSFKIT_DB="$work/ids.db" "$old" --quiet crosswalk --from sp800-53 --format csv |
  tail -n +2 | cut -d, -f1 | sort -u >"$work/in/sp800-53.txt"
"$gen" "$rows" "$work/in/mapped.xlsx" "$work/in/sp800-53.txt"
printf '\xef\xbb\xbf' >"$work/in/edge.csv"
cat >>"$work/in/edge.csv" <<'EOF'
control_id,title,description,evidence_type,owner,collected_on,valid_until,location,source_system,Ticket
GV.OC-01,Policy,The policy,policy,alice,2026-01-05,2027-01-05,files/policy.pdf,GRC,T-1
PR.AC-1,Legacy ID,CSF 1.1 row,log,bob,2026-02-01,,https://x.example/1,GRC,
GV.OC-01,Policy,The policy,policy,alice,2026-01-05,2027-01-05,files/policy.pdf,GRC,T-1
XX.YY-99,Bad control,,log,bob,2026-02-01,,,GRC,
ID.AM-01,Bad date,,log,bob,2026-13-45,,,GRC,
ID.AM-02,Backwards,,log,bob,2026-05-01,2026-04-01,,GRC,
ID.AM-03,Missing file,,report,carol,05/03/2026,,files/nothere.pdf,GRC,
AC-2,Mapped,SP 800-53 row,ticket,dan,2026-03-03,,https://x.example/2,GRC,T-9
,No control,,log,bob,,,,GRC,
PR.AC-1,Legacy ID,CSF 1.1 row,log,bob,2026-02-01,,https://x.example/1,GRC,
DE.CM-01,=cmd,"quoted, with comma",log,eve,2026-06-01,,,GRC,
EOF
printf '\xef\xbb\xbf' >"$work/in/clean.csv"
cat >>"$work/in/clean.csv" <<'EOF'
control_id,title,description,evidence_type,owner,collected_on,valid_until,location,source_system,Ticket
GV.OC-01,Policy,The policy,policy,alice,2026-01-05,2027-01-05,files/policy.pdf,GRC,T-1
PR.AC-1,Legacy ID,CSF 1.1 row,log,bob,2026-02-01,,https://x.example/1,GRC,
ID.AM-03,Missing file,,report,carol,2026-03-05,,files/nothere.pdf,GRC,
AC-2,Mapped,SP 800-53 row,ticket,dan,2026-03-03,,https://x.example/2,GRC,T-9
DE.CM-01,=cmd,"quoted, with comma",log,eve,2026-06-01,,,GRC,
EOF
# Duplicates only: every line after the header repeats the first.
{ head -2 "$work/in/clean.csv"; for _ in $(seq 150); do sed -n 2p "$work/in/clean.csv"; done; } >"$work/in/dups.csv"

# run BIN OUTDIR: every import, each into its own catalogue except the repeated one.
run() {
  local bin=$1 out=$2 ft=(faketime -f '2026-12-01 10:00:00')
  mkdir -p "$out"
  local n=0
  step() { # step DB NAME ARGS...: one command, its exit code and messages recorded
    local db=$1 name=$2
    shift 2
    n=$((n + 1))
    set +e
    CSFKIT_DB="$out/$db.db" CSFKIT_TODAY=2026-12-01 "${ft[@]}" "$bin" "$@" >"$out/$n-$name.out" 2>"$out/$n-$name.err"
    echo "exit $?" >>"$out/$n-$name.out"
    set -e
    # Temporary paths differ between the two runs.
    sed -i "s#$out#OUT#g; s#$work#WORK#g" "$out/$n-$name.out" "$out/$n-$name.err"
  }
  for f in short.xlsx short.csv long.xlsx mapped.xlsx clean.csv; do
    step "$f" "import-$f" evidence import "$work/in/$f" --evidence-root "$work/in" --collector bench
  done
  step edge import-edge evidence import "$work/in/edge.csv" --evidence-root "$work/in" --collector bench
  step edge-skip import-edge-skip evidence import "$work/in/edge.csv" --evidence-root "$work/in" \
    --collector bench --skip-invalid --errors-out "$out/errors.csv"
  step edge-dry import-edge-dry evidence import "$work/in/edge.csv" --evidence-root "$work/in" \
    --collector bench --dry-run --errors-out "$out/errors-dry.csv"
  step dups import-dups evidence import "$work/in/dups.csv" --evidence-root "$work/in" --collector bench
  step dups-skip import-dups-skip evidence import "$work/in/dups.csv" --evidence-root "$work/in" \
    --collector bench --skip-invalid --errors-out "$out/errors-dups.csv"
  step clean.csv import-clean-again evidence import "$work/in/clean.csv" --evidence-root "$work/in" --collector bench
  step short.csv import-short-as-xlsx-after-csv evidence import "$work/in/short.xlsx" --evidence-root "$work/in" --collector bench
  for db in short.xlsx short.csv long.xlsx mapped.xlsx clean.csv edge-skip dups-skip; do
    step "$db" "list-$db" evidence list --format csv
    step "$db" "batches-$db" evidence batches --format csv
    step "$db" "check-$db" check --format csv
  done
  rm -f "$out"/*.db*
}
run "$old" "$work/old"
run "$new" "$work/new"
if diff -r "$work/old" "$work/new" >"$work/diff"; then
  echo "same ($(ls "$work/old" | wc -l) outputs compared, $rows-row trackers)"
else
  head -40 "$work/diff"
  exit 1
fi
