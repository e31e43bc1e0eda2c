/*
 * cli.c - the helpers the commands share (cmd.h): the registry directory
 * and who is acting, messages and usage errors, option values, standard
 * output's state, and what a terminal may be shown.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "input.h"
#include "modelref.h"
#include "registry.h"
#include "sign.h"
#include "text.h"

const char *cli_registry_opt;
const char *cli_cache_opt;
int64_t cli_cache_max_opt = -1;
const char *cli_command_name = "";
const char *cli_usage_help;

int
cli_parse_size(const char *s, int64_t *out)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	double v;

	/* decimal digits and a fraction, then a unit: strtod would also take
	   0x20, 1e3, '+1' and ' 1' */
	if (s[0] < '0' || s[0] > '9' || strspn(s, "0123456789.") !=
	    strcspn(s, units) || strchr(s, '.') != strrchr(s, '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !(v >= 0))
		return -1;
	/* a fraction of a byte is no size */
	if (*end == '\0' && v != floor(v))
		return -1;
	if (*end != '\0') {
		if ((u = strchr(units, *end)) == NULL)
			return -1;
		for (; u >= units; u--)
			v *= 1024;
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (!(v < 9.2e18))  /* too large, or not a number after a unit */
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* The cache's one warning, when it cannot be used. */
static void
cache_warning(const char *msg)
{
	char shown[4 * 1024];

	fprintf(stderr, "nlpops %s: warning: %s\n", cli_command_name,
	    cli_shown(msg, shown, sizeof shown));
}

/*
 * The name (home 0) or home directory (home 1) of user uid's entry into
 * buf: /etc/passwd read directly first, else through getpwuid() (NSS:
 * LDAP and the like) -- glibc's NSS set-up crashes when one of its
 * allocations fails, and a local user never gets there.  NULL when there
 * is none, or (home) it is / or relative.
 */
static const char *
passwd_field(uid_t uid, int home, char *buf, size_t size)
{
	struct passwd *pw = NULL;
	FILE *f = fopen("/etc/passwd", "re");
	const char *v;

	while (f != NULL && (pw = fgetpwent(f)) != NULL && pw->pw_uid != uid)
		;
	if (pw == NULL)
		pw = getpwuid(uid);
	v = pw == NULL ? NULL : home ? pw->pw_dir : pw->pw_name;
	if (v != NULL && home && (v[0] != '/' || v[1] == '\0'))
		v = NULL;
	if (v != NULL && snprintf(buf, size, "%s", v) >= (int)size)
		v = NULL;
	if (f != NULL)
		fclose(f);
	return v != NULL ? buf : NULL;
}

/* HOME unset (cron under env -i, a service): the user's entry's. */
static const char *
home_of_user(char *buf, size_t size)
{
	return passwd_field(getuid(), 1, buf, size);
}

int
cli_setup_cache(void)
{
	static char buf[4096];
	char home[4000];
	const char *dir = cli_cache_opt, *v;
	int64_t max = cli_cache_max_opt;

	if (dir == NULL && (v = getenv("NLPOPS_CACHE")) != NULL && v[0] != '\0')
		dir = v;
	if (dir == NULL && (v = getenv("XDG_CACHE_HOME")) != NULL && v[0] == '/')
		snprintf(buf, sizeof buf, "%s/nlpops", v), dir = buf;
	if (dir == NULL && (v = getenv("HOME")) != NULL && v[0] == '/')
		snprintf(buf, sizeof buf, "%s/.cache/nlpops", v), dir = buf;
	/* HOME unset (cron under env -i, a service): the user's entry, as
	   the registry's place is found (cli_registry_dir()) */
	if (dir == NULL && home_of_user(home, sizeof home) != NULL)
		snprintf(buf, sizeof buf, "%s/.cache/nlpops", home), dir = buf;
	/* the cache is a PostgreSQL registry's: a bad value fails only the
	   commands that would use it */
	if (max < 0 && (v = getenv("NLPOPS_CACHE_MAX")) != NULL && v[0] != '\0' &&
	    cli_parse_size(v, &max) != 0) {
		const char *reg = cli_registry_dir();
		max = -1;
		if (reg != NULL && nlp_registry_is_uri(reg)) {
			fprintf(stderr, "nlpops: NLPOPS_CACHE_MAX '%s' is not a size "
			    "(like 500M or 2G)\n", v);
			return NLP_USAGE;
		}
	}
	if (max < 0)
		max = CLI_CACHE_MAX_DEFAULT;
	nlp_registry_set_cache(dir, max, cache_warning);
	return NLP_OK;
}

static void
registry_waiting(void *cmd, const char *msg)
{
	char shown[4 * 1024];

	fprintf(stderr, "nlpops %s: %s\n", (const char *)cmd,
	    cli_shown(msg, shown, sizeof shown));
}

int
cli_registry_open(struct nlp_registry **r, int writable, const char *cmd,
    struct nlp_err *e)
{
	return nlp_registry_open_waiting(r, cli_registry_dir(), writable,
	    registry_waiting, (void *)cmd, e);
}

const char *
cli_registry_dir(void)
{
	static char buf[4096];
	const char *v;

	if (cli_registry_opt != NULL)
		return cli_registry_opt;
	if ((v = getenv("NLPOPS_REGISTRY")) != NULL && v[0] != '\0')
		return v;
	if ((v = getenv("XDG_DATA_HOME")) != NULL && v[0] == '/')
		snprintf(buf, sizeof buf, "%s/nlpops", v);
	else if ((v = getenv("HOME")) != NULL && v[0] == '/')
		snprintf(buf, sizeof buf, "%s/.local/share/nlpops", v);
	else {
		/* HOME unset, empty or relative: the user's entry; no home at
		   all is "" (the library asks which registry when one is
		   needed), never a registry under / or the current directory */
		char home[4000];
		buf[0] = '\0';
		if (home_of_user(home, sizeof home) != NULL)
			snprintf(buf, sizeof buf, "%s/.local/share/nlpops", home);
	}
	return buf;
}

const char *
cli_registry_shown(void)
{
	static char buf[4096];

	nlp_registry_shown(cli_registry_dir(), buf, sizeof buf);
	return buf;
}

/* The name of user uid into buf, or NULL (passwd_field()). */
static const char *
user_name(uid_t uid, char *buf, size_t size)
{
	return passwd_field(uid, 0, buf, size);
}

const char *
cli_who(void)
{
	static char buf[256];
	char name[128];
	const char *sudo = getenv("SUDO_USER");
	char uid[32];
	const char *me = user_name(getuid(), name, sizeof name);

	if (me == NULL) {
		snprintf(uid, sizeof uid, "uid %u", (unsigned)getuid());
		me = uid;
	}
	/* SUDO_USER is only the environment's word: ignored unless it is a
	 * plain name */
	if (sudo != NULL && sudo[0] != '\0' && strcmp(sudo, me) != 0 &&
	    strlen(sudo) < 64 && strspn(sudo, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$") == strlen(sudo))
		/* the real user stays on record when it is not root (sudo -u,
		   or a variable anyone may set) */
		snprintf(buf, sizeof buf, getuid() == 0 ? "%s via sudo" :
		    "%s via sudo (as %s)", sudo, me);
	else
		snprintf(buf, sizeof buf, "%s", me);
	return buf;
}

int
cli_stdout_writable(void)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	struct stat st;
	int fl;

	if ((fl = fcntl(STDOUT_FILENO, F_GETFL)) < 0)
		return errno;
	if ((fl & O_ACCMODE) == O_RDONLY)
		return EBADF;
	/* a zero-byte write meets a full device's ENOSPC, a closed one's
	 * EBADF; a pipe whose reader is gone shows POLLERR */
	if (write(STDOUT_FILENO, "", 0) < 0)
		return errno;
	if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode)) && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLERR | POLLHUP)) != 0)
		return EPIPE;
	return 0;
}

/* Do a and b differ in their digits alone (canary1, canary2; v1, v2)?
 * Such names are a series, not a typo. */
static int
digits_apart(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		if (*a >= '0' && *a <= '9') {
			a++;
			continue;
		}
		if (*b >= '0' && *b <= '9') {
			b++;
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return 1;
}

int
cli_near_alias(struct nlp_registry *r, const char *name, const char *alias,
    char *buf, size_t size)
{
	struct nlp_registry_models models = { NULL, 0 };
	struct nlp_registry *own = NULL;
	struct nlp_err e;
	/* two edits from a name of five letters or more, one below: two
	   from 'v2' is any other two letters */
	size_t i, j, d, bd = strlen(alias) < 5 ? 2 : 3;

	buf[0] = '\0';
	/* production, the alias every deployment has, even before */
	if (strcmp(alias, "production") != 0 &&
	    nlp_text_distance("production", alias) < bd) {
		bd = nlp_text_distance("production", alias);
		snprintf(buf, size, "production");
	}
	if (r == NULL && nlp_registry_open(&own, cli_registry_dir(), 0, &e) ==
	    NLP_OK)
		r = own;
	if (r != NULL && nlp_registry_list(r, &models, &e) == NLP_OK)
		for (i = 0; i < models.n; i++) {
			if (strcmp(models.v[i].name, name) != 0)
				continue;
			for (j = 0; j < models.v[i].naliases; j++) {
				const char *a = models.v[i].aliases[j].alias;
				if (strcmp(a, alias) != 0 && !digits_apart(a,
				    alias) && (d = nlp_text_distance(a, alias)) <
				    bd) {
					bd = d;
					snprintf(buf, size, "%s", a);
				}
			}
		}
	nlp_registry_models_release(&models);
	if (own != NULL)
		nlp_registry_close(own);
	return buf[0] != '\0';
}

void
cli_new_alias(const char *cmd, struct nlp_registry *r, const char *name,
    const char *alias, int quiet)
{
	char best[NLP_NAME_MAX + 1];

	if (cli_near_alias(r, name, alias, best, sizeof best))
		/* a typo to be seen, -q or not: the alias meant stays */
		fprintf(stderr, "nlpops %s: warning: new alias '%s' of %s, not "
		    "'%s': a typo? ('registry alias --delete %s %s' removes "
		    "it)\n", cmd, alias, name, best, name, alias);
	else if (!quiet)
		fprintf(stderr, "nlpops %s: new alias '%s' of %s\n", cmd, alias,
		    name);
}

int
cli_print_pushed(const char *cmd, const char *name, const char *alias,
    const struct nlp_push_result *res, int quiet)
{
	char line[NLP_NAME_MAX + NLP_SHA256_HEX + 32];
	int err;

	if (res->existed && !quiet)
		fprintf(stderr, "nlpops %s: these bytes are already %s@%ld; no new "
		    "version\n", cmd, name, res->version);
	if (alias != NULL && res->alias_created)
		cli_new_alias(cmd, NULL, name, alias, quiet);
	else if (!quiet && alias != NULL && res->alias_old != res->version)
		/* a move, as alias prints it */
		fprintf(stderr, "nlpops %s: %s: %s@%ld -> %s@%ld\n", cmd, alias,
		    name, res->alias_old, name, res->version);
	snprintf(line, sizeof line, "%s@%ld %s", name, res->version, res->sha256);
	printf("%s\n", line);
	if ((err = cli_flush_stdout()) != 0)
		return cli_errorf(cmd, NLP_IO, "the push was committed (%s), but "
		    "standard output failed: %s", line, strerror(err));
	return NLP_OK;
}

int
cli_check_stdout(void *unused)
{
	(void)unused;
	return cli_stdout_writable();
}

/* The first failed write's errno on standard output, kept: stdio keeps
 * only that one failed (a later flush has nothing to write, and errno is
 * another call's by then). */
static int stdout_err;

int
cli_flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (stdout_err == 0)
			stdout_err = errno ? errno : EIO;
		return stdout_err;
	}
	return 0;
}

void
cli_stdout_failed(int err)
{
	if (stdout_err == 0 && err != 0)
		stdout_err = err;
}

/*
 * "nlpops CMD: MSG" on stderr, one line whatever MSG holds: a file or
 * registry name with a newline or another control character in it is
 * shown escaped (\n, \xHH), so that the line is still one line.
 */
static void
put_error(const char *cmd, const char *msg)
{
	const unsigned char *p;
	char buf[4096];
	size_t n = 0;

	for (p = (const unsigned char *)msg; *p && n + 5 < sizeof buf; p++) {
		if (*p == '\n' || *p == '\r')
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\%c",
			    *p == '\n' ? 'n' : 'r');
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\x%02x",
			    *p);
		else
			buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	if (cmd != NULL)         /* "registry alias": the command's name */
		fprintf(stderr, "nlpops %.*s: %s\n", (int)strcspn(cmd, " "), cmd,
		    buf);
	else
		fprintf(stderr, "nlpops: %s\n", buf);
}

int
cli_error(const char *cmd, const struct nlp_err *e)
{
	put_error(cmd, e->msg);
	return e->status ? e->status : NLP_BUG;
}

int
cli_errorf(const char *cmd, int status, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	put_error(cmd, msg);
	return status;
}

int
cli_label(const char *cmd, const char *opt, const char *arg)
{
	char why[64];

	/* as a label in the data is judged (reader.c) */
	if (*arg == '\0' || nlp_text_label_fault(arg, strlen(arg), why,
	    sizeof why) != NULL)
		return cli_usage_error(cmd, "%s takes a label: not empty, valid "
		    "UTF-8, and no TAB, newline or other control character", opt);
	return NLP_OK;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof msg - n, " (see 'nlpops %s --help')",
	    cli_usage_help != NULL ? cli_usage_help : cmd);
	put_error(cmd, msg);
	return NLP_USAGE;
}

int
cli_help(const char *usage)
{
	fputs(usage, stdout);
	return NLP_OK;
}

int
cli_reader_option(const char *cmd, int c, const char *arg,
    struct nlp_reader_opts *ro, int plain)
{
	int fmt;

	switch (c) {
	case CLI_FORMAT:
		fmt = nlp_format_parse(arg);
		if (fmt < 0 || (!plain && fmt == NLP_FMT_PLAIN))
			return cli_usage_error(cmd, "--format takes %stsv, csv, jsonl "
			    "or fasttext, not '%s'", plain ? "plain, " : "", arg);
		ro->format = (enum nlp_format)fmt;
		return NLP_OK;
	case CLI_TEXT_COLUMN: ro->text_column = arg; return NLP_OK;
	case CLI_LABEL_COLUMN: ro->label_column = arg; return NLP_OK;
	case CLI_ID_COLUMN: ro->id_column = arg; return NLP_OK;
	case CLI_TEXT_FIELD: ro->text_field = arg; return NLP_OK;
	case CLI_LABEL_FIELD: ro->label_field = arg; return NLP_OK;
	case CLI_ID_FIELD: ro->id_field = arg; return NLP_OK;
	case CLI_LABEL_SEP:
		/* one byte that cannot be part of a TSV or CSV field's
		   structure */
		if (arg[0] == '\0' || arg[1] != '\0' || arg[0] == '\t' ||
		    arg[0] == '"' || arg[0] == '\n' || arg[0] == '\r' ||
		    (unsigned char)arg[0] >= 0x80)
			return cli_usage_error(cmd, "--label-sep takes one ASCII "
			    "character other than TAB, newline or '\"', not '%s'",
			    arg);
		ro->label_sep = arg[0];
		return NLP_OK;
	default: return -1;
	}
}

int
cli_uint(const char *cmd, const char *opt, const char *arg, unsigned long min,
    unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	/* digits alone: strtoul would also take white space and a sign
	   before them, where white space after is refused */
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		return cli_usage_error(cmd, "%s takes a whole number from %lu "
		    "to %lu, not '%s'", opt, min, max, arg);
	*out = v;
	return NLP_OK;
}

int
cli_double(const char *cmd, const char *opt, const char *arg, double min,
    double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	/* a decimal number: strtod would also take white space before it,
	   hexadecimal, "inf" and "nan" */
	/* (an underflow, 1e-320, is the tiny number it is: ERANGE too) */
	if (arg[0] == '\0' || arg[strspn(arg, "0123456789.eE+-")] != '\0' ||
	    *end != '\0' || (errno != 0 && !(errno == ERANGE && v > -1 &&
	    v < 1)) || !(v >= min) || !(v <= max))
		return cli_usage_error(cmd, "%s takes a number from %g to %g, "
		    "not '%s'", opt, min, max, arg);
	/* -0 is 0: it would be printed "-0" (a gate's bound) and stored
	   "-0.0" (meta.json's hyperparameters, other bytes than 0's) */
	*out = v == 0 ? 0 : v;
	return NLP_OK;
}

int
cli_threads(const char *cmd, const char *arg, unsigned *out)
{
	unsigned long u = 0;
	int rc = cli_uint(cmd, "--threads", arg, 1, 256, &u);

	if (rc == NLP_OK)
		*out = (unsigned)u;
	return rc;
}

int
cli_isatty(int fd)
{
	return isatty(fd);
}

int
cli_escapes(void)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");

	return isatty(2) && (nc == NULL || nc[0] == '\0') &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

void
cli_put_safe(FILE *out, const char *s, int width)
{
	/* a failed write shows in ferror(out), which finish_stdout() checks */
	(void)nlp_text_put_safe(out, s, width);
}

const char *
cli_shown(const char *s, char *buf, size_t size)
{
	if (s == NULL)
		return "-";
	if (nlp_text_clean(s, strlen(s)))
		return s;
	return nlp_text_escape_into(s, buf, size);
}

double
cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A file as outputs and inputs are compared: its device and inode, or,
 * not there yet, its directory's and its last name. */
struct fid {
	dev_t dev;
	ino_t ino;
	const char *base;        /* NULL when the file exists */
};

/* f for path: 1, or 0 when it is no regular file that could be one
 * (a device, a pipe: writing there reads nothing back). */
static int
fid_of(const char *path, struct fid *f)
{
	struct stat sb;
	char dir[4096];
	const char *slash = strrchr(path, '/');

	f->base = NULL;
	if (stat(path, &sb) == 0) {
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
		return S_ISREG(sb.st_mode);
	}
	snprintf(dir, sizeof dir, "%.*s", slash == NULL ? 1 : slash == path ?
	    1 : (int)(slash - path), slash == NULL ? "." : path);
	if (stat(dir, &sb) != 0)
		return 0;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->base = slash != NULL ? slash + 1 : path;
	return 1;
}

/* f for a descriptor (0 or 1): 1 when it is a regular file. */
static int
fid_of_fd(int fd, struct fid *f)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	*f = (struct fid){ sb.st_dev, sb.st_ino, NULL };
	return 1;
}

static int
fid_same(const struct fid *a, const struct fid *b)
{
	return a->dev == b->dev && a->ino == b->ino && (a->base == NULL) ==
	    (b->base == NULL) && (a->base == NULL || strcmp(a->base,
	    b->base) == 0);
}

/* Is f the file behind standard output or error (what the atomic writer
 * writes straight through, not beside and renamed: /dev/stdout, or a
 * path to the file the shell's >> opened)? */
static int
fid_is_standard(const struct fid *f)
{
	struct fid s;
	int fd;

	if (f->base != NULL)
		return 0;
	for (fd = 1; fd <= 2; fd++)
		if (fid_of_fd(fd, &s) && fid_same(f, &s))
			return 1;
	return 0;
}

#define FILES_MAX_OUT 4

/* None of the nout outputs (out, named name) is the file at path, what
 * ("the model"): NLP_OK, else the usage error said.  A path not there
 * counts only when may_be_new (by its directory and name). */
/* Does path hold a PEM key ("-----BEGIN ... KEY-----"), a public one
 * too: a file nothing could make again, whoever's it is? */
static int
holds_key(const char *path)
{
	char head[64] = "";
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof head - 1);
	close(fd);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	return strncmp(head, "-----BEGIN ", 11) == 0 && strstr(head, "KEY-----") !=
	    NULL;
}

static int
not_onto(const char *cmd, const struct fid *out, char (*name)[300],
    size_t nout, const char *what, const char *path, int may_be_new)
{
	struct fid in;
	size_t j;

	if (!fid_of(path, &in) || (in.base != NULL && !may_be_new))
		return NLP_OK;
	for (j = 0; j < nout; j++)
		if (fid_same(&out[j], &in))
			return cli_usage_error(cmd, "%s is also %s '%s': it would "
			    "be overwritten", name[j], what, path);
	return NLP_OK;
}

/* Is standard input, read as an input of f, a pipe or socket that the
 * output path names too (/dev/stdin, /proc/self/fd/0)?  Writing there
 * would put the output into the text being read, or lose it. */
static int
onto_piped_input(const struct cli_files *f, const char *path)
{
	struct stat in, out;
	size_t i;
	int reads = f->nin == 0 && f->in != NULL;

	for (i = 0; i < f->nin; i++)
		reads |= strcmp(f->in[i], "-") == 0;
	return reads && fstat(0, &in) == 0 && (S_ISFIFO(in.st_mode) ||
	    S_ISSOCK(in.st_mode)) && stat(path, &out) == 0 &&
	    out.st_dev == in.st_dev && out.st_ino == in.st_ino;
}

/* An empty name among the n inputs (a variable unset in a script): a
 * usage error, not "cannot open ''" (status 4, as if the disk failed). */
static int
empty_input(const char *cmd, char *const *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (in[i] != NULL && in[i][0] == '\0')
			return cli_usage_error(cmd, "an input file name is empty");
	return NLP_OK;
}

int
cli_inputs_once(const char *cmd, char *const *in, size_t n)
{
	struct fid *f;
	size_t i, j, nstd = 0;
	int rc = NLP_OK;

	if (empty_input(cmd, in, n) != NLP_OK)
		return NLP_USAGE;
	for (i = 0; i < n; i++)
		nstd += strcmp(in[i], "-") == 0;
	if (nstd > 1)
		return cli_usage_error(cmd, "standard input ('-') is given %zu "
		    "times: it is read once", nstd);
	if (n < 2 || (f = calloc(n, sizeof *f)) == NULL)
		return NLP_OK;      /* out of memory: not checked */
	for (i = 0; i < n; i++) {
		struct stat st;
		/* standard input redirected from a file (< f) is that file */
		if (strcmp(in[i], "-") == 0 && fstat(0, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			f[i].dev = st.st_dev;
			f[i].ino = st.st_ino;
			f[i].base = NULL;
		} else if (strcmp(in[i], "-") == 0 || !fid_of(in[i], &f[i]) ||
		    f[i].base != NULL) {
			f[i].base = "";     /* not a file there: not compared */
		}
	}
	for (i = 0; i < n && rc == NLP_OK; i++)
		for (j = i + 1; j < n && rc == NLP_OK && f[i].base == NULL; j++)
			if (f[j].base == NULL && fid_same(&f[i], &f[j])) {
				char a[1024], b[1024];
				rc = cli_usage_error(cmd, "%s and %s are the same "
				    "file: its records would count twice",
				    nlp_input_shown(in[i], a, sizeof a),
				    nlp_input_shown(in[j], b, sizeof b));
			}
	free(f);
	return rc;
}

int
cli_outside_registry(const char *cmd, const char *opt, const char *path,
    const char *regdir)
{
	static const char *const own[] = {
		"registry.db", "registry.db-wal", "registry.db-shm",
		"registry.db-journal",
	};
	char dir[PATH_MAX], real[PATH_MAX], reg[PATH_MAX];
	const char *slash, *base, *rest;
	size_t n, i;

	if (path == NULL || strcmp(path, "-") == 0 || regdir == NULL ||
	    regdir[0] == '\0' || nlp_registry_is_uri(regdir) ||
	    realpath(regdir, reg) == NULL)
		return NLP_OK;
	slash = strrchr(path, '/');
	/* where the write lands: the file a symbolic link names (the
	   writer follows it), else its directory resolved and its name */
	if (realpath(path, real) == NULL) {
		snprintf(dir, sizeof dir, "%.*s", slash == NULL ? 1 : slash ==
		    path ? 1 : (int)(slash - path), slash == NULL ? "." : path);
		if (realpath(dir, real) == NULL)
			return NLP_OK;
		base = slash != NULL ? slash + 1 : path;
		if (strlen(real) + strlen(base) + 2 > sizeof real)
			return NLP_OK;
		strcat(real, "/");
		strcat(real, base);
	}
	n = strlen(reg);
	if (strncmp(real, reg, n) != 0 || real[n] != '/')
		return NLP_OK;
	rest = real + n + 1;
	for (i = 0; i < sizeof own / sizeof *own; i++)
		if (strcmp(rest, own[i]) == 0)
			break;
	if (i == sizeof own / sizeof *own) {
		/* objects/ and tmp/: where a registry is (its database or
		   its objects; a directory that is none yet holds the user's
		   own tmp/ and objects/); the database's names always (a
		   registry about to be made there: train -o registry.db
		   --push) */
		if (strncmp(rest, "objects/", 8) != 0 && strncmp(rest, "tmp/",
		    4) != 0)
			return NLP_OK;
		if (strlen(reg) + sizeof "/registry.db" > sizeof dir)
			return NLP_OK;
		snprintf(dir, sizeof dir, "%s/registry.db", reg);
		if (access(dir, F_OK) != 0) {
			snprintf(dir, sizeof dir, "%s/objects", reg);
			if (access(dir, F_OK) != 0)
				return NLP_OK;
		}
	}
	return cli_usage_error(cmd, "%s '%s' is one of the registry's own "
	    "files ('%s' in '%s'): writing there would damage it", opt, path,
	    rest, regdir);
}

/* The pipe or socket an output lands in (standard output's, for opt
 * NULL): 1 with its device and inode, else 0 (a file or a device, which
 * fid_of() compares, or nothing there). */
static int
pipe_of(const struct cli_output *o, struct stat *sb)
{
	if (o->path == NULL || (o->opt == NULL ? fstat(1, sb) :
	    stat(o->path, sb)) != 0)
		return 0;
	return S_ISFIFO(sb->st_mode) || S_ISSOCK(sb->st_mode);
}

/* An output's name in a message: "standard output", or "OPT 'PATH'". */
static const char *
output_name(const struct cli_output *o, char *buf, size_t size)
{
	if (o->opt == NULL)
		snprintf(buf, size, "standard output");
	else
		snprintf(buf, size, "%s '%s'", o->opt, o->path);
	return buf;
}

/* Two outputs into one pipe (--profile-out /dev/stdout while the
 * results go to standard output, a pipe): their bytes would mix. */
static int
pipes_apart(const char *cmd, const struct cli_files *f)
{
	struct stat a, b;
	size_t i, j;

	for (i = 0; i < f->nout; i++)
		for (j = i + 1; pipe_of(&f->out[i], &a) && j < f->nout; j++)
			if (pipe_of(&f->out[j], &b) && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino) {
				char x[300], y[300];
				return cli_usage_error(cmd, "%s is also %s: one "
				    "pipe, their bytes would mix",
				    output_name(&f->out[j], y, sizeof y),
				    output_name(&f->out[i], x, sizeof x));
			}
	return NLP_OK;
}

int
cli_files_apart(const char *cmd, const struct cli_files *f)
{
	struct fid out[FILES_MAX_OUT], in;
	char name[FILES_MAX_OUT][300];
	size_t nout = 0, i, j;
	int replaces[FILES_MAX_OUT];
	const char *p;
	char keybuf[4096];

	/* an empty name, as empty_input() says of inputs */
	for (i = 0; i < f->nout; i++)
		if (f->out[i].path != NULL && f->out[i].path[0] == '\0')
			return cli_usage_error(cmd, "%s takes a file name, not an "
			    "empty one", f->out[i].opt != NULL ? f->out[i].opt :
			    "the output");
	if (empty_input(cmd, f->in, f->nin) != NLP_OK ||
	    pipes_apart(cmd, f) != NLP_OK)
		return NLP_USAGE;
	for (i = 0; i < f->nout && nout < FILES_MAX_OUT; i++) {
		const struct cli_output *o = &f->out[i];

		if (o->path == NULL)
			continue;
		if (o->opt != NULL && cli_outside_registry(cmd, o->opt,
		    o->path, cli_registry_dir()) != NLP_OK)
			return NLP_USAGE;
		if (o->opt != NULL && onto_piped_input(f, o->path))
			return cli_usage_error(cmd, "%s '%s' is standard input, "
			    "which is read: it would be written into the text "
			    "being read", o->opt, o->path);
		if (!(o->opt == NULL ? fid_of_fd(1, &out[nout]) :
		    fid_of(o->path, &out[nout])))
			continue;
		output_name(o, name[nout], sizeof name[0]);
		for (j = 0; j < nout; j++)
			if (fid_same(&out[j], &out[nout]))
				return cli_usage_error(cmd, "%s is also %s: one "
				    "would overwrite the other", name[nout],
				    name[j]);
		/* replacing an input once it is read needs a file written
		   beside it and renamed: not one written straight through */
		replaces[nout] = o->may_replace_input &&
		    !fid_is_standard(&out[nout]);
		nout++;
	}
	for (i = 0; i <= f->nin; i++) {
		p = i < f->nin ? f->in[i] : f->nin == 0 && f->in != NULL ? "-" :
		    NULL;
		if (p == NULL || !(strcmp(p, "-") == 0 ? fid_of_fd(0, &in) :
		    fid_of(p, &in)) || in.base != NULL)
			continue;
		for (j = 0; j < nout; j++)
			if (!replaces[j] && fid_same(&out[j], &in))
				return cli_usage_error(cmd, "%s is also the "
				    "input%s%s%s: it would be overwritten, or read "
				    "back as it grows", name[j], strcmp(p, "-") == 0 ?
				    " (standard input)" : " '", strcmp(p, "-") == 0 ?
				    "" : p, strcmp(p, "-") == 0 ? "" : "'");
	}
	if (f->model != NULL && nlp_modelref_is_path(f->model) &&
	    (not_onto(cmd, out, name, nout, "the model", f->model, 0) != NLP_OK ||
	    /* and its signature beside it, read at every load (--trust),
	       there or not yet (`registry pull`, `train --sign` write it) */
	    (nlp_signature_path(f->model, keybuf, sizeof keybuf) == 0 &&
	    not_onto(cmd, out, name, nout, "the model's signature", keybuf, 1) !=
	    NLP_OK)))
		return NLP_USAGE;
	/* a key, which nothing could make again: --sign's, the trusted */
	for (i = 0, p = f->key; ; p = cli_trust_file(i++, keybuf,
	    sizeof keybuf)) {
		if (p != NULL && not_onto(cmd, out, name, nout, "the key", p, 0) !=
		    NLP_OK)
			return NLP_USAGE;
		if (p == NULL && i > 0)
			break;
	}
	/* any other key (a public one: train -o k.pub for k.nlp) */
	for (i = 0; i < f->nout; i++) {
		const struct cli_output *o = &f->out[i];
		struct fid x;
		if (o->opt != NULL && o->path != NULL && fid_of(o->path, &x) &&
		    x.base == NULL && holds_key(o->path))
			return cli_usage_error(cmd, "%s '%s' holds a key, which it "
			    "would overwrite", o->opt, o->path);
	}
	return NLP_OK;
}
