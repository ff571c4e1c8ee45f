/*
 * Signals and idle sleeps of the queue workers (worker.h).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "secret.h"
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

int
worker_start(int argc, char *argv[], const char *prog, const char *db_user,
    struct conf *conf, int *once)
{
	enum log_level	 lvl;
	const char	*cfile = NULL;
	int		 i;

	*once = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cfile = argv[++i];
		else if (strcmp(argv[i], "--once") == 0)
			*once = 1;
		else {
			fprintf(stderr, "usage: %s [-c config-file] [--once]\n",
			    prog);
			return 2;
		}
	}
	if (conf_load(conf, cfile, db_user) == -1) {
		fprintf(stderr, "%s: configuration rejected, not starting\n",
		    prog);
		return 2;
	}
	log_level_parse(conf->log_level, &lvl);
	log_init(prog, lvl);
	if (secret_init(conf->master_key_file) == -1) {
		conf_free(conf);
		return 1;
	}
	return 0;
}
