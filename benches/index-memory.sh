#!/usr/bin/env bash
# Indexing memory on a large real tree: the Linux 6.1 source from Debian's linux-source-6.1 package (1.3 GB).
#   benches/index-memory.sh [SECONDS]   (default 400)
# Indexes the tree for SECONDS, sampling the process's RSS every 5 s, then interrupts it (embedding all of it
# would take hours on 2 cores; the index is left as it was). Then builds the BM25 index of the *whole* tree
# with the real LexicalWriter alone (examples/lexical_memory), the part of indexing that grows with the corpus.
# Needs apt-get (Debian's archive) and about 3 GB in $WORK (default /tmp/sqa-index-memory).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-400}"
work="${WORK:-/tmp/sqa-index-memory}"
tree="$work/linux-source-6.1"
scripts/fetch-assets >/dev/null
cargo build --release --locked --bin sqa --example lexical_memory 2>/dev/null
export SQA_MODEL="${SQA_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/sqa/models/all-MiniLM-L6-v2}"
if [[ ! -d "$tree" ]]; then
  mkdir -p "$work/deb"
  (cd "$work/deb" && apt-get download linux-source-6.1 >/dev/null && dpkg-deb -x linux-source-6.1_*.deb pkg)
  tar -xf "$work"/deb/pkg/usr/src/linux-source-6.1.tar.xz -C "$work"
  rm -rf "$work/deb"
  # Debian's packaging ignores everything at the top level (`/*`, `!/debian/`); sqa honours .gitignore.
  sed -i '/^\/\*$/d; /^!\/debian\/$/d' "$tree/.gitignore"
fi
echo "tree: $(du -sh --apparent-size "$tree" | cut -f1), $(find "$tree" -type f | wc -l) files; $(nproc) cores"
rm -rf "$work/index"
target/release/sqa index --index "$work/index" "$tree" 2> "$work/index.err" &
pid=$!
for ((t = 5; t <= seconds; t += 5)); do
  sleep 5
  read -r rss hwm < <(awk '/VmRSS/{r=$2} /VmHWM/{h=$2} END{print r, h}' "/proc/$pid/status" 2>/dev/null) || break
  ((t % 50 == 0)) && echo "  ${t} s: RSS $((rss / 1024)) MB, peak so far $((hwm / 1024)) MB"
done
kill -INT "$pid"; wait "$pid" || true
tail -1 "$work/index.err"
mkdir -p "$work/lexical"
echo "BM25 index of the whole tree (LexicalWriter alone):"
/usr/bin/time -f "  %e s, peak RSS %M KB" target/release/examples/lexical_memory "$tree" "$work/lexical"
