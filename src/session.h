/* session.h -- connect mode and listen mode, from socket to exit status. */
#ifndef SOCKCAT_SESSION_H
#define SOCKCAT_SESSION_H

#include "cli.h"

/*
 * Each runs its mode to the end, prints its own messages, and returns the
 * exit status of CLI.md (0, EXIT_NET, EXIT_USAGE).  When a terminating
 * signal ended it, sig_pending() is set and the status is EXIT_NET; the
 * caller then dies by that signal.
 */
int	run_connect(const struct config *cfg);
int	run_listen(const struct config *cfg);

#endif
