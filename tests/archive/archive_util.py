"""Shared helpers for the archive tests: an independent, stdlib-only
implementation of the Vault raft snapshot format (reference
vault-raft-snapshot.md sections 2 and 3) and a runner for the binaries.

Nothing here comes from the C++ code: headers, records, meta.json and the
hash list are built from the format description so that the tests check
vaultkeep against a second implementation, not against itself."""

import gzip
import hashlib
import io
import json
import os
import unittest
import tempfile
import subprocess
import tarfile
import zlib

BLOCK = 512
MTIME = 1700000000
SMALL_ENTRY_LIMIT = 8192
ENTRY_ORDER = ("meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed")
META_KEYS = ["Version", "ID", "Index", "Term", "Peers", "Configuration",
             "ConfigurationIndex", "Size"]
SERVER_KEYS = ["Suffrage", "ID", "Address"]


# --- binaries -------------------------------------------------------------

def bin_dir():
    d = os.environ.get("VK_BIN")
    if not d:
        raise SystemExit("error: VK_BIN is not set; run through ctest or set "
                         "VK_BIN=<build>/bin")
    for tool in ("vaultkeep", "gen-snapshot"):
        if not os.access(os.path.join(d, tool), os.X_OK):
            raise SystemExit(f"error: {d}/{tool} is missing or not executable")
    return d



class BinaryTestCase(unittest.TestCase):
    """A per-class temp directory, and the check every run of a binary gets:
    whatever the input, it exits by itself with a code below 128."""

    TMP_PREFIX = "vk-test-"

    @classmethod
    def setUpClass(cls):
        bin_dir()
        cls._tmp = tempfile.TemporaryDirectory(prefix=cls.TMP_PREFIX)
        cls.tmp = cls._tmp.name

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def assert_not_crashed(self, r, what):
        err = r.stderr.decode(errors="replace")
        self.assertGreaterEqual(
            r.returncode, 0,
            f"{what}: KILLED BY SIGNAL {-r.returncode}; stderr: {err}")
        self.assertLess(r.returncode, 128,
                        f"{what}: exit {r.returncode} looks like a crash; "
                        f"stderr: {err}")

def run(tool, *args, stdin=None, timeout=60):
    """Runs a binary from $VK_BIN; returns CompletedProcess (bytes)."""
    return subprocess.run([os.path.join(bin_dir(), tool), *map(str, args)],
                          input=stdin, capture_output=True, timeout=timeout)


# --- deterministic data ---------------------------------------------------

def pseudo_bytes(seed, n):
    """n deterministic, incompressible-looking bytes (like ciphertext)."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


# --- state.bin ------------------------------------------------------------

def uvarint(n):
    assert n >= 0
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def storage_entry(key, value):
    """protobuf StorageEntry as Go marshals it: fields in order, empty
    (proto3 zero) fields left out."""
    if isinstance(key, str):
        key = key.encode()
    msg = b""
    if key:
        msg += b"\x0a" + uvarint(len(key)) + key
    if value:
        msg += b"\x12" + uvarint(len(value)) + value
    return msg


def record(key, value):
    msg = storage_entry(key, value)
    return uvarint(len(msg)) + msg


def state_bin(pairs):
    return b"".join(record(k, v) for k, v in pairs)


def read_uvarint(buf, pos):
    shift = value = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint overflow")


def parse_protobuf(msg):
    """{field: [values]} for a message using only wire types 0 and 2."""
    fields = {}
    pos = 0
    while pos < len(msg):
        tag, pos = read_uvarint(msg, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            val, pos = read_uvarint(msg, pos)
        elif wire == 2:
            n, pos = read_uvarint(msg, pos)
            if pos + n > len(msg):
                raise ValueError("field runs past the message")
            val = msg[pos:pos + n]
            pos += n
        else:
            raise ValueError(f"unexpected wire type {wire}")
        fields.setdefault(field, []).append(val)
    return fields


def parse_state(data):
    """[(key bytes, value bytes, message length)] of a state.bin stream."""
    out = []
    pos = 0
    while pos < len(data):
        n, pos = read_uvarint(data, pos)
        if pos + n > len(data):
            raise ValueError("record runs past state.bin")
        fields = parse_protobuf(data[pos:pos + n])
        out.append((fields.get(1, [b""])[-1], fields.get(2, [b""])[-1], n))
        pos += n
    return out


def kv_stats(records, depth=2, prefix_filter=""):
    """Vault's `operator raft snapshot inspect` breakdown, computed from
    parse_state() output: [{"Name","Count","Size"}] sorted by count desc,
    then name; plus total count and size."""
    stats = {}
    total_count = total_size = 0
    for key, _, size in records:
        key = key.decode()
        if not key or not key.startswith(prefix_filter):
            continue
        parts = key.split("/")
        d = len(parts) if depth == 0 or depth > len(parts) else depth
        name = "/".join(parts[:d])
        s = stats.setdefault(name, {"Name": name, "Count": 0, "Size": 0})
        s["Count"] += 1
        s["Size"] += size
        total_count += 1
        total_size += size
    rows = sorted(stats.values(), key=lambda s: (-s["Count"], s["Name"]))
    return rows, total_count, total_size


# --- meta.json, SHA256SUMS, sealed ----------------------------------------

def meta_json(index, term, size, servers=None, configuration_index=1,
              version=1, snapshot_id="bolt-snapshot"):
    """Go's json.Encoder output for raft.SnapshotMeta: compact, struct
    order, trailing newline."""
    if servers is None:
        servers = [(0, f"node{i}", f"10.0.0.{i}:8201") for i in (1, 2, 3)]
    meta = {
        "Version": version,
        "ID": snapshot_id,
        "Index": index,
        "Term": term,
        "Peers": None,
        "Configuration": {"Servers": [
            {"Suffrage": s, "ID": i, "Address": a} for s, i, a in servers]},
        "ConfigurationIndex": configuration_index,
        "Size": size,
    }
    return (json.dumps(meta, separators=(",", ":")) + "\n").encode()


def sha256sums(files, order=("meta.json", "state.bin")):
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n"
                   for n in order).encode()


def fake_sealed(plaintext_len=152, wrapped=True):
    """A BlobInfo shaped like Vault's Shamir output: 0a <len> nonce||ct||tag,
    20 01 (wrapped), 2a 00 (empty key_info)."""
    ct = pseudo_bytes("sealed", 12 + plaintext_len + 16)
    return (b"\x0a" + uvarint(len(ct)) + ct + (b"\x20\x01" if wrapped else b"")
            + b"\x2a\x00")


# --- tar ------------------------------------------------------------------

def octal(value, width):
    """width-1 zero-padded octal digits then NUL (Go's formatOctal)."""
    return (b"%0*o" % (width - 1, value)) + b"\0"


def tar_header(name, size, typeflag=b"0", mode=0o600, mtime=MTIME,
               linkname=b"", prefix=b"", uname=b"", gname=b"",
               checksum_delta=0):
    """One USTAR header block exactly as Go's archive/tar writes it."""
    if isinstance(name, str):
        name = name.encode()
    h = bytearray(BLOCK)
    h[0:len(name)] = name
    h[100:108] = octal(mode, 8)
    h[108:116] = octal(0, 8)
    h[116:124] = octal(0, 8)
    h[124:136] = octal(size, 12)
    h[136:148] = octal(mtime, 12)
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    h[257:265] = b"ustar\x0000"
    h[265:265 + len(uname)] = uname
    h[297:297 + len(gname)] = gname
    h[329:337] = octal(0, 8)
    h[337:345] = octal(0, 8)
    h[345:345 + len(prefix)] = prefix
    h[148:156] = octal(sum(h) + checksum_delta, 7) + b" "
    return bytes(h)


def rechecksum(header):
    """Recomputes the checksum of a (patched) header block."""
    h = bytearray(header)
    h[148:156] = b" " * 8
    h[148:156] = octal(sum(h), 7) + b" "
    return bytes(h)


def pad(data):
    return data + b"\0" * (-len(data) % BLOCK)


def tar_entry(name, data, **kw):
    return tar_header(name, len(data), **kw) + pad(data)


def pax_record(key, value):
    """One 'len key=value\\n' record; len counts itself."""
    body = f" {key}={value}\n".encode()
    n = len(body)
    while len(str(n).encode()) + len(body) != n:
        n = len(str(n).encode()) + len(body)
    return str(n).encode() + body


def pax_header(target_name, records):
    """A PAX 'x' extended header block + data, named as Go names it."""
    data = records if isinstance(records, bytes) else b"".join(
        pax_record(k, v) for k, v in records)
    return tar_entry("PaxHeaders.0/" + target_name, data, typeflag=b"x",
                     mode=0, mtime=0)


def tar_archive(entries, end_blocks=2):
    """entries: list of (name, data) or raw bytes (pre-built blocks)."""
    out = b"".join(e if isinstance(e, bytes) else tar_entry(*e)
                   for e in entries)
    return out + b"\0" * (BLOCK * end_blocks)


def tarfile_archive(entries, fmt=tarfile.USTAR_FORMAT, mtime=MTIME):
    """The same archive through Python's tarfile (pads to 10240 bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o600
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mtime = mtime
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


# --- gzip -----------------------------------------------------------------

def gz(data, level=6):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0,
                       compresslevel=level) as f:
        f.write(data)
    return buf.getvalue()


def gz_zlib(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


# --- a complete, valid archive --------------------------------------------

class Snapshot:
    """The four entries of a valid snapshot; damage copies of it."""

    def __init__(self, pairs, index=1234, term=3, sums_order=("meta.json",
                                                               "state.bin")):
        self.pairs = sorted(pairs, key=lambda kv: kv[0].encode()
                            if isinstance(kv[0], str) else kv[0])
        self.index, self.term = index, term
        self.state = state_bin(self.pairs)
        self.meta = meta_json(index, term, len(self.state))
        self.sums = sha256sums({"meta.json": self.meta,
                                "state.bin": self.state}, sums_order)
        self.sealed = fake_sealed(len(self.sums))

    def entries(self):
        return [("meta.json", self.meta), ("state.bin", self.state),
                ("SHA256SUMS", self.sums), ("SHA256SUMS.sealed", self.sealed)]

    def tar(self):
        return tar_archive(self.entries())

    def archive(self):
        return gz(self.tar())


def sample_pairs(n=60, seed="sample"):
    """Vault-like keys (sorted later) with a few awkward shapes."""
    prefixes = ["core/", "sys/token/id/", "sys/policy/", "sys/expire/id/auth/",
                "logical/2f4e5c1a/", "logical/9c7a1e22/data/"]
    pairs = [("core/seal-config", b'{"type":"shamir","secret_shares":1}'),
             ("core/lock", b""),                 # empty value: no field 2
             ("plain-key", pseudo_bytes("p", 7)),  # no "/"
             ("trailing/", pseudo_bytes("t", 3)),
             ("double//slash/x", pseudo_bytes("d", 5)),
             ("/leading", pseudo_bytes("l", 9)),
             ("logical/\u00fcnic\u00f6de/\u2603", pseudo_bytes("u", 20)),
             ("big/value/3byte-len", pseudo_bytes("big", 20000)),
             ("mid/value/2byte-len", pseudo_bytes("mid", 300))]
    for i in range(n):
        p = prefixes[i % len(prefixes)]
        h = hashlib.sha256(f"{seed}{i}".encode()).hexdigest()
        value = pseudo_bytes(h, 20 + (i * 37) % 700)
        pairs.append((p + h[:8 + i % 24], value))
    return pairs
