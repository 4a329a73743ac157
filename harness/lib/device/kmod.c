// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loading mock-vfio-pci with libkmod.
 *
 * A module loaded from a path has no entry in modules.dep, so libkmod cannot
 * resolve its dependencies: load vfio-pci-core (and with it vfio, irqbypass)
 * by name first, then insert our module from its path.
 */
#include <errno.h>
#include <string.h>
#include <libkmod.h>

#include "vfiomig/device.h"
#include "log.h"

/* A libkmod context; @config NULL: the system's modprobe.d.  NULL after saying why. */
static struct kmod_ctx *new_ctx(const char *const *config)
{
	struct kmod_ctx *ctx = kmod_new(NULL, config);

	if (!ctx)
		vfm_err("libkmod", "kmod_new failed");
	return ctx;
}

static int module_by_name(struct kmod_ctx *ctx, const char *name, struct kmod_module **mod)
{
	int ret = kmod_module_new_from_name(ctx, name, mod);

	if (ret < 0)
		vfm_err(name, "kmod_module_new_from_name: %s", strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int load_by_name(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_module *mod;
	int ret;

	ret = module_by_name(ctx, name, &mod);
	if (ret)
		return ret;
	/*
	 * Built into the kernel (the debug kernel; libkmod learns it from
	 * modules.builtin): nothing to load, and probing with
	 * KMOD_PROBE_IGNORE_LOADED would fail to find a .ko.
	 */
	if (kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN) {
		kmod_module_unref(mod);
		return 0;
	}
	ret = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_LOADED,
					      NULL, NULL, NULL, NULL);
	if (ret > 0)
		ret = -EPERM;	/* stopped by a blacklist or install rule */
	if (ret < 0)
		vfm_err(name, "loading module: %s", strerror(-ret));
	kmod_module_unref(mod);
	return ret;
}

static int load_from_path(struct kmod_ctx *ctx, const char *path, const char *params)
{
	struct kmod_module *mod;
	int ret;

	ret = kmod_module_new_from_path(ctx, path, &mod);
	if (ret < 0) {
		vfm_err(path, "cannot open module: %s", strerror(-ret));
		return ret;
	}
	ret = kmod_module_insert_module(mod, 0, params);
	if (ret == -EEXIST && params && *params) {
		/* Asked-for parameters that cannot take effect: an error, not a notice. */
		vfm_err(kmod_module_get_name(mod),
			"already loaded: cannot apply \"%s\" (unload it first: vfio-migrate unload)",
			params);
	} else if (ret == -EEXIST) {
		ret = 0;	/* already loaded, nothing asked of it */
	} else if (ret < 0) {
		vfm_err(path, "inserting module (params \"%s\"): %s (see dmesg)",
			params ? params : "", strerror(-ret));
	}
	kmod_module_unref(mod);
	return ret;
}

int vfm_load_modules(const char *module_path, const char *params)
{
	static const char *const null_config[] = { NULL };
	struct kmod_ctx *ctx;
	int ret;

	ctx = new_ctx(NULL);
	if (!ctx)
		return -ENOMEM;
	ret = load_by_name(ctx, "vfio_iommu_type1");
	if (!ret)
		ret = load_by_name(ctx, "vfio_pci_core");
	kmod_unref(ctx);
	if (ret || !module_path)
		return ret;

	/* Our module from a path: no modprobe.d configuration applies. */
	ctx = new_ctx(null_config);
	if (!ctx)
		return -ENOMEM;
	ret = load_from_path(ctx, module_path, params);
	kmod_unref(ctx);
	return ret;
}

int vfm_load_module_by_name(const char *name)
{
	struct kmod_ctx *ctx = new_ctx(NULL);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = load_by_name(ctx, name);
	kmod_unref(ctx);
	return ret;
}

int vfm_unload_module(const char *name)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	ctx = new_ctx(NULL);
	if (!ctx)
		return -ENOMEM;
	ret = module_by_name(ctx, name, &mod);
	if (ret)
		goto out_unref_ctx;
	ret = kmod_module_remove_module(mod, 0);
	if (ret < 0)
		vfm_err(name, "removing module: %s", strerror(-ret));
	kmod_module_unref(mod);
out_unref_ctx:
	kmod_unref(ctx);
	return ret;
}
