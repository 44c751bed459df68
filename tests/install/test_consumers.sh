#!/usr/bin/env bash
# test_consumers.sh — installs this build into a temporary prefix and builds the examples
# of docs/library.md (examples/library/) against it as an outside program would: with
# pkg-config (their Makefile; shared, and static through Libs.private/Requires.private)
# and with CMake's find_package(dac) (dac::dac and dac::dac_static). Runs them on
# examples/ni2_n6_graphene.extxyz and checks what they print and write. Also checks what
# is installed, and that no public header includes anything but dac/ and C headers.
# usage: bash test_consumers.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR CMAKE CC "FLAGS"
#   FLAGS: compile and link flags the consumers need, e.g. the sanitizer flags of an
#   ASan build (its libdac.so needs the ASan runtime loaded first).
set -u
# Run from `make test`, the outer make's jobserver settings must not reach the inner ones.
unset MAKEFLAGS MFLAGS MAKELEVEL
BUILD=$1 SRC=$2 TMP=$3 CMAKE=$4 CC=$5 FLAGS=${6:-}
STRUCTURE=$SRC/examples/ni2_n6_graphene.extxyz
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
rm -rf "$TMP"
mkdir -p "$TMP"
P=$TMP/prefix

if ! "$CMAKE" --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1; then
    cat "$TMP/install.log" >&2
    echo "test_consumers: cmake --install failed" >&2
    exit 1
fi

# ---- what is installed
LIBDIR=$(dirname "$(find "$P" -name dac.pc -path '*/pkgconfig/*' | head -1)")/..
LIBDIR=$(cd "$LIBDIR" 2>/dev/null && pwd) || { echo "test_consumers: no dac.pc under $P" >&2; exit 1; }
for f in bin/dac include/dac/version.h; do
    [ -f "$P/$f" ] || fail "not installed: $f"
done
for h in "$SRC"/include/dac/*.h; do
    [ -f "$P/include/dac/$(basename "$h")" ] || fail "not installed: include/dac/$(basename "$h")"
done
for f in libdac.a libdac.so cmake/dac/dacConfig.cmake cmake/dac/dacConfigVersion.cmake; do
    [ -e "$LIBDIR/$f" ] || fail "not installed: $LIBDIR/$f"
done
ls "$LIBDIR"/libdac.so.* >/dev/null 2>&1 || fail "no versioned libdac.so.* in $LIBDIR"
"$P/bin/dac" --help >/dev/null 2>&1 || fail "installed dac --help failed"

# Public headers may include only each other and the C library: a dependency's header
# there would make every user of libdac need that dependency's headers.
allowed='^#[[:space:]]*include[[:space:]]*("dac/[a-z_]+\.h"|<(stdarg|stddef|stdint|stdio|stdlib|stdbool|string|math|limits|inttypes)\.h>)'
for h in "$P"/include/dac/*.h; do
    bad=$(grep -E '^#[[:space:]]*include' "$h" | grep -vE "$allowed")
    [ -z "$bad" ] || fail "$(basename "$h") includes a non-public header: $bad"
done

# check_run NAME EXPECTED... -- CMD... : CMD succeeds and its output contains each EXPECTED.
check_run() {
    local name=$1
    shift
    local want=()
    while [ "$1" != "--" ]; do want+=("$1"); shift; done
    shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local code=$?
    if [ "$code" -ne 0 ]; then
        fail "$name: exit $code — $(head -c 400 "$TMP/$name.err")"
        return
    fi
    for w in "${want[@]}"; do
        grep -qF -- "$w" "$TMP/$name.out" || fail "$name: output lacks '$w': $(head -c 400 "$TMP/$name.out")"
    done
}

# analyze: the one Ni2 pair of the example (examples/README.md).
check_analyze() {
    check_run "$1" "pair Ni2-N6 2.46 A indirect" "238 atoms: 0 single, 1 pair, 0 cluster" \
        -- "$2" "$STRUCTURE"
    # A missing file: exit 3 and the library's message, naming the file.
    "$2" "$TMP/missing.xyz" >/dev/null 2>"$TMP/$1.missing.err"
    local code=$?
    [ "$code" -eq 3 ] || fail "$1 on a missing file: exit $code (want 3)"
    grep -q "missing.xyz" "$TMP/$1.missing.err" || fail "$1: error does not name the file: $(cat "$TMP/$1.missing.err")"
}
# simulate: the image set, and the pair drawn (the cell is tiled, so one or more).
check_simulate() {
    local out=$TMP/$1
    check_run "$1" "pixels of 0.20 A" " pair, 0 cluster drawn" -- "$2" "$STRUCTURE" "$out.tif" 7
    for f in "$out.tif" "$out.truth.csv" "$out.json"; do
        [ -s "$f" ] || fail "$1: $f not written"
    done
    grep -q '"seed"' "$out.json" 2>/dev/null || fail "$1: no seed in $out.json"
    grep -q ',Ni,' "$out.truth.csv" 2>/dev/null || fail "$1: no Ni in $out.truth.csv"
    # The counter finds the pair the truth lists, and writes its result set.
    grep -q "counted: 2 atoms, 0 single, 1 pair, 0 cluster" "$TMP/$1.out" ||
        fail "$1: the counter did not find the Ni2 pair: $(cat "$TMP/$1.out")"
    for f in atoms.csv sites.csv summary.json; do
        [ -s "$out.tif.count/$f" ] || fail "$1: $out.tif.count/$f not written"
    done
}

# ---- pkg-config: the Makefile of examples/library, in a copy as a user would use it
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
cp -r "$SRC/examples/library" "$TMP/pkg"
if make -s -C "$TMP/pkg" PKG_CONFIG="$PKG_CONFIG" CC="$CC" CFLAGS="-O1 -Wall -Wextra -Werror $FLAGS" LDFLAGS="$FLAGS" \
        >"$TMP/pkg.log" 2>&1; then
    LD_LIBRARY_PATH=$LIBDIR check_analyze pkg_analyze "$TMP/pkg/analyze"
    LD_LIBRARY_PATH=$LIBDIR check_simulate pkg_simulate "$TMP/pkg/simulate"
else
    fail "pkg-config build: $(tail -c 1500 "$TMP/pkg.log")"
fi
# Static through pkg-config: -ldac made to pick libdac.a; the rest comes from
# Requires.private and Libs.private.
static_libs=$($PKG_CONFIG --static --libs dac | sed 's/-ldac\b/-l:libdac.a/')
for ex in analyze simulate; do
    # shellcheck disable=SC2086
    $CC -std=c11 $FLAGS $($PKG_CONFIG --cflags dac) -o "$TMP/pkg/${ex}_static" \
        "$SRC/examples/library/$ex.c" $static_libs >>"$TMP/pkg_static.log" 2>&1 ||
        fail "pkg-config --static link of $ex: $(tail -c 1500 "$TMP/pkg_static.log")"
done
[ -x "$TMP/pkg/analyze_static" ] && check_analyze pkg_analyze_static "$TMP/pkg/analyze_static"
[ -x "$TMP/pkg/simulate_static" ] && check_simulate pkg_simulate_static "$TMP/pkg/simulate_static"

# ---- CMake: find_package(dac); the binaries find libdac.so through their RPATH
if "$CMAKE" -S "$SRC/examples/library" -B "$TMP/cmake" -DCMAKE_PREFIX_PATH="$P" \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $FLAGS" \
        -DCMAKE_EXE_LINKER_FLAGS="$FLAGS" -DCMAKE_BUILD_TYPE=Release >"$TMP/cmake.log" 2>&1 &&
    "$CMAKE" --build "$TMP/cmake" >>"$TMP/cmake.log" 2>&1; then
    check_analyze cmake_analyze "$TMP/cmake/analyze"
    check_analyze cmake_analyze_static "$TMP/cmake/analyze_static"
    check_simulate cmake_simulate "$TMP/cmake/simulate"
    check_simulate cmake_simulate_static "$TMP/cmake/simulate_static"
else
    fail "CMake build: $(tail -c 1500 "$TMP/cmake.log")"
fi

# Private dependencies stay private: a program linking the shared library is given
# -ldac alone, by pkg-config and by the CMake package.
libs=$($PKG_CONFIG --libs dac)
case "$libs" in
    *cjson* | *yaml* | *fftw* | *tiff* | *png* | *pthread*) fail "pkg-config --libs dac gives private dependencies: $libs" ;;
esac
link=$TMP/cmake/CMakeFiles/simulate.dir/link.txt
[ -f "$link" ] && grep -qE 'cjson|yaml|fftw|tiff|png' "$link" &&
    fail "dac::dac hands private dependencies to its users: $(cat "$link")"

# One seed, one image: the shared and the static library are the same objects.
for b in pkg_simulate_static cmake_simulate cmake_simulate_static; do
    [ -f "$TMP/$b.tif" ] && ! cmp -s "$TMP/pkg_simulate.tif" "$TMP/$b.tif" &&
        fail "$b.tif differs from pkg_simulate.tif (same seed)"
done

# The static programs must not need libdac.so, the shared ones must.
for b in pkg/analyze_static pkg/simulate_static cmake/analyze_static cmake/simulate_static; do
    [ -x "$TMP/$b" ] && ldd "$TMP/$b" 2>/dev/null | grep -q 'libdac\.so' && fail "$b links libdac.so"
done
[ -x "$TMP/cmake/analyze" ] && ! ldd "$TMP/cmake/analyze" 2>/dev/null | grep -q "$LIBDIR/libdac\.so" &&
    fail "cmake/analyze does not load libdac.so from the prefix"

[ "$failures" -eq 0 ] && echo "test_consumers: all passed" || echo "test_consumers: $failures failed"
[ "$failures" -eq 0 ]
