"""Run moto's server, and stop it when the parent process goes away.

`cargo xtask` starts this with a pipe on stdin and never writes to it. When
xtask exits for any reason (Ctrl-C, a kill, a crash), the pipe closes, the
read below returns, and the server exits: no orphaned moto on the port.

Usage: python interop/run_moto.py -H 127.0.0.1 -p PORT
"""

import os
import sys
import threading


def _exit_when_stdin_closes() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main() -> None:
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
