#!/usr/bin/env bash
# Runs every fuzz target for TIME_SECS seconds each (coverage-guided libFuzzer,
# on the stable toolchain: `--sanitizer none` needs no -Z flag) and prints one
# summary line per target:  <target>: <N> execs, <M> crashes
# Exits non-zero when any target crashed (the input is in fuzz/artifacts/<target>/).
#
# Usage: fuzz/run.sh TIME_SECS [TARGET...]
set -euo pipefail

TIME_SECS="${1:?usage: fuzz/run.sh TIME_SECS [TARGET...]}"
shift || true
case "$TIME_SECS" in
  '' | *[!0-9]*) echo "fuzz/run.sh: TIME_SECS must be a whole number of seconds" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz (crates.io)" >&2
  cargo install cargo-fuzz --version '^0.13' --locked
fi

if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list)
fi

echo "fuzz/run.sh: building ${#TARGETS[@]} targets (release, sancov, no sanitizer)" >&2
cargo fuzz build --sanitizer none >&2

failed=0
summary=()
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  log="$(mktemp)"
  before=$(find "artifacts/$target" -type f | wc -l)
  echo "fuzz/run.sh: $target for ${TIME_SECS}s" >&2
  set +e
  cargo fuzz run --sanitizer none "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$TIME_SECS" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1
  status=$?
  set -e
  after=$(find "artifacts/$target" -type f | wc -l)
  crashes=$((after - before))
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)
  if [ -z "$execs" ]; then
    execs=$(grep -Eo '^Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
  fi
  execs="${execs:-0}"
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # libFuzzer failed without writing an artifact (build error, OOM, ...).
    crashes=1
  fi
  line="$target: $execs execs, $crashes crashes"
  summary+=("$line")
  echo "$line"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "---- $target log (tail) ----" >&2
    tail -40 "$log" >&2
    find "artifacts/$target" -type f -newer "$log" -print >&2 || true
  fi
  rm -f "$log"
done

echo "fuzz/run.sh: summary" >&2
printf '  %s\n' "${summary[@]}" >&2
exit "$failed"
