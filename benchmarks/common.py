"""Shared parts of the benchmarks: the venv's executables, medians, isolated dirs, a sandbox child.

Everything runs the real `gtwizard` entry point of the project's venv (never `uv run`, whose own
start-up would swamp what we measure).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")
GTWIZARD = str(BIN / "gtwizard")
NAMES = "helpdesk,research-assistant"


def median_time(run: Callable[[], None], repeat: int) -> float:
    """Median wall time of `repeat` calls (the machines are noisy: medians, never single runs)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_medians(
    first: Callable[[], float], second: Callable[[], float], repeat: int
) -> tuple[float, float]:
    """Median of each side, measured interleaved so a burst of load hits both sides alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        a.append(first())
        b.append(second())
    return statistics.median(a), statistics.median(b)


@contextmanager
def isolated_env() -> Iterator[dict[str, str]]:
    """The environment with empty config and state dirs: no profiles, first step of the wizard."""
    with tempfile.TemporaryDirectory(prefix="gtwizard-bench-") as tmp:
        env = dict(os.environ)
        env["GTWIZARD_CONFIG_DIR"] = str(Path(tmp) / "config")
        env["GTWIZARD_STATE_DIR"] = str(Path(tmp) / "state")
        env["GTWIZARD_CACHE_DIR"] = str(Path(tmp) / "cache")
        env["GTWIZARD_BENCH_TMP"] = tmp
        env.pop("GTWIZARD_OPERATOR_TOKEN", None)
        yield env


@dataclass
class SandboxChild:
    """`gtwizard sandbox` in a child process, and what its ready line says."""

    process: subprocess.Popen[str]
    ready: dict

    @property
    def base_url(self) -> str:
        return self.ready["base_url"]

    @property
    def operator_token(self) -> str:
        return self.ready["operator_token"]

    def set_latency(self, ms: int) -> None:
        """Change the injected latency at run time through the sandbox's control route."""
        import urllib.request

        request = urllib.request.Request(
            self.base_url + "/_sandbox/faults",
            data=json.dumps({"latency_ms": ms}).encode(),
            headers={
                "Authorization": f"Bearer {self.operator_token}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


@contextmanager
def sandbox(env: dict[str, str], latency_ms: int = 0) -> Iterator[SandboxChild]:
    """Start the sandbox tenant, wait for its ready line, stop it afterwards."""
    process = subprocess.Popen(
        [GTWIZARD, "sandbox", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            raise RuntimeError("the sandbox did not start")
        yield SandboxChild(process, json.loads(line))
    finally:
        process.terminate()
        process.wait(timeout=10)


def setup_profile(
    env: dict[str, str], child: SandboxChild, profile: str = "bench", product: str = "open-webui"
) -> None:
    """`gtwizard setup --mint` against the sandbox: file storage, a saved profile; an Open WebUI
    profile writes an env file, another product keeps the key with no target."""
    target = []
    if product == "open-webui":
        target = ["--env-file", str(Path(env["GTWIZARD_BENCH_TMP"]) / f"{profile}.env")]
    subprocess.run(
        [
            GTWIZARD,
            "setup",
            "--preset",
            product,
            "--host",
            child.base_url,
            "--aliases",
            NAMES,
            "--mint",
            "--storage",
            "file",
            *target,
            "--profile",
            profile,
            "--yes",
            "--json",
        ],
        env={**env, "GTWIZARD_OPERATOR_TOKEN": child.operator_token},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
