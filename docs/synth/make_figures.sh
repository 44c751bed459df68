#!/bin/bash
# make_figures.sh — the sweeps and runs behind the figures and tables of docs/synth.md.
# Usage (from the source tree, after a build): bash docs/synth/make_figures.sh build/dac
# Every file it writes lands in docs/synth/; each sweep also writes its own figure
# (NAME_figure.csv/.gp/.svg/.png) and record (NAME.json, with the provenance).
set -eu
DAC=$(realpath "${1:-build/dac}")
cd "$(dirname "$0")/../.."   # the source tree: the records name the inputs relative to it
DAC=$(realpath --relative-to=. "$DAC")
D=docs/synth
E=examples/synth
Q=-q
W=$(mktemp -d)      # the runs' full output sets (images, structures) stay out of the tree
trap 'rm -rf "$W"' EXIT

# 1. Template Ni2 at 700 … 1000 °C (the example recipe at its own size), 3 seeds.
"$DAC" synth sweep "$E/template_ni2_800C.yaml" --vary temperature_program.segments.0.to_C=700:1000:100 \
    --repeats 3 --seed 100 -o "$D/temperature.csv" $Q
# 2. Pair purity against loading: template (complexes per nm², 2 Ni each) and
#    co-pyrolysis (Ni per nm², at the example's own size: its pairs are few) over the
#    same Ni loadings, 0.2 … 5.8 Ni per nm².
"$DAC" synth sweep "$E/template_ni2_800C.yaml" --set lattice.sites_per_side=320 \
    --vary template.complexes_per_nm2=0.1:2.9:0.4 --repeats 3 --seed 200 -o "$D/loading_template.csv" $Q
"$DAC" synth sweep "$E/copyrolysis_ni.yaml" \
    --vary metals.0.loading_atoms_nm2=0.2:5.8:0.8 --repeats 3 --seed 300 -o "$D/loading_copyrolysis.csv" $Q
(cd "$D" && gnuplot loading.gp)
#    Co-pyrolysis pairs need two filled pockets side by side: pair purity against the
#    Ni loading at five pocket densities (uniformly random pockets; the recipe's 0.05
#    per nm² first), drawn on a scale that shows it.
"$DAC" synth sweep "$E/copyrolysis_ni.yaml" \
    --vary metals.0.loading_atoms_nm2=0.2:3.0:0.4 --vary support.pockets_per_nm2=0.05:1.65:0.4 \
    --repeats 3 --seed 350 -o "$D/pockets_copyrolysis.csv" $Q
(cd "$D" && gnuplot copyrolysis.gp)
# 3. Navigation ZnRu: light off (0) and on (1), then the capture strength with light.
"$DAC" synth sweep "$E/navigation_znru_light.yaml" --vary navigation.light=0:1:1 \
    --repeats 3 --seed 400 -o "$D/navigation_light.csv" $Q
"$DAC" synth sweep "$E/navigation_znru_light.yaml" --vary navigation.capture_strength=0:2000:250 \
    --repeats 3 --seed 500 -o "$D/navigation_strength.csv" $Q
# 4. The pictures of three runs, and the closed loop through dac stem: a small lattice of
#    each route imaged (300 kV, 0.25 Å pixels, 2·10⁵ e⁻/Å², 1 nm of carbon) and counted.
for r in template_ni2_800C copyrolysis_ni navigation_znru_light; do
    "$DAC" synth "$E/$r.yaml" --seed 1 -o "$W/run_$r" $Q
    cp "$W/run_$r/final.png" "$D/$r.png"
done
#    Three loops: template, co-pyrolysis as the recipe has it, and co-pyrolysis where
#    its chance pairs are many (dense pockets, 1.8 Ni/nm²: near the maximum of sweep 2).
loop() {
    local name=$1 recipe=$2
    shift 2
    "$DAC" synth "$E/$recipe.yaml" --set lattice.sites_per_side=96 "$@" --seed 2 -o "$W/loop_$name" $Q
    "$DAC" stem simulate "$W/loop_$name/final.extxyz" -o "$W/loop_$name/image.tif" --pixel 0.25 \
        --dose 2e5 --support-thickness 10 --seed 2 $Q
    "$DAC" stem count "$W/loop_$name/image.tif" -o "$W/loop_$name/count" --elements Ni --pixel 0.25 --no-overlay $Q
}
loop template_ni2_800C template_ni2_800C
loop copyrolysis_ni copyrolysis_ni
loop copyrolysis_ni_dense copyrolysis_ni --set support.pockets_per_nm2=1.65 --set metals.0.loading_atoms_nm2=1.8
# Tables for docs/synth.md (closed_loop.csv is written, the rest printed).
python3 - "$D" "$W" <<'PY'
import csv, json, sys, os
d, w = sys.argv[1], sys.argv[2]
def rows(name):
    return list(csv.DictReader(open(os.path.join(d, name))))
print("## temperature (per seed)")
for r in rows("temperature.csv"):
    print(r["temperature_program.segments.0.to_C"], r["repeat"], r["mean_shell_N_pairs"][:5], r["top_pair_label"], r["purity_site"][:5])
def crossing(name, key, scale, col):
    pts = {}
    for r in rows(name):
        if r[col]:
            pts.setdefault(float(r[key]) * scale, []).append(float(r[col]))
    xs = sorted(pts)
    m = [sum(pts[x]) / len(pts[x]) for x in xs]
    for (x0, y0), (x1, y1) in zip(zip(xs, m), zip(xs[1:], m[1:])):
        if y0 >= 0.5 > y1:
            return x0 + (0.5 - y0) * (x1 - x0) / (y1 - y0)
    return None if m and m[0] >= 0.5 else "below 0.5 everywhere"
def means(name, keys, col):
    pts = {}
    for r in rows(name):
        pts.setdefault(tuple(float(r[k]) for k in keys), []).append(float(r[col]) if r[col] else float("nan"))
    return {k: (sum(v) / len(v), (sum((x - sum(v) / len(v)) ** 2 for x in v) / (len(v) - 1) / len(v)) ** 0.5)
            for k, v in sorted(pts.items())}
for col in ("purity_site", "purity_atom"):
    print("## 50 % crossing", col, "template", crossing("loading_template.csv", "template.complexes_per_nm2", 2, col),
          "co-pyrolysis", crossing("loading_copyrolysis.csv", "metals.0.loading_atoms_nm2", 1, col))
    for name, keys in (("loading_copyrolysis.csv", ["metals.0.loading_atoms_nm2"]),
                       ("pockets_copyrolysis.csv", ["support.pockets_per_nm2", "metals.0.loading_atoms_nm2"])):
        m = means(name, keys, col)
        print("##", name, col)
        for k, (a, b) in m.items():
            print("##   %-12s %.4f ± %.4f" % ("/".join("%g" % x for x in k), a, b))
        best = max(m.items(), key=lambda kv: kv[1][0])
        print("##   maximum", best)
print("## co-pyrolysis loading sweep, pairs per run")
for r in rows("loading_copyrolysis.csv"):
    print(r["metals.0.loading_atoms_nm2"], r["repeat"], r["single"], r["pair"], r["cluster"], r["top_pair_label"])
for n in ("navigation_light.csv", "navigation_strength.csv"):
    print("##", n)
    for r in rows(n):
        print(list(r.values())[3], r["repeat"], r["hetero_purity_site"][:5], r["purity_atom"][:5], r["top_label"])
out = csv.writer(open(os.path.join(d, "closed_loop.csv"), "w", newline=""), lineterminator="\n")
out.writerow(["recipe", "what", "single", "pair", "cluster", "purity_site", "purity_site_ci95_lo", "purity_site_ci95_hi"])
for r in ("template_ni2_800C", "copyrolysis_ni", "copyrolysis_ni_dense"):
    s = json.load(open(os.path.join(w, "loop_" + r, "summary.json")))
    t = json.load(open(os.path.join(w, "loop_" + r, "image.json")))
    c = json.load(open(os.path.join(w, "loop_" + r, "count", "summary.json")))
    def p(k):
        n = k["single"] + k["pair"] + k["cluster"]
        return "%.4f" % (k["pair"] / n) if n else ""
    out.writerow([r, "lattice (one cell)"] + [s["counts"][k] for k in ("single", "pair", "cluster")] + [p(s["counts"]), "", ""])
    out.writerow([r, "drawn in the image (complete copies)"] + [t["sites"][k] for k in ("single", "pair", "cluster")] + [p(t["sites"]), "", ""])
    ci = c["purity"]["site_ci95"]
    out.writerow([r, "counted by dac stem count"] + [c["counts"][k] for k in ("single", "pair", "cluster")] +
                 ["%.4f" % c["purity"]["site"], "%.4f" % ci[0], "%.4f" % ci[1]])
print(open(os.path.join(d, "closed_loop.csv")).read())
PY
