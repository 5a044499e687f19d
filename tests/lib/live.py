"""Shared by the live backup/restore end-to-end tests (tests/live/): real
minivault clusters on loopback, a real repository, the real vaultkeep
binary. Keys and tokens go to 0600 files, never to argv.

With VK_LIVE_REPO=s3 (the live_*_s3 ctest entries) every test's repository
is a fresh bucket on one s3rver over TLS; vaultkeep reaches it through
S3Proxy (which checks every signature), restic directly with --cacert."""

import json
import os
import shutil
import tempfile
import uuid

import vk_util
from minivault import MiniVaultCluster, MiniVaultTestCase
from vk_util import vk

PREFIX = "k8s.kubevault.com.demo.vault"
PW = vk_util.PW


def write_secret_file(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def key_names(prefix, shares):
    base = f"{prefix}-" if prefix else ""
    return [f"{base}root-token"] + [f"{base}unseal-key-{i}"
                                    for i in range(shares)]


class LiveTestCase(MiniVaultTestCase):
    """Per test: a private directory, a repository, helpers to form
    clusters whose keys sit in a KubeVault-named key directory."""

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="vk-live-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.repo = self.repo_location()
        self.pwfile = write_secret_file(os.path.join(self.tmp, "pw"), PW)
        r = vk("init", "--repo", self.repo, "--password-file", self.pwfile)
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def repo_location(self):
        """Where the test's repository goes: a directory, or with
        VK_LIVE_REPO=s3 a bucket (credentials in os.environ)."""
        self.s3 = None
        if os.environ.get("VK_LIVE_REPO") != "s3":
            return os.path.join(self.tmp, "repo")
        import s3
        server = s3.shared_server(tls=True)
        os.environ.update(s3.s3_env())
        self.s3 = (server, "live-" + uuid.uuid4().hex[:16])
        proxy = s3.S3Proxy(server)
        self.addCleanup(proxy.close)
        self.addCleanup(lambda: self.assertEqual(proxy.rejected, []))
        return proxy.url(self.s3[1])

    def restic_repo(self):
        """restic's arguments for the test's repository."""
        if not self.s3:
            return ["-r", self.repo]
        server, bucket = self.s3
        return ["--cacert", server.cert, "-r", server.url(bucket)]

    def repo_objects(self, sub):
        """The repository's object names under sub/ (data, index, ...)."""
        if not self.s3:
            return vk_util.repo_files(self.repo, sub)
        server, bucket = self.s3
        return sorted(server.objects(bucket, sub + "/"))

    def cluster(self, n=3, name="a", prefix=PREFIX, shares=5, threshold=3,
                extra_args=()):
        """A formed cluster with attributes key_dir and token_file."""
        c = MiniVaultCluster(n, extra_args=extra_args, prefix=f"{name}-node")
        self.addCleanup(c.close)
        c.form(shares=shares, threshold=threshold)
        c.key_dir = os.path.join(self.tmp, f"keys-{name}")
        os.mkdir(c.key_dir, 0o700)
        names = key_names(prefix, shares)
        write_secret_file(os.path.join(c.key_dir, names[0]), c.root + "\n")
        for i, k in enumerate(c.keys):
            write_secret_file(os.path.join(c.key_dir, names[i + 1]), k + "\n")
        c.token_file = write_secret_file(
            os.path.join(self.tmp, f"token-{name}"), c.root + "\n")
        c.prefix = prefix
        return c

    def addrs(self, nodes):
        out = []
        for n in nodes:
            out += ["--vault-addr", n.addr]
        return out

    def run_vk(self, *args, timeout=300):
        return vk(*args, timeout=timeout)

    def backup(self, c, *extra, nodes=None, token_file=None, key_dir=None,
               timeout=300):
        args = ["backup", "--repo", self.repo, "--password-file", self.pwfile,
                "--token-file", token_file or c.token_file,
                "--key-dir", key_dir or c.key_dir, "--key-prefix", c.prefix,
                "--json", *self.addrs(nodes or c.nodes), *extra]
        return vk(*args, timeout=timeout)

    def restore(self, c, *extra, snapshot="latest", token_file=None,
                key_dir=None, nodes=None, timeout=300):
        args = ["restore", snapshot, "--repo", self.repo,
                "--password-file", self.pwfile,
                "--token-file", token_file or c.token_file,
                *self.addrs(nodes or c.nodes), *extra]
        if key_dir is not False:
            args += ["--key-dir", key_dir or c.key_dir,
                     "--key-prefix", c.prefix]
        return vk(*args, timeout=timeout)

    def ok(self, r):
        self.assertEqual(r.returncode, 0,
                         f"stdout:\n{r.stdout.decode()}\nstderr:\n"
                         f"{r.stderr.decode()}")
        return r

    def failed(self, r, code=None):
        self.assertNotEqual(r.returncode, 0, r.stdout.decode())
        if code is not None:
            self.assertEqual(r.returncode, code, r.stderr.decode())
        return r.stderr.decode()

    def snapshots(self):
        r = self.ok(vk("snapshots", "--repo", self.repo, "--password-file",
                       self.pwfile, "--json"))
        return json.loads(r.stdout)

    def restic_dump(self, path, snapshot="latest"):
        r = vk_util.restic(*self.restic_repo(), "dump", snapshot, path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout

    def manifest(self, snapshot="latest"):
        return json.loads(self.restic_dump("/vault/vaultkeep.json", snapshot))

    def assert_nothing_recorded(self):
        self.assertEqual(self.snapshots(), [])
        self.assertEqual(self.repo_objects("data"), [])
        self.assertEqual(self.repo_objects("index"), [])
        self.assertEqual(self.repo_objects("locks"), [])

    def assert_no_secrets_in(self, text, c):
        for secret in [c.root] + list(c.keys):
            self.assertNotIn(secret, text)

    # --- Vault helpers ------------------------------------------------------

    def policy_token(self, c, name, hcl_path):
        with open(hcl_path) as f:
            hcl = f.read()
        node = c.active()
        status, body = node.call("PUT", f"/v1/sys/policies/acl/{name}",
                                 token=c.root, json={"policy": hcl})
        self.assertEqual(status, 204, body)
        status, body = node.call("POST", "/v1/auth/token/create",
                                 token=c.root,
                                 json={"policies": [name], "ttl": "1h"})
        self.assertEqual(status, 200, body)
        return body["auth"]["client_token"]

    def put(self, c, path, data, token=None):
        return c.active().put_secret(token or c.root, path, data)

    def get(self, c, path, token=None):
        return c.active().get_secret(token or c.root, path)


REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                         ".."))
POLICY_DIR = os.path.join(REPO_ROOT, "deploy", "vault-policies")


def all_unsealed(c):
    return all(not n.seal_status()["sealed"] for n in c.nodes if n.alive())
