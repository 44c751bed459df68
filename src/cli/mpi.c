/*
 * mpi.c — the optional Open MPI start and stop of the sweep commands (`dac synth sweep`,
 * `dac kinetics sweep`): MPI is started only when a launcher (mpirun, srun) started
 * this process, so a plain run stays a plain program with nothing to initialise. The
 * library's sweep (core/sweep.c) spreads the grid over the ranks; only rank 0 writes.
 */
#include <stdlib.h>

#ifdef DAC_HAVE_MPI
#include <mpi.h>
#endif

#include "cli/cli.h"

int cli_mpi_begin(void)
{
#ifdef DAC_HAVE_MPI
    /* Open MPI's and PMI/PMIx launchers' variables: set in every process they start. */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK")) {
        int provided;
        MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        return 1;
    }
#endif
    return 0;
}

void cli_mpi_end(int started)
{
#ifdef DAC_HAVE_MPI
    if (started)
        MPI_Finalize();
#endif
    (void)started;
}
