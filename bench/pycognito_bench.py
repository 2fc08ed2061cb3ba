"""pycognito's figures for BENCHMARKS.md, against the same emulator as ours.

Run by `cargo xtask bench`:
  AMPLIFY_AUTH_PASSWORD=... python bench/pycognito_bench.py \
      --outputs PATH --username NAME [--mode smoke|quick|full]

Rows (printed as `BENCH {json}` lines, the format of benches/report.rs):
  - srp_maths: AWSSRP's client maths for one sign-in with fixed server
    inputs: a random `a` and `A` (the constructor), then `x`, `S`, HKDF and
    the signature (`process_challenge`). No network.
  - srp_sign_in_full: `AWSSRP.authenticate_user()` against the emulator
    (InitiateAuth + RespondToAuthChallenge through boto3).
  - fetch_auth_session_cached: `Cognito.check_token(renew=False)`, pycognito's
    closest call to a cached session read (decodes the access token's expiry;
    pycognito has no identity-pool credentials cache).
Secrets (the password, tokens) are never printed.
"""

import argparse
import json
import os
import statistics
import sys
import time

from pycognito import Cognito
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

DUMMY = {
    "aws_access_key_id": "AKIABENCHDUMMY000000",
    "aws_secret_access_key": "bench-dummy-secret",
}


def emit(row, value, unit, **extra):
    line = {"impl": "pycognito", "row": row, "value": value, "unit": unit, "extra": extra}
    print("BENCH " + json.dumps(line), flush=True)


def pick(mode, smoke, quick, full):
    return {"smoke": smoke, "quick": quick}.get(mode, full)


class NoClient:
    """Stands in for boto3 where the maths needs no network."""


def srp_maths(auth, mode):
    n = pick(mode, 2, 20, 100)
    # A fixed server value B = g^b mod N (any value that is not 0 mod N).
    srp_b = format(pow(2, 0x1234567890ABCDEF1234567890ABCDEF, int(aws_srp.N_HEX, 16)), "x")
    challenge = {
        "USER_ID_FOR_SRP": "alice",
        "SALT": "9f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "SRP_B": srp_b,
        "SECRET_BLOCK": "c2VjcmV0IGJsb2Nr",
    }
    times = []
    for _ in range(n + 1):
        t = time.perf_counter()
        srp = AWSSRP(
            username="alice",
            password="Passw0rd!",
            pool_id=auth["user_pool_id"],
            client_id=auth["user_pool_client_id"],
            client=NoClient(),
        )
        srp.process_challenge(challenge, {"USERNAME": "alice"})
        times.append((time.perf_counter() - t) * 1e3)
    times = times[1:]
    emit("srp_maths", statistics.median(times), "ms", runs=n)


def cognito(auth, username):
    return Cognito(
        auth["user_pool_id"],
        auth["user_pool_client_id"],
        username=username,
        boto3_client_kwargs={"endpoint_url": auth["user_pool_endpoint"], **DUMMY},
    )


def full_sign_in(auth, username, password, mode):
    n = pick(mode, 2, 20, 100)
    client = cognito(auth, username).client
    times = []
    for _ in range(n + 1):
        t = time.perf_counter()
        srp = AWSSRP(
            username=username,
            password=password,
            pool_id=auth["user_pool_id"],
            client_id=auth["user_pool_client_id"],
            client=client,
        )
        result = srp.authenticate_user()["AuthenticationResult"]
        times.append((time.perf_counter() - t) * 1e3)
        assert result.get("AccessToken")
    times = times[1:]
    emit("srp_sign_in_full", statistics.median(times), "ms", runs=n)


def cached_check(auth, username, password, mode):
    user = cognito(auth, username)
    srp = AWSSRP(
        username=username,
        password=password,
        pool_id=auth["user_pool_id"],
        client_id=auth["user_pool_client_id"],
        client=user.client,
    )
    tokens = srp.authenticate_user()["AuthenticationResult"]
    user.access_token = tokens["AccessToken"]
    user.id_token = tokens["IdToken"]
    user.refresh_token = tokens["RefreshToken"]
    batch = pick(mode, 10, 1000, 1000)
    samples = pick(mode, 3, 30, 200)
    per_call = []
    for _ in range(samples):
        t = time.perf_counter()
        for _ in range(batch):
            user.check_token(renew=False)
        per_call.append((time.perf_counter() - t) * 1e9 / batch)
    emit("fetch_auth_session_cached", statistics.median(per_call), "ns",
         note="Cognito.check_token(renew=False): token expiry only, no credentials")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--mode", default="full", choices=["smoke", "quick", "full"])
    args = parser.parse_args()
    password = os.environ.get("AMPLIFY_AUTH_PASSWORD")
    if not password:
        sys.exit("AMPLIFY_AUTH_PASSWORD is not set")
    with open(args.outputs, encoding="utf-8") as f:
        auth = json.load(f)["auth"]
    srp_maths(auth, args.mode)
    full_sign_in(auth, args.username, password, args.mode)
    cached_check(auth, args.username, password, args.mode)


if __name__ == "__main__":
    main()
