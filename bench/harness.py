"""Shared machinery: pinned servers, wrk runs, CPU accounting, PostgreSQL clusters."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).resolve().parent / "lua"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def pinned(core: int, argv: list[str]) -> list[str]:
    """Pin to one core when the machine has two or more (server on 0, load on 1)."""
    if shutil.which("taskset") and cpu_count() >= 2:
        return ["taskset", "-c", str(core), *argv]
    return argv


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return process_cpu_seconds(self.process.pid)


@contextlib.contextmanager
def serve(app: str, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    argv = pinned(0, [sys.executable, "-m", "bench.server", app, str(port)])
    process = subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT)
    server = Server(process, port)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{app} server exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{server.url}/", timeout=0.5)
                break
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class LoadResult:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    errors: int

    def line(self) -> str:
        return (
            f"{self.name:<44} {self.rps:>9.0f} req/s  p50 {self.p50_ms:>7.2f} ms  "
            f"p99 {self.p99_ms:>7.2f} ms  server CPU {self.cpu_ms_per_request:>6.2f} ms/req"
            + (f"  ERRORS {self.errors}" if self.errors else "")
        )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    name: str,
    server: Server,
    path: str,
    *,
    script: str,
    env: dict[str, str],
    connections: int,
    duration: int,
    warmup: int = 2,
) -> LoadResult:
    base = ["wrk", "-t1", f"-c{connections}", "-s", str(LUA / script), "--latency"]
    url = server.url + path
    if warmup:
        subprocess.run(
            pinned(1, [*base, f"-d{warmup}s", url]),
            env={**os.environ, **env},
            capture_output=True,
            check=True,
        )
    cpu_before = server.cpu()
    out = subprocess.run(
        pinned(1, [*base, f"-d{duration}s", url]),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    cpu_after = server.cpu()
    text = out.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", text).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", text).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = int(non2xx.group(1)) if non2xx else 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return LoadResult(
        name, requests, rps, p50, p99, (cpu_after - cpu_before) * 1000 / max(requests, 1), errors
    )


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (durable settings: the benchmark measures real commits)."""
    initdb = shutil.which("initdb") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None
    )
    if initdb is None:
        raise RuntimeError("PostgreSQL's initdb is not installed")
    bindir = Path(initdb).parent
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="haven-bench-pg-"))
    owner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(tmp, "nobody")
        owner = ["runuser", "-u", "nobody", "--"]
    pg_ctl = str(bindir / "pg_ctl")
    subprocess.run(
        [
            *owner,
            str(initdb),
            "-D",
            str(tmp / "data"),
            "-U",
            "haven",
            "--auth=trust",
            "--no-instructions",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *owner,
            pg_ctl,
            "-D",
            str(tmp / "data"),
            "-l",
            str(tmp / "log"),
            "-w",
            "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c shared_buffers=256MB",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://haven@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*owner, pg_ctl, "-D", str(tmp / "data"), "-w", "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
