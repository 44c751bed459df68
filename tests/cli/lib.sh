# lib.sh — what every shell test in tests/cli shares (sourced, not run: CMake's glob
# registers only scripts taking the dac binary as their first argument, and this file is
# skipped there). cli_begin DIR makes an empty scratch folder; check COND MESSAGE counts
# a pass or names the failure; cli_end NAME prints the tally and gives the exit status.
cli_begin() {
    T=$1
    rm -rf "$T" && mkdir -p "$T" || exit 1
    fails=0
    passes=0
}
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
cli_end() {
    echo "$1: $passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}
