#!/usr/bin/env python3
"""Issue 14's offline defects, each reproduced end to end with the real
binaries (they all failed before the fixes):

  - one damaged snapshot file blocked every command on every other
    snapshot (item 4): now reported and skipped; `check` names it and
    exits 3; `prune` refuses (exit 3) while it is unreadable; `forget ID`
    removes it by name; restic agrees on what is left;
  - `dump -o` replaced whatever was at the path (item 5): a FIFO is
    written in place, /dev/full fails with exit 5 and stays a device, a
    symlink is refused and its target left alone;
  - `--time` was not range-checked (item 7): 9999-99-99..., Feb 31,
    month 13, T24:30, +99:00 and years past 2261 exit 2, recording
    nothing;
  - repository damage exited 2 (item 8): a missing pack, a truncated pack
    and a deleted index exit 3 in dump, snapshots and ls, naming the file
    and pointing at `check`."""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vk_util import (PW, RepoTestCase, clean_env, entries,  # noqa: E402
                     gen_snapshot, read, restic, vk)

ENV = clean_env(VAULTKEEP_PASSWORD=PW)


class HardeningTestCase(RepoTestCase):
    PREFIX = "vk-hardening-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snap1 = gen_snapshot(os.path.join(cls.tmp, "a.snap"),
                                 "--size", "1M", "--seed", "21")
        cls.snap2 = gen_snapshot(os.path.join(cls.tmp, "b.snap"),
                                 "--from", cls.snap1, "--rewrite", "2",
                                 "--seed", "22")

    def setUp(self):
        super().setUp()
        self.init_repo()

    def run_vk(self, *args):
        return vk(*args, "-r", self.repo, env=ENV)

    def two_snapshots(self):
        a = self.backup(self.snap1, "--time", "2026-01-01T00:00:00Z")
        b = self.backup(self.snap2, "--time", "2026-01-02T00:00:00Z")
        return a["snapshot_id"], b["snapshot_id"]


class DamagedSnapshotFileTest(HardeningTestCase):
    def test_one_damaged_snapshot_file_does_not_block_the_others(self):
        a, b = self.two_snapshots()
        path = os.path.join(self.repo, "snapshots", a)
        os.chmod(path, 0o600)
        os.truncate(path, 0)
        out = os.path.join(self.dir, "b.snap")

        r = self.run_vk("dump", b, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(entries(out), entries(self.snap2))
        for args in (["snapshots"], ["ls", "latest"], ["stats"],
                     ["dump", "latest", "-o", out]):
            r = self.run_vk(*args)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
            self.assertIn(a[:8], r.stderr.decode(), args)  # reported...
        r = self.run_vk("snapshots", "--json")
        self.assertEqual([s["id"] for s in json.loads(r.stdout)], [b])

        # Naming the damaged one is an error about it, exit 3.
        r = self.run_vk("dump", a, "-o", out)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(a, r.stderr.decode())

        r = self.run_vk("check")
        self.assertEqual(r.returncode, 3, r.stdout)
        self.assertIn(a, r.stdout.decode() + r.stderr.decode())

        packs = sorted(glob.glob(os.path.join(self.repo, "data", "*", "*")))
        r = self.run_vk("prune")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("prune refused", r.stderr.decode())
        self.assertEqual(
            sorted(glob.glob(os.path.join(self.repo, "data", "*", "*"))),
            packs)

        r = self.run_vk("forget", a[:8])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(path))
        r = self.run_vk("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = restic("-r", self.repo, "snapshots", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([s["id"] for s in json.loads(r.stdout)], [b])

    def test_forget_by_id_and_rules_exclude_each_other(self):
        a, _ = self.two_snapshots()
        r = self.run_vk("forget", a[:8], "--keep-last", "1")
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.run_vk("forget", "0000000")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(self.vk_json("snapshots")), 2)


class DumpOutputTest(HardeningTestCase):
    def test_fifo_is_written_in_place(self):
        self.backup(self.snap1)
        fifo = os.path.join(self.dir, "pipe")
        os.mkfifo(fifo, 0o600)
        got = {}

        def reader():
            with open(fifo, "rb") as f:
                got["data"] = f.read()

        t = threading.Thread(target=reader)
        t.start()
        r = self.run_vk("dump", "latest", "-o", fifo)
        t.join(60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.dir, "got.snap")
        with open(out, "wb") as f:
            f.write(got["data"])
        self.assertEqual(entries(out), entries(self.snap1))
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))

    def test_full_device_fails_with_exit_5_and_stays_a_device(self):
        # Our own node for the full device (char 1,7), not /dev/full: if
        # the defect came back it would replace only this one.
        full = os.path.join(self.dir, "full")
        try:
            os.mknod(full, 0o600 | stat.S_IFCHR, os.makedev(1, 7))
        except PermissionError:
            self.skipTest("creating a device node needs root")
        self.backup(self.snap1)
        r = self.run_vk("dump", "latest", "-o", full)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("No space left", r.stderr.decode())
        self.assertTrue(stat.S_ISCHR(os.lstat(full).st_mode))

    def test_symlink_is_refused_and_its_target_left_alone(self):
        self.backup(self.snap1)
        target = os.path.join(self.dir, "precious")
        with open(target, "w") as f:
            f.write("keep me")
        link = os.path.join(self.dir, "out.snap")
        os.symlink(target, link)
        r = self.run_vk("dump", "latest", "-o", link)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("symbolic link", r.stderr.decode())
        self.assertTrue(os.path.islink(link))
        self.assertEqual(read(target), b"keep me")
        dangling = os.path.join(self.dir, "dangling")
        os.symlink(os.path.join(self.dir, "nowhere"), dangling)
        r = self.run_vk("dump", "latest", "-o", dangling)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "nowhere")))

    def test_regular_file_is_replaced_only_when_complete(self):
        self.backup(self.snap1)
        out = os.path.join(self.dir, "out.snap")
        with open(out, "wb") as f:
            f.write(b"old")
        r = self.run_vk("dump", "latest", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(entries(out), entries(self.snap1))
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        r = self.run_vk("dump", "latest", "-o", self.dir)  # a directory
        self.assertEqual(r.returncode, 2, r.stderr)


class TimeFlagTest(HardeningTestCase):
    def test_out_of_range_times_are_refused(self):
        for t in ("9999-99-99T99:99:99Z", "2026-02-31T00:00:00Z",
                  "2026-13-01T00:00:00Z", "2026-01-01T24:30:00Z",
                  "2026-01-01T00:00:00+99:00", "2026-02-31 10:00:00",
                  "2026-01-01 24:30:00", "2300-01-01T00:00:00Z",
                  "2026-01-01T00:00:00", "yesterday"):
            r = vk("backup", "-r", self.repo, "--snapshot-file", self.snap1,
                   "--time", t, env=ENV)
            self.assertEqual(r.returncode, 2, (t, r.stderr))
            self.assertIn("--time", r.stderr.decode(), t)
        self.assertEqual(self.vk_json("snapshots"), [])
        self.assertEqual(glob.glob(os.path.join(self.repo, "data", "*", "*")),
                         [])

    def test_valid_times_are_stored_as_given(self):
        self.backup(self.snap1, "--time", "2024-02-29T23:59:59.25+02:00")
        self.assertEqual(self.vk_json("snapshots")[0]["time"],
                         "2024-02-29T21:59:59.25Z")


class RepositoryDamageExitCodeTest(HardeningTestCase):
    """Damaged data is class 3 everywhere (docs/errors.md)."""

    def damage(self, kind):
        if kind == "missing pack":
            for p in glob.glob(os.path.join(self.repo, "data", "*", "*")):
                os.unlink(p)
        elif kind == "truncated pack":
            for p in glob.glob(os.path.join(self.repo, "data", "*", "*")):
                os.chmod(p, 0o600)
                os.truncate(p, 100)
        else:
            for p in glob.glob(os.path.join(self.repo, "index", "*")):
                os.unlink(p)

    def test_damage_exits_3_and_points_at_check(self):
        self.backup(self.snap1)
        pristine = os.path.join(self.dir, "pristine")
        shutil.copytree(self.repo, pristine)
        out = os.path.join(self.dir, "out.snap")
        for kind in ("missing pack", "truncated pack", "deleted index"):
            shutil.rmtree(self.repo)
            shutil.copytree(pristine, self.repo)
            self.damage(kind)
            for args in (["dump", "latest", "-o", out], ["ls", "latest"],
                         ["restore", "latest", "--vault-addr",
                          "http://127.0.0.1:9", "--no-unseal"]):
                r = self.run_vk(*args)
                if args[0] == "restore":
                    # The backup opens before Vault is asked anything.
                    env = dict(ENV, VAULT_TOKEN="t")
                    r = vk(*args, "-r", self.repo, env=env)
                self.assertEqual(r.returncode, 3, (kind, args, r.stderr))
                self.assertIn("vaultkeep check", r.stderr.decode(),
                              (kind, args))
            self.assertFalse(os.path.exists(out))
            r = self.run_vk("snapshots")
            self.assertIn("damaged", r.stdout.decode() + r.stderr.decode(),
                          kind)


if __name__ == "__main__":
    unittest.main()
