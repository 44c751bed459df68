#!/usr/bin/env bash
# struct_analyze.sh — `dac struct analyze` / `convert` on the shipped examples: the
# expected analysis of each (examples/README.md), the JSON Lines records (core's record
# convention: record, record_version, provenance, units in keys, null with a reason),
# standard input, and exit codes (2 for bad options, 3 for missing or malformed files,
# naming the file); the refusals of issue 7: atoms at one place, a huge --pair-cutoff,
# a slab written as POSCAR/CIF without --force-periodic.
# usage: bash struct_analyze.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
TMP=$3
EX=$SRC/examples
rm -rf "$TMP"
mkdir -p "$TMP"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_exit CODE CMD... : runs CMD, checks its exit code, keeps stderr in $TMP/err
expect_exit() {
    local want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "exit $got (want $want): $* — stderr: $(head -c 300 "$TMP/err")"
}

have_python=0
command -v python3 >/dev/null 2>&1 && have_python=1

# check_json FILE PYTHON-EXPR-ON-d... : every expression must be true for the one JSON
# object in FILE; without python3, fall back to grepping for the given literal strings.
check_json() {
    local file=$1
    shift
    if [ $have_python -eq 1 ]; then
        python3 - "$file" "$@" <<'EOF' || fail "JSON check on $file"
import json, math, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, "expected one JSON line, got %d" % len(lines)
d = json.loads(lines[0])
site = d['sites'][0] if d['sites'] else {}
for expr in sys.argv[2:]:
    if not eval(expr):
        print("false: %s\n  in %s" % (expr, lines[0]), file=sys.stderr)
        sys.exit(1)
EOF
    fi
}

# ---- Ni2-N6 on graphene: one pair, indirect (2.46 Å < 4.5 Å); the record's header
expect_exit 0 "$DAC" struct analyze --json "$EX/ni2_n6_graphene.extxyz"
cp "$TMP/out" "$TMP/ni2.json"
check_json "$TMP/ni2.json" \
    "list(d)[:3] == ['record', 'record_version', 'provenance']" \
    "d['record'] == 'dac struct analyze' and d['record_version'] == 1" \
    "d['provenance']['software'].startswith('dac ') and d['provenance']['seed'] is None" \
    "d['provenance']['command_line'][1:3] == ['struct', 'analyze']" \
    "[i['path'] for i in d['provenance']['inputs']] == [d['file']] and len(d['provenance']['inputs'][0]['sha256']) == 64" \
    "set(d) == {'record','record_version','provenance','file','n_atoms','cell_A','pbc','metals','options','sites','counts','n_metal_atoms','purity'}" \
    "set(site) == {'kind','atom_indices','elements','mm_distance_A','nearest_other_site_A','coordination','label','synergy','extended'}" \
    "d['options'] == {'pair_cutoff_A': 3.5, 'bond_tolerance': 1.2, 'bridge_min_A': 4.5, 'min_distance_A': 0.5}" \
    "d['counts'] == {'single': 0, 'pair': 1, 'cluster': 0} and d['n_metal_atoms'] == 2" \
    "site['kind'] == 'pair' and site['label'] == 'Ni2-N6' and site['atom_indices'] == [236, 237]" \
    "site['elements'] == 'Ni2' and site['coordination'] == {'N': 6}" \
    "site['synergy'] == 'indirect' and site['extended'] is False and 'null_reasons' not in site" \
    "abs(site['mm_distance_A'] - 2.46) < 0.01" \
    "d['purity'] == {'site': 1, 'atom': 1}" \
    "d['pbc'] == [True, True, False] and len(d['cell_A']) == 3" \
    "d['metals'] == {'Ni': 2}"
for key in '"record":"dac struct analyze"' '"provenance"' '"file"' '"n_atoms"' '"cell_A"' '"pbc"' \
    '"metals"' '"pair_cutoff_A"' '"sites"' '"counts"' '"purity"' '"kind":"pair"' '"label":"Ni2-N6"' \
    '"synergy":"indirect"' '"mm_distance_A"' '"nearest_other_site_A"' '"coordination"' \
    '"elements":"Ni2"' '"atom_indices"'; do
    grep -q "$key" "$TMP/ni2.json" || fail "ni2 JSON lacks $key"
done

# ---- the 120 Å field for dac stem: 22 singles, 14 pairs, 2 Ni4 clusters
expect_exit 0 "$DAC" struct analyze --json "$EX/ni_sites_120A.extxyz"
grep -q '"counts":{"single":22,"pair":14,"cluster":2}' "$TMP/out" || fail "ni_sites_120A: counts"
check_json "$TMP/out" "abs(d['purity']['site'] - 14/38) < 1e-9" "abs(d['purity']['atom'] - 28/58) < 1e-9"

# ---- Ni1-N4 on graphene: one single
expect_exit 0 "$DAC" struct analyze --json "$EX/ni1_n4_graphene.extxyz"
cp "$TMP/out" "$TMP/ni1.json"
grep -q '"label":"Ni1-N4"' "$TMP/ni1.json" || fail "ni1: label Ni1-N4 missing"
check_json "$TMP/ni1.json" \
    "d['counts'] == {'single': 1, 'pair': 0, 'cluster': 0}" \
    "site['kind'] == 'single' and site['synergy'] is None" \
    "site['mm_distance_A'] is None and site['null_reasons']['mm_distance_A'] == 'not a pair'" \
    "d['purity'] == {'site': 0, 'atom': 0}"

# ---- Co2 cryptate (5.8 Å): two singles with the default 3.5 Å cutoff; a direct pair
#      with --pair-cutoff 6 (the pair cutoff must exceed the M···M distance)
expect_exit 0 "$DAC" struct analyze --json "$EX/co2_cryptate.xyz"
cp "$TMP/out" "$TMP/co2_default.json"
check_json "$TMP/co2_default.json" \
    "d['counts'] == {'single': 2, 'pair': 0, 'cluster': 0}" \
    "d['cell_A'] is None and 'cell_A' in d['null_reasons']" \
    "d['pbc'] == [False, False, False]"
expect_exit 0 "$DAC" struct analyze --pair-cutoff 6 --json "$EX/co2_cryptate.xyz"
cp "$TMP/out" "$TMP/co2.json"
grep -q '"synergy":"direct"' "$TMP/co2.json" || fail "cryptate: not a direct pair"
grep -q '"label":"Co2-N8O1"' "$TMP/co2.json" || fail "cryptate: label Co2-N8O1 missing"
check_json "$TMP/co2.json" \
    "site['kind'] == 'pair' and abs(site['mm_distance_A'] - 5.8) < 0.01" \
    "site['nearest_other_site_A'] is None and 'nearest_other_site_A' in site['null_reasons']" \
    "d['options']['pair_cutoff_A'] == 6"
# raising the bridge distance above 5.8 Å makes it indirect
expect_exit 0 "$DAC" struct analyze --pair-cutoff 6 --bridge-min 6 --json "$EX/co2_cryptate.xyz"
grep -q '"synergy":"indirect"' "$TMP/out" || fail "--bridge-min 6 should give indirect"

# ---- several files: JSON Lines, one object per file, in order; table with totals
expect_exit 0 "$DAC" struct analyze --json "$EX/ni2_n6_graphene.extxyz" "$EX/ni1_n4_graphene.extxyz" "$EX/co2_cryptate.xyz"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "JSON Lines: expected 3 lines"
head -1 "$TMP/out" | grep -q 'ni2_n6_graphene' || fail "JSON Lines: first line is not the first file"
if [ $have_python -eq 1 ]; then # every line parses on its own and is the record of its file
    python3 - "$TMP/out" <<'EOF' || fail "JSON Lines: a line is not a record of its own file"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert d['record'] == 'dac struct analyze'
    assert [i['path'] for i in d['provenance']['inputs']] == [d['file']]
EOF
fi
expect_exit 0 "$DAC" struct analyze "$EX/ni2_n6_graphene.extxyz" "$EX/ni1_n4_graphene.extxyz"
grep -q 'Ni2-N6' "$TMP/out" && grep -q 'Ni1-N4' "$TMP/out" && grep -q 'indirect' "$TMP/out" ||
    fail "table lacks labels or synergy"
grep -q '^total over 2 files: single 1, pair 1, cluster 0' "$TMP/out" || fail "table totals"

# ---- standard input
"$DAC" struct analyze --format extxyz --json - <"$EX/ni2_n6_graphene.extxyz" >"$TMP/stdin.json" 2>"$TMP/err" ||
    fail "stdin analyze failed: $(cat "$TMP/err")"
grep -q '"label":"Ni2-N6"' "$TMP/stdin.json" || fail "stdin analyze: wrong result"
check_json "$TMP/stdin.json" "d['file'] == '-' and d['provenance']['inputs'][0]['sha256'] is None" \
    "d['provenance']['inputs'][0]['null_reasons']['sha256'] == 'standard input'"
expect_exit 2 "$DAC" struct analyze - # no --format for stdin

# ---- help lists every option with its default
expect_exit 0 "$DAC" struct analyze --help
for opt in --pair-cutoff --bond-tolerance --bridge-min --min-distance --format --json "default 3.5 Å" \
    "default 1.2" "default 4.5 Å" "default 0.5 Å"; do
    grep -q -- "$opt" "$TMP/out" || fail "analyze --help lacks '$opt'"
done
expect_exit 0 "$DAC" struct convert --help
grep -q -- '--out-format' "$TMP/out" && grep -q -- '--force-periodic' "$TMP/out" ||
    fail "convert --help lacks --out-format or --force-periodic"
expect_exit 0 "$DAC" struct --help

# ---- usage errors: exit 2
expect_exit 2 "$DAC" struct analyze --pair-cutoff abc "$EX/co2_cryptate.xyz"
grep -q -- '--pair-cutoff' "$TMP/err" || fail "usage error does not name --pair-cutoff"
expect_exit 2 "$DAC" struct analyze --pair-cutoff -1 "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --bond-tolerance 0 "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --bridge-min x "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --min-distance 0 "$EX/co2_cryptate.xyz"
grep -q -- '--min-distance' "$TMP/err" || fail "usage error does not name --min-distance"
expect_exit 2 "$DAC" struct analyze --no-such-option "$EX/co2_cryptate.xyz"
grep -q -- '--no-such-option' "$TMP/err" || fail "unknown option not named"
# dac's own two lines only: getopt's message ("unrecognized option") is never printed
[ "$(wc -l <"$TMP/err")" -eq 2 ] && ! grep -qi 'unrecognized\|invalid option' "$TMP/err" ||
    fail "getopt's message printed next to dac's: $(cat "$TMP/err")"
expect_exit 2 "$DAC" struct convert --frobnicate a.xyz b.xyz
[ "$(wc -l <"$TMP/err")" -eq 2 ] || fail "convert: getopt's message printed: $(cat "$TMP/err")"
expect_exit 2 "$DAC" struct analyze "$EX/co2_cryptate.xyz" --pair-cutoff
grep -q 'needs a value' "$TMP/err" || fail "missing option value not reported"
expect_exit 2 "$DAC" struct analyze --format nonsense "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze
expect_exit 2 "$DAC" struct frobnicate
expect_exit 2 "$DAC" struct
expect_exit 2 "$DAC" struct convert "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct convert "$EX/co2_cryptate.xyz" "$TMP/out.unknownext"

# ---- bad input: exit 3, message names the file
expect_exit 3 "$DAC" struct analyze "$TMP/does_not_exist.xyz"
grep -q 'does_not_exist.xyz' "$TMP/err" || fail "missing file: message lacks the name"
printf '5\ncomment\nNi 0 0 0\nN 1.9 0 0\n' >"$TMP/truncated.xyz"
expect_exit 3 "$DAC" struct analyze "$TMP/truncated.xyz"
grep -q 'truncated.xyz' "$TMP/err" || fail "malformed file: message lacks the name"
mkdir -p "$TMP/dir.xyz"
expect_exit 3 "$DAC" struct analyze "$TMP/dir.xyz"
grep -q "dir.xyz: cannot read: is a directory" "$TMP/err" || fail "directory: message: $(cat "$TMP/err")"
printf '2\ncomment\nNi 0 0 0\nN 1.9 zero 0\n' >"$TMP/nonnumber.xyz"
expect_exit 3 "$DAC" struct analyze --json "$TMP/nonnumber.xyz"
grep -q 'nonnumber.xyz' "$TMP/err" || fail "non-number: message lacks the name"
# one bad file among good ones: the good ones are still analysed, exit 3
expect_exit 3 "$DAC" struct analyze --json "$EX/ni1_n4_graphene.extxyz" "$TMP/truncated.xyz"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "good file before a bad one not reported"

# ---- atoms at one place are bad input, not a pair at 0 Å: exit 3 naming both atoms
#      (numbered from 1) and the file; --min-distance moves the limit
printf '3\ntwo Ni at one place\nN 1.9 0 0\nNi 0 0 0\nNi 0 0 0\n' >"$TMP/coincident.xyz"
expect_exit 3 "$DAC" struct analyze "$TMP/coincident.xyz"
grep -q 'coincident.xyz' "$TMP/err" && grep -q 'atom 2 (Ni) and atom 3 (Ni)' "$TMP/err" &&
    grep -q -- '--min-distance 0.5' "$TMP/err" || fail "coincident atoms: message: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "coincident atoms: a table was printed"
printf '2\nclose\nNi 0 0 0\nNi 0.6 0 0\n' >"$TMP/close.xyz"
expect_exit 0 "$DAC" struct analyze "$TMP/close.xyz"
expect_exit 3 "$DAC" struct analyze --min-distance 0.7 "$TMP/close.xyz"
grep -q 'atom 1 (Ni) and atom 2 (Ni) are 0.600 Å apart' "$TMP/err" ||
    fail "--min-distance 0.7: $(cat "$TMP/err")"
# a mixed-occupancy CIF site (Ni 0.5 / Co 0.5) is refused, never read as a pair
printf 'data_mixed\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nNi1 Ni 0 0 0 0.5\nCo1 Co 0 0 0 0.5\n' >"$TMP/mixed.cif"
expect_exit 3 "$DAC" struct analyze --json "$TMP/mixed.cif"
grep -q 'mixed.cif:15:' "$TMP/err" && grep -q 'occupancy' "$TMP/err" ||
    fail "mixed occupancy: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "mixed occupancy: a record was printed"

# ---- a huge --pair-cutoff is a usage error about --pair-cutoff, not about a flat cell
expect_exit 2 "$DAC" struct analyze --pair-cutoff 1e6 "$EX/ni2_n6_graphene.extxyz"
grep -q -- '--pair-cutoff 1e+06' "$TMP/err" && grep -q 'ni2_n6_graphene.extxyz' "$TMP/err" &&
    grep -q 'periodic images' "$TMP/err" || fail "huge --pair-cutoff: message: $(cat "$TMP/err")"
grep -q 'flat\|pair_cutoff_A' "$TMP/err" && fail "huge --pair-cutoff: message: $(cat "$TMP/err")"

# ---- convert: a slab is not made periodic along c without --force-periodic
expect_exit 2 "$DAC" struct convert "$EX/ni2_n6_graphene.extxyz" "$TMP/ni2.vasp"
grep -q -- '--force-periodic' "$TMP/err" && grep -q 'not periodic along c' "$TMP/err" ||
    fail "slab -> POSCAR: message: $(cat "$TMP/err")"
[ -e "$TMP/ni2.vasp" ] && fail "refused convert left an output file"
expect_exit 2 "$DAC" struct convert "$EX/ni1_n4_graphene.extxyz" "$TMP/ni1.cif"
[ -e "$TMP/ni1.cif" ] && fail "refused convert left an output file"
# with it: written, and a warning says what changed
expect_exit 0 "$DAC" struct convert --force-periodic "$EX/ni2_n6_graphene.extxyz" "$TMP/ni2.vasp"
grep -q 'warning: .*ni2.vasp: .*slab.*now periodic along c (20 Å)' "$TMP/err" ||
    fail "--force-periodic: no warning saying what changed: $(cat "$TMP/err")"
expect_exit 0 "$DAC" struct convert -q --force-periodic "$EX/ni2_n6_graphene.extxyz" "$TMP/ni2q.vasp"
[ -s "$TMP/err" ] && fail "-q: warning printed: $(cat "$TMP/err")"
# a fully periodic structure converts without the option and without a warning
printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3 pbc="T T T"\nNi 0 0 0\nN 1.9 0 0\n' >"$TMP/bulk.extxyz"
expect_exit 0 "$DAC" struct convert "$TMP/bulk.extxyz" "$TMP/bulk.cif"
[ -s "$TMP/err" ] && fail "periodic -> CIF: unexpected message: $(cat "$TMP/err")"

# ---- convert: round trip through POSCAR and CIF keeps the analysis
expect_exit 0 "$DAC" struct analyze --format poscar --json "$TMP/ni2.vasp"
grep -q '"label":"Ni2-N6"' "$TMP/out" || fail "POSCAR round trip changed the analysis"
expect_exit 0 "$DAC" struct convert --force-periodic "$EX/ni1_n4_graphene.extxyz" "$TMP/ni1.cif"
expect_exit 0 "$DAC" struct analyze --json "$TMP/ni1.cif"
grep -q '"label":"Ni1-N4"' "$TMP/out" || fail "CIF round trip changed the analysis"
"$DAC" struct convert --out-format extxyz "$EX/co2_cryptate.xyz" - >"$TMP/co2.extxyz" 2>"$TMP/err" ||
    fail "convert to stdout failed: $(cat "$TMP/err")"
head -1 "$TMP/co2.extxyz" | grep -q '^87$' || fail "convert to stdout: wrong atom count"
expect_exit 3 "$DAC" struct convert "$TMP/does_not_exist.xyz" "$TMP/x.cif"
[ -e "$TMP/x.cif" ] && fail "failed convert left an output file"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "struct_analyze: all checks passed"
