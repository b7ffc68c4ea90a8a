#!/usr/bin/env bash
# Prints the README's Quick start commands, one per line, after checking that the block holds
# exactly two: the first builds and runs the main job, the second runs the tests.
# `scripts/readme-quickstart.sh test` prints only the test command (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
block=$(awk '
  /^## Quick start/ { in_section = 1; next }
  in_section && /^## / { exit }
  in_section && /^```/ { if (in_block) exit; in_block = 1; next }
  in_block { print }
' README.md)
mapfile -t cmds < <(printf '%s\n' "$block" | sed -e 's/[[:space:]]*$//' | grep -v '^$')
if [ "${#cmds[@]}" -ne 2 ]; then
  echo "README.md: the Quick start block must hold exactly two commands, found ${#cmds[@]}:" >&2
  printf '  %s\n' "${cmds[@]}" >&2
  exit 1
fi
case "${cmds[1]}" in
  *"cargo test"*) ;;
  *) echo "README.md: the second Quick start command must run the tests (cargo test), found: ${cmds[1]}" >&2; exit 1 ;;
esac
if [ "${1:-}" = test ]; then
  printf '%s\n' "${cmds[1]}"
else
  printf '%s\n' "${cmds[@]}"
fi
