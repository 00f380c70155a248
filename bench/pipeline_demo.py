"""Time the main job: `hybridrec run --data demo` (default demo size) into a fresh folder, twice.

The second run measures resume: every stage unchanged, so skipped. Prints seconds per stage (from the
run's status.json), the wall time of each invocation, the machine and the command.
Usage: python bench/pipeline_demo.py [-p NAME VALUE ...]   (extra arguments go to `hybridrec run`)"""
import json, os, platform, shlex, subprocess, sys, tempfile, time
from pathlib import Path

def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    ram = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 2**20
    return f"{cpu}, {os.cpu_count()} cores, {ram:.1f} GiB RAM, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"

def main(extra):
    exe = Path(sys.executable).parent / "hybridrec"
    out = Path(tempfile.mkdtemp(prefix="hybridrec-bench-")) / "demo"
    print(f"command : python bench/pipeline_demo.py {shlex.join(extra)}".rstrip())
    print(f"date    : {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\nmachine : {machine()}")
    for label in ("first run", "second run (resume)"):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "run", "--data", "demo", "--out", str(out), "-q", *extra], check=True, capture_output=True)
        wall = time.perf_counter() - t0
        st = json.loads((out / "status.json").read_text())
        stages = ", ".join(f"{s} {'skipped' if v.get('skipped') else str(v.get('seconds')) + ' s'}" for s, v in st["stages"].items())
        print(f"{label:20s}: {wall:6.1f} s wall  ({stages})")
    m = json.loads((out / "metrics.json").read_text())
    d = m["dataset"]
    print(f"data    : SYNTHETIC demo, {d['n_users']:,} users x {d['n_items']:,} items after prepare, {d['train_interactions']:,} training interactions")
    print("test NDCG@10 (all test users): " + ", ".join(f"{n} {v['metrics']['ndcg@10']:.4f}" for n, v in m["models"].items()))

if __name__ == "__main__": main(sys.argv[1:])
