"""The state of a file a cached object was made from, so a cache can tell a file that
was replaced (a renewed certificate, an edited config file) from the one it read."""

from __future__ import annotations

import os
import stat

#: (modification time in ns, size, inode) of a regular file.
FileState = tuple[int, int, int]


def file_state(path: str) -> FileState | None:
    """``path``'s state, or None if it is absent, unreadable, not a valid path or not
    a regular file. One ``stat``: a few microseconds on a local disk. A file rewritten
    within its file system's timestamp granularity (a few ms) at the same size and
    inode is not told apart."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)
