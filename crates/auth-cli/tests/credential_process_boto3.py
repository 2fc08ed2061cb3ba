"""botocore runs `amplify-auth credentials --format credential-process` as a
profile's `credential_process`, then calls STS on moto with those credentials.

Usage: python credential_process_boto3.py AMPLIFY_AUTH OUTPUTS STORAGE_DIR MOTO_ENDPOINT WORKDIR

Prints one JSON line: the access key id botocore used, how it got the
credentials, and what STS (moto) answered. It never prints the secret key or
the session token.
"""

import json
import os
import shlex
import sys


def main() -> None:
    exe, outputs, storage, endpoint, workdir = sys.argv[1:6]
    command = shlex.join(
        [exe, "credentials", "--format", "credential-process",
         "--outputs", outputs, "--storage-dir", storage]
    )
    config = os.path.join(workdir, "aws_config")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f"[profile amplify]\nregion = us-east-1\ncredential_process = {command}\n")
    # Only our profile: no credentials from the environment or ~/.aws.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        os.environ.pop(key, None)
    os.environ["AWS_CONFIG_FILE"] = config
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(workdir, "no-credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

    import boto3

    session = boto3.Session(profile_name="amplify")
    sts = session.client("sts", endpoint_url=endpoint)
    identity = sts.get_caller_identity()
    creds = session.get_credentials()
    frozen = creds.get_frozen_credentials()
    print(json.dumps({
        "access_key": frozen.access_key,
        "has_secret_key": bool(frozen.secret_key),
        "has_session_token": bool(frozen.token),
        "method": creds.method,
        "sts_account": identity.get("Account"),
        "sts_arn": identity.get("Arn"),
        "sts_user_id": identity.get("UserId"),
    }))


if __name__ == "__main__":
    main()
