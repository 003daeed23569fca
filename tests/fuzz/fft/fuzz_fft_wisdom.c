/* Fuzz the FFT wisdom loader: FFTW's own importer aborts on some malformed
 * wisdom, so ours must refuse every such input before FFTW sees it. The
 * input is written to a scratch file (the loader reads files) and loaded. */
#include <parseval/fft.h>
#include <parseval/parseval.h>
#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) {
    pv_init();
    snprintf(path, sizeof path, "/tmp/pv-fuzz-wisdom-%ld", (long)getpid());
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  (void)pv_fft_wisdom_load(path);
  pv_fft_wisdom_forget();
  pv_error_clear();
  unlink(path);
  return 0;
}
