/*
 * registry_pg.c - the registry's database on PostgreSQL, the shared
 * backend (see registry_internal.h), through libpq.
 *
 * The same tables as on SQLite, in the connection's current schema, with
 * the text columns in the "C" collation (so that every ORDER BY sorts as
 * SQLite's BINARY does, whatever the database's locale), plus a table of
 * our own (nlpops_meta: the schema version) and the objects: `objects`
 * (sha256, size, chunks) and `chunks` (sha256, seq, data BYTEA), 1 MiB
 * each, stored uncompressed (weights do not compress).  A version's
 * sha256 references its object, so the database itself refuses a version
 * without its bytes; triggers refuse UPDATE, DELETE and TRUNCATE on the
 * event log and UPDATE on evaluations.
 *
 * Every write is one transaction that first takes an advisory lock, so
 * writers take turns as they do on SQLite (readers never wait: MVCC);
 * lock_timeout bounds the wait, then NLP_BUSY.  The connection lost in the
 * middle aborts the transaction on the server: nothing half-written.
 *
 * Objects are read in single-row mode, one chunk in memory at a time,
 * hashed as they arrive, into the local cache (a store of its own, see
 * store.h) or, without one, an unlinked temporary file.
 *
 * The URI as given is used only to connect; every message names it
 * without its password (r->dir).
 */
#include "registry_internal.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "digest.h"
#include "dynlib.h"
#include "store.h"

/* libpq, loaded when a PostgreSQL registry is first opened (dynlib.h):
 * PQfoo below calls through pq_fn. */
#define LIBPQ_FUNCS(X, a) \
	X(a, PQclear) X(a, PQcmdStatus) X(a, PQconnectdbParams) \
	X(a, PQconninfo) X(a, PQconninfoFree) X(a, PQconninfoParse) \
	X(a, PQconsumeInput) X(a, PQfreemem) \
	X(a, PQerrorMessage) X(a, PQfinish) X(a, PQflush) X(a, PQftype) \
	X(a, PQgetResult) X(a, PQgetisnull) X(a, PQgetlength) \
	X(a, PQgetvalue) X(a, PQisBusy) X(a, PQntuples) \
	X(a, PQresultErrorField) X(a, PQresultStatus) X(a, PQsendQuery) \
	X(a, PQsendQueryParams) X(a, PQsetNoticeProcessor) \
	X(a, PQsetSingleRowMode) X(a, PQsetnonblocking) X(a, PQsocket) \
	X(a, PQstatus) X(a, PQtransactionStatus)
NLP_DYNLIB(pq, LIBPQ_FUNCS, "libpq.so.5", "PostgreSQL registries", "libpq5");
#define PQclear (*pq_fn.PQclear)
#define PQcmdStatus (*pq_fn.PQcmdStatus)
#define PQconnectdbParams (*pq_fn.PQconnectdbParams)
#define PQconninfo (*pq_fn.PQconninfo)
#define PQconninfoFree (*pq_fn.PQconninfoFree)
#define PQconninfoParse (*pq_fn.PQconninfoParse)
#define PQfreemem (*pq_fn.PQfreemem)
#define PQconsumeInput (*pq_fn.PQconsumeInput)
#define PQerrorMessage (*pq_fn.PQerrorMessage)
#define PQfinish (*pq_fn.PQfinish)
#define PQflush (*pq_fn.PQflush)
#define PQftype (*pq_fn.PQftype)
#define PQgetResult (*pq_fn.PQgetResult)
#define PQgetisnull (*pq_fn.PQgetisnull)
#define PQgetlength (*pq_fn.PQgetlength)
#define PQgetvalue (*pq_fn.PQgetvalue)
#define PQisBusy (*pq_fn.PQisBusy)
#define PQntuples (*pq_fn.PQntuples)
#define PQresultErrorField (*pq_fn.PQresultErrorField)
#define PQresultStatus (*pq_fn.PQresultStatus)
#define PQsendQuery (*pq_fn.PQsendQuery)
#define PQsendQueryParams (*pq_fn.PQsendQueryParams)
#define PQsetNoticeProcessor (*pq_fn.PQsetNoticeProcessor)
#define PQsetSingleRowMode (*pq_fn.PQsetSingleRowMode)
#define PQsetnonblocking (*pq_fn.PQsetnonblocking)
#define PQsocket (*pq_fn.PQsocket)
#define PQstatus (*pq_fn.PQstatus)
#define PQtransactionStatus (*pq_fn.PQtransactionStatus)

#define LOCK_KEY 0x4e4c504f           /* "NLPO", the advisory lock */
#define BUSY_SECONDS 30               /* as SQLite's retries: then NLP_BUSY */
/* a session stopped in a transaction (^Z, a laptop asleep, a frozen VM)
   ended by the server after this, its write lock with it, unless the
   role or connection chose otherwise */
#define IDLE_SECONDS 60
#define CHUNK (1 << 20)
#define MAX_PARAMS 16

/* ---- the cache (one per process, set by the command) ---- */

static const char *cache_dir;         /* NULL: none; the caller's */
static int64_t cache_max;             /* 0: unbounded */
static void (*cache_warn)(const char *msg);
static int cache_said;                /* why there is none, said */

void
nlp_registry_set_cache(const char *dir, int64_t max,
    void (*warn)(const char *msg))
{
	cache_dir = dir;
	cache_max = max;
	cache_warn = warn;
	cache_said = 0;
}

/* The cache dir cannot take an object (one it may only read; why):
 * said once, and kept for the objects it has. */
static void
no_fill(const char *dir, const char *why)
{
	static int said;
	char msg[768];

	if (said++ || cache_warn == NULL)
		return;
	snprintf(msg, sizeof msg, "cannot add to the cache '%.300s': %.400s; what it "
	    "lacks is fetched without it", dir, why);
	cache_warn(msg);
}

/* The cache cannot be used: say so (once: it is dropped), go on without. */
static void
no_cache(const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (cache_warn != NULL)
		cache_warn(msg);
	cache_dir = NULL;
	cache_said = 1;
}

/* ---- names ---- */

/*
 * The user information of URI, [*start, return), the part before its '@'
 * (NULL when there is none), read as libpq reads it: up to the last '@'
 * before the first '/' (libpq takes the first, and the host from after
 * it: a second is a password's '@' unescaped, which uri_ok() refuses; a
 * '?' or '#' there is the password's).  With no '@' before the first '/'
 * but a ':' (user:password, or host:port), an '@' after the '/' and before
 * the query ends it too: a password's '/' unescaped, from which libpq
 * would read a port (an '@' in a database name after a port reads so too:
 * it is written %40).
 */
static const char *
userinfo(const char *uri, const char **start)
{
	const char *p = strstr(uri, "://"), *slash, *q, *s, *at = NULL;

	p = p != NULL ? p + 3 : uri;
	*start = p;
	slash = p + strcspn(p, "/");
	for (s = p; s < slash; s++)
		if (*s == '@')
			at = s;
	if (at == NULL && *slash == '/' &&
	    memchr(p, ':', (size_t)(slash - p)) != NULL) {
		q = slash + strcspn(slash, "?");
		for (s = slash; s < q; s++)
			if (*s == '@')
				at = s;
	}
	return at;
}

/* Whether the query parameter at s (up to '=', n bytes in all) is a
 * password, its key %-decoded as libpq decodes it. */
static int
secret_key(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char key[16];
	size_t i, k = 0;

	for (i = 0; i < n && s[i] != '='; i++) {
		if (k + 1 >= sizeof key)
			return 0;
		if (s[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			key[k++] = (char)((strchr(hex, tolower((unsigned char)
			    s[i + 1])) - hex) * 16 + (strchr(hex, tolower(
			    (unsigned char)s[i + 2])) - hex));
			i += 2;
		} else {
			key[k++] = s[i];
		}
	}
	key[k] = '\0';
	return strcmp(key, "password") == 0 || strcmp(key, "sslpassword") == 0;
}

/*
 * The URI without its password, for every message: the ":password" of
 * the user information and the password= and sslpassword= parameters are
 * left out (libpq reads the query to its end, a '#' too).
 */
static char *
redact(const char *uri)
{
	const char *p, *at, *colon = NULL, *s;
	size_t n = strlen(uri);
	char *out = malloc(n + 1), *o;

	if (out == NULL)
		return NULL;
	if ((at = userinfo(uri, &p)) != NULL)
		colon = memchr(p, ':', (size_t)(at - p));
	o = out;
	for (s = uri; *s && (*s != '?' || (at != NULL && s < at)); s++) {
		if (colon != NULL && s >= colon && s < at)
			continue;
		*o++ = *s;
	}
	if (*s == '?') {
		char sep = '?';
		s++;
		while (*s) {
			size_t len = strcspn(s, "&");
			if (!secret_key(s, len)) {
				*o++ = sep;
				memcpy(o, s, len);
				o += len;
				sep = '&';
			}
			s += len;
			if (*s == '&')
				s++;
		}
	}
	*o = '\0';
	return out;
}

void
nlp_registry_shown(const char *loc, char *buf, size_t size)
{
	char *s = nlp_registry_is_uri(loc) ? redact(loc) : NULL;

	snprintf(buf, size, "%s", s != NULL ? s : nlp_registry_is_uri(loc) ?
	    "postgresql://" : loc);
	free(s);
}

int
nlp_regpg_names(struct nlp_registry *r, const char *uri, struct nlp_err *e)
{
	if ((r->uri = strdup(uri)) == NULL || (r->dir = redact(uri)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* ---- errors ---- */

/* libpq's message s on one line, a copy (NULL: out of memory): its lines
 * joined by "; ", tabs and trailing blanks dropped. */
static char *
one_line(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o;
	const char *p;

	if (out == NULL)
		return NULL;
	for (o = out, p = s; *p; p++) {
		if (*p == '\t')
			continue;
		if (*p == '\n') {
			if (o > out && p[1] != '\0' && p[1] != '\n') {
				*o++ = ';';
				*o++ = ' ';
			}
			continue;
		}
		*o++ = *p;
	}
	while (o > out && (o[-1] == ' ' || o[-1] == ';'))
		o--;
	*o = '\0';
	return out;
}

/* Keep what failed: res's SQLSTATE and message, else the connection's. */
static void
failed(struct nlp_registry *r, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	const char *msg = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;

	char why[64];

	snprintf(r->pg_state, sizeof r->pg_state, "%s", state ? state : "");
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(r->pg);
	if (r->pg_silent) {
		/* pg_ready() shut the connection: say why */
		snprintf(why, sizeof why, "no answer from the server for "
		    "%lld s", (long long)(r->pg_quiet_ms + 999) / 1000);
		msg = why;
	}
	free(r->pg_msg);
	r->pg_msg = one_line(msg && *msg ? msg : "unknown error");
}

static int
busy_err(struct nlp_registry *r, struct nlp_err *e)
{
	return nlp_errf(e, NLP_BUSY, "registry '%s' is busy: another process "
	    "held it for over %s; try again later", r->dir, r->pg_timeout);
}

static int
pg_err(struct nlp_registry *r, struct nlp_err *e, const char *what)
{
	const char *st = r->pg_state, *msg = r->pg_msg ? r->pg_msg :
	    "out of memory";
	int status = NLP_IO;

	if (PQstatus(r->pg) == CONNECTION_BAD || strncmp(st, "08", 2) == 0) {
		/* libpq's first sentence says it ("server closed the
		   connection unexpectedly"); the rest guesses why */
		const char *cut = strchr(msg, ';');
		return nlp_errf(e, NLP_IO, "registry '%s': %s: lost the "
		    "connection to the server: %.*s; try again once it is "
		    "back", r->dir, what, cut != NULL ? (int)(cut - msg) :
		    (int)strlen(msg), msg);
	}
	if (strcmp(st, "42501") == 0)
		/* insufficient_privilege: a role made for less (README:
		   the read-only role of the cron hosts, CI's push role) */
		return nlp_errf(e, NLP_IO, "registry '%s': %s: %s (this role "
		    "may not do that: nlpops-registry(1), POSTGRESQL, has the "
		    "grants each job needs)", r->dir, what, msg);
	if (strcmp(st, "55P03") == 0)
		return busy_err(r, e);
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0)
		/* not a lock held too long: the server gave up on this
		   transaction for another's sake (nothing was changed) */
		return nlp_errf(e, NLP_BUSY, "registry '%s': %s: %s (the server "
		    "cancelled the transaction for another; nothing was "
		    "changed: try again)", r->dir, what, msg);
	if (strncmp(st, "23", 2) == 0 || strcmp(st, "P0001") == 0)
		status = NLP_REGISTRY;
	else if (strcmp(st, "42P01") == 0 || strcmp(st, "42703") == 0)
		/* a table or column of ours gone: a damaged registry */
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': %s: %s (its "
		    "schema is damaged: see 'nlpops registry verify')", r->dir,
		    what, msg);
	else if (strcmp(st, "42P07") == 0 || strcmp(st, "42710") == 0)
		/* one there that the schema recorded says is not (a
		   migration meeting it): damaged too, in a way verify, which
		   reads the tables there, does not see */
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': %s: %s (its "
		    "schema is damaged: its tables are not those of the schema "
		    "version its nlpops_meta table records; restore the "
		    "database from a backup)", r->dir, what, msg);
	else if (strcmp(st, "XX001") == 0 || strcmp(st, "XX002") == 0) {
		status = NLP_REGISTRY;
		r->corrupt = 1;
	}
	return nlp_errf(e, status, "registry '%s': %s: %s", r->dir, what, msg);
}

/* A result that is not what was expected: keep why, and clear it. */
static int
result_ok(struct nlp_registry *r, PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 1;
	failed(r, res);
	return 0;
}

/* ---- the wire ---- */

/*
 * Every statement is sent and answered through pg_ready(), on a
 * non-blocking connection, and the server may stay silent for
 * r->pg_quiet_ms at most -- not a byte answered, not a byte taken --
 * before the connection is shut, libpq finds it lost and the server rolls
 * back whatever was open.  libpq alone would wait for ever for the answer
 * to a query it could not send whole (a send that fails is remembered,
 * not reported, in the hope of reading the server's own error), or for a
 * server that stopped without closing the connection.  waiting: the
 * statement waits for the write lock, and when its answer has not come
 * within NLP_REGISTRY_WAIT_MS the caller is told why nothing happens
 * (nlp_regdb_waiting()).
 *
 * On return PQgetResult() does not block, unless poll() itself failed.
 */
static void
pg_ready(struct nlp_registry *r, int waiting)
{
	int64_t now = nlp_regdb_now_ms(), quiet = now + r->pg_quiet_ms;
	int64_t tell = now + NLP_REGISTRY_WAIT_MS, wake, left;
	struct pollfd p;
	int more, n;

	waiting = waiting && r->on_wait != NULL && !r->waited;
	if ((p.fd = PQsocket(r->pg)) < 0)
		return;
	for (;;) {
		if ((more = PQflush(r->pg)) < 0 ||
		    (more == 0 && !PQisBusy(r->pg)))
			return;  /* PQgetResult() says what went wrong, if anything */
		p.events = (short)(POLLIN | (more ? POLLOUT : 0));
		wake = waiting && tell < quiet ? tell : quiet;
		left = wake > now ? wake - now : 0;
		n = poll(&p, 1, left < INT_MAX ? (int)left : INT_MAX);
		now = nlp_regdb_now_ms();
		if (n < 0 && errno != EINTR)
			return;  /* PQgetResult() waits as libpq does */
		if (n > 0) {
			quiet = now + r->pg_quiet_ms;
			if ((p.revents & ~POLLOUT) != 0 && !PQconsumeInput(r->pg))
				return;
			continue;
		}
		if (waiting && now >= tell) {
			nlp_regdb_waiting(r, r->pg_timeout);
			waiting = 0;
		}
		/* bytes TLS has already read are not the socket's to poll */
		if (now >= quiet && PQconsumeInput(r->pg) && !PQisBusy(r->pg))
			return;
		if (now >= quiet) {
			r->pg_silent = 1;
			shutdown(p.fd, SHUT_RDWR);
			return;  /* PQgetResult() finds the connection closed */
		}
	}
}

/* The statement sent's last result, as PQexec() gives it (NULL: none,
 * see PQerrorMessage()), through pg_ready(). */
static PGresult *
pg_last(struct nlp_registry *r, int waiting)
{
	PGresult *res, *last = NULL;

	for (;;) {
		pg_ready(r, waiting);
		if ((res = PQgetResult(r->pg)) == NULL)
			break;
		PQclear(last);
		last = res;
		if (PQstatus(r->pg) == CONNECTION_BAD)
			break;  /* as libpq's own PQexec: no more to come */
	}
	return last;
}

/* PQexec(): sql may hold several statements. */
static PGresult *
pg_simple(struct nlp_registry *r, const char *sql, int waiting)
{
	return PQsendQuery(r->pg, sql) ? pg_last(r, waiting) : NULL;
}

/* PQexecParams(), with text results. */
static PGresult *
pg_params(struct nlp_registry *r, const char *sql, int n,
    const char *const *v, const int *len, const int *fmt)
{
	return PQsendQueryParams(r->pg, sql, n, NULL, v, len, fmt, 0) ?
	    pg_last(r, 0) : NULL;
}

static int
pg_run(struct nlp_registry *r, const char *sql, int waiting,
    struct nlp_err *e)
{
	PGresult *res = pg_simple(r, sql, waiting);
	int ok = result_ok(r, res);

	PQclear(res);
	return ok ? NLP_OK : pg_err(r, e, "database");
}

static int
pg_exec(struct nlp_registry *r, const char *sql, struct nlp_err *e)
{
	return pg_run(r, sql, 0, e);
}

/* ---- statements ---- */

struct pg_stmt {
	struct nlp_regdb_stmt base;
	struct nlp_registry *r;
	char *sql;                    /* with $N for each ? */
	int np;
	const char *v[MAX_PARAMS];
	char num[MAX_PARAMS][24];
	PGresult *res;
	int row, ran;
};

#define PST(st) ((struct pg_stmt *)(void *)(st))

/* sql with each ? outside quotes made $1, $2, ...; NULL: out of memory. */
static char *
numbered(const char *sql)
{
	size_t n = strlen(sql), q = 0, i;
	char *out, *o;
	int k = 0;
	char quote = 0;

	for (i = 0; i < n; i++)
		q += sql[i] == '?';
	if ((out = malloc(n + 4 * q + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < n; i++) {
		char c = sql[i];
		if (quote != 0 && c == quote)
			quote = 0;
		else if (quote == 0 && (c == '\'' || c == '"'))
			quote = c;
		if (c == '?' && quote == 0)
			o += sprintf(o, "$%d", ++k);
		else
			*o++ = c;
	}
	*o = '\0';
	return out;
}

static int
pg_prepare(struct nlp_registry *r, struct nlp_regdb_stmt **st,
    const char *sql, struct nlp_err *e)
{
	struct pg_stmt *s;

	*st = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->sql = numbered(sql)) == NULL) {
		free(s);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	s->base.ops = &nlp_regdb_pg;
	s->r = r;
	s->row = -1;
	*st = &s->base;
	return NLP_OK;
}

static void
pg_bind(struct nlp_regdb_stmt *st, const struct nlp_regdb_param *p,
    size_t np)
{
	struct pg_stmt *s = PST(st);
	size_t i;

	PQclear(s->res);
	s->res = NULL;
	s->ran = 0;
	s->row = -1;
	s->np = np > MAX_PARAMS ? -1 : (int)np;
	for (i = 0; i < np && i < MAX_PARAMS; i++) {
		if (p[i].is_text) {
			s->v[i] = p[i].s;
		} else {
			snprintf(s->num[i], sizeof s->num[i], "%lld",
			    (long long)p[i].i);
			s->v[i] = s->num[i];
		}
	}
}

static int
pg_step(struct nlp_regdb_stmt *st)
{
	struct pg_stmt *s = PST(st);

	if (!s->ran) {
		s->ran = 1;
		if (s->np < 0) {
			snprintf(s->r->pg_state, sizeof s->r->pg_state, "XX000");
			free(s->r->pg_msg);
			s->r->pg_msg = strdup("too many parameters (a bug)");
			return NLP_REGDB_ERROR;
		}
		s->res = pg_params(s->r, s->sql, s->np, s->v, NULL, NULL);
		if (!result_ok(s->r, s->res))
			return NLP_REGDB_ERROR;
	}
	if (PQresultStatus(s->res) != PGRES_TUPLES_OK)
		return NLP_REGDB_DONE;
	return ++s->row < PQntuples(s->res) ? NLP_REGDB_ROW : NLP_REGDB_DONE;
}

static void
pg_finalize(struct nlp_regdb_stmt *st)
{
	struct pg_stmt *s = PST(st);

	PQclear(s->res);
	free(s->sql);
	free(s);
}

/* The type OIDs of pg_type.h: bool, int8, int2, int4, float4, float8,
 * numeric. */
enum { BOOLOID = 16, INT8OID = 20, INT2OID = 21, INT4OID = 23,
	FLOAT4OID = 700, FLOAT8OID = 701, NUMERICOID = 1700 };

static enum nlp_registry_vtype
pg_type(struct nlp_regdb_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);

	if (PQgetisnull(s->res, s->row, i))
		return NLP_RV_NULL;
	switch (PQftype(s->res, i)) {
	case BOOLOID: case INT8OID: case INT2OID: case INT4OID:
		return NLP_RV_INT;
	case FLOAT4OID: case FLOAT8OID: case NUMERICOID:
		return NLP_RV_REAL;
	default:
		return NLP_RV_TEXT;
	}
}

static int64_t
pg_int(struct nlp_regdb_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	const char *v = PQgetvalue(s->res, s->row, i);

	if (PQftype(s->res, i) == BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double
pg_double(struct nlp_regdb_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);

	return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static const char *
pg_text(struct nlp_regdb_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);

	if (PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static int64_t
pg_last_id(struct nlp_registry *r)
{
	int64_t id = 0;

	nlp_regdb_int_query(r, "SELECT lastval()", NULL, 0, 0, &id, NULL);
	return id;
}

/* ---- transactions ---- */

/*
 * Who holds the write lock, for the busy message: "pid 4242, role alice,
 * application 'nlpops', idle in transaction for 89 s" (as much of it as
 * the server shows this role), or "" when nobody can be told.
 */
static void
lock_holder(struct nlp_registry *r, char *buf, size_t size)
{
	char sql[640];
	PGresult *res;
	size_t n;

	buf[0] = '\0';
	snprintf(sql, sizeof sql, "SELECT a.pid, a.usename, a.application_name, "
	    "a.client_addr, a.state, extract(epoch FROM now() - "
	    "a.state_change)::bigint FROM pg_locks l JOIN pg_stat_activity a "
	    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND "
	    "l.classid = 0 AND l.objid = %d AND l.objsubid = 1 AND l.pid <> "
	    "pg_backend_pid() AND l.database = (SELECT oid FROM pg_database "
	    "WHERE datname = current_database()) LIMIT 1", LOCK_KEY);
	res = pg_simple(r, sql, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		n = (size_t)snprintf(buf, size, "pid %s", PQgetvalue(res, 0, 0));
		if (n < size && !PQgetisnull(res, 0, 1))
			n += (size_t)snprintf(buf + n, size - n, ", role %.64s",
			    PQgetvalue(res, 0, 1));
		if (n < size && !PQgetisnull(res, 0, 2) &&
		    *PQgetvalue(res, 0, 2) != '\0')
			n += (size_t)snprintf(buf + n, size - n, ", application "
			    "'%.64s'", PQgetvalue(res, 0, 2));
		if (n < size && !PQgetisnull(res, 0, 3))
			n += (size_t)snprintf(buf + n, size - n, " from %.64s",
			    PQgetvalue(res, 0, 3));
		if (n < size && !PQgetisnull(res, 0, 4) &&
		    !PQgetisnull(res, 0, 5))
			snprintf(buf + n, size - n, ", %.32s for %s s",
			    PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
		/* a role name or application with a control character: as
		   one line */
		for (n = 0; buf[n] != '\0'; n++)
			if ((unsigned char)buf[n] < 0x20 || buf[n] == 0x7f)
				buf[n] = '?';
	}
	PQclear(res);
}

static int
pg_begin(struct nlp_registry *r, struct nlp_err *e)
{
	char sql[64], who[400];
	int rc;

	if ((rc = pg_exec(r, "BEGIN", e)) != NLP_OK)
		return rc;
	snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)", LOCK_KEY);
	if ((rc = pg_run(r, sql, 1, e)) != NLP_OK) {
		PQclear(pg_simple(r, "ROLLBACK", 0));
		/* the operator at 3 a.m.: which session to look at */
		if (rc == NLP_BUSY && PQstatus(r->pg) == CONNECTION_OK) {
			lock_holder(r, who, sizeof who);
			if (who[0] != '\0')
				return nlp_errf(e, NLP_BUSY, "registry '%s' is busy: "
				    "another process held it for over %s (%s); try "
				    "again later", r->dir, r->pg_timeout, who);
		}
		return rc == NLP_IO && PQstatus(r->pg) == CONNECTION_OK ?
		    nlp_errf(e, NLP_IO, "registry '%s': cannot start a "
		    "transaction: %s", r->dir, r->pg_msg) : rc;
	}
	return NLP_OK;
}

static void
pg_rollback(struct nlp_registry *r)
{
	PGTransactionStatusType t = PQtransactionStatus(r->pg);

	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		PQclear(pg_simple(r, "ROLLBACK", 0));
}

static int pg_connect(struct nlp_registry *, struct nlp_err *);

/*
 * The connection was lost during COMMIT, or its answer: the server may
 * have committed or not.  Ask it, on a new connection, what became of
 * transaction xid (txid_status, PostgreSQL 10 and later), waiting while
 * the old session ends: committed is success, aborted a failure that
 * changed nothing.  When neither can be learnt, say so: a retry could
 * make the change twice.
 */
static int
commit_fate(struct nlp_registry *r, const char *xid, struct nlp_err *e)
{
	const char *param[1] = { xid };
	struct timespec pause = { 0, 100000000 };
	char why[256];
	PGresult *res;
	int tries, fate;

	snprintf(why, sizeof why, "%s", r->pg_msg ? r->pg_msg : "out of memory");
	PQfinish(r->pg);
	r->pg = NULL;
	for (tries = 0; tries < 100; tries++) {
		if (r->pg == NULL && pg_connect(r, e) != NLP_OK)
			break;
		res = pg_params(r, "SELECT txid_status($1::bigint)", 1, param,
		    NULL, NULL);
		/* 'c'ommitted, 'a'borted, 'i'n progress; 0: no answer */
		fate = result_ok(r, res) && PQntuples(res) == 1 &&
		    !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0)[0] : 0;
		PQclear(res);
		if (fate == 'c')
			return NLP_OK;
		if (fate == 'a')
			return nlp_errf(e, NLP_IO, "registry '%s': cannot commit: "
			    "lost the connection to the server: %s (nothing was "
			    "changed)", r->dir, why);
		if (fate != 'i')
			break;
		nanosleep(&pause, NULL);
	}
	return nlp_errf(e, NLP_IO, "registry '%s': lost the connection to the "
	    "server during the commit (%s): whether the change was made is "
	    "unknown; see 'nlpops registry history' before trying again",
	    r->dir, why);
}

static int
pg_commit(struct nlp_registry *r, struct nlp_err *e)
{
	char xid[32];
	PGresult *res;
	int ok;

	/* the transaction's id: its fate, if the connection is lost in COMMIT */
	res = pg_simple(r, "SELECT txid_current()", 0);
	ok = result_ok(r, res) && PQntuples(res) == 1;
	snprintf(xid, sizeof xid, "%s", ok ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	if (!ok) {
		ok = pg_err(r, e, "cannot commit");
		pg_rollback(r);
		return ok;
	}
	res = pg_simple(r, "COMMIT", 0);
	ok = result_ok(r, res);

	/* COMMIT of a failed transaction rolls back without an error */
	if (ok && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		snprintf(r->pg_state, sizeof r->pg_state, "40000");
		free(r->pg_msg);
		r->pg_msg = strdup("the transaction was rolled back");
		ok = 0;
	}
	PQclear(res);
	if (ok)
		return NLP_OK;
	/* no answer from the server (no SQLSTATE): it may have committed */
	if (PQstatus(r->pg) == CONNECTION_BAD || r->pg_state[0] == '\0' ||
	    strncmp(r->pg_state, "08", 2) == 0)
		return commit_fate(r, xid, e);
	ok = pg_err(r, e, "cannot commit");
	pg_rollback(r);
	return ok;
}

/* ---- checks ---- */

/* PostgreSQL checks its own pages and enforces every reference: there is
 * nothing for these to add. */
static int
pg_check(struct nlp_registry *r, int quick, int max, const char *what,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e)
{
	(void)r, (void)quick, (void)max, (void)what, (void)fn, (void)arg;
	(void)e;
	return NLP_OK;
}

static int
pg_check_references(struct nlp_registry *r,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e)
{
	(void)r, (void)fn, (void)arg, (void)e;
	return NLP_OK;
}

/* Every version's object, for verify and gc (see registry_internal.h). */
static const char objects_sql[] =
    "SELECT v.sha256, v.size, m.name || '@' || v.version FROM versions v "
    "JOIN models m ON m.id = v.model_id ORDER BY v.sha256";

/* ---- the schema ---- */

static const char schema[] =
    "CREATE TABLE nlpops_meta ("
    "  key TEXT COLLATE \"C\" PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE models ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  name TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "  next_version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT COLLATE \"C\" NOT NULL);"
    "CREATE TABLE objects ("
    "  sha256 TEXT COLLATE \"C\" PRIMARY KEY CHECK (length(sha256) = 64),"
    "  size BIGINT NOT NULL CHECK (size >= 0),"
    "  chunks INTEGER NOT NULL);"
    "CREATE TABLE chunks ("
    "  sha256 TEXT COLLATE \"C\" NOT NULL REFERENCES objects(sha256)"
    "    ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  data BYTEA NOT NULL,"
    "  PRIMARY KEY (sha256, seq));"
    "ALTER TABLE chunks ALTER COLUMN data SET STORAGE EXTERNAL;"
    "CREATE TABLE versions ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  model_id BIGINT NOT NULL REFERENCES models(id),"
    "  version BIGINT NOT NULL,"
    "  sha256 TEXT COLLATE \"C\" NOT NULL REFERENCES objects(sha256),"
    "  size BIGINT NOT NULL,"
    "  created_at TEXT COLLATE \"C\" NOT NULL,"
    "  created_by TEXT COLLATE \"C\" NOT NULL,"
    "  source TEXT COLLATE \"C\","
    "  description TEXT COLLATE \"C\","
    "  hyperparameters TEXT NOT NULL,"
    "  metrics TEXT NOT NULL,"
    "  meta TEXT NOT NULL,"
    "  UNIQUE (model_id, version),"
    "  UNIQUE (model_id, sha256));"
    "CREATE INDEX versions_sha256 ON versions (sha256);"
    "CREATE TABLE inputs ("
    "  version_id BIGINT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  position BIGINT NOT NULL,"
    "  name TEXT COLLATE \"C\" NOT NULL,"
    "  sha256 TEXT COLLATE \"C\" NOT NULL,"
    "  bytes BIGINT NOT NULL,"
    "  PRIMARY KEY (version_id, position));"
    "CREATE TABLE tags ("
    "  version_id BIGINT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  key TEXT COLLATE \"C\" NOT NULL,"
    "  value TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (version_id, key));"
    "CREATE TABLE aliases ("
    "  model_id BIGINT NOT NULL REFERENCES models(id),"
    "  alias TEXT COLLATE \"C\" NOT NULL,"
    "  version_id BIGINT NOT NULL REFERENCES versions(id),"
    "  updated_at TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY (model_id, alias));"
    "CREATE TABLE events ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  at TEXT COLLATE \"C\" NOT NULL,"
    "  who TEXT COLLATE \"C\" NOT NULL,"
    "  model TEXT COLLATE \"C\" NOT NULL,"
    "  kind TEXT COLLATE \"C\" NOT NULL CHECK (kind IN ('push', 'alias-set',"
    "    'alias-move', 'alias-delete', 'rollback', 'rm', 'import')),"
    "  alias TEXT COLLATE \"C\","
    "  old_version BIGINT,"
    "  new_version BIGINT,"
    "  reason TEXT COLLATE \"C\");"
    "CREATE INDEX events_model ON events (model, alias, id);"
    "CREATE TABLE evaluations ("
    "  id BIGSERIAL PRIMARY KEY,"
    "  version_id BIGINT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  at TEXT COLLATE \"C\" NOT NULL,"
    "  who TEXT COLLATE \"C\" NOT NULL,"
    "  data TEXT NOT NULL,"
    "  metrics TEXT NOT NULL);"
    "CREATE INDEX evaluations_version ON evaluations (version_id, id);"
    "CREATE TABLE signatures ("
    "  version_id BIGINT PRIMARY KEY REFERENCES versions(id)"
    "    ON DELETE CASCADE,"
    "  key_id TEXT COLLATE \"C\" NOT NULL CHECK (length(key_id) = 64),"
    "  signature TEXT NOT NULL);"
    "CREATE FUNCTION nlpops_append_only() RETURNS trigger LANGUAGE plpgsql"
    "  AS $$BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END$$;"
    "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events"
    "  FOR EACH ROW EXECUTE FUNCTION"
    "  nlpops_append_only('the event log is append-only');"
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
    "  FOR EACH STATEMENT EXECUTE FUNCTION"
    "  nlpops_append_only('the event log is append-only');"
    "CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations"
    "  FOR EACH ROW EXECUTE FUNCTION"
    "  nlpops_append_only('evaluations are append-only');"
    "INSERT INTO nlpops_meta VALUES ('application', 'nlpops');";

/* What read_schema() asks of the server. */
struct tables {
	int64_t n[2];            /* nlpops_meta; the registry's other tables */
	char unusable[256];      /* schemas of the search path without USAGE */
};

/*
 * What is in the current schema: *ver our schema version (0: no
 * nlpops_meta), *foreign when a table of ours is there without it.
 */
static int
tables_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct tables *t = arg;
	const char *v = nlp_regdb_text(st, 2);

	(void)e;
	t->n[0] = nlp_regdb_int(st, 0);
	t->n[1] = nlp_regdb_int(st, 1);
	snprintf(t->unusable, sizeof t->unusable, "%s", v != NULL ? v : "");
	return NLP_OK;
}

/* The schema nlpops_meta records: a registry's whose meta rows are gone
 * or garbled is damaged (never taken for no registry, nor made anew over
 * its tables). */
static int
meta_schema(struct nlp_registry *r, int64_t *ver, struct nlp_err *e)
{
	struct nlp_registry_strings app = { NULL, 0, 0 }, sv = { NULL, 0, 0 };
	char *end = NULL;
	long long v = 0;
	int rc;

	if ((rc = nlp_regdb_each(r, "SELECT value FROM nlpops_meta WHERE key = "
	    "'application'", NULL, 0, nlp_registry_string_row, &app, e)) ==
	    NLP_OK)
		rc = nlp_regdb_each(r, "SELECT value FROM nlpops_meta WHERE key = "
		    "'schema'", NULL, 0, nlp_registry_string_row, &sv, e);
	/* damage verify reports (status 1), not an error it stops at (nor
	 * what pg_err() found: a data-corruption error reading the rows) */
	r->corrupt |= rc == NLP_OK && (app.n != 1 || app.v[0] == NULL ||
	    strcmp(app.v[0], "nlpops") != 0 || sv.n != 1 || sv.v[0] == NULL ||
	    (v = strtoll(sv.v[0], &end, 10)) < 2 || *end != '\0');
	if (rc == NLP_OK && (app.n != 1 || app.v[0] == NULL ||
	    strcmp(app.v[0], "nlpops") != 0))
		rc = nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged, or "
		    "another application's: its nlpops_meta table does not name "
		    "nlpops", r->dir);
	else if (rc == NLP_OK && (sv.n != 1 || sv.v[0] == NULL))
		rc = nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: its "
		    "nlpops_meta table has %s schema version (restore the "
		    "database from a backup)", r->dir, sv.n > 1 ? "more than "
		    "one" : "no");
	else if (rc == NLP_OK && ((v = strtoll(sv.v[0], &end, 10)) < 2 ||
	    *end != '\0'))
		rc = nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: its "
		    "schema version '%.40s' is none nlpops gives (restore the "
		    "database from a backup)", r->dir, sv.v[0]);
	nlp_registry_strings_release(&app);
	nlp_registry_strings_release(&sv);
	*ver = rc == NLP_OK ? (int64_t)v : 0;
	return rc;
}

static int
read_schema(struct nlp_registry *r, int64_t *ver, int *foreign,
    struct nlp_err *e)
{
	struct tables t;
	int rc;

	*ver = 0;
	*foreign = 0;
	memset(&t, 0, sizeof t);
	/* pg_tables, not information_schema: a new backend's catalog caches
	   are cold, and the latter's views cost tens of milliseconds.  And
	   the schemas of the search path the role may not use, which the
	   server skips in silence: the registry in one is out of sight */
	if ((rc = nlp_regdb_each(r, "SELECT count(*) FILTER (WHERE tablename = "
	    "'nlpops_meta'), count(*) FILTER (WHERE tablename IN ('models', "
	    "'versions', 'aliases', 'events', 'objects', 'chunks')), (SELECT "
	    "string_agg(nspname, ', ') FROM pg_namespace WHERE nspname = ANY "
	    "(string_to_array(replace(replace(current_setting('search_path'), "
	    "' ', ''), '\"', ''), ',')) AND NOT has_schema_privilege(oid, "
	    "'USAGE')) FROM pg_tables WHERE schemaname = current_schema()",
	    NULL, 0, tables_row, &t, e)) != NLP_OK)
		return rc;
	if (t.unusable[0] != '\0')
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': schema %s of the "
		    "connection's search_path is there, but role '%s' may not use "
		    "it, and the server skips it (GRANT USAGE ON SCHEMA %s TO "
		    "%s)", r->dir, t.unusable, r->pg_role, t.unusable,
		    r->pg_role);
	if (t.n[0] > 0)
		return meta_schema(r, ver, e);
	*foreign = t.n[1] > 0;
	return NLP_OK;
}

static int
check_schema(struct nlp_registry *r, int64_t ver, int foreign,
    struct nlp_err *e)
{
	if (foreign)
		return nlp_errf(e, NLP_REGISTRY, "'%s' is not an nlpops registry "
		    "(its schema has other tables of these names)", r->dir);
	if (ver > NLP_REGISTRY_SCHEMA)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' has schema %lld, "
		    "newer than this nlpops knows (%d): upgrade nlpops", r->dir,
		    (long long)ver, NLP_REGISTRY_SCHEMA);
	return NLP_OK;
}

/* Schema 2 to 3 (a registry made by a development build of this
 * release): signatures, and the event kind 'import'. */
static const char migrate_v3[] =
    "CREATE TABLE signatures ("
    "  version_id BIGINT PRIMARY KEY REFERENCES versions(id)"
    "    ON DELETE CASCADE,"
    "  key_id TEXT COLLATE \"C\" NOT NULL CHECK (length(key_id) = 64),"
    "  signature TEXT NOT NULL);"
    "ALTER TABLE events DROP CONSTRAINT events_kind_check;"
    "ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN"
    "  ('push', 'alias-set', 'alias-move', 'alias-delete', 'rollback', 'rm',"
    "  'import'));"
    "UPDATE nlpops_meta SET value = '3' WHERE key = 'schema';";

/* Create the schema, or migrate an older one, under the lock (looked at
 * again: another process may have done it while we waited). */
static int
create_schema(struct nlp_registry *r, struct nlp_err *e)
{
	char sql[96];
	int64_t ver;
	int foreign, rc;

	if ((rc = nlp_regdb_begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = read_schema(r, &ver, &foreign, e)) == NLP_OK &&
	    (rc = check_schema(r, ver, foreign, e)) == NLP_OK && ver == 0) {
		snprintf(sql, sizeof sql, "INSERT INTO nlpops_meta VALUES "
		    "('schema', '%d')", NLP_REGISTRY_SCHEMA);
		if ((rc = pg_exec(r, schema, e)) == NLP_OK)
			rc = pg_exec(r, sql, e);
		/* an object of one of our names there already, in a database
		   with no registry: another application's, not damage */
		if (rc != NLP_OK && (strcmp(r->pg_state, "42P07") == 0 ||
		    strcmp(r->pg_state, "42710") == 0))
			rc = nlp_errf(e, NLP_REGISTRY, "'%s' is not an nlpops "
			    "registry, and cannot be made one: %s (another "
			    "application's object of a name nlpops uses; give a "
			    "database or schema of its own)", r->dir, r->pg_msg ?
			    r->pg_msg : "an object of that name exists");
		else if (rc != NLP_OK)
			nlp_err_prefix(e, "cannot create the registry");
	} else if (rc == NLP_OK && ver == 2) {
		if ((rc = pg_exec(r, migrate_v3, e)) != NLP_OK)
			nlp_err_prefix(e, "cannot migrate the registry to schema 3");
	}
	if (rc != NLP_OK) {
		nlp_regdb_rollback(r);
		return rc;
	}
	return nlp_regdb_commit(r, e);
}

static int
setup_schema(struct nlp_registry *r, struct nlp_err *e)
{
	int64_t ver;
	int foreign, rc;

	if ((rc = read_schema(r, &ver, &foreign, e)) != NLP_OK ||
	    (rc = check_schema(r, ver, foreign, e)) != NLP_OK)
		return rc;
	r->schema = ver > 0 ? (int)ver : NLP_REGISTRY_SCHEMA;
	if (ver == NLP_REGISTRY_SCHEMA || (ver > 0 && !r->writable))
		return NLP_OK;      /* an older one is read as it is */
	if (ver > 0) {
		r->schema = NLP_REGISTRY_SCHEMA;
		return create_schema(r, e);
	}
	/* as for SQLite (registry_sqlite.c): a command that changes a
	   registry but makes none (alias, rollback, rm, gc) more likely names
	   the wrong database than one to start */
	if (r->writable == NLP_REGISTRY_WRITE_EXISTING)
		return nlp_errf(e, NLP_REGISTRY, "no registry at '%s' (is "
		    "--registry or NLPOPS_REGISTRY right? this command makes "
		    "none)", r->dir);
	if (r->writable != 1)
		return nlp_errf(e, NLP_REGISTRY, "no registry at '%s' (push a "
		    "model or run 'nlpops registry init' to make one)", r->dir);
	return create_schema(r, e);
}

/* ---- opening ---- */

static void
quiet(void *arg, const char *message)
{
	(void)arg, (void)message;     /* the library never prints */
}

/*
 * The lock timeout in force, for the busy message, and how long the
 * server may be silent (pg_ready()): its statement_timeout when the
 * session has one, else the lock wait and ten minutes (a gc or a
 * migration on a large registry answers only when done), either with
 * the connect timeout's grace for the network.
 */
static int
timeout_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry *r = arg;
	const char *v = nlp_regdb_text(st, 1), *lock = nlp_regdb_text(st, 2);
	const char *stmt = nlp_regdb_text(st, 3), *role = nlp_regdb_text(st, 4);
	long long lock_ms = lock ? strtoll(lock, NULL, 10) : 0;
	long long stmt_ms = stmt ? strtoll(stmt, NULL, 10) : 0;
	size_t n;

	(void)e;
	/* a role name longer than this (PostgreSQL allows 63 bytes) is
	   left out rather than cut */
	if (role != NULL && strlen(role) < sizeof r->pg_role)
		snprintf(r->pg_role, sizeof r->pg_role, "%s", role);
	if (lock_ms <= 0)
		lock_ms = BUSY_SECONDS * 1000LL;  /* set just now, or about to */
	r->pg_quiet_ms = r->pg_grace_ms + (stmt_ms > 0 ? stmt_ms :
	    lock_ms + 600000);
	/* "30s" as the SQLite side says it: "30 s" */
	n = v != NULL ? strspn(v, "0123456789") : 0;
	if (n > 0 && v[n] != '\0' && strchr(v + n, ' ') == NULL)
		snprintf(r->pg_timeout, sizeof r->pg_timeout, "%.*s %s",
		    (int)n, v, v + n);
	else
		snprintf(r->pg_timeout, sizeof r->pg_timeout, "%s", v ? v : "?");
	return NLP_OK;
}

/* The connect timeout in force, in ms: 10 s unless the URI, a service or
 * PGCONNECT_TIMEOUT says otherwise (libpq's least, 2 s). */
static int64_t
connect_ms(struct nlp_registry *r)
{
	PQconninfoOption *o = PQconninfo(r->pg), *i;
	long long s = 10;

	for (i = o; i != NULL && i->keyword != NULL; i++)
		if (strcmp(i->keyword, "connect_timeout") == 0 &&
		    i->val != NULL && atoi(i->val) > 0)
			s = atoi(i->val) < 2 ? 2 : atoi(i->val);
	PQconninfoFree(o);
	return s * 1000;
}

/*
 * Whether service's section of the service file at path sets
 * connect_timeout: 1, 0 (it does not), -1 (no such section or file).
 * Read as libpq reads it: a line that begins "[name]" (whatever follows),
 * "key=value" lines, '#' lines.
 */
static int
service_file_timeout(const char *path, const char *service)
{
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	char line[1024];
	int in = 0, found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		char *s = line, *end;
		s += strspn(s, " \t");
		end = s + strlen(s);
		while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*s == '[') {
			if (in)
				break;
			in = strncmp(s + 1, service, strlen(service)) == 0 &&
			    s[strlen(service) + 1] == ']';
			if (in)
				found = 0;
		} else if (in && strncmp(s, "connect_timeout", 15) == 0 &&
		    s[15 + strspn(s + 15, " \t")] == '=') {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Whether the service (libpq's files: the user's, then the system's)
 * sets connect_timeout. */
static int
service_timeout(const char *service)
{
	const char *v = getenv("PGSERVICEFILE"), *home = getenv("HOME");
	char path[4096];
	int k;

	if (home == NULL || *home == '\0') {     /* as libpq: the user's */
		struct passwd *pw = getpwuid(geteuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (v != NULL && *v != '\0')
		snprintf(path, sizeof path, "%s", v);
	else if (home != NULL && *home != '\0')
		snprintf(path, sizeof path, "%s/.pg_service.conf", home);
	else
		path[0] = '\0';
	if (path[0] != '\0' && (k = service_file_timeout(path, service)) >= 0)
		return k;
	v = getenv("PGSYSCONFDIR");
	snprintf(path, sizeof path, "%s/pg_service.conf", v != NULL && *v !=
	    '\0' ? v : "/etc/postgresql-common");
	return service_file_timeout(path, service) == 1;
}

/* The number of items of a comma-separated list of libpq's (hosts,
 * ports): 1 for none. */
static size_t
list_items(const char *v)
{
	size_t n = 1;

	for (; v != NULL && *v != '\0'; v++)
		n += *v == ',';
	return n;
}

/* A port list as libpq reads one (5432, or 5432,5433 for several hosts;
 * an empty item is that host's default; white space around a number). */
static int
ports_ok(const char *v)
{
	const char *q;
	char *end;
	long port;

	for (q = v; ; q = end + 1) {
		errno = 0;
		port = strtol(q, &end, 10);
		while (end != q && isspace((unsigned char)*end))
			end++;
		if (end == q && (*q == ',' || *q == '\0'))
			;        /* this host's: the default */
		else if (end == q || errno != 0 || port < 1 || port > 65535 ||
		    (*end != ',' && *end != '\0'))
			return 0;
		if (*end == '\0')
			return 1;
	}
}

/* An sslmode libpq has, or NLP_USAGE naming them (what: where v is from,
 * "sslmode" or "PGSSLMODE"). */
static int
sslmode_ok(struct nlp_registry *r, const char *what, const char *v,
    struct nlp_err *e)
{
	static const char *const modes[] = { "disable", "allow", "prefer",
		"require", "verify-ca", "verify-full", NULL };
	char list[96] = "";
	size_t i;

	for (i = 0; modes[i] != NULL; i++)
		if (strcmp(v, modes[i]) == 0)
			return NLP_OK;
	for (i = 0; modes[i] != NULL; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
		    i ? ", " : "", modes[i]);
	return nlp_errf(e, NLP_USAGE, "registry '%s': %s '%.40s' is none of %s",
	    r->dir, what, v, list);
}

/* The URI's port and sslmode (or, where it gives none, PGPORT's and
 * PGSSLMODE's, which libpq takes then), which libpq checks only when it
 * connects (status 4, as if the server were down): a usage error here.
 * A port is read as libpq reads it: white space around the number
 * allowed; as many as the URI's hosts, or one for all. */
static int
values_ok(struct nlp_registry *r, const PQconninfoOption *o,
    struct nlp_err *e)
{
	const PQconninfoOption *h;
	const char *v, *svc = NULL;
	size_t nhosts = 1;
	int hosts_known = 0, has_port = 0, has_mode = 0, has_timeout = 0, rc;

	/* the URI's hosts; none there (PGHOST, a service file: libpq's to
	   count, not this parse's), no count to check the ports against */
	for (h = o; h != NULL && h->keyword != NULL; h++)
		if ((strcmp(h->keyword, "host") == 0 || strcmp(h->keyword,
		    "hostaddr") == 0) && h->val != NULL && *h->val != '\0') {
			hosts_known = 1;
			if (list_items(h->val) > nhosts)
				nhosts = list_items(h->val);
		}
	for (; o != NULL && o->keyword != NULL; o++) {
		if ((v = o->val) == NULL)
			continue;
		if (strcmp(o->keyword, "port") == 0) {
			has_port = 1;
			if (!ports_ok(v))
				return nlp_errf(e, NLP_USAGE, "registry '%s': "
				    "port '%.40s' is not a port number (1 to "
				    "65535)", r->dir, v);
			if (hosts_known && list_items(v) > 1 &&
			    list_items(v) != nhosts)
				return nlp_errf(e, NLP_USAGE, "registry '%s': %zu "
				    "ports ('%.40s') for %zu host%s: give one port, "
				    "or one for each host", r->dir, list_items(v), v,
				    nhosts, nhosts == 1 ? "" : "s");
		} else if (strcmp(o->keyword, "service") == 0 && *v != '\0') {
			svc = v;
		} else if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    *v != '\0') {
			has_timeout = 1;
		} else if (strcmp(o->keyword, "sslmode") == 0) {
			has_mode = 1;
			if ((rc = sslmode_ok(r, "sslmode", v, e)) != NLP_OK)
				return rc;
		}
	}
	/* a service (its file's port and sslmode come before the
	   environment's) leaves them to libpq */
	if (svc == NULL && (v = getenv("PGSERVICE")) != NULL && *v != '\0')
		svc = v;
	/* the connect timeout: the URI's, the service's, PGCONNECT_TIMEOUT,
	   as libpq takes them; none of them, 10 s (libpq's is to wait for
	   ever: a cron job on a silent server) */
	r->pg_own_timeout = !has_timeout && (svc == NULL ||
	    !service_timeout(svc)) && ((v = getenv("PGCONNECT_TIMEOUT")) ==
	    NULL || *v == '\0');
	if (!has_port && svc == NULL && (v = getenv("PGPORT")) != NULL &&
	    *v != '\0' && !ports_ok(v))
		return nlp_errf(e, NLP_USAGE, "registry '%s': PGPORT '%.40s' is "
		    "not a port number (1 to 65535)", r->dir, v);
	if (!has_mode && svc == NULL && (v = getenv("PGSSLMODE")) != NULL &&
	    *v != '\0')
		return sslmode_ok(r, "PGSSLMODE", v, e);
	return NLP_OK;
}

/*
 * A URI no connection can come of is a usage error (status 2), never one
 * to try again (4): one libpq cannot parse (an unknown parameter, a bad
 * %-escape, an unclosed '['), or one whose user information holds a
 * second '@' (a password's, unescaped: libpq takes the host from after
 * the first, and its message then showed the password's tail).  libpq's
 * own words only when the URI holds no password they could quote.
 */
static int
uri_ok(struct nlp_registry *r, struct nlp_err *e)
{
	const char *p, *at = userinfo(r->uri, &p), *s;
	PQconninfoOption *o;
	char *err = NULL;
	int secret, rc = NLP_OK;

	secret = at != NULL && memchr(p, ':', (size_t)(at - p)) != NULL;
	for (s = strchr(r->uri, '?'); s != NULL && !secret;
	    s = strchr(s + 1, '&'))
		secret = secret_key(s + 1, strcspn(s + 1, "&"));
	for (s = p; at != NULL && s < at; s++)
		if (*s == '/')
			return nlp_errf(e, NLP_USAGE, "registry '%s': the URI holds "
			    "an '@' after its first '/': a password's '/' is "
			    "written %%2F, a database name's '@' %%40", r->dir);
		else if (strchr("@?#", *s) != NULL)
			return nlp_errf(e, NLP_USAGE, "registry '%s': the URI's "
			    "user name or password holds a '%c': write it %%%02X",
			    r->dir, *s, (unsigned)*s);
	if ((o = PQconninfoParse(r->uri, &err)) == NULL) {
		char *msg = err != NULL && !secret ? one_line(err) : NULL;
		rc = nlp_errf(e, err == NULL ? NLP_IO : NLP_USAGE, "registry "
		    "'%s': %s", r->dir, err == NULL ? "out of memory" :
		    msg != NULL ? msg : "not a connection URI libpq reads "
		    "(a parameter, a %-escape or a bracket)");
		free(msg);
	}
	if (rc == NLP_OK)
		rc = values_ok(r, o, e);
	PQconninfoFree(o);
	if (err != NULL)
		PQfreemem(err);
	return rc;
}

/* Connect, and set the session up: its messages, its lock timeout, how
 * long the server may be silent; and the role it authenticated. */
static int
pg_connect(struct nlp_registry *r, struct nlp_err *e)
{
	static const char *const kw[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL,
	};
	const char *val[] = { "10", "nlpops", r->uri, NULL };
	char sql[768], *msg;
	int rc;

	if ((rc = nlp_dynlib_use(&pq_lib, e)) != NLP_OK ||
	    (rc = uri_ok(r, e)) != NLP_OK)
		return rc;
	r->pg_silent = 0;
	if (!r->pg_own_timeout)   /* the URI's, a service's, the variable's */
		val[0] = "";
	if ((r->pg = PQconnectdbParams(kw, val, 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (PQstatus(r->pg) != CONNECTION_OK) {
		msg = one_line(PQerrorMessage(r->pg));
		rc = nlp_errf(e, NLP_IO, "cannot connect to registry '%s': %s",
		    r->dir, msg ? msg : "out of memory");
		free(msg);
		return rc;
	}
	PQsetNoticeProcessor(r->pg, quiet, NULL);
	if (PQsetnonblocking(r->pg, 1) != 0) {
		failed(r, NULL);
		return pg_err(r, e, "cannot connect");
	}
	/* the session's first answer: within the connect timeout and a
	   minute (a pooler such as PgBouncer queues a new client until a
	   server is free) */
	r->pg_grace_ms = connect_ms(r);
	r->pg_quiet_ms = r->pg_grace_ms + 60000;
	/* the wait for the write lock: SQLite's budget, unless the connection
	   chose its own (options=-c lock_timeout=5s, PGOPTIONS); and every
	   transaction at read committed, whatever the server, database or
	   role makes the default: a write reads what the writer before it
	   committed while it waited for the lock (under repeatable read it
	   read what was there before, and two imports each logged the same
	   events; under serializable the server cancelled the waiters).  One
	   round trip */
	snprintf(sql, sizeof sql, "SELECT set_config('client_min_messages', "
	    "'error', false), CASE WHEN current_setting('lock_timeout') = '0' "
	    "THEN set_config('lock_timeout', '%ds', false) ELSE "
	    "current_setting('lock_timeout') END, (SELECT setting FROM "
	    "pg_settings WHERE name = 'lock_timeout'), (SELECT setting FROM "
	    "pg_settings WHERE name = 'statement_timeout'), session_user, "
	    "set_config('default_transaction_isolation', 'read committed', "
	    "false), CASE WHEN current_setting("
	    "'idle_in_transaction_session_timeout') = '0' THEN set_config("
	    "'idle_in_transaction_session_timeout', '%ds', false) END",
	    BUSY_SECONDS, IDLE_SECONDS);
	return nlp_regdb_each(r, sql, NULL, 0, timeout_row, r, e);
}

static int
pg_open(struct nlp_registry *r, struct nlp_err *e)
{
	int rc;

	if ((rc = pg_connect(r, e)) != NLP_OK)
		return rc;
	return setup_schema(r, e);
}

static void
pg_close(struct nlp_registry *r)
{
	if (r->pg != NULL)
		PQfinish(r->pg);
	r->pg = NULL;
}

static int
pg_init(const char *dir, const char *group, struct nlp_err *e)
{
	struct nlp_registry *r;
	int rc;

	if (group != NULL)
		return nlp_errf(e, NLP_USAGE, "--shared is for a registry "
		    "directory; on PostgreSQL, roles and GRANT share it");
	/* a damaged registry's schema refused by the open */
	if ((rc = nlp_registry_open(&r, dir, 1, e)) != NLP_OK)
		return rc;
	nlp_registry_close(r);
	return NLP_OK;
}

/* ---- objects ---- */

/*
 * Read object hex's chunks in order, one in memory at a time, through
 * SHA-256 (got, *n: the digest and byte count), writing each to fd when it
 * is not -1.  NLP_OK; NLP_NO when a chunk is missing (e says which);
 * NLP_IO when writing fails; the database's error otherwise.
 */
static int
stream_object(struct nlp_registry *r, const char *hex, int fd,
    char got[NLP_SHA256_HEX], int64_t *n, int *werr, struct nlp_err *e)
{
	const char *v[1] = { hex };
	struct nlp_sha256 *s = nlp_sha256_new();
	PGresult *res;
	uint32_t seq, next = 0;
	int rc = NLP_OK, err = 0;

	*n = 0;
	got[0] = '\0';
	if (s == NULL)
		return nlp_sha256_why(e);
	if (!PQsendQueryParams(r->pg, "SELECT seq, data FROM chunks WHERE "
	    "sha256 = $1 ORDER BY seq", 1, NULL, v, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(r->pg)) {
		failed(r, NULL);
		nlp_sha256_close(s);
		return pg_err(r, e, "cannot read object");
	}
	for (;;) {
		ExecStatusType st;
		pg_ready(r, 0);
		if ((res = PQgetResult(r->pg)) == NULL)
			break;
		st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && rc == NLP_OK) {
			const char *d = PQgetvalue(res, 0, 1);
			size_t len = (size_t)PQgetlength(res, 0, 1);
			memcpy(&seq, PQgetvalue(res, 0, 0), 4);
			if (ntohl(seq) != next++)
				rc = nlp_errf(e, NLP_NO, "object %s is damaged: "
				    "chunk %u is missing", hex, next - 1);
			nlp_sha256_update(s, d, len);
			*n += (int64_t)len;
			while (rc == NLP_OK && fd >= 0 && len > 0) {
				ssize_t w = write(fd, d, len);
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					err = errno;
					rc = NLP_IO;
					break;
				}
				d += w;
				len -= (size_t)w;
			}
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK &&
		    rc == NLP_OK) {
			failed(r, res);
			rc = pg_err(r, e, "cannot read object");
		}
		PQclear(res);
	}
	if (werr != NULL)
		*werr = err;
	if (rc == NLP_IO && err != 0)
		rc = nlp_errnof(e, NLP_IO, err, "cannot write object %s", hex);
	if (rc == NLP_OK)
		nlp_sha256_final(s, got);
	else
		nlp_sha256_close(s);
	return rc;
}

/* The size the objects table gives object hex: -1 when it has none. */
static int
object_size(struct nlp_registry *r, const char *hex, int64_t *size,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(hex) };

	return nlp_regdb_int_query(r, "SELECT size FROM objects WHERE sha256 = "
	    "?", p, 1, -1, size, e);
}

int
nlp_regpg_put_object(struct nlp_registry *r, const char *hex,
    const void *data, size_t len, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = {
		NLP_REGDB_TEXT(hex), NLP_REGDB_INT((int64_t)len),
		NLP_REGDB_INT((int64_t)((len + CHUNK - 1) / CHUNK)),
	};
	char got[NLP_SHA256_HEX], seqs[16];
	const char *v[3] = { hex, seqs, NULL };
	int lens[3] = { 0, 0, 0 }, fmts[3] = { 0, 0, 1 };
	int64_t have, n;
	size_t off;
	int rc, seq = 0;

	if ((rc = object_size(r, hex, &have, e)) != NLP_OK)
		return rc;
	if (have == (int64_t)len) {
		/* there already: read back as a new one is, and stored again
		   when it does not read back as these bytes (a damaged chunk
		   was taken for a good object, as SQLite's store rewrites a
		   damaged file) */
		rc = stream_object(r, hex, -1, got, &n, NULL, e);
		if (rc == NLP_OK && strcmp(got, hex) == 0 && n == (int64_t)len)
			return NLP_OK;
		if (rc != NLP_OK && rc != NLP_NO)
			return rc;
		/* a role that may not delete (CI's, in the README) cannot
		   repair it: the registry's state, for the operator's push */
		if ((rc = nlp_regdb_run(r, "DELETE FROM chunks WHERE sha256 = ?",
		    p, 1, "cannot store the artifact again over its damaged "
		    "copy", e)) == NLP_IO) {
			char why[sizeof e->msg];

			snprintf(why, sizeof why, "%s", e->msg);
			return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: "
			    "object %s does not read back as its bytes, and this "
			    "role may not replace it (%s); a push of these bytes by "
			    "a role that may delete from chunks repairs it", r->dir,
			    hex, why);
		}
		if (rc != NLP_OK)
			return rc;
		nlp_err_clear(e);
	} else if (have >= 0) {
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: "
		    "object %s has %lld bytes there, not %zu (run 'nlpops "
		    "registry verify')", r->dir, hex, (long long)have, len);
	} else if ((rc = nlp_regdb_run(r, "INSERT INTO objects (sha256, size, "
	    "chunks) VALUES (?, ?, ?)", p, 3, "cannot store the artifact", e)) !=
	    NLP_OK) {
		return rc;
	}
	for (off = 0; off < len; off += CHUNK, seq++) {
		size_t k = len - off < CHUNK ? len - off : CHUNK;
		PGresult *res;
		int ok;
		snprintf(seqs, sizeof seqs, "%d", seq);
		v[2] = (const char *)data + off;
		lens[2] = (int)k;
		res = pg_params(r, "INSERT INTO chunks (sha256, seq, data) "
		    "VALUES ($1, $2, $3)", 3, v, lens, fmts);
		ok = result_ok(r, res);
		PQclear(res);
		if (!ok)
			return pg_err(r, e, "cannot store the artifact");
	}
	/* read back: the bytes stored are the bytes named */
	if ((rc = stream_object(r, hex, -1, got, &n, NULL, e)) != NLP_OK)
		return rc == NLP_NO ? nlp_err_recast(e, NLP_IO) : rc;
	if (strcmp(got, hex) != 0 || n != (int64_t)len)
		return nlp_errf(e, NLP_IO, "registry '%s': the artifact stored "
		    "reads back as %lld bytes with SHA-256 %s, not %s", r->dir,
		    (long long)n, got, hex);
	return NLP_OK;
}

int
nlp_regpg_check_object(struct nlp_registry *r, const char *hex,
    int64_t size, int quick, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(hex) };
	char got[NLP_SHA256_HEX];
	int64_t have, n;
	int rc;

	if ((rc = object_size(r, hex, &have, e)) != NLP_OK)
		return rc;
	if (have < 0)
		return nlp_errf(e, NLP_NO, "object %s is missing", hex);
	if (quick) {
		if ((rc = nlp_regdb_int_query(r, "SELECT coalesce(sum("
		    "octet_length(data)), 0) FROM chunks WHERE sha256 = ?", p, 1,
		    0, &n, e)) != NLP_OK)
			return rc;
	} else if ((rc = stream_object(r, hex, -1, got, &n, NULL, e)) != NLP_OK) {
		return rc;
	}
	if (n != size || have != size)
		return nlp_errf(e, NLP_NO, "object %s has %lld bytes, not %lld",
		    hex, (long long)n, (long long)size);
	if (!quick && strcmp(got, hex) != 0)
		return nlp_errf(e, NLP_NO, "object %s is damaged: its SHA-256 is "
		    "%s", hex, got);
	return NLP_OK;
}

struct orphan_ctx {
	int (*fn)(void *arg, const char *sha256, int64_t size);
	void *arg;
};

static int
orphan_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct orphan_ctx *c = arg;

	(void)e;
	return c->fn(c->arg, nlp_regdb_text(st, 0), nlp_regdb_int(st, 1));
}

int
nlp_regpg_orphans(struct nlp_registry *r, int remove,
    int (*fn)(void *arg, const char *sha256, int64_t size), void *arg,
    struct nlp_err *e)
{
	struct orphan_ctx c = { fn, arg };
	int rc;

	if ((rc = nlp_regdb_each(r, "SELECT sha256, size FROM objects o WHERE "
	    "NOT EXISTS (SELECT 1 FROM versions v WHERE v.sha256 = o.sha256) "
	    "ORDER BY sha256", NULL, 0, orphan_row, &c, e)) != NLP_OK ||
	    !remove)
		return rc;
	return nlp_regdb_run(r, "DELETE FROM objects o WHERE NOT EXISTS "
	    "(SELECT 1 FROM versions v WHERE v.sha256 = o.sha256)", NULL, 0,
	    "cannot remove objects", e);
}

/* ---- the cache ---- */

/* mkdir -p dir, the last one private to us. */
static int
make_cache_dir(const char *dir)
{
	char *p = strdup(dir), *s;
	struct stat st;

	if (p == NULL)
		return -1;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	if (stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(dir, W_OK | X_OK);
}

/* Does dir hold a registry.db (whatever it is: not ours to trim)? */
static int
is_registry_dir(const char *dir)
{
	struct stat st;
	char path[4096];

	return (size_t)snprintf(path, sizeof path, "%s/registry.db", dir) <
	    sizeof path && lstat(path, &st) == 0;
}

/* The cache, if there is one we can use (else one warning, kept). */
static const char *
usable_cache(void)
{
	/* no place for one at all (no home): said once too, as a cron job
	   would fetch every version on every run */
	if (cache_dir == NULL && !cache_said) {
		cache_said = 1;
		if (cache_warn != NULL)
			cache_warn("no cache directory (no HOME, XDG_CACHE_HOME, "
			    "NLPOPS_CACHE or --cache, nor a home in the user's "
			    "entry): running without one");
	}
	if (cache_dir == NULL)
		return NULL;
	/* a SQLite registry's directory (the same objects/sha256/ layout,
	   named by mistake while moving to PostgreSQL): its objects are
	   not a cache's to trim */
	if (is_registry_dir(cache_dir)) {
		no_cache("cannot use the cache '%s': it is a registry's directory "
		    "(it holds registry.db), whose objects are not a cache's to "
		    "remove; running without it", cache_dir);
		return NULL;
	}
	if (make_cache_dir(cache_dir) == 0)
		return cache_dir;
	/* one this user may read but not write (a team's, filled by
	   another): its objects are read all the same; what it lacks is
	   fetched elsewhere (said then, by the fill that cannot be) */
	if ((errno == EACCES || errno == EROFS) &&
	    access(cache_dir, R_OK | X_OK) == 0)
		return cache_dir;
	no_cache("cannot use the cache '%s': %s; running without it",
	    cache_dir, strerror(errno));
	return NULL;
}

struct trim {
	struct nlp_store_entry *v;
	size_t n, cap;
	int64_t total;
};

static int
trim_scan(void *arg, const struct nlp_store_entry *en)
{
	struct trim *t = arg;
	struct nlp_store_entry *v;

	if (en->is_temp || en->bad_name)
		return 0;
	if ((v = nlp_registry_grow(t->v, &t->cap, t->n, sizeof *v)) == NULL)
		return NLP_IO;
	t->v = v;
	v[t->n++] = *en;
	t->total += en->size;
	return 0;
}

static int
by_mtime(const void *a, const void *b)
{
	const struct nlp_store_entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->hex, y->hex);
}

/* Least recently used out until the cache holds at most cache_max bytes,
 * keep (just used) aside.  Best effort: a cache that cannot be trimmed
 * is still a cache. */
static void
trim_cache(const char *dir, const char *keep)
{
	struct trim t = { NULL, 0, 0, 0 };
	size_t i;

	if (cache_max <= 0 || nlp_store_scan(dir, trim_scan, &t, NULL) !=
	    NLP_OK || t.total <= cache_max) {
		free(t.v);
		return;
	}
	qsort(t.v, t.n, sizeof *t.v, by_mtime);
	for (i = 0; i < t.n && t.total > cache_max; i++) {
		int removed = 0;
		if (strcmp(t.v[i].hex, keep) == 0)
			continue;
		if (nlp_store_remove(dir, &t.v[i], &removed, NULL) == NLP_OK &&
		    removed)
			t.total -= t.v[i].size;
	}
	free(t.v);
}

/* An unlinked file to fetch into: in dir (the cache's tmp/, on its file
 * system) or $TMPDIR. */
static int
temp_file(const char *dir, int *fd, struct nlp_err *e)
{
	const char *t = getenv("TMPDIR");
	char path[4096];

	if (dir == NULL)
		dir = t != NULL && t[0] == '/' ? t : "/tmp";
	if ((*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return NLP_OK;
	if (snprintf(path, sizeof path, "%s/nlpops-fetch-XXXXXX", dir) >=
	    (int)sizeof path) {
		errno = ENAMETOOLONG;
		*fd = -1;
	} else {
		*fd = mkostemp(path, O_CLOEXEC);
	}
	if (*fd < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot make a temporary "
		    "file in '%s'", dir);
	unlink(path);
	return NLP_OK;
}

/* The cached object hex of size bytes, opened and marked used: NLP_OK,
 * else NLP_NO (not there, or not whole: removed). */
static int
cached(const char *dir, const char *hex, int64_t size, int *fd,
    char *path, size_t pathsize)
{
	struct stat st;

	if (nlp_store_path(dir, hex, path, pathsize) < 0 ||
	    nlp_store_open(dir, hex, fd, NULL) != NLP_OK)
		return NLP_NO;
	if (fstat(*fd, &st) == 0 && st.st_size == size) {
		futimens(*fd, NULL);  /* used now: the last to go */
		return NLP_OK;
	}
	close(*fd);
	*fd = -1;
	unlink(path);
	return NLP_NO;
}

/* Put the fetched bytes at fd (size) into the cache dir, and open them
 * there: NLP_OK, or the store's error (the caller goes on with fd). */
static int
fill_cache(const char *dir, const char *hex, int fd, int64_t size,
    int *out, char *path, size_t pathsize, struct nlp_err *e)
{
	void *map = NULL;
	int created, rc;

	if (size > 0 && (map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED,
	    fd, 0)) == MAP_FAILED)
		return nlp_errnof(e, NLP_IO, errno, "cannot map object %s", hex);
	rc = nlp_store_put(dir, hex, size > 0 ? map : "", (size_t)size,
	    &created, e);
	if (map != NULL)
		munmap(map, (size_t)size);
	if (rc != NLP_OK)
		return rc;
	if (cached(dir, hex, size, out, path, pathsize) != NLP_OK)
		return nlp_errf(e, NLP_IO, "object %s vanished from the cache",
		    hex);
	trim_cache(dir, hex);
	return NLP_OK;
}

/* Object hex gone because no version has it any more -- removed with rm
 * --force and collected by gc since the reference was resolved -- rather
 * than lost from under a version (damage)?  Said in e (status 5). */
static int
removed_meanwhile(struct nlp_registry *r, const char *hex,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(hex) };
	struct nlp_err ignored;
	int64_t refs = 1;

	if (nlp_regdb_int_query(r, "SELECT count(*) FROM versions WHERE "
	    "sha256 = ?", p, 1, 1, &refs, &ignored) != NLP_OK || refs > 0)
		return 0;
	nlp_errf(e, NLP_REGISTRY, "object %s was removed from registry '%s' "
	    "while it was read (its version removed, and gc run, meanwhile): "
	    "nothing was damaged; resolve the reference again", hex, r->dir);
	return 1;
}

int
nlp_regpg_open_object(struct nlp_registry *r, const char *hex, int *fd,
    char *path, size_t pathsize, struct nlp_err *e)
{
	const char *dir = usable_cache();
	char got[NLP_SHA256_HEX], tmp[4096];
	struct nlp_err ce;
	int64_t size, n;
	int rc, tfd, werr = 0;

	*fd = -1;
	if ((rc = object_size(r, hex, &size, e)) != NLP_OK)
		return rc;
	if (size < 0)
		return removed_meanwhile(r, hex, e) ? NLP_REGISTRY :
		    nlp_errf(e, NLP_DATA, "registry '%s' is damaged: object %s "
		    "is missing", r->dir, hex);
	if (dir != NULL && cached(dir, hex, size, fd, path, pathsize) == NLP_OK)
		return NLP_OK;
	snprintf(path, pathsize, "%s: object %s", r->dir, hex);
	/* its tmp/ as the umask has it: a cache a team shares (setgid,
	   umask 002) is every member's to fetch into */
	if (dir != NULL)
		snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	if (dir != NULL && mkdir(tmp, 0777) == 0) {
		/* in a shared (setgid, group-writable) cache, 02775 whatever
		   the umask, as the store makes its own directories */
		int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			nlp_store_fix_mode(dir, dfd, 1);
			close(dfd);
		}
	} else if (dir != NULL && errno != EEXIST) {
		no_fill(dir, strerror(errno));
		dir = NULL;
	}
	/* one this user may not write in (another's, made under umask 022):
	   said once, and the object fetched into a temporary file elsewhere
	   (the cache still read for the objects it has) */
	if (dir != NULL && temp_file(tmp, &tfd, &ce) != NLP_OK) {
		no_fill(dir, ce.msg);
		dir = NULL;
	}
	if (dir == NULL && (rc = temp_file(NULL, &tfd, e)) != NLP_OK)
		return rc;
	rc = stream_object(r, hex, tfd, got, &n, &werr, e);
	/* the cache's file system full (or over quota): said once, and
	   fetched again into a temporary file elsewhere, as for a cache
	   that cannot be written at all */
	if (rc == NLP_IO && werr != 0 && dir != NULL) {
		close(tfd);
		no_fill(dir, strerror(werr));
		dir = NULL;
		if ((rc = temp_file(NULL, &tfd, e)) != NLP_OK)
			return rc;
		rc = stream_object(r, hex, tfd, got, &n, NULL, e);
	}
	if (rc == NLP_OK &&
	    (strcmp(got, hex) != 0 || n != size))
		rc = nlp_errf(e, NLP_DATA, "object %s is damaged in registry "
		    "'%s': %lld bytes with SHA-256 %s", hex, r->dir, (long long)n,
		    got);
	/* chunks missing or short: damage, or an object gc deleted while it
	   was read (its version removed with rm --force meanwhile) */
	if ((rc == NLP_DATA || rc == NLP_NO) && removed_meanwhile(r, hex, e))
		rc = NLP_REGISTRY;
	if (rc != NLP_OK) {
		close(tfd);
		return rc == NLP_NO ? nlp_err_recast(e, NLP_DATA) : rc;
	}
	if (dir != NULL && fill_cache(dir, hex, tfd, size, fd, path, pathsize,
	    &ce) == NLP_OK) {
		close(tfd);
		return NLP_OK;
	}
	if (dir != NULL)
		no_fill(dir, ce.msg);
	if (lseek(tfd, 0, SEEK_SET) != 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read object %s", hex);
		close(tfd);
		return rc;
	}
	snprintf(path, pathsize, "%s: object %s", r->dir, hex);
	*fd = tfd;
	return NLP_OK;
}

int
nlp_regpg_evict(const char *hex)
{
	char path[4096];

	return cache_dir != NULL && nlp_store_path(cache_dir, hex, path,
	    sizeof path) == 0 && unlink(path) == 0;
}

const struct nlp_regdb_ops nlp_regdb_pg = {
	.open = pg_open,
	.close = pg_close,
	.init = pg_init,
	.err = pg_err,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.bind = pg_bind,
	.step = pg_step,
	.finalize = pg_finalize,
	.type = pg_type,
	.int64 = pg_int,
	.dbl = pg_double,
	.text = pg_text,
	.last_id = pg_last_id,
	.check = pg_check,
	.check_references = pg_check_references,
	.objects_sql = objects_sql,
};
