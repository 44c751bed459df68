#!/usr/bin/env bash
# image_cli.sh — `dac image info` and `dac image convert` (and --crop) on a fixture MRC built here
# with printf (4 × 3 uint16, 1.5 Å pixels): text and JSON info, TIFF/PNG conversion
# keeping the pixel size, usage errors (exit 2), bad input (exit 3, message naming the
# file, no partial output). Usage: bash image_cli.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
TMP=$3
rm -rf "$TMP"
mkdir -p "$TMP"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE CMD...: runs CMD, keeps stdout/stderr in $TMP/out, $TMP/err
expect() {
    local want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got (want $want): $* -- $(cat "$TMP/err")"
}
has() { grep -q -- "$2" "$TMP/$1" || fail "$1 lacks '$2': $(cat "$TMP/$1")"; }

# MRC2014 header: nx ny nz mode, then mx my mz at 28, cella at 40 (6.0, 4.5, 1.0 Å as
# float32: 1.5 Å per pixel), mapc/r/s at 64, "MAP " and the little-endian stamp at 208.
mrc=$TMP/fixture.mrc
{
    printf '\x04\0\0\0\x03\0\0\0\x01\0\0\0\x06\0\0\0'
    head -c 12 /dev/zero
    printf '\x04\0\0\0\x03\0\0\0\x01\0\0\0'
    printf '\0\0\xc0\x40\0\0\x90\x40\0\0\x80\x3f'
    head -c 12 /dev/zero
    printf '\x01\0\0\0\x02\0\0\0\x03\0\0\0'
    head -c 132 /dev/zero
    printf 'MAP \x44\x44\0\0'
    head -c 808 /dev/zero
    for v in 0 100 200 300 400 500 600 700 800 900 1000 1100; do
        printf "\\x$(printf %02x $((v % 256)))\\x$(printf %02x $((v / 256)))"
    done
} >"$mrc"
[ "$(wc -c <"$mrc")" -eq 1048 ] || fail "fixture size $(wc -c <"$mrc")"

expect 0 "$DAC" image info "$mrc"
has out "4 x 3"
has out "uint16"
has out "1.5 Å (x) x 1.5 Å (y)"
has out "0 / 1100 / 550"

expect 0 "$DAC" image info --json "$mrc"
has out '"pixel_size_x_A":[[:space:]]*1.5'
has out '"width":[[:space:]]*4'

# No cell (CELLA = 0): the pixel size is unknown, "unknown" in text and null in JSON
# (never 0, which a script could take for a length).
cp "$mrc" "$TMP/nocell.mrc"
head -c 12 /dev/zero | dd of="$TMP/nocell.mrc" bs=1 seek=40 conv=notrunc status=none
expect 0 "$DAC" image info "$TMP/nocell.mrc"
has out "pixel size:    unknown"
expect 0 "$DAC" image info --json "$TMP/nocell.mrc"
has out '"pixel_size_x_A":[[:space:]]*null'
has out '"pixel_size_y_A":[[:space:]]*null'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["pixel_size_x_A"] is None and d["pixel_size_y_A"] is None and d["width"] == 4' "$TMP/out" ||
    fail "JSON with unknown pixel size does not parse to null: $(cat "$TMP/out")"

expect 0 "$DAC" image convert "$mrc" "$TMP/f.tif"
expect 0 "$DAC" image info "$TMP/f.tif"
has out "float32"
has out "1.5 Å (x)"
has out "0 / 1100"

expect 0 "$DAC" image convert "$mrc" "$TMP/u.tiff" --type uint16
expect 0 "$DAC" image info "$TMP/u.tiff"
has out "uint16"
has out "0 / 1100"

expect 0 "$DAC" image convert "$mrc" "$TMP/r.tif" --type uint16 --range 0 1100
expect 0 "$DAC" image info "$TMP/r.tif"
has out "0 / 65535"

expect 0 "$DAC" image convert "$mrc" "$TMP/d.png"
expect 0 "$DAC" image info "$TMP/d.png"
has out "uint8"
has out "1.5 Å (x)"
has out "0 / 255"

expect 0 "$DAC" image convert "$mrc" "$TMP/p.png" --percentiles 10 90 --bits 8
expect 0 "$DAC" image convert "$mrc" "$TMP/s.png" --bits 16 --range 0 1100
expect 0 "$DAC" image info "$TMP/s.png"
has out "0 / 65535"

# --crop X Y W H: the 2 x 2 pixels from column 1, row 1 (500 600 / 900 1000), pixel size kept
expect 0 "$DAC" image convert "$mrc" "$TMP/c.tif" --crop 1 1 2 2
expect 0 "$DAC" image info "$TMP/c.tif"
has out "2 x 2"
has out "1.5 Å (x) x 1.5 Å (y)"
has out "500 / 1000 / 750"
# the option before IN and OUT takes its four numbers all the same
expect 0 "$DAC" image convert --crop 1 1 2 2 "$mrc" "$TMP/c2.tif"
cmp -s "$TMP/c.tif" "$TMP/c2.tif" || fail "--crop before IN OUT wrote another file"

# --help lists every option
expect 0 "$DAC" image --help
for opt in --json --type --bits --range --percentiles --crop --help; do has out -- "$opt"; done

# usage errors: exit 2
expect 2 "$DAC" image
expect 2 "$DAC" image frobnicate
expect 2 "$DAC" image info
expect 2 "$DAC" image info --bogus "$mrc"
expect 2 "$DAC" image convert "$mrc" "$TMP/x.jpg"
expect 2 "$DAC" image convert "$mrc" "$TMP/x.tif" --type int8
expect 2 "$DAC" image convert "$mrc" "$TMP/x.png" --bits 12
expect 2 "$DAC" image convert "$mrc" "$TMP/x.png" --range 5 1
expect 2 "$DAC" image convert "$mrc" "$TMP/x.png" --range 0
expect 2 "$DAC" image convert "$mrc" "$TMP/x.png" --range 0 1 --percentiles 1 99
expect 2 "$DAC" image convert "$mrc" "$TMP/x.tif" --crop 0 0 5 3
has err "option --crop"
has err "4 x 3 image"
[ ! -e "$TMP/x.tif" ] || fail "output written for a crop outside the image"
expect 2 "$DAC" image convert "$mrc" "$TMP/x.tif" --crop 0 0 2
has err "four numbers"
expect 2 "$DAC" image convert "$mrc" "$TMP/x.tif" --crop 0 -1 2 2
has err "crop Y"
expect 2 "$DAC" image convert "$mrc" "$TMP/x.tif" --crop 0 0 0 2
has err "crop W"

# bad input: exit 3, the message names the file, no output left behind
head -c 1030 "$mrc" >"$TMP/trunc.mrc"
expect 3 "$DAC" image info "$TMP/trunc.mrc"
has err "trunc.mrc"
expect 3 "$DAC" image convert "$TMP/trunc.mrc" "$TMP/never.tif"
[ ! -e "$TMP/never.tif" ] || fail "partial output left"
ls "$TMP" | grep -q "never.tif.tmp" && fail "temporary file left"
printf 'not an image at all' >"$TMP/junk.dm3"
expect 3 "$DAC" image info "$TMP/junk.dm3"
has err "junk.dm3"
expect 3 "$DAC" image info "$TMP/absent.tif"
has err "absent.tif"

# sample files, when present
DATA=$SRC/../shared/data/formats
if [ -f "$DATA/dm/test_STEM_image.dm3" ]; then
    expect 0 "$DAC" image info "$DATA/dm/test_STEM_image.dm3"
    has out "68 x 68"
    has out "voltage_V = 200000"
fi

[ "$fails" -eq 0 ] && echo "image_cli: all passed"
exit $((fails > 0))
