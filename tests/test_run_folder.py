"""Issue 11, defects 1-4 and 8: what a run folder guarantees, each case run for real through the
installed `hybridrec` command: a foreign folder is refused untouched (1), changed data re-run (2), one
run at a time (3), a failed attempt leaves the finished results consistent (4), SIGTERM is recorded
and SIGKILL detected at the next start, and out of memory is one line (8)."""
import gzip, json, os, resource, shutil, signal
from pathlib import Path
import pytest
from runhelp import SMALL, hr, processes_in, snapshot, start, status, stop, wait_for

FAST = ["-p", "epochs", "3", "-p", "als_epochs", "3", "-p", "threads", "1"]
TWO = [*FAST, "-p", "models", "popularity,lightfm_hybrid"]   # two models: every stage, less time

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    "Demo data in a folder, and a finished run on them; tests work on copies of the run folder."
    base = tmp_path_factory.mktemp("finished")
    d, run = base / "d", base / "run"
    hr("demo-data", d, "--users", 800, "--items", 300)
    hr("run", "--data", d, "--out", run, *TWO, "-q")
    return d, run

def _copy(run: Path, dst: Path) -> Path:
    shutil.copytree(run, dst, symlinks=True)
    return dst

def test_defect1_a_folder_that_is_not_a_run_folder_is_refused_untouched(tmp_path):
    x = tmp_path / "x"
    (x / "models").mkdir(parents=True)
    (x / "models" / "keep.pkl").write_text("p")
    r = hr("run", "--out", x, "-p", "epochs", "3", "-q", check=False)
    assert r.returncode == 2, r.stderr
    assert "not a hybridrec run folder" in r.stderr and "models" in r.stderr and "Traceback" not in r.stderr
    assert sorted(str(p.relative_to(x)) for p in x.rglob("*")) == ["models", "models/keep.pkl"]
    assert (x / "models" / "keep.pkl").read_text() == "p"
    # a file, or a place that cannot be written, is one line too
    r = hr("run", "--out", x / "models" / "keep.pkl", "-q", check=False)
    assert r.returncode == 2 and "is a file" in r.stderr and "Traceback" not in r.stderr
    r = hr("run", "--out", x / "models" / "keep.pkl" / "sub", "-q", check=False)
    assert r.returncode == 2 and "cannot write there" in r.stderr and "Traceback" not in r.stderr

def test_parameters_are_checked_before_any_stage(tmp_path):
    for args, words in ((["-p", "components", "0"], "'components'"), (["-p", "models", "[]"], "the list is empty"),
                        (["-p", "k", "[10, 0]"], "'k'"), (["-p", "models", "popularty"], "did you mean 'popularity'")):
        r = hr("run", "--out", tmp_path / "r", *args, check=False)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert not (tmp_path / "r").exists()

def test_defect2_changed_data_re_run_every_stage(tmp_path):
    m, r = tmp_path / "m", tmp_path / "r"
    hr("demo-data", m, "--users", 600, "--items", 200)   # the sizes were 1500 x 500, 4000 x 1500
    # natural spellings: a bare model name and a bare k
    args = ["--data", m, "--out", r, *FAST, "-p", "models", "popularity", "-p", "k", "10", "-q"]
    hr("run", *args)
    first = json.loads((r / "metrics.json").read_text())
    assert list(first["models"]) == ["popularity"] and first["k"] == [10]
    assert (r / ".hybridrec" / "hashes.json").exists()
    hr("demo-data", m, "--users", 900, "--items", 300, "--seed", 7)
    out = hr("run", *args[:-1])
    st = status(r)
    assert not any(v["skipped"] for v in st["stages"].values()), st["stages"]
    assert "unchanged, skipped" not in out.stdout
    second = json.loads((r / "metrics.json").read_text())
    assert second["dataset"]["n_users"] != first["dataset"]["n_users"]
    # unchanged data: every stage reused
    again = hr("run", *args[:-1])
    assert again.stdout.count("unchanged, skipped") == 5

def test_defect3_a_second_run_into_a_busy_folder_is_refused(finished, tmp_path):
    d, done = finished
    run = _copy(done, tmp_path / "run")
    a = start("run", "--data", d, "--out", run, *TWO, "-p", "min_reviews", "3", "-q")
    try:
        wait_for(lambda: status(run).get("status") == "running", a, what="run A to start")
        b = hr("run", "--data", d, "--out", run, *TWO, "-p", "epochs", "4", "-q", check=False)
        assert b.returncode == 3, b.stderr
        assert f"PID {a.pid}" in b.stderr and "in use" in b.stderr and "Traceback" not in b.stderr
        out, err = a.communicate(timeout=900)
    finally:
        stop(a)
    assert a.returncode == 0, err
    p = json.loads((run / "params.json").read_text())
    assert p["min_reviews"] == 3 and p["epochs"] == 3   # run A's parameters, not B's
    st = status(run)
    assert st["status"] == "finished" and st["pid"] == a.pid

def _without_warm_test_users(src: Path, dst: Path) -> None:
    "A copy of a demo data folder whose test files hold only users training never saw."
    shutil.copytree(src, dst)
    for f in dst.glob("*.test.csv.gz"):
        with gzip.open(f, "rt") as g:
            head, *rows = g.read().splitlines()
        with gzip.open(f, "wt") as g:
            g.write("\n".join([head] + ["new-" + row for row in rows]) + "\n")

def test_defect4_a_failed_rerun_leaves_the_finished_results_consistent(finished, tmp_path):
    d, done = finished
    run = _copy(done, tmp_path / "f")
    before = snapshot(run)
    _without_warm_test_users(d, tmp_path / "d2")
    r = hr("run", "--data", tmp_path / "d2", "--out", run, *TWO, "-p", "min_reviews", "3", "-q", check=False)
    assert r.returncode == 2, r.stderr   # bad data, found in the evaluate stage: the status `info` gives
    assert "stage 'evaluate'" in r.stderr and "no interactions of users and items seen in training" in r.stderr
    assert snapshot(run) == before   # params.json, prepared/, models/, metrics.json, report.html: the old run's
    st = status(run)
    assert st["status"] == "failed" and st["failed_stage"] == "evaluate" and st["kind"] == "input"
    assert st["published"]["attempt"] != st["attempt"]
    failed = Path(st["attempt_notebooks"])
    assert failed.parent == run / "failed" and (failed / "notebooks" / "4_evaluate.FAILED.ipynb").exists()
    assert str(failed / "notebooks" / "4_evaluate.FAILED.ipynb") in r.stderr
    assert json.loads((failed / "params.json").read_text())["min_reviews"] == 3
    assert not list((run / ".hybridrec").glob("attempt-*")) and not list(run.glob(".*.tmp*"))
    # the finished results are still the ones resume trusts
    again = hr("run", "--data", d, "--out", run, *TWO)
    assert again.stdout.count("unchanged, skipped") == 5 and snapshot(run)["metrics.json"] == before["metrics.json"]

def test_defect8_sigterm_marks_the_run_interrupted(finished, tmp_path):
    d, done = finished
    run = _copy(done, tmp_path / "t")
    before = snapshot(run)
    p = start("run", "--data", d, "--out", run, *TWO, "-p", "min_reviews", "3")
    try:
        wait_for(lambda: status(run).get("stage") == "train", p, what="the train stage to start")
        os.kill(p.pid, signal.SIGTERM)
        out, err = p.communicate(timeout=120)
    finally:
        stop(p)
    assert p.returncode == 143, err
    assert "interrupted by SIGTERM during stage 'train'" in err and "unchanged" in err and "Traceback" not in err
    st = status(run)
    assert st["status"] == "interrupted" and st["failed_stage"] == "train"
    assert Path(st["attempt_notebooks"]).is_dir()
    assert snapshot(run) == before
    assert not list((run / ".hybridrec").glob("attempt-*")) and not list(run.rglob("*.tmp*"))
    assert processes_in(run) == [], "a stage kernel outlived the interrupted run"

def test_defect8_a_killed_run_is_detected_at_the_next_start(tmp_path):
    run = tmp_path / "k"
    p = start("run", "--data", "demo", "--out", run, *SMALL, "-p", "models", "popularity", "-q")
    try:
        wait_for(lambda: status(run).get("stage") == "features", p, what="the features stage to start")
    finally:
        stop(p, signal.SIGKILL)
    assert status(run)["status"] == "running"   # what SIGKILL leaves; nobody can record it then
    r = hr("run", "--data", "demo", "--out", run, *SMALL, "-p", "models", "popularity", "-q")
    assert f"took over the lock left by PID {p.pid}" in r.stderr
    assert "stopped without finishing" in r.stderr and "'killed'" in r.stderr
    st = status(run)
    assert st["status"] == "finished" and st["published"]["attempt"] == st["attempt"]
    kept = list((run / "failed").iterdir())
    assert len(kept) == 1 and (kept[0] / "notebooks" / "1_prepare.ipynb").exists()
    assert json.loads((kept[0] / "status.json").read_text())["status"] == "killed"
    assert not list((run / ".hybridrec").glob("attempt-*"))

def _limit_memory():
    "In the child: at most 3 GiB of address space (the stage kernels inherit it)."
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

def test_defect8_out_of_memory_is_one_line(tmp_path):
    run = tmp_path / "oom"
    r = hr("run", "--data", "demo", "--out", run, "-p", "demo_users", "3000000", "-p", "demo_items", "100000", "-q",
           check=False, preexec_fn=_limit_memory)
    assert r.returncode == 4, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    msg = lines[0]
    assert "stage 'prepare' ran out of memory" in msg and "3,000,000 users x 100,000 items" in msg
    assert "-p demo_users" in msg and "Traceback" not in msg and "Kernel died" not in msg
    st = status(run)
    assert st["status"] == "failed" and st["kind"] == "memory" and st["failed_stage"] == "prepare"
