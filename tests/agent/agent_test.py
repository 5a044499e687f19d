"""vaultkeep agent end to end (issue 17): the agent against 3-node minivault
clusters on loopback, real repositories checked by vaultkeep and restic.
Prometheus scraping it: prometheus_test.py."""

import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import vk_util  # noqa: E402
from agent import Agent, wait_for  # noqa: E402
from live import LiveTestCase  # noqa: E402
from vk_util import vk  # noqa: E402


def config(c, tmp, repos, schedule='"@every 2s"', grace="5s"):
    lines = [f"state_dir: {tmp}/state", "lock_wait: 20s", f"grace: {grace}",
             "targets:", "  - name: prod", "    vault:",
             "      addresses: [" + ", ".join(n.addr for n in c.nodes) + "]",
             f"      token_file: {c.token_file}", "      wait: 0s",
             f"    keys: {{dir: {c.key_dir}, prefix: {c.prefix}}}",
             "    attempts: 1", f"    schedule: {schedule}", "    repositories:"]
    for r in repos:
        lines.append(f"      - name: {r['name']}")
        for k, v in r.items():
            if k != "name":
                lines.append(f"        {k}: {v}")
    return "\n".join(lines) + "\n"


class AgentTest(LiveTestCase):
    def agent(self, text):
        a = Agent(self.tmp, text)
        self.addCleanup(a.stop)
        return a

    def snapshots(self, repo):
        r = self.ok(vk("snapshots", "--repo", repo, "--password-file",
                       self.pwfile, "--json"))
        return json.loads(r.stdout)

    def test_schedules_retention_isolation_reload_restart(self):
        c = self.cluster()
        second = os.path.join(self.tmp, "second")
        self.ok(vk("init", "--repo", second, "--password-file", self.pwfile))
        repos = [
            {"name": "local", "repo": self.repo, "password_file": self.pwfile,
             "retention": "{keep_last: 2}", "prune_schedule": '"@every 4s"'},
            {"name": "second", "repo": second, "password_file": self.pwfile,
             "schedule": '"@every 5s"', "retention": "{keep_last: 3}"},
            {"name": "broken", "repo": os.path.join(self.tmp, "missing"),
             "password_file": self.pwfile},
        ]
        text = config(c, self.tmp, repos)
        a = self.agent(text)
        # --check-config: the good file, then one with a typo.
        self.ok(vk("agent", "--check-config", a.config))
        bad = os.path.join(self.tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write(text.replace("keep_last: 2", "keep_lsat: 2"))
        r = vk("agent", "--check-config", bad)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"targets[0].repositories[0].retention.keep_lsat", r.stderr)

        a.start()
        job = dict(target="prod")
        wait_for(lambda: (a.metric("vaultkeep_backup_success_total",
                                   repository="local", **job) or 0) >= 4
                 and (a.metric("vaultkeep_backup_success_total",
                               repository="second", **job) or 0) >= 1
                 and a.job("local")["prune"]["last_success"],
                 120, "backups into both repositories\n" + a.logs())
        m = a.metrics()
        key = lambda name, **l: (name, frozenset({**job, **l}.items()))
        # The broken repository fails alone, with reason storage.
        self.assertGreaterEqual(m[key("vaultkeep_backup_failure_total",
                                      repository="broken", reason="storage")], 1)
        self.assertEqual(m[key("vaultkeep_backup_failing", repository="broken")], 1)
        self.assertEqual(m[key("vaultkeep_backup_failing", repository="local")], 0)
        for reason in ("unreachable", "auth", "sealed", "keys", "other"):
            self.assertEqual(m[key("vaultkeep_backup_failure_total",
                                   repository="local", reason=reason)], 0)
        self.assertGreater(m[key("vaultkeep_backup_snapshot_bytes", repository="local")], 0)
        self.assertGreater(m[key("vaultkeep_vault_raft_index", repository="local")], 0)
        self.assertGreater(time.time() - m[key(
            "vaultkeep_backup_last_success_timestamp_seconds", repository="local")], -5)
        self.assertEqual(m[key("vaultkeep_backup_interval_seconds", repository="second")], 5)
        self.assertIn(("vaultkeep_agent_info", frozenset({("version", "0.1.0")})), m)
        self.assertEqual(a.job("broken")["last_error_reason"], "storage")
        self.assertIn("no repository", a.job("broken")["last_error"])
        # Retention after each success kept the newest two, all of the target.
        snaps = self.snapshots(self.repo)
        self.assertEqual(m[key("vaultkeep_repository_snapshots", repository="local")],
                         len(snaps))
        self.assertLessEqual(len(snaps), 3)  # a backup may land before its forget
        self.assertEqual({s["hostname"] for s in snaps}, {"prod"})
        self.assertEqual(a.job("local")["last_snapshot"],
                         max(snaps, key=lambda s: s["time"])["id"])

        # A run now; an unknown target is a 404.
        self.assertEqual(a.post("/run/nope")[0], 404)
        code, body = a.post("/run/prod")
        self.assertEqual(code, 202)
        self.assertEqual(sorted(body["started"] + body["skipped"]),
                         ["broken", "local", "second"])
        self.assertEqual(a.get("/healthz"), (200, "ok\n"))

        # SIGHUP: a broken file is refused and reported, a good one applied.
        a.write_config(text.replace('"@every 5s"', "every five seconds"))
        a.signal(signal.SIGHUP)
        wait_for(lambda: a.status()["config_error"], 20, "the refused reload")
        self.assertIn("targets[0].repositories[1].schedule", a.status()["config_error"])
        self.assertEqual(a.metric("vaultkeep_config_last_reload_successful"), 0)
        self.assertEqual(a.job("second")["schedule"], "@every 5s")
        a.write_config(text.replace('"@every 5s"', '"@every 6s"'))
        a.signal(signal.SIGHUP)
        wait_for(lambda: a.job("second")["schedule"] == "@every 6s", 20, "the reload")
        self.assertIsNone(a.status()["config_error"])

        # Restart: the history comes back before any new run.
        self.assertEqual(a.stop(), 0, a.logs())
        a2 = Agent(self.tmp, text.replace('"@every 2s"', '"@every 1h"')
                   .replace('"@every 5s"', '"@every 1h"'))
        self.addCleanup(a2.stop)
        a2.start()
        wait_for(lambda: a2.job("local")["last_success"] and
                 a2.job("broken")["last_error_reason"] == "storage", 30,
                 "the restored history")
        self.assertEqual(a2.job("local")["last_snapshot"],
                         max(self.snapshots(self.repo), key=lambda s: s["time"])["id"])
        self.assertGreater(a2.job("broken")["consecutive_failures"], 0)
        self.assertEqual(a2.stop(), 0)
        for repo in (self.repo, second):
            self.ok(vk("check", "--repo", repo, "--password-file", self.pwfile))
        r = vk_util.restic("-r", self.repo, "check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_overlap_is_skipped_and_sigterm_aborts_without_recording(self):
        # Snapshots trickle at 500 B/s: each run outlasts the 1 s schedule
        # and the 1 s grace by far.
        c = self.cluster(extra_args=("--snapshot-rate-limit", "500"))
        repos = [{"name": "local", "repo": self.repo,
                  "password_file": self.pwfile}]
        a = self.agent(config(c, self.tmp, repos, schedule='"@every 1s"',
                              grace="1s"))
        a.start()
        skipped = lambda: a.metric("vaultkeep_backup_skipped_total", target="prod",
                                   repository="local", reason="overlap") or 0
        wait_for(lambda: skipped() >= 2, 60, "overlapping runs to be skipped")
        self.assertEqual(a.metric("vaultkeep_backup_running", target="prod",
                                  repository="local"), 1)
        before = self.snapshots(self.repo)
        t0 = time.monotonic()
        self.assertEqual(a.stop(), 0, a.logs())
        self.assertLess(time.monotonic() - t0, 30)
        self.assertIn("aborted", a.logs())
        self.assertEqual(self.snapshots(self.repo), before)  # nothing recorded
        self.ok(vk("check", "--repo", self.repo, "--password-file", self.pwfile))


if __name__ == "__main__":
    unittest.main()
