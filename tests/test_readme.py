import subprocess, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]

def test_readme_generated_from_index_notebook():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    start = text.index("## Quick start")
    block = text[start:].split("```sh", 1)[1].split("```", 1)[0]
    cmds = [l.split("#")[0].strip() for l in block.strip().splitlines()]
    assert cmds == ["bin/demo", "bin/test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bin/test" in ci
