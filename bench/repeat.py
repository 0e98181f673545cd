"""Run a benchmark several times, each time on a freshly created and migrated database, and
print the median, minimum and maximum of a number it prints.

On a shared 2-core machine one run of an import benchmark can differ from the next by 15 %
(a forced PostgreSQL checkpoint, a neighbour's job), and a second import into the same
database measures another case (the table is no longer empty). So each run gets a new
database: the SQLite file is deleted, the PostgreSQL database dropped and created again.

    .venv/bin/python bench/repeat.py --runs 3 \\
        --database postgres://postgres@127.0.0.1:5432/bench_repeat \\
        -- bench/bench_import.py --dir /tmp/exp/csv
    .venv/bin/python bench/repeat.py --runs 3 --database sqlite:////tmp/bench_repeat.sqlite3 \\
        --pattern 'import leads: .* = ([\\d,]+) rows/s' -- bench/bench_import_leads.py --file …

``--pattern`` is a regular expression whose first group is the number (default: the
``… = N rows/s`` of the first line that has one). The benchmark's own output is shown as it
runs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATTERN = r"= ([\d,]+) rows/s"


def fresh_database(url: str) -> None:
    """Delete the SQLite file, or drop and create the PostgreSQL database, of ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"not a plain database name: {name!r}")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def run_once(url: str, command: list[str], pattern: re.Pattern[str]) -> float | None:
    environment = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment, check=True
    )
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    value = None
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        match = pattern.search(line)
        if match and value is None:
            value = float(match.group(1).replace(",", ""))
    if process.wait() != 0:
        raise SystemExit(f"the benchmark failed with exit code {process.returncode}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", required=True, help="DATABASE_URL recreated for each run")
    parser.add_argument("--pattern", default=DEFAULT_PATTERN)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- script and its arguments")
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the benchmark after --")
    pattern = re.compile(options.pattern)
    values: list[float] = []
    for run in range(1, options.runs + 1):
        fresh_database(options.database)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"--- run {run} of {options.runs} (load average {load})", flush=True)
        value = run_once(options.database, command, pattern)
        if value is None:
            raise SystemExit(f"no line matched {options.pattern!r}")
        values.append(value)
    print(
        f"--- {len(values)} runs: median {statistics.median(values):,.0f}, "
        f"min {min(values):,.0f}, max {max(values):,.0f} ({', '.join(f'{v:,.0f}' for v in values)})"
    )


if __name__ == "__main__":
    main()
