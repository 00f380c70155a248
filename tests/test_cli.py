"""The installed `hybridrec` console script, run as a user runs it."""
import subprocess, sys, re
from pathlib import Path
import pandas as pd
from hybridrec.data import load_amazon

BIN = Path(sys.executable).parent / "hybridrec"

def run(*args, check=True):
    r = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=600)
    if check: assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r

def test_help_lists_subcommands():
    out = run("--help").stdout
    for cmd in ("demo-data", "info"): assert cmd in out

def test_demo_data_writes_official_layout(tmp_path):
    out = tmp_path / "d"
    run("demo-data", out, "--users", 300, "--items", 100, "--seed", 7)
    names = sorted(p.name for p in out.iterdir())
    cats = sorted({m.group(1) for n in names if (m := re.match(r"(.+)\.train\.csv\.gz$", n))})
    assert len(cats) >= 2, names
    for c in cats:
        for f in (f"{c}.train.csv.gz", f"{c}.valid.csv.gz", f"{c}.test.csv.gz", f"meta_{c}.jsonl.gz"): assert f in names
    head = pd.read_csv(out / f"{cats[0]}.train.csv.gz", nrows=5)
    assert list(head.columns) == ["user_id", "parent_asin", "rating", "timestamp", "history"]
    data = load_amazon(str(out), progress=False)
    assert data.synthetic and len(data.train) > 0 and len(data.test) > 0
    # the same seed gives the same files; `info` reads them back
    again = tmp_path / "d2"; run("demo-data", again, "--users", 300, "--items", 100, "--seed", 7)
    for n in names: assert (out / n).read_bytes() == (again / n).read_bytes(), n
    info = run("info", out, "-q").stdout
    assert "SYNTHETIC" in info and "train" in info

def test_bad_location_is_one_line_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not data")
    r = run("info", tmp_path, "-q", check=False)
    assert r.returncode == 2
    assert "no review files" in r.stderr and "notes.txt" in r.stderr and "Traceback" not in r.stderr

def test_bad_storage_options_named(tmp_path):
    r = run("info", tmp_path, "--storage-options", "token=anon", check=False)
    assert r.returncode == 2 and "--storage-options" in r.stderr

def test_the_same_bad_input_gives_the_same_status_from_every_subcommand(tmp_path):
    "A missing data folder: exit status 2 and one line from info, run and sweep; nothing is left behind."
    missing = tmp_path / "no-such-data"
    for args in (["info", missing, "-q"], ["run", "--data", missing, "--out", tmp_path / "r", "-q"],
                 ["sweep", "--data", missing, "--out", tmp_path / "s", "-g", "epochs", "[1, 2]", "-q"]):
        r = run(*args, check=False)
        assert r.returncode == 2, (args, r.stderr)
        assert "no-such-data" in r.stderr and "no such folder" in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()
