"""Quality benchmark: popularity, ALS, LightFM CF and LightFM hybrid on MovieLens 1M (real) and the demo data (SYNTHETIC).

    source bin/_env.sh && python bench/quality.py                          # both data sets, full grid (~15-25 min on 2 cores)
    python bench/quality.py --datasets demo --quick                         # tiny grid: a smoke test (~1 min)
    python bench/quality.py --datasets movielens-1m --threads 2 --seed 0 --out bench/results

Protocol, per data set:
1. `prepare(data, min_reviews=...)` (global time split; MovieLens 1M through `hybridrec.movielens.load_movielens("1m")`,
   the demo through `hybridrec.demo.load_demo()` at its default size).
2. One `FeatureEncoder` per data set, fixed before any training (the feature set is not tuned; see FEATURES).
3. Tuning: a small fixed grid per model (GRID), each configuration trained on `train` with early stopping on
   validation NDCG@10 (all items ranked, training items masked; the best epoch is restored). The configuration with
   the best validation NDCG@10 wins (ties: the earlier one in grid order). Validation is the only data used to choose.
4. Test: the chosen model of each family, as trained, evaluated on ALL warm test users (every item ranked, train and
   valid items masked): P@10, R@10, NDCG@10, MAP@10, AUC, coverage@10; slices by user activity (training
   interactions, tercile edges of the test users) and item popularity (head/mid/tail of training interactions).
5. Cold-start test users (not in the training space) through `hybridrec.pipeline.cold_user_eval`: each user is
   represented by the item history of their first test review. Only the hybrid has a user-side feature model; the other
   three serve such users with the popularity fallback (identical numbers, said in the table).
6. Paired bootstrap CIs (`hybridrec.evaluate.compare`, same users) of NDCG@10: hybrid minus the best other model
   (best = highest VALIDATION NDCG@10, so test data picks nothing), and hybrid minus each other model.

Outputs: printed, and `{out}/quality_{dataset}.txt` / `.json` (with `--quick`: `quality_{dataset}_quick.*`).
LightFM runs with `--threads` threads (Hogwild updates): results vary slightly between runs even with a fixed seed.
"""
from __future__ import annotations
import argparse, datetime, io, json, logging, os, platform, shlex, sys, time
from _common import mem_total_gib as _mem_total_gb, cpu_model as _cpu_model
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd

K = 10
TEST_METRICS = ("precision", "recall", "ndcg", "map", "auc", "coverage")
DATASETS = ("movielens-1m", "demo")

# min_reviews: prepare() keeps users and items with MORE than this many training reviews.
#  * MovieLens 1M: 5, the pipeline default. Every ML-1M user rated >= 20 films overall, so this drops only the few
#    users with almost no ratings before the time cut (22) and films with <= 5 training ratings (357), whose
#    embeddings cannot be learned from so little data.
#  * demo: 2. The synthetic users' activity is lognormal with a mean of 15 reviews over the whole timeline, so most
#    have few training reviews; 5 would drop a third of the training users and leave 275 warm test users, 2 keeps
#    357 (a tighter confidence interval) while still dropping users with 1-2 training reviews.
MIN_REVIEWS = {"movielens-1m": 5, "demo": 2}
MIN_REVIEWS_WHY = {"movielens-1m": "the pipeline default; drops only users with almost no ratings before the time cut and films too rarely "
                                   "rated to learn an embedding",
                   "demo": "most synthetic users have few training reviews; 5 would leave 275 warm test users, 2 leaves 357"}

# Feature sets, fixed a priori (not tuned):
#  * MovieLens 1M items: genres (the `categories` list), average training rating (5 bins), release year (5 bins);
#    users: gender, age group, occupation (not the zip prefix: ~680 values, mostly noise at this size) and the shares
#    of each primary genre in the user's history (`category_share` on a derived `genre` column: the first genre
#    listed). The `category` column of ML-1M is one constant, so category_share on it would carry nothing.
#    Only the history shares are available for cold-start users (the Recommender's cold path has no users frame).
#  * demo items: category, price bins, rating bins, store; users: category and price-level shares of their history
#    (the encoder's default `history_category` group makes the hybrid collapse on the demo).
FEATURES = {
    "movielens-1m": dict(item_groups=("categories", "rating"), item_columns=["year"], user_groups=("columns", "category_share"),
                         user_columns=["gender", "age_group", "occupation"], history_column="genre"),
    "demo": dict(item_groups=("category", "price", "rating", "store"), user_groups=("category_share", "price_share")),
}

MODELS = ("popularity", "als", "lightfm_cf", "lightfm_hybrid")
MODEL_LABELS = {"popularity": "popularity", "als": "ALS (implicit)", "lightfm_cf": "LightFM CF", "lightfm_hybrid": "LightFM hybrid"}


# ALS regularization: implicit adds lambda*I to a Gram matrix weighted by the confidence values of `prepare` (log
# weighting, alpha=10: about 8 to 19 per interaction), so useful lambdas are large. A validation-only probe (64 factors,
# lambda 0.01 .. 1000) found NDCG@10 flat from 0.01 to 1 and best near 100-300 on both data sets; the grid spans that
# range so that the strongest baseline is not under-tuned (with {0.01, 0.1} alone ALS lost ~30% validation NDCG@10).
# Epoch caps (ALS 30, LightFM 60) are high enough that early stopping, not the cap, ends training: in a first run with
# caps of 15 / 30 several demo LightFM configurations (the chosen CF one among them) were still improving at the cap.
def grid(quick: bool) -> dict:
    "Configurations per model, in the order they are tried; training-length settings apply to every configuration."
    if quick:
        lfm = [dict(no_components=16, learning_rate=0.05, loss="warp")]
        return dict(popularity=dict(configs=[dict(weighted=False)], train={}),
                    als=dict(configs=[dict(factors=16, regularization=0.01)], train=dict(epochs=3, patience=2)),
                    lightfm_cf=dict(configs=lfm, train=dict(epochs=3, patience=2)),
                    lightfm_hybrid=dict(configs=lfm, train=dict(epochs=3, patience=2)))
    lfm = [dict(no_components=c, learning_rate=lr, loss=loss) for c in (32, 64) for lr in (0.02, 0.05) for loss in ("warp", "bpr")]
    return dict(popularity=dict(configs=[dict(weighted=False), dict(weighted=True)], train={}),
                als=dict(configs=[dict(factors=f, regularization=r) for f in (32, 64, 128) for r in (0.01, 1.0, 100.0, 300.0)],
                         train=dict(epochs=30, patience=3)),
                lightfm_cf=dict(configs=lfm, train=dict(epochs=60, patience=3)),
                lightfm_hybrid=dict(configs=lfm, train=dict(epochs=60, patience=3)))


# ------------------------------------------------------------------------------------------------ machine
def machine() -> dict:
    from importlib.metadata import version, PackageNotFoundError
    vers = {}
    for name, dist in (("hybridrec", "hybridrec"), ("lightfm", "lightfm-next"), ("implicit", "implicit"), ("numpy", "numpy"),
                       ("scipy", "scipy"), ("pandas", "pandas")):
        try: vers[name] = version(dist)
        except PackageNotFoundError: vers[name] = None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return dict(cpu=_cpu_model(), cores=os.cpu_count(), cores_usable=cores, ram_gb=round(_mem_total_gb(), 1),
                load_average=[round(x, 2) for x in os.getloadavg()], platform=platform.platform(), python=platform.python_version(),
                openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"), versions=vers)


def _jsonable(o):
    if isinstance(o, dict): return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)): return [_jsonable(v) for v in o]
    if isinstance(o, np.generic): o = o.item()
    if isinstance(o, float) and not np.isfinite(o): return None
    return o


# ------------------------------------------------------------------------------------------------ data
def load(dataset: str, min_reviews: int):
    "(Prepared, label) for `dataset`."
    from hybridrec.preprocess import prepare
    if dataset == "movielens-1m":
        from hybridrec.movielens import load_movielens
        data = load_movielens("1m")
        # primary genre (the first one listed) as a plain categorical column for the users' genre shares
        data.items["genre"] = data.items["categories"].map(lambda g: str(g[0]) if g is not None and len(g) else None).astype("string")
        label = "MovieLens 1M (real ratings; global time split 80/10/10 by timestamp)"
    elif dataset == "demo":
        from hybridrec.demo import load_demo
        data = load_demo()
        label = "SYNTHETIC demo data (hybridrec.demo.load_demo(), default size; Amazon 2023 timestamp split)"
    else: raise SystemExit(f"--datasets: unknown data set {dataset!r}; expected some of {list(DATASETS)}")
    return prepare(data, min_reviews=min_reviews), label


def make_model(name: str, cfg: dict, train_kw: dict, seed: int, threads: int):
    from hybridrec.models import PopularityModel, ALSModel, LightFMModel
    if name == "popularity": return PopularityModel(**cfg)
    if name == "als": return ALSModel(**cfg, **train_kw, seed=seed, num_threads=threads, early_stopping=True)
    return LightFMModel(**cfg, **train_kw, use_features=(name == "lightfm_hybrid"), seed=seed, num_threads=threads, early_stopping=True)


def _cfg_str(cfg: dict) -> str:
    short = dict(no_components="components", learning_rate="lr", regularization="reg")
    return ", ".join(f"{short.get(k, k)}={v}" for k, v in cfg.items())


# ------------------------------------------------------------------------------------------------ steps
def tune(name, spec, prep, UF, IF, seed, threads):
    "Train every configuration of `spec`; returns (best model, rows describing each run)."
    from hybridrec.models import validation_ndcg, ModelError
    rows, best, best_model = [], -np.inf, None
    for i, cfg in enumerate(spec["configs"]):
        model = make_model(name, cfg, spec["train"], seed, threads)
        t0 = time.perf_counter()
        row = dict(model=name, config=i, **{"params": cfg})
        try:
            hyb = name == "lightfm_hybrid"
            model.fit(prep.train, user_features=UF if hyb else None, item_features=IF if hyb else None, valid=prep.valid, progress=False)
            score = validation_ndcg(model, prep.train, prep.valid, k=K) if name == "popularity" else model.best_score_
            row.update(valid_ndcg10=float(score), best_epoch=getattr(model, "best_epoch_", None), epochs_run=getattr(model, "epochs_run_", None),
                       status="ok")
        except (ModelError, FloatingPointError) as e:
            score = -np.inf
            row.update(valid_ndcg10=None, best_epoch=None, epochs_run=None, status=f"failed: {str(e)[:200]}")
        row["seconds"] = round(time.perf_counter() - t0, 2)
        rows.append(row)
        print(f"  {name:15s} #{i} {_cfg_str(cfg):45s} valid NDCG@10 {row['valid_ndcg10'] if row['valid_ndcg10'] is None else format(row['valid_ndcg10'], '.4f'):>7s}"
              f"  best epoch {str(row['best_epoch']):>4s}/{str(row['epochs_run']):4s} {row['seconds']:7.1f}s  {row['status'] if row['status'] != 'ok' else ''}", flush=True)
        if score > best: best, best_model = score, model
    if best_model is None: raise SystemExit(f"{name}: every configuration failed")
    return best_model, rows


def _fmt_table(df: pd.DataFrame, floatfmt="{:.4f}") -> str:
    return df.to_string(float_format=lambda v: floatfmt.format(v))


def run_dataset(dataset: str, args, mach: dict, command: str) -> dict:
    from hybridrec.features import FeatureEncoder
    from hybridrec.models import Recommender
    from hybridrec.evaluate import evaluate, activity_buckets, popularity_buckets, count_buckets, compare
    from hybridrec.pipeline import cold_user_eval
    t_start = time.perf_counter()
    min_reviews = args.min_reviews if args.min_reviews is not None else MIN_REVIEWS[dataset]
    print(f"# hybridrec quality benchmark: {dataset}{' (QUICK grid: smoke test only)' if args.quick else ''}")
    print(f"date    : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"command : {command}")
    print(f"machine : {mach['cpu']}, {mach['cores']} cores ({mach['cores_usable']} usable), {mach['ram_gb']} GiB RAM, "
          f"load average {mach['load_average']} at start (shared machine), {mach['platform']}, python {mach['python']}")
    print(f"versions: {', '.join(f'{k} {v}' for k, v in mach['versions'].items())}; OPENBLAS_NUM_THREADS={mach['openblas_threads']}")
    print(f"threads : LightFM and ALS num_threads={args.threads} (LightFM's parallel SGD is not bit-reproducible), seed={args.seed}")
    t0 = time.perf_counter()
    prep, label = load(dataset, min_reviews)
    t_load = time.perf_counter() - t0
    synthetic = bool(prep.synthetic)
    print(f"\n## Data: {label}")
    if synthetic: print("   *** SYNTHETIC data: planted structure, not evidence about real users ***")
    why = f" ({MIN_REVIEWS_WHY[dataset]})" if args.min_reviews is None else " (set by --min-reviews)"
    print(f"prepare(min_reviews={min_reviews}): keeps users and items with more than {min_reviews} training reviews{why}; "
          f"{t_load:.1f}s to load+prepare")
    print(prep)
    print(prep.summary().to_string())

    enc = FeatureEncoder(**FEATURES[dataset])
    t0 = time.perf_counter()
    UF, IF = enc.fit_transform(prep)
    print(f"\n## Features (fixed, not tuned): {enc}  [{time.perf_counter() - t0:.1f}s]")
    print(enc.describe()[["side", "group", "column", "kind", "features"]].to_string(index=False))

    g = grid(args.quick)
    print("\n## Tuning grid: every configuration trained on train only, early stopping on validation NDCG@10 (best epoch restored),"
          "\n## the best validation NDCG@10 is chosen; the chosen model is evaluated on test as trained (no refit on train+valid)")
    for name in MODELS:
        tr = g[name]["train"]
        print(f"  {name:15s} {len(g[name]['configs'])} configs: " + " | ".join(_cfg_str(c) for c in g[name]["configs"])
              + (f"  [max epochs {tr['epochs']}, patience {tr['patience']}]" if tr else ""))
    print()
    chosen, tuning, tune_secs = {}, [], {}
    for name in MODELS:
        t0 = time.perf_counter()
        chosen[name], rows = tune(name, g[name], prep, UF, IF, args.seed, args.threads)
        tune_secs[name] = round(time.perf_counter() - t0, 1)
        tuning += rows
    tdf = pd.DataFrame(tuning)
    best_rows = {}
    print("\n## Chosen configurations (best validation NDCG@10)")
    for name in MODELS:
        r = tdf[(tdf.model == name) & (tdf.status == "ok")].sort_values(["valid_ndcg10", "config"], ascending=[False, True], kind="stable").iloc[0]
        best_rows[name] = r
        be = "-" if pd.isna(r.best_epoch) else int(r.best_epoch)
        print(f"  {MODEL_LABELS[name]:15s} {_cfg_str(r.params):45s} valid NDCG@10 {r.valid_ndcg10:.4f}  best epoch {be}  "
              f"(tuning: {len(g[name]['configs'])} configs, {tune_secs[name]:.0f}s)")

    # ---- test, warm users
    tn = np.diff(prep.test.indptr) > 0
    act = np.asarray((prep.train != 0).sum(axis=1)).ravel()
    q = np.quantile(act[tn], [1 / 3, 2 / 3])
    edges = sorted({1, *(int(round(x)) for x in q)})
    ug = dict(activity=count_buckets(act, edges))
    ig = dict(popularity=popularity_buckets(prep.train))
    exclude = [m for m in (prep.train, prep.valid) if m is not None]
    res = {}
    t0 = time.perf_counter()
    for name in MODELS:
        res[name] = evaluate(chosen[name], prep.train, prep.test, k=(K,), metrics=TEST_METRICS, exclude=exclude,
                             user_groups=ug, item_groups=ig, seed=args.seed, name=name)
    t_eval = time.perf_counter() - t0
    r0 = res[MODELS[0]]
    print(f"\n## Test, warm users: ALL {r0.n_users_evaluated:,} test users in the training space with a test item "
          f"(protocol {r0.protocol}, sampled={r0.sampled}; all {prep.n_items:,} items ranked, train+valid items masked)")
    cols = {"precision@10": "P@10", "recall@10": "R@10", "ndcg@10": "NDCG@10", "map@10": "MAP@10", "auc": "AUC", "coverage@10": "Cov@10"}
    main = pd.DataFrame({MODEL_LABELS[n]: {c: res[n].value(*((c.split("@")[0], K) if "@" in c else (c, None))) for c in cols} for n in MODELS}).T
    main.columns = [cols[c] for c in main.columns]
    main["valid NDCG@10"] = [best_rows[n].valid_ndcg10 for n in MODELS]
    main["config"] = [_cfg_str(best_rows[n].params) for n in MODELS]
    print(_fmt_table(main))
    ranking = sorted(MODELS, key=lambda n: -res[n].value("ndcg", K))
    winner = ranking[0]
    rank_str = " > ".join(f"{MODEL_LABELS[n]} {res[n].value('ndcg', K):.5f}" for n in ranking)
    print(f"Test NDCG@10, highest first: {rank_str} (which gaps are real: see the paired CIs below)")

    # ---- slices
    print(f"\n## Test slices, NDCG@10 (users: training-interaction buckets, edges {edges} = terciles of the test users; "
          f"items: popularity head = top items holding 50% of training interactions, mid = next 30%, tail = rest; "
          f"an item slice scores each user on their test items in that bucket only; users = users with such items)")
    slice_rows = []
    for n in MODELS:
        t = res[n].table
        for _, r in t[(t.slice != "all") & (t.metric == "ndcg")].iterrows():
            slice_rows.append(dict(model=MODEL_LABELS[n], slice=r.slice, value=r.value, n_users=r.n_users))
    sdf = pd.DataFrame(slice_rows)
    piv = sdf.pivot_table(index="slice", columns="model", values="value", sort=False)[[MODEL_LABELS[n] for n in MODELS]]
    piv.insert(0, "users", sdf.drop_duplicates("slice").set_index("slice")["n_users"].reindex(piv.index).astype(int))
    print(_fmt_table(piv))
    cov = pd.DataFrame({MODEL_LABELS[n]: {s: res[n].value("coverage", K, s) for s in res[n].table.slice.unique()
                                           if s.startswith("item:")} for n in MODELS})
    print("Coverage@10 within each item-popularity bucket (share of the bucket's items recommended to someone):")
    print(_fmt_table(cov))

    # ---- cold-start users
    cold_res, cold_rows = {}, []
    t0 = time.perf_counter()
    for n in MODELS:
        rec = Recommender.from_prepared(chosen[n], prep, encoder=enc if n == "lightfm_hybrid" else None)
        cr, nu = cold_user_eval(rec, prep, "test", k=(K,), metrics=("precision", "recall", "ndcg", "map", "auc", "coverage"))
        cold_res[n] = cr
        src = ("hybrid: history" + (" + users-frame features" if prep.users is not None else "")) if rec.can_cold_users else "popularity fallback (cannot represent new users)"
        row = dict(model=MODEL_LABELS[n], served_by=src, users=nu)
        if cr is not None: row.update({cols.get(c, c): cr.value(*((c.split("@")[0], K) if "@" in c else (c, None))) for c in cols})
        cold_rows.append(row)
    t_cold = time.perf_counter() - t0
    cu = prep.cold[(prep.cold["split"] == "test") & (prep.cold["cold"] == "user")]
    n_cold_all = cu["user_id"].nunique()
    n_status = cu.drop_duplicates("user_id")["user_status"].value_counts().to_dict()
    print(f"\n## Test, cold-start users: {n_cold_all:,} test users outside the training space ({n_status.get('new', 0):,} new, "
          f"{n_status.get('filtered', 0):,} removed by min_reviews) with test reviews of training items; evaluated: those whose first "
          f"test review has a non-empty history (earlier items), represented by it; history items masked")
    cdf = pd.DataFrame(cold_rows).set_index("model")
    print(_fmt_table(cdf))
    if prep.users is not None:
        print("Note: the hybrid represents a new user by the genre shares of the history and the user's row of the users frame (demographics).")

    # ---- paired comparisons
    others = [n for n in MODELS if n != "lightfm_hybrid"]
    best_other = max(others, key=lambda n: (best_rows[n].valid_ndcg10, -others.index(n)))
    comps = []
    def add(a, b, metric, slice_, ra, rb, what):
        c = compare(ra, rb, metric, K, slice=slice_, seed=args.seed)
        comps.append(dict(users=what, a=a, b=b, metric=f"{metric}@{K}", slice=slice_, n_users=c.n_users, mean_a=c.mean_a, mean_b=c.mean_b,
                          diff=c.diff, ci_low=c.ci_low, ci_high=c.ci_high, ci=c.ci, p_value=c.p_value, method=c.method))
    add("lightfm_hybrid", best_other, "ndcg", "all", res["lightfm_hybrid"], res[best_other], "warm")
    add("lightfm_hybrid", best_other, "recall", "all", res["lightfm_hybrid"], res[best_other], "warm")
    for n in others:
        if n != best_other: add("lightfm_hybrid", n, "ndcg", "all", res["lightfm_hybrid"], res[n], "warm")
    if cold_res["lightfm_hybrid"] is not None and cold_res["popularity"] is not None:
        add("lightfm_hybrid", "popularity fallback", "ndcg", "all", cold_res["lightfm_hybrid"], cold_res["popularity"], "cold-start")
    cmp = pd.DataFrame(comps)
    print(f"\n## Paired differences, hybrid minus other (bootstrap 95% CI over users, 2000 resamples, seed {args.seed}; "
          f"p = paired t-test). Best other model by VALIDATION NDCG@10: {MODEL_LABELS[best_other]}")
    show = cmp[["users", "a", "b", "metric", "n_users", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "p_value"]].copy()
    show["p_value"] = show["p_value"].map(lambda p: f"{p:.2g}")
    print(show.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    c0 = comps[0]
    sig = c0["ci_low"] > 0 or c0["ci_high"] < 0
    if not sig: verdict = (f"no significant difference in test NDCG@10 between the hybrid and {MODEL_LABELS[best_other]} "
                           f"({c0['diff']:+.4f}, CI {c0['ci_low']:+.4f} .. {c0['ci_high']:+.4f})")
    else:
        w = "the LightFM hybrid" if c0["diff"] > 0 else MODEL_LABELS[best_other]
        verdict = (f"{w} wins on test NDCG@10: hybrid - {MODEL_LABELS[best_other]} = {c0['diff']:+.4f} "
                   f"(95% CI {c0['ci_low']:+.4f} .. {c0['ci_high']:+.4f}, p={c0['p_value']:.2g})")
    verdict = (f"Verdict ({'SYNTHETIC ' if synthetic else ''}{dataset}, warm test users): {verdict}. "
               f"Test NDCG@10, highest first: {rank_str}.")
    print("\n" + verdict)
    total = time.perf_counter() - t_start
    print(f"\nTime: load+prepare {t_load:.0f}s, tuning {sum(tune_secs.values()):.0f}s ({', '.join(f'{n} {s:.0f}s' for n, s in tune_secs.items())}), "
          f"test evaluation {t_eval:.1f}s, cold-start evaluation {t_cold:.1f}s, total {total:.0f}s; load average at end {[round(x, 2) for x in os.getloadavg()]}")

    return dict(dataset=dataset, label=label, synthetic=synthetic, quick=bool(args.quick), command=command,
                date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"), machine=mach, seed=args.seed, threads=args.threads,
                min_reviews=min_reviews, prepared=dict(repr=repr(prep), n_users=prep.n_users, n_items=prep.n_items, train=int(prep.train.nnz),
                                                       valid_warm=int(prep.valid.nnz) if prep.valid is not None else 0,
                                                       test_warm=int(prep.test.nnz), report=prep.report),
                features=dict(config={k: list(v) if isinstance(v, tuple) else v for k, v in FEATURES[dataset].items()},
                              n_user_features=enc.n_user_features, n_item_features=enc.n_item_features,
                              groups=enc.describe()[["side", "group", "column", "kind", "features"]].to_dict("records")),
                grid={n: dict(configs=g[n]["configs"], train=g[n]["train"]) for n in MODELS}, tuning=tuning,
                chosen={n: dict(params=best_rows[n].params, valid_ndcg10=best_rows[n].valid_ndcg10,
                                best_epoch=None if pd.isna(best_rows[n].best_epoch) else int(best_rows[n].best_epoch),
                                tuning_seconds=tune_secs[n]) for n in MODELS},
                test_warm=dict(n_users=r0.n_users_evaluated, n_users_skipped=r0.n_users_skipped, protocol=r0.protocol, sampled=r0.sampled,
                               activity_edges=edges, metrics={n: {c: float(main.loc[MODEL_LABELS[n], cols[c]]) for c in cols} for n in MODELS},
                               slices=sdf.to_dict("records"), coverage_by_popularity=cov.to_dict()),
                test_cold_users=dict(n_cold_users_in_test=int(n_cold_all), rows=cdf.reset_index().to_dict("records")),
                best_other=best_other, comparisons=comps, winner_test_ndcg10=winner, test_ndcg10_ranking=ranking, verdict=verdict,
                seconds=dict(load_prepare=round(t_load, 1), tuning=tune_secs, test_eval=round(t_eval, 1), cold_eval=round(t_cold, 1),
                             total=round(total, 1)))


class _Tee(io.TextIOBase):
    "Write to the terminal and keep a copy."
    def __init__(self, stream): self.stream, self.buf = stream, io.StringIO()
    def write(self, s): self.stream.write(s); self.buf.write(s); return len(s)
    def flush(self): self.stream.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--quick", action="store_true", help="tiny grid and few epochs: a smoke test, not results")
    ap.add_argument("--threads", type=int, default=2, help="num_threads for LightFM and ALS (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-reviews", type=int, default=None, help="override the per-data-set min_reviews (MIN_REVIEWS)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"), help="folder for quality_{dataset}.txt/.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = "python " + shlex.join([os.path.relpath(sys.argv[0]) if argv is None else "bench/quality.py"] + (sys.argv[1:] if argv is None else list(argv)))
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    t0 = time.perf_counter()
    for ds in args.datasets:
        mach = machine()
        tee = _Tee(sys.stdout)
        with redirect_stdout(tee):
            result = run_dataset(ds, args, mach, command)
        (out / f"quality_{ds}{suffix}.txt").write_text(tee.buf.getvalue())
        (out / f"quality_{ds}{suffix}.json").write_text(json.dumps(_jsonable(result), indent=1, default=str))
        print(f"[wrote {out / f'quality_{ds}{suffix}.txt'} and .json]\n", flush=True)
    print(f"all data sets: {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
