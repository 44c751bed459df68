#!/bin/bash
# synth.sh — `dac synth RECIPE -o OUTDIR`: the output set (summary.json, timeseries.csv,
# final.extxyz, final.png, snapshots); `dac struct analyze` reads final.extxyz back to
# the same counts and labels; `dac stem simulate` images it; same seed, same bytes;
# bad recipes exit 3 naming the file, line and key, with nothing written; bad options
# exit 2. Usage: bash synth.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"
R=$SRC/examples/synth
SMALL="--set lattice.sites_per_side=160"

"$DAC" synth "$R/template_ni2_800C.yaml" -o "$T/a" --seed 3 $SMALL --snapshots 2 -q
rc=$?
check '[ $rc -eq 0 ]' "synth exited $rc"
for f in summary.json timeseries.csv final.extxyz final.png snapshot_000.extxyz snapshot_001.extxyz; do
    check '[ -s "$T/a/$f" ]' "missing output $f"
done
check '[ "$(head -1 "$T/a/timeseries.csv")" = "time_s,temperature_K,single,pair,cluster,pairs_hetero,purity_site,purity_atom,mean_shell_N_pairs,mean_shell_N_sites,metal_atoms,walkers_in_domains,events" ]' "timeseries header"

"$DAC" struct analyze "$T/a/final.extxyz" --json > "$T/a.struct.json" 2>/dev/null
check '[ $? -eq 0 ]' "dac struct analyze cannot read final.extxyz"
python3 - "$T/a/summary.json" "$T/a.struct.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
need = ["record", "provenance", "route", "seed", "events", "sim_time_s", "wall_s", "events_per_s",
        "counts", "pairs", "purity", "cluster_sizes", "mm_distance_A", "coordination",
        "temperature_program", "parameters", "mean_shell_N"]
missing = [k for k in need if k not in d]
assert not missing, missing
assert d["record"] == "dac synth" and d["route"] == "template" and d["seed"] == 3
assert d["provenance"]["command_line"][1] == "synth" and len(d["provenance"]["inputs"][0]["sha256"]) == 64
c = d["counts"]
sites = c["single"] + c["pair"] + c["cluster"]
assert sum(d["coordination"].values()) == sites, d["coordination"]
assert 0.85 <= d["purity"]["site"] <= 1
assert abs(d["temperature_program"]["segments"][0]["to_K"] - 1073.15) < 1e-9
assert d["parameters"]["lattice"]["sites_per_side"] == 160
s = json.loads(open(sys.argv[2]).readline())
assert s["counts"] == c, (s["counts"], c)
labels = collections.Counter(site["label"] for site in s["sites"])
assert labels == collections.Counter(d["coordination"]), (labels, d["coordination"])
PY
check '[ $? -eq 0 ]' "summary.json content or round trip through dac struct analyze"

# Same seed: same bytes (summary up to its two timing fields); another seed differs.
"$DAC" synth "$R/template_ni2_800C.yaml" -o "$T/b" --seed 3 $SMALL --snapshots 2 -q
for f in timeseries.csv final.extxyz final.png snapshot_000.extxyz snapshot_001.extxyz; do
    check 'cmp -s "$T/a/$f" "$T/b/$f"' "same seed, different $f"
done
check 'diff -q <(grep -v -e "wall_s" -e "events_per_s" -e "command_line" -e "\"-o\"" "$T/a/summary.json") <(grep -v -e "wall_s" -e "events_per_s" -e "command_line" -e "\"-o\"" "$T/b/summary.json") >/dev/null' "same seed, different summary.json"
"$DAC" synth "$R/template_ni2_800C.yaml" -o "$T/c" --seed 4 $SMALL -q
check '! cmp -s "$T/a/final.extxyz" "$T/c/final.extxyz"' "another seed, same structure"

# Closed loop, the first step: the structure images.
"$DAC" stem simulate "$T/a/final.extxyz" -o "$T/a.tif" --pixel 0.5 --dose inf -q
check '[ $? -eq 0 ] && [ -s "$T/a.tif" ]' "dac stem simulate cannot image final.extxyz"

# Bad recipes: exit 3, the file and line in the message, nothing written.
base() {
cat <<'Y'
route: co-pyrolysis
lattice:
  sites_per_side: 32
metals:
  - element: Ni
    loading_atoms_nm2: 0.2
temperature_program:
  start_C: 25
  segments:
    - ramp_K_per_min: 20
      to_C: 600
Y
}
expect_bad() { # name, sed expression, text expected in the message
    name=$1 want=$3
    base | sed "$2" > "$T/$name.yaml"
    "$DAC" synth "$T/$name.yaml" -o "$T/out_$name" -q 2> "$T/$name.err"
    rc=$?
    check '[ $rc -eq 3 ]' "$name: exit $rc, expected 3"
    check 'grep -q "$name.yaml:[0-9]*:" "$T/$name.err" && grep -q -- "$want" "$T/$name.err"' "$name: message '$(cat "$T/$name.err")'"
    check '[ ! -e "$T/out_$name" ]' "$name: something was written"
}
expect_bad unknown_key 's/^  sites_per_side: 32/  sites_per_side: 32\n  colour: red/' "unknown key 'lattice.colour'"
expect_bad no_units 's/^    loading_atoms_nm2: 0.2/    loading_atoms_nm2: 0.2\n    hop_barrier: 0.3/' "hop_barrier_eV"
expect_bad negative_rate 's/^    loading_atoms_nm2: 0.2/    loading_atoms_nm2: 0.2\n    release_prefactor_per_s: -1e13/' "release_prefactor_per_s"
expect_bad not_finite 's/^      to_C: 600/      to_C: .inf/' "to_C"
expect_bad below_zero_K 's/^  start_C: 25/  start_C: -280/' "start_C"
expect_bad loading_above_sites 's/^    loading_atoms_nm2: 0.2/    loading_atoms_nm2: 500/' "above the number of lattice sites"
expect_bad lattice_too_small 's/^  sites_per_side: 32/  sites_per_side: 8/' "sites_per_side"
expect_bad pair_geometry 's/^  sites_per_side: 32/  sites_per_side: 32\n  spacing_A: 1.5/' "spacing_A"
"$DAC" synth "$T/does_not_exist.yaml" -o "$T/out_missing" -q 2> "$T/missing.err"
rc=$?
check '[ $rc -eq 3 ] && grep -q does_not_exist.yaml "$T/missing.err" && [ ! -e "$T/out_missing" ]' "unreadable recipe: exit $rc"

# Bad options: exit 2.
for args in "" "$R/copyrolysis_ni.yaml" "$R/copyrolysis_ni.yaml -o $T/x --seed abc" \
            "$R/copyrolysis_ni.yaml -o $T/x --bogus" "$R/copyrolysis_ni.yaml -o $T/x --set nokey" \
            "$R/copyrolysis_ni.yaml -o $T/x --snapshots -1"; do
    "$DAC" synth $args -q 2>/dev/null
    rc=$?
    check '[ $rc -eq 2 ]' "dac synth $args: exit $rc, expected 2"
done
"$DAC" synth --help > /dev/null
check '[ $? -eq 0 ]' "--help"

cli_end synth.sh
