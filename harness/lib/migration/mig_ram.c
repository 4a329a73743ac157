// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest RAM in a migration (vfiomig/migration.h, vfiomig/ram.h): mapping it for the
 * devices, the source's RAM section in each pre-copy round and after the
 * stop, the destination's side of it, and its part of the report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "internal.h"
#include "vfiomig/ram.h"
#include "vfiomig/stream.h"

int vfm_mig_attach_ram(struct vfm_mig *m, struct vfm_ram *ram)
{
	unsigned int i;
	int ret;

	for (i = 0; i < m->ndev; i++) {
		ret = vfm_ram_map(ram, &m->dev[i].dev);
		if (ret)
			return vfm_mig_fail(m, "ram", &m->dev[i], ret,
					    "mapping %" PRIu64 " bytes of RAM at IOVA 0x%" PRIx64,
					    ram->size, ram->iova);
	}
	m->ram = ram;
	return 0;
}

int vfm_mig_ram_setup(struct vfm_mig *m, struct vfm_wstream *ws)
{
	if (!m->ram)
		return 0;
	vfm_ws_setup_section(ws, m->ndev, VFM_RAM_IDSTR, VFM_RAM_INSTANCE);
	vfm_ram_log_start(m->ram);
	return ws->err;
}

int vfm_mig_ram_round(struct vfm_mig *m, struct vfm_wstream *ws, bool final)
{
	struct vfm_ram *ram = m->ram;
	int64_t t0 = vfm_now_ns();
	long n;

	if (!ram)
		return 0;
	/*
	 * A pre-copy round sends what the last REPORT found (everything, the
	 * first time), then REPORTs again, so what is dirty now counts in
	 * the switchover decision.  The final one REPORTs what the devices
	 * wrote until they stopped.
	 */
	if (final)
		vfm_ram_sync(ram);
	/* An empty PART section says nothing; the END one carries VERIFY. */
	if (!final && !vfm_ram_dirty_pages(ram)) {
		vfm_ram_sync(ram);
		return 0;
	}
	vfm_ws_section_begin(ws, final ? VFM_SEC_END : VFM_SEC_PART, m->ndev);
	n = vfm_ram_send(ram, ws, final);
	if (n == -ENOMEM)
		return vfm_mig_fail(m, "ram", NULL, n, "sending guest RAM");
	if (n < 0)
		return n;
	vfm_ws_section_end(ws, m->ndev, VFM_MIG_END_OF_STATE);
	if (final) {
		ram->final_pages = n;
		ram->final_ns = vfm_now_ns() - t0;
	} else {
		if (ram->rounds < VFM_RAM_MAX_ROUNDS)
			ram->round_pages[ram->rounds] = n;
		ram->rounds++;
		vfm_ram_sync(ram);
	}
	return ws->err;
}

bool vfm_mig_ram_item(const struct vfm_item *it)
{
	return !strcmp(it->idstr, VFM_RAM_IDSTR);
}

int vfm_mig_ram_receive(struct vfm_mig *m, struct vfm_rstream *rs, const struct vfm_item *it,
			void **buf)
{
	struct vfm_ram *ram = m->ram;
	uint64_t got = 0;
	int ret;

	if (it->kind == VFM_ITEM_SETUP) {
		if (!ram)
			return vfm_mig_fail(m, "receive", NULL, -EINVAL,
					    "the stream carries guest RAM but the destination has none (--ram)");
		ram->seen = true;
		return 0;
	}
	if (it->kind != VFM_ITEM_DATA)
		return 0;
	if (it->size > VFM_RAM_MAX_DATA)
		return vfm_mig_fail(m, "receive", NULL, -EFBIG,
				    "guest RAM: DATA of %" PRIu64 " bytes (limit %llu)", it->size,
				    VFM_RAM_MAX_DATA);
	if (!*buf) {
		*buf = malloc(VFM_RAM_MAX_DATA);
		if (!*buf)
			return vfm_mig_fail(m, "receive", NULL, -ENOMEM, "guest RAM buffer");
	}
	while (got < it->size) {
		long n = vfm_rs_data(rs, (char *)*buf + got, it->size - got);

		if (n < 0)
			return vfm_mig_fail(m, "receive", NULL, n, "%s", rs->msg);
		got += n;
	}
	ret = vfm_ram_receive(ram, it->section_type == VFM_SEC_END, *buf, got);
	if (ret)
		return vfm_mig_fail(m, "ram", NULL, ret, "guest RAM: %s", ram->msg);
	if (ram->verified && !ram->equal) {
		if (ram->first_diff >= 0)
			return vfm_mig_fail(m, "ram-verify", NULL, -EIO,
					    "guest RAM differs from the source's: first differing page %" PRId64
					    " (offset 0x%" PRIx64 ")", ram->first_diff,
					    (uint64_t)ram->first_diff * 4096);
		return vfm_mig_fail(m, "ram-verify", NULL, -EIO,
				    "guest RAM digest differs from the source's");
	}
	return 0;
}

int vfm_mig_ram_complete(struct vfm_mig *m)
{
	if (!m->ram)
		return 0;
	if (!m->ram->seen)
		return vfm_mig_fail(m, "receive", NULL, -ENODATA,
				    "the stream has no guest RAM section, but the destination has RAM (--ram)");
	if (!m->ram->got_verify)
		return vfm_mig_fail(m, "receive", NULL, -ENODATA,
				    "the stream ended without the guest RAM's VERIFY record");
	return 0;
}

static json_object *hex64(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%016" PRIx64, v);
	return json_object_new_string(s);
}

json_object *vfm_mig_ram_json(const struct vfm_mig *m)
{
	const struct vfm_ram *ram = m->ram;
	json_object *o, *rounds;
	unsigned int i;

	if (!ram)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "bytes", json_object_new_int64(ram->size));
	json_object_object_add(o, "iova", hex64(ram->iova));
	json_object_object_add(o, "pages", json_object_new_int64(ram->npages));
	json_object_object_add(o, "digest", ram->has_digest ? hex64(ram->digest) : NULL);
	if (m->role == VFM_SOURCE) {
		rounds = json_object_new_array();
		for (i = 0; i < ram->rounds && i < VFM_RAM_MAX_ROUNDS; i++)
			json_object_array_add(rounds, json_object_new_int64(ram->round_pages[i]));
		json_object_object_add(o, "tracking", json_object_new_string(
			ram->tracked ? "dma-logging" : "none"));
		if (!ram->tracked)
			json_object_object_add(o, "untracked_why",
					       json_object_new_string(ram->untracked_why));
		json_object_object_add(o, "report_failures",
				       json_object_new_int(ram->report_failures));
		json_object_object_add(o, "fallback_all_dirty", json_object_new_boolean(ram->fallback));
		json_object_object_add(o, "rounds", json_object_new_int(ram->rounds));
		json_object_object_add(o, "pages_per_round", rounds);
		json_object_object_add(o, "final_pages", json_object_new_int64(ram->final_pages));
		json_object_object_add(o, "final_ms", json_object_new_double(ram->final_ns / 1e6));
		json_object_object_add(o, "pages_sent", json_object_new_int64(ram->pages_sent));
		json_object_object_add(o, "zero_pages_sent", json_object_new_int64(ram->zero_sent));
		json_object_object_add(o, "bytes_sent", json_object_new_int64(ram->bytes_sent));
	} else {
		json_object_object_add(o, "pages_received", json_object_new_int64(ram->pages_recv));
		json_object_object_add(o, "zero_pages_received",
				       json_object_new_int64(ram->zero_recv));
		json_object_object_add(o, "verified", json_object_new_boolean(ram->verified));
		json_object_object_add(o, "local_digest",
				       ram->verified ? hex64(ram->local_digest) : NULL);
		json_object_object_add(o, "digest_equal", json_object_new_boolean(ram->equal));
		json_object_object_add(o, "first_diff_page", ram->first_diff >= 0 ?
				       json_object_new_int64(ram->first_diff) : NULL);
	}
	return o;
}
