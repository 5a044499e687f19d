"""`vaultkeep demo` end to end (what scripts/demo runs), small: two
3-node clusters, a backup, a second backup that stores little, a forced
restore into the new cluster, every secret verified. It must exit 0, say
so, and leave no process or directory behind."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import vk_util  # noqa: E402
from minivault import require_minivault  # noqa: E402


def setUpModule():
    require_minivault()
    vk_util.require_binaries()


class DemoTest(unittest.TestCase):
    def test_demo_passes_and_cleans_up(self):
        tmp = tempfile.mkdtemp(prefix="vk-demo-test-")
        work = os.path.join(tmp, "work")
        r = vk_util.vk("demo", "--secrets", "300", "--changed", "10",
                       "--dir", work, timeout=600)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("300 secrets match", out)
        self.assertIn("backup 2 stored", out)
        self.assertIn("demo passed", out)
        self.assertFalse(os.path.exists(work), "work directory left behind")
        # No minivault of this demo is still running.
        ps = subprocess.run(["pgrep", "-f", work], capture_output=True)
        self.assertEqual(ps.stdout.decode().strip(), "")
        os.rmdir(tmp)


if __name__ == "__main__":
    unittest.main()
