/*
 * What every queue worker (prospea-mailer, -importer, -enricher) does
 * around its loop: stop cleanly on SIGTERM, SIGINT or SIGUSR1 (what
 * systemd and multiwatch send) after the job in flight, and sleep between
 * polls of an empty queue in a way a stop signal cuts short.
 */
#ifndef PROSPEA_WORKER_H
#define PROSPEA_WORKER_H

struct conf;

/*
 * The start of a queue worker's main(): options "-c FILE" and "--once"
 * (*once set), the configuration with db_user as the default account
 * (its strings owned by conf: conf_free() at the end), the log named
 * prog, the key ring (secret_init()). 0 when ready; otherwise the exit
 * status to return (2: bad usage or configuration, 1: no key), the
 * reason already printed.
 */
int	worker_start(int argc, char *argv[], const char *prog,
	    const char *db_user, struct conf *conf, int *once);

/* Installs the stop signals' handler and ignores SIGPIPE. */
void	worker_signals(void);

/* 1 once a stop signal arrived. */
int	worker_stopping(void);

/* Sleeps ms milliseconds, or less when a signal arrives. */
void	worker_sleep(long ms);

#endif
