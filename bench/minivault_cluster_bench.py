"""Driver for bench/minivault-cluster-bench (see that script for what it
measures)."""
import argparse
import base64
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
import minivault as mvlib  # noqa: E402  (tests/lib/minivault.py)
from minivault_bench import (fill, parse_size, stream, timed,  # noqa: E402
                             verified_state)


def write_rate(node, token, writers, seconds, prefix):
    """Secrets of 1 KiB written for `seconds` by `writers` threads; writes/s."""
    value = base64.b64encode(os.urandom(768)).decode()
    deadline = time.monotonic() + seconds

    def loop(w):
        n = 0
        while time.monotonic() < deadline:
            s, _, b = node.request("POST", f"/v1/secret/data/{prefix}/{w}/{n}",
                                   token=token, json={"data": {"v": value}})
            assert s == 200, b
            n += 1
        return n

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(writers) as ex:
        total = sum(ex.map(loop, range(writers)))
    return total / (time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.size, a.runs, a.seconds = "64M", 1, 3
    os.environ["VK_BIN"] = a.bin
    out_root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out_root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="minivault-cluster-bench-", dir=out_root)
    try:
        run(a, parse_size(a.size), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(a, target, scratch):
    rows = []
    # 1. Replicated writes: 3 nodes vs the same server as a cluster of one.
    single = mvlib.MiniVault()
    cluster = mvlib.MiniVaultCluster(3)
    try:
        try:
            _, token1 = single.setup(1, 1)
            cluster.form(1, 1)
            active = cluster.active()
            for writers in (1, 8, 32):
                one = statistics.median(write_rate(single, token1, writers, a.seconds,
                                                   f"w{writers}-{r}")
                                        for r in range(a.runs))
                three = statistics.median(write_rate(active, cluster.root, writers,
                                                     a.seconds, f"w{writers}-{r}")
                                          for r in range(a.runs))
                rows.append((writers, three, one))
        finally:
            single.stop()
            single.close()

        # 2. Snapshot streaming from the 3-node cluster holding `target` bytes.
        fill_s = fill(active, cluster.root, target)
        archive = os.path.join(scratch, "snap.tar.gz")
        save = []
        for _ in range(a.runs):
            t0 = time.monotonic()
            st = stream(active, "GET", "/v1/sys/storage/raft/snapshot", cluster.root,
                        out_path=archive)
            save.append(time.monotonic() - t0)
            assert st == 200
        state_path, state_size = verified_state(a.bin, archive, scratch)
        gz = [timed(["gzip", "-6", "-c", state_path], stdout=subprocess.DEVNULL)
              for _ in range(a.runs)]
    finally:
        cluster.close()

    med = statistics.median
    mb = state_size / 1e6
    print()
    print(f"### minivault raft cluster ({time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()} cores)")
    print()
    print(f"Command: `bench/minivault-cluster-bench --size {a.size} --runs {a.runs} "
          f"--seconds {a.seconds:g}`. Three nodes on loopback, every write fsynced "
          f"on a majority before the answer; anchor: the same server as a "
          f"one-node cluster. 1 KiB secrets through KV v2. Medians of {a.runs} runs.")
    print()
    print("| concurrent writers | 3 nodes writes/s | 1 node writes/s | ratio (3/1) |")
    print("|---|---|---|---|")
    for writers, three, one in rows:
        print(f"| {writers} | {three:.0f} | {one:.0f} | {three / one:.2f}x |")
    print()
    print(f"Snapshot from the 3-node cluster: store filled in {fill_s:.1f} s "
          f"(replicated); state.bin {state_size / 2**20:.1f} MiB.")
    print()
    print("| operation | time | MB/s (state.bin) | anchor | anchor time | ratio (anchor/ours) |")
    print("|---|---|---|---|---|---|")
    print(f"| GET snapshot from the active node | {med(save):.2f} s | {mb / med(save):.0f} | "
          f"gzip -6 of state.bin | {med(gz):.2f} s | {med(gz) / med(save):.2f}x |")


if __name__ == "__main__":
    main()
