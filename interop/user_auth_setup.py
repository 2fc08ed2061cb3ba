"""boto3 sets up the pools of the passwordless and MFA interop stories.

1. A pool whose SignInPolicy allows PASSWORD and EMAIL_OTP, a client with
   ALLOW_USER_AUTH, and a user with an email and a permanent password.
2. A pool with MfaConfiguration ON (TOTP only), a client, and a user with no
   MFA factor yet (so that sign-in asks for MFA_SETUP).

Writes one amplify_outputs.json per pool (the first with an
auth.passwordless section), each with the emulator's endpoints.

Usage: AMPLIFY_AUTH_PASSWORD=... python interop/user_auth_setup.py
           --endpoint URL --username NAME
           --passwordless-outputs PATH --mfa-outputs PATH
"""

import argparse

import boto3

from _common import DUMMY_CREDENTIALS, REGION, Checks, password, write_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--username", default="interop-user")
    parser.add_argument("--passwordless-outputs", required=True)
    parser.add_argument("--mfa-outputs", required=True)
    args = parser.parse_args()
    secret = password()
    idp = boto3.client(
        "cognito-idp", endpoint_url=args.endpoint, region_name=REGION, **DUMMY_CREDENTIALS
    )
    checks = Checks("boto3 user-auth setup")
    made = {}

    def user(pool_id: str) -> None:
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=args.username,
            UserAttributes=[
                {"Name": "email", "Value": f"{args.username}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=args.username, Password=secret, Permanent=True
        )

    def passwordless_pool():
        pool = idp.create_user_pool(
            PoolName="interop-passwordless",
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
        )["UserPool"]
        factors = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
        assert factors == ["PASSWORD", "EMAIL_OTP"], f"AllowedFirstAuthFactors {factors}"
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName="interop-user-auth",
            ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        user(pool["Id"])
        made["passwordless"] = (pool["Id"], client["ClientId"])
        return pool["Id"]

    def mfa_pool():
        pool = idp.create_user_pool(PoolName="interop-mfa-on")["UserPool"]
        cfg = idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON",
        )
        assert cfg["MfaConfiguration"] == "ON", f"MfaConfiguration {cfg['MfaConfiguration']}"
        got = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
        assert got["SoftwareTokenMfaConfiguration"]["Enabled"] is True, got
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName="interop-mfa",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        user(pool["Id"])
        made["mfa"] = (pool["Id"], client["ClientId"])
        return pool["Id"]

    checks.run("CreateUserPool (SignInPolicy PASSWORD + EMAIL_OTP) + ALLOW_USER_AUTH client + user", passwordless_pool)
    checks.run("CreateUserPool + SetUserPoolMfaConfig (ON, TOTP) + client + user", mfa_pool)
    if not checks.failed:
        base = {
            "aws_region": REGION,
            "user_pool_endpoint": args.endpoint,
            "identity_pool_endpoint": args.endpoint,
        }
        pool_id, client_id = made["passwordless"]
        write_outputs(args.passwordless_outputs, {
            **base,
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "passwordless": {"email_otp_enabled": True, "sms_otp_enabled": False},
        }, version="1.4")
        pool_id, client_id = made["mfa"]
        write_outputs(args.mfa_outputs, {
            **base,
            "user_pool_id": pool_id,
            "user_pool_client_id": client_id,
            "mfa_configuration": "REQUIRED",
            "mfa_methods": ["TOTP"],
        }, version="1.4")
    checks.finish()


if __name__ == "__main__":
    main()
