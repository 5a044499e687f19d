"""Driver for bench/live-bench (see that script for what it measures)."""
import argparse
import base64
import concurrent.futures
import filecmp
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import minivault_bench as mb  # noqa: E402  (bench/minivault_bench.py)
import minivault as mvlib  # noqa: E402  (tests/lib/minivault.py)
import vk_util  # noqa: E402  (tests/lib/vk_util.py)
from live import PREFIX, key_names, write_secret_file  # noqa: E402  (tests/lib/live.py)

SNAP_PATH = "/v1/sys/storage/raft/snapshot"
PASSWORD = "live-bench"  # both repositories; passed through the environment only
CHANGE_EVERY = 100  # the second backup follows a rewrite of every 100th secret (1 %)
MARKER = "bench/marker"  # written before each restore; a restore must remove it
RESTIC = shutil.which("restic") or "/usr/bin/restic"


class Tools:
    """The commands under test and their anchors, with the secrets they
    need in 0600 files or the environment, never in argv."""

    def __init__(self, bin_dir, scratch, cluster):
        self.vk = os.path.join(bin_dir, "vaultkeep")
        self.restic = RESTIC
        self.scratch = scratch
        self.cluster = cluster
        self.vk_repo = os.path.join(scratch, "vk-repo")
        self.rs_repo = os.path.join(scratch, "restic-repo")
        self.rs_cache = os.path.join(scratch, "restic-cache")
        self.vk_env = vk_util.clean_env(VAULTKEEP_PASSWORD=PASSWORD)
        self.rs_env = vk_util.clean_env(RESTIC_PASSWORD=PASSWORD,
                                        RESTIC_CACHE_DIR=self.rs_cache)
        # vaultkeep reads the token and the KubeVault-named keys from files,
        # curl reads the token header from a file (-H @FILE).
        self.key_dir = os.path.join(scratch, "keys")
        os.mkdir(self.key_dir, 0o700)
        for name, value in zip(key_names(PREFIX, len(cluster.keys)),
                               [cluster.root] + cluster.keys):
            write_secret_file(os.path.join(self.key_dir, name), value + "\n")
        self.token_file = write_secret_file(os.path.join(scratch, "token"),
                                            cluster.root + "\n")
        self.header_file = write_secret_file(
            os.path.join(scratch, "curl-headers"),
            f"X-Vault-Token: {cluster.root}\n")

    def addrs(self):
        out = []
        for node in self.cluster.nodes:
            out += ["--vault-addr", node.addr]
        return out

    def fresh_repos(self):
        """Empty vaultkeep and restic repositories (and no restic cache)."""
        for d in (self.vk_repo, self.rs_repo, self.rs_cache):
            shutil.rmtree(d, ignore_errors=True)
        measured([self.vk, "init", "-r", self.vk_repo], self.vk_env, self.log("init"))
        measured([self.restic, "-q", "-r", self.rs_repo, "init",
                  "--repository-version", "2"], self.rs_env, self.log("init"))

    def log(self, name):
        return os.path.join(self.scratch, f"{name}.log")

    # --- the tool ---------------------------------------------------------

    def vk_backup(self):
        """`vaultkeep backup` of the live cluster; (seconds, peak RSS KiB,
        its --json result, repository growth in bytes)."""
        before = tree_bytes(self.vk_repo)
        out = os.path.join(self.scratch, "backup.json")
        secs, rss = measured(
            [self.vk, "backup", "-r", self.vk_repo, "--token-file", self.token_file,
             "--key-dir", self.key_dir, "--key-prefix", PREFIX, "--json",
             *self.addrs()], self.vk_env, self.log("vk-backup"), stdout_path=out)
        with open(out) as f:
            result = json.load(f)
        return secs, rss, result, tree_bytes(self.vk_repo) - before

    def vk_restore(self):
        """`vaultkeep restore latest` into the same cluster (same keys: no
        --force); (seconds, peak RSS KiB, {step: seconds} from its report)."""
        out = os.path.join(self.scratch, "restore.txt")
        secs, rss = measured(
            [self.vk, "restore", "latest", "-r", self.vk_repo, "--token-file",
             self.token_file, "--key-dir", self.key_dir, "--key-prefix", PREFIX,
             *self.addrs()], self.vk_env, self.log("vk-restore"), stdout_path=out)
        with open(out) as f:
            return secs, rss, restore_steps(f.read())

    # --- the anchors: what a cron job with curl and restic does -------------

    def curl_get(self, node, path):
        """GET the snapshot from the active node to a file; (seconds, bytes)."""
        secs, _ = measured(["curl", "-sS", "-f", "-H", f"@{self.header_file}",
                            "-o", path, node.addr + SNAP_PATH], None, self.log("curl"))
        return secs, os.path.getsize(path)

    def curl_post(self, node, path):
        """POST a snapshot file (streamed by -T) to the active node; seconds
        to the 204. `Expect:` off: no 100-continue round trip."""
        secs, _ = measured(["curl", "-sS", "-f", "-X", "POST", "-H", "Expect:",
                            "-H", f"@{self.header_file}", "-T", path,
                            node.addr + SNAP_PATH], None, self.log("curl"))
        return secs

    def restic_backup(self, path):
        """The snapshot file into the restic repository (as a cron job or
        Stash would); (seconds, peak RSS KiB, repository growth in bytes)."""
        before = tree_bytes(self.rs_repo)
        secs, rss = measured([self.restic, "-q", "-r", self.rs_repo, "backup",
                              "--stdin", "--stdin-filename", "vault.snap"],
                             self.rs_env, self.log("restic"), stdin_path=path)
        return secs, rss, tree_bytes(self.rs_repo) - before

    def restic_dump(self, path):
        """The latest snapshot file back out of restic; (seconds, peak RSS KiB)."""
        return measured([self.restic, "-q", "-r", self.rs_repo, "dump", "latest",
                         "/vault.snap"], self.rs_env, self.log("restic"),
                        stdout_path=path)


def measured(cmd, env, log_path, stdin_path=None, stdout_path=None):
    """Runs cmd to completion; returns (wall seconds, peak RSS in KiB). The
    peak is wait4's ru_maxrss: the child's own high-water mark (VmHWM),
    exact, no sampling. stderr goes to log_path, shown if the command fails."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        with open(log_path, "wb") as log:
            t0 = time.monotonic()
            p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=log,
                                 env=env, start_new_session=True)
            try:
                _, status, usage = os.wait4(p.pid, 0)
            except BaseException:  # e.g. Ctrl-C: leave no child behind
                p.kill()
                p.wait()
                raise
            secs = time.monotonic() - t0
    finally:
        for f in (stdin, stdout):
            if f is not subprocess.DEVNULL:
                f.close()
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4
    if p.returncode != 0:
        with open(log_path, errors="replace") as f:
            raise SystemExit(f"{' '.join(cmd[:3])} ... exited {p.returncode}:\n"
                             f"{f.read()[-3000:]}")
    return secs, usage.ru_maxrss


def tree_bytes(path):
    """Total size of the files under path (a repository's bytes on disk,
    as `du -sb` counts them less the directory entries)."""
    total = 0
    for d, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def restore_steps(report):
    """{step: seconds} from the step lines vaultkeep restore prints, e.g.
    "  upload              2.1 s  ..." (the first occurrence of each)."""
    steps = {}
    for m in re.finditer(r"^\s*(upload|restore applied|unsealed|healthy|probe)"
                         r"\s+([0-9.]+) s\b", report, re.M):
        steps.setdefault(m.group(1), float(m.group(2)))
    return steps


def rewrite(node, token, n):
    """New random values for every CHANGE_EVERY-th of the n bench secrets,
    starting half a step in (not at the first record, so the new archive
    keeps an unchanged prefix that restic's chunking could reuse). Each gets
    a new KV v2 version; the old versions stay in the store, as in Vault.
    Returns {path: new data}."""
    ids = range(min(CHANGE_EVERY // 2, n // 2), n, CHANGE_EVERY)
    data = {f"bench/{i:06d}": {"v": base64.b64encode(os.urandom(192 << 10)).decode()}
            for i in ids}  # 256 KiB values, as fill() writes

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda path: node.put_secret(token, path, data[path]), data))
    return data


def wait_applied(node, before, timeout=600):
    """Polls until the node's applied raft index passes `before` and it is
    active again: the uploaded snapshot is being served."""
    deadline = time.monotonic() + timeout
    while True:
        idx = mb.applied_index(node)
        if idx is not None and idx > before and node.health_status() == 200:
            return
        if time.monotonic() > deadline:
            raise SystemExit("the restored snapshot was not applied in time")
        time.sleep(0.005)


def settle(cluster, timeout=600):
    """Waits until one node is active, the others are unsealed standbys and
    every node applied at least the active node's current raft index (a
    restore reaches the standbys after the active node answers). Untimed
    for the comparison; returns the seconds it took."""
    t0 = time.monotonic()
    target = mb.applied_index(cluster.active(timeout=timeout))
    while True:
        health = sorted(n.health_status() for n in cluster.nodes)
        idx = [mb.applied_index(n) for n in cluster.nodes]
        if (health == [200] + [429] * (len(cluster.nodes) - 1)
                and all(i is not None and i >= target for i in idx)):
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"cluster not settled: health {health}, applied {idx}, "
                             f"want {target}")
        time.sleep(0.02)


def kv_call(cluster, method, path, wanted, json=None, timeout=120):
    """A KV v2 request to the active node, repeated until its status is in
    `wanted`: after a restore a write or read can land on a node that just
    stepped down (500 "not the active node") while the cluster settles.
    Untimed. Returns (status, body)."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = cluster.active(timeout=timeout).call(
            method, f"/v1/secret/data/{path}", token=cluster.root, json=json)
        if status in wanted:
            return status, body
        if time.monotonic() > deadline:
            raise SystemExit(f"{method} secret/{path}: {status} {body}")
        print(f"{method} secret/{path}: {status} {body}; retrying", file=sys.stderr)
        time.sleep(0.2)


def put_marker(cluster):
    kv_call(cluster, "POST", MARKER, {200}, json={"data": {"v": "after the backup"}})


def check_marker_gone(cluster, what):
    """The restore went back to the backed-up state: the marker written
    after the backup is gone (a 404, not just any failed read)."""
    if kv_call(cluster, "GET", MARKER, {200, 404})[0] != 404:
        raise SystemExit(f"{what}: the secret written after the backup is "
                         "still there; the restore did not happen")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--size", default="256M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.size, a.runs = "32M", 1
    if a.runs < 1 or not 1 <= a.nodes <= 7:
        ap.error("--runs must be >= 1 and --nodes 1 to 7")
    out_root = os.path.join(HERE, "out")
    os.makedirs(out_root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="live-bench-", dir=out_root)
    # The servers' data directories (tempfile.mkdtemp in tests/lib) go
    # under the scratch directory too, so everything is on one disk and goes
    # away with it.
    tempfile.tempdir = scratch
    try:
        a.bin = private_binaries(a.bin, scratch)
        run(a, mb.parse_size(a.size), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def private_binaries(bin_dir, scratch):
    """Copies vaultkeep and minivault into the scratch directory and runs
    those: a rebuild of build/bin during the run cannot mix versions or
    swap in a half-built binary. Returns the copy's directory."""
    dst = os.path.join(scratch, "bin")
    os.mkdir(dst)
    for name in ("vaultkeep", "minivault"):
        shutil.copy2(os.path.join(bin_dir, name), dst)
    mvlib.BIN = dst  # tests/lib/minivault.py starts servers from here
    built = time.localtime(os.path.getmtime(os.path.join(dst, "vaultkeep")))
    print(f"vaultkeep binary built {time.strftime('%Y-%m-%d %H:%M:%S', built)}",
          file=sys.stderr)
    return dst


def run(a, target, scratch):
    cluster = mvlib.MiniVaultCluster(a.nodes, prefix="bench-node")
    try:
        cluster.form(shares=5, threshold=3)
        active = cluster.active()
        t = Tools(a.bin, scratch, cluster)
        fill_s = mb.fill(active, cluster.root, target)
        n = max(1, target // ((256 << 10) + 200))  # as fill() computes it
        snap1 = os.path.join(scratch, "snap1.snap")
        snap2 = os.path.join(scratch, "snap2.snap")

        # 1. First backup, fresh repositories each run.
        b1 = []
        for r in range(a.runs):
            print(f"backup {r + 1}/{a.runs}: vaultkeep, then curl + restic",
                  file=sys.stderr)
            t.fresh_repos()
            vk = t.vk_backup()
            cg = t.curl_get(active, snap1)
            rs = t.restic_backup(snap1)
            b1.append((vk, cg, rs))
        os.remove(snap1)

        # 2. About 1 % of the secrets rewritten, then a second backup into
        # the repositories the last run left (each holds one backup).
        print("rewriting 1 % of the secrets; second backup", file=sys.stderr)
        changed = rewrite(active, cluster.root, n)
        vk2 = t.vk_backup()
        cg2 = t.curl_get(active, snap2)
        rs2 = t.restic_backup(snap2)

        # 3. Restore the second backup into the same cluster, by each way.
        # A marker written just before proves each restore took effect.
        rest = []
        for r in range(a.runs):
            print(f"restore {r + 1}/{a.runs}: vaultkeep, then restic dump + curl",
                  file=sys.stderr)
            put_marker(cluster)
            settle(cluster)
            vr = t.vk_restore()
            vk_settle = settle(cluster)
            check_marker_gone(cluster, "vaultkeep restore")
            put_marker(cluster)
            settle(cluster)
            active = cluster.active()
            before = mb.applied_index(active)
            out = os.path.join(scratch, "restored.snap")
            dump_s, dump_rss = t.restic_dump(out)
            if not filecmp.cmp(out, snap2, shallow=False):  # untimed check
                raise SystemExit("restic dump differs from the snapshot it stored")
            t0 = time.monotonic()
            t.curl_post(active, out)
            wait_applied(active, before)
            post_s = time.monotonic() - t0
            curl_settle = settle(cluster)
            check_marker_gone(cluster, "curl restore")
            os.remove(out)
            rest.append((vr, dump_s, dump_rss, post_s, vk_settle, curl_settle))
        # The restored state is the second backup's: a rewritten secret
        # reads back with its new value.
        path = next(iter(changed))
        if kv_call(cluster, "GET", path, {200})[1]["data"]["data"] != changed[path]:
            raise SystemExit(f"{path} is not the rewritten value after the restores")
    finally:
        cluster.close()

    report(a, fill_s, n, changed, b1, (vk2, cg2, rs2), rest)


def report(a, fill_s, n, changed, b1, second, rest):
    med = statistics.median
    mib = 1 << 20
    vk2, cg2, rs2 = second
    res1 = b1[-1][0][2]  # vaultkeep's --json of the last first backup
    snap1_bytes, snap2_bytes = b1[-1][1][1], cg2[1]
    mb1, mb2 = snap1_bytes / 1e6, snap2_bytes / 1e6  # MB/s: of the archive backed up

    vk_b = med(x[0][0] for x in b1)
    curl_b = med(x[1][0] for x in b1)
    rs_b = med(x[2][0] for x in b1)
    anchor_b = med(x[1][0] + x[2][0] for x in b1)
    vk_rss_b = max(x[0][1] for x in b1)
    rs_rss_b = max(x[2][1] for x in b1)
    vk_r = med(x[0][0] for x in rest)
    vk_rss_r = max(x[0][1] for x in rest)
    dump_r = med(x[1] for x in rest)
    post_r = med(x[3] for x in rest)
    anchor_r = med(x[1] + x[3] for x in rest)
    rs_rss_r = max(x[2] for x in rest)
    steps = rest[-1][0][2]

    print()
    print(f"### live backup and restore, {a.size} store, {a.nodes}-node minivault "
          f"cluster ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    print()
    print(f"Command: `bench/live-bench --size {a.size} --runs {a.runs} --nodes {a.nodes}`. "
          f"{a.nodes} minivault node(s) on loopback (5 shares, threshold 3), filled "
          f"through KV v2 with {n} secrets of 256 KiB in {fill_s:.1f} s; snapshot "
          f"archive {snap1_bytes / mib:.1f} MiB (state.bin {res1['state_bytes'] / mib:.1f} MiB). "
          f"{restic_version()}, repository v2, cache on. Medians of {a.runs} run(s); "
          f"fresh repositories for each first backup. MB/s of the snapshot archive; "
          f"peak RSS is ru_maxrss (VmHWM) of the process.")
    print()
    print("| operation | time | MB/s | anchor | anchor time | ratio (vaultkeep/anchor) "
          "| vaultkeep peak RSS | anchor peak RSS (restic) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| `vaultkeep backup` (first) | {vk_b:.2f} s | {mb1 / vk_b:.1f} | "
          f"curl GET snapshot + `restic backup --stdin` | {anchor_b:.2f} s "
          f"({curl_b:.2f} + {rs_b:.2f}) | {vk_b / anchor_b:.2f}x | "
          f"{vk_rss_b / 1024:.1f} MiB | {rs_rss_b / 1024:.1f} MiB |")
    print(f"| `vaultkeep backup` after 1 % rewritten | {vk2[0]:.2f} s | "
          f"{mb2 / vk2[0]:.1f} | curl GET snapshot + `restic backup --stdin` | "
          f"{cg2[0] + rs2[0]:.2f} s ({cg2[0]:.2f} + {rs2[0]:.2f}) | "
          f"{vk2[0] / (cg2[0] + rs2[0]):.2f}x | {vk2[1] / 1024:.1f} MiB | "
          f"{rs2[1] / 1024:.1f} MiB |")
    print(f"| `vaultkeep restore latest` (same cluster) | {vk_r:.2f} s | "
          f"{mb2 / vk_r:.1f} | `restic dump` + curl POST snapshot + wait until "
          f"applied | {anchor_r:.2f} s ({dump_r:.2f} + {post_r:.2f}) | "
          f"{vk_r / anchor_r:.2f}x | {vk_rss_r / 1024:.1f} MiB | "
          f"{rs_rss_r / 1024:.1f} MiB |")
    print()
    print("vaultkeep restore steps (last run): " + ", ".join(
        f"{k} {v:.1f} s" for k, v in steps.items()) + ". Until every standby "
        f"had applied the restore too (untimed above, median): "
        f"{med(x[4] for x in rest):.2f} s more after vaultkeep, "
        f"{med(x[5] for x in rest):.2f} s more after the anchor.")
    print()
    pct = 100 / snap2_bytes
    print(f"Bytes added to the repository (on-disk growth); the second backup "
          f"follows {len(changed)} of {n} secrets rewritten (a new KV v2 version each). "
          f"Second snapshot archive: {snap2_bytes:,} bytes.")
    print()
    print("| backup | vaultkeep | restic (curl'd snapshot) | storing the whole snapshot |")
    print("|---|---|---|---|")
    print(f"| first | {b1[-1][0][3]:,} | {b1[-1][2][2]:,} | {snap1_bytes:,} |")
    print(f"| second, 1 % rewritten | {vk2[3]:,} ({vk2[3] * pct:.2f} %) | "
          f"{rs2[2]:,} ({rs2[2] * pct:.2f} %) | {snap2_bytes:,} (100 %) |")
    print()
    print(f"vaultkeep's own count for the second backup: {vk2[2]['new_chunks']} new "
          f"of {vk2[2]['chunks']} chunks, added_bytes {vk2[2]['added_bytes']:,}.")


def restic_version():
    r = subprocess.run([RESTIC, "version"], capture_output=True, text=True)
    return " ".join(r.stdout.split()[:2]) or "restic"


if __name__ == "__main__":
    main()
