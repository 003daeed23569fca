/* render/cmap_internal.h - colour maps computed in cmap_*.c. */
#ifndef PV_CMAP_INTERNAL_H
#define PV_CMAP_INTERNAL_H

/* Moreland's cool-warm map at t in [0, 1] as sRGB in [0, 1] (unclamped). */
void pv_cmap_coolwarm(double t, double rgb[3]);

#endif
