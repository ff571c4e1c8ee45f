/*
 * prospea-migrate: brings the database to the schema in sql/.
 *
 *  1. creates the database (utf8mb4) if it does not exist;
 *  2. runs every sql/migrations/NNNN_name.sql not yet recorded in
 *     schema_migration, in name order, recording each with its SHA-256;
 *     refuses to go on if a migration that already ran has changed
 *     (a changed old migration would leave databases that disagree);
 *  3. applies sql/grants.sql (one least-privilege account per program);
 *  4. with --passwords DIR, sets each account's password from DIR/<account>.
 *  5. fills what a migration asked of C code: prospect.search_text of
 *     rows written before sql/migrations/0003 (pnorm_search_text());
 *     with --backfill-only, that alone.
 *  6. with --grant-admin EMAIL or --revoke-admin EMAIL, that alone: gives
 *     or takes role admin of the open account with that address, and
 *     records it in the audit trail the user sees (admin_audit, action
 *     role_granted / role_revoked, admin_id 0: an operator at the
 *     server). No API route can make an admin: only someone who may run
 *     this tool as the database's administrator. The admin routes also
 *     need TOTP on the account (fcgi/app.c).
 *
 * It connects as an administrative account (default: the unix user's
 * namesake through the unix_socket plugin, as mariadb-install-db creates
 * it), never as a handler's account.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>
#include <sodium.h>

#include "conf.h"
#include "email.h"
#include "log.h"
#include "pnorm.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/prospea"
#endif

/* The tool's own statements; %s is a name checked against [A-Za-z0-9_]. */
static const char sql_create_db[] =
    "CREATE DATABASE IF NOT EXISTS `%s` "
    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
static const char sql_create_log[] =
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    "name VARCHAR(255) CHARACTER SET ascii NOT NULL PRIMARY KEY, "
    "sha256 CHAR(64) CHARACTER SET ascii NOT NULL, "
    "applied_at DATETIME(3) NOT NULL) ENGINE=InnoDB";
static const char sql_select_log[] =
    "SELECT sha256 FROM schema_migration WHERE name = ?";
static const char sql_insert_log[] =
    "INSERT INTO schema_migration (name, sha256, applied_at) "
    "VALUES (?, ?, UTC_TIMESTAMP(3))";
static const char sql_utc[] = "SET time_zone = '+00:00'";
/* The search text backfill; %llu: the last id done, the tool's own number. */
static const char sql_backfill_select[] =
    "SELECT id, name, city, category, email, postal_code FROM prospect "
    "WHERE id > %llu AND search_text IS NULL ORDER BY id LIMIT 1000 "
    "FOR UPDATE";
static const char sql_backfill_update[] =
    "UPDATE prospect SET search_text = ? WHERE id = ?";
static const char sql_begin[] = "START TRANSACTION";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
/* --grant-admin / --revoke-admin: ? = role, email key; then the audit row. */
static const char sql_role_set[] =
    "UPDATE user_account SET role = ?, updated_at = UTC_TIMESTAMP(3) "
    "WHERE email_key = ? AND status = 'active'";
static const char sql_role_audit[] =
    "INSERT INTO admin_audit (admin_id, target_user_id, action, reason, "
    "detail, ip, user_agent, created_at) SELECT 0, id, ?, '', ?, '', "
    "'prospea-migrate', UTC_TIMESTAMP(3) FROM user_account "
    "WHERE email_key = ? AND status = 'active'";
static const char sql_password[] =
    "ALTER USER '%s'@'localhost' IDENTIFIED VIA unix_socket "
    "OR mysql_native_password USING PASSWORD('%s')";

static int
migrate_name_ok(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static char *
migrate_slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Runs a script of several statements; prints the failing one's error. */
static int
migrate_script(MYSQL *my, const char *name, const char *sql, size_t len)
{
	MYSQL_RES	*res;
	int		 st;

	if (mysql_real_query(my, sql, len) != 0) {
		fprintf(stderr, "prospea-migrate: %s: %s\n", name, mysql_error(my));
		return -1;
	}
	do {
		if ((res = mysql_store_result(my)) != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(my) != 0) {
			fprintf(stderr, "prospea-migrate: %s: %s\n", name,
			    mysql_error(my));
			return -1;
		}
		st = mysql_next_result(my);
		if (st > 0) {
			fprintf(stderr, "prospea-migrate: %s: %s\n", name,
			    mysql_error(my));
			return -1;
		}
	} while (st == 0);
	return 0;
}

static int
migrate_exec(MYSQL *my, const char *sql)
{
	if (mysql_query(my, sql) != 0) {
		fprintf(stderr, "prospea-migrate: %s\n", mysql_error(my));
		return -1;
	}
	return 0;
}

/* The recorded checksum of name into out (65 bytes): 1 found, 0 not, -1 error. */
static int
migrate_recorded(MYSQL *my, const char *name, char out[65])
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 p, r;
	unsigned long	 plen = strlen(name), rlen = 0;
	int		 rc;

	if ((st = mysql_stmt_init(my)) == NULL)
		abort();
	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	p.buffer_type = MYSQL_TYPE_STRING;
	p.buffer = (void *)name;
	p.buffer_length = plen;
	r.buffer_type = MYSQL_TYPE_STRING;
	r.buffer = out;
	r.buffer_length = 65;
	r.length = &rlen;
	if (mysql_stmt_prepare(st, sql_select_log, strlen(sql_select_log)) ||
	    mysql_stmt_bind_param(st, &p) || mysql_stmt_execute(st) ||
	    mysql_stmt_bind_result(st, &r)) {
		fprintf(stderr, "prospea-migrate: %s\n", mysql_stmt_error(st));
		mysql_stmt_close(st);
		return -1;
	}
	rc = mysql_stmt_fetch(st);
	mysql_stmt_close(st);
	if (rc == MYSQL_NO_DATA)
		return 0;
	if (rc != 0 || rlen != 64)
		return -1;
	out[64] = '\0';
	return 1;
}

static int
migrate_record(MYSQL *my, const char *name, const char *sum)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 p[2];
	int		 rc = 0;

	if ((st = mysql_stmt_init(my)) == NULL)
		abort();
	memset(p, 0, sizeof(p));
	p[0].buffer_type = p[1].buffer_type = MYSQL_TYPE_STRING;
	p[0].buffer = (void *)name;
	p[0].buffer_length = strlen(name);
	p[1].buffer = (void *)sum;
	p[1].buffer_length = strlen(sum);
	if (mysql_stmt_prepare(st, sql_insert_log, strlen(sql_insert_log)) ||
	    mysql_stmt_bind_param(st, p) || mysql_stmt_execute(st)) {
		fprintf(stderr, "prospea-migrate: %s\n", mysql_stmt_error(st));
		rc = -1;
	}
	mysql_stmt_close(st);
	return rc;
}

static int
migrate_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
migrate_run(MYSQL *my, const char *dir, int dry)
{
	DIR		*d;
	struct dirent	*e;
	char		*names[1024], path[4096], sum[65], have[65], *sql;
	unsigned char	 h[crypto_hash_sha256_BYTES];
	size_t		 n = 0, i, len;
	int		 rc = 0, found, ran = 0;

	snprintf(path, sizeof(path), "%s/migrations", dir);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "prospea-migrate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL && n < 1024) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 &&
		    isdigit((unsigned char)e->d_name[0]))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), migrate_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/migrations/%s", dir, names[i]);
		if ((sql = migrate_slurp(path, &len)) == NULL) {
			fprintf(stderr, "prospea-migrate: %s: %s\n", path,
			    strerror(errno));
			rc = -1;
			break;
		}
		crypto_hash_sha256(h, (unsigned char *)sql, len);
		sodium_bin2hex(sum, sizeof(sum), h, sizeof(h));
		found = migrate_recorded(my, names[i], have);
		if (found == -1)
			rc = -1;
		else if (found == 1 && strcmp(have, sum) != 0) {
			fprintf(stderr, "prospea-migrate: %s changed after it ran "
			    "(recorded %.12s…, now %.12s…): old migrations are "
			    "never edited; add a new one instead\n", names[i],
			    have, sum);
			rc = -1;
		} else if (found == 0) {
			printf("%s %s\n", dry ? "would apply" : "applying", names[i]);
			if (!dry && (migrate_script(my, names[i], sql, len) == -1 ||
			    migrate_record(my, names[i], sum) == -1))
				rc = -1;
			ran++;
		}
		free(sql);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (rc == 0 && ran == 0)
		printf("schema up to date (%zu migrations)\n", n);
	return rc;
}

static int
migrate_passwords(MYSQL *my, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[4096], sql[512], *pw;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "prospea-migrate: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (!migrate_name_ok(e->d_name, 64)) {
			fprintf(stderr, "prospea-migrate: %s/%s: not an account name\n",
			    dir, e->d_name);
			rc = -1;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((pw = conf_read_secret(path)) == NULL ||
		    strlen(pw) < 16 || strlen(pw) > 128 ||
		    strspn(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_.") != strlen(pw)) {
			/* Quoted into DDL below: only a safe alphabet is allowed. */
			fprintf(stderr, "prospea-migrate: %s: expected 16 to 128 "
			    "characters of [A-Za-z0-9._-]\n", path);
			rc = -1;
		} else {
			snprintf(sql, sizeof(sql), sql_password, e->d_name, pw);
			if (migrate_exec(my, sql) == -1)
				rc = -1;
			sodium_memzero(sql, sizeof(sql));
		}
		if (pw != NULL) {
			sodium_memzero(pw, strlen(pw));
			free(pw);
		}
	}
	closedir(d);
	return rc;
}

/*
 * Writes prospect.search_text where it is NULL (rows from before
 * sql/migrations/0003), with the folding the programs use, 1000 rows a
 * transaction, so a big table never holds one long transaction. Safe to
 * run again or alongside the programs (they always write the column).
 * 0, or -1 with the reason on standard error.
 */
static int
migrate_search_backfill(MYSQL *my)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 b[2];
	MYSQL_RES	*res;
	MYSQL_ROW	 row;
	char		 text[PNORM_SEARCH_MAX + 1], sql[sizeof(sql_backfill_select) + 20];
	const char	*parts[5];
	unsigned long	 tlen;
	unsigned long long id = 0, total = 0;
	size_t		 n;
	int		 rc = -1;

	if ((st = mysql_stmt_init(my)) == NULL ||
	    mysql_stmt_prepare(st, sql_backfill_update,
	    sizeof(sql_backfill_update) - 1) != 0) {
		fprintf(stderr, "prospea-migrate: %s\n", mysql_error(my));
		goto out;
	}
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_BLOB;
	b[0].buffer = text;
	b[0].length = &tlen;
	b[1].buffer_type = MYSQL_TYPE_LONGLONG;
	b[1].buffer = &id;
	b[1].is_unsigned = 1;
	if (mysql_stmt_bind_param(st, b) != 0)
		goto stmt_err;
	do {
		snprintf(sql, sizeof(sql), sql_backfill_select, id);
		if (migrate_exec(my, sql_begin) == -1 ||
		    migrate_exec(my, sql) == -1 ||
		    (res = mysql_store_result(my)) == NULL)
			goto out;
		for (n = 0; (row = mysql_fetch_row(res)) != NULL; n++) {
			id = strtoull(row[0], NULL, 10);
			memcpy(parts, row + 1, sizeof(parts));
			tlen = pnorm_search_text(text, parts, 5);
			if (mysql_stmt_execute(st) != 0) {
				mysql_free_result(res);
				goto stmt_err;
			}
		}
		mysql_free_result(res);
		if (migrate_exec(my, sql_commit) == -1)
			goto out;
		total += n;
	} while (n > 0);
	if (total > 0)
		printf("search text written for %llu prospects\n", total);
	rc = 0;
	goto out;
stmt_err:
	fprintf(stderr, "prospea-migrate: %s\n", mysql_stmt_error(st));
out:
	if (rc == -1)
		mysql_query(my, sql_rollback);
	if (st != NULL)
		mysql_stmt_close(st);
	return rc;
}

/* Runs a prepared statement with n string parameters; rows changed, or -1. */
static long long
migrate_exec_strings(MYSQL *my, const char *sql, const char **v, size_t n)
{
	MYSQL_STMT	*st;
	MYSQL_BIND	 p[4];
	long long	 rows = -1;
	size_t		 i;

	if (n > 4 || (st = mysql_stmt_init(my)) == NULL)
		abort();
	memset(p, 0, sizeof(p));
	for (i = 0; i < n; i++) {
		p[i].buffer_type = MYSQL_TYPE_STRING;
		p[i].buffer = (void *)v[i];
		p[i].buffer_length = strlen(v[i]);
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql)) ||
	    mysql_stmt_bind_param(st, p) || mysql_stmt_execute(st))
		fprintf(stderr, "prospea-migrate: %s\n", mysql_stmt_error(st));
	else
		rows = (long long)mysql_stmt_affected_rows(st);
	mysql_stmt_close(st);
	return rows;
}

/*
 * Gives (grant) or takes role admin of the open account of address email,
 * with its audit row, in one transaction. 0, or -1 with the reason on
 * standard error (no such open account, a database error).
 */
static int
migrate_role(MYSQL *my, const char *email, int grant)
{
	struct passwd	*pw = getpwuid(getuid());
	char		 key[EMAIL_MAX + 1], detail[160];
	const char	*v[3];
	long long	 n;

	if (!email_valid(email)) {
		fprintf(stderr, "prospea-migrate: %s is not an e-mail address\n",
		    email);
		return -1;
	}
	email_key(key, email);
	snprintf(detail, sizeof(detail), "%s by unix user %s",
	    grant ? "admin role granted" : "admin role revoked",
	    pw != NULL ? pw->pw_name : "?");
	if (migrate_exec(my, sql_begin) == -1)
		return -1;
	v[0] = grant ? "admin" : "user";
	v[1] = key;
	if ((n = migrate_exec_strings(my, sql_role_set, v, 2)) != 1) {
		if (n == 0)
			fprintf(stderr, "prospea-migrate: no open account has "
			    "this address\n");
		mysql_query(my, sql_rollback);
		return -1;
	}
	v[0] = grant ? "role_granted" : "role_revoked";
	v[1] = detail;
	v[2] = key;
	if (migrate_exec_strings(my, sql_role_audit, v, 3) != 1 ||
	    migrate_exec(my, sql_commit) == -1) {
		mysql_query(my, sql_rollback);
		return -1;
	}
	printf("%s\n", grant ? "role admin granted (the admin routes also "
	    "need TOTP on the account)" : "role admin revoked");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	MYSQL		*my;
	struct passwd	*pw;
	const char	*cfile = NULL, *dir = PKGDATADIR "/sql", *pwdir = NULL;
	const char	*admin = getenv("PROSPEA_DB_ADMIN"), *role_email = NULL;
	char		 sql[512], path[4096], *grants;
	size_t		 len;
	int		 i, dry = 0, backfill_only = 0, grant = 0, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cfile = argv[++i];
		else if (strcmp(argv[i], "--sql") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc)
			admin = argv[++i];
		else if (strcmp(argv[i], "--passwords") == 0 && i + 1 < argc)
			pwdir = argv[++i];
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (strcmp(argv[i], "--backfill-only") == 0)
			backfill_only = 1;
		else if ((strcmp(argv[i], "--grant-admin") == 0 ||
		    strcmp(argv[i], "--revoke-admin") == 0) && i + 1 < argc &&
		    role_email == NULL) {
			grant = strcmp(argv[i], "--grant-admin") == 0;
			role_email = argv[++i];
		} else {
			fprintf(stderr, "usage: prospea-migrate [-c config-file] "
			    "[--sql DIR] [--admin ACCOUNT] [--passwords DIR] "
			    "[--dry-run | --backfill-only | --grant-admin EMAIL | "
			    "--revoke-admin EMAIL]\n");
			return 2;
		}
	}
	if (conf_load(&conf, cfile, "prospea_migrate") == -1)
		return 2;
	if (!migrate_name_ok(conf.db_name, 64)) {
		fprintf(stderr, "prospea-migrate: db_name must be [A-Za-z0-9_]\n");
		return 2;
	}
	if (admin == NULL) {
		pw = getpwuid(getuid());
		admin = pw != NULL ? pw->pw_name : "root";
	}
	if (sodium_init() < 0 || (my = mysql_init(NULL)) == NULL)
		abort();
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(my, NULL, admin, NULL, NULL, 0, conf.db_socket,
	    CLIENT_MULTI_STATEMENTS) == NULL) {
		fprintf(stderr, "prospea-migrate: cannot connect as %s through %s: %s\n",
		    admin, conf.db_socket, mysql_error(my));
		goto out;
	}
	snprintf(sql, sizeof(sql), sql_create_db, conf.db_name);
	if (!dry && migrate_exec(my, sql) == -1)
		goto out;
	if (mysql_select_db(my, conf.db_name) != 0) {
		fprintf(stderr, "prospea-migrate: %s\n", mysql_error(my));
		goto out;
	}
	if (migrate_exec(my, sql_utc) == -1 ||
	    (!dry && migrate_exec(my, sql_create_log) == -1))
		goto out;
	/*
	 * --backfill-only: step 5 alone, safe beside running programs (the
	 * grants of step 3 are revoked and given again, a moment in which
	 * the programs' statements are refused).
	 */
	if (backfill_only) {
		rc = migrate_search_backfill(my) == -1;
		goto out;
	}
	if (role_email != NULL) {
		rc = migrate_role(my, role_email, grant) == -1;
		goto out;
	}
	if (migrate_run(my, dir, dry) == -1)
		goto out;
	if (!dry) {
		snprintf(path, sizeof(path), "%s/grants.sql", dir);
		if ((grants = migrate_slurp(path, &len)) == NULL) {
			fprintf(stderr, "prospea-migrate: %s: %s\n", path,
			    strerror(errno));
			goto out;
		}
		i = migrate_script(my, "grants.sql", grants, len);
		free(grants);
		if (i == -1)
			goto out;
		printf("grants applied\n");
		if (migrate_search_backfill(my) == -1)
			goto out;
		if (pwdir != NULL && migrate_passwords(my, pwdir) == -1)
			goto out;
	}
	rc = 0;
out:
	mysql_close(my);
	conf_free(&conf);
	return rc;
}
