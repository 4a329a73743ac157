// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-migrate migrate: source and destination as two processes joined by a
 * socket, as two VMMs would be, or one side against a file.  The socket is
 * the return path (switchover-ack, the destination's result); the stream
 * goes through a shared-memory ring (--transport shm, the default: the
 * device data is copied once, by the source's data_fd read) or through the
 * socket too (--transport socket: two more copies, as between machines).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "vfiomig.h"
#include "mock_vfio_pci.h"
#include "cli.h"
#include "report.h"
#include "monitor.h"

struct args {
	char *src[VFM_MAX_DEVICES], *dst[VFM_MAX_DEVICES];
	unsigned int nsrc, ndst;
	const char *save, *load, *json, *timeline;
	long workload;			/* pages/s on mock sources, -1: leave alone */
	long p2p;			/* P2P writes/s between mock sources, -1: none */
	uint64_t ram_size;		/* guest RAM migrated with the devices, 0: none */
	long dma;			/* DMA writes/s of mock sources into the RAM, -1: none */
	bool socket_transport;		/* the stream through the socket, not a ring */
	struct vfm_ram *ram;
	struct mon_snap mon;		/* the monitor before the migration */
	struct vfm_mig_opts opts;
};

static void usage(FILE *f)
{
	int i;

	fprintf(f,
		"usage: vfio-migrate migrate --src BDF[,BDF...] --dst BDF[,BDF...] [OPTIONS]\n"
		"       vfio-migrate migrate --src BDF[,...] --save FILE [OPTIONS]\n"
		"       vfio-migrate migrate --dst BDF[,...] --load FILE [OPTIONS]\n"
		"  --precopy / --no-precopy   use PRE_COPY where offered (default on)\n"
		"  --max-rounds N             pre-copy rounds before dirty data stops delaying switchover (30)\n"
		"  --downtime-limit MS        dirty bytes that fit MS at the measured bandwidth converge (300)\n"
		"  --workload RATE            mock sources: run the workload, RATE pages/s\n"
		"  --p2p RATE                 mock sources: each writes RATE P2P writes/s into the next\n"
		"                             source device (a ring; one device writes into itself)\n"
		"  --ram SIZE                 migrate SIZE (e.g. 64M) of guest RAM, mapped for every\n"
		"                             device's DMA, dirty pages from DMA logging (both sides)\n"
		"  --dma RATE                 mock sources: DMA engine writes RATE times/s into the RAM\n"
		"  --transport shm|socket     the stream between the two processes: a shared-memory\n"
		"                             ring (default) or the socket, as between two machines\n"
		"  --json FILE                full report (JSON)\n"
		"  --timeline FILE.svg        one lane per device, its states over time\n"
		"  --misbehave MODE           a deliberately wrong VMM (testing monitors), never default;\n"
		"                             MODE and the monitor rules it breaks:\n");
	for (i = 1; i < VFM_MB_NR; i++)
		fprintf(f, "    %-28s %s\n", vfm_misbehave_name(i), vfm_misbehave_what(i));
}

static int split_bdfs(char *list, char **out, unsigned int *n)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == VFM_MAX_DEVICES) {
			fprintf(stderr, "vfio-migrate: at most %d devices per side\n", VFM_MAX_DEVICES);
			return -1;
		}
		out[(*n)++] = tok;
	}
	return 0;
}

/* The long name of option @c in @opts, for messages. */
static const char *opt_name(const struct option *opts, int c)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

/* @path can be created: its directory exists and is writable. */
static int check_writable(const char *opt, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX] = ".";

	if (slash == path)
		strcpy(dir, "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (access(dir, W_OK | X_OK)) {
		fprintf(stderr, "vfio-migrate: --%s %s: cannot write in %s: %s\n", opt, path, dir,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* A device named on both sides would be opened twice: refused before any work. */
static int check_disjoint(const struct args *a)
{
	unsigned int i, j;

	for (i = 0; i < a->nsrc; i++)
		for (j = 0; j < a->ndst; j++)
			if (!strcmp(a->src[i], a->dst[j])) {
				fprintf(stderr, "vfio-migrate: %s is both a source (--src) and a destination (--dst)\n",
					a->src[i]);
				return -1;
			}
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "save", required_argument, NULL, 'S' },
		{ "load", required_argument, NULL, 'L' },
		{ "precopy", no_argument, NULL, 'p' },
		{ "no-precopy", no_argument, NULL, 'P' },
		{ "max-rounds", required_argument, NULL, 'r' },
		{ "downtime-limit", required_argument, NULL, 't' },
		{ "workload", required_argument, NULL, 'w' },
		{ "p2p", required_argument, NULL, 'q' },
		{ "ram", required_argument, NULL, 'R' },
		{ "dma", required_argument, NULL, 'D' },
		{ "transport", required_argument, NULL, 'x' },
		{ "json", required_argument, NULL, 'j' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "misbehave", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char *end;
	int c;

	memset(a, 0, sizeof(*a));
	a->workload = -1;
	a->p2p = -1;
	a->dma = -1;
	vfm_mig_opts_default(&a->opts);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (split_bdfs(optarg, a->src, &a->nsrc))
				return -1;
			break;
		case 'd':
			if (split_bdfs(optarg, a->dst, &a->ndst))
				return -1;
			break;
		case 'S':
			a->save = optarg;
			break;
		case 'L':
			a->load = optarg;
			break;
		case 'p':
		case 'P':
			a->opts.precopy = c == 'p';
			break;
		case 'r':
		case 't':
		case 'w':
		case 'q':
		case 'D':
			errno = 0;
			{
				unsigned long v = strtoul(optarg, &end, 0);

				if (errno || *end || !*optarg || *optarg == '-' || v > 1000000000UL) {
					fprintf(stderr,
						"vfio-migrate: --%s: '%s' is not a whole number from 0 to 1000000000\n",
						opt_name(opts, c), optarg);
					return -1;
				}
				if (c == 'r')
					a->opts.max_rounds = v;
				else if (c == 't')
					a->opts.downtime_limit_ms = v;
				else if (c == 'q')
					a->p2p = v;
				else if (c == 'D')
					a->dma = v;
				else
					a->workload = v;
			}
			break;
		case 'R':
			if (vfm_ram_parse_size(optarg, &a->ram_size) || !a->ram_size ||
			    a->ram_size % VFM_RAM_PAGE || a->ram_size > VFM_RAM_MAX_SIZE) {
				fprintf(stderr, "vfio-migrate: --ram %s: a multiple of 4096 bytes up to 1G\n",
					optarg);
				return -1;
			}
			break;
		case 'x':
			if (strcmp(optarg, "shm") && strcmp(optarg, "socket")) {
				fprintf(stderr, "vfio-migrate: --transport %s: shm or socket\n", optarg);
				return -1;
			}
			a->socket_transport = !strcmp(optarg, "socket");
			break;
		case 'j':
			a->json = optarg;
			break;
		case 'T':
			a->timeline = optarg;
			break;
		case 'm':
			a->opts.misbehave = vfm_misbehave_parse(optarg);
			if (a->opts.misbehave == VFM_MB_NR) {
				fprintf(stderr, "vfio-migrate: unknown --misbehave mode '%s'\n", optarg);
				usage(stderr);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || (a->save && a->load) ||
	    (a->save && (!a->nsrc || a->ndst)) || (a->load && (!a->ndst || a->nsrc)) ||
	    (!a->save && !a->load && (!a->nsrc || !a->ndst))) {
		usage(stderr);
		return -1;
	}
	if (a->dma >= 0 && (!a->ram_size || !a->nsrc)) {
		fprintf(stderr, "vfio-migrate: --dma needs --ram and source devices\n");
		return -1;
	}
	if (a->nsrc && a->ndst && a->nsrc != a->ndst) {
		fprintf(stderr, "vfio-migrate: %u source devices but %u destination devices\n",
			a->nsrc, a->ndst);
		return -1;
	}
	if (check_disjoint(a) || (a->json && check_writable("json", a->json)) ||
	    (a->timeline && check_writable("timeline", a->timeline)))
		return -1;
	return 0;
}

static void start_workload(struct vfm_mig *m, long rate)
{
	unsigned int i;

	for (i = 0; rate >= 0 && i < m->ndev; i++) {
		if (!m->dev[i].mock) {
			fprintf(stderr, "vfio-migrate: %s: not a mock device, no workload\n",
				m->dev[i].dev.bdf);
			continue;
		}
		vfm_mock_workload(&m->dev[i].dev, 0x5eed0000 + i, rate);
	}
}

/* A ring of P2P traffic between the mock sources: i writes into i + 1. */
static void start_p2p(struct vfm_mig *m, long rate)
{
	unsigned int i;

	for (i = 0; rate >= 0 && i < m->ndev; i++) {
		struct vfm_migdev *d = &m->dev[i], *peer = &m->dev[(i + 1) % m->ndev];

		if (!d->mock || !peer->mock) {
			fprintf(stderr, "vfio-migrate: %s -> %s: not both mock devices, no P2P traffic\n",
				d->dev.bdf, peer->dev.bdf);
			continue;
		}
		if (vfm_mock_p2p(&d->dev, &peer->dev, rate))
			fprintf(stderr, "vfio-migrate: %s: cannot start P2P traffic\n", d->dev.bdf);
	}
}

/* --ram: the guest RAM of one side, mapped for its devices. */
static int attach_ram(struct args *a, struct vfm_mig *m)
{
	if (!a->ram_size)
		return 0;
	a->ram = vfm_ram_new(a->ram_size, VFM_RAM_IOVA);
	if (!a->ram) {
		m->err = -errno;
		snprintf(m->step, sizeof(m->step), "ram");
		snprintf(m->error, sizeof(m->error), "allocating %llu bytes of RAM: %s",
			 (unsigned long long)a->ram_size, strerror(-m->err));
		return m->err;
	}
	return vfm_mig_attach_ram(m, a->ram);
}

/*
 * --dma: each mock source's DMA engine writes into the whole RAM window
 * from now on (the device is RUNNING: a stopped one drops register writes).
 */
static void start_dma(struct vfm_mig *m, const struct args *a)
{
	unsigned int i;

	for (i = 0; a->dma >= 0 && i < m->ndev; i++) {
		const struct vfm_device *dev = &m->dev[i].dev;
		int ret;

		if (!m->dev[i].mock) {
			fprintf(stderr, "vfio-migrate: %s: not a mock device, no DMA engine\n", dev->bdf);
			continue;
		}
		ret = vfm_mock_write(dev, MOCK_REG_DMA_BASE, a->ram->iova);
		if (!ret)
			ret = vfm_mock_write(dev, MOCK_REG_DMA_SIZE, a->ram->size);
		if (!ret)
			ret = vfm_mock_write(dev, MOCK_REG_DMA_SEED, 0xd3a00000ULL + i);
		if (!ret)
			ret = vfm_mock_write(dev, MOCK_REG_DMA_RATE, a->dma);
		if (!ret)
			ret = vfm_mock_write(dev, MOCK_REG_DMA_CTRL, a->dma ? MOCK_DMA_CTRL_ENABLE : 0);
		if (ret)
			fprintf(stderr, "vfio-migrate: %s: cannot start the DMA engine\n", dev->bdf);
	}
}

/* The DMA writes of each mock source so far, into the report's "ram". */
static void report_dma(struct vfm_mig *m, json_object *r)
{
	json_object *ram = NULL, *w;
	unsigned int i;

	if (!json_object_object_get_ex(r, "ram", &ram) || !ram)
		return;
	w = json_object_new_array();
	for (i = 0; i < m->ndev; i++) {
		uint64_t n;

		json_object_array_add(w, m->dev[i].mock &&
				      !vfm_mock_read(&m->dev[i].dev, MOCK_REG_DMA_WRITES, &n) ?
				      json_object_new_int64(n) : NULL);
	}
	json_object_object_add(ram, "dma_writes", w);
}

/*
 * Between the two processes of one migration, the stream goes through a
 * ring this large: several 1 MiB records in flight, so neither side waits
 * for the other record by record.
 */
#define RING_SIZE	(8 << 20)

/* Release one side: its devices, and the RAM (one side a process has it). */
static void close_side(struct args *a, struct vfm_mig *m)
{
	vfm_mig_shutdown(m);
	vfm_ram_free(a->ram);
	a->ram = NULL;
}

/*
 * The destination process: the stream from @ring or, without one, the
 * socket @fd; its result goes back over the socket.
 */
static int run_dest(struct args *a, struct vfm_ring *ring, int fd)
{
	struct vfm_mig m;
	int ret;

	ret = vfm_mig_open(&m, VFM_DEST, a->dst, a->ndst, &a->opts);
	if (!ret)
		ret = attach_ram(a, &m);
	if (ret && fd >= 0) {
		if (ring)
			vfm_ring_close_read(ring);
		vfm_mig_send_result(&m, fd);
	}
	if (!ret)
		ret = ring ? vfm_mig_dest_ring(&m, ring, fd) : vfm_mig_dest(&m, fd, fd);
	close_side(a, &m);
	return ret ? 1 : 0;
}

/* Snapshot the monitor for every device of both sides. */
static void mon_before(struct args *a)
{
	char *all[MON_MAX_DEVICES];
	unsigned int i, n = 0;

	for (i = 0; i < a->nsrc; i++)
		all[n++] = a->src[i];
	for (i = 0; i < a->ndst; i++)
		all[n++] = a->dst[i];
	mon_snap(&a->mon, all, n);
}

static void mon_after(struct args *a, json_object *r)
{
	struct mon_snap now;

	mon_snap_again(&now, &a->mon);
	mon_report(r, &a->mon, &now);
}

static int finish(struct args *a, struct vfm_mig *src, json_object *dst_side)
{
	json_object *r = vfm_mig_report(src, dst_side);
	int ret = src->err ? 1 : 0;

	json_object_object_add(r, "transport", json_object_new_string(
		a->save ? "file" : a->socket_transport ? "socket" : "shm"));
	mon_after(a, r);
	report_dma(src, r);

	print_summary(stdout, r);
	if (a->json) {
		if (json_object_to_file_ext(a->json, r, JSON_C_TO_STRING_PRETTY)) {
			fprintf(stderr, "vfio-migrate: writing %s: %s\n", a->json,
				json_util_get_last_err());
			ret = ret ? ret : 1;
		} else {
			printf("report:   %s\n", a->json);
		}
	}
	if (a->timeline) {
		if (write_timeline(a->timeline, r))
			ret = ret ? ret : 1;
		else
			printf("timeline: %s\n", a->timeline);
	}
	json_object_put(r);
	return ret;
}

/*
 * Snapshot the monitor, open one side's devices and attach the RAM.  On a
 * refusal say why and release the side: the CLI's exit status 2.
 */
static int open_side(struct args *a, struct vfm_mig *m, enum vfm_role role)
{
	int ret;

	mon_before(a);
	if (role == VFM_SOURCE)
		ret = vfm_mig_open(m, role, a->src, a->nsrc, &a->opts);
	else
		ret = vfm_mig_open(m, role, a->dst, a->ndst, &a->opts);
	if (!ret)
		ret = attach_ram(a, m);
	if (!ret)
		return 0;
	fprintf(stderr, "vfio-migrate: refused: %s\n", m->error);
	close_side(a, m);
	return 2;
}

/* What the source's devices do while they migrate (--workload, --p2p, --dma). */
static void start_traffic(struct args *a, struct vfm_mig *src)
{
	start_workload(src, a->workload);
	start_p2p(src, a->p2p);
	start_dma(src, a);
}

static int migrate(struct args *a)
{
	int sv[2], status = 0, ret;
	struct vfm_ring *ring = NULL;
	struct vfm_mig src;
	pid_t pid;

	ret = open_side(a, &src, VFM_SOURCE);
	if (ret)
		return ret;
	if (!a->socket_transport) {
		ring = vfm_ring_create(RING_SIZE);
		if (!ring) {
			fprintf(stderr, "vfio-migrate: shared-memory ring of %d MiB: %s\n",
				RING_SIZE >> 20, strerror(errno));
			goto err;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("vfio-migrate: socketpair");
		goto err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("vfio-migrate: fork");
		close(sv[0]);
		close(sv[1]);
		goto err;
	}
	if (pid == 0) {
		/* The source's device fds are not ours to hold, nor its RAM (not forked). */
		close(sv[0]);
		vfm_mig_close(&src);
		a->ram = NULL;
		_exit(run_dest(a, ring, sv[1]));
	}
	close(sv[1]);
	start_traffic(a, &src);
	if (ring)
		vfm_mig_source_ring(&src, ring, sv[0]);
	else
		vfm_mig_source(&src, sv[0], sv[0]);
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		fprintf(stderr, "vfio-migrate: the destination process died (status 0x%x)\n", status);
	vfm_ring_free(ring);
	ret = finish(a, &src, src.peer_report);
	close_side(a, &src);
	return ret;

err:
	vfm_ring_free(ring);
	close_side(a, &src);
	return 1;
}

static int save(struct args *a)
{
	struct vfm_mig src;
	int fd, ret;

	ret = open_side(a, &src, VFM_SOURCE);
	if (ret)
		return ret;
	fd = open(a->save, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "vfio-migrate: %s: %s\n", a->save, strerror(errno));
		close_side(a, &src);
		return 1;
	}
	start_traffic(a, &src);
	vfm_mig_source(&src, fd, -1);
	/* Data still in flight to the file counts: close() can fail. */
	fd = close(fd) ? -errno : 0;
	ret = finish(a, &src, NULL);
	if (fd) {
		fprintf(stderr, "vfio-migrate: %s: %s\n", a->save, strerror(-fd));
		ret = 1;
	}
	close_side(a, &src);
	return ret;
}

static int load(struct args *a)
{
	struct vfm_mig dst;
	json_object *r;
	int fd, ret;

	fd = open(a->load, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vfio-migrate: %s: %s\n", a->load, strerror(errno));
		return 1;
	}
	ret = open_side(a, &dst, VFM_DEST);
	if (ret) {
		close(fd);
		return ret;
	}
	ret = vfm_mig_dest(&dst, fd, -1) ? 1 : 0;
	close(fd);
	r = vfm_mig_side_report(&dst);
	mon_after(a, r);
	print_load_summary(stdout, r);
	if (a->json && json_object_to_file_ext(a->json, r, JSON_C_TO_STRING_PRETTY))
		fprintf(stderr, "vfio-migrate: writing %s: %s\n", a->json, json_util_get_last_err());
	json_object_put(r);
	close_side(a, &dst);
	return ret;
}

int cmd_migrate(int argc, char **argv)
{
	struct args a;

	if (parse(argc, argv, &a))
		return 2;
	/* A peer that went away must be an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (a.save)
		return save(&a);
	if (a.load)
		return load(&a);
	return migrate(&a);
}
