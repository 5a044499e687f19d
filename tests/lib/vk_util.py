"""Shared helpers for the Python integration tests: run vaultkeep, restic
and gen-snapshot as real processes with a clean environment (no inherited
RESTIC_* / VAULTKEEP_* variables) and no controlling terminal, so a
password prompt fails fast instead of waiting for a keyboard."""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

BIN = os.environ.get("VK_BIN")
RESTIC = shutil.which("restic")
PW = "correct horse battery staple"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "VAULTKEEP_"))}
    env.update(extra)
    return env


def read(path):
    with open(path, "rb") as f:
        return f.read()


def vk(*args, env=None, timeout=120, stdin=None):
    return subprocess.run([os.path.join(BIN, "vaultkeep"), *args],
                          capture_output=True, timeout=timeout,
                          env=env if env is not None else clean_env(),
                          start_new_session=True, stdin=stdin)


def restic(*args, password=PW, timeout=300):
    cache = os.environ.get("TMPDIR", "/tmp") + "/vk-restic-cache"
    return subprocess.run([RESTIC, *args], capture_output=True,
                          timeout=timeout,
                          env=clean_env(RESTIC_PASSWORD=password,
                                        RESTIC_CACHE_DIR=cache),
                          start_new_session=True)


def gen_snapshot(out, *args):
    r = subprocess.run([os.path.join(BIN, "gen-snapshot"), "-o", out,
                        *[str(a) for a in args]],
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode())
    return out


def entries(snap_path):
    """{name: bytes} of a .snap's tar entries, via Python's own readers."""
    out = {}
    with tarfile.open(snap_path, "r:gz") as t:
        for m in t.getmembers():
            out[m.name] = t.extractfile(m).read()
    return out


def require_binaries():
    if not BIN:
        raise SystemExit("VK_BIN is not set (run through ctest)")
    if not RESTIC:
        raise SystemExit("restic is not installed (scripts/test installs it)")


def repo_files(repo, sub=""):
    """Sorted paths (relative to `repo`) of every file under repo/sub."""
    found = []
    for d, _, files in os.walk(os.path.join(repo, sub)):
        found += [os.path.relpath(os.path.join(d, f), repo) for f in files]
    return sorted(found)


def rewrite(path, fn):
    """Replaces a repository file's bytes with fn(bytes), keeping it
    read-only (mode 0400) as the repository writes it."""
    os.chmod(path, 0o600)
    data = read(path)
    with open(path, "wb") as f:
        f.write(fn(data))
    os.chmod(path, 0o400)


def flip(path, offset):
    """Flips one bit (0x40) of the byte at `offset` (negative: from the end)."""
    def fn(data):
        at = offset % len(data)
        return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1:]
    rewrite(path, fn)


class RepoTestCase(unittest.TestCase):
    """A class-wide scratch folder (self.tmp) for generated archives and,
    per test, a folder (self.dir) with a path for a repository (self.repo);
    `init_repo()` creates it. vk_json() runs a command on it with --json."""

    PREFIX = "vk-test-"
    ENV = clean_env(VAULTKEEP_PASSWORD=PW)

    @classmethod
    def setUpClass(cls):
        require_binaries()
        cls._tmp = tempfile.TemporaryDirectory(prefix=cls.PREFIX)
        cls.tmp = cls._tmp.name

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(dir=self.tmp)
        self.dir = self._dir.name
        self.repo = os.path.join(self.dir, "repo")

    def tearDown(self):
        self._dir.cleanup()

    def init_repo(self):
        r = vk("init", "-r", self.repo, env=self.ENV)
        self.assertEqual(r.returncode, 0, r.stderr)

    def vk_json(self, *args, code=0):
        r = vk(*args, "-r", self.repo, "--json", env=self.ENV)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return json.loads(r.stdout) if code == 0 else r

    def backup(self, snap, *args, code=0):
        return self.vk_json("backup", "--snapshot-file", snap, *args,
                            code=code)
