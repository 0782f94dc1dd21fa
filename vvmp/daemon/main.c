// SPDX-License-Identifier: GPL-2.0
/*
 * vvmpd: the storage manager. Options, then the repository, then the three
 * listeners (VVMP over TCP, units over UDP, the local control socket);
 * the main thread waits for SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/vvmp.h>
#include <vvmp/vvmpd.h>
#include "daemon/vvmpd_internal.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vvmpd [options]\n"
"  --db PATH              repository (default " VVMPD_DB_PATH ")\n"
"  --ctl PATH             control socket (default " VVMPD_CTL_PATH ")\n"
"  --tcp-port N           VVMP port (default %u; 0 = any free port)\n"
"  --udp-port N           unit discovery port (default %u; 0 = any)\n"
"  --bind ADDR            listen address, IPv6 syntax (default: all)\n"
"  --san-id N             this manager's SAN id (default 1)\n"
"  --server-id N          this manager's server id (default 1)\n"
"  --domain ID:NAME[:KEYHEX]  a storage domain, its HMAC key (repeatable;\n"
"                         default: domain 1 \"default\" without a key)\n"
"  --peer HOST:PORT       a peer manager for ANYWHERE requests (repeatable)\n"
"  --heartbeat-ms N       unit heartbeat interval (default 1000; timeout 3x)\n"
"  --grace-ms N           session lifetime without connection (default 30000)\n"
"  --register-max-ms N    longest REGISTER wait (default 60000)\n"
"  --udp-retry-ms N       first UDP retransmission (default 200, then doubling)\n"
"  --udp-attempts N       UDP attempts per request (default 6)\n"
"  --udp-loss PCT         drop PCT%% of received datagrams (testing)\n"
"  --seed N               seed of the simulated loss\n"
"  --ctl-uid UID          uid allowed on the control socket besides root\n"
"                         (default: vvmpd's own uid)\n"
"  --ready-file PATH      write \"tcp=N udp=M\" there once listening\n"
"  --kernel-poll-ms N     how often to look for the vvmp family and reloads\n"
"                         (default 1000)\n"
"  --no-kernel            no kernel hand-off (repository and VVMP only)\n"
"  --no-kernel-txn        push to the kernel command by command, without\n"
"                         transactions (as for a module without them)\n"
"  --hold-down-ms N       a VD whose push is incomplete this long gets the\n"
"                         hold-down action (default: policy hold_down_ms, else 30000)\n"
"  --hold-down-action enable|disable  (default: policy hold_down_action, else disable)\n"
"  --exc-timeout-ms N     how long the kernel holds a plan for vvmpd (default:\n"
"                         policy exc_timeout_ms, else 30000)\n"
"  --exc-on-timeout fail|hold  then: fail the I/O, or hold it on (default: policy\n"
"                         exc_on_timeout, else hold)\n"
"  --probe-ms N           probe a failed leg without a spare this often (default 5000)\n"
"  --eh-delay-ms N        keep each plan taken N ms before handling it (testing)\n"
"  -v, --verbose\n", VVMP_TCP_PORT, VVMP_UDP_PORT);
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno || end == s || *end || x > UINT32_MAX || s[0] == '-')
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int add_domain(struct vvmpd *d, const char *arg)
{
	char buf[256], *name, *key;
	struct vvmpd_domain *dom;
	uint32_t id;

	snprintf(buf, sizeof(buf), "%s", arg);
	name = strchr(buf, ':');
	if (!name || d->ndomains >= VVMPD_MAX_DOMAINS)
		return -1;
	*name++ = 0;
	key = strchr(name, ':');
	if (key)
		*key++ = 0;
	if (parse_u32(buf, &id) || !id || !name[0] || strlen(name) >= VVMP_NAME_LEN)
		return -1;
	dom = &d->domains[d->ndomains];
	memset(dom, 0, sizeof(*dom));
	dom->id = id;
	snprintf(dom->name, sizeof(dom->name), "%s", name);
	if (key && vvmp_key_from_hex(key, &dom->key))
		return -1;
	d->ndomains++;
	return 0;
}

static int add_peer(struct vvmpd *d, const char *arg)
{
	struct vvmpd_peer *p;
	const char *colon = strrchr(arg, ':');
	uint32_t port;

	if (!colon || d->npeers >= VVMPD_MAX_PEERS || parse_u32(colon + 1, &port) ||
	    !port || port > 65535 || (size_t)(colon - arg) >= sizeof(p->host) || colon == arg)
		return -1;
	p = &d->peers[d->npeers++];
	memset(p, 0, sizeof(*p));
	memcpy(p->host, arg, (size_t)(colon - arg));
	p->port = (uint16_t)port;
	pthread_mutex_init(&p->lock, NULL);
	return 0;
}

/* Hold-down options as given; the repository's policies fill in what is not. */
static const char *hold_down_ms, *hold_down_action;

static int parse_args(struct vvmpd *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", 1, 0, 'D' }, { "ctl", 1, 0, 'C' }, { "tcp-port", 1, 0, 'T' },
		{ "udp-port", 1, 0, 'U' }, { "bind", 1, 0, 'B' }, { "san-id", 1, 0, 'S' },
		{ "server-id", 1, 0, 'I' }, { "domain", 1, 0, 'd' }, { "peer", 1, 0, 'p' },
		{ "heartbeat-ms", 1, 0, 'H' }, { "grace-ms", 1, 0, 'G' },
		{ "register-max-ms", 1, 0, 'R' }, { "udp-retry-ms", 1, 0, 'r' },
		{ "udp-attempts", 1, 0, 'a' }, { "udp-loss", 1, 0, 'L' }, { "seed", 1, 0, 's' },
		{ "ctl-uid", 1, 0, 'u' }, { "ready-file", 1, 0, 'F' }, { "verbose", 0, 0, 'v' },
		{ "kernel-poll-ms", 1, 0, 'K' }, { "no-kernel", 0, 0, 'N' },
		{ "no-kernel-txn", 0, 0, 'X' },
		{ "hold-down-ms", 1, 0, 'o' }, { "hold-down-action", 1, 0, 'A' },
		{ "exc-timeout-ms", 1, 0, 'E' }, { "exc-on-timeout", 1, 0, 'O' },
		{ "probe-ms", 1, 0, 'P' }, { "eh-delay-ms", 1, 0, 'Y' },
		{ "help", 0, 0, 'h' }, { 0 },
	};
	struct vvmpd_config *c = &d->cfg;
	uint32_t v;
	int o;

	*c = (struct vvmpd_config){
		.db_path = VVMPD_DB_PATH, .ctl_path = VVMPD_CTL_PATH,
		.tcp_port = VVMP_TCP_PORT, .udp_port = VVMP_UDP_PORT, .san_id = 1,
		.server_id = 1, .heartbeat_ms = 1000, .session_grace_ms = 30000,
		.register_max_ms = 60000, .udp_retry_ms = 200, .udp_attempts = 6,
		.ctl_uid = getuid(), .kernel_poll_ms = 1000,
		.exc_on_timeout = -1, .probe_ms = VVMPD_PROBE_MS,
	};
	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		const char *a = optarg;

		switch (o) {
		case 'D': c->db_path = a; continue;
		case 'C': c->ctl_path = a; continue;
		case 'B': c->bind_addr = a; continue;
		case 'F': c->ready_file = a; continue;
		case 'v': c->verbose = 1; continue;
		case 'N': c->kernel_poll_ms = 0; continue;
		case 'X': c->no_kernel_txn = true; continue;
		case 'A':
			if (strcmp(a, "enable") && strcmp(a, "disable"))
				goto bad;
			hold_down_action = a;
			continue;
		case 'O':
			if (strcmp(a, "fail") && strcmp(a, "hold"))
				goto bad;
			c->exc_on_timeout = !strcmp(a, "hold") ? VVMP_EXC_TIMEOUT_HOLD :
								 VVMP_EXC_TIMEOUT_FAIL;
			continue;
		case 'h': usage(stdout); exit(0);
		case 'd':
			if (add_domain(d, a))
				goto bad;
			continue;
		case 'p':
			if (add_peer(d, a))
				goto bad;
			continue;
		case '?':
			usage(stderr);
			return -1;
		}
		if (parse_u32(a, &v))
			goto bad;
		switch (o) {
		case 'T': if (v > 65535) goto bad; c->tcp_port = (uint16_t)v; break;
		case 'U': if (v > 65535) goto bad; c->udp_port = (uint16_t)v; break;
		case 'S': if (!v) goto bad; c->san_id = v; break;
		case 'I': c->server_id = v; break;
		case 'H': if (!v) goto bad; c->heartbeat_ms = v; break;
		case 'G': c->session_grace_ms = v; break;
		case 'R': if (!v) goto bad; c->register_max_ms = v; break;
		case 'r': if (!v || v > 60000) goto bad; c->udp_retry_ms = v; break;
		case 'a': if (!v || v > 20) goto bad; c->udp_attempts = (int)v; break;
		case 'L': if (v > 100) goto bad; c->udp_loss_pct = (int)v; break;
		case 's': c->loss_seed = v; break;
		case 'u': c->ctl_uid = v; break;
		case 'K': if (!v) goto bad; c->kernel_poll_ms = v; break;
		case 'o': hold_down_ms = a; break;
		case 'E':
			if (!v || v > VVMP_EXC_TIMEOUT_MS_MAX) goto bad;
			c->exc_timeout_ms = v;
			break;
		case 'P': if (!v) goto bad; c->probe_ms = v; break;
		case 'Y': c->eh_delay_ms = v; break;
		}
		continue;
bad:
		for (int i = 0; opts[i].name; i++)
			if (opts[i].val == o)
				fprintf(stderr, "vvmpd: invalid value for --%s: '%s'\n",
					opts[i].name, a);
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "vvmpd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!d->ndomains)
		add_domain(d, "1:default");
	return 0;
}

/* Domains are configuration; the repository mirrors them for its foreign keys. */
static int store_domains(struct vvmpd *d)
{
	for (int i = 0; i < d->ndomains; i++) {
		struct vvmp_repo_domain rd = { .id = d->domains[i].id };

		snprintf(rd.name, sizeof(rd.name), "%s", d->domains[i].name);
		rd.key_len = (uint32_t)d->domains[i].key.len;
		memcpy(rd.key, d->domains[i].key.bytes, rd.key_len);
		if (vvmp_repo_domain_put(d->repo, &rd)) {
			vvmpd_log("domain %u: %s", rd.id, vvmp_repo_errmsg(d->repo));
			return -1;
		}
	}
	return 0;
}

/* Option, else policy hold_down_ms / hold_down_action, else 30 s and disable. */
static int hold_down_config(struct vvmpd *d)
{
	char ms[32] = "30000", action[16] = "disable";

	if (hold_down_ms)
		snprintf(ms, sizeof(ms), "%s", hold_down_ms);
	else
		vvmp_repo_policy_get(d->repo, "hold_down_ms", ms, sizeof(ms));
	if (hold_down_action)
		snprintf(action, sizeof(action), "%s", hold_down_action);
	else
		vvmp_repo_policy_get(d->repo, "hold_down_action", action, sizeof(action));
	if (parse_u32(ms, &d->cfg.hold_down_ms) ||
	    (strcmp(action, "enable") && strcmp(action, "disable"))) {
		vvmpd_log("invalid hold-down policy: %s ms, action '%s'", ms, action);
		return -1;
	}
	d->cfg.hold_down_enable = !strcmp(action, "enable");
	return 0;
}

/* Agent-driven units are down until they announce themselves again. */
static void units_reset(struct vvmpd *d)
{
	struct vvmp_repo_unit *units = NULL;
	size_t n = 0;

	vvmp_repo_unit_list(d->repo, &units, &n);
	for (size_t i = 0; i < n; i++)
		if (!units[i].is_static && units[i].state == VVMP_UNIT_UP)
			vvmp_repo_unit_set_state(d->repo, units[i].id, VVMP_UNIT_DOWN);
	free(units);
}

static int write_ready(struct vvmpd *d)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg.ready_file);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "tcp=%u udp=%u\n", d->tcp_port_bound, d->udp_port_bound);
	if (fclose(f) || rename(tmp, d->cfg.ready_file))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct vvmpd d;
	sigset_t set;
	int sig, err;

	if (parse_args(&d, argc, argv))
		return 2;
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.pool_changed, NULL);
	if (getrandom(&d.boot_id, sizeof(d.boot_id), 0) != sizeof(d.boot_id))
		d.boot_id = (uint32_t)getpid() ^ (uint32_t)vvmp_now_ms();
	d.tcp_fd = d.udp_fd = d.ctl_fd = -1;
	vvmpd_auth_init(&d);

	/* Signals are taken by sigwait below, never by the worker threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = vvmp_repo_open(d.cfg.db_path, &d.repo);
	if (err) {
		vvmpd_log("cannot open repository %s: %s", d.cfg.db_path, strerror(-err));
		return 1;
	}
	if (store_domains(&d) || hold_down_config(&d) || vvmpd_eh_config(&d))
		return 1;
	units_reset(&d);
	vvmpd_sessions_load(&d);
	err = vvmpd_ap_start(&d);
	if (!err)
		err = vvmpd_eh_start(&d);	/* after the push: VDs first, then their plans */
	if (err) {
		vvmpd_log("cannot start the kernel hand-off: %s", strerror(-err));
		return 1;
	}

	if ((err = vvmpd_tcp_start(&d)) || (err = vvmpd_udp_start(&d)) ||
	    (err = vvmpd_ctl_start(&d))) {
		vvmpd_log("cannot listen: %s", strerror(-err));
		return 1;
	}
	vvmpd_log("SAN %u: VVMP on tcp/%u, units on udp/%u, control %s, %d domain(s), %d peer(s)",
		  d.cfg.san_id, d.tcp_port_bound, d.udp_port_bound, d.cfg.ctl_path,
		  d.ndomains, d.npeers);
	if (d.cfg.ready_file && write_ready(&d)) {
		vvmpd_log("cannot write %s", d.cfg.ready_file);
		return 1;
	}
	sigwait(&set, &sig);
	vvmpd_log("signal %d: stopping", sig);
	pthread_mutex_lock(&d.lock);
	d.stopping = 1;
	vvmpd_remote_shutdown(&d);	/* detach what this run attached and no VD uses */
	pthread_cond_broadcast(&d.pool_changed);
	/* Sessions survive in the repository; clients resume them after a restart. */
	for (size_t i = 0; i < d.nsessions; i++)
		vvmp_repo_session_count(d.repo, d.sessions[i].id, (uint32_t)d.sessions[i].requests,
					(uint32_t)d.sessions[i].errors,
					(uint32_t)d.sessions[i].queries);
	unlink(d.cfg.ctl_path);
	vvmp_repo_close(d.repo);
	/* Worker threads still hold d.lock-protected pointers: leave without unlocking. */
	_exit(0);
}
