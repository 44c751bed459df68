#!/bin/bash
# synth_mpi.sh — `mpirun -n 2 dac synth sweep …` gives the same table as the threaded
# run (rows gathered in grid order on rank 0). Skipped (77) when dac was built without
# MPI (DAC_MPIEXEC unset) or mpirun is missing. Runs as root here, hence the Open MPI
# root switches; ASan's leak check is off for the MPI run (Open MPI keeps its pools).
# Usage: bash synth_mpi.sh DAC_BINARY SOURCE_DIR SCRATCH_DIR
set -u
DAC=$1
SRC=$2
T=$3
MPIEXEC=${DAC_MPIEXEC:-}
[ -n "$MPIEXEC" ] && [ -x "$MPIEXEC" ] || { echo "skip: no MPI build or no mpirun"; exit 77; }
rm -rf "$T" && mkdir -p "$T" || exit 1
R=$SRC/examples/synth/template_ni2_800C.yaml
ARGS="--set lattice.sites_per_side=96 --vary template.complexes_per_nm2=0.1:0.5:0.2 --repeats 3 --seed 5"
"$DAC" synth sweep "$R" $ARGS --threads 2 -o "$T/threads.csv" -q || { echo "FAIL: threaded sweep"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
ASAN_OPTIONS=detect_leaks=0 "$MPIEXEC" -n 2 "$DAC" synth sweep "$R" $ARGS --threads 1 -o "$T/mpi.csv" -q \
    > "$T/mpi.log" 2>&1 || { echo "FAIL: mpirun sweep"; cat "$T/mpi.log"; exit 1; }
cmp -s "$T/threads.csv" "$T/mpi.csv" || { echo "FAIL: mpirun -n 2 and threads differ"; diff "$T/threads.csv" "$T/mpi.csv" | head; exit 1; }
[ "$(wc -l < "$T/mpi.csv")" -eq 10 ] || { echo "FAIL: expected 9 rows"; exit 1; }
grep -q '"mpi_ranks":.*2' "$T/mpi.json" || { echo "FAIL: the sweep did not run on 2 ranks"; cat "$T/mpi.json"; exit 1; }
exit 0
