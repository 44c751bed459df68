#!/usr/bin/env python3
"""The table "when to trust the purity" of docs/stem-count.md, reproducibly.

Atoms of a sample are true singles and true pairs (2.6 Å apart, random orientation),
scattered uniformly at random in a periodic square (no edges, no detection errors),
and grouped as `dac stem count` groups them: connected components of atoms closer
than r = 3.5 Å. For each atom density and true atom-basis purity it prints what the
count would report and how much of it is chance:

  P(nb)    1 − exp(−λπr²): the chance that an atom has a neighbour within r
  obs      observed atom-basis purity 2·N_pair/N_atoms
  chance   share of the observed pairs made of two true singles
  lost     share of the true pairs swallowed into clusters by a chance neighbour

Standard library only; python3 docs/notes/chance-pairs-table.py (about 5 s).
"""
import math
import random

R = 3.5          # linking distance, Å (the default --pair-max)
SEP = 2.6        # true pair separation, Å
N_ATOMS = 3000   # atoms per frame
REPEATS = 8      # frames per cell of the table


def frame(dens_per_nm2, f_atoms, rnd):
    """Counts of one random frame: singles, pairs, clusters, chance pairs, true pairs kept."""
    side = math.sqrt(N_ATOMS / (dens_per_nm2 / 100.0))
    n_pair = int(round(f_atoms * N_ATOMS / 2))
    pts, src = [], []
    for _ in range(N_ATOMS - 2 * n_pair):
        pts.append((rnd.random() * side, rnd.random() * side))
        src.append(-1)
    for k in range(n_pair):
        cx, cy, th = rnd.random() * side, rnd.random() * side, rnd.random() * 2 * math.pi
        for s in (1, -1):
            pts.append(((cx + s * SEP / 2 * math.cos(th)) % side,
                        (cy + s * SEP / 2 * math.sin(th)) % side))
            src.append(k)
    parent = list(range(len(pts)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    nc = max(1, int(side // R))
    cell = side / nc
    grid = {}
    for i, (x, y) in enumerate(pts):
        grid.setdefault((int(x // cell) % nc, int(y // cell) % nc), []).append(i)
    for i, (x, y) in enumerate(pts):
        cx, cy = int(x // cell) % nc, int(y // cell) % nc
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in grid.get(((cx + dx) % nc, (cy + dy) % nc), []):
                    if j <= i:
                        continue
                    ex = abs(x - pts[j][0])
                    ey = abs(y - pts[j][1])
                    ex, ey = min(ex, side - ex), min(ey, side - ey)
                    if ex * ex + ey * ey <= R * R:
                        parent[root(j)] = root(i)
    comps = {}
    for i in range(len(pts)):
        comps.setdefault(root(i), []).append(i)
    c = {"single": 0, "pair": 0, "cluster": 0, "chance": 0, "kept": 0}
    for members in comps.values():
        if len(members) == 1:
            c["single"] += 1
        elif len(members) == 2:
            c["pair"] += 1
            a, b = src[members[0]], src[members[1]]
            c["chance"] += a < 0 and b < 0
            c["kept"] += a >= 0 and a == b
        else:
            c["cluster"] += 1
    return c, n_pair


def main():
    rnd = random.Random(1)
    print("| atoms/nm² | P(nb) | true 0: obs | true 0.1: obs / chance / lost "
          "| true 0.3: obs / chance / lost | true 0.5: obs / chance / lost |")
    print("|---|---|---|---|---|---|")
    for dens in (0.05, 0.1, 0.2, 0.5, 1.0, 2.0):
        p_nb = 1 - math.exp(-dens / 100.0 * math.pi * R * R)
        cells = []
        for f in (0.0, 0.1, 0.3, 0.5):
            tot = {"single": 0, "pair": 0, "cluster": 0, "chance": 0, "kept": 0}
            n_pair = 0
            for _ in range(REPEATS):
                c, n_pair = frame(dens, f, rnd)
                for k in tot:
                    tot[k] += c[k]
            obs = 2 * tot["pair"] / (N_ATOMS * REPEATS)
            if f == 0:
                cells.append(f"{obs:.3f}")
                continue
            share = tot["chance"] / tot["pair"] if tot["pair"] else float("nan")
            lost = 1 - tot["kept"] / (n_pair * REPEATS)
            cells.append(f"{obs:.2f} / {share:.0%} / {lost:.0%}")
        print(f"| {dens:g} | {p_nb:.1%} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
