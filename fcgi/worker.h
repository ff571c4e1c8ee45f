/*
 * What every queue worker (prospea-mailer, -importer, -enricher) does
 * around its loop: stop cleanly on SIGTERM, SIGINT or SIGUSR1 (what
 * systemd and multiwatch send) after the job in flight, and sleep between
 * polls of an empty queue in a way a stop signal cuts short.
 */
#ifndef PROSPEA_WORKER_H
#define PROSPEA_WORKER_H

/* Installs the stop signals' handler and ignores SIGPIPE. */
void	worker_signals(void);

/* 1 once a stop signal arrived. */
int	worker_stopping(void);

/* Sleeps ms milliseconds, or less when a signal arrives. */
void	worker_sleep(long ms);

#endif
