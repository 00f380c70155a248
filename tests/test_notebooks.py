"""Run every notebook in nbs/ as a test (nbdev's runner: honours `#| notest`-style flags), plus a
guard that the committed library is what `nbdev_export` produces from the notebooks."""
import subprocess, sys, shutil, filecmp
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook_runs(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)
    ok, secs = run_notebook(nb, skip_flags=["notest", "slow"], do_print=False)
    assert ok, f"{nb.name} failed (run `nbdev_test --path {nb.relative_to(ROOT)}` to see the cell)"

def test_library_in_sync_with_notebooks(tmp_path):
    "nbdev_export into a copy must reproduce hybridrec/ byte for byte."
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "runs", "_docs", "_site", "__pycache__", "*.egg-info"))
    exporter = Path(sys.executable).parent / "nbdev_export"
    subprocess.run([str(exporter)], cwd=copy, check=True, capture_output=True)
    lib, exported = ROOT / "hybridrec", copy / "hybridrec"
    names = sorted(p.name for p in lib.glob("*.py")) ; new = sorted(p.name for p in exported.glob("*.py"))
    assert names == new, f"module lists differ: committed {names} vs exported {new}"
    stale = [n for n in names if not filecmp.cmp(lib / n, exported / n, shallow=False)]
    assert not stale, f"hybridrec/{stale} differ from what nbdev-export writes: run nbdev_export and commit"

def test_notebooks_are_formatted():
    "Every code cell of nbs/ and the stage notebooks is as tools/format_notebooks.py (black, 100 columns) leaves it."
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "format_notebooks.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, f"run `python tools/format_notebooks.py` and commit:\n{r.stdout}{r.stderr}"
