#!/usr/bin/env python3
"""End-to-end tests of the vaultkeep command line: usage errors and their
exit codes, stdin input, output formats, and that no failure leaves a file
behind. Binaries come from $VK_BIN (set by CTest)."""

import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("VK_BIN")


def run(*args, stdin=None):
    return subprocess.run([os.path.join(BIN, args[0]), *args[1:]],
                          input=stdin, capture_output=True, timeout=120)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BIN:
            raise SystemExit("VK_BIN is not set (run through ctest)")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.snap = os.path.join(cls.tmp.name, "a.snap")
        r = run("gen-snapshot", "-o", cls.snap, "--records", "500", "--seed",
                "11")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertUsage(self, r, fragment):
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(fragment, r.stderr.decode())

    def test_help_and_version(self):
        r = run("vaultkeep", "--help")
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        for word in ("inspect", "verify", "Exit codes"):
            self.assertIn(word, out)
        r = run("vaultkeep", "--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"\d+\.\d+\.\d+")

    def test_usage_errors_exit_2(self):
        self.assertUsage(run("vaultkeep"), "subcommand")
        self.assertUsage(run("vaultkeep", "frobnicate"), "frobnicate")
        self.assertUsage(run("vaultkeep", "verify"), "file is required")
        self.assertUsage(run("vaultkeep", "verify", "--bogus", self.snap),
                         "--bogus")
        self.assertUsage(run("vaultkeep", "inspect", "--depth", "-1",
                             self.snap),
                         "Depth must be equal to or greater than 0")
        self.assertUsage(run("vaultkeep", "inspect", "--format", "yaml",
                             self.snap), "unknown --format")
        self.assertUsage(run("vaultkeep", "verify", "--inflate", "lz4",
                             self.snap), "unknown inflate engine")
        missing = os.path.join(self.tmp.name, "missing.snap")
        self.assertUsage(run("vaultkeep", "verify", missing),
                         "No such file or directory")
        self.assertUsage(run("vaultkeep", "inspect", self.tmp.name),
                         "is a directory")

    def test_verify_ok_text_and_json_and_stdin(self):
        r = run("vaultkeep", "verify", self.snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK: complete Vault snapshot", r.stdout.decode())
        self.assertEqual(r.stderr, b"")
        with open(self.snap, "rb") as f:
            data = f.read()
        r = run("vaultkeep", "verify", "--format", "json", "-", stdin=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertTrue(j["ok"])
        self.assertEqual(j["file"], "standard input")
        self.assertTrue(j["sealed"])
        self.assertEqual(len(j["sha256"]["state.bin"]), 64)
        for engine in ("zlib", "isal"):
            for extra in ([], ["--single-thread"]):
                r = run("vaultkeep", "verify", "--inflate", engine, *extra,
                        self.snap)
                self.assertEqual(r.returncode, 0, (engine, extra, r.stderr))

    def test_verify_failure_json_goes_to_stdout(self):
        with open(self.snap, "rb") as f:
            data = f.read()[:-100]
        r = run("vaultkeep", "verify", "--format", "json", "-", stdin=data)
        self.assertEqual(r.returncode, 3)
        j = json.loads(r.stdout)
        self.assertFalse(j["ok"])
        self.assertEqual(j["error_class"], "corruption")
        self.assertEqual(j["exit_code"], 3)
        self.assertIn("truncated", j["error"])
        self.assertEqual(r.stderr, b"")  # reported once, in the JSON

    def test_inspect_table_layout(self):
        r = run("vaultkeep", "inspect", self.snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().split("\n")
        # Vault's tabwriter layout: minwidth 8, padding 6 -> column 14.
        self.assertEqual(lines[0], " ID           bolt-snapshot")
        self.assertRegex(lines[1], r"^ Size         \d+$")
        self.assertRegex(lines[2], r"^ Index        \d+$")
        self.assertRegex(lines[3], r"^ Term         \d+$")
        self.assertEqual(lines[4], " Version      1")
        self.assertEqual(lines[5:7], ["", ""])
        self.assertRegex(lines[7], r"^ Key Name +Count +Size$")
        self.assertRegex(lines[8], r"^ ---- +---- +----$")
        text = r.stdout.decode()
        self.assertRegex(text, r"\n Total Size +\d+(\.\d)?[KMG]?B\n")
        self.assertIn(" Raft Configuration\n", text)
        self.assertRegex(text, r"node1 +127\.0\.0\.1:8201 +voter")
        self.assertRegex(text, r"\n Sealed +yes \(SHA256SUMS\.sealed")

    def test_inspect_json_shape_and_depth(self):
        r = run("vaultkeep", "inspect", "--format", "json", "--depth", "1",
                self.snap)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout, object_pairs_hook=lambda kv: kv)
        keys = [k for k, _ in j]
        # Vault's keys first, in Vault's order; ours only after them.
        self.assertEqual(keys[:4], ["Meta", "StatsKV", "TotalCountKV",
                                    "TotalSizeKV"])
        d = dict(j)
        self.assertEqual([k for k, _ in d["Meta"]],
                         ["ID", "Size", "Index", "Term", "Version"])
        names = [dict(s)["Name"] for s in d["StatsKV"]]
        self.assertEqual(sorted(names), ["core", "logical", "sys"])
        r = run("vaultkeep", "inspect", "--format", "json", "--filter",
                "nothing/", self.snap)
        j = json.loads(r.stdout)
        self.assertIsNone(j["StatsKV"])
        self.assertEqual(j["TotalCountKV"], 0)

    def test_unsealed_archive(self):
        path = os.path.join(self.tmp.name, "unsealed.snap")
        self.assertEqual(run("gen-snapshot", "-o", path, "--records", "50",
                             "--unsealed").returncode, 0)
        r = run("vaultkeep", "verify", path)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no SHA256SUMS.sealed entry", r.stderr.decode())
        r = run("vaultkeep", "verify", "--allow-unsealed", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no SHA256SUMS.sealed (allowed)", r.stdout.decode())
        r = run("vaultkeep", "inspect", path)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"Sealed +no \(SHA256SUMS\.sealed is absent\)")

    def test_gen_snapshot_failure_leaves_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.snap")
            out = os.path.join(d, "derived.snap")
            with open(self.snap, "rb") as f, open(bad, "wb") as g:
                g.write(f.read()[:5000])
            r = run("gen-snapshot", "-o", out, "--from", bad)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("truncated", r.stderr.decode())
            # No output and no temporary file left behind.
            self.assertEqual(os.listdir(d), ["bad.snap"])

    def test_kek_file_is_private(self):
        path = os.path.join(self.tmp.name, "k.snap")
        kek = os.path.join(self.tmp.name, "kek.hex")
        self.assertEqual(run("gen-snapshot", "-o", path, "--records", "10",
                             "--kek-out", kek).returncode, 0)
        self.assertEqual(os.stat(kek).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        os.remove(path)
        os.remove(kek)


if __name__ == "__main__":
    unittest.main(verbosity=2)
