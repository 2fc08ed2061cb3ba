"""pycognito (an independent SRP implementation) signs in to the emulator.

Checks:
  - the correct password signs in with USER_SRP_AUTH, and pycognito verifies
    the ID and access tokens: RS256 signature with the pool's JWKS (served by
    the emulator at <endpoint>/<pool id>/.well-known/jwks.json), `aud`,
    `token_use`, and `iss` equal to the real AWS form
    https://cognito-idp.<region>.amazonaws.com/<pool id>;
  - GetUser with the access token returns the user;
  - REFRESH_TOKEN_AUTH (pycognito's renew_access_token) returns new tokens;
  - a wrong password fails with NotAuthorizedException.

Usage: AMPLIFY_AUTH_PASSWORD=... python interop/pycognito_srp.py
           --outputs PATH --username NAME
"""

import argparse
import json
import os
import urllib.request

from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP

from _common import DUMMY_CREDENTIALS, Checks, password, read_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--username", required=True)
    args = parser.parse_args()
    auth = read_outputs(args.outputs)
    secret = password()
    checks = Checks("pycognito")

    def cognito() -> Cognito:
        return Cognito(
            auth["user_pool_id"],
            auth["user_pool_client_id"],
            username=args.username,
            boto3_client_kwargs={
                "endpoint_url": auth["user_pool_endpoint"],
                **DUMMY_CREDENTIALS,
            },
        )

    # pycognito takes the issuer (and the JWKS URL) from endpoint_url. The
    # emulator issues real-AWS-shaped `iss` claims, so verify against that
    # issuer, with the keys fetched from the emulator and handed to pycognito
    # through its COGNITO_JWKS hook.
    jwks_url = f"{auth['user_pool_endpoint']}/{auth['user_pool_id']}/.well-known/jwks.json"
    with urllib.request.urlopen(jwks_url, timeout=10) as res:
        os.environ["COGNITO_JWKS"] = json.dumps(json.load(res))
    user = cognito()
    user.pool_domain_url = None  # issuer: https://cognito-idp.<region>.amazonaws.com/<pool>

    def srp_only():
        # The SRP exchange alone, without pycognito's token verification.
        srp = AWSSRP(
            username=args.username,
            password=secret,
            pool_id=auth["user_pool_id"],
            client_id=auth["user_pool_client_id"],
            client=cognito().client,
        )
        result = srp.authenticate_user()["AuthenticationResult"]
        for key in ("AccessToken", "IdToken", "RefreshToken"):
            assert result.get(key), f"AuthenticationResult has no {key}"
        return f"ExpiresIn={result.get('ExpiresIn')} TokenType={result.get('TokenType')}"

    def authenticate():
        user.authenticate(password=secret)
        assert user.id_claims["cognito:username"] == args.username, "wrong cognito:username"
        assert user.access_claims["token_use"] == "access"
        return f"iss={user.id_claims['iss']}"

    def get_user():
        got = user.get_user()
        assert got.username == args.username, f"GetUser returned {got.username!r}"
        return f"sub={got.sub}"

    def refresh():
        user.renew_access_token()
        assert user.access_token, "no access token after refresh"
        return "REFRESH_TOKEN_AUTH"

    def wrong_password():
        try:
            cognito().authenticate(password=secret + "-wrong")
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            assert code == "NotAuthorizedException", f"error code is {code!r}"
            return code
        raise AssertionError("a wrong password signed in")

    checks.run("SRP sign-in (USER_SRP_AUTH + PASSWORD_VERIFIER)", srp_only)
    if checks.run("Cognito.authenticate + token verification (JWKS, iss, aud)", authenticate):
        checks.run("GetUser with the access token", get_user)
        checks.run("renew_access_token (InitiateAuth REFRESH_TOKEN_AUTH)", refresh)
    checks.run("wrong password -> NotAuthorizedException", wrong_password)
    checks.finish()


if __name__ == "__main__":
    main()
