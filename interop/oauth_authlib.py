"""authlib, an independent OAuth 2.0 client, against the emulator's hosted UI.

boto3 sets up a pool with a domain, an OAuth app client with a secret and a
user; authlib's OAuth2Session (PKCE S256, the client secret as HTTP Basic)
runs the code flow, with this script playing the browser on the login form
over HTTP (the real-browser run is `cargo xtask browser`). Then: userInfo, a
refresh, a replayed code, a wrong verifier and a wrong client secret, which
must all be refused the way RFC 6749 says. moto has no hosted UI, so this
has no moto twin.

Usage: AMPLIFY_AUTH_PASSWORD=... python interop/oauth_authlib.py --endpoint URL
"""

import argparse
import secrets
from urllib.parse import parse_qs, urljoin, urlsplit

import boto3
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from _common import DUMMY_CREDENTIALS, REGION, Checks, password

USERNAME = "authlib-user"
# Nothing listens here: the script reads the redirect's Location instead.
CALLBACK = "http://127.0.0.1:9/authlib/callback"
SCOPES = "openid email aws.cognito.signin.user.admin"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="the emulator's base URL")
    args = parser.parse_args()
    secret = password()
    base = args.endpoint.rstrip("/")
    authorize_url = f"{base}/oauth2/authorize"
    token_url = f"{base}/oauth2/token"
    idp = boto3.client(
        "cognito-idp", endpoint_url=base, region_name=REGION, **DUMMY_CREDENTIALS
    )
    checks = Checks("authlib")
    made = {}

    def set_up():
        pool = idp.create_user_pool(PoolName="authlib-pool")["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain=f"authlib-{secrets.token_hex(4)}", UserPoolId=pool)
        client = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="authlib-client",
            GenerateSecret=True,
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=SCOPES.split(),
            CallbackURLs=[CALLBACK],
            LogoutURLs=[CALLBACK],
            SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]
        idp.admin_create_user(
            UserPoolId=pool,
            Username=USERNAME,
            UserAttributes=[{"Name": "email", "Value": f"{USERNAME}@example.com"}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool, Username=USERNAME, Password=secret, Permanent=True
        )
        made.update(client_id=client["ClientId"], client_secret=client["ClientSecret"])
        return "pool, domain, OAuth client with a secret, user"

    def session(client_secret=None):
        return OAuth2Session(
            made["client_id"],
            client_secret or made["client_secret"],
            scope=SCOPES,
            redirect_uri=CALLBACK,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
        )

    def browse_and_sign_in(url):
        """The browser: the authorize URL, the login form, the redirect's Location."""
        b = requests.Session()
        res = b.get(url, allow_redirects=False, timeout=10)
        assert res.status_code in (302, 303), f"authorize answered {res.status_code}"
        login = urljoin(base + "/", res.headers["location"])
        txn = parse_qs(urlsplit(login).query)["txn"][0]
        res = b.post(
            f"{base}/login",
            data={"txn": txn, "username": USERNAME, "password": secret, "action": "sign_in"},
            allow_redirects=False,
            timeout=10,
        )
        assert res.status_code in (302, 303), f"login answered {res.status_code}"
        redirect = res.headers["location"]
        assert redirect.startswith(CALLBACK + "?"), "redirected to the registered callback"
        return redirect

    def start_flow(sess):
        verifier = generate_token(64)
        url, state = sess.create_authorization_url(authorize_url, code_verifier=verifier)
        q = parse_qs(urlsplit(url).query)
        assert q["code_challenge_method"] == ["S256"], "authlib sends S256"
        return verifier, state, browse_and_sign_in(url)

    def expect_oauth_error(fn, wanted):
        try:
            fn()
        except OAuthError as err:
            assert err.error == wanted, f"error {err.error!r}, wanted {wanted!r}"
            return f"{wanted}"
        raise AssertionError(f"accepted; wanted {wanted}")

    def code_flow():
        sess = session()
        verifier, state, redirect = start_flow(sess)
        assert parse_qs(urlsplit(redirect).query)["state"] == [state], "the state comes back"
        token = sess.fetch_token(
            token_url, authorization_response=redirect, code_verifier=verifier
        )
        for key in ("access_token", "id_token", "refresh_token"):
            assert token.get(key), f"no {key}"
        assert token["token_type"].lower() == "bearer", token["token_type"]
        made.update(token=token, redirect=redirect, verifier=verifier)
        info = sess.get(f"{base}/oauth2/userInfo", timeout=10)
        assert info.status_code == 200, f"userInfo answered {info.status_code}"
        body = info.json()
        assert body.get("username") == USERNAME, "userInfo names the user"
        return f"tokens {sorted(k for k in token if k.endswith('_token'))}, userInfo ok"

    def refresh():
        sess = session()
        old = made["token"]
        new = sess.refresh_token(token_url, refresh_token=old["refresh_token"])
        assert new.get("access_token") and new["access_token"] != old["access_token"], "new access token"
        return "new access token"

    def replayed_code():
        sess = session()
        return expect_oauth_error(
            lambda: sess.fetch_token(
                token_url, authorization_response=made["redirect"], code_verifier=made["verifier"]
            ),
            "invalid_grant",
        )

    def wrong_verifier():
        sess = session()
        _verifier, _state, redirect = start_flow(sess)
        return expect_oauth_error(
            lambda: sess.fetch_token(
                token_url, authorization_response=redirect, code_verifier=generate_token(64)
            ),
            "invalid_grant",
        )

    def wrong_client_secret():
        sess = session()
        verifier, _state, redirect = start_flow(sess)
        bad = session("not-the-secret")
        bad.state = sess.state
        return expect_oauth_error(
            lambda: bad.fetch_token(
                token_url, authorization_response=redirect, code_verifier=verifier
            ),
            "invalid_client",
        )

    if checks.run("boto3 set-up (CreateUserPoolDomain, OAuth client)", set_up) is not None:
        if checks.run("code flow with PKCE S256, Basic client auth, userInfo", code_flow):
            checks.run("refresh_token grant", refresh)
            checks.run("a replayed code is invalid_grant", replayed_code)
        checks.run("a wrong code_verifier is invalid_grant", wrong_verifier)
        checks.run("a wrong client secret is invalid_client", wrong_client_secret)
    checks.finish()


if __name__ == "__main__":
    main()
