"""Early stopping's patience: what stopping after 2 evaluations without gain (instead of 3) costs in quality and saves in epochs (issue 14).

    source bin/_env.sh && python bench/early_stopping.py [--datasets movielens-1m demo synth synth-nosignal] [--patience 3 2]

For each data set (prepared and featured exactly as `bench/quality.py` does) and each LightFM model of the pipeline
(the default hybrid and LightFM CF, with the pipeline's defaults), the model is fitted once per `--patience` value with
early stopping on validation NDCG@10 (the pipeline's validation sample), one thread and a fixed seed, so each fit is
bit-reproducible and the fits differ only in when they stop. Printed per fit: epochs run, the epoch kept, its validation
NDCG@10, test NDCG@10 (every warm test user, every item ranked, train + valid masked) and the training seconds (validation
included). With one thread the runs are identical up to the earlier stop, so the kept epoch differs only where a
later epoch than the smaller patience allows would have won. Output: printed and bench/results/early_stopping.txt.
"""
from __future__ import annotations
import argparse, time
from pathlib import Path

import pandas as pd
from _common import run_header
import quality as Q

MODELS = ("lightfm_hybrid", "lightfm_cf")


def run_dataset(name: str, patiences: list, seed: int) -> pd.DataFrame:
    prep, label = Q.load(name)
    rows, cache = [], {}
    for model in MODELS:
        for patience in patiences:
            p = dict(Q.run_params(name, 1, seed, False), patience=patience)
            m, secs = Q.fit(model, prep, p, cache)
            test = Q.test_result(m, prep, model).value("ndcg", Q.K)
            rows.append(dict(dataset=name, model=model, patience=patience, epochs_run=int(m.epochs_run_),
                             kept_epoch=int(m.best_epoch_), valid_ndcg10=m.best_score_, test_ndcg10=test,
                             train_seconds=secs))
            print(f"  {name:15s} {model:15s} patience {patience}: ran {m.epochs_run_:2d}, kept {m.best_epoch_:2d}, "
                  f"valid {m.best_score_:.4f}, test {test:.4f}, {secs:6.1f} s", flush=True)
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(Q.DATASETS), choices=Q.DATASETS)
    ap.add_argument("--patience", nargs="+", type=int, default=[3, 2])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    a = ap.parse_args(argv)
    head = run_header("bench/early_stopping.py", argv) + f"; one LightFM thread, seed {a.seed}\n"
    print(head)
    table = pd.concat([run_dataset(d, a.patience, a.seed) for d in a.datasets], ignore_index=True)
    wide = table.pivot_table(index=["dataset", "model"], columns="patience",
                             values=["epochs_run", "kept_epoch", "test_ndcg10", "train_seconds"])
    lo, hi = min(a.patience), max(a.patience)
    wide[("test change", f"{lo} vs {hi}")] = wide[("test_ndcg10", lo)] - wide[("test_ndcg10", hi)]
    wide[("time ratio", f"{lo} / {hi}")] = wide[("train_seconds", lo)] / wide[("train_seconds", hi)]
    with pd.option_context("display.width", 220, "display.float_format", "{:.4f}".format):
        body = f"{table.to_string(index=False)}\n\n{wide.to_string()}"
    text = f"{head}\n{body}\n"
    print(body)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out / "early_stopping.txt").write_text(text)


if __name__ == "__main__":
    main()
