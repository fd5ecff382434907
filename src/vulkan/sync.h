// VkFence, VkSemaphore and VkEvent over the exec sync primitives.
#pragma once

#include "exec/sync.h"
#include "object.h"

namespace kiln {

class Fence {
public:
    static Fence* from(VkFence handle) { return reinterpret_cast<Fence*>(handle); }
    VkFence handle() { return reinterpret_cast<VkFence>(this); }
    Fence(exec::SyncHub& hub, bool signaled) : state(hub, signaled) {}
    exec::Fence state;
};

class Semaphore {
public:
    static Semaphore* from(VkSemaphore handle) { return reinterpret_cast<Semaphore*>(handle); }
    VkSemaphore handle() { return reinterpret_cast<VkSemaphore>(this); }
    explicit Semaphore(exec::SyncHub& hub) : state(hub) {}
    exec::Semaphore state;
};

class Event {
public:
    static Event* from(VkEvent handle) { return reinterpret_cast<Event*>(handle); }
    VkEvent handle() { return reinterpret_cast<VkEvent>(this); }
    explicit Event(exec::SyncHub& hub) : state(hub) {}
    exec::Event state;
};

}  // namespace kiln
