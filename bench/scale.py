"""Time and peak memory of `prepare` in one process vs `prepare_dask` on a LocalCluster, as the reviews grow.

    python bench/scale.py --sizes 1M 5M 20M            # writes bench/results/scale_<size>.{txt,json}

Each size: synthetic reviews in the official layout (8 categories x train/valid/test parquet files + meta
parquet, written once under --data), then each path in its own fresh process:
  single: hybridrec.data.load_amazon + hybridrec.preprocess.prepare (driver peak RSS = the whole job's);
  dask:   hybridrec.distributed.prepare_dask on LocalCluster(n_workers=--workers, threads_per_worker=1) with
          frames=False (matrices, cold rows, report; train_df stays on the cluster), driver peak RSS and each
          worker's peak RSS (getrusage in the worker process).
Then, if --eval-users > 0, evaluate vs evaluate_dask of random 32-column factors on a fixed-seed sample of
that many test users (all items ranked). The generator is vectorised numpy (hybridrec.demo is too slow past
a few million reviews): lognormal user activity, Zipf item popularity, uniform time; no `history` lists."""
import argparse, datetime, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_model, mem_total_gib, ru_maxrss_mb

CATS = ("Toys", "Electronics", "Home", "Sports", "Games", "Books", "Beauty", "Garden")


def parse_size(s: str) -> int:
    s = s.upper()
    mult = {"K": 10**3, "M": 10**6}.get(s[-1], 1)
    return int(float(s[:-1] if s[-1] in "KM" else s) * mult)


def _ids(prefix: str, n: int, seed: int):
    import pyarrow as pa
    rng = np.random.default_rng(seed)
    alnum = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
    body = alnum[rng.integers(0, 36, size=(n, 10))]
    raw = np.hstack([np.full((n, 1), ord(prefix), np.uint8), body]).tobytes()
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer((np.arange(n + 1, dtype=np.int32) * 11).tobytes()), pa.py_buffer(raw)])


def generate(folder: Path, n: int, seed: int = 0):
    "Write about `n` reviews in the official layout (parquet) plus meta files; returns the counts."
    import pyarrow as pa, pyarrow.parquet as pq
    rng = np.random.default_rng(seed)
    n_users, n_items = max(1000, n // 12), max(500, n // 40)
    act = rng.lognormal(0, 1.0, n_users)
    user = np.minimum(np.searchsorted(np.cumsum(act / act.sum()), rng.random(n)), n_users - 1)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.9
    item = rng.permutation(n_items)[np.minimum(np.searchsorted(np.cumsum(pop / pop.sum()), rng.random(n)), n_items - 1)]
    ts = rng.integers(1_500_000_000_000, 1_700_000_000_000, n)
    split = np.searchsorted(np.quantile(ts, [0.8, 0.9]), ts, "right")
    cat = item % len(CATS)
    uids, iids = _ids("A", n_users, seed + 1), _ids("B", n_items, seed + 2)
    rating = pa.array(rng.integers(1, 6, n).astype(np.float64))
    folder.mkdir(parents=True, exist_ok=True)
    for c, name in enumerate(CATS):
        for s, sname in enumerate(("train", "valid", "test")):
            sel = np.flatnonzero((cat == c) & (split == s))
            tbl = pa.table({"user_id": uids.take(pa.array(user[sel])), "parent_asin": iids.take(pa.array(item[sel])),
                            "rating": rating.take(pa.array(sel)), "timestamp": pa.array(ts[sel])})
            pq.write_table(tbl, folder / f"{name}.{sname}.parquet", row_group_size=250_000)
        its = np.flatnonzero(np.arange(n_items) % len(CATS) == c)
        meta = pa.table({"parent_asin": iids.take(pa.array(its)), "main_category": pa.array([name] * len(its)),
                         "price": pa.array(np.round(rng.lognormal(3, 1, len(its)), 2)), "store": pa.array([f"S{k % 997}" for k in its])})
        pq.write_table(meta, folder / f"meta_{name}.parquet")
    (folder / "DONE").write_text(json.dumps(dict(reviews=n, users=n_users, items=n_items)))
    return dict(reviews=n, users=n_users, items=n_items)


def child(side: str, data: str, workers: int, eval_users: int) -> dict:
    "Run one path in this (fresh) process and return its numbers."
    import resource
    out = dict(side=side)
    t0 = time.perf_counter()
    if side == "single":
        from hybridrec.data import load_amazon
        from hybridrec.preprocess import prepare
        prep = prepare(load_amazon(data, progress=False))
        out["prepare_s"] = time.perf_counter() - t0
        client = None
    else:
        from hybridrec.distributed import cluster_client, prepare_dask
        cm = cluster_client("local", n_workers=workers, threads_per_worker=1)
        client = cm.__enter__()
        t0 = time.perf_counter()
        prep = prepare_dask(data, client, frames=False)
        out["prepare_s"] = time.perf_counter() - t0
    out["driver_peak_mib_prepare"] = ru_maxrss_mb()
    out["shape"] = [prep.n_users, prep.n_items]
    out["train_nnz"] = int(prep.train.nnz)
    if eval_users > 0:
        rng = np.random.default_rng(0)
        U = rng.normal(size=(prep.n_users, 32)).astype(np.float32)
        V = rng.normal(size=(prep.n_items, 32)).astype(np.float32)
        t1 = time.perf_counter()
        if client is None:
            from hybridrec.evaluate import evaluate
            from hybridrec.evaluate import FactorScorer
            res = evaluate(FactorScorer(U, V), prep.train, prep.test,
                           k=(10,), metrics=("ndcg", "recall"), sample_users=eval_users, seed=0)
        else:
            from hybridrec.distributed import evaluate_dask
            res = evaluate_dask((U, V), prep.train, prep.test, client, k=(10,), metrics=("ndcg", "recall"), max_users=eval_users, seed=0)
        out["evaluate_s"] = time.perf_counter() - t1
        out["ndcg@10"] = res.value("ndcg", 10)
    out["driver_peak_mib"] = ru_maxrss_mb()
    if client is not None:
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        out["worker_peak_mib"] = sorted(peaks.values())
        cm.__exit__(None, None, None)
    return out


def machine() -> dict:
    return dict(cpu=cpu_model(), cores=os.cpu_count(), ram_gib=round(mem_total_gib(), 1), python=sys.version.split()[0])


def table(rows) -> str:
    head = "| reviews | path | prepare s | evaluate s | driver peak MiB | workers' peak MiB (each) | train nnz |\n|---|---|---|---|---|---|---|"
    lines = [head]
    for r in rows:
        w = ", ".join(f"{x:,.0f}" for x in r.get("worker_peak_mib", [])) or "-"
        ev = f"{r['evaluate_s']:.1f}" if "evaluate_s" in r else "-"
        lines.append(f"| {r['reviews']:,} | {r['side']} | {r['prepare_s']:.1f} | {ev} | {r['driver_peak_mib']:,.0f} | {w} | {r['train_nnz']:,} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["1M", "5M", "20M"], help="review counts, e.g. 1M 5M 20M")
    ap.add_argument("--data", default="/tmp/hybridrec-scale", help="where the generated data sets are written (reused)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"), help="results folder")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (one thread each)")
    ap.add_argument("--eval-users", type=int, default=20000, help="test users sampled for the evaluation timing (0: skip)")
    ap.add_argument("--sides", nargs="+", default=["single", "dask"], help="paths to run")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.data, a.workers, a.eval_users)))
        return 0
    for s in a.sizes:
        n = parse_size(s)
        folder = Path(a.data) / f"n{n}"
        t = time.perf_counter()
        counts = json.loads((folder / "DONE").read_text()) if (folder / "DONE").exists() else generate(folder, n)
        gen_s = time.perf_counter() - t
        rows = []
        for side in a.sides:
            cmd = [sys.executable, __file__, "--child", side, "--data", str(folder), "--workers", str(a.workers), "--eval-users", str(a.eval_users)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                raise SystemExit(f"{side} at {s} failed:\n{p.stderr[-3000:]}")
            rows.append(dict(reviews=n, **json.loads(p.stdout.strip().splitlines()[-1])))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
        rec = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), machine=machine(),
                   command="python bench/scale.py " + " ".join(argv if argv is not None else sys.argv[1:]), data=counts,
                   generate_s=round(gen_s, 1), workers=a.workers, rows=rows)
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / f"scale_{s}.json").write_text(json.dumps(rec, indent=1))
        m = rec["machine"]
        txt = (f"# prepare: single process vs Dask LocalCluster ({a.workers} workers x 1 thread), {s} reviews\n"
               f"date: {rec['date']}\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}\n"
               f"command: {rec['command']}\ndata: {counts} (generated in {gen_s:.0f} s)\n\n{table(rows)}\n")
        (Path(a.out) / f"scale_{s}.txt").write_text(txt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
