// kiln-handles: lists the objects Kiln's broker holds for this user -- type, size, name, KMT
// value, the processes holding each and the handles placed but not yet claimed -- like
// Sysinternals' handle.exe. It never starts a broker: no broker means nothing is shared.
#include <cstdio>
#include <cstring>
#include <string>

#include "broker/channel.h"
#include "broker/protocol.h"
#include "broker/runtime_dir.h"

using namespace kiln::broker;

static const char* kind_name(uint32_t kind) {
    switch (kind) {
    // memory::PayloadOrigin
    case 1: return "vulkan";
    case 2: return "d3d11-texture";
    case 3: return "d3d12-heap";
    case 4: return "d3d12-resource";
    default: return "unknown";
    }
}

// UTF-16 to UTF-8, for printing names.
static std::string utf8(const char16_t* s, uint32_t units) {
    std::string out;
    for (uint32_t i = 0; i < units; ++i) {
        uint32_t c = s[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < units && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (s[++i] - 0xdc00);
        if (c < 0x80) {
            out += char(c);
        } else if (c < 0x800) {
            out += char(0xc0 | (c >> 6));
            out += char(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out += char(0xe0 | (c >> 12));
            out += char(0x80 | ((c >> 6) & 0x3f));
            out += char(0x80 | (c & 0x3f));
        } else {
            out += char(0xf0 | (c >> 18));
            out += char(0x80 | ((c >> 12) & 0x3f));
            out += char(0x80 | ((c >> 6) & 0x3f));
            out += char(0x80 | (c & 0x3f));
        }
    }
    return out;
}

int main(int argc, char** argv) {
    if (argc > 1) {
        std::fprintf(stderr, "usage: kiln-handles\n");
        return 2;
    }
    std::string dir, error;
    if (!RuntimeDir::for_user().open_or_create(&dir, &error)) {
        std::fprintf(stderr, "kiln-handles: %s\n", error.c_str());
        return 1;
    }
    Channel channel;
    if (!connect_to(dir + "/" + Listener::kSocketName, &channel).ok()) {
        std::printf("no broker is running for this user: no object is shared across processes\n");
        return 0;
    }
    const auto peer = peer_credentials(channel.fd());
    if (!peer || !same_user(*peer)) {
        std::fprintf(stderr, "kiln-handles: the broker socket belongs to another user\n");
        return 1;
    }
    Message request;
    Request empty;
    request.assign(uint32_t(Op::List), &empty, sizeof empty);
    if (!channel.send(request).ok()) {
        std::fprintf(stderr, "kiln-handles: the broker did not take the request\n");
        return 1;
    }
    std::printf("%-6s %-15s %12s %-10s %-7s %-7s %s\n", "object", "type", "size", "kmt", "placed", "holders",
                "name / holding pids");
    unsigned objects = 0;
    for (;;) {
        Message reply;
        if (!channel.receive(&reply, nullptr).ok()) {
            std::fprintf(stderr, "kiln-handles: the broker went away\n");
            return 1;
        }
        if (reply.length == 0)
            break;
        if (reply.length != sizeof(ListEntry))
            return 1;
        ListEntry e;
        std::memcpy(&e, reply.payload, sizeof e);
        char kmt[16] = "-";
        if (e.kmt)
            std::snprintf(kmt, sizeof kmt, "0x%08x", e.kmt);
        std::string pids;
        for (uint32_t i = 0; i < e.holder_count && i < 16; ++i) {
            if (i)
                pids += ',';
            pids += std::to_string(e.holder_pids[i]);
        }
        const std::string name = e.name_units ? utf8(e.name, e.name_units) : "-";
        std::printf("%-6llu %-15s %12llu %-10s %-7u %-7u %s  [%s]\n", static_cast<unsigned long long>(e.gid),
                    kind_name(e.kind), static_cast<unsigned long long>(e.size), kmt, e.placed_count, e.holder_count,
                    name.c_str(), pids.c_str());
        ++objects;
    }
    std::printf("%u object(s)\n", objects);
    return 0;
}
