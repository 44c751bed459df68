#!/usr/bin/env python3
"""The scikit-image pipeline bench/stem_count times beside `dac stem count`.

    stem_count_skimage.py IMAGE.tif PIXEL_A OUT.csv

The usual blob finder of a scikit-image user: read the TIFF, a difference of Gaussians
(skimage.filters.difference_of_gaussians) from the atom's size to the background's —
the same band dac's detector uses (σ of a 1.0 Å FWHM filter widened 1.5×, background
σ 2 Å) — then skimage.feature.peak_local_max at 0.8 Å minimum separation above a
threshold of 5 robust standard deviations (1.4826 × MAD) of the filtered image, and
the peaks written as x_px,y_px. No refinement, no statistics, no figures: less work
than dac does, so it is a lower bound for a Python pipeline.

Prints one line: `skimage: N peaks, CPU S s, wall S s` (time from the read to the CSV
written; the interpreter's start and imports are not counted). Exit 3 when
scikit-image is missing (the bench then says "not installed, skipped").
"""
import sys
import time

try:
    import numpy as np
    from skimage import io
    from skimage.feature import peak_local_max
    from skimage.filters import difference_of_gaussians
except ImportError:
    sys.exit(3)


def main():
    path, pixel_A, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    c0, t0 = time.process_time(), time.perf_counter()
    img = io.imread(path).astype(np.float32)
    s_f = 1.5 * 1.0 / 2.3548 / pixel_A
    s_bg = 2.0 / pixel_A
    dog = difference_of_gaussians(img, s_f, s_bg)
    med = np.median(dog)
    mad = 1.4826 * np.median(np.abs(dog - med))
    peaks = peak_local_max(dog, min_distance=max(1, round(0.8 / pixel_A)),
                           threshold_abs=med + 5 * mad, exclude_border=False)
    with open(out, "w") as f:
        f.write("x_px,y_px\n")
        for y, x in peaks:
            f.write(f"{x},{y}\n")
    c1, t1 = time.process_time(), time.perf_counter()
    print(f"skimage: {len(peaks)} peaks, CPU {c1 - c0:.3f} s, wall {t1 - t0:.3f} s")


if __name__ == "__main__":
    main()
