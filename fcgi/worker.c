/*
 * Signals and idle sleeps of the queue workers (worker.h).
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "worker.h"

static volatile sig_atomic_t worker_stop;

static void
worker_on_signal(int sig)
{
	(void)sig;
	worker_stop = 1;
}

void
worker_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
worker_stopping(void)
{
	return worker_stop;
}

void
worker_sleep(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);	/* a signal cuts it short, as wanted */
}
