# scripts/ptnc-lib.sh — what the scripts that measure on the real PtNC images share
# (sourced by ptnc-crossval and ptnc-halves, never run): the arguments, the clear skip
# (exit 77) when the reference data beside the project is absent, a scratch folder
# removed on exit, the image ids and each id's image file.
#
#   NAME=ptnc-halves; . "$(dirname "$0")/ptnc-lib.sh"     then DAC, SET, TMP, ids are set
ptnc_setup() {
    cd "$(dirname "$0")/.."
    DAC=${1:-build/dac}
    DATA=${2:-../shared/data}
    SET="$DATA/ptnc-dev"
    if [ ! -d "$SET/images" ] || [ ! -d "$SET/labels" ]; then
        echo "$NAME: the real images are absent ($SET/images and $SET/labels not found);" >&2
        echo "$NAME: nothing measured. They live beside the project in ../shared/data." >&2
        exit 77
    fi
    [ -x "$DAC" ] || { echo "$NAME: $DAC is not an executable dac (build first)" >&2; exit 2; }
    command -v python3 >/dev/null || { echo "$NAME: needs python3 (scripts/bootstrap)" >&2; exit 2; }
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    ids=$(ls "$SET/labels" | sed -n 's/^\([0-9][0-9]*\)_Results\.csv$/\1/p')
}

image_of() { ls "$SET/images/$1"_*.tif | head -n 1; }
