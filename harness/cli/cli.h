/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VFIO_MIGRATE_CLI_H
#define VFIO_MIGRATE_CLI_H

int cmd_setup(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif /* VFIO_MIGRATE_CLI_H */
