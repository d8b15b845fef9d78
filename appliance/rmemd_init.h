/* SPDX-License-Identifier: GPL-2.0 */
/* rmemd_init.h - rmem-appliance as PID 1 of a donor image. */
#ifndef RMEMD_INIT_H
#define RMEMD_INIT_H

/* PID 1 entry point, taken before any option parsing; never returns. */
void rmemd_init_main(int argc, char **argv) __attribute__((noreturn));

#endif /* RMEMD_INIT_H */
