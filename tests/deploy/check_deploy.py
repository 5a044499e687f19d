#!/usr/bin/python3
"""Static checks of deploy/ (no Kubernetes cluster or Vault server needed).

- Every .yaml under deploy/kubernetes parses (with PyYAML when it is
  importable; otherwise a structural check only: documents, indentation,
  apiVersion/kind/metadata.name), also with its commented-out argument
  variants (`# - --dry-run`) switched on.
- The vaultkeep arguments in the CronJobs, the Job and the systemd service
  use only the flags deploy/ is allowed to rely on, with values where a
  flag takes one; when $VK_BIN/vaultkeep exists, those flags must also
  appear in its --help.
- No password or token is given as an environment variable value.
- Both Vault policies grant exactly the expected capabilities.

Usage: check_deploy.py [--root REPO_ROOT]. Exit 0 when everything holds,
1 with one line per problem otherwise.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml  # PyYAML, optional
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None

REPO = {"--repo", "--password-file"}
CONNECTION = {"--appbinding", "--appbinding-file", "--vaultserver",
              "--vaultserver-file", "--vault-addr", "--token-file",
              "--ca-cert", "--key-dir", "--key-secret", "--key-prefix"}
ALLOWED = {
    "backup": REPO | CONNECTION | {"--allow-missing-root-token", "--tag"},
    "restore": REPO | CONNECTION | {"--force", "--dry-run"},
    "forget": REPO | {"--keep-daily", "--keep-weekly", "--prune"},
}
BOOLEAN = {"--allow-missing-root-token", "--force", "--dry-run", "--prune"}
MAX_POSITIONAL = {"backup": 0, "restore": 1, "forget": 0, "unseal": 1}

SNAP = "sys/storage/raft/snapshot"
POLICIES = {
    "vaultkeep-backup.hcl": {
        SNAP: {"read"},
        "sys/storage/raft/configuration": {"read"},
        "sys/capabilities-self": {"update"},
    },
    "vaultkeep-restore.hcl": {
        SNAP: {"update"},
        SNAP + "-force": {"update"},
        "sys/storage/raft/configuration": {"read"},
        "sys/capabilities-self": {"update"},
    },
}


class Checker:
    def __init__(self, root):
        self.root = root
        self.problems = []
        self.notes = []
        self.flags_used = {}  # subcommand -> set of flags

    def fail(self, where, message):
        self.problems.append(f"{os.path.relpath(where, self.root)}: {message}")

    # --- vaultkeep argument lists --------------------------------------

    def check_args(self, where, args):
        if not args:
            self.fail(where, "empty vaultkeep argument list")
            return
        sub = args[0]
        if sub not in ALLOWED:
            self.fail(where, f"unexpected vaultkeep subcommand {sub!r}")
            return
        used = self.flags_used.setdefault(sub, set())
        positional = 0
        seen = set()
        i = 1
        while i < len(args):
            a = str(args[i])
            i += 1
            if not a.startswith("-"):
                positional += 1
                continue
            name, eq, _ = a.partition("=")
            if name not in ALLOWED[sub]:
                self.fail(where, f"{sub}: flag {name} is not one deploy/ "
                                 f"may use (allowed: "
                                 f"{' '.join(sorted(ALLOWED[sub]))})")
                continue
            used.add(name)
            seen.add(name)
            if name in BOOLEAN:
                if eq:
                    self.fail(where, f"{sub}: {name} takes no value")
            elif not eq:
                if i >= len(args) or str(args[i]).startswith("-"):
                    self.fail(where, f"{sub}: {name} needs a value")
                else:
                    i += 1
        if positional > MAX_POSITIONAL[sub]:
            self.fail(where, f"{sub}: {positional} positional arguments, "
                             f"at most {MAX_POSITIONAL[sub]}")
        for need in ("--repo", "--password-file"):
            if need not in seen:
                self.fail(where, f"{sub}: missing {need}")

    def check_help(self):
        """Flags used must exist in the real CLI, when it is built."""
        binary = os.path.join(os.environ.get("VK_BIN", ""), "vaultkeep")
        if not os.environ.get("VK_BIN") or not os.access(binary, os.X_OK):
            self.notes.append("VK_BIN/vaultkeep not found: flags checked "
                              "against the built-in list only")
            return
        for sub, flags in sorted(self.flags_used.items()):
            r = subprocess.run([binary, sub, "--help"], capture_output=True,
                               text=True, timeout=30)
            text = r.stdout + r.stderr
            for f in sorted(flags):
                if not re.search(r"(^|[\s,])" + re.escape(f) + r"\b", text):
                    self.fail(binary, f"`vaultkeep {sub} --help` does not "
                                      f"list {f}")

    # --- Kubernetes manifests -------------------------------------------

    def check_yaml_file(self, path):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        variants = [("", text)]
        # Documented variants: commented-out list items holding a flag.
        switched = re.sub(r"(?m)^(\s*)# (- --[A-Za-z0-9-]+(=\S*)?)\s*$",
                          r"\1\2", text)
        if switched != text:
            variants.append((" (with its commented-out flags)", switched))
        for label, body in variants:
            if yaml is not None:
                self.check_yaml_parsed(path, label, body)
            else:
                self.check_yaml_structure(path, label, body)
        for m in re.finditer(r"(?m)^\s*-?\s*name:\s*[\"']?(\S*(PASSWORD|TOKEN)"
                             r"\S*?)[\"']?\s*\n\s*value:", text, re.I):
            self.fail(path, f"environment variable {m.group(1)} has a "
                            f"literal value: mount a Secret as a file")

    def check_yaml_parsed(self, path, label, body):
        try:
            docs = [d for d in yaml.safe_load_all(body) if d is not None]
        except yaml.YAMLError as e:
            self.fail(path, f"YAML does not parse{label}: {e}")
            return
        if not docs:
            self.fail(path, "no YAML documents")
        for d in docs:
            if not isinstance(d, dict):
                self.fail(path, f"a document is not a mapping{label}")
                continue
            meta = d.get("metadata") or {}
            if not d.get("apiVersion") or not d.get("kind") or \
                    not isinstance(meta, dict) or not meta.get("name"):
                self.fail(path, f"a document lacks apiVersion, kind or "
                                f"metadata.name{label}")
                continue
            self.check_object(path, label, d)

    def check_object(self, path, label, d):
        kind, name = d["kind"], d["metadata"]["name"]
        where = f"{kind} {name}{label}"
        spec = d.get("spec") or {}
        if kind in ("CronJob", "Job"):
            job = spec.get("jobTemplate", {}).get("spec", {}) \
                if kind == "CronJob" else spec
            if kind == "CronJob" and spec.get("concurrencyPolicy") != "Forbid":
                self.fail(path, f"{where}: concurrencyPolicy is not Forbid")
            if "backoffLimit" not in job:
                self.fail(path, f"{where}: no backoffLimit")
            pod = job.get("template", {}).get("spec", {})
            if not pod.get("securityContext", {}).get("runAsNonRoot"):
                self.fail(path, f"{where}: pod does not set runAsNonRoot")
            containers = pod.get("containers") or []
            if not containers:
                self.fail(path, f"{where}: no containers")
            for c in containers:
                sc = c.get("securityContext", {})
                if sc.get("readOnlyRootFilesystem") is not True or \
                        sc.get("allowPrivilegeEscalation") is not False:
                    self.fail(path, f"{where}: container {c.get('name')} "
                                    f"needs readOnlyRootFilesystem: true and "
                                    f"allowPrivilegeEscalation: false")
                if "requests" not in c.get("resources", {}):
                    self.fail(path, f"{where}: no resource requests")
                args = [str(a) for a in c.get("args") or []]
                self.check_args(path + f" [{where}]", args)
                if args[:1] == ["backup"] and \
                        "--appbinding=demo/vault" not in args:
                    self.fail(path, f"{where}: backup without "
                                    f"--appbinding=demo/vault")
        if kind == "Role":
            for rule in d.get("rules") or []:
                if "secrets" not in rule.get("resources", []):
                    continue
                verbs = set(rule.get("verbs", []))
                if not rule.get("resourceNames"):
                    self.fail(path, f"{where}: Secret rule without "
                                    f"resourceNames")
                if verbs - {"get", "patch", "update"}:
                    self.fail(path, f"{where}: Secret verbs "
                                    f"{sorted(verbs)} go beyond "
                                    f"get/patch/update")
                if "backup" in name and verbs != {"get"}:
                    self.fail(path, f"{where}: the backup Role may only "
                                    f"get Secrets")

    def check_yaml_structure(self, path, label, body):
        """Without PyYAML: documents, indentation and the three required
        fields. Not a YAML parser; it only catches gross breakage."""
        docs = re.split(r"(?m)^---\s*$", body)
        found = 0
        for n, doc in enumerate(docs, 1):
            lines = []
            for raw in doc.splitlines():
                if "\t" in raw[:len(raw) - len(raw.lstrip())]:
                    self.fail(path, f"document {n}{label}: tab in "
                                    f"indentation: {raw.strip()}")
                line = strip_comment(raw).rstrip()
                if line.strip():
                    lines.append(line)
            if not lines:
                continue
            found += 1
            prev_indent, opens, item_child = 0, True, -1
            for line in lines:
                indent = len(line) - len(line.lstrip(" "))
                content = line.strip()
                if indent % 2:
                    self.fail(path, f"document {n}{label}: odd indentation: "
                                    f"{content}")
                if indent > prev_indent and not opens and \
                        indent != item_child:
                    self.fail(path, f"document {n}{label}: unexpected "
                                    f"indentation: {content}")
                if not re.match(r"^(- )?(\"[^\"]*\"|'[^']*'|[\w.\-/]+):(\s|$)",
                                content) and not content.startswith("- "):
                    self.fail(path, f"document {n}{label}: not a key or a "
                                    f"list item: {content}")
                if content.count("[") != content.count("]") or \
                        content.count("{") != content.count("}"):
                    self.fail(path, f"document {n}{label}: unbalanced "
                                    f"brackets: {content}")
                opens = content.endswith(":")
                item_child = indent + 2 if content.startswith("- ") else -1
                prev_indent = indent
            top = {ln.split(":")[0] for ln in lines if not ln.startswith(" ")}
            for key in ("apiVersion", "kind", "metadata"):
                if key not in top:
                    self.fail(path, f"document {n}{label}: no {key}")
            if not re.search(r"(?m)^metadata:\s*\n(  \S.*\n)*  name:\s*\S",
                             "\n".join(lines) + "\n"):
                self.fail(path, f"document {n}{label}: no metadata.name")
            for args in args_blocks(lines):
                self.check_args(path, args)
        if not found:
            self.fail(path, "no YAML documents")

    # --- systemd -------------------------------------------------------------

    def check_systemd(self, path):
        with open(path, encoding="utf-8") as fh:
            text = fh.read().replace("\\\n", " ")
        found = False
        for m in re.finditer(r"(?m)^ExecStart=(.*)$", text):
            argv = shlex.split(m.group(1))
            if argv and os.path.basename(argv[0]) == "vaultkeep":
                found = True
                self.check_args(path, argv[1:])
        if not found:
            self.fail(path, "no ExecStart= running vaultkeep")
        for key in ("LoadCredential=", "NoNewPrivileges=yes",
                    "ProtectSystem=strict", "PrivateTmp=yes"):
            if key not in text:
                self.fail(path, f"missing {key}")

    # --- Vault policies ------------------------------------------------------

    def check_policy(self, path, expected):
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        body = "\n".join(strip_comment(ln) for ln in lines)
        stanza = re.compile(r'path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*'
                            r'\[([^\]]*)\]\s*\}', re.S)
        got = {}
        for m in stanza.finditer(body):
            if m.group(1) in got:
                self.fail(path, f"path {m.group(1)} appears twice")
            got[m.group(1)] = set(re.findall(r'"([^"]*)"', m.group(2)))
        rest = stanza.sub("", body).strip()
        if rest:
            self.fail(path, f"text outside the simple path stanzas: "
                            f"{rest.splitlines()[0]!r}")
        for p, caps in expected.items():
            if p not in got:
                self.fail(path, f"no stanza for {p}")
            elif got[p] != caps:
                self.fail(path, f"{p}: capabilities {sorted(got[p])}, "
                                f"expected {sorted(caps)}")
        for p in sorted(set(got) - set(expected)):
            self.fail(path, f"unexpected path {p}")


def strip_comment(line):
    """Drops a `#` (or `//`) comment that is not inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" or line.startswith("//", i):
            if i == 0 or line[i - 1] in " \t":
                return line[:i]
    return line


def args_blocks(lines):
    """The `args:` lists of a manifest, from its (comment-free) lines."""
    out = []
    for i, line in enumerate(lines):
        if line.strip() != "args:":
            continue
        base = len(line) - len(line.lstrip())
        items = []
        for nxt in lines[i + 1:]:
            indent = len(nxt) - len(nxt.lstrip())
            s = nxt.strip()
            if indent < base or (indent == base and not s.startswith("- ")):
                break
            if s.startswith("- ") and indent <= base + 2:
                items.append(s[2:].strip().strip("\"'"))
        out.append(items)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)),
                    help="the vaultkeep source tree")
    root = os.path.abspath(ap.parse_args().root)
    c = Checker(root)

    kube = os.path.join(root, "deploy", "kubernetes")
    yamls = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(kube)
                   for f in fs if f.endswith((".yaml", ".yml")))
    if not yamls:
        c.fail(kube, "no .yaml files")
    if yaml is None:
        c.notes.append("PyYAML not importable: YAML checked for structure "
                       "only, not fully parsed")
    for y in yamls:
        c.check_yaml_file(y)
    if "backup" not in c.flags_used or "forget" not in c.flags_used:
        c.fail(kube, "expected a backup and a forget CronJob")

    c.check_systemd(os.path.join(root, "deploy", "systemd",
                                 "vaultkeep-backup.service"))
    for name, expected in POLICIES.items():
        c.check_policy(os.path.join(root, "deploy", "vault-policies", name),
                       expected)
    c.check_help()

    for n in c.notes:
        print(f"check_deploy: note: {n}")
    if c.problems:
        for p in c.problems:
            print(f"check_deploy: FAIL: {p}", file=sys.stderr)
        return 1
    print(f"check_deploy: ok ({len(yamls)} manifests, 2 policies, "
          f"1 systemd unit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
