"""Driver for bench/minivault-bench (see that script for what it measures)."""
import argparse
import base64
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
import minivault as mvlib  # noqa: E402  (tests/lib/minivault.py)


def parse_size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s[-1] in units:
        return int(s[:-1]) * units[s[-1]]
    return int(s)


class RssSampler:
    """Samples a process's RssAnon (kB) until stopped; keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            self.peak = max(self.peak, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.02)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def stream(mv, method, path, token, out_path=None, body_path=None):
    """A snapshot request with the body streamed from/to a file; returns the
    status. urllib reads and writes in pieces, so the client holds no
    archive in memory either."""
    headers = {"X-Vault-Token": token}
    data = None
    if body_path:
        data = open(body_path, "rb")
        headers["Content-Length"] = str(os.path.getsize(body_path))
    req = urllib.request.Request(mv.addr + path, data=data, headers=headers,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=3600) as r:
            if out_path:
                with open(out_path, "wb") as f:
                    shutil.copyfileobj(r, f, 1 << 20)
            else:
                r.read()
            return r.status
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{method} {path}: {e.code} {e.read()[:300]!r}")
    finally:
        if data:
            data.close()


def applied_index(mv):
    try:
        status, body = mv.call("GET", "/v1/sys/leader")
    except OSError:
        return None
    return body.get("raft_applied_index") if status == 200 else None


def timed(cmd, **kw):
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, **kw)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--size", default="1G")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.size, a.runs = "64M", 1
    target = parse_size(a.size)
    os.environ["VK_BIN"] = a.bin
    out_root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out_root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="minivault-bench-", dir=out_root)
    try:
        run(a, target, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def verified_state(bin_dir, archive, scratch):
    """`vaultkeep verify` of the archive, then its state.bin extracted into
    scratch (the anchor's input); returns (path, size)."""
    subprocess.run([os.path.join(bin_dir, "vaultkeep"), "verify", archive],
                   check=True, stdout=subprocess.DEVNULL)
    state_path = os.path.join(scratch, "state.bin")
    with tarfile.open(archive, "r:gz") as tf:
        state_size = tf.getmember("state.bin").size
        with tf.extractfile("state.bin") as src, open(state_path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return state_path, state_size


def fill(mv, token, target):
    """Writes ~target bytes of 256 KiB secrets through KV v2 with 4 clients;
    returns the seconds it took. Random (incompressible) values, like
    Vault's: every stored value is AES-GCM ciphertext whatever the secret."""
    value_bytes = 256 << 10
    n = max(1, target // (value_bytes + 200))
    print(f"filling: {n} secrets of {value_bytes >> 10} KiB ...", file=sys.stderr)

    def put(i):
        v = base64.b64encode(os.urandom(value_bytes * 3 // 4)).decode()
        s, _, b = mv.request("POST", f"/v1/secret/data/bench/{i:06d}", token=token,
                             json={"data": {"v": v}})
        assert s == 200, b

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(put, range(n)))
    return time.monotonic() - t0


def run(a, target, scratch):
    mv = mvlib.MiniVault(data_dir=os.path.join(scratch, "data"))
    try:
        _, token = mv.setup(1, 1)
        fill_s = fill(mv, token, target)

        archive = os.path.join(scratch, "snap.tar.gz")
        save_times, save_rss = [], 0
        for _ in range(a.runs):
            with RssSampler(mv.proc.pid) as rss:
                t0 = time.monotonic()
                st = stream(mv, "GET", "/v1/sys/storage/raft/snapshot", token,
                            out_path=archive)
                save_times.append(time.monotonic() - t0)
            assert st == 200
            save_rss = max(save_rss, rss.peak)
        state_path, state_size = verified_state(a.bin, archive, scratch)
        archive_size = os.path.getsize(archive)
        gz_times = [timed(["gzip", "-6", "-c", state_path], stdout=subprocess.DEVNULL)
                    for _ in range(a.runs)]
        os.remove(state_path)

        restore_204, restore_done, restore_rss = [], [], 0
        gunzip_times = []
        for _ in range(a.runs):
            before = applied_index(mv)
            with RssSampler(mv.proc.pid) as rss:
                t0 = time.monotonic()
                st = stream(mv, "POST", "/v1/sys/storage/raft/snapshot", token,
                            body_path=archive)
                t1 = time.monotonic()
                assert st == 204, st
                while True:  # the restore runs after the 204
                    idx = applied_index(mv)
                    if idx is not None and idx > before:
                        break
                    time.sleep(0.005)
                t2 = time.monotonic()
            restore_rss = max(restore_rss, rss.peak)
            restore_204.append(t1 - t0)
            restore_done.append(t2 - t0)
            gunzip_times.append(timed(["gzip", "-dc", archive], stdout=subprocess.DEVNULL))
        s, _, b = mv.request("GET", "/v1/secret/data/bench/000000", token=token)
        assert s == 200, b
    finally:
        mv.stop()
        mv.close()

    mb = state_size / 1e6
    med = statistics.median
    rows = [
        ("save (GET snapshot)", med(save_times), "gzip -6 of state.bin", med(gz_times), save_rss),
        ("restore, to 204", med(restore_204), "gzip -dc of the archive", med(gunzip_times), restore_rss),
        ("restore, served", med(restore_done), "gzip -dc of the archive", med(gunzip_times), restore_rss),
    ]
    print()
    print(f"### minivault snapshot endpoints, {a.size} store "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print()
    print(f"Command: `bench/minivault-bench --size {a.size} --runs {a.runs}`. "
          f"Store filled through KV v2 in {fill_s:.1f} s; state.bin {state_size / 2**20:.1f} MiB, "
          f"archive {archive_size / 2**20:.1f} MiB. Medians of {a.runs} runs.")
    print()
    print("| operation | time | MB/s (state.bin) | anchor | anchor time | anchor MB/s | ratio (anchor/ours) | server peak RssAnon |")
    print("|---|---|---|---|---|---|---|---|")
    for name, t, anchor, at, rss in rows:
        print(f"| {name} | {t:.2f} s | {mb / t:.0f} | {anchor} | {at:.2f} s | {mb / at:.0f} | "
              f"{at / t:.2f}x | {rss / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
