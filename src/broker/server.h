// The broker: holds the objects that cross processes (their memfds), the names and KMT values of
// this user, and the handles placed into processes that have not claimed them yet. Like
// wineserver, one per user, started on demand; it ends when no client has been connected and no
// object has been held for `idle_ms`.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/channel.h"
#include "broker/protocol.h"

namespace kiln::broker {

class Server {
public:
    Server(Listener listener, int idle_ms) : listener_(std::move(listener)), idle_ms_(idle_ms) {}
    // Serves until idle. Returns the process exit status.
    int run();

private:
    struct Client {
        Channel channel;
        pid_t pid = 0;  // what it holds: the objects whose `holders` name this pid
    };
    struct Object {
        UniqueFd fd;
        uint64_t size = 0;
        uint32_t kind = 0;
        uint32_t kmt = 0;
        std::u16string name;
        std::set<pid_t> holders;
        uint32_t placed = 0;  // unclaimed handles placed to it
    };
    struct Placed {
        uint64_t gid;
        uint32_t access, flags;
    };
    struct Target {  // a process handles were placed into
        UniqueFd pidfd;  // readable when the process exits
        uint32_t next_value = 0;
        std::map<uint32_t, Placed> handles;
    };

    void handle(Client& client, const Message& message, UniqueFd fd);
    Reply serve(Client& client, Op op, const Request& request, UniqueFd fd, int* reply_fd);
    void drop_holder(pid_t pid, uint64_t gid);
    void maybe_forget(uint64_t gid);
    void forget_target(pid_t pid);
    void disconnect(size_t index);
    void list(const Client& client);

    Listener listener_;
    int idle_ms_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::unordered_map<uint64_t, Object> objects_;
    std::unordered_map<std::u16string, uint64_t> names_;
    std::unordered_map<uint32_t, uint64_t> kmt_;
    std::unordered_map<pid_t, Target> targets_;
    uint64_t next_gid_ = 1;
    uint32_t next_kmt_ = 0x40000002;  // D3DKMT-style values, step 4
};

}  // namespace kiln::broker
