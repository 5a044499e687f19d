"""Driver for bench/s3-bench (see that script for what it measures)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import s3  # noqa: E402  (tests/lib/s3.py: s3rver on loopback)

RESTIC = "/usr/bin/restic"
PASSWORD = "s3-bench"


def run_timed(cmd, env, stdin=None, stdout=subprocess.DEVNULL):
    """(wall seconds, peak RSS MiB) of one command, via GNU time."""
    tf = tempfile.NamedTemporaryFile(delete=False)
    tf.close()
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name, *cmd],
                       env=env, stdin=stdin, stdout=stdout,
                       stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {r.stderr.decode()[-2000:]}")
    with open(tf.name) as f:
        rss = int(f.read().split()[-1]) / 1024
    os.unlink(tf.name)
    return wall, rss


class Bench:
    def __init__(self, a):
        self.a = a
        self.vk = os.path.join(a.bin, "vaultkeep")
        self.work = tempfile.mkdtemp(prefix="s3-bench-", dir=os.path.join(
            HERE, "out"))
        self.server = s3.S3Server(tls=True)
        self.env = s3.s3_env(VAULTKEEP_PASSWORD=PASSWORD,
                             RESTIC_PASSWORD=PASSWORD,
                             RESTIC_CACHE_DIR=os.path.join(self.work, "cache"))
        for k in ("VAULTKEEP_REPOSITORY", "RESTIC_REPOSITORY"):
            self.env.pop(k, None)
        self.tls = ["--cacert", self.server.cert]
        self.n = 0

    def close(self):
        self.server.close()
        shutil.rmtree(self.work, True)

    def fresh(self, kind):
        self.n += 1
        if kind == "local":
            return os.path.join(self.work, f"repo{self.n}"), []
        return self.server.url(f"bench{self.n}"), self.tls

    def vk_cmd(self, *args):
        return [self.vk, *args]

    def measure(self, archive):
        """{name: (wall, rss)} medians over --runs."""
        results = {k: [] for k in ("backup local", "backup s3", "restic s3",
                                   "dump local", "dump s3",
                                   "restic dump s3")}
        out = os.path.join(self.work, "out.snap")
        for _ in range(self.a.runs):
            for kind in ("local", "s3"):
                repo, tls = self.fresh(kind)
                subprocess.run(self.vk_cmd("init", "-r", repo, *tls),
                               env=self.env, check=True,
                               capture_output=True)
                results[f"backup {kind}"].append(run_timed(self.vk_cmd(
                    "backup", "-r", repo, *tls, "--snapshot-file", archive),
                    self.env))
                results[f"dump {kind}"].append(run_timed(self.vk_cmd(
                    "dump", "-r", repo, *tls, "latest", "-o", out), self.env))
                os.unlink(out)
            repo, tls = self.fresh("s3")
            shutil.rmtree(self.env["RESTIC_CACHE_DIR"], True)
            subprocess.run([RESTIC, "-r", repo, *tls, "init",
                            "--repository-version", "2"], env=self.env,
                           check=True, capture_output=True)
            with open(archive, "rb") as f:
                results["restic s3"].append(run_timed(
                    [RESTIC, "-q", "-r", repo, *tls, "backup", "--stdin",
                     "--stdin-filename", "vault.snap"], self.env, stdin=f))
            with open(out, "wb") as f:
                results["restic dump s3"].append(run_timed(
                    [RESTIC, "-r", repo, *tls, "dump", "latest",
                     "/vault.snap"], self.env, stdout=f))
            os.unlink(out)
        return {k: (statistics.median(w for w, _ in v),
                    max(r for _, r in v)) for k, v in results.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--size", default="256M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.size, a.runs = "32M", 1
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    archive = os.path.join(HERE, "out", f"vault-{a.size}-seed1.snap")
    if not os.path.exists(archive):
        subprocess.run([os.path.join(a.bin, "gen-snapshot"), "-o",
                        archive + ".tmp", "--size", a.size, "--seed", "1"],
                       check=True, capture_output=True)
        os.rename(archive + ".tmp", archive)
    size = os.path.getsize(archive)
    b = Bench(a)
    try:
        r = b.measure(archive)
    finally:
        b.close()
    mbs = lambda t: size / t / 1e6  # noqa: E731
    print(f"\n## S3 repositories on loopback (bench/s3-bench --size {a.size} "
          f"--runs {a.runs})\n")
    print(f"Archive {size / 2**20:.1f} MiB; s3rver 3.7.1 over TLS on "
          f"127.0.0.1 (Node.js, objects as files on the same disk); "
          f"{os.cpu_count()} cores; medians of {a.runs}.\n")
    print("| operation | vaultkeep local | vaultkeep S3 | S3/local | "
          "restic S3 | restic/vaultkeep (S3) |")
    print("|---|---|---|---|---|---|")
    for op, rk in (("backup", "restic s3"), ("dump", "restic dump s3")):
        lo, s, rs = r[f"{op} local"][0], r[f"{op} s3"][0], r[rk][0]
        print(f"| {op} | {lo:.2f} s ({mbs(lo):.0f} MB/s) | {s:.2f} s "
              f"({mbs(s):.0f} MB/s) | {s / lo:.2f}x | {rs:.2f} s "
              f"({mbs(rs):.0f} MB/s) | {rs / s:.2f}x |")
    print("| peak RSS backup (MiB) | "
          f"{r['backup local'][1]:.0f} | {r['backup s3'][1]:.0f} | | "
          f"{r['restic s3'][1]:.0f} | |")
    print("| peak RSS dump (MiB) | "
          f"{r['dump local'][1]:.0f} | {r['dump s3'][1]:.0f} | | "
          f"{r['restic dump s3'][1]:.0f} | |")


if __name__ == "__main__":
    main()
