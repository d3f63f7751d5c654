"""Composition scores of a GPT-2 in Hugging Face layout, in float64 with NumPy, straight from the definition
TransformerLens uses (HookedTransformer.all_composition_scores after from_pretrained's weight processing):

  W_Q, W_K, W_V of head h = ln_1.weight[:, None] * c_attn.weight[:, part*C + h*D : ...], each column minus its
                            mean over d_model (fold_ln with centring)
  W_O of head h           = c_proj.weight[h*D : (h+1)*D, :], each row minus its mean over d_model
                            (center_writing_weights)
  OV = W_V @ W_O; Q: W_Q @ W_K.T; K: W_K @ W_Q.T; V: W_V @ W_O            (all d_model x d_model, formed whole)
  score[A, B] = |OV_A @ right_B|_F / (|OV_A|_F |right_B|_F) if layer(A) < layer(B) else 0

usage: /usr/bin/python3 make_reference.py MODEL_DIR OUT.json
"""
import json
import struct
import sys

import numpy as np


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "F16": np.float16}[meta["dtype"]]
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dtype).astype(np.float64).reshape(meta["shape"])
    return out


def main(model_dir, out_path):
    cfg = json.load(open(model_dir + "/config.json"))
    L, H, C = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    D = C // H
    w = load(model_dir + "/model.safetensors")
    heads = {}
    for l in range(L):
        ln = w[f"h.{l}.ln_1.weight"]
        attn = w[f"h.{l}.attn.c_attn.weight"] * ln[:, None]
        proj = w[f"h.{l}.attn.c_proj.weight"]
        for h in range(H):
            q, k, v = (attn[:, p * C + h * D:p * C + (h + 1) * D] for p in range(3))
            q, k, v = (m - m.mean(axis=0, keepdims=True) for m in (q, k, v))
            o = proj[h * D:(h + 1) * D, :]
            o = o - o.mean(axis=1, keepdims=True)
            heads[(l, h)] = {"OV": v @ o, "Q": q @ k.T, "K": k @ q.T, "V": v @ o}
    result = {"model": model_dir.rstrip("/").split("/")[-1], "n_layer": L, "n_head": H,
              "definition": __doc__.strip().splitlines()[0]}
    for mode in ("q", "k", "v"):
        scores = np.zeros((L * H, L * H))
        for la in range(L):
            for ha in range(H):
                left = heads[(la, ha)]["OV"]
                for lb in range(la + 1, L):
                    for hb in range(H):
                        right = heads[(lb, hb)][mode.upper()]
                        scores[la * H + ha, lb * H + hb] = (np.linalg.norm(left @ right)
                                                            / np.linalg.norm(left) / np.linalg.norm(right))
        result[mode] = scores.tolist()
    json.dump(result, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
