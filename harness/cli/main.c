// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-migrate: the command-line front end of libvfiomig.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "setup", cmd_setup, "load mock-vfio-pci and bind devices to it" },
	{ "unbind", cmd_unbind, "unbind devices and clear their driver_override" },
	{ "list", cmd_list, "show devices, their driver, group and migration features" },
	{ "migrate", cmd_migrate, "migrate devices: --src BDF,... --dst BDF,... (or --save/--load FILE)" },
	{ "unload", cmd_unload, "remove mock-vfio-pci (devices bound to it are released)" },
};

static int usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vfio-migrate COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vfio-migrate: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
