/* ns_png.h - vorticity snapshot as PNG with a colour bar, drawn with the
 * output layer's render module (parseval/render.h). */
#ifndef NS_PNG_H
#define NS_PNG_H

#include <parseval/provenance.h>

/* Write field w (r x r, w[i*r + j] at x_i, y_j) to path atomically: x to the
 * right, y upwards, a diverging blue-white-red map over [-vmax, vmax] (the
 * same range for every snapshot of a run), each cell an integer number of
 * pixels (image at least 256 px wide), a vertical colour bar labelled +vmax,
 * 0, -vmax, the title above. prov (may be NULL) goes into text chunks. */
int ns_png_write(const char *path, int overwrite, const double *w, int r, double vmax,
                 const char *title, const pv_provenance *prov);

#endif
