/* parseval: the host. Finds plugins beside itself (and on
 * PARSEVAL_PLUGIN_PATH), parses the command line from their parameter
 * tables, runs verbs, lists, describes and demonstrates them. Started by
 * mpirun it initialises MPI and runs the same verb on every rank. */
#include "host.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if PV_HAVE_MPI
#include <mpi.h>
#endif

#ifndef PV_BIN_TO_PLUGINS
#error "PV_BIN_TO_PLUGINS must be defined by the build"
#endif

/* Folder of the running executable, from /proc/self/exe. */
static void exe_dir(char *buf, size_t cap) {
  ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
  if (n <= 0) {
    snprintf(buf, cap, ".");
    return;
  }
  buf[n] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash) *slash = '\0';
}

static void plugin_dirs(char *buf, size_t cap) {
  char dir[PATH_MAX];
  exe_dir(dir, sizeof dir);
  const char *env = getenv("PARSEVAL_PLUGIN_PATH");
  if (snprintf(buf, cap, "%s%s%s/%s", env ? env : "", env && *env ? ":" : "", dir, PV_BIN_TO_PLUGINS) >= (int)cap)
    buf[0] = '\0'; /* too long to be a real path list: search nothing rather than a cut path */
}

static void data_dir(char *buf, size_t cap) {
  const char *env = getenv("PARSEVAL_DATA_DIR");
  if (env && *env) {
    snprintf(buf, cap, "%s", env);
    return;
  }
  char dir[PATH_MAX];
  exe_dir(dir, sizeof dir);
  if (snprintf(buf, cap, "%s/%s/datasets", dir, PV_BIN_TO_DATA) >= (int)cap) buf[0] = '\0';
}

static int under_mpi_launcher(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

static int cmd_describe(const pv_host_registry *reg, const pv_host_cmdline *cl) {
  const char *app = NULL;
  for (int i = 1; i < cl->n_words; i++) {
    if (!strcmp(cl->words[i], "--json")) continue;
    if (app || cl->words[i][0] == '-') {
      fprintf(stderr, "parseval: describe: unexpected argument %s (usage: parseval describe APP --json)\n", cl->words[i]);
      return PV_EXIT_USAGE;
    }
    app = cl->words[i];
  }
  if (!app) {
    fprintf(stderr, "parseval: describe: name an application (usage: parseval describe APP --json)\n");
    return PV_EXIT_USAGE;
  }
  const pv_host_plugin *p = pv_host_registry_find(reg, app);
  if (!p) {
    fprintf(stderr, "parseval: describe: no application named %s (see 'parseval list')\n", app);
    return PV_EXIT_USAGE;
  }
  pv_host_describe_json(stdout, p);
  return PV_EXIT_OK;
}

static int cmd_app(const pv_host_registry *reg, const pv_host_cmdline *cl) {
  const char *app = cl->words[0];
  if (!strcmp(app, "help")) {
    if (cl->n_words < 2) {
      pv_host_print_usage(stdout);
      return PV_EXIT_OK;
    }
    app = cl->words[1];
  }
  const pv_host_plugin *p = pv_host_registry_find(reg, app);
  if (!p) {
    fprintf(stderr, "parseval: unknown command or application \"%s\" (see 'parseval list')\n", app);
    return PV_EXIT_USAGE;
  }
  int skip = app == cl->words[0] ? 1 : 2, help = cl->opts.help || skip == 2, consumed;
  const char **w = cl->words + skip;
  int n = cl->n_words - skip, dd = cl->dashdash - skip;
  const pv_host_verb *v;
  if (pv_host_pick_verb(p, w, dd > 0 ? n : 0, &v, &consumed)) {
    if (help) {
      pv_error_clear();
      pv_host_print_app_help(stdout, p);
      return PV_EXIT_OK;
    }
    pv_host_report_hint(NULL, "see 'parseval list'");
    return PV_EXIT_USAGE;
  }
  if (help) {
    pv_host_print_verb_help(stdout, p, v);
    return PV_EXIT_OK;
  }
  return pv_host_run_verb(p, v, cl, w + consumed, n - consumed, dd - consumed);
}

static int dispatch(const pv_host_cmdline *cl, int rank) {
  if (cl->opts.version && (!cl->n_words || strcmp(cl->words[0], "demo"))) {
    if (rank == 0) printf("parseval %s (plugin ABI %d.%d)\n%s\n", pv_version(), PV_PLUGIN_ABI_MAJOR,
                          PV_PLUGIN_ABI_MINOR, pv_build_info_json());
    return PV_EXIT_OK;
  }
  if (cl->n_words == 0) {
    if (cl->opts.help) {
      pv_host_print_usage(stdout);
      return PV_EXIT_OK;
    }
    fprintf(stderr, "parseval: no command given (see 'parseval --help')\n");
    return PV_EXIT_USAGE;
  }
  char dirs[3 * PATH_MAX];
  plugin_dirs(dirs, sizeof dirs);
  pv_host_registry reg;
  if (pv_host_registry_load(dirs, &reg)) {
    pv_host_report("plugin error");
    return PV_EXIT_PLUGIN;
  }
  const char *cmd = cl->words[0];
  int code;
  if (!strcmp(cmd, "list")) {
    if (rank == 0) pv_host_print_list(stdout, &reg);
    code = PV_EXIT_OK;
  } else if (!strcmp(cmd, "describe")) {
    code = rank == 0 ? cmd_describe(&reg, cl) : PV_EXIT_OK;
  } else if (!strcmp(cmd, "demo")) {
    char data[PATH_MAX];
    data_dir(data, sizeof data);
    code = pv_host_demo(&reg, cl, data, cl->opts.out ? cl->opts.out : "out");
  } else {
    code = cmd_app(&reg, cl);
  }
  pv_host_registry_free(&reg);
  return code;
}

int main(int argc, char **argv) {
  if (pv_init()) {
    pv_host_report("initialisation");
    return PV_EXIT_FAIL;
  }
  int rank = 0, nranks = 1;
#if PV_HAVE_MPI
  int mpi = under_mpi_launcher();
  if (mpi) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  }
#else
  (void)under_mpi_launcher;
#endif
  pv_host_cmdline cl;
  int code;
  if (pv_host_cmdline_parse(argc, argv, &cl)) {
    pv_host_report_hint(NULL, "see 'parseval --help'");
    code = PV_EXIT_USAGE;
  } else {
    code = dispatch(&cl, rank);
    pv_host_cmdline_free(&cl);
  }
#if PV_HAVE_MPI
  if (mpi) {
    /* A failed rank would leave the others waiting in a collective. */
    if (code != PV_EXIT_OK && nranks > 1) MPI_Abort(MPI_COMM_WORLD, code);
    MPI_Finalize();
  }
#endif
  (void)nranks;
  return code;
}
