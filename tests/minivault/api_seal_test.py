"""End-to-end tests of minivault's seal lifecycle over raw HTTP against the
real process: sys/init (validation, response shape), sys/unseal and
sys/seal-status (progress, nonce, reset, wrong and malformed shares),
sys/health and sys/leader and sealed requests. Expected values come from
the reference notes (vault-raft-snapshot.md §1, §4-§8)."""

import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import MiniVault  # noqa: E402
from api_common import (  # noqa: E402,F401
    SNAPSHOT,
    MISSING_KEY,
    ApiCase,
    setUpModule)


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


if __name__ == "__main__":
    unittest.main(verbosity=2)
