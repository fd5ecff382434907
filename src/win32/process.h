// Process objects: what OpenProcess and GetCurrentProcess name.
#pragma once

#include <sys/types.h>

#include "object.h"

namespace kiln::win32 {

// The calling process's pid, without a system call (cached; a forked child gets its own).
pid_t current_pid();

class Process : public KernelObject {
public:
    explicit Process(pid_t pid) : KernelObject(ObjectType::Process), pid_(pid) {}
    pid_t pid() const { return pid_; }
    bool is_current() const;

    // The object of the calling process (one per process, never destroyed).
    static Process& current();

private:
    pid_t pid_;
};

}  // namespace kiln::win32
