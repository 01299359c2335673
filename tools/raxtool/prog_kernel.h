/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * raxtool prog commands for programs in the kernel (prog_kernel.c); the
 * command table in prog.c calls them.  Each returns 0, or -1 after p_err().
 */
#ifndef RAXTOOL_PROG_KERNEL_H
#define RAXTOOL_PROG_KERNEL_H

/** @brief "prog load FILE": load into rax.ko, list programs and map ids, unload. */
int prog_kernel_load(int argc, char **argv);
/**
 * @brief "prog attach FILE [name PROG] [kprobe FUNC|kretprobe FUNC|raw_tp EVENT]
 * [duration SECONDS]": load, attach, wait, detach, print programs and maps.
 */
int prog_kernel_attach(int argc, char **argv);
/** @brief "prog detach pid PID": detach every rax.ko link process PID holds. */
int prog_kernel_detach(int argc, char **argv);
/** @brief rax.ko's module-wide counters (RAX_IOC_INFO). */
int prog_kernel_show(void);

#endif /* RAXTOOL_PROG_KERNEL_H */
