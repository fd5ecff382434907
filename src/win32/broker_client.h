// The calling process's connection to the broker (src/broker), which carries handles, names and
// KMT values across processes. Used only when something crosses a process: same-process handles
// never touch it. Connects on first use and starts the broker when none is listening.
#pragma once

#include <cstdint>

#include "broker/channel.h"
#include "broker/protocol.h"

namespace kiln::win32 {

// Sends one request (with `fd` unless -1) and waits for its reply (and its fd). Returns a Win32
// error code: the reply's status, or ERROR_NOT_SUPPORTED when no broker can be reached.
uint32_t broker_call(broker::Op op, const broker::Request& request, int fd, broker::Reply* reply,
                     broker::UniqueFd* reply_fd);

// Receives the broker's object list (kiln-handles). False when no broker can be reached.
bool broker_list(void (*visit)(const broker::ListEntry& entry, void* context), void* context);

}  // namespace kiln::win32
