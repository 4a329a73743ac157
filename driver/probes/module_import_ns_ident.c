// SPDX-License-Identifier: GPL-2.0-only
/*
 * Before Linux 6.13, MODULE_IMPORT_NS() takes a bare identifier and
 * stringifies it; since, a string literal (the identifier no longer builds).
 */
#include <linux/module.h>

MODULE_IMPORT_NS(IOMMUFD);
