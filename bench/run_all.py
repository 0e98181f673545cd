"""Run every benchmark on SQLite and PostgreSQL against the large demo world.

    .venv/bin/python bench/run_all.py [--size large] [--databases sqlite,postgres] [--keep]

SQLite data lives in var/bench-sqlite (PATRON_DATA_DIR); PostgreSQL uses the database
``patron_bench`` on 127.0.0.1. The world is generated once per database and kept with
``--keep`` for reruns. Results are written to bench/results/*.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATRON = str(ROOT / ".venv" / "bin" / "patron")
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    if database == "sqlite":
        env["PATRON_DATA_DIR"] = str(ROOT / "var" / "bench-sqlite")
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/patron_bench"
    return env


def step(label: str, command: list[str], env: dict[str, str]) -> float:
    print(f"== {label}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    print(f"== {label}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--keep", action="store_true", help="reuse an existing generated world")
    args = parser.parse_args()
    for database in args.databases.split(","):
        env = environment(database)
        if database == "postgres" and not args.keep:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "patron_bench"],
                check=True,
            )
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", "patron_bench"], check=True
            )
        if database == "sqlite" and not args.keep:
            for suffix in ("", "-wal", "-shm"):
                path = ROOT / "var" / "bench-sqlite" / f"patron.sqlite3{suffix}"
                path.unlink(missing_ok=True)
        Path(env.get("PATRON_DATA_DIR", ROOT / "var")).mkdir(parents=True, exist_ok=True)
        step(f"{database} migrate", [PATRON, "migrate", "-v", "0"], env)
        if not args.keep:
            step(
                f"{database} generate {args.size}",
                [PATRON, "generate", "--size", args.size, "--seed", "1"],
                env,
            )
        step(f"{database} lifecycle", [PYTHON, "bench/bench_lifecycle.py"], env)
        step(f"{database} pages", [PYTHON, "bench/bench_pages.py"], env)
    return None


if __name__ == "__main__":
    sys.exit(main())
