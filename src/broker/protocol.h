// The broker protocol: one request message, one reply message (type | kReplyBit), each a small
// struct (and at most one fd). Client and broker are built from the same tree, so the structs
// travel as they are.
#pragma once

#include <cstdint>

namespace kiln::broker {

inline constexpr uint32_t kReplyBit = 0x80000000u;

enum class Op : uint32_t {
    Share = 1,    // + fd. The sender holds a payload; the broker records it. Reply: gid.
    Place,        // Put a handle to `gid` into `target_pid`'s table. Reply: the handle value there.
    Claim,        // A handle value placed into the sender. Reply: the object + fd, access, flags.
    Release,      // The sender holds `gid` no more.
    BindName,     // File `gid` under `name`. Reply: status.
    OpenName,     // Reply: the object filed under `name` + fd.
    RegisterKmt,  // Give `gid` a global share value. Reply: kmt.
    LookupKmt,    // Reply: the object of `kmt` + fd.
    List,         // Reply: one ListEntry per message, then an empty reply.
};

inline constexpr unsigned kMaxNameUnits = 256;

struct Request {
    uint64_t gid = 0;
    uint64_t size = 0;   // Share
    uint32_t kind = 0;   // Share
    uint32_t target_pid = 0;
    uint32_t access = 0;
    uint32_t flags = 0;
    uint32_t value = 0;  // Claim: the handle value; LookupKmt: the KMT value
    uint32_t name_units = 0;
    char16_t name[kMaxNameUnits] = {};
};

struct Reply {
    uint32_t status = 0;  // a Win32 error code; 0 = ERROR_SUCCESS
    uint32_t value = 0;   // Place: the handle value; RegisterKmt: the KMT value
    uint64_t gid = 0;
    uint64_t size = 0;
    uint32_t kind = 0;
    uint32_t access = 0;
    uint32_t flags = 0;
};

// What kiln-handles prints: one object of the broker.
struct ListEntry {
    uint64_t gid = 0;
    uint64_t size = 0;
    uint32_t kind = 0;
    uint32_t kmt = 0;
    uint32_t holder_count = 0;  // processes that hold it
    uint32_t placed_count = 0;  // handles placed into processes that have not claimed them yet
    uint32_t holder_pids[16] = {};
    uint32_t name_units = 0;
    char16_t name[kMaxNameUnits] = {};
};

// Handle values the broker places into a process's table: bit 30 set, so never a value the
// process's own table issues (those stay below 2^30), and below 2^31 like every Windows handle.
inline constexpr uint32_t kPlacedHandleBit = 0x40000000u;
inline bool is_placed_handle(uintptr_t value) {
    return value < 0x80000000u && (value & kPlacedHandleBit) && (value & 3) == 0;
}

}  // namespace kiln::broker
