"""Quality benchmark (issue 13): the default and the tuned hybrid against plain CF, ALS, popularity and the seed
notebook's own model, on real ratings and on data made three ways.

    source bin/_env.sh && python bench/quality.py                               # all four data sets (~1 hour on 2 cores)
    python bench/quality.py --datasets synth synth-nosignal --budget 3 --seeds 0
    python bench/quality.py --datasets demo --quick                               # smoke test (~1 min)

Data sets (each prepared once, every model sees the same matrices):
* movielens-1m   real ratings; global time split 80/10/10 (as the MovieLens loader splits), min_reviews 5
* demo           SYNTHETIC, hybridrec.demo (the project's own generator; defaults were first checked on it)
* synth          SYNTHETIC, hybridrec.synth: latent clusters, Pareto activity, noisy side features
* synth-nosignal the same with the item metadata permuted across items: side features carry nothing

Models, all trained on `train` with early stopping on `valid` (NDCG@10, every validation user), tested on ALL warm
test users, every item ranked, train + valid masked:
* popularity; ALS, LightFM CF and the LightFM hybrid with the pipeline DEFAULTS (hybridrec.pipeline.DEFAULTS: 32
  components, lr 0.05, alphas 8/nnz, feature_weight 0.1; item groups category, price, store. The kept
  quality_<set>.txt of the Amazon-like sets ran with the earlier default groups, which also had the average-rating
  bin; quality_<set>_norating.txt is the current default, quality_*_components64.txt the earlier 64 components);
  seed_hybrid (the seed notebook's features and parameters);
* the same three families tuned by hybridrec.tune (Optuna TPE, seeded, median pruning), --budget minutes EACH,
  chosen on validation only, then refit with the chosen parameters.
Paired bootstrap 95% CIs (hybridrec.evaluate.compare, same users) of the hybrid minus each other model; cold-start
users (hybrid vs the popularity fallback) and cold items (new products: the hybrids' AUC and recall) with CIs.
LightFM trains with --threads threads (Hogwild: not bit-reproducible; --seeds averages over seeds).
Output: printed and bench/results/quality_<dataset>.{txt,json}.
A candidate default for the Amazon-like sets' item groups: --item-groups G... --tag T (the default hybrid, and
everything compared with it, then uses those groups; the tuned families choose their own). The current default was
checked this way with --item-groups category price store --tag norating before it became the default.
"""
from __future__ import annotations
import argparse, datetime, io, json, os, platform, shlex, sys, time
from contextlib import redirect_stdout
from pathlib import Path
from _common import cpu_model, mem_total_gib

import numpy as np
import pandas as pd

K = 10
DATASETS = ("movielens-1m", "demo", "synth", "synth-nosignal")
MIN_REVIEWS = {"movielens-1m": 5, "demo": 2, "synth": 5, "synth-nosignal": 5}
# Feature settings per data set, fixed before any training. MovieLens has no price, store or useful category: its
# items are genres (as unordered tags), average-rating bins and the decade; users their demographics and the shares of
# their primary genres. The Amazon-like sets use the pipeline's default groups.
AMAZON = dict(item_groups=["category", "price", "store"], user_groups=["category_share", "price_share"])
FEATURES = {"movielens-1m": dict(item_groups=["tags", "rating"], item_columns=["decade"], history_column="genre",
                                 user_groups=["columns", "category_share"], user_columns=["gender", "age_group", "occupation"]),
            "demo": AMAZON, "synth": AMAZON, "synth-nosignal": AMAZON}
# the feature groups `tune` may switch on or off for the hybrid
CANDIDATES = {"movielens-1m": (("tags", "rating"), ("columns", "category_share")),
              "demo": (("category", "price", "rating", "store"), ("category_share", "price_share")),
              "synth": (("category", "price", "rating", "store", "tags"), ("category_share", "price_share")),
              "synth-nosignal": (("category", "price", "rating", "store", "tags"), ("category_share", "price_share"))}


def load(dataset: str):
    "(Prepared, label)."
    from hybridrec.preprocess import prepare
    from hybridrec.sources import load_source
    data = load_source(dataset)
    if dataset == "movielens-1m":
        cats = data.items["categories"]
        data.items["genre"] = cats.map(lambda g: str(g[0]) if g is not None and len(g) else None).astype("string")
        data.items["decade"] = (data.items["year"] // 10 * 10).astype("float64")
    labels = {"movielens-1m": "MovieLens 1M (real ratings)", "demo": "SYNTHETIC demo data (hybridrec.demo, default size)",
              "synth": "SYNTHETIC, hybridrec.synth (signal in the side features)",
              "synth-nosignal": "SYNTHETIC, hybridrec.synth(signal=False): side features carry NO signal"}
    return prepare(data, min_reviews=MIN_REVIEWS[dataset]), labels[dataset]


def run_params(dataset: str, threads: int, seed: int, quick: bool) -> dict:
    "The pipeline's defaults with this data set's feature settings, the bench's threads and seed."
    from hybridrec.pipeline import DEFAULTS
    p = dict(DEFAULTS, **FEATURES[dataset], threads=threads, seed=seed, model_params={})
    if quick: p.update(epochs=3, als_epochs=3, components=16)
    return p


def fit(name: str, prep, p: dict, cache: dict):
    "A model of the registry fitted on prep (features built per setting, once); (model, seconds)."
    from hybridrec.models import make_model, MODELS, model_params
    from hybridrec.features import FeatureEncoder, encoder_settings
    model = make_model(name, p)
    uf = itf = None
    if model.use_features:
        spec = MODELS[name]
        settings = spec.features(prep) if spec.features else encoder_settings(model_params(name, p))
        key = json.dumps(settings, sort_keys=True, default=str)
        if key not in cache: cache[key] = FeatureEncoder(**settings).fit(prep)
        uf, itf = cache[key].transform(prep)
        model.encoder_ = cache[key]
    t = time.perf_counter()
    model.fit(prep.train, uf, itf, valid=prep.valid, progress=False)
    return model, time.perf_counter() - t


def test_result(model, prep, name: str):
    from hybridrec.evaluate import evaluate
    return evaluate(model, prep.train, prep.test, k=(5, K, 20), metrics=("precision", "recall", "ndcg", "map", "auc"),
                    exclude=[prep.train, prep.valid], name=name)


def recommender(model, prep):
    from hybridrec.models import Recommender
    return Recommender.from_prepared(model, prep, encoder=getattr(model, "encoder_", None))


def tuned_params(dataset: str, prep, p: dict, budget: float, seed: int, quick: bool) -> tuple[dict, pd.DataFrame]:
    "model_params of the best trial of each family (hybridrec.tune), and the trials table."
    from hybridrec.tune import tune
    items, users = CANDIDATES[dataset]
    res = tune(prep, families=("lightfm_hybrid", "lightfm_cf", "als"), budget_minutes=budget * 3, seed=seed, params=p,
               max_trials=2 if quick else None, item_groups=items, user_groups=users)
    return {f: b["params"] for f, b in res.best.items() if b["params"]}, res.trials


def run_models(dataset, prep, p, seed, budget, quick) -> tuple[dict, pd.DataFrame]:
    "Every model of the benchmark for one seed: name -> dict(result, model, seconds); and the tuning trials."
    cache, out = {}, {}
    for name in ("popularity", "als", "lightfm_cf", "lightfm_hybrid", "seed_hybrid"):
        model, secs = fit(name, prep, p, cache)
        out[name] = dict(result=test_result(model, prep, name), model=model, seconds=secs)
        print(f"  seed {seed} {name:24s} test NDCG@10 {out[name]['result'].value('ndcg', K):.4f}  {secs:6.1f}s", flush=True)
    over, trials = tuned_params(dataset, prep, p, budget, seed, quick)
    for fam, params in over.items():
        model, secs = fit(fam, prep, dict(p, model_params={fam: params}), cache)
        name = f"{fam} (tuned)"
        out[name] = dict(result=test_result(model, prep, name), model=model, seconds=secs, params=params)
        print(f"  seed {seed} {name:24s} test NDCG@10 {out[name]['result'].value('ndcg', K):.4f}  {secs:6.1f}s", flush=True)
    return out, trials


def summary_table(runs: list) -> pd.DataFrame:
    "One row per model: test metrics (mean over seeds, sd of NDCG@10), validation, epochs and seconds."
    rows = {}
    for name in runs[0]:
        res = [r[name]["result"] for r in runs]
        m = runs[0][name]["model"]
        rows[name] = {"NDCG@10": np.mean([x.value("ndcg", K) for x in res]),
                      "sd": np.std([x.value("ndcg", K) for x in res], ddof=1) if len(res) > 1 else np.nan,
                      "P@10": np.mean([x.value("precision", K) for x in res]), "R@10": np.mean([x.value("recall", K) for x in res]),
                      "AUC": np.mean([x.value("auc") for x in res]), "valid NDCG@10": getattr(m, "best_score_", np.nan),
                      "best epoch": getattr(m, "best_epoch_", np.nan), "train s": np.mean([r[name]["seconds"] for r in runs])}
    return pd.DataFrame(rows).T


def paired(run: dict) -> pd.DataFrame:
    "Hybrid minus each other model on NDCG@10, paired over users (first seed), 95% bootstrap CI."
    from hybridrec.evaluate import compare
    pairs = [("lightfm_hybrid", b) for b in ("lightfm_cf", "als", "popularity", "seed_hybrid")]
    if "lightfm_hybrid (tuned)" in run:
        pairs += [("lightfm_hybrid (tuned)", b) for b in ("lightfm_cf (tuned)", "als (tuned)", "lightfm_cf", "popularity", "seed_hybrid")]
    rows = []
    for a, b in pairs:
        if b not in run: continue
        c = compare(run[a]["result"], run[b]["result"], "ndcg", K, ci=0.95)
        rows.append(dict(a=a, b=b, diff=c.diff, ci_low=c.ci_low, ci_high=c.ci_high, users=c.n_users,
                         verdict="a wins" if c.ci_low > 0 else ("b wins" if c.ci_high < 0 else "within noise")))
    return pd.DataFrame(rows)


def cold_start(run: dict, prep) -> tuple[pd.DataFrame, dict]:
    "Cold-start users (each model vs the popularity fallback, paired CI) and cold items per hybrid."
    from hybridrec.coldstart import cold_user_eval, cold_item_eval
    from hybridrec.evaluate import compare
    pop, n_pop = cold_user_eval(recommender(run["popularity"]["model"], prep), prep, "test", k=(K,))
    rows, items = [], {}
    for name in ("lightfm_hybrid", "lightfm_hybrid (tuned)", "seed_hybrid"):
        if name not in run: continue
        rec = recommender(run[name]["model"], prep)
        res, n = cold_user_eval(rec, prep, "test", k=(K,))
        if res is not None and pop is not None:
            c = compare(res, pop, "ndcg", K, ci=0.95)
            rows.append(dict(model=name, users=n, ndcg10=res.value("ndcg", K), popularity=pop.value("ndcg", K), diff=c.diff,
                             ci_low=c.ci_low, ci_high=c.ci_high))
        items[name] = cold_item_eval(rec, prep, "test", k=K)
    return pd.DataFrame(rows), items


def machine() -> str:
    from importlib.metadata import version
    vers = ", ".join(f"{d} {version(d)}" for d in ("hybridrec", "lightfm-next", "implicit", "optuna", "numpy"))
    return (f"{cpu_model()}, {os.cpu_count()} cores, {mem_total_gib():.1f} GiB, load average {os.getloadavg()[0]:.1f} at start "
            f"(shared machine); python {platform.python_version()}; {vers}")


def run_dataset(dataset: str, a, command: str) -> tuple[str, dict]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        print(f"# hybridrec quality benchmark: {dataset}{' (QUICK: smoke test only)' if a.quick else ''}")
        print(f"date    : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\ncommand : {command}")
        print(f"machine : {machine()}")
        t0 = time.perf_counter()
        prep, label = load(dataset)
        n_test = int((np.diff(prep.test.indptr) > 0).sum())
        print(f"data    : {label}; prepare(min_reviews={MIN_REVIEWS[dataset]}) {time.perf_counter() - t0:.1f}s\n{prep}")
        print(f"          {n_test:,} warm test users, {int((np.diff(prep.valid.indptr) > 0).sum()):,} validation users")
        print(f"features: {json.dumps(FEATURES[dataset])} (feature_weight {run_params(dataset, 1, 0, False)['feature_weight']})")
        print(f"tuning  : hybridrec.tune, {a.budget} min per family (hybrid, CF, ALS), seeded; threads {a.threads}\n")
        runs, trials = [], []
        for seed in a.seeds:
            run, t = run_models(dataset, prep, run_params(dataset, a.threads, seed, a.quick), seed, a.budget, a.quick)
            runs.append(run)
            trials.append(t.assign(seed=seed))
        table, cmp = summary_table(runs), paired(runs[0])
        cold_users, cold_items = cold_start(runs[0], prep)
        fmt = lambda x: f"{x:.4f}"
        print(f"\n## Test, all {n_test:,} warm test users, every item ranked, train + valid masked (mean over seeds {a.seeds})")
        print(table.to_string(float_format=fmt))
        print("\n## Paired NDCG@10 differences, hybrid minus each (seed %d, 95%% bootstrap CI)" % a.seeds[0])
        print(cmp.to_string(index=False, float_format=fmt))
        print("\n## Cold-start test users: the hybrid vs the popularity fallback (NDCG@10, paired 95% CI)")
        print(cold_users.to_string(index=False, float_format=fmt) if len(cold_users) else "(no cold-start test users with a history)")
        print("\n## New items (test reviews of items without training interactions), 95% CIs")
        for name, r in cold_items.items():
            cis = {k: f"{v['mean']:.4f} [{v['ci_low']:.4f}, {v['ci_high']:.4f}]" for k, v in r.items()
                   if isinstance(v, dict) and v.get("ci_low") is not None}
            print(f"  {name}: {r['n_items']} items, {r['n_users']} users; {cis or r.get('reason')}")
        print("\n## Tuned parameters (chosen on validation)")
        for name, r in runs[0].items():
            if "params" in r: print(f"  {name}: {json.dumps(r['params'])}")
    data = dict(dataset=dataset, label=label, command=command, seeds=a.seeds, budget=a.budget, table=table.reset_index().to_dict("records"),
                paired=cmp.to_dict("records"), cold_users=cold_users.to_dict("records"), cold_items=cold_items,
                tuned={n: r["params"] for n, r in runs[0].items() if "params" in r},
                trials=pd.concat(trials).astype(str).to_dict("records"))
    return buf.getvalue(), data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--budget", type=float, default=5.0, help="tuning minutes per model family (default 5)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true", help="tiny models and budgets: a smoke test, not results")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--item-groups", nargs="+", help="a candidate default: these item groups for the default hybrid on "
                    "the Amazon-like sets (demo, synth, synth-nosignal) instead of the pipeline's")
    ap.add_argument("--tag", default="", help="output file suffix: quality_<dataset>_<tag>.{txt,json}")
    a = ap.parse_args(argv)
    if a.item_groups:
        for ds, f in list(FEATURES.items()):
            if f is AMAZON:
                FEATURES[ds] = dict(AMAZON, item_groups=list(a.item_groups))
    command = "python bench/quality.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for ds in a.datasets:
        text, data = run_dataset(ds, a, command)
        print(text, flush=True)
        tag = f"quality_{ds}{'_quick' if a.quick else ''}{'_' + a.tag if a.tag else ''}"
        (out / f"{tag}.txt").write_text(text)
        (out / f"{tag}.json").write_text(json.dumps(data, indent=1, default=str))


if __name__ == "__main__":
    main()
