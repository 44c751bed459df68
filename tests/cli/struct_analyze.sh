#!/usr/bin/env bash
# struct_analyze.sh — `dac struct analyze` / `convert` on the shipped examples: the
# expected analysis of each (examples/README.md), the JSON Lines schema, standard input,
# and exit codes (2 for bad options, 3 for missing or malformed files, naming the file).
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
for expr in sys.argv[2:]:
    if not eval(expr):
        print("false: %s\n  in %s" % (expr, lines[0]), file=sys.stderr)
        sys.exit(1)
EOF
    fi
}

# ---- Ni2-N6 on graphene: one pair, indirect (2.46 Å < 4.5 Å)
expect_exit 0 "$DAC" struct analyze --json "$EX/ni2_n6_graphene.extxyz"
cp "$TMP/out" "$TMP/ni2.json"
check_json "$TMP/ni2.json" \
    "set(d) == {'file','n_atoms','cell_A','pbc','metals','pair_cutoff_A','sites','counts','purity'}" \
    "set(d['sites'][0]) == {'kind','atoms','elements','mm_distance_A','nearest_other_site_A','coordination','label','synergy'}" \
    "d['counts'] == {'single': 0, 'pair': 1, 'cluster': 0}" \
    "d['sites'][0]['kind'] == 'pair' and d['sites'][0]['label'] == 'Ni2-N6'" \
    "d['sites'][0]['elements'] == 'Ni2' and d['sites'][0]['coordination'] == {'N': 6}" \
    "d['sites'][0]['synergy'] == 'indirect'" \
    "abs(d['sites'][0]['mm_distance_A'] - 2.46) < 0.01" \
    "d['purity'] == {'site': 1, 'atom': 1}" \
    "d['pbc'] == [True, True, False] and len(d['cell_A']) == 3" \
    "d['metals'] == {'Ni': 2} and d['pair_cutoff_A'] == 3.5"
for key in '"file"' '"n_atoms"' '"cell_A"' '"pbc"' '"metals"' '"pair_cutoff_A"' '"sites"' '"counts"' \
    '"purity"' '"kind":"pair"' '"label":"Ni2-N6"' '"synergy":"indirect"' '"mm_distance_A"' \
    '"nearest_other_site_A"' '"coordination"' '"elements":"Ni2"' '"atoms"'; do
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
    "d['sites'][0]['kind'] == 'single' and d['sites'][0]['synergy'] is None" \
    "d['sites'][0]['mm_distance_A'] is None" \
    "d['purity'] == {'site': 0, 'atom': 0}"

# ---- Co2 cryptate (5.8 Å): two singles with the default 3.5 Å cutoff; a direct pair
#      with --pair-cutoff 6 (the pair cutoff must exceed the M···M distance)
expect_exit 0 "$DAC" struct analyze --json "$EX/co2_cryptate.xyz"
cp "$TMP/out" "$TMP/co2_default.json"
check_json "$TMP/co2_default.json" \
    "d['counts'] == {'single': 2, 'pair': 0, 'cluster': 0}" "d['cell_A'] is None" \
    "d['pbc'] == [False, False, False]"
expect_exit 0 "$DAC" struct analyze --pair-cutoff 6 --json "$EX/co2_cryptate.xyz"
cp "$TMP/out" "$TMP/co2.json"
grep -q '"synergy":"direct"' "$TMP/co2.json" || fail "cryptate: not a direct pair"
grep -q '"label":"Co2-N8O1"' "$TMP/co2.json" || fail "cryptate: label Co2-N8O1 missing"
check_json "$TMP/co2.json" \
    "d['sites'][0]['kind'] == 'pair' and abs(d['sites'][0]['mm_distance_A'] - 5.8) < 0.01" \
    "d['sites'][0]['nearest_other_site_A'] is None" "d['pair_cutoff_A'] == 6"
# raising the bridge distance above 5.8 Å makes it indirect
expect_exit 0 "$DAC" struct analyze --pair-cutoff 6 --bridge-min 6 --json "$EX/co2_cryptate.xyz"
grep -q '"synergy":"indirect"' "$TMP/out" || fail "--bridge-min 6 should give indirect"

# ---- several files: JSON Lines, one object per file, in order; table with totals
expect_exit 0 "$DAC" struct analyze --json "$EX/ni2_n6_graphene.extxyz" "$EX/ni1_n4_graphene.extxyz" "$EX/co2_cryptate.xyz"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "JSON Lines: expected 3 lines"
head -1 "$TMP/out" | grep -q 'ni2_n6_graphene' || fail "JSON Lines: first line is not the first file"
expect_exit 0 "$DAC" struct analyze "$EX/ni2_n6_graphene.extxyz" "$EX/ni1_n4_graphene.extxyz"
grep -q 'Ni2-N6' "$TMP/out" && grep -q 'Ni1-N4' "$TMP/out" && grep -q 'indirect' "$TMP/out" ||
    fail "table lacks labels or synergy"
grep -q '^total over 2 files: single 1, pair 1, cluster 0' "$TMP/out" || fail "table totals"

# ---- standard input
"$DAC" struct analyze --format extxyz --json - <"$EX/ni2_n6_graphene.extxyz" >"$TMP/stdin.json" 2>"$TMP/err" ||
    fail "stdin analyze failed: $(cat "$TMP/err")"
grep -q '"label":"Ni2-N6"' "$TMP/stdin.json" || fail "stdin analyze: wrong result"
expect_exit 2 "$DAC" struct analyze - # no --format for stdin

# ---- help lists every option with its default
expect_exit 0 "$DAC" struct analyze --help
for opt in --pair-cutoff --bond-tolerance --bridge-min --format --json "default 3.5 Å" "default 1.2" "default 4.5 Å"; do
    grep -q -- "$opt" "$TMP/out" || fail "analyze --help lacks '$opt'"
done
expect_exit 0 "$DAC" struct convert --help
grep -q -- '--out-format' "$TMP/out" || fail "convert --help lacks --out-format"
expect_exit 0 "$DAC" struct --help

# ---- usage errors: exit 2
expect_exit 2 "$DAC" struct analyze --pair-cutoff abc "$EX/co2_cryptate.xyz"
grep -q -- '--pair-cutoff' "$TMP/err" || fail "usage error does not name --pair-cutoff"
expect_exit 2 "$DAC" struct analyze --pair-cutoff -1 "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --bond-tolerance 0 "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --bridge-min x "$EX/co2_cryptate.xyz"
expect_exit 2 "$DAC" struct analyze --no-such-option "$EX/co2_cryptate.xyz"
grep -q -- '--no-such-option' "$TMP/err" || fail "unknown option not named"
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

# ---- convert: round trip through POSCAR and CIF keeps the analysis
expect_exit 0 "$DAC" struct convert "$EX/ni2_n6_graphene.extxyz" "$TMP/ni2.vasp"
expect_exit 0 "$DAC" struct analyze --format poscar --json "$TMP/ni2.vasp"
grep -q '"label":"Ni2-N6"' "$TMP/out" || fail "POSCAR round trip changed the analysis"
expect_exit 0 "$DAC" struct convert "$EX/ni1_n4_graphene.extxyz" "$TMP/ni1.cif"
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
