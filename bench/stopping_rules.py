"""Early-stopping rules replayed on recorded training curves: what each rule (patience, absolute or relative min_delta)
keeps, runs and scores (issue 14).

    source bin/_env.sh && python bench/stopping_rules.py [--datasets movielens-1m demo synth synth-nosignal demo-200k]

For each data set (prepared and featured as `bench/quality.py` does; `demo-200k` is the data of `bench/compare.py 200k`,
200,000 users x 50,000 items, prepared with the pipeline's defaults) and each LightFM model of the pipeline (default
hybrid, LightFM CF), ONE fit is made with one thread and a fixed seed (bit-reproducible), early stopping with a long
patience (`--record-patience`), and after every epoch both the validation NDCG@10 the pipeline decides on (its fixed
sample of validation users) and the test NDCG@10 (every warm test user, every item ranked, train + valid masked) are
recorded. Each rule is then replayed on that curve exactly as `IterativeModel` applies it: a validation score counts
as a gain when it beats the best so far by more than min_delta (absolute), or by more than that fraction of the best
(relative); stop after `patience` evaluations without a gain; keep the best. Printed per rule: epochs run, epoch kept,
its test NDCG@10, and the change against the default rule (patience 2, min_delta 0). A rule the recording cannot
decide (it would train past the recorded epochs) is marked. Output: printed and bench/results/stopping_rules.txt.
"""
from __future__ import annotations
import argparse, time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import run_header
import quality as Q

MODELS = ("lightfm_hybrid", "lightfm_cf")
RULES = [(3, "abs", 0.0), (2, "abs", 0.0), (1, "abs", 0.0), (2, "rel", 0.005), (2, "rel", 0.01), (2, "rel", 0.02),
         (3, "rel", 0.01), (3, "rel", 0.02)]


def load(name: str):
    if name != "demo-200k":
        return Q.load(name)[0], Q.run_params(name, 1, 0, False)
    from hybridrec.demo import write_demo
    from hybridrec.preprocess import prepare
    from hybridrec.sources import load_source
    from hybridrec.pipeline import DEFAULTS
    folder = Path("/tmp/hybridrec-stopping-rules-demo-200k")
    if not (folder / "SYNTHETIC_DATA.txt").exists():
        write_demo(str(folder), users=200_000, items=50_000, seed=0, reviews_per_user=10)
    p = dict(DEFAULTS, threads=1, seed=0, model_params={})
    return prepare(load_source(str(folder)), min_reviews=p["min_reviews"]), p


def record_curve(model_name: str, prep, p: dict, record_patience: int) -> tuple[pd.DataFrame, int, float]:
    "One fit; per epoch the validation and test NDCG@10. (curve, epochs cap, seconds)."
    from hybridrec.base import IterativeModel
    original = IterativeModel._validate
    tests = {}

    def validate(self, run, train, valid, record):
        original(self, run, train, valid, record)
        tests[run.epoch] = Q.test_result(self, prep, model_name).value("ndcg", Q.K)

    IterativeModel._validate = validate
    try:
        t = time.perf_counter()
        m, _ = Q.fit(model_name, prep, dict(p, patience=record_patience), {})
        secs = time.perf_counter() - t
    finally:
        IterativeModel._validate = original
    h = m.history_
    curve = pd.DataFrame(dict(epoch=h["epoch"], valid=h[m.metric_name], test=h["epoch"].map(tests),
                              train_seconds=h["train_seconds"]))
    return curve, int(m.epochs), secs


def replay(curve: pd.DataFrame, cap: int, patience: int, kind: str, delta: float) -> dict:
    "Apply one stopping rule to the recorded curve, as IterativeModel._validate does."
    best, best_epoch, waited = -np.inf, None, 0
    for r in curve.itertuples():
        margin = delta if kind == "abs" else delta * max(best, 0.0)
        if r.valid > best + margin:
            best, best_epoch, waited = r.valid, r.epoch, 0
        else:
            waited += 1
        if waited >= patience or r.epoch == cap:
            kept = curve.set_index("epoch").loc[best_epoch]
            return dict(epochs_run=int(r.epoch), kept_epoch=int(best_epoch), valid=best, test=kept.test,
                        train_seconds=curve.train_seconds[curve.epoch <= r.epoch].sum(), decided=True)
    return dict(epochs_run=np.nan, kept_epoch=np.nan, valid=np.nan, test=np.nan, train_seconds=np.nan, decided=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(Q.DATASETS) + ["demo-200k"],
                    choices=list(Q.DATASETS) + ["demo-200k"])
    ap.add_argument("--record-patience", type=int, default=6)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    a = ap.parse_args(argv)
    head = run_header("bench/stopping_rules.py", argv) + "; one LightFM thread, seed 0\n"
    print(head, flush=True)
    rows, curves = [], []
    for name in a.datasets:
        prep, p = load(name)
        for model in MODELS:
            curve, cap, secs = record_curve(model, prep, p, a.record_patience)
            curves.append(curve.assign(dataset=name, model=model))
            print(f"{name} {model}: recorded {len(curve)} epochs in {secs:.0f} s\n"
                  f"  valid {' '.join(f'{v:.4f}' for v in curve.valid)}\n"
                  f"  test  {' '.join(f'{v:.4f}' for v in curve.test)}", flush=True)
            for patience, kind, delta in RULES:
                rule = f"patience {patience}, min_delta {delta:g}" + (" (relative)" if kind == "rel" else "")
                rows.append(dict(dataset=name, model=model, rule=rule, **replay(curve, cap, patience, kind, delta)))
    table = pd.DataFrame(rows)
    default = table[table.rule == "patience 2, min_delta 0"].set_index(["dataset", "model"])
    key = table.set_index(["dataset", "model"]).index
    table["test change vs default"] = table.test.to_numpy() - default.test.reindex(key).to_numpy()
    table["epochs vs default"] = table.epochs_run.to_numpy() - default.epochs_run.reindex(key).to_numpy()
    summary = table.groupby("rule", sort=False).agg(
        worst_test_change=("test change vs default", "min"), mean_test_change=("test change vs default", "mean"),
        epochs_saved=("epochs vs default", lambda s: -s.sum()), undecided=("decided", lambda s: int((~s).sum())))
    with pd.option_context("display.width", 220, "display.float_format", "{:.4f}".format, "display.max_rows", 500):
        body = (f"{table.to_string(index=False)}\n\nOver all data sets and models (change vs patience 2, min_delta 0; "
                f"epochs_saved summed):\n{summary.to_string()}")
    text = f"{head}\n" + "\n".join(
        f"{c.dataset.iloc[0]} {c.model.iloc[0]}: valid {' '.join(f'{v:.4f}' for v in c.valid)} | "
        f"test {' '.join(f'{v:.4f}' for v in c.test)}" for c in curves) + f"\n\n{body}\n"
    print(body)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out / "stopping_rules.txt").write_text(text)


if __name__ == "__main__":
    main()
