#!/bin/bash
# imagej_scale.sh — the TIFFs dac writes open in ImageJ (the engine of Fiji) with the
# right size, bit depth and pixel size. Runs only where Debian's `imagej` and `xvfb`
# packages are installed (ImageJ needs a display even in batch mode); skipped otherwise,
# since a JVM is too heavy a dependency for the test suite itself.
set -u
DAC=$1
TMP=$3
JAR=/usr/share/java/ij.jar
if [ ! -f "$JAR" ] || ! command -v xvfb-run >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    echo "skipped: ImageJ (Debian packages imagej, xvfb) not installed"
    exit 77
fi
rm -rf "$TMP" && mkdir -p "$TMP"
fail() { echo "FAIL: $*"; exit 1; }

cat > "$TMP/scale.ijm" <<'IJM'
open(getArgument());
getPixelSize(unit, pw, ph);
print("IJ " + getWidth() + " " + getHeight() + " " + bitDepth() + " " + pw + " " + ph + " " + unit);
run("Quit");
IJM
# One Pt atom in a 12 × 8 Å field at 0.25 Å pixels: a 48 × 32 image, 0.025 nm per pixel.
printf '1\nLattice="12 0 0 0 8 0 0 0 10" Properties=species:S:1:pos:R:3 pbc="T T F"\nPt 6 4 5\n' > "$TMP/pt.extxyz"
"$DAC" stem simulate "$TMP/pt.extxyz" -o "$TMP/pt.tif" --pixel 0.25 --dose inf -q || fail "simulate"
"$DAC" image convert "$TMP/pt.tif" "$TMP/pt16.tif" --type uint16 || fail "convert"
for spec in "pt.tif 32" "pt16.tif 16"; do
    set -- $spec
    line=$(timeout 120 xvfb-run -a java -Xmx256m -jar "$JAR" -batch "$TMP/scale.ijm" "$TMP/$1" 2>/dev/null | grep '^IJ ')
    [ "$line" = "IJ 48 32 $2 0.025 0.025 nm" ] || fail "$1: ImageJ says '$line', want 'IJ 48 32 $2 0.025 0.025 nm'"
done
echo "imagej_scale: all passed"
