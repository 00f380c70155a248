"""Feature-group ablation of the default hybrid (issues 13 and 14): what each group adds on validation, and what it costs.

    source bin/_env.sh && python bench/ablation.py [--datasets demo synth synth-nosignal movielens-1m] [--threads 1]

For each data set (prepared as `bench/quality.py` prepares it, with its feature settings), `hybridrec.validation.
feature_ablation` refits the default hybrid with all groups, without each group in turn, and without features (LightFM
CF), each with early stopping, and compares each variant with "all groups" on EVERY validation user (paired 95%
bootstrap CI; "better without" = leaving the group out is significantly better, "group helps" = significantly worse).
Beside it: the non-zeros per user and item feature row of each variant, which is what LightFM's cost per update grows
with, and its fit seconds (features + early-stopped training). Validation only: the test split is not looked at. One thread (--threads 1)
makes every fit bit-reproducible. Output: printed and bench/results/ablation_<dataset>.txt.
"""
from __future__ import annotations
import argparse, time
from pathlib import Path

import pandas as pd
from _common import run_header
import quality as Q


def nnz_per_row(settings: dict | None, prep) -> tuple[float, float]:
    "Average non-zeros of a user and an item feature row for these encoder settings (1, 1 without features)."
    from hybridrec.features import FeatureEncoder
    if settings is None:
        return 1.0, 1.0
    uf, itf = FeatureEncoder(**settings).fit(prep).transform(prep)
    return uf.nnz / uf.shape[0], itf.nnz / itf.shape[0]


def run_dataset(name: str, threads: int, seed: int) -> str:
    from hybridrec.base import model_params
    from hybridrec.features import encoder_settings
    from hybridrec.validation import ablation_variants, feature_ablation
    t0 = time.perf_counter()
    prep, label = Q.load(name)
    p = Q.run_params(name, threads, seed, False)
    settings = encoder_settings(model_params("lightfm_hybrid", p))
    table = feature_ablation(prep, p, seed=seed)
    variants = {**ablation_variants(settings), "no features (lightfm_cf)": None}
    cost = pd.DataFrame([(v, *nnz_per_row(s, prep)) for v, s in variants.items()],
                        columns=["variant", "user nnz/row", "item nnz/row"]).set_index("variant")
    table = table.join(cost)
    with pd.option_context("display.width", 200, "display.float_format", "{:.4f}".format):
        body = table.to_string()
    return (f"## {name}: {label}\n{prep}\nfeature settings: {settings}\n"
            f"threads {threads}, seed {seed}, {time.perf_counter() - t0:.0f} s\n\n{body}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["demo", "synth", "synth-nosignal", "movielens-1m"], choices=Q.DATASETS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    a = ap.parse_args(argv)
    head = run_header("bench/ablation.py", argv) + "\n"
    for name in a.datasets:
        text = head + run_dataset(name, a.threads, a.seed)
        print(text, flush=True)
        Path(a.out, f"ablation_{name}.txt").write_text(text)


if __name__ == "__main__":
    main()
