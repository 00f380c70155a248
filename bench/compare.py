"""Seed notebook's way vs hybridrec's pipeline, end to end, on the same generated data: seconds, peak memory, metrics.

    python bench/compare.py [small|200k|1m] [--reviews-per-user R] [--seed S] [-p NAME VALUE ...] [--no-cf] [--order ...]

Sizes (SYNTHETIC data from `hybridrec.demo.write_demo`, written once to a temporary folder, not timed in either side):
  small = the demo defaults (5,000 users x 2,000 items, 15 reviews per user on average)
  200k  = 200,000 users x 50,000 items, 10 reviews per user (~2M reviews, the size the issue names)
  1m    = 1,000,000 users x 200,000 items, 10 reviews per user (~10M reviews)
  3m    = 3,000,000 users x 500,000 items, 10 reviews per user (~30M reviews); run it with `--order hybridrec`: the
          seed's way peaked at 9.2 GiB at 1m and grows with the reviews, past this machine's 23.5 GiB
With `--order hybridrec` only hybridrec's side runs, and the report has its stages, costs and metrics alone.
Each side runs in its own fresh Python process (one after the other), so each one's peak RSS is its own:
  seed      : bench/seed_way.py (the seed notebook's cells; see its docstring)
  hybridrec : what `hybridrec run` does with its defaults (hybridrec.pipeline.DEFAULTS, every core), in one process:
              load_source -> prepare -> the default hybrid's FeatureEncoder -> make_model("lightfm_hybrid") with early
              stopping on validation NDCG@10 -> evaluate(ALL test users, train + valid masked, P@10 R@10 NDCG@10 AUC).
              `-p NAME VALUE` overrides a parameter, as in `hybridrec run`. Extras, outside the timed stages: the stage
              hand-offs (save/load of prepared data, features, model), the seed's protocol on hybridrec's model, and
              the run's lightfm_cf (training cost per interaction, CF vs hybrid).
Stages: load, features and matrices, training, evaluation. Prints the machine, data, command, date, a seconds table
(with ratio seed / hybridrec), peak memory, and a metrics table (users evaluated, protocol). Writes
bench/results/compare_{size}.txt and .json (and each side's stage log). `python bench/compare.py --rerender JSON...`
rebuilds the text from saved JSON.
"""
from __future__ import annotations
import argparse, datetime, gc, json, os, shlex, shutil, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from seed_way import Stages, cpu_model, mem_total_gib, ru_maxrss_mb  # noqa: E402

SIZES = {"small": dict(users=None, items=None, reviews_per_user=None),
         "200k": dict(users=200_000, items=50_000, reviews_per_user=10),
         "1m": dict(users=1_000_000, items=200_000, reviews_per_user=10),
         "3m": dict(users=3_000_000, items=500_000, reviews_per_user=10)}
STAGES = ("load", "features and matrices", "training", "evaluation")


# ------------------------------------------------------------------------------------------------ hybridrec side
def hybridrec_params(threads=None, overrides=None) -> dict:
    "The pipeline's defaults (`hybridrec.pipeline.DEFAULTS`), threads resolved, with `-p` overrides: what `hybridrec run` uses."
    from hybridrec.pipeline import resolve_params, run_params
    return run_params(resolve_params({**({"threads": threads} if threads else {}), **(overrides or {})}))


def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def hand_offs(prep, enc, uf, itf, model, tmp) -> dict:
    "Seconds of what the pipeline's stage notebooks write and read between stages, for the prepared data, features and model."
    import scipy.sparse as sp
    from hybridrec.pipeline import save_prepared, load_prepared
    from hybridrec.models import Recommender, save_model, load_model
    tmp = Path(tmp)
    out = dict(save_prepared=timed(lambda: save_prepared(prep, tmp / "prepared")),
               load_prepared=timed(lambda: load_prepared(tmp / "prepared")))
    def save_features():
        (tmp / "features").mkdir(exist_ok=True)
        enc.save(tmp / "features" / "encoder")
        sp.save_npz(tmp / "features" / "user_features.npz", uf, compressed=False)
        sp.save_npz(tmp / "features" / "item_features.npz", itf, compressed=False)
    out["save_features"] = timed(save_features)
    out["load_features"] = timed(lambda: (sp.load_npz(tmp / "features" / "user_features.npz"),
                                          sp.load_npz(tmp / "features" / "item_features.npz")))
    out["save_model"] = timed(lambda: save_model(Recommender.from_prepared(model, prep, encoder=enc), tmp / "model"))
    out["load_model"] = timed(lambda: load_model(tmp / "model"))
    return out


def run_hybridrec(data_dir, threads=None, overrides=None, sample_users=5000, seed=42, cf=True) -> dict:
    import numpy as np
    from hybridrec.sources import load_source
    from hybridrec.preprocess import prepare
    from hybridrec.features import FeatureEncoder
    from hybridrec.models import make_model
    from hybridrec.evaluate import evaluate
    from hybridrec.pipeline import model_feature_settings
    p = hybridrec_params(threads, overrides)
    T, info = Stages(), dict(params={k: p[k] for k in ("components", "loss", "learning_rate", "item_alpha", "user_alpha", "epochs",
                                                        "patience", "eval_every", "valid_users", "feature_weight", "item_groups",
                                                        "user_groups", "min_reviews", "threads")})
    with T("load"):
        data = load_source(str(data_dir), progress=False)
        info.update({f"{k}_reviews": len(v) for k, v in data.splits.items()})
    with T("features and matrices"):
        prep = prepare(data, min_reviews=p["min_reviews"])
        enc = FeatureEncoder(**model_feature_settings("lightfm_hybrid", p, prep))
        uf, itf = enc.fit_transform(prep)
        info.update(filtered_reviews=int(prep.train.nnz), users=prep.n_users, items=prep.n_items, valid_nnz=int(prep.valid.nnz),
                    test_nnz=int(prep.test.nnz), user_features_shape=list(uf.shape), item_features_shape=list(itf.shape),
                    user_feature_nnz_per_row=uf.nnz / uf.shape[0], item_feature_nnz_per_row=itf.nnz / itf.shape[0])
    del data; gc.collect()
    with T("training"):
        model = make_model("lightfm_hybrid", p)
        model.fit(prep.train, uf, itf, valid=prep.valid, progress=False)
    h = model.history_
    info.update(epochs_run=int(model.epochs_run_), best_epoch=int(model.best_epoch_), max_epochs=p["epochs"], patience=p["patience"],
                eval_every=p["eval_every"], epoch_train_seconds=float(h["train_seconds"].sum()),
                validation_seconds=float(h["eval_seconds"].sum(skipna=True)), throughput=model.throughput_,
                history=[{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()} for r in h.to_dict("records")])
    with T("evaluation"):
        res = evaluate(model, prep.train, prep.test, k=10, metrics=("precision", "recall", "ndcg", "auc"),
                       exclude=[prep.train, prep.valid], name="hybridrec LightFM", n_threads=p["threads"],
                       memory_budget_mb=p["eval_memory_mb"])
    vals = lambda r, nd=True: {"precision@10": r.value("precision", 10), "recall@10": r.value("recall", 10),
                               **({"ndcg@10": r.value("ndcg", 10)} if nd else {}), "auc": r.value("auc")}
    metrics = dict(all_users_train_valid_masked=dict(values=vals(res), users=res.n_users_evaluated,
                   protocol=f"hybridrec.evaluate on ALL {res.n_users_evaluated:,} test users, every item ranked, training + validation items masked"))
    peak_before_extra = ru_maxrss_mb()
    # extra, untimed: what the stage notebooks' hand-offs cost on this data
    with tempfile.TemporaryDirectory(prefix="hybridrec-handoff-") as tmp:
        info["hand_off_seconds"] = hand_offs(prep, enc, uf, itf, model, tmp)
    # extra, untimed: hybridrec's model under the seed's protocol (5,000 sampled users, nothing masked, LightFM's tie rule)
    n_test = np.diff(prep.test.indptr)
    pool_users = np.flatnonzero(n_test > 5)
    pool = "users with more than 5 test interactions (the seed's rule)"
    if len(pool_users) < sample_users:
        pool_users = np.flatnonzero(n_test > 0)
        pool = f"users with at least 1 test interaction (fewer than {sample_users:,} have more than 5)"
    users = np.random.default_rng(seed).choice(pool_users, size=min(sample_users, len(pool_users)), replace=False)
    r2 = evaluate(model, prep.train, prep.test, k=10, metrics=("precision", "recall", "ndcg", "auc"), users=users, exclude=False,
                  ties="pessimistic", name="hybridrec LightFM", n_threads=p["threads"])
    metrics["seed_protocol"] = dict(values=vals(r2), users=r2.n_users_evaluated, pool=pool,
                                    protocol=f"hybridrec.evaluate on {r2.n_users_evaluated:,} randomly sampled {pool}; nothing masked, "
                                             f"LightFM's tie rule (the seed's protocol; a different random sample than the seed's)")
    if cf:  # extra, untimed: the same defaults without side features, for training cost per interaction (CF vs hybrid)
        t = time.perf_counter()
        m_cf = make_model("lightfm_cf", p).fit(prep.train, valid=prep.valid, progress=False)
        r3 = evaluate(m_cf, prep.train, prep.test, k=10, metrics=("precision", "recall", "ndcg", "auc"),
                      exclude=[prep.train, prep.valid], name="hybridrec LightFM CF", n_threads=p["threads"])
        info["cf"] = dict(seconds=time.perf_counter() - t, epochs_run=int(m_cf.epochs_run_), best_epoch=int(m_cf.best_epoch_),
                          throughput=m_cf.throughput_)
        metrics["cf_all_users_train_valid_masked"] = dict(values=vals(r3), users=r3.n_users_evaluated,
                                                          protocol="as (hybridrec), the run's lightfm_cf (no side features)")
    return dict(side="hybridrec", info=info, stages=T.rows, notes=[], threads=p["threads"], metrics=metrics,
                peak_rss_mb_before_extra=peak_before_extra, peak_rss_mb=ru_maxrss_mb())


def hybridrec_child(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True); ap.add_argument("--json", required=True)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--no-cf", action="store_true")
    a = ap.parse_args(argv)
    import lightfm, hybridrec.sources, hybridrec.preprocess, hybridrec.features, hybridrec.models, hybridrec.evaluate  # not timed
    from hybridrec.pipeline import parse_value
    out = run_hybridrec(a.data, a.threads, {k: parse_value(v) for k, v in a.p}, cf=not a.no_cf)
    with open(a.json, "w") as f: json.dump(out, f, indent=1, default=float)


# ------------------------------------------------------------------------------------------------ driver
def run_side(cmd, log_path):
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        p = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise SystemExit(f"{shlex.join(cmd)} failed with exit code {p.returncode}; see {log_path}:\n{Path(log_path).read_text()[-3000:]}")
    return time.perf_counter() - t0


def fmt_table(headers, rows):
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).ljust(w[0]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(cells))
    return "\n".join([line(headers), line(["-" * x for x in w])] + [line(r) for r in rows])


def process_peak(side) -> float:
    "Peak RSS of a side's process over its four stages. (ru_maxrss alone is not it: the per-stage VmHWM resets lower it too.)"
    return max(side["stages"][st]["peak_rss_mb"] for st in STAGES)


def report(out) -> str:
    s, h = out["seed"], out["hybridrec"]
    L = []
    L.append(f"command : {out['command']}")
    L.append(f"date    : {out['date']}")
    m = out["machine"]
    L.append(f"machine : {m['cpu']}, {m['cores']} cores (os.cpu_count()), {m['ram_gib']:.1f} GiB RAM, {m['platform']}, python {m['python']}")
    L.append(f"load avg: at start {' '.join(f'{x:.2f}' for x in m['load_start'])}; after seed {' '.join(f'{x:.2f}' for x in m['load_after_seed'])}; "
             f"after hybridrec {' '.join(f'{x:.2f}' for x in m['load_after_hybridrec'])} (1/5/15 min; the machine is shared)")
    d = out["data"]
    L.append(f"data    : SYNTHETIC demo data, write_demo(users={d['users']:,}, items={d['items']:,}, seed={d['seed']}"
             f", reviews_per_user={d['reviews_per_user']:g}): "
             f"train {d['reviews']['train']:,}, valid {d['reviews']['valid']:,}, test {d['reviews']['test']:,} reviews "
             f"({sum(d['reviews'].values()):,} in all), generated in {d['seconds']:.0f} s (not timed), {d['mib_on_disk']:.0f} MiB on disk")
    si, hi = s["info"], h["info"]
    L.append(f"seed    : after its filter {si['filtered_reviews']:,} train reviews, {si['users']:,} users x {si['items']:,} items; "
             f"user features {si['user_features_shape'][1]:,} cols, item features {si['item_features_shape'][1]:,} cols; 20 epochs; "
             f"LightFM threads {s['threads']}")
    L.append(f"hybridrec: after prepare {hi['filtered_reviews']:,} train reviews, {hi['users']:,} users x {hi['items']:,} items; "
             f"user features {hi['user_features_shape'][1]:,} cols, item features {hi['item_features_shape'][1]:,} cols; "
             f"early stopping: ran {hi['epochs_run']} of max {hi['max_epochs']} epochs, kept epoch {hi['best_epoch']} "
             f"(patience {hi['patience']}, eval_every {hi['eval_every']}); LightFM threads {h['threads']}")
    if "params" in hi:
        L.append(f"hybridrec parameters: the pipeline's defaults (hybridrec.pipeline.DEFAULTS) with the command's -p overrides: "
                 + ", ".join(f"{k}={v}" for k, v in hi["params"].items()))
        L.append(f"feature rows: user {hi['user_feature_nnz_per_row']:.1f} non-zeros on average, item {hi['item_feature_nnz_per_row']:.1f}")
    L.append(f"order   : {' then '.join(out['order'])}, each in a fresh subprocess")
    L.append("")
    rows = []
    for st in STAGES:
        a, b = s["stages"][st], h["stages"][st]
        rows.append([st, f"{a['seconds']:.1f}", f"{b['seconds']:.1f}", f"{a['seconds'] / max(b['seconds'], 1e-9):.1f}x",
                     f"{a['peak_rss_mb']:,.0f}", f"{b['peak_rss_mb']:,.0f}"])
    ts, th = sum(s["stages"][x]["seconds"] for x in STAGES), sum(h["stages"][x]["seconds"] for x in STAGES)
    rows.append(["total", f"{ts:.1f}", f"{th:.1f}", f"{ts / th:.1f}x", f"{process_peak(s):,.0f}", f"{process_peak(h):,.0f}"])
    L.append("Seconds (wall) and peak RSS (MiB) per stage; ratio = seed seconds / hybridrec seconds")
    L.append(fmt_table(["stage", "seed s", "hybridrec s", "ratio", "seed peak MiB", "hybridrec peak MiB"], rows))
    L.append(f"(stage peak = VmHWM within the stage, reset at its start; total row = the largest stage peak = the process's peak RSS "
             f"over the four stages, imports included.)")
    L.append(f"hybridrec training = {hi['epochs_run']} epochs of LightFM ({hi['epoch_train_seconds']:.1f} s) + the validation NDCG@10 "
             f"evaluations inside early stopping ({hi['validation_seconds']:.1f} s) + snapshot/restore.")
    L.extend(cost_lines(s, h))
    L.append(f"CPU seconds per stage, seed / hybridrec: " + ", ".join(
        f"{st} {s['stages'][st]['cpu_seconds']:.1f} / {h['stages'][st]['cpu_seconds']:.1f}" for st in STAGES))
    L.append("")
    L.append("Test metrics (k = 10)")
    mrow = lambda who, r, n: [who, f"{r['users']:,}", f"{r['values']['precision@10']:.4f}", f"{r['values']['recall@10']:.4f}",
                              f"{r['values']['ndcg@10']:.4f}" if "ndcg@10" in r["values"] else "-", f"{r['values']['auc']:.4f}", f"({n})"]
    sm, hm = s["metrics"], h["metrics"]
    picks = [("seed, its own numbers", sm["seed_protocol"])]
    if "all_users_train_valid_masked" in sm:
        picks += [("seed model, all users", sm["all_users_train_valid_masked"]), ("seed model, all users", sm["all_users_train_masked"])]
    picks += [("hybridrec", hm["all_users_train_valid_masked"]), ("hybridrec, seed protocol", hm["seed_protocol"])]
    if "cf_all_users_train_valid_masked" in hm: picks.append(("hybridrec CF (extra)", hm["cf_all_users_train_valid_masked"]))
    L.append(fmt_table(["model / evaluation", "users", "P@10", "R@10", "NDCG@10", "AUC", "protocol"],
                       [mrow(w, r, n) for n, (w, r) in enumerate(picks, 1)]))
    for n, (w, r) in enumerate(picks, 1): L.append(f"  ({n}) {r['protocol']}")
    L.append("Like for like: 'seed model, all users' (train + valid masked) vs 'hybridrec' use the same protocol on the same test users;")
    L.append("'seed, its own numbers' is the seed's protocol (sampled, unmasked), comparable only with 'hybridrec, seed protocol'.")
    if s["notes"]: L.append("seed notes: " + "; ".join(s["notes"]))
    L.append("")
    L.append("Targets (issue 14's, for this size):")
    for t in out["targets"]: L.append(f"  [{'MET' if t['met'] else 'NOT MET'}] {t['what']}: {t['detail']}")
    return "\n".join(L)


def report_hybridrec_only(out) -> str:
    "The report of a run of hybridrec's side alone (a size where the seed's way does not fit)."
    h, m, d = out["hybridrec"], out["machine"], out["data"]
    hi = h["info"]
    L = [f"command : {out['command']}", f"date    : {out['date']}",
         f"machine : {m['cpu']}, {m['cores']} cores (os.cpu_count()), {m['ram_gib']:.1f} GiB RAM, {m['platform']}, python {m['python']}",
         f"load avg: at start {' '.join(f'{x:.2f}' for x in m['load_start'])}; after hybridrec "
         f"{' '.join(f'{x:.2f}' for x in m['load_after_hybridrec'])} (1/5/15 min)",
         f"data    : SYNTHETIC demo data, write_demo(users={d['users']:,}, items={d['items']:,}, seed={d['seed']}, "
         f"reviews_per_user={d['reviews_per_user']:g}): " + ", ".join(f"{k} {v:,}" for k, v in d["reviews"].items())
         + f" reviews, generated in {d['seconds']:.0f} s (not timed), {d['mib_on_disk']:.0f} MiB on disk",
         "seed    : NOT RUN at this size (hybridrec's side alone, --order hybridrec)",
         f"hybridrec: after prepare {hi['filtered_reviews']:,} train reviews, {hi['users']:,} users x {hi['items']:,} items; "
         f"early stopping: ran {hi['epochs_run']} of max {hi['max_epochs']} epochs, kept epoch {hi['best_epoch']}; "
         f"LightFM threads {h['threads']}",
         f"feature rows: user {hi['user_feature_nnz_per_row']:.1f} non-zeros on average, item {hi['item_feature_nnz_per_row']:.1f}", ""]
    rows = [[st, f"{h['stages'][st]['seconds']:.1f}", f"{h['stages'][st]['cpu_seconds']:.1f}", f"{h['stages'][st]['peak_rss_mb']:,.0f}"]
            for st in STAGES]
    rows.append(["total", f"{sum(h['stages'][x]['seconds'] for x in STAGES):.1f}",
                 f"{sum(h['stages'][x]['cpu_seconds'] for x in STAGES):.1f}", f"{process_peak(h):,.0f}"])
    L.append(fmt_table(["stage", "hybridrec s", "CPU s", "peak MiB"], rows))
    L.extend(cost_lines(None, h))
    L.append("")
    for key, r in h["metrics"].items():
        v = r["values"]
        L.append(f"{key}: users {r['users']:,}, " + ", ".join(f"{k} {x:.4f}" for k, x in v.items()) + f" ({r['protocol']})")
    return "\n".join(L)


def per_million(tp: dict) -> float:
    "Training seconds per million training interactions per epoch, from a model's `throughput_`."
    return 1e6 / tp["interactions_per_second"] if tp.get("interactions_per_second") else float("nan")


def cost_lines(s, h) -> list:
    "Where hybridrec's training time went (epochs, validation), what CF costs, and the stage hand-offs."
    hi, L = h["info"], []
    if s is not None:
        si, sec = s["info"], s["stages"]["training"]["seconds"]
        L.append(f"seed's hybrid: {sec / 20:.1f} s per epoch (its 20 fixed epochs); "
                 f"{sec / 20 / si['filtered_reviews'] * 1e6:.2f} s per million training interactions per epoch")
    tp = hi.get("throughput")
    if tp:
        L.append(f"hybridrec hybrid: {tp['train_seconds_per_epoch']:.1f} s training + {tp['eval_seconds_per_epoch']:.1f} s validation "
                 f"per epoch; {per_million(tp):.2f} s per million training interactions per epoch")
    if "cf" in hi:
        c = hi["cf"]
        L.append(f"hybridrec CF (extra, not in the table): {c['seconds']:.1f} s incl. evaluation, {c['epochs_run']} epochs (kept "
                 f"{c['best_epoch']}), {c['throughput']['train_seconds_per_epoch']:.1f} s training per epoch; "
                 f"{per_million(c['throughput']):.2f} s per million training interactions per epoch")
    if "hand_off_seconds" in hi:
        ho = hi["hand_off_seconds"]
        total = sum(h["stages"][x]["seconds"] for x in STAGES)
        L.append(f"stage hand-offs (extra, not in the table; what the pipeline's stage notebooks write and read): "
                 + ", ".join(f"{k} {v:.1f} s" for k, v in ho.items())
                 + f"; all together {sum(ho.values()):.1f} s = {100 * sum(ho.values()) / total:.1f}% of hybridrec's total, "
                 + f"the largest ({max(ho, key=ho.get)}) {100 * max(ho.values()) / total:.1f}%")
    return L


TARGETS = {"small": dict(total=None, training=None), "200k": dict(total=0.3, training=None), "1m": dict(total=0.4, training=0.5)}


def targets(s, h, size="200k"):
    st, ht = s["stages"], h["stages"]
    goal = TARGETS.get(size, TARGETS["200k"])
    sn = s["metrics"].get("all_users_train_valid_masked", {}).get("values", {}).get("ndcg@10")
    hn = h["metrics"]["all_users_train_valid_masked"]["values"]["ndcg@10"]
    better = sn is not None and hn >= sn
    nd = f"test NDCG@10 (all test users, train + valid masked) hybridrec {hn:.4f} vs seed model {'n/a' if sn is None else f'{sn:.4f}'}"
    ts, th = (sum(x[k]["seconds"] for k in STAGES) for x in (st, ht))
    tr = ht["training"]["seconds"] / st["training"]["seconds"]
    out = [dict(what=f"training (validation included) <= {goal['training'] or 1:g}x the seed's 20 epochs, at >= its test NDCG@10",
                met=bool(tr <= (goal["training"] or 1) and better),
                detail=f"{ht['training']['seconds']:.1f} s ({h['info']['epochs_run']} epochs) vs {st['training']['seconds']:.1f} s = "
                       f"{tr:.2f}x; {nd}")]
    if goal["total"]:
        out.append(dict(what=f"end to end <= {goal['total']:g}x the seed's, at >= its test NDCG@10", met=bool(th / ts <= goal["total"] and better),
                        detail=f"{th:.1f} s vs {ts:.1f} s = {th / ts:.2f}x"))
    out.append(dict(what="peak memory <= the seed's", met=process_peak(h) <= process_peak(s),
                    detail=f"{process_peak(h):,.0f} MiB vs {process_peak(s):,.0f} MiB"))
    out.append(dict(what="evaluation of ALL test users faster than the seed's 5,000-user evaluation",
                    met=ht["evaluation"]["seconds"] < st["evaluation"]["seconds"],
                    detail=f"hybridrec {h['metrics']['all_users_train_valid_masked']['users']:,} users in {ht['evaluation']['seconds']:.1f} s vs "
                           f"seed {s['metrics']['seed_protocol']['users']:,} users in {st['evaluation']['seconds']:.1f} s"))
    return out


def finish(out: dict, json_path: Path) -> str:
    "Targets and peaks of a run's results `out`, written to `json_path` and its .txt report; the report."
    sides = [x for x in ("seed", "hybridrec") if out.get(x)]
    if "seed" in sides: out["targets"] = targets(out["seed"], out["hybridrec"], out.get("size"))
    for side in sides: out[side]["process_peak_rss_mb"] = process_peak(out[side])
    text = report(out) if "seed" in sides else report_hybridrec_only(out)
    json_path.write_text(json.dumps(out, indent=1, default=float)); json_path.with_suffix(".txt").write_text(text + "\n")
    return text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--side-hybridrec": return hybridrec_child(argv[1:])
    if argv and argv[0] == "--rerender":  # rebuild the .txt (and targets) from a saved .json without rerunning anything
        for p in argv[1:]:
            print(finish(json.loads(Path(p).read_text()), Path(p)))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("size", nargs="?", default="small", choices=sorted(SIZES))
    ap.add_argument("--reviews-per-user", type=float, default=None, help="override the size's reviews per user")
    ap.add_argument("--seed", type=int, default=0, help="demo data seed")
    ap.add_argument("--threads", type=int, default=None, help="LightFM threads on both sides (default os.cpu_count())")
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="a hybridrec run parameter for the hybridrec side, as in `hybridrec run -p NAME VALUE`")
    ap.add_argument("--no-cf", action="store_true", help="skip the extra CF training on the hybridrec side")
    ap.add_argument("--order", default="seed,hybridrec", help="which side runs first")
    ap.add_argument("--workdir", default=None, help="where to write the data (default: a temp folder, removed at the end)")
    ap.add_argument("--results", default=str(HERE / "results"))
    a = ap.parse_args(argv)
    from hybridrec.demo import write_demo, DEFAULT_USERS, DEFAULT_ITEMS, DEFAULT_REVIEWS_PER_USER
    import platform
    threads = a.threads or os.cpu_count() or 1
    cmd = shlex.join(["python", os.path.relpath(__file__), *argv])
    size = dict(SIZES[a.size])
    users, items = size["users"] or DEFAULT_USERS, size["items"] or DEFAULT_ITEMS
    rpu = a.reviews_per_user or size["reviews_per_user"]
    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), ram_gib=mem_total_gib(), platform=platform.platform(),
                   python=platform.python_version(), load_start=list(os.getloadavg()))
    print(f"command : {cmd}\nmachine : {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']:.1f} GiB RAM, "
          f"load average {machine['load_start'][0]:.2f}", flush=True)
    work = Path(a.workdir or tempfile.mkdtemp(prefix="hybridrec-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    res_dir = Path(a.results); res_dir.mkdir(parents=True, exist_ok=True)
    try:
        data_dir = work / "data"
        t0 = time.perf_counter()
        kw = {} if rpu is None else dict(reviews_per_user=rpu)
        summ = write_demo(str(data_dir), users, items, a.seed, **kw)
        gen = time.perf_counter() - t0
        data = dict(users=users, items=items, seed=a.seed, reviews_per_user=rpu if rpu is not None else DEFAULT_REVIEWS_PER_USER,
                    reviews=summ["reviews"], seconds=gen, mib_on_disk=sum(f.stat().st_size for f in data_dir.iterdir()) / 2**20)
        print(f"data    : {users:,} users x {items:,} items, reviews {summ['reviews']}, generated in {gen:.0f} s", flush=True)
        order = [x.strip() for x in a.order.split(",")]
        results, walls = {}, {}
        for side in order:
            js, log = work / f"{side}.json", res_dir / f"compare_{a.size}_{side}.log"
            if side == "seed":
                c = [sys.executable, str(HERE / "seed_way.py"), "--data", str(data_dir), "--json", str(js), "--threads", str(threads)]
            else:
                c = [sys.executable, str(HERE / "compare.py"), "--side-hybridrec", "--data", str(data_dir), "--json", str(js),
                     "--threads", str(threads), *(x for kv in a.p for x in ("-p", *kv)), *(["--no-cf"] if a.no_cf else [])]
            print(f"running : {side} ({shlex.join([os.path.relpath(x) if x.startswith('/') else x for x in c])}), log {log}", flush=True)
            walls[side] = run_side(c, log)
            results[side] = json.loads(js.read_text())
            machine[f"load_after_{side}"] = list(os.getloadavg())
            print(f"          done in {walls[side]:.0f} s wall (process incl. imports)", flush=True)
        out = dict(command=cmd, date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), size=a.size,
                   machine=machine, data=data, order=order, process_wall_seconds=walls, seed=results.get("seed"),
                   hybridrec=results["hybridrec"])
        print("\n" + finish(out, res_dir / f"compare_{a.size}.json"), flush=True)
    finally:
        if not a.workdir: shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
