"""What the minivault API tests share: Vault's texts the tests compare
against, a test case with Vault's error-shape assertion, one unsealed
server per class, and snapshot upload/rebuild helpers."""

import gzip
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import MiniVault, MiniVaultTestCase, require_minivault  # noqa: E402

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



class UnsealedCase(ApiCase):
    """One unsealed server per class (3 shares, threshold 2), root token
    at hand."""
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
