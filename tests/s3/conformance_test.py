"""The Storage conformance suite (tests/conformance) run against the S3
driver: s3rver behind S3Proxy, which checks every request's SigV4 signature
and payload hash with botocore. Also checks that the suite really went
through the proxy: parts, paged listings, ranged reads."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import s3  # noqa: E402

BIN = os.environ.get("VK_BIN")


class S3ConformanceTest(unittest.TestCase):
    def setUp(self):
        self.server = s3.S3Server()
        self.addCleanup(self.server.close)
        self.proxy = s3.S3Proxy(self.server)
        self.addCleanup(self.proxy.close)

    def run_suite(self, url, **env):
        return subprocess.run(
            [os.path.join(BIN, "vk_storage_conformance_test"),
             "--gtest_filter=Drivers/StorageConformance.*/s3"],
            env=s3.s3_env(VK_S3_URL=url, **env), capture_output=True,
            timeout=600)

    def test_suite_passes_through_a_verifying_proxy(self):
        r = self.run_suite(self.proxy.url("conformance"))
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out[-4000:] + r.stderr.decode())
        self.assertIn("[  PASSED  ]", out)
        self.assertNotIn("FAILED", out)
        # Only the one-winner test is skipped (see the suite).
        self.assertIn("[  SKIPPED ] 1 test, listed below", out)
        self.assertRegex(out, r"\[  PASSED  \] [89] tests")
        self.assertEqual(self.proxy.rejected, [])
        paths = [p for (_, _, p, _) in self.proxy.log]
        self.assertTrue(any("uploads" in p for p in paths))
        self.assertTrue(any("partNumber=3" in p for p in paths))
        self.assertTrue(any("continuation-token" in p for p in paths))
        # The suite's objects are really in the server.
        self.assertTrue(any(k.endswith("/data/bb/big")
                            for k in self.server.objects("conformance")))

    def test_wrong_secret_is_refused_by_the_signature_check(self):
        r = self.run_suite(self.proxy.url("conformance2"),
                           AWS_SECRET_ACCESS_KEY="not-the-secret")
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(self.proxy.rejected)
        self.assertEqual(self.proxy.rejected[0][2], "signature mismatch")


if __name__ == "__main__":
    if not BIN:
        raise SystemExit("VK_BIN is not set (run through ctest)")
    s3.require_s3()
    unittest.main()
