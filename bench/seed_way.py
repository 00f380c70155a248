"""The seed notebook's hybrid LightFM pipeline as it is written, timed per stage, on data in the Amazon layout.

    python bench/seed_way.py --data DIR [--json OUT] [--threads N] [--sample-users 5000] [--seed 42]

DIR is any folder `hybridrec.data.load_amazon` reads (e.g. one written by `hybridrec.demo.write_demo`).
The seed (/work/shared/seed/000_5756909e31960fe0.txt) read a pre-joined `train_df.parquet` and the test CSVs from GCS.
Here the load stage builds that same frame from DIR: `load_amazon(DIR, splits=("train", "test")).with_meta("train")`,
reshaped to the seed's columns (history space-separated, price -1 = missing, price_missing / datetime / year).
Every later cell is the seed's code, in order, unchanged except for timers and these deviations (each reported):
- `pd.qcut` raises when quantile edges repeat; the seed's call is tried first and only then `duplicates="drop"`.
- `np.random.choice(active_users, 5000, replace=False)` fails when fewer than 5,000 users have more than 5 test
  interactions; then the sample is drawn from all users with a test interaction (all of them if fewer than 5,000).
  The sample is seeded (`np.random.seed(seed)`); the seed notebook's was not.
- Pickling the Dataset/model and `save_npz` are left out (file writes, not computation); the seed's extra
  5,000-user evaluation on the *training* matrix is left out too (the comparison is on test data).
Stages: load, features and matrices, training, evaluation (the seed's own metrics). After them, outside the seed's
timed stages, an "extra" step evaluates the seed's model on ALL test users with `hybridrec.evaluate` (training items
masked, and training + validation items masked, the latter being hybridrec's own protocol) for NDCG@10.
Per stage: wall seconds, CPU seconds, peak RSS within the stage (VmHWM after a /proc/self/clear_refs reset; if
the reset is not allowed, the process peak so far) and RSS at the end. The process's peak is the largest stage peak
(`peak_rss_mb`, ru_maxrss, is lowered by those resets too, so it is only the peak since the last reset).
"""
from __future__ import annotations
import argparse, gc, json, os, platform, resource, shlex, sys, time
from _common import status_kb, reset_peak, ru_maxrss_mb, cpu_model, mem_total_gib, seed_train_df
from contextlib import contextmanager


# ------------------------------------------------------------------------------------------------ measuring
class Stages:
    "Wall / CPU seconds, peak RSS and end RSS per named stage."
    def __init__(self): self.rows = {}

    @contextmanager
    def __call__(self, name):
        gc.collect()
        exact = reset_peak()
        t, c = time.perf_counter(), time.process_time()
        yield
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        peak = status_kb("VmHWM") / 1024 if exact else ru_maxrss_mb()
        self.rows[name] = dict(seconds=wall, cpu_seconds=cpu, peak_rss_mb=peak, end_rss_mb=status_kb("VmRSS") / 1024, peak_exact=exact)
        print(f"  [{name}] {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:,.0f} MiB", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ the seed
def run(data_dir, threads=None, sample_users=5000, seed=42, min_reviews=5, extra=True) -> dict:
    import multiprocessing
    import numpy as np, pandas as pd
    from collections import defaultdict
    from lightfm import LightFM
    from lightfm.data import Dataset
    from lightfm.evaluation import precision_at_k, recall_at_k, auc_score
    from hybridrec.data import load_amazon
    num_cores = int(threads or multiprocessing.cpu_count())
    T, notes, info = Stages(), [], {}

    # ---------------------------------------------------------------- load: the seed's train_df and test_df
    with T("load"):
        data = load_amazon(data_dir, splits=("train", "test"), progress=False)
        train_df = seed_train_df(data)
        # the seed read test CSVs with pd.read_csv: plain string ids, a category column
        test_df = pd.DataFrame({"user_id": data.test["user_id"].astype(str).to_numpy(),
                                "parent_asin": data.test["parent_asin"].astype(str).to_numpy(),
                                "rating": data.test["rating"].to_numpy(dtype="float64"),
                                "timestamp": data.test["timestamp"].to_numpy(),
                                "category": data.test["category"].astype(str).to_numpy()})
        info.update(train_reviews=len(train_df), test_reviews=len(test_df))
        del data; gc.collect()

    # ---------------------------------------------------------------- features and matrices: the seed's cells
    with T("features and matrices"):
        user_counts = train_df['user_id'].value_counts()
        product_counts = train_df['parent_asin'].value_counts()
        valid_users = user_counts[user_counts > min_reviews].index
        valid_products = product_counts[product_counts > min_reviews].index
        filtered_train_df = train_df[train_df["user_id"].isin(valid_users) & train_df["parent_asin"].isin(valid_products)]
        filtered_train_df = filtered_train_df.drop(['timestamp', 'price_missing', 'datetime', 'year'], axis=1)

        alpha = 10.0
        filtered_train_df["confidence"] = 1.0 + alpha * np.log1p(filtered_train_df["rating"])

        filtered_train_df["history"] = filtered_train_df["history"].fillna("").apply(lambda x: x.split())

        filtered_train_df["price"] = filtered_train_df["price"].replace(-1, np.nan)
        try:
            filtered_train_df["price_bins"], price_bin_edges = pd.qcut(filtered_train_df["price"], q=5,
                                                                       labels=["Very Cheap", "Cheap", "Medium", "Expensive", "Very Expensive"],
                                                                       retbins=True)
        except ValueError as e:
            notes.append(f"the seed's pd.qcut(price) raised ({e}); used duplicates='drop'")
            filtered_train_df["price_bins"], price_bin_edges = pd.qcut(filtered_train_df["price"], q=5, retbins=True, duplicates="drop")
        filtered_train_df["price_bins"] = filtered_train_df["price_bins"].cat.add_categories("Missing")
        filtered_train_df["price_bins"] = filtered_train_df["price_bins"].fillna("Missing")

        rating_labels = ["Negative", "Positive", "Very Positive", "Near Perfect", "Perfect"]
        try:
            filtered_train_df['avg_rating_bin'], ratings_bin_edges = pd.qcut(filtered_train_df['average_rating'], q=5, labels=rating_labels, retbins=True)
        except ValueError as e:
            notes.append(f"the seed's pd.qcut(average_rating) raised ({e}); used duplicates='drop'")
            filtered_train_df['avg_rating_bin'], ratings_bin_edges = pd.qcut(filtered_train_df['average_rating'], q=5, retbins=True, duplicates="drop")

        del train_df, user_counts, product_counts, valid_users, valid_products, price_bin_edges, ratings_bin_edges
        gc.collect()
        filtered_train_df = filtered_train_df.drop(["price", "average_rating"], axis=1)

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

        filtered_train_df["cat_token"] = "cat=" + filtered_train_df["category"].astype(str)
        filtered_train_df["price_token"] = "price_bin=" + filtered_train_df["price_bins"].astype(str)
        filtered_train_df["rating_token"] = "avg_rating_bin=" + filtered_train_df["avg_rating_bin"].astype(str)
        filtered_train_df["item_feature_tokens"] = (filtered_train_df["cat_token"].str.
                                                    cat([filtered_train_df["price_token"], filtered_train_df["rating_token"]], sep="|").str.split("|"))
        filtered_train_df = filtered_train_df.drop(["cat_token", "price_token", "rating_token"], axis=1)

        dataset = Dataset()
        interaction_user_ids = filtered_train_df["user_id"].astype(str).unique()
        interaction_item_ids = filtered_train_df["parent_asin"].astype(str).unique()
        dataset.fit(users=interaction_user_ids, items=interaction_item_ids,
                    user_features=sorted(set(token for tokens in filtered_train_df["user_category_tokens"] for token in tokens)),
                    item_features=sorted(set(token for tokens in filtered_train_df["item_feature_tokens"] for token in tokens)))

        all_user_ids = filtered_train_df["user_id"].unique()
        user_feature_dict = {user_id: user_to_cat_tokens.get(user_id, []) for user_id in all_user_ids}
        user_feature_tuples = list(user_feature_dict.items())
        item_feature_tuples = list(filtered_train_df.groupby("parent_asin")["item_feature_tokens"].last().items())
        user_features = dataset.build_user_features(user_feature_tuples)
        item_features = dataset.build_item_features(item_feature_tuples)

        interaction_tuples = list(zip(filtered_train_df["user_id"], filtered_train_df["parent_asin"], filtered_train_df["confidence"]))
        interactions, weights = dataset.build_interactions(interaction_tuples)
        info.update(filtered_reviews=len(filtered_train_df), users=interactions.shape[0], items=interactions.shape[1],
                    train_nnz=int(interactions.getnnz()), user_features_shape=list(user_features.shape),
                    item_features_shape=list(item_features.shape))
        del filtered_train_df, interaction_tuples, user_feature_tuples, item_feature_tuples, user_feature_dict
        gc.collect()

    # ---------------------------------------------------------------- training: fixed 20 epochs
    with T("training"):
        model = LightFM(loss="warp", no_components=64, learning_rate=0.05, item_alpha=1e-6, user_alpha=1e-6, random_state=42)
        model.fit(interactions=interactions, user_features=user_features, item_features=item_features, sample_weight=weights,
                  epochs=20, num_threads=num_cores, verbose=False)
        info["epochs"] = 20

    # ---------------------------------------------------------------- evaluation: the seed's test evaluation
    with T("evaluation"):
        train_interactions = interactions.tocsr()
        u_map, ufeat_map, i_map, ifeat_map = dataset.mapping()
        test_df = test_df[test_df["user_id"].isin(u_map.keys()) & test_df["parent_asin"].isin(i_map.keys())]
        alpha = 10.0
        test_df["confidence"] = 1.0 + alpha * np.log1p(test_df["rating"])
        test_interaction_tuples = list(zip(test_df["user_id"], test_df["parent_asin"], test_df["confidence"]))
        test_interactions, test_weights = dataset.build_interactions(test_interaction_tuples)
        test_interactions = test_interactions.tocsr()

        np.random.seed(seed)
        n_test = test_interactions.getnnz(axis=1)
        active_user_ids_test = np.where(n_test > 5)[0]
        pool = "users with more than 5 test interactions (the seed's rule)"
        if len(active_user_ids_test) < sample_users:
            notes.append(f"only {len(active_user_ids_test):,} users have more than 5 test interactions (< {sample_users:,}): "
                         f"sampled from all {int((n_test > 0).sum()):,} users with a test interaction instead")
            active_user_ids_test = np.where(n_test > 0)[0]
            pool = f"users with at least 1 test interaction (fewer than {sample_users:,} have more than 5)"
        subset_user_ids_test = np.random.choice(active_user_ids_test, size=min(sample_users, len(active_user_ids_test)), replace=False)

        test_subset = test_interactions[subset_user_ids_test, :]
        user_features_subset_test = user_features[subset_user_ids_test, :]
        test_prec = precision_at_k(model, test_subset, user_features=user_features_subset_test, item_features=item_features,
                                   k=10, num_threads=num_cores).mean()
        test_rec = recall_at_k(model, test_subset, user_features=user_features_subset_test, item_features=item_features,
                               k=10, num_threads=num_cores).mean()
        test_auc = auc_score(model, test_subset, user_features=user_features_subset_test, item_features=item_features,
                             num_threads=num_cores).mean()
    seed_metrics = {"precision@10": float(test_prec), "recall@10": float(test_rec), "auc": float(test_auc)}
    n_sampled = len(subset_user_ids_test)
    print(f"  seed metrics on {n_sampled:,} sampled users: P@10 {test_prec:.4f} R@10 {test_rec:.4f} AUC {test_auc:.4f}",
          file=sys.stderr, flush=True)
    out = dict(side="seed", info=info, stages=T.rows, notes=notes, threads=num_cores,
               metrics=dict(seed_protocol=dict(values=seed_metrics, users=n_sampled, pool=pool,
                                               protocol=f"lightfm.evaluation on {n_sampled:,} randomly sampled {pool}; "
                                                        f"nothing masked (the seed's protocol)",
                                               test_users_known=int((n_test > 0).sum()))))
    out["peak_rss_mb_before_extra"] = ru_maxrss_mb()

    # ---------------------------------------------------------------- extra (not a seed stage): ALL test users, masked
    if extra:
        from hybridrec.evaluate import evaluate, LightFMScorer
        import scipy.sparse as sp
        t0 = time.perf_counter()
        valid = load_amazon(data_dir, splits=("train", "valid"), meta=False, progress=False).valid
        v = valid[valid["user_id"].astype(str).isin(u_map.keys()) & valid["parent_asin"].astype(str).isin(i_map.keys())]
        vr = np.fromiter((u_map[x] for x in v["user_id"].astype(str)), np.int64, len(v))
        vc = np.fromiter((i_map[x] for x in v["parent_asin"].astype(str)), np.int64, len(v))
        valid_m = sp.csr_matrix((np.ones(len(v), np.float32), (vr, vc)), shape=train_interactions.shape)
        valid_m.sum_duplicates(); valid_m.data[:] = 1
        t_valid = time.perf_counter() - t0
        scorer = LightFMScorer(model, user_features, item_features)
        res = {}
        for key, excl, what in (("all_users_train_valid_masked", [train_interactions, valid_m], "training + validation items masked (hybridrec's protocol)"),
                                ("all_users_train_masked", None, "training items masked")):
            t0 = time.perf_counter()
            r = evaluate(scorer, train_interactions, test_interactions, k=10, metrics=("precision", "recall", "ndcg", "auc"),
                         exclude=excl, name="seed model")
            res[key] = dict(values={"precision@10": r.value("precision", 10), "recall@10": r.value("recall", 10),
                                    "ndcg@10": r.value("ndcg", 10), "auc": r.value("auc")},
                            users=r.n_users_evaluated, seconds=time.perf_counter() - t0,
                            protocol=f"hybridrec.evaluate on ALL {r.n_users_evaluated:,} test users of the seed's id space, every item ranked, {what}")
            print(f"  extra ({key}): {r.n_users_evaluated:,} users, NDCG@10 {res[key]['values']['ndcg@10']:.4f}, "
                  f"{res[key]['seconds']:.1f} s", file=sys.stderr, flush=True)
        res["valid_matrix_seconds"] = t_valid
        out["metrics"].update(res)
    out["peak_rss_mb"] = ru_maxrss_mb()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder in the Amazon layout (e.g. written by hybridrec.demo.write_demo)")
    ap.add_argument("--json", default=None, help="write the result here")
    ap.add_argument("--threads", type=int, default=None, help="LightFM threads (default: multiprocessing.cpu_count(), as the seed)")
    ap.add_argument("--sample-users", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=42, help="seeds the 5,000-user sample (the seed notebook's was unseeded)")
    ap.add_argument("--no-extra", action="store_true", help="skip the all-users NDCG evaluation of the seed's model")
    a = ap.parse_args(argv)
    import lightfm, lightfm.data, lightfm.evaluation, pandas, hybridrec.data, hybridrec.evaluate  # imports are not timed
    out = run(a.data, threads=a.threads, sample_users=a.sample_users, seed=a.seed, extra=not a.no_extra)
    out["command"] = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    if a.json:
        with open(a.json, "w") as f: json.dump(out, f, indent=1)
    else: print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
