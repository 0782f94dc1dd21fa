// SPDX-License-Identifier: GPL-2.0
/*
 * The address of a remote volume, as a storage unit announces it:
 *
 *   nbd    HOST:PORT[/EXPORT]
 *   iscsi  HOST:PORT,TARGET
 *
 * HOST is a numeric IPv4 address or a bracketed IPv6 address (no names: no
 * resolver call under vvmpd's lock, and one spelling to compare with what
 * sysfs shows), PORT 1..65535 in decimal, EXPORT 1..63 characters of
 * [A-Za-z0-9._+=@:,-] not starting with '-', TARGET an iSCSI name
 * (iqn.YYYY-MM.naming-authority[:unique], eui.<16 hex>, naa.<16|32 hex>).
 * The address comes from the network and ends up in the argv of
 * nbd-client and iscsiadm, so anything else is refused, with the reason.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/remote.h"

static bool export_char(char c)
{
	return isalnum((unsigned char)c) || strchr("._+=@:,-", c);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[n];
}

/* RFC 3720 section 3.2.6.3 formats; 0 or the reason. */
static const char *iscsi_name_error(const char *s)
{
	size_t n = strlen(s);

	if (!strncmp(s, "eui.", 4))
		return all_hex(s + 4, 16) ? NULL : "eui. name needs 16 hex digits";
	if (!strncmp(s, "naa.", 4))
		return (n == 20 || n == 36) && all_hex(s + 4, n - 4) ? NULL :
		       "naa. name needs 16 or 32 hex digits";
	if (strncmp(s, "iqn.", 4))
		return "target is not iqn./eui./naa.";
	/* iqn.YYYY-MM.authority */
	for (int i = 4; i < 11; i++)
		if (i == 8 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return "iqn. name needs a YYYY-MM date";
	if (s[11] != '.' || !isalnum((unsigned char)s[12]))
		return "iqn. name needs a naming authority after the date";
	for (const char *p = s + 12; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:", *p))
			return "iqn. name: only letters, digits and .-:";
	return NULL;
}

/* HOST:PORT at the start of @s; the rest in *@rest. 0 or the reason. */
static const char *parse_portal(const char *s, struct remote_addr *a, const char **rest)
{
	char host[INET6_ADDRSTRLEN + 2];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon;
	unsigned long port = 0;
	size_t n;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return "host: expected [IPv6]:PORT";
		n = (size_t)(end - s - 1);
		colon = end + 1;
		a->family = AF_INET6;
		s++;
	} else {
		size_t portal = strcspn(s, "/,");
		const char *second;

		colon = memchr(s, ':', portal);
		second = colon ? memchr(colon + 1, ':', portal - (size_t)(colon + 1 - s)) : NULL;
		if (second)
			return "host: an IPv6 address goes in brackets, [HOST]:PORT";
		if (!colon)
			return "expected HOST:PORT";
		n = (size_t)(colon - s);
		a->family = AF_INET;
	}
	if (!n || n >= sizeof(host))
		return "host is empty or too long";
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(a->family, host, bin) != 1)
		return a->family == AF_INET ? "host is not a numeric IPv4 address ([IPv6] in brackets)" :
					      "host is not an IPv6 address";
	inet_ntop(a->family, bin, a->host, sizeof(a->host));

	s = colon + 1;
	if (!isdigit((unsigned char)*s) || *s == '0')
		return "port is not a number 1..65535";
	while (isdigit((unsigned char)*s) && port <= 65535)
		port = port * 10 + (unsigned long)(*s++ - '0');
	if (port > 65535 || isdigit((unsigned char)*s))
		return "port is not a number 1..65535";
	a->port = (uint16_t)port;
	*rest = s;
	return NULL;
}

int remote_addr_parse(uint32_t transport, const char *address, struct remote_addr *out,
		      char *why, size_t why_len)
{
	const char *tr = transport == VVMP_TR_NBD ? "nbd" : "iscsi";
	const char *err = NULL, *rest = "";
	struct remote_addr a = { .transport = transport };

	if (transport != VVMP_TR_NBD && transport != VVMP_TR_ISCSI) {
		snprintf(why, why_len, "transport %u is not nbd or iscsi", transport);
		return -EINVAL;
	}
	if (strnlen(address, VVMP_ADDR_LEN) == VVMP_ADDR_LEN || !address[0])
		err = "empty or longer than 63 bytes";
	if (!err)
		err = parse_portal(address, &a, &rest);
	if (!err && transport == VVMP_TR_NBD) {
		if (*rest == '/') {
			size_t n = strlen(++rest);

			if (!n)
				err = "empty export name after '/'";
			else if (*rest == '-')
				err = "export name starts with '-'";
			for (size_t i = 0; !err && i < n; i++)
				if (!export_char(rest[i]))
					err = "export name: only letters, digits and ._+=@:,-";
			if (!err)
				snprintf(a.name, sizeof(a.name), "%s", rest);
		} else if (*rest) {
			err = "expected HOST:PORT[/EXPORT]";
		}
	} else if (!err) {
		if (*rest != ',' || !rest[1])
			err = "expected HOST:PORT,TARGET";
		else if (!(err = iscsi_name_error(rest + 1)))
			snprintf(a.name, sizeof(a.name), "%s", rest + 1);
	}
	if (err) {
		snprintf(why, why_len, "bad %s address: %s", tr, err);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

void remote_portal(const struct remote_addr *a, char *out, size_t len)
{
	snprintf(out, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a->host, a->port);
}

void remote_addr_str(const struct remote_addr *a, char *out, size_t len)
{
	char portal[INET6_ADDRSTRLEN + 8];

	remote_portal(a, portal, sizeof(portal));
	if (a->transport == VVMP_TR_NBD)
		snprintf(out, len, "nbd %s%s%s", portal, a->name[0] ? "/" : "", a->name);
	else
		snprintf(out, len, "iscsi %s,%s", portal, a->name);
}
