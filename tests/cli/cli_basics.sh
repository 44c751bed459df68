#!/bin/bash
# Global CLI behaviour: help, version, exit codes for usage errors, help of every command.
set -u
DAC=$1
fail() { echo "FAIL: $*"; exit 1; }

"$DAC" --help | grep -q "usage: dac" || fail "--help"
"$DAC" --version | grep -Eq "^dac [0-9]+\.[0-9]+\.[0-9]+$" || fail "--version"
"$DAC" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no command should exit 2"
"$DAC" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command should exit 2"
"$DAC" --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown global option should exit 2"
for c in struct image stem; do
    out=$("$DAC" $c --help) || fail "dac $c --help exit code"
    echo "$out" | grep -qi "usage" || fail "dac $c --help has no usage line"
done
echo "cli_basics: all passed"
