"""boto3 sets up a user pool that remembers every device, for the Amplify JS
device story (interop/amplify_js/devices.mjs).

Emulator only: moto has no device tracking. Creates the pool with a
DeviceConfiguration (ChallengeRequiredOnNewDevice false,
DeviceOnlyRememberedOnUserPrompt false), checks it reads back, an app client
without a secret and the user with a permanent password, and writes an
amplify_outputs.json-like file (no identity pool).

Usage: AMPLIFY_AUTH_PASSWORD=... python interop/boto3_devices.py
           --endpoint URL --outputs PATH [--username NAME]
"""

import argparse

import boto3

from _common import DUMMY_CREDENTIALS, REGION, Checks, password, write_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="emulator base URL")
    parser.add_argument("--outputs", required=True, help="where to write amplify_outputs.json")
    parser.add_argument("--username", default="interop-device-user")
    args = parser.parse_args()
    secret = password()

    kwargs = dict(endpoint_url=args.endpoint, region_name=REGION, **DUMMY_CREDENTIALS)
    idp = boto3.client("cognito-idp", **kwargs)
    checks = Checks("boto3 devices")
    made = {}

    def create_user_pool():
        pool = idp.create_user_pool(
            PoolName="interop-devices-pool",
            DeviceConfiguration={
                "ChallengeRequiredOnNewDevice": False,
                "DeviceOnlyRememberedOnUserPrompt": False,
            },
        )["UserPool"]
        made["pool_id"] = pool["Id"]
        described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
        config = described.get("DeviceConfiguration")
        assert config == {
            "ChallengeRequiredOnNewDevice": False,
            "DeviceOnlyRememberedOnUserPrompt": False,
        }, f"DeviceConfiguration reads back as {config!r}"
        return pool["Id"]

    def create_client():
        client = idp.create_user_pool_client(
            UserPoolId=made["pool_id"],
            ClientName="interop-devices-client",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        made["client_id"] = client["ClientId"]
        return client["ClientId"]

    def create_user():
        idp.admin_create_user(
            UserPoolId=made["pool_id"], Username=args.username, MessageAction="SUPPRESS"
        )
        idp.admin_set_user_password(
            UserPoolId=made["pool_id"], Username=args.username, Password=secret, Permanent=True
        )
        devices = idp.admin_list_devices(UserPoolId=made["pool_id"], Username=args.username)
        assert devices["Devices"] == [], f"a new user has devices: {devices['Devices']!r}"
        return "no devices yet"

    for name, fn in [
        ("CreateUserPool (DeviceConfiguration: always remembered) + DescribeUserPool", create_user_pool),
        ("CreateUserPoolClient (no secret)", create_client),
        ("AdminCreateUser + AdminSetUserPassword(Permanent) + AdminListDevices", create_user),
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
                "user_pool_endpoint": args.endpoint,
                "identity_pool_endpoint": args.endpoint,
            },
        )
    checks.finish()


if __name__ == "__main__":
    main()
