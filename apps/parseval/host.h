/* host.h - internals of the parseval host: plugin registry, command-line
 * and parameter-file parsing, help, describe, demo. Kept in a static library
 * (pvhost) so that tests and fuzz targets drive the same code as the host. */
#ifndef PV_HOST_H
#define PV_HOST_H

#include <stddef.h>
#include <stdio.h>
#include <parseval/parseval.h>

/* Exit codes of the host (STYLE.md). */
enum { PV_EXIT_OK = 0, PV_EXIT_FAIL = 1, PV_EXIT_USAGE = 2, PV_EXIT_PLUGIN = 3 };

/* A verb in the current ABI layout, copied out of the plugin's table. */
typedef struct {
  pv_verb verb;       /* params points to `params` below */
  pv_param *params;   /* normalised copies, n = verb.n_params */
} pv_host_verb;

typedef struct {
  char *path;                 /* file the plugin came from */
  void *handle;               /* dlopen handle */
  uint32_t abi_version;       /* as declared by the plugin */
  pv_plugin_descriptor desc;  /* normalised: missing trailing fields zero */
  pv_host_verb *verbs;        /* desc.n_verbs entries */
} pv_host_plugin;

typedef struct {
  pv_host_plugin *plugins;
  size_t n;
} pv_host_registry;

/* Load every pv-*.so from the colon-separated folder list `dirs`, checking
 * ABI, descriptors and unique names. Errors (PV_EABI / PV_ENOTFOUND) name the
 * file; *reg is then empty. */
int pv_host_registry_load(const char *dirs, pv_host_registry *reg);
/* Validate and normalise one descriptor (exposed for tests). */
int pv_host_plugin_adopt(const pv_plugin_descriptor *d, const char *path, pv_host_plugin *out);
void pv_host_plugin_release(pv_host_plugin *p);
void pv_host_registry_free(pv_host_registry *reg);
const pv_host_plugin *pv_host_registry_find(const pv_host_registry *reg, const char *name);

/* Host options gathered from anywhere before "--". */
typedef struct {
  int help, version, progress, overwrite, verbose, quiet;
  int threads;          /* 0: not given */
  size_t memory;        /* --memory RAM budget in bytes; 0: not given */
  int seed_given;
  uint64_t seed;
  const char *params;   /* --params FILE (borrowed from argv) */
  const char *out;      /* --out DIR for demo (borrowed) */
} pv_host_opts;

/* The parsed command line: host options, then the remaining words in order
 * (borrowed from argv); dashdash is the index in words where "--" was. */
typedef struct {
  pv_host_opts opts;
  const char **words;
  int n_words;
  int dashdash;         /* words[dashdash..] came after "--" (n_words if none) */
} pv_host_cmdline;

/* Split argv (argv[0] excluded) into host options and words. Usage errors
 * are PV_EINVAL with a message. cl->words is pv_malloc'd. */
int pv_host_cmdline_parse(int argc, char **argv, pv_host_cmdline *cl);
void pv_host_cmdline_free(pv_host_cmdline *cl);

/* Fill args from a verb's words (options and positionals, in the form
 * described in the README). Unknown options, surplus positionals and bad
 * values are PV_EINVAL. `first_positional_only` is the index in words from
 * which everything is positional ("--"). */
int pv_host_args_from_words(const pv_verb *verb, const char **words, int n_words,
                            int first_positional_only, pv_args *args);

/* Parse a parameter file's text: lines "name = value" (value optionally in
 * double quotes with \" \\ \n escapes), '#' comments, blank lines. Calls
 * set(name, value, user) for each entry; errors name file and line. */
typedef int (*pv_host_param_fn)(const char *name, const char *value, void *user);
int pv_host_params_parse(const char *text, size_t n, const char *fname, pv_host_param_fn set,
                         void *user);

/* Resolve which verb of plugin p words select; *consumed is 1 when words[0]
 * named the verb. PV_ENOTFOUND/PV_EINVAL with a message otherwise. */
int pv_host_pick_verb(const pv_host_plugin *p, const char **words, int n_words,
                      const pv_host_verb **verb, int *consumed);

/* Output: help texts, `list`, `describe --json`. */
void pv_host_print_usage(FILE *f);
void pv_host_print_list(FILE *f, const pv_host_registry *reg);
void pv_host_print_app_help(FILE *f, const pv_host_plugin *p);
void pv_host_print_verb_help(FILE *f, const pv_host_plugin *p, const pv_host_verb *v);
void pv_host_describe_json(FILE *f, const pv_host_plugin *p);
/* Write s as a JSON string literal (with quotes). */
void pv_host_json_string(FILE *f, const char *s);

/* Run one verb with parsed host options; returns an exit code and prints one
 * line on stderr on failure. */
int pv_host_run_verb(const pv_host_plugin *p, const pv_host_verb *v, const pv_host_cmdline *cl,
                     const char **words, int n_words, int first_positional_only);

/* `parseval demo`: every plugin's demos into out_dir/APP, plus out_dir/index.html. */
int pv_host_demo(const pv_host_registry *reg, const pv_host_cmdline *cl, const char *data_dir,
                 const char *out_dir);

/* Progress sink drawing a bar on a TTY, plain lines otherwise. */
int pv_host_progress(double frac, const char *msg, void *user);
/* Print "parseval: WHAT: <error stack>" on stderr and clear the stack. */
void pv_host_report(const char *what);
/* Same, with "(hint)" appended to the line. */
void pv_host_report_hint(const char *what, const char *hint);
#endif
