// The calling process's NT handle table. Handle values are multiples of 4, never 0, below 2^31
// (Windows keeps handle values significant in 32 bits: interop code stores them in 32-bit
// fields), and a closed value is not handed out again for a long while (slots are reused
// oldest-first and carry a generation), so a stale handle fails instead of reaching another object.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "object.h"

namespace kiln::win32 {

struct HandleInfo {
    Ref<> object;
    uint32_t access = 0;
    uint32_t flags = 0;  // HANDLE_FLAG_INHERIT, HANDLE_FLAG_PROTECT_FROM_CLOSE
};

enum class TableError { None, InvalidHandle, ProtectedFromClose, OutOfMemory };

class HandleTable {
public:
    // The table of this process (the one global the library keeps, besides the broker client).
    static HandleTable& current();

    // A new handle holding `object` (the table takes its own reference); 0 when out of memory.
    uintptr_t insert(const Ref<>& object, uint32_t access, uint32_t flags);
    // A handle at a value the broker placed into this process (broker::is_placed_handle); false
    // when the value is taken already or out of memory.
    bool insert_placed(uintptr_t value, const Ref<>& object, uint32_t access, uint32_t flags);
    // The entry behind a handle, or false for a value that is not a live handle.
    bool lookup(uintptr_t handle, HandleInfo* out) const;
    // Drops a handle (and its reference to the object).
    TableError close(uintptr_t handle);
    bool set_flags(uintptr_t handle, uint32_t mask, uint32_t flags);

    size_t live_count() const;

private:
    struct Slot {
        KernelObject* object = nullptr;  // one reference, held while live
        uint32_t access = 0;
        uint32_t flags = 0;
        uint32_t generation = 0;
    };
    // value = ((generation << kIndexBits) | (index + 1)) << 2: 7 + 21 + 2 = 30 bits, so at most
    // 2^21 - 1 live handles per process; values from 2^30 to 2^31 are the broker's to place.
    static constexpr unsigned kIndexBits = 21;
    static constexpr uint32_t kIndexMask = (1u << kIndexBits) - 1;
    static constexpr uint32_t kGenerationMask = 0x7f;
    static uintptr_t encode(uint32_t index, uint32_t generation) {
        return uintptr_t((uint64_t(generation & kGenerationMask) << kIndexBits) | (index + 1)) << 2;
    }
    const Slot* find(uintptr_t handle) const;
    KernelObject* remove_locked(uintptr_t handle, Slot& slot);

    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    std::deque<uint32_t> free_;  // oldest freed first
    std::unordered_map<uintptr_t, Slot> placed_;  // values the broker placed
    size_t live_ = 0;
};

// The entry behind a handle value of this process, counting the current-process pseudo handle and
// handles another process placed here (claimed from the broker on first use). False for a value
// that is not a live handle.
bool resolve_handle(uintptr_t value, HandleInfo* out);

}  // namespace kiln::win32
