#include "broker/server.h"

#include "memory/payload_file.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kiln::broker {

namespace {

constexpr uint32_t kErrorSuccess = 0;
constexpr uint32_t kErrorFileNotFound = 2;
constexpr uint32_t kErrorInvalidHandle = 6;
constexpr uint32_t kErrorNotEnoughMemory = 8;
constexpr uint32_t kErrorInvalidParameter = 87;
constexpr uint32_t kErrorAlreadyExists = 183;

int pidfd_open(pid_t pid) { return int(syscall(SYS_pidfd_open, pid, 0)); }

std::u16string name_of(const Request& r) {
    return std::u16string(r.name, std::min<uint32_t>(r.name_units, kMaxNameUnits));
}

}  // namespace

int Server::run() {
    auto idle_since = std::chrono::steady_clock::now();
    for (;;) {
        // Poll the listener, every client, and the pidfd of every process with unclaimed handles.
        std::vector<pollfd> fds;
        fds.push_back({listener_.fd(), POLLIN, 0});
        for (const auto& c : clients_)
            fds.push_back({c->channel.fd(), POLLIN, 0});
        std::vector<pid_t> target_pids;
        for (const auto& [pid, target] : targets_) {
            fds.push_back({target.pidfd.get(), POLLIN, 0});
            target_pids.push_back(pid);
        }
        const int ready = poll(fds.data(), fds.size(), 200);
        if (ready < 0 && errno != EINTR)
            return 1;

        // Targets that exited: their unclaimed handles are closed, as Windows closes a dead
        // process's handles.
        for (size_t i = 0; i < target_pids.size(); ++i)
            if (fds[1 + clients_.size() + i].revents)
                forget_target(target_pids[i]);

        // Clients, from the last, so that disconnecting one does not shift those still to visit.
        for (size_t i = clients_.size(); i-- > 0;) {
            const short revents = fds[1 + i].revents;
            if (!revents)
                continue;
            Message message;
            UniqueFd fd;
            const ChannelResult r = clients_[i]->channel.receive(&message, &fd);
            if (r.status == ChannelStatus::Ok)
                handle(*clients_[i], message, std::move(fd));
            else if (r.status != ChannelStatus::WouldBlock)
                disconnect(i);  // EOF (even after SIGKILL), or a peer that breaks the protocol
        }

        if (fds[0].revents & POLLIN) {
            Channel channel;
            if (listener_.accept(&channel).ok()) {
                const auto credentials = peer_credentials(channel.fd());
                // Only our own user: a peer of another uid is dropped unanswered.
                if (credentials && same_user(*credentials)) {
                    auto client = std::make_unique<Client>();
                    client->channel = std::move(channel);
                    client->pid = credentials->pid;
                    clients_.push_back(std::move(client));
                }
            }
        }

        if (!clients_.empty() || !objects_.empty() || !targets_.empty()) {
            idle_since = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - idle_since > std::chrono::milliseconds(idle_ms_)) {
            return 0;
        }
    }
}

void Server::handle(Client& client, const Message& message, UniqueFd fd) {
    Request request;
    if (message.length != sizeof(Request)) {
        Message reply;
        Reply r;
        r.status = kErrorInvalidParameter;
        reply.assign(message.type | kReplyBit, &r, sizeof r);
        client.channel.send(reply);
        return;
    }
    std::memcpy(&request, message.payload, sizeof request);
    const Op op = Op(message.type);
    if (op == Op::List) {
        list(client);
        return;
    }
    int reply_fd = -1;
    const Reply r = serve(client, op, request, std::move(fd), &reply_fd);
    Message reply;
    reply.assign(message.type | kReplyBit, &r, sizeof r);
    client.channel.send(reply, r.status == kErrorSuccess ? reply_fd : -1);
}

Reply Server::serve(Client& client, Op op, const Request& request, UniqueFd fd, int* reply_fd) {
    Reply reply;
    auto describe = [&](uint64_t gid, const Object& object) {
        reply.gid = gid;
        reply.size = object.size;
        reply.kind = object.kind;
        *reply_fd = object.fd.get();
    };
    // The client now holds the object (opened by name or KMT value): answer with it.
    auto hand_over = [&](uint64_t gid) {
        Object& object = objects_.at(gid);
        object.holders.insert(client.pid);
        describe(gid, object);
    };
    switch (op) {
    case Op::Share: {
        // Only a payload as Kiln makes them travels: a memfd sealed against shrinking and growing,
        // with Kiln's header, of the size announced (memory/payload_file.h). Other descriptors
        // (sockets, devices, files that could be truncated under another process's mapping,
        // foreign memfds) are refused.
        kiln::memory::PayloadHeader header;
        if (request.size == 0 || !fd.valid() || kiln::memory::read_payload_header(fd.get(), &header) != kiln::memory::PayloadCheck::Ok ||
            header.size != request.size) {
            reply.status = kErrorInvalidParameter;
            return reply;
        }
        const uint64_t gid = next_gid_++;
        Object& object = objects_[gid];
        object.fd = std::move(fd);
        object.size = request.size;
        object.kind = request.kind;
        object.holders.insert(client.pid);
        reply.gid = gid;
        return reply;
    }
    case Op::Place: {
        auto it = objects_.find(request.gid);
        if (it == objects_.end() || !it->second.holders.count(client.pid)) {
            reply.status = kErrorInvalidHandle;  // only a holder may hand an object on
            return reply;
        }
        auto found = targets_.find(pid_t(request.target_pid));
        if (found == targets_.end()) {
            const int pidfd = pidfd_open(pid_t(request.target_pid));
            if (pidfd < 0) {
                reply.status = kErrorInvalidParameter;  // no such process (any more)
                return reply;
            }
            found = targets_.emplace(pid_t(request.target_pid), Target{}).first;
            found->second.pidfd.reset(pidfd);
        }
        Target& target = found->second;
        if (target.next_value >= (1u << 28)) {
            reply.status = kErrorNotEnoughMemory;
            return reply;
        }
        const uint32_t value = kPlacedHandleBit | (target.next_value++ << 2);
        target.handles[value] = {request.gid, request.access, request.flags};
        ++it->second.placed;
        reply.value = value;
        return reply;
    }
    case Op::Claim: {
        auto found = targets_.find(client.pid);
        if (found == targets_.end()) {
            reply.status = kErrorInvalidHandle;
            return reply;
        }
        auto h = found->second.handles.find(request.value);
        if (h == found->second.handles.end()) {
            reply.status = kErrorInvalidHandle;  // never placed here, or claimed already
            return reply;
        }
        const Placed placed = h->second;
        found->second.handles.erase(h);
        Object& object = objects_.at(placed.gid);
        --object.placed;
        object.holders.insert(client.pid);
        describe(placed.gid, object);
        reply.access = placed.access;
        reply.flags = placed.flags;
        if (found->second.handles.empty())
            targets_.erase(found);  // keeps the pidfd count to processes with pending handles
        return reply;
    }
    case Op::Release:
        drop_holder(client.pid, request.gid);
        return reply;
    case Op::BindName: {
        const std::u16string name = name_of(request);
        auto it = objects_.find(request.gid);
        if (it == objects_.end() || !it->second.holders.count(client.pid) || name.empty()) {
            reply.status = kErrorInvalidParameter;
            return reply;
        }
        if (!names_.emplace(name, request.gid).second) {
            reply.status = kErrorAlreadyExists;
            return reply;
        }
        it->second.name = name;
        return reply;
    }
    case Op::OpenName: {
        auto it = names_.find(name_of(request));
        if (it == names_.end()) {
            reply.status = kErrorFileNotFound;
            return reply;
        }
        hand_over(it->second);
        return reply;
    }
    case Op::RegisterKmt: {
        auto it = objects_.find(request.gid);
        if (it == objects_.end() || !it->second.holders.count(client.pid)) {
            reply.status = kErrorInvalidParameter;
            return reply;
        }
        if (!it->second.kmt) {
            it->second.kmt = next_kmt_;
            next_kmt_ += 4;
            kmt_[it->second.kmt] = request.gid;
        }
        reply.value = it->second.kmt;
        return reply;
    }
    case Op::LookupKmt: {
        auto it = kmt_.find(request.value);
        if (it == kmt_.end()) {
            reply.status = kErrorInvalidHandle;
            return reply;
        }
        hand_over(it->second);
        return reply;
    }
    case Op::List:
        break;
    }
    reply.status = kErrorInvalidParameter;
    return reply;
}

void Server::list(const Client& client) {
    for (const auto& [gid, object] : objects_) {
        ListEntry e;
        e.gid = gid;
        e.size = object.size;
        e.kind = object.kind;
        e.kmt = object.kmt;
        e.holder_count = uint32_t(object.holders.size());
        e.placed_count = object.placed;
        uint32_t n = 0;
        for (pid_t pid : object.holders)
            if (n < 16)
                e.holder_pids[n++] = uint32_t(pid);
        e.name_units = uint32_t(std::min<size_t>(object.name.size(), kMaxNameUnits));
        std::memcpy(e.name, object.name.data(), e.name_units * sizeof(char16_t));
        Message m;
        m.assign(uint32_t(Op::List) | kReplyBit, &e, sizeof e);
        client.channel.send(m);
    }
    Message end;
    end.assign(uint32_t(Op::List) | kReplyBit, nullptr, 0);
    client.channel.send(end);
}

void Server::drop_holder(pid_t pid, uint64_t gid) {
    auto it = objects_.find(gid);
    if (it == objects_.end())
        return;
    it->second.holders.erase(pid);
    maybe_forget(gid);
}

// An object nobody holds and nobody has been handed is gone: its name and KMT value with it.
void Server::maybe_forget(uint64_t gid) {
    auto it = objects_.find(gid);
    if (it == objects_.end() || !it->second.holders.empty() || it->second.placed)
        return;
    if (!it->second.name.empty())
        names_.erase(it->second.name);
    if (it->second.kmt)
        kmt_.erase(it->second.kmt);
    objects_.erase(it);
}

void Server::forget_target(pid_t pid) {
    auto found = targets_.find(pid);
    if (found == targets_.end())
        return;
    std::vector<uint64_t> gids;
    for (const auto& [value, placed] : found->second.handles)
        gids.push_back(placed.gid);
    targets_.erase(found);
    for (uint64_t gid : gids) {
        auto it = objects_.find(gid);
        if (it != objects_.end()) {
            --it->second.placed;
            maybe_forget(gid);
        }
    }
}

void Server::disconnect(size_t index) {
    std::unique_ptr<Client> client = std::move(clients_[index]);
    clients_.erase(clients_.begin() + long(index));
    // Another connection of the same process (none today) would keep its holds.
    for (const auto& other : clients_)
        if (other->pid == client->pid)
            return;
    std::vector<uint64_t> held;
    for (const auto& [gid, object] : objects_)
        if (object.holders.count(client->pid))
            held.push_back(gid);
    for (uint64_t gid : held)
        drop_holder(client->pid, gid);
}

}  // namespace kiln::broker
