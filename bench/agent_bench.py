"""bench/agent-bench: the agent's cost. Not part of CI.

  1. time per scheduled run: the agent backing a 3-node minivault cluster
     up (runs triggered by POST /run/<target>, duration from its
     vaultkeep_backup_last_duration_seconds), next to the one-shot
     `vaultkeep backup` of the same cluster into another repository, in
     the same run; then the same with two repositories due at once (each
     job takes its own snapshot transfer: what that costs);
  2. the idle agent: RSS and CPU seconds over --idle seconds with nothing
     due (from /proc/<pid>/status and /proc/<pid>/stat).
Prints a markdown section for bench/RESULTS.md last."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import live_bench as lb  # noqa: E402  (bench/live_bench.py)
import minivault_bench as mb  # noqa: E402
import minivault as mvlib  # noqa: E402
from live import PREFIX  # noqa: E402


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.split()[-1])
    return None


class AgentProcess:
    def __init__(self, vk, scratch, cluster, t, repos):
        self.dir = os.path.join(scratch, "agent")
        os.makedirs(self.dir, exist_ok=True)
        lines = [f"state_dir: {self.dir}/state", "targets:", "  - name: bench",
                 "    vault:", "      addresses: [" +
                 ", ".join(n.addr for n in cluster.nodes) + "]",
                 f"      token_file: {t.token_file}",
                 f"    keys: {{dir: {t.key_dir}, prefix: {PREFIX}}}",
                 "    schedule: \"@every 24h\"", "    repositories:"]
        for name, path in repos:
            lines += [f"      - name: {name}", f"        repo: {path}",
                      f"        password_file: {self.dir}/pw",
                      "        prune_schedule: \"off\""]
        with open(os.path.join(self.dir, "pw"), "w") as f:
            f.write(lb.PASSWORD)
        os.chmod(os.path.join(self.dir, "pw"), 0o600)
        self.config = os.path.join(self.dir, "agent.yaml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        addr_file = os.path.join(self.dir, "addr")
        if os.path.exists(addr_file):
            os.remove(addr_file)  # the previous agent's
        self.log = open(os.path.join(self.dir, "agent.log"), "wb")
        self.proc = subprocess.Popen(
            [vk, "agent", "--config", self.config, "--listen", "127.0.0.1:0",
             "--address-file", addr_file], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while not os.path.exists(addr_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("the agent did not start")
            time.sleep(0.1)
        with open(addr_file) as f:
            self.url = "http://" + f.read().strip()

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return r.read().decode()

    def run_now(self):
        req = urllib.request.Request(self.url + "/run/bench", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def wait_successes(self, repo, n, timeout=1800):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.get("/metrics")
            if (metric(m, "vaultkeep_backup_success_total", target="bench",
                       repository=repo) or 0) >= n:
                return m
            fails = sum(metric(m, "vaultkeep_backup_failure_total", target="bench",
                               repository=repo, reason=r) or 0
                        for r in ("unreachable", "auth", "sealed", "leader_changed",
                                  "corrupt", "storage", "keys", "other"))
            if fails:
                raise SystemExit(f"an agent backup failed: see {self.log.name}")
            time.sleep(0.2)
        raise SystemExit("timed out waiting for the agent's backup")

    def idle(self, seconds):
        tick = os.sysconf("SC_CLK_TCK")

        def cpu():
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick

        def rss():
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            return 0
        c0, samples = cpu(), []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            samples.append(rss())
            time.sleep(1)
        return cpu() - c0, max(samples), statistics.median(samples)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=120)
        self.log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--size", default="64M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.size, a.runs, a.idle = "8M", 1, 5
    out_root = os.path.join(HERE, "out")
    os.makedirs(out_root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="agent-bench-", dir=out_root)
    tempfile.tempdir = scratch
    try:
        a.bin = lb.private_binaries(a.bin, scratch)
        run(a, mb.parse_size(a.size), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(a, size, scratch):
    cluster = mvlib.MiniVaultCluster(3, prefix="bench-node")
    try:
        cluster.form(shares=5, threshold=3)
        t = lb.Tools(a.bin, scratch, cluster)
        mb.fill(cluster.active(), cluster.root, size)
        t.fresh_repos()
        repos = [("one", os.path.join(scratch, "agent-repo-1")),
                 ("two", os.path.join(scratch, "agent-repo-2")),
                 ("three", os.path.join(scratch, "agent-repo-3"))]
        for _, path in repos:
            lb.measured([t.vk, "init", "-r", path], t.vk_env, t.log("init"))
        oneshot, single, pair = [], [], []
        agent = AgentProcess(t.vk, scratch, cluster, t, repos[:1])
        try:
            agent.wait_successes("one", 1)  # the first run, at start
            for i in range(a.runs):
                print(f"run {i + 1}/{a.runs}: one-shot backup, agent run",
                      file=sys.stderr)
                secs, rss, result, _ = t.vk_backup()
                oneshot.append((secs, rss, result["archive_bytes"]))
                agent.run_now()
                m = agent.wait_successes("one", i + 2)
                single.append(metric(m, "vaultkeep_backup_last_duration_seconds",
                                     target="bench", repository="one"))
            cpu, rss_max, rss_med = agent.idle(a.idle)
        finally:
            agent.stop()
        # Two empty repositories: both jobs are new and run at start.
        agent = AgentProcess(t.vk, scratch, cluster, t, repos[1:])
        try:
            agent.wait_successes("two", 1)
            agent.wait_successes("three", 1)
            for i in range(a.runs):
                agent.run_now()
                agent.wait_successes("two", i + 2)
                m = agent.wait_successes("three", i + 2)
                pair.append(max(metric(m, "vaultkeep_backup_last_duration_seconds",
                                       target="bench", repository=r)
                                for r in ("two", "three")))
        finally:
            agent.stop()
    finally:
        cluster.close()
    report(a, oneshot, single, pair, (cpu, rss_max, rss_med))


def report(a, oneshot, single, pair, idle):
    med = statistics.median
    cpu_model = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"],
                               capture_output=True, text=True).stdout.strip()
    one_s = med(o[0] for o in oneshot)
    run_s = med(single)
    pair_s = med(pair)
    print(f"\n## agent-bench ({time.strftime('%Y-%m-%d')}, {cpu_model}, "
          f"{os.cpu_count()} cores)\n")
    print(f"`bench/agent-bench --size {a.size} --runs {a.runs} --idle {a.idle}`; "
          f"snapshot archive {oneshot[0][2] / 1e6:.1f} MB, 3-node minivault cluster.\n")
    print("| measurement | value | ratio |")
    print("|---|---|---|")
    print(f"| one-shot `vaultkeep backup` (median wall) | {one_s:.2f} s | 1.00 |")
    print(f"| agent, one scheduled run (median of last_duration) | {run_s:.2f} s | "
          f"{run_s / one_s:.2f} |")
    print(f"| agent, two repositories due at once (slower of the two) | "
          f"{pair_s:.2f} s | {pair_s / one_s:.2f} |")
    print(f"| one-shot peak RSS | {max(o[1] for o in oneshot) / 1024:.1f} MiB | |")
    cpu, rss_max, rss_med = idle
    print(f"| idle agent over {a.idle} s: CPU | {cpu:.2f} s "
          f"({100 * cpu / a.idle:.2f} % of a core) | |")
    print(f"| idle agent RSS (median / max) | {rss_med / 1024:.1f} / "
          f"{rss_max / 1024:.1f} MiB | |")


if __name__ == "__main__":
    main()
