/* SPDX-License-Identifier: GPL-2.0 */
/* rmem_init.h - rmem-appliance as PID 1 of a donor image. */
#ifndef RMEM_INIT_H
#define RMEM_INIT_H

/* PID 1 entry point, taken before any option parsing; never returns. */
void rmem_init_main(int argc, char **argv) __attribute__((noreturn));

#endif /* RMEM_INIT_H */
