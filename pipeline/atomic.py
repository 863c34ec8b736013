"""Writing outputs all at once: a document or a report is written to a temporary file beside its destination,
then moved into place. A failed or interrupted build never leaves a half-written file; the previous one stays."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def atomic_path(destination: Path) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces `destination`, on failure it is removed."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".~", suffix=destination.suffix, dir=destination.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; outputs are shared files
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
