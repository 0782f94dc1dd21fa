// SPDX-License-Identifier: GPL-2.0
/* vvmpctl client: client identities (VAAPI group PEAP). */
#include <string.h>

#include "vvmpctl.h"

static int need_client(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 1)
		return ctl_usage_error(ctl, "missing client NAME");
	return arg_name(ctl, "client name", argv[0]);
}

static int client_set(struct ctl *ctl, int argc, char **argv)
{
	const char *info = NULL;
	struct vaapi *h;
	int i, ret = need_client(ctl, argc, argv);

	for (i = 1; !ret && i < argc; i++) {
		if (strcmp(argv[i], "info"))
			return ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		ret = arg_value(ctl, argc, argv, &i, &info);
		if (!ret && (!info[0] || strlen(info) >= VAAPI_CLIENT_INFO_MAX))
			ret = ctl_usage_error(ctl, "invalid info '%s': 1 to %d characters", info,
					      VAAPI_CLIENT_INFO_MAX - 1);
	}
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_peap_set_client(h, argv[0], info);
	return ret ? ctl_fail(ctl, ret, "set client %s", argv[0]) : EXIT_OK;
}

static int client_delete(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi *h;
	int ret = need_client(ctl, argc, argv);

	if (!ret)
		ret = arg_no_more(ctl, argc, argv, 1);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	ret = vaapi_peap_delete_client(h, argv[0]);
	return ret ? ctl_fail(ctl, ret, "delete client %s", argv[0]) : EXIT_OK;
}

static int print_client(const struct vaapi_client_info *c, void *arg)
{
	struct ctl *ctl = arg;

	out_obj_begin(ctl);
	out_str(ctl, "client", c->name);
	if (c->has_info)
		out_str(ctl, "info", c->info);
	out_obj_end(ctl);
	return 0;
}

static int client_show(struct ctl *ctl, int argc, char **argv)
{
	struct vaapi_client_info c;
	struct vaapi *h;
	int ret = argc ? arg_name(ctl, "client name", argv[0]) : 0;

	if (!ret)
		ret = arg_no_more(ctl, argc, argv, 1);
	if ((ret = ctl_handle_parsed(ctl, ret, &h)))
		return ret;
	if (!argc) {
		out_begin(ctl);
		ret = vaapi_peap_list_clients(h, print_client, ctl);
		out_end(ctl);
		return ret ? ctl_fail(ctl, ret, "list clients") : EXIT_OK;
	}
	ret = vaapi_peap_get_client(h, argv[0], &c);
	if (ret)
		return ctl_fail(ctl, ret, "get client %s", argv[0]);
	out_begin(ctl);
	print_client(&c, ctl);
	out_end(ctl);
	return EXIT_OK;
}

static const struct ctl_verb verbs[] = {
	{ "set", NULL, "NAME [info TEXT]", "create or update a client (IQN, host name...)", client_set },
	{ "delete", "del", "NAME", "delete a client (fails while a dm device binds it)", client_delete },
	{ "show", "list", "[NAME]", "show one client or every client", client_show },
	{ NULL },
};

const struct ctl_object ctl_client = {
	.name = "client",
	.summary = "client identities",
	.verbs = verbs,
	.default_verb = "show",
};
