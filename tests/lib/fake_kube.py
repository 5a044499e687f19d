"""A small stand-in for the Kubernetes API server, for end-to-end tests of
vaultkeep's Kubernetes client (no real cluster can run here). It answers
the way the API does for what vaultkeep uses: GET of stored objects
(AppBindings, VaultServers), Secrets with base64 data, JSON merge patches
of Secrets, creation of Secrets (409 if one exists), bearer-token
authentication (401), and RBAC refusals as `Status` objects (403) for
chosen verbs and paths. Standard library only."""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _status(code, reason, message):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                  "status": "Failure", "message": message, "reason": reason,
                  "code": code}


class FakeKube:
    def __init__(self, token="test-token"):
        self.token = token
        self.objects = {}          # GET path -> object
        self.denied = []           # (verb, path prefix)
        self.requests = []         # (method, path)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def _answer(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                path = self.path.split("?", 1)[0]
                with fake.lock:
                    fake.requests.append((method, path))
                    code, obj = fake._dispatch(
                        method, path, body,
                        self.headers.get("Authorization", ""),
                        self.headers.get("Content-Type", ""))
                self._answer(code, obj)

            def do_GET(self):
                self._handle("GET")

            def do_PATCH(self):
                self._handle("PATCH")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    # --- test setup ------------------------------------------------------

    def put_object(self, api_path, obj):
        with self.lock:
            self.objects[api_path] = json.loads(json.dumps(obj))

    def set_secret(self, ns, name, data):
        enc = {k: base64.b64encode(v.encode()).decode()
               for k, v in data.items()}
        self.put_object(f"/api/v1/namespaces/{ns}/secrets/{name}",
                        {"apiVersion": "v1", "kind": "Secret",
                         "metadata": {"name": name, "namespace": ns},
                         "type": "Opaque", "data": enc})

    def secret(self, ns, name):
        with self.lock:
            obj = self.objects.get(f"/api/v1/namespaces/{ns}/secrets/{name}")
        if obj is None:
            return None
        return {k: base64.b64decode(v).decode()
                for k, v in (obj.get("data") or {}).items()}

    def deny(self, verb, api_path_prefix):
        with self.lock:
            self.denied.append((verb, api_path_prefix))

    def write_kubeconfig(self, path, namespace="default"):
        text = (
            "apiVersion: v1\nkind: Config\n"
            "clusters:\n- name: fake\n  cluster:\n"
            f"    server: {self.url}\n"
            "users:\n- name: tester\n  user:\n"
            f"    token: {self.token}\n"
            "contexts:\n- name: fake\n  context:\n"
            f"    cluster: fake\n    user: tester\n    namespace: {namespace}\n"
            "current-context: fake\n")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # --- the API -----------------------------------------------------------

    def _dispatch(self, method, path, body, auth, content_type):
        if auth != f"Bearer {self.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        verb = {"GET": "get", "PATCH": "patch", "POST": "create",
                "PUT": "update"}[method]
        parts = path.strip("/").split("/")
        resource = parts[-2] if len(parts) >= 2 else ""
        name = parts[-1] if parts else ""
        for v, prefix in self.denied:
            if v == verb and path.startswith(prefix):
                return _status(
                    403, "Forbidden",
                    f'{resource} "{name}" is forbidden: User '
                    f'"system:serviceaccount:demo:vaultkeep" cannot {verb} '
                    f'resource "{resource}" in API group "" in the namespace '
                    f'"{parts[3] if len(parts) > 3 else ""}"')
        if method == "GET":
            obj = self.objects.get(path)
            if obj is None:
                return _status(404, "NotFound",
                               f'{resource} "{name}" not found')
            return 200, obj
        if method == "PATCH":
            if content_type != "application/merge-patch+json":
                return _status(415, "UnsupportedMediaType",
                               "the body of the request was in an unknown "
                               "format - accepted media types include: "
                               "application/merge-patch+json")
            obj = self.objects.get(path)
            if obj is None:
                return _status(404, "NotFound",
                               f'{resource} "{name}" not found')
            patch = json.loads(body)
            for k, v in (patch.get("data") or {}).items():
                obj.setdefault("data", {})
                if v is None:
                    obj["data"].pop(k, None)
                else:
                    base64.b64decode(v, validate=True)
                    obj["data"][k] = v
            return 200, obj
        if method == "POST" and parts[-1] == "secrets":
            obj = json.loads(body)
            ns = parts[3]
            sname = obj["metadata"]["name"]
            target = f"/api/v1/namespaces/{ns}/secrets/{sname}"
            if target in self.objects:
                return _status(409, "AlreadyExists",
                               f'secrets "{sname}" already exists')
            self.objects[target] = obj
            return 201, obj
        return _status(405, "MethodNotAllowed", "method not allowed")
