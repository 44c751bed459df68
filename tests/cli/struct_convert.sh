#!/bin/bash
# struct_convert.sh — `dac struct convert IN OUT [--format F] [--out-format F]`:
# round trips extended XYZ -> CIF -> POSCAR -> extended XYZ keep elements, order and
# positions; standard input/output work; malformed files of every format exit 3 with
# a message naming the file and the line, and leave no output behind.
# Usage: bash struct_convert.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"

# Compares the atoms of two extended XYZ files: same count, elements, positions (Å).
same_atoms() {
    awk -v tol=1e-6 '
        FNR == 1 { file++; n[file] = $1; next }
        FNR == 2 { next }
        FNR - 2 <= n[file] { k = FNR - 2; el[file, k] = $1; for (j = 2; j <= 4; j++) x[file, k, j] = $j }
        END {
            if (n[1] != n[2] || n[1] == "") { print "atom counts differ: " n[1] " vs " n[2]; exit 1 }
            for (k = 1; k <= n[1]; k++) {
                if (el[1, k] != el[2, k]) { print "atom " k ": " el[1, k] " vs " el[2, k]; exit 1 }
                for (j = 2; j <= 4; j++) {
                    d = x[1, k, j] - x[2, k, j]; if (d < 0) d = -d
                    if (d > tol) { print "atom " k " coordinate " j - 1 ": " x[1, k, j] " vs " x[2, k, j]; exit 1 }
                }
            }
        }' "$1" "$2"
}

# --- round trip through every writer -------------------------------------------------
# The cell is in the crystallographic standard orientation (a along x, b in the xy
# plane) and every atom inside it, so that CIF (which stores lengths and angles and
# wraps into the cell) gives back the same Cartesian positions.
cat > "$T/in.extxyz" <<'EOF'
6
Lattice="7.4 0 0 -1.2 6.5 0 0.8 0.6 12.0" Properties=species:S:1:pos:R:3 pbc="T T T"
Ni 1.0 1.5 6.0
Ni 3.45 1.5 6.0
N 0.2 2.9 6.1
N 4.1 0.3 5.9
C 2.2 3.3 6.0
Zn 5.5 5.6 9.25
EOF
if "$DAC" struct convert "$T/in.extxyz" "$T/a.cif" && "$DAC" struct convert "$T/a.cif" "$T/b.vasp" &&
    "$DAC" struct convert "$T/b.vasp" "$T/POSCAR" --format poscar &&
    "$DAC" struct convert "$T/POSCAR" "$T/c.out" --out-format extxyz; then
    if msg=$(same_atoms "$T/in.extxyz" "$T/c.out"); then ok; else bad "extxyz->cif->poscar->extxyz: $msg"; fi
else
    bad "round-trip conversion failed"
fi
grep -q '^_atom_site_fract_x' "$T/a.cif" && ok || bad "CIF output has no fractional coordinates"
grep -qi '^Direct' "$T/b.vasp" && ok || bad "POSCAR output is not in Direct coordinates"

# plain XYZ of a molecule -> extended XYZ keeps everything; it has no CIF or POSCAR form
printf '3\nwater\nO 0 0 0.119\nH 0 0.763 -0.477\nH 0 -0.763 -0.477\n' > "$T/water.xyz"
if "$DAC" struct convert "$T/water.xyz" "$T/water2.xyz"; then
    if msg=$(same_atoms "$T/water.xyz" "$T/water2.xyz"); then ok; else bad "water xyz->extxyz: $msg"; fi
else
    bad "water.xyz -> water2.xyz failed"
fi
"$DAC" struct convert "$T/water.xyz" "$T/water.cif" 2> "$T/err"
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/water.cif" ] && grep -q cell "$T/err" && ok ||
    bad "molecule -> CIF should fail without output (exit $rc)"

# the shipped examples survive a round trip
for f in "$SRC"/examples/*.xyz "$SRC"/examples/*.extxyz; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    if "$DAC" struct convert "$f" "$T/ex_$b.extxyz" && "$DAC" struct convert "$T/ex_$b.extxyz" "$T/ex2_$b.extxyz"; then
        if msg=$(same_atoms "$T/ex_$b.extxyz" "$T/ex2_$b.extxyz"); then ok; else bad "example $b: $msg"; fi
    else
        bad "example $b does not convert"
    fi
done

# standard input and output
if "$DAC" struct convert - - --format extxyz --out-format cif < "$T/in.extxyz" > "$T/stdout.cif"; then
    grep -q '^_cell_length_a' "$T/stdout.cif" && ok || bad "CIF on standard output has no cell"
else
    bad "convert - - failed"
fi

# --- malformed input: exit 3, "FILE:LINE:" in the message, no output file ---------------
expect_input_error() { # file line [format]
    local f=$1 line=$2 fmt=${3:-}
    local out="$T/never.extxyz"
    rm -f "$out"
    if [ -n "$fmt" ]; then
        "$DAC" struct convert "$f" "$out" --format "$fmt" 2> "$T/err"
    else
        "$DAC" struct convert "$f" "$out" 2> "$T/err"
    fi
    local rc=$?
    if [ $rc -ne 3 ]; then
        bad "$(basename "$f"): exit $rc, expected 3 ($(cat "$T/err"))"
    elif ! grep -qF "$f:$line:" "$T/err"; then
        bad "$(basename "$f"): message does not name '$f:$line:': $(cat "$T/err")"
    elif [ -e "$out" ]; then
        bad "$(basename "$f"): output written despite the error"
    else
        ok
    fi
}

printf '3\ncomment\nC 0 0 0\nC 1 1 1\n' > "$T/truncated.xyz"
expect_input_error "$T/truncated.xyz" 1
printf '2\ncomment\nC 0 0 0\nC 1 one 1\n' > "$T/nan.xyz"
expect_input_error "$T/nan.xyz" 4
printf '2\ncomment\nC 0 0 0\nXx 1 1 1\n' > "$T/unknown.xyz"
expect_input_error "$T/unknown.xyz" 4
printf '1\nLattice="1 0 0 0 1 0" Properties=species:S:1:pos:R:3\nC 0 0 0\n' > "$T/lattice.extxyz"
expect_input_error "$T/lattice.extxyz" 2
printf 'two lattice lines\n1.0\n3 0 0\n0 3 0\nNi\n1\nDirect\n0 0 0\n' > "$T/POSCAR_2lines"
expect_input_error "$T/POSCAR_2lines" 5
printf 'vasp4\n1.0\n3 0 0\n0 3 0\n0 0 3\n1\nDirect\n0 0 0\n' > "$T/vasp4.vasp"
expect_input_error "$T/vasp4.vasp" 6
printf 'x\n1.0\n3 0 0\n0 3 0\n0 0 3\nNi\n2\nDirect\n0 0 0\n' > "$T/truncated.vasp"
expect_input_error "$T/truncated.vasp" 8
printf 'data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNi1 0 0 0\n' > "$T/no_c.cif"
expect_input_error "$T/no_c.cif" 1
printf 'data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNi1 0 0 0\nXx2 0.5 0.5 0.5\n' > "$T/unknown.cif"
expect_input_error "$T/unknown.cif" 14
printf 'data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNi1 0 0 0\nN1 0.5 0.5\n' > "$T/count.cif"
expect_input_error "$T/count.cif" 8
# the format option overrides the name
cp "$T/nan.xyz" "$T/nan.data"
expect_input_error "$T/nan.data" 4 xyz

cli_end struct_convert.sh
