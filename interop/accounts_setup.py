"""boto3 sets up a user pool for the account stories (interop/amplify_js/accounts.mjs).

A pool that auto-verifies e-mail with a password policy, an app client that
allows USER_AUTH (auto sign-in after the confirmation), and an identity pool
that trusts it. Users are created by the story itself, with signUp. Writes an
amplify_outputs.json-like file, as interop/boto3_setup.py does.

Usage: python interop/accounts_setup.py --endpoint URL --outputs PATH
"""

import argparse

import boto3

from _common import DUMMY_CREDENTIALS, REGION, Checks, write_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="emulator base URL")
    parser.add_argument("--outputs", required=True, help="where to write amplify_outputs.json")
    args = parser.parse_args()

    kwargs = dict(endpoint_url=args.endpoint, region_name=REGION, **DUMMY_CREDENTIALS)
    idp = boto3.client("cognito-idp", **kwargs)
    identity = boto3.client("cognito-identity", **kwargs)
    checks = Checks("accounts setup")
    made = {}

    def create_user_pool():
        pool = idp.create_user_pool(
            PoolName="interop-accounts",
            AutoVerifiedAttributes=["email"],
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 10,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
        )["UserPool"]
        made["pool_id"] = pool["Id"]
        return pool["Id"]

    def create_client():
        client = idp.create_user_pool_client(
            UserPoolId=made["pool_id"],
            ClientName="interop-accounts",
            GenerateSecret=False,
            ExplicitAuthFlows=[
                "ALLOW_USER_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
        )["UserPoolClient"]
        flows = client.get("ExplicitAuthFlows", [])
        assert "ALLOW_USER_AUTH" in flows, f"ExplicitAuthFlows is {flows!r}"
        made["client_id"] = client["ClientId"]
        return client["ClientId"]

    def create_identity_pool():
        pool = identity.create_identity_pool(
            IdentityPoolName="interop_accounts",
            AllowUnauthenticatedIdentities=True,
            CognitoIdentityProviders=[
                {
                    "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{made['pool_id']}",
                    "ClientId": made["client_id"],
                    "ServerSideTokenCheck": False,
                }
            ],
        )
        made["identity_pool_id"] = pool["IdentityPoolId"]
        return pool["IdentityPoolId"]

    for name, fn in [
        ("CreateUserPool (AutoVerifiedAttributes email, a password policy)", create_user_pool),
        ("CreateUserPoolClient (ALLOW_USER_AUTH)", create_client),
        ("CreateIdentityPool", create_identity_pool),
    ]:
        if checks.run(name, fn) is None:
            break

    if not checks.failed:
        write_outputs(
            args.outputs,
            {
                "aws_region": REGION,
                "user_pool_id": made["pool_id"],
                "user_pool_client_id": made["client_id"],
                "identity_pool_id": made["identity_pool_id"],
                "unauthenticated_identities_enabled": True,
                "user_pool_endpoint": args.endpoint,
                "identity_pool_endpoint": args.endpoint,
            },
        )
    checks.finish()


if __name__ == "__main__":
    main()
