// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl [-j] [-p] OBJECT VERB [ARGS] | vvmpctl [-j] [-p] -b FILE
 *
 * iproute2-style CLI of the vvmp control path. The object table below is
 * the one place that lists objects; the usage texts are generated from it
 * and from each object's verb table, so help always matches the parser.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <vvmp/vvmpd.h>
#include "vvmpctl.h"

/* Kernel objects (libvaapi), then vvmpd's (its control socket). */
static const struct ctl_object *const objects[] = {
	&ctl_vd, &ctl_client, &ctl_acl, &ctl_status, &ctl_cos, &ctl_stats,
	&ctl_plan, &ctl_leg, &ctl_io, &ctl_divert, &ctl_txn, &ctl_events,
	&ctl_pool, &ctl_unit, &ctl_session, &ctl_alloc, &ctl_spare, NULL,
};

static bool is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "--help") || !strcmp(s, "-h");
}

void ctl_usage_top(FILE *f)
{
	const struct ctl_object *const *o;

	fputs("Usage: vvmpctl [OPTIONS] OBJECT VERB [ARGS]\n"
	      "       vvmpctl [OPTIONS] -b FILE\n"
	      "       vvmpctl OBJECT help | vvmpctl OBJECT VERB --help\n"
	      "Options:\n"
	      "  -j, --json         JSON output, with the field names of the text output\n"
	      "  -p, --pretty       indent JSON output\n"
	      "  -b, --batch FILE   run one command per line on one connection ('-': stdin);\n"
	      "                     'txn begin' ... 'txn commit' lines form one transaction\n"
	      "  -s, --socket PATH  vvmpd's control socket (pool, unit, session, alloc,\n"
	      "                     spare; default " VVMPD_CTL_PATH ")\n"
	      "  -h, --help         this text\n"
	      "Objects:\n", f);
	for (o = objects; *o; o++)
		fprintf(f, "  %-8s %s\n", (*o)->name, (*o)->summary);
	fputs("Numbers are decimal; offsets and lengths are 512-byte sectors.\n"
	      "Exit status: 0 ok, 1 operation failed, 2 usage error.\n", f);
}

static void usage_verb_line(FILE *f, const struct ctl_object *o, const struct ctl_verb *v)
{
	fprintf(f, "vvmpctl %s %s%s%s", o->name, v->name, v->args[0] ? " " : "", v->args);
}

static void usage_object(FILE *f, const struct ctl_object *o)
{
	const struct ctl_verb *v;

	fprintf(f, "Usage: vvmpctl %s VERB [ARGS]   (%s)\n", o->name, o->summary);
	for (v = o->verbs; v->name; v++) {
		fputs("  ", f);
		usage_verb_line(f, o, v);
		fprintf(f, "\n        %s%s%s%s\n", v->help, v->alias ? " (also: " : "",
			v->alias ? v->alias : "", v->alias ? ")" : "");
	}
	if (o->default_verb)
		fprintf(f, "Without a VERB: %s.\n", o->default_verb);
	if (o->details)
		fputs(o->details, f);
}

static void usage_verb(FILE *f, const struct ctl_object *o, const struct ctl_verb *v)
{
	fputs("Usage: ", f);
	usage_verb_line(f, o, v);
	fprintf(f, "\n%s\n", v->help);
	if (o->details)
		fputs(o->details, f);
}

static const struct ctl_object *find_object(const char *name)
{
	const struct ctl_object *const *o;

	for (o = objects; *o; o++)
		if (!strcmp((*o)->name, name))
			return *o;
	return NULL;
}

static const struct ctl_verb *find_verb(const struct ctl_object *o, const char *name)
{
	const struct ctl_verb *v;

	for (v = o->verbs; v->name; v++)
		if (!strcmp(v->name, name) || (v->alias && !strcmp(v->alias, name)))
			return v;
	return NULL;
}

int ctl_run(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_object *o;
	const struct ctl_verb *v;
	const char *verb;

	ctl->object = NULL;
	ctl->verb = NULL;
	if (argc < 1)
		return ctl_usage_error(ctl, "missing OBJECT");
	if (is_help(argv[0])) {
		ctl_usage_top(ctl->out);
		return EXIT_OK;
	}
	o = find_object(argv[0]);
	if (!o)
		return ctl_usage_error(ctl, "unknown object '%s'", argv[0]);
	ctl->object = o;
	argc--, argv++;
	verb = argc ? argv[0] : o->default_verb;
	if (!verb)
		return ctl_usage_error(ctl, "missing VERB for object '%s'", o->name);
	if (is_help(verb)) {
		usage_object(ctl->out, o);
		return EXIT_OK;
	}
	v = find_verb(o, verb);
	if (!v)
		return ctl_usage_error(ctl, "unknown verb '%s' for object '%s'", verb, o->name);
	ctl->verb = v;
	if (argc)
		argc--, argv++;
	if (argc && is_help(argv[0])) {
		usage_verb(ctl->out, o, v);
		return EXIT_OK;
	}
	return v->run(ctl, argc, argv);
}

/* Split a batch line into words: blanks separate, '...' and "..." quote, \ escapes. */
static int split_words(char *line, char **words, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return -E2BIG;
		words[n++] = w;
		while (*r && (quote || (*r != ' ' && *r != '\t' && *r != '\n' && *r != '\r'))) {
			if (quote && *r == quote) {
				quote = 0;
				r++;
			} else if (!quote && (*r == '"' || *r == '\'')) {
				quote = *r++;
			} else if (*r == '\\' && r[1] && quote != '\'') {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (quote)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

static int run_batch(struct ctl *ctl, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *words[512];
	size_t cap = 0;
	int n, ret = EXIT_OK;

	ctl->batch = strcmp(path, "-") ? path : "stdin";
	if (!f) {
		ctl->batch = NULL;
		return ctl_fail(ctl, -errno, "open batch file %s", path);
	}
	while (ret == EXIT_OK && getline(&line, &cap, f) > 0) {
		ctl->lineno++;
		n = split_words(line, words, 512);
		if (n == -EINVAL)
			ret = ctl_usage_error(ctl, "unterminated quote");
		else if (n < 0)
			ret = ctl_usage_error(ctl, "too many words");
		else if (n > 0)
			ret = ctl_run(ctl, n, words);
		fflush(ctl->out);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	/* Closing the connection hands them back to their VD's timeout policy. */
	for (n = 0; n < (int)ctl->nr_taken; n++)
		fprintf(stderr, "vvmpctl: %s: plan %" PRIu64 " taken in this batch was neither resubmitted nor aborted: its VD's timeout policy applies to it now\n",
			ctl->batch, ctl->taken[n]);
	/* A transaction left open would be applied by nobody: drop it. */
	if (ret == EXIT_OK && ctl->h && vaapi_tx_current(ctl->h)) {
		uint32_t id = vaapi_tx_current(ctl->h);

		ctl->lineno = 0;
		vaapi_tx_abort(ctl->h, id);
		ret = ctl_fail(ctl, -EINVAL, "transaction %u was not committed by the end of the batch: aborted", id);
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .out = stdout };
	const char *batch = NULL;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			ctl.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			ctl.pretty = true;
		} else if (!strcmp(a, "-b") || !strcmp(a, "--batch")) {
			if (++i == argc)
				return ctl_usage_error(&ctl, "option '%s' needs a FILE", a);
			batch = argv[i];
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			if (++i == argc)
				return ctl_usage_error(&ctl, "option '%s' needs a PATH", a);
			ctl.socket = argv[i];
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			ctl_usage_top(stdout);
			return EXIT_OK;
		} else {
			return ctl_usage_error(&ctl, "unknown option '%s'", a);
		}
	}
	if (batch && i < argc)
		return ctl_usage_error(&ctl, "'%s' after -b FILE: a batch takes its commands from FILE",
				       argv[i]);
	ret = batch ? run_batch(&ctl, batch) : ctl_run(&ctl, argc - i, argv + i);
	if (ctl.h)
		vaapi_close(ctl.h);
	if (fflush(stdout) != 0 && ret == EXIT_OK)
		ret = EXIT_FAILED;
	return ret;
}
