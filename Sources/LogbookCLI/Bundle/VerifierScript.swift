/// The auditor's verifier, written into every audit bundle as verify.py (Python 3 standard library only).
enum VerifierScript {
    static let source = #"""
#!/usr/bin/env python3
"""Verify a Logbook audit bundle.

Usage:
    python3 verify.py [--bundle DIR] [--digest N:HEX] [--fast]

The bundle is the directory holding this script unless --bundle names another one. The script needs nothing but
the Python 3 standard library and reads every file of the bundle once or twice, in chunks.

What a success proves:
  * every record of every segment under log/ is whole (length, CRC32C, dense sequence numbers, flags, timestamps
    that never go back) and every segment header continues the one before it;
  * the SHA-256 hash chain recomputed from the first segment's start chain equals every link stored in the log,
    and equals the digest in manifest.json at the log's last sequence number: no record up to it was changed,
    removed, inserted or reordered, unless whoever did it also rewrote the manifest's digest;
  * with --digest N:HEX (a digest kept somewhere else, e.g. printed by 'logbook audit digest'), the log up to N
    is the very one that digest was taken from: that holds even against someone who rewrote the whole bundle;
  * every file the manifest lists has the listed size and SHA-256, and no unlisted file hides under log/ or
    snapshots/;
  * in a pruned bundle (the log starts at B > 1), CHECKPOINT holds the log's chain hash at its sequence C (B - 1,
    or later after an interrupted prune) and the log records that prune (a store.pruned event naming C and the
    same chain): records 1...B-1 were removed by a recorded prune, not by someone else (a CHECKPOINT in a log
    that still starts at 1, left by an interrupted prune, is held to the same rules);
  * every snapshot's header and payload checksums hold and its chain hash is the log's at its sequence number.
    (A snapshot's payload is not proven by the chain: 'logbook check' compares it with a replay of the log.)

--fast skips the CRC32C of every record and snapshot payload (pure Python computes it at about 15-20 MB/s); the
hash chain still proves every byte of the log, and the manifest's SHA-256 every byte of the other files.

The bundle (docs/format.md of Logbook has the full byte tables; all integers are little-endian):
  manifest.json        {"format": "logbook-audit-bundle", "version": 1, "digest": {"seq", "time", "hash"},
                       "first_seq", "checkpoint": {"seq", "hash"} or null, "files": [{"path", "bytes", "sha256"}]}
  log/<20 digits>.seg  a segment, named by its first sequence number. Header, 80 bytes: magic "LGBKLOG1",
                       version u16 (1), header size u16 (80), reserved u32, base sequence u64 @16, previous
                       timestamp i64 @24, start chain 32 bytes @32, reserved 12, CRC32C of bytes 0..<76 u32 @76.
                       Then record frames back to back: length L u32, CRC32C of bytes 8..<L u32, sequence u64,
                       timestamp i64 (ms), type u16, flags u8 (bit 0: commit, the batch's last frame), reserved u8,
                       payload, and in a commit frame the 32-byte chain hash after the batch.
  hash chain           chain = SHA-256(previous chain || for each frame of the batch: bytes 0..<4 and 8..<end),
                       end = L, or L - 32 in the commit frame; the chain before sequence 1 is 32 zero bytes.
  snapshots/<N>.snap   96-byte header: magic "LGBKSNP1", version, header size, reserved, sequence N u64 @16,
                       timestamp @24, chain after N @32, payload length u64 @64, payload CRC32C u32 @72,
                       where the batch ending at N ends (segment u64 @76, offset u64 @84; 0 when not recorded),
                       header CRC32C u32 @92; then the payload (the state after N).
  CHECKPOINT           after a prune, 80 bytes: magic "LGBKCKP1", version u16, reserved, through sequence C u64
                       @16, its timestamp @24, the chain after C @32, reserved 12, CRC32C of bytes 0..<76 @76.
  store.pruned         record type 121, payload: version u8 (1), actor string, reason optional string, through
                       varint, through time zigzag, chain string (64 hex), segments varint, bytes zigzag.
CRC32C is CRC-32/ISCSI (reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF).

Whoever can change the bundle can also change this script: to hold the bundle's author to a digest, run a copy
of verify.py you trust, with --bundle DIR and --digest N:HEX.

Checks run in this order and the first failure is reported: (1) manifest.json; (2) the log, segment by segment
(so a damaged record is named before any manifest mismatch); (3) the files against the manifest; (4) CHECKPOINT
and the prune; (5) snapshots; (6) the manifest's digest, then --digest.

Exit status: 0 and one line "OK: ..." on stdout when everything verifies; 1 and one line "FAIL: ..." on stderr
naming the first problem (file, byte offset and sequence number where there is one); 2 for a usage error (bad
arguments, no manifest.json, a --digest this bundle cannot speak for).
"""

import argparse
import hashlib
import json
import os
import struct
import sys

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

FORMAT_VERSION = 1
SEGMENT_HEADER_SIZE = 80
FRAME_HEADER_SIZE = 28
CHAIN_SIZE = 32
MAX_FRAME_SIZE = 64 << 20
COMMIT_FLAG = 1
MAX_SEQUENCE = 1 << 63
INT64_MIN = -(1 << 63)
ZERO_CHAIN = bytes(32)
SNAPSHOT_HEADER_SIZE = 96
CHECKPOINT_SIZE = 80
STORE_PRUNED_TYPE = 121
READ_CHUNK = 4 << 20

SEGMENT_HEADER = struct.Struct("<8sHHIQq32s12sI")     # magic, version, header size, reserved, base, time, chain, reserved, CRC
FRAME_HEADER = struct.Struct("<IIQqHBB")              # length, CRC, sequence, timestamp, type, flags, reserved
SNAPSHOT_HEADER = struct.Struct("<8sHHIQq32sQI16sI")  # magic, version, size, reserved, seq, time, chain, length, CRCs
CHECKPOINT = struct.Struct("<8sHHIQq32s12sI")         # magic, version, reserved, reserved, seq, time, chain, reserved, CRC


# ---------------------------------------------------------------------------------------------------- failures

class Failure(Exception):
    """The first problem found: printed as 'FAIL: <file> offset <n>, sequence <n>: <message>'."""

    def __init__(self, message, path=None, offset=None, sequence=None):
        Exception.__init__(self, message)
        self.message, self.path, self.offset, self.sequence = message, path, offset, sequence

    def __str__(self):
        where = []
        if self.offset is not None:
            where.append("offset %d" % self.offset)
        if self.sequence is not None:
            where.append("sequence %d" % self.sequence)
        place = " ".join(p for p in (self.path, ", ".join(where)) if p)
        return "%s: %s" % (place, self.message) if place else self.message


class UsageError(Exception):
    """Bad arguments or a bundle that cannot be checked at all (exit 2)."""


# ---------------------------------------------------------------------------------------------------- CRC32C

def _crc32c_tables():
    """Slicing-by-8 tables for CRC-32/ISCSI (reflected polynomial 0x82F63B78)."""
    first = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        first.append(c)
    tables = [first]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(v >> 8) ^ first[v & 0xFF] for v in prev])
    return tables


CRC_TABLES = _crc32c_tables()


def crc32c(data, crc=0):
    """CRC32C of `data` (bytes); pass a previous result as `crc` to continue it over more data."""
    t0, t1, t2, t3, t4, t5, t6, t7 = CRC_TABLES
    crc ^= 0xFFFFFFFF
    body = len(data) - len(data) % 8
    it = iter(data[:body])
    for b0, b1, b2, b3, b4, b5, b6, b7 in zip(it, it, it, it, it, it, it, it):
        crc = (t7[(crc ^ b0) & 0xFF] ^ t6[((crc >> 8) ^ b1) & 0xFF] ^ t5[((crc >> 16) ^ b2) & 0xFF]
               ^ t4[(crc >> 24) ^ b3] ^ t3[b4] ^ t2[b5] ^ t1[b6] ^ t0[b7])
    for b in data[body:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ---------------------------------------------------------------------------------------------------- small helpers

def parse_numbered_name(name, suffix):
    """The number of a '<20 digits><suffix>' file name, or None."""
    stem = name[:-len(suffix)] if name.endswith(suffix) else ""
    if len(stem) == 20 and stem.isdigit() and stem.isascii():
        return int(stem)
    return None


def is_hex64(text):
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def iso_time(ms):
    """The text 'logbook' prints for a time: 2026-03-01T14:00:00.000Z (as Timestamp.iso in the Swift code)."""
    days, ms_of_day = divmod(ms, 86400000)
    # Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    if not 0 <= year <= 9999:
        return "%d ms" % ms
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (year, month, day, ms_of_day // 3600000, ms_of_day // 60000 % 60,
                                                    ms_of_day // 1000 % 60, ms_of_day % 1000)


def open_plain(path, rel):
    """Opens a regular file for reading, refusing symbolic links."""
    if os.path.islink(path):
        raise Failure("is a symbolic link; a bundle holds plain files only", rel)
    try:
        return open(path, "rb")
    except OSError as e:
        raise Failure("cannot be read: %s" % (e.strerror or e), rel)


def file_sha256(path, rel):
    """(byte count, SHA-256 hex) of a file, read in chunks."""
    sha, count = hashlib.sha256(), 0
    with open_plain(path, rel) as f:
        while True:
            chunk = f.read(READ_CHUNK)
            if not chunk:
                return count, sha.hexdigest()
            sha.update(chunk)
            count += len(chunk)


class ChunkReader:
    """Reads a file front to back in large chunks, hashing every byte read (for the manifest's SHA-256)."""

    def __init__(self, f):
        self.f = f
        self.sha = hashlib.sha256()
        self.count = 0        # bytes read from the file so far
        self.buf = b""
        self.pos = 0          # next unconsumed byte of buf

    def _fill(self, n):
        """Makes at least n unconsumed bytes available (fewer at the end of the file)."""
        parts = [self.buf[self.pos:]]
        have = len(parts[0])
        want = max(n, READ_CHUNK)
        while have < want:
            chunk = self.f.read(want - have)
            if not chunk:
                break
            self.sha.update(chunk)
            self.count += len(chunk)
            parts.append(chunk)
            have += len(chunk)
        self.buf, self.pos = b"".join(parts), 0

    def peek(self, n):
        if self.pos + n > len(self.buf):
            self._fill(n)
        return self.buf[self.pos:self.pos + n]

    def take(self, n):
        data = self.peek(n)
        self.pos += len(data)
        return data

    def finish(self):
        """Reads the rest of the file; returns (byte count, SHA-256 hex) of the whole file."""
        while True:
            chunk = self.f.read(READ_CHUNK)
            if not chunk:
                return self.count, self.sha.hexdigest()
            self.sha.update(chunk)
            self.count += len(chunk)


# ---------------------------------------------------------------------------------------------------- manifest

def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("the key '%s' appears twice" % key)
        obj[key] = value
    return obj


def _is_int(v, minimum=0):
    return isinstance(v, int) and not isinstance(v, bool) and minimum <= v < MAX_SEQUENCE


def _valid_relative_path(path):
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or "\0" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def load_manifest(bundle):
    """Reads and checks manifest.json; returns it as a dict. A missing manifest is a usage error."""
    rel = "manifest.json"
    path = os.path.join(bundle, rel)
    if not os.path.isfile(path):
        raise UsageError("%s has no manifest.json: is it an audit bundle? (give --bundle DIR)" % bundle)
    try:
        with open_plain(path, rel) as f:
            manifest = json.loads(f.read().decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (ValueError, UnicodeDecodeError) as e:
        raise Failure("is not valid JSON: %s" % e, rel)

    def bad(what):
        return Failure("unexpected format: %s" % what, rel)

    if not isinstance(manifest, dict) or manifest.get("format") != "logbook-audit-bundle":
        raise bad("\"format\" is not \"logbook-audit-bundle\"")
    if manifest.get("version") != FORMAT_VERSION or isinstance(manifest.get("version"), bool):
        raise bad("bundle version %r is not supported (this verifier reads version %d)"
                  % (manifest.get("version"), FORMAT_VERSION))
    digest = manifest.get("digest")
    if not isinstance(digest, dict) or not _is_int(digest.get("seq")) or not is_hex64(digest.get("hash")):
        raise bad("\"digest\" is not {\"seq\": N, \"time\": ..., \"hash\": \"<64 hex>\"}")
    if digest.get("time") is not None and not isinstance(digest.get("time"), str):
        raise bad("\"digest\".\"time\" is neither a string nor null")
    if not _is_int(manifest.get("first_seq"), 1):
        raise bad("\"first_seq\" is not a sequence number")
    checkpoint = manifest.get("checkpoint")
    if checkpoint is not None and (not isinstance(checkpoint, dict) or not _is_int(checkpoint.get("seq"), 1)
                                   or not is_hex64(checkpoint.get("hash"))):
        raise bad("\"checkpoint\" is neither null nor {\"seq\": C, \"hash\": \"<64 hex>\"}")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise bad("\"files\" is not a list")
    seen = set()
    for entry in files:
        if (not isinstance(entry, dict) or not _valid_relative_path(entry.get("path"))
                or not _is_int(entry.get("bytes")) or not is_hex64(entry.get("sha256"))):
            raise bad("a \"files\" entry is not {\"path\": relative path, \"bytes\": n, \"sha256\": \"<64 hex>\"}: %s"
                      % json.dumps(entry)[:200])
        if entry["path"] in seen or entry["path"] == rel:
            raise bad("\"files\" lists '%s' twice or lists the manifest itself" % entry["path"])
        seen.add(entry["path"])
    return manifest


# ---------------------------------------------------------------------------------------------------- log walk

class Point:
    """The log at one sequence number of interest (a digest, the checkpoint, a snapshot)."""

    def __init__(self, sequence, chain, timestamp, path, offset, batch):
        self.sequence = sequence
        self.chain = chain            # chain hash after `sequence`, or None when it is not a batch end
        self.timestamp = timestamp    # timestamp of record `sequence` (at a batch end)
        self.path, self.offset = path, offset
        self.batch = batch            # (first, last) sequence of the batch holding it; None before the first record


class LogWalk:
    """What the walk over the log saw."""

    def __init__(self, interest):
        self.segments = []            # (rel path, base) in order
        self.records = 0
        self.batches = 0
        self.first_sequence = None
        self.next_sequence = None
        self.chain = None
        self.last_timestamp = None
        self.file_hashes = {}         # rel path -> (bytes, sha256 hex)
        self.pruned_records = []      # (sequence, rel path, offset, payload) of store.pruned records
        self.interest = sorted(set(interest))  # sequence numbers to note a Point at
        self.points = {}              # sequence -> Point

    @property
    def last_sequence(self):
        return self.next_sequence - 1


def list_segments(bundle):
    """The segment files under log/, sorted by base sequence: [(rel path, full path, base)]."""
    log_dir = os.path.join(bundle, "log")
    if os.path.islink(log_dir):
        raise Failure("is a symbolic link; a bundle holds plain files only", "log/")
    try:
        names = os.listdir(log_dir)
    except OSError:
        raise Failure("the bundle has no log/ directory", "log/")
    segments = []
    for name in names:
        base = parse_numbered_name(name, ".seg")
        if base is not None:
            segments.append(("log/" + name, os.path.join(log_dir, name), base))
    if not segments:
        raise Failure("the bundle has no log segment", "log/")
    segments.sort(key=lambda s: s[2])
    return segments


def check_segment_header(walk, header, rel, base_from_name):
    """Checks one segment header on its own and against the end of the previous segment."""
    if len(header) < SEGMENT_HEADER_SIZE:
        raise Failure("segment header is incomplete (%d of %d bytes)" % (len(header), SEGMENT_HEADER_SIZE), rel, 0)
    magic, version, size, reserved, base, previous_time, start_chain, reserved2, crc = SEGMENT_HEADER.unpack(header)
    if magic != b"LGBKLOG1":
        raise Failure("not a Logbook segment (bad magic)", rel, 0)
    if crc != crc32c(header[:76]):
        raise Failure("segment header checksum mismatch", rel, 76)
    if version != FORMAT_VERSION or size != SEGMENT_HEADER_SIZE:
        raise Failure("segment format version %d (header size %d) is not supported (this verifier reads version %d)"
                      % (version, size, FORMAT_VERSION), rel, 8)
    if reserved != 0 or reserved2 != bytes(12):
        raise Failure("reserved header bytes are not zero", rel, 12 if reserved else 64)
    if not 1 <= base < MAX_SEQUENCE:
        raise Failure("segment header names base sequence %d, outside 1..<2^63" % base, rel, 16)
    if base != base_from_name:
        raise Failure("segment header names base sequence %d but the file name says %d" % (base, base_from_name),
                      rel, 16)
    if walk.next_sequence is None:  # the first segment
        if base == 1 and start_chain != ZERO_CHAIN:
            raise Failure("the first segment does not start from the empty chain", rel, 32, 1)
        if base == 1 and previous_time != INT64_MIN:
            raise Failure("the first segment's previous timestamp is %d, not Int64.min" % previous_time, rel, 24, 1)
        walk.first_sequence, walk.next_sequence = base, base
        walk.chain, walk.last_timestamp = start_chain, previous_time
        note_point(walk, base - 1, start_chain, previous_time, rel, 32, None)  # a digest at the very start
        return
    previous = walk.segments[-1][0]
    if base != walk.next_sequence:
        if base > walk.next_sequence:
            what = ("records %d...%d are missing: a segment was removed" % (walk.next_sequence, base - 1))
        else:
            what = "records %d...%d appear twice: a segment was inserted or changed" % (base, walk.next_sequence - 1)
        raise Failure("segment starts at sequence %d but %s ends at %d; %s"
                      % (base, previous, walk.last_sequence, what), rel, 16, walk.next_sequence)
    if start_chain != walk.chain:
        raise Failure("segment header's start chain is not the chain after %s: a segment was changed, removed or "
                      "inserted" % previous, rel, 32, walk.next_sequence)
    if previous_time != walk.last_timestamp:
        raise Failure("segment header's previous timestamp %d is not the last one of %s (%d): a segment was changed, "
                      "removed or inserted" % (previous_time, previous, walk.last_timestamp), rel, 24, walk.next_sequence)


def note_point(walk, sequence, chain, timestamp, rel, offset, batch):
    walk.points[sequence] = Point(sequence, chain, timestamp, rel, offset, batch)


def walk_segment(walk, rel, path, base_from_name, check_crc):
    """Checks one segment's header, every frame and every batch's chain link."""
    with open_plain(path, rel) as f:
        size = os.fstat(f.fileno()).st_size
        reader = ChunkReader(f)
        check_segment_header(walk, reader.take(SEGMENT_HEADER_SIZE), rel, base_from_name)
        walk.segments.append((rel, base_from_name))
        offset = SEGMENT_HEADER_SIZE
        sequence, timestamp, chain = walk.next_sequence, walk.last_timestamp, walk.chain
        batch_offset, batch_first, hasher = offset, sequence, None
        interest = [s for s in walk.interest if s >= sequence]
        k = 0
        while offset < size:
            if size - offset < FRAME_HEADER_SIZE:
                raise incomplete_batch(rel, batch_offset, batch_first, size)
            length, crc, frame_sequence, frame_time, _, flags, reserved = FRAME_HEADER.unpack(
                reader.peek(FRAME_HEADER_SIZE))
            if length < FRAME_HEADER_SIZE or length > MAX_FRAME_SIZE:
                raise Failure("damaged record: invalid frame length %d" % length, rel, offset, sequence)
            if offset + length > size:
                raise Failure("damaged record: frame of %d bytes runs past the end of the file (the file was cut "
                              "off inside a batch)" % length, rel, offset, sequence)
            frame = reader.take(length)
            rest = frame[8:]
            if check_crc and crc32c(rest) != crc:
                raise Failure("damaged record: record checksum mismatch (the record was changed or damaged)",
                              rel, offset, sequence)
            if frame_sequence != sequence:
                raise Failure("damaged record: sequence number %d where %d was expected (a record was removed, "
                              "inserted or reordered)" % (frame_sequence, sequence), rel, offset, sequence)
            is_commit = flags & COMMIT_FLAG != 0
            if flags & ~COMMIT_FLAG or reserved or (is_commit and length < FRAME_HEADER_SIZE + CHAIN_SIZE):
                raise Failure("damaged record: invalid frame flags", rel, offset, sequence)
            if frame_time < timestamp:
                raise Failure("damaged record: timestamp %d goes back before %d" % (frame_time, timestamp),
                              rel, offset, sequence)
            if hasher is None:
                hasher = hashlib.sha256(chain)
            hasher.update(frame[0:4])
            if frame[24:26] == b"\x79\x00":  # type 121, store.pruned
                walk.pruned_records.append((sequence, rel, offset,
                                            frame[FRAME_HEADER_SIZE:length - (CHAIN_SIZE if is_commit else 0)]))
            timestamp = frame_time
            sequence += 1
            offset += length
            walk.records += 1
            if not is_commit:
                hasher.update(rest)
                continue
            hasher.update(frame[8:length - CHAIN_SIZE])
            recomputed = hasher.digest()
            if recomputed != frame[length - CHAIN_SIZE:]:
                raise Failure("hash chain broken at the batch %d...%d: a record was changed, removed, inserted or "
                              "reordered" % (batch_first, sequence - 1), rel, batch_offset, batch_first)
            while k < len(interest) and interest[k] < sequence:
                s = interest[k]
                note_point(walk, s, recomputed if s == sequence - 1 else None, timestamp, rel, batch_offset,
                           (batch_first, sequence - 1))
                k += 1
            chain = recomputed
            walk.batches += 1
            walk.next_sequence, walk.last_timestamp, walk.chain = sequence, timestamp, chain
            batch_offset, batch_first, hasher = offset, sequence, None
        if hasher is not None:
            raise incomplete_batch(rel, batch_offset, batch_first, size)
        walk.file_hashes[rel] = reader.finish()


def incomplete_batch(rel, batch_offset, batch_first, size):
    return Failure("the segment ends inside a batch: the %d bytes from offset %d are not closed by a commit frame "
                   "(the file was cut off, or the end of a batch was removed)" % (size - batch_offset, batch_offset),
                   rel, batch_offset, batch_first)


def walk_log(bundle, interest, check_crc):
    walk = LogWalk(interest)
    for rel, path, base in list_segments(bundle):
        walk_segment(walk, rel, path, base, check_crc)
    return walk


# ---------------------------------------------------------------------------------------------------- files

def check_files(bundle, manifest, walk):
    """Every listed file exists with its size and SHA-256; nothing unlisted under log/ or snapshots/."""
    listed = set()
    for entry in manifest["files"]:
        rel = entry["path"]
        listed.add(rel)
        path = os.path.join(bundle, *rel.split("/"))
        if rel.startswith("log/") and parse_numbered_name(rel[4:], ".seg") is None:
            raise Failure("is listed in the manifest but is not a segment file name (log/<20 digits>.seg)", rel)
        if rel.startswith("snapshots/") and parse_numbered_name(rel[10:], ".snap") is None:
            raise Failure("is listed in the manifest but is not a snapshot file name (snapshots/<20 digits>.snap)",
                          rel)
        if not os.path.lexists(path):
            raise Failure("is listed in the manifest but missing from the bundle", rel)
        if not os.path.isfile(path) or os.path.islink(path):
            raise Failure("is listed in the manifest but is not a plain file", rel)
        count, sha = walk.file_hashes.get(rel) or file_sha256(path, rel)
        if count != entry["bytes"]:
            raise Failure("has %d bytes, the manifest lists %d" % (count, entry["bytes"]), rel)
        if sha != entry["sha256"]:
            raise Failure("SHA-256 %s differs from the manifest's %s: the file was changed" % (sha, entry["sha256"]),
                          rel)
    for directory in ("log", "snapshots"):
        for rel in sorted(walk_tree(bundle, directory)):
            if rel not in listed:
                raise Failure("is not listed in the manifest: a file was added to the bundle", rel)
    if os.path.lexists(os.path.join(bundle, "CHECKPOINT")) and "CHECKPOINT" not in listed:
        raise Failure("is not listed in the manifest", "CHECKPOINT")
    if manifest["first_seq"] != walk.first_sequence:
        raise Failure("the manifest's first_seq is %d but the log starts at sequence %d"
                      % (manifest["first_seq"], walk.first_sequence), "manifest.json")


def walk_tree(bundle, directory):
    """Relative paths of every entry (files, links, empty directories) under bundle/directory."""
    top = os.path.join(bundle, directory)
    if not os.path.isdir(top) or os.path.islink(top):
        return []
    found = []
    for root, dirs, files in os.walk(top):
        rel_root = os.path.relpath(root, bundle).replace(os.sep, "/")
        found.extend(rel_root + "/" + name for name in files)
        for name in dirs:
            if os.path.islink(os.path.join(root, name)) or not os.listdir(os.path.join(root, name)):
                found.append(rel_root + "/" + name)
    return found


# ---------------------------------------------------------------------------------------------------- checkpoint

class Checkpoint:
    def __init__(self, sequence, timestamp, chain):
        self.sequence, self.timestamp, self.chain = sequence, timestamp, chain


def read_checkpoint(bundle):
    """The CHECKPOINT file, checked on its own; None when the bundle has none."""
    rel, path = "CHECKPOINT", os.path.join(bundle, "CHECKPOINT")
    if not os.path.lexists(path):
        return None
    with open_plain(path, rel) as f:
        data = f.read(CHECKPOINT_SIZE + 1)
    if len(data) != CHECKPOINT_SIZE:
        raise Failure("is not %d bytes long, as a checkpoint is" % CHECKPOINT_SIZE, rel)
    magic, version, reserved, reserved2, sequence, timestamp, chain, reserved3, crc = CHECKPOINT.unpack(data)
    if magic != b"LGBKCKP1":
        raise Failure("not a Logbook checkpoint (bad magic)", rel, 0)
    if crc != crc32c(data[:76]):
        raise Failure("checkpoint checksum mismatch", rel, 76)
    if version != FORMAT_VERSION:
        raise Failure("checkpoint format version %d is not supported (this verifier reads version %d)"
                      % (version, FORMAT_VERSION), rel, 8)
    if reserved or reserved2 or reserved3 != bytes(12):
        raise Failure("reserved checkpoint bytes are not zero", rel, 10 if reserved else 12 if reserved2 else 64)
    if not 1 <= sequence < MAX_SEQUENCE:
        raise Failure("checkpoint names sequence %d, outside 1..<2^63" % sequence, rel, 16)
    return Checkpoint(sequence, timestamp, chain)


def point_at(walk, sequence):
    """The Point the walk noted at `sequence` (one of the sequence numbers of interest, within the log)."""
    point = walk.points.get(sequence)
    if point is None:  # only if a file changed while this script ran
        raise Failure("the log changed while it was being verified; run the verifier again", sequence=sequence)
    return point


def log_point(walk, sequence, what, rel):
    """The log's Point at `sequence`, which `what` (the file `rel`) names: it must be a batch end in the log."""
    if sequence > walk.last_sequence:
        raise Failure("%s is at sequence %d, after the end of the log (%d): records were removed"
                      % (what, sequence, walk.last_sequence), rel, 16, sequence)
    point = point_at(walk, sequence)
    if point.chain is None:
        raise Failure("%s is at sequence %d, inside the batch %d...%d (%s offset %d) rather than at its end: it does "
                      "not belong to this log" % ((what, sequence) + point.batch + (point.path, point.offset)),
                      rel, 16, sequence)
    return point


def check_checkpoint(manifest, walk, checkpoint):
    """The prune attestation: returns a description for the OK line ('' for an unpruned log)."""
    entry = manifest["checkpoint"]
    if checkpoint is None and entry is not None:
        raise Failure("the manifest names a checkpoint at sequence %d but the bundle has no CHECKPOINT"
                      % entry["seq"], "manifest.json")
    if checkpoint is not None and (entry is None or entry["seq"] != checkpoint.sequence
                                   or entry["hash"] != checkpoint.chain.hex()):
        raise Failure("the manifest's checkpoint (%s) is not the bundle's CHECKPOINT (%d:%s)"
                      % (json.dumps(entry), checkpoint.sequence, checkpoint.chain.hex()), "manifest.json")
    first_rel = walk.segments[0][0]
    base = walk.first_sequence
    if checkpoint is None:
        if base > 1:
            raise Failure("the log starts at sequence %d but the bundle has no CHECKPOINT: records 1...%d were "
                          "removed without a recorded prune" % (base, base - 1), first_rel, 16, base)
        return ""
    c = checkpoint.sequence
    if c < base - 1:
        raise Failure("CHECKPOINT covers sequence %d but the log starts at %d: records %d...%d were removed beyond "
                      "the checkpoint" % (c, base, c + 1, base - 1), "CHECKPOINT", 16, c + 1)
    point = log_point(walk, c, "CHECKPOINT", "CHECKPOINT")
    if point.chain != checkpoint.chain:
        raise Failure("CHECKPOINT records another chain hash than the log at sequence %d: the checkpoint or the log "
                      "was altered" % c, "CHECKPOINT", 32, c)
    if point.timestamp != checkpoint.timestamp:
        raise Failure("CHECKPOINT records time %d for record %d, the log has %d" % (checkpoint.timestamp, c,
                                                                                     point.timestamp), "CHECKPOINT", 24, c)
    # The prune is recorded before its CHECKPOINT is written, so even an interrupted one (no segment removed yet,
    # or only some) has its store.pruned record in the log.
    attesting = find_prune_record(walk, checkpoint)
    if base == 1:
        return "; CHECKPOINT at %d attested by the store.pruned record %d (no segment removed yet)" % (c, attesting)
    return "; records 1...%d pruned, CHECKPOINT at %d attested by the store.pruned record %d" % (base - 1, c, attesting)


def find_prune_record(walk, checkpoint):
    """The sequence number of the store.pruned record naming the checkpoint, or a Failure."""
    wanted = checkpoint.chain.hex()
    mismatch = malformed = None
    for sequence, rel, offset, payload in walk.pruned_records:
        try:
            event = parse_store_pruned(payload)
        except ValueError as e:
            malformed = malformed or Failure("the store.pruned record (type 121) is malformed: %s" % e,
                                             rel, offset, sequence)
            continue
        if event["through"] == checkpoint.sequence and event["chain"] == wanted:
            return sequence
        if event["through"] == checkpoint.sequence:
            mismatch = mismatch or Failure("the store.pruned record through %d names chain %s, not the CHECKPOINT's %s"
                                           % (checkpoint.sequence, event["chain"], wanted), rel, offset, sequence)
    if mismatch or malformed:
        raise mismatch or malformed
    raise Failure("the log has no store.pruned record (type 121) through sequence %d with the CHECKPOINT's chain: "
                  "the prune is not recorded" % checkpoint.sequence, "CHECKPOINT", 16, checkpoint.sequence)


class PayloadReader:
    """Reads the primitives of an event payload (docs/format.md)."""

    def __init__(self, data):
        self.data, self.pos = bytes(data), 0

    def u8(self):
        if self.pos >= len(self.data):
            raise ValueError("it ends early, at byte %d" % self.pos)
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self):
        value, shift = 0, 0
        while True:
            byte = self.u8()
            if shift == 63 and byte > 1:
                raise ValueError("a varint exceeds 64 bits at byte %d" % (self.pos - 1))
            value |= (byte & 0x7F) << shift
            if byte & 0x80 == 0:
                if byte == 0 and shift > 0:
                    raise ValueError("a varint is not in its shortest form at byte %d" % (self.pos - 1))
                return value
            shift += 7

    def zigzag(self):
        u = self.varint()
        return (u >> 1) ^ -(u & 1)

    def string(self):
        length = self.varint()
        if length > len(self.data) - self.pos:
            raise ValueError("a string of %d bytes runs past the end" % length)
        raw = self.data[self.pos:self.pos + length]
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("a string is not valid UTF-8 at byte %d" % (self.pos - length))

    def optional_string(self):
        presence = self.u8()
        if presence > 1:
            raise ValueError("invalid presence byte %d at byte %d" % (presence, self.pos - 1))
        return self.string() if presence else None


def parse_store_pruned(payload):
    """Decodes a store.pruned payload; ValueError when it is not one."""
    r = PayloadReader(payload)
    version = r.u8()
    if version != 1:
        raise ValueError("schema version %d (this verifier reads 1)" % version)
    event = {"actor": r.string(), "reason": r.optional_string(), "through": r.varint(), "through_time": r.zigzag(),
             "chain": r.string(), "segments": r.varint(), "bytes": r.zigzag()}
    if r.pos != len(r.data):
        raise ValueError("%d bytes follow its last field" % (len(r.data) - r.pos))
    if not is_hex64(event["chain"]):
        raise ValueError("its chain is not 64 lowercase hex digits")
    return event


# ---------------------------------------------------------------------------------------------------- snapshots

def snapshot_files(bundle):
    """[(rel path, full path, sequence)] of snapshots/<20 digits>.snap, in order."""
    directory = os.path.join(bundle, "snapshots")
    if os.path.islink(directory):
        raise Failure("is a symbolic link; a bundle holds plain files only", "snapshots/")
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        sequence = parse_numbered_name(name, ".snap")
        if sequence is not None:
            found.append(("snapshots/" + name, os.path.join(directory, name), sequence))
    return sorted(found, key=lambda s: s[2])


def check_snapshot(rel, path, sequence, walk, checkpoint, check_crc):
    with open_plain(path, rel) as f:
        size = os.fstat(f.fileno()).st_size
        header = f.read(SNAPSHOT_HEADER_SIZE)
        if len(header) < SNAPSHOT_HEADER_SIZE or header[:8] != b"LGBKSNP1":
            raise Failure("not a Logbook snapshot (bad magic or short header)", rel, 0)
        (_, version, header_size, _, covered, _, chain, length, payload_crc, _, header_crc) = SNAPSHOT_HEADER.unpack(header)
        if header_crc != crc32c(header[:92]):
            raise Failure("snapshot header checksum mismatch", rel, 92)
        if version != FORMAT_VERSION or header_size != SNAPSHOT_HEADER_SIZE:
            raise Failure("snapshot format version %d is not supported" % version, rel, 8)
        if covered != sequence:
            raise Failure("the snapshot header covers sequence %d but the file name says %d" % (covered, sequence),
                          rel, 16)
        if length != size - SNAPSHOT_HEADER_SIZE:
            raise Failure("snapshot payload length %d does not match the file (%d bytes after the header)"
                          % (length, size - SNAPSHOT_HEADER_SIZE), rel, 64)
        if check_crc:
            crc = 0
            while True:
                chunk = f.read(READ_CHUNK)
                if not chunk:
                    break
                crc = crc32c(chunk, crc)
            if crc != payload_crc:
                raise Failure("snapshot payload checksum mismatch", rel, SNAPSHOT_HEADER_SIZE)
    if sequence < walk.first_sequence - 1:
        raise Failure("the snapshot covers sequence %d, before the log's first record %d: it should not be in this "
                      "bundle" % (sequence, walk.first_sequence), rel, 16, sequence)
    if checkpoint is not None and sequence == checkpoint.sequence:
        expected = checkpoint.chain
    else:
        expected = log_point(walk, sequence, "the snapshot", rel).chain
    if chain != expected:
        raise Failure("the snapshot records another chain hash than the log at sequence %d: it belongs to another "
                      "history" % sequence, rel, 32, sequence)


# ---------------------------------------------------------------------------------------------------- digests

def parse_digest(text):
    """(N, 32-byte chain) from 'N:HEX'; UsageError when malformed."""
    number, _, hex_text = text.partition(":")
    try:
        if not number.isdigit() or not number.isascii() or len(hex_text) != 64:
            raise ValueError
        sequence, chain = int(number), bytes.fromhex(hex_text)
    except ValueError:
        raise UsageError("--digest '%s' is not N:HEX (a sequence number, a colon, 64 hex digits); "
                         "'logbook audit digest' prints one" % text)
    if sequence >= MAX_SEQUENCE:
        raise UsageError("--digest '%s' names a sequence number beyond 2^63" % text)
    return sequence, chain


def check_digest(walk, sequence, chain, name):
    """The log's chain at `sequence` equals `chain`; `name` says which digest it is."""
    if sequence < walk.first_sequence - 1:
        raise UsageError("%s is at sequence %d, before this bundle's first record %d (records 1...%d were pruned): "
                         "the bundle cannot prove or disprove it; use a digest taken at or after sequence %d"
                         % (name, sequence, walk.first_sequence, walk.first_sequence - 1, walk.first_sequence - 1))
    if sequence > walk.last_sequence:
        raise Failure("the log ends at sequence %d, before sequence %d of %s: records were removed"
                      % (walk.last_sequence, sequence, name), walk.segments[-1][0], sequence=walk.last_sequence + 1)
    point = point_at(walk, sequence)
    if point.chain is None:
        raise Failure("%s is at sequence %d, inside the batch %d...%d rather than at its end: the log does not match "
                      "it (a record up to it was changed, removed, inserted or reordered)"
                      % ((name, sequence) + point.batch), point.path, point.offset, sequence)
    if point.chain != chain:
        raise Failure("the log does not match %s at sequence %d: a record up to it was changed, removed, inserted or "
                      "reordered" % (name, sequence), point.path, point.offset, sequence)


def check_manifest_digest(manifest, walk):
    digest = manifest["digest"]
    sequence, time = digest["seq"], digest.get("time")
    if sequence < walk.last_sequence:
        raise Failure("the manifest's digest is at sequence %d but the log goes on to %d: records were appended after "
                      "the digest was taken" % (sequence, walk.last_sequence), "manifest.json",
                      sequence=sequence + 1)
    check_digest(walk, sequence, bytes.fromhex(digest["hash"]), "the manifest's digest")
    expected_time = iso_time(walk.last_timestamp) if walk.records else None
    if time is not None and time != expected_time:
        raise Failure("the manifest's digest time %s is not the time of record %d (%s)"
                      % (time, sequence, expected_time or "none"), "manifest.json", sequence=sequence)


# ---------------------------------------------------------------------------------------------------- main

def sequences_of_interest(bundle, manifest, snapshots, given_digest):
    """The sequence numbers at which the walk must note the chain: digests, the checkpoint, snapshots."""
    interest = [manifest["digest"]["seq"]] + [s[2] for s in snapshots]
    if given_digest is not None:
        interest.append(given_digest[0])
    if manifest["checkpoint"] is not None:
        interest.append(manifest["checkpoint"]["seq"])
    try:
        with open(os.path.join(bundle, "CHECKPOINT"), "rb") as f:
            head = f.read(24)
        if len(head) == 24:
            interest.append(struct.unpack_from("<Q", head, 16)[0])
    except OSError:
        pass  # no CHECKPOINT, or an unreadable one: step (4) reports it
    return interest


def verify(bundle, given_digest, check_crc):
    """Runs every check in order; returns the OK line or raises Failure / UsageError."""
    manifest = load_manifest(bundle)                                                          # (1)
    snapshots = snapshot_files(bundle)
    interest = sequences_of_interest(bundle, manifest, snapshots, given_digest)
    walk = walk_log(bundle, interest, check_crc)                                              # (2)
    check_files(bundle, manifest, walk)                                                       # (3)
    checkpoint = read_checkpoint(bundle)                                                      # (4)
    pruned = check_checkpoint(manifest, walk, checkpoint)
    for rel, path, sequence in snapshots:                                                     # (5)
        check_snapshot(rel, path, sequence, walk, checkpoint, check_crc)
    check_manifest_digest(manifest, walk)                                                     # (6)
    if given_digest is not None:
        check_digest(walk, given_digest[0], given_digest[1], "the --digest")

    span = ("sequence %d...%d" % (walk.first_sequence, walk.last_sequence) if walk.records
            else "no records")
    line = "OK: %d records in %d batches over %d segment(s), %s; %s%s; %d snapshot(s) bound to the chain; " \
           "the log is the one of digest %d:%s" % (
               walk.records, walk.batches, len(walk.segments), span,
               "every CRC32C and the hash chain verify" if check_crc
               else "the hash chain verifies (CRC32C skipped: --fast)",
               pruned, len(snapshots), walk.last_sequence, walk.chain.hex())
    if given_digest is not None:
        line += " and of --digest %d:%s" % (given_digest[0], given_digest[1].hex())
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Verify a Logbook audit bundle: every record's checksum, the hash chain, the manifest, the "
                    "checkpoint and the snapshots.")
    parser.add_argument("--bundle", metavar="DIR",
                        help="the bundle directory (default: the directory holding this script)")
    parser.add_argument("--digest", metavar="N:HEX",
                        help="a digest kept elsewhere ('logbook audit digest'): prove the log up to N matches it")
    parser.add_argument("--fast", action="store_true",
                        help="skip the per-record CRC32C (slow in pure Python); the hash chain still proves the log")
    args = parser.parse_args(argv)
    bundle = args.bundle or os.path.dirname(os.path.abspath(__file__))
    try:
        if not os.path.isdir(bundle):
            raise UsageError("%s is not a directory" % bundle)
        given = parse_digest(args.digest) if args.digest is not None else None
        line = verify(bundle, given, not args.fast)
    except UsageError as e:
        sys.stderr.write("verify.py: %s\n" % e)
        return EXIT_USAGE
    except Failure as e:
        sys.stderr.write("FAIL: %s\n" % e)
        return EXIT_FAIL
    except OSError as e:
        sys.stderr.write("FAIL: reading the bundle failed: %s\n" % e)
        return EXIT_FAIL
    print(line)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""#
}
