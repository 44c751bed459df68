#!/usr/bin/env python3
"""How far is each hand label of the real PtNC images from the nearest detection?

For the notes of docs/notes/stem-count-history.md ("Within a frame or across frames"):
whether the atoms the statistical detector misses are near misses that a wider matching
radius or a better position would recover, or atoms it did not see at all, and how far
the labels sit from the fitted centres of the atoms both agree on.

  dac stem count IMAGE -o OUT/NNN --no-overlay      (for each of the 11 images)
  python3 docs/notes/label-distances.py OUT ../shared/data/ptnc-dev/labels

OUT/NNN/atoms.csv per image (x_px, y_px); labels NNN_Results.csv (`,X,Y`, integer
pixels). Prints the histogram of the distance from every label to its nearest
detection (1-pixel bins; 1 px = 0.293 Å on these images), and the mean and spread of
the detection − label offsets within the scorer's 5.1 px. Standard library only.
"""
import csv
import math
import os
import sys


def main(out, labels):
    hist = [0] * 16
    dx, dy = [], []
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name, "atoms.csv")
        lab_path = os.path.join(labels, f"{name}_Results.csv")
        if not (os.path.exists(path) and os.path.exists(lab_path)):
            continue
        det = [(float(r["x_px"]), float(r["y_px"])) for r in csv.DictReader(open(path))]
        rows = list(csv.reader(open(lab_path, newline="")))[1:]
        for r in rows:
            x, y = float(r[1]), float(r[2])
            d2, ox, oy = min(((a - x) ** 2 + (b - y) ** 2, a - x, b - y) for a, b in det) \
                if det else (math.inf, 0, 0)
            d = math.sqrt(d2)
            hist[min(15, int(d))] += 1
            if d < 5.1:
                dx.append(ox), dy.append(oy)
    n = sum(hist)
    print(f"{n} labels; distance to the nearest detection (px):")
    for k, h in enumerate(hist):
        print(f"  {k:2d}-{k + 1:<2d}{'+' if k == 15 else ' '} {h:4d}")
    if dx:
        m = len(dx)
        mx, my = sum(dx) / m, sum(dy) / m
        sx = math.sqrt(sum((v - mx) ** 2 for v in dx) / m)
        sy = math.sqrt(sum((v - my) ** 2 for v in dy) / m)
        print(f"within 5.1 px: {m}; detection - label offset: mean ({mx:.2f}, {my:.2f}) px, "
              f"sd ({sx:.2f}, {sy:.2f}) px")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: label-distances.py OUT LABELS")
    main(sys.argv[1], sys.argv[2])
