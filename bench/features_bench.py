"""Benchmark: the seed notebook's preprocessing + feature build against hybridrec's, on the same data.

    python bench/features_bench.py                                # demo data at hybridrec.demo's default size
    python bench/features_bench.py --users 200000 --items 50000   # ~2M training reviews
    python bench/features_bench.py --data /path/to/amazon-layout  # any folder load_amazon reads (no generation)

What is timed (both sides start from data already in memory; reading files is not timed):

(a) the seed's way, the seed notebook's code cell by cell: `value_counts` + `isin` filter, confidence column,
    `history.fillna("").apply(lambda x: x.split())`, `pd.qcut` price / rating bins over the interaction rows,
    an `itertuples` loop building `user_cat=` tokens, string token columns, `lightfm.data.Dataset().fit(...)`,
    `build_user_features`, `build_item_features` and `build_interactions` from Python tuples. Its input is the
    seed's pre-joined `train_df` (reviews with item meta joined on, `history` space-separated, price -1 = missing).
(b) hybridrec: `prepare` (filter, weights, id space, train/valid/test matrices, cold rows), `FeatureEncoder().fit`,
    `user_features`, `item_features`, the LightFM interaction pair. Its input is the `ReviewData` from `load_amazon`.

Each side runs in its own fresh process (multiprocessing, spawn), so their memory is separate. Peak memory is the
kernel's high-water mark of resident memory (VmHWM) over the timed pipeline only: it is reset through
/proc/self/clear_refs once the input is loaded (Linux >= 4.0). Where that reset is not allowed the peak falls back
to the whole process's ru_maxrss, and the output says so.
"""
from __future__ import annotations
import argparse, gc, os, platform, resource, shutil, sys, tempfile, time
from _common import status_kb as _status_kb, reset_peak as _reset_peak, seed_train_df as seed_frame
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

# ---------------------------------------------------------------------------------------------- measuring
class Stages:
    "Wall-clock and CPU seconds per named stage (CPU time is less disturbed by other processes on a shared machine)."
    def __init__(self): self.times, self.cpu = {}, {}
    @contextmanager
    def __call__(self, name):
        t, c = time.perf_counter(), time.process_time()
        yield
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c

def _measured(run, *args):
    "Run `run(stages, *args)` after loading; return stage times, total, memory figures and a result check."
    load, pipeline = run
    t0 = time.perf_counter(); inp = load(*args); t_load = time.perf_counter() - t0
    gc.collect()
    rss0 = _status_kb("VmRSS"); reset = _reset_peak()
    st = Stages(); t, c = time.perf_counter(), time.process_time()
    check = pipeline(st, inp)
    total, cpu = time.perf_counter() - t, time.process_time() - c
    peak = _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(stages=st.times, cpu=st.cpu, total=total, total_cpu=cpu, load=t_load, rss_start_mb=rss0 / 1024, peak_mb=peak / 1024, peak_exact=reset, check=check)

# ---------------------------------------------------------------------------------------------- (a) the seed
def seed_load(seed_parquet):
    import pandas as pd
    import lightfm.data  # imports are not part of the timed pipeline
    return pd.read_parquet(seed_parquet, engine="pyarrow")

def seed_pipeline(T, train_df, min_reviews=5):
    "The seed notebook's cells, in order, unchanged except for file IO and the timers."
    import numpy as np, pandas as pd
    from collections import defaultdict
    from lightfm.data import Dataset
    notes = []
    with T("filter (value_counts + isin)"):
        user_counts = train_df['user_id'].value_counts()
        product_counts = train_df['parent_asin'].value_counts()
        valid_users = user_counts[user_counts > min_reviews].index
        valid_products = product_counts[product_counts > min_reviews].index
        filtered_train_df = train_df[train_df["user_id"].isin(valid_users) & train_df["parent_asin"].isin(valid_products)]
        filtered_train_df = filtered_train_df.drop(['timestamp', 'price_missing', 'datetime', 'year'], axis=1)
    with T("confidence"):
        alpha = 10.0
        filtered_train_df["confidence"] = 1.0 + alpha * np.log1p(filtered_train_df["rating"])
    with T("history .apply(split)"):
        filtered_train_df["history"] = filtered_train_df["history"].fillna("").apply(lambda x: x.split())
    with T("qcut bins over interactions"):
        filtered_train_df["price"] = filtered_train_df["price"].replace(-1, np.nan)
        labels = ["Very Cheap", "Cheap", "Medium", "Expensive", "Very Expensive"]
        try:
            filtered_train_df["price_bins"], price_bin_edges = pd.qcut(filtered_train_df["price"], q=5, labels=labels, retbins=True)
        except ValueError as e:  # the seed's call raises on repeated edges; drop them so the benchmark can go on
            notes.append(f"seed pd.qcut(price) raised ({e}); used duplicates='drop'")
            filtered_train_df["price_bins"], price_bin_edges = pd.qcut(filtered_train_df["price"], q=5, retbins=True, duplicates="drop")
        filtered_train_df["price_bins"] = filtered_train_df["price_bins"].cat.add_categories("Missing")
        filtered_train_df["price_bins"] = filtered_train_df["price_bins"].fillna("Missing")
        rating_labels = ["Negative", "Positive", "Very Positive", "Near Perfect", "Perfect"]
        try:
            filtered_train_df['avg_rating_bin'], ratings_bin_edges = pd.qcut(filtered_train_df['average_rating'], q=5, labels=rating_labels, retbins=True)
        except ValueError as e:
            notes.append(f"seed pd.qcut(average_rating) raised ({e}); used duplicates='drop'")
            filtered_train_df['avg_rating_bin'], ratings_bin_edges = pd.qcut(filtered_train_df['average_rating'], q=5, retbins=True, duplicates="drop")
        filtered_train_df = filtered_train_df.drop(["price", "average_rating"], axis=1)
    with T("user_cat tokens (itertuples)"):
        asin_to_category = filtered_train_df.drop_duplicates("parent_asin").set_index("parent_asin")["category"].to_dict()
        user_to_cat_tokens = defaultdict(set)
        for row in filtered_train_df.itertuples():
            uid = row.user_id
            for asin in row.history:
                cat = asin_to_category.get(asin)
                if pd.notna(cat):
                    user_to_cat_tokens[uid].add(f"user_cat={cat}")
        user_to_cat_tokens = {uid: sorted(list(tokens)) for uid, tokens in user_to_cat_tokens.items()}
        filtered_train_df["user_category_tokens"] = filtered_train_df["user_id"].map(user_to_cat_tokens).fillna("").apply(list)
        filtered_train_df = filtered_train_df.drop(["history"], axis=1)
    with T("item token strings"):
        filtered_train_df["cat_token"] = "cat=" + filtered_train_df["category"].astype(str)
        filtered_train_df["price_token"] = "price_bin=" + filtered_train_df["price_bins"].astype(str)
        filtered_train_df["rating_token"] = "avg_rating_bin=" + filtered_train_df["avg_rating_bin"].astype(str)
        filtered_train_df["item_feature_tokens"] = (filtered_train_df["cat_token"].str.
                                                    cat([filtered_train_df["price_token"], filtered_train_df["rating_token"]], sep="|").str.split("|"))
        filtered_train_df = filtered_train_df.drop(["cat_token", "price_token", "rating_token"], axis=1)
    with T("Dataset.fit"):
        dataset = Dataset()
        interaction_user_ids = filtered_train_df["user_id"].astype(str).unique()
        interaction_item_ids = filtered_train_df["parent_asin"].astype(str).unique()
        dataset.fit(users=interaction_user_ids, items=interaction_item_ids,
                    user_features=sorted(set(token for tokens in filtered_train_df["user_category_tokens"] for token in tokens)),
                    item_features=sorted(set(token for tokens in filtered_train_df["item_feature_tokens"] for token in tokens)))
    with T("build_user/item_features"):
        all_user_ids = filtered_train_df["user_id"].unique()
        user_feature_dict = {user_id: user_to_cat_tokens.get(user_id, []) for user_id in all_user_ids}
        user_feature_tuples = list(user_feature_dict.items())
        item_feature_tuples = list(filtered_train_df.groupby("parent_asin")["item_feature_tokens"].last().items())
        user_features = dataset.build_user_features(user_feature_tuples)
        item_features = dataset.build_item_features(item_feature_tuples)
    with T("build_interactions (tuples)"):
        interaction_tuples = list(zip(filtered_train_df["user_id"], filtered_train_df["parent_asin"], filtered_train_df["confidence"]))
        interactions, weights = dataset.build_interactions(interaction_tuples)
    return dict(users=interactions.shape[0], items=interactions.shape[1], nnz=int(weights.tocsr().nnz), weight_sum=float(weights.sum()),
                user_features=user_features.shape, item_features=item_features.shape, notes=notes)

# ---------------------------------------------------------------------------------------------- (b) hybridrec
def hybridrec_load(data_dir):
    from hybridrec.data import load_amazon
    import hybridrec.preprocess, hybridrec.features  # imports are not part of the timed pipeline
    return load_amazon(data_dir, progress=False)

def hybridrec_pipeline(T, data, min_reviews=5):
    from hybridrec.preprocess import prepare
    from hybridrec.features import FeatureEncoder
    with T("prepare (filter, weights, ids, matrices, cold rows)"):
        p = prepare(data, min_reviews=min_reviews)
    with T("FeatureEncoder.fit"):
        enc = FeatureEncoder().fit(p)
    with T("user_features"):
        uf = enc.user_features(p)
    with T("item_features"):
        itf = enc.item_features(p)
    with T("LightFM interaction pair"):
        inter, w = p.lightfm_interactions()
    return dict(users=p.n_users, items=p.n_items, nnz=int(p.train.nnz), weight_sum=float(p.train.sum()), user_features=uf.shape,
                item_features=itf.shape, cold=len(p.cold), notes=[])

RUNS = {"seed": (seed_load, seed_pipeline), "hybridrec": (hybridrec_load, hybridrec_pipeline)}

def _child(name, path):
    return _measured(RUNS[name], path)

# ---------------------------------------------------------------------------------------------- driver
def _machine() -> str:
    mem = "?"
    try:
        with open("/proc/meminfo") as f: mem = f"{int(f.readline().split()[1]) / 1024**2:.1f} GiB RAM"
    except OSError: pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import numpy, pandas, scipy, pyarrow
    return (f"{platform.processor() or platform.machine()}, {cpus} usable cores (os.cpu_count()={os.cpu_count()}), {mem}; "
            f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}, "
            f"pyarrow {pyarrow.__version__}")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=None, help="demo users (default: hybridrec.demo's default)")
    ap.add_argument("--items", type=int, default=None, help="demo items (default: hybridrec.demo's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-reviews", type=int, default=5)
    ap.add_argument("--data", default=None, help="use this Amazon-layout folder instead of generating demo data")
    ap.add_argument("--only", choices=sorted(RUNS), default=None, help="run one side only")
    ap.add_argument("--workdir", default=None, help="where to write the generated data (default: a temporary folder, removed at the end)")
    a = ap.parse_args(argv)
    print("command:", " ".join([os.path.basename(sys.executable)] + sys.argv))
    print("machine:", _machine())
    print("load average at start:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    work = a.workdir or tempfile.mkdtemp(prefix="hybridrec-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        t = time.perf_counter()
        if a.data: data_dir = a.data
        else:
            from hybridrec.demo import write_demo
            data_dir = os.path.join(work, "data")
            kw = {k: v for k, v in dict(users=a.users, items=a.items).items() if v is not None}
            write_demo(data_dir, seed=a.seed, **kw)
            print(f"generated demo data in {time.perf_counter() - t:.1f} s ({data_dir})")
        from hybridrec.data import load_amazon
        data = load_amazon(data_dir, progress=False)
        print("data:", data)
        seed_parquet = os.path.join(work, "seed_train_df.parquet")
        seed_frame(data).to_parquet(seed_parquet)
        del data; gc.collect()
        ctx = mp.get_context("spawn")
        res = {}
        for name in ([a.only] if a.only else ["hybridrec", "seed"]):
            with ProcessPoolExecutor(1, mp_context=ctx) as ex:   # a fresh process per side: separate peak memory
                res[name] = ex.submit(_child, name, data_dir if name == "hybridrec" else seed_parquet).result()
            r = res[name]
            print(f"\n({'a' if name == 'seed' else 'b'}) {name}: input loaded in {r['load']:.1f} s (not timed), RSS at start {r['rss_start_mb']:.0f} MB")
            print(f"    {'stage':<52s} {'wall':>8s}   {'cpu':>8s}")
            for k, v in r["stages"].items(): print(f"    {k:<52s} {v:8.2f} s {r['cpu'][k]:8.2f} s")
            print(f"    {'TOTAL':<52s} {r['total']:8.2f} s {r['total_cpu']:8.2f} s")
            print(f"    peak RSS during the pipeline {r['peak_mb']:.0f} MB ({'VmHWM, reset after loading' if r['peak_exact'] else 'ru_maxrss of the whole process: VmHWM reset not permitted'}), "
                  f"{r['peak_mb'] - r['rss_start_mb']:+.0f} MB over the loaded input")
            c = r["check"]
            print(f"    result: {c['users']:,} users x {c['items']:,} items, {c['nnz']:,} interactions, user features {c['user_features']}, item features {c['item_features']}")
            for n in c["notes"]: print("    note:", n)
        if len(res) == 2:
            s, h = res["seed"], res["hybridrec"]
            same = (s["check"]["users"], s["check"]["items"], s["check"]["nnz"]) == (h["check"]["users"], h["check"]["items"], h["check"]["nnz"]) \
                and abs(s["check"]["weight_sum"] - h["check"]["weight_sum"]) <= 1e-5 * max(1.0, abs(s["check"]["weight_sum"]))
            print(f"\ninteraction matrices agree (users, items, nnz, sum of weights): {'yes' if same else 'NO'}")
            print(f"speed-up (seed total / hybridrec total): {s['total'] / h['total']:.1f}x wall-clock, {s['total_cpu'] / h['total_cpu']:.1f}x CPU time; "
                  f"peak RSS seed {s['peak_mb']:.0f} MB vs hybridrec {h['peak_mb']:.0f} MB")
            print("load average at the end:", " ".join(f"{x:.2f}" for x in os.getloadavg()),
                  "(wall-clock times stretch when other processes share the cores; CPU times much less)")
            if not same: return 1
    finally:
        if not a.workdir: shutil.rmtree(work, ignore_errors=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
