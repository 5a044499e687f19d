#!/usr/bin/env python3
"""Cross-checks vaultkeep against an independent Python implementation of
the Vault raft snapshot format (reference vault-raft-snapshot.md §2, §3).

1. Archives built in Python the way Vault builds them must pass
   `vaultkeep verify`, and `vaultkeep inspect --format json` must report
   what Python computes from the same bytes.
2. Archives written by `gen-snapshot` must read back in Python with the
   exact structure Vault writes: gzip header, USTAR headers byte for byte,
   entry order, no tar record padding, SHA256SUMS, meta.json key order,
   sorted state.bin records and a Shamir-shaped SHA256SUMS.sealed.
3. Randomly damaged state.bin streams are accepted or rejected exactly as
   an independent Python model of Vault's record reader decides.

Binaries come from $VK_BIN (CTest sets it). Run with /usr/bin/python3."""

import gzip
import hashlib
import io
import json
import os
import random
import re
import struct
import sys
import tarfile
import unittest
import zlib

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import archive_util as au  # noqa: E402


def setUpModule():
    au.bin_dir()  # exits with a clear message when VK_BIN is unusable


class VaultkeepCase(au.BinaryTestCase):
    """Checked wrappers around the binaries."""

    TMP_PREFIX = "vk-crosscheck-"

    def check_run(self, r, what, want_rc=0):
        self.assert_not_crashed(r, what)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, want_rc, f"{what}: stderr: {err}")

    def verify_ok(self, path, *args, stdin=None):
        r = au.run("vaultkeep", "verify", *args, path, stdin=stdin)
        self.check_run(r, " ".join(["verify", *map(str, args), path]))
        self.assertIn(b": OK: complete Vault snapshot", r.stdout)
        self.assertEqual(r.stderr, b"")
        return r

    def verify_json(self, path, *args, stdin=None):
        r = au.run("vaultkeep", "verify", "--format", "json", *args, path,
                   stdin=stdin)
        self.check_run(r, f"verify --format json {path}")
        j = json.loads(r.stdout)
        self.assertIs(j["ok"], True)
        return j

    def inspect_json(self, path, *args, stdin=None):
        r = au.run("vaultkeep", "inspect", "--format", "json", *args, path,
                   stdin=stdin)
        self.check_run(r, " ".join(["inspect --format json",
                                    *map(str, args), path]))
        return json.loads(r.stdout)

    def assert_stats(self, j, records, depth=2, prefix_filter=""):
        rows, count, size = au.kv_stats(records, depth, prefix_filter)
        self.assertEqual(j["StatsKV"], rows or None,
                         f"depth={depth} filter={prefix_filter!r}")
        self.assertEqual(j["TotalCountKV"], count)
        self.assertEqual(j["TotalSizeKV"], size)


class PythonBuiltArchivesTest(VaultkeepCase):
    """Archives built here, as Vault builds them, are accepted and
    described correctly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # (An empty key is rejected: BoltDB refuses it, see malformed_test.)
        cls.snap = au.Snapshot(au.sample_pairs(80), index=98765, term=42)
        cls.records = au.parse_state(cls.snap.state)

    def test_sample_data_is_what_the_test_expects(self):
        # Guards the independent side: records round-trip through the
        # Python parser and cover the awkward shapes on purpose.
        keys = [k for k, _, _ in self.records]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len(self.records), len(self.snap.pairs))
        self.assertIn(b"core/lock", keys)  # empty value, no field 2
        sizes = [n for _, _, n in self.records]
        self.assertTrue(any(n >= 1 << 14 for n in sizes))  # 3-byte prefix
        self.assertTrue(any(128 <= n < 1 << 14 for n in sizes))

    def test_vault_layout_both_sums_orders(self):
        # Go writes the two SHA256SUMS lines in map order, so either order;
        # tar built by hand (Go's exact headers) and by tarfile (USTAR).
        tar_builders = {"go-style": au.tar_archive,
                        "tarfile": au.tarfile_archive}
        for order in (("meta.json", "state.bin"), ("state.bin", "meta.json")):
            for builder, make_tar in tar_builders.items():
                with self.subTest(order=order, tar=builder):
                    s = au.Snapshot(self.snap.pairs, index=self.snap.index,
                                    term=self.snap.term, sums_order=order)
                    self.check_sums_order(s, order,
                                          au.gz(make_tar(s.entries())))

    def check_sums_order(self, s, order, archive):
        self.assertTrue(s.sums.startswith(
            hashlib.sha256(s.meta if order[0] == "meta.json"
                           else s.state).hexdigest().encode()))
        path = self.write("order.snap", archive)
        self.verify_ok(path)
        j = self.verify_json(path)
        self.assertEqual(j["records"], len(self.records))
        self.assertEqual(j["sha256"]["meta.json"],
                         hashlib.sha256(s.meta).hexdigest())
        self.assertEqual(j["sha256"]["state.bin"],
                         hashlib.sha256(s.state).hexdigest())

    def test_inspect_matches_python(self):
        path = self.write("inspect.snap", self.snap.archive())
        j = self.inspect_json(path)
        self.assertEqual(j["Meta"], {"ID": "bolt-snapshot",
                                     "Size": len(self.snap.state),
                                     "Index": 98765, "Term": 42,
                                     "Version": 1})
        self.assertEqual(j["Records"], len(self.records))
        self.assertEqual(j["Entries"], list(au.ENTRY_ORDER))
        self.assertTrue(j["Sealed"])
        self.assert_stats(j, self.records)
        self.assertEqual(j["TotalCountKV"], len(self.records))

    def test_inspect_depth_and_filter(self):
        path = self.write("depth.snap", self.snap.archive())
        for depth in (0, 1, 2, 3, 7):
            with self.subTest(depth=depth):
                self.assert_stats(self.inspect_json(path, "--depth", depth),
                                  self.records, depth=depth)
        for flt in ("sys/", "logical/", "core/seal", "trailing/", "nomatch/"):
            with self.subTest(filter=flt):
                self.assert_stats(self.inspect_json(path, "--filter", flt),
                                  self.records, prefix_filter=flt)
        with self.subTest("filter and depth 0"):
            self.assert_stats(
                self.inspect_json(path, "--filter", "sys/", "--depth", 0),
                self.records, depth=0, prefix_filter="sys/")

    def test_stdin(self):
        data = self.snap.archive()
        r = self.verify_ok("-", stdin=data)
        self.assertTrue(r.stdout.startswith(b"standard input: OK"))
        j = self.verify_json("-", stdin=data)
        self.assertEqual(j["file"], "standard input")
        self.assertEqual(j["records"], len(self.records))
        self.assert_stats(self.inspect_json("-", stdin=data), self.records)

    def test_python_tarfile_with_record_padding(self):
        tar = au.tarfile_archive(self.snap.entries())
        exact = self.snap.tar()
        # tarfile pads the archive to its 10240-byte record; Go does not.
        self.assertEqual(len(tar) % tarfile.RECORDSIZE, 0)
        self.assertGreater(len(tar), len(exact))
        self.assertEqual(set(tar[len(exact) - 1024:]), {0})
        # Headers agree with the Go-style ones built here, except that
        # tarfile leaves devmajor/devminor NUL where Go writes "0000000\0"
        # (and so the checksum differs).
        for off in range(0, len(exact) - 1024, au.BLOCK):
            a, b = exact[off:off + au.BLOCK], tar[off:off + au.BLOCK]
            if a[257:263] == b"ustar\0":
                self.assertEqual(a[:148] + a[156:329], b[:148] + b[156:329],
                                 f"header at {off}")
            else:
                self.assertEqual(a, b, f"data block at {off}")
        path = self.write("tarfile.snap", au.gz(tar))
        self.verify_ok(path)
        self.assertEqual(self.verify_json(path)["records"], len(self.records))

    def test_python_tarfile_pax_format(self):
        tar = au.tarfile_archive(self.snap.entries(), fmt=tarfile.PAX_FORMAT)
        self.verify_ok(self.write("tarfile-pax.snap", au.gz(tar)))

    def test_hand_built_pax_size_header(self):
        # What Go writes for a state.bin of 8 GiB or more: an 'x' header
        # "PaxHeaders.0/state.bin" with a size record, then the USTAR header
        # with a zero size field.
        s = self.snap
        size = len(s.state)
        state_hdr = au.tar_header("state.bin", 0)
        variants = {
            "ustar-size-zero": [("size", size)],
            "with-mtime-and-path": [("mtime", "1700000000.5"),
                                    ("path", "state.bin"), ("size", size)],
        }
        for name, recs in variants.items():
            with self.subTest(name):
                tar = au.tar_archive([
                    ("meta.json", s.meta),
                    au.pax_header("state.bin", recs) + state_hdr
                    + au.pad(s.state),
                    ("SHA256SUMS", s.sums),
                    ("SHA256SUMS.sealed", s.sealed)])
                # Python's tarfile reads it the same way.
                with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
                    self.assertEqual(tf.getmember("state.bin").size, size)
                path = self.write(f"pax-{name}.snap", au.gz(tar))
                self.verify_ok(path)
                j = self.inspect_json(path)
                self.assertEqual(j["Meta"]["Size"], size)
                self.assertEqual(j["Records"], len(self.records))
                self.assertEqual(j["Entries"], list(au.ENTRY_ORDER))

    def test_zlib_gzip_and_members(self):
        tar = self.snap.tar()
        cut = len(tar) // 3
        variants = {
            "zlib-level-9": au.gz_zlib(tar, 9),
            "gzip-level-0": au.gz(tar, 0),
            "two-members": au.gz(tar[:cut]) + au.gz_zlib(tar[cut:], 1),
            "empty-member-after": au.gz(tar) + au.gz(b""),
            "zero-padding-member-after": au.gz(tar) + au.gz(b"\0" * 9216),
        }
        for name, data in variants.items():
            for engine in ("zlib", "isal"):
                with self.subTest(name, engine=engine):
                    path = self.write(f"{name}.snap", data)
                    self.verify_ok(path, "--inflate", engine)

    def test_any_entry_order_and_mtime(self):
        e = dict(self.snap.entries())
        order = ["SHA256SUMS.sealed", "state.bin", "SHA256SUMS", "meta.json"]
        tar = au.tar_archive([au.tar_entry(n, e[n], mtime=i * 1000)
                              for i, n in enumerate(order)])
        path = self.write("reordered.snap", au.gz(tar))
        self.verify_ok(path)
        self.assertEqual(self.inspect_json(path)["Entries"], order)

    def test_unsealed_archive(self):
        entries = self.snap.entries()[:3]
        path = self.write("unsealed.snap", au.gz(au.tar_archive(entries)))
        self.verify_ok(path, "--allow-unsealed")
        r = au.run("vaultkeep", "verify", path)
        self.check_run(r, "verify unsealed", want_rc=3)
        j = self.inspect_json(path)  # inspect reports, does not fail
        self.assertIs(j["Sealed"], False)
        self.assertNotIn("SealedBlob", j)

    def test_empty_state(self):
        s = au.Snapshot([], index=7, term=1)
        self.assertEqual(s.state, b"")
        path = self.write("empty-state.snap", s.archive())
        self.verify_ok(path)
        j = self.inspect_json(path)
        self.assertEqual(j["Meta"]["Size"], 0)
        self.assertIsNone(j["StatsKV"])
        self.assertEqual((j["TotalCountKV"], j["Records"]), (0, 0))

    def test_meta_json_variants_vault_writes(self):
        # Peers null, Servers null, non-voters, HTML-escaped characters.
        s = self.snap
        size = len(s.state)
        variants = [
            b'{"Version":1,"ID":"bolt-snapshot","Index":5,"Term":2,'
            b'"Peers":null,"Configuration":{"Servers":null},'
            b'"ConfigurationIndex":0,"Size":%d}\n' % size,
            au.meta_json(5, 2, size, servers=[(0, "a", "10.0.0.1:8201"),
                                              (1, "b", "10.0.0.2:8201"),
                                              (2, "c<&>", "[::1]:8201")])
            .replace(b"c<&>", b"c\\u003c\\u0026\\u003e"),
        ]
        for i, meta in enumerate(variants):
            with self.subTest(i=i):
                files = {"meta.json": meta, "state.bin": s.state}
                tar = au.tar_archive([
                    ("meta.json", meta), ("state.bin", s.state),
                    ("SHA256SUMS", au.sha256sums(files)),
                    ("SHA256SUMS.sealed", s.sealed)])
                path = self.write(f"meta-{i}.snap", au.gz(tar))
                self.verify_ok(path)
                j = self.inspect_json(path)
                self.assertEqual((j["Meta"]["Index"], j["Meta"]["Term"]),
                                 (5, 2))


def count_records_strictly(state):
    """Number of records in state.bin if Vault could load every one (Go's
    delimited reader with a 2^31-1 limit, then proto3 unmarshal of
    StorageEntry: key string (UTF-8), value bytes, seal_wrap bool; unknown
    fields of wire types 0, 1, 2 and 5 skipped) and BoltDB could store it
    (a key of 1 to 32768 bytes), else None. Groups (wire types 3/4) never
    occur in Vault data and count as malformed."""
    def varint(buf, pos):
        value, pos = au.read_uvarint(buf, pos)
        if value >= 1 << 64:
            raise ValueError("varint overflows 64 bits")
        return value, pos

    try:
        pos = count = 0
        while pos < len(state):
            n, pos = varint(state, pos)
            if n > 2 ** 31 - 1 or pos + n > len(state):
                return None
            msg, pos = state[pos:pos + n], pos + n
            p = 0
            key_len = 0
            while p < len(msg):
                tag, p = varint(msg, p)
                field, wire = tag >> 3, tag & 7
                if field == 0 or (field in (1, 2) and wire != 2) or \
                        (field == 3 and wire != 0):
                    return None
                if wire == 0:
                    _, p = varint(msg, p)
                elif wire == 2:
                    length, p = varint(msg, p)
                    if p + length > len(msg):
                        return None
                    if field == 1:
                        msg[p:p + length].decode("utf-8")
                        key_len = length
                    p += length
                elif wire in (1, 5):
                    p += 8 if wire == 1 else 4
                    if p > len(msg):
                        return None
                else:
                    return None
            if not 1 <= key_len <= 32768:
                return None
            count += 1
        return count
    except (ValueError, UnicodeDecodeError):
        return None


class RecordParserDifferentialTest(VaultkeepCase):
    """Randomly damaged state.bin streams (with SHA256SUMS and meta.json
    Size kept consistent): vaultkeep accepts exactly the ones the Python
    model above accepts, with the same record count."""

    ITERATIONS = 150

    def test_agrees_with_python_model(self):
        rng = random.Random(20240607)  # deterministic corpus
        base = au.state_bin((k, v[:40]) for k, v in au.Snapshot(
            au.sample_pairs(6, seed="diff")).pairs)
        interesting = [0x00, 0x01, 0x08, 0x0A, 0x0B, 0x12, 0x18, 0x21, 0x23,
                       0x25, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        outcomes = {True: 0, False: 0}
        for it in range(self.ITERATIONS):
            st = bytearray(base)
            for _ in range(rng.randint(1, 3)):
                r, i = rng.random(), rng.randrange(len(st))
                if r < 0.6:
                    st[i] = rng.choice(interesting + [rng.randrange(256)])
                elif r < 0.8:
                    del st[i:i + rng.randint(1, 20)]
                else:
                    st[i:i] = bytes(rng.randrange(256)
                                    for _ in range(rng.randint(1, 5)))
            st = bytes(st)
            want = count_records_strictly(st)
            outcomes[want is not None] += 1
            meta = au.meta_json(1, 1, len(st))
            data = au.gz(au.tar_archive([
                ("meta.json", meta), ("state.bin", st),
                ("SHA256SUMS", au.sha256sums({"meta.json": meta,
                                              "state.bin": st})),
                ("SHA256SUMS.sealed", au.fake_sealed())]))
            r = au.run("vaultkeep", "verify", "--format", "json", "-",
                       stdin=data)
            what = f"iteration {it}, state.bin {st.hex()}"
            self.check_run(r, what, want_rc=0 if want is not None else 3)
            j = json.loads(r.stdout)
            if want is None:
                self.assertIn("state.bin record at offset", j["error"], what)
            else:
                self.assertEqual(j["records"], want, what)
        # The mutations must exercise both sides to mean anything.
        self.assertGreater(min(outcomes.values()), self.ITERATIONS // 10,
                           outcomes)


class GenSnapshotReadByPythonTest(VaultkeepCase):
    """Archives gen-snapshot writes have Vault's exact structure."""

    # (file name, gen-snapshot arguments, expected gzip XFL byte)
    VARIANTS = [
        ("seed1", ["--seed", 1], 0),
        ("seed2", ["--seed", 2, "--nodes", 5], 0),
        ("seed3-unsealed", ["--seed", 3, "--unsealed"], 0),
        ("seed4-unsealed", ["--seed", 4, "--unsealed", "--nodes", 1], 0),
        ("level0", ["--seed", 5, "--gzip-level", 0], 0),
        ("level1", ["--seed", 6, "--gzip-level", 1], 4),
        ("level9", ["--seed", 7, "--gzip-level", 9, "--unsealed"], 2),
        ("time", ["--seed", 8, "--time", 1234567890], 0),
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.archives = {}
        for name, args, xfl in cls.VARIANTS:
            path = os.path.join(cls.tmp, name + ".snap")
            kek = os.path.join(cls.tmp, name + ".kek")
            r = au.run("gen-snapshot", "-o", path, "--records", 400,
                       "--kek-out", kek, *args)
            if r.returncode != 0:
                raise AssertionError(f"gen-snapshot {args} failed: "
                                     f"{r.stderr.decode(errors='replace')}")
            with open(path, "rb") as f:
                data = f.read()
            mtime = args[args.index("--time") + 1] if "--time" in args \
                else au.MTIME
            cls.archives[name] = {
                "path": path, "kek": kek, "data": data, "xfl": xfl,
                "sealed": "--unsealed" not in args, "mtime": mtime,
                "nodes": args[args.index("--nodes") + 1]
                if "--nodes" in args else 3,
            }

    def for_each(self, check):
        """Runs check(archive) for every variant, each in its own subTest."""
        for name, a in self.archives.items():
            with self.subTest(name):
                check(a)

    @staticmethod
    def gunzip(data):
        d = zlib.decompressobj(wbits=31)  # gzip wrapper, checks CRC/ISIZE
        tar = d.decompress(data) + d.flush()
        return tar, d

    @staticmethod
    def entries(tar):
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as tf:
            return {m.name: tf.extractfile(m).read() for m in tf}

    def test_gzip_layer(self):
        def check(a):
            data = a["data"]
            self.assertEqual(data[:10], b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
                             + bytes([a["xfl"], 0xFF]))
            tar, d = self.gunzip(data)
            self.assertTrue(d.eof)
            self.assertEqual(d.unused_data, b"")  # one member, nothing after
            crc, isize = struct.unpack("<II", data[-8:])
            self.assertEqual(crc, zlib.crc32(tar))
            self.assertEqual(isize, len(tar) & 0xFFFFFFFF)
            self.assertEqual(gzip.decompress(data), tar)

        self.for_each(check)

    def test_tar_layer_is_go_ustar_exactly(self):
        def check(a):
            tar, _ = self.gunzip(a["data"])
            files = self.entries(tar)
            names = list(au.ENTRY_ORDER[:4 if a["sealed"] else 3])
            self.assertEqual(list(files), names)
            # Walk the raw blocks: header, data padded to 512, ..., then
            # exactly two zero blocks and nothing else.
            off = 0
            for name in names:
                data = files[name]
                header = tar[off:off + au.BLOCK]
                self.assertEqual(
                    header, au.tar_header(name, len(data), mtime=a["mtime"]),
                    f"{name} header differs from Go's")
                off += au.BLOCK
                self.assertEqual(tar[off:off + len(data)], data)
                padded = len(au.pad(data))
                self.assertEqual(tar[off + len(data):off + padded],
                                 b"\0" * (padded - len(data)))
                off += padded
            self.assertEqual(tar[off:], b"\0" * 1024)
            with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
                for m in tf.getmembers():
                    self.assertEqual(
                        (m.mode, m.uid, m.gid, m.uname, m.gname, m.type,
                         m.mtime),
                        (0o600, 0, 0, "", "", tarfile.REGTYPE, a["mtime"]),
                        m.name)

        self.for_each(check)

    def test_sha256sums(self):
        def check(a):
            files = self.entries(self.gunzip(a["data"])[0])
            sums = files["SHA256SUMS"].decode()
            self.assertEqual(len(sums), 152)
            lines = sums.splitlines(keepends=True)
            self.assertEqual(len(lines), 2)
            listed = {}
            for line in lines:
                m = re.fullmatch(r"([0-9a-f]{64})  (\S+)\n", line)
                self.assertIsNotNone(m, repr(line))
                listed[m.group(2)] = m.group(1)
            self.assertEqual(listed, {
                n: hashlib.sha256(files[n]).hexdigest()
                for n in ("meta.json", "state.bin")})
            j = self.verify_json(a["path"], *([] if a["sealed"] else
                                              ["--allow-unsealed"]))
            self.assertEqual(j["sha256"], listed)

        self.for_each(check)

    def test_meta_json(self):
        def check(a):
            files = self.entries(self.gunzip(a["data"])[0])
            raw = files["meta.json"]
            self.assertTrue(raw.endswith(b"}\n"))
            self.assertEqual(raw.count(b"\n"), 1)
            pairs = json.loads(raw, object_pairs_hook=lambda p: p)
            self.assertEqual([k for k, _ in pairs], au.META_KEYS)
            meta = dict(pairs)
            self.assertEqual(meta["Version"], 1)
            self.assertEqual(meta["ID"], "bolt-snapshot")
            self.assertIsNone(meta["Peers"])
            self.assertEqual(meta["Size"], len(files["state.bin"]))
            servers = dict(meta["Configuration"])["Servers"]
            self.assertEqual(len(servers), a["nodes"])
            for server in servers:
                self.assertEqual([k for k, _ in server], au.SERVER_KEYS)
            # Compact, Go field order, nothing else: re-encoding is exact.
            plain = json.loads(raw)
            self.assertEqual(
                (json.dumps(plain, separators=(",", ":")) + "\n").encode(),
                raw)
            j = self.inspect_json(a["path"])
            self.assertEqual(j["Meta"], {k: plain[k] for k in
                                         ("ID", "Size", "Index", "Term",
                                          "Version")})

        self.for_each(check)

    def test_state_records(self):
        def check(a):
            files = self.entries(self.gunzip(a["data"])[0])
            records = au.parse_state(files["state.bin"])
            keys = [k for k, _, _ in records]
            self.assertEqual(keys, sorted(keys), "keys not in bolt order")
            self.assertEqual(len(set(keys)), len(keys), "duplicate keys")
            for k in keys:
                k.decode("utf-8")  # proto3 strings are UTF-8
            # Re-encoding each record as Go marshals it gives the same bytes.
            self.assertEqual(au.state_bin((k, v) for k, v, _ in records),
                             files["state.bin"])
            j = self.inspect_json(a["path"])
            self.assertEqual(j["Records"], len(records))
            self.assert_stats(j, records)
            self.assert_stats(self.inspect_json(a["path"], "--depth", 0),
                              records, depth=0)
            self.assertEqual(
                self.verify_json(a["path"], "--allow-unsealed")["records"],
                len(records))

        self.for_each(check)

    def test_sealed_blob(self):
        def check(a):
            files = self.entries(self.gunzip(a["data"])[0])
            with open(a["kek"]) as f:
                kek = f.read().strip()
            self.assertRegex(kek, r"\A[0-9a-f]{64}\Z")
            self.assertEqual(os.stat(a["kek"]).st_mode & 0o777, 0o600)
            if not a["sealed"]:
                self.assertNotIn("SHA256SUMS.sealed", files)
                r = au.run("vaultkeep", "verify", a["path"])
                self.check_run(r, "verify --unsealed archive", want_rc=3)
                self.assertIn(b"snapshot has no SHA256SUMS.sealed entry",
                              r.stderr)
                self.verify_ok(a["path"], "--allow-unsealed")
                return
            blob = files["SHA256SUMS.sealed"]
            fields = au.parse_protobuf(blob)
            self.assertEqual(sorted(fields), [1, 4, 5])
            # nonce(12) || AES-256-GCM ciphertext || tag(16)
            self.assertEqual(len(fields[1][0]),
                             12 + len(files["SHA256SUMS"]) + 16)
            self.assertEqual(fields[4], [1])   # wrapped = true
            self.assertEqual(fields[5], [b""])  # empty key_info
            self.assertEqual(blob[:3], b"\x0a\xb4\x01")  # field 1, 180 bytes
            self.assertEqual(blob[-4:], b"\x20\x01\x2a\x00")
            self.verify_ok(a["path"])
            j = self.inspect_json(a["path"])
            self.assertEqual(j["SealedBlob"], {"Bytes": len(blob),
                                               "CiphertextBytes": 180,
                                               "Wrapped": True})

        self.for_each(check)

    def test_repacked_by_python_still_verifies(self):
        # The entries re-tarred by tarfile and re-gzipped by Python verify
        # and inspect exactly like the original.
        def check(a):
            tar, _ = self.gunzip(a["data"])
            files = self.entries(tar)
            repacked = au.gz(au.tarfile_archive(list(files.items()),
                                                mtime=a["mtime"]), 9)
            path = self.write("repacked.snap", repacked)
            extra = [] if a["sealed"] else ["--allow-unsealed"]
            self.verify_ok(path, *extra)
            original = self.inspect_json(a["path"])
            again = self.inspect_json(path)
            for j in (original, again):
                del j["CompressedSize"]
            self.assertEqual(again, original)

        self.for_each(check)


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
