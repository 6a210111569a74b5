/* Threads for one large point (qt_options.threads). The library's own
 * OpenMP team does every parallel part, the matrix products included: each
 * thread calls single-threaded BLAS on a block of rows. The blocks are fixed
 * (they do not depend on the number of threads), so every BLAS call is the
 * same in every run and the threaded results equal the serial ones bit for
 * bit (OpenBLAS's own threading splits products elsewhere: its results can
 * differ in the last bits between 1 and 2 threads). */
#include <cblas.h>

#include "internal.h"

int qt_team_size(const qt_options *o, int N)
{
#ifdef _OPENMP
    if (o->threads > 1 && N >= QT_TEAM_MIN_N) return o->threads;
#else
    (void)o, (void)N;
#endif
    return 1;
}

void qt_team_range(int n, int align, int team, int id, int *begin, int *end)
{
    /* whole units of `align`; the last unit takes the remainder, so no block
     * but a lone one is shorter than align */
    long units = n / align > 0 ? n / align : 1, per = (units + team - 1) / team;
    long b = id * per, e = b + per;
    if (b >= units) { /* more members than units: nothing left */
        *begin = *end = n;
        return;
    }
    e = e < units ? e : units;
    *begin = (int)(b * align);
    *end = e == units ? n : (int)(e * align);
}

void qt_team_run(int team, int n, void (*fn)(void *ctx, int begin, int end), void *ctx)
{
#ifdef _OPENMP
    if (team > 1) {
#pragma omp parallel num_threads(team)
        {
            int begin, end;
            qt_team_range(n, 1, omp_get_num_threads(), omp_get_thread_num(), &begin, &end);
            if (begin < end) fn(ctx, begin, end);
        }
        return;
    }
#else
    (void)team;
#endif
    fn(ctx, 0, n);
}

/* The rows [i0, i1) of C = beta C + A op(B), all row-major. */
static void product_rows(int i0, int i1, int n, int k, const double *A, int lda, int transB,
                         const double *B, int ldb, double beta, double *C, int ldc)
{
    if (i0 >= i1) return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, i1 - i0, n, k, 1.0,
                A + qt_size(i0) * qt_size(lda), lda, B, ldb, beta, C + qt_size(i0) * qt_size(ldc),
                ldc);
}

/* Large products in QT_PRODUCT_BLOCKS fixed blocks of rows, whatever the
 * team: each block is the same BLAS call in every run (bit-identical
 * results), and the team takes blocks as it frees up, so a thread slowed by
 * other work on its core does not hold the others back. */
void qt_team_product(int team, int m, int n, int k, const double *A, int lda, int transB,
                     const double *B, int ldb, double beta, double *C, int ldc)
{
    int blocks = m >= QT_TEAM_MIN_N ? QT_PRODUCT_BLOCKS : 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(team) schedule(dynamic, 1) if (team > 1)
#else
    (void)team;
#endif
    for (int b = 0; b < blocks; b++) {
        int i0, i1;
        qt_team_range(m, QT_TEAM_ALIGN, blocks, b, &i0, &i1);
        product_rows(i0, i1, n, k, A, lda, transB, B, ldb, beta, C, ldc);
    }
}
