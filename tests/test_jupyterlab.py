"""`jupyter lab` from the repo serves the notebooks (started for real, stopped by PID)."""
import json, os, signal, subprocess, sys, time, urllib.request, secrets
from pathlib import Path
from conftest import free_port, ROOT

def test_jupyter_lab_opens_the_notebooks(tmp_path):
    port, token = free_port(), secrets.token_hex(8)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--allow-root"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline, listing = time.monotonic() + 90, None
        while time.monotonic() < deadline and listing is None:
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"{base}/api/contents/nbs?token={token}", timeout=5) as r: listing = json.load(r)
            except OSError: time.sleep(0.5)
        assert listing is not None, "jupyter lab did not answer within 90 s"
        served = sorted(c["name"] for c in listing["content"] if c["name"].endswith(".ipynb"))
        assert served == sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
        with urllib.request.urlopen(f"{base}/api/contents/nbs/00_data.ipynb?token={token}", timeout=10) as r:
            nb = json.load(r)["content"]
        assert nb["cells"] and any("load_amazon" in "".join(c["source"]) for c in nb["cells"])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(15)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
