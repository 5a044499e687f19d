"""S3 test servers on loopback for the integration tests.

S3Server runs the s3rver npm package (installed into tests/s3/node_modules
by scripts/lib/common.sh) as a real process, optionally over TLS with a
self-signed certificate for 127.0.0.1.

S3Proxy sits between a client and an S3Server. s3rver does not check
Signature V4 (it accepts any well-formed V4 header) nor the body's SHA-256,
so the proxy does both, with botocore's signer (Debian's awscli carries it)
as the independent reference: a request whose signature or payload hash
is wrong is refused with 403 SignatureDoesNotMatch / 400 XAmzContentSHA256
Mismatch, as AWS does. It can also inject faults: error statuses, connection
resets before the answer or in the middle of a body, and stalls.
"""

import calendar
import hashlib
import http.client
import http.server
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import warnings
import xml.etree.ElementTree as ET

from minivault import make_self_signed_cert

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
S3RVER = os.path.join(ROOT, "tests", "s3", "node_modules", ".bin", "s3rver")
ACCESS_KEY = "S3RVER"  # s3rver's built-in account
SECRET_KEY = "S3RVER"
REGION = "us-east-1"

sys.path.insert(0, "/usr/lib/python3/dist-packages/awscli")
with warnings.catch_warnings():  # awscli's vendored modules are noisy
    warnings.simplefilter("ignore")
    try:
        from botocore.auth import S3SigV4Auth  # noqa: E402
        from botocore.awsrequest import AWSRequest  # noqa: E402
        from botocore.credentials import Credentials  # noqa: E402
    except ImportError:  # reported by require_s3()
        S3SigV4Auth = None


def require_s3():
    if not os.path.exists(S3RVER):
        raise SystemExit("s3rver is not installed (scripts/test installs it "
                         "into tests/s3/node_modules)")
    if S3SigV4Auth is None:
        raise SystemExit("botocore (Debian awscli) is missing")


def s3_env(**extra):
    """Credentials for s3rver's account, and nothing inherited that could
    point the AWS tools elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null")
    env.update(extra)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SHARED = {}


def shared_server(tls=False):
    """One S3Server per test process, stopped when the process exits."""
    if tls not in _SHARED:
        import atexit
        _SHARED[tls] = S3Server(tls=tls)
        atexit.register(_SHARED[tls].close)
    return _SHARED[tls]


class S3Server:
    """s3rver on 127.0.0.1 with its data in a private directory."""

    def __init__(self, tls=False, service_endpoint=None):
        self.dir = tempfile.mkdtemp(prefix="vk-s3rver-")
        self.tls = tls
        self.cert = self.key = None
        if tls:
            self.cert, self.key = make_self_signed_cert(self.dir)
        self.port = free_port()
        args = [S3RVER, "-d", os.path.join(self.dir, "data"), "-a",
                "127.0.0.1", "-p", str(self.port), "--silent"]
        if tls:
            args += ["--key", self.key, "--cert", self.cert]
        if service_endpoint:  # bucket.<this> addresses a bucket (vhost)
            args += ["--service-endpoint", service_endpoint]
        os.makedirs(os.path.join(self.dir, "data"))
        self.log = open(os.path.join(self.dir, "log"), "wb")
        # s3rver makes ListObjectsV2 continuation tokens with DES, which
        # Node.js 17+ (OpenSSL 3) offers only from the legacy provider.
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        self.proc = subprocess.Popen(args, stdout=self.log, env=env,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_ready()

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def endpoint(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, bucket, prefix=""):
        return f"s3:{self.endpoint}/{bucket}" + (f"/{prefix}" if prefix else "")

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.cert) if self.tls else None

    def _wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("s3rver exited: " + self.read_log())
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=2,
                                       context=self.ssl_context()).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("s3rver did not start: " + self.read_log())

    def read_log(self):
        with open(os.path.join(self.dir, "log"), "rb") as f:
            return f.read().decode(errors="replace")

    def create_bucket(self, bucket):
        req = urllib.request.Request(f"{self.endpoint}/{bucket}", method="PUT")
        urllib.request.urlopen(req, timeout=10, context=self.ssl_context())

    def objects(self, bucket, prefix=""):
        """{key: size} of every object under prefix, listed unauthenticated
        (s3rver allows it) so that the listing does not go through the code
        under test."""
        out, token = {}, None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            url = f"{self.endpoint}/{bucket}?" + urllib.parse.urlencode(q)
            body = urllib.request.urlopen(url, timeout=30,
                                          context=self.ssl_context()).read()
            root = ET.fromstring(body)
            ns = {"s": root.tag.split("}")[0].strip("{")} if "}" in root.tag \
                else {}
            p = "s:" if ns else ""
            for c in root.findall(f"{p}Contents", ns):
                out[c.find(f"{p}Key", ns).text] = int(c.find(f"{p}Size", ns).text)
            if root.findtext(f"{p}IsTruncated", "", ns) != "true":
                return out
            token = root.findtext(f"{p}NextContinuationToken", "", ns)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, True)


def _xml_error(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}'
            f"</Code><Message>{message}</Message></Error>").encode()


AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/"
                     r"aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                     r"Signature=([0-9a-f]{64})$")


def check_signature(method, path, headers, body, secret=SECRET_KEY):
    """None when the request is signed as AWS would accept it, else why
    not. `headers` maps lower-case names to values."""
    auth = headers.get("authorization")
    if not auth:
        return "no Authorization header"
    m = AUTH_RE.match(auth)
    if not m:
        return "malformed Authorization header"
    access, day, region, signed, signature = m.groups()
    amz_date = headers.get("x-amz-date", "")
    if not amz_date.startswith(day):
        return "credential scope date differs from x-amz-date"
    if abs(time.time() - calendar.timegm(time.strptime(
            amz_date, "%Y%m%dT%H%M%SZ"))) > 900:
        return "x-amz-date is more than 15 minutes off"
    names = signed.split(";")
    for required in ("host", "x-amz-content-sha256", "x-amz-date"):
        if required not in names:
            return f"{required} is not signed"
    for name in headers:
        if name.startswith("x-amz-") and name not in names:
            return f"{name} is sent but not signed"
    sha = headers.get("x-amz-content-sha256")
    if sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(body).hexdigest():
        return "payload hash mismatch"
    req = AWSRequest(method=method, url=f"http://{headers['host']}{path}",
                     headers={n: headers[n] for n in names if n in headers},
                     data=body)
    signer = S3SigV4Auth(Credentials(access, secret), "s3", region)
    req.context["timestamp"] = amz_date
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    return None if expected == signature else "signature mismatch"


class S3Proxy:
    """Plain-HTTP proxy on 127.0.0.1 in front of `server`.

    fault(n, method, path, headers) is called for the n-th request (from 1;
    headers with lower-case names) and may
    return None (forward), ("status", code, s3code) to answer with an error
    instead, ("reset",) to drop the connection before answering (after the
    upstream has seen the request when the method is PUT/POST/DELETE),
    ("reset_body",) to send the upstream's headers and half its body, then
    drop the connection (RST: the client may lose what it had not read
    yet), ("short_body",) to do the same but close cleanly (FIN: the client
    surely has the first half), or ("stall", seconds) to wait before
    answering.
    """

    def __init__(self, server, fault=None):
        self.server, self.fault = server, fault
        self.lock = threading.Lock()
        self.count = 0
        self.log = []        # (n, method, path, what happened)
        self.rejected = []   # (method, path, reason) of bad signatures
        self.ranges = []     # (path, Range header) of every GET
        self.cuts = []       # (path, first byte, bytes sent) of cut bodies
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_one(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # connections the proxy reset on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, bucket, prefix=""):
        return f"s3:http://127.0.0.1:{self.port}/{bucket}" + \
            (f"/{prefix}" if prefix else "")

    def events(self, what):
        with self.lock:
            return [e for e in self.log if e[3] == what]

    def _upstream(self):
        if self.server.tls:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.server.port, timeout=60,
                context=self.server.ssl_context())
        return http.client.HTTPConnection("127.0.0.1", self.server.port,
                                          timeout=60)

    def _handle(self, h):
        length = int(h.headers.get("Content-Length", "0") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.lock:
            self.count += 1
            n = self.count
            if h.command == "GET":
                self.ranges.append((h.path, headers.get("range")))
        action = self.fault(n, h.command, h.path, headers) \
            if self.fault else None
        why = check_signature(h.command, h.path, headers, body)
        if why:
            with self.lock:
                self.rejected.append((h.command, h.path, why))
                self.log.append((n, h.command, h.path, "rejected"))
            code = "XAmzContentSHA256Mismatch" if why.startswith("payload") \
                else "SignatureDoesNotMatch"
            return self._reply(h, 400 if code.startswith("XAmz") else 403,
                               {}, _xml_error(code, why))
        what = action[0] if action else "forwarded"
        with self.lock:
            self.log.append((n, h.command, h.path, what))
        if action and action[0] == "status":
            return self._reply(h, action[1], {},
                               _xml_error(action[2], "injected by the test"))
        if action and action[0] == "stall":
            time.sleep(action[1])
        if action and action[0] == "reset" and h.command in ("GET", "HEAD"):
            return self._reset(h)
        conn = self._upstream()
        fwd = {k: v for k, v in h.headers.items()
               if k.lower() not in ("connection", "keep-alive", "expect",
                                    "transfer-encoding")}
        conn.request(h.command, h.path, body=body if body else None,
                     headers=fwd)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if action and action[0] == "reset":
            return self._reset(h)
        out = {k: v for k, v in resp.getheaders()
               if k.lower() not in ("connection", "keep-alive",
                                    "transfer-encoding", "content-length")}
        if action and action[0] in ("reset_body", "short_body") and \
                len(data) > 1:
            h.send_response(resp.status)
            for k, v in out.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[:len(data) // 2])
            h.wfile.flush()
            m = re.match(r"bytes=(\d+)-", headers.get("range") or "")
            with self.lock:
                self.cuts.append((h.path, int(m.group(1)) if m else 0,
                                  len(data) // 2))
            if action[0] == "short_body":
                h.close_connection = True
                return
            return self._reset(h)
        self._reply(h, resp.status, out, data, head=h.command == "HEAD",
                    length=resp.getheader("Content-Length"))

    def _reply(self, h, status, headers, body, head=False, length=None):
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length",
                      length if head and length is not None else str(len(body)))
        h.end_headers()
        if not head:
            h.wfile.write(body)

    def _reset(self, h):
        # SO_LINGER 0: close sends RST, as a crashed peer or a middlebox would.
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
