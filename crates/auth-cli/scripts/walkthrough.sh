#!/usr/bin/env bash
# The amplify-auth story, step by step, against the local Cognito emulator.
#
# Usage: crates/auth-cli/scripts/walkthrough.sh [AMPLIFY_OUTPUTS_JSON]
#
# With no argument it builds and starts `cognito-emulator --seed-demo` (demo
# user `demo` / `DemoPassw0rd!`) and stops it at the end. With an argument it
# uses that outputs file (an emulator already running, seeded with the demo).
# AMPLIFY_AUTH is the binary (default: target/debug/amplify-auth, built here).
# Sessions go to AMPLIFY_AUTH_STORAGE_DIR (default: a fresh temporary dir).
# Secrets are masked in what this script shows.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d)"
emu_pid=""
cleanup() {
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then
    step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    step() { printf '\n== %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*"; }

if [ -z "${AMPLIFY_AUTH:-}" ] || [ $# -eq 0 ]; then
    (cd "$root" && cargo build -q -p auth-cli -p cognito-emulator)
fi
AMPLIFY_AUTH="${AMPLIFY_AUTH:-$root/target/debug/amplify-auth}"

if [ $# -ge 1 ]; then
    outputs="$1"
else
    step "Start the emulator with a demo user pool, user and identity pool"
    show "cognito-emulator --seed-demo"
    "$root/target/debug/cognito-emulator" --seed-demo >"$work/emulator.out" 2>/dev/null &
    emu_pid=$!
    for _ in $(seq 100); do
        [ -s "$work/emulator.out" ] && grep -q '^}' "$work/emulator.out" && break
        sleep 0.1
    done
    head -n 1 "$work/emulator.out"
    outputs="$work/amplify_outputs.json"
    sed 1d "$work/emulator.out" >"$outputs"
fi
export AMPLIFY_AUTH_OUTPUTS="$outputs"
export AMPLIFY_AUTH_STORAGE_DIR="${AMPLIFY_AUTH_STORAGE_DIR:-$work/store}"
unset AMPLIFY_AUTH_PROFILE
amplify_auth() { "$AMPLIFY_AUTH" "$@"; }
mask() { sed -E 's/(SECRET_ACCESS_KEY|SESSION_TOKEN)=.*/\1=[masked]/'; }

step "Nobody is signed in: status says so (exit code 3) and shows guest credentials"
show "amplify-auth status"
amplify_auth status || echo "(exit code $?)"

step "Sign in (the password comes from stdin; on a terminal it is prompted with no echo)"
show "echo 'DemoPassw0rd!' | amplify-auth sign-in --username demo --password-stdin"
echo 'DemoPassw0rd!' | amplify_auth sign-in --username demo --password-stdin

step "Who is signed in"
show "amplify-auth whoami --json"
amplify_auth whoami --json

step "Status: until when, with a countdown"
show "amplify-auth status"
amplify_auth status

step "The session: claims and expiry times, never raw tokens"
show "amplify-auth session --json | head -n 12"
amplify_auth session --json | head -n 12

step "A raw token for a bearer header (only its length is shown here)"
show 'TOKEN=$(amplify-auth token --id); curl -H "Authorization: Bearer $TOKEN" ...'
token="$(amplify_auth token --id)"
echo "an id token of ${#token} bytes, $(printf '%s' "$token" | tr -cd . | wc -c) dots"

step "AWS credentials of the user's identity, for eval (secrets masked here)"
show 'eval "$(amplify-auth credentials --format env)"'
amplify_auth credentials --format env | mask

step "As the AWS CLI / boto3 credential_process"
cat >"$work/aws_config" <<CONFIG
[profile amplify]
region = us-east-1
credential_process = $AMPLIFY_AUTH credentials --format credential-process --outputs $outputs --storage-dir $AMPLIFY_AUTH_STORAGE_DIR
CONFIG
sed 's/^/    /' "$work/aws_config"
python="$root/target/py-venv/bin/python"
if [ -x "$python" ] && "$python" -c 'import boto3' 2>/dev/null; then
    show "AWS_CONFIG_FILE=aws_config python -c 'boto3.Session(profile_name=\"amplify\")...'"
    AWS_CONFIG_FILE="$work/aws_config" AWS_SHARED_CREDENTIALS_FILE=/dev/null "$python" -c '
import boto3
c = boto3.Session(profile_name="amplify").get_credentials()
print("botocore got", c.get_frozen_credentials().access_key, "via", c.method)'
else
    echo "(no boto3 in target/py-venv: run cargo xtask venv to try this step)"
fi

step "Sign out everywhere; afterwards whoami exits with 3"
show "amplify-auth sign-out --global"
amplify_auth sign-out --global
show "amplify-auth whoami"
amplify_auth whoami || echo "(exit code $?)"
