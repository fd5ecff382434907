#include "channel.h"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime_dir.h"

namespace kiln::broker {

// The header and the payload are received straight into a Message: no padding in between.
static_assert(offsetof(Message, length) == sizeof(uint32_t));
static_assert(offsetof(Message, payload) == kMessageHeaderSize);
static_assert(sizeof(Message) == kMessageHeaderSize + Message::kMaxPayload);

namespace {

// Room for more descriptors than a message may carry, so that we see (and close) the extra ones
// ourselves; past this the kernel closes the rest and sets MSG_CTRUNC (unix(7)).
constexpr size_t kFdRoom = 16;

ChannelResult failure(ChannelStatus status, int error = 0) { return {status, error}; }

ChannelResult from_errno(int error) {
    if (error == EAGAIN || error == EWOULDBLOCK)
        return failure(ChannelStatus::WouldBlock, error);
    return failure(ChannelStatus::SystemError, error);
}

bool fill_address(const std::string& path, sockaddr_un* address) {
    std::memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address->sun_path)  // room for the NUL
        return false;
    std::memcpy(address->sun_path, path.c_str(), path.size() + 1);
    return true;
}

}  // namespace

void UniqueFd::reset(int fd) {
    // close(2): do not retry on EINTR, the descriptor is gone on Linux whatever close returns.
    if (fd_ >= 0 && fd_ != fd)
        close(fd_);
    fd_ = fd;
}

bool Message::assign(uint32_t new_type, const void* data, size_t size) {
    if (size > kMaxPayload || (size && !data))
        return false;
    type = new_type;
    length = uint32_t(size);
    if (size)
        std::memcpy(payload, data, size);
    return true;
}

const char* to_string(ChannelStatus status) {
    switch (status) {
    case ChannelStatus::Ok: return "ok";
    case ChannelStatus::Eof: return "peer closed the connection";
    case ChannelStatus::WouldBlock: return "would block";
    case ChannelStatus::Truncated: return "message or its descriptors truncated";
    case ChannelStatus::Malformed: return "malformed message";
    case ChannelStatus::UnexpectedFds: return "unexpected file descriptors";
    case ChannelStatus::InvalidArgument: return "invalid argument";
    case ChannelStatus::SystemError: return "system error";
    }
    return "unknown";
}

ChannelResult Channel::pair(Channel* a, Channel* b) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return from_errno(errno);
    *a = Channel(UniqueFd(sv[0]));
    *b = Channel(UniqueFd(sv[1]));
    return {};
}

ChannelResult Channel::send(const Message& message, int fd) const {
    if (message.length > Message::kMaxPayload)
        return failure(ChannelStatus::InvalidArgument, EMSGSIZE);
    const size_t size = kMessageHeaderSize + message.length;
    iovec iov{const_cast<Message*>(&message), size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    ssize_t n;
    do
        n = sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);  // EPIPE, not SIGPIPE, on a closed peer
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return from_errno(errno);
    // SEQPACKET sends a record whole or not at all; anything else is a kernel surprise.
    if (size_t(n) != size)
        return failure(ChannelStatus::SystemError, EMSGSIZE);
    return {};
}

ChannelResult Channel::receive(Message* message, UniqueFd* fd) const {
    if (fd)
        fd->reset();
    iovec iov{message, sizeof(Message)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kFdRoom)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do
        n = recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC);  // no window where an exec inherits them
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return from_errno(errno);

    // Own every descriptor that arrived before looking at anything else, so that each early
    // return below closes them.
    std::array<UniqueFd, kFdRoom> fds;
    size_t count = 0;
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;  // e.g. SCM_CREDENTIALS if someone set SO_PASSCRED: carries no fd
        const size_t k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && count < kFdRoom; ++i) {
            int received;
            std::memcpy(&received, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            fds[count++].reset(received);
        }
    }

    // A SEQPACKET read of 0 bytes is the peer's orderly shutdown -- or a zero-length record,
    // which our send never makes (every message has a header). With descriptors it is no EOF.
    if (n == 0)
        return failure(count ? ChannelStatus::Malformed : ChannelStatus::Eof);
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return failure(ChannelStatus::Truncated, EMSGSIZE);
    if (size_t(n) < kMessageHeaderSize || message->length > Message::kMaxPayload ||
        kMessageHeaderSize + message->length != size_t(n))
        return failure(ChannelStatus::Malformed, EBADMSG);
    if (count > 1 || (count == 1 && !fd))
        return failure(ChannelStatus::UnexpectedFds, EBADMSG);
    if (count == 1)
        *fd = std::move(fds[0]);
    return {};
}

std::optional<PeerCredentials> peer_credentials(int socket_fd) {
    ucred cred{};
    socklen_t size = sizeof cred;
    if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0)
        return std::nullopt;
    return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

bool same_user(const PeerCredentials& credentials) { return credentials.uid == geteuid(); }

ChannelResult connect_to(const std::string& path, Channel* out) {
    sockaddr_un address;
    if (!fill_address(path, &address))
        return failure(ChannelStatus::InvalidArgument, ENAMETOOLONG);
    UniqueFd socket_fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!socket_fd.valid())
        return from_errno(errno);
    // An AF_UNIX connect interrupted by a signal has not connected (it was waiting for room in
    // the listener's backlog): trying again is right.
    int rc;
    do
        rc = connect(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    while (rc != 0 && errno == EINTR);
    if (rc != 0)
        return failure(ChannelStatus::SystemError, errno);
    *out = Channel(std::move(socket_fd));
    return {};
}

// ---- Listener ----

Listener& Listener::operator=(Listener&& other) noexcept {
    if (this != &other) {
        remove_socket();
        dir_ = std::move(other.dir_);
        lock_ = std::move(other.lock_);
        socket_ = std::move(other.socket_);
        path_ = std::move(other.path_);
    }
    return *this;
}

Listener::~Listener() { remove_socket(); }

void Listener::remove_socket() {
    // While we hold the lock, the name is ours: remove it before the lock goes, so that clients
    // get ENOENT (start a broker) rather than ECONNREFUSED from a dead socket.
    if (socket_.valid() && dir_.valid())
        unlinkat(dir_.get(), kSocketName, 0);
    socket_.reset();
    lock_.reset();
}

Listener::Status Listener::create(const RuntimeDir& dir, Listener* out, std::string* error) {
    std::string ignored;
    if (!error)
        error = &ignored;
    // Reads errno first: building the message allocates.
    auto fail = [&](const char* what, const std::string& subject) {
        const int saved = errno;
        *error = std::string(what) + " " + subject + ": " + std::strerror(saved);
        return Status::Error;
    };

    Listener listener;
    listener.dir_.reset(dir.open(error));
    if (!listener.dir_.valid())
        return Status::Error;
    const int dfd = listener.dir_.get();
    listener.path_ = dir.path() + "/" + kSocketName;
    const std::string lock_path = dir.path() + "/" + kLockName;

    // One broker per directory: the lock decides, not the socket (connect-probing a socket and
    // then replacing it races with another starting broker). flock(2): released when the
    // descriptor closes, including when the process dies.
    listener.lock_.reset(openat(dfd, kLockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!listener.lock_.valid())
        return fail("cannot open", lock_path);
    int rc;
    do
        rc = flock(listener.lock_.get(), LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        if (errno == EWOULDBLOCK) {
            *error = "a broker already listens in " + dir.path();
            return Status::AlreadyRunning;
        }
        return fail("cannot lock", lock_path);
    }

    // We hold the lock, so a socket left here belongs to a broker that died: remove it. Anything
    // else under that name is not ours to delete.
    struct stat st;
    if (fstatat(dfd, kSocketName, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *error = listener.path_ + " exists and is not a socket (remove it)";
            return Status::Error;
        }
        if (unlinkat(dfd, kSocketName, 0) != 0 && errno != ENOENT)
            return fail("cannot remove stale", listener.path_);
    } else if (errno != ENOENT) {
        return fail("cannot stat", listener.path_);
    }

    UniqueFd socket_fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!socket_fd.valid())
        return fail("cannot create a socket for", listener.path_);
    // Bind through the descriptor we checked (Linux has no bindat): the socket lands in that
    // directory even if the path was swapped since, and a long path still fits sun_path.
    // Without /proc, fall back to the path.
    sockaddr_un address;
    fill_address("/proc/self/fd/" + std::to_string(dfd) + "/" + kSocketName, &address);
    rc = bind(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (rc != 0 && errno == ENOENT) {
        if (!fill_address(listener.path_, &address)) {
            errno = ENAMETOOLONG;
            return fail("cannot bind", listener.path_);
        }
        rc = bind(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    }
    if (rc != 0)
        return fail("cannot bind", listener.path_);
    listener.socket_ = std::move(socket_fd);  // from here the destructor removes the name
    if (listen(listener.socket_.get(), SOMAXCONN) != 0)
        return fail("cannot listen on", listener.path_);

    *out = std::move(listener);
    return Status::Ok;
}

ChannelResult Listener::accept(Channel* out) const {
    int fd;
    do
        fd = accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return from_errno(errno);
    *out = Channel(UniqueFd(fd));
    return {};
}

}  // namespace kiln::broker
