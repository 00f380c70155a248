"""Shared by the bench/ scripts: the machine's description, memory probes, and the seed's `train_df`.

The scripts import it as `_common` (they run as `python bench/NAME.py`, so bench/ is on sys.path)."""
import os, platform, resource, sys


def cpu_model() -> str:
    "The CPU's model name (from /proc/cpuinfo)."
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"): return line.split(":", 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine() or "unknown CPU"


def mem_total_gib() -> float:
    "Total RAM in GiB."
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"): return int(line.split()[1]) / 2**20
    except OSError: pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def status_kb(field: str) -> int:
    "A field of /proc/self/status in KiB (VmRSS, VmHWM), -1 if absent."
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"): return int(line.split()[1])
    return -1


def reset_peak() -> bool:
    "Reset this process's peak RSS (VmHWM) so a stage's own peak can be read; False where the kernel does not allow it."
    try:
        with open("/proc/self/clear_refs", "w") as f: f.write("5")
        return True
    except OSError: return False


def ru_maxrss_mb() -> float:
    "Peak RSS of this process in MiB (getrusage; KiB on Linux, bytes on macOS)."
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 2**10


def seed_train_df(data):
    "The seed's pre-joined `train_df`: reviews + item meta, history space-separated, price -1 = missing, date columns."
    import numpy as np, pandas as pd, pyarrow.compute as pc
    df = data.with_meta("train")
    out = pd.DataFrame({"user_id": df["user_id"].astype(str).to_numpy(), "parent_asin": df["parent_asin"].astype(str).to_numpy(),
                        "rating": df["rating"].to_numpy(dtype="float64"), "timestamp": df["timestamp"].to_numpy()})
    if "history" in df.columns:
        from hybridrec.data import history_lists
        lists = history_lists(df["history"]).array._pa_array  # the loaders keep text; MovieLens and synth give lists
        out["history"] = pd.Series(pd.arrays.ArrowExtensionArray(pc.binary_join(lists, " "))).astype(object).to_numpy()
    else: out["history"] = ""
    out["category"] = df["category"].astype(str).to_numpy()
    for c in ("title", "store"): out[c] = df[c].astype(object).to_numpy() if c in df.columns else None
    out["average_rating"] = df["average_rating"].to_numpy(dtype="float64") if "average_rating" in df.columns else np.nan
    price = df["price"].to_numpy(dtype="float64") if "price" in df.columns else np.full(len(df), np.nan)
    out["price"] = np.where(np.isnan(price), -1.0, price)
    out["price_missing"] = np.isnan(price).astype("int8")
    out["datetime"] = pd.to_datetime(out["timestamp"], unit="ms")
    out["year"] = out["datetime"].dt.year
    return out


def run_header(script: str, argv=None) -> str:
    "The two '# ' lines a bench result starts with: its command, then date, machine and load at start."
    import datetime, os, platform, shlex, sys
    cmd = shlex.join(["python", script, *(sys.argv[1:] if argv is None else argv)])
    return (f"# {cmd}\n# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {cpu_model()}, "
            f"{os.cpu_count()} cores, {mem_total_gib():.1f} GiB, load average {os.getloadavg()[0]:.1f} at start; "
            f"python {platform.python_version()}")
