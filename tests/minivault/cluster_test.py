"""minivault as a raft cluster of real processes on loopback: forming it
with sys/storage/raft/join, replication, Vault's standby behaviour (429
health, sys/leader, forwarding, 307 on the snapshot paths, JSON limits on
a standby and on a join answer), kill -9 of the leader under a stream of
writes, restart and catch-up, catch-up of a lagging follower by copying
the leader's state, membership changes, and a force restore of one
cluster's snapshot into another cluster with other keys (reference §1,
§4, §5)."""

import http.server
import io
import json
import os
import tarfile
import sys
import threading
import time
import unittest
import urllib.error

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from minivault import (MiniVault, MiniVaultCluster,  # noqa: E402
                       MiniVaultTestCase, require_minivault)

SNAPSHOT = "/v1/sys/storage/raft/snapshot"
SNAPSHOT_FORCE = "/v1/sys/storage/raft/snapshot-force"
TOO_DEEP = "JSON input exceeds allowed nesting depth"


def setUpModule():
    require_minivault()


class ClusterTestCase(MiniVaultTestCase):
    def cluster(self, n=3, **kw):
        c = MiniVaultCluster(n, **kw)
        self.addCleanup(c.close)
        return c


class FormationTest(ClusterTestCase):
    def test_standby_semantics_and_replication(self):
        c = self.cluster(3).form()
        active = c.active()
        standbys = c.standbys()
        self.assertEqual(len(standbys), 2)

        # sys/health: 200 active, 429 standby (200 with standbyok).
        for s in standbys:
            status, _, _ = s.request("GET", "/v1/sys/health")
            self.assertEqual(status, 429)
            _, body = s.call("GET", "/v1/sys/health?standbyok=true")
            self.assertTrue(body["standby"])
            self.assertFalse(body["sealed"])
            status, _ = s.call("GET", "/v1/sys/health?standbyok=true")
            self.assertEqual(status, 200)

        # sys/leader everywhere names the active node.
        for node in c.nodes:
            info = node.leader_info()
            self.assertEqual(info["is_self"], node is active, node.node_id)
            self.assertEqual(info["leader_address"], active.addr)
            self.assertEqual(info["leader_cluster_address"],
                             f"https://127.0.0.1:{active.cluster_port}")
            self.assertGreater(info["raft_committed_index"], 0)

        # Writes through a standby are forwarded; reads anywhere see them.
        for i in range(20):
            standbys[i % 2].put_secret(c.root, f"app/s{i}", {"i": str(i)})
        for node in c.nodes:
            self.assertEqual(node.get_secret(c.root, "app/s7"), {"i": "7"})
        # ...and every node holds them itself: applied indexes converge.
        leader_index = active.leader_info()["raft_committed_index"]
        for s in standbys:
            s.wait_for(lambda: s.leader_info()["raft_applied_index"] >=
                       leader_index, 15, "the standby to apply the writes")

        # The configuration lists three voters, one leader.
        status, body = standbys[0].call(
            "GET", "/v1/sys/storage/raft/configuration", token=c.root)
        self.assertEqual(status, 200, body)
        servers = body["data"]["config"]["servers"]
        self.assertEqual(sorted(s["node_id"] for s in servers),
                         ["node1", "node2", "node3"])
        self.assertTrue(all(s["voter"] for s in servers))
        self.assertEqual([s["node_id"] for s in servers if s["leader"]],
                         [active.node_id])
        for s in servers:
            node = next(n for n in c.nodes if n.node_id == s["node_id"])
            self.assertEqual(s["address"], f"127.0.0.1:{node.cluster_port}")

        # Snapshot paths on a standby: 307 to the active node, not served.
        status, headers, body = standbys[0].request("GET", SNAPSHOT,
                                                    token=c.root)
        self.assertEqual(status, 307)
        self.assertEqual(headers["Location"], active.addr + SNAPSHOT)
        status, headers, _ = standbys[1].request("POST", SNAPSHOT_FORCE,
                                                 token=c.root, data=b"x")
        self.assertEqual(status, 307)
        self.assertEqual(headers["Location"], active.addr + SNAPSHOT_FORCE)
        archive = active.snapshot(c.root)
        # meta.json carries the applied index and term and the live raft
        # configuration: all three servers, addresses as configured.
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tf:
            meta = json.load(tf.extractfile("meta.json"))
        self.assertEqual(
            sorted((s["ID"], s["Address"])
                   for s in meta["Configuration"]["Servers"]),
            sorted((n.node_id, f"127.0.0.1:{n.cluster_port}")
                   for n in c.nodes))
        self.assertGreaterEqual(meta["Index"], leader_index)
        self.assertGreater(meta["Term"], 0)

        # No token through a standby: the active node's 403 comes back.
        status, _ = standbys[0].call("GET", "/v1/secret/data/app/s1")
        self.assertEqual(status, 403)

        # A standby holds a body to the JSON limits before it forwards it;
        # capabilities-self is forwarded like any authenticated request.
        deep = b'{"data":' + b"[" * 100000 + b"]" * 100000 + b"}"
        status, body = standbys[0].call(
            "PUT", "/v1/secret/data/deep", token=c.root, data=deep,
            headers={"Content-Type": "application/json"})
        self.assertEqual((status, body), (500, {"errors": [TOO_DEEP]}))
        status, body = standbys[1].call("POST", "/v1/sys/capabilities-self",
                                        token=c.root,
                                        json={"paths": ["secret/data/x"]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["capabilities"], ["root"])
        for node in c.nodes:
            self.assertTrue(node.alive(), node.node_id)

    def test_join_with_a_leader_answering_hostile_json(self):
        # The join challenge comes from whatever leader_api_addr names: an
        # answer nested 100,000 deep is refused, not dumped (recursively).
        deep = (b'{"challenge": "AAAA", "seal_config": ' +
                b'{"a":' * 100000 + b"1" + b"}" * 100000 + b"}")

        class Hostile(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(deep)))
                self.end_headers()
                self.wfile.write(deep)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
        self.addCleanup(server.server_close)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        newcomer = MiniVault(node_id="node8")
        self.addCleanup(newcomer.close)
        status, body = newcomer.call(
            "POST", "/v1/sys/storage/raft/join",
            json={"leader_api_addr":
                  f"http://127.0.0.1:{server.server_address[1]}"})
        self.assertEqual((status, body),
                         (500, {"errors":
                                ["malformed raft challenge from the leader"]}))
        self.assertTrue(newcomer.alive(), "the newcomer died")
        self.assertFalse(newcomer.seal_status()["initialized"])

    def test_join_needs_the_unseal_keys(self):
        c = self.cluster(1).form(shares=3, threshold=2)
        newcomer = MiniVault(node_id="node9")
        self.addCleanup(newcomer.close)
        newcomer.join(c.nodes[0])
        st = newcomer.seal_status()
        self.assertTrue(st["initialized"])
        self.assertTrue(st["sealed"])
        self.assertEqual((st["t"], st["n"]), (2, 3))
        # Another cluster's keys cannot answer the challenge.
        other = MiniVault()
        self.addCleanup(other.close)
        wrong, _ = other.init(3, 2)
        status, body = newcomer.call("PUT", "/v1/sys/unseal",
                                     json={"key": wrong[0]})
        self.assertEqual(status, 200)
        status, body = newcomer.call("PUT", "/v1/sys/unseal",
                                     json={"key": wrong[1]})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["errors"], ["Unseal failed, invalid key"])
        status, body = c.nodes[0].call(
            "GET", "/v1/sys/storage/raft/configuration", token=c.root)
        self.assertEqual(len(body["data"]["config"]["servers"]), 1)
        # The right keys add it.
        newcomer.unseal(c.keys[:2])
        newcomer.wait_for(lambda: newcomer.health_status() == 429, 30,
                          "the newcomer to become a standby")
        self.assertEqual(newcomer.get_secret(c.root, "nothing"), None)
        # Joining an initialized node is refused.
        status, body = newcomer.call("POST", "/v1/sys/storage/raft/join",
                                     json={"leader_api_addr":
                                           c.nodes[0].addr})
        self.assertEqual(status, 400)

    def test_remove_peer(self):
        c = self.cluster(3).form()
        active = c.active()
        victim = c.standbys()[0]
        status, body = active.call("POST", "/v1/sys/storage/raft/remove-peer",
                                   token=c.root,
                                   json={"server_id": victim.node_id})
        self.assertEqual(status, 204, body)
        status, body = active.call("GET",
                                   "/v1/sys/storage/raft/configuration",
                                   token=c.root)
        ids = sorted(s["node_id"] for s in body["data"]["config"]["servers"])
        self.assertNotIn(victim.node_id, ids)
        self.assertEqual(len(ids), 2)
        # Two voters keep working (quorum 2).
        active.put_secret(c.root, "after-remove", {"ok": "yes"})
        status, body = active.call("POST", "/v1/sys/storage/raft/remove-peer",
                                   token=c.root, json={"server_id": "nope"})
        self.assertEqual(status, 400)


class FailoverTest(ClusterTestCase):
    def test_kill_leader_under_writes_then_restart_and_catch_up(self):
        c = self.cluster(3).form()
        acked = {}
        stop = threading.Event()
        errors = []

        def writer():
            i = 0
            while not stop.is_set():
                for node in c.nodes:
                    if not node.alive():
                        continue
                    try:
                        status, body = node.call(
                            "POST", f"/v1/secret/data/w/{i}", token=c.root,
                            json={"data": {"n": str(i)}}, timeout=20)
                    except (OSError, urllib.error.URLError):
                        continue
                    if status == 200:
                        acked[i] = str(i)
                        i += 1
                        break
                else:
                    time.sleep(0.05)

        t = threading.Thread(target=writer)
        t.start()
        try:
            time.sleep(1.5)
            old = c.active()
            before = len(acked)
            self.assertGreater(before, 0)
            killed_at = time.monotonic()
            old.kill()
            new = c.active(timeout=20, among=[n for n in c.nodes
                                              if n is not old])
            failover = time.monotonic() - killed_at
            print(f"new leader {new.node_id} after {failover:.2f}s",
                  file=sys.stderr)
            self.assertLess(failover, 20)
            deadline = time.monotonic() + 20
            while len(acked) < before + 20 and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertGreaterEqual(len(acked), before + 20,
                                    "writes did not resume after failover")
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        new = c.active()
        # No acknowledged write is lost.
        for i, v in acked.items():
            self.assertEqual(new.get_secret(c.root, f"w/{i}"), {"n": v}, i)

        # The old leader restarts from its data directory, is unsealed and
        # catches up as a standby.
        old.start()
        old.unseal(c.keys[:3])
        old.wait_for(lambda: old.health_status() == 429, 30,
                     "the restarted node to become a standby")
        target = new.leader_info()["raft_committed_index"]
        old.wait_for(lambda: old.leader_info()["raft_applied_index"] >=
                     target, 30, "the restarted node to catch up")
        self.assertEqual(old.leader_info()["leader_address"], new.addr)

    def test_lagging_follower_catches_up_from_a_state_copy(self):
        # A tiny compaction threshold: the log the follower missed is gone
        # and it must copy the leader's state (InstallSnapshot).
        c = self.cluster(3, extra_args=["--raft-compact-threshold", "16"])
        c.form()
        active = c.active()
        lagging = c.standbys()[0]
        lagging.stop()
        for i in range(120):
            active.put_secret(c.root, f"lag/{i}", {"i": str(i)})
        lagging.start()
        lagging.unseal(c.keys[:3])
        lagging.wait_for(lambda: lagging.health_status() == 429, 30,
                         "the lagging node to become a standby")
        target = active.leader_info()["raft_committed_index"]
        lagging.wait_for(lambda: lagging.leader_info()["raft_applied_index"]
                         >= target, 30, "the lagging node to catch up")
        self.assertIn("installed the state of", lagging.log())
        # It holds the data itself: make it the only survivor with the
        # leader... instead, stop the leader and read through the new one.
        active.stop()
        new = c.active(timeout=20, among=[n for n in c.nodes
                                          if n is not active])
        self.assertEqual(new.get_secret(c.root, "lag/119"), {"i": "119"})


class CrossClusterRestoreTest(ClusterTestCase):
    def test_force_restore_into_a_fresh_cluster_with_other_keys(self):
        a = self.cluster(3, prefix="a").form()
        for i in range(10):
            a.active().put_secret(a.root, f"orig/{i}", {"v": f"a{i}"})
        # Taken through a standby: follow the 307 by hand.
        standby = a.standbys()[0]
        status, headers, _ = standby.request("GET", SNAPSHOT, token=a.root)
        self.assertEqual(status, 307)
        archive = a.active().snapshot(a.root)

        b = self.cluster(3, prefix="b").form()
        b.active().put_secret(b.root, "only-in-b", {"v": "b"})
        leader = b.active()
        status, _, body = leader.request("POST", SNAPSHOT, token=b.root,
                                         data=archive)
        self.assertEqual(status, 400, body)  # other keys: needs force
        status, _, body = leader.request("POST", SNAPSHOT_FORCE, token=b.root,
                                         data=archive)
        self.assertEqual(status, 204, body)
        # Every node of B seals: the restored keyring is A's.
        for node in b.nodes:
            node.wait_for(lambda: node.seal_status()["sealed"], 30,
                          f"{node.node_id} to seal after the restore")
        # Unsealed with A's keys, every node serves A's secrets.
        for node in b.nodes:
            node.unseal(a.keys[:3])
        active = b.active(timeout=30)
        for node in b.nodes:
            node.wait_for(lambda: node.health_status() in (200, 429), 30,
                          f"{node.node_id} to be unsealed")
            self.assertEqual(node.get_secret(a.root, "orig/3"), {"v": "a3"},
                             node.node_id)
            self.assertIsNone(node.get_secret(a.root, "only-in-b"))
        status, _ = active.call("GET", "/v1/secret/data/orig/3", token=b.root)
        self.assertEqual(status, 403)
        # The cluster keeps replicating after the restore.
        active.put_secret(a.root, "after", {"v": "x"})
        target = active.leader_info()["raft_committed_index"]
        for node in b.nodes:
            node.wait_for(lambda: node.leader_info()["raft_applied_index"] >=
                          target, 20, f"{node.node_id} to apply")


if __name__ == "__main__":
    unittest.main(verbosity=2)
