#include "handle_table.h"

#include <new>

#include "broker/protocol.h"
#include "kiln/win32.h"

namespace kiln::win32 {

KernelObject::~KernelObject() = default;

HandleTable& HandleTable::current() {
    // Never destroyed: handles may be closed from other libraries' destructors at exit.
    static HandleTable* table = new HandleTable;
    return *table;
}

const HandleTable::Slot* HandleTable::find(uintptr_t handle) const {
    if (broker::is_placed_handle(handle)) {
        auto it = placed_.find(handle);
        return it == placed_.end() ? nullptr : &it->second;
    }
    if (handle == 0 || (handle & 3) != 0 || (handle >> 2) > ((uint64_t(kGenerationMask) << kIndexBits) | kIndexMask))
        return nullptr;
    const uint64_t value = handle >> 2;
    const uint32_t index_plus_one = uint32_t(value & kIndexMask);
    const uint32_t generation = uint32_t(value >> kIndexBits);
    if (index_plus_one == 0 || index_plus_one > slots_.size())
        return nullptr;
    const Slot& slot = slots_[index_plus_one - 1];
    if (!slot.object || (slot.generation & kGenerationMask) != generation)
        return nullptr;
    return &slot;
}

uintptr_t HandleTable::insert(const Ref<>& object, uint32_t access, uint32_t flags) {
    std::lock_guard lock(mutex_);
    uint32_t index;
    try {
        // Reuse a slot only once enough others are free that the same value comes back late.
        if (free_.size() > 64) {
            index = free_.front();
            free_.pop_front();
        } else {
            if (slots_.size() >= kIndexMask)
                return 0;
            slots_.emplace_back();
            index = uint32_t(slots_.size() - 1);
        }
    } catch (const std::bad_alloc&) {
        return 0;
    }
    Slot& slot = slots_[index];
    object->retain();
    slot.object = object.get();
    slot.access = access;
    slot.flags = flags;
    ++live_;
    return encode(index, slot.generation);
}

bool HandleTable::lookup(uintptr_t handle, HandleInfo* out) const {
    std::lock_guard lock(mutex_);
    const Slot* slot = find(handle);
    if (!slot)
        return false;
    out->object = Ref<>::share(slot->object);
    out->access = slot->access;
    out->flags = slot->flags;
    return true;
}

bool HandleTable::insert_placed(uintptr_t value, const Ref<>& object, uint32_t access, uint32_t flags) {
    if (!broker::is_placed_handle(value))
        return false;
    std::lock_guard lock(mutex_);
    try {
        if (!placed_.emplace(value, Slot{object.get(), access, flags, 0}).second)
            return false;
    } catch (const std::bad_alloc&) {
        return false;
    }
    object->retain();
    ++live_;
    return true;
}

// Empties the live slot of `handle` under the lock; the caller releases the returned reference
// outside it.
KernelObject* HandleTable::remove_locked(uintptr_t handle, Slot& slot) {
    KernelObject* object = slot.object;
    --live_;
    if (broker::is_placed_handle(handle)) {
        placed_.erase(handle);  // the broker never places the same value twice
        return object;
    }
    slot.object = nullptr;
    ++slot.generation;
    try {
        free_.push_back(uint32_t(&slot - slots_.data()));
    } catch (const std::bad_alloc&) {
        // The slot is simply never reused.
    }
    return object;
}

TableError HandleTable::close(uintptr_t handle) {
    KernelObject* object;
    {
        std::lock_guard lock(mutex_);
        Slot* slot = const_cast<Slot*>(find(handle));
        if (!slot)
            return TableError::InvalidHandle;
        if (slot->flags & HANDLE_FLAG_PROTECT_FROM_CLOSE)
            return TableError::ProtectedFromClose;
        object = remove_locked(handle, *slot);
    }
    object->release();  // may destroy the object: outside the lock
    return TableError::None;
}

bool HandleTable::set_flags(uintptr_t handle, uint32_t mask, uint32_t flags) {
    std::lock_guard lock(mutex_);
    Slot* slot = const_cast<Slot*>(find(handle));
    if (!slot)
        return false;
    slot->flags = (slot->flags & ~mask) | (flags & mask);
    return true;
}

size_t HandleTable::live_count() const {
    std::lock_guard lock(mutex_);
    return live_;
}

}  // namespace kiln::win32
