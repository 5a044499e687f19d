"""vaultkeep with S3 repositories, end to end, against s3rver (npm) on
loopback over TLS, mostly through S3Proxy, which checks every request's
SigV4 signature and payload hash with botocore and injects faults:

- backup, snapshots, dump (byte-identical), check --read-data;
- the AWS CLI (Debian awscli) lists and downloads what vaultkeep wrote
  (every pack's SHA-256 is its name), and a repository restic wrote
  locally, uploaded with `aws s3 sync`, is read by vaultkeep;
- restic 0.14's S3 backend reads the repository vaultkeep wrote
  (snapshots, check --read-data, dump);
- faults while a backup runs (503 SlowDown, 500, connection resets before
  the answer and in the middle of bodies, a stall): the backup completes,
  and both vaultkeep's and restic's check --read-data pass afterwards;
- clear errors: wrong secret, missing bucket, no credentials, unknown -o,
  unreachable endpoint; nothing is created by a failed init.
The live backup and restore tests run with S3 repositories as well
(ctest live_backup_s3, live_restore_s3: VK_LIVE_REPO=s3).
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import shutil
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import s3  # noqa: E402
import vk_util  # noqa: E402
from vk_util import PW, entries, gen_snapshot, read  # noqa: E402

AWS = "/usr/bin/aws"  # Debian's awscli; another `aws` may come first on PATH
MULTIPART = ["--option", "s3.multipart-threshold=5242880",
             "--option", "s3.part-size=5242880"]


SNAPS = []


def setUpModule():
    global SERVER, TMP
    vk_util.require_binaries()
    s3.require_s3()
    TMP = tempfile.mkdtemp(prefix="vk-s3-test-")
    SERVER = s3.S3Server(tls=True)
    # Credentials for vaultkeep, restic and aws, inherited by every child.
    os.environ.update(s3.s3_env())
    # 24 MiB of state: one full 16 MiB pack (multipart with 5 MiB parts).
    first = gen_snapshot(os.path.join(TMP, "day1.snap"), "--size", "24M",
                         "--seed", "31")
    SNAPS[:] = [first, gen_snapshot(os.path.join(TMP, "day2.snap"), "--from",
                                    first, "--rewrite", "1", "--seed", "32")]


def tearDownModule():
    SERVER.close()
    shutil.rmtree(TMP, True)


def vk(*args, timeout=300):
    env = vk_util.clean_env(VAULTKEEP_PASSWORD=PW)
    return vk_util.vk(*args, env=env, timeout=timeout)


def restic(*args, timeout=300):
    return vk_util.restic("--cacert", SERVER.cert, *args, timeout=timeout)


def aws(*args, timeout=120):
    return subprocess.run(
        [AWS, "--endpoint-url", SERVER.endpoint, "--ca-bundle", SERVER.cert,
         "--no-cli-pager", *args], capture_output=True, timeout=timeout,
        env=s3.s3_env())


class S3TestCase(unittest.TestCase):
    def setUp(self):
        self.snap1, self.snap2 = SNAPS
        self.bucket = "b-" + self.id().split(".")[-1].replace("_", "-")[:50]
        self.proxy = s3.S3Proxy(SERVER)
        self.addCleanup(self.proxy.close)
        self.repo = self.proxy.url(self.bucket, "vault/prod")

    def ok(self, r):
        self.assertEqual(r.returncode, 0, r.stderr.decode()[-3000:])
        return r

    def init(self, repo=None):
        return self.ok(vk("init", "-r", repo or self.repo))

    def backup(self, snap, *extra, repo=None):
        r = self.ok(vk("backup", "-r", repo or self.repo, "--snapshot-file",
                       snap, "--json", *extra))
        return json.loads(r.stdout)

    def assert_signed_correctly(self):
        self.assertEqual(self.proxy.rejected, [])

    def direct(self):
        """The repository's URL on the server itself (for restic and aws,
        which speak TLS to s3rver directly)."""
        return SERVER.url(self.bucket, "vault/prod")


class RoundTripTest(S3TestCase):
    def test_backup_dump_check_and_the_aws_cli_reads_it(self):
        self.init()
        first = self.backup(self.snap1, *MULTIPART)
        second = self.backup(self.snap2, *MULTIPART)
        self.assertLess(second["added_bytes"], first["added_bytes"] / 5)
        snaps = json.loads(self.ok(vk("snapshots", "-r", self.repo,
                                      "--json")).stdout)
        self.assertEqual(len(snaps), 2)
        out = os.path.join(TMP, "rt.snap")
        self.ok(vk("dump", "-r", self.repo, "latest", "-o", out))
        self.assertEqual(entries(out), entries(self.snap2))
        self.ok(vk("check", "-r", self.repo, "--read-data"))
        self.assert_signed_correctly()
        # Packs of 16 MiB went up in 5 MiB parts.
        paths = [p for (_, m, p, _) in self.proxy.log if m == "PUT"]
        self.assertTrue(any("partNumber=4" in p for p in paths))

        # The AWS CLI sees the repository's layout...
        r = aws("s3", "ls", "--recursive", f"s3://{self.bucket}/vault/prod/")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        listed = {line.split()[-1] for line in r.stdout.decode().splitlines()}
        on_server = set(SERVER.objects(self.bucket))
        self.assertEqual(listed, on_server)
        self.assertIn("vault/prod/config", listed)
        packs = [k for k in listed if k.startswith("vault/prod/data/")]
        self.assertGreater(len(packs), 1)
        # ...and downloads every pack intact: a pack is named by its hash.
        dl = os.path.join(TMP, "dl")
        r = aws("s3", "cp", "--recursive", f"s3://{self.bucket}/vault/prod/",
                dl)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        for key in packs:
            data = read(os.path.join(dl, key[len("vault/prod/"):]))
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             key.rsplit("/", 1)[1])
        shutil.rmtree(dl)

    def test_restic_reads_what_vaultkeep_wrote(self):
        self.init()
        self.backup(self.snap1)
        repo = self.direct()
        r = restic("-r", repo, "snapshots", "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(len(json.loads(r.stdout)), 1)
        r = restic("-r", repo, "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        r = restic("-r", repo, "dump", "latest", "/vault/archive/state.bin")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout, entries(self.snap1)["state.bin"])

    def test_vaultkeep_reads_a_repository_uploaded_by_aws(self):
        local = os.path.join(TMP, "restic-local")
        r = vk_util.restic("-r", local, "init")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        src = os.path.join(TMP, "stash")
        os.makedirs(src, exist_ok=True)
        shutil.copy(self.snap1, os.path.join(src, "vault.snap"))
        r = vk_util.restic("-r", local, "backup", src)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        SERVER.create_bucket(self.bucket)
        r = aws("s3", "sync", local, f"s3://{self.bucket}/fromaws")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        shutil.rmtree(local)
        repo = self.proxy.url(self.bucket, "fromaws")
        snaps = json.loads(self.ok(vk("snapshots", "-r", repo,
                                      "--json")).stdout)
        self.assertEqual(len(snaps), 1)
        self.ok(vk("check", "-r", repo, "--read-data"))
        self.assert_signed_correctly()


class FaultTest(S3TestCase):
    def test_backup_survives_faults_and_the_repository_checks_clean(self):
        self.init()
        faulted = set()  # (method, path, n): each request is hit at most
        #                  twice, so the bounded retries always get through
        used = set()     # every kind happens at least once

        def fault(n, method, path, headers):
            data = "/data/" in path
            kind = None
            if method == "PUT" and data and "reset" not in used:
                kind = ("reset",)
            elif method == "GET" and data and "reset_body" not in used:
                kind = ("reset_body",)
            elif n >= 20 and "stall" not in used:
                kind = ("stall", 4)
            elif n % 7 == 3:
                kind = ("status", 503, "SlowDown")
            elif n % 11 == 5:
                kind = ("status", 500, "InternalError")
            elif n % 13 == 6 and method == "PUT":
                kind = ("reset",)
            elif n % 17 == 8 and method == "GET" and data:
                kind = ("reset_body",)
            hits = sum(1 for f in faulted if f[:2] == (method, path))
            if kind is None or hits >= 2:
                return None
            faulted.add((method, path, n))
            used.add(kind[0])
            return kind

        self.proxy.fault = fault
        self.backup(self.snap1, "-o", "s3.stall-timeout=2", *MULTIPART)
        self.backup(self.snap2, "-o", "s3.stall-timeout=2")
        out = os.path.join(TMP, "fault.snap")
        self.ok(vk("dump", "-r", self.repo, "latest", "-o", out))
        self.assertEqual(entries(out), entries(self.snap2))
        kinds = {e[3] for e in self.proxy.log}
        for kind in ("status", "reset", "reset_body", "stall"):
            self.assertIn(kind, kinds)
        self.proxy.fault = None
        self.ok(vk("check", "-r", self.repo, "--read-data"))
        self.assert_signed_correctly()
        r = restic("-r", self.direct(), "check", "--read-data")
        self.assertEqual(r.returncode, 0, r.stderr.decode())

    def test_resumed_reads(self):
        self.init()
        self.backup(self.snap1)
        # Reads of packs keep failing: the dump gives up after the bounded
        # retries, says so, and leaves no file behind.
        self.proxy.fault = (lambda n, m, p, h: ("status", 503, "SlowDown")
                            if m == "GET" and "/data/" in p else None)
        out = os.path.join(TMP, "resume.snap")
        r = vk("dump", "-r", self.repo, "latest", "-o", out, timeout=300)
        self.assertEqual(r.returncode, 4, r.stderr.decode())
        self.assertIn(b"gave up after 8 attempts", r.stderr)
        self.assertFalse(os.path.exists(out))
        # Cut only the first read of each object: resumed, byte-identical.
        seen = set()

        def once(n, m, p, h):
            if m == "GET" and "/data/" in p and p not in seen:
                seen.add(p)
                return ("short_body",)
            return None

        self.proxy.fault = once
        self.ok(vk("dump", "-r", self.repo, "latest", "-o", out))
        self.assertEqual(entries(out), entries(self.snap1))
        self.assertTrue(seen)
        # Each cut read went on from where it stopped: a later request for
        # the same object whose range starts at the first byte not received.
        self.assertEqual(len(self.proxy.cuts), len(seen))
        for path, first, sent in self.proxy.cuts:
            self.assertIn((path, f"bytes={first + sent}-"),
                          [(p, (r or "")[:len(f"bytes={first + sent}-")])
                           for (p, r) in self.proxy.ranges], path)


    def test_lost_answers_and_stores_without_conditional_writes(self):
        self.init()
        hit, conditional = {}, []

        def fault(n, method, path, headers):
            if "if-none-match" in headers:
                conditional.append(n)
            # The first multipart completion is applied by the server but
            # its answer is lost: the retry finds the upload gone.
            if method == "POST" and "uploadId=" in path and "lost" not in hit:
                hit["lost"] = n
                return ("reset",)
            # A store that does not implement If-None-Match says 501.
            if "if-none-match" in headers and "501" not in hit:
                hit["501"] = n
                return ("status", 501, "NotImplemented")
            return None

        self.proxy.fault = fault
        self.backup(self.snap1, *MULTIPART)
        self.assertEqual(set(hit), {"lost", "501"})
        # After the 501 the process sent no further conditional writes.
        self.assertEqual(conditional[-1], hit["501"])
        self.proxy.fault = None
        self.ok(vk("check", "-r", self.repo, "--read-data"))
        self.assertEqual(self.proxy.rejected, [])


class AddressingTest(S3TestCase):
    def test_virtual_hosted_and_path_style_reach_the_same_bucket(self):
        # s3rver serves <bucket>.s3.localhost; curl resolves *.localhost to
        # the loopback address itself, so no DNS is involved.
        server = s3.S3Server(service_endpoint="localhost")
        self.addCleanup(server.close)
        base = f"s3:http://s3.localhost:{server.port}/vhosted/vault"
        self.ok(vk("init", "-r", base, "-o", "s3.bucket-lookup=dns"))
        self.backup(self.snap1, "-o", "s3.bucket-lookup=dns", repo=base)
        self.assertIn("vault/config", server.objects("vhosted"))
        # The same objects through path-style requests.
        snaps = json.loads(self.ok(vk(
            "snapshots", "-r", base, "-o", "s3.bucket-lookup=path",
            "--json")).stdout)
        self.assertEqual(len(snaps), 1)

    def test_tls_needs_the_ca(self):
        direct = self.direct()
        r = vk("init", "-r", direct)
        self.assertEqual(r.returncode, 2, r.stderr.decode())
        self.assertIn(b"certificate", r.stderr)
        self.assertIn(b"--cacert", r.stderr)
        self.assertNotIn(self.bucket, SERVER_BUCKETS())
        self.ok(vk("init", "-r", direct, "--cacert", SERVER.cert))
        self.ok(vk("snapshots", "-r", direct, "--insecure-tls"))


class ErrorTest(S3TestCase):
    def test_clear_errors(self):
        # A missing bucket: named, and nothing is created by reading.
        r = vk("snapshots", "-r", self.repo)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"does not exist", r.stderr)
        self.assertNotIn(self.bucket, SERVER_BUCKETS())

        # Wrong secret: refused (by the proxy's signature check, as AWS
        # would), the message says which settings to check, no secret shown.
        env = vk_util.clean_env(VAULTKEEP_PASSWORD=PW,
                                AWS_SECRET_ACCESS_KEY="wrong-secret-value")
        r = vk_util.vk("init", "-r", self.repo, env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"SignatureDoesNotMatch", r.stderr)
        self.assertIn(b"403", r.stderr)
        self.assertIn(b"AWS_SECRET_ACCESS_KEY", r.stderr)
        self.assertNotIn(b"wrong-secret-value", r.stderr)
        self.assertNotIn(self.bucket, SERVER_BUCKETS())

        # No credentials at all.
        env = {k: v for k, v in vk_util.clean_env(VAULTKEEP_PASSWORD=PW).items()
               if not k.startswith("AWS_")}
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(TMP, "none")
        r = vk_util.vk("init", "-r", self.repo, env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no S3 credentials", r.stderr)

        # Credentials from a shared credentials file and AWS_PROFILE.
        creds = os.path.join(TMP, "credentials")
        with open(creds, "w") as f:
            f.write("[default]\naws_access_key_id = nobody\n"
                    "aws_secret_access_key = nothing\n"
                    f"[s3rver]\naws_access_key_id = {s3.ACCESS_KEY}\n"
                    f"aws_secret_access_key = {s3.SECRET_KEY}\n")
        env.update(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_PROFILE="s3rver")
        self.ok(vk_util.vk("init", "-r", self.repo, env=env))
        self.assertIn(self.bucket, SERVER_BUCKETS())
        # A second init does not clobber the first.
        r = vk("init", "-r", self.repo)
        self.assertEqual(r.returncode, 2)

        # Options: unknown names and s3 options on a local repository.
        r = vk("snapshots", "-r", self.repo, "-o", "s3.conections=2")
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"unknown option", r.stderr)
        r = vk("snapshots", "-r", os.path.join(TMP, "x"), "-o",
               "s3.connections=2")
        self.assertEqual(r.returncode, 2)
        # Credentials in the URL are refused before anything is sent.
        r = vk("snapshots", "-r",
               f"s3:http://AKID:pw-in-url@127.0.0.1:{self.proxy.port}/b")
        self.assertEqual(r.returncode, 2)
        self.assertNotIn(b"pw-in-url", r.stderr)
        # Only the wrong secret's one request was refused: a 403 is
        # reported at once, not retried.
        self.assertEqual([why for (_, _, why) in self.proxy.rejected],
                         ["signature mismatch"])

    def test_unreachable_endpoint_is_unavailable(self):
        port = s3.free_port()
        r = vk("snapshots", "-r", f"s3:http://127.0.0.1:{port}/bucket",
               timeout=120)
        self.assertEqual(r.returncode, 4, r.stderr.decode())
        self.assertIn(b"gave up after", r.stderr)


def SERVER_BUCKETS():
    import urllib.request
    import xml.etree.ElementTree as ET
    body = urllib.request.urlopen(SERVER.endpoint + "/", timeout=10,
                                  context=SERVER.ssl_context()).read()
    return [e.text for e in ET.fromstring(body).iter()
            if e.tag.endswith("Name")]


if __name__ == "__main__":
    unittest.main()
