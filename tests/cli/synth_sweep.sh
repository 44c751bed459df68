#!/bin/bash
# synth_sweep.sh — `dac synth sweep RECIPE --vary KEY=a:b:step [--repeats N] -o OUT.csv`:
# one row per run in grid order with its seed, OUT.json beside it, the same bytes for
# one and two threads, a row rerun alone with `dac synth --seed S --set …` gives the
# same numbers; bad axes exit 2, bad recipes exit 3 with nothing written.
# Usage: bash synth_sweep.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"
R=$SRC/examples/synth/template_ni2_800C.yaml
ARGS="--set lattice.sites_per_side=96 --vary template.complexes_per_nm2=0.1:0.5:0.4 --vary temperature_program.segments.0.to_C=700:900:200 --repeats 2 --seed 10"

"$DAC" synth sweep "$R" $ARGS --threads 1 -o "$T/one.csv" -q
check '[ $? -eq 0 ]' "sweep (1 thread) failed"
"$DAC" synth sweep "$R" $ARGS --threads 2 -o "$T/two.csv" -q
check '[ $? -eq 0 ]' "sweep (2 threads) failed"
check 'cmp -s "$T/one.csv" "$T/two.csv"' "1 and 2 threads give different tables"
check '[ "$(wc -l < "$T/one.csv")" -eq 9 ]' "expected a header and 8 rows"
check 'head -1 "$T/one.csv" | grep -q "^index,repeat,seed,template.complexes_per_nm2,temperature_program.segments.0.to_C,events,"' "header: $(head -1 "$T/one.csv")"
check 'grep -q "\"record\":.*\"dac synth sweep\"" "$T/one.json"' "OUT.json missing or not a sweep record"
check '[ -s "$T/one_figure.csv" ] && [ -s "$T/one_figure.gp" ]' "the sweep's figure (one_figure.csv, .gp) is missing"
# row 7: complexes 0.5, 900 °C, repeat 1, seed 17 — rerun alone
row=$(sed -n 9p "$T/one.csv")
check '[ "$(echo "$row" | cut -d, -f1-5)" = "7,1,17,0.5,900" ]' "row 7: $row"
"$DAC" synth "$R" --set lattice.sites_per_side=96 --set template.complexes_per_nm2=0.5 \
    --set temperature_program.segments.0.to_C=900 --seed 17 -o "$T/alone" -q
python3 - "$T/alone/summary.json" "$row" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = sys.argv[2].split(",")
assert int(f[5]) == d["events"], (f[5], d["events"])
assert (int(f[8]), int(f[9]), int(f[10])) == (d["counts"]["single"], d["counts"]["pair"], d["counts"]["cluster"])
PY
check '[ $? -eq 0 ]' "a sweep row differs from the same run alone"

"$DAC" synth sweep "$R" --vary template.complexes_per_nm2=1:0:1 -o "$T/x.csv" -q 2>/dev/null
check '[ $? -eq 2 ]' "a reversed axis must be a usage error"
"$DAC" synth sweep "$R" -o "$T/x.csv" -q 2>/dev/null
check '[ $? -eq 2 ]' "no --vary must be a usage error"
"$DAC" synth sweep "$R" --vary lattice.sites_per_side=12:20:8 -o "$T/y.csv" -q 2>/dev/null
check '[ $? -eq 3 ] && [ ! -e "$T/y.csv" ]' "a bad axis value must exit 3 and write nothing"

cli_end synth_sweep.sh
