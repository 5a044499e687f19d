#!/usr/bin/env python3
"""The repository layer against the real restic binary (Debian's restic
0.14): repositories vaultkeep creates are opened and checked by restic, and
repositories restic creates (with its own scrypt parameters and keys) are
opened by vaultkeep. Also password handling and init's refusal to clobber.
Binaries come from $VK_BIN; restic from PATH."""

import hashlib
import json
import os
import random
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vk_util import (BIN, PW, RESTIC, clean_env, read,  # noqa: E402
                     require_binaries, restic, vk)


class ResticInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_binaries()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="vk-repo-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def init(self, name):
        r = vk("init", "-r", self.path(name),
               env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.path(name)

    def vk_config(self, repo, **env):
        r = vk("cat", "config", "-r", repo, env=clean_env(**env))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_restic_opens_and_checks_what_vaultkeep_creates(self):
        repo = self.init("ours")
        ours = self.vk_config(repo, VAULTKEEP_PASSWORD=PW)
        r = restic("-r", repo, "cat", "config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), ours)
        self.assertEqual(ours["version"], 2)
        self.assertEqual(len(ours["id"]), 64)
        r = restic("-r", repo, "check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"no errors were found", r.stdout)
        r = restic("-r", repo, "snapshots", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [])
        r = restic("-r", repo, "key", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)), 1)
        # restic can write into it, and vaultkeep still opens it.
        r = subprocess.run([RESTIC, "-r", repo, "backup", "--stdin",
                            "--stdin-filename", "x.txt"], input=b"hello",
                           capture_output=True, env=clean_env(RESTIC_PASSWORD=PW))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.vk_config(repo, VAULTKEEP_PASSWORD=PW), ours)

    def test_wrong_password_rejected_by_both(self):
        repo = self.init("ours")
        r = restic("-r", repo, "cat", "config", password="nope")
        self.assertNotEqual(r.returncode, 0)
        r = vk("cat", "config", "-r", repo,
               env=clean_env(VAULTKEEP_PASSWORD="nope"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"wrong password or no key found", r.stderr)
        self.assertNotIn(b"nope", r.stderr)  # never echo a password

    def test_vaultkeep_opens_restic_repositories_and_all_keys(self):
        repo = self.path("theirs")
        r = restic("init", "-r", repo)
        self.assertEqual(r.returncode, 0, r.stderr)
        theirs = json.loads(restic("-r", repo, "cat", "config").stdout)
        self.assertEqual(self.vk_config(repo, VAULTKEEP_PASSWORD=PW), theirs)
        # A second key added by restic opens the same repository.
        newpw = self.path("newpw")
        with open(newpw, "w") as f:
            f.write("second password\n")
        r = restic("-r", repo, "key", "add", "--new-password-file", newpw)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(
            self.vk_config(repo, VAULTKEEP_PASSWORD="second password"), theirs)

    def test_password_sources_and_precedence(self):
        repo = self.init("ours")
        pwfile = self.path("pw")
        with open(pwfile, "w") as f:
            f.write(PW + "\n")  # trailing newline is trimmed, as restic does
        r = vk("cat", "config", "-r", repo, "--password-file", pwfile)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.vk_config(repo, RESTIC_PASSWORD_FILE=pwfile)
        self.vk_config(repo, RESTIC_PASSWORD=PW)
        self.vk_config(repo, VAULTKEEP_REPOSITORY="", RESTIC_PASSWORD=PW)
        # VAULTKEEP_PASSWORD wins over RESTIC_PASSWORD.
        self.vk_config(repo, VAULTKEEP_PASSWORD=PW, RESTIC_PASSWORD="nope")
        # The repository from the environment.
        r = vk("cat", "config", env=clean_env(VAULTKEEP_REPOSITORY=repo,
                                              VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = vk("cat", "config", env=clean_env(RESTIC_REPOSITORY=repo,
                                              RESTIC_PASSWORD=PW))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_usage_errors(self):
        repo = self.init("ours")
        # No password anywhere and no terminal.
        r = vk("cat", "config", "-r", repo)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no password given", r.stderr)
        r = vk("cat", "config", env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no repository given", r.stderr)
        r = vk("cat", "config", "-r", self.path("missing"),
               env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no repository at", r.stderr)
        r = vk("cat", "keys", "-r", repo, env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown object type", r.stderr)
        r = vk("init", "-r", "sftp:host:/x", env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"is not supported", r.stderr)
        r = vk("init", "-r", self.path("empty-pw"),
               env=clean_env(VAULTKEEP_PASSWORD=""))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"empty password", r.stderr)
        self.assertFalse(os.path.exists(self.path("empty-pw")))

    def test_init_never_clobbers(self):
        repo = self.init("ours")
        before = sorted(os.listdir(os.path.join(repo, "keys")))
        config = read(os.path.join(repo, "config"))
        r = vk("init", "-r", repo, env=clean_env(VAULTKEEP_PASSWORD="other"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"already exists", r.stderr)
        self.assertEqual(sorted(os.listdir(os.path.join(repo, "keys"))), before)
        self.assertEqual(read(os.path.join(repo, "config")), config)
        # A restic repository is not clobbered either.
        theirs = self.path("theirs")
        self.assertEqual(restic("init", "-r", theirs).returncode, 0)
        r = vk("init", "-r", theirs, env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 2)

    def blob_tool(self, *args):
        r = subprocess.run([os.path.join(BIN, "blob_tool"), *args],
                           capture_output=True, timeout=120,
                           env=clean_env(VAULTKEEP_PASSWORD=PW))
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_restic_reads_packs_and_index_vaultkeep_writes(self):
        repo = self.init("ours")
        rng = random.Random(5)
        files = []
        for i in range(40):
            f = self.path(f"blob{i:02d}")
            if i % 4 == 0:
                data = (b"vault/logical/" * 5000)[: 1000 + i * 997]
            else:
                data = rng.randbytes(1 + i * 3001)
            with open(f, "wb") as out:
                out.write(data)
            files.append((f, data))
        # A duplicate file: stored once.
        dup = self.path("dup")
        with open(dup, "wb") as out:
            out.write(files[3][1])
        self.blob_tool(repo, "write", "--pack-size", "150000",
                       *[f for f, _ in files], dup)
        r = restic("-r", repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"no errors were found", r.stdout)
        r = restic("-r", repo, "list", "blobs")
        self.assertEqual(r.returncode, 0, r.stderr)
        listed = sorted(line.split()[1] for line in r.stdout.decode().splitlines())
        want = sorted({hashlib.sha256(d).hexdigest() for _, d in files})
        self.assertEqual(listed, want)
        packs = restic("-r", repo, "list", "packs").stdout.decode().split()
        self.assertGreater(len(packs), 3)  # split at the pack-size target
        for f, data in files[::7]:
            r = restic("-r", repo, "cat", "blob", hashlib.sha256(data).hexdigest())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, data, f)
        # vaultkeep reads every blob back through its own index too.
        self.assertIn("read 40 blobs", self.blob_tool(repo, "read-all"))

    def test_vaultkeep_reads_every_blob_restic_writes(self):
        repo = self.path("theirs")
        self.assertEqual(restic("init", "-r", repo).returncode, 0)
        src = self.path("src")
        os.mkdir(src)
        with open(os.path.join(src, "random.bin"), "wb") as f:
            f.write(random.Random(1).randbytes(3_000_000))
        with open(os.path.join(src, "text.txt"), "wb") as f:
            f.write(b"hello vault\n" * 200_000)
        r = restic("-r", repo, "backup", src)
        self.assertEqual(r.returncode, 0, r.stderr)
        count = len(restic("-r", repo, "list", "blobs").stdout.splitlines())
        self.assertGreater(count, 2)  # data and tree blobs, compressed
        out = self.blob_tool(repo, "read-all")
        self.assertIn(f"read {count} blobs", out)

    def hold_lock(self, repo, *args):
        p = subprocess.Popen([os.path.join(BIN, "blob_tool"), repo, "hold-lock",
                              *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=clean_env(VAULTKEEP_PASSWORD=PW))
        line = p.stdout.readline().decode()
        return p, line

    def release(self, p):
        _, err = p.communicate(b"", timeout=30)
        self.assertEqual(p.returncode, 0, err)

    def test_restic_honours_our_locks(self):
        repo = self.init("ours")
        p, line = self.hold_lock(repo)
        self.assertTrue(line.startswith("locked "), line)
        lock_id = line.split()[1]
        try:
            r = restic("-r", repo, "list", "locks", "--no-lock")
            self.assertEqual(r.stdout.decode().split(), [lock_id])
            r = restic("-r", repo, "cat", "lock", lock_id, "--no-lock")
            self.assertEqual(r.returncode, 0, r.stderr)
            info = json.loads(r.stdout)
            self.assertEqual(info["pid"], p.pid)
            self.assertFalse(info["exclusive"])
            # prune needs an exclusive lock: restic must refuse.
            r = restic("-r", repo, "prune")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"locked", r.stderr)
        finally:
            self.release(p)
        r = restic("-r", repo, "list", "locks", "--no-lock")
        self.assertEqual(r.stdout, b"")
        # Exclusive: restic cannot even take a shared lock.
        p, line = self.hold_lock(repo, "--exclusive")
        try:
            self.assertTrue(line.startswith("locked "), line)
            r = restic("-r", repo, "check")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"locked", r.stderr)
        finally:
            self.release(p)

    def test_we_honour_restics_locks(self):
        repo = self.path("theirs")
        self.assertEqual(restic("init", "-r", repo).returncode, 0)
        # restic backup --stdin holds a shared lock while it waits for input.
        backup = subprocess.Popen(
            [RESTIC, "-r", repo, "backup", "--stdin"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=clean_env(RESTIC_PASSWORD=PW))
        try:
            for _ in range(100):
                if restic("-r", repo, "list", "locks", "--no-lock").stdout:
                    break
                time.sleep(0.1)
            else:
                self.fail("restic never took its lock")
            p, line = self.hold_lock(repo, "--exclusive")
            _, err = p.communicate(b"", timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(b"repository is already locked by PID " +
                          str(backup.pid).encode(), err)
            p, line = self.hold_lock(repo)  # shared locks coexist
            self.assertTrue(line.startswith("locked "), line)
            self.release(p)
        finally:
            backup.communicate(b"data", timeout=60)
        self.assertEqual(backup.returncode, 0)

    def test_files_are_private(self):
        repo = self.init("ours")
        self.assertEqual(stat.S_IMODE(os.stat(repo).st_mode), 0o700)
        for root, dirs, files in os.walk(repo):
            for d in dirs:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode), 0o700)
            for f in files:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode), 0o400)
        key = os.listdir(os.path.join(repo, "keys"))[0]
        doc = json.loads(read(os.path.join(repo, "keys", key)))
        self.assertEqual(list(doc), ["created", "username", "hostname", "kdf",
                                     "N", "r", "p", "salt", "data"])
        self.assertNotIn(PW, json.dumps(doc))


if __name__ == "__main__":
    unittest.main(verbosity=2)
