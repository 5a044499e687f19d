"""End-to-end tests of minivault against hostile input: bad and oversized
JSON bodies, Vault's JSON limits (500 with Vault's texts), endless chunked
bodies, unknown paths and methods; the node stays up."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import raw_exchange, status_of  # noqa: E402
from api_common import (  # noqa: E402,F401
    JSON_LIMIT_STATUS,
    TOO_DEEP,
    STRING_TOO_LONG,
    TOO_MANY_ENTRIES,
    TOO_MANY_ELEMENTS,
    JSON,
    nested_body,
    UnsealedCase,
    setUpModule)


class HostileInputTest(UnsealedCase):
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
