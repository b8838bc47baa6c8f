"""Reading an SQLite database the way an insider with a copy of its files would: the
write-ahead log frame by frame, every committed state, and the order in which rows were
put into a page. Written from the file format (https://www.sqlite.org/fileformat2.html),
with no help from SQLite itself, so it sees what SQLite would hide."""

from __future__ import annotations

import sqlite3
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24
WAL_MAGIC = (0x377F0682, 0x377F0683)  # checksums little-endian, big-endian


@dataclass(frozen=True)
class Commit:
    """One transaction in the WAL: the pages it wrote, and the database's size after it."""

    pages: tuple[tuple[int, bytes], ...]
    database_pages: int


def _checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack((">" if big_endian else "<") + f"{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def wal_commits(wal: bytes) -> list[Commit]:
    """Every committed transaction the WAL holds, in order. Frames are valid while their
    salt matches the header's and their checksum chain holds; a frame with a non-zero
    "database size" ends a commit; frames after the last commit (or an invalid frame)
    belong to no transaction."""
    if len(wal) < WAL_HEADER:
        return []
    magic, _version, page_size, _seq = struct.unpack(">4I", wal[:16])
    assert magic in WAL_MAGIC, "not a WAL file"
    big_endian = magic == WAL_MAGIC[1]
    salt = wal[16:24]
    s0, s1 = _checksum(wal[:24], 0, 0, big_endian)
    assert struct.unpack(">2I", wal[24:32]) == (s0, s1), "the WAL header's checksum is wrong"
    commits: list[Commit] = []
    pending: list[tuple[int, bytes]] = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        header = wal[offset : offset + FRAME_HEADER]
        page = wal[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
        page_number, database_pages = struct.unpack(">2I", header[:8])
        if header[8:16] != salt:
            break  # left over from before the WAL was last restarted
        s0, s1 = _checksum(header[:8], s0, s1, big_endian)
        s0, s1 = _checksum(page, s0, s1, big_endian)
        if struct.unpack(">2I", header[16:24]) != (s0, s1):
            break
        pending.append((page_number, page))
        if database_pages:
            commits.append(Commit(tuple(pending), database_pages))
            pending = []
        offset += FRAME_HEADER + page_size
    return commits


def page_size_of(database: bytes) -> int:
    size = struct.unpack(">H", database[16:18])[0]
    return 65536 if size == 1 else size


def snapshots(main: bytes, commits: list[Commit]) -> Iterator[bytes]:
    """The database file as it stood after each commit: the main file with the WAL's
    frames applied up to and including that commit."""
    size = page_size_of(main)
    image = bytearray(main)
    for commit in commits:
        for page_number, page in commit.pages:
            end = page_number * size
            if len(image) < end:
                image.extend(bytes(end - len(image)))
            image[end - size : end] = page
        del image[commit.database_pages * size :]
        yield bytes(image)


@contextmanager
def opened(database: bytes, where: Path) -> Iterator[sqlite3.Connection]:
    """A snapshot opened with sqlite3, as a plain (rollback-journal) database file."""
    image = bytearray(database)
    image[18:20] = b"\x01\x01"  # legacy file format: no WAL to look for
    where.write_bytes(bytes(image))
    conn = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise AssertionError("unreachable")


def _first_value(record: bytes) -> object:
    header_size, at = _varint(record, 0)
    serial, _ = _varint(record, at)
    body = record[header_size:]
    if serial >= 13 and serial % 2 == 1:
        return body[: (serial - 13) // 2].decode()
    if serial >= 12 and serial % 2 == 0:
        return body[: (serial - 12) // 2]
    raise AssertionError(f"unexpected serial type {serial}")


def insertion_order(database: bytes, table: str, where: Path) -> list[str]:
    """The first key column of a ``WITHOUT ROWID`` table's rows in the order they were put
    into its page. A page's cell content grows downwards from its end, so on a page that
    nothing was deleted from, a higher offset means an earlier insert: an order SQLite's
    own queries never show (they return key order). The table must fit on its root page."""
    with opened(database, where) as conn:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    size = page_size_of(database)
    page = database[(root - 1) * size : root * size]
    start = 100 if root == 1 else 0
    kind, first_freeblock, cells = struct.unpack(">BHH", page[start : start + 5])
    assert kind == 0x0A, f"{table} does not fit on one leaf page (page type {kind:#x})"
    assert first_freeblock == 0, f"{table}'s page has freed space: offsets no longer tell order"
    pointers = struct.unpack(f">{cells}H", page[start + 8 : start + 8 + 2 * cells])
    keys: list[tuple[int, str]] = []
    for offset in pointers:
        payload_size, at = _varint(page, offset)
        value = _first_value(page[at : at + payload_size])
        keys.append((offset, str(value)))
    return [key for _offset, key in sorted(keys, reverse=True)]


def as_uuid(value: object) -> uuid.UUID:
    """SQLAlchemy keeps a UUID in SQLite as 32 hex characters."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
