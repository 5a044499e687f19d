"""End-to-end tests of minivault's authenticated API over raw HTTP against
one unsealed server: tokens, mounts, KV v2, policies, ACLs,
sys/capabilities-self, raft snapshots and the backup policy. Expected
values come from the reference notes (vault-raft-snapshot.md §4-§8)."""

import gzip
import io
import json
import os
import sys
import tarfile
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from vk_util import vk  # noqa: E402
from api_common import (  # noqa: E402,F401
    SNAPSHOT,
    SNAPSHOT_FORCE,
    UnsealedCase,
    setUpModule)


class UnsealedTest(UnsealedCase):
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
