"""A profile lock whose holder file is damaged still gives the one "busy" line, never a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from gtwizard.errors import OperationFailed
from gtwizard.lifecycle.lock import ensure_free, lock_path


@pytest.mark.parametrize("content", ["[]", '"x"', "3", "null", "{not json"])
def test_a_damaged_holder_file_still_says_busy(isolated_dirs, content: str) -> None:
    """Another process holds the lock; its file's content was damaged (edited by hand)."""
    path = lock_path("web")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, os, sys, time
                fd = os.open({str(path)!r}, os.O_RDWR)
                fcntl.flock(fd, fcntl.LOCK_EX)
                print("held", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(OperationFailed) as refused:
            ensure_free("web")
        assert "is busy: another gtwizard run is working on it" in refused.value.one_line()
    finally:
        holder.kill()
        holder.wait()
    assert path.read_text() == content  # a refused run leaves the holder's file as it is
