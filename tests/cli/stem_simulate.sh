#!/bin/bash
# stem_simulate.sh — `dac stem simulate STRUCTURE -o IMAGE.tif [options]`: writes the
# image, IMAGE.truth.csv and IMAGE.json (and IMAGE.png with --png); the truth lists the
# example's Ni pair; the same seed gives identical bytes, another seed does not; a
# malformed structure exits 3 leaving no output; a bad option exits 2.
# Usage: bash stem_simulate.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
T=$3
rm -rf "$T" && mkdir -p "$T" || exit 1
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

IN=$SRC/examples/ni2_n6_graphene.extxyz
if [ ! -f "$IN" ]; then
    # Fallback: a Ni pair on a small graphene-like patch of our own.
    IN=$T/ni2.extxyz
    cat > "$IN" <<'EOF'
4
Lattice="12.0 0.0 0.0 0.0 12.0 0.0 0.0 0.0 15.0" Properties=species:S:1:pos:R:3 pbc="T T F"
Ni 5.0 6.0 7.5
Ni 7.46 6.0 7.5
N 3.6 6.0 7.5
C 9.0 9.0 7.5
EOF
fi

OPTS="--support-thickness 20 --read-noise 1 --jitter 0.2 --drift 1 -q"
"$DAC" stem simulate "$IN" -o "$T/a.tif" --seed 7 --png $OPTS
rc=$?
check '[ $rc -eq 0 ]' "simulate exited $rc"
for f in a.tif a.truth.csv a.json a.png; do
    check '[ -s "$T/$f" ]' "missing output $f"
done

# Truth CSV: the header, and the example's two Ni atoms forming one pair site.
check '[ "$(head -1 "$T/a.truth.csv")" = "x_px,y_px,x_A,y_A,element,site,kind" ]' "truth header: $(head -1 "$T/a.truth.csv")"
check '[ "$(grep -c ",Ni,.*,pair$" "$T/a.truth.csv")" -eq 2 ]' "truth does not list two Ni in a pair"

# JSON: parse it and check the keys and counts.
if command -v python3 >/dev/null; then
    python3 - "$T/a.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
need = ["seed", "width_px", "height_px", "pixel_A", "fov_A", "view", "probe", "contrast",
        "support", "noise", "sites", "metal_atoms_drawn", "expected_electrons"]
missing = [k for k in need if k not in d]
assert not missing, f"missing keys {missing}"
assert d["seed"] == 7, d["seed"]
assert d["sites"]["pair"] == 1 and d["metal_atoms_drawn"] == 2, d["sites"]
assert d["pixel_A"] == 0.2 and d["probe"]["voltage_kV"] == 300
assert d["noise"]["dose_e_A2"] == 1e6 and d["support"]["thickness_A"] == 20
assert abs(d["probe"]["wavelength_A"] - 0.019687) < 1e-5
EOF
    check '[ $? -eq 0 ]' "JSON content"
fi

# Same seed → identical bytes (image, truth, JSON up to the output name).
"$DAC" stem simulate "$IN" -o "$T/b.tif" --seed 7 $OPTS
check 'cmp -s "$T/a.tif" "$T/b.tif"' "same seed, different image bytes"
check 'cmp -s "$T/a.truth.csv" "$T/b.truth.csv"' "same seed, different truth"
check 'diff -q <(grep -v "\"image\"" "$T/a.json") <(grep -v "\"image\"" "$T/b.json") >/dev/null' "same seed, different JSON"
"$DAC" stem simulate "$IN" -o "$T/c.tif" --seed 8 $OPTS
check '! cmp -s "$T/a.tif" "$T/c.tif"' "different seeds, same image bytes"

# Noiseless, other views and options run.
"$DAC" stem simulate "$IN" -o "$T/n.tif" --dose inf --view 1,1,0 --zpower 1.7 --fov 30,20 -q
check '[ $? -eq 0 ] && grep -q "\"dose_e_A2\":[[:space:]]*\"inf\"" "$T/n.json"' "noiseless run"

# Malformed structure → exit 3, no outputs left behind.
printf '3\ncomment\nNi 0 0\n' > "$T/bad.xyz"
"$DAC" stem simulate "$T/bad.xyz" -o "$T/bad.tif" -q 2>"$T/bad.err"
rc=$?
check '[ $rc -eq 3 ]' "malformed structure exited $rc, expected 3"
check '[ ! -e "$T/bad.tif" ] && [ ! -e "$T/bad.json" ] && [ ! -e "$T/bad.truth.csv" ]' "output left after failure"
check 'grep -q "bad.xyz" "$T/bad.err"' "error message does not name the file"

# Bad options → exit 2.
for args in "--pixel abc" "--dose -1" "--view 0,0,0" "--fov 0" "--frobnicate" "--kv" "--jitter -1" "--format nope"; do
    "$DAC" stem simulate "$IN" -o "$T/x.tif" $args -q 2>/dev/null
    rc=$?
    check '[ $rc -eq 2 ]' "option '$args' exited $rc, expected 2"
done
"$DAC" stem simulate "$IN" 2>/dev/null
check '[ $? -eq 2 ]' "missing -o did not exit 2"
"$DAC" stem simulate --help | grep -q "support-thickness"
check '[ $? -eq 0 ]' "--help"

echo "stem_simulate.sh: $passes passed, $fails failed"
[ $fails -eq 0 ]
