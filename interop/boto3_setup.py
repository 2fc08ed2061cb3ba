"""boto3 sets up a user pool, an app client, a user and an identity pool.

Works against the cognito-emulator and against moto. Writes an
amplify_outputs.json-like file for the other interop steps:

    {"version": "1.3", "auth": {"user_pool_id", "user_pool_client_id",
     "identity_pool_id", "aws_region", "unauthenticated_identities_enabled",
     "user_pool_endpoint", "identity_pool_endpoint"}}

Usage: AMPLIFY_AUTH_PASSWORD=... python interop/boto3_setup.py
           --endpoint URL --outputs PATH [--username NAME]
"""

import argparse

import boto3

from _common import DUMMY_CREDENTIALS, REGION, Checks, password, write_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="emulator or moto base URL")
    parser.add_argument("--outputs", required=True, help="where to write amplify_outputs.json")
    parser.add_argument("--username", default="interop-user")
    args = parser.parse_args()
    secret = password()

    kwargs = dict(endpoint_url=args.endpoint, region_name=REGION, **DUMMY_CREDENTIALS)
    idp = boto3.client("cognito-idp", **kwargs)
    identity = boto3.client("cognito-identity", **kwargs)
    checks = Checks("boto3")
    made = {}

    def create_user_pool():
        pool = idp.create_user_pool(PoolName="interop-pool")["UserPool"]
        made["pool_id"] = pool["Id"]
        assert pool["Id"].startswith(f"{REGION}_"), f"pool id {pool['Id']!r} lacks the region"
        return pool["Id"]

    def create_client():
        client = idp.create_user_pool_client(
            UserPoolId=made["pool_id"],
            ClientName="interop-client",
            GenerateSecret=False,
            ExplicitAuthFlows=[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
            ],
        )["UserPoolClient"]
        assert "ClientSecret" not in client, "client has a secret"
        made["client_id"] = client["ClientId"]
        return client["ClientId"]

    def create_user():
        idp.admin_create_user(
            UserPoolId=made["pool_id"],
            Username=args.username,
            UserAttributes=[
                {"Name": "email", "Value": f"{args.username}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=made["pool_id"], Username=args.username, Password=secret, Permanent=True
        )
        user = idp.admin_get_user(UserPoolId=made["pool_id"], Username=args.username)
        status = user["UserStatus"]
        assert status == "CONFIRMED", f"UserStatus is {status!r} after a permanent password"
        return f"status {status}"

    def create_identity_pool():
        pool = identity.create_identity_pool(
            IdentityPoolName="interop_identity_pool",
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
        assert pool["AllowUnauthenticatedIdentities"] is True
        return pool["IdentityPoolId"]

    for name, fn in [
        ("CreateUserPool", create_user_pool),
        ("CreateUserPoolClient (no secret)", create_client),
        ("AdminCreateUser + AdminSetUserPassword(Permanent)", create_user),
        ("CreateIdentityPool (unauthenticated allowed)", create_identity_pool),
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
