"""Reading a live SQLite file as an insider with a copy of it would, without breaking it.

POSIX file locks belong to a process, and closing *any* descriptor of a file drops every
lock the process holds on it: a test that opens and closes the live database file itself
(``Path.read_bytes``) silently drops the locks of its own SQLite connections, and the next
writer can corrupt the file. So the copy is read by another process.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def hot_copy(path: Path) -> bytes:
    """The file's bytes as they are on disk now (empty when it does not exist)."""
    if not path.exists():
        return b""
    return subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout
