// The broker's wire: small framed messages over a connected AF_UNIX SOCK_SEQPACKET socket, each
// carrying at most one file descriptor (SCM_RIGHTS, unix(7)); the listening socket in the
// runtime directory; and the peer's credentials (SO_PEERCRED).
//
// Why SOCK_SEQPACKET rather than SOCK_STREAM with framing: the kernel keeps message boundaries,
// so one recvmsg() is one message and its descriptor; a message larger than the buffer is
// reported (MSG_TRUNC) and its rest discarded, so a hostile or buggy peer can never make the two
// ends disagree about where the next message starts. It is still connection-oriented: EOF on
// close, SO_PEERCRED, listen/accept. (Wine's server uses a stream socket for requests and a
// second socket just for fds, because its requests are larger and variable; ours are small.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace kiln::broker {

// Owns one file descriptor; closes it when destroyed or reset.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// One message: a fixed header, then `length` payload bytes. Only header + length bytes travel.
// Both ends are on one host, so the header is in host byte order.
struct Message {
    static constexpr size_t kMaxPayload = 4096;
    uint32_t type = 0;    // what the message means: the broker protocol's business, not ours
    uint32_t length = 0;  // payload bytes used, <= kMaxPayload
    uint8_t payload[kMaxPayload];

    // Sets type and payload; false (message unchanged) when `size` > kMaxPayload.
    bool assign(uint32_t new_type, const void* data, size_t size);
};
constexpr size_t kMessageHeaderSize = 2 * sizeof(uint32_t);

enum class ChannelStatus : uint8_t {
    Ok,
    Eof,              // receive: the peer closed the connection (send to a closed peer: SystemError/EPIPE)
    WouldBlock,       // non-blocking socket, nothing to do now (EAGAIN)
    Truncated,        // received more than a whole message fits, or ancillary data was cut (MSG_TRUNC/MSG_CTRUNC)
    Malformed,        // shorter than a header, or the length field disagrees with the bytes received
    UnexpectedFds,    // more than one fd, or an fd the caller did not ask for; all were closed
    InvalidArgument,  // send: length > kMaxPayload; a path too long for sockaddr_un
    SystemError,      // see ChannelResult::error (errno)
};
const char* to_string(ChannelStatus status);

struct ChannelResult {
    ChannelStatus status = ChannelStatus::Ok;
    int error = 0;  // errno, for SystemError (and the errno behind other failures when there is one)
    bool ok() const { return status == ChannelStatus::Ok; }
};

// A connected SEQPACKET socket. Messages are atomic on the wire (one sendmsg, one recvmsg), so
// several threads may send on one Channel, and several may receive, without interleaving bytes.
class Channel {
public:
    Channel() = default;
    explicit Channel(UniqueFd socket) : socket_(std::move(socket)) {}

    // A connected pair (socketpair(2)), both ends close-on-exec.
    static ChannelResult pair(Channel* a, Channel* b);

    // Sends header + `message.length` bytes, and `fd` (not consumed: the caller still owns it)
    // unless it is -1. Never raises SIGPIPE: a closed peer is SystemError/EPIPE.
    ChannelResult send(const Message& message, int fd = -1) const;
    // Receives one message and its fd, if any, close-on-exec. `fd` may be null when the caller
    // expects none; a descriptor it did not ask for, or a second one, is closed and reported as
    // UnexpectedFds. On any failure `*fd` is empty and every received descriptor closed.
    ChannelResult receive(Message* message, UniqueFd* fd) const;

    int fd() const { return socket_.get(); }
    bool valid() const { return socket_.valid(); }

private:
    UniqueFd socket_;
};

// Who is at the other end of a connected AF_UNIX socket, as it was when it connected (or called
// socketpair); pid in our pid namespace. See unix(7), SO_PEERCRED.
struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};
std::optional<PeerCredentials> peer_credentials(int socket_fd);  // nullopt: errno says why
// The peer runs as our effective uid: the broker serves only its own user.
bool same_user(const PeerCredentials& credentials);

// Connects a SEQPACKET socket to `path` (the broker's socket). SystemError with ENOENT or
// ECONNREFUSED means no broker is listening there.
ChannelResult connect_to(const std::string& path, Channel* out);

class RuntimeDir;

// The broker's listening socket, <dir>/broker.sock. Only one Listener per directory at a time:
// it holds an exclusive lock on <dir>/broker.lock while it lives (as Wine's server holds "lock"
// in its directory), so a socket found there while we hold the lock is stale and safe to remove.
class Listener {
public:
    static constexpr const char* kSocketName = "broker.sock";
    static constexpr const char* kLockName = "broker.lock";

    enum class Status : uint8_t { Ok, AlreadyRunning, Error };

    Listener() = default;
    Listener(Listener&&) noexcept = default;
    Listener& operator=(Listener&&) noexcept;
    ~Listener();

    // Checks (or creates) `dir` with RuntimeDir, takes the lock, removes a stale socket, binds
    // and listens. AlreadyRunning when another Listener (another broker) holds the lock.
    static Status create(const RuntimeDir& dir, Listener* out, std::string* error);

    // Accepts one connection (close-on-exec). Check the peer with peer_credentials/same_user.
    ChannelResult accept(Channel* out) const;

    int fd() const { return socket_.get(); }
    const std::string& socket_path() const { return path_; }

private:
    void remove_socket();
    UniqueFd dir_;
    UniqueFd lock_;
    UniqueFd socket_;
    std::string path_;
};

}  // namespace kiln::broker
