#!/bin/bash
# run.sh — `dac run [STUDY.yaml] -o OUTDIR [--quick] [--seed N]`: a small study (the see
# stage on three Ni atoms) writes OUTDIR/see/ and OUTDIR/report.html; a second run keeps
# the unchanged stage; the same seed gives the same page bytes but for the time line
# (and exactly the same with SOURCE_DATE_EPOCH), another seed another page; bad study
# files exit 3 naming the file, line and key, before anything is written; a failing
# stage is named and the previous results stay; usage errors exit 2.
# Usage: bash run.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"

cat > "$T/three.extxyz" <<'EOF'
3
Lattice="40 0 0 0 40 0 0 0 20" Properties=species:S:1:pos:R:3 pbc="T T F"
Ni 10.0 10.0 10.0
Ni 12.5 10.0 10.0
Ni 30.0 28.0 10.0
EOF
cat > "$T/study.yaml" <<EOF
study:
  title: "Three Ni"
  seed: 5
structures:
  - {name: three, title: "a pair and a single", path: $T/three.extxyz}
see:
  fov_A: 40
  dose_e_A2: 1.0e+6
quick:
  see: {support_thickness_A: 5}
EOF

# ---- usage and bad studies
"$DAC" run --help | grep -q -- "--quick"
check '[ $? -eq 0 ]' "--help does not mention --quick"
"$DAC" run "$T/study.yaml" 2>/dev/null
check '[ $? -eq 2 ]' "no -o: expected exit 2"
"$DAC" run "$T/study.yaml" -o "$T/o" --frobnicate 2>/dev/null
check '[ $? -eq 2 ]' "unknown option: expected exit 2"
"$DAC" run "$T/study.yaml" "$T/study.yaml" -o "$T/o" 2>/dev/null
check '[ $? -eq 2 ]' "two study files: expected exit 2"
"$DAC" run "$T/study.yaml" -o "$T/o" --seed -3 2>/dev/null
check '[ $? -eq 2 ]' "--seed -3: expected exit 2"

sed 's/  fov_A: 40/  fovv_A: 40/' "$T/study.yaml" > "$T/typo.yaml"
msg=$("$DAC" run "$T/typo.yaml" -o "$T/typo_out" 2>&1)
rc=$?
check '[ $rc -eq 3 ]' "unknown key: exit $rc, expected 3"
check '[[ "$msg" == *"typo.yaml:7: unknown key '"'"'see.fovv_A'"'"'"* ]]' "unknown key message: $msg"
check '[ ! -e "$T/typo_out" ]' "a bad study must not create the output folder"
sed 's|three.extxyz|missing.extxyz|' "$T/study.yaml" > "$T/missing.yaml"
msg=$("$DAC" run "$T/missing.yaml" -o "$T/o" 2>&1)
check '[ $? -eq 3 ] && [[ "$msg" == *"missing.yaml:5: key '"'"'structures.0.path'"'"'"* ]]' "missing file: $msg"
"$DAC" run "$T/nothere.yaml" -o "$T/o" 2>/dev/null
check '[ $? -eq 3 ]' "missing study file: expected exit 3"

# ---- a run, then a re-run that keeps the stage
"$DAC" run "$T/study.yaml" -o "$T/out" -q
rc=$?
check '[ $rc -eq 0 ]' "dac run exited $rc"
for f in report.html see/stamp.json see/summary.json see/fragment.json see/purity.csv \
         see/three/image.tif see/three/count/summary.json; do
    check '[ -s "$T/out/$f" ]' "missing $f"
done
check '[ ! -e "$T/out/study.yaml" ]' "a study given as a file is not copied into OUTDIR"
check 'grep -q "See: would a microscope tell?" "$T/out/report.html"' "report has no see section"
check '! grep -q "<script" "$T/out/report.html"' "report has a script"
msg=$("$DAC" -v run "$T/study.yaml" -o "$T/out" 2>&1)
check '[[ "$msg" == *"stage see: inputs unchanged, kept"* ]]' "re-run did not keep the stage: $msg"
check '[[ "$msg" == *"(0 run, 1 kept as unchanged)"* ]]' "re-run summary: $msg"
# --quick changes what see reads, so it runs again
msg=$("$DAC" -v run "$T/study.yaml" -o "$T/out" --quick 2>&1)
check '[[ "$msg" == *"stage see: done"* ]]' "--quick did not run the stage again: $msg"
check 'grep -q -- "--seed 5 --quick" "$T/out/report.html"' "report's command lacks --quick"
"$DAC" run "$T/study.yaml" -o "$T/out/" -q --quick # the same folder: kept, and no "//"
check '! grep -q "out//" "$T/out/report.html"' "-o OUT/ put OUT// into the page's commands"

if command -v python3 >/dev/null; then
    python3 - "$T/out/see/summary.json" "$T/out/see/stamp.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["record"] == "dac run see" and s["provenance"]["seed"] == 5, s["provenance"]
o = s["outcomes"]
assert len(o) == 1 and o[0]["name"] == "three", o
assert o[0]["true_sites_single_pair_cluster"] == [1, 1, 0], o[0]
assert o[0]["purity_true_site"] == 0.5, o[0]
st = json.load(open(sys.argv[2]))
assert st["record"] == "dac run stamp" and len(st["inputs_sha256"]) == 64, st
assert "see.support_thickness_A=5" in st["study"], st["study"]
assert st["provenance"]["inputs"][0]["path"].endswith("three.extxyz"), st["provenance"]
EOF
    check '[ $? -eq 0 ]' "summary.json / stamp.json content"
fi

# ---- reproducible: same seed, same bytes but for the time line
rm -rf "$T/out"
"$DAC" run "$T/study.yaml" -o "$T/out" -q --quick
cp "$T/out/report.html" "$T/a.html"
rm -rf "$T/out"
sleep 1 # another second on the time line
"$DAC" run "$T/study.yaml" -o "$T/out" -q --quick
check '! cmp -s "$T/a.html" "$T/out/report.html"' "the time line did not change"
check 'diff <(grep -v "class=\"timestamp\"" "$T/a.html") <(grep -v "class=\"timestamp\"" "$T/out/report.html") >/dev/null' \
    "same seed: the pages differ beyond the time line"
check '[ "$(grep -c "class=\"timestamp\"" "$T/a.html")" -eq 1 ]' "no time line, or more than one"
rm -rf "$T/out"
SOURCE_DATE_EPOCH=1700000000 "$DAC" run "$T/study.yaml" -o "$T/out" -q --quick
cp "$T/out/report.html" "$T/b.html"
rm -rf "$T/out"
SOURCE_DATE_EPOCH=1700000000 "$DAC" run "$T/study.yaml" -o "$T/out" -q --quick
check 'cmp -s "$T/b.html" "$T/out/report.html"' "SOURCE_DATE_EPOCH: the pages differ"
check 'grep -q "Written 2023-11-14 22:13:20 UTC." "$T/b.html"' "SOURCE_DATE_EPOCH not used for the time line"
"$DAC" run "$T/study.yaml" -o "$T/out" -q --quick --seed 6
check '! diff <(grep -v "class=\"timestamp\"" "$T/b.html") <(grep -v "class=\"timestamp\"" "$T/out/report.html") >/dev/null' \
    "--seed 6 gave the same page as seed 5"

# ---- a failing stage: named, exit 3 (a bad input file), the previous results kept
cp "$T/out/see/stamp.json" "$T/stamp.before"
echo "garbage" > "$T/three.extxyz"
msg=$("$DAC" run "$T/study.yaml" -o "$T/out" --quick --seed 6 2>&1)
rc=$?
check '[ $rc -eq 3 ]' "failing stage: exit $rc, expected 3"
check '[[ "$msg" == *"stage '"'"'see'"'"' failed"* ]]' "failing stage not named: $msg"
check 'cmp -s "$T/stamp.before" "$T/out/see/stamp.json"' "failing stage touched the previous results"
check '[ -z "$(ls -A "$T/out" | grep dac-run)" ]' "failing stage left its folder behind"

cli_end run.sh
