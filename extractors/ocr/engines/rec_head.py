"""The recogniser's last layer without its softmax: logits in, text and confidence out.

RapidOCR's recognition model ends in ``MatMul`` (120 features -> 18,710 characters per
time step), ``Add`` (the bias) and ``Softmax``, and its decoder then takes the arg-max and
the maximum of every step. The bias add and the softmax each make a pass over that
(batch x steps x 18,710) array — ~12 % of the model's time, measured with onnxruntime's
profiler on crops of 48 x 320 (the matrix product itself ~12 %). Here the graph is cut
before them and ends in one ``Gemm`` (product and bias in one pass); the decoder takes the
arg-max of the logits (the softmax keeps their order) and computes the softmax only where
it is needed — at the steps that give a character, for the confidence.

:func:`logits_model` edits the model in memory (``onnx``; nothing is written to disk) and
returns its bytes, or None when the graph does not end as expected (another model: the
caller keeps the original). :func:`ctc_decode` is RapidOCR's ``CTCLabelDecode`` on logits
(repeats collapsed, blank dropped, per-character confidences rounded to 5 decimals and
averaged), so text and confidence are RapidOCR's up to float rounding.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np


def logits_model(path: str, int8: bool = False) -> Optional[bytes]:
    """The model at ``path`` ending in ``Gemm`` logits of shape (batch * steps, classes);
    ``int8``: that last product in 8-bit integers instead (onnxruntime's
    ``DynamicQuantizeMatMul``: the features quantised per batch, the weights per class)."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(path)
    g = model.graph
    if len(g.output) != 1:
        return None
    producer = {o: n for n in g.node for o in n.output}
    init = {i.name: i for i in g.initializer}

    def source(name: str):
        n = producer.get(name)
        while n is not None and n.op_type == "Identity":
            name = n.input[0]
            n = producer.get(name)
        return n

    softmax = source(g.output[0].name)
    add = source(softmax.input[0]) if softmax is not None and softmax.op_type == "Softmax" else None
    if add is None or add.op_type != "Add":
        return None
    matmul = next((source(i) for i in add.input if i not in init), None)
    bias = next((i for i in add.input if i in init), None)
    if matmul is None or matmul.op_type != "MatMul" or bias is None or matmul.input[1] not in init:
        return None
    weight = numpy_helper.to_array(init[matmul.input[1]])
    if weight.ndim != 2 or numpy_helper.to_array(init[bias]).shape != (weight.shape[1],):
        return None
    features = matmul.input[0]
    keep = _ancestors(g, features, producer)
    nodes = [n for n in g.node if id(n) in keep]
    shape = numpy_helper.from_array(np.array([-1, weight.shape[0]], dtype=np.int64), "jixiao_rec_2d")
    nodes.append(helper.make_node("Reshape", [features, shape.name], ["jixiao_rec_features"]))
    extra = [shape]
    if int8:
        scale = np.maximum(np.abs(weight).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
        extra += [numpy_helper.from_array(q, "jixiao_rec_wq"),
                  numpy_helper.from_array(scale.astype(np.float32), "jixiao_rec_wscale"),
                  numpy_helper.from_array(np.zeros(weight.shape[1], np.int8), "jixiao_rec_wzero")]
        nodes.append(helper.make_node("DynamicQuantizeMatMul", ["jixiao_rec_features", "jixiao_rec_wq", "jixiao_rec_wscale",
                                                                "jixiao_rec_wzero", bias], ["jixiao_rec_logits"],
                                      domain="com.microsoft"))
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    else:
        nodes.append(helper.make_node("Gemm", ["jixiao_rec_features", matmul.input[1], bias], ["jixiao_rec_logits"]))
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(extra)
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("jixiao_rec_logits", onnx.TensorProto.FLOAT, None))
    used = {i for n in g.node for i in n.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)
    del g.value_info[:]
    return model.SerializeToString()


def _ancestors(g, name: str, producer: dict) -> set:
    """Ids of the nodes ``name`` is computed from."""
    out: set = set()
    todo = [name]
    while todo:
        n = producer.get(todo.pop())
        if n is None or id(n) in out:
            continue
        out.add(id(n))
        todo.extend(n.input)
    return out


def ctc_decode(logits: np.ndarray, characters: Sequence[str], blank: int = 0) -> list[tuple[str, float]]:
    """Text and confidence of each item of ``logits`` (batch, steps, classes): the arg-max
    path with repeats collapsed and ``blank`` dropped; the confidence is the mean softmax
    probability of the characters kept (each rounded to 5 decimals, as RapidOCR does), 0.0
    when none is."""
    idx = logits.argmax(axis=2)
    keep = np.ones(idx.shape, dtype=bool)
    keep[:, 1:] = idx[:, 1:] != idx[:, :-1]
    keep &= idx != blank
    b, t = np.nonzero(keep)
    probs = np.empty(0, dtype=np.float64)
    if b.size:
        rows = logits[b, t].astype(np.float64)
        top = rows[np.arange(b.size), idx[b, t]]
        probs = 1.0 / np.exp(rows - top[:, None]).sum(axis=1)
    counts = np.bincount(b, minlength=idx.shape[0])
    out = []
    start = 0
    for k in range(idx.shape[0]):
        n = int(counts[k])
        chars = idx[k][keep[k]]
        conf = [round(float(p), 5) for p in probs[start:start + n]] or [0.0]
        start += n
        out.append(("".join(characters[c] for c in chars), round(float(np.mean(conf)), 5)))
    return out
