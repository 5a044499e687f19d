"""Debian's real Prometheus scrapes the agent (issue 17): the metrics can
be queried, and the alert rules of deploy/prometheus fire and resolve in
Prometheus itself when the cluster goes away and comes back, and when the
agent goes down. The rules are loaded from a copy whose `for:` durations
are cut to 1s, so that the test does not wait minutes; the expressions are
the shipped ones."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from agent import Agent, Prometheus, wait_for  # noqa: E402
from live import LiveTestCase  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from agent_test import config  # noqa: E402

RULES = os.path.join(os.path.dirname(__file__), "..", "..", "deploy",
                     "prometheus", "vaultkeep-rules.yml")


class PrometheusTest(LiveTestCase):
    def test_alerts_fire_and_resolve(self):
        c = self.cluster()
        a = Agent(self.tmp, config(c, self.tmp, [
            {"name": "local", "repo": self.repo, "password_file": self.pwfile}],
            schedule='"@every 2s"'))
        self.addCleanup(a.stop)
        a.start()
        with open(RULES) as f:
            rules = re.sub(r"(?m)^(\s*)for: \S+$", r"\1for: 1s", f.read())
        rules_copy = os.path.join(self.tmp, "rules.yml")
        with open(rules_copy, "w") as f:
            f.write(rules)
        p = Prometheus(self.tmp, [a.addr], [rules_copy])
        self.addCleanup(p.close)

        def value(expr):
            r = p.query(expr)
            return float(r[0]["value"][1]) if r else None

        sel = '{target="prod",repository="local"}'
        wait_for(lambda: (value(f"vaultkeep_backup_success_total{sel}") or 0) >= 2,
                 90, "successes in Prometheus\n" + a.logs())
        self.assertGreater(value(f"vaultkeep_backup_last_success_timestamp_seconds{sel}"), 0)
        self.assertEqual(value(f"vaultkeep_backup_interval_seconds{sel}"), 2)
        self.assertEqual(value('up{job="vaultkeep-agent"}'), 1)
        self.assertNotIn("VaultkeepBackupFailing", p.alerts())

        # The whole cluster goes away: failures (unreachable) and the alerts.
        for n in c.nodes:
            n.stop()
        wait_for(lambda: (value('vaultkeep_backup_failure_total{target="prod",'
                                'repository="local",reason="unreachable"}') or 0) >= 2,
                 60, "unreachable failures\n" + a.logs())
        wait_for(lambda: {"VaultkeepBackupFailing", "VaultkeepBackupStale"}
                 <= p.alerts(), 90, "the failing and stale alerts to fire")

        # It comes back on its ports (restarted nodes are sealed: unseal
        # them): resolved.
        for n in c.nodes:
            n.start(same_ports=True)
        for n in c.nodes:
            n.unseal(c.keys[:3])
        c.active(timeout=60)
        wait_for(lambda: not ({"VaultkeepBackupFailing", "VaultkeepBackupStale"}
                              & p.alerts()), 120,
                 "the alerts to resolve\n" + a.logs())
        self.assertEqual(value(f"vaultkeep_backup_failing{sel}"), 0)

        # The agent itself goes down.
        self.assertEqual(a.stop(), 0)
        wait_for(lambda: "VaultkeepAgentDown" in p.alerts(), 60,
                 "the agent-down alert")


if __name__ == "__main__":
    unittest.main()
