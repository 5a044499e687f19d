"""Issue 14's live defects, each reproduced against real minivault clusters
(every test here failed before the fixes):

  - one bad escrowed unseal key (garbage, or another cluster's share) made
    the backup exit 0 and the forced restore stop at that key with every
    node sealed (item 1, 11): now the backup is recorded with a tag and
    exits 3, the restore unseals with the good keys; too few distinct
    shares (`--shares 2` of 3) tag the backup keys-unusable, which
    "latest", restore and retention pass over;
  - a forced restore killed after its upload could not be finished
    (item 2): killed at every step (during the upload, after the restore
    was applied, after the keys were migrated, after each node's unseal),
    running it again finishes it; `vaultkeep unseal` unseals with a
    backup's keys alone;
  - slow or vague failures (item 10): a non-Vault server, a sealed
    cluster, a wrong token, an address that does not answer, NaN/inf
    waits, a zero stall timeout, a two-line or missing token file;
  - token files readable by every user and key directories others may
    write to (item 6);
  - -v, -vv and VAULTKEEP_LOG=debug changed nothing (item 9)."""

import http.server
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import vk_util  # noqa: E402
from live import (LiveTestCase, all_unsealed, key_names,  # noqa: E402
                  write_secret_file)
from minivault import require_minivault  # noqa: E402
from vk_util import clean_env, vk  # noqa: E402


def setUpModule():
    require_minivault()
    vk_util.require_binaries()


def key_path(c, i):
    return os.path.join(c.key_dir, key_names(c.prefix, 5)[i + 1])


def seal_all(c):
    """Seals a one-node cluster (a standby would forward sys/seal)."""
    assert len(c.nodes) == 1
    n = c.nodes[0]
    status, body = n.call("PUT", "/v1/sys/seal", token=c.root)
    assert status in (200, 204), body
    n.wait_for(lambda: n.seal_status()["sealed"], 20, "sealed")


class BadKeyTest(LiveTestCase):
    def test_garbage_key_is_tagged_and_the_restore_unseals_anyway(self):
        a = self.cluster(3, name="a")
        self.put(a, "app/x", {"v": "from-a"})
        with open(key_path(a, 1), "w") as f:
            f.write("not-base64!!!\n")
        r = self.backup(a)
        err = self.failed(r, 3)
        self.assertIn("vault-unseal-key-1", err)
        self.assertIn("keys-degraded", err)
        out = json.loads(r.stdout)
        self.assertEqual(out["key_check"]["verdict"], "degraded")
        snaps = self.snapshots()
        self.assertEqual(len(snaps), 1)
        self.assertIn("keys-degraded", snaps[0]["tags"])
        self.assertEqual(self.manifest()["key_check"]["verdict"], "degraded")

        b = self.cluster(3, name="b")
        r = self.ok(self.restore(b, "--force", "--dry-run"))
        self.assertIn("vault-unseal-key-1", r.stdout.decode())
        self.assertIn("4 of 5 escrowed unseal keys proven", r.stdout.decode())
        r = self.ok(self.restore(b, "--force"))
        self.assertTrue(all_unsealed(b))
        self.assertEqual(self.get(b, "app/x", token=a.root), {"v": "from-a"})
        self.assert_no_secrets_in(r.stdout.decode() + r.stderr.decode(), a)

    def test_share_of_another_cluster_is_found_at_backup_time(self):
        a = self.cluster(1, name="a")
        other = self.cluster(1, name="o")
        with open(key_path(a, 0), "w") as f:
            f.write(other.keys[0] + "\n")
        err = self.failed(self.backup(a), 3)
        self.assertIn("vault-unseal-key-0", err)
        self.assertIn("another cluster", err)

    def test_too_few_shares_are_unusable_and_passed_over(self):
        a = self.cluster(1, name="a")
        self.put(a, "app/x", {"v": "good"})
        good = json.loads(self.ok(self.backup(a)).stdout)["snapshot_id"]
        r = self.backup(a, "--shares", "2")
        err = self.failed(r, 3)
        self.assertIn("too few", err)
        bad = json.loads(r.stdout)["snapshot_id"]
        self.assertIn("keys-unusable",
                      [s for s in self.snapshots() if s["id"] == bad][0]
                      ["tags"])

        # "latest" is the good one, and says what it passed over.
        b = self.cluster(1, name="b")
        r = self.ok(self.restore(b, "--force", "--dry-run"))
        self.assertIn(good[:8], r.stdout.decode())
        self.assertIn(bad[:8], r.stderr.decode())
        # Naming the unusable one is refused before anything changes.
        err = self.failed(self.restore(b, "--force", snapshot=bad), 3)
        self.assertIn("cannot unseal", err)
        self.assertEqual(self.get(b, "app/x"), None)
        self.assertEqual(b.active().call("GET", "/v1/auth/token/lookup-self",
                                         token=b.root)[0], 200)
        # Retention: the unusable backup takes no keep slot of a good one.
        r = self.ok(vk("forget", "--repo", self.repo, "--password-file",
                       self.pwfile, "--keep-last", "1", "--json"))
        kept = [k["id"] for g in json.loads(r.stdout)["groups"]
                for k in g["keep"]]
        self.assertIn(good, kept)
        self.assertIn(bad, kept)


class ResumeTest(LiveTestCase):
    """A forced restore killed at each point; a rerun finishes it."""

    POINTS = ["upload-bytes:1000", "upload", "restore applied",
              "keys migrated", "unsealed-node:1", "unsealed-node:2",
              "unsealed"]

    def restore_args(self, b, *extra):
        return ["restore", "latest", "--repo", self.repo, "--password-file",
                self.pwfile, "--token-file", b.token_file, "--key-dir",
                b.key_dir, "--key-prefix", b.prefix, "--force",
                *self.addrs(b.nodes), *extra]

    def test_every_interrupted_step_can_be_finished(self):
        a = self.cluster(3, name="a")
        for i in range(30):
            self.put(a, f"app/{i}", {"v": str(i)})
        self.ok(self.backup(a))
        for point in self.POINTS:
            with self.subTest(point=point):
                b = self.cluster(3, name="b-" + point.replace(":", "-")
                                 .replace(" ", "-"))
                r = vk(*self.restore_args(b), timeout=300,
                       env=clean_env(VAULTKEEP_TEST_KILL_AT=point))
                self.assertEqual(r.returncode, -9, (point, r.stderr))
                r = self.ok(vk(*self.restore_args(b), timeout=300))
                out = r.stdout.decode()
                self.assertIn("probe", out)
                self.assertTrue(all_unsealed(b), point)
                self.assertEqual(self.get(b, "app/7", token=a.root),
                                 {"v": "7"}, point)
                with open(os.path.join(b.key_dir,
                                       key_names(b.prefix, 5)[0])) as f:
                    self.assertEqual(f.read().strip(), a.root, point)
                if point in ("restore applied", "keys migrated"):
                    self.assertIn("resumed", out, point)
                    self.assertNotIn("upload ", out, point)
                b.close()

    def test_no_unseal_rerun_and_the_unseal_command(self):
        a = self.cluster(3, name="a")
        self.put(a, "app/x", {"v": "a"})
        self.ok(self.backup(a))
        b = self.cluster(3, name="b")
        r = vk(*self.restore_args(b), timeout=300,
               env=clean_env(VAULTKEEP_TEST_KILL_AT="restore applied"))
        self.assertEqual(r.returncode, -9, r.stderr)
        # A rerun that must not unseal still recognises the state.
        r = self.ok(vk(*self.restore_args(b, "--dry-run", "--no-unseal")))
        self.assertIn("resume", r.stdout.decode())
        r = self.ok(vk("unseal", "--repo", self.repo, "--password-file",
                       self.pwfile, "--json", *self.addrs(b.nodes)))
        self.assertEqual(len(json.loads(r.stdout)["unsealed"]), 3)
        self.assertTrue(all_unsealed(b))
        self.assertEqual(self.get(b, "app/x", token=a.root), {"v": "a"})
        self.assert_no_secrets_in(r.stdout.decode() + r.stderr.decode(), a)

    def test_a_sealed_cluster_of_other_keys_is_not_resumed(self):
        a = self.cluster(1, name="a", shares=5, threshold=3)
        self.ok(self.backup(a))
        b = self.cluster(1, name="b", shares=3, threshold=2)
        seal_all(b)
        err = self.failed(vk(*self.restore_args(b)), 2)
        self.assertIn("no interrupted restore", err)
        self.assertTrue(b.nodes[0].seal_status()["sealed"])


class _NotVault(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404)
        self.end_headers()
        self.wfile.write(b"not found")

    do_PUT = do_POST = do_GET

    def log_message(self, *_):
        pass


class VagueFailureTest(LiveTestCase):
    def test_a_non_vault_server_fails_at_once(self):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotVault)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        a = self.cluster(1, name="a")
        start = time.monotonic()
        err = self.failed(self.backup(
            a, nodes=[type("N", (), {"addr": "http://127.0.0.1:%d" %
                                     srv.server_address[1]})()]), 2)
        self.assertLess(time.monotonic() - start, 30)  # --wait is 120 s
        self.assertIn("not a Vault API", err)

    def test_sealed_cluster_is_named_sealed(self):
        a = self.cluster(1, name="a")
        seal_all(a)
        err = self.failed(self.backup(a, "--wait", "1"), 4)
        self.assertIn("sealed", err)
        self.assertNotIn("no Vault address answered", err)

    def test_wrong_token_is_refused_before_anything_moves(self):
        a = self.cluster(1, name="a")
        bad = write_secret_file(os.path.join(self.tmp, "bad-token"),
                                "hvs.not-a-token-at-all\n")
        err = self.failed(self.backup(a, token_file=bad), 2)
        self.assertIn("refused the token", err)
        self.assertNotIn("hvs.not-a-token", err)
        self.assert_nothing_recorded()
        self.ok(self.backup(a))
        b = self.cluster(1, name="b")
        err = self.failed(self.restore(b, "--force", token_file=bad), 2)
        self.assertIn("refused the token", err)
        self.assertIn("nothing was changed", err)

    def test_restore_needs_every_address_to_answer(self):
        a = self.cluster(1, name="a")
        self.ok(self.backup(a))
        b = self.cluster(1, name="b")
        dead = type("N", (), {"addr": "http://127.0.0.1:9"})()
        err = self.failed(self.restore(b, "--force",
                                       nodes=[b.nodes[0], dead]), 4)
        self.assertIn("http://127.0.0.1:9", err)
        self.assertIn("nothing was changed", err)

    def test_flag_values_and_token_files_are_checked(self):
        a = self.cluster(1, name="a")
        for flags in (["--wait", "nan"], ["--wait", "inf"], ["--wait", "-1"],
                      ["--stall-timeout", "0"], ["--stall-timeout", "-1"]):
            err = self.failed(self.backup(a, *flags), 2)
            self.assertIn(flags[0], err)
        two = write_secret_file(os.path.join(self.tmp, "two-lines"),
                                a.root + "\nsecond\n")
        err = self.failed(self.backup(a, token_file=two), 2)
        self.assertIn("more than one line", err)
        self.assertIn(two, err)
        self.assertNotIn(a.root, err)
        err = self.failed(self.backup(a, token_file="/nonexistent/tok"), 2)
        self.assertIn("token file /nonexistent/tok", err)
        self.assert_nothing_recorded()


class PermissionTest(LiveTestCase):
    def test_token_file_and_key_directory_modes(self):
        a = self.cluster(1, name="a")
        os.chmod(a.token_file, 0o644)
        err = self.failed(self.backup(a), 2)
        self.assertIn("readable by every user", err)
        os.chmod(a.token_file, 0o640)
        r = self.ok(self.backup(a))
        self.assertIn("readable by its group", r.stderr.decode())
        os.chmod(a.token_file, 0o600)
        os.chmod(a.key_dir, 0o777)
        err = self.failed(self.backup(a), 2)
        self.assertIn("writable by other users", err)


class LoggingTest(LiveTestCase):
    def test_verbosity_flags_and_environment(self):
        a = self.cluster(1, name="a")
        quiet = self.ok(self.backup(a)).stderr.decode()
        self.assertNotIn(" info ", quiet)
        info = self.ok(self.backup(a, "-v")).stderr.decode()
        self.assertIn(" info ", info)
        self.assertIn("leader confirmed", info)
        self.assertNotIn("http: GET", info)
        for extra, env in ((["-vv"], None),
                           ([], clean_env(VAULTKEEP_LOG="debug"))):
            args = ["backup", "--repo", self.repo, "--password-file",
                    self.pwfile, "--token-file", a.token_file, "--key-dir",
                    a.key_dir, "--key-prefix", a.prefix,
                    *self.addrs(a.nodes), *extra]
            r = vk(*args, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            debug = r.stderr.decode()
            self.assertIn("http: GET", debug)
            self.assertIn("sys/storage/raft/snapshot -> 200", debug)
            self.assert_no_secrets_in(debug, a)
        r = self.ok(vk("-v", "restore", "latest", "--repo", self.repo,
                       "--password-file", self.pwfile, "--token-file",
                       a.token_file, *self.addrs(a.nodes)))
        self.assertIn("restore", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
