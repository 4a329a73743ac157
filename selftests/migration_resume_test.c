// SPDX-License-Identifier: GPL-2.0-only
/*
 * RESUMING with the device's own stream, whole, cut short, and corrupted.
 * uAPI, RESUMING -> STOP: "If the user provided data is found to be
 * incomplete, inconsistent, or otherwise invalid, the migration driver must
 * fail the SET_STATE ioctl"; "to abort a RESUMING session the device must be
 * reset".  Device-agnostic: the stream format is the driver's own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "selftest.h"
#include "rules.h"

FIXTURE(resume) {
	struct vfm_device dev;
	uint64_t flags;
	uint8_t *stream;
	size_t len;
};

FIXTURE_SETUP(resume)
{
	void *stream;

	SELFTEST_PREPARE(&self->dev, &self->flags);
	ASSERT_EQ(0, selftest_save(&self->dev, self->flags, &stream, &self->len));
	self->stream = stream;
	ASSERT_EQ(0, selftest_reset(&self->dev));
	if (self->len < 16)
		SKIP(return, "the device's stream is only %zu bytes", self->len);
}

FIXTURE_TEARDOWN(resume)
{
	free(self->stream);
	vfm_reset(&self->dev);
	vfm_device_close(&self->dev);
}

/*
 * Write @len bytes of @buf in RESUMING and leave it; *write_err gets the
 * first write() error (0 if none).  Returns the result of RESUMING -> STOP.
 */
static int resume(struct __test_metadata *_metadata, FIXTURE_DATA(resume) *self,
		  const void *buf, size_t len, int *write_err)
{
	int fd, ret;

	ret = selftest_drive(&self->dev, self->flags, MIG_STATE(RESUMING), &fd);
	if (ret)
		return ret;
	*write_err = vfm_write_all(fd, buf, len, 65536);
	ret = vfm_set_state(&self->dev, MIG_STATE(STOP), NULL);
	close(fd);
	return ret;
}

TEST_F(resume, own_stream_restores)
{
	int werr, ret = resume(_metadata, self, self->stream, self->len, &werr);

	RULE_EXPECT("roundtrip.same-device", !werr && !ret,
		    "the device refused its own %zu-byte stream: write %s, RESUMING -> STOP %s",
		    self->len, strerror(-werr), strerror(-ret));
}

TEST_F(resume, truncated_stream_refused)
{
	static const int parts[] = { 1, 2, 3 };	/* quarters of the stream kept */
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t len = self->len / 4 * parts[i];
		int werr, ret;

		ASSERT_EQ(0, selftest_reset(&self->dev));
		ret = resume(_metadata, self, self->stream, len, &werr);
		RULE_EXPECT("resume.incomplete-refused", werr || ret,
			    "RESUMING -> STOP accepted %zu of the stream's %zu bytes", len,
			    self->len);
	}
}

TEST_F(resume, rejected_stream_not_loaded)
{
	uint8_t *bad = malloc(self->len);
	int werr, ret, i, rejected = 0;

	ASSERT_NE(NULL, bad);
	/* Flip one byte at a time at a few places until a write() refuses it. */
	for (i = 1; i < 8; i++) {
		memcpy(bad, self->stream, self->len);
		bad[self->len / 8 * i] ^= 0x5a;
		ASSERT_EQ(0, selftest_reset(&self->dev));
		ret = resume(_metadata, self, bad, self->len, &werr);
		if (!werr) {
			TH_LOG("a flipped byte at %zu was not refused by write() (RESUMING -> STOP: %s)",
			       self->len / 8 * i, strerror(-ret));
			continue;
		}
		rejected++;
		RULE_EXPECT("resume.rejected-not-loaded", ret,
			    "write() refused the stream (%s) yet RESUMING -> STOP succeeded",
			    strerror(-werr));
	}
	free(bad);
	if (!rejected)
		SKIP(return, "the device's write() accepted every corrupted stream: nothing to check");
}

int main(int argc, char *argv[])
{
	selftest_get_bdf(&argc, argv);
	return test_harness_run(argc, argv);
}
