"""vaultkeep driven by KubeVault's objects: the AppBinding and VaultServer
read from the Kubernetes API (a fake API server, tests/lib/fake_kube.py,
since no cluster runs here) or from YAML files; the backup token from the
AppBinding's backupTokenSecretRef; the keys from the unsealer's Secret; a
forced restore migrating the old cluster's keys into the new cluster's
Secret under the restore task's keyPrefix; RBAC refusals reported with the
API's message and nothing recorded."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import vk_util  # noqa: E402
from fake_kube import FakeKube  # noqa: E402
from live import LiveTestCase, all_unsealed, key_names  # noqa: E402
from minivault import require_minivault  # noqa: E402

NS = "demo"
APPBINDINGS = "/apis/appcatalog.appscode.com/v1alpha1/namespaces"
VAULTSERVERS = "/apis/kubevault.com/v1alpha2/namespaces"
OLD_PREFIX = "k8s.kubevault.com.demo.vault"
NEW_PREFIX = "k8s.kubevault.com.demo.vault2"


def setUpModule():
    require_minivault()
    vk_util.require_binaries()


def appbinding(name, url, backup_prefix, restore_prefix, keys_secret):
    return {
        "apiVersion": "appcatalog.appscode.com/v1alpha1",
        "kind": "AppBinding",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "appRef": {"apiGroup": "kubevault.com", "kind": "VaultServer",
                       "name": name, "namespace": NS},
            "clientConfig": {"url": url},
            "parameters": {
                "apiVersion": "config.kubevault.com/v1alpha1",
                "kind": "VaultServerConfiguration",
                "backend": "raft",
                "backupTokenSecretRef": {"name": f"{name}-backup-token"},
                "stash": {"addon": {
                    "backupTask": {"name": "vault-backup-1.10.3", "params": [
                        {"name": "keyPrefix", "value": backup_prefix}]},
                    "restoreTask": {"name": "vault-restore-1.10.3", "params": [
                        {"name": "keyPrefix", "value": restore_prefix}]}}},
                "unsealer": {"secretShares": 5, "secretThreshold": 3,
                             "mode": {"kubernetesSecret": {
                                 "secretName": keys_secret}}},
            },
        },
    }


def vaultserver(name, keys_secret):
    return {
        "apiVersion": "kubevault.com/v1alpha2",
        "kind": "VaultServer",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"version": "1.10.3", "replicas": 3,
                 "backend": {"raft": {"storage": {}}},
                 "unsealer": {"secretShares": 5, "secretThreshold": 3,
                              "mode": {"kubernetesSecret": {
                                  "secretName": keys_secret}}}},
    }


class KubeTest(LiveTestCase):
    def setUp(self):
        super().setUp()
        self.kube = FakeKube()
        self.addCleanup(self.kube.close)
        self.kubeconfig = os.path.join(self.tmp, "kubeconfig")
        self.kube.write_kubeconfig(self.kubeconfig, namespace=NS)

    def publish(self, c, name, prefix, restore_prefix, keys_secret):
        """What the KubeVault operator would have created for cluster c."""
        # A standby's address: vaultkeep must find the leader itself.
        url = c.standbys()[0].addr if len(c.nodes) > 1 else c.nodes[0].addr
        self.kube.put_object(f"{APPBINDINGS}/{NS}/appbindings/{name}",
                             appbinding(name, url, prefix, restore_prefix,
                                        keys_secret))
        self.kube.put_object(f"{VAULTSERVERS}/{NS}/vaultservers/{name}",
                             vaultserver(name, keys_secret))
        self.kube.set_secret(NS, f"{name}-backup-token", {"token": c.root})
        names = key_names(prefix, 5)
        self.kube.set_secret(NS, keys_secret,
                             dict(zip(names, [c.root] + c.keys)))

    def kube_vk(self, cmd, name, *extra):
        return vk_util.vk(cmd, *extra, "--repo", self.repo,
                          "--password-file", self.pwfile,
                          "--kubeconfig", self.kubeconfig,
                          "--appbinding", f"{NS}/{name}",
                          "--vaultserver", f"{NS}/{name}", timeout=300)

    def test_backup_and_forced_restore_through_kubernetes_objects(self):
        a = self.cluster(3, name="a")
        self.put(a, "app/db", {"password": "from-a"})
        self.publish(a, "vault", OLD_PREFIX, OLD_PREFIX, "vault-keys")
        r = self.ok(self.kube_vk("backup", "vault", "--json"))
        self.assert_no_secrets_in(r.stdout.decode() + r.stderr.decode(), a)
        m = self.manifest()
        self.assertEqual(sorted(m["keys"]), sorted(key_names(OLD_PREFIX, 5)))
        self.assertEqual(m["cluster"]["key_store"],
                         f"Kubernetes Secret {NS}/vault-keys")
        self.assertEqual(m["cluster"]["leader_addr"], a.active().addr)
        a.close()

        # The new cluster's operator objects name another key prefix.
        b = self.cluster(3, name="b")
        self.publish(b, "vault2", NEW_PREFIX, NEW_PREFIX, "vault2-keys")
        r = self.ok(self.kube_vk("restore", "vault2", "--force",
                                 *self.addrs(b.nodes)))
        self.assertIn("keys migrated", r.stdout.decode())
        migrated = self.kube.secret(NS, "vault2-keys")
        for name, value in zip(key_names(NEW_PREFIX, 5), [a.root] + a.keys):
            self.assertEqual(migrated[name], value, name)
        self.assertTrue(all_unsealed(b))
        self.assertEqual(self.get(b, "app/db", token=a.root),
                         {"password": "from-a"})
        self.assertIn(("PATCH",
                       f"/api/v1/namespaces/{NS}/secrets/vault2-keys"),
                      self.kube.requests)

    def test_rbac_refusal_is_reported_and_nothing_recorded(self):
        a = self.cluster(1, name="a")
        self.publish(a, "vault", OLD_PREFIX, OLD_PREFIX, "vault-keys")
        self.kube.deny("get", f"/api/v1/namespaces/{NS}/secrets/vault-keys")
        r = self.kube_vk("backup", "vault")
        err = self.failed(r, 2)
        self.assertIn("forbidden", err.lower())
        self.assertIn("vault-keys", err)
        self.assert_nothing_recorded()

    def test_appbinding_and_vaultserver_from_files(self):
        a = self.cluster(1, name="a")
        self.put(a, "k", {"v": "1"})
        self.publish(a, "vault", OLD_PREFIX, OLD_PREFIX, "vault-keys")
        ab = os.path.join(self.tmp, "appbinding.yaml")
        # JSON is YAML: the file reader takes either.
        with open(ab, "w") as f:
            json.dump(appbinding("vault", a.nodes[0].addr, OLD_PREFIX,
                                 OLD_PREFIX, "vault-keys"), f)
        r = vk_util.vk("backup", "--repo", self.repo, "--password-file",
                       self.pwfile, "--kubeconfig", self.kubeconfig,
                       "--appbinding-file", ab, timeout=300)
        self.ok(r)
        self.assertEqual(len(self.manifest()["keys"]), 6)

    def test_unsupported_unsealer_mode_is_a_clear_error(self):
        a = self.cluster(1, name="a")
        obj = appbinding("vault", a.nodes[0].addr, OLD_PREFIX, OLD_PREFIX,
                         "vault-keys")
        obj["spec"]["parameters"]["unsealer"]["mode"] = {
            "googleKmsGcs": {"bucket": "b", "kmsProject": "p"}}
        self.kube.set_secret(NS, "vault-backup-token", {"token": a.root})
        ab = os.path.join(self.tmp, "appbinding.yaml")
        with open(ab, "w") as f:
            json.dump(obj, f)
        r = vk_util.vk("backup", "--repo", self.repo, "--password-file",
                       self.pwfile, "--kubeconfig", self.kubeconfig,
                       "--appbinding-file", ab)
        err = self.failed(r)
        self.assertIn("googleKmsGcs", err)
        self.assert_nothing_recorded()


if __name__ == "__main__":
    unittest.main()
