#!/usr/bin/env bash
# test_symbols.sh — libdac.so exports exactly its public API: every symbol it defines
# is a function declared in include/dac/*.h, and every function declared there is
# exported (a header without its `#pragma GCC visibility push(default)` line, or a
# definition that does not see its declaration, would drop out). Private functions —
# module prefixes (sim_, count_, image_, struct_) and core plumbing (dac_outset_,
# dac_json_, dac_grid_, ...) — stay hidden. Also checks the soname.
# usage: bash test_symbols.sh LIBDAC_SO SOURCE_DIR GENERATED_INCLUDE_DIR CC NM READELF
set -u
LIB=$1 SRC=$2 GEN=$3 CC=$4 NM=$5 READELF=$6
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Names the compiler sees declared as functions in the public headers (macros expanded,
# comments gone); function-pointer typedefs such as (*dac_progress_fn)(...) do not match.
declared=$(for h in "$SRC"/include/dac/*.h; do echo "#include \"dac/$(basename "$h")\""; done |
    "$CC" -std=c11 -E -P -I"$SRC/include" -I"$GEN" -x c - | tr '\n' ' ' |
    grep -oE '\bdac_[A-Za-z0-9_]+[[:space:]]*\(' | tr -d '( ' | sort -u)
# Defined dynamic symbols, less the linker's own (_init, _fini, __bss_start, _end...).
exported=$("$NM" -D --defined-only "$LIB" | awk '{print $NF}' | grep -v '^_' | sort -u)

[ -n "$declared" ] || fail "no function found in $SRC/include/dac/*.h"
[ -n "$exported" ] || fail "$LIB exports nothing"
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
[ -z "$extra" ] || fail "exported but not declared in a public header (private API leaking): $(echo $extra)"
[ -z "$missing" ] || fail "declared in include/dac/*.h but not exported (visibility pragma missing, or not defined): $(echo $missing)"

soname=$("$READELF" -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case "$soname" in
    libdac.so.[0-9]*) ;;
    *) fail "soname '$soname' (want libdac.so.<soversion>)" ;;
esac
[ -e "$(dirname "$LIB")/$soname" ] || fail "no $soname link beside $LIB"

echo "$(echo "$exported" | wc -l) symbols exported, soname $soname"
[ "$failures" -eq 0 ] && echo "test_symbols: all passed" || echo "test_symbols: $failures failed"
[ "$failures" -eq 0 ]
