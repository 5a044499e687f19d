"""Compatibility of minivault with hvac (Debian's python3-hvac 0.11.2), an
independent Vault client: the seal lifecycle, KV v2, policies, tokens,
ACLs and sys/capabilities-self, and raft snapshots taken, restored and
force-restored across two servers, all through hvac's own calls and
adapter."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import hvac  # noqa: E402
import hvac.exceptions  # noqa: E402
import requests  # noqa: E402

from minivault import (MiniVaultCluster, MiniVaultTestCase,  # noqa: E402
                       require_minivault)

SNAPSHOT = "/v1/sys/storage/raft/snapshot"
SNAPSHOT_FORCE = "/v1/sys/storage/raft/snapshot-force"
READER_POLICY = """
path "secret/data/app/*" {
  capabilities = ["read"]
}
path "secret/metadata/*" {
  capabilities = ["list"]
}
"""


def setUpModule():
    require_minivault()


class HvacTest(MiniVaultTestCase):
    def client(self, mv, token=None):
        c = hvac.Client(url=mv.addr, token=token, timeout=30)
        self.addCleanup(c.adapter.close)
        return c

    def bring_up(self, shares=5, threshold=3):
        """A server initialised and unsealed through hvac, with KV v2 at
        secret/; returns (server, root client, init result)."""
        mv = self.server()
        c = self.client(mv)
        self.assertFalse(c.sys.is_initialized())
        result = c.sys.initialize(shares, threshold)
        self.assertEqual(len(result["keys"]), shares)
        self.assertEqual(len(result["keys_base64"]), shares)
        self.assertTrue(c.sys.is_initialized())
        self.assertTrue(c.sys.is_sealed())
        status = c.sys.submit_unseal_keys(result["keys"][:threshold])
        self.assertFalse(status["sealed"])
        self.assertFalse(c.sys.is_sealed())
        c.token = result["root_token"]
        self.assertTrue(c.is_authenticated())
        # description="" because hvac sends null by default, which
        # test_enable_secrets_engine_with_defaults checks on its own.
        c.sys.enable_secrets_engine("kv", path="secret", description="",
                                    options={"version": "2"})
        return mv, c, result

    def test_enable_secrets_engine_with_defaults(self):
        mv = self.server()
        keys, root = mv.setup(1, 1, kv_mount=None)
        c = self.client(mv, root)
        # hvac sends "description": null, "config": null, "plugin_name":
        # null; Go decodes null into the zero value, so Vault accepts it.
        c.sys.enable_secrets_engine("kv", path="secret",
                                    options={"version": "2"})
        mounts = c.sys.list_mounted_secrets_engines()["data"]
        self.assertEqual(mounts["secret/"]["type"], "kv")
        self.assertEqual(mounts["secret/"]["options"], {"version": "2"})
        c.sys.enable_secrets_engine("kv-v2", path="other")
        self.assertEqual(c.sys.list_mounted_secrets_engines()["data"]
                         ["other/"]["options"], {"version": "2"})

    def test_seal_lifecycle_health_leader(self):
        mv = self.server()
        c = self.client(mv)
        health = c.sys.read_health_status(method="GET")
        self.assertEqual(health.status_code, 501)
        self.assertEqual(c.sys.read_init_status(), {"initialized": False})
        result = c.sys.initialize(5, 3)
        seal = c.sys.read_seal_status()
        self.assertEqual((seal["sealed"], seal["t"], seal["n"]),
                         (True, 3, 5))
        # Vault answers sys/leader on a sealed node with 503, which hvac
        # raises as VaultDown (a 500 would be InternalServerError).
        with self.assertRaises(hvac.exceptions.VaultDown) as raised:
            c.sys.read_leader_status()
        self.assertIn("Vault is sealed", str(raised.exception))
        self.assertEqual(c.sys.read_health_status(method="GET").status_code,
                         503)
        self.assertEqual(c.sys.read_health_status(method="HEAD").status_code,
                         503)
        health = c.sys.read_health_status(method="GET", sealed_code=299)
        self.assertEqual(health.status_code, 299)

        progress = c.sys.submit_unseal_key(result["keys_base64"][0])
        self.assertEqual((progress["sealed"], progress["progress"]),
                         (True, 1))
        reset = c.sys.submit_unseal_key(reset=True)
        self.assertEqual(reset["progress"], 0)
        last = c.sys.submit_unseal_keys(result["keys"][2:5])
        self.assertFalse(last["sealed"])

        health = c.sys.read_health_status(method="GET")
        self.assertIsInstance(health, dict)  # a 200 is decoded as JSON
        self.assertEqual((health["initialized"], health["sealed"],
                          health["standby"]), (True, False, False))
        self.assertEqual(c.sys.read_health_status(method="HEAD").status_code,
                         200)
        health = c.sys.read_health_status(method="GET", active_code=299)
        self.assertEqual(health.status_code, 299)
        leader = c.sys.read_leader_status()
        self.assertTrue(leader["ha_enabled"])
        self.assertTrue(leader["is_self"])
        self.assertEqual(leader["leader_address"], mv.addr)

    def test_kv_policies_tokens(self):
        mv, c, result = self.bring_up()
        kv = c.secrets.kv.v2
        written = kv.create_or_update_secret("app/db", {"password": "one"})
        self.assertEqual(written["data"]["version"], 1)
        kv.create_or_update_secret("app/db", {"password": "two"}, cas=1)
        kv.create_or_update_secret("app/api", {"key": "k"})
        kv.create_or_update_secret("other/x", {"y": "z"})
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            kv.create_or_update_secret("app/db", {"password": "x"}, cas=1)

        latest = kv.read_secret_version("app/db")
        self.assertEqual(latest["data"]["data"], {"password": "two"})
        self.assertEqual(latest["data"]["metadata"]["version"], 2)
        first = kv.read_secret_version("app/db", version=1)
        self.assertEqual(first["data"]["data"], {"password": "one"})
        listed = kv.list_secrets("app")
        self.assertEqual(sorted(listed["data"]["keys"]), ["api", "db"])
        self.assertEqual(sorted(kv.list_secrets("")["data"]["keys"]),
                         ["app/", "other/"])
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret_version("app/missing")

        kv.delete_latest_version_of_secret("app/api")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv.read_secret_version("app/api")

        mounts = c.sys.list_mounted_secrets_engines()
        self.assertEqual(mounts["data"]["secret/"]["type"], "kv")

        c.sys.create_or_update_policy("app-reader", READER_POLICY)
        self.assertIn("app-reader", c.sys.list_policies()["data"]["policies"])
        self.assertEqual(c.sys.read_policy("app-reader")["data"]["rules"],
                         READER_POLICY)
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            c.sys.create_or_update_policy("broken", 'path "x" {')

        created = c.auth.token.create(policies=["app-reader"], ttl="1h")
        token = created["auth"]["client_token"]
        self.assertEqual(sorted(created["auth"]["policies"]),
                         ["app-reader", "default"])
        self.assertEqual(created["auth"]["lease_duration"], 3600)

        reader = self.client(mv, token)
        self.assertTrue(reader.is_authenticated())
        me = reader.auth.token.lookup_self()["data"]
        self.assertEqual(me["id"], token)
        self.assertEqual(sorted(me["policies"]), ["app-reader", "default"])
        self.assertTrue(3500 <= me["ttl"] <= 3600, me["ttl"])
        rkv = reader.secrets.kv.v2
        self.assertEqual(rkv.read_secret_version("app/db")["data"]["data"],
                         {"password": "two"})
        self.assertEqual(sorted(rkv.list_secrets("app")["data"]["keys"]),
                         ["api", "db"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            rkv.read_secret_version("other/x")
        with self.assertRaises(hvac.exceptions.Forbidden):
            rkv.create_or_update_secret("app/db", {"password": "evil"})
        with self.assertRaises(hvac.exceptions.Forbidden):
            reader.sys.create_or_update_policy("evil", 'path "*" '
                                               '{ capabilities = ["sudo"] }')
        with self.assertRaises(hvac.exceptions.Forbidden):
            reader.auth.token.create(policies=["app-reader"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.client(mv, "hvs.bogus").secrets.kv.v2.read_secret_version(
                "app/db")

        # sys/capabilities-self through hvac's own call.
        caps = reader.sys.get_capabilities(
            paths=["secret/data/app/db", "secret/data/other/x",
                   "secret/metadata/app"])
        self.assertEqual(caps["data"], {"secret/data/app/db": ["read"],
                                        "secret/data/other/x": ["deny"],
                                        "secret/metadata/app": ["list"]})
        self.assertEqual(caps["secret/data/app/db"], ["read"])
        one = reader.sys.get_capabilities(paths=["sys/capabilities-self"])
        self.assertEqual(one["capabilities"], ["update"])
        self.assertEqual(c.sys.get_capabilities(paths=["anything"])
                         ["capabilities"], ["root"])
        with self.assertRaises(hvac.exceptions.Forbidden):
            self.client(mv, "hvs.bogus").sys.get_capabilities(paths=["x"])
        with self.assertRaises(hvac.exceptions.InvalidRequest):
            c.sys.get_capabilities(paths=[])
        self.assertEqual(kv.read_secret_version("app/db")["data"]["data"],
                         {"password": "two"})

    def test_list_with_folder_policy(self):
        # Vault appends '/' to the path of a LIST before the ACL check, so
        # "secret/metadata/app/*" grants `list_secrets("app")`.
        mv, c, _ = self.bring_up(1, 1)
        c.secrets.kv.v2.create_or_update_secret("app/one", {"a": "1"})
        c.sys.create_or_update_policy(
            "app-lister", 'path "secret/metadata/app/*" '
                          '{ capabilities = ["list"] }')
        token = c.auth.token.create(policies=["app-lister"],
                                    ttl="1h")["auth"]["client_token"]
        listed = self.client(mv, token).secrets.kv.v2.list_secrets("app")
        self.assertEqual(listed["data"]["keys"], ["one"])

    def test_snapshot_restore_and_force_restore(self):
        a, ca, init_a = self.bring_up(5, 3)
        kv_a = ca.secrets.kv.v2
        kv_a.create_or_update_secret("app/db", {"password": "original"})
        kv_a.create_or_update_secret("app/keep", {"v": "a"})

        # Take a snapshot through hvac's adapter (streamed) and with
        # requests directly; both are complete archives.
        response = ca.adapter.get(SNAPSHOT, stream=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/gzip")
        archive = response.content
        self.assertEqual(archive[:2], b"\x1f\x8b")
        with requests.Session() as session:
            direct = session.get(a.addr + SNAPSHOT, timeout=30,
                                 headers={"X-Vault-Token":
                                          init_a["root_token"]})
        self.assertEqual(direct.status_code, 200)
        self.assertEqual(direct.content[:2], b"\x1f\x8b")

        # Same-cluster restore through the adapter.
        kv_a.create_or_update_secret("app/db", {"password": "changed"})
        kv_a.create_or_update_secret("app/later", {"v": "later"})
        restored = ca.adapter.post(SNAPSHOT, data=archive)
        self.assertEqual(restored.status_code, 204)
        a.wait_for(lambda: kv_a.read_secret_version("app/db")["data"]["data"]
                   == {"password": "original"}, what="the restored value")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            kv_a.read_secret_version("app/later")
        self.assertFalse(ca.sys.is_sealed())

        # B: another cluster with other keys and other data.
        b, cb, init_b = self.bring_up(3, 2)
        cb.secrets.kv.v2.create_or_update_secret("app/db", {"password": "b"})
        with self.assertRaises(hvac.exceptions.InvalidRequest) as refused:
            cb.adapter.post(SNAPSHOT, data=archive)
        self.assertIn("snapshot-force", str(refused.exception))
        self.assertFalse(cb.sys.is_sealed())
        self.assertEqual(
            cb.secrets.kv.v2.read_secret_version("app/db")["data"]["data"],
            {"password": "b"})

        forced = cb.adapter.post(SNAPSHOT_FORCE, data=archive)
        self.assertEqual(forced.status_code, 204)
        anon_b = self.client(b)
        b.wait_for(anon_b.sys.is_sealed, what="B to seal")
        seal = anon_b.sys.read_seal_status()
        self.assertEqual((seal["t"], seal["n"]), (3, 5))
        # B now unseals with A's keys, and A's root token reads A's data.
        unsealed = anon_b.sys.submit_unseal_keys(init_a["keys"][2:5])
        self.assertFalse(unsealed["sealed"])
        on_b = self.client(b, init_a["root_token"])
        self.assertEqual(
            on_b.secrets.kv.v2.read_secret_version("app/db")["data"]["data"],
            {"password": "original"})
        self.assertEqual(
            on_b.secrets.kv.v2.read_secret_version("app/keep")["data"]["data"],
            {"v": "a"})
        with self.assertRaises(hvac.exceptions.Forbidden):
            cb.secrets.kv.v2.read_secret_version("app/db")
        self.assertFalse(anon_b.sys.is_sealed())


class HvacClusterTest(MiniVaultTestCase):
    """hvac pointed at a standby of a 3-node cluster: requests are
    forwarded to the active node, the snapshot paths redirect (307) and
    requests follows the redirect with the method and body kept."""

    def test_through_a_standby(self):
        cluster = MiniVaultCluster(3)
        self.addCleanup(cluster.close)
        cluster.form()
        active = cluster.active()
        standby = cluster.standbys()[0]
        c = hvac.Client(url=standby.addr, token=cluster.root, timeout=30)
        self.addCleanup(c.adapter.close)
        self.assertTrue(c.is_authenticated())
        self.assertFalse(c.sys.is_sealed())
        health = c.sys.read_health_status(method="GET", standby_ok=True)
        self.assertTrue(health["standby"])
        leader = c.sys.read_leader_status()
        self.assertFalse(leader["is_self"])
        self.assertEqual(leader["leader_address"], active.addr)

        kv = c.secrets.kv.v2
        kv.create_or_update_secret("app/db", {"password": "p1"})
        kv.create_or_update_secret("app/db", {"password": "p2"})
        read = kv.read_secret_version("app/db")
        self.assertEqual(read["data"]["data"], {"password": "p2"})
        self.assertEqual(read["data"]["metadata"]["version"], 2)
        self.assertEqual(kv.list_secrets("app")["data"]["keys"], ["db"])
        c.sys.create_or_update_policy("reader", READER_POLICY)
        token = c.auth.token.create(policies=["reader"], ttl="1h")
        reader = hvac.Client(url=standby.addr,
                             token=token["auth"]["client_token"], timeout=30)
        self.addCleanup(reader.adapter.close)
        self.assertEqual(
            reader.secrets.kv.v2.read_secret_version("app/db")["data"]["data"],
            {"password": "p2"})
        with self.assertRaises(hvac.exceptions.Forbidden):
            reader.secrets.kv.v2.create_or_update_secret("app/db", {"x": "y"})

        # Snapshot and restore through the standby's address.
        response = c.adapter.get(SNAPSHOT, stream=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r.status_code for r in response.history], [307])
        archive = response.content
        self.assertEqual(archive[:2], b"\x1f\x8b")
        kv.create_or_update_secret("app/db", {"password": "p3"})
        restored = c.adapter.post(SNAPSHOT, data=archive)
        self.assertEqual(restored.status_code, 204)
        standby.wait_for(
            lambda: kv.read_secret_version("app/db")["data"]["data"] ==
            {"password": "p2"}, 30, "the restored value through the standby")


if __name__ == "__main__":
    unittest.main(verbosity=2)
