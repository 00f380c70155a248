"""`hybridrec run` end to end: papermill-executed stage notebooks, resume, overrides, failures,
gs:// through the emulator, MovieLens with side features, `hybridrec recommend`, the HTML report."""
import json, os, shutil, subprocess, sys, tempfile
from pathlib import Path
import nbformat
import pytest

BIN = Path(sys.executable).parent / "hybridrec"
SMALL = ["-p", "demo_users", "800", "-p", "demo_items", "300", "-p", "epochs", "4", "-p", "als_epochs", "4", "-p", "threads", "1"]

def hr(*args, check=True, timeout=900):
    r = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check: assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r

def metrics_only(m):
    "The model metrics of a metrics.json, without timings."
    return {n: dict(metrics=v["metrics"], n_users=v["n_users"], slices=v["slices"], cold=v["cold_users"]) for n, v in m["models"].items()}

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    r = hr("run", "--data", "demo", "--out", out, *SMALL)
    return out, r

def test_run_writes_one_complete_folder(demo_run):
    out, r = demo_run
    assert (out / ".hybridrec" / "run.json").exists() and not list((out / ".hybridrec").glob("attempt-*"))
    assert "report.html" in r.stdout and "ndcg@10" in r.stdout and "SYNTHETIC" in r.stdout
    st = json.loads((out / "status.json").read_text())
    assert st["status"] == "finished" and list(st["stages"]) == ["prepare", "features", "train", "evaluate", "report"]
    assert st["published"]["stages"] == st["stages"] and st["published"]["attempt"] == st["attempt"]
    for i, s in enumerate(st["stages"], 1):
        nb = nbformat.read(out / "notebooks" / f"{i}_{s}.ipynb", 4)
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    p = json.loads((out / "params.json").read_text())
    assert p["demo_users"] == 800 and p["epochs"] == 4
    m = json.loads((out / "metrics.json").read_text())
    assert set(m["models"]) == {"popularity", "als", "lightfm_cf", "lightfm_hybrid", "seed_hybrid"}
    for name, v in m["models"].items():
        for metric in ("precision", "recall", "ndcg", "map"):
            for k in (5, 10, 20): assert 0 <= v["metrics"][f"{metric}@{k}"] <= 1
        assert 0 < v["metrics"]["auc"] <= 1
        assert v["n_users"] == m["models"]["popularity"]["n_users"] > 0
        assert any(s.startswith("user:activity=") for s in v["slices"]) and any(s.startswith("item:popularity=") for s in v["slices"])
    assert m["models"]["lightfm_hybrid"]["cold_users"]["n_users"] > 0
    # new products: the hybrids score them, the others say why they cannot (issue 15)
    for name, v in m["models"].items():
        ci = v["cold_items"]
        assert ci["n_items"] > 0 and ci["supported"] is (name in ("lightfm_hybrid", "seed_hybrid")), (name, ci)
        if ci["supported"]:
            auc = ci["all_candidates/auc"]
            assert 0 <= auc["ci_low"] <= auc["mean"] <= auc["ci_high"] <= 1
        else: assert "cannot" in ci["reason"] or "no side-feature model" in ci["reason"]
    # training cost per epoch (issue 14)
    t = m["models"]["lightfm_hybrid"]["training"]
    assert t["throughput"]["interactions_per_second"] > 0 and t["threads"] == 1 and t["throughput"]["epochs"] >= 1
    ex = json.loads((out / "evaluation" / "explanations.json").read_text())
    assert ex["model"] == "lightfm_hybrid" and {u["kind"] for u in ex["users"]} == {"known user", "new user (from their history)"}
    for u in ex["users"]:
        assert len(u["items"]) == 5 and all(i["reasons"] and i.get("category") for i in u["items"])
    sets = json.loads((out / "features" / "sets.json").read_text())
    assert sets["default"]["models"] == ["lightfm_hybrid"] and any(s["models"] == ["seed_hybrid"] for s in sets.values())
    assert set(m["stage_seconds"]) == set(st["stages"]) and m["dataset"]["n_users"] > 0 and m["synthetic"] is True
    for png in ("metrics_by_model.png", "ndcg_by_activity.png", "ndcg_by_popularity.png", "training_curves.png"):
        assert (out / "plots" / png).stat().st_size > 1000
    for name in m["models"]: assert (out / "models" / name / "model.json").exists()
    assert (out / "report.html").stat().st_size > 10000
    html = (out / "report.html").read_text()
    assert "Why these recommendations?" in html and "New products" in html and "Training cost" in html

def test_rerun_skips_and_override_reaches_notebooks(demo_run):
    out, _ = demo_run
    before = metrics_only(json.loads((out / "metrics.json").read_text()))
    r = hr("run", "--data", "demo", "--out", out, *SMALL)
    st = json.loads((out / "status.json").read_text())
    assert all(v["skipped"] for v in st["stages"].values()), st
    assert r.stdout.count("unchanged, skipped") == 5
    assert metrics_only(json.loads((out / "metrics.json").read_text())) == before
    # a changed k re-runs only evaluation and report, and reaches the executed notebook
    hr("run", "--data", "demo", "--out", out, *SMALL, "-p", "k", "[3, 10]")
    st = json.loads((out / "status.json").read_text())
    assert [s for s, v in st["stages"].items() if v["skipped"]] == ["prepare", "features", "train"]
    m = json.loads((out / "metrics.json").read_text())
    assert m["k"] == [3, 10] and "ndcg@3" in m["models"]["als"]["metrics"]
    nb = nbformat.read(out / "notebooks" / "4_evaluate.ipynb", 4)
    inj = [c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])][0]
    assert "k = [3, 10]" in inj

def test_bad_parameter_changes_nothing(demo_run):
    "A bad value is refused before any stage runs: exit 2, one line naming it, the folder byte-identical."
    out, _ = demo_run
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".hybridrec" not in p.parts}
    r = hr("run", "--data", "demo", "--out", out, *SMALL, "-p", "loss", "not-a-loss", check=False)
    assert r.returncode == 2 and "'loss'" in r.stderr and "warp" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".hybridrec" not in p.parts}
    assert after == before

def test_unknown_parameter_is_named(tmp_path):
    r = hr("run", "--out", tmp_path / "x", "-p", "epochz", "3", check=False)
    assert r.returncode == 2 and "epochz" in r.stderr and "epochs" in r.stderr and not (tmp_path / "x").exists()

def test_console_shows_only_the_pipeline(demo_run):
    "Issue 10: no Jupyter kernel warnings (TCP without encryption, interrupts at shutdown) in a run's output."
    _, r = demo_run
    text = r.stdout + r.stderr
    assert "without encryption" not in text and "[IPKernelApp]" not in text and "KeyboardInterrupt" not in text
    assert r.stderr.strip() == "", r.stderr
    assert r.stdout.count(": running") == 5 and r.stdout.count(": done in") == 5

def _pixels(png, colour):
    "How many pixels of `png` have exactly the colour `colour` ('#rrggbb')."
    import numpy as np, matplotlib.image as mi
    rgb = (mi.imread(png)[..., :3] * 255).round().astype(int)
    want = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return int((rgb == want).all(-1).sum())

def test_every_plot_uses_the_one_palette(demo_run):
    "Issue 10: each model has one colour, hybridrec.pipeline.MODEL_COLOURS, in every plot of the run."
    from hybridrec.pipeline import model_palette
    out, _ = demo_run
    m = json.loads((out / "metrics.json").read_text())
    palette = json.loads((out / "plots" / "palette.json").read_text())
    assert palette == model_palette(m["models"])
    import pandas as pd
    curves = sorted(set(pd.read_csv(out / "models" / "training_curves.csv").model))
    cold = [n for n, v in m["models"].items() if v["cold_users"]["metrics"]]
    plots = {"metrics_by_model": list(m["models"]), "ndcg_by_activity": list(m["models"]),
             "ndcg_by_popularity": list(m["models"]), "training_curves": curves, "cold_start": cold}
    assert curves and cold
    for png, models in plots.items():
        for name in models:
            n = _pixels(out / "plots" / f"{png}.png", palette[name])
            assert n >= 100, f"{png}.png: {name} is not drawn in its colour {palette[name]} ({n} pixels)"

def test_stage_notebooks_take_their_defaults_from_DEFAULTS():
    "The parameters cell of every stage notebook holds exactly hybridrec.pipeline.DEFAULTS."
    from hybridrec.pipeline import DEFAULTS, STAGES, stage_notebook
    for stage in STAGES:
        nb = nbformat.read(stage_notebook(stage), 4)
        cell = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cell) == 1, stage
        values = {}
        exec(cell[0].source, {}, values)
        assert values.pop("run_dir") is None and values.pop("stage_dir") is None
        assert values == DEFAULTS, f"{stage}: {set(values.items()) ^ set((k, str(v)) for k, v in DEFAULTS.items())}"

def test_recommend_cli_on_run_models(demo_run):
    out, _ = demo_run
    model = out / "models" / "lightfm_hybrid"
    from hybridrec.pipeline import load_prepared
    prep = load_prepared(out / "prepared")
    user = str(prep.user_ids[0])
    known = json.loads(hr("recommend", "--model", model, "--user", user, "-k", "5").stdout)
    assert known["source"] == "model" and not known["fallback"] and len(known["items"]) == 5
    seen = set(prep.item_ids[prep.train[0].indices].astype(str))
    assert not seen & {i["parent_asin"] for i in known["items"]}
    hist = ",".join(map(str, prep.item_ids[:3]))
    cold = json.loads(hr("recommend", "--model", model, "--user", "new-user-x", "--history", hist, "-k", "5").stdout)
    assert cold["source"] == "cold_start" and len(cold["items"]) == 5
    anon = json.loads(hr("recommend", "--model", model, "--user", "nobody-knows-me").stdout)
    assert anon["fallback"] and anon["source"] == "popularity_fallback" and len(anon["items"]) == 10
    bad = hr("recommend", "--model", out / "nope", "--user", user, check=False)
    assert bad.returncode == 2 and "nope" in bad.stderr

def test_recommend_explains_and_ranks_new_products(demo_run, tmp_path):
    "--explain: reasons whose parts add up to each score; --new-items: unseen products ranked with the catalogue (issue 15)."
    out, _ = demo_run
    model = out / "models" / "lightfm_hybrid"
    from hybridrec.pipeline import load_prepared
    prep = load_prepared(out / "prepared")
    user = str(prep.user_ids[0])
    known = json.loads(hr("recommend", "--model", model, "--user", user, "-k", "5", "--explain").stdout)
    for it in known["items"]:
        assert it["title"] and it["category"] and it["reasons"], it
        assert abs(sum(r["value"] for r in it["reasons"]) - it["score"]) < 1e-4 * max(1, abs(it["score"]))
    # a new product, described only by metadata in the Amazon meta_*.jsonl layout, is ranked with the rest
    liked = prep.items.set_index(prep.items.parent_asin.astype(str)).loc[known["items"][0]["parent_asin"]]
    new = dict(parent_asin="NEW0000001", title="a brand new product", category=str(liked["category"]), price=float(liked["price"]),
               average_rating=float(liked["average_rating"]), store=str(liked["store"]), rating_number=0, categories=[])
    (tmp_path / "meta_new.jsonl").write_text(json.dumps(new) + "\n")
    r = json.loads(hr("recommend", "--model", model, "--user", user, "-k", str(prep.n_items + 1), "--new-items",
                      tmp_path / "meta_new.jsonl").stdout)
    ranked = [i["parent_asin"] for i in r["items"]]
    assert "NEW0000001" in ranked and next(i for i in r["items"] if i["parent_asin"] == "NEW0000001")["title"] == "a brand new product"
    table = hr("recommend", "--model", model, "--user", user, "-k", "3", "--explain", "--table").stdout
    assert table.count("\n") >= 6 and "%" in table and known["items"][0]["parent_asin"] in table
    als = hr("recommend", "--model", out / "models" / "als", "--user", user, "--new-items", tmp_path / "meta_new.jsonl", check=False)
    assert als.returncode == 2 and "cannot rank items unseen in training" in als.stderr

def test_report_renders_in_chromium(demo_run, tmp_path):
    out, _ = demo_run
    chromium = shutil.which("chromium")
    assert chromium, "chromium not installed (bin/_system_deps.sh installs it)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    url = (out / "report.html").as_uri()
    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert "<table" in dom and "lightfm_hybrid" in dom and "precision@10" in dom
    assert dom.count("<img") >= 4 and "data:image/png;base64" in dom
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, f"--screenshot={shot}", "--window-size=1200,1600", url], capture_output=True, timeout=120)
    assert shot.stat().st_size > 20000   # a blank page is a few KB

def test_gcs_run_gives_the_same_metrics_as_local(gcs_bucket, tmp_path):
    from hybridrec.demo import write_demo
    fs, bucket, so = gcs_bucket
    local = tmp_path / "data"; write_demo(str(local), users=600, items=200, seed=4)
    fs.put(str(local) + "/", f"{bucket}/d/", recursive=True)
    args = ["-p", "epochs", "3", "-p", "als_epochs", "3", "-p", "threads", "1", "-p", "models", '["popularity", "lightfm_hybrid"]']
    hr("run", "--data", local, "--out", tmp_path / "local", *args)
    env_so = json.dumps(so)
    hr("run", "--data", f"gs://{bucket}/d", "--storage-options", env_so, "--out", tmp_path / "gcs", *args)
    a = json.loads((tmp_path / "local" / "metrics.json").read_text()); b = json.loads((tmp_path / "gcs" / "metrics.json").read_text())
    assert metrics_only(a) == metrics_only(b)
    assert a["dataset"]["n_users"] == b["dataset"]["n_users"]

def test_movielens_100k_run_uses_user_and_item_features(tmp_path):
    out = tmp_path / "ml"
    hr("run", "--data", "movielens-100k", "--out", out, "-p", "epochs", "3", "-p", "threads", "1",
       "-p", "models", '["popularity", "lightfm_hybrid"]', "-p", "item_groups", '["tags", "rating"]')
    m = json.loads((out / "metrics.json").read_text())
    assert m["synthetic"] is False and m["models"]["lightfm_hybrid"]["n_users"] > 0
    from hybridrec.features import FeatureEncoder
    enc = FeatureEncoder.load(out / "features" / "default" / "encoder")   # the run's own feature set
    names = enc.user_feature_names(identity=False)
    assert any("occupation" in n for n in names) and any("gender" in n for n in names)
    assert any(n.startswith("tag=") and "Comedy" in n for n in enc.item_feature_names(identity=False))

def test_sweep_runs_each_point_and_reuses_identical_stages(tmp_path):
    out = tmp_path / "sweep"
    r = hr("sweep", "--data", "demo", "--out", out, *SMALL, "-p", "models", '["popularity", "lightfm_cf"]', "-g", "components", "[4, 8]")
    import pandas as pd
    t = pd.read_csv(out / "sweep.csv")
    assert sorted(t.run.unique()) == ["run-001", "run-002"] and sorted(t.components.unique()) == [4, 8]
    assert set(t.model) == {"popularity", "lightfm_cf"} and t["ndcg@10"].between(0, 1).all()
    st = json.loads((out / "run-002" / "status.json").read_text())
    assert st["stages"]["prepare"].get("reused_from", "").endswith("run-001") and not st["stages"]["train"]["skipped"]
    p = [json.loads((out / d / "params.json").read_text())["components"] for d in ("run-001", "run-002")]
    assert p == [4, 8]
    # the popularity model does not depend on components: same numbers in both runs
    pop = t[t.model == "popularity"]["ndcg@10"].tolist(); assert pop[0] == pop[1]

def test_ablation_table_in_the_run_and_report(tmp_path):
    "`-p ablation true`: the hybrid refitted without each feature group, on validation, in models/ and the report."
    import pandas as pd
    out = tmp_path / "abl"
    hr("run", "--data", "demo", "--out", out, *SMALL, "-p", "models", '["popularity", "lightfm_hybrid"]',
       "-p", "ablation", "true", "-p", "user_groups", '["category_share"]', "-p", "item_groups", '["category", "price"]')
    t = pd.read_csv(out / "models" / "ablation.csv", index_col=0)
    assert list(t.index) == ["all groups", "without category", "without price", "without category_share",
                             "no features (lightfm_cf)"]
    assert t.loc["all groups", "diff"] == 0 and t["valid ndcg@10"].between(0, 1).all()
    rest = t.drop(index="all groups")
    assert ((rest.ci_low <= rest["diff"]) & (rest["diff"] <= rest.ci_high)).all()
    assert "Feature groups (ablation" in (out / "report.html").read_text()
    m = json.loads((out / "metrics.json").read_text())
    v = m["models"]["lightfm_hybrid"]["training"]["valid"]   # validation score with its CI and size
    assert v["ci_low"] <= v["ndcg@10"] <= v["ci_high"] and v["users"] > 0
