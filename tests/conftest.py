"""Shared fixtures for the integration tests: a real GCS emulator process, started and stopped by PID."""
import os, socket, subprocess, sys, time, signal
from pathlib import Path
import pytest

# gcsfs >= 2025 probes a gRPC (zonal/HNS) endpoint unless this is off, and against the GCS emulator every
# call then stalls ~60 s; it must be set before gcsfs is imported.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def wait_port(port, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None: raise RuntimeError(f"gcp-storage-emulator exited early with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0: return
        time.sleep(0.1)
    raise TimeoutError(f"gcp-storage-emulator did not listen on 127.0.0.1:{port} within {timeout}s")

@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory):
    "Start `gcp-storage-emulator` on a free loopback port; yield (endpoint, storage_options); stop it by PID."
    port = free_port()
    log = tmp_path_factory.mktemp("gcs") / "emulator.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "gcp-storage-emulator"), "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, proc)
        endpoint = f"http://127.0.0.1:{port}"
        old = os.environ.get("STORAGE_EMULATOR_HOST")
        os.environ["STORAGE_EMULATOR_HOST"] = endpoint
        yield endpoint, {"token": "anon", "project": "test", "endpoint_url": endpoint}
        if old is None: os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else: os.environ["STORAGE_EMULATOR_HOST"] = old
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try: proc.wait(10)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()

@pytest.fixture
def gcs_bucket(gcs_emulator, request):
    "A fresh bucket on the emulator; yields (gcsfs filesystem, bucket name, storage_options)."
    import gcsfs
    endpoint, so = gcs_emulator
    fs = gcsfs.GCSFileSystem(**so)
    name = "hybridrec-" + request.node.name.lower().replace("_", "-").replace("[", "-").replace("]", "")[:40]
    fs.mkdir(name)
    yield fs, name, so
    fs.rm(name, recursive=True)
