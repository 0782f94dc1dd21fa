// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl txn: transactions (VAAPI group TX). A transaction belongs to one
 * connection, so it spans commands only inside one vvmpctl -b batch:
 * after 'txn begin' every changing command of the batch is staged in it
 * until 'txn commit' applies them all or none.
 */
#include <string.h>

#include "vvmpctl.h"

/* [ID]: the given id, else the batch's open transaction. */
static int txn_id(struct ctl *ctl, int argc, char **argv, uint32_t *id)
{
	int ret;

	if ((ret = arg_no_more(ctl, argc, argv, 1)))
		return ret;
	if (argc == 1) {
		ret = arg_u32(ctl, "transaction id", argv[0], id);
		if (!ret && *id == 0)
			ret = ctl_usage_error(ctl, "invalid transaction id '0'");
		return ret;
	}
	*id = ctl->h ? vaapi_tx_current(ctl->h) : 0;
	if (!*id)
		return ctl_usage_error(ctl, "missing transaction ID (no 'txn begin' before it in this batch)");
	return 0;
}

static int txn_begin(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi *h;
	uint32_t id;
	int ret;

	if ((ret = arg_no_more(ctl, argc, argv, 0)))
		return ret;
	if (ctl->h && vaapi_tx_current(ctl->h))
		return ctl_usage_error(ctl, "transaction %u is still open: commit or abort it first",
				       vaapi_tx_current(ctl->h));
	if (!(h = ctl_handle(ctl)))
		return EXIT_FAILED;
	ret = vaapi_tx_begin(h, &id);
	if (ret)
		return ctl_fail(ctl, ret, "begin a transaction");
	vaapi_tx_use(h, id);
	out_begin(ctl);
	out_obj_begin(ctl);
	out_u64(ctl, "txn", id);
	out_obj_end(ctl);
	out_end(ctl);
	return EXIT_OK;
}

static int txn_end(struct ctl *ctl, int argc, char **argv, bool commit)
{
	struct vaapi *h;
	uint32_t id;
	int ret = txn_id(ctl, argc, argv, &id);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = commit ? vaapi_tx_commit(h, id) : vaapi_tx_abort(h, id);
	if (vaapi_tx_current(h) == id)
		vaapi_tx_use(h, 0);	/* a failed commit leaves nothing to stage into */
	return ret ? ctl_fail(ctl, ret, "%s transaction %u", commit ? "commit" : "abort", id)
		   : EXIT_OK;
}

static int txn_commit(struct ctl *ctl, int argc, char **argv)
{
	return txn_end(ctl, argc, argv, true);
}

static int txn_abort(struct ctl *ctl, int argc, char **argv)
{
	return txn_end(ctl, argc, argv, false);
}

static const struct ctl_verb verbs[] = {
	{ "begin", NULL, "", "open a transaction; print its id", txn_begin },
	{ "commit", NULL, "[ID]", "apply every staged command, or none", txn_commit },
	{ "abort", NULL, "[ID]", "drop the staged commands", txn_abort },
	{ NULL },
};

const struct ctl_object ctl_txn = {
	.name = "txn",
	.summary = "transactions: several commands all-or-nothing (use with -b)",
	.verbs = verbs,
	.details =
	"A transaction lives on one connection: use it in a batch, e.g.\n"
	"  printf 'txn begin\\nacl set vd a ro\\nstatus set vd a quiesced\\ntxn commit\\n' | vvmpctl -b -\n"
	"A batch that ends with a transaction open aborts it and fails.\n",
};
