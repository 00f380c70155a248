"""Benchmark: hybridrec.evaluate on ALL test users vs lightfm.evaluation on 5,000 users (the seed's protocol).

Same script, same trained 64-component LightFM model, same machine:
  * ours: `evaluate(...)` on every test user, P@10, R@10, NDCG@10 and AUC, train + valid masked;
  * LightFM: `precision_at_k`, `recall_at_k`, `auc_score` on 5,000 random users with more than 5 test
    interactions, nothing masked: exactly the seed's three calls.
Prints seconds, users/second and peak memory (RSS) for both, the machine, the data and the command.
A sanity check runs ours on the seed's 5,000 users the seed's way (unmasked, LightFM's tie rule) and reports the
largest per-user difference from LightFM; a last run evaluates ALL users of the training matrix against their
training interactions (the seed's "training data evaluation", which it sampled) to show speed and memory at full scale.

Data: the synthetic demo (`hybridrec.demo.load_demo` -> `hybridrec.preprocess.prepare`) when those modules exist,
else a random long-tail matrix (said in the output). Item/user features from `hybridrec.features.FeatureEncoder`
when it exists (hybrid model), else identity features only (said in the output).

Usage: python bench/eval_bench.py [--users 200000] [--items 50000] [--components 64] [--epochs 2] [--threads 2] [--eval-threads 1]
                                  [--seed-users 5000] [--budget-mb 512] [--seed 0] [--no-scale] [--json OUT.json]
       python bench/eval_bench.py --threads-only --users 6000 --items 50000   (worker/BLAS thread settings)
"""
import argparse, json, os, platform, resource, shlex, sys, threading, time
from _common import mem_total_gib as _mem_total_gb, cpu_model as _cpu_model
import numpy as np
import scipy.sparse as sp


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f: return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError: return float("nan")


class PeakRSS:
    "Samples the resident set size every 5 ms while the block runs: `before`, `peak` (MiB); `cpu` = process CPU seconds."
    def __enter__(self):
        self.cpu0 = time.process_time()
        self.before = self.peak = _rss_mb(); self._stop = threading.Event()
        def run():
            while not self._stop.wait(0.005): self.peak = max(self.peak, _rss_mb())
        self._t = threading.Thread(target=run, daemon=True); self._t.start()
        return self
    def __exit__(self, *exc):
        self._stop.set(); self._t.join(); self.peak = max(self.peak, _rss_mb())
        self.cpu = time.process_time() - self.cpu0
        return False


def random_long_tail(users, items, seed, per_user=10.0):
    "Fallback data: Zipf-like item popularity, lognormal user activity, 80/10/10 random split per interaction."
    rng = np.random.default_rng(seed)
    pop = 1.0 / (np.arange(items) + 10.0) ** 0.9; pop = rng.permutation(pop / pop.sum())
    n_per = np.maximum(1, rng.lognormal(np.log(per_user) - 0.5, 1.0, users).astype(np.int64))
    u = np.repeat(np.arange(users), n_per)
    i = rng.choice(items, size=len(u), p=pop)
    m = sp.csr_matrix((np.ones(len(u), np.float32), (u, i)), shape=(users, items)); m.sum_duplicates(); m.data[:] = 1
    coo = m.tocoo(); r = rng.random(coo.nnz)
    part = lambda sel: sp.csr_matrix((coo.data[sel], (coo.row[sel], coo.col[sel])), shape=m.shape)
    return part(r < 0.8), part((r >= 0.8) & (r < 0.9)), part(r >= 0.9)


def threads_check(users, items, reps=3, seed=0):
    "users/s of evaluate on random 66-column factors: 1 worker + 1 BLAS thread, 1 worker + 2 BLAS, 2 workers + 1 BLAS each."
    from threadpoolctl import threadpool_limits
    from hybridrec.evaluate import evaluate, FactorScorer
    rng = np.random.default_rng(seed)
    fs = FactorScorer(rng.normal(size=(users, 66)).astype(np.float32), rng.normal(size=(items, 66)).astype(np.float32))
    train = sp.random(users, items, density=10 / items, format="csr", random_state=1)
    test = sp.random(users, items, density=2 / items, format="csr", random_state=2)
    test = sp.csr_matrix(test - test.multiply(train != 0))
    got = {}
    for _ in range(reps):
        for workers, blas in ((1, 1), (1, 2), (2, 1)):
            with threadpool_limits(blas, user_api="blas"):
                r = evaluate(fs, train, test, k=10, metrics=("precision", "recall", "ndcg", "auc"), n_threads=workers)
            got.setdefault((workers, blas), []).append(r.users_per_second)
    for (workers, blas), v in got.items():
        print(f"threads : {workers} worker(s), BLAS {blas} thread(s){' each' if workers > 1 else ''}: median {np.median(v):,.0f} users/s "
              f"(runs: {', '.join(f'{x:,.0f}' for x in v)})")
    return {f"{w}x{b}": v for (w, b), v in got.items()}


def load_data(a):
    "(train, valid, test, user_features, item_features, description)"
    try:
        from hybridrec.demo import load_demo
        from hybridrec.preprocess import prepare
    except ImportError as e:
        train, valid, test = random_long_tail(a.users, a.items, a.seed)
        return train, valid, test, None, None, f"random long-tail matrix (hybridrec.demo/preprocess not importable: {e})"
    t0 = time.perf_counter()
    data = load_demo(a.users, a.items, seed=a.seed)
    p = prepare(data)
    desc = (f"SYNTHETIC demo data: load_demo({a.users:,}, {a.items:,}, seed={a.seed}) -> prepare(): "
            f"{p.n_users:,} users x {p.n_items:,} items, train {p.train.nnz:,}, valid {p.valid.nnz:,}, test {p.test.nnz:,} "
            f"({time.perf_counter() - t0:.0f} s to generate and prepare)")
    uf = itf = None
    if not a.identity_only:
        try:
            from hybridrec.features import FeatureEncoder
            uf, itf = FeatureEncoder().fit_transform(p)
            desc += f"; features: FeatureEncoder() -> user {uf.shape[1]:,} / item {itf.shape[1]:,} columns (hybrid model)"
        except ImportError as e:
            desc += f"; features: identity only (hybridrec.features not importable: {e})"
    else: desc += "; features: identity only (--identity-only)"
    return p.train, p.valid, p.test, uf, itf, desc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--components", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=2, help="training epochs (timing only needs a trained model)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="LightFM fit/evaluation threads (the seed used all cores)")
    ap.add_argument("--eval-threads", type=int, default=1, help="worker threads of hybridrec.evaluate (BLAS then runs 1 thread each)")
    ap.add_argument("--seed-users", type=int, default=5000)
    ap.add_argument("--budget-mb", type=float, default=512)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--identity-only", action="store_true", help="no side features even if hybridrec.features exists")
    ap.add_argument("--no-scale", action="store_true", help="skip the all-users run on the training matrix")
    ap.add_argument("--threads-only", action="store_true",
                    help="only compare worker/BLAS thread settings on random factors (--users x --items, e.g. 6000 x 50000)")
    ap.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    a = ap.parse_args(argv)
    from lightfm import LightFM
    import lightfm.evaluation as lfe
    from hybridrec.evaluate import evaluate, LightFMScorer

    cmd = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    print(f"command : {cmd}")
    print(f"machine : {_cpu_model()}, {os.cpu_count()} cores, {_mem_total_gb():.1f} GiB RAM, {platform.platform()}, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}", flush=True)
    if a.threads_only:
        got = threads_check(a.users, a.items, seed=a.seed)
        print(f"load    : average {os.getloadavg()[0]:.2f} at the end")
        if a.json:
            with open(a.json, "w") as f: json.dump(dict(command=cmd, threads=got), f, indent=1)
        return
    train, valid, test, uf, itf, desc = load_data(a)
    print(f"data    : {desc}", flush=True)
    n_users, n_items = train.shape
    if uf is None: uf = sp.identity(n_users, dtype=np.float32, format="csr")
    if itf is None: itf = sp.identity(n_items, dtype=np.float32, format="csr")
    t0 = time.perf_counter()
    model = LightFM(no_components=a.components, loss="warp", random_state=a.seed)
    model.fit(train, user_features=uf, item_features=itf, epochs=a.epochs, num_threads=a.threads)
    print(f"model   : LightFM WARP, {a.components} components, {a.epochs} epochs, fit in {time.perf_counter() - t0:.1f} s", flush=True)

    exclude = ((train + valid) != 0).astype(np.float32) if valid is not None else train
    n_test = test.getnnz(axis=1)
    rng = np.random.default_rng(a.seed)
    eligible = np.flatnonzero(n_test > 5)
    note = "users with more than 5 test interactions (the seed's filter)"
    if len(eligible) < a.seed_users:
        note = (f"only {len(eligible):,} users have more than 5 test interactions, so the sample is drawn from all "
                f"{int((n_test > 0).sum()):,} users with a test interaction")
        eligible = np.flatnonzero(n_test > 0)
    sample = np.sort(rng.choice(eligible, size=min(a.seed_users, len(eligible)), replace=False))

    # --- ours: ALL test users, P@10 R@10 NDCG@10 AUC, train + valid masked
    with PeakRSS() as mem_ours:
        t0 = time.perf_counter()
        scorer = LightFMScorer(model, uf, itf)
        secs_repr = time.perf_counter() - t0
        res = evaluate(scorer, train, test, k=10, metrics=("precision", "recall", "ndcg", "auc"), exclude=exclude,
                       n_threads=a.eval_threads, memory_budget_mb=a.budget_mb, name="lightfm")
        secs_ours = time.perf_counter() - t0
    del scorer
    ours = {m: res.value(m, 10 if m != "auc" else None) for m in ("precision", "recall", "ndcg", "auc")}

    # --- lightfm.evaluation: the seed's three calls on the sampled users, nothing masked
    sub_test, sub_uf = test[sample], uf[sample]
    with PeakRSS() as mem_lfm:
        t0 = time.perf_counter()
        kw = dict(user_features=sub_uf, item_features=itf, num_threads=a.threads)
        lp = lfe.precision_at_k(model, sub_test, k=10, **kw)
        lr = lfe.recall_at_k(model, sub_test, k=10, **kw)
        la = lfe.auc_score(model, sub_test, **kw)
        secs_lfm = time.perf_counter() - t0

    # --- sanity: ours on the same sampled users, the seed's way (nothing masked) = LightFM's numbers
    t0 = time.perf_counter()
    same = evaluate(LightFMScorer(model, uf, itf), train, test, k=10, metrics=("precision", "recall", "auc"),
                    users=sample, exclude=False, ties="pessimistic", n_threads=a.eval_threads, memory_budget_mb=a.budget_mb)
    secs_same = time.perf_counter() - t0
    pu = same.per_user
    dev = np.maximum.reduce([np.abs(pu["precision@10"].to_numpy() - lp), np.abs(pu["recall@10"].to_numpy() - lr),
                             np.abs(pu["auc"].to_numpy() - la)])
    diff, n_off = float(dev.max()), int((dev > 1e-5).sum())

    # --- scale: every user of the training matrix, the seed's "training data evaluation" (it sampled 5,000, unmasked)
    scale = None
    if not a.no_scale:
        with PeakRSS() as mem_scale:
            t0 = time.perf_counter()
            big = evaluate(LightFMScorer(model, uf, itf), train, train, k=10, metrics=("precision", "recall", "ndcg", "auc"),
                           exclude=False, n_threads=a.eval_threads, memory_budget_mb=a.budget_mb)
            secs_scale = time.perf_counter() - t0
        scale = dict(users=big.n_users_evaluated, seconds=secs_scale, cpu_seconds=mem_scale.cpu, users_per_second=big.n_users_evaluated / secs_scale,
                     peak_rss_mb=mem_scale.peak, rss_before_mb=mem_scale.before, relevant_items=int(train.nnz))

    n_all = res.n_users_evaluated
    out = dict(
        command=cmd, machine=dict(cpu=_cpu_model(), cores=os.cpu_count(), ram_gb=round(_mem_total_gb(), 1),
                                  load_average=os.getloadavg()[0]), data=desc,
        ours=dict(users=n_all, seconds=secs_ours, cpu_seconds=mem_ours.cpu, users_per_second=n_all / secs_ours, peak_rss_mb=mem_ours.peak,
                  rss_before_mb=mem_ours.before, representations_seconds=secs_repr, block_size=res.params["block_size"], threads=res.params["n_threads"],
                  metrics=ours, protocol="all test users, train+valid masked"),
        lightfm=dict(users=len(sample), seconds=secs_lfm, cpu_seconds=mem_lfm.cpu, users_per_second=len(sample) / secs_lfm, peak_rss_mb=mem_lfm.peak,
                     rss_before_mb=mem_lfm.before, metrics=dict(precision=float(lp.mean()), recall=float(lr.mean()), auc=float(la.mean())),
                     protocol=f"seed: {len(sample):,} sampled users, {note}; nothing masked"),
        ours_on_seed_sample=dict(seconds=secs_same, users_per_second=len(sample) / secs_same, max_abs_diff_vs_lightfm=diff,
                                 users_off_by_more_than_1e5=n_off),
        scale_all_train_users=scale,
        peak_rss_process_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10)
    print(f"ours    : ALL {n_all:,} test users (train+valid masked), P@10 R@10 NDCG@10 AUC: {secs_ours:.1f} s ({mem_ours.cpu:.1f} s CPU), "
          f"{n_all / secs_ours:,.0f} users/s, peak RSS {mem_ours.peak:,.0f} MiB (before {mem_ours.before:,.0f}); "
          f"of which {secs_repr:.1f} s for LightFM's get_*_representations; block {res.params['block_size']} users, "
          f"{res.params['n_threads']} worker thread(s)")
    print(f"          P@10 {ours['precision']:.4f}  R@10 {ours['recall']:.4f}  NDCG@10 {ours['ndcg']:.4f}  AUC {ours['auc']:.4f}")
    print(f"lightfm : {len(sample):,} sampled users ({note}; nothing masked), P@10 R@10 AUC: {secs_lfm:.1f} s ({mem_lfm.cpu:.1f} s CPU), "
          f"{len(sample) / secs_lfm:,.0f} users/s, peak RSS {mem_lfm.peak:,.0f} MiB (before {mem_lfm.before:,.0f})")
    print(f"          P@10 {lp.mean():.4f}  R@10 {lr.mean():.4f}  AUC {la.mean():.4f}")
    print(f"check   : ours on the same {len(sample):,} users, nothing masked, LightFM's tie rule: {secs_same:.1f} s; largest "
          f"per-user difference from lightfm.evaluation {diff:.1e} ({n_off} user(s) differ by more than 1e-5: float32 "
          f"near-ties that BLAS and LightFM round differently)")
    if scale:
        print(f"scale   : ours on ALL {scale['users']:,} users against their {scale['relevant_items']:,} training interactions "
              f"(the seed's train evaluation, unmasked): {scale['seconds']:.1f} s ({scale['cpu_seconds']:.1f} s CPU), {scale['users_per_second']:,.0f} users/s, "
              f"peak RSS {scale['peak_rss_mb']:,.0f} MiB (before {scale['rss_before_mb']:,.0f})")
    verdict = "FASTER" if secs_ours < secs_lfm else "SLOWER"
    print(f"result  : all {n_all:,} users in {secs_ours:.1f} s vs lightfm's {len(sample):,} users in {secs_lfm:.1f} s: {verdict} "
          f"({secs_lfm / secs_ours:.1f}x); per user {(n_all / secs_ours) / (len(sample) / secs_lfm):.0f}x")
    if a.json:
        with open(a.json, "w") as f: json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
