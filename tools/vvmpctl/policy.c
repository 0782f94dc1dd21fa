// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl acl | status | cos: the policy of a VD (its default) or of one
 * client of it (VAAPI group PEAP). Each prints the policy in force and
 * whether it is the client's own or the VD default ("source").
 */
#include <string.h>

#include "vvmpctl.h"

#define TARGET_HELP \
	"Without 'client NAME' the VD's default, which every client without a policy\n" \
	"of its own gets.\n"

static void print_target(struct ctl *ctl, const char *vd, const char *client,
			 const struct vaapi_policy *p)
{
	out_str(ctl, "vd", vd);
	if (client)
		out_str(ctl, "client", client);
	if (p->has_source)
		out_str(ctl, "source", vaapi_policy_source_name(p->source) ?
			vaapi_policy_source_name(p->source) : "unknown");
}

/* "vd X [client Y]" and nothing after it. */
static int target_only(struct ctl *ctl, int argc, char **argv, const char **vd,
		       const char **client)
{
	int i = 0, ret = arg_target(ctl, argc, argv, &i, vd, client);

	return ret ? ret : arg_no_more(ctl, argc, argv, i);
}

/* ---- acl ---------------------------------------------------------------- */

static int acl_set(struct ctl *ctl, int argc, char **argv)
{
	const char *vd, *client;
	enum vvmp_acl acl;
	struct vaapi *h;
	int i = 0, ret = arg_target(ctl, argc, argv, &i, &vd, &client);

	if (ret)
		return ret;
	if (i >= argc)
		return ctl_usage_error(ctl, "missing ACL (rw, ro or none)");
	for (acl = VVMP_ACL_NONE; acl <= VVMP_ACL_RW; acl++)
		if (!strcmp(argv[i], vaapi_acl_name(acl)))
			break;
	if (acl > VVMP_ACL_RW)
		return ctl_usage_error(ctl, "invalid ACL '%s': expected rw, ro or none", argv[i]);
	if ((ret = ctl_handle_parsed(ctl, arg_no_more(ctl, argc, argv, i + 1), &h)))
		return ret;
	ret = vaapi_peap_set_acl(h, vd, client, acl);
	return ret ? ctl_fail(ctl, ret, "set the ACL of VD %s%s%s", vd, client ? " client " : "",
			      client ? client : "") : EXIT_OK;
}

/*
 * "show": the policy in force for the target, read with @get, printed as
 * the target then @print's fields.
 */
static int policy_show(struct ctl *ctl, int argc, char **argv,
		       int (*get)(struct vaapi *, const char *, const char *,
				  struct vaapi_policy *),
		       const char *what,
		       void (*print)(struct ctl *, const struct vaapi_policy *))
{
	const char *vd, *client;
	struct vaapi_policy p;
	struct vaapi *h;
	int ret = target_only(ctl, argc, argv, &vd, &client);

	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = get(h, vd, client, &p);
	if (ret)
		return ctl_fail(ctl, ret, "get the %s of VD %s", what, vd);
	out_begin(ctl);
	out_obj_begin(ctl);
	print_target(ctl, vd, client, &p);
	print(ctl, &p);
	out_obj_end(ctl);
	out_end(ctl);
	return EXIT_OK;
}

static void print_acl(struct ctl *ctl, const struct vaapi_policy *p)
{
	out_str(ctl, "acl", vaapi_acl_name(p->acl) ? vaapi_acl_name(p->acl) : "unknown");
}

static int acl_show(struct ctl *ctl, int argc, char **argv)
{
	return policy_show(ctl, argc, argv, vaapi_peap_get_acl, "ACL", print_acl);
}

static const struct ctl_verb acl_verbs[] = {
	{ "set", NULL, "vd NAME [client NAME] rw|ro|none", "set who may read and write", acl_set },
	{ "show", "get", "vd NAME [client NAME]", "show the ACL in force", acl_show },
	{ NULL },
};

const struct ctl_object ctl_acl = {
	.name = "acl",
	.summary = "access of a client (or of every client) to a VD",
	.verbs = acl_verbs,
	.details = TARGET_HELP,
};

/* ---- status --------------------------------------------------------------- */

static int status_set(struct ctl *ctl, int argc, char **argv)
{
	const char *vd, *client;
	enum vvmp_status st;
	struct vaapi *h;
	int i = 0, ret = arg_target(ctl, argc, argv, &i, &vd, &client);

	if (ret)
		return ret;
	if (i >= argc)
		return ctl_usage_error(ctl, "missing STATUS (enabled, disabled or quiesced)");
	for (st = VVMP_STATUS_ENABLED; st <= VVMP_STATUS_QUIESCED; st++)
		if (!strcmp(argv[i], vaapi_status_name(st)))
			break;
	if (st > VVMP_STATUS_QUIESCED)
		return ctl_usage_error(ctl, "invalid status '%s': expected enabled, disabled or quiesced",
				       argv[i]);
	if ((ret = ctl_handle_parsed(ctl, arg_no_more(ctl, argc, argv, i + 1), &h)))
		return ret;
	ret = vaapi_peap_set_status(h, vd, client, st);
	return ret ? ctl_fail(ctl, ret, "set the status of VD %s%s%s", vd,
			      client ? " client " : "", client ? client : "") : EXIT_OK;
}

static void print_status(struct ctl *ctl, const struct vaapi_policy *p)
{
	out_str(ctl, "status",
		vaapi_status_name(p->status) ? vaapi_status_name(p->status) : "unknown");
}

static int status_show(struct ctl *ctl, int argc, char **argv)
{
	return policy_show(ctl, argc, argv, vaapi_peap_get_status, "status", print_status);
}

static const struct ctl_verb status_verbs[] = {
	{ "set", NULL, "vd NAME [client NAME] enabled|disabled|quiesced",
	  "enable I/O, fail it, or hold it until enabled again", status_set },
	{ "show", "get", "vd NAME [client NAME]", "show the status in force", status_show },
	{ NULL },
};

const struct ctl_object ctl_status = {
	.name = "status",
	.summary = "whether a client's (or every client's) I/O on a VD runs",
	.verbs = status_verbs,
	.details = TARGET_HELP,
};

/* ---- cos ------------------------------------------------------------------ */

static int cos_set(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_cos cos = { 0 };
	const char *vd, *client, *v;
	struct vaapi *h;
	uint64_t x;
	int i = 0, ret = arg_target(ctl, argc, argv, &i, &vd, &client);

	for (; !ret && i < argc; i++) {
		if (!strcmp(argv[i], "iops")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "iops", v, &cos.iops);
			cos.present |= VAAPI_COS_IOPS;
		} else if (!strcmp(argv[i], "bps")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "bps", v, &cos.bps);
			cos.present |= VAAPI_COS_BPS;
		} else if (!strcmp(argv[i], "prio")) {
			if (!(ret = arg_value(ctl, argc, argv, &i, &v)))
				ret = arg_u64(ctl, "prio", v, &x);
			if (!ret && x > 7)
				ret = ctl_usage_error(ctl, "invalid prio '%s': an I/O priority class 0..7", v);
			cos.priority = (uint8_t)x;
			cos.present |= VAAPI_COS_PRIORITY;
		} else {
			ret = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ret && !cos.present)
		ret = ctl_usage_error(ctl, "missing iops, bps or prio");
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_peap_set_cos(h, vd, client, &cos);
	return ret ? ctl_fail(ctl, ret, "set the class of service of VD %s%s%s", vd,
			      client ? " client " : "", client ? client : "") : EXIT_OK;
}

static void print_cos(struct ctl *ctl, const struct vaapi_policy *p)
{
	print_cos_fields(ctl, &p->cos);
}

static int cos_show(struct ctl *ctl, int argc, char **argv)
{
	return policy_show(ctl, argc, argv, vaapi_peap_get_cos, "class of service",
			   print_cos);
}

static const struct ctl_verb cos_verbs[] = {
	{ "set", NULL, "vd NAME [client NAME] [iops N] [bps N] [prio N]",
	  "limit bios/s and bytes/s (0: unlimited), set the I/O priority class", cos_set },
	{ "show", "get", "vd NAME [client NAME]", "show the class of service in force", cos_show },
	{ NULL },
};

const struct ctl_object ctl_cos = {
	.name = "cos",
	.summary = "class of service: IOPS and bandwidth limits, priority",
	.verbs = cos_verbs,
	.details = TARGET_HELP "A field not given is set to 0 (unlimited; priority class 0).\n",
};
