// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpctl pool|unit|session|alloc|spare: vvmpd's state, allocations made by
 * an administrator, hot spares and leg health, through its local control
 * socket (include/vvmp/vvmpd.h: one request line, one JSON document back).
 * The reply is parsed and printed through output.c, so text and -j JSON
 * carry vvmpd's own field names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <vvmp/vvmpd.h>
#include "vvmpctl.h"

#define REPLY_MAX	(16 << 20)	/* a sane bound on a daemon's answer */
#define JSON_DEPTH_MAX	16

/* ---- a small JSON reader (the daemon's documents only) ------------------ */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;
	uint64_t num;
	char *str;			/* J_STR */
	char **keys;			/* J_OBJ */
	struct jval *items;		/* J_ARR, J_OBJ values */
	size_t n;
};

struct jparser {
	const char *p;
	int depth;
};

static void jfree(struct jval *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jfree(&v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
}

static void jskip(struct jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t')
		jp->p++;
}

static int jstring(struct jparser *jp, char **out)
{
	size_t cap = 16, len = 0;
	char *s;

	if (*jp->p != '"')
		return -EINVAL;
	jp->p++;
	s = malloc(cap);
	if (!s)
		return -ENOMEM;
	while (*jp->p != '"') {
		char c = *jp->p++;

		if (!c)
			goto bad;
		if (c == '\\') {
			c = *jp->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c != '"' && c != '\\' && c != '/')
				goto bad;	/* vvmpd escapes only " and \ */
		}
		if (len + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		s[len++] = c;
	}
	jp->p++;
	s[len] = '\0';
	*out = s;
	return 0;
bad:
	free(s);
	return -EINVAL;
}

static int jvalue(struct jparser *jp, struct jval *v)
{
	int err;

	memset(v, 0, sizeof(*v));
	jskip(jp);
	if (*jp->p == '{' || *jp->p == '[') {
		bool obj = *jp->p == '{';
		char close = obj ? '}' : ']';

		if (++jp->depth > JSON_DEPTH_MAX)
			return -EINVAL;
		v->type = obj ? J_OBJ : J_ARR;
		jp->p++;
		jskip(jp);
		if (*jp->p == close) {
			jp->p++;
			jp->depth--;
			return 0;
		}
		for (;;) {
			struct jval *items = realloc(v->items, (v->n + 1) * sizeof(*items));
			char *key = NULL;

			if (!items)
				return -ENOMEM;
			v->items = items;
			if (obj) {
				char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));

				if (!keys)
					return -ENOMEM;
				v->keys = keys;
				jskip(jp);
				err = jstring(jp, &key);
				if (err)
					return err;
				jskip(jp);
				if (*jp->p++ != ':') {
					free(key);
					return -EINVAL;
				}
				v->keys[v->n] = key;
			}
			err = jvalue(jp, &v->items[v->n]);
			v->n++;
			if (err)
				return err;
			jskip(jp);
			if (*jp->p == ',') {
				jp->p++;
				continue;
			}
			if (*jp->p++ != close)
				return -EINVAL;
			jp->depth--;
			return 0;
		}
	}
	if (*jp->p == '"') {
		v->type = J_STR;
		return jstring(jp, &v->str);
	}
	if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->type = J_BOOL;
		v->b = *jp->p == 't';
		jp->p += v->b ? 4 : 5;
		return 0;
	}
	if (!strncmp(jp->p, "null", 4)) {
		jp->p += 4;
		return 0;
	}
	if (*jp->p >= '0' && *jp->p <= '9') {
		char *end;

		errno = 0;
		v->type = J_NUM;
		v->num = strtoull(jp->p, &end, 10);
		if (errno || *end == '.' || *end == 'e' || *end == 'E')
			return -EINVAL;
		jp->p = end;
		return 0;
	}
	return -EINVAL;
}

static const struct jval *jget(const struct jval *obj, const char *key)
{
	if (obj->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

/* ---- the socket ------------------------------------------------------------ */

/* Send @request to vvmpd and parse its answer into @doc; exit code on failure. */
static int daemon_request(struct ctl *ctl, const char *request, struct jval *doc)
{
	const char *path = ctl->socket ? ctl->socket : VVMPD_CTL_PATH;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 4096;
	char line[VVMPD_CTL_MAX_REQUEST + 2], *buf;
	struct jparser jp;
	const struct jval *e;
	int fd, err;
	ssize_t n;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ctl_fail(ctl, -ENAMETOOLONG, "vvmpd control socket %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ctl_fail(ctl, -errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return ctl_fail(ctl, err, "connect to vvmpd at %s (is vvmpd running? -s PATH)",
				path);
	}
	snprintf(line, sizeof(line), "%s\n", request);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		err = -errno;
		close(fd);
		return ctl_fail(ctl, err, "send to vvmpd at %s", path);
	}
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *t = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!t) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = t;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return ctl_fail(ctl, -ENOMEM, "read vvmpd's answer");
	buf[len] = '\0';
	jp = (struct jparser){ .p = buf };
	err = jvalue(&jp, doc);
	if (!err) {
		jskip(&jp);
		if (*jp.p || doc->type != J_OBJ)
			err = -EINVAL;
	}
	free(buf);
	if (err) {
		jfree(doc);
		memset(doc, 0, sizeof(*doc));
		return ctl_fail(ctl, -EPROTO, "vvmpd's answer to '%s' is not a JSON object", request);
	}
	e = jget(doc, "error");
	if (e) {
		int rc = ctl_fail(ctl, strstr(e->type == J_STR ? e->str : "", "permission") ?
				  -EACCES : -EPROTO, "vvmpd refused '%s' (%s)", request,
				  e->type == J_STR ? e->str : "?");

		jfree(doc);
		memset(doc, 0, sizeof(*doc));
		return rc;
	}
	return EXIT_OK;
}

/* ---- printing ------------------------------------------------------------- */

static void print_object(struct ctl *ctl, const struct jval *o);

static void print_field(struct ctl *ctl, const char *key, const struct jval *v)
{
	switch (v->type) {
	case J_NULL:
		break;
	case J_BOOL:
		out_flag(ctl, key, v->b);
		break;
	case J_NUM:
		out_u64(ctl, key, v->num);
		break;
	case J_STR:
		out_str(ctl, key, v->str);
		break;
	case J_OBJ:
		out_list_begin(ctl, key);
		print_object(ctl, v);
		out_list_end(ctl);
		break;
	case J_ARR: {
		bool numbers = v->n > 0;

		for (size_t i = 0; i < v->n; i++)
			numbers &= v->items[i].type == J_NUM;
		if (numbers) {
			uint64_t *nums = calloc(v->n + 1, sizeof(*nums));

			for (size_t i = 0; nums && i < v->n; i++)
				nums[i] = v->items[i].num;
			out_u64_array(ctl, key, nums ? nums : (uint64_t[1]){ 0 },
				      nums ? (unsigned int)v->n : 0);
			free(nums);
			break;
		}
		out_list_begin(ctl, key);
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i].type == J_OBJ)
				print_object(ctl, &v->items[i]);
		out_list_end(ctl);
		break;
	}
	}
}

static void print_object(struct ctl *ctl, const struct jval *o)
{
	out_obj_begin(ctl);
	for (size_t i = 0; i < o->n; i++)
		print_field(ctl, o->keys[i], &o->items[i]);
	out_obj_end(ctl);
}

/*
 * Ask vvmpd for @request and print it: the objects of list @list_key (or
 * the whole answer as one object when NULL), those whose "id" equals @id
 * when @id is set.
 */
static int show(struct ctl *ctl, const char *request, const char *list_key,
		const char *what, int argc, char **argv)
{
	const struct jval *list;
	struct jval doc;
	uint32_t id = 0;
	bool found = false;
	int rc;

	if (argc > 1 || (argc && !list_key))
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[list_key ? 1 : 0]);
	if (argc && (rc = arg_u32(ctl, what, argv[0], &id)))
		return rc;
	rc = daemon_request(ctl, request, &doc);
	if (rc)
		return rc;
	out_begin(ctl);
	if (!list_key) {
		print_object(ctl, &doc);
		found = true;
	} else if ((list = jget(&doc, list_key)) && list->type == J_ARR) {
		for (size_t i = 0; i < list->n; i++) {
			const struct jval *o = &list->items[i], *oid = jget(o, "id");

			if (o->type != J_OBJ || (argc && (!oid || oid->num != id)))
				continue;
			print_object(ctl, o);
			found = true;
		}
		found |= !argc;
	}
	out_end(ctl);
	jfree(&doc);
	if (!found)
		return ctl_fail(ctl, -ENOENT, "%s %u", what, id);
	return EXIT_OK;
}

static int pool_show(struct ctl *ctl, int argc, char **argv)
{
	return show(ctl, "pool", NULL, "pool", argc, argv);
}

static int unit_show(struct ctl *ctl, int argc, char **argv)
{
	return show(ctl, "units", "units", "unit", argc, argv);
}

static int session_show(struct ctl *ctl, int argc, char **argv)
{
	return show(ctl, "sessions", "sessions", "session", argc, argv);
}

static int alloc_show(struct ctl *ctl, int argc, char **argv)
{
	return show(ctl, "vds", "vds", "allocation", argc, argv);
}

/* Print vvmpd's answer to a change request (one object). */
static int change(struct ctl *ctl, const char *request)
{
	struct jval doc;
	int rc = daemon_request(ctl, request, &doc);

	if (rc)
		return rc;
	out_begin(ctl);
	print_object(ctl, &doc);
	out_end(ctl);
	jfree(&doc);
	return EXIT_OK;
}

/* alloc create session ID size KB [type jbod|raid0|raid1|raid5] [members N] */
static int alloc_create(struct ctl *ctl, int argc, char **argv)
{
	static const char *const types[] = { "jbod", "raid0", "raid1", "raid5", NULL };
	const char *type = "jbod", *v;
	uint32_t session = 0, members = 0;
	bool have_session = false, have_size = false;
	char request[VVMPD_CTL_MAX_REQUEST];
	uint64_t kb = 0;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "session")) {
			rc = arg_value(ctl, argc, argv, &i, &v);
			if (!rc)
				rc = arg_u32(ctl, "session", v, &session);
			have_session = true;
		} else if (!strcmp(argv[i], "size")) {
			rc = arg_value(ctl, argc, argv, &i, &v);
			if (!rc)
				rc = arg_u64(ctl, "size", v, &kb);
			have_size = true;
		} else if (!strcmp(argv[i], "type")) {
			rc = arg_value(ctl, argc, argv, &i, &type);
			for (int t = 0; !rc; t++) {
				if (!types[t]) {
					rc = ctl_usage_error(ctl, "invalid type '%s': expected jbod, "
							     "raid0, raid1 or raid5", type);
				} else if (!strcmp(type, types[t])) {
					break;
				}
			}
		} else if (!strcmp(argv[i], "members")) {
			rc = arg_value(ctl, argc, argv, &i, &v);
			if (!rc)
				rc = arg_u32(ctl, "members", v, &members);
		} else {
			rc = ctl_usage_error(ctl, "unexpected argument '%s'", argv[i]);
		}
		if (rc)
			return rc;
	}
	if (!have_session || !have_size)
		return ctl_usage_error(ctl, "'%s' is required", have_session ? "size" : "session");
	if (!kb)
		return ctl_usage_error(ctl, "invalid size '0': an allocation holds at least 1 KB");
	snprintf(request, sizeof(request), "alloc create %u %llu %s %u", session,
		 (unsigned long long)kb, type, members);
	return change(ctl, request);
}

/* alloc grow ID size KB */
static int alloc_grow(struct ctl *ctl, int argc, char **argv)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint32_t id;
	uint64_t kb;
	int rc;

	if (argc < 1)
		return ctl_usage_error(ctl, "'grow' needs an allocation ID");
	if (argc < 3 || strcmp(argv[1], "size"))
		return ctl_usage_error(ctl, "'grow' needs 'size KB' after the ID");
	if (argc > 3)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[3]);
	rc = arg_u32(ctl, "allocation", argv[0], &id);
	if (!rc)
		rc = arg_u64(ctl, "size", argv[2], &kb);
	if (rc)
		return rc;
	snprintf(request, sizeof(request), "alloc grow %u %llu", id, (unsigned long long)kb);
	return change(ctl, request);
}

/* alloc set ID bandwidth KB */
static int alloc_set(struct ctl *ctl, int argc, char **argv)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint32_t id, bw_kb;
	int rc;

	if (argc < 1)
		return ctl_usage_error(ctl, "'set' needs an allocation ID");
	if (argc < 3 || strcmp(argv[1], "bandwidth"))
		return ctl_usage_error(ctl, "'set' needs 'bandwidth KB' after the ID");
	if (argc > 3)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[3]);
	rc = arg_u32(ctl, "allocation", argv[0], &id);
	if (!rc)
		rc = arg_u32(ctl, "bandwidth", argv[2], &bw_kb);
	if (rc)
		return rc;
	snprintf(request, sizeof(request), "alloc bandwidth %u %u", id, bw_kb);
	return change(ctl, request);
}

/* alloc free ID */
static int alloc_free(struct ctl *ctl, int argc, char **argv)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint32_t id;
	int rc;

	if (argc != 1)
		return argc ? ctl_usage_error(ctl, "unexpected argument '%s'", argv[1]) :
			      ctl_usage_error(ctl, "'free' needs an allocation ID");
	rc = arg_u32(ctl, "allocation", argv[0], &id);
	if (rc)
		return rc;
	snprintf(request, sizeof(request), "alloc free %u", id);
	return change(ctl, request);
}

/* alloc legs [ID]: the leg health vvmpd recorded (of allocation ID) */
static int alloc_legs(struct ctl *ctl, int argc, char **argv)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint32_t id;
	int rc;

	if (argc > 1)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[1]);
	snprintf(request, sizeof(request), "legs");
	if (argc) {
		rc = arg_u32(ctl, "allocation", argv[0], &id);
		if (rc)
			return rc;
		snprintf(request, sizeof(request), "legs %u", id);
	}
	return show(ctl, request, "legs", "allocation", 0, NULL);
}

/* alloc divert|undivert ID START LENGTH: vvmpd's own divert range */
static int alloc_divert_range(struct ctl *ctl, int argc, char **argv, const char *verb)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint64_t start, length;
	uint32_t id;
	int rc;

	if (argc != 3)
		return argc > 3 ? ctl_usage_error(ctl, "unexpected argument '%s'", argv[3]) :
				  ctl_usage_error(ctl, "expected ID START LENGTH");
	rc = arg_u32(ctl, "allocation", argv[0], &id);
	if (!rc)
		rc = arg_u64(ctl, "start", argv[1], &start);
	if (!rc)
		rc = arg_u64(ctl, "length", argv[2], &length);
	if (rc)
		return rc;
	if (!length)
		return ctl_usage_error(ctl, "invalid length '0': a range holds at least one sector");
	snprintf(request, sizeof(request), "divert %s %u %llu %llu", verb, id,
		 (unsigned long long)start, (unsigned long long)length);
	return change(ctl, request);
}

static int alloc_divert(struct ctl *ctl, int argc, char **argv)
{
	return alloc_divert_range(ctl, argc, argv, "add");
}

static int alloc_undivert(struct ctl *ctl, int argc, char **argv)
{
	return alloc_divert_range(ctl, argc, argv, "delete");
}

static int alloc_diverts(struct ctl *ctl, int argc, char **argv)
{
	if (argc)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[0]);
	return show(ctl, "diverts", "diverts", "divert range", 0, NULL);
}

static int spare_show(struct ctl *ctl, int argc, char **argv)
{
	return show(ctl, "spares", "volumes", "volume", argc, argv);
}

/* spare add|delete|repaired VOLUME */
static int spare_change(struct ctl *ctl, int argc, char **argv, const char *verb)
{
	char request[VVMPD_CTL_MAX_REQUEST];
	uint32_t volume;
	int rc;

	if (argc != 1)
		return argc ? ctl_usage_error(ctl, "unexpected argument '%s'", argv[1]) :
			      ctl_usage_error(ctl, "'%s' needs a VOLUME id (vvmpctl unit show)",
					      verb);
	rc = arg_u32(ctl, "volume", argv[0], &volume);
	if (rc)
		return rc;
	snprintf(request, sizeof(request), "spare %s %u", verb, volume);
	return change(ctl, request);
}

static int spare_add(struct ctl *ctl, int argc, char **argv)
{
	return spare_change(ctl, argc, argv, "add");
}

static int spare_delete(struct ctl *ctl, int argc, char **argv)
{
	return spare_change(ctl, argc, argv, "delete");
}

static int spare_repaired(struct ctl *ctl, int argc, char **argv)
{
	return spare_change(ctl, argc, argv, "repaired");
}

static const char daemon_details[] =
	"These ask vvmpd over its control socket (option -s PATH, default "
	VVMPD_CTL_PATH ").\n";

static const struct ctl_verb pool_verbs[] = {
	{ "show", "list", "", "the pool's totals: units up, volumes, capacity, VDs, sessions",
	  pool_show },
	{ NULL },
};

static const struct ctl_verb unit_verbs[] = {
	{ "show", "list", "[ID]", "storage units and their volumes (free sectors included)",
	  unit_show },
	{ NULL },
};

static const struct ctl_verb session_verbs[] = {
	{ "show", "list", "[ID]", "VVMP sessions: client, domain, state, the VDs they hold",
	  session_show },
	{ NULL },
};

static const struct ctl_verb alloc_verbs[] = {
	{ "show", "list", "[ID]",
	  "allocations (vvmpd's VDs): layout, segments, kernel name and push state",
	  alloc_show },
	{ "create", NULL, "session ID size KB [type jbod|raid0|raid1|raid5] [members N]",
	  "ALLOCATE for VVMP session ID (expandable, exclusive), pushed to the kernel",
	  alloc_create },
	{ "grow", NULL, "ID size KB",
	  "CHANGE_PARAMS: grow allocation ID to KB in total, live", alloc_grow },
	{ "set", NULL, "ID bandwidth KB",
	  "CHANGE_PARAMS: allocation ID's bandwidth in KB/s (0: unlimited), live", alloc_set },
	{ "free", NULL, "ID", "FREE allocation ID (its owner session's hold)", alloc_free },
	{ "legs", NULL, "[ID]",
	  "leg health vvmpd recorded: failed, resyncing, rebuilding, in-sync; failure counts",
	  alloc_legs },
	{ "divert", NULL, "ID START LENGTH",
	  "I/O on those sectors of allocation ID goes through vvmpd, which resubmits it",
	  alloc_divert },
	{ "undivert", NULL, "ID START LENGTH", "remove a range 'divert' made (exactly as given)",
	  alloc_undivert },
	{ "diverts", NULL, "", "the divert ranges vvmpd made", alloc_diverts },
	{ NULL },
};

static const struct ctl_verb spare_verbs[] = {
	{ "show", "list", "[VOLUME]",
	  "volumes out of the pool: hot spares (state spare) and failed volumes (failed)",
	  spare_show },
	{ "add", NULL, "VOLUME",
	  "make an unallocated volume a hot spare of its unit's domain", spare_add },
	{ "delete", "del", "VOLUME", "give a spare back to the pool", spare_delete },
	{ "repaired", NULL, "VOLUME",
	  "a volume a rebuild left as failed may be allocated again", spare_repaired },
	{ NULL },
};

const struct ctl_object ctl_pool = {
	.name = "pool",
	.summary = "vvmpd's storage pool (control socket)",
	.verbs = pool_verbs,
	.default_verb = "show",
	.details = daemon_details,
};
const struct ctl_object ctl_unit = {
	.name = "unit",
	.summary = "vvmpd's storage units and volumes",
	.verbs = unit_verbs,
	.default_verb = "show",
	.details = daemon_details,
};
const struct ctl_object ctl_session = {
	.name = "session",
	.summary = "vvmpd's VVMP sessions",
	.verbs = session_verbs,
	.default_verb = "show",
	.details = daemon_details,
};
const struct ctl_object ctl_spare = {
	.name = "spare",
	.summary = "vvmpd's hot spares and failed volumes",
	.verbs = spare_verbs,
	.default_verb = "show",
	.details = daemon_details,
};
const struct ctl_object ctl_alloc = {
	.name = "alloc",
	.summary = "vvmpd's allocations: show, create, grow, set, free, legs, divert",
	.verbs = alloc_verbs,
	.default_verb = "show",
	.details = daemon_details,
};
