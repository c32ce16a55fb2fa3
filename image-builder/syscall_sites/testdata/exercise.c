/*
 * A glibc program that runs the system calls whose paths matter to the
 * syscall site rewriter: file I/O, threads (clone3/clone with a new stack,
 * futex), fork, vfork and wait, a signal handler (its rt_sigreturn must stay a raw
 * syscall), nanosleep. syscall_sites_test runs it on a rewritten libc and
 * expects "exercise: ok" and exit status 0.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static void *thread_main(void *arg)
{
	int *value = arg;
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
	*value += 1;
	return NULL;
}

static int fail(const char *what)
{
	fprintf(stderr, "exercise: %s failed\n", what);
	return 1;
}

int main(void)
{
	char buf[64];
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof buf) <= 0 || close(fd) != 0)
		return fail("file I/O");

	int values[4] = {0, 0, 0, 0};
	pthread_t threads[4];
	for (int i = 0; i < 4; i++)
		if (pthread_create(&threads[i], NULL, thread_main, &values[i]) != 0)
			return fail("pthread_create");
	for (int i = 0; i < 4; i++)
		if (pthread_join(threads[i], NULL) != 0 || values[i] != 1)
			return fail("pthread_join");

	pid_t child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0)
		_exit(7);
	int status = 0;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		return fail("waitpid");

	/* vfork shares the stack: its site must not have been rewritten. */
	child = vfork();
	if (child < 0)
		return fail("vfork");
	if (child == 0)
		_exit(3);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 3)
		return fail("waitpid after vfork");

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || raise(SIGUSR1) != 0 || got_signal != SIGUSR1)
		return fail("signal");

	if (getpid() <= 0)
		return fail("getpid");
	printf("exercise: ok\n");
	return 0;
}
