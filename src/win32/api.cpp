// The Win32 functions of <kiln/win32.h>: handles, processes, errors.
#include <cerrno>
#include <csignal>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "broker_client.h"
#include "handle_table.h"
#include "kiln/win32.h"
#include "payload.h"
#include "process.h"

namespace kiln::win32 {

namespace {

thread_local DWORD t_last_error = ERROR_SUCCESS;

// A Win32 failure: sets the thread's error and returns `value`.
template <typename T>
T fail(DWORD error, T value) {
    t_last_error = error;
    return value;
}

uintptr_t value_of(HANDLE h) { return reinterpret_cast<uintptr_t>(h); }
HANDLE handle_of(uintptr_t v) { return reinterpret_cast<HANDLE>(v); }

const uintptr_t kCurrentProcessPseudoHandle = uintptr_t(-1);

// Whether a handle with `held` access may give a duplicate with `wanted` access: a duplicate
// never has more access than its source. GENERIC_READ is DXGI_SHARED_RESOURCE_READ (one bit on
// Windows too); GENERIC_WRITE and DXGI_SHARED_RESOURCE_WRITE both grant writing; GENERIC_ALL
// grants everything; other (specific) rights must be held bit for bit.
bool covers(uint32_t held, uint32_t wanted) {
    if (held & GENERIC_ALL)
        return true;
    const uint32_t write_bits = GENERIC_WRITE | DXGI_SHARED_RESOURCE_WRITE;
    if ((wanted & write_bits) && !(held & write_bits))
        return false;
    // Everything else wanted (GENERIC_ALL, GENERIC_READ, GENERIC_EXECUTE, specific rights) must
    // be held as such.
    return (wanted & ~write_bits & ~held) == 0;
}

const uint32_t kFullAccess = GENERIC_ALL | 0x001fffffu;  // what the current-process pseudo handle holds

// A handle another process placed into this one through the broker: fetched on first use and
// kept in the table from then on.
bool claim(uintptr_t value, HandleInfo* out) {
    broker::Request request;
    request.value = uint32_t(value);
    broker::Reply reply;
    broker::UniqueFd fd;
    if (broker_call(broker::Op::Claim, request, -1, &reply, &fd) != ERROR_SUCCESS || !fd.valid())
        return HandleTable::current().lookup(value, out);  // another thread may have claimed it
    Ref<Payload> payload = Payload::from_broker(reply, std::move(fd));
    if (!payload)
        return false;
    Ref<> object = Ref<>::adopt(payload.leak());
    if (!HandleTable::current().insert_placed(value, object, reply.access, reply.flags))
        return HandleTable::current().lookup(value, out);
    out->object = object;
    out->access = reply.access;
    out->flags = reply.flags;
    return true;
}

// The object behind a handle, counting the current-process pseudo handle and handles placed
// into this process by another one.
bool resolve(HANDLE handle, HandleInfo* out) {
    if (value_of(handle) == kCurrentProcessPseudoHandle) {
        out->object = Ref<>::share(&Process::current());
        out->access = kFullAccess;
        out->flags = 0;
        return true;
    }
    if (HandleTable::current().lookup(value_of(handle), out))
        return true;
    return broker::is_placed_handle(value_of(handle)) && claim(value_of(handle), out);
}

// A process handle usable for duplication: the pseudo handle, or a handle to a process opened
// with PROCESS_DUP_HANDLE.
DWORD process_for_duplication(HANDLE handle, Process** out) {
    HandleInfo info;
    if (!resolve(handle, &info) || info.object->type() != ObjectType::Process)
        return ERROR_INVALID_HANDLE;
    if (!covers(info.access, PROCESS_DUP_HANDLE))
        return ERROR_ACCESS_DENIED;
    *out = static_cast<Process*>(info.object.get());
    return ERROR_SUCCESS;
}

}  // namespace

bool resolve_handle(uintptr_t value, HandleInfo* out) { return resolve(handle_of(value), out); }

// getpid() is a system call: the pid is cached, and forgotten in a child made by fork().
pid_t current_pid() {
    static std::atomic<pid_t> cached{0};
    static const bool registered = [] {
        pthread_atfork(nullptr, nullptr, [] { cached.store(0, std::memory_order_relaxed); });
        return true;
    }();
    (void)registered;
    pid_t pid = cached.load(std::memory_order_relaxed);
    if (!pid) {
        pid = getpid();
        cached.store(pid, std::memory_order_relaxed);
    }
    return pid;
}

bool Process::is_current() const { return pid_ == current_pid(); }

Process& Process::current() {
    // Kept per pid: a child made by fork() is another process and gets its own object.
    static std::atomic<Process*> process{nullptr};
    Process* p = process.load(std::memory_order_acquire);
    if (!p || p->pid() != current_pid()) {
        auto* fresh = new Process(current_pid());
        fresh->retain();  // never reaches zero (the object of an earlier pid is kept too)
        if (process.compare_exchange_strong(p, fresh, std::memory_order_acq_rel))
            p = fresh;
        else
            fresh->release(), fresh->release();  // another thread won; `p` holds its object
    }
    return *p;
}

}  // namespace kiln::win32

using namespace kiln::win32;
namespace broker = kiln::broker;

extern "C" {

DWORD GetLastError(void) { return t_last_error; }

void SetLastError(DWORD dwErrCode) { t_last_error = dwErrCode; }

HANDLE GetCurrentProcess(void) { return handle_of(kCurrentProcessPseudoHandle); }

DWORD GetCurrentProcessId(void) { return DWORD(current_pid()); }

HANDLE OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId) {
    if (dwProcessId == 0)
        return fail(ERROR_INVALID_PARAMETER, HANDLE(nullptr));
    Ref<> process;
    if (pid_t(dwProcessId) == current_pid()) {
        process = Ref<>::share(&Process::current());
    } else {
        // A live process of the same user, as on Windows (other users' processes: access denied).
        struct stat st {};
        const std::string path = "/proc/" + std::to_string(dwProcessId);
        if (stat(path.c_str(), &st) != 0)
            return fail(ERROR_INVALID_PARAMETER, HANDLE(nullptr));
        if (st.st_uid != geteuid())
            return fail(ERROR_ACCESS_DENIED, HANDLE(nullptr));
        process = Ref<>::adopt(new (std::nothrow) Process(pid_t(dwProcessId)));
        if (!process)
            return fail(ERROR_NOT_ENOUGH_MEMORY, HANDLE(nullptr));
    }
    const uintptr_t h = HandleTable::current().insert(process, dwDesiredAccess,
                                                      bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (!h)
        return fail(ERROR_NOT_ENOUGH_MEMORY, HANDLE(nullptr));
    return handle_of(h);
}

BOOL CloseHandle(HANDLE hObject) {
    if (value_of(hObject) == kCurrentProcessPseudoHandle)
        return TRUE;  // closing the pseudo handle does nothing, as on Windows
    TableError closed = HandleTable::current().close(value_of(hObject));
    // A handle another process placed here and nobody used yet: claim it, so that the broker
    // forgets it, then close it like any other.
    if (closed == TableError::InvalidHandle && broker::is_placed_handle(value_of(hObject))) {
        HandleInfo info;
        if (claim(value_of(hObject), &info))
            closed = HandleTable::current().close(value_of(hObject));
    }
    switch (closed) {
    case TableError::None:
        return TRUE;
    case TableError::ProtectedFromClose:
        return fail(ERROR_INVALID_HANDLE, FALSE);  // Windows: raises, then fails this way
    default:
        return fail(ERROR_INVALID_HANDLE, FALSE);
    }
}

BOOL DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle, HANDLE hTargetProcessHandle,
                     LPHANDLE lpTargetHandle, DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwOptions) {
    if (dwOptions & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS))
        return fail(ERROR_INVALID_PARAMETER, FALSE);
    Process* source_process = nullptr;
    if (const DWORD e = process_for_duplication(hSourceProcessHandle, &source_process))
        return fail(e, FALSE);
    if (!source_process->is_current())
        return fail(ERROR_NOT_SUPPORTED, FALSE);  // duplicating out of another process: not yet
    HandleInfo source;
    if (!resolve(hSourceHandle, &source))
        return fail(ERROR_INVALID_HANDLE, FALSE);
    // DUPLICATE_CLOSE_SOURCE closes the source handle whatever else happens (as on Windows).
    auto close_source = [&] {
        if ((dwOptions & DUPLICATE_CLOSE_SOURCE) && value_of(hSourceHandle) != kCurrentProcessPseudoHandle)
            HandleTable::current().close(value_of(hSourceHandle));
    };
    Process* target_process = nullptr;
    if (const DWORD e = process_for_duplication(hTargetProcessHandle, &target_process)) {
        close_source();
        return fail(e, FALSE);
    }
    if (!lpTargetHandle) {
        close_source();
        return fail(ERROR_INVALID_PARAMETER, FALSE);
    }
    uint32_t access = source.access;
    if (!(dwOptions & DUPLICATE_SAME_ACCESS)) {
        access = dwDesiredAccess;
        if (!covers(source.access, access)) {
            close_source();
            return fail(ERROR_ACCESS_DENIED, FALSE);
        }
    }
    if (!target_process->is_current()) {
        // Into another process: the broker keeps the object and places the handle into the
        // target's table, where the target picks it up on first use.
        if (source.object->type() != ObjectType::Payload) {
            close_source();
            return fail(ERROR_NOT_SUPPORTED, FALSE);  // only payloads cross processes
        }
        uint32_t error = ERROR_SUCCESS;
        const uint64_t gid = static_cast<Payload*>(source.object.get())->share(&error);
        broker::Request request;
        request.gid = gid;
        request.target_pid = uint32_t(target_process->pid());
        request.access = access;
        request.flags = bInheritHandle ? HANDLE_FLAG_INHERIT : 0;
        broker::Reply reply;
        if (gid)
            error = broker_call(broker::Op::Place, request, -1, &reply, nullptr);
        close_source();
        if (error != ERROR_SUCCESS)
            return fail(error, FALSE);
        *lpTargetHandle = handle_of(reply.value);
        return TRUE;
    }
    const uintptr_t h =
        HandleTable::current().insert(source.object, access, bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    close_source();
    if (!h)
        return fail(ERROR_NOT_ENOUGH_MEMORY, FALSE);
    *lpTargetHandle = handle_of(h);
    return TRUE;
}

BOOL CompareObjectHandles(HANDLE hFirstObjectHandle, HANDLE hSecondObjectHandle) {
    HandleInfo a, b;
    if (!resolve(hFirstObjectHandle, &a) || !resolve(hSecondObjectHandle, &b))
        return fail(ERROR_INVALID_HANDLE, FALSE);
    return a.object.get() == b.object.get() ? TRUE : FALSE;
}

BOOL GetHandleInformation(HANDLE hObject, LPDWORD lpdwFlags) {
    HandleInfo info;
    if (!resolve(hObject, &info))
        return fail(ERROR_INVALID_HANDLE, FALSE);
    if (!lpdwFlags)
        return fail(ERROR_INVALID_PARAMETER, FALSE);
    *lpdwFlags = info.flags;
    return TRUE;
}

BOOL SetHandleInformation(HANDLE hObject, DWORD dwMask, DWORD dwFlags) {
    constexpr DWORD known = HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE;
    if (dwMask & ~known)
        return fail(ERROR_INVALID_PARAMETER, FALSE);
    if (!HandleTable::current().set_flags(value_of(hObject), dwMask, dwFlags))
        return fail(ERROR_INVALID_HANDLE, FALSE);
    return TRUE;
}

}  // extern "C"
