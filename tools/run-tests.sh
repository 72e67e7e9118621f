#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as `make test` runs it: the cmocka unit tests
# (`make unit`), then the integration tests (pytest, in network namespaces,
# as root). Both always run; a summary follows; the exit status is non-zero
# if either failed. pytest's exit 5 (no tests collected) is a failure.
# Extra arguments go to pytest (e.g. -k aging, -x).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "run-tests: must run as root (integration tests build namespaces)" >&2
	exit 1
fi

start=$SECONDS
echo "=== unit tests (make unit)"
make --no-print-directory unit
unit_rc=$?
unit_time=$((SECONDS - start))

start=$SECONDS
echo "=== fuzz regression (every corpus input once, ASan+UBSan)"
make -j2 --no-print-directory fuzz-regress
fuzz_rc=$?
fuzz_time=$((SECONDS - start))

start=$SECONDS
echo "=== integration tests (pytest tests/integration)"
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -v -rfE --durations=25 tests/integration "$@"
int_rc=$?
int_time=$((SECONDS - start))

verdict() {
	case "$1" in
	0) echo "PASS" ;;
	5) echo "FAIL (no tests collected)" ;;
	*) echo "FAIL (exit $1)" ;;
	esac
}
echo
echo "=== summary"
printf '  unit tests:        %-28s %4ss\n' "$(verdict $unit_rc)" "$unit_time"
printf '  fuzz regression:   %-28s %4ss\n' "$(verdict $fuzz_rc)" "$fuzz_time"
printf '  integration tests: %-28s %4ss\n' "$(verdict $int_rc)" "$int_time"
if [ $unit_rc -ne 0 ] || [ $fuzz_rc -ne 0 ] || [ $int_rc -ne 0 ]; then
	echo "  RESULT: FAIL"
	exit 1
fi
echo "  RESULT: PASS"
