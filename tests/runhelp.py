"""Helpers shared by the integration tests of run folders and input checks: run the installed
`hybridrec` console script, snapshot result files, wait for a condition, stop what a test started
(by PID)."""
import json, os, signal, subprocess, sys, time
from pathlib import Path

BIN = Path(sys.executable).parent / "hybridrec"
SMALL = ["-p", "demo_users", "800", "-p", "demo_items", "300", "-p", "epochs", "3", "-p", "als_epochs", "3",
         "-p", "threads", "1"]
RESULTS = ("params.json", "metrics.json", "report.html", "plots", "notebooks", "prepared", "features", "models",
           "evaluation", "report")

def hr(*args, check=True, timeout=900, **kw):
    "Run `hybridrec ARGS`; with `check`, fail the test (showing its output) unless it exits 0."
    r = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)
    if check:
        assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r

def start(*args, **kw):
    "Start `hybridrec ARGS` in its own session (so a test can signal exactly it); output to pipes."
    return subprocess.Popen([str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)

def stop(proc, sig=signal.SIGKILL):
    "Stop a process this test started, by its PID, and reap it."
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
    return proc.communicate(timeout=120)

def wait_for(pred, proc=None, timeout=600, what="the condition"):
    "Poll `pred()` until true; fail if `proc` ends first or after `timeout` s (a hang guard, not a timing target)."
    deadline = time.monotonic() + timeout
    while not pred():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what}\n{out[-2000:]}\n{err[-2000:]}")
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.1)

def status(run):
    "The run folder's status.json ({} while it does not exist or is being replaced)."
    try:
        return json.loads((Path(run) / "status.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}

def snapshot(run, names=RESULTS):
    "Relative path -> bytes of every file under the result entries of a run folder."
    run, out = Path(run), {}
    for name in names:
        p = run / name
        files = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file()) if p.exists() else []
        out.update({str(f.relative_to(run)): f.read_bytes() for f in files})
    return out

def processes_in(folder):
    "PIDs of live processes whose working folder is inside `folder` (kernels of a run)."
    folder, pids = str(Path(folder).resolve()), []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cwd = os.readlink(d / "cwd")
        except OSError:
            continue
        if cwd == folder or cwd.startswith(folder + os.sep):
            pids.append(int(d.name))
    return pids
