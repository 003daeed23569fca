/* parseval/plugin.h - the plugin ABI: a versioned descriptor with verbs, each
 * verb with its parameter table and run function, and the parsed-argument
 * object (pv_args) a verb's run function reads.
 *
 * A plugin is a MODULE library exporting one symbol, PV_PLUGIN_SYMBOL, of
 * type pv_plugin_entry_fn. The host checks the ABI major before it touches
 * anything else and reads every struct through its declared size, so fields
 * are only ever appended (minor version bump) and older, smaller descriptors
 * keep loading; missing trailing fields read as zero/NULL. */
#ifndef PARSEVAL_PLUGIN_H
#define PARSEVAL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PV_PLUGIN_ABI_MAJOR 1
#define PV_PLUGIN_ABI_MINOR 1
#define PV_PLUGIN_ABI_VERSION ((uint32_t)((PV_PLUGIN_ABI_MAJOR << 16) | PV_PLUGIN_ABI_MINOR))
#define PV_PLUGIN_SYMBOL "parseval_plugin"

typedef enum {
  PV_PARAM_FLAG = 0,   /* boolean: --name, --no-name, --name=true|false|1|0 */
  PV_PARAM_INT,        /* 64-bit integer, C locale */
  PV_PARAM_REAL,       /* double, C locale; NaN and infinities refused */
  PV_PARAM_STRING,
  PV_PARAM_CHOICE,     /* one of the '|'-separated words in `choices` */
  PV_PARAM_PATH,       /* a file (or folder with PV_PARAM_DIR) */
  PV_PARAM_INT_LIST,   /* comma-separated integers, each within [min, max] */
  PV_PARAM_REAL_LIST,  /* comma-separated reals, each within [min, max] */
  PV_PARAM_TYPE_COUNT
} pv_param_type;

typedef enum {
  PV_ROLE_OPTION = 0,  /* --name=value */
  PV_ROLE_INPUT,       /* positional, filled first, in declaration order */
  PV_ROLE_OUTPUT       /* positional after the inputs; checked before work */
} pv_param_role;

/* Parameter flags. Inputs and outputs are required unless PV_PARAM_OPTIONAL;
 * options are optional unless PV_PARAM_REQUIRED; an option left unset with
 * no default reads as absent (pv_args_has() == 0). */
#define PV_PARAM_REQUIRED 0x1u
#define PV_PARAM_OPTIONAL 0x2u
#define PV_PARAM_DIR      0x4u   /* the path is a folder */
#define PV_PARAM_HAS_MIN  0x8u   /* min applies */
#define PV_PARAM_HAS_MAX  0x10u  /* max applies */

/* One parameter (ABI 1.0 ended after `help`; `units` came in 1.1). */
typedef struct pv_param {
  const char *name;        /* [a-z0-9-]+, unique within the verb */
  pv_param_type type;
  pv_param_role role;
  unsigned flags;
  const char *def;         /* default as text (NULL: none) */
  double min, max;         /* inclusive range, see PV_PARAM_HAS_MIN/MAX */
  const char *choices;     /* PV_PARAM_CHOICE: "a|b|c" */
  const char *help;        /* one sentence */
  const char *units;       /* "m", "s", "bytes"... or NULL */
} pv_param;

typedef struct pv_args pv_args;

/* A verb's work. Reads its parameters from args (borrowed), reports progress
 * and logs through ctx, returns 0 or a negative PV_E* status recorded with
 * pv_error. Outputs were checked by the host; write them atomically. */
typedef int (*pv_verb_run_fn)(pv_ctx *ctx, const pv_args *args);

/* One verb (ABI 1.0 ended after `run`; `description` came in 1.1). */
typedef struct pv_verb {
  const char *name;        /* "simulate", "run"... */
  const char *summary;     /* one line */
  const pv_param *params;  /* table of n_params entries of param_size bytes */
  uint32_t n_params;
  uint32_t param_size;     /* sizeof(pv_param) the plugin was built with */
  pv_verb_run_fn run;
  const char *description; /* longer help paragraph, or NULL */
} pv_verb;

/* The descriptor (ABI 1.0 ended after `verb_size`; `demos` came in 1.1). */
typedef struct pv_plugin_descriptor {
  uint32_t abi_version;    /* PV_PLUGIN_ABI_VERSION the plugin was built with */
  uint32_t struct_size;    /* sizeof(pv_plugin_descriptor) as built */
  const char *name;        /* application name: [a-z0-9-]+ */
  const char *version;     /* the plugin's own version */
  const char *summary;     /* one line */
  const pv_verb *verbs;    /* n_verbs entries of verb_size bytes */
  uint32_t n_verbs;
  uint32_t verb_size;      /* sizeof(pv_verb) as built */
  /* NULL-terminated command lines for `parseval demo` ("VERB --opt=v
   * {data}/in.tif {out}/out.png"); {data} is the bundled datasets folder,
   * {out} this application's demo output folder. NULL: no demo. */
  const char *const *demos;
  void *reserved[8];       /* zero; room for later fields */
} pv_plugin_descriptor;

typedef const pv_plugin_descriptor *(*pv_plugin_entry_fn)(void);

/* Declares the plugin's entry point: PV_PLUGIN_DEFINE(my_descriptor). */
#define PV_PLUGIN_DEFINE(desc)                                              \
  __attribute__((visibility("default"))) const pv_plugin_descriptor *       \
  parseval_plugin(void);                                                    \
  const pv_plugin_descriptor *parseval_plugin(void) { return &(desc); }

/* ---- Parsed arguments ------------------------------------------------ */

/* Empty argument set for the verb whose table is params[0..n) (current
 * layout; borrowed, must outlive the set). *out owned by the caller. */
PV_API int pv_args_create(const pv_param *params, size_t n, pv_args **out);
PV_API void pv_args_destroy(pv_args **args); /* NULL-safe */
/* Set parameter `name` from text, validating type, range and choices
 * (PV_EINVAL names the parameter and value; PV_ENOTFOUND an unknown name).
 * A later set of the same name replaces the earlier one. */
PV_API int pv_args_set(pv_args *args, const char *name, const char *text);
/* Apply defaults and check that required parameters are present (PV_EINVAL
 * naming the first missing one). Call once after the last set. */
PV_API int pv_args_finish(pv_args *args);
/* Whether outputs may replace existing files (the host's --overwrite). */
PV_API void pv_args_set_overwrite(pv_args *args, int overwrite);
PV_API int pv_args_overwrite(const pv_args *args);

/* Value getters for a finished set. A name the verb does not declare, or a
 * getter of the wrong type, returns 0 / NULL (a plugin bug the golden tests
 * catch). Strings and lists are borrowed from args. */
PV_API int pv_args_has(const pv_args *args, const char *name); /* given or defaulted */
PV_API int pv_args_flag(const pv_args *args, const char *name);
PV_API int64_t pv_args_int(const pv_args *args, const char *name);
PV_API double pv_args_real(const pv_args *args, const char *name);
PV_API const char *pv_args_string(const pv_args *args, const char *name); /* also choice, path */
PV_API size_t pv_args_int_list(const pv_args *args, const char *name, const int64_t **vals);
PV_API size_t pv_args_real_list(const pv_args *args, const char *name, const double **vals);
/* The canonical text of a parameter's value (for provenance records). */
PV_API const char *pv_args_text(const pv_args *args, const char *name);

/* Name of a parameter type ("int", "real"...) and role ("option", "input", "output"). */
PV_API const char *pv_param_type_name(pv_param_type t);
PV_API const char *pv_param_role_name(pv_param_role r);

#ifdef __cplusplus
}
#endif
#endif
