/* ns_png.h - vorticity snapshot as PNG with a colour bar. A stopgap until
 * the output layer's render module (parseval/render.h) lands; then this file
 * goes and the plugin calls that module. */
#ifndef NS_PNG_H
#define NS_PNG_H

/* Write field w (r x r, row i = x) to path atomically: a diverging
 * blue-white-red map over [-vmax, vmax], each cell scaled to an integer
 * number of pixels (image at least 256 px), a vertical colour bar on the
 * right labelled with +vmax / 0 / -vmax and the title text at the top (digits,
 * letters a-z, '=', '.', '-', ' '). */
int ns_png_write(const char *path, int overwrite, const double *w, int r, double vmax,
                 const char *title);

#endif
