/*
 * Password hashing and policy. The common lists are kept in a sorted
 * array of lower-cased strings and searched with bsearch().
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "passwd.h"

#define PASSWD_SLOTS_MAX	64

static int			 passwd_slot_fd[PASSWD_SLOTS_MAX];
static size_t			 passwd_nslots;
static unsigned long long	 passwd_ops;
static size_t			 passwd_mem;
static char			 passwd_dummy[PASSWD_HASH_MAX];
static char			**passwd_list;
static size_t			 passwd_n, passwd_cap;

static char *
passwd_lower(const char *s, size_t n)
{
	char	*p;
	size_t	 i;

	if ((p = malloc(n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[n] = '\0';
	return p;
}

static int
passwd_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
passwd_load(const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0, n;
	ssize_t	 len;

	if ((f = fopen(path, "r")) == NULL) {
		log_err("common-password list %s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || strncmp(line, "#!", 2) == 0)
			continue;
		if (passwd_n == passwd_cap) {
			passwd_cap = passwd_cap == 0 ? 4096 : passwd_cap * 2;
			if ((passwd_list = realloc(passwd_list,
			    passwd_cap * sizeof(*passwd_list))) == NULL)
				abort();
		}
		passwd_list[passwd_n++] = passwd_lower(line, n);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Takes a free hashing slot: its index, or -1 when all are busy. */
static int
passwd_slot_take(void)
{
	size_t	 i;

	for (i = 0; i < passwd_nslots; i++)
		if (flock(passwd_slot_fd[i], LOCK_EX | LOCK_NB) == 0)
			return (int)i;
	return -1;
}

static void
passwd_slot_give(int i)
{
	if (i >= 0)
		flock(passwd_slot_fd[i], LOCK_UN);
}

int
passwd_init(const struct conf *c)
{
	char	 pw[32], path[4096];
	size_t	 i;

	for (i = 0; i < (size_t)c->hash_slots && i < PASSWD_SLOTS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/pwhash-%zu.lock", c->run_dir, i);
		if ((passwd_slot_fd[i] = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) == -1) {
			log_err("hashing slot %s: %s (run_dir must be writable)",
			    path, strerror(errno));
			return -1;
		}
		passwd_nslots = i + 1;
	}
	passwd_ops = (unsigned long long)c->pwhash_ops;
	passwd_mem = (size_t)c->pwhash_mem;
	for (i = 0; i < c->common_passwords_n; i++)
		if (passwd_load(c->common_passwords[i]) == -1)
			return -1;
	if (passwd_n > 0)
		qsort(passwd_list, passwd_n, sizeof(*passwd_list), passwd_cmp);
	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(passwd_dummy, pw, sizeof(pw), passwd_ops,
	    passwd_mem) != 0) {
		log_err("cannot hash a password with pwhash_mem=%zu bytes", passwd_mem);
		return -1;
	}
	log_info("%zu common passwords loaded", passwd_n);
	return 0;
}

int
passwd_hash(char out[PASSWD_HASH_MAX], const char *pw)
{
	int	 slot = -1, rc;

	if (passwd_nslots > 0 && (slot = passwd_slot_take()) == -1)
		return PASSWD_BUSY;
	rc = crypto_pwhash_str(out, pw, strlen(pw), passwd_ops, passwd_mem) ==
	    0 ? 0 : -1;
	passwd_slot_give(slot);
	return rc;
}

int
passwd_verify(const char *hash, const char *pw)
{
	int	 slot = -1, rc;

	if (passwd_nslots > 0 && (slot = passwd_slot_take()) == -1)
		return PASSWD_BUSY;
	if (hash == NULL) {
		/* Same work as a real check; its result is meaningless. */
		rc = crypto_pwhash_str_verify(passwd_dummy, pw, strlen(pw));
		(void)rc;
		rc = 0;
	} else
		rc = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	passwd_slot_give(slot);
	return rc;
}

int
passwd_stale(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, passwd_ops, passwd_mem) != 0;
}

const char *
passwd_weak(const char *pw, const char *email)
{
	char		*low, *key;
	const char	*at;
	int		 found;

	low = passwd_lower(pw, strlen(pw));
	key = low;
	found = passwd_n > 0 &&
	    bsearch(&key, passwd_list, passwd_n, sizeof(*passwd_list),
	    passwd_cmp) != NULL;
	if (!found && email != NULL) {
		at = strrchr(email, '@');
		if (strcasecmp(pw, email) == 0 || (at != NULL &&
		    (size_t)(at - email) == strlen(pw) &&
		    strncasecmp(pw, email, strlen(pw)) == 0)) {
			sodium_memzero(low, strlen(low));
			free(low);
			return "password_like_email";
		}
	}
	sodium_memzero(low, strlen(low));
	free(low);
	return found ? "common_password" : NULL;
}
