#!/bin/bash
# stem_count.sh — `dac stem count` and `dac stem score` end to end: a simulated image
# with one Pt pair and four single Pt atoms is counted (all outputs present, atoms found,
# the pair recognised, summary.json with the issue's keys), the same seed gives the same
# bytes, the scorer reads atoms.csv against truth.csv and hand labels (,X,Y); bad input
# exits 3 (no pixel size, NaN pixels) or 2 (bad option), an empty image gives a valid
# empty result; the default study's Ni sites (tetrahedra included) are all found.
# Usage: bash stem_count.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"

cat > "$T/s.xyz" <<'XYZ'
6

Pt 10.0 10.0 0.0
Pt 12.6 10.0 0.0
Pt 30.0 12.0 0.0
Pt 20.0 30.0 0.0
Pt 35.0 35.0 0.0
Pt 8.0 38.0 0.0
XYZ
"$DAC" stem simulate "$T/s.xyz" -o "$T/a.tif" --fov 45 --support-thickness 20 --dose 1e6 --seed 3 -q
check '[ $? -eq 0 ] && [ -s "$T/a.tif" ]' "simulate failed (needed as input)"

"$DAC" stem count "$T/a.tif" -o "$T/out" --seed 5 -q
rc=$?
check '[ $rc -eq 0 ]' "count exited $rc"
for f in atoms.csv sites.csv summary.json overlay_a.png pair_hist.svg pair_hist.png pair_hist.csv pair_hist.gp; do
    check '[ -s "$T/out/$f" ]' "missing output $f"
done
check 'head -1 "$T/out/atoms.csv" | grep -qx "image,image_file,x_px,y_px,x_A,y_A,intensity,n_atoms,snr,element,element_p,site"' \
    "atoms.csv header"
# Without --elements no atom has an element, so none has an element probability.
check 'awk -F, "NR > 1 && (\$10 != \"\" || \$11 != \"\") { bad = 1 } END { exit bad }" "$T/out/atoms.csv"' \
    "atoms.csv: element and element_p must be empty without --elements"
# sites.csv: a distance only for pairs of two resolved atoms; empty (not 0) otherwise.
check 'awk -F, "\$3 == \"single\" && \$10 != \"\" { bad = 1 } END { exit bad }" "$T/out/sites.csv"' \
    "sites.csv: singles must have an empty distance_A"
check 'awk -F, "\$3 == \"pair\" && \$10 > 2 { ok = 1 } END { exit !ok }" "$T/out/sites.csv"' \
    "sites.csv: the resolved pair needs its distance"
check '[ $(($(wc -l < "$T/out/atoms.csv") - 1)) -eq 6 ]' "expected 6 atoms"
check '[ $(grep -c ",pair," "$T/out/sites.csv") -eq 1 ]' "expected one pair site"
for k in record provenance n_images n_atoms counts single pair cluster density_per_nm2 purity \
         site_ci95 atom_ci95 chance_pairs expected_monte_carlo expected_analytic_csr \
         used_by_correction purity_corrected pair_distance_A mean sd hist; do
    check 'grep -q "\"$k\"" "$T/out/summary.json"' "summary.json lacks key $k"
done
check 'grep -q "<svg" "$T/out/pair_hist.svg"' "pair_hist.svg is not SVG"

# Same seed, same bytes (summary.json: apart from the command line, which names -o).
"$DAC" stem count "$T/a.tif" -o "$T/out2" --seed 5 -q
for f in atoms.csv sites.csv overlay_a.png; do
    check 'cmp -s "$T/out/$f" "$T/out2/$f"' "$f differs for the same seed"
done
nocl() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["provenance"]["command_line"]; print(json.dumps(d))' "$1"; }
check '[ "$(nocl "$T/out/summary.json")" = "$(nocl "$T/out2/summary.json")" ]' "summary.json differs for the same seed"
# Undefined statistics are null with a reason, never 0: one single atom has no pairs.
check 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); p=d[\"pair_distance_A\"]; assert p[\"n\"] == 1 and p[\"sd\"] is None and \"sd\" in p[\"null_reasons\"], p" "$T/out/summary.json"' \
    "pair_distance_A.sd of one pair must be null with a reason"

# Scorer: against the simulator's truth, as JSON; and against ,X,Y labels.
s=$("$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --json)
check '[ $? -eq 0 ] && echo "$s" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"f1\"] == 1 and d[\"record\"] == \"dac stem score\", d"' "score vs truth: $s"
awk -F, 'NR > 1 { printf "%d,%d,%d\n", NR - 1, int($1 + 0.5), int($2 + 0.5) } BEGIN { print " ,X,Y" }' \
    "$T/a.truth.csv" > "$T/labels.csv"
s=$("$DAC" stem score "$T/out/atoms.csv" "$T/labels.csv" --pixel 0.2)
check '[ $? -eq 0 ] && echo "$s" | grep -q "F1 1.000"' "score vs labels: $s"
"$DAC" stem score "$T/labels.csv" "$T/labels.csv" > /dev/null 2>&1
check '[ $? -eq 3 ]' "score without any pixel size should exit 3"
# Labels one pixel (0.2 Å) to the right of the true atoms: the mean offset (detected −
# true) shows the shift, −0.2 Å in x and ≈ 0 in y (the fits are within 0.01 Å RMS).
awk -F, 'NR > 1 { printf "%d,%.4f,%.4f\n", NR - 1, $1 + 1, $2 } BEGIN { print " ,X,Y" }' \
    "$T/a.truth.csv" > "$T/labels_shift.csv"
s=$("$DAC" stem score "$T/out/atoms.csv" "$T/labels_shift.csv" --pixel 0.2 --json)
check 'echo "$s" | python3 -c "import json,sys; x,y=json.load(sys.stdin)[\"mean_offset_A\"]; assert -0.25 < x < -0.15 and -0.05 < y < 0.05, (x, y)"' \
    "mean offset of shifted labels: $s"
# The scoring overlay on the image: a PNG; positions outside the image are refused
# (wrong image for the files); --overlay needs two values.
"$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --overlay "$T/a.tif" "$T/score.png" > /dev/null
check '[ $? -eq 0 ] && [ "$(head -c 4 "$T/score.png" | tail -c 3)" = "PNG" ]' "score overlay is not a PNG"
# A PNG is not written under another name (it used to land in OUT.tif).
"$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --overlay "$T/a.tif" "$T/score.tif" 2> "$T/err.txt" > /dev/null
rc=$?
check '[ $rc -eq 2 ] && [ ! -e "$T/score.tif" ] && grep -q "png" "$T/err.txt"' "--overlay OUT.tif must be refused: $(cat "$T/err.txt")"
# --pixel 0 is a mistake, not "from the file".
"$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --pixel 0 2> "$T/err.txt" > /dev/null
rc=$?
check '[ $rc -eq 2 ] && grep -q -- "--pixel" "$T/err.txt"' "score --pixel 0 must be refused: $(cat "$T/err.txt")"
"$DAC" stem count "$T/a.tif" -o "$T/opx0" --pixel 0 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 2 ] && grep -q -- "--pixel" "$T/err.txt" && [ ! -e "$T/opx0" ]' "count --pixel 0 must be refused: $(cat "$T/err.txt")"
# A pixel size off by 10 (nm typed for Å) gives a loud warning about the pixel size.
"$DAC" stem count "$T/a.tif" -o "$T/opx10" --pixel 0.02 2> "$T/err.txt" > /dev/null
check 'grep -q "PIXEL SIZE IS PROBABLY WRONG" "$T/err.txt"' "pixel size 10× too small: no warning: $(cat "$T/err.txt")"

# A 16×16 float32 TIFF without any calibration, written byte by byte: constant 1.0,
# optionally with one NaN pixel.
le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $((($1 >> 16) & 65535)); }
tag() { le16 $1; le16 $2; le32 1; if [ $2 -eq 3 ]; then le16 $3; le16 0; else le32 $3; fi; }
tiff16() { # $1 = path, $2 = 1 for a NaN pixel
    {
        printf 'II*\000'; le32 8; le16 10
        tag 256 3 16; tag 257 3 16; tag 258 3 32; tag 259 3 1; tag 262 3 1
        tag 273 4 134; tag 277 3 1; tag 278 3 16; tag 279 4 1024; tag 339 3 3; le32 0
        for i in $(seq 0 255); do
            if [ "$2" = 1 ] && [ $i -eq 100 ]; then le32 $((0x7fc00000)); else le32 $((0x3f800000)); fi
        done
    } > "$1"
}
tiff16 "$T/flat.tif" 0
tiff16 "$T/nan.tif" 1
"$DAC" stem count "$T/flat.tif" -o "$T/o3" -q 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 3 ] && grep -q -- "--pixel" "$T/err.txt"' "no pixel size: exit $rc, $(cat "$T/err.txt")"
"$DAC" stem count "$T/flat.tif" -o "$T/o4" --pixel 0.2 -q
check '[ $? -eq 0 ] && grep -q "\"n_atoms\":[[:space:]]*0" "$T/o4/summary.json"' "constant image: empty valid result"
"$DAC" stem count "$T/nan.tif" -o "$T/o7" --pixel 0.2 -q 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 3 ] && grep -q "NaN" "$T/err.txt"' "NaN pixel: exit $rc, $(cat "$T/err.txt")"

# A support mask from a file: the whole 16×16 frame (1.0 everywhere) is support; a mask
# of another size is bad input.
"$DAC" stem count "$T/flat.tif" --support-mask "$T/flat.tif" --pixel 0.2 -o "$T/om" -q
check '[ $? -eq 0 ] && grep -q "\"support_area_nm2\":[[:space:]]*0.1024" "$T/om/summary.json"' "mask file"
"$DAC" stem count "$T/a.tif" --support-mask "$T/flat.tif" -o "$T/om2" -q 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 3 ] && grep -q "support mask is 16x16" "$T/err.txt"' "mask size mismatch: exit $rc"

"$DAC" stem count "$T/a.tif" -o "$T/o5" --bogus > /dev/null 2>&1
check '[ $? -eq 2 ]' "unknown option should exit 2"
"$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --overlay "$T/flat.tif" "$T/small.png" 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 3 ] && grep -q "outside this 16x16 image" "$T/err.txt"' "overlay on the wrong image: exit $rc, $(cat "$T/err.txt")"
"$DAC" stem score "$T/out/atoms.csv" "$T/a.truth.csv" --overlay "$T/a.tif" 2> /dev/null
check '[ $? -eq 2 ]' "--overlay without OUT.png should exit 2"
"$DAC" stem count "$T/a.tif" -q > /dev/null 2>&1
check '[ $? -eq 2 ]' "missing -o should exit 2"
"$DAC" stem count "$T/missing.tif" -o "$T/o6" -q 2> /dev/null
check '[ $? -eq 3 ]' "missing file should exit 3"

# An image with no atoms (support only): valid, empty result.
cat > "$T/empty.xyz" <<'XYZ'
1

C 1.0 1.0 0.0
XYZ
"$DAC" stem simulate "$T/empty.xyz" -o "$T/e.tif" --fov 40 --support-thickness 20 --seed 1 -q
"$DAC" stem count "$T/e.tif" -o "$T/oe" -q
check '[ $? -eq 0 ] && grep -q "\"n_atoms\":[[:space:]]*0" "$T/oe/summary.json"' "empty image should give 0 atoms"

# The default study's site mix (examples/ni_sites_120A.extxyz: 22 Ni singles, 14 Ni2
# pairs at random tilt, two Ni4 tetrahedra whose base atoms lie 1.44 Å from the apex in
# projection): every atom found and the sites counted right, which needs detection on
# the residual (the matched filter merges each tetrahedron into one maximum).
"$DAC" stem simulate "$SRC/examples/ni_sites_120A.extxyz" -o "$T/ni.tif" --support-thickness 30 \
    --dose 1e6 --seed 1 -q
"$DAC" stem count "$T/ni.tif" -o "$T/oni" -q
check '[ $? -eq 0 ] && [ "$(grep -c ",single," "$T/oni/sites.csv"),$(grep -c ",pair," "$T/oni/sites.csv"),$(grep -c ",cluster," "$T/oni/sites.csv")" = "22,14,2" ]' \
    "Ni sites: singles,pairs,clusters $(grep -c ",single," "$T/oni/sites.csv"),$(grep -c ",pair," "$T/oni/sites.csv"),$(grep -c ",cluster," "$T/oni/sites.csv") (truth 22,14,2)"
s=$("$DAC" stem score "$T/oni/atoms.csv" "$T/ni.truth.csv")
check 'echo "$s" | grep -q "detected 58, truth 58, matched 58"' "Ni sites score: $s"

# Heteronuclear ZnRu (docs/science.md §1, the "navigation and positioning" DACs): 6 ZnRu pairs
# (2.6 Å), 5 Zn and 4 Ru singles. σ_Ru/σ_Zn = 2.09, so a lone Ru looks like two Zn by
# intensity alone: with --elements Zn,Ru every atom must be found (the faint-blob test
# scaled to the lighter element) and named, and Ru must not be counted as Zn2.
cat > "$T/znru.extxyz" <<'XYZ'
23
Lattice="60 0 0 0 60 0 0 0 20" Properties=species:S:1:pos:R:3 pbc="T T F"
Zn 8.0 8.0 10
Ru 10.6 8.0 10
Zn 30.0 9.0 10
Ru 30.0 11.6 10
Zn 50.0 8.0 10
Ru 51.84 9.84 10
Zn 9.0 30.0 10
Ru 7.16 31.84 10
Zn 30.0 30.0 10
Ru 27.4 30.0 10
Zn 50.0 31.0 10
Ru 50.0 28.4 10
Zn 10.0 50.0 10
Zn 22.0 52.0 10
Zn 35.0 49.0 10
Zn 48.0 52.0 10
Zn 18.0 19.0 10
Ru 40.0 19.0 10
Ru 19.0 41.0 10
Ru 41.0 41.0 10
Ru 55.0 55.0 10
XYZ
sed -i '1s/.*/21/' "$T/znru.extxyz"
"$DAC" stem simulate "$T/znru.extxyz" -o "$T/znru.tif" --support-thickness 20 --dose 1e6 --seed 4 -q
"$DAC" stem count "$T/znru.tif" -o "$T/oznru" --elements Zn,Ru -q
rc=$?
check '[ $rc -eq 0 ] && [ "$(grep -c ",single," "$T/oznru/sites.csv"),$(grep -c ",pair," "$T/oznru/sites.csv"),$(grep -c ",cluster," "$T/oznru/sites.csv")" = "9,6,0" ]' \
    "ZnRu sites: $(grep -c ",single," "$T/oznru/sites.csv"),$(grep -c ",pair," "$T/oznru/sites.csv"),$(grep -c ",cluster," "$T/oznru/sites.csv") (truth 9,6,0)"
check '[ "$(grep -c ",Zn," "$T/oznru/atoms.csv"),$(grep -c ",Ru," "$T/oznru/atoms.csv")" = "11,10" ]' \
    "ZnRu elements: Zn $(grep -c ",Zn," "$T/oznru/atoms.csv"), Ru $(grep -c ",Ru," "$T/oznru/atoms.csv") (truth 11, 10)"
# A named single atom carries its element's posterior probability (0.5, 1].
check 'awk -F, "NR > 1 && \$10 != \"\" && !(\$11 > 0.5 && \$11 <= 1) { bad = 1 } END { exit bad }" "$T/oznru/atoms.csv"' \
    "atoms.csv: a named element needs element_p in (0.5, 1]"

# Outputs are one set: a folder where summary.json goes fails the run (exit 1) before
# any file of the set changes; a rerun with fewer images removes the stale overlay_N.png.
"$DAC" stem count "$T/a.tif" "$T/a.tif" "$T/a.tif" -o "$T/oset" --seed 5 2> "$T/dup.txt" >/dev/null
rc=$?
check '[ $rc -eq 0 ] && [ -s "$T/oset/overlay_a_3.png" ] && grep -q "given twice" "$T/dup.txt"' \
    "three images (same file): overlay_a_3.png and a repeated-file warning expected: $(cat "$T/dup.txt")"
check '[ "$(cut -d, -f1 "$T/oset/atoms.csv" | sort -u | tr "\n" " ")" = "0 1 2 image " ]' \
    "atoms.csv of three images needs the image column: $(cut -d, -f1 "$T/oset/atoms.csv" | sort -u | tr "\n" " ")"
check 'grep -q "Wilson on pooled counts" "$T/oset/summary.json"' "fewer than 5 images should use Wilson"
"$DAC" stem count "$T/a.tif" -o "$T/oset" --seed 5 -q
check '[ $? -eq 0 ] && [ ! -e "$T/oset/overlay_a_2.png" ] && [ ! -e "$T/oset/overlay_a_3.png" ]' \
    "stale overlay_a_2/3.png left after a one-image rerun"
cp "$T/oset/atoms.csv" "$T/atoms_before.csv"
rm "$T/oset/summary.json" && mkdir "$T/oset/summary.json"
"$DAC" stem count "$T/ni.tif" -o "$T/oset" -q 2> "$T/err.txt"
rc=$?
check '[ $rc -eq 1 ] && cmp -s "$T/atoms_before.csv" "$T/oset/atoms.csv" && grep -q summary.json "$T/err.txt"' \
    "folder in the way: exit $rc, atoms.csv must be unchanged: $(cat "$T/err.txt")"
check '[ -z "$(ls -A "$T/oset" | grep dac-tmp)" ]' "temporaries left: $(ls -A "$T/oset")"
# Errors raised while processing an image name the image file.
printf 'not an image' > "$T/junk.mrc"
"$DAC" stem count "$T/a.tif" "$T/junk.mrc" -o "$T/ojunk" -q 2> "$T/err.txt"
rc=$?
check '[ $rc -ne 0 ] && grep -q "junk.mrc" "$T/err.txt"' "error should name the image: $(cat "$T/err.txt")"
# A huge --pair-max keeps the histogram small with few ticks; a non-finite one is refused.
"$DAC" stem count "$T/a.tif" -o "$T/ohuge" --pair-max 1e10 -q
rc=$?
check '[ $rc -eq 0 ] && [ "$(wc -c < "$T/ohuge/pair_hist.svg")" -lt 60000 ] && [ "$(grep -c "<text" "$T/ohuge/pair_hist.svg")" -le 40 ]' \
    "pair_hist.svg with --pair-max 1e10: $(wc -c < "$T/ohuge/pair_hist.svg") bytes, $(grep -c "<text" "$T/ohuge/pair_hist.svg") texts"
"$DAC" stem count "$T/a.tif" -o "$T/onan" --pair-max nan -q 2>/dev/null
check '[ $? -eq 2 ]' "--pair-max nan should be a usage error"

# --threads: three images on 1 and on 3 threads give the same files (summary.json apart
# from the command line); a number that is not a whole count >= 1 is a usage error.
for n in 1 3; do
    "$DAC" stem count "$T/a.tif" "$T/ni.tif" "$T/a.tif" -o "$T/othr$n" --seed 5 --threads $n -q 2> /dev/null
    check '[ $? -eq 0 ]' "--threads $n failed"
done
for f in atoms.csv sites.csv overlay_a.png overlay_ni.png overlay_a_2.png pair_hist.csv; do
    check 'cmp -s "$T/othr1/$f" "$T/othr3/$f"' "$f differs between --threads 1 and 3"
done
check '[ "$(nocl "$T/othr1/summary.json")" = "$(nocl "$T/othr3/summary.json")" ]' \
    "summary.json differs between --threads 1 and 3"
for v in 0 -1 1.5 x; do
    "$DAC" stem count "$T/a.tif" -o "$T/obad" --threads "$v" 2> "$T/err.txt"
    rc=$?
    check '[ $rc -eq 2 ] && grep -q -- "--threads" "$T/err.txt"' "--threads $v: exit $rc, $(cat "$T/err.txt")"
done
# The overlay is a palette PNG (color type 3 in IHDR, byte 25) with the pixel size.
check '[ "$(od -An -tu1 -j25 -N1 "$T/out/overlay_a.png" | tr -d " ")" = 3 ]' "overlay is not a palette PNG"
check 'grep -aq "pixel_size_A" "$T/out/overlay_a.png"' "overlay lacks its pixel size"

cli_end stem_count.sh
