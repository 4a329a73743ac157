// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Setting a migration state the way a VMM must: a failed SET leaves the
 * device "in the original state or some other state along the combination
 * transition path" (uAPI), and the core copies back the requested state, not
 * the real one.  So after a failure we GET, then recover, then reset.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfiomig/migration.h"
#include "log.h"

int64_t vfm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *vfm_recovery_name(enum vfm_recovery how)
{
	switch (how) {
	case VFM_REC_NONE:
		return "none";
	case VFM_REC_STATE:
		return "recover-state";
	case VFM_REC_RESET:
		return "reset";
	default:
		return "failed";
	}
}

int vfm_set_state_recover(const struct vfm_device *dev, uint32_t to, uint32_t recover,
			  int *data_fd, struct vfm_set_outcome *out)
{
	struct vfm_set_outcome o = { .seen = VFM_STATE_UNKNOWN, .now = to };
	uint32_t seen;

	o.err = vfm_set_state(dev, to, data_fd);
	if (!o.err)
		goto done;

	/* The state is unknown now (U-5): ask, rather than trust a cache. */
	if (!vfm_get_state(dev, &seen))
		o.seen = seen;
	o.now = o.seen;
	if (recover != VFIO_DEVICE_STATE_ERROR && o.seen != VFIO_DEVICE_STATE_ERROR) {
		if (o.seen == recover) {
			o.how = VFM_REC_STATE;
			goto report;
		}
		/*
		 * A recovery SET may start a session (e.g. back to PRE_COPY);
		 * the caller's old fd is dead then, so hand the new one back.
		 */
		if (!vfm_set_state(dev, recover, data_fd)) {
			o.how = VFM_REC_STATE;
			o.now = recover;
			goto report;
		}
	}
	/* ERROR, or no way back: reset is the only exit (U-6). */
	if (data_fd && *data_fd >= 0) {
		close(*data_fd);
		*data_fd = -1;
	}
	if (!vfm_reset(dev)) {
		o.how = VFM_REC_RESET;
		o.now = VFIO_DEVICE_STATE_RUNNING;
	} else {
		o.how = VFM_REC_FAILED;
		o.now = VFM_STATE_UNKNOWN;
	}
report:
	vfm_err(dev->bdf, "SET %s failed (%s); GET said %s; %s%s",
		vfm_state_name(to), strerror(-o.err),
		o.seen == VFM_STATE_UNKNOWN ? "nothing" : vfm_state_name(o.seen),
		o.how == VFM_REC_STATE ? "recovered to " :
		o.how == VFM_REC_RESET ? "reset the device (RUNNING, state lost)" :
		"recovery failed too, state unknown",
		o.how == VFM_REC_STATE ? vfm_state_name(o.now) : "");
done:
	if (out)
		*out = o;
	return o.err;
}
