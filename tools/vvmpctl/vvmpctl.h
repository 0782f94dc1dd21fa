/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vvmpctl: the CLI over libvaapi. An object table (main.c) maps each
 * OBJECT word to its verbs (one file per object: vd.c, client.c, ...);
 * each verb parses all its arguments before touching the kernel, so a
 * usage error (exit 2) never depends on the module being loaded.
 */
#ifndef _VVMPCTL_H
#define _VVMPCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <vvmp/vaapi.h>

#include "json.h"

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_FAILED	1
#define EXIT_USAGE	2

struct ctl {
	bool json;		/* -j */
	bool pretty;		/* -p */
	const char *batch;	/* -b FILE: its name in messages */
	const char *socket;	/* -s PATH: vvmpd's control socket, NULL: default */
	unsigned int lineno;	/* batch line being run, 0 outside batch */
	struct vaapi *h;	/* opened on first use */
	FILE *out;
	/* output state (output.c) */
	struct json js;
	int text_depth;
	bool line_open;
	/* usage of the verb being run, for "Try ..." hints */
	const struct ctl_object *object;
	const struct ctl_verb *verb;
	/* plans this connection took and has not resubmitted or aborted */
	unsigned int nr_taken;
	uint64_t taken[64];
};

struct ctl_verb {
	const char *name;
	const char *alias;	/* or NULL */
	const char *args;	/* usage after "vvmpctl OBJECT VERB" */
	const char *help;	/* one line */
	int (*run)(struct ctl *ctl, int argc, char **argv);	/* argv[0]: first arg */
};

struct ctl_object {
	const char *name;
	const char *summary;
	const struct ctl_verb *verbs;	/* ends with { NULL } */
	const char *default_verb;	/* run when no verb is given, or NULL */
	const char *details;		/* extra usage text (grammar), or NULL */
};

/* Objects (one file each; daemon.c has the vvmpd-backed ones). */
extern const struct ctl_object ctl_vd, ctl_client, ctl_acl, ctl_status, ctl_cos,
	ctl_stats, ctl_plan, ctl_leg, ctl_io, ctl_divert, ctl_txn, ctl_events,
	ctl_pool, ctl_unit, ctl_session, ctl_alloc, ctl_spare;

/* main.c */
int ctl_run(struct ctl *ctl, int argc, char **argv);
void ctl_usage_top(FILE *f);

/* errors.c: messages, exit codes, the libvaapi handle */
int ctl_usage_error(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ctl_fail(struct ctl *ctl, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The libvaapi handle, opened on first use; NULL after printing why (exit 1). */
struct vaapi *ctl_handle(struct ctl *ctl);
/*
 * For a verb whose arguments were checked: @parse_ret if that failed (the
 * usage error is printed), else 0 with the handle in *h, or EXIT_FAILED as
 * ctl_handle(). Checking first keeps usage errors (exit 2) independent of
 * the module being loaded.
 */
int ctl_handle_parsed(struct ctl *ctl, int parse_ret, struct vaapi **h);
/*
 * A verb whose one argument is a VD name and which is one libvaapi call on
 * it: a failure of @call reads "vvmpctl: @action VD NAME: why" (exit 1).
 */
int ctl_vd_call(struct ctl *ctl, int argc, char **argv,
		int (*call)(struct vaapi *h, const char *vd), const char *action);
/*
 * EXIT_USAGE if a transaction is open: the verb being run is not staged by
 * the kernel (exception plans, pass-through, copies) but would apply at once.
 */
int ctl_not_in_txn(struct ctl *ctl);
/* ctl_handle_parsed() for a verb the kernel does not stage: ctl_not_in_txn() first. */
int ctl_handle_unstaged(struct ctl *ctl, int parse_ret, struct vaapi **h);

/* args.c: each returns 0, or EXIT_USAGE after naming the bad argument */
int arg_u64(struct ctl *ctl, const char *what, const char *s, uint64_t *v);
int arg_u32(struct ctl *ctl, const char *what, const char *s, uint32_t *v);
/* Nothing after the first @used words: else "unexpected argument" naming the first extra. */
int arg_no_more(struct ctl *ctl, int argc, char **argv, int used);
/*
 * A VD name at argv[0] ("missing VD NAME" if there is none), then at most
 * @max_args words in all (argc: the verb checks the words after the name).
 * Words are checked in order, so the error names the first bad one.
 */
int arg_vd(struct ctl *ctl, int argc, char **argv, int max_args);
/* A leg index 0..VVMP_MAX_LEGS-1. */
int arg_leg(struct ctl *ctl, const char *s, uint32_t *leg);
/* A positive errno, as a number (1..4095) or a name such as EIO or eio. */
int arg_errno(struct ctl *ctl, const char *s, uint32_t *err);
int arg_name(struct ctl *ctl, const char *what, const char *s);
int arg_extent(struct ctl *ctl, const char *s, bool need_length, struct vaapi_extent *e);
/* argv[*i] is the keyword @what; its value is argv[*i + 1] (advances *i). */
int arg_value(struct ctl *ctl, int argc, char **argv, int *i, const char **value);
int arg_map(struct ctl *ctl, int argc, char **argv, struct vaapi_map *map);
int arg_masks(struct ctl *ctl, const char *s, uint32_t *masks);
/* "vd X [client Y]" at argv[*i]; *client NULL when absent. */
int arg_target(struct ctl *ctl, int argc, char **argv, int *i,
	       const char **vd, const char **client);

/* output.c: the same field names in text ("key value ...") and JSON */
void out_begin(struct ctl *ctl);	/* top-level list */
void out_end(struct ctl *ctl);
void out_obj_begin(struct ctl *ctl);
void out_obj_end(struct ctl *ctl);
void out_list_begin(struct ctl *ctl, const char *key);
void out_list_end(struct ctl *ctl);
void out_str(struct ctl *ctl, const char *key, const char *value);
void out_u64(struct ctl *ctl, const char *key, uint64_t value);
void out_flag(struct ctl *ctl, const char *key, bool value);
void out_u64_array(struct ctl *ctl, const char *key, const uint64_t *v, unsigned int n);
/* One self-contained record per line (events): JSON object or text line. */
void out_record_begin(struct ctl *ctl);
void out_record_end(struct ctl *ctl);

/* print.c: shared printers of libvaapi structs */
void print_vd_info(struct ctl *ctl, const struct vaapi_vd_info *info);
void print_map(struct ctl *ctl, const char *vd, const struct vaapi_map *map);
void print_leg(struct ctl *ctl, const struct vaapi_leg *leg, unsigned int index);
void print_cos_fields(struct ctl *ctl, const struct vaapi_cos *cos);
void print_stats(struct ctl *ctl, const struct vaapi_stats *s);
void print_masks(struct ctl *ctl, const char *key, uint32_t masks);
void print_event(struct ctl *ctl, const struct vaapi_event *ev, bool snapshot);
void print_dev(struct ctl *ctl, const char *key, uint32_t dev);
/* The fields of a held plan; @event: as EVENT_EXCEPTION has them (no owner, age). */
void print_exception(struct ctl *ctl, const struct vaapi_exception *e, bool event);

#endif /* _VVMPCTL_H */
