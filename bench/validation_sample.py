"""Does validating on a sample of users choose the same epoch as validating on all of them? (issue 14)

    source bin/_env.sh && python bench/validation_sample.py                       # demo data, 20,000 users
    python bench/validation_sample.py --data movielens-1m --samples 500 1000 --seeds 0 1 2

For each seed, the pipeline's default hybrid (`make_model("lightfm_hybrid", DEFAULTS)` on its default feature set,
early stopping on validation NDCG@10) is trained once
validating on ALL validation users and once per sample size `valid_users=N` (a fixed-seed sample, the same
users every epoch). Reported per run: the epoch kept, validation time per epoch, training time per epoch,
and the test NDCG@10 of the kept model on ALL warm test users (train + valid masked), with the paired 95%
bootstrap CI of sample minus full. One thread, so the only difference between a sample run and its full
run is which users validate. Output: printed and bench/results/validation_sample_<data>.{txt,json}.
"""
from __future__ import annotations
import argparse, datetime, io, json, platform, shlex, sys, time
from contextlib import redirect_stdout
from pathlib import Path
from _common import cpu_model, mem_total_gib

import numpy as np
import pandas as pd


def load(data: str, users: int, seed: int):
    "Prepared data: the demo at `users` users, or a source by name (movielens-1m: global time split 80/10/10)."
    from hybridrec.preprocess import prepare
    from hybridrec.sources import load_source
    if data == "demo": return prepare(load_source("demo", users=users, items=users // 4, seed=seed))
    return prepare(load_source(data), split="timestamp", valid_frac=0.1, test_frac=0.1)


def params(seed: int, valid_users, epochs: int) -> dict:
    "The run's default parameters, one thread (deterministic), with this seed, sample size and epoch limit."
    from hybridrec.pipeline import resolve_params, run_params
    return run_params(resolve_params(dict(seed=seed, valid_users=valid_users, epochs=epochs, deterministic=True)))


def features(prep):
    "The default hybrid's feature set, fitted on `prep` exactly as the pipeline does."
    from hybridrec.features import FeatureEncoder
    from hybridrec.pipeline import model_feature_settings
    return FeatureEncoder(**model_feature_settings("lightfm_hybrid", params(0, None, 30), prep)).fit_transform(prep)


def fit(prep, UF, IF, seed: int, valid_users, epochs: int):
    from hybridrec.models import make_model
    m = make_model("lightfm_hybrid", params(seed, valid_users, epochs))
    t = time.perf_counter()
    m.fit(prep.train, UF, IF, valid=prep.valid, progress=False)
    return m, time.perf_counter() - t


def test_result(m, prep, name):
    from hybridrec.evaluate import evaluate
    return evaluate(m, prep.train, prep.test, k=10, metrics=("ndcg",), exclude=[prep.train, prep.valid], name=name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="demo", help="demo (default) or a source name, e.g. movielens-1m")
    ap.add_argument("--users", type=int, default=20000, help="demo users (default 20,000)")
    ap.add_argument("--samples", type=int, nargs="+", default=[500, 1000, 2000], help="valid_users sizes")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    a = ap.parse_args(argv)
    from hybridrec.evaluate import compare
    buf = io.StringIO()
    rows = []
    with redirect_stdout(buf):
        print(f"# {' '.join(['python', 'bench/validation_sample.py'] + [shlex.quote(x) for x in (argv or sys.argv[1:])])}")
        print(f"# {datetime.date.today()} {cpu_model()}, {mem_total_gib():.1f} GiB, python {platform.python_version()}")
        prep = load(a.data, a.users, 0)
        UF, IF = features(prep)
        n_valid = int((np.diff(prep.valid.indptr) > 0).sum())
        print(f"# data: {a.data}: {prep.n_users:,} users x {prep.n_items:,} items, {prep.train.nnz:,} training interactions, "
              f"{n_valid:,} validation users, {int((np.diff(prep.test.indptr) > 0).sum()):,} warm test users")
        for seed in a.seeds:
            full, secs = fit(prep, UF, IF, seed, None, a.epochs)
            ref = test_result(full, prep, "full")
            t = full.throughput_
            rows.append(dict(seed=seed, valid_users=n_valid, best_epoch=full.best_epoch_, test_ndcg10=ref.value("ndcg", 10),
                             diff=0.0, ci_low=0.0, ci_high=0.0, eval_s_per_epoch=t["eval_seconds_per_epoch"],
                             train_s_per_epoch=t["train_seconds_per_epoch"], fit_s=secs))
            for n in a.samples:
                if n >= n_valid: continue
                m, secs = fit(prep, UF, IF, seed, n, a.epochs)
                res = test_result(m, prep, f"sample {n}")
                c = compare(res, ref, "ndcg", 10, seed=seed, ci=0.95)
                t = m.throughput_
                rows.append(dict(seed=seed, valid_users=n, best_epoch=m.best_epoch_, test_ndcg10=res.value("ndcg", 10), diff=c.diff,
                                 ci_low=c.ci_low, ci_high=c.ci_high, eval_s_per_epoch=t["eval_seconds_per_epoch"],
                                 train_s_per_epoch=t["train_seconds_per_epoch"], fit_s=secs))
        table = pd.DataFrame(rows)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
        summary = table.groupby("valid_users").agg(best_epoch_mean=("best_epoch", "mean"), best_epoch_std=("best_epoch", "std"),
                                                   test_ndcg10=("test_ndcg10", "mean"), eval_s_per_epoch=("eval_s_per_epoch", "mean"))
        print("\nper validation size (mean over seeds):")
        print(summary.to_string(float_format=lambda x: f"{x:.4f}"))
    text = buf.getvalue()
    print(text)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"validation_sample_{a.data}.txt").write_text(text)
    (out / f"validation_sample_{a.data}.json").write_text(json.dumps(dict(rows=rows, args=vars(a)), indent=1, default=float))


if __name__ == "__main__":
    main()
