"""The Dask path (hybridrec.distributed) equals the single-process path, on a LocalCluster of 2 worker processes.

One cluster serves the module (closed at the end); the memory-limit test starts its own small-memory cluster and
closes it. Data are small: the library tests run in about two minutes on 2 cores. The tests of the switch
(`hybridrec run / recommend / sweep / tune --cluster local`) run the console script, whose LocalCluster is closed
when the command ends; they take about ten minutes more (each pipeline run starts five kernels)."""
import json, os, sys
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from hybridrec.data import load_amazon
from hybridrec.demo import write_demo
from hybridrec.preprocess import prepare
from hybridrec.evaluate import evaluate, FactorScorer
from hybridrec.distributed import (cluster_client, prepare_dask, read_reviews_dask, user_item_counts, evaluate_dask,
                                   recommend_all_users, map_trials)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    "LocalCluster(n_workers=2, threads_per_worker=1, processes=True); closed when the module is done."
    with cluster_client("local", n_workers=2, threads_per_worker=1) as c:
        yield c


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo") / "amazon"
    write_demo(str(d), users=900, items=300, seed=4)
    return str(d)


def assert_same_prepared(a, b, frames=True):
    "Ids and their order, matrices (indices exact, weights to 1e-6), cold rows, report; frames if gathered."
    pd.testing.assert_index_equal(a.user_ids, b.user_ids)
    pd.testing.assert_index_equal(a.item_ids, b.item_ids)
    for s in ("train", "valid", "test"):
        x, y = getattr(a, s), getattr(b, s)
        assert (x is None) == (y is None), s
        if x is None:
            continue
        x, y = x.tocsr(), y.tocsr()
        x.sort_indices()
        y.sort_indices()
        assert x.shape == y.shape and np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices), s
        np.testing.assert_allclose(x.data, y.data, rtol=1e-6)
    assert a.report == b.report
    pd.testing.assert_frame_equal(a.cold, b.cold, check_exact=False, rtol=1e-6)
    names = ("train_df", "valid_df", "test_df", "items") if frames else ("valid_df", "test_df")
    for n in names:
        x, y = getattr(a, n), getattr(b, n)
        assert (x is None) == (y is None), n
        if x is not None:
            pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-6)


@pytest.mark.parametrize("kw", [dict(), dict(min_reviews=3, kcore=True), dict(min_reviews=2, min_item_reviews=4, weighting="linear", alpha=2.0),
                                dict(split="timestamp", min_reviews=2), dict(split="timestamp", valid_frac=0.0, test_frac=0.2, min_reviews=1),
                                dict(split="last_out", n_valid=2, n_test=1, seed=3, min_reviews=2)],
                         ids=["default", "kcore", "item-threshold", "timestamp", "timestamp-no-valid", "last-out"])
def test_prepare_equals_single_process(client, demo, kw):
    assert_same_prepared(prepare_dask(demo, client, **kw), prepare(load_amazon(demo, progress=False), **kw))


def _write_dupes(folder: Path, rows_per_file=400, seed=0):
    "Official layout in parquet with many repeated (user, item) pairs, within files and across training files."
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for cat in ("Alpha", "Beta"):
        for split in ("train", "valid", "test"):
            n = rows_per_file if split == "train" else rows_per_file // 4
            df = pd.DataFrame({"user_id": [f"U{x}" for x in rng.integers(0, 40, n)], "parent_asin": [f"I{x}" for x in rng.integers(0, 25, n)],
                               "rating": rng.integers(1, 6, n).astype(float),
                               "timestamp": 1_600_000_000_000 + rng.integers(0, 50, n) * 1000})   # milliseconds, many equal
            df.to_parquet(folder / f"{cat}.{split}.parquet", row_group_size=64)
    return str(folder)


@pytest.mark.parametrize("split", ["files", "timestamp", "last_out"])
def test_prepare_with_repeats_and_split_parquet(client, tmp_path, split):
    "Repeats within a file and across files, many equal timestamps (last_out's random tie-break), parquet read in row-group runs."
    d = _write_dupes(tmp_path / "dupes")
    dr = read_reviews_dask(d, rows_per_part=100)
    assert dr.splits["train"].npartitions > 2
    single = prepare(load_amazon(d, progress=False), min_reviews=1, split=split)
    assert single.report["duplicates_dropped"] > 0 or split != "files"
    assert_same_prepared(prepare_dask(dr, client, min_reviews=1, split=split), single)


def test_seed_layout_equals_single_process(client, tmp_path):
    "The seed's train_df.parquet (read in row-group runs) + test_data/ CSVs, with and without a category filter."
    import shutil
    sys.path.insert(0, str(ROOT / "bench"))
    from _common import seed_train_df
    d, s = tmp_path / "demo", tmp_path / "seed"
    write_demo(str(d), users=500, items=200, seed=5)
    (s / "test_data").mkdir(parents=True)
    seed_train_df(load_amazon(str(d), progress=False)).to_parquet(s / "train_df.parquet", row_group_size=500)
    for f in d.glob("*.test.csv.gz"):
        shutil.copy(f, s / "test_data" / f.name)
    for cats in (None, ["Electronics", "Video_Games"]):
        dr = read_reviews_dask(str(s), categories=cats, rows_per_part=1000)
        assert dr.seed and dr.splits["train"].npartitions > 1
        assert_same_prepared(prepare_dask(dr, client, min_reviews=2), prepare(load_amazon(str(s), categories=cats, progress=False), min_reviews=2))


def test_prepare_errors_match(client, demo):
    with pytest.raises(Exception, match="activity filter left no training reviews: the user threshold min_reviews=1000"):
        prepare_dask(demo, client, min_reviews=1000)
    with pytest.raises(ValueError, match="split='random': expected one of"):
        prepare_dask(demo, client, split="random")


def test_user_category_counts_equal_encoder_blocks(client, demo):
    from hybridrec.features import FeatureEncoder
    prep, plan = prepare_dask(demo, client, min_reviews=2, return_plan=True)
    counts = user_item_counts(plan, prep.items, "category")
    for group in ("category_share", "history_category"):
        enc = FeatureEncoder(item_groups=(), user_groups=(group,), identity=False, user_history="train", normalize=False).fit(prep)
        vocab = pd.Index(enc.user_parts_[0]["enc"].tokens)
        pos = vocab.get_indexer(counts["value"].astype(str))
        M = sp.csr_matrix((counts["n"].to_numpy(float)[pos >= 0], (counts["user_idx"][pos >= 0], pos[pos >= 0])), shape=(prep.n_users, len(vocab)))
        want = sp.diags(1 / np.maximum(M.sum(1).A1, 1)) @ M if group == "category_share" else (M > 0).astype(float)
        got = enc.user_features(prep)
        assert got.shape == want.shape
        assert abs(got - want).max() < 1e-6


@pytest.fixture(scope="module")
def fitted(client, demo):
    from hybridrec.models import ALSModel
    prep = prepare_dask(demo, client, min_reviews=2)
    return prep, ALSModel(factors=8, epochs=3, early_stopping=False, num_threads=1, seed=1).fit(prep.train)


def _pipeline_groups(prep):
    "The slices stage 4 of the pipeline evaluates: user activity, item popularity and item category."
    from hybridrec.evaluate import activity_buckets, popularity_buckets
    cat = prep.items.assign(parent_asin=prep.items["parent_asin"].astype(str)).drop_duplicates("parent_asin").set_index("parent_asin")["category"]
    item_cat = pd.Categorical(cat.reindex(prep.item_ids.astype(str)).astype(str).to_numpy())
    return dict(user_groups=dict(activity=activity_buckets(prep.train)),
                item_groups=dict(popularity=popularity_buckets(prep.train), category=item_cat))


def test_evaluate_equals_single_process(client, fitted):
    "The pipeline's call (exclude train+valid, user and item slices): per-user rows exact, every table value to 1e-12."
    prep, model = fitted
    kw = dict(k=(5, 10, 20), exclude=[prep.train, prep.valid], block_size=16, **_pipeline_groups(prep))
    one = evaluate(model, prep.train, prep.test, **kw)
    many = evaluate_dask(model, prep.train, prep.test, client, user_block=48, **kw)
    assert many.params["blocks"] > 1
    pd.testing.assert_frame_equal(many.per_user, one.per_user)          # same code on the same blocks
    assert list(many.per_user_items) == list(one.per_user_items)
    for s in one.per_user_items:
        pd.testing.assert_frame_equal(many.per_user_items[s], one.per_user_items[s])
    pd.testing.assert_frame_equal(many.table.drop(columns="value"), one.table.drop(columns="value"))
    np.testing.assert_allclose(many.table["value"].to_numpy(float), one.table["value"].to_numpy(float), rtol=1e-12, atol=1e-12)
    assert (many.n_users_evaluated, many.n_users_skipped) == (one.n_users_evaluated, one.n_users_skipped)


def test_pipeline_model_numbers_equal(client, demo):
    "Stages 1-4 as the pipeline runs them (prepare, features, hybrid LightFM with one thread, evaluate): the same numbers on both paths."
    from hybridrec.features import FeatureEncoder
    from hybridrec.models import LightFMModel
    def stages(prep, evaluator):
        uf, itf = FeatureEncoder().fit_transform(prep)
        model = LightFMModel(no_components=8, epochs=3, early_stopping=False, num_threads=1, seed=3).fit(prep.train, uf, itf)
        return evaluator(model, prep.train, prep.test, k=(5, 10), exclude=[prep.train, prep.valid], block_size=32, **_pipeline_groups(prep))
    single = stages(prepare(load_amazon(demo, progress=False), min_reviews=2), evaluate)
    dask_ = stages(prepare_dask(demo, client, min_reviews=2), lambda *a, **k: evaluate_dask(*a, client=client, user_block=64, **k))
    pd.testing.assert_frame_equal(dask_.table.drop(columns="value"), single.table.drop(columns="value"))
    np.testing.assert_allclose(dask_.table["value"].to_numpy(float), single.table["value"].to_numpy(float), rtol=1e-9, atol=1e-12)


def test_evaluate_sample_past_limit(client, fitted, caplog):
    prep, model = fitted
    res = evaluate_dask(model, prep.train, prep.test, client, max_users=40, seed=7, block_size=16)
    ref = evaluate(FactorScorer(model.user_factors, model.item_factors), prep.train, prep.test, sample_users=40, seed=7, block_size=16)
    assert (res.protocol, res.sampled, res.n_users_evaluated) == ("sampled", True, 40)
    pd.testing.assert_frame_equal(res.per_user, ref.per_user)
    ci = pd.DataFrame(res.params["ci95"]).set_index("metric")
    assert (ci.ci_low <= ci["mean"]).all() and (ci["mean"] <= ci.ci_high).all()
    assert "95% CIs" in caplog.text


def test_recommend_all_users_equals_recommender(client, fitted, tmp_path):
    from hybridrec.models import Recommender
    prep, model = fitted
    rec = Recommender.from_prepared(model, prep)
    info = recommend_all_users(rec, client, str(tmp_path / "recs"), k=7, user_block=100)
    assert info["files"] == -(-prep.n_users // 100) and len(list((tmp_path / "recs").glob("part-*.parquet"))) == info["files"]
    got = pd.read_parquet(tmp_path / "recs").sort_values(["user_id", "rank"]).reset_index(drop=True)
    want = rec.recommend(list(prep.user_ids), k=7).sort_values(["user_id", "rank"]).reset_index(drop=True)
    assert list(got.columns) == ["user_id", "rank", "parent_asin", "score"] and len(got) == len(want)
    assert (got.user_id.to_numpy() == want.user_id.astype(str).to_numpy()).all() and (got["rank"].to_numpy() == want["rank"].to_numpy()).all()
    np.testing.assert_allclose(got.score.to_numpy(), want.score.to_numpy(), rtol=1e-5, atol=1e-6)
    # the items of each rank agree except where two scores tie within float tolerance
    s = want.score.to_numpy()
    close_to_next = np.r_[np.abs(np.diff(s)) < 1e-5, False] | np.r_[False, np.abs(np.diff(s)) < 1e-5]
    same = got.parent_asin.to_numpy() == want.parent_asin.astype(str).to_numpy()
    assert (same | close_to_next).all()


def test_map_trials_in_order(client):
    assert map_trials(lambda p: (p["a"], os.getpid()), [dict(a=a) for a in range(6)], client)[3][0] == 3
    pids = {r[1] for r in map_trials(lambda p: (p, os.getpid()), list(range(6)), client)}
    assert os.getpid() not in pids
    with pytest.raises(RuntimeError, match=r"trial 1 \(0\) failed: ZeroDivisionError"):
        map_trials(lambda p: 1 / p, [1, 0], client)


def test_scheduler_address_from_environment(client, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    with cluster_client(None) as c:
        assert c.scheduler.address == client.scheduler.address
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    with cluster_client(None) as c:
        assert c is None


def test_gcs_read_on_cluster(client, gcs_bucket, tmp_path):
    "gs:// through the GCS emulator: the workers list and read the bucket (storage options travel with the tasks)."
    fs, bucket, so = gcs_bucket
    write_demo(f"gs://{bucket}/amazon", users=300, items=120, seed=6, storage_options=so)
    url = f"gs://{bucket}/amazon"
    assert_same_prepared(prepare_dask(url, client, min_reviews=2, storage_options=so),
                         prepare(load_amazon(url, storage_options=so, progress=False), min_reviews=2))


def test_prepare_under_worker_memory_limit(tmp_path):
    "Workers limited to ~40% of the input's in-memory size: the narrow columns spill to disk and prepare completes, equal."
    import dask
    sys.path.insert(0, str(ROOT / "bench"))
    from scale import generate
    d = tmp_path / "big"
    generate(d, 500_000, seed=3)
    single = prepare(load_amazon(str(d), progress=False), min_reviews=2)
    in_memory = 500_000 * 29                                    # bytes of the persisted narrow columns (u, i, ts, rating, _pos, split)
    files = sum(p.stat().st_size for p in d.glob("*.parquet"))
    limit = int(0.4 * in_memory)
    assert limit < files and limit < in_memory
    cfg = {"distributed.worker.memory.target": 0.5, "distributed.worker.memory.spill": 0.6,
           "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False}
    with dask.config.set(cfg), cluster_client("local", n_workers=2, memory_limit=limit, local_directory=str(tmp_path / "spill")) as c:
        got = prepare_dask(str(d), c, min_reviews=2, frames=False)
        written = c.run(lambda dask_worker: sum(v for k, v in dask_worker.digests_total.items() if "disk-write" in str(k) and "bytes" in str(k)))
    assert sum(written.values()) > 0, written
    assert_same_prepared(got, single, frames=False)


# ---- the switch: `hybridrec run / recommend / sweep --cluster` (each command starts and closes its own LocalCluster)

BIN = Path(sys.executable).parent / "hybridrec"
RUN_ARGS = ["--data", "demo", "-p", "demo_users", "800", "-p", "demo_items", "300", "-p", "epochs", "4", "-p", "als_epochs", "4",
            "-p", "deterministic", "true", "-p", "models", '["popularity", "als", "lightfm_hybrid"]']


def hr(*args, check=True, timeout=900):
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    r = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
    if check:
        assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def cluster_runs(tmp_path_factory):
    "The same small deterministic run, in one process and with --cluster local."
    base = tmp_path_factory.mktemp("cluster_runs")
    hr("run", "--out", base / "one", *RUN_ARGS)
    r = hr("run", "--out", base / "dask", "--cluster", "local", *RUN_ARGS)
    return base, r


def _model_numbers(run):
    m = json.loads((run / "metrics.json").read_text())
    return m, {n: dict(metrics=v["metrics"], n_users=v["n_users"], n_users_skipped=v["n_users_skipped"], slices=v["slices"],
                       cold=v["cold_users"], cold_items=v["cold_items"]) for n, v in m["models"].items()}


def _close(a, b, path="metrics"):
    "Equal structure; numbers to 1e-9 relative."
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (path, a.keys() if isinstance(a, dict) else a, b)
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12, nan_ok=True), path
    else:
        assert a == b, path


def test_run_on_local_cluster_gives_the_same_metrics(cluster_runs):
    base, r = cluster_runs
    one, nums_one = _model_numbers(base / "one")
    dask_, nums_dask = _model_numbers(base / "dask")
    assert set(nums_one) == {"popularity", "als", "lightfm_hybrid"}
    _close(nums_one, nums_dask)
    assert (one["protocol"], one["sampled"]) == (dask_["protocol"], dask_["sampled"]) == ("full", False)
    for key in ("n_users", "n_items", "train_interactions", "valid_interactions", "test_interactions", "cold_rows", "synthetic"):
        assert one["dataset"][key] == dask_["dataset"][key], key
    nb = (base / "dask" / "notebooks" / "1_prepare.ipynb").read_text()
    assert "Dask cluster: tcp://" in nb and "one process" in (base / "one" / "notebooks" / "1_prepare.ipynb").read_text()
    assert json.loads((base / "dask" / "params.json").read_text())["cluster"] == "local"
    assert not list(base.glob("dask/.demo-data-*")) and not list(base.glob("dask/prepared/.demo-data-*"))


def test_run_samples_users_past_the_limit_on_both_paths(cluster_runs, tmp_path):
    "-p sample_users N below the test users: the same fixed-seed sample on both paths, with 95% intervals in metrics.json."
    base, _ = cluster_runs
    n_test = json.loads((base / "one" / "metrics.json").read_text())["models"]["als"]["n_users"]
    args = ["-p", "sample_users", str(n_test // 2), "-p", "models", '["popularity"]']
    hr("run", "--out", tmp_path / "one", *RUN_ARGS, *args)
    hr("run", "--out", tmp_path / "dask", "--cluster", "local", *RUN_ARGS, *args)
    one, nums_one = _model_numbers(tmp_path / "one")
    dask_, nums_dask = _model_numbers(tmp_path / "dask")
    _close(nums_one, nums_dask)
    assert (one["protocol"], one["sampled"], nums_one["popularity"]["n_users"]) == ("sampled", True, n_test // 2)
    for m in (one, dask_):
        lo, hi = m["models"]["popularity"]["ci95"]["ndcg@10"]
        assert lo <= m["models"]["popularity"]["metrics"]["ndcg@10"] <= hi
    _close(one["models"]["popularity"]["ci95"], dask_["models"]["popularity"]["ci95"])


def test_unreachable_cluster_is_one_line_error(tmp_path):
    r = hr("run", "--out", tmp_path / "x", "--cluster", "tcp://127.0.0.1:9", *RUN_ARGS, check=False)
    assert r.returncode == 2 and "cannot reach a Dask scheduler" in r.stderr and "Traceback" not in r.stderr


def _same_top_k(got: pd.DataFrame, want: pd.DataFrame, tol: float = 1e-5):
    """Same users and ranks; float32 scores close (BLAS kernels and thread counts round differently); the same item at
    each rank except where its score is within `tol` of a neighbouring rank's (a near-tie may come out in either order)."""
    assert len(got) == len(want) and (got.user_id.astype(str).to_numpy() == want.user_id.astype(str).to_numpy()).all()
    assert (got["rank"].to_numpy() == want["rank"].to_numpy()).all()
    np.testing.assert_allclose(got.score.to_numpy(), want.score.to_numpy(), rtol=1e-5, atol=1e-6)
    gap = np.abs(np.diff(want.score.to_numpy())) < tol
    tie = np.r_[gap, False] | np.r_[False, gap]
    assert ((got.parent_asin.astype(str).to_numpy() == want.parent_asin.astype(str).to_numpy()) | tie).all()


def test_recommend_all_users_cli_equals_single_process(cluster_runs, tmp_path):
    from hybridrec.models import load_model
    base, _ = cluster_runs
    model = base / "dask" / "models" / "lightfm_hybrid"
    hr("recommend", "--model", model, "--all-users", "--out", tmp_path / "one.parquet", "-k", "5", "--user-block", "100")
    r = hr("recommend", "--model", model, "--all-users", "--out", tmp_path / "dask.parquet", "-k", "5", "--user-block", "100",
           "--cluster", "local")
    assert "Dask tasks" in r.stdout
    key = ["user_id", "rank"]
    one = pd.read_parquet(tmp_path / "one.parquet").sort_values(key).reset_index(drop=True)
    dask_ = pd.read_parquet(tmp_path / "dask.parquet").sort_values(key).reset_index(drop=True)
    _same_top_k(dask_, one)
    rec = load_model(model)
    assert len(list((tmp_path / "dask.parquet").glob("part-*.parquet"))) == -(-len(rec.user_ids) // 100)
    want = rec.recommend(list(rec.user_ids), k=5).sort_values(key).reset_index(drop=True)
    _same_top_k(one, want)
    bad = hr("recommend", "--model", model, "--all-users", check=False)
    assert bad.returncode == 2 and "--all-users and --out go together" in bad.stderr


def test_sweep_runs_as_tasks_on_local_cluster(tmp_path):
    out = tmp_path / "sweep"
    r = hr("sweep", "--out", out, "--cluster", "local", *RUN_ARGS, "-p", "models", '["popularity", "als"]',
           "-g", "als_factors", "[4, 8]")
    assert "runs as tasks on tcp://" in r.stdout
    t = pd.read_csv(out / "sweep.csv")
    assert sorted(t.run.unique()) == ["run-001", "run-002"] and sorted(t.als_factors.unique()) == [4, 8]
    st = json.loads((out / "run-002" / "status.json").read_text())
    assert st["stages"]["prepare"].get("reused_from", "").endswith("run-001") and not st["stages"]["train"]["skipped"]
    pop = t[t.model == "popularity"]["ndcg@10"].tolist()
    assert pop[0] == pop[1]


def test_tune_families_as_tasks_on_local_cluster(tmp_path):
    import yaml
    out = tmp_path / "tuned"
    hr("tune", "--data", "demo", "--out", out, "--budget", "0.2", "--families", "als", "lightfm_cf", "--cluster", "local",
       "-p", "demo_users", "600", "-p", "demo_items", "200", "-p", "threads", "1")
    t = pd.read_csv(out / "trials.csv")
    assert set(t.family) == {"als", "lightfm_cf"}
    pf = yaml.safe_load((out / "best_params.yaml").read_text())
    assert pf["models"] == ["popularity", "als", "lightfm_cf", "seed_hybrid"] and set(pf["model_params"]) <= {"als", "lightfm_cf"}
    assert not list(out.glob(".demo-data-*"))
