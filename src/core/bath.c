/* Bath occupations and transition rates of the microscopic master equation
 * (Eq. 5): gamma(w) = J(w)(1 + n(w)) for emission, J(|w|) n(|w|) for
 * absorption; the classical variant drops the spontaneous "1 +". */
#include <math.h>

#include "internal.h"

double qt_occupation(double w, double T)
{
    return qt_occupation_inline(w, T);
}

static double spectral_density(const qt_bath_params *b, double w)
{
    return b->spectral == QT_SPECTRAL_OHMIC ? b->gamma * w : b->gamma;
}

double qt_rate(const qt_bath_params *b, double w)
{
    double aw = fabs(w);
    double n = qt_occupation(aw, b->T);
    double J = spectral_density(b, aw);
    if (w > 0.0) return J * (b->bath == QT_BATH_CLASSICAL ? n : 1.0 + n);
    return J * n;
}

double qt_rate_zero(const qt_bath_params *b)
{
    /* lim_{w->0} J(w) n(w) = eta T for ohmic J = eta w; diverges for flat J. */
    return b->spectral == QT_SPECTRAL_OHMIC ? b->gamma * b->T : INFINITY;
}
