"""Harness for the minivault end-to-end tests: runs `minivault server` as a
real process on a free port in a scratch data directory and talks to it
over raw HTTP (urllib, so Vault's LIST method and any header can be sent).

The binaries are found through VK_BIN, as in vk_util. Each server's stderr
goes to a file; MiniVaultTestCase prints the logs of the servers a test
started when that test fails or errors."""

import json as jsonlib
import os
import shutil
import select
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import vk_util
from vk_util import BIN, clean_env

START_TIMEOUT = 15
STOP_TIMEOUT = 10


def minivault_binary():
    return os.path.join(BIN, "minivault")


def require_minivault():
    if not BIN:
        raise SystemExit("VK_BIN is not set (run through ctest)")
    for name in ("minivault", "vaultkeep"):
        if not os.access(os.path.join(BIN, name), os.X_OK):
            raise SystemExit(f"{name} is not built in {BIN}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class MiniVault:
    """One minivault server process.

    data_dir: reuse a directory (None: a fresh one under a private temp dir
    that close() removes). tls: (cert_pem_path, key_pem_path) for HTTPS."""

    _all = []  # every instance ever started, for MiniVaultTestCase's logs

    def __init__(self, data_dir=None, tls=None, node_id=None, start=True,
                 extra_args=()):
        self._tmp = tempfile.mkdtemp(prefix="vk-minivault-")
        self.data_dir = data_dir or os.path.join(self._tmp, "data")
        self.tls = tls
        self.node_id = node_id
        self.port_file = os.path.join(self._tmp, "port")
        self.cluster_port_file = os.path.join(self._tmp, "cluster-port")
        self.cluster_port = None
        self.extra_args = list(extra_args)
        self.log_path = os.path.join(self._tmp, "stderr.log")
        self.proc = None
        self.port = None
        self.starts = 0
        MiniVault._all.append(self)
        if start:
            self.start()

    # --- process lifecycle --------------------------------------------------

    @property
    def addr(self):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self, same_ports=False):
        """Starts the server; with `same_ports` on the API and cluster ports
        of its last run (a node that comes back where clients and peers
        knew it)."""
        assert self.proc is None, "already running"
        for f in (self.port_file, self.cluster_port_file):
            if os.path.exists(f):
                os.unlink(f)
        listen, cluster = "127.0.0.1:0", []
        if same_ports and self.port and self.cluster_port:
            listen = f"127.0.0.1:{self.port}"
            cluster = ["--cluster-listen", f"127.0.0.1:{self.cluster_port}"]
        args = [minivault_binary(), "server", "--data-dir", self.data_dir,
                "--listen", listen, *cluster, "--port-file", self.port_file,
                "--cluster-port-file", self.cluster_port_file,
                "--log-level", "info"] + self.extra_args
        if self.node_id:
            args += ["--node-id", self.node_id]
        if self.tls:
            args += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.starts += 1
        log = open(self.log_path, "ab")
        log.write(f"--- start #{self.starts}: {' '.join(args)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, env=clean_env(),
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"minivault exited with {self.proc.returncode} while "
                    f"starting\n{self.log()}")
            self.port = self._read_port()
            self.cluster_port = self._read_port(self.cluster_port_file)
            if self.port is not None and self.cluster_port is not None:
                try:
                    # Any HTTP answer (501 uninitialised, 503 sealed, 200)
                    # means the API is serving.
                    self.request("GET", "/v1/sys/health", timeout=2)
                    return self
                except (OSError, urllib.error.URLError):
                    pass
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"minivault did not answer within "
                             f"{START_TIMEOUT}s\n{self.log()}")

    def _read_port(self, path=None):
        try:
            text = vk_util.read(path or self.port_file).decode().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def stop(self):
        """SIGTERM; asserts a clean exit (code 0) within STOP_TIMEOUT."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"minivault did not stop within "
                                 f"{STOP_TIMEOUT}s of SIGTERM\n{self.log()}")
        if code != 0:
            raise AssertionError(f"minivault exited with {code} after "
                                 f"SIGTERM\n{self.log()}")

    def kill(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()

    def restart(self):
        """Stops cleanly and starts again on the same data directory (the
        port may change)."""
        self.stop()
        self.port = None
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        self.kill()
        self._final_log = self.log()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        try:
            if exc_type is None:
                self.stop()
            elif self.proc is not None:
                print(self.log())
        finally:
            self.close()

    def log(self):
        if getattr(self, "_final_log", None) and not os.path.exists(
                self.log_path):
            return self._final_log
        try:
            text = vk_util.read(self.log_path).decode(errors="replace")
        except FileNotFoundError:
            text = ""
        return f"=== minivault stderr ({self.log_path}) ===\n{text}"

    # --- HTTP -----------------------------------------------------------

    def ssl_context(self):
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.tls[0])

    def request(self, method, path, token=None, json=None, data=None,
                headers=None, timeout=30):
        """One request; returns (status, headers, body bytes). Never raises
        for an HTTP status. `json` is encoded; `data` is sent as is."""
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["X-Vault-Token"] = token
        body = data
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.addr + path, data=body,
                                     headers=hdrs, method=method)
        # Redirects come back as they are: a standby's 307 is the answer
        # under test.
        opener = urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPSHandler(
                context=self.ssl_context()))
        try:
            with opener.open(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def call(self, method, path, token=None, json=None, **kw):
        """request() with the body decoded as JSON (None when empty)."""
        status, headers, body = self.request(method, path, token=token,
                                             json=json, **kw)
        return status, (jsonlib.loads(body) if body.strip() else None)

    # --- Vault operations -------------------------------------------------

    def init(self, shares=1, threshold=1):
        status, body = self.call("PUT", "/v1/sys/init",
                                 json={"secret_shares": shares,
                                       "secret_threshold": threshold})
        if status != 200:
            raise AssertionError(f"sys/init: {status} {body}")
        return body["keys"], body["root_token"]

    def unseal(self, keys):
        """Submits keys until unsealed; returns the last seal status."""
        body = None
        for key in keys:
            status, body = self.call("PUT", "/v1/sys/unseal",
                                     json={"key": key})
            if status != 200:
                raise AssertionError(f"sys/unseal: {status} {body}")
            if not body["sealed"]:
                return body
        return body

    def seal_status(self):
        status, body = self.call("GET", "/v1/sys/seal-status")
        if status != 200:
            raise AssertionError(f"sys/seal-status: {status} {body}")
        return body

    def setup(self, shares=1, threshold=1, kv_mount="secret"):
        """init + unseal + a KV v2 mount; returns (keys, root_token)."""
        keys, root = self.init(shares, threshold)
        self.unseal(keys[:threshold])
        if kv_mount:
            self.enable_kv(root, kv_mount)
        return keys, root

    def enable_kv(self, token, path="secret"):
        status, body = self.call("POST", f"/v1/sys/mounts/{path}", token=token,
                                 json={"type": "kv",
                                       "options": {"version": "2"}})
        if status != 204:
            raise AssertionError(f"sys/mounts/{path}: {status} {body}")

    def put_secret(self, token, path, data, mount="secret"):
        status, body = self.call("POST", f"/v1/{mount}/data/{path}",
                                 token=token, json={"data": data})
        if status != 200:
            raise AssertionError(f"write {mount}/{path}: {status} {body}")
        return body["data"]["version"]

    def get_secret(self, token, path, mount="secret"):
        """The secret's data, or None when the read is not a 200."""
        status, body = self.call("GET", f"/v1/{mount}/data/{path}",
                                 token=token)
        return body["data"]["data"] if status == 200 else None

    def snapshot(self, token):
        status, headers, body = self.request(
            "GET", "/v1/sys/storage/raft/snapshot", token=token)
        if status != 200:
            raise AssertionError(f"snapshot: {status} {body[:300]!r}")
        return body

    def health_status(self):
        try:
            status, _, _ = self.request("GET", "/v1/sys/health", timeout=5)
            return status
        except (OSError, urllib.error.URLError):
            return None

    def leader_info(self):
        status, body = self.call("GET", "/v1/sys/leader")
        if status != 200:
            raise AssertionError(f"sys/leader: {status} {body}")
        return body

    def join(self, leader):
        status, body = self.call("POST", "/v1/sys/storage/raft/join",
                                 json={"leader_api_addr": leader.addr})
        if status != 200 or body != {"joined": True}:
            raise AssertionError(f"sys/storage/raft/join: {status} {body}")

    def wait_for(self, predicate, timeout=15, what="condition"):
        """Polls predicate() until truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)


class MiniVaultCluster:
    """N minivault processes formed into one raft cluster the way an
    operator does it: init and unseal the first node, then join each other
    node to it and unseal it with the same keys."""

    def __init__(self, n=3, extra_args=(), prefix="node"):
        self.nodes = [MiniVault(node_id=f"{prefix}{i + 1}",
                                extra_args=extra_args) for i in range(n)]
        self.keys = None
        self.root = None
        self.threshold = None

    def form(self, shares=5, threshold=3, kv_mount="secret"):
        first = self.nodes[0]
        self.keys, self.root = first.init(shares, threshold)
        self.threshold = threshold
        first.unseal(self.keys[:threshold])
        first.wait_for(lambda: first.health_status() == 200, 30,
                       "the first node to become active")
        for node in self.nodes[1:]:
            self.add(node)
        if kv_mount:
            first.enable_kv(self.root, kv_mount)
        return self

    def add(self, node, leader=None):
        node.join(leader or self.active())
        node.unseal(self.keys[:self.threshold])
        node.wait_for(lambda: node.health_status() == 429, 60,
                      f"{node.node_id} to become an unsealed standby")

    def active(self, timeout=30, among=None):
        """The node answering sys/health with 200 (waits for one)."""
        nodes = among or [n for n in self.nodes if n.alive()]
        deadline = time.monotonic() + timeout
        while True:
            for node in nodes:
                if node.alive() and node.health_status() == 200:
                    return node
            if time.monotonic() > deadline:
                raise AssertionError("no active node within "
                                     f"{timeout}s")
            time.sleep(0.05)

    def standbys(self):
        active = self.active()
        return [n for n in self.nodes if n is not active and n.alive()]

    def close(self):
        for node in self.nodes:
            node.close()

    def logs(self):
        return "\n".join(n.log() for n in self.nodes)


def raw_exchange(port, head, body_chunks, read_timeout=30, max_seconds=60,
                 max_bytes=None):
    """Sends a hand-built request: `head` (the request line and headers,
    without the blank line) then each bytes object of the iterable
    `body_chunks`, stopping early when the server answers, closes the
    connection, max_seconds pass ("timeout") or max_bytes of body are sent
    ("limit"). Returns (response bytes, body bytes
    sent, why sending stopped early or None)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    sent, reply, stopped = 0, b"", None
    deadline = time.monotonic() + max_seconds
    try:
        sock.sendall(head.encode() + b"\r\n\r\n")
        sock.setblocking(False)
        for chunk in body_chunks:
            view = memoryview(chunk)
            while view and stopped is None:
                if time.monotonic() > deadline:
                    stopped = "timeout"
                    break
                if max_bytes is not None and sent >= max_bytes:
                    stopped = "limit"
                    break
                readable, writable, _ = select.select([sock], [sock], [], 1)
                if readable:
                    try:
                        got = sock.recv(65536)
                    except OSError as e:
                        stopped = repr(e)
                        break
                    reply += got
                    stopped = "answered" if got else "closed"
                    break
                if writable:
                    try:
                        n = sock.send(view)
                    except BlockingIOError:
                        continue
                    except OSError as e:
                        stopped = repr(e)
                        break
                    view = view[n:]
                    sent += n
            if stopped is not None:
                break
        sock.setblocking(True)
        sock.settimeout(read_timeout)
        while not _complete(reply):
            try:
                got = sock.recv(65536)
            except OSError:
                break
            if not got:
                break
            reply += got
    finally:
        sock.close()
    return reply, sent, stopped


def _complete(reply):
    if b"\r\n\r\n" not in reply:
        return False
    head, _, body = reply.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
        if line.lower().startswith(b"transfer-encoding:"):
            return body.endswith(b"0\r\n\r\n")
    return False


def status_of(reply):
    """The status code of a raw HTTP reply, or None."""
    if not reply.startswith(b"HTTP/1."):
        return None
    return int(reply.split(b" ", 2)[1])


def make_self_signed_cert(directory):
    """A self-signed certificate for 127.0.0.1 (openssl); returns the
    (cert, key) PEM paths."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    r = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj",
         "/CN=127.0.0.1", "-addext",
         "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode())
    return cert, key


class MiniVaultTestCase(unittest.TestCase):
    """Prints the stderr of every server a test started when the test
    fails, and closes servers registered with self.server()."""

    def server(self, **kwargs):
        mv = MiniVault(**kwargs)
        self.addCleanup(mv.close)
        return mv

    def run(self, result=None):
        before = len(MiniVault._all)
        bad_before = (len(result.failures) + len(result.errors)
                      if result is not None else 0)
        out = super().run(result)
        if result is not None and \
                len(result.failures) + len(result.errors) > bad_before:
            shared = [v for v in vars(type(self)).values()
                      if isinstance(v, MiniVault)]
            for mv in shared + MiniVault._all[before:]:
                print(mv.log())
        return out
