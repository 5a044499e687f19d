"""The vaultkeep agent and a Prometheus server as processes on loopback,
for tests/agent/. Secrets stay in 0600 files named by the config."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import vk_util


def wait_for(predicate, timeout=60, what="condition", interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def parse_metrics(text):
    """{(name, frozenset(labels)): value} from the text exposition format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            continue
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Agent:
    """`vaultkeep agent --config FILE` on a free port."""

    def __init__(self, directory, config_text):
        self.dir = directory
        self.config = os.path.join(directory, "agent.yaml")
        self.write_config(config_text)
        self.proc = None
        self.url = None

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self):
        addr_file = os.path.join(self.dir, "addr")
        if os.path.exists(addr_file):
            os.remove(addr_file)
        self.log_path = os.path.join(self.dir, "agent.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(vk_util.BIN, "vaultkeep"), "-v", "agent", "--config",
             self.config, "--listen", "127.0.0.1:0", "--address-file", addr_file],
            stdout=self.log, stderr=self.log, env=vk_util.clean_env())
        wait_for(lambda: os.path.exists(addr_file) or self.proc.poll() is not None,
                 30, "the agent to listen")
        if self.proc.poll() is not None:
            raise AssertionError("the agent exited:\n" + self.logs())
        with open(addr_file) as f:
            self.addr = f.read().strip()
        self.url = "http://" + self.addr
        return self

    def logs(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-6000:]

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(self, path):
        req = urllib.request.Request(self.url + path, method="POST", data=b"")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def status(self):
        return json.loads(self.get("/status")[1])

    def job(self, repo, target="prod"):
        for t in self.status()["targets"]:
            if t["name"] == target:
                for r in t["repositories"]:
                    if r["name"] == repo:
                        return r
        return None

    def metrics(self):
        return parse_metrics(self.get("/metrics")[1])

    def metric(self, name, **labels):
        return self.metrics().get((name, frozenset(labels.items())))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None


class Prometheus:
    """Debian's prometheus, scraping `targets` every second and evaluating
    `rule_files` every second."""

    def __init__(self, directory, targets, rule_files=()):
        self.dir = directory
        self.port = free_port()
        cfg = os.path.join(directory, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n")
            if rule_files:
                f.write("rule_files: [" + ", ".join(rule_files) + "]\n")
            f.write("scrape_configs:\n  - job_name: vaultkeep-agent\n"
                    "    static_configs: [{targets: [" +
                    ", ".join(targets) + "]}]\n")
        self.log = open(os.path.join(directory, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/prometheus", f"--config.file={cfg}",
             f"--storage.tsdb.path={directory}/tsdb",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(self.ready, 60, "prometheus to be ready")

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + "/-/ready", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def api(self, path):
        with urllib.request.urlopen(self.url + "/api/v1/" + path, timeout=30) as r:
            body = json.loads(r.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr):
        return self.api("query?query=" + urllib.request.quote(expr))["result"]

    def alerts(self, state="firing"):
        return {a["labels"]["alertname"] for a in self.api("alerts")["alerts"]
                if a["state"] == state}

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
