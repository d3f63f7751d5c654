#!/usr/bin/env python3
"""Ratio table for bench/compare.sh: PyTorch-eager baseline JSON lines against jlens's, round by round.

Speed-up is baseline time / jlens time per round (the runs of a round ran back to back), then the median
over rounds. Memory is jlens / baseline. jlens's grid (every layer x head) and naive loop are set against the
baseline's 36-case loop (demo3). Activation patching is set against TransformerLens's get_act_patch_* loop,
one full forward per cell: cells x the baseline's forward time. The logit lens and direct logit attribution are
set against one baseline forward pass, and also given in jlens's own forward passes (timed between their runs).
Path patching is set against one baseline forward per sender head, exact edge attribution against one per edge
of EAP-IG's graph; EAP and EAP-IG are given in jlens's own forward passes. The hooked generation is set against the
baseline's unhooked one. Below the
table, jlens against itself: hooked / unhooked generation, steered / unsteered forward pass and generation (a
vector added at every position of the middle layer), and 8 single forward passes / one batch of 8.
"""
import json
import statistics
import sys

ROWS = [  # (label, baseline field, jlens field, kind)
    ("load", "load_s", "load_s", "time"),
    ("load + first forward", "load_and_first_forward_s", "load_and_first_forward_s", "time"),
    ("forward", "forward_s", "forward_s", "time"),
    ("demo1 hooked forward", "demo1_hooked_forward_s", "demo1_hooked_forward_s", "time"),
    ("demo3 sweep (fast)", "demo3_ablation_sweep_s", "demo3_ablation_sweep_s", "time"),
    ("demo3 sweep (naive loop)", "demo3_ablation_sweep_s", "naive_ablation_sweep_s", "time"),
    ("grid sweep vs 36-case loop", "demo3_ablation_sweep_s", "grid_ablation_s", "time"),
    ("patch resid_pre vs TL loop", "forward_s*patch_resid_pre_cells", "patch_resid_pre_s", "time"),
    ("patch heads vs TL loop", "forward_s*patch_heads_cells", "patch_heads_s", "time"),
    ("path vs 1 forward/sender", "forward_s*path_senders", "path_s", "time"),
    ("edges exact vs 1 fwd/edge", "forward_s*edges_n", "edges_exact_s", "time"),
    ("lens vs 1 forward", "forward_s", "lens_s", "time"),
    ("dla vs 1 forward", "forward_s", "dla_s", "time"),
    ("generate 20 (KV cache)", "generate_greedy_kv_s", "generate_greedy_kv_s", "time"),
    ("generate, one head zeroed", "generate_greedy_kv_s", "generate_greedy_kv_hooked_s", "time"),
    ("batch forward (8 prompts)", "batch_forward_s", "batch_forward_s", "time"),
    ("peak RSS (GB)", "peak_rss_gb", "peak_rss_gb", "memory"),
    ("peak RSS incl. naive oracle", "peak_rss_gb", "peak_rss_with_naive_gb", "memory"),
]


def main():
    base = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    ours = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    n = min(len(base), len(ours))
    print(f"model {ours[0].get('model')}, {ours[0].get('n_tokens')} tokens, threads {ours[0].get('threads')}, "
          f"{n} side-by-side round(s); baseline torch {base[0].get('torch')}, jlens PyTorch {ours[0].get('engine')}")
    print(f"{'':28s} {'PyTorch':>10s} {'jlens':>10s} {'ratio':>9s}  per round")
    for label, bf, jf, kind in ROWS:
        pairs = [(baseline(b, o, bf), o[jf]) for b, o in zip(base, ours) if baseline(b, o, bf) is not None and jf in o]
        if not pairs:
            continue
        if kind == "time":
            ratios = [b / o for b, o in pairs if o > 0]
            word = "x faster"
        else:
            ratios = [o / b for b, o in pairs if b > 0]
            word = "x of PyTorch"
        print(f"{label:28s} {statistics.median(p[0] for p in pairs):10.3f} {statistics.median(p[1] for p in pairs):10.3f} "
              f"{statistics.median(ratios):7.2f}{word[0]}  {' '.join(f'{r:.2f}' for r in ratios)}  ({word})")
    # the corpus (issue target >= 1.5x): jlens's `corpus attention` tokens per second against PyTorch eager's batched
    # forward pass (--more: 8 prompts of n_tokens) in tokens per second
    pairs = [(b["batch_size"] * b["n_tokens"] / b["batch_forward_s"], o["corpus_tokens_per_s"]) for b, o in zip(base, ours)
             if "corpus_tokens_per_s" in o and b.get("batch_forward_s")]
    if pairs:
        ratios = [o / b for b, o in pairs]
        print(f"{'corpus tokens/s vs batch':28s} {statistics.median(p[0] for p in pairs):10.0f} "
              f"{statistics.median(p[1] for p in pairs):10.0f} {statistics.median(ratios):7.2f}x  "
              f"{' '.join(f'{r:.2f}' for r in ratios)}  (x PyTorch's tokens/s; target >= 1.5)")
    for name, what in (("edges_eap", "target <= 4"), ("edges_eap_ig", "target <= 3 S + 2")):
        costs = [(o[f"{name}_forwards"], o.get("edges_eap_ig_steps")) for o in ours if f"{name}_forwards" in o]
        if costs:
            print(f"{name} costs {statistics.median(c for c, _ in costs):.2f} of jlens's own forward passes"
                  f" ({what}, S = {costs[0][1]})")
    for name in ("lens", "dla"):
        # against forward passes timed between its runs where the bench has them: forward_s is taken minutes
        # earlier, and a shared host's speed drifts over minutes
        costs = [o[f"{name}_forwards"] if f"{name}_forwards" in o else o[f"{name}_s"] / o["forward_s"]
                 for o in ours if f"{name}_s" in o and o.get("forward_s")]
        if costs:
            print(f"{name} costs {statistics.median(costs):.2f} of jlens's own forward passes "
                  f"({' '.join(f'{c:.2f}' for c in costs)})")
    internal = [  # (label, numerator field, denominator field, what the ratio means)
        ("hooked / unhooked generation", "generate_greedy_kv_hooked_s", "generate_greedy_kv_s", "x the time (target <= 1.2)"),
        ("steered / unsteered forward", "forward_steered_s", "forward_s", "x the time (target <= 1.05)"),
        ("steered / unsteered generation", "generate_greedy_kv_steered_s", "generate_greedy_kv_s", "x the time (target <= 1.05)"),
        ("8 single passes / batch of 8", "batch_singles_s", "batch_forward_s", "x (batch faster when > 1)"),
    ]
    for label, num, den, word in internal:
        ratios = [o[num] / o[den] for o in ours if num in o and den in o and o[den] > 0]
        if ratios:
            print(f"jlens {label:34s} {statistics.median(ratios):5.2f}{word}  per round {' '.join(f'{r:.2f}' for r in ratios)}")


def baseline(base, ours, field):
    """A baseline field, or 'FIELD*COUNT': the baseline's FIELD times jlens's COUNT (cells of a patching grid)."""
    if "*" in field:
        time, count = field.split("*")
        if time not in base or count not in ours:
            return None
        return base[time] * ours[count]
    return base.get(field)


if __name__ == "__main__":
    main()
