"""The ``patron`` command: Django's management entry point plus Patron's own commands."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    argv = list(sys.argv)
    if len(argv) == 1:
        argv.append("help")
    elif argv[1] == "--help":
        argv[1] = "help"
    argv[0] = "patron"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
