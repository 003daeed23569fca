/* Moreland's smooth cool-warm diverging colour map ("Diverging Color Maps
 * for Scientific Visualization", K. Moreland, ISVC 2009; ParaView's and
 * matplotlib's "coolwarm"), computed from its definition: the end colours
 * (0.230, 0.299, 0.754) and (0.706, 0.016, 0.150) in sRGB, interpolated in
 * the polar Msh form of CIELAB (D65 white) through an unsaturated white of
 * M = max(M1, M2, 88) with Moreland's hue spin. The tests compare it with
 * the paper's published 33-entry table. */
#include <math.h>

#include "cmap_internal.h"

typedef struct msh { double M, s, h; } msh;

static const double white[3] = {0.9505, 1.0, 1.089};

static double lin(double c) { return c > 0.04045 ? pow((c + 0.055) / 1.055, 2.4) : c / 12.92; }
static double gam(double c) { return c > 0.0031308 ? 1.055 * pow(c, 1 / 2.4) - 0.055 : 12.92 * c; }
static double lab_f(double t) { return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0; }
static double lab_finv(double t) { return t > 0.20689 ? t * t * t : (t - 16.0 / 116.0) / 7.787; }

static msh to_msh(const double rgb[3]) {
  double r = lin(rgb[0]), g = lin(rgb[1]), b = lin(rgb[2]);
  double X = 0.4124 * r + 0.3576 * g + 0.1805 * b;
  double Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  double Z = 0.0193 * r + 0.1192 * g + 0.9505 * b;
  double fx = lab_f(X / white[0]), fy = lab_f(Y / white[1]), fz = lab_f(Z / white[2]);
  double L = 116 * fy - 16, a = 500 * (fx - fy), bb = 200 * (fy - fz);
  msh m;
  m.M = sqrt(L * L + a * a + bb * bb);
  m.s = m.M > 0 ? acos(L / m.M) : 0;
  m.h = atan2(bb, a);
  return m;
}

static void from_msh(msh m, double rgb[3]) {
  double L = m.M * cos(m.s), a = m.M * sin(m.s) * cos(m.h), b = m.M * sin(m.s) * sin(m.h);
  double fy = (L + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
  double X = white[0] * lab_finv(fx), Y = white[1] * lab_finv(fy), Z = white[2] * lab_finv(fz);
  double r = 3.2406 * X - 1.5372 * Y - 0.4986 * Z;
  double g = -0.9689 * X + 1.8758 * Y + 0.0415 * Z;
  double bl = 0.0557 * X - 0.2040 * Y + 1.0570 * Z;
  rgb[0] = gam(r);
  rgb[1] = gam(g);
  rgb[2] = gam(bl);
}

/* Hue of the saturated colour m seen from an unsaturated one of M = Munsat. */
static double adjust_hue(msh m, double Munsat) {
  if (m.M >= Munsat) return m.h;
  double spin = m.s * sqrt(Munsat * Munsat - m.M * m.M) / (m.M * sin(m.s));
  return m.h > -M_PI / 3 ? m.h + spin : m.h - spin;
}

void pv_cmap_coolwarm(double t, double rgb[3]) {
  static const double c1[3] = {0.230, 0.299, 0.754}, c2[3] = {0.706, 0.016, 0.150};
  msh a = to_msh(c1), b = to_msh(c2);
  double dh = fabs(a.h - b.h);
  if (dh > M_PI) dh = 2 * M_PI - dh;
  if (a.s > 0.05 && b.s > 0.05 && dh > M_PI / 3) { /* through white */
    double Mmid = fmax(fmax(a.M, b.M), 88.0);
    if (t < 0.5) {
      b.M = Mmid, b.s = 0, b.h = 0;
      t = 2 * t;
    } else {
      a.M = Mmid, a.s = 0, a.h = 0;
      t = 2 * t - 1;
    }
  }
  if (a.s < 0.05 && b.s > 0.05) a.h = adjust_hue(b, a.M);
  else if (b.s < 0.05 && a.s > 0.05) b.h = adjust_hue(a, b.M);
  msh m = {(1 - t) * a.M + t * b.M, (1 - t) * a.s + t * b.s, (1 - t) * a.h + t * b.h};
  from_msh(m, rgb);
}
