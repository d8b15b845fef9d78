// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rmem-top - live view of the rmem pool: one row per donor (one-sided reads
 * of its stats block, slot and owner tables by a reader thread per donor)
 * and one row per vhost_rmem device (sysfs counters), refreshed every
 * second.  Plain ANSI; -b for batch output like top, --json for one object
 * per refresh.  docs/tools.md is the manual.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "poller.h"
#include "top.h"

#define EXIT_USAGE 2

/* Everything main() sets up; one per process. */
struct top {
	/* options */
	bool batch;
	long iterations;		/* -n: 0 = until q / signal */
	double interval;		/* -d, s */
	bool json, pretty;
	struct donor_connect conn;	/* -t (per RDMA step of the readers), -k, --insecure */
	const char *sysfs_root;
	struct top_view view;
	/* donors and their readers */
	struct donor_addr addrs[DONORS_MAX];
	int naddrs;
	struct poller *pollers;
	/* device samples: previous refresh, to compute rates */
	struct sysdev *prev;
	int nprev;
	double prev_t;
	struct top_model model;
	/* terminal */
	bool tty_raw;
	struct termios saved;
	int cols, rows;
};

static volatile sig_atomic_t got_stop, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rmem-top [OPTIONS]\n"
		"Live view of rmem donors (one-sided RDMA reads, no donor CPU) and vhost_rmem devices.\n"
		"  -D, --donor ADDR[:PORT]   a donor to watch (repeatable; default: every line of\n"
		"                            the donors file)\n"
		"  -f, --donors-file FILE    donors file (default " DONORS_FILE_DEFAULT ")\n"
		"  -d, --delay SECS          refresh interval (default 1)\n"
		"  -b, --batch               print frames instead of drawing the screen\n"
		"  -n, --iterations N        stop after N refreshes\n"
		"  -j, --json                one JSON object per refresh (implies -b)\n"
		"  -p, --pretty              indented JSON (implies --json)\n"
		"  -s, --sort KEY            name | used | io | errors\n"
		"  -v, --view VIEW           all | donors | devices\n"
		"  -t, --timeout MS          per RDMA step of a donor read (default 1000)\n"
		"  -k, --key-file FILE       rack key file whose first key is proved to donors\n"
		"                            (default $RMEM_KEY_FILE, else " RMEM_KEY_FILE_DEFAULT ")\n"
		"      --insecure            prove no key (donors run --insecure)\n"
		"  -h, --help                this text\n"
		"Keys: q quit, s next sort, d donors only, v devices only, h help.\n"
		"A donor that does not answer is shown DOWN with the time it was last seen.\n"
		"Exit status: 0 ok, 1 failure, 2 bad command line.\n");
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("rmem-top: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see rmem-top --help)\n", stderr);
	return EXIT_USAGE;
}

static int parse_sort(const char *s, enum top_sort *out)
{
	int i;

	for (i = 0; i < TOP_SORT_NR; i++)
		if (!strcmp(s, top_sort_name((enum top_sort)i))) {
			*out = (enum top_sort)i;
			return 0;
		}
	return -1;
}

static int parse_args(struct top *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "donor", required_argument, NULL, 'D' },
		{ "donors-file", required_argument, NULL, 'f' },
		{ "delay", required_argument, NULL, 'd' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, 's' },
		{ "view", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *donors_file = NULL;
	char *end;
	int c, bad;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":D:f:d:bn:jps:v:t:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (t->naddrs >= DONORS_MAX)
				return bad_usage("too many donors (at most 64)%s", "");
			if (donor_addr_parse(optarg, &t->addrs[t->naddrs]))
				return bad_usage("'%s' is not a donor ADDR[:PORT]", optarg);
			t->naddrs++;
			break;
		case 'f':
			donors_file = optarg;
			break;
		case 'd':
			errno = 0;
			t->interval = strtod(optarg, &end);
			if (errno || *end || !(t->interval >= 0.1 && t->interval <= 3600))
				return bad_usage("-d '%s': seconds, 0.1..3600", optarg);
			break;
		case 'b':
			t->batch = true;
			break;
		case 'n':
			errno = 0;
			t->iterations = strtol(optarg, &end, 10);
			if (errno || *end || t->iterations < 1)
				return bad_usage("-n '%s': a count of at least 1", optarg);
			break;
		case 'p':
			t->pretty = true;
			/* fall through */
		case 'j':
			t->json = true;
			t->batch = true;
			break;
		case 's':
			if (parse_sort(optarg, &t->view.sort))
				return bad_usage("--sort '%s': name, used, io or errors", optarg);
			break;
		case 'v':
			if (!strcmp(optarg, "all"))
				t->view.mode = TOP_VIEW_ALL;
			else if (!strcmp(optarg, "donors"))
				t->view.mode = TOP_VIEW_DONORS;
			else if (!strcmp(optarg, "devices"))
				t->view.mode = TOP_VIEW_DEVICES;
			else
				return bad_usage("--view '%s': all, donors or devices", optarg);
			break;
		case 't':
			errno = 0;
			t->conn.timeout_ms = (int)strtol(optarg, &end, 10);
			if (errno || *end || t->conn.timeout_ms < 1 || t->conn.timeout_ms > 600000)
				return bad_usage("-t '%s': milliseconds, 1..600000", optarg);
			break;
		case 'k':
			t->conn.key_file = optarg;
			break;
		case 'I':
			t->conn.insecure = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			return bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!t->naddrs || donors_file) {
		const char *path = donors_file ? donors_file : DONORS_FILE_DEFAULT;
		int n = donors_file_read(path, t->addrs + t->naddrs, DONORS_MAX - t->naddrs, &bad);

		if (n == -EINVAL) {
			fprintf(stderr, "rmem-top: %s:%d: not a donor ADDR[:PORT]\n", path, bad);
			return EXIT_USAGE;
		}
		if (n < 0 && (donors_file || n != -ENOENT)) {
			fprintf(stderr, "rmem-top: %s: %s\n", path, strerror(-n));
			return EXIT_USAGE;
		}
		if (n > 0)
			t->naddrs += n;
	}
	return 0;
}

/* ------------------------------------------------------------ terminal */

static void term_size(struct top *t)
{
	struct winsize ws;

	t->cols = 120;
	t->rows = 40;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		t->cols = ws.ws_col;
		t->rows = ws.ws_row;
	}
}

static int term_enter(struct top *t)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "rmem-top: not a terminal; use -b for batch output\n");
		return EXIT_USAGE;
	}
	if (tcgetattr(STDIN_FILENO, &t->saved))
		return 1;
	raw = t->saved;
	/* Keys without Enter and without echo; output processing stays on. */
	raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw))
		return 1;
	t->tty_raw = true;
	/* Alternate screen, cursor hidden, cleared. */
	fputs("\033[?1049h\033[?25l\033[2J", stdout);
	fflush(stdout);
	term_size(t);
	return 0;
}

static void term_leave(struct top *t)
{
	if (!t->tty_raw)
		return;
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->tty_raw = false;
}

/* ------------------------------------------------------------ sampling */

static const struct sysdev *prev_of(const struct top *t, const char *name)
{
	int i;

	for (i = 0; i < t->nprev; i++)
		if (!strcmp(t->prev[i].name, name))
			return &t->prev[i];
	return NULL;
}

static int sample(struct top *t)
{
	static char names[SYSDEV_MAX][SYSDEV_NAME_MAX];
	struct top_model *m = &t->model;
	double now = now_wall(), dt = t->prev_t > 0 ? now - t->prev_t : 0;
	/* A reader that has not published for this long is DOWN, whatever it says. */
	double stale = fmax(3.0 * t->interval, 3.0);
	struct sysdev *cur;
	int i, n;

	m->now = now;
	m->interval = t->interval;
	for (i = 0; i < t->naddrs; i++) {
		struct top_donor *d = &m->donors[i];

		poller_get(&t->pollers[i], d, NULL);
		if (d->state == TOP_UP && now - d->last_seen > stale) {
			d->state = TOP_DOWN;
			snprintf(d->error, sizeof(d->error), "no answer for %.0f s", now - d->last_seen);
		}
	}
	m->ndonors = t->naddrs;
	m->dev_error = NULL;
	n = sysdev_list(t->sysfs_root, names, SYSDEV_MAX);
	if (n < 0) {
		m->dev_error = strerror(-n);
		n = 0;
	}
	cur = calloc((size_t)n + 1, sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	m->ndevs = 0;
	for (i = 0; i < n; i++) {
		if (sysdev_read(t->sysfs_root, names[i], &cur[m->ndevs]))
			continue;	/* deleted between list and read */
		top_dev_update(&m->devs[m->ndevs], &cur[m->ndevs], prev_of(t, names[i]), dt);
		m->ndevs++;
	}
	free(t->prev);
	t->prev = cur;
	t->nprev = m->ndevs;
	t->prev_t = now;
	top_sort_rows(m, t->view.sort);
	return 0;
}

/* Batch: wait (bounded) until every reader finished a first attempt. */
static void wait_first_polls(struct top *t)
{
	double deadline = now_wall() + 3.0 * t->conn.timeout_ms / 1000.0 + 1.0;
	struct top_donor d;
	int i;

	while (now_wall() < deadline && !got_stop) {
		for (i = 0; i < t->naddrs; i++)
			if (poller_get(&t->pollers[i], &d, NULL) == 0)
				break;
		if (i == t->naddrs)
			return;
		usleep(20000);
	}
}

static void draw(struct top *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (t->json) {
		top_render_json(stdout, &t->model, t->pretty);
		fflush(stdout);
		return;
	}
	if (t->batch) {
		top_render_text(stdout, &t->model, &t->view);
		fputc('\n', stdout);
		fflush(stdout);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return;
	top_render_text(f, &t->model, &t->view);
	fclose(f);
	if (got_winch) {
		got_winch = 0;
		term_size(t);
	}
	top_screen(stdout, text, t->cols, t->rows);
	fflush(stdout);
	free(text);
}

/* A key: true to quit. */
static bool key(struct top *t, int c)
{
	if (t->view.help) {
		t->view.help = false;
		return c == 'q';
	}
	switch (c) {
	case 'q':
		return true;
	case 's':
		t->view.sort = (enum top_sort)((t->view.sort + 1) % TOP_SORT_NR);
		top_sort_rows(&t->model, t->view.sort);
		break;
	case 'd':
		t->view.mode = t->view.mode == TOP_VIEW_DONORS ? TOP_VIEW_ALL : TOP_VIEW_DONORS;
		break;
	case 'v':
		t->view.mode = t->view.mode == TOP_VIEW_DEVICES ? TOP_VIEW_ALL : TOP_VIEW_DEVICES;
		break;
	case 'h':
	case '?':
		t->view.help = true;
		break;
	default:
		break;
	}
	return false;
}

/* Waits until the next refresh is due, handling keys; true to quit. */
static bool wait_refresh(struct top *t, double due)
{
	for (;;) {
		double left = due - now_wall();
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		char c;
		int r;

		if (got_stop)
			return true;
		if (left <= 0)
			return false;
		if (t->batch) {
			usleep((useconds_t)(fmin(left, 0.2) * 1e6));
			continue;
		}
		r = poll(&pfd, 1, (int)ceil(fmin(left, 0.2) * 1000.0));
		if (got_winch)
			draw(t);
		if (r <= 0)
			continue;
		if (read(STDIN_FILENO, &c, 1) == 1) {
			if (key(t, c))
				return true;
			draw(t);	/* immediate feedback, same samples */
		}
	}
}

int main(int argc, char **argv)
{
	struct top t = {
		.interval = 1.0,
		.conn.timeout_ms = 1000,
		.sysfs_root = getenv("RMEM_SYSFS_ROOT") ? getenv("RMEM_SYSFS_ROOT") : SYSDEV_ROOT_DEFAULT,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int i, ret = 0, started = 0;
	bool stopped = true;
	long iter = 0;
	double due;

	ret = parse_args(&t, argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t.pollers = calloc((size_t)t.naddrs + 1, sizeof(*t.pollers));
	t.model.donors = calloc((size_t)t.naddrs + 1, sizeof(*t.model.donors));
	t.model.devs = calloc(SYSDEV_MAX, sizeof(*t.model.devs));
	if (!t.pollers || !t.model.donors || !t.model.devs) {
		fprintf(stderr, "rmem-top: out of memory\n");
		ret = 1;
		goto out_free;
	}
	if (!t.batch) {
		ret = term_enter(&t);
		if (ret)
			goto out_free;
	}
	for (i = 0; i < t.naddrs; i++, started++) {
		if (poller_start(&t.pollers[i], &t.addrs[i], &t.conn, t.interval)) {
			fprintf(stderr, "rmem-top: cannot start a reader thread\n");
			ret = 1;
			goto out_stop;
		}
	}
	if (t.batch)
		wait_first_polls(&t);
	due = now_wall();
	while (!got_stop) {
		if (sample(&t)) {
			ret = 1;
			break;
		}
		draw(&t);
		if (t.iterations && ++iter >= t.iterations)
			break;
		due += t.interval;
		if (due < now_wall())
			due = now_wall();	/* a slow refresh does not cause a burst */
		if (wait_refresh(&t, due))
			break;
	}

out_stop:
	term_leave(&t);
	for (i = 0; i < started; i++)
		if (!poller_stop(&t.pollers[i], 2000))
			stopped = false;
out_free:
	term_leave(&t);
	free(t.prev);
	/* A reader stuck in a connect still uses its poller: leave it to exit. */
	if (stopped)
		free(t.pollers);
	free(t.model.donors);
	free(t.model.devs);
	return ret;
}
