// Payloads: blocks of shareable memory (sealed memfds), the objects external memory handles
// reference; and the registries that find them by name and by KMT value.
#pragma once

#include <cstdint>
#include <string>

#include "object.h"

namespace kiln::broker {
struct Reply;
class UniqueFd;
}

namespace kiln::win32 {

enum class PayloadKind : uint8_t {
    Vulkan,     // exported by Kiln's vkGetMemoryWin32HandleKHR
    D3D11Texture,
    D3D12Heap,
    D3D12Resource,
};

class Payload : public KernelObject {
public:
    Payload(int fd, uint64_t size, PayloadKind kind) : KernelObject(ObjectType::Payload), fd_(fd), size_(size), kind_(kind) {}
    ~Payload() override;

    // Makes a sealed memfd of `size` bytes (size cannot change once made); NULL when the host refuses.
    static Payload* create(uint64_t size, PayloadKind kind);

    int fd() const { return fd_; }
    uint64_t size() const { return size_; }
    PayloadKind kind() const { return kind_; }
    uint32_t kmt() const { return kmt_; }

    // The payload's id at the broker, registering it there first (the process then holds it
    // there too). 0 with a Win32 error in *error when no broker can be reached.
    uint64_t share(uint32_t* error);

    // The local payload of an object the broker sent (one per object per process).
    static Ref<Payload> from_broker(const broker::Reply& reply, broker::UniqueFd fd);

private:
    friend uint32_t register_kmt(Payload& payload);
    friend Ref<Payload> lookup_kmt(uint32_t value);
    int fd_;
    uint64_t size_;
    PayloadKind kind_;
    uint32_t kmt_ = 0;
    uint64_t gid_ = 0;  // at the broker; 0 while only this process knows the payload
};

// ---- Names: Local\ and Global\ namespaces of this user ----

enum class NameStatus { Ok, Invalid, AlreadyExists, NotFound };

// Checks a UTF-16 object name: an optional "Local\" or "Global\" prefix, then a non-empty
// rest without backslashes. Writes the key it is filed under ("Local\" when no prefix).
NameStatus canonical_name(const char16_t* name, std::u16string* key);
// Files `payload` under `name` for every process of the user (through the broker; only this
// process when no broker can be reached); the name holds no reference and goes with the object.
NameStatus bind_name(Payload& payload, const char16_t* name);
// The object filed under `name` (in this process, else at the broker), with a reference of its own.
NameStatus open_name(const char16_t* name, Ref<>* out);
void unbind_name(KernelObject& object);

// ---- KMT (global share) values: hold no reference ----

// Gives the payload its global share value (once; from the broker, so it is valid in every
// process of the user); valid while any process holds the payload.
uint32_t register_kmt(Payload& payload);
// The payload of a KMT value (from this process, else the broker), with a reference, or NULL
// when the value is not (or no longer) valid.
Ref<Payload> lookup_kmt(uint32_t value);

}  // namespace kiln::win32
