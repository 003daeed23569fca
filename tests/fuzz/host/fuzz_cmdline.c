/* Fuzz the host's command-line parsing: the input is argv, one word per
 * line; host options are extracted, a verb picked and its arguments parsed
 * and finished. Any input must give a status, never a crash or a leak. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_verb.h"
#include "host.h"

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char *argv[MAX_WORDS + 1];
  int argc = 0;
  argv[argc++] = "parseval";
  for (char *w = text; argc < MAX_WORDS;) {
    argv[argc++] = w;
    char *nl = memchr(w, '\n', (size_t)(text + size - w));
    if (!nl) break;
    *nl = '\0';
    w = nl + 1;
  }
  argv[argc] = NULL;
  pv_host_plugin plugin;
  pv_host_cmdline cl;
  if (pv_host_plugin_adopt(&fuzz_desc, "fuzz", &plugin) == PV_OK) {
    if (pv_host_cmdline_parse(argc, argv, &cl) == PV_OK) {
      const pv_host_verb *v;
      int consumed;
      if (pv_host_pick_verb(&plugin, cl.words, cl.n_words, &v, &consumed) == PV_OK) {
        pv_args *a = NULL;
        if (pv_args_create(v->verb.params, v->verb.n_params, &a) == PV_OK &&
            pv_host_args_from_words(&v->verb, cl.words + consumed, cl.n_words - consumed,
                                    cl.dashdash - consumed, a) == PV_OK &&
            pv_args_finish(a) == PV_OK) {
          for (uint32_t i = 0; i < v->verb.n_params; i++) (void)pv_args_text(a, v->verb.params[i].name);
        }
        pv_args_destroy(&a);
      }
      pv_host_cmdline_free(&cl);
    }
    pv_host_plugin_release(&plugin);
  }
  pv_error_clear();
  free(text);
  return 0;
}
