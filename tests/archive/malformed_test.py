#!/usr/bin/env python3
"""A corpus of malformed Vault raft snapshot archives, each damaged in one
way, run through `vaultkeep verify`.

Every case must exit 3 (corruption; never a signal or crash), print nothing
on stdout, and name the check that fired in a one-line stderr message
`vaultkeep: error: <file>: <sentence>`. Each case is also run with
`--format json` (ok false, error_class "corruption") and through standard
input with the other inflate engine on one thread, so both gzip engines and
both read paths meet the same corpus.

Damage to inner content rebuilds tar and gzip consistently (SHA256SUMS and
meta.json Size recomputed) so that the check a case is named for is the one
that fires. Binaries come from $VK_BIN (CTest sets it)."""

import hashlib
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import archive_util as au  # noqa: E402

CORRUPTION_EXIT = 3

# --- bases ----------------------------------------------------------------

SNAP = au.Snapshot(au.sample_pairs(20, seed="malformed"), index=321, term=4)
STATE_LEN = len(SNAP.state)
# Offset of state.bin's header in SNAP.tar(): after meta.json's header+data.
STATE_HEADER_OFFSET = au.BLOCK + len(au.pad(SNAP.meta))
_GEN = {}


def gen_archive():
    """A gen-snapshot archive (made once): damage to the gzip layer is
    applied to our own writer's output."""
    if "data" not in _GEN:
        with tempfile.TemporaryDirectory(prefix="vk-malformed-gen-") as d:
            path = os.path.join(d, "gen.snap")
            r = au.run("gen-snapshot", "-o", path, "--records", 300,
                       "--seed", 17)
            if r.returncode != 0:
                raise AssertionError("gen-snapshot failed: "
                                     + r.stderr.decode(errors="replace"))
            with open(path, "rb") as f:
                _GEN["data"] = f.read()
    return _GEN["data"]


def rebuilt(meta=None, state=None, sums=None, sealed=None, fix_sums=True):
    """The Python base archive with some entries replaced. By default
    meta.json Size follows state.bin and SHA256SUMS follows both, so only
    the intended check can fail."""
    state = SNAP.state if state is None else state
    if meta is None:
        meta = au.meta_json(SNAP.index, SNAP.term, len(state))
    if sums is None:
        sums = au.sha256sums({"meta.json": meta, "state.bin": state}) \
            if fix_sums else SNAP.sums
    sealed = SNAP.sealed if sealed is None else sealed
    return au.gz(au.tar_archive([
        ("meta.json", meta),
        ("state.bin", state),
        ("SHA256SUMS", sums),
        ("SHA256SUMS.sealed", sealed)]))


def tarred(entries, end_blocks=2):
    return au.gz(au.tar_archive(entries, end_blocks=end_blocks))


def without(name):
    return tarred([(n, d) for n, d in SNAP.entries() if n != name])


def with_state_records(extra):
    """Valid records followed by `extra` (a damaged record)."""
    return rebuilt(state=SNAP.state + extra)


def flip(data, offset):
    b = bytearray(data)
    b[offset] ^= 0x01
    return bytes(b)


def patched_header(name, size, **fields):
    """A header with raw field bytes overwritten, checksum recomputed."""
    h = bytearray(au.tar_header(name, size))
    for off, raw in fields.values():
        h[off:off + len(raw)] = raw
    return au.rechecksum(h)


def pax_then_state(records):
    """meta.json, a PAX header with `records`, then state.bin."""
    return au.gz(au.tar_archive([
        ("meta.json", SNAP.meta),
        au.pax_header("state.bin", records)
        + au.tar_header("state.bin", STATE_LEN) + au.pad(SNAP.state),
        ("SHA256SUMS", SNAP.sums),
        ("SHA256SUMS.sealed", SNAP.sealed)]))


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# --- the corpus -----------------------------------------------------------
# name -> (build() -> archive bytes, expected stderr fragment). The fragment
# may be a callable taking the archive bytes (for messages with offsets).

CASES = {}


def case(name, build, expect):
    assert name not in CASES, name
    CASES[name] = (build, expect)


def truncation_offsets():
    """Offsets across the gzip header (1..9), the deflate data and the
    8-byte trailer, relative to the gen-snapshot archive."""
    n = len(gen_archive())
    return {"gzip_header_1": 1, "gzip_header_2": 2, "gzip_header_5": 5,
            "gzip_header_9": 9, "deflate_start_10": 10, "deflate_100": 100,
            "deflate_third": n // 3, "deflate_half": n // 2,
            "deflate_end_minus_20": n - 20,
            "before_trailer_len_minus_8": n - 8,
            "inside_crc_len_minus_6": n - 6,
            "after_crc_len_minus_4": n - 4,
            "inside_isize_len_minus_2": n - 2,
            "last_byte_len_minus_1": n - 1}


# gzip layer. Truncation cases are registered lazily (they need the size of
# the gen-snapshot archive); see load_tests().
case("empty_file", lambda: b"", "input is empty, not a gzip stream")
case("plain_tar_not_gzip", lambda: SNAP.tar(),
     "input is not a gzip stream (it does not start with the gzip magic "
     "bytes 1f 8b)")
case("random_bytes_not_gzip", lambda: au.pseudo_bytes("random", 4096),
     "input is not a gzip stream")
case("zip_magic_not_gzip", lambda: b"PK\x03\x04" + SNAP.tar(),
     "input is not a gzip stream")
TRAILER_MISMATCH = ("gzip stream is corrupt: the CRC-32 or length in the "
                    "gzip trailer does not match the decompressed data")
case("bad_gzip_crc", lambda: flip(gen_archive(), len(gen_archive()) - 8),
     TRAILER_MISMATCH)
case("bad_gzip_isize", lambda: flip(gen_archive(), len(gen_archive()) - 4),
     TRAILER_MISMATCH)
case("garbage_after_gzip_end", lambda: gen_archive() + b"GARBAGE!",
     lambda a: f"8 bytes of unexpected data after the end of the gzip stream "
               f"(at compressed offset {len(a) - 8})")
case("invalid_gzip_member_after_end",
     lambda: gen_archive() + b"\x1f\x8b\x08\x00" + b"junk" * 8,
     "gzip stream is corrupt: ")
case("second_gzip_member_with_junk_after_tar_end",
     lambda: SNAP.archive() + au.gz(b"\0" * 700 + b"junk"),
     f"unexpected data after the end of the tar archive (non-zero byte at "
     f"offset {len(SNAP.tar()) + 700})")
case("bad_deflate_stored_block_length",
     # Level 0 writes stored blocks: LEN at 11..12, NLEN (~LEN) at 13..14.
     lambda: flip(au.gz(SNAP.tar(), 0), 13), "gzip stream is corrupt: ")

# tar layer
case("junk_after_tar_end_marker", lambda: au.gz(SNAP.tar() + b"junk"),
     f"unexpected data after the end of the tar archive (non-zero byte at "
     f"offset {len(SNAP.tar())})")
_PADDED = au.tarfile_archive(SNAP.entries())  # 10 KiB record padding
case("junk_in_tar_record_padding",
     lambda: au.gz(_PADDED[:-100] + b"x" + b"\0" * 99),
     f"unexpected data after the end of the tar archive (non-zero byte at "
     f"offset {len(_PADDED) - 100})")
case("only_one_end_block", lambda: tarred(SNAP.entries(), end_blocks=1),
     "tar archive is truncated: only one of the two end-of-archive zero "
     "blocks is present")
case("no_end_blocks", lambda: tarred(SNAP.entries(), end_blocks=0),
     f"tar archive is truncated: it ends at offset {len(SNAP.tar()) - 1024} "
     f"without the end-of-archive marker (two zero blocks)")
case("single_zero_block_then_entry",
     lambda: tarred([("meta.json", SNAP.meta), b"\0" * au.BLOCK]
                    + SNAP.entries()[1:]),
     f"tar archive has a single zero block followed by data at offset "
     f"{STATE_HEADER_OFFSET + au.BLOCK}")
case("bad_tar_header_checksum",
     lambda: tarred([("meta.json", SNAP.meta),
                     au.tar_header("state.bin", STATE_LEN, checksum_delta=1)
                     + au.pad(SNAP.state)] + SNAP.entries()[2:]),
     f"tar header at offset {STATE_HEADER_OFFSET} has a bad checksum "
     f"(not a tar archive, or damaged)")
case("invalid_tar_size_field",
     lambda: tarred([patched_header("meta.json", len(SNAP.meta),
                                    size_field=(124, b"0000000009x\0"))
                     + au.pad(SNAP.meta)] + SNAP.entries()[1:]),
     'tar header of "meta.json" at offset 0 has an invalid numeric field')
case("tar_cut_inside_header",
     lambda: au.gz(SNAP.tar()[:STATE_HEADER_OFFSET + 100]),
     f"tar archive is truncated: it ends 100 bytes into a header block at "
     f"offset {STATE_HEADER_OFFSET}")
case("tar_cut_inside_state_bin",
     lambda: au.gz(SNAP.tar()[:STATE_HEADER_OFFSET + au.BLOCK + 1000]),
     f'tar archive is truncated inside entry "state.bin" '
     f'({STATE_LEN - 1000} more bytes expected)')

# entry set
for _name in au.ENTRY_ORDER[:3]:
    case(f"missing_{_name.replace('.', '_')}", lambda n=_name: without(n),
         f"snapshot has no {_name} entry (found: "
         + ", ".join(x for x in au.ENTRY_ORDER if x != _name) + ")")
case("missing_SHA256SUMS_sealed", lambda: without("SHA256SUMS.sealed"),
     "snapshot has no SHA256SUMS.sealed entry: Vault writes it last, so the "
     "transfer was probably cut short")
case("empty_SHA256SUMS_sealed", lambda: rebuilt(sealed=b""),
     "SHA256SUMS.sealed is empty (incomplete snapshot)")
case("extra_entry", lambda: tarred(SNAP.entries() + [("extra.txt", b"hi")]),
     'unexpected file "extra.txt" in snapshot (a Vault snapshot holds only '
     'meta.json, state.bin, SHA256SUMS and SHA256SUMS.sealed)')
case("duplicate_state_bin",
     lambda: tarred(SNAP.entries()[:2] + [("state.bin", SNAP.state)]
                    + SNAP.entries()[2:]),
     'snapshot entry "state.bin" appears twice')
case("directory_named_meta_json",
     lambda: tarred([au.tar_header("meta.json", 0, typeflag=b"5",
                                   mode=0o700)] + SNAP.entries()[1:]),
     'snapshot entry "meta.json" is a directory, not a regular file')
case("symlink_named_state_bin",
     lambda: tarred(SNAP.entries()[:1]
                    + [au.tar_header("state.bin", 0, typeflag=b"2",
                                     linkname=b"/etc/shadow")]
                    + SNAP.entries()[2:]),
     'snapshot entry "state.bin" is a symbolic link, not a regular file')
case("symlink_with_other_name",
     lambda: tarred(SNAP.entries() + [au.tar_header(
         "link", 0, typeflag=b"2", linkname=b"state.bin")]),
     'unexpected file "link" in snapshot')
case("hardlink_named_SHA256SUMS",
     lambda: tarred(SNAP.entries()[:2]
                    + [au.tar_header("SHA256SUMS", 0, typeflag=b"1",
                                     linkname=b"meta.json")]
                    + SNAP.entries()[3:]),
     'snapshot entry "SHA256SUMS" is a hard link, not a regular file')
case("dot_slash_meta_json",
     lambda: tarred([("./meta.json", SNAP.meta)] + SNAP.entries()[1:]),
     'unexpected file "./meta.json" in snapshot')
case("subdir_meta_json",
     lambda: tarred([("a/meta.json", SNAP.meta)] + SNAP.entries()[1:]),
     'unexpected file "a/meta.json" in snapshot')
case("ustar_prefix_meta_json",
     lambda: tarred([au.tar_entry("meta.json", SNAP.meta, prefix=b"a")]
                    + SNAP.entries()[1:]),
     'unexpected file "a/meta.json" in snapshot')
case("dotdot_state_bin",
     lambda: tarred(SNAP.entries()[:1] + [("../state.bin", SNAP.state)]
                    + SNAP.entries()[2:]),
     'unexpected file "../state.bin" in snapshot')
case("pax_path_renames_state_bin",
     lambda: pax_then_state([("path", "../state.bin")]),
     'unexpected file "../state.bin" in snapshot')

# SHA256SUMS
_BAD_STATE = flip(SNAP.state, STATE_LEN // 2)
case("wrong_state_bin_hash",
     lambda: rebuilt(state=_BAD_STATE, fix_sums=False),
     f"state.bin does not match SHA256SUMS: expected SHA-256 "
     f"{sha256_hex(SNAP.state)}, found {sha256_hex(_BAD_STATE)}")
_BAD_META = SNAP.meta.replace(b'"Term":4', b'"Term":5')
case("wrong_meta_json_hash",
     lambda: rebuilt(meta=_BAD_META, fix_sums=False),
     f"meta.json does not match SHA256SUMS: expected SHA-256 "
     f"{sha256_hex(SNAP.meta)}, found {sha256_hex(_BAD_META)}")
case("sums_malformed_line",
     lambda: rebuilt(sums=SNAP.sums + b"not a checksum line\n"),
     "SHA256SUMS line 3 is malformed: too short for a digest and a name")
case("sums_non_hex_digest",
     lambda: rebuilt(sums=b"g" + SNAP.sums[1:]),
     "SHA256SUMS line 1 is malformed: the digest is not 64 hex digits")
case("sums_lists_extra_file",
     lambda: rebuilt(sums=SNAP.sums + f"{sha256_hex(b'x')}  extra.txt\n"
                     .encode()),
     'SHA256SUMS lists "extra.txt", which is not a file this snapshot format '
     'hashes')
case("sums_missing_state_bin_line",
     lambda: rebuilt(sums=SNAP.sums.splitlines(keepends=True)[0]),
     "SHA256SUMS has no line for state.bin")
case("sums_duplicate_line",
     lambda: rebuilt(sums=SNAP.sums + SNAP.sums.splitlines(keepends=True)[0]),
     'SHA256SUMS lists "meta.json" twice')

# meta.json
case("meta_size_mismatch",
     lambda: rebuilt(meta=au.meta_json(SNAP.index, SNAP.term, STATE_LEN + 1)),
     f"meta.json says state.bin is {STATE_LEN + 1} bytes but the archive's "
     f"state.bin is {STATE_LEN} bytes")
case("meta_not_json", lambda: rebuilt(meta=b"{\"Version\":1,\n"),
     "meta.json is not valid JSON")
case("meta_not_object", lambda: rebuilt(meta=b"[1,2]\n"),
     "meta.json is not a JSON object")
case("meta_version_2",
     lambda: rebuilt(meta=au.meta_json(SNAP.index, SNAP.term, STATE_LEN,
                                       version=2)),
     "meta.json has unsupported snapshot version 2 (Vault accepts 0 and 1)")
case("meta_without_size",
     lambda: rebuilt(meta=b'{"Version":1,"ID":"bolt-snapshot"}\n'),
     "meta.json has no Size field")
case("meta_size_negative",
     lambda: rebuilt(meta=b'{"Version":1,"Size":-1}\n'),
     "meta.json field Size must be non-negative")

# the 8 KiB caps
OVERSIZE = ("is 8192 bytes; Vault reads at most 8191 bytes of it (read max "
            "specified bytes (8192) without EOF - possible truncation)")
case("oversized_meta_json",
     lambda: rebuilt(meta=SNAP.meta[:-1] + b" " * (8192 - len(SNAP.meta))
                     + b"\n"),
     "meta.json " + OVERSIZE)
case("oversized_SHA256SUMS",
     lambda: rebuilt(sums=SNAP.sums + b"\n" * (8192 - len(SNAP.sums))),
     "SHA256SUMS " + OVERSIZE)
case("oversized_SHA256SUMS_sealed", lambda: rebuilt(sealed=b"\x01" * 8192),
     "SHA256SUMS.sealed " + OVERSIZE)

# PAX extended headers
case("pax_size_20_digits",
     lambda: pax_then_state([("size", "99999999999999999999")]),
     'invalid PAX size record "99999999999999999999"')
case("pax_size_above_2_62",
     lambda: pax_then_state([("size", str(2 ** 62 + 1))]),
     f"PAX size record {2 ** 62 + 1} is beyond any real archive")
# Accepted as a number, but meta.json (read first, as Vault orders it) says
# otherwise: the mismatch is reported before streaming state.bin.
case("pax_size_2_62_runs_past_archive",
     lambda: tarred([e for e in SNAP.entries() if e[0] != "state.bin"]
                    + [au.pax_header("state.bin", [("size", str(2 ** 62))])
                       + au.tar_header("state.bin", STATE_LEN)
                       + au.pad(SNAP.state)]),
     f"meta.json says state.bin is {STATE_LEN} bytes but the archive's "
     f"state.bin is {2 ** 62} bytes")
case("pax_size_not_a_number", lambda: pax_then_state([("size", "12a")]),
     'invalid PAX size record "12a"')
case("pax_malformed_record", lambda: pax_then_state(b"garbage\n"),
     "malformed PAX extended header record")
case("pax_record_length_past_header", lambda: pax_then_state(b"30 size=5\n"),
     "malformed PAX extended header record")
# 2^64 + 31: wraps to 31 (the real length) in 64-bit arithmetic.
case("pax_record_length_wraps_around",
     lambda: pax_then_state(b"18446744073709551647 mtime=1\nx\n"),
     "malformed PAX extended header record")
case("pax_record_without_equals", lambda: pax_then_state(b"9 sizeXX\n"),
     "malformed PAX record (no '=')")
case("pax_header_not_followed_by_entry",
     lambda: tarred(SNAP.entries() + [au.pax_header(
         "state.bin", [("size", 1)])]),
     "PAX header is not followed by an entry")

# state.bin records (SHA256SUMS and meta.json Size always consistent)
_REC = f"state.bin record at offset {STATE_LEN}: "
case("varint_length_overflows",
     lambda: rebuilt(state=b"\xff" * 11 + SNAP.state),
     "state.bin record at offset 0: the length prefix overflows 64 bits")
case("record_length_beyond_vault_limit",
     lambda: with_state_records(au.uvarint(2 ** 31) + b"\x0a\x01a"),
     _REC + "declares a length of 2147483648 bytes, more than Vault's limit "
     "of 2147483647")
case("record_length_exceeds_state_bin",
     lambda: with_state_records(au.uvarint(1000) + b"\x0a\x01a"),
     _REC + "declares 1000 bytes but only 3 bytes of state.bin remain")
_LAST = au.record("zz/last", b"v" * 50)
case("record_cut_off_at_end",
     lambda: with_state_records(_LAST[:-10]),
     _REC + f"declares {len(_LAST) - 1} bytes but only {len(_LAST) - 11} "
     f"bytes of state.bin remain")
case("length_prefix_cut_off_at_end", lambda: with_state_records(b"\x80"),
     _REC + "state.bin ends inside this record (1 bytes of it present)")
case("key_longer_than_record",
     lambda: with_state_records(au.uvarint(5) + b"\x0a\x10abc"),
     _REC + "field 1 declares 16 bytes but only 3 remain in the record")
case("value_longer_than_record",
     lambda: with_state_records(au.uvarint(6) + b"\x0a\x01a\x12\x7fb"),
     _REC + "field 2 declares 127 bytes but only 1 remain in the record")
case("key_invalid_utf8",
     lambda: with_state_records(au.record(b"zz/\xc3\x28", b"v")),
     _REC + "key is not valid UTF-8")
case("key_utf16_surrogate",
     lambda: with_state_records(au.record(b"zz/\xed\xa0\x80", b"v")),
     _REC + "key is not valid UTF-8")
case("key_with_group_wire_type",
     lambda: with_state_records(au.uvarint(2) + b"\x0b\x0c"),
     _REC + "StorageEntry field 1 has protobuf wire type 3, expected 2")
case("unknown_field_group_wire_type",
     lambda: with_state_records(au.uvarint(5) + b"\x0a\x01a\x23\x24"),
     _REC + "invalid protobuf wire type 3")
case("invalid_wire_type_7",
     lambda: with_state_records(au.uvarint(2) + b"\x27\x00"),
     _REC + "invalid protobuf wire type 7")
case("field_number_zero",
     lambda: with_state_records(au.uvarint(2) + b"\x02\x00"),
     _REC + "invalid protobuf field number 0")
case("value_with_varint_wire_type",
     lambda: with_state_records(au.uvarint(5) + b"\x0a\x01a\x10\x01"),
     _REC + "StorageEntry field 2 has protobuf wire type 0, expected 2")
case("tag_cut_off_at_record_end",
     lambda: with_state_records(au.uvarint(1) + b"\x8a"),
     _REC + "a field is cut off at the record end")
case("fixed64_field_past_record",
     lambda: with_state_records(au.uvarint(3) + b"\x21\x00\x00"),
     _REC + "fixed-width field runs past the record")
case("key_longer_than_boltdb_limit",
     lambda: with_state_records(au.record("zz/" + "k" * 32766, b"v")),
     _REC + "key of 32769 bytes is longer than BoltDB's limit of 32768 bytes")
case("empty_key",
     lambda: with_state_records(au.record("", b"value")),
     _REC + "the key is empty; BoltDB (Vault's store) refuses empty keys")


# --- the runner -----------------------------------------------------------

class MalformedArchiveTest(au.BinaryTestCase):
    """One generated test method per corpus case (see load_tests)."""

    TMP_PREFIX = "vk-malformed-"

    def assert_rejected(self, path, display, expect, *args, stdin=None):
        what = " ".join(["verify", *args, display])
        r = au.run("vaultkeep", "verify", *args, path, stdin=stdin)
        self.assert_not_crashed(r, what)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, CORRUPTION_EXIT,
                         f"{what}: stderr: {err!r}")
        self.assertEqual(r.stdout, b"", what)
        prefix = f"vaultkeep: error: {display}: "
        self.assertTrue(err.startswith(prefix),
                        f"{what}: {err!r} does not start with {prefix!r}")
        self.assertTrue(err.endswith("\n") and err.count("\n") == 1,
                        f"{what}: not one line: {err!r}")
        self.assertIn(expect, err, what)

    def assert_rejected_json(self, path, display, expect):
        r = au.run("vaultkeep", "verify", "--format", "json", path)
        what = f"verify --format json {display}"
        self.assert_not_crashed(r, what)
        self.assertEqual(r.returncode, CORRUPTION_EXIT, what)
        self.assertEqual(r.stderr, b"", what)
        j = json.loads(r.stdout)
        self.assertIs(j["ok"], False, what)
        self.assertEqual(j["error_class"], "corruption", what)
        self.assertEqual(j["exit_code"], CORRUPTION_EXIT, what)
        self.assertIn(expect, j["error"], what)

    def run_case(self, name, build, expect):
        data = build()
        if callable(expect):
            expect = expect(data)
        path = os.path.join(self.tmp, name + ".snap")
        with open(path, "wb") as f:
            f.write(data)
        self.assert_rejected(path, path, expect)
        self.assert_rejected_json(path, path, expect)
        self.assert_rejected("-", "standard input", expect, "--inflate",
                             "isal", "--single-thread", stdin=data)

    # Cases where the archive is fine for a weaker setting.

    def test_missing_sealed_allowed_with_flag(self):
        self.accepted_with_allow_unsealed(without("SHA256SUMS.sealed"))

    def test_empty_sealed_allowed_with_flag(self):
        self.accepted_with_allow_unsealed(rebuilt(sealed=b""))

    def accepted_with_allow_unsealed(self, data):
        path = os.path.join(self.tmp, "unsealed.snap")
        with open(path, "wb") as f:
            f.write(data)
        r = au.run("vaultkeep", "verify", "--allow-unsealed", path)
        self.assert_not_crashed(r, "verify --allow-unsealed")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"no SHA256SUMS.sealed (allowed)", r.stdout)

    def test_base_archives_are_valid(self):
        # The corpus is only meaningful if the undamaged bases pass.
        for name, data in (("python", SNAP.archive()),
                           ("python-rebuilt", rebuilt()),
                           ("pax", pax_then_state([("size", STATE_LEN)])),
                           ("gen-snapshot", gen_archive())):
            with self.subTest(name):
                r = au.run("vaultkeep", "verify", "-", stdin=data)
                self.assert_not_crashed(r, name)
                self.assertEqual(r.returncode, 0, r.stderr)

    # User errors, not corruption.

    def test_missing_file_exits_2(self):
        path = os.path.join(self.tmp, "does-not-exist.snap")
        r = au.run("vaultkeep", "verify", path)
        self.assert_not_crashed(r, "verify missing file")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, b"")
        self.assertIn(b"No such file or directory", r.stderr)
        r = au.run("vaultkeep", "verify", "--format", "json", path)
        self.assertEqual(r.returncode, 2)
        j = json.loads(r.stdout)
        self.assertEqual((j["ok"], j["error_class"]), (False, "user"))
        self.assertIn("No such file or directory", j["error"])

    def test_directory_exits_2(self):
        r = au.run("vaultkeep", "verify", self.tmp)
        self.assert_not_crashed(r, "verify directory")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"")
        self.assertIn(b"is a directory", r.stderr)


def _add_case(name, build, expect):
    def test(self):
        self.run_case(name, build, expect)
    test.__name__ = f"test_{name}"
    test.__doc__ = None
    setattr(MalformedArchiveTest, test.__name__, test)


def _register_truncations():
    def cut(n):
        return lambda: gen_archive()[:n]
    for label, n in truncation_offsets().items():
        case(f"truncated_{label}", cut(n),
             f"gzip stream is truncated: it ends after {n} compressed bytes, "
             f"inside a member")


def load_tests(loader, tests, pattern):
    au.bin_dir()  # before gen_archive() needs it
    if not any(n.startswith("truncated_") for n in CASES):
        _register_truncations()
        for name, (build, expect) in CASES.items():
            _add_case(name, build, expect)
    assert len(CASES) >= 35, len(CASES)
    return loader.loadTestsFromTestCase(MalformedArchiveTest)


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
