/*
 * units.c — unit conversions and the relativistic electron wavelength, all from the
 * CODATA 2018 constants in core.h.
 */
#include <math.h>

#include "dac/core.h"

double dac_unit_eV_to_kJ_mol(double eV) { return eV / DAC_EV_PER_KJ_MOL; }
double dac_unit_kJ_mol_to_eV(double kJ_mol) { return kJ_mol * DAC_EV_PER_KJ_MOL; }
double dac_unit_eV_to_kcal_mol(double eV) { return eV / DAC_EV_PER_KCAL_MOL; }
double dac_unit_kcal_mol_to_eV(double kcal_mol) { return kcal_mol * DAC_EV_PER_KCAL_MOL; }
double dac_unit_K_to_C(double K) { return K - DAC_ZERO_C_K; }
double dac_unit_C_to_K(double C) { return C + DAC_ZERO_C_K; }

/* λ = h / sqrt(2 m0 e V (1 + eV / (2 m0 c²))); gives 12.2643/sqrt(V(1+0.97848e-6 V)) Å
 * (docs/science.md §3): 0.025079 Å at 200 kV, 0.019687 Å at 300 kV. */
double dac_electron_wavelength_A(double voltage_V)
{
    const double e = DAC_E_C, m0 = DAC_ME_KG, c = DAC_C_M_S, h = DAC_H_J_S;
    double p2 = 2.0 * m0 * e * voltage_V * (1.0 + e * voltage_V / (2.0 * m0 * c * c));
    return h / sqrt(p2) * 1e10;
}
