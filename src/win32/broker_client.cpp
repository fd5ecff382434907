#include "broker_client.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker/runtime_dir.h"
#include "kiln/win32.h"

namespace kiln::win32 {

namespace {

struct Link {
    std::mutex mutex;
    broker::Channel channel;
    pid_t pid = 0;  // the process that connected: a forked child must connect again
};

Link& link() {
    static Link* l = new Link;  // never destroyed: handles are released during exit too
    return *l;
}

bool executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

// The broker program: $KILN_BROKER, else the installed one (libexecdir, found from this library's
// own folder), else the build tree's.
std::string broker_program() {
    if (const char* env = getenv("KILN_BROKER"); env && *env)
        return env;
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&broker_program), &info) && info.dli_fname) {
        std::string lib = info.dli_fname;
        const auto slash = lib.rfind('/');
        if (slash != std::string::npos) {
            const std::string candidate = lib.substr(0, slash) + "/" KILN_BROKER_FROM_LIBDIR;
            if (executable(candidate))
                return candidate;
        }
    }
#ifdef KILN_BROKER_BUILD_PATH
    if (executable(KILN_BROKER_BUILD_PATH))
        return KILN_BROKER_BUILD_PATH;
#endif
    return {};
}

// Starts the broker detached from this process (a grandchild in its own session, so this
// process never has to reap it); it exits at once if another broker already listens.
void start_broker(const std::string& program, const std::string& dir) {
    const char* argv[] = {program.c_str(), "--dir", dir.c_str(), nullptr};
    const pid_t child = fork();
    if (child == 0) {
        // Only async-signal-safe calls from here: this process may have other threads.
        setsid();
        if (fork() == 0) {
            // The daemon keeps none of this process's descriptors: a pipe it held open would
            // keep this process's peers (and a test runner reading our output) waiting for EOF.
            const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
            }
            close_range(3, ~0u, 0);
            execv(argv[0], const_cast<char* const*>(argv));
            _exit(127);
        }
        _exit(0);
    }
    if (child > 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

// Connects (starting the broker when needed). Called with the link's mutex held.
bool ensure_connected(Link& l) {
    if (l.channel.valid() && l.pid == getpid())
        return true;
    l.channel = broker::Channel();
    std::string dir, error;
    if (!broker::RuntimeDir::for_user().open_or_create(&dir, &error))
        return false;  // a directory that is not ours: refuse to talk through it
    const std::string socket = dir + "/" + broker::Listener::kSocketName;
    bool started = false;
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (broker::connect_to(socket, &l.channel).ok()) {
            // Only a broker of our own user may carry our handles.
            const auto peer = broker::peer_credentials(l.channel.fd());
            if (!peer || !broker::same_user(*peer)) {
                l.channel = broker::Channel();
                return false;
            }
            l.pid = getpid();
            return true;
        }
        if (!started) {
            const std::string program = broker_program();
            if (program.empty())
                return false;
            start_broker(program, dir);
            started = true;
        }
        usleep(10000);  // the broker binds within milliseconds; wait up to 2 s
    }
    return false;
}

}  // namespace

uint32_t broker_call(broker::Op op, const broker::Request& request, int fd, broker::Reply* reply,
                     broker::UniqueFd* reply_fd) {
    Link& l = link();
    std::lock_guard lock(l.mutex);
    broker::Message message;
    message.assign(uint32_t(op), &request, sizeof request);
    // A second attempt on a fresh connection when the first fails: the broker may have been
    // killed or restarted since this process last talked to it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!ensure_connected(l))
            return ERROR_NOT_SUPPORTED;
        broker::Message answer;
        broker::UniqueFd received;
        if (l.channel.send(message, fd).ok() && l.channel.receive(&answer, &received).ok() &&
            answer.type == (uint32_t(op) | broker::kReplyBit) && answer.length == sizeof(broker::Reply)) {
            std::memcpy(reply, answer.payload, sizeof *reply);
            if (reply_fd)
                *reply_fd = std::move(received);
            return reply->status;
        }
        l.channel = broker::Channel();
    }
    return ERROR_NOT_SUPPORTED;
}

bool broker_list(void (*visit)(const broker::ListEntry& entry, void* context), void* context) {
    Link& l = link();
    std::lock_guard lock(l.mutex);
    if (!ensure_connected(l))
        return false;
    broker::Message message;
    broker::Request request;
    message.assign(uint32_t(broker::Op::List), &request, sizeof request);
    if (!l.channel.send(message).ok())
        return false;
    for (;;) {
        broker::Message answer;
        if (!l.channel.receive(&answer, nullptr).ok())
            return false;
        if (answer.length == 0)
            return true;
        if (answer.length != sizeof(broker::ListEntry))
            return false;
        broker::ListEntry entry;
        std::memcpy(&entry, answer.payload, sizeof entry);
        visit(entry, context);
    }
}

}  // namespace kiln::win32
