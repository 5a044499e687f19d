#!/usr/bin/env python3
"""`vaultkeep check [--read-data] [--json]` end to end: clean repositories
(written by vaultkeep and by restic) pass with "no errors were found"; each
kind of damage (flipped bytes in a pack header, a blob, an index, a snapshot
file or a tree pack; a truncated or deleted pack; a deleted index; a broken
key file) exits 3 with an error naming the damaged file, and restic's own
check agrees for several of them; an unreferenced pack is only a warning."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vk_util import (PW, RepoTestCase, clean_env, flip,  # noqa: E402
                     gen_snapshot, restic, rewrite, vk)

ENV = clean_env(VAULTKEEP_PASSWORD=PW)


def listdir(repo, sub):
    out = []
    for d, _, files in os.walk(os.path.join(repo, sub)):
        out += [os.path.join(d, f) for f in files]
    return sorted(out)


def remove(path):
    os.chmod(os.path.dirname(path), 0o700)
    os.remove(path)


class CheckTest(RepoTestCase):
    PREFIX = "vk-check-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snap1 = gen_snapshot(os.path.join(cls.tmp, "day1.snap"),
                                 "--size", "2M", "--seed", "21")
        cls.snap2 = gen_snapshot(os.path.join(cls.tmp, "day2.snap"),
                                 "--from", cls.snap1, "--rewrite", "5",
                                 "--seed", "22")

    def vk_repo(self):
        self.init_repo()
        self.backup(self.snap1)

    def check(self, *args, code):
        r = vk("check", "-r", self.repo, *args, env=ENV)
        out = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, code, out)
        if code == 0:
            self.assertEqual(r.stdout.decode().splitlines()[-1],
                             "no errors were found", out)
        else:
            self.assertNotIn("no errors were found", out)
            self.assertIn("error: ", r.stderr.decode())
        return out

    def packs(self):
        """(tree pack, data pack) paths, from the index as restic reads it."""
        tree_packs = set()
        for idx in listdir(self.repo, "index"):
            r = restic("-r", self.repo, "cat", "index",
                       os.path.basename(idx))
            self.assertEqual(r.returncode, 0, r.stderr)
            for p in json.loads(r.stdout)["packs"]:
                if any(b["type"] == "tree" for b in p["blobs"]):
                    tree_packs.add(p["id"])
        data = [p for p in listdir(self.repo, "data")
                if os.path.basename(p) not in tree_packs]
        trees = [p for p in listdir(self.repo, "data")
                 if os.path.basename(p) in tree_packs]
        self.assertTrue(data and trees)
        return trees[0], max(data, key=os.path.getsize)

    def restic_check_fails(self, *args):
        r = restic("-r", self.repo, "check", *(args or ("--read-data",)))
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)

    # --- clean repositories ---------------------------------------------

    def test_clean_vaultkeep_repo(self):
        self.vk_repo()
        self.backup(self.snap2)
        out = self.check(code=0)
        self.assertIn("2 snapshots", out)
        self.check("--read-data", code=0)
        r = vk("check", "-r", self.repo, "--read-data", "--json", env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = json.loads(r.stdout)
        self.assertTrue(rep["ok"])
        self.assertEqual(rep["errors"], [])
        self.assertEqual(rep["snapshots"], 2)
        self.assertEqual(rep["blobs_read"], rep["blobs"])
        self.assertGreater(rep["bytes_read"], 2_000_000)

    def test_clean_restic_repo(self):
        src = os.path.join(self.dir, "src")
        os.makedirs(os.path.join(src, "sub", "deeper"))
        with open(os.path.join(src, "a.bin"), "wb") as f:
            f.write(os.urandom(3 << 20))
        with open(os.path.join(src, "sub", "empty"), "wb"):
            pass
        with open(os.path.join(src, "sub", "deeper", "t.txt"), "w") as f:
            f.write("hello\n" * 1000)
        os.symlink("a.bin", os.path.join(src, "link"))
        r = restic("-r", self.repo, "init")
        self.assertEqual(r.returncode, 0, r.stderr)
        for _ in range(2):
            r = restic("-r", self.repo, "backup", src)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(src, "sub", "new"), "a") as f:
                f.write("more\n")
        self.check(code=0)
        self.check("--read-data", code=0)

    # --- damage -----------------------------------------------------------

    def test_flipped_byte_in_data_pack(self):
        self.vk_repo()
        _, data = self.packs()
        name = os.path.basename(data)
        flip(data, 1000)  # inside the first blob: only --read-data sees it
        self.check(code=0)
        out = self.check("--read-data", code=3)
        self.assertIn("pack " + name, out)
        self.restic_check_fails()
        flip(data, -10)  # inside the header: seen without --read-data too
        out = self.check(code=3)
        self.assertIn("pack " + name, out)

    def test_truncated_pack(self):
        self.vk_repo()
        _, data = self.packs()
        rewrite(data, lambda d: d[:-100])
        out = self.check(code=3)
        self.assertIn("pack " + os.path.basename(data), out)
        self.restic_check_fails()

    def test_deleted_pack(self):
        self.vk_repo()
        _, data = self.packs()
        remove(data)
        out = self.check(code=3)
        self.assertIn("pack " + os.path.basename(data), out)
        self.assertIn("does not exist", out)
        # Not --read-data: restic retries reading a missing pack for ~40 s.
        self.restic_check_fails("--no-cache")

    def test_flipped_byte_in_index(self):
        self.vk_repo()
        idx = listdir(self.repo, "index")[0]
        flip(idx, 50)
        out = self.check(code=3)
        self.assertIn("index/" + os.path.basename(idx), out)

    def test_deleted_index(self):
        self.vk_repo()
        snap_id = os.path.basename(listdir(self.repo, "snapshots")[0])
        remove(listdir(self.repo, "index")[0])
        out = self.check(code=3)
        self.assertIn("referenced by snapshot " + snap_id, out)
        self.assertIn("is not in the index", out)
        self.assertIn("not referenced in any index", out)  # the packs
        self.restic_check_fails()

    def test_flipped_byte_in_snapshot_file(self):
        self.vk_repo()
        snap = listdir(self.repo, "snapshots")[0]
        flip(snap, 40)
        out = self.check(code=3)
        self.assertIn("snapshots/" + os.path.basename(snap), out)
        self.restic_check_fails()

    def test_flipped_byte_in_tree_pack(self):
        self.vk_repo()
        tree, _ = self.packs()
        flip(tree, 20)  # inside the first tree blob
        out = self.check(code=3)  # trees are loaded even without --read-data
        self.assertIn("pack " + os.path.basename(tree), out)
        self.assertIn("cannot be loaded", out)
        out = self.check("--read-data", code=3)
        self.assertIn("pack " + os.path.basename(tree), out)
        self.restic_check_fails()

    def test_corrupted_key_file(self):
        self.vk_repo()
        before = set(listdir(self.repo, "keys"))
        pwfile = os.path.join(self.dir, "pw2")
        with open(pwfile, "w") as f:
            f.write("second password\n")
        r = restic("-r", self.repo, "key", "add", "--new-password-file",
                   pwfile)
        self.assertEqual(r.returncode, 0, r.stderr)
        (added,) = set(listdir(self.repo, "keys")) - before
        self.check(code=0)
        rewrite(added, lambda d: d[: len(d) // 2])  # cut the JSON short
        out = self.check(code=3)  # the first key still opens the repo
        self.assertIn("keys/" + os.path.basename(added), out)

    def test_unreferenced_pack_is_a_warning(self):
        self.vk_repo()
        snaps, idx = (set(listdir(self.repo, "snapshots")),
                      set(listdir(self.repo, "index")))
        packs = set(listdir(self.repo, "data"))
        self.backup(self.snap2)
        # Forget the second backup's index and snapshot: its new packs are
        # left with nothing naming them, as after a crash before the index.
        for path in (set(listdir(self.repo, "snapshots")) - snaps) | (
                set(listdir(self.repo, "index")) - idx):
            remove(path)
        orphans = set(listdir(self.repo, "data")) - packs
        self.assertTrue(orphans)
        out = self.check(code=0)
        for p in orphans:
            self.assertIn("warning: pack " + os.path.basename(p) +
                          " is not referenced in any index", out)
        self.check("--read-data", code=0)
        r = vk("check", "-r", self.repo, "--json", env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["warnings"]), len(orphans))


if __name__ == "__main__":
    unittest.main(verbosity=2)
