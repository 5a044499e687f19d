"""End-to-end tests of minivault's raft snapshot restore (same cluster,
damaged archives, forced and cross-cluster restores, restart), TLS and the
process (CLI, SIGTERM)."""

import gzip
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import make_self_signed_cert, minivault_binary  # noqa: E402
from api_common import (  # noqa: E402,F401
    DIFFERENT_KEYS,
    ApiCase,
    restore,
    rebuild,
    setUpModule)


class RestoreTest(ApiCase):
    def test_same_cluster_restore(self):
        mv = self.server()
        keys, root = mv.setup(3, 2)
        mv.put_secret(root, "kept", {"v": "old"})
        archive = mv.snapshot(root)
        mv.put_secret(root, "kept", {"v": "new"})
        mv.put_secret(root, "after", {"v": "gone"})
        status, _ = mv.call("PUT", "/v1/sys/policies/acl/later", token=root,
                            json={"policy": 'path "a" { capabilities = '
                                            '["read"] }'})
        self.assertEqual(status, 204)
        status, body = restore(mv, root, archive)
        self.assertEqual((status, body), (204, None))
        mv.wait_for(lambda: mv.get_secret(root, "kept") == {"v": "old"},
                    what="the old secret value")
        mv.wait_for(lambda: mv.call("GET", "/v1/secret/data/after",
                                    token=root)[0] == 404,
                    what="the later secret to go")
        status, body = mv.call("GET", "/v1/secret/data/kept?version=2",
                               token=root)
        self.assertEqual(status, 404)
        self.assertEqual(mv.call("GET", "/v1/sys/policies/acl/later",
                                 token=root)[0], 404)
        st = mv.seal_status()
        self.assertFalse(st["sealed"])
        self.assertEqual((st["t"], st["n"]), (2, 3))
        self.assertEqual(mv.call("GET", "/v1/sys/health")[0], 200)
        # Still writable, and a new snapshot verifies.
        mv.put_secret(root, "post-restore", {"v": "1"})
        self.assertEqual(mv.snapshot(root)[:2], b"\x1f\x8b")

    def test_damaged_archives_change_nothing(self):
        mv = self.server()
        keys, root = mv.setup(1, 1)
        mv.put_secret(root, "s", {"v": "1"})
        archive = mv.snapshot(root)
        mv.put_secret(root, "s", {"v": "2"})
        middle = len(archive) // 2
        flipped = bytearray(archive)
        flipped[middle] ^= 0x40
        raw_tar = gzip.decompress(archive)
        tampered_tar = bytearray(raw_tar)
        # A byte inside state.bin (the second entry's data, after two
        # 512-byte headers and meta.json's padded data).
        tampered_tar[1024 + 512 + 10] ^= 0x01
        cases = {
            "truncated": archive[:middle],
            "truncated-end": archive[:-20],
            "flipped": bytes(flipped),
            "garbage": os.urandom(4096),
            "empty": b"",
            "plain-tar": raw_tar,
            "state-changed": gzip.compress(bytes(tampered_tar)),
            "extra-entry": rebuild(archive, extra=("evil.txt", b"x")),
        }
        for name, data in cases.items():
            for force in (False, True):
                with self.subTest(case=name, force=force):
                    status, body = restore(mv, root, data, force=force)
                    # Vault: 500 for every defect but the sealed hashes.
                    self.assertEqual(status, 500, body)
                    self.assertEqual(len(body["errors"]), 1, body)
                    self.assertTrue(body["errors"][0].startswith(
                        "failed to read snapshot file"), body)
                    self.assertFalse(mv.seal_status()["sealed"])
                    self.assertEqual(mv.get_secret(root, "s"), {"v": "2"})
        time.sleep(0.3)  # nothing may be running in the background
        self.assertFalse(mv.seal_status()["sealed"])
        self.assertEqual(mv.get_secret(root, "s"), {"v": "2"})
        self.assertTrue(mv.alive())

    def test_force_restore_same_cluster_and_unsealed_archive(self):
        mv = self.server()
        keys, root = mv.setup(1, 1)
        mv.put_secret(root, "f", {"v": "1"})
        archive = mv.snapshot(root)
        unsealed = rebuild(archive, drop=("SHA256SUMS.sealed",))
        mv.put_secret(root, "f", {"v": "2"})
        # Without the sealed hashes only the force API accepts it (§1.3).
        status, body = restore(mv, root, unsealed)
        self.assertEqual((status, body), (400, {"errors": [DIFFERENT_KEYS]}))
        self.assertEqual(mv.get_secret(root, "f"), {"v": "2"})
        self.assertEqual(restore(mv, root, unsealed, force=True), (204, None))
        mv.wait_for(lambda: mv.get_secret(root, "f") == {"v": "1"},
                    what="the restored value")
        self.assertFalse(mv.seal_status()["sealed"])
        # Forcing an archive of this very cluster keeps the node unsealed.
        mv.put_secret(root, "f", {"v": "3"})
        self.assertEqual(restore(mv, root, archive, force=True), (204, None))
        mv.wait_for(lambda: mv.get_secret(root, "f") == {"v": "1"},
                    what="the restored value")
        self.assertFalse(mv.seal_status()["sealed"])

    def test_other_cluster_needs_force(self):
        target = self.server()
        t_keys, t_root = target.setup(3, 2)
        target.put_secret(t_root, "mine", {"cluster": "target"})
        source = self.server()
        s_keys, s_root = source.setup(5, 3)
        source.put_secret(s_root, "theirs", {"cluster": "source"})
        source.put_secret(s_root, "mine", {"cluster": "source"})
        archive = source.snapshot(s_root)

        status, body = restore(target, t_root, archive)
        self.assertEqual((status, body), (400, {"errors": [DIFFERENT_KEYS]}))
        time.sleep(0.3)
        self.assertFalse(target.seal_status()["sealed"])
        self.assertEqual(target.get_secret(t_root, "mine"),
                         {"cluster": "target"})
        self.assertEqual(target.call("GET", "/v1/secret/data/theirs",
                                     token=t_root)[0], 404)

        status, body = restore(target, t_root, archive, force=True)
        self.assertEqual((status, body), (204, None))
        st = target.wait_for(
            lambda: (lambda s: s if s["sealed"] else None)(
                target.seal_status()),
            what="the node to seal itself")
        self.assertEqual((st["t"], st["n"]), (3, 5))
        self.assertEqual(target.call("GET", "/v1/sys/health")[0], 503)
        # The target's own keys no longer unseal it.
        for key in t_keys[:2]:
            target.call("PUT", "/v1/sys/unseal", json={"key": key})
        self.assertTrue(target.seal_status()["sealed"])
        target.call("PUT", "/v1/sys/unseal", json={"reset": True})
        st = target.unseal(s_keys[1:4])
        self.assertFalse(st["sealed"], st)
        self.assertEqual(target.get_secret(s_root, "theirs"),
                         {"cluster": "source"})
        self.assertEqual(target.get_secret(s_root, "mine"),
                         {"cluster": "source"})
        status, body = target.call("GET", "/v1/secret/data/mine",
                                   token=t_root)
        self.assertError(status, body, 403, "permission denied")
        # The restored node snapshots with the source cluster's seal: the
        # source accepts that archive without force.
        again = target.snapshot(s_root)
        self.assertEqual(restore(source, s_root, again), (204, None))

    def test_restart_keeps_data(self):
        mv = self.server()
        keys, root = mv.setup(3, 2)
        mv.put_secret(root, "durable", {"v": "1"})
        mv.put_secret(root, "durable", {"v": "2"})
        mv.restart()
        st = mv.seal_status()
        self.assertEqual((st["initialized"], st["sealed"], st["t"], st["n"]),
                         (True, True, 2, 3))
        self.assertEqual(mv.call("GET", "/v1/sys/health")[0], 503)
        mv.unseal(keys[1:3])
        self.assertEqual(mv.get_secret(root, "durable"), {"v": "2"})
        status, body = mv.call("GET", "/v1/secret/data/durable?version=1",
                               token=root)
        self.assertEqual(body["data"]["data"], {"v": "1"})
        mv.stop()  # asserts exit code 0 after SIGTERM


class TlsTest(ApiCase):
    def test_health_over_https(self):
        with tempfile.TemporaryDirectory() as d:
            cert, key = make_self_signed_cert(d)
            mv = self.server(tls=(cert, key))
            self.assertTrue(mv.addr.startswith("https://"))
            status, body = mv.call("GET", "/v1/sys/health")
            self.assertEqual(status, 501)
            self.assertFalse(body["initialized"])
            keys, root = mv.setup(1, 1)
            self.assertEqual(mv.call("GET", "/v1/sys/health")[0], 200)
            status, leader = mv.call("GET", "/v1/sys/leader")
            self.assertTrue(leader["leader_address"].startswith("https://"))
            # Plain HTTP on the TLS port gets no API answer.
            with self.assertRaises(OSError):
                urllib.request.urlopen(
                    f"http://127.0.0.1:{mv.port}/v1/sys/health",
                    timeout=5).read()
            mv.stop()


class ProcessTest(ApiCase):
    def test_cli(self):
        r = subprocess.run([minivault_binary(), "version"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"minivault "), r.stdout)
        r = subprocess.run([minivault_binary(), "--help"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"server", r.stdout)
        r = subprocess.run([minivault_binary(), "server", "--data-dir",
                            tempfile.gettempdir() + "/vk-mv-unused",
                            "--listen", "nonsense"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)

    def test_sigterm_exits_zero(self):
        mv = self.server()
        mv.setup(1, 1)
        mv.stop()
        self.assertFalse(mv.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)
