/*
 * serve.c - `nlpops serve`: the model behind HTTP (lib/server.h).  Here:
 * the options, the listening socket (or systemd's), the signals (SIGHUP
 * reloads and reopens the log, SIGTERM and SIGINT drain and stop) and
 * the event lines on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "pool.h"
#include "server.h"
#include "text.h"

enum {
	OPT_LISTEN = 256, OPT_SHADOW, OPT_LOG, OPT_LOG_TEXT, OPT_LOG_FORMAT,
	OPT_LOG_REQUESTS, OPT_THRESHOLD, OPT_FALLBACK, OPT_MAX_BODY,
	OPT_MAX_CONN, OPT_MAX_PENDING, OPT_TIMEOUT, OPT_DRAIN, OPT_POLL,
};

static const struct cli_opt options[] = {
	{ 'm', 'm', "model", "MODEL", "the model: a file, or NAME[@VERSION|@ALIAS]"
	    "\nin the registry (NAME alone: NAME@production;\nan alias is "
	    "followed as it moves)", "ref" },
	CLI_OPT_TRUST,
	{ OPT_LISTEN, 0, "listen", "ADDR:PORT", "where to listen (default: "
	    "127.0.0.1:8080;\nPORT alone: 127.0.0.1; [ADDR]:PORT for IPv6;\n"
	    "port 0: any free port, printed)", NULL },
	CLI_OPT_THREADS("threads answering requests (default: the\nCPUs it may use)"),
	{ OPT_SHADOW, 0, "shadow", "MODEL", "score every text with this model "
	    "too, off\nthe response path, and count where it disagrees", "ref" },
	{ OPT_LOG, 0, "log", "FILE", "append one JSON line per scored text "
	    "(reopened\non SIGHUP)", "file" },
	{ OPT_LOG_TEXT, 0, "log-text", NULL, "put the text in the log too (a "
	    "log made\nthen is mode 0600)", NULL },
	{ OPT_LOG_FORMAT, 0, "log-format", "F", "stderr's event lines: text "
	    "(default) or json", "text json" },
	{ OPT_LOG_REQUESTS, 0, "log-requests", NULL, "an event line per request "
	    "too (id,\nmethod, endpoint, status, seconds)", NULL },
	{ 'k', 'k', "top", "N", "the N most probable labels (default: 1;\n"
	    "multi-label: at most N, default 64;\na request's \"k\" overrides "
	    "it)", NULL },
	{ OPT_THRESHOLD, 0, "threshold", "P", "below top probability P, answer "
	    "the fallback", NULL },
	{ OPT_FALLBACK, 0, "fallback", "LABEL", "the label below --threshold "
	    "(default: unknown)", NULL },
	{ OPT_MAX_BODY, 0, "max-body", "SIZE", "larger bodies get 413 (default: "
	    "1M)", NULL },
	{ OPT_MAX_CONN, 0, "max-connections", "N", "open connections at most "
	    "(default: 1024)", NULL },
	{ OPT_MAX_PENDING, 0, "max-pending", "N", "requests in progress at most; "
	    "past it, 503\n(default: 512)", NULL },
	{ OPT_TIMEOUT, 0, "timeout", "S", "close a connection idle S seconds "
	    "(default: 30)", NULL },
	{ OPT_DRAIN, 0, "drain", "S", "on SIGTERM, wait at most S seconds for "
	    "the\nrequests in progress (default: 30)", NULL },
	{ OPT_POLL, 0, "poll", "S", "look at the registry every S seconds "
	    "(default: 1)", NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_serve = {
	"serve",
	"usage: nlpops serve -m MODEL [options]\n"
	"\n"
	"Answer predictions over HTTP: POST /v1/predict with {\"text\": ...} or\n"
	"{\"texts\": [...]} (JSON), or lines of text/plain (TSV lines as\n"
	"predict prints them); GET /v1/model, /healthz, /readyz, /metrics\n"
	"(Prometheus).  When MODEL's alias moves, the new version is loaded\n"
	"beside the old one and swapped in without failing a request.\n"
	"SIGHUP: look at the registry now and reopen the log; SIGTERM or\n"
	"SIGINT: finish the requests in progress and exit 0 (a second one:\n"
	"at once).\n"
	"\n",
	options, NULL, "",
};

/* The signals' thread (see watch()) and what it knows of the server. */
struct watch {
	sigset_t set;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int serving;                 /* it said it listens */
	struct nlp_server *s;        /* NULL until nlp_server_start() returned */
	int hup, stop;               /* a SIGHUP before that; SIGTERM or SIGINT */
	int cut;                     /* another one since: the drain cut */
};

struct sargs {
	struct watch *w;
	struct nlp_server_opts o;
	const char *listen;
	int json;                /* --log-format json */
	int fallback_given;      /* --fallback */
	int threshold_given;     /* --threshold */
	double drain;
	struct nlp_err e;
};

/* One option (cli_parse()'s handler). */
static int
option(void *ctx, int id, const char *arg)
{
	struct sargs *a = ctx;
	unsigned long u = 0;
	int64_t size;
	int rc = NLP_OK;

	switch (id) {
	case 'm': a->o.model = arg; break;
	case CLI_TRUST: rc = cli_trust_option("serve", arg); break;
	case OPT_LISTEN: a->listen = arg; break;
	case CLI_THREADS: rc = cli_threads("serve", arg, &a->o.threads); break;
	case OPT_SHADOW: a->o.shadow = arg; break;
	case OPT_LOG: a->o.log_path = arg; break;
	case OPT_LOG_TEXT: a->o.log_text = 1; break;
	case OPT_LOG_FORMAT:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
			return cli_usage_error("serve", "--log-format takes text or "
			    "json, not '%s'", arg);
		a->json = strcmp(arg, "json") == 0;
		break;
	case OPT_LOG_REQUESTS: a->o.log_requests = 1; break;
	case 'k':
		rc = cli_uint("serve", "-k", arg, 1, 64, &u);
		a->o.fmt.k = u;
		break;
	case OPT_THRESHOLD:
		a->threshold_given = 1;
		rc = cli_double("serve", "--threshold", arg, 0, 1,
		    &a->o.fmt.threshold);
		break;
	case OPT_FALLBACK:
		if ((rc = cli_label("serve", "--fallback", arg)) == NLP_OK)
			a->o.fmt.fallback = arg;
		a->fallback_given = 1;
		break;
	case OPT_MAX_BODY:
		if (cli_parse_size(arg, &size) != 0 || size < 1 || size > (1 << 30))
			return cli_usage_error("serve", "--max-body takes a size from "
			    "1 to 1G (like 64K or 4M), not '%s'", arg);
		a->o.max_body = (size_t)size;
		break;
	case OPT_MAX_CONN:
		rc = cli_uint("serve", "--max-connections", arg, 1, 100000, &u);
		a->o.max_connections = (unsigned)u;
		break;
	case OPT_MAX_PENDING:
		rc = cli_uint("serve", "--max-pending", arg, 1, 100000, &u);
		a->o.max_pending = (unsigned)u;
		break;
	case OPT_TIMEOUT:
		rc = cli_uint("serve", "--timeout", arg, 1, 86400, &u);
		a->o.timeout = (unsigned)u;
		break;
	case OPT_DRAIN: rc = cli_double("serve", "--drain", arg, 0, 86400,
	    &a->drain); break;
	case OPT_POLL: rc = cli_double("serve", "--poll", arg, 0.05, 3600,
	    &a->o.poll); break;
	default:
		rc = cli_errorf("serve", NLP_BUG, "option %d has no handler", id);
	}
	return rc;
}

/* The bytes of an event's message its JSON line keeps. */
#define EVENT_MSG_MAX 4096

/* The event line on stderr: "nlpops serve: MSG", or one JSON object. */
static void
event(void *ctx, const char *kind, const char *msg)
{
	static const char *const errors[] = {
		"reload_failed", "registry_error", "log_error", "http",
		"reload_error", "shadow_error", NULL,
	};
	static const char *const warnings[] = {
		"connections_capped", "drain_cut", NULL,
	};
	struct sargs *a = ctx;
	/* the line made on the stack, never the heap: one that has no room
	   left must not lose it (the "listening" line says a --listen :0
	   port) */
	char line[32 * 1024];
	struct nlp_buf b = NLP_BUF_FIXED(line);
	struct timespec ts;
	char t[32];
	size_t i;
	int error = 0, warning = 0;

	for (i = 0; errors[i] != NULL; i++)
		error |= strcmp(kind, errors[i]) == 0;
	for (i = 0; warnings[i] != NULL; i++)
		warning |= strcmp(kind, warnings[i]) == 0;
	if (a->w != NULL && strcmp(kind, "listening") == 0) {
		/* from here a SIGTERM drains (a supervisor that saw this line
		   may send one before nlp_server_start() returns) */
		pthread_mutex_lock(&a->w->mu);
		a->w->serving = 1;
		pthread_mutex_unlock(&a->w->mu);
	}
	if (!a->json) {
		/* one line whatever a file name in it holds */
		char shown[4 * 2048];
		fprintf(stderr, "nlpops serve: %s%s\n", error &&
		    strcmp(kind, "registry_error") != 0 ? "error: " : warning ?
		    "warning: " : "", cli_shown(msg, shown, sizeof shown));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	nlp_server_time((double)ts.tv_sec + (double)ts.tv_nsec / 1e9, t);
	nlp_buf_lit(&b, "{\"time\":");
	nlp_buf_json_str(&b, t);
	nlp_buf_puts(&b, error ? ",\"level\":\"error\"" : warning ?
	    ",\"level\":\"warning\"" : ",\"level\":\"info\"");
	nlp_buf_lit(&b, ",\"event\":");
	nlp_buf_json_str(&b, kind);
	nlp_buf_lit(&b, ",\"msg\":");
	/* at most EVENT_MSG_MAX bytes of it, cut on a character: escaped,
	   six bytes a byte at most, it fits the line (a longer one would be
	   dropped whole) */
	if (strlen(msg) > EVENT_MSG_MAX) {
		char cut[EVENT_MSG_MAX + 1];
		size_t n = nlp_utf8_cut(msg, strlen(msg), EVENT_MSG_MAX);
		memcpy(cut, msg, n);
		cut[n] = '\0';
		nlp_buf_json_str(&b, cut);
	} else {
		nlp_buf_json_str(&b, msg);
	}
	nlp_buf_lit(&b, "}\n");
	if (!b.failed)
		fwrite(b.p, 1, b.len, stderr);
}

/* Is s a port number, 0 to 65535, in decimal?  (getaddrinfo() would
 * take 99999 as 34463, its value modulo 65536.) */
static int
is_port(const char *s)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return i > 0 && s[i] == '\0' && v <= 65535;
}

/* Split "HOST:PORT", "[HOST]:PORT" or "PORT" into host and port. */
static int
split_listen(const char *s, char *host, size_t hsize, char *port,
    size_t psize)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t n;

	if (colon == NULL) {
		snprintf(host, hsize, "127.0.0.1");
		snprintf(port, psize, "%s", s);
		return is_port(port) ? 0 : -1;
	}
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hsize || !is_port(colon + 1))
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

/* A socket bound to where, listening: the fd, or -1 (a->e says why). */
static int
listen_on(struct sargs *a, const char *where)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char host[256], port[32];
	int fd = -1, one = 1, err;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (split_listen(where, host, sizeof host, port, sizeof port) < 0) {
		nlp_errf(&a->e, NLP_USAGE, "--listen takes ADDR:PORT, [ADDR]:PORT "
		    "or PORT (a port: 0 to 65535), not '%s'", where);
		return -1;
	}
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0) {
		/* a name that names nothing is a bad --listen; a resolver
		   that failed may work on the next try */
		nlp_errf(&a->e, err == EAI_NONAME || err == EAI_SERVICE ||
		    err == EAI_FAMILY || err == EAI_BADFLAGS ? NLP_USAGE : NLP_IO,
		    "cannot listen on '%s': %s", where, err == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(err));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof one) < 0 || (res->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		nlp_errnof(&a->e, NLP_IO, errno, "cannot listen on '%s'", where);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* systemd's socket (LISTEN_FDS, LISTEN_PID: sd_listen_fds(3)): fd 3, -1
 * when none was passed, -2 when the one passed is unusable (a->e says
 * why: listening elsewhere instead would hide the mistake). */
static int
inherited_socket(struct sargs *a)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fl, on = 0;
	socklen_t len = sizeof on;

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid() ||
	    strtol(fds, NULL, 10) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if ((fl = fcntl(3, F_GETFL)) < 0 || fcntl(3, F_SETFL, fl | O_NONBLOCK) < 0
	    || fcntl(3, F_SETFD, FD_CLOEXEC) < 0 ||
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0) {
		nlp_errf(&a->e, NLP_IO, "the socket passed in LISTEN_FDS (fd 3): "
		    "%s", strerror(errno));
		return -2;
	}
	if (!on) {
		nlp_errf(&a->e, NLP_IO, "the socket passed in LISTEN_FDS (fd 3) "
		    "is not listening");
		return -2;
	}
	return 3;
}

/* Room for the connections: the soft limit on open files raised, and
 * where the hard limit allows fewer, the connections held to what it
 * leaves after 64 for the registry, the log and the models (past it,
 * accept() failed, and with it a reload's open: a version that would not
 * load), said once. */
static void
raise_nofile(struct sargs *a, unsigned *want)
{
	struct rlimit rl;
	char msg[160];

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= *want + 64)
		return;
	rl.rlim_cur = rl.rlim_max < *want + 64 ? rl.rlim_max : *want + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE,
	    &rl) != 0)
		return;
	if (rl.rlim_cur < *want + 64) {
		unsigned held = rl.rlim_cur > 64 + 16 ? (unsigned)rl.rlim_cur -
		    64 : 16;
		snprintf(msg, sizeof msg, "at most %u connections "
		    "(--max-connections %u): the open files limit is %llu "
		    "(ulimit -n)", held, *want, (unsigned long long)rl.rlim_cur);
		event(a, "connections_capped", msg);
		*want = held;
	}
}

/*
 * The signals, blocked in every thread and taken by one of its own with
 * sigwait(): SIGHUP reloads; SIGTERM or SIGINT before the server says it
 * listens (the model loading, the log opening: a FIFO with no reader
 * waits for one) ends the process as the signal would, nothing being
 * served yet, and from then on stops it, in run(); a second one cuts the
 * drain short (an operator's second Ctrl-C).  run() cancels the thread.
 */
static void *
watch(void *arg)
{
	struct watch *w = arg;
	sigset_t one;
	int sig;

	for (;;) {
		if (sigwait(&w->set, &sig) != 0)
			continue;
		pthread_mutex_lock(&w->mu);
		if (w->stop) {           /* draining: HUP ignored */
			if (sig != SIGHUP && w->s != NULL) {
				nlp_server_cut(w->s);
				w->cut = 1;
			}
			pthread_mutex_unlock(&w->mu);
			continue;
		}
		if (sig == SIGHUP) {
			if (w->s != NULL)
				nlp_server_hup(w->s);
			else
				w->hup = w->serving;   /* run() passes it on */
			pthread_mutex_unlock(&w->mu);
			continue;
		}
		if (!w->serving) {
			signal(sig, SIG_DFL);
			sigemptyset(&one);
			sigaddset(&one, sig);
			pthread_sigmask(SIG_UNBLOCK, &one, NULL);
			raise(sig);
		}
		w->stop = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

/* Serve until SIGTERM or SIGINT (see watch()). */
static int
run(struct sargs *a, const sigset_t *set)
{
	struct watch w = { .mu = PTHREAD_MUTEX_INITIALIZER,
	    .cv = PTHREAD_COND_INITIALIZER };
	struct nlp_server *s;
	pthread_t t;
	unsigned left;
	int rc, stuck;

	w.set = *set;
	if ((rc = pthread_create(&t, NULL, watch, &w)) != 0)
		return nlp_errf(&a->e, NLP_IO, "cannot start a thread: %s",
		    strerror(rc));
	a->w = &w;
	if ((rc = nlp_server_start(&s, &a->o, &a->e)) != NLP_OK) {
		pthread_cancel(t);
		pthread_join(t, NULL);
		a->w = NULL;
		nlp_server_stop(s);
		return rc;
	}
	pthread_mutex_lock(&w.mu);
	w.s = s;
	if (w.hup)
		nlp_server_hup(s);
	while (!w.stop)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	left = nlp_server_drain(s, a->drain);
	pthread_cancel(t);           /* in sigwait(), or about to be */
	pthread_join(t, NULL);
	a->w = NULL;
	stuck = nlp_server_stop(s) != 0;
	if (left > 0) {
		char msg[160];
		if (w.cut)
			snprintf(msg, sizeof msg, "%u request%s still in "
			    "progress were cut short by a second signal", left,
			    left == 1 ? "" : "s");
		else
			snprintf(msg, sizeof msg, "%u request%s still in "
			    "progress after --drain %g s were cut short", left,
			    left == 1 ? "" : "s", a->drain);
		event(a, "drain_cut", msg);
	}
	event(a, "stopped", "stopped");
	/* a thread left in write() to a log not read (holding its stream's
	   lock) or in a registry call: exit() would flush that stream and
	   wait on it for ever -- ended here, what is ours flushed */
	if (stuck) {
		fflush(stdout);
		fflush(stderr);
		_exit(NLP_OK);
	}
	return NLP_OK;
}

static long
ncpus(void)
{
	unsigned n = nlp_cpu_count();

	return n > 256 ? 256 : n;
}

/* Every default, the trusted keys, the socket. */
static int
setup(struct sargs *a)
{
	const struct cli_output log[1] = { { "--log", a->o.log_path, 0 } };
	struct cli_files f = { log, 1, NULL, 0, a->o.model, NULL };
	int rc;

	if (a->o.model == NULL)
		return cli_usage_error("serve", "no model: give -m MODEL");
	if (a->o.log_text && a->o.log_path == NULL)
		return cli_usage_error("serve", "--log-text goes with --log FILE");
	if (a->fallback_given && !a->threshold_given)
		return cli_usage_error("serve", "--fallback goes with --threshold "
		    "P: it is the label answered below P");
	/* the log appends: not to the model's file, nor the shadow's */
	if ((rc = cli_files_apart("serve", &f)) != NLP_OK)
		return rc;
	f.model = a->o.shadow;
	if (a->o.shadow != NULL && (rc = cli_files_apart("serve", &f)) != NLP_OK)
		return rc;
	if (a->o.threads == 0)
		a->o.threads = (unsigned)ncpus();
	a->o.regdir = cli_registry_dir();
	if ((rc = cli_trust_set(&a->o.trust, &a->e)) != NLP_OK)
		return cli_error("serve", &a->e);
	if ((a->o.listen_fd = inherited_socket(a)) == -1)
		a->o.listen_fd = listen_on(a, a->listen);
	if (a->o.listen_fd < 0)
		return cli_error("serve", &a->e);
	raise_nofile(a, &a->o.max_connections);
	return NLP_OK;
}

int
cmd_serve(int argc, char **argv)
{
	struct sargs a;
	sigset_t set;
	int first, rc;

	memset(&a, 0, sizeof a);
	a.listen = "127.0.0.1:8080";
	a.o.fmt.k = 0;          /* the model's own: 1, or 64 for multi-label */
	a.o.fmt.fallback = "unknown";
	a.o.fmt.min_p = NLP_MIN_P;
	a.o.max_body = 1 << 20;
	a.o.max_connections = 1024;
	a.o.max_pending = 512;
	a.o.timeout = 30;
	a.o.poll = 1;
	a.drain = 30;
	a.o.event = event;
	a.o.event_ctx = &a;
	rc = cli_parse(&cli_serve, argc, argv, option, &a, &first);
	if (rc == NLP_OK && first < argc)
		rc = cli_usage_error("serve", "unexpected operand '%s'",
		    argv[first]);
	if (rc == NLP_OK && (rc = setup(&a)) == NLP_OK) {
		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		signal(SIGPIPE, SIG_IGN);
		if ((rc = run(&a, &set)) != NLP_OK)
			cli_error("serve", &a.e);
	}
	cli_trust_release();
	return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
}
