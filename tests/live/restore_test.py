"""vaultkeep restore into live minivault clusters: back into the same
cluster; into a new cluster with other keys (refused without --force with
the reason, planned by --dry-run without changing anything, then forced:
keys migrated, every node unsealed with the escrowed keys, every secret
back, the target's old root token refused); and from a Stash-style backup
made by the real restic."""

import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import vk_util  # noqa: E402
from live import (PREFIX, LiveTestCase, all_unsealed,  # noqa: E402
                  key_names, write_secret_file)
from minivault import require_minivault  # noqa: E402


def setUpModule():
    require_minivault()
    vk_util.require_binaries()


SECRETS = 40


def write_many(c, tag):
    node = c.active()
    for i in range(SECRETS):
        node.put_secret(c.root, f"app/{i}", {"value": f"{tag}-{i}"})


def check_many(test, c, token, tag):
    node = c.active()
    for i in range(SECRETS):
        test.assertEqual(node.get_secret(token, f"app/{i}"),
                         {"value": f"{tag}-{i}"}, f"app/{i}")


class SameClusterTest(LiveTestCase):
    def test_restore_into_the_same_cluster(self):
        c = self.cluster(3)
        write_many(c, "backup")
        self.ok(self.backup(c))
        write_many(c, "later")
        self.put(c, "app/new", {"x": "1"})

        r = self.ok(self.restore(c))
        out = r.stdout.decode()
        for step in ("upload", "restore applied", "healthy", "probe"):
            self.assertIn(step, out)
        self.assertNotIn("keys migrated", out)  # no --force: same keys
        check_many(self, c, c.root, "backup")
        self.assertIsNone(self.get(c, "app/new"))
        self.assertTrue(all_unsealed(c))
        for n in c.standbys():  # replicated: read through every standby
            self.assertEqual(n.get_secret(c.root, "app/3"),
                             {"value": "backup-3"})
        self.assert_no_secrets_in(out + r.stderr.decode(), c)


class NewClusterTest(LiveTestCase):
    def test_force_restore_into_a_new_cluster(self):
        a = self.cluster(3, name="a")
        write_many(a, "from-a")
        self.ok(self.backup(a))
        a.close()  # the source cluster is gone

        b = self.cluster(3, name="b", prefix="k8s.kubevault.com.prod.vault")
        self.put(b, "b/only", {"v": "b"})

        # Without --force Vault refuses: other unseal keys. B is unchanged.
        err = self.failed(self.restore(b))
        self.assertIn("--force", err)
        self.assertIn("the cluster was not changed", err)
        self.assertEqual(self.get(b, "b/only"), {"v": "b"})

        # --dry-run prints the plan and changes nothing.
        r = self.ok(self.restore(b, "--force", "--dry-run"))
        plan = r.stdout.decode()
        self.assertIn("dry run", plan)
        self.assertIn("snapshot-force", plan)
        self.assertIn("migrate", plan)
        self.assertIn("5 unseal keys and the root token", plan)
        self.assertEqual(self.get(b, "b/only"), {"v": "b"})
        with open(os.path.join(b.key_dir, f"{b.prefix}-root-token")) as f:
            self.assertEqual(f.read().strip(), b.root)

        r = self.ok(self.restore(b, "--force",
                                 "--probe-path", "secret/data/app/7"))
        out = r.stdout.decode()
        self.assertIn("keys migrated", out)
        self.assertIn("unsealed", out)
        self.assert_no_secrets_in(out + r.stderr.decode(), a)
        self.assertTrue(all_unsealed(b))
        # A's data, A's root token; B's own token no longer works.
        check_many(self, b, a.root, "from-a")
        self.assertIsNone(b.active().get_secret(a.root, "b/only"))
        status, _ = b.active().call("GET", "/v1/auth/token/lookup-self",
                                    token=b.root)
        self.assertEqual(status, 403)
        # B's key store now holds A's keys under B's names.
        for name, value in zip(key_names(b.prefix, 5), [a.root] + a.keys):
            path = os.path.join(b.key_dir, name)
            with open(path) as f:
                self.assertEqual(f.read().strip(), value, name)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # Replication still works after the restore.
        b.active().put_secret(a.root, "after", {"ok": "yes"})
        for n in b.standbys():
            n.wait_for(lambda n=n: n.get_secret(a.root, "after"), 20,
                       "replication after the restore")

    def test_forced_restore_of_a_backup_without_keys_is_refused(self):
        a = self.cluster(1, name="a")
        self.ok(self.backup(a, "--no-keys"))
        b = self.cluster(1, name="b")
        err = self.failed(self.restore(b, "--force"), 2)
        self.assertIn("no unseal keys", err)
        self.assertIn("nothing was changed", err)
        self.assertEqual(b.active().call("GET", "/v1/auth/token/lookup-self",
                                         token=b.root)[0], 200)


class StashLayoutTest(LiveTestCase):
    def test_restore_a_stash_style_backup(self):
        a = self.cluster(1, name="a", prefix="k8s.kubevault.com.demo.vault")
        write_many(a, "stash")
        # What Stash's vault-backup task leaves for restic: backup.snap and
        # the keys as JSON-string files, in one folder.
        folder = os.path.join(self.tmp, "interim")
        os.mkdir(folder)
        with open(os.path.join(folder, "backup.snap"), "wb") as f:
            f.write(a.active().snapshot(a.root))
        for name, value in zip(key_names(PREFIX, 5), [a.root] + a.keys):
            write_secret_file(os.path.join(folder, name), json.dumps(value))
        stash_repo = os.path.join(self.tmp, "stash-repo")
        r = vk_util.restic("-r", stash_repo, "init")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        old = os.getcwd()
        os.chdir(folder)
        try:
            r = vk_util.restic("-r", stash_repo, "backup", "--host", "host-0",
                               ".")
        finally:
            os.chdir(old)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        shutil.rmtree(folder)
        a.close()

        b = self.cluster(3, name="b")
        self.repo = stash_repo  # restore reads the Stash repository
        r = self.ok(self.restore(b, "--force"))
        self.assertIn("Stash layout", r.stdout.decode())
        check_many(self, b, a.root, "stash")
        self.assertTrue(all_unsealed(b))


if __name__ == "__main__":
    unittest.main()
