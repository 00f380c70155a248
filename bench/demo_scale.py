"""Time `hybridrec.demo.write_demo` at scale (default 200k users x 50k items x ~2M reviews) into a local temp folder.

Prints wall seconds, peak RSS (resource.getrusage), output size, the machine (cores, memory) and the command.
Usage: python bench/demo_scale.py [--users N] [--items N] [--reviews-per-user R] [--seed S] [--out DIR]
"""
import argparse, os, platform, resource, shlex, sys, tempfile, time
from _common import mem_total_gib as _mem_total_gb, ru_maxrss_mb as _peak_rss_mb
from pathlib import Path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=200_000)
    p.add_argument("--items", type=int, default=50_000)
    p.add_argument("--reviews-per-user", type=float, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="folder to write into (default: a temporary folder, removed afterwards)")
    a = p.parse_args(argv)
    from hybridrec.demo import write_demo
    base = _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="demo_scale_") as tmp:
        out = a.out or str(Path(tmp) / "demo")
        t0, c0 = time.perf_counter(), time.process_time()
        s = write_demo(out, a.users, a.items, a.seed, reviews_per_user=a.reviews_per_user)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = sum(f.stat().st_size for f in Path(out).iterdir())
        n = sum(s["reviews"].values())
        print(f"command : {shlex.join([sys.executable, *sys.argv])}")
        print(f"machine : {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cores, "
              f"{_mem_total_gb():.1f} GiB RAM, load average {os.getloadavg()[0]:.2f}")
        print(f"data    : {a.users:,} users x {a.items:,} items -> {n:,} reviews "
              f"({', '.join(f'{k} {v:,}' for k, v in s['reviews'].items())}), {len(s['files'])} files, {size / 2**20:.0f} MiB on disk")
        print(f"time    : {wall:.1f} s wall, {cpu:.1f} s CPU")
        print(f"memory  : peak RSS {_peak_rss_mb():.0f} MiB (after imports {base:.0f} MiB)")


if __name__ == "__main__":
    main()
