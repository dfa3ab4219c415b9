#!/usr/bin/env bash
# Incremental indexing benchmark (issue: an index you can trust): a 10,000-file tree of short real-ish notes,
# one full build, then one file changed and `sqa index` run again, side by side with a full rebuild.
# Usage: benches/incremental.sh [FILES]   (needs scripts/fetch-assets and a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
files="${1:-10000}"
sqa="$PWD/target/release/sqa"
export SQA_MODEL="${SQA_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/sqa/models/all-MiniLM-L6-v2}"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT
subjects=(London Paris rivers bridges trains gardens libraries markets museums harbours)
for ((i = 0; i < files; i++)); do
  d="$tree/notes/$((i / 100))"
  [[ -d "$d" ]] || mkdir -p "$d"
  printf 'Note %d: the %s of district %d, visited on day %d.\n' "$i" "${subjects[i % 10]}" "$((i % 37))" "$((i % 365))" > "$d/$i.txt"
done
cd "$tree"
seconds() { local s e; s=$(date +%s%N); "$@" 2>/tmp/sqa-bench.err >/dev/null; e=$(date +%s%N); echo "$(( (e - s) / 1000000 ))"; }
full=$(seconds "$sqa" index notes)
echo "full build:        ${full} ms  ($(tail -1 /tmp/sqa-bench.err))"
unchanged=$(seconds "$sqa" index)
echo "nothing changed:   ${unchanged} ms"
echo "Note 5000 was rewritten: the ferries of district 1 are late." > notes/50/5000.txt
one=$(seconds "$sqa" index)
echo "one file changed:  ${one} ms  ($(tail -1 /tmp/sqa-bench.err))"
rebuild=$(seconds "$sqa" index --rebuild)
echo "full rebuild:      ${rebuild} ms"
awk -v a="$one" -v b="$rebuild" 'BEGIN { printf "incremental / rebuild = %.4f (%.0fx faster)\n", a / b, b / a }'
