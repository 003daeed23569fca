/* parseval/parseval.h - everything public in libparseval. */
#ifndef PARSEVAL_PARSEVAL_H
#define PARSEVAL_PARSEVAL_H
#include <parseval/config.h>
#include <parseval/error.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/rng.h>
#include <parseval/array.h>
#include <parseval/fileout.h>
#include <parseval/core.h>
#include <parseval/plugin.h>
#endif
