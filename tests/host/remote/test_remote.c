// SPDX-License-Identifier: GPL-2.0
/*
 * Remote volumes on the host (Documentation/vvmpd.rst "Remote volumes"):
 * which NBD and iSCSI addresses vvmpd accepts and why it refuses the
 * others, how it recognises its own nbd-client among running processes,
 * and that the tools it runs get an argv (no shell), no descriptor of
 * vvmpd's, default signals, and are killed at their timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/remote.h"
#include "proto/frame_io.h"
#include "../proto/tap.h"

static char why[96];

static int parse(uint32_t tr, const char *address, struct remote_addr *a)
{
	why[0] = '\0';
	return remote_addr_parse(tr, address, a, why, sizeof(why));
}

/* @address is refused with exactly @reason. */
static int refused(uint32_t tr, const char *address, const char *reason)
{
	struct remote_addr a;
	int err = parse(tr, address, &a);

	if (err != -EINVAL || strcmp(why, reason)) {
		fprintf(stderr, "  '%s': %d '%s', expected -EINVAL '%s'\n", address, err, why,
			reason);
		return 1;
	}
	return 0;
}

/* ---- NBD addresses --------------------------------------------------------- */

static int nbd_address_with_export(void)
{
	struct remote_addr a;
	char s[128];

	CHECK_EQ(parse(VVMP_TR_NBD, "192.0.2.30:10809/shelf3-a", &a), 0);
	CHECK_EQ(a.transport, VVMP_TR_NBD);
	CHECK_EQ(a.family, AF_INET);
	CHECK(!strcmp(a.host, "192.0.2.30"));
	CHECK_EQ(a.port, 10809);
	CHECK(!strcmp(a.name, "shelf3-a"));
	remote_portal(&a, s, sizeof(s));
	CHECK(!strcmp(s, "192.0.2.30:10809"));
	remote_addr_str(&a, s, sizeof(s));
	CHECK(!strcmp(s, "nbd 192.0.2.30:10809/shelf3-a"));
	return 0;
}

static int nbd_address_without_export(void)
{
	struct remote_addr a;
	char s[128];

	CHECK_EQ(parse(VVMP_TR_NBD, "127.0.0.1:1", &a), 0);
	CHECK_EQ(a.port, 1);
	CHECK(!strcmp(a.name, ""));
	remote_addr_str(&a, s, sizeof(s));
	CHECK(!strcmp(s, "nbd 127.0.0.1:1"));
	CHECK_EQ(parse(VVMP_TR_NBD, "127.0.0.1:65535/A.b_c+d=e@f:g,h-i", &a), 0);
	CHECK_EQ(a.port, 65535);
	CHECK(!strcmp(a.name, "A.b_c+d=e@f:g,h-i"));
	return 0;
}

static int ipv6_host_is_bracketed_and_canonical(void)
{
	struct remote_addr a;
	char s[128];

	CHECK_EQ(parse(VVMP_TR_NBD, "[0:0:0:0:0:0:0:1]:10809/x", &a), 0);
	CHECK_EQ(a.family, AF_INET6);
	CHECK(!strcmp(a.host, "::1"));
	remote_portal(&a, s, sizeof(s));
	CHECK(!strcmp(s, "[::1]:10809"));
	return refused(VVMP_TR_NBD, "::1:10809", "bad nbd address: host: an IPv6 address goes "
		       "in brackets, [HOST]:PORT") ||
	       refused(VVMP_TR_ISCSI, "2001:db8::1:3260,iqn.2024-01.org.x:t", "bad iscsi "
		       "address: host: an IPv6 address goes in brackets, [HOST]:PORT") ||
	       refused(VVMP_TR_NBD, "[::1]10809", "bad nbd address: host: expected [IPv6]:PORT") ||
	       refused(VVMP_TR_NBD, "[fe80::1%eth0]:10809", "bad nbd address: host is not an "
		       "IPv6 address");
}

static int host_must_be_numeric(void)
{
	const char *r = "bad nbd address: host is not a numeric IPv4 address ([IPv6] in brackets)";

	return refused(VVMP_TR_NBD, "shelf3.example:10809", r) ||
	       refused(VVMP_TR_NBD, "1.2.3:10809", r) ||
	       refused(VVMP_TR_NBD, "1.2.3.4.5:10809", r) ||
	       refused(VVMP_TR_NBD, "256.1.1.1:10809", r) ||
	       refused(VVMP_TR_NBD, "-o:10809", r) ||
	       refused(VVMP_TR_NBD, ":10809", "bad nbd address: host is empty or too long") ||
	       refused(VVMP_TR_NBD, "127.0.0.1", "bad nbd address: expected HOST:PORT");
}

static int port_must_be_1_to_65535(void)
{
	const char *r = "bad nbd address: port is not a number 1..65535";

	return refused(VVMP_TR_NBD, "127.0.0.1:0", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:65536", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:010809", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:+1", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:99999999999999999999", r);
}

static int export_name_is_restricted(void)
{
	const char *r = "bad nbd address: export name: only letters, digits and ._+=@:,-";

	return refused(VVMP_TR_NBD, "127.0.0.1:10809/vol1;reboot", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/a b", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/$(id)", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/a/b", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/x\n", r) ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/-d", "bad nbd address: export name "
		       "starts with '-'") ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809/", "bad nbd address: empty export name "
		       "after '/'") ||
	       refused(VVMP_TR_NBD, "127.0.0.1:10809,iqn.2024-01.org.x:t", "bad nbd address: "
		       "expected HOST:PORT[/EXPORT]");
}

static int address_length_is_bounded(void)
{
	char longer[80];
	struct remote_addr a;

	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "127.0.0.1:10809/", 16);
	CHECK_EQ(parse(VVMP_TR_NBD, longer, &a), -EINVAL);
	CHECK(!strcmp(why, "bad nbd address: empty or longer than 63 bytes"));
	longer[VVMP_ADDR_LEN - 1] = '\0';	/* 63 bytes: fits */
	CHECK_EQ(parse(VVMP_TR_NBD, longer, &a), 0);
	CHECK_EQ(strlen(a.name), VVMP_ADDR_LEN - 1 - 16);
	return refused(VVMP_TR_NBD, "", "bad nbd address: empty or longer than 63 bytes");
}

static int local_transport_is_not_remote(void)
{
	struct remote_addr a;

	CHECK_EQ(parse(VVMP_TR_LOCAL, "/dev/ram0", &a), -EINVAL);
	CHECK(!strcmp(why, "transport 1 is not nbd or iscsi"));
	return 0;
}

/* ---- iSCSI addresses ----------------------------------------------------------- */

static int iscsi_address_iqn_eui_naa(void)
{
	struct remote_addr a;
	char s[128];

	CHECK_EQ(parse(VVMP_TR_ISCSI, "192.0.2.30:3260,iqn.2024-01.org.example:shelf3", &a), 0);
	CHECK_EQ(a.transport, VVMP_TR_ISCSI);
	CHECK(!strcmp(a.host, "192.0.2.30"));
	CHECK_EQ(a.port, 3260);
	CHECK(!strcmp(a.name, "iqn.2024-01.org.example:shelf3"));
	remote_addr_str(&a, s, sizeof(s));
	CHECK(!strcmp(s, "iscsi 192.0.2.30:3260,iqn.2024-01.org.example:shelf3"));
	CHECK_EQ(parse(VVMP_TR_ISCSI, "[::1]:3260,iqn.2003-01.org.linux-iscsi.x", &a), 0);
	CHECK(!strcmp(a.host, "::1"));
	CHECK_EQ(parse(VVMP_TR_ISCSI, "10.0.0.1:3260,eui.02004567A425678D", &a), 0);
	CHECK_EQ(parse(VVMP_TR_ISCSI, "10.0.0.1:3260,naa.52004567BA64678D", &a), 0);
	CHECK_EQ(parse(VVMP_TR_ISCSI, "10.0.0.1:3260,naa.52004567BA64678D52004567BA64678D", &a),
		 0);
	return 0;
}

static int iscsi_target_must_be_an_iscsi_name(void)
{
	return refused(VVMP_TR_ISCSI, "127.0.0.1:3260", "bad iscsi address: expected "
		       "HOST:PORT,TARGET") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,", "bad iscsi address: expected "
		       "HOST:PORT,TARGET") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260/iqn.2024-01.org.x", "bad iscsi address: "
		       "expected HOST:PORT,TARGET") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,target1", "bad iscsi address: target is "
		       "not iqn./eui./naa.") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,iqn.24-01.org.x", "bad iscsi address: "
		       "iqn. name needs a YYYY-MM date") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,iqn.2024-01", "bad iscsi address: "
		       "iqn. name needs a naming authority after the date") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,iqn.2024-01.org.x:a;b", "bad iscsi "
		       "address: iqn. name: only letters, digits and .-:") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,iqn.2024-01.org.x:a b", "bad iscsi "
		       "address: iqn. name: only letters, digits and .-:") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,eui.0200", "bad iscsi address: eui. "
		       "name needs 16 hex digits") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:3260,naa.52004567BA64678G", "bad iscsi "
		       "address: naa. name needs 16 or 32 hex digits") ||
	       refused(VVMP_TR_ISCSI, "127.0.0.1:0,iqn.2024-01.org.x", "bad iscsi address: "
		       "port is not a number 1..65535");
}

/* ---- the nbd-client command line ------------------------------------------------- */

#define CMDLINE(s) s, sizeof(s)		/* with its final NUL */

static int nbd_cmdline_recognises_vvmpds_own(void)
{
	struct remote_addr a, other;

	CHECK_EQ(parse(VVMP_TR_NBD, "127.0.0.1:10809/vol1", &a), 0);
	CHECK(remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0\0-N\0vol1"), "/dev/nbd0", &a));
	/* Other spellings of the same connection. */
	CHECK(remote_nbd_cmdline_matches(CMDLINE("/usr/sbin/nbd-client\0-name\0vol1\0"
				"127.0.0.1\0" "10809\0/dev/nbd0"), "/dev/nbd0", &a));
	CHECK(remote_nbd_cmdline_matches(CMDLINE("nbd-client\0--name=vol1\0-b\0" "4096\0"
				"127.0.0.1\0" "10809\0/dev/nbd0"), "/dev/nbd0", &a));
	CHECK_EQ(parse(VVMP_TR_NBD, "127.0.0.1:10809", &other), 0);
	CHECK(remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0/dev/nbd0"),
					 "/dev/nbd0", &other));
	return 0;
}

static int nbd_cmdline_rejects_other_connections(void)
{
	struct remote_addr a, v6;

	CHECK_EQ(parse(VVMP_TR_NBD, "127.0.0.1:10809/vol1", &a), 0);
	/* another device, export, port, host, program; no export */
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd1\0-N\0vol1"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0\0-N\0vol2"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0" "10810\0"
				"/dev/nbd0\0-N\0vol1"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.2\0" "10809\0"
				"/dev/nbd0\0-N\0vol1"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("bash\0-L\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0\0-N\0vol1"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0"), "/dev/nbd0", &a));
	/* -N without its value, a cut-short cmdline, too many positionals */
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0\0-N"), "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches("nbd-client\0-L\0" "127.0.0.1", 22, "/dev/nbd0", &a));
	CHECK(!remote_nbd_cmdline_matches(CMDLINE("nbd-client\0" "127.0.0.1\0" "10809\0"
				"/dev/nbd0\0x\0-N\0vol1"), "/dev/nbd0", &a));
	/* IPv6 compared as addresses */
	CHECK_EQ(parse(VVMP_TR_NBD, "[::1]:10809/vol1", &v6), 0);
	CHECK(remote_nbd_cmdline_matches(CMDLINE("nbd-client\0-L\0" "0::1\0" "10809\0"
				"/dev/nbd0\0-N\0vol1"), "/dev/nbd0", &v6));
	return 0;
}

/* ---- the tool runner ----------------------------------------------------------------- */

static int run_passes_an_argv_not_a_shell_line(void)
{
	const char *argv[] = { "echo", "a;b $(id) `id` && rm -rf /nonexistent", NULL };
	char msg[REMOTE_MSG_LEN];

	CHECK_EQ(remote_run(argv, 5000, msg, sizeof(msg)), 0);
	CHECK(!strcmp(msg, "a;b $(id) `id` && rm -rf /nonexistent"));
	return 0;
}

static int run_reports_exit_status_and_last_line(void)
{
	const char *argv[] = { "sh", "-c", "echo one; echo two >&2; echo; exit 3", NULL };
	char msg[REMOTE_MSG_LEN];

	CHECK_EQ(remote_run(argv, 5000, msg, sizeof(msg)), 3);
	CHECK(!strcmp(msg, "two"));
	return 0;
}

static int run_kills_a_tool_at_its_timeout(void)
{
	const char *argv[] = { "sleep", "10", NULL };
	char msg[REMOTE_MSG_LEN];
	uint64_t t0 = vvmp_now_ms();

	CHECK_EQ(remote_run(argv, 200, msg, sizeof(msg)), -ETIMEDOUT);
	CHECK(vvmp_now_ms() - t0 < 2000);
	CHECK(!strcmp(msg, "no answer within 200 ms"));
	return 0;
}

static int run_timeout_says_what_the_tool_said_last(void)
{
	const char *argv[] = { "sh", "-c", "echo connecting; exec sleep 10", NULL };
	char msg[REMOTE_MSG_LEN];

	CHECK_EQ(remote_run(argv, 500, msg, sizeof(msg)), -ETIMEDOUT);
	CHECK(!strcmp(msg, "no answer within 500 ms after: connecting"));
	return 0;
}

static int modprobe_skips_a_loaded_module(void)
{
	char why[96] = "";

	/* /sys/module/kernel always exists: nothing is run (no modprobe on the host). */
	CHECK_EQ(remote_modprobe("kernel", why, sizeof(why)), 0);
	CHECK(!strcmp(why, ""));
	return 0;
}

static int run_reports_a_missing_tool(void)
{
	const char *argv[] = { "vvmp-no-such-tool", NULL };
	char msg[REMOTE_MSG_LEN];

	CHECK_EQ(remote_run(argv, 1000, msg, sizeof(msg)), -ENOENT);
	CHECK(!strcmp(msg, "vvmp-no-such-tool is not installed"));
	return 0;
}

static int run_gives_no_descriptor_and_default_signals(void)
{
	const char *argv[] = {
		"sh", "-c", "if test -e /proc/$$/fd/57; then echo leaked; "
		"else exec grep SigBlk /proc/self/status; fi",
		NULL,
	};
	char msg[REMOTE_MSG_LEN];
	sigset_t set, old;
	int fd = open("/dev/null", O_RDONLY);

	/* Like vvmpd: a descriptor without O_CLOEXEC, SIGTERM blocked. */
	CHECK(fd >= 0 && dup2(fd, 57) == 57);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	CHECK_EQ(remote_run(argv, 5000, msg, sizeof(msg)), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(57);
	close(fd);
	CHECK(!strcmp(msg, "SigBlk:\t0000000000000000"));
	return 0;
}

int main(void)
{
	RUN(nbd_address_with_export);
	RUN(nbd_address_without_export);
	RUN(ipv6_host_is_bracketed_and_canonical);
	RUN(host_must_be_numeric);
	RUN(port_must_be_1_to_65535);
	RUN(export_name_is_restricted);
	RUN(address_length_is_bounded);
	RUN(local_transport_is_not_remote);
	RUN(iscsi_address_iqn_eui_naa);
	RUN(iscsi_target_must_be_an_iscsi_name);
	RUN(nbd_cmdline_recognises_vvmpds_own);
	RUN(nbd_cmdline_rejects_other_connections);
	RUN(run_passes_an_argv_not_a_shell_line);
	RUN(run_reports_exit_status_and_last_line);
	RUN(run_kills_a_tool_at_its_timeout);
	RUN(run_timeout_says_what_the_tool_said_last);
	RUN(modprobe_skips_a_loaded_module);
	RUN(run_reports_a_missing_tool);
	RUN(run_gives_no_descriptor_and_default_signals);
	return tap_summary();
}
