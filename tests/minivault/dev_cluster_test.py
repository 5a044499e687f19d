"""`minivault dev-cluster up|status|down`: a local 3-node cluster started,
initialized (5 shares, threshold 3) and unsealed by one command, with the
addresses, unseal keys and root token in owner-only files; status and down
as an operator uses them."""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import MiniVault, minivault_binary, require_minivault  # noqa
from vk_util import clean_env  # noqa: E402


def setUpModule():
    require_minivault()


def dev_cluster(*args, timeout=180):
    return subprocess.run([minivault_binary(), "dev-cluster", *args],
                          capture_output=True, text=True, env=clean_env(),
                          timeout=timeout)


class Node(MiniVault):
    """A handle on a node started by dev-cluster (not by the harness)."""

    def __init__(self, api_addr):
        self.tls = None
        self.port = int(api_addr.rsplit(":", 1)[1])


class DevClusterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vk-devcluster-")
        self.dir = os.path.join(self.tmp, "cluster")

    def tearDown(self):
        r = dev_cluster("down", "--dir", self.dir)
        if r.returncode != 0 and os.path.exists(self.dir):
            print(r.stdout, r.stderr)
        if os.path.isdir(self.dir):
            for name in sorted(os.listdir(self.dir)):
                log = os.path.join(self.dir, name, "server.log")
                if self._outcome_failed() and os.path.exists(log):
                    with open(log, errors="replace") as f:
                        print(f"=== {log} ===\n{f.read()}")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _outcome_failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        return bool(result and (result.failures or result.errors))

    def test_up_status_down(self):
        r = dev_cluster("up", "--nodes", "3", "--dir", self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Key material: owner-only files, never in output or cluster.json.
        with open(os.path.join(self.dir, "unseal-keys")) as f:
            keys = f.read().split()
        with open(os.path.join(self.dir, "root-token")) as f:
            root = f.read()
        self.assertEqual(len(keys), 5)
        self.assertTrue(root.startswith("hvs."))
        for name in ("unseal-keys", "root-token", "cluster.json"):
            mode = stat.S_IMODE(os.stat(os.path.join(self.dir, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        with open(os.path.join(self.dir, "cluster.json")) as f:
            text = f.read()
        for secret in keys + [root]:
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, r.stdout + r.stderr)
        info = json.loads(text)
        self.assertEqual(len(info["nodes"]), 3)

        # The cluster works: one active node, two standbys, shared data.
        nodes = [Node(n["api_addr"]) for n in info["nodes"]]
        statuses = sorted(n.health_status() for n in nodes)
        self.assertEqual(statuses, [200, 429, 429])
        st, body = nodes[1].call("GET", "/v1/sys/seal-status")
        self.assertEqual((body["t"], body["n"]), (3, 5))
        st, body = nodes[0].call("GET", "/v1/sys/storage/raft/configuration",
                                 token=root)
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body["data"]["config"]["servers"]), 3)

        r = dev_cluster("status", "--dir", self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("active", r.stdout)
        self.assertIn("standby", r.stdout)
        r = dev_cluster("status", "--dir", self.dir, "--json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        json.loads(r.stdout)

        # A second `up` on a running cluster is refused.
        r = dev_cluster("up", "--nodes", "3", "--dir", self.dir)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already running", r.stderr)

        r = dev_cluster("down", "--dir", self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for n in info["nodes"]:
            self.assertFalse(os.path.exists(f"/proc/{n['pid']}"),
                             f"pid {n['pid']} still running")
        r = dev_cluster("status", "--dir", self.dir)
        self.assertNotEqual(r.returncode, 0)
        # Down twice is fine.
        self.assertEqual(dev_cluster("down", "--dir", self.dir).returncode, 0)

    def test_bad_usage(self):
        r = dev_cluster("up", "--nodes", "0", "--dir", self.dir)
        self.assertNotEqual(r.returncode, 0)
        r = dev_cluster("status", "--dir", os.path.join(self.tmp, "none"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("minivault dev-cluster", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
