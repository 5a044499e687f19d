#!/usr/bin/env python3
"""Vault archives in the repository, end to end with real processes:
`vaultkeep backup --snapshot-file` / `snapshots` / `ls` / `dump`, checked by
the real restic 0.14 (snapshots, ls, check --read-data, restore and the
documented rebuild of a .snap from restore output), incremental dedup,
bad archives recording nothing, damaged packs refusing to dump, and Stash's
layout (a restic backup of backup.snap + key files) recognised."""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vk_util import (PW, RepoTestCase, clean_env, entries, flip,  # noqa: E402
                     gen_snapshot, read, repo_files, restic, vk)

ENV = clean_env(VAULTKEEP_PASSWORD=PW)


class BackupTest(RepoTestCase):
    PREFIX = "vk-backup-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snap1 = gen_snapshot(os.path.join(cls.tmp, "day1.snap"),
                                 "--size", "6M", "--seed", "11")
        cls.snap2 = gen_snapshot(os.path.join(cls.tmp, "day2.snap"),
                                 "--from", cls.snap1, "--rewrite", "1",
                                 "--insert", "0.1", "--delete", "0.1",
                                 "--seed", "12")

    def setUp(self):
        super().setUp()
        self.init_repo()

    def snapshots(self):
        return self.vk_json("snapshots")

    def dump(self, snap_id, out):
        return vk("dump", "-r", self.repo, snap_id, "-o", out, env=ENV)

    def test_backup_dump_round_trip_and_restic_reads_it(self):
        res = self.backup(self.snap1, "--tag", "daily", "--host", "vault-0",
                          "--time", "2024-05-01T02:00:00Z")
        meta = json.loads(entries(self.snap1)["meta.json"])
        self.assertEqual(res["vault"]["index"], meta["Index"])
        self.assertGreater(res["chunks"], 100)
        self.assertEqual(res["new_chunks"], res["chunks"])

        snaps = self.snapshots()
        self.assertEqual(len(snaps), 1)
        s = snaps[0]
        self.assertEqual(s["id"], res["snapshot_id"])
        self.assertEqual(s["hostname"], "vault-0")
        self.assertEqual(s["tags"], ["daily"])
        self.assertEqual(s["time"], "2024-05-01T02:00:00Z")
        self.assertEqual(s["vault"]["layout"], "vaultkeep")
        self.assertEqual(s["vault"]["term"], meta["Term"])

        r = vk("ls", "-r", self.repo, s["id"][:8], "--json", env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        paths = [json.loads(line)["path"] for line in r.stdout.splitlines()]
        self.assertEqual(paths, [
            "/vault", "/vault/archive", "/vault/archive/SHA256SUMS",
            "/vault/archive/SHA256SUMS.sealed", "/vault/archive/meta.json",
            "/vault/archive/state.bin", "/vault/vaultkeep.json"])

        out = os.path.join(self.dir, "out.snap")
        r = self.dump("latest", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(entries(out), entries(self.snap1))
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        r = vk("verify", out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # To stdout, byte-identical to -o.
        r = vk("dump", "-r", self.repo, "latest", env=ENV)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, read(out))

        # restic sees a normal snapshot and can check and restore it.
        r = restic("-r", self.repo, "snapshots", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rs = json.loads(r.stdout)
        self.assertEqual(rs[0]["paths"], ["/vault"])
        self.assertEqual(rs[0]["tags"], ["daily"])
        r = restic("-r", self.repo, "ls", "latest")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"/vault/archive/state.bin", r.stdout)
        r = restic("-r", self.repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"no errors were found", r.stdout)
        target = os.path.join(self.dir, "restored")
        r = restic("-r", self.repo, "restore", "latest", "--target", target)
        self.assertEqual(r.returncode, 0, r.stderr)
        orig = entries(self.snap1)
        for name, data in orig.items():
            self.assertEqual(read(os.path.join(target, "vault", "archive",
                                               name)), data, name)
        manifest = json.loads(read(os.path.join(target, "vault",
                                                "vaultkeep.json")))
        self.assertEqual(manifest["vault"]["index"], meta["Index"])
        # The one-line rebuild documented in docs/repository-format.md.
        rebuilt = os.path.join(self.dir, "rebuilt.snap")
        cmd = ("tar -C {t}/vault/archive -cf - meta.json state.bin SHA256SUMS "
               "SHA256SUMS.sealed | gzip > {o}").format(t=target, o=rebuilt)
        subprocess.run(["sh", "-c", cmd], check=True)
        r = vk("verify", rebuilt)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_incremental_dedups_and_both_dump(self):
        first = self.backup(self.snap1)
        second = self.backup(self.snap2, "--time", "2030-01-01T00:00:00Z")
        # 1 % of records rewritten: most chunks are shared.
        self.assertLess(second["new_bytes"], 0.3 * second["state_bytes"])
        self.assertGreater(second["new_chunks"], 0)
        self.assertLess(second["added_bytes"], 0.35 * first["added_bytes"])
        for sid, src in ((first["snapshot_id"], self.snap1),
                         (second["snapshot_id"], self.snap2)):
            out = os.path.join(self.dir, sid + ".snap")
            r = self.dump(sid[:10], out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(entries(out), entries(src))
        r = restic("-r", self.repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The same archive again adds no data.
        third = self.backup(self.snap2)
        self.assertEqual(third["new_chunks"], 0)

    def test_bad_archives_record_nothing(self):
        self.backup(self.snap1)
        before = repo_files(self.repo)
        data = read(self.snap2)
        cases = {
            "truncated": data[: len(data) // 2],
            "flipped": data[:5000] + bytes([data[5000] ^ 1]) + data[5001:],
            "not gzip": b"hello",
        }
        for name, blob in cases.items():
            path = os.path.join(self.dir, name + ".snap")
            with open(path, "wb") as f:
                f.write(blob)
            r = self.backup(path, code=3)
            self.assertIn(b"nothing was recorded", r.stderr, name)
            self.assertEqual(repo_files(self.repo), before, name)
        # A SHA256SUMS that lies about state.bin (tar and gzip are fine).
        parts = entries(self.snap2)
        parts["SHA256SUMS"] = parts["SHA256SUMS"].replace(
            parts["SHA256SUMS"][:8], b"00000000")
        liar = os.path.join(self.dir, "liar.snap")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name in ("meta.json", "state.bin", "SHA256SUMS",
                         "SHA256SUMS.sealed"):
                info = tarfile.TarInfo(name)
                info.size = len(parts[name])
                t.addfile(info, io.BytesIO(parts[name]))
        with open(liar, "wb") as f:
            f.write(gzip.compress(buf.getvalue()))
        r = self.backup(liar, code=3)
        self.assertIn(b"SHA256SUMS", r.stderr)
        self.assertEqual(repo_files(self.repo), before)
        self.assertEqual(len(self.snapshots()), 1)
        # From stdin too.
        with open(os.path.join(self.dir, "truncated.snap"), "rb") as f:
            r = vk("backup", "-r", self.repo, "--snapshot-file", "-", env=ENV,
                   stdin=f)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(repo_files(self.repo), before)

    def test_damaged_pack_refuses_to_dump(self):
        res = self.backup(self.snap1)
        packs = sorted(p for p in repo_files(self.repo)
                       if p.startswith("data/"))
        biggest = max(packs, key=lambda p: os.path.getsize(
            os.path.join(self.repo, p)))
        flip(os.path.join(self.repo, biggest), 1000)
        out = os.path.join(self.dir, "out.snap")
        r = self.dump(res["snapshot_id"], out)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertIn(b"no file written", r.stderr)

    def test_usage_errors(self):
        r = vk("backup", "-r", self.repo, env=ENV)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--snapshot-file", r.stderr)
        for bad in ("3K", "128K", "12K", "x"):
            r = vk("backup", "-r", self.repo, "--snapshot-file", self.snap1,
                   "--chunk-size", bad, env=ENV)
            self.assertEqual(r.returncode, 2, bad)
        r = vk("backup", "-r", self.repo, "--snapshot-file", self.snap1,
               "--time", "yesterday", env=ENV)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--time", r.stderr)
        r = vk("dump", "-r", self.repo, "latest", "-o",
               os.path.join(self.dir, "x"), env=ENV)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"no snapshots", r.stderr)
        r = vk("dump", "-r", self.repo, "zz", env=ENV)
        self.assertEqual(r.returncode, 2)
        r = vk("backup", "-r", self.repo, "--snapshot-file",
               os.path.join(self.dir, "missing.snap"), env=ENV)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"missing.snap", r.stderr)

    def test_stash_layout_recognised(self):
        folder = os.path.join(self.dir, "stash", "vault")
        os.makedirs(folder)
        snap = read(self.snap1)
        with open(os.path.join(folder, "backup.snap"), "wb") as f:
            f.write(snap)
        prefix = "k8s.1234.demo.vault"
        for name, value in ((prefix + "-unseal-key-0", "aa11"),
                            (prefix + "-unseal-key-1", "bb22"),
                            (prefix + "-root-token", "hvs.token")):
            with open(os.path.join(folder, name), "w") as f:
                json.dump(value, f)
        r = restic("-r", self.repo, "backup", "--host", "host-0", folder)
        self.assertEqual(r.returncode, 0, r.stderr)
        snaps = self.snapshots()
        self.assertEqual(len(snaps), 1)
        v = snaps[0]["vault"]
        self.assertEqual(v["layout"], "stash")
        self.assertEqual(v["archive_bytes"], len(snap))
        self.assertEqual(sorted(v["keys"]), sorted([
            prefix + "-root-token", prefix + "-unseal-key-0",
            prefix + "-unseal-key-1"]))
        out = os.path.join(self.dir, "stash.snap")
        r = self.dump("latest", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(hashlib.sha256(read(out)).digest(),
                         hashlib.sha256(snap).digest())
        # Both tools on one repository stay consistent.
        self.backup(self.snap2)
        r = restic("-r", self.repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(self.snapshots()), 2)


if __name__ == "__main__":
    unittest.main()
