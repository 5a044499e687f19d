"""End-to-end tests of minivault's HTTP API over raw HTTP against the real
process: the seal lifecycle (sys/init, sys/unseal, sys/seal-status,
sys/health, sys/leader), authentication and ACLs, mounts, KV v2, policies,
tokens, raft snapshots (take, restore, force-restore from another cluster,
damaged archives), hostile input, restart and TLS. Expected values come
from the reference notes (vault-raft-snapshot.md §1, §4-§8)."""

import base64
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import (MiniVault, MiniVaultTestCase,  # noqa: E402
                       make_self_signed_cert, minivault_binary, raw_exchange,
                       require_minivault, status_of)
from vk_util import vk  # noqa: E402

SNAPSHOT = "/v1/sys/storage/raft/snapshot"
SNAPSHOT_FORCE = "/v1/sys/storage/raft/snapshot-force"
DIFFERENT_KEYS = ("could not verify hash file, possibly the snapshot is using "
                  "a different set of unseal keys; use the snapshot-force API "
                  "to bypass this check")
MISSING_KEY = ("'key' must be specified in request body as JSON, or 'reset' "
               "set to true")
# Vault's texts for its listener's JSON limits (sdk/helper/jsonutil).
# Vault answers a body over a JSON limit with 500 and the limit's text
# (http/util.go wrapJSONLimitsHandler); minivault does the same.
JSON_LIMIT_STATUS = 500
TOO_DEEP = "JSON input exceeds allowed nesting depth"
STRING_TOO_LONG = "JSON string value exceeds allowed length"
TOO_MANY_ENTRIES = "JSON object exceeds allowed entry count"
TOO_MANY_ELEMENTS = "JSON array exceeds allowed element count"
JSON = {"Content-Type": "application/json"}


def nested_body(depth, key="data"):
    """{"<key>": [[...]]}, `depth` containers deep in all (the body object
    is the first)."""
    inner = depth - 1
    return ('{"%s":' % key + "[" * inner + "]" * inner + "}").encode()


def setUpModule():
    require_minivault()


class ApiCase(MiniVaultTestCase):
    def assertError(self, status, body, code, message=None):
        """A Vault error answer: `code` and {"errors":[...]} holding
        `message` (None: any)."""
        self.assertEqual(status, code, body)
        self.assertIsInstance(body, dict, body)
        self.assertIsInstance(body.get("errors"), list, body)
        if message is not None:
            self.assertIn(message, body["errors"], body)


# --- sys/init ----------------------------------------------------------------


class InitValidationTest(ApiCase):
    """Refused init requests leave the node uninitialised, so one server
    serves the whole class."""

    @classmethod
    def setUpClass(cls):
        cls.mv = MiniVault()

    @classmethod
    def tearDownClass(cls):
        cls.mv.stop()
        cls.mv.close()

    def init(self, body=None, data=None):
        if data is not None:
            return self.mv.call("PUT", "/v1/sys/init", data=data,
                                headers={"Content-Type": "application/json"})
        return self.mv.call("PUT", "/v1/sys/init", json=body)

    def test_get_reports_not_initialized(self):
        self.assertEqual(self.mv.call("GET", "/v1/sys/init"),
                         (200, {"initialized": False}))

    def test_each_rule_has_vaults_text(self):
        cases = [
            ({"secret_shares": 0, "secret_threshold": 0},
             "shares must be at least one"),
            ({}, "shares must be at least one"),
            ({"secret_shares": 1, "secret_threshold": 0},
             "threshold must be at least one"),
            ({"secret_shares": 3, "secret_threshold": 1},
             "threshold must be greater than one for multiple shares"),
            ({"secret_shares": 256, "secret_threshold": 2},
             "shares must be less than 256"),
            ({"secret_shares": 255, "secret_threshold": 256},
             "threshold must be less than 256"),
            ({"secret_shares": 2, "secret_threshold": 3},
             "threshold cannot be larger than shares"),
            ({"secret_shares": 1, "secret_threshold": 1,
              "recovery_shares": 1},
             "parameters specific to auto unseal seals present"),
        ]
        for body, message in cases:
            with self.subTest(body=body):
                status, reply = self.init(body)
                self.assertError(status, reply, 400, message)
                self.assertEqual(reply["errors"], [message])
        self.assertEqual(self.mv.call("GET", "/v1/sys/init")[1],
                         {"initialized": False})

    def test_bad_bodies(self):
        for data in (b'{"secret_shares": 1,', b"[1, 2]", b'"text"',
                     b'{"secret_shares": "5", "secret_threshold": 3}',
                     b'{"secret_shares": 5, "secret_threshold": 2.5}'):
            with self.subTest(data=data):
                status, reply = self.init(data=data)
                self.assertError(status, reply, 400)
                self.assertEqual(len(reply["errors"]), 1, reply)
        status, reply = self.init(
            data=b'{"secret_shares": "5", "secret_threshold": 3}')
        self.assertIn("secret_shares", reply["errors"][0])
        self.assertEqual(self.mv.call("GET", "/v1/sys/init")[1],
                         {"initialized": False})

    def test_seal_status_and_health_before_init(self):
        st = self.mv.seal_status()
        self.assertEqual((st["initialized"], st["sealed"], st["type"]),
                         (False, True, "shamir"))
        status, body = self.mv.call("GET", "/v1/sys/health")
        self.assertEqual(status, 501)
        self.assertEqual((body["initialized"], body["sealed"]), (False, True))
        self.assertEqual(self.mv.call("GET",
                                      "/v1/sys/health?uninitcode=299")[0], 299)
        # The other overrides do not apply to an uninitialised node.
        self.assertEqual(self.mv.call(
            "GET", "/v1/sys/health?sealedcode=299&activecode=298")[0], 501)

    def test_unseal_before_init(self):
        status, body = self.mv.call("PUT", "/v1/sys/unseal",
                                    json={"key": "00" * 33})
        self.assertError(status, body, 400)


class InitTest(ApiCase):
    def test_response_shape_for_several_shares(self):
        mv = self.server()
        status, body = mv.call("PUT", "/v1/sys/init",
                               json={"secret_shares": 5,
                                     "secret_threshold": 3})
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["keys"]), 5)
        self.assertEqual(len(body["keys_base64"]), 5)
        self.assertEqual(len(set(body["keys"])), 5)
        for hexkey, b64key in zip(body["keys"], body["keys_base64"]):
            self.assertEqual(len(hexkey), 66)
            self.assertEqual(len(b64key), 44)
            self.assertEqual(base64.b64decode(b64key), bytes.fromhex(hexkey))
        # The x coordinate (last byte) is distinct and non-zero per share.
        xs = [bytes.fromhex(k)[-1] for k in body["keys"]]
        self.assertEqual(len(set(xs)), 5)
        self.assertNotIn(0, xs)
        self.assertIsInstance(body["root_token"], str)
        self.assertGreater(len(body["root_token"]), 8)
        self.assertNotIn("recovery_keys", body)

        # Sealed (Shamir) after init, with the configuration in seal-status.
        st = mv.seal_status()
        self.assertEqual((st["initialized"], st["sealed"], st["t"], st["n"],
                          st["progress"]), (True, True, 3, 5, 0))
        self.assertEqual(mv.call("GET", "/v1/sys/init")[1],
                         {"initialized": True})
        status, again = mv.call("PUT", "/v1/sys/init",
                                json={"secret_shares": 1,
                                      "secret_threshold": 1})
        self.assertError(status, again, 400, "Vault is already initialized")

    def test_single_share_is_the_raw_32_byte_key(self):
        mv = self.server()
        status, body = mv.call("POST", "/v1/sys/init",
                               json={"secret_shares": 1,
                                     "secret_threshold": 1})
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["keys"]), 1)
        self.assertEqual(len(bytes.fromhex(body["keys"][0])), 32)
        self.assertEqual(base64.b64decode(body["keys_base64"][0]),
                         bytes.fromhex(body["keys"][0]))
        st = mv.seal_status()
        self.assertEqual((st["sealed"], st["t"], st["n"]), (True, 1, 1))
        st = mv.unseal(body["keys"])
        self.assertFalse(st["sealed"])


# --- sys/seal-status, sys/unseal ---------------------------------------------


class UnsealTest(ApiCase):
    def setUp(self):
        self.mv = self.server()
        status, body = self.mv.call("PUT", "/v1/sys/init",
                                    json={"secret_shares": 5,
                                          "secret_threshold": 3})
        self.assertEqual(status, 200, body)
        self.keys, self.keys64 = body["keys"], body["keys_base64"]
        self.root = body["root_token"]

    def unseal(self, key=None, **body):
        if key is not None:
            body["key"] = key
        return self.mv.call("PUT", "/v1/sys/unseal", json=body)

    def test_seal_status_fields(self):
        st = self.mv.seal_status()
        for field in ("type", "initialized", "sealed", "t", "n", "progress",
                      "nonce", "version", "migration", "recovery_seal",
                      "storage_type"):
            self.assertIn(field, st)
        self.assertEqual(st["type"], "shamir")
        self.assertEqual(st["storage_type"], "raft")
        self.assertEqual(st["nonce"], "")
        self.assertNotIn("cluster_id", st)

    def test_progress_nonce_duplicates_and_both_encodings(self):
        status, st = self.unseal(self.keys[0])
        self.assertEqual(status, 200, st)
        self.assertEqual((st["sealed"], st["progress"], st["t"], st["n"]),
                         (True, 1, 3, 5))
        nonce = st["nonce"]
        self.assertTrue(nonce)
        # The same share again, in hex or in base64, does not advance.
        for again in (self.keys[0], self.keys64[0]):
            status, st = self.unseal(again)
            self.assertEqual(status, 200, st)
            self.assertEqual(st["progress"], 1)
            self.assertEqual(st["nonce"], nonce)
        self.assertEqual(self.mv.seal_status()["progress"], 1)
        status, st = self.unseal(self.keys64[3])  # base64 form
        self.assertEqual((status, st["progress"], st["nonce"]),
                         (200, 2, nonce))
        self.assertEqual(self.mv.call("GET", "/v1/sys/health")[0], 503)
        status, st = self.unseal(self.keys[4])
        self.assertEqual(status, 200, st)
        self.assertEqual((st["sealed"], st["progress"]), (False, 0))
        self.assertTrue(st["cluster_id"])
        self.assertTrue(st["cluster_name"])
        self.assertEqual(self.mv.call("GET", "/v1/sys/health")[0], 200)
        # A key on an unsealed node changes nothing.
        status, st = self.unseal(self.keys[1])
        self.assertEqual((status, st["sealed"]), (200, False))

    def test_reset(self):
        self.unseal(self.keys[0])
        status, st = self.unseal(self.keys[1])
        self.assertEqual(st["progress"], 2)
        status, st = self.unseal(reset=True)
        self.assertEqual(status, 200, st)
        self.assertEqual((st["sealed"], st["progress"]), (True, 0))
        self.assertEqual(self.mv.seal_status()["progress"], 0)
        # After the reset the threshold counts from zero again.
        self.unseal(self.keys[2])
        status, st = self.unseal(self.keys[3])
        self.assertEqual((st["sealed"], st["progress"]), (True, 2))
        status, st = self.unseal(self.keys[4])
        self.assertFalse(st["sealed"])
        status, body = self.unseal(reset=True)
        self.assertError(status, body, 400, "vault is unsealed")

    def test_wrong_shares_combine_to_a_wrong_key(self):
        for _ in range(2):
            status, st = self.unseal(os.urandom(33).hex())
            self.assertEqual((status, st["sealed"]), (200, True), st)
        status, body = self.unseal(os.urandom(33).hex())
        # Vault: ErrInvalidKey maps to 400 (reference §5.5).
        self.assertError(status, body, 400)
        st = self.mv.seal_status()
        self.assertEqual((st["sealed"], st["progress"]), (True, 0))
        # Two good shares and one foreign one: still wrong.
        self.unseal(self.keys[0])
        self.unseal(self.keys[1])
        status, body = self.unseal(os.urandom(33).hex())
        self.assertError(status, body, 400)
        self.assertTrue(self.mv.seal_status()["sealed"])
        # The right shares still work afterwards.
        st = self.mv.unseal(self.keys[2:5])
        self.assertFalse(st["sealed"])

    def test_missing_and_malformed_keys(self):
        for body in ({}, {"key": ""}, {"reset": False}):
            with self.subTest(body=body):
                status, reply = self.mv.call("PUT", "/v1/sys/unseal",
                                             json=body)
                self.assertError(status, reply, 400, MISSING_KEY)
        for key in ("not a key!", "abcd", "zz" * 33, "00" * 40,
                    base64.b64encode(b"x" * 50).decode()):
            with self.subTest(key=key):
                status, reply = self.unseal(key)
                self.assertError(status, reply, 400)
        for body in ({"key": 12}, {"reset": "yes"}):
            with self.subTest(body=body):
                status, reply = self.mv.call("PUT", "/v1/sys/unseal",
                                             json=body)
                self.assertError(status, reply, 400)
        status, reply = self.mv.call("PUT", "/v1/sys/unseal", data=b"{oops",
                                     headers={"Content-Type":
                                              "application/json"})
        self.assertError(status, reply, 400)
        st = self.mv.seal_status()
        self.assertEqual((st["sealed"], st["progress"]), (True, 0))

    def test_wrong_single_key(self):
        mv = self.server()
        mv.init(1, 1)
        status, body = mv.call("PUT", "/v1/sys/unseal",
                               json={"key": os.urandom(32).hex()})
        self.assertError(status, body, 400)
        self.assertTrue(mv.seal_status()["sealed"])


# --- sys/health, sys/leader, sealed requests ---------------------------------


class HealthTest(ApiCase):
    def test_codes_overrides_head_and_leader(self):
        mv = self.server()
        self.assertEqual(mv.call("GET", "/v1/sys/health")[0], 501)
        self.assertEqual(mv.request("HEAD", "/v1/sys/health")[0], 501)
        keys, root = mv.init(3, 2)

        status, headers, raw = mv.request("GET", "/v1/sys/health")
        self.assertEqual(status, 503)
        self.assertEqual(headers["Content-Type"], "application/json")
        body = json.loads(raw)
        # A sealed node is not active, so it reports standby (as Vault's
        # core does until it becomes active).
        self.assertEqual((body["initialized"], body["sealed"],
                          body["standby"]), (True, True, True))
        self.assertNotIn("cluster_id", body)
        self.assertEqual(mv.call("GET", "/v1/sys/health?sealedcode=299")[0],
                         299)
        self.assertEqual(mv.call("GET", "/v1/sys/health?uninitcode=299")[0],
                         503)
        status, _, raw = mv.request("HEAD", "/v1/sys/health?sealedcode=299")
        self.assertEqual((status, raw), (299, b""))

        # Vault's sys/leader gets the sealed error from its core, and
        # RespondError turns that error into a 503, not a 500.
        status, body = mv.call("GET", "/v1/sys/leader")
        self.assertEqual((status, body),
                         (503, {"errors": ["Vault is sealed"]}))

        # Requests needing the barrier answer 503 while sealed.
        for method, path, token in (("GET", "/v1/secret/data/x", root),
                                    ("GET", "/v1/sys/mounts", root),
                                    ("GET", SNAPSHOT, root),
                                    ("POST", "/v1/sys/capabilities-self",
                                     root),
                                    ("GET", "/v1/auth/token/lookup-self",
                                     None)):
            with self.subTest(path=path):
                status, body = mv.call(method, path, token=token)
                self.assertError(status, body, 503, "Vault is sealed")

        mv.unseal(keys[:2])
        status, headers, raw = mv.request("GET", "/v1/sys/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Cache-Control"], "no-store")
        body = json.loads(raw)
        for field, value in (("initialized", True), ("sealed", False),
                             ("standby", False),
                             ("performance_standby", False),
                             ("replication_performance_mode", "disabled"),
                             ("replication_dr_mode", "disabled"),
                             ("enterprise", False)):
            self.assertEqual(body[field], value, field)
        self.assertTrue(body["cluster_id"])
        self.assertTrue(body["cluster_name"])
        self.assertTrue(body["version"])
        self.assertLess(abs(body["server_time_utc"] - time.time()), 60)
        self.assertEqual(mv.call("GET", "/v1/sys/health?activecode=299")[0],
                         299)
        self.assertEqual(mv.call(
            "GET", "/v1/sys/health?sealedcode=299&uninitcode=298")[0], 200)
        self.assertEqual(mv.call(
            "GET", "/v1/sys/health?standbyok=true&perfstandbyok=1")[0], 200)
        status, _, raw = mv.request("HEAD", "/v1/sys/health")
        self.assertEqual((status, raw), (200, b""))
        for query in ("activecode=abc", "sealedcode=", "uninitcode=2x",
                      "standbyok=maybe", "perfstandbyok=yes"):
            with self.subTest(query=query):
                status, body = mv.call("GET", "/v1/sys/health?" + query)
                self.assertEqual((status, body), (400, {"errors": []}))

        status, leader = mv.call("GET", "/v1/sys/leader")
        self.assertEqual(status, 200, leader)
        self.assertEqual((leader["ha_enabled"], leader["is_self"],
                          leader["performance_standby"]), (True, True, False))
        # Sealed again (sys/seal): 503 again.
        self.assertEqual(mv.call("PUT", "/v1/sys/seal", token=root)[0], 204)
        self.assertEqual(mv.call("GET", "/v1/sys/leader"),
                         (503, {"errors": ["Vault is sealed"]}))
        mv.unseal(keys[:2])
        self.assertEqual(leader["leader_address"], mv.addr)
        self.assertIn("leader_cluster_address", leader)
        self.assertRegex(leader["active_time"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertFalse(leader["active_time"].startswith("0001"))
        self.assertGreater(leader["raft_applied_index"], 0)
        self.assertGreaterEqual(leader["raft_committed_index"],
                                leader["raft_applied_index"])


# --- authenticated API on one unsealed server --------------------------------


class UnsealedTest(ApiCase):
    @classmethod
    def setUpClass(cls):
        cls.mv = MiniVault()
        cls.keys, cls.root = cls.mv.setup(3, 2)

    @classmethod
    def tearDownClass(cls):
        cls.mv.stop()
        cls.mv.close()

    def call(self, method, path, token="root", json=None, **kw):
        if token == "root":
            token = self.root
        return self.mv.call(method, path, token=token, json=json, **kw)

    def policy(self, name, hcl):
        status, body = self.call("PUT", f"/v1/sys/policies/acl/{name}",
                                 json={"policy": hcl})
        self.assertEqual(status, 204, body)

    def token(self, *policies, ttl="1h", parent="root"):
        status, body = self.call("POST", "/v1/auth/token/create",
                                 token=parent,
                                 json={"policies": list(policies),
                                       "ttl": ttl})
        self.assertEqual(status, 200, body)
        return body["auth"]["client_token"]

    # --- authentication ---

    def test_token_required_and_checked(self):
        self.mv.put_secret(self.root, "auth-check", {"v": "1"})
        path = "/v1/secret/data/auth-check"
        status, body = self.call("GET", path, token=None)
        self.assertError(status, body, 403, "permission denied")
        status, body = self.call("GET", path, token="hvs.notarealtoken")
        self.assertError(status, body, 403, "permission denied")
        status, body = self.mv.call("GET", path,
                                    headers={"Authorization": "Bearer nope"})
        self.assertError(status, body, 403, "permission denied")
        status, body = self.call("GET", path)
        self.assertEqual(status, 200, body)
        status, body = self.mv.call(
            "GET", path, headers={"Authorization": "Bearer " + self.root})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["data"], {"v": "1"})

    # --- mounts ---

    def test_mounts(self):
        status, body = self.call("GET", "/v1/sys/mounts")
        self.assertEqual(status, 200, body)
        secret = body["data"]["secret/"]
        self.assertEqual(secret["type"], "kv")
        self.assertEqual(secret["options"], {"version": "2"})
        status, body = self.call("POST", "/v1/sys/mounts/kv-extra",
                                 json={"type": "kv",
                                       "options": {"version": "2"}})
        self.assertEqual((status, body), (204, None))
        self.mv.put_secret(self.root, "x", {"a": "b"}, mount="kv-extra")
        self.assertEqual(self.mv.get_secret(self.root, "x", mount="kv-extra"),
                         {"a": "b"})
        status, body = self.call("POST", "/v1/sys/mounts/secret",
                                 json={"type": "kv",
                                       "options": {"version": "2"}})
        self.assertError(status, body, 400)
        status, body = self.call("POST", "/v1/sys/mounts/transit",
                                 json={"type": "transit"})
        self.assertError(status, body, 400)
        status, body = self.call("POST", "/v1/sys/mounts/notype", json={})
        self.assertError(status, body, 400)
        status, body = self.call("GET", "/v1/sys/mounts")
        self.assertNotIn("transit/", body["data"])
        self.assertIn("kv-extra/", body["data"])

    def test_null_fields_read_as_zero_values(self):
        # Go decodes a JSON null into the zero value; clients such as hvac
        # send null for every optional argument left out.
        status, body = self.call("POST", "/v1/sys/mounts/nulls",
                                 json={"type": "kv", "description": None,
                                       "config": None, "plugin_name": None,
                                       "local": False, "seal_wrap": False,
                                       "options": {"version": "2"}})
        self.assertEqual((status, body), (204, None))
        for field in ("renewable", "no_default_policy", "meta", "ttl",
                      "policies", "display_name", "explicit_max_ttl"):
            with self.subTest(field=field):
                status, body = self.call("POST", "/v1/auth/token/create",
                                         json={field: None})
                self.assertEqual(status, 200, body)

    # --- KV v2 ---

    def test_kv2_versions_cas_delete(self):
        status, body = self.call("POST", "/v1/secret/data/app/db",
                                 json={"data": {"password": "one"}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["version"], 1)
        self.assertEqual(body["data"]["destroyed"], False)
        self.assertEqual(body["data"]["deletion_time"], "")
        self.assertTrue(body["data"]["created_time"])
        status, body = self.call("PUT", "/v1/secret/data/app/db",
                                 json={"data": {"password": "two"},
                                       "options": {"cas": 1}})
        self.assertEqual((status, body["data"]["version"]), (200, 2))

        status, body = self.call("GET", "/v1/secret/data/app/db")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["data"], {"password": "two"})
        self.assertEqual(body["data"]["metadata"]["version"], 2)
        for field in ("request_id", "lease_id", "renewable", "lease_duration",
                      "wrap_info", "warnings", "auth"):
            self.assertIn(field, body)
        status, body = self.call("GET", "/v1/secret/data/app/db?version=1")
        self.assertEqual(body["data"]["data"], {"password": "one"})
        self.assertEqual(body["data"]["metadata"]["version"], 1)

        status, body = self.call("POST", "/v1/secret/data/app/db",
                                 json={"data": {"password": "x"},
                                       "options": {"cas": 1}})
        self.assertError(status, body, 400,
                         "check-and-set parameter did not match the current "
                         "version")
        status, body = self.call("POST", "/v1/secret/data/app/db",
                                 json={"data": {"password": "x"},
                                       "options": {"cas": 0}})
        self.assertError(status, body, 400)
        self.assertEqual(self.mv.get_secret(self.root, "app/db"),
                         {"password": "two"})

        status, body = self.call("DELETE", "/v1/secret/data/app/db")
        self.assertEqual((status, body), (204, None))
        status, body = self.call("GET", "/v1/secret/data/app/db")
        self.assertEqual(status, 404)
        self.assertTrue(body["data"]["metadata"]["deletion_time"])
        status, body = self.call("GET", "/v1/secret/data/app/db?version=1")
        self.assertEqual(body["data"]["data"], {"password": "one"})

        status, body = self.call("GET", "/v1/secret/data/never-written")
        self.assertEqual((status, body), (404, {"errors": []}))
        status, body = self.call("POST", "/v1/secret/data/bad",
                                 json={"nodata": 1})
        self.assertError(status, body, 400)

    def test_kv2_list(self):
        for name in ("list/a", "list/b", "list/sub/c"):
            self.mv.put_secret(self.root, name, {"k": name})
        expected = ["a", "b", "sub/"]
        status, body = self.call("LIST", "/v1/secret/metadata/list")
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(body["data"]["keys"]), expected)
        status, body = self.call("GET",
                                 "/v1/secret/metadata/list/?list=true")
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(body["data"]["keys"]), expected)
        status, body = self.call("LIST", "/v1/secret/metadata/list/sub/")
        self.assertEqual(body["data"]["keys"], ["c"])
        status, body = self.call("LIST", "/v1/secret/metadata/nothing-here")
        self.assertEqual(status, 404)

    # --- policies ---

    def test_policies(self):
        hcl = 'path "secret/data/pol/*" {\n  capabilities = ["read"]\n}\n'
        self.policy("Reader-Pol", hcl)
        status, body = self.call("GET", "/v1/sys/policies/acl/reader-pol")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["name"], "reader-pol")
        self.assertEqual(body["data"]["policy"], hcl)
        status, body = self.call("LIST", "/v1/sys/policies/acl")
        self.assertEqual(status, 200, body)
        for name in ("default", "reader-pol", "root"):
            self.assertIn(name, body["data"]["keys"])
        status, body = self.call("GET", "/v1/sys/policies/acl?list=true")
        self.assertIn("reader-pol", body["data"]["keys"])
        status, body = self.call("GET", "/v1/sys/policy")
        self.assertEqual(status, 200, body)
        self.assertIn("reader-pol", body["policies"])

        for bad in ('path "secret/*" { capabilities = ["read"] ',
                    'path "secret/*" { capabilities = ["fly"] }',
                    'nonsense'):
            with self.subTest(hcl=bad):
                status, body = self.call("PUT", "/v1/sys/policies/acl/bad",
                                         json={"policy": bad})
                self.assertError(status, body, 400)
        self.assertEqual(self.call("GET", "/v1/sys/policies/acl/bad")[0],
                         404)
        status, body = self.call("PUT", "/v1/sys/policies/acl/nopolicy",
                                 json={})
        self.assertError(status, body, 400)

        status, body = self.call("DELETE", "/v1/sys/policies/acl/default")
        self.assertError(status, body, 400)
        status, body = self.call("DELETE", "/v1/sys/policies/acl/root")
        self.assertError(status, body, 400)
        self.assertEqual(self.call("GET", "/v1/sys/policies/acl/default")[0],
                         200)
        self.assertEqual(self.call("DELETE",
                                   "/v1/sys/policies/acl/reader-pol")[0], 204)
        self.assertEqual(self.call("GET",
                                   "/v1/sys/policies/acl/reader-pol")[0], 404)

    # --- tokens ---

    def test_token_create_and_lookup_self(self):
        self.policy("tok-pol", 'path "secret/data/tok/*" '
                               '{ capabilities = ["read"] }')
        status, body = self.call("POST", "/v1/auth/token/create",
                                 json={"policies": ["tok-pol"], "ttl": "1h",
                                       "display_name": "app"})
        self.assertEqual(status, 200, body)
        auth = body["auth"]
        self.assertEqual(sorted(auth["policies"]), ["default", "tok-pol"])
        self.assertEqual(auth["lease_duration"], 3600)
        self.assertTrue(auth["renewable"])
        self.assertTrue(auth["accessor"])
        self.assertEqual(auth["token_type"], "service")
        token = auth["client_token"]

        status, body = self.call("GET", "/v1/auth/token/lookup-self",
                                 token=token)
        self.assertEqual(status, 200, body)
        data = body["data"]
        self.assertEqual(data["id"], token)
        self.assertEqual(data["accessor"], auth["accessor"])
        self.assertEqual(sorted(data["policies"]), ["default", "tok-pol"])
        self.assertEqual(data["creation_ttl"], 3600)
        self.assertTrue(3500 <= data["ttl"] <= 3600, data["ttl"])
        self.assertEqual(data["display_name"], "token-app")
        self.assertEqual(data["path"], "auth/token/create")
        self.assertEqual(data["type"], "service")
        self.assertTrue(data["expire_time"])
        self.assertLess(abs(data["creation_time"] - time.time()), 60)

        status, body = self.call("GET", "/v1/auth/token/lookup-self")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["policies"], ["root"])
        self.assertEqual(body["data"]["ttl"], 0)

        status, body = self.call("POST", "/v1/auth/token/create",
                                 json={"policies": ["x"], "ttl": "an hour"})
        self.assertError(status, body, 400)

    def test_child_policies_must_be_subset(self):
        self.policy("creator", 'path "auth/token/create" '
                               '{ capabilities = ["update"] }')
        self.policy("admin", 'path "secret/*" { capabilities = ["read"] }')
        creator = self.token("creator")
        status, body = self.call("POST", "/v1/auth/token/create",
                                 token=creator,
                                 json={"policies": ["admin"]})
        self.assertError(status, body, 400,
                         "child policies must be subset of parent")
        status, body = self.call("POST", "/v1/auth/token/create",
                                 token=creator,
                                 json={"policies": ["creator"]})
        self.assertEqual(status, 200, body)
        reader = self.token("admin")
        status, body = self.call("POST", "/v1/auth/token/create",
                                 token=reader, json={})
        self.assertError(status, body, 403, "permission denied")

    # --- ACL ---

    def test_acl_read_only_glob(self):
        self.policy("app-read", 'path "secret/data/app/*" '
                                '{ capabilities = ["read"] }')
        self.mv.put_secret(self.root, "app/cfg", {"user": "u"})
        self.mv.put_secret(self.root, "other", {"o": "o"})
        t = self.token("app-read")
        status, body = self.call("GET", "/v1/secret/data/app/cfg", token=t)
        self.assertEqual((status, body["data"]["data"]), (200, {"user": "u"}))
        for method, path, data in (
                ("POST", "/v1/secret/data/app/cfg", {"data": {"x": "y"}}),
                ("POST", "/v1/secret/data/app/new", {"data": {"x": "y"}}),
                ("DELETE", "/v1/secret/data/app/cfg", None),
                ("GET", "/v1/secret/data/other", None),
                ("LIST", "/v1/secret/metadata/app", None),
                ("GET", "/v1/sys/mounts", None),
                ("PUT", "/v1/sys/policies/acl/evil",
                 {"policy": 'path "*" { capabilities = ["sudo"] }'})):
            with self.subTest(method=method, path=path):
                status, body = self.call(method, path, token=t, json=data)
                self.assertError(status, body, 403, "permission denied")
        self.assertEqual(self.mv.get_secret(self.root, "app/cfg"),
                         {"user": "u"})

    def test_acl_list_checks_the_folder_path(self):
        # Vault appends '/' to a LIST request's path (LIST method or
        # ?list=true) before the ACL check, so a folder glob grants it.
        self.policy("folder-list", 'path "secret/metadata/fl/*" '
                                   '{ capabilities = ["list"] }')
        self.mv.put_secret(self.root, "fl/one", {"a": "1"})
        t = self.token("folder-list")
        for method, path in (("LIST", "/v1/secret/metadata/fl/"),
                             ("LIST", "/v1/secret/metadata/fl"),
                             ("GET", "/v1/secret/metadata/fl?list=true")):
            with self.subTest(method=method, path=path):
                status, body = self.call(method, path, token=t)
                self.assertEqual(status, 200, body)
                self.assertEqual(body["data"]["keys"], ["one"])
        self.assertEqual(self.call("GET", "/v1/secret/metadata/fl/one",
                                   token=t)[0], 403)

    def test_acl_plus_segment(self):
        self.policy("team", 'path "secret/data/team/+/cfg" '
                            '{ capabilities = ["read", "create", "update"] }')
        for name in ("team/a/cfg", "team/a/b/cfg", "team/a/other"):
            self.mv.put_secret(self.root, name, {"n": name})
        t = self.token("team")
        self.assertEqual(self.call("GET", "/v1/secret/data/team/a/cfg",
                                   token=t)[0], 200)
        status, body = self.call("POST", "/v1/secret/data/team/z/cfg",
                                 token=t, json={"data": {"v": "1"}})
        self.assertEqual(status, 200, body)
        for path in ("team/a/b/cfg", "team/a/other", "team/cfg"):
            with self.subTest(path=path):
                self.assertEqual(self.call("GET", "/v1/secret/data/" + path,
                                           token=t)[0], 403)

    def test_acl_deny_wins(self):
        self.policy("wide", 'path "secret/data/dw/*" '
                            '{ capabilities = ["read", "update", "create"] }')
        self.policy("narrow-deny", 'path "secret/data/dw/blocked" '
                                   '{ capabilities = ["deny"] }\n'
                                   'path "secret/data/dw/glob*" '
                                   '{ capabilities = ["deny"] }')
        self.policy("same-path", 'path "secret/data/dw/*" '
                                 '{ capabilities = ["deny"] }')
        for name in ("dw/open", "dw/blocked", "dw/globbed"):
            self.mv.put_secret(self.root, name, {"n": name})
        t = self.token("wide", "narrow-deny")
        self.assertEqual(self.call("GET", "/v1/secret/data/dw/open",
                                   token=t)[0], 200)
        for name in ("dw/blocked", "dw/globbed"):
            with self.subTest(name=name):
                self.assertEqual(self.call("GET", "/v1/secret/data/" + name,
                                           token=t)[0], 403)
                self.assertEqual(self.call("POST", "/v1/secret/data/" + name,
                                           token=t,
                                           json={"data": {"x": "1"}})[0], 403)
        both = self.token("wide", "same-path")
        self.assertEqual(self.call("GET", "/v1/secret/data/dw/open",
                                   token=both)[0], 403)

    # --- sys/capabilities-self ---

    def capabilities(self, token, body, method="POST"):
        return self.call(method, "/v1/sys/capabilities-self", token=token,
                         json=body)

    def test_capabilities_self_shape_for_root(self):
        status, body = self.capabilities(
            "root", {"paths": ["secret/data/x", "sys/mounts"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"], {"secret/data/x": ["root"],
                                        "sys/mounts": ["root"]})
        # Vault injects the data at the top level too, beside the envelope.
        self.assertEqual(body["secret/data/x"], ["root"])
        self.assertEqual(body["sys/mounts"], ["root"])
        self.assertNotIn("capabilities", body)
        for field, value in (("lease_id", ""), ("renewable", False),
                             ("lease_duration", 0), ("wrap_info", None),
                             ("auth", None), ("mount_type", "system")):
            self.assertEqual(body[field], value, field)
        self.assertTrue(body["request_id"])
        # One path is also answered under "capabilities"; the deprecated
        # "path" field and PUT work as in Vault.
        for method, req in (("POST", {"paths": ["secret/data/x"]}),
                            ("PUT", {"paths": ["secret/data/x"]}),
                            ("POST", {"path": "secret/data/x"}),
                            ("POST", {"paths": [],
                                      "path": ["secret/data/x"]})):
            with self.subTest(method=method, req=req):
                status, body = self.capabilities("root", req, method)
                self.assertEqual(status, 200, body)
                self.assertEqual(body["data"], {"capabilities": ["root"],
                                                "secret/data/x": ["root"]})
                self.assertEqual(body["capabilities"], ["root"])

    def test_capabilities_self_for_a_policy_token(self):
        self.policy("caps", 'path "secret/data/caps/*" '
                            '{ capabilities = ["read", "list", "update"] }\n'
                            'path "secret/data/caps/secret" '
                            '{ capabilities = ["deny"] }\n'
                            'path "secret/metadata/+/x" '
                            '{ capabilities = ["delete", "sudo"] }')
        t = self.token("caps")
        paths = ["secret/data/caps/a", "secret/data/caps/secret",
                 "secret/data/other", "secret/metadata/caps/x",
                 "sys/capabilities-self", "cubbyhole/note",
                 "/secret/data/caps/a"]
        status, body = self.capabilities(t, {"paths": paths})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"], {
            "secret/data/caps/a": ["list", "read", "update"],
            "secret/data/caps/secret": ["deny"],
            "secret/data/other": ["deny"],
            "secret/metadata/caps/x": ["delete", "sudo"],
            # From the default policy every token gets.
            "sys/capabilities-self": ["update"],
            "cubbyhole/note": ["create", "delete", "list", "read", "update"],
            "/secret/data/caps/a": ["list", "read", "update"],
        })
        # A comma-separated string, as Vault's TypeCommaStringSlice takes.
        status, body = self.capabilities(
            t, {"paths": "secret/data/caps/a, secret/data/other"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"], {
            "secret/data/caps/a": ["list", "read", "update"],
            "secret/data/other": ["deny"]})
        # A token with only the default policy: deny where nothing grants.
        plain = self.token("default")
        status, body = self.capabilities(plain, {"path": "secret/data/caps/a"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["capabilities"], ["deny"])

    def test_capabilities_self_refusals(self):
        for token in (None, "hvs.notarealtoken"):
            with self.subTest(token=token):
                status, body = self.capabilities(token, {"paths": ["x"]})
                self.assertEqual((status, body),
                                 (403, {"errors": ["permission denied"]}))
        # Without the default policy nothing grants update on the endpoint.
        self.policy("only-kv", 'path "secret/data/*" '
                               '{ capabilities = ["read"] }')
        status, body = self.call("POST", "/v1/auth/token/create",
                                 json={"policies": ["only-kv"],
                                       "no_default_policy": True})
        self.assertEqual(status, 200, body)
        bare = body["auth"]["client_token"]
        status, body = self.capabilities(bare, {"paths": ["secret/data/x"]})
        self.assertError(status, body, 403, "permission denied")
        for req, message in (({}, "paths must be supplied"),
                             ({"paths": []}, "paths must be supplied"),
                             ({"paths": ""}, "paths must be supplied"),
                             ({"paths": ["a", ""]}, "missing path"),
                             ({"paths": 5}, None),
                             ({"paths": [1, 2]}, None)):
            with self.subTest(req=req):
                status, body = self.capabilities("root", req)
                self.assertError(status, body, 400, message)
        status, body = self.call("GET", "/v1/sys/capabilities-self")
        self.assertError(status, body, 405, "unsupported operation")

    # --- snapshots ---

    def test_snapshot_headers_and_vaultkeep_verify(self):
        self.mv.put_secret(self.root, "snap/a", {"v": "1"})
        status, headers, body = self.mv.request("GET", SNAPSHOT,
                                                token=self.root)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/gzip")
        self.assertEqual(headers["Content-Disposition"], "attachment")
        self.assertEqual(headers["Cache-Control"], "no-store")
        self.assertEqual(body[:3], b"\x1f\x8b\x08")
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(body))) as tar:
            self.assertEqual(tar.getnames(), ["meta.json", "state.bin",
                                              "SHA256SUMS",
                                              "SHA256SUMS.sealed"])
        with tempfile.TemporaryDirectory() as d:
            snap = os.path.join(d, "a.snap")
            with open(snap, "wb") as f:
                f.write(body)
            r = vk("verify", snap)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(b"OK", r.stdout)
            r = vk("verify", "--format", "json", snap)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            report = json.loads(r.stdout)
            self.assertTrue(report["ok"])
            self.assertTrue(report["sealed"])
            self.assertGreater(report["records"], 5)
            r = vk("inspect", "--format", "json", snap)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            info = json.loads(r.stdout)
            self.assertEqual(info["Meta"]["ID"], "bolt-snapshot")
            self.assertEqual(info["Meta"]["Version"], 1)
            self.assertGreater(info["Meta"]["Index"], 0)
            self.assertTrue(info["Sealed"])
            self.assertEqual(info["Entries"], ["meta.json", "state.bin",
                                               "SHA256SUMS",
                                               "SHA256SUMS.sealed"])
            r = vk("inspect", snap)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_backup_policy(self):
        self.policy("backup", 'path "sys/storage/raft/snapshot" '
                              '{ capabilities = ["read"] }')
        t = self.token("backup")
        status, headers, snap = self.mv.request("GET", SNAPSHOT, token=t)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/gzip")
        for path in (SNAPSHOT, SNAPSHOT_FORCE):
            with self.subTest(path=path):
                status, _, raw = self.mv.request("POST", path, token=t,
                                                 data=snap)
                self.assertEqual(status, 403, raw)
                self.assertEqual(json.loads(raw),
                                 {"errors": ["permission denied"]})
        self.assertEqual(self.call("GET", "/v1/secret/data/app/cfg",
                                   token=t)[0], 403)
        self.assertEqual(self.mv.seal_status()["sealed"], False)

    # --- hostile input ---

    def test_bad_json_bodies(self):
        hdrs = {"Content-Type": "application/json"}
        for data in (b"{not json", b'[{"type": "kv"}]', b"42", b'"kv"'):
            with self.subTest(data=data):
                status, body = self.call("POST", "/v1/sys/mounts/badjson",
                                         data=data, headers=hdrs)
                self.assertError(status, body, 400)
        status, body = self.call("POST", "/v1/secret/data/badjson",
                                 data=b'{"data": {"a": ', headers=hdrs)
        self.assertError(status, body, 400)
        status, body = self.call("POST", "/v1/secret/data/badjson",
                                 json={"data": "not an object"})
        self.assertError(status, body, 400)
        status, body = self.call("POST", "/v1/auth/token/create",
                                 json={"policies": 5})
        self.assertError(status, body, 400)
        status, body = self.call("GET", "/v1/sys/mounts")
        self.assertNotIn("badjson/", body["data"])

    def test_oversized_json_body(self):
        big = b'{"data": {"blob": "' + b"a" * (40 << 20) + b'"}}'
        status, body = self.call("POST", "/v1/secret/data/huge", data=big,
                                 headers={"Content-Type": "application/json"})
        self.assertError(status, body, 413)
        status, body = self.call("POST", "/v1/sys/init", token=None, data=big,
                                 headers={"Content-Type": "application/json"})
        self.assertError(status, body, 413)
        self.assertEqual(self.call("GET", "/v1/secret/data/huge")[0], 404)
        self.assertEqual(self.mv.call("GET", "/v1/sys/health")[0], 200)

    def test_33_mib_body_is_refused(self):
        # Just over Vault's 32 MiB max_request_size, as a plain write.
        big = b'{"data": {"blob": "' + b"a" * (33 << 20) + b'"}}'
        status, body = self.call("PUT", "/v1/secret/data/big33", data=big,
                                 headers=JSON)
        self.assertError(status, body, 413, "http: request body too large")
        self.assertEqual(self.call("GET", "/v1/secret/data/big33")[0], 404)

    def test_deeply_nested_json_is_refused_and_the_node_stays_up(self):
        # 100,000 levels overflowed the request thread's stack (the parsed
        # document is copied and dumped recursively) and killed the node.
        deep = nested_body(100000)
        for path in ("/v1/secret/data/deep", "/v1/secret/metadata/deep"):
            with self.subTest(path=path):
                start = time.monotonic()
                status, body = self.call("PUT", path, data=deep,
                                         headers=JSON)
                self.assertError(status, body, JSON_LIMIT_STATUS, TOO_DEEP)
                self.assertEqual(body, {"errors": [TOO_DEEP]})
                self.assertLess(time.monotonic() - start, 10)
                self.assertTrue(self.mv.alive(), "the server died")
                # The node serves the next request.
                status, _ = self.call("GET", "/v1/sys/health", token=None)
                self.assertEqual(status, 200)
        self.assertEqual(self.call("GET", "/v1/secret/data/deep")[0], 404)
        # Unauthenticated endpoints and unknown paths parse bodies too.
        for path in ("/v1/sys/unseal", "/v1/sys/init",
                     "/v1/sys/storage/raft/bootstrap/challenge"):
            with self.subTest(path=path):
                status, body = self.mv.call("PUT", path, data=deep,
                                            headers=JSON)
                self.assertError(status, body, JSON_LIMIT_STATUS, TOO_DEEP)
        status, body = self.call("PUT", "/v1/sys/policies/acl/deep",
                                 data=nested_body(100000, "policy"),
                                 headers=JSON)
        self.assertError(status, body, JSON_LIMIT_STATUS, TOO_DEEP)
        self.assertTrue(self.mv.alive(), "the server died")

    def test_json_depth_at_the_limit_is_served(self):
        # Vault's max_json_depth is 500, the body object included.
        status, body = self.call("PUT", "/v1/secret/data/depth500",
                                 data=nested_body(500), headers=JSON)
        self.assertError(status, body, 400)  # data must be an object...
        self.assertNotIn(TOO_DEEP, body["errors"])
        # ...so nest objects: {"data": {"a": {"a": ... }}}, 500 in all.
        doc = {}
        for _ in range(498):
            doc = {"a": doc}
        status, body = self.call("PUT", "/v1/secret/data/depth500",
                                 json={"data": doc})
        self.assertEqual(status, 200, body)
        status, body = self.call("GET", "/v1/secret/data/depth500")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["data"], doc)
        status, body = self.call("PUT", "/v1/secret/data/depth501",
                                 json={"data": {"a": doc}})
        self.assertError(status, body, JSON_LIMIT_STATUS, TOO_DEEP)
        self.assertEqual(self.call("GET", "/v1/secret/data/depth501")[0], 404)

    def test_json_size_limits(self):
        mib = 1 << 20
        cases = [
            ({"data": {"s": "a" * mib}}, None),
            ({"data": {"s": "a" * (mib + 1)}}, STRING_TOO_LONG),
            ({"data": {"k%d" % i: "v" for i in range(10000)}}, None),
            ({"data": {"k%d" % i: "v" for i in range(10001)}},
             TOO_MANY_ENTRIES),
            ({"data": {"list": list(range(10000))}}, None),
            ({"data": {"list": list(range(10001))}}, TOO_MANY_ELEMENTS),
        ]
        for i, (doc, error) in enumerate(cases):
            with self.subTest(case=i, error=error):
                status, body = self.call("PUT", f"/v1/secret/data/size{i}",
                                         json=doc)
                if error is None:
                    self.assertEqual(status, 200, body)
                else:
                    self.assertEqual((status, body),
                                     (JSON_LIMIT_STATUS, {"errors": [error]}))
        # Brackets, quotes and commas inside strings are text, not JSON.
        tricky = '[[[{{{"\\",,,]]]' + "[" * 600
        status, body = self.call("PUT", "/v1/secret/data/tricky",
                                 json={"data": {"s": tricky}})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.call("GET", "/v1/secret/data/tricky")[1]
                         ["data"]["data"], {"s": tricky})

    def test_endless_chunked_body_is_cut_off(self):
        frame = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"

        def endless():
            yield b'9\r\n{"data":"\r\n'
            while True:
                yield frame

        head = ("POST /v1/secret/data/endless HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Vault-Token: {self.root}\r\n"
                "Content-Type: application/json\r\n"
                "Transfer-Encoding: chunked")
        # 512 MiB is 16 times Vault's 32 MiB cap on JSON bodies.
        reply, sent, stopped = raw_exchange(self.mv.port, head, endless(),
                                            read_timeout=5, max_seconds=30,
                                            max_bytes=512 << 20)
        self.assertTrue(self.mv.alive(), "the server died")
        self.assertEqual(self.mv.call("GET", "/v1/sys/health")[0], 200)
        # Cut off: the server answers (413) or drops the connection instead
        # of reading forever. Vault caps JSON bodies at 32 MiB.
        self.assertNotIn(stopped, ("timeout", "limit"),
                         f"the server still reads after {sent >> 20} MiB")
        if reply:
            self.assertEqual(status_of(reply), 413, reply[:300])

    def test_unknown_path_and_method(self):
        for path in ("/v1/nope/thing", "/v1/sys/unknown-endpoint",
                     "/v1/secret/nonsense/x"):
            with self.subTest(path=path):
                status, body = self.call("GET", path)
                self.assertError(status, body, 404)
        status, body = self.call("GET", "/not-api")
        self.assertEqual(status, 404)
        for path in ("/v1/secret/data/x", "/v1/sys/health",
                     "/v1/sys/seal-status", "/v1/sys/mounts"):
            with self.subTest(path=path):
                status, body = self.call("BREW", path)
                self.assertError(status, body, 405)
        status, body = self.call("DELETE", "/v1/sys/init")
        self.assertError(status, body, 405)


# --- restore -----------------------------------------------------------------


def restore(mv, token, archive, force=False):
    status, _, raw = mv.request("POST", SNAPSHOT_FORCE if force else SNAPSHOT,
                                token=token, data=archive,
                                headers={"Content-Type":
                                         "application/octet-stream"})
    return status, (json.loads(raw) if raw.strip() else None)


def rebuild(archive, drop=(), extra=None):
    """The archive's tar entries again, without those named in `drop` and
    with an `extra` (name, bytes) entry appended."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as src, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) \
            as dst:
        for member in src.getmembers():
            if member.name not in drop:
                dst.addfile(member, src.extractfile(member))
        if extra:
            info = tarfile.TarInfo(extra[0])
            info.size = len(extra[1])
            dst.addfile(info, io.BytesIO(extra[1]))
    return gzip.compress(out.getvalue())


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
