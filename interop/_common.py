"""Shared helpers for the interop scripts run by `cargo xtask interop`.

Credentials are dummies: the emulator and moto accept any. Secrets (the
password, tokens) are never printed.
"""

import json
import os
import sys
import traceback

REGION = "us-east-1"
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "AKIAINTEROPDUMMY0000",
    "aws_secret_access_key": "interop-dummy-secret",
}


def password() -> str:
    value = os.environ.get("AMPLIFY_AUTH_PASSWORD")
    if not value:
        sys.exit("AMPLIFY_AUTH_PASSWORD is not set")
    return value


def write_outputs(path: str, auth: dict, version: str = "1.3") -> None:
    """Writes an `amplify_outputs.json` with this `auth` section to `path`."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": version, "auth": auth}, f, indent=2)
    print(f"wrote {path}")


def read_outputs(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)["auth"]


class Checks:
    """Runs named checks, prints one PASS/FAIL line each, and exits non-zero
    at the end if any failed."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.failed = []
        self.passed = 0

    def run(self, name, fn):
        try:
            detail = fn()
        except Exception as err:  # noqa: BLE001 - report every failure
            self.failed.append(name)
            print(f"FAIL {self.prefix}: {name}: {type(err).__name__}: {err}", flush=True)
            if os.environ.get("INTEROP_TRACEBACK"):
                traceback.print_exc()
            return None
        self.passed += 1
        suffix = f" ({detail})" if isinstance(detail, str) and detail else ""
        print(f"PASS {self.prefix}: {name}{suffix}", flush=True)
        return detail

    def finish(self):
        total = self.passed + len(self.failed)
        if self.failed:
            print(f"{self.prefix}: {len(self.failed)} of {total} checks failed: "
                  + ", ".join(self.failed), flush=True)
            sys.exit(1)
        print(f"{self.prefix}: all {total} checks passed", flush=True)
