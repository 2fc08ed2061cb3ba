"""Smoke-check the emulator with unmodified boto3 and pycognito.

Usage: python boto3_pycognito_check.py http://127.0.0.1:PORT
(start the emulator with `cognito-emulator --port 0`; this script makes its own pool).
Exits non-zero on the first mismatch.
"""
import sys

import boto3
from botocore.config import Config
from pycognito.aws_srp import AWSSRP

endpoint = sys.argv[1]
kw = dict(
    region_name="us-east-1",
    endpoint_url=endpoint,
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}),
)
idp = boto3.client("cognito-idp", **kw)
ci = boto3.client("cognito-identity", **kw)

pool = idp.create_user_pool(PoolName="interop")["UserPool"]["Id"]
for secret in (False, True):
    c = idp.create_user_pool_client(UserPoolId=pool, ClientName="c", GenerateSecret=secret)["UserPoolClient"]
    user = "alice-secret" if secret else "alice"
    idp.admin_create_user(UserPoolId=pool, Username=user, TemporaryPassword="Temp0rary!",
                          MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "a@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=user, Password="Passw0rd!", Permanent=True)
    srp = AWSSRP(username=user, password="Passw0rd!", pool_id=pool, client_id=c["ClientId"],
                 client_secret=c.get("ClientSecret"), client=idp)
    tokens = srp.authenticate_user()
    assert "IdToken" in tokens["AuthenticationResult"], tokens
    bad = AWSSRP(username=user, password="wrong", pool_id=pool, client_id=c["ClientId"],
                 client_secret=c.get("ClientSecret"), client=idp)
    try:
        bad.authenticate_user()
        raise SystemExit("wrong password accepted")
    except idp.exceptions.NotAuthorizedException:
        pass
    print(f"pycognito SRP ok (client secret: {secret})")

at = tokens["AuthenticationResult"]["AccessToken"]
print("GetUser:", idp.get_user(AccessToken=at)["Username"])
try:
    idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId="nope",
                      AuthParameters={"USERNAME": "x", "PASSWORD": "y"})
    raise SystemExit("unknown client accepted")
except idp.exceptions.ResourceNotFoundException:
    print("typed error ok: ResourceNotFoundException")

ip = ci.create_identity_pool(IdentityPoolName="ip", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
iid = ci.get_id(IdentityPoolId=ip)["IdentityId"]
creds = ci.get_credentials_for_identity(IdentityId=iid)["Credentials"]
print("guest credentials ok, expiration", creds["Expiration"])
print("ALL OK")
