// SPDX-License-Identifier: GPL-2.0
/*
 * Running the external tools of the remote-leg attach (nbd-client,
 * iscsiadm, modprobe): posix_spawnp with an argv, never a shell, so an
 * address from the network is one argument whatever it holds; bounded by a
 * timeout, after which the tool's process group is killed. The child gets
 * no descriptor of vvmpd's but stdin (/dev/null), stdout and stderr (a
 * pipe): nbd-client leaves a daemon behind, which must not keep vvmpd's
 * listening sockets open after vvmpd exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vvmp/proto.h>
#include "daemon/remote.h"
#include "proto/frame_io.h"

extern char **environ;

#define OUT_KEEP	2048		/* tail of the tool's output kept */

/* The last non-empty line of @buf (@n bytes) into @msg. */
static void last_line(const char *buf, size_t n, char *msg, size_t msg_len)
{
	size_t end = n, start;

	while (end && (buf[end - 1] == '\n' || buf[end - 1] == '\r' || buf[end - 1] == ' '))
		end--;
	start = end;
	while (start && buf[start - 1] != '\n')
		start--;
	if (msg_len)
		snprintf(msg, msg_len, "%.*s", (int)(end - start), buf + start);
}

static int spawn(const char *const argv[], int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int err;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* vvmpd blocks SIGTERM/SIGINT and ignores SIGPIPE: the tool must not inherit that. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	if (!err)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!err)
		err = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -err;
}

int remote_run(const char *const argv[], unsigned int timeout_ms, char *msg, size_t msg_len)
{
	uint64_t deadline = vvmp_now_ms() + timeout_ms;
	char out[OUT_KEEP];
	size_t n = 0;
	int fds[2], status = 0, err;
	bool timed_out = false;
	pid_t pid;

	if (msg_len)
		msg[0] = '\0';
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	err = spawn(argv, fds[1], &pid);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		if (err == -ENOENT && msg_len)
			snprintf(msg, msg_len, "%s is not installed", argv[0]);
		return err;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		uint64_t now = vvmp_now_ms();
		ssize_t r;

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			timed_out = true;
			break;
		}
		/* Wake up now and then: a daemon the tool left may hold the pipe open. */
		poll(&pfd, 1, deadline - now < 20 ? (int)(deadline - now) : 20);	/* fd -1: a sleep */
		if (fds[0] < 0)
			continue;
		r = read(fds[0], out + n, sizeof(out) - n);
		if (r == 0) {
			close(fds[0]);
			fds[0] = -1;
		} else if (r > 0) {
			n += (size_t)r;
			if (n == sizeof(out)) {	/* keep the tail */
				memmove(out, out + sizeof(out) / 2, sizeof(out) / 2);
				n = sizeof(out) / 2;
			}
		}
	}
	if (fds[0] >= 0) {
		ssize_t r = read(fds[0], out + n, sizeof(out) - n);

		if (r > 0)
			n += (size_t)r;
		close(fds[0]);
	}
	last_line(out, n, msg, msg_len);
	if (timed_out) {
		char said[REMOTE_MSG_LEN];

		snprintf(said, sizeof(said), "%s", msg_len ? msg : "");
		if (msg_len)
			snprintf(msg, msg_len, "no answer within %u ms%s%s", timeout_ms,
				 said[0] ? " after: " : "", said);
		return -ETIMEDOUT;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int remote_modprobe(const char *module, char *why, size_t why_len)
{
	const char *argv[] = { "modprobe", module, NULL };
	char path[64], msg[REMOTE_MSG_LEN];
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (!stat(path, &st))
		return 0;
	rc = remote_run(argv, 10000, msg, sizeof(msg));
	if (!rc)
		return 0;
	snprintf(why, why_len, "modprobe %s: %s", module, msg[0] ? msg : "failed");
	return rc < 0 ? rc : -EIO;
}
