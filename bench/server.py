"""Serve a benchmarked app with uvicorn: ``python -m bench.server haven|echo|naive PORT``."""

from __future__ import annotations

import sys

import uvicorn


def main() -> None:
    which, port = sys.argv[1], int(sys.argv[2])
    if which == "haven":
        from haven.main import create_app

        app = create_app()
    elif which == "echo":
        from bench.apps import echo_app

        app = echo_app()
    elif which == "naive":
        from bench.apps import naive_app

        app = naive_app()
    else:
        raise SystemExit(f"unknown app {which}")
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
