#!/bin/bash
# stem_simulate.sh — `dac stem simulate STRUCTURE -o IMAGE.tif [options]`: writes the
# image, IMAGE.truth.csv and IMAGE.json (and IMAGE.png with --png); the truth lists the
# example's Ni pair; the same seed gives identical bytes, another seed does not; a
# malformed structure exits 3 leaving no output; a bad option exits 2. Regressions:
# atoms outside a non-periodic cell are drawn, tiled copies of a site are separate
# sites, the outputs are all-or-nothing, -o must be a TIFF, absurd doses are refused.
# Usage: bash stem_simulate.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"

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

# Truth CSV: the header, and the example's two Ni atoms forming one complete pair site.
check '[ "$(head -1 "$T/a.truth.csv")" = "x_px,y_px,x_A,y_A,element,site,kind,complete" ]' "truth header: $(head -1 "$T/a.truth.csv")"
check '[ "$(grep -c ",Ni,0,pair,1$" "$T/a.truth.csv")" -eq 2 ]' "truth does not list two Ni in one complete pair"

# JSON: parse it and check the keys and counts.
if command -v python3 >/dev/null; then
    python3 - "$T/a.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
need = ["record", "provenance", "width_px", "height_px", "pixel_A", "fov_A", "view", "probe", "contrast",
        "support", "noise", "sites", "metal_atoms_drawn", "expected_electrons"]
missing = [k for k in need if k not in d]
assert not missing, f"missing keys {missing}"
p = d["provenance"]
assert d["record"] == "dac stem simulate" and p["seed"] == 7, p
assert p["command_line"][1:3] == ["stem", "simulate"], p["command_line"]
assert len(p["inputs"]) == 1 and len(p["inputs"][0]["sha256"]) == 64, p["inputs"]
assert d["sites"]["pair"] == 1 and d["metal_atoms_drawn"] == 2, d["sites"]
assert d["pixel_A"] == 0.2 and d["probe"]["voltage_kV"] == 300
assert d["sites_incomplete"] == {"single": 0, "pair": 0, "cluster": 0}, d["sites_incomplete"]
assert d["structure_sites"]["pair"] == 1 and d["atoms_not_drawn"] == 0
assert d["noise"]["dose_e_A2"] == 1e6 and d["support"]["thickness_A"] == 20
n = d["noise"]
assert n["gain_counts_per_e"] == 1 and n["offset_counts"] == 0, n
assert n["read_noise_counts_rms"] == 1 and "note" not in n, n
assert abs(d["probe"]["wavelength_A"] - 0.019687) < 1e-5
EOF
    check '[ $? -eq 0 ]' "JSON content"
fi

# Same seed → identical bytes (image, truth, JSON up to the output name).
"$DAC" stem simulate "$IN" -o "$T/b.tif" --seed 7 $OPTS
check 'cmp -s "$T/a.tif" "$T/b.tif"' "same seed, different image bytes"
check 'cmp -s "$T/a.truth.csv" "$T/b.truth.csv"' "same seed, different truth"
check 'diff -q <(grep -v "\"image\"\|\.tif\"" "$T/a.json") <(grep -v "\"image\"\|\.tif\"" "$T/b.json") >/dev/null' "same seed, different JSON"
"$DAC" stem simulate "$IN" -o "$T/c.tif" --seed 8 $OPTS
check '! cmp -s "$T/a.tif" "$T/c.tif"' "different seeds, same image bytes"

# Noiseless, other views and options run.
"$DAC" stem simulate "$IN" -o "$T/n.tif" --dose inf --view 1,1,0 --zpower 1.7 --fov 30,20 -q
check '[ $? -eq 0 ] && grep -q "\"dose_e_A2\":[[:space:]]*null" "$T/n.json" && grep -q "infinite dose: a noiseless image" "$T/n.json"' "noiseless run"
check 'grep -q "gain, offset and read noise were not applied" "$T/n.json"' "noiseless JSON does not say gain/offset/read noise were not applied"

# Regression: atoms outside a non-periodic cell were silently dropped (10 Å box, pbc F F F,
# Ni at x = 5 and −3, Pt at 15). All three are drawn; a --fov that cuts two off warns and
# the JSON counts what was drawn.
cat > "$T/outside.extxyz" <<'EOF'
3
Lattice="10 0 0 0 10 0 0 0 10" pbc="F F F"
Ni 5 5 5
Ni -3 5 5
Pt 15 5 5
EOF
"$DAC" stem simulate "$T/outside.extxyz" -o "$T/out.tif" --dose inf 2>"$T/out.err"
check '[ $? -eq 0 ] && [ "$(tail -n +2 "$T/out.truth.csv" | wc -l)" -eq 3 ]' "outside atoms: truth has $(tail -n +2 "$T/out.truth.csv" | wc -l) rows, expected 3"
check '! grep -q "not drawn" "$T/out.err"' "outside atoms: spurious warning"
"$DAC" stem simulate "$T/outside.extxyz" -o "$T/out2.tif" --dose inf --fov 10 2>"$T/out2.err"
check '[ $? -eq 0 ] && grep -q "warning: .*2 atoms outside the field of view not drawn" "$T/out2.err"' "cut-off atoms: no warning: $(cat "$T/out2.err")"
if command -v python3 >/dev/null; then
    python3 - "$T/out.json" "$T/out2.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert a["sites"]["single"] == 3 and a["atoms_not_drawn"] == 0, a["sites"]
assert b["sites"]["single"] == 1 and b["atoms_not_drawn"] == 2, b["sites"]
assert b["structure_sites"]["single"] == 3 and b["metal_atoms_drawn"] == 1
EOF
    check '[ $? -eq 0 ] ' "outside atoms: JSON counts"
fi

# Regression: a view larger than the cell tiles it; every drawn copy of the pair is its
# own site, cut copies are marked incomplete, and the JSON counts drawn copies.
"$DAC" stem simulate "$IN" -o "$T/w.tif" --dose inf --fov 50 -q
check '[ $? -eq 0 ]' "--fov 50 run"
if command -v python3 >/dev/null; then
    python3 - "$T/w.truth.csv" "$T/w.json" <<'EOF'
import csv, json, sys
from collections import defaultdict
rows = list(csv.DictReader(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
ni = [r for r in rows if r["element"] == "Ni"]
assert len(ni) > 2, len(ni)
by = defaultdict(list)
for r in ni:
    by[r["site"]].append(r)
assert sorted(map(int, by)) == list(range(len(by))), "site ids not dense"
complete = [s for s, rs in by.items() if rs[0]["complete"] == "1"]
cut = [s for s, rs in by.items() if rs[0]["complete"] == "0"]
for s in complete:
    assert len(by[s]) == 2 and all(r["complete"] == "1" for r in by[s]), by[s]
for s in cut:
    assert len(by[s]) == 1, by[s]
assert d["sites"]["pair"] == len(complete) >= 2, (d["sites"], len(complete))
assert d["sites_incomplete"]["pair"] == len(cut), d["sites_incomplete"]
assert d["structure_sites"]["pair"] == 1
EOF
    check '[ $? -eq 0 ]' "--fov 50: site copies in truth and JSON"
fi

# Regression: the outputs are atomic as a set. A directory in the way of the JSON (or
# PNG) fails the run with exit 1 and leaves neither image, truth nor temporaries.
mkdir -p "$T/m.json"
"$DAC" stem simulate "$IN" -o "$T/m.tif" -q 2>"$T/m.err"
rc=$?
check '[ $rc -eq 1 ]' "JSON path is a directory: exit $rc, expected 1"
check '[ ! -e "$T/m.tif" ] && [ ! -e "$T/m.truth.csv" ] && [ -z "$(ls "$T" | grep "^m\..*tmp")" ]' "outputs left after a failed set: $(ls "$T" | grep "^m\.")"
mkdir -p "$T/p.png"
"$DAC" stem simulate "$IN" -o "$T/p.tif" --png -q 2>/dev/null
rc=$?
check '[ $rc -eq 1 ] && [ ! -e "$T/p.tif" ] && [ ! -e "$T/p.json" ] && [ ! -e "$T/p.truth.csv" ]' "PNG path is a directory: exit $rc or outputs left"
"$DAC" stem simulate "$IN" -o "$T/u.TIFF" --dose inf -q
check '[ $? -eq 0 ] && [ -s "$T/u.TIFF" ] && [ -s "$T/u.json" ] && [ -s "$T/u.truth.csv" ]' ".TIFF output name"

# Malformed structure → exit 3, no outputs left behind.
printf '3\ncomment\nNi 0 0\n' > "$T/bad.xyz"
"$DAC" stem simulate "$T/bad.xyz" -o "$T/bad.tif" -q 2>"$T/bad.err"
rc=$?
check '[ $rc -eq 3 ]' "malformed structure exited $rc, expected 3"
check '[ ! -e "$T/bad.tif" ] && [ ! -e "$T/bad.json" ] && [ ! -e "$T/bad.truth.csv" ]' "output left after failure"
check 'grep -q "bad.xyz" "$T/bad.err"' "error message does not name the file"

# Bad options → exit 2.
for args in "--pixel abc" "--dose -1" "--dose 1e30" "--view 0,0,0" "--fov 0" "--frobnicate" "--kv" "--jitter -1" "--format nope"; do
    "$DAC" stem simulate "$IN" -o "$T/x.tif" $args -q 2>/dev/null
    rc=$?
    check '[ $rc -eq 2 ]' "option '$args' exited $rc, expected 2"
done
"$DAC" stem simulate "$IN" 2>/dev/null
check '[ $? -eq 2 ]' "missing -o did not exit 2"
# -o must name a TIFF: the other names are made from it.
for o in x.png x .tif x.tif.json; do
    "$DAC" stem simulate "$IN" -o "$T/$o" -q 2>"$T/o.err"
    rc=$?
    check '[ $rc -eq 2 ] && grep -q "IMAGE.tif" "$T/o.err"' "-o $o exited $rc, expected 2 with a message"
done
check '[ ! -e "$T/x.png" ] && [ ! -e "$T/x.json" ]' "refused -o left files"
"$DAC" stem simulate "$IN" -o "$T/x.tif" --dose 1e30 -q 2>&1 | grep -q "at most 1e+15"
check '[ $? -eq 0 ]' "--dose 1e30: message does not give the limit"
"$DAC" stem simulate --help | grep -q "Cartesian"
check '[ $? -eq 0 ]' "--help does not say --view A,B,C is Cartesian"
"$DAC" stem simulate --help | grep -q "support-thickness"
check '[ $? -eq 0 ]' "--help"

# A bare file name (no folder) writes into the current folder.
(cd "$T" && "$DAC" stem simulate "$IN" -o bare.tif --dose inf -q) && [ -s "$T/bare.tif" ] && [ -s "$T/bare.json" ]
check '[ $? -eq 0 ]' "-o bare.tif (no folder in the path) must work"

cli_end stem_simulate.sh
