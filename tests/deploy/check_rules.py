#!/usr/bin/python3
"""Checks deploy/prometheus with promtool and against the agent's metrics.

- `promtool check rules` on vaultkeep-rules.yml, `promtool test rules` on
  vaultkeep-rules_test.yml and `promtool check config` on prometheus.yml
  must all succeed.
- Every vaultkeep_* name in the rules and in the tests' input series is one
  the agent exports (METRICS below, to be kept in step with the agent), so
  that renaming a metric breaks this test instead of silencing an alert.
- Every alert in the rules is expected to fire somewhere in the tests.

Usage: check_rules.py [--root REPO_ROOT] [--promtool PATH]. Exit 0 when
everything holds, 1 with the problems (and promtool's output) otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

# The series `vaultkeep agent` exports.
METRICS = {
    "vaultkeep_agent_info",
    "vaultkeep_agent_start_time_seconds",
    "vaultkeep_backup_last_success_timestamp_seconds",
    "vaultkeep_backup_last_attempt_timestamp_seconds",
    "vaultkeep_backup_next_run_timestamp_seconds",
    "vaultkeep_backup_interval_seconds",
    "vaultkeep_backup_last_duration_seconds",
    "vaultkeep_backup_failing",
    "vaultkeep_backup_running",
    "vaultkeep_backup_success_total",
    "vaultkeep_backup_failure_total",
    "vaultkeep_backup_skipped_total",
    "vaultkeep_backup_snapshot_bytes",
    "vaultkeep_backup_added_bytes",
    "vaultkeep_vault_raft_index",
    "vaultkeep_repository_snapshots",
    "vaultkeep_repository_stored_bytes",
    "vaultkeep_retention_last_success_timestamp_seconds",
    "vaultkeep_retention_failure_total",
    "vaultkeep_retention_skipped_total",
    "vaultkeep_prune_last_success_timestamp_seconds",
    "vaultkeep_prune_failure_total",
    "vaultkeep_config_last_reload_successful",
    "vaultkeep_config_reload_failure_total",
}

NAME = re.compile(r"\bvaultkeep_[a-z_]+")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)),
                    help="the vaultkeep source tree")
    ap.add_argument("--promtool",
                    default=shutil.which("promtool") or "/usr/bin/promtool")
    args = ap.parse_args()
    d = os.path.join(os.path.abspath(args.root), "deploy", "prometheus")
    rules = os.path.join(d, "vaultkeep-rules.yml")
    tests = os.path.join(d, "vaultkeep-rules_test.yml")
    config = os.path.join(d, "prometheus.yml")
    problems = []

    if not os.access(args.promtool, os.X_OK):
        print(f"check_rules: FAIL: no promtool at {args.promtool} "
              f"(Debian package prometheus)", file=sys.stderr)
        return 1
    for cmd in (["check", "rules", rules], ["test", "rules", tests],
                ["check", "config", config]):
        # Run from deploy/prometheus, whatever the caller's directory.
        r = subprocess.run([args.promtool] + cmd, cwd=d, capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            problems.append(f"`promtool {' '.join(cmd[:2])} "
                            f"{os.path.basename(cmd[2])}` exited "
                            f"{r.returncode}:\n{r.stdout}{r.stderr}")

    with open(rules, encoding="utf-8") as fh:
        rules_text = fh.read()
    with open(tests, encoding="utf-8") as fh:
        tests_text = fh.read()
    for path, text in ((rules, rules_text), (tests, tests_text)):
        for n, line in enumerate(text.splitlines(), 1):
            for name in NAME.findall(line):
                if name not in METRICS:
                    problems.append(f"{os.path.basename(path)}:{n}: "
                                    f"{name} is not a metric the agent "
                                    f"exports")
    if not NAME.search(rules_text):
        problems.append("vaultkeep-rules.yml uses no vaultkeep_ metric")

    alerts = re.findall(r"(?m)^\s*-\s*alert:\s*(\S+)\s*$", rules_text)
    if not alerts:
        problems.append("vaultkeep-rules.yml: no alerts found")
    fired = set()
    # A test case whose exp_alerts is not empty: the alert fires there.
    for m in re.finditer(r"(?m)^\s*alertname:\s*(\S+)\s*\n\s*exp_alerts:"
                         r"[ \t]*\n\s*-\s*exp_labels:", tests_text):
        fired.add(m.group(1))
    for a in alerts:
        if a not in fired:
            problems.append(f"alert {a} never fires in "
                            f"vaultkeep-rules_test.yml")

    if problems:
        for p in problems:
            print(f"check_rules: FAIL: {p}", file=sys.stderr)
        return 1
    print(f"check_rules: ok ({len(alerts)} alerts, promtool check and test "
          f"passed, metric names known)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
