"""Issue 11, defects 5-7 and the next tier: input you can trust, each case run for real through the
installed `hybridrec` command. Timestamps in seconds are converted and impossible ones named at their
row (5); a truncated .csv.gz is one line from every subcommand (6); an interrupted `demo-data` leaves
the earlier data set whole (7); prices as Amazon writes them; a remote source that does not answer
fails fast; broken params and grid files are one line; the same bad data give the same exit status
from `info` and `run`."""
import gzip, json, os, signal, socket
from pathlib import Path
import pytest
from runhelp import hr, snapshot, start, stop, wait_for

T0 = 1_600_000_000_000   # 2020-09-13 in milliseconds

def _demo(tmp_path, name="d", users=600, items=200):
    d = tmp_path / name
    hr("demo-data", d, "--users", users, "--items", items)
    return d

def _rewrite(f: Path, change) -> None:
    "Rewrite a review .csv.gz: `change(timestamp column values) -> new values`."
    with gzip.open(f, "rt") as g:
        head, *rows = g.read().splitlines()
    cols = head.split(",")
    i = cols.index("timestamp")
    cells = [r.split(",") for r in rows]
    new = change([c[i] for c in cells])
    for c, v in zip(cells, new):
        c[i] = v
    with gzip.open(f, "wt") as g:
        g.write("\n".join([head] + [",".join(c) for c in cells]) + "\n")

def test_defect5_a_category_in_seconds_is_converted_and_reaches_the_test_split(tmp_path):
    from hybridrec.data import load_amazon
    from hybridrec.preprocess import split_reviews
    d = _demo(tmp_path)
    cat = "Electronics"
    for split in ("train", "valid", "test"):
        _rewrite(d / f"{cat}.{split}.csv.gz", lambda ts: [str(int(t) // 1000) for t in ts])
    r = hr("info", d, "-q")
    assert f"{cat}.train.csv.gz: column 'timestamp' holds seconds" in r.stderr and "converted" in r.stderr
    data = load_amazon(str(d), progress=False)
    assert data.train[data.train.category == cat].timestamp.min() > 10**11
    frames, _ = split_reviews(data, "timestamp", valid_frac=0.1, test_frac=0.1)
    assert (frames["test"].category == cat).any(), "a category in seconds never reached the test split"

@pytest.mark.parametrize("bad", ["-5", "1e30", "yesterday"])
def test_defect5_an_impossible_timestamp_is_named_at_its_row_by_info_and_run(tmp_path, bad):
    d = _demo(tmp_path)
    f = d / "Toys_and_Games.train.csv.gz"
    _rewrite(f, lambda ts: [bad if i == 99 else t for i, t in enumerate(ts)])
    for args in (["info", d, "-q"], ["run", "--data", d, "--out", tmp_path / "r", "-q"]):
        r = hr(*args, check=False)
        assert r.returncode == 2, r.stderr
        assert f"{f.name}: column 'timestamp'" in r.stderr and f"'{bad}' at data row 100 (file line 101)" in r.stderr
        assert "Traceback" not in r.stderr

def test_defect6_a_truncated_gzip_is_one_line_from_every_subcommand(tmp_path):
    d = _demo(tmp_path, users=3000, items=800)
    f = d / "Electronics.train.csv.gz"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    for _ in range(4):   # it used to abort (exit 134) some of the time
        r = hr("info", d, "-q", check=False)
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr and "terminate" not in r.stderr
        assert f.name in r.stderr and "truncated or corrupt" in r.stderr
    r = hr("run", "--data", d, "--out", tmp_path / "r", "-q", check=False)
    assert r.returncode == 2 and f.name in r.stderr and "truncated or corrupt" in r.stderr, r.stderr

def test_defect7_an_interrupted_demo_data_leaves_the_earlier_set_whole(tmp_path):
    d = _demo(tmp_path)
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    p = start("demo-data", d, "--users", 1_000_000, "--items", 50_000, "--seed", 5)
    try:
        wait_for(lambda: any(n.name.startswith(".demo-staging-") for n in d.iterdir()), p, what="demo-data to start writing")
    finally:
        stop(p, signal.SIGKILL)
    after = {q.name: q.read_bytes() for q in d.iterdir() if not q.name.startswith(".")}
    assert after == before   # the earlier set and its marker, nothing of the new one
    r = hr("info", d, "-q")
    assert "SYNTHETIC" in r.stdout
    hr("demo-data", d, "--users", 300, "--items", 100)   # the next writer clears what the killed one left
    assert not any(q.name.startswith(".") for q in d.iterdir())

def test_prices_as_amazon_writes_them(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    rows = "".join(f"u{i % 40},i{i % 25},{1 + i % 5},{T0 + i}\n" for i in range(400))
    with gzip.open(d / "Toys.train.csv.gz", "wt") as g:
        g.write("user_id,parent_asin,rating,timestamp\n" + rows)
    prices = ["$12.99", "from 3.00", "$10.00 - $15.00", "1,299.00", None, "call for price"] * 4 + [7.5]
    with gzip.open(d / "meta_Toys.jsonl.gz", "wt") as g:
        g.write("".join(json.dumps(dict(parent_asin=f"i{i}", price=p)) + "\n" for i, p in enumerate(prices[:25])))
    from hybridrec.data import read_meta
    m = read_meta(str(d / "meta_Toys.jsonl.gz"))
    assert m.price[:4].tolist() == [12.99, 3.0, 10.0, 1299.0]
    r = hr("info", d, "-q")
    assert "column 'price': 4 of 25 values are not prices" in r.stderr and "call for price" in r.stderr

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def test_a_remote_source_that_does_not_answer_fails_fast(tmp_path):
    so = json.dumps({"token": "anon", "project": "test", "endpoint_url": f"http://127.0.0.1:{_closed_port()}"})
    env = dict(os.environ)
    env.pop("STORAGE_EMULATOR_HOST", None)
    r = hr("info", "gs://nobucket/data", "--storage-options", so, "--timeout", "3", "-q", check=False, env=env)
    assert r.returncode == 2, r.stderr
    assert "gs://nobucket/data: no answer within 3 s" in r.stderr and "127.0.0.1" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    run = tmp_path / "r"
    r = hr("run", "--data", "gs://nobucket/data", "--storage-options", so, "-p", "remote_timeout", "3", "--out", run,
           check=False, env=env)
    assert r.returncode == 2 and "gs://nobucket/data: no answer within 3 s" in r.stderr and "Traceback" not in r.stderr
    assert not run.exists()   # the folder it would have created is not left behind

def test_broken_params_and_grid_files_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: [3\n")
    lst = tmp_path / "grid.yaml"
    lst.write_text("- epochs: [1, 2]\n")
    cases = [(["run", "--out", tmp_path / "r", "--params", bad], "not valid YAML"),
             (["run", "--out", tmp_path / "r", "--params", tmp_path / "missing.yaml"], "cannot read it"),
             (["sweep", "--out", tmp_path / "s", "--grid", lst], "expected a mapping"),
             (["sweep", "--out", tmp_path / "s", "--grid", bad], "not valid YAML")]
    for args, words in cases:
        r = hr(*args, check=False)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()
