#!/usr/bin/env python3
"""forget, prune, unlock and stats against real processes, and crash
safety: kill -9 of backup and prune at random points never leaves a
repository that restic's check rejects or a snapshot that cannot be
dumped, and the next backup succeeds."""

import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vk_util import (BIN, PW, RepoTestCase, clean_env, flip,  # noqa: E402
                     gen_snapshot, restic, vk)

ENV = clean_env(VAULTKEEP_PASSWORD=PW)


class MaintenanceTest(RepoTestCase):
    PREFIX = "vk-maint-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snaps = [gen_snapshot(os.path.join(cls.tmp, "d0.snap"),
                                  "--size", "3M", "--seed", "21")]
        for i in range(1, 4):
            cls.snaps.append(gen_snapshot(
                os.path.join(cls.tmp, f"d{i}.snap"), "--from",
                cls.snaps[-1], "--rewrite", "2", "--seed", str(21 + i)))

    def setUp(self):
        super().setUp()
        self.init_repo()

    def vkj(self, *args, code=0):
        return self.vk_json(*args, code=code)

    def backup(self, snap, day):
        return self.vk_json("backup", "--snapshot-file", snap, "--time",
                            f"2024-05-{day:02d}T02:00:00Z")

    def restic_check(self):
        r = restic("-r", self.repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def dump_all(self):
        for s in self.vkj("snapshots"):
            out = os.path.join(self.dir, "dump.snap")
            r = vk("dump", "-r", self.repo, s["id"], "-o", out, env=ENV)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = vk("verify", out)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_forget_keeps_policy_and_newest_then_prune_frees(self):
        ids = [self.backup(s, i + 1)["snapshot_id"]
               for i, s in enumerate(self.snaps)]
        stats_before = self.vkj("stats")
        self.assertEqual(stats_before["vault_snapshots"], 4)
        self.assertGreater(stats_before["dedup_ratio"], 1.5)

        dry = self.vkj("forget", "--keep-last", "2", "--dry-run")
        self.assertEqual(sorted(dry["groups"][0]["remove"]), sorted(ids[:2]))
        self.assertEqual(len(self.vkj("snapshots")), 4)

        # A rule that matches nothing still keeps the newest snapshot.
        res = self.vkj("forget", "--keep-tag", "nonexistent")
        kept = res["groups"][0]["keep"]
        self.assertEqual([k["id"] for k in kept], [ids[-1]])
        self.assertEqual(kept[0]["reasons"], ["newest snapshot (never removed)"])
        self.assertEqual([s["id"] for s in self.vkj("snapshots")], [ids[-1]])

        pr = self.vkj("prune")
        self.assertGreater(pr["blobs_removed"], 0)
        self.assertGreater(pr["bytes_freed"], 0)
        stats_after = self.vkj("stats")
        self.assertLess(stats_after["stored_bytes"],
                        0.8 * stats_before["stored_bytes"])
        self.restic_check()
        self.dump_all()
        # Nothing left to do.
        self.assertEqual(self.vkj("prune")["blobs_removed"], 0)

        r = vk("forget", "-r", self.repo, env=ENV)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no policy was specified", r.stderr)

    def test_forget_prune_in_one_go_and_restic_agrees(self):
        for i, s in enumerate(self.snaps):
            self.backup(s, i + 1)
        res = self.vkj("forget", "--keep-daily", "1", "--keep-last", "2",
                       "--prune")
        self.assertEqual(len(res["groups"][0]["remove"]), 2)
        self.assertIn("prune", res)
        self.restic_check()
        self.dump_all()
        r = restic("-r", self.repo, "snapshots", "--json")
        self.assertEqual(len(json.loads(r.stdout)), 2)

    def test_prune_waits_for_no_writer_and_unlock_clears_stale(self):
        self.backup(self.snaps[0], 1)
        holder = subprocess.Popen(
            [os.path.join(BIN, "blob_tool"), self.repo, "hold-lock"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=ENV)
        self.assertTrue(holder.stdout.readline().startswith(b"locked"))
        r = vk("prune", "-r", self.repo, env=ENV)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(b"locked", r.stderr)
        # A backup (non-exclusive) may run beside the other writer.
        self.backup(self.snaps[1], 2)
        # The holder dies without releasing: its lock is stale (same host,
        # dead PID), so unlock removes it and prune runs.
        holder.kill()
        holder.wait()
        holder.stdin.close()
        holder.stdout.close()
        holder.stderr.close()
        locks = os.listdir(os.path.join(self.repo, "locks"))
        self.assertEqual(len(locks), 1)
        res = self.vkj("unlock")
        self.assertEqual(res["removed"], locks)
        self.assertEqual(os.listdir(os.path.join(self.repo, "locks")), [])
        self.vkj("prune")

    def test_writer_refused_while_exclusive_lock_held(self):
        self.backup(self.snaps[0], 1)
        holder = subprocess.Popen(
            [os.path.join(BIN, "blob_tool"), self.repo, "hold-lock",
             "--exclusive"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=ENV)
        try:
            self.assertTrue(holder.stdout.readline().startswith(b"locked"))
            before = sorted(os.listdir(os.path.join(self.repo, "snapshots")))
            r = vk("backup", "-r", self.repo, "--snapshot-file",
                   self.snaps[1], env=ENV)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn(b"locked", r.stderr)
            self.assertEqual(
                sorted(os.listdir(os.path.join(self.repo, "snapshots"))),
                before)
            # Readers are not blocked by the exclusive lock.
            r = vk("snapshots", "-r", self.repo, env=ENV)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            holder.communicate(b"", timeout=30)
        self.assertEqual(holder.returncode, 0)
        # A damaged config is named, not a crash.
        flip(os.path.join(self.repo, "config"), 40)
        r = vk("check", "-r", self.repo, env=ENV)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(b"config", r.stderr)

    def kill_at_random(self, args, rng, max_delay):
        p = subprocess.Popen([os.path.join(BIN, "vaultkeep"), *args],
                             env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(rng.uniform(0, max_delay))
        p.send_signal(signal.SIGKILL)
        p.wait()
        # restic 0.14 does not ignore a dead process's lock; removing stale
        # locks is the documented step after a crash.
        self.vkj("unlock")

    def test_kill_9_during_backup_and_prune(self):
        rng = random.Random(1234)
        self.backup(self.snaps[0], 1)
        for i in range(6):
            self.kill_at_random(["backup", "-r", self.repo, "--snapshot-file",
                                 self.snaps[1 + i % 3]], rng, 0.6)
            self.restic_check()
            self.dump_all()
        for day, s in enumerate(self.snaps[1:], start=2):
            self.backup(s, day)
        for i in range(4):
            self.kill_at_random(["forget", "-r", self.repo, "--keep-last",
                                 str(3 - i % 2), "--prune"], rng, 0.5)
            self.restic_check()
            self.dump_all()
        self.vkj("unlock")
        self.vkj("prune")
        self.restic_check()
        r = vk("backup", "-r", self.repo, "--snapshot-file", self.snaps[0],
               env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
