#!/bin/bash
# run_browser.sh — the report as a reader sees it: a small study's report.html opened
# in headless Chromium (Debian's chromium; skipped, exit 77, when it is not installed).
# A copy of the page with a test script appended writes its findings into the page,
# read back with --dump-dom: every figure (inline SVG or PNG) is laid out with a
# non-zero size and every image decoded. The browser's console (--enable-logging) must
# show no message at all: the page has no script, and every host name resolves to
# nothing, so an attempt to fetch anything would be logged. Finally a screenshot.
# Usage: bash run_browser.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
. "$2/tests/cli/lib.sh"
cli_begin "$3"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
    echo "SKIP: chromium is not installed (make test installs it: scripts/bootstrap with DAC_BOOTSTRAP_TEST=1)"
    exit 77
fi

# The flags that work on a machine without a display, a GPU or a network; a fresh
# profile each time. Every host resolves to nothing: a fetch would fail and be logged.
browser() {
    HOME="$T" timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$T/profile-$1" --host-resolver-rules="MAP * ~NOTFOUND" \
        "${@:2}"
}

cat > "$T/three.extxyz" <<'EOF'
3
Lattice="40 0 0 0 40 0 0 0 20" Properties=species:S:1:pos:R:3 pbc="T T F"
Ni 10.0 10.0 10.0
Ni 12.5 10.0 10.0
Ni 30.0 28.0 10.0
EOF
cat > "$T/study.yaml" <<EOF
study: {title: "Three Ni, seen by a browser", seed: 2}
structures:
  - {name: three, title: "a pair and a single", path: $T/three.extxyz}
  - {name: again, title: "the same, another seed", path: $T/three.extxyz}
see: {fov_A: 40}
EOF
"$DAC" run "$T/study.yaml" -o "$T/out" -q
check '[ $? -eq 0 ] && [ -s "$T/out/report.html" ]' "dac run failed"
figures=$(grep -c "<figure id=" "$T/out/report.html")
check '[ "$figures" -ge 3 ]' "expected at least 3 figures in the page, found $figures"

# ---- the page laid out: every figure with a size, every image decoded
sed 's|</body>|<script>\
window.addEventListener("load", function () {\
  var lines = [], empty = 0, figs = document.querySelectorAll("figure");\
  figs.forEach(function (f) {\
    var el = f.querySelector("svg, img"), r = el ? el.getBoundingClientRect() : null;\
    var good = r \&\& r.width > 0 \&\& r.height > 0 \&\&\
               (el.tagName !== "IMG" \|\| (el.complete \&\& el.naturalWidth > 0));\
    if (!good) empty++;\
    lines.push(f.id + " " + (el ? el.tagName : "none") + " " +\
               (r ? Math.round(r.width) + "x" + Math.round(r.height) : "-") + (good ? " ok" : " EMPTY"));\
  });\
  var p = document.createElement("pre");\
  p.id = "dac-check";\
  var fetched = performance.getEntriesByType("resource").map(function (e) { return e.name; });\
  p.textContent = "CHECK figures=" + figs.length + " empty=" + empty + " fetched=" + fetched.length +\
                  "\\n" + lines.concat(fetched).join("\\n");\
  document.body.appendChild(p);\
});\
</script>\n</body>|' "$T/out/report.html" > "$T/out/check.html"
browser dom --enable-logging=stderr --v=1 --virtual-time-budget=10000 --dump-dom \
    "file://$T/out/check.html" > "$T/dom.html" 2> "$T/console.log"
check '[ $? -eq 0 ]' "chromium --dump-dom failed (log: $T/console.log)"
result=$(grep -o "CHECK figures=[0-9]\+ empty=[0-9]\+ fetched=[0-9]\+" "$T/dom.html")
check '[ "$result" = "CHECK figures=$figures empty=0 fetched=0" ]' "expected $figures figures, none empty, nothing fetched: $(sed -n '/^CHECK/,/<\/pre>/p' "$T/dom.html" | head -20)"
check '! grep -q "CONSOLE" "$T/console.log"' "console messages: $(grep CONSOLE "$T/console.log" | head -5)"

# ---- what a reader sees
browser shot --hide-scrollbars --window-size=1200,2000 --screenshot="$T/screenshot.png" \
    "file://$T/out/report.html" > /dev/null 2>&1
check '[ -s "$T/screenshot.png" ] && [ "$(head -c 4 "$T/screenshot.png" | od -An -c | tr -d " ")" = "211PNG" ]' \
    "no screenshot"
check '[ "$(stat -c %s "$T/screenshot.png")" -gt 20000 ]' "the screenshot is nearly empty"

echo "screenshot: $T/screenshot.png"
cli_end run_browser.sh
