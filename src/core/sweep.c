/*
 * sweep.c — the sweep runner (see sweep.h): grid points, OpenMP threads within a
 * process, MPI ranks across processes (when built with DAC_HAVE_MPI and the program
 * has initialised MPI), rows gathered in index order on rank 0.
 *
 * Errors: a worker stops at its first failure, keeping that point's message (messages
 * are per thread); the others go on only while their points come before the lowest
 * failure seen so far, which may still be lowered. So the failure reported — the lowest
 * failing index over all workers and ranks — and its message do not depend on the
 * split, like the rows.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef DAC_HAVE_MPI
#include <mpi.h>
#endif

#include "core/parse.h"
#include "core/sweep.h"

#define MAX_POINTS 1000000000ULL
#define MSG_SIZE 1024

struct dac_sweep {
    dac_sweep_axis *axes;
    size_t n_axes, repeats, size;
};

int dac_sweep_parse_axis(const char *spec, dac_sweep_axis *out)
{
    memset(out, 0, sizeof *out);
    const char *eq = spec ? strchr(spec, '=') : NULL;
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof out->key)
        return dac_error(DAC_ERR_USAGE, "--vary '%s': expected KEY=a:b:step (a key of at most "
                         "127 characters)", spec ? spec : "");
    memcpy(out->key, spec, (size_t)(eq - spec));
    char buf[256];
    if (strlen(eq + 1) >= sizeof buf)
        return dac_error(DAC_ERR_USAGE, "--vary '%s': the range is too long", spec);
    strcpy(buf, eq + 1);
    char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':'))
        return dac_error(DAC_ERR_USAGE, "--vary '%s': expected KEY=a:b:step", spec);
    *c1 = *c2 = '\0';
    if (dac_parse_double(buf, &out->lo) || dac_parse_double(c1 + 1, &out->hi) ||
        dac_parse_double(c2 + 1, &out->step))
        return dac_error(DAC_ERR_USAGE, "--vary '%s': a, b and step must be numbers", spec);
    if (!(out->step > 0))
        return dac_error(DAC_ERR_USAGE, "--vary '%s': the step must be > 0", spec);
    if (out->hi < out->lo)
        return dac_error(DAC_ERR_USAGE, "--vary '%s': expected a ≤ b", spec);
    double n = floor((out->hi - out->lo) / out->step + 1e-9) + 1;
    if (n > 1e6)
        return dac_error(DAC_ERR_USAGE, "--vary '%s': %.3g points; at most 10⁶ per axis", spec, n);
    out->n = (size_t)n;
    return DAC_OK;
}

int dac_sweep_create(const dac_sweep_axis *axes, size_t n_axes, size_t repeats, dac_sweep **out)
{
    *out = NULL;
    if (repeats < 1)
        return dac_error(DAC_ERR_USAGE, "sweep: repeats must be ≥ 1");
    unsigned long long size = repeats;
    for (size_t i = 0; i < n_axes; i++) {
        if (axes[i].n < 1)
            return dac_error(DAC_ERR_USAGE, "sweep: axis '%s' has no points", axes[i].key);
        size *= axes[i].n;
        if (size > MAX_POINTS)
            return dac_error(DAC_ERR_USAGE, "sweep: more than 10⁹ points");
    }
    dac_sweep *s = calloc(1, sizeof *s);
    if (!s || (n_axes && !(s->axes = malloc(n_axes * sizeof *axes)))) {
        free(s);
        return dac_error(DAC_ERR_NOMEM, "sweep: out of memory");
    }
    if (n_axes)
        memcpy(s->axes, axes, n_axes * sizeof *axes);
    s->n_axes = n_axes;
    s->repeats = repeats;
    s->size = (size_t)size;
    *out = s;
    return DAC_OK;
}

void dac_sweep_free(dac_sweep *s)
{
    if (!s)
        return;
    free(s->axes);
    free(s);
}

size_t dac_sweep_size(const dac_sweep *s) { return s->size; }
size_t dac_sweep_axes(const dac_sweep *s) { return s->n_axes; }
const dac_sweep_axis *dac_sweep_axis_at(const dac_sweep *s, size_t i) { return i < s->n_axes ? &s->axes[i] : NULL; }

/* lo + i·step to 12 significant digits, so decimal steps give decimal values (0.1 + 2 ×
 * 0.2 is 0.5, not 0.50000000000000011) in the table and in the recipe overrides. */
static double grid_value(const dac_sweep_axis *a, size_t i)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.12g", a->lo + (double)i * a->step);
    return strtod(buf, NULL);
}

void dac_sweep_point(const dac_sweep *s, size_t index, double *values, size_t *repeat)
{
    if (repeat)
        *repeat = index % s->repeats;
    index /= s->repeats;
    for (size_t k = s->n_axes; k-- > 0;) {
        size_t i = index % s->axes[k].n;
        index /= s->axes[k].n;
        if (values)
            values[k] = grid_value(&s->axes[k], i);
    }
}

/* ------------------------------------------------------------ MPI ----------------- */

static int mpi_active(void)
{
#ifdef DAC_HAVE_MPI
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
#else
    return 0;
#endif
}

int dac_sweep_ranks(void)
{
    int n = 1;
#ifdef DAC_HAVE_MPI
    if (mpi_active())
        MPI_Comm_size(MPI_COMM_WORLD, &n);
#endif
    return n;
}

static int sweep_rank(void)
{
    int r = 0;
#ifdef DAC_HAVE_MPI
    if (mpi_active())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
#endif
    return r;
}

int dac_sweep_is_root(void) { return sweep_rank() == 0; }

/* ------------------------------------------------------------ running ------------- */

typedef struct {
    const dac_sweep *s;
    dac_sweep_fn fn;
    void *ctx;
    size_t lo, n;            /* this rank's points: lo … lo + n */
    char **rows;             /* n */
    atomic_int stop;         /* the caller asked to stop */
    atomic_size_t done;
    atomic_size_t first_fail; /* lowest failing index so far (for the workers' stop) */
    size_t fail_index;       /* lowest failing index (global), SIZE_MAX if none */
    int fail_status;
    char fail_msg[MSG_SIZE];
} run_state;

static void note_failure(run_state *r, size_t index, int status, const char *msg)
{
#ifdef _OPENMP
#pragma omp critical
#endif
    {
        if (index < r->fail_index) {
            r->fail_index = index;
            r->fail_status = status;
            snprintf(r->fail_msg, sizeof r->fail_msg, "%s", msg);
            atomic_store(&r->first_fail, index);
        }
    }
}

static void run_block(run_state *r, int worker, int workers, dac_progress_fn progress, void *user)
{
    size_t a = r->n * (size_t)worker / (size_t)workers, b = r->n * (size_t)(worker + 1) / (size_t)workers;
    double *values = malloc((r->s->n_axes ? r->s->n_axes : 1) * sizeof *values);
    if (!values) {
        note_failure(r, r->lo + a, DAC_ERR_NOMEM, "sweep: out of memory");
        return;
    }
    for (size_t k = a; k < b && !atomic_load(&r->stop) && r->lo + k < atomic_load(&r->first_fail); k++) {
        size_t index = r->lo + k, repeat;
        dac_sweep_point(r->s, index, values, &repeat);
        char *row = NULL;
        dac_error_clear();
        int st = r->fn(index, values, repeat, worker, r->ctx, &row);
        if (st == DAC_OK && !row)
            st = dac_error(DAC_ERR_RUNTIME, "sweep: point %zu gave no row", index);
        if (st) {
            free(row);
            note_failure(r, index, st, dac_last_error());
            break;
        }
        r->rows[k] = row;
        size_t done = atomic_fetch_add(&r->done, 1) + 1;
        if (worker == 0 && progress && progress((double)done / (double)r->n, user)) {
            note_failure(r, SIZE_MAX - 1, DAC_ERR_RUNTIME, "sweep: stopped by the caller");
            atomic_store(&r->stop, 1);
            break;
        }
    }
    free(values);
}

/* With MPI: the lowest failing index of all ranks, its status and message everywhere. */
static void agree_on_failure(run_state *r)
{
#ifdef DAC_HAVE_MPI
    if (!mpi_active())
        return;
    int rank = sweep_rank();
    unsigned long long mine = r->fail_index, low;
    MPI_Allreduce(&mine, &low, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    if (low == (unsigned long long)SIZE_MAX)
        return;
    int owner = mine == low ? rank : 0x7fffffff, root;
    MPI_Allreduce(&owner, &root, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Bcast(&r->fail_status, 1, MPI_INT, root, MPI_COMM_WORLD);
    MPI_Bcast(r->fail_msg, MSG_SIZE, MPI_CHAR, root, MPI_COMM_WORLD);
    r->fail_index = (size_t)low;
#else
    (void)r;
#endif
}

static int write_rows(FILE *out, char *const *rows, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        fputs(rows[k], out);
        fputc('\n', out);
    }
    return DAC_OK;
}

#ifdef DAC_HAVE_MPI
/* Rank 0 receives every rank's rows, in rank order, and writes them. */
static int gather_rows(const run_state *r, FILE *out)
{
    int rank = sweep_rank(), ranks = dac_sweep_ranks();
    size_t len = 0;
    for (size_t k = 0; k < r->n; k++)
        len += strlen(r->rows[k]) + 1;
    if (len > 0x7fffffff)
        return dac_error(DAC_ERR_RUNTIME, "sweep: more than 2 GB of rows on one rank");
    char *buf = malloc(len ? len : 1), *w = buf;
    int mine = (int)len, ok = buf != NULL, all_ok;
    for (size_t k = 0; ok && k < r->n; k++) {
        size_t l = strlen(r->rows[k]);
        memcpy(w, r->rows[k], l);
        w[l] = '\n';
        w += l + 1;
    }
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) {
        free(buf);
        return dac_error(DAC_ERR_NOMEM, "sweep: out of memory gathering rows");
    }
    int *counts = NULL, *displs = NULL;
    char *all = NULL;
    long long total = 0;
    if (rank == 0) {
        counts = calloc((size_t)ranks, sizeof *counts);
        displs = calloc((size_t)ranks, sizeof *displs);
    }
    MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        for (int i = 0; i < ranks; i++) {
            displs[i] = (int)total;
            total += counts[i];
        }
        all = malloc(total ? (size_t)total : 1);
    }
    int st = DAC_OK;
    if (rank == 0 && (total > 0x7fffffff || !all))
        st = dac_error(DAC_ERR_NOMEM, "sweep: cannot gather %lld bytes of rows", total);
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (st == DAC_OK)
        MPI_Gatherv(buf, mine, MPI_CHAR, all, counts, displs, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (st == DAC_OK && rank == 0 && out)
        fwrite(all, 1, (size_t)total, out);
    free(buf);
    free(all);
    free(counts);
    free(displs);
    return st;
}
#endif

int dac_sweep_run(const dac_sweep *s, dac_sweep_fn fn, void *ctx, int n_threads,
                  const char *header, FILE *out, dac_progress_fn progress, void *user_data)
{
    if (!s || !fn)
        return dac_error(DAC_ERR_USAGE, "dac_sweep_run: NULL argument");
    int rank = sweep_rank(), ranks = dac_sweep_ranks();
    run_state r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.fn = fn;
    r.ctx = ctx;
    r.lo = s->size * (size_t)rank / (size_t)ranks;
    r.n = s->size * (size_t)(rank + 1) / (size_t)ranks - r.lo;
    r.fail_index = SIZE_MAX;
    atomic_init(&r.stop, 0);
    atomic_init(&r.done, 0);
    atomic_init(&r.first_fail, SIZE_MAX);
    r.rows = calloc(r.n ? r.n : 1, sizeof *r.rows);
    if (!r.rows)
        return dac_error(DAC_ERR_NOMEM, "sweep: out of memory for %zu rows", r.n);
    int workers = 1;
#ifdef _OPENMP
    workers = n_threads > 0 ? n_threads : omp_get_max_threads();
#else
    (void)n_threads;
#endif
    if ((size_t)workers > r.n)
        workers = r.n ? (int)r.n : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(workers)
    run_block(&r, omp_get_thread_num(), workers, progress, user_data);
#else
    run_block(&r, 0, 1, progress, user_data);
#endif
    agree_on_failure(&r);
    int st = DAC_OK;
    if (r.fail_index != SIZE_MAX) {
        if (r.fail_index == SIZE_MAX - 1) {
            st = dac_error(r.fail_status, "%s", r.fail_msg);
        } else {
            double v[64];
            size_t rep;
            char where[512] = "";
            size_t len = 0;
            if (s->n_axes <= 64) {
                dac_sweep_point(s, r.fail_index, v, &rep);
                for (size_t k = 0; k < s->n_axes && len < sizeof where; k++)
                    len += (size_t)snprintf(where + len, sizeof where - len, "%s=%g, ", s->axes[k].key, v[k]);
                if (len < sizeof where)
                    snprintf(where + len, sizeof where - len, "repeat %zu", rep);
            }
            st = dac_error(r.fail_status, "sweep point %zu (%s): %s", r.fail_index, where, r.fail_msg);
        }
    }
    if (st == DAC_OK && rank == 0 && out && header)
        fprintf(out, "%s\n", header);
#ifdef DAC_HAVE_MPI
    if (st == DAC_OK && mpi_active())
        st = gather_rows(&r, out);
    else
#endif
    if (st == DAC_OK && out)
        st = write_rows(out, r.rows, r.n);
    for (size_t k = 0; k < r.n; k++)
        free(r.rows[k]);
    free(r.rows);
    if (st == DAC_OK && out && rank == 0 && (fflush(out) || ferror(out)))
        st = dac_error(DAC_ERR_RUNTIME, "sweep: write error on the output");
    return st;
}
