/*
 * Logging as JSON lines on standard error. Each line is built in one buffer
 * and written with one write(2), so lines from concurrent children sharing
 * a pipe do not interleave.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "prospea";
static enum log_level	 log_min = LOGL_INFO;

static const char *const log_names[LOGL__MAX] = {
	[LOGL_DEBUG] = "debug",
	[LOGL_INFO] = "info",
	[LOGL_WARN] = "warn",
	[LOGL_ERR] = "err",
};

void
log_init(const char *prog, enum log_level min)
{
	log_prog = prog;
	log_min = min;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < LOGL__MAX; i++)
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

/*
 * Appends at most max bytes of s, JSON-escaped, to buf at *off. Callers
 * size buf for the worst case (6 bytes per input byte), so the line's
 * closing characters always fit and every line stays valid JSON; a cut
 * never splits a UTF-8 sequence.
 */
static void
log_esc(char *buf, size_t cap, size_t *off, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	  c;
	size_t		  n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (; n > 0 && *off + 7 < cap; s++, n--) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[(*off)++] = '\\';
			buf[(*off)++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			buf[(*off)++] = '\\';
			buf[(*off)++] = 'u';
			buf[(*off)++] = '0';
			buf[(*off)++] = '0';
			buf[(*off)++] = hex[c >> 4];
			buf[(*off)++] = hex[c & 15];
		} else
			buf[(*off)++] = (char)c;
	}
}

static void
log_put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*off >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n < cap - *off ? (size_t)n : cap - *off - 1;
}

static void
log_head(char *buf, size_t cap, size_t *off, enum log_level lvl)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	log_put(buf, cap, off, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"prog\":\"",
	    when, ts.tv_nsec / 1000000L, log_names[lvl]);
	log_esc(buf, cap, off, log_prog, 64);
	log_put(buf, cap, off, "\",\"pid\":%ld", (long)getpid());
}

static void
log_write(char *buf, size_t cap, size_t off)
{
	ssize_t	 n;
	size_t	 done = 0;

	if (off + 3 > cap)
		off = cap - 3;
	buf[off++] = '}';
	buf[off++] = '\n';
	while (done < off) {
		n = write(STDERR_FILENO, buf + done, off - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char	 buf[8192], text[1024];
	size_t	 off = 0;
	va_list	 ap;

	if (lvl < log_min || lvl >= LOGL__MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_head(buf, sizeof(buf), &off, lvl);
	log_put(buf, sizeof(buf), &off, ",\"msg\":\"");
	log_esc(buf, sizeof(buf), &off, text, sizeof(text));
	log_put(buf, sizeof(buf), &off, "\"");
	log_write(buf, sizeof(buf), off);
}

void
log_request(const char *req_id, const char *method, const char *route,
    int status, double ms, uint64_t user_id)
{
	char	 buf[4096];
	size_t	 off = 0;

	if (LOGL_INFO < log_min)
		return;
	/* Method and route are the client's or ours: both bounded. */
	log_head(buf, sizeof(buf), &off, LOGL_INFO);
	log_put(buf, sizeof(buf), &off, ",\"req\":\"");
	log_esc(buf, sizeof(buf), &off, req_id, 32);
	log_put(buf, sizeof(buf), &off, "\",\"method\":\"");
	log_esc(buf, sizeof(buf), &off, method, 16);
	log_put(buf, sizeof(buf), &off, "\",\"route\":\"");
	log_esc(buf, sizeof(buf), &off, route, 200);
	log_put(buf, sizeof(buf), &off,
	    "\",\"status\":%d,\"ms\":%.3f,\"user\":%llu",
	    status, ms, (unsigned long long)user_id);
	log_write(buf, sizeof(buf), off);
}
