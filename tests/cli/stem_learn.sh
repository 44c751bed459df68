#!/bin/bash
# stem_learn.sh — `dac stem learn` and `dac stem count --model` end to end: two small
# simulated images of Pt and Pd atoms, labelled "Pt only" (a lab that marks one metal),
# train a model (a JSON record with the training images' SHA-256); training twice gives
# the same bytes; the model counts the Pt of a third image and leaves its Pd out; the
# built-in model (ptnc) loads; a malformed model exits 3 naming the field, usage errors
# exit 2 (labels for a different number of images, an unknown built-in model, a
# detector option the model fixes).
# Usage: bash stem_learn.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
. "$2/tests/cli/lib.sh"
cli_begin "$3"

for s in 1 2 3; do
    python3 - "$s" > "$T/s$s.xyz" <<'EOF'
import random, sys
r = random.Random(int(sys.argv[1]))
pts = []
while len(pts) < 16:
    p = (r.uniform(5, 35), r.uniform(5, 35))
    if all((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 > 25 for q in pts):
        pts.append(p)
print(len(pts)); print()
for k, (x, y) in enumerate(pts):
    print(f"{'Pt' if k < 10 else 'Pd'} {x:.3f} {y:.3f} 0.0")
EOF
    "$DAC" stem simulate "$T/s$s.xyz" -o "$T/s$s.tif" --fov 40 --support-thickness 20 --dose 1e6 --seed "$s" -q
    check '[ -s "$T/s$s.tif" ] && [ -s "$T/s$s.truth.csv" ]' "simulate $s failed (needed as input)"
    awk -F, 'NR == 1 || $5 == "Pt"' "$T/s$s.truth.csv" > "$T/s$s.pt.csv"
done

cd "$T" || exit 1
"$DAC" stem learn s1.tif s2.tif --labels s1.pt.csv s2.pt.csv -o model.json --max-trees 16 > learn.txt
rc=$?
check '[ $rc -eq 0 ] && [ -s model.json ]' "learn exited $rc"
check 'grep -q "^model model: " learn.txt' "learn prints a summary: $(cat learn.txt)"
check 'python3 -c "
import json, sys
m = json.load(open(\"model.json\"))
assert m[\"record\"] == \"dac stem count model\" and m[\"name\"] == \"model\"
ins = m[\"provenance\"][\"inputs\"]
assert [i[\"path\"] for i in ins] == [\"s1.tif\", \"s2.tif\", \"s1.pt.csv\", \"s2.pt.csv\"]
assert all(len(i[\"sha256\"]) == 64 for i in ins)
assert 0 < m[\"decision_threshold\"] < 1 and m[\"training\"][\"n_images\"] == 2
assert len(m[\"features\"]) == len(m[\"feature_importance_gain\"]) > 10
json.loads(m[\"booster\"])
"' "model.json content"
# Same inputs, same command line: same bytes (the model on standard output).
"$DAC" stem learn s1.tif s2.tif --labels s1.pt.csv s2.pt.csv -o - --max-trees 16 > m1.json 2>/dev/null
"$DAC" stem learn s1.tif s2.tif --labels s1.pt.csv s2.pt.csv -o - --max-trees 16 > m2.json 2>/dev/null
check '[ -s m1.json ] && cmp -s m1.json m2.json' "training twice gave different bytes"

"$DAC" stem count s3.tif --model model.json -o out -q
rc=$?
check '[ $rc -eq 0 ] && grep -q "\"kind\":.*\"learned\"" out/summary.json' "count --model model.json: exit $rc"
check 'grep -q "\"candidates\"" out/summary.json' "summary.json: per-image candidates"
"$DAC" stem score out/atoms.csv s3.pt.csv --json > score.json
check 'python3 -c "import json; r = json.load(open(\"score.json\")); assert r[\"f1\"] >= 0.9, r"' \
    "the model should find the Pt of s3 and only them: $(cat score.json)"
"$DAC" stem count s3.tif -o plain -q
check 'grep -q "\"kind\":.*\"statistical\"" plain/summary.json' "without --model: the statistical detector"
"$DAC" stem count s3.tif --model ptnc -o outp -q
check '[ $? -eq 0 ] && grep -q "\"model\":.*\"ptnc\"" outp/summary.json' "count --model ptnc"

# Malformed models: bad input, naming the field.
python3 -c 'import json; m = json.load(open("model.json")); del m["decision_threshold"]; json.dump(m, open("bad.json", "w"))'
"$DAC" stem count s3.tif --model bad.json -o obad -q 2> err.txt
rc=$?
check '[ $rc -eq 3 ] && grep -q "decision_threshold" err.txt' "model without decision_threshold: exit $rc, $(cat err.txt)"
python3 -c 'import json; m = json.load(open("model.json")); m["booster"] = m["booster"][:100]; json.dump(m, open("cut.json", "w"))'
"$DAC" stem count s3.tif --model cut.json -o obad -q 2> err.txt
rc=$?
check '[ $rc -eq 3 ] && grep -q "booster" err.txt' "truncated booster: exit $rc, $(cat err.txt)"
check '[ ! -e obad ]' "a failed count must leave no output"

# Usage errors.
"$DAC" stem learn s1.tif s2.tif --labels s1.pt.csv -o x.json 2> err.txt
check '[ $? -eq 2 ] && grep -q "one label file per image" err.txt' "labels for one of two images"
"$DAC" stem learn s1.tif s2.tif --labels s1.pt.csv s2.pt.csv 2>/dev/null
check '[ $? -eq 2 ]' "learn without -o"
"$DAC" stem learn s1.tif --labels s1.pt.csv -o one.json 2> err.txt
rc=$?
check '[ $rc -eq 2 ] && grep -q "at least two" err.txt' "learning from one image: exit $rc, $(cat err.txt)"
"$DAC" stem count s3.tif --model nosuch -o o2 -q 2> err.txt
check '[ $? -eq 2 ] && grep -q "nosuch" err.txt' "unknown built-in model"
"$DAC" stem count s3.tif --model model.json --false-alarms 0.01 -o o3 -q 2> err.txt
check '[ $? -eq 2 ] && grep -q -- "--false-alarms" err.txt' "a detector option with --model"

cli_end stem_learn.sh
