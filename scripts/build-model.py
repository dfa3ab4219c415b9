#!/usr/bin/env python3
"""Build sqa's model file: a fused, int8-quantised ONNX graph of a BERT sentence-transformers model,
straight from its safetensors weights (no PyTorch, no export step, no download).

The graph is written directly in the form ONNX Runtime's BERT optimizer would produce (its contrib
operators EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu), then the weight
matrices are quantised to int8 per output channel with ONNX Runtime's dynamic quantiser (activations
quantised per call). The feed-forward output projections read the GELU output, whose range a few
channels dominate (on all-MiniLM-L6-v2 one channel reaches 24 where the rest stay under 7): with
--outliers, those channels are moved last and multiplied in fp32 by a small side MatMul, so the int8
one sees a range a quarter as wide (measured; see README, "Models").

  build-model.py MODEL_DIR OUT.onnx [--fp32] [--outliers FILE.json]

MODEL_DIR holds config.json and model.safetensors (the sentence-transformers layout). FILE.json is
scripts/find-outliers.py's output: {"layers": [[channel, ...], ...]}. The output takes input_ids,
attention_mask, token_type_ids (int64, [batch, sequence]) and returns last_hidden_state ([batch,
sequence, hidden]); pooling and normalisation stay in sqa. Needs numpy, onnx and onnxruntime (for the
quantiser). Deterministic: same inputs, same bytes.
"""
import argparse
import json
import logging
import os
import struct
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
# Node-name suffixes never quantised: the outlier channels' side MatMuls (see the module's docstring).
ALWAYS_FP32 = ("ffn_outliers",)


def read_safetensors(path):
    with open(path, "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        data = f.read()
    kinds = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=kinds[entry["dtype"]]).reshape(entry["shape"])
    # Some exports prefix every name with the architecture's name.
    return {name.removeprefix("bert."): value for name, value in tensors.items()}


def build_graph(config, w, outliers=None):
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    assert config.get("hidden_act", "gelu") == "gelu", "only exact GELU (BERT's default) is supported"
    nodes, inits = [], []

    def init(name, array, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name))
        return name

    def node(op, inputs, outputs, name, domain="", **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0]

    for name in ("input_ids", "attention_mask", "token_type_ids"):
        node("Cast", [name], [name + "_i32"], "cast_" + name, to=TensorProto.INT32)
    e = "embeddings."
    x = node("EmbedLayerNormalization",
             ["input_ids_i32", "token_type_ids_i32",
              init("word_embeddings", w[e + "word_embeddings.weight"]),
              init("position_embeddings", w[e + "position_embeddings.weight"]),
              init("token_type_embeddings", w[e + "token_type_embeddings.weight"]),
              init("embeddings_ln_gamma", w[e + "LayerNorm.weight"]),
              init("embeddings_ln_beta", w[e + "LayerNorm.bias"]),
              "attention_mask_i32"],
             ["embedded", "mask_index"], "embeddings", MS, epsilon=eps)

    for layer in range(config["num_hidden_layers"]):
        p, l = f"encoder.layer.{layer}.", f"l{layer}_"
        att = p + "attention."
        # Attention wants [hidden, 3*hidden]: the transposed Q, K, V projections side by side.
        qkv_w = np.concatenate([w[att + f"self.{m}.weight"].T for m in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([w[att + f"self.{m}.bias"] for m in ("query", "key", "value")])
        a = node("Attention", [x, init(l + "qkv_w", qkv_w), init(l + "qkv_b", qkv_b), "mask_index"],
                 [l + "attention"], l + "attention", MS, num_heads=heads)
        a = node("MatMul", [a, init(l + "att_out_w", w[att + "output.dense.weight"].T)], [l + "att_out"], l + "att_out")
        x = node("SkipLayerNormalization",
                 [a, x, init(l + "att_ln_gamma", w[att + "output.LayerNorm.weight"]),
                  init(l + "att_ln_beta", w[att + "output.LayerNorm.bias"]),
                  init(l + "att_out_b", w[att + "output.dense.bias"])],
                 [l + "att_norm"], l + "att_norm", MS, epsilon=eps)
        h = feed_forward(node, init, l, w[p + "intermediate.dense.weight"].T, w[p + "intermediate.dense.bias"],
                         w[p + "output.dense.weight"].T, x, outliers[layer] if outliers else [])
        out = "last_hidden_state" if layer == config["num_hidden_layers"] - 1 else l + "ffn_norm"
        x = node("SkipLayerNormalization",
                 [h, x, init(l + "ffn_ln_gamma", w[p + "output.LayerNorm.weight"]),
                  init(l + "ffn_ln_beta", w[p + "output.LayerNorm.bias"]),
                  init(l + "ffn_out_b", w[p + "output.dense.bias"])],
                 [out], l + "ffn_norm", MS, epsilon=eps)

    dims = ["batch", "sequence"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims)
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [hidden])]
    graph = helper.make_graph(nodes, "sentence-encoder", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)],
                              producer_name="sqa build-model.py")
    model.ir_version = 8
    return model


def feed_forward(node, init, l, w_in, b_in, w_out, x, side):
    """GELU(x·w_in + b_in)·w_out, with the inner channels listed in `side` multiplied apart (in fp32)."""
    if side:
        main = [c for c in range(w_in.shape[1]) if c not in set(side)]
        order = main + list(side)
        w_in, b_in, w_out = w_in[:, order], b_in[order], w_out[order]
    h = node("MatMul", [x, init(l + "ffn_in_w", w_in)], [l + "ffn_in"], l + "ffn_in")
    h = node("BiasGelu", [h, init(l + "ffn_in_b", b_in)], [l + "gelu"], l + "gelu", MS)
    if not side:
        return node("MatMul", [h, init(l + "ffn_out_w", w_out)], [l + "ffn_out"], l + "ffn_out")
    sizes = init(l + "ffn_split_sizes", [len(main), len(side)], np.int64)
    node("Split", [h, sizes], [l + "gelu_main", l + "gelu_side"], l + "ffn_split", axis=-1)
    a = node("MatMul", [l + "gelu_main", init(l + "ffn_out_w", w_out[:len(main)])], [l + "ffn_out_main"], l + "ffn_out")
    b = node("MatMul", [l + "gelu_side", init(l + "ffn_side_w", w_out[len(main):])], [l + "ffn_out_side"],
             l + "ffn_outliers")
    return node("Add", [a, b], [l + "ffn_out"], l + "ffn_sum")


def quantise(src, dst, kept, weights="s7"):
    """Per-channel dynamic int8 of src's MatMul and Attention weights into dst, except nodes named with a
    suffix in `kept` or ALWAYS_FP32. `weights`: "s7" (sqa's, see below), or "s8" / "u8" (for comparison)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(src).graph
    exclude = [n.name for n in graph.node if any(n.name.endswith(k) for k in (*kept, *ALWAYS_FP32))]
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's advice to pre-process does not apply here
    # Signed 7-bit weights (reduce_range): ONNX Runtime's u8 × s8 kernel on x86 without VNNI sums pairs of
    # products in 16 bits, where 255 · 127 · 2 saturates (measured on an AVX2 EPYC: min cosine 0.986) but
    # 255 · 63 · 2 does not, so the vectors are the same on every x86 processor; and unlike u8 × u8 (exact
    # too) the processors that have VNNI run it on their fast dot-product instructions (measured here,
    # AVX-512 VNNI EPYC, one thread: 33 vs 20 passages/s).
    quantize_dynamic(src, dst, weight_type=QuantType.QUInt8 if weights == "u8" else QuantType.QInt8,
                     per_channel=True, reduce_range=weights == "s7",
                     op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=exclude,
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--fp32", action="store_true", help="write the fused fp32 graph, unquantised")
    parser.add_argument("--outliers", help="JSON from find-outliers.py: inner channels of each layer's feed-forward "
                        "block multiplied in fp32")
    parser.add_argument("--keep-fp32", default="",
                        help="comma-separated node-name suffixes left in fp32 too, e.g. ffn_out (default: none)")
    args = parser.parse_args()
    config = json.load(open(os.path.join(args.model_dir, "config.json")))
    if config.get("model_type") != "bert":
        sys.exit(f"build-model.py: {args.model_dir}: model_type {config.get('model_type')!r}, only 'bert' is supported")
    weights = read_safetensors(os.path.join(args.model_dir, "model.safetensors"))
    # The fp32 file is the yardstick: no split, which would only reorder its sums.
    outliers = json.load(open(args.outliers))["layers"] if args.outliers and not args.fp32 else None
    model = build_graph(config, weights, outliers)
    onnx.checker.check_model(model)
    part = args.out + ".part"
    if args.fp32:
        onnx.save(model, part)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            fp32 = os.path.join(tmp, "fp32.onnx")
            onnx.save(model, fp32)
            kept = [k for k in args.keep_fp32.split(",") if k]
            quantise(fp32, part, kept)
    os.replace(part, args.out)


if __name__ == "__main__":
    main()
