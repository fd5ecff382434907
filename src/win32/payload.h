// Payloads: blocks of shareable memory (sealed memfds), the objects external memory handles
// reference; and the registries that find them by name and by KMT value.
#pragma once

#include <cstdint>
#include <string>

#include "object.h"

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

private:
    friend uint32_t register_kmt(Payload& payload);
    int fd_;
    uint64_t size_;
    PayloadKind kind_;
    uint32_t kmt_ = 0;
};

// ---- Names: Local\ and Global\ namespaces of this user ----

enum class NameStatus { Ok, Invalid, AlreadyExists, NotFound };

// Checks a UTF-16 object name: an optional "Local\" or "Global\" prefix, then a non-empty
// rest without backslashes. Writes the key it is filed under ("Local\" when no prefix).
NameStatus canonical_name(const char16_t* name, std::u16string* key);
// Files `object` under `name`; the name holds no reference and goes when the object goes.
NameStatus bind_name(KernelObject& object, const char16_t* name);
// The object filed under `name`, with a reference of its own.
NameStatus open_name(const char16_t* name, Ref<>* out);
void unbind_name(KernelObject& object);

// ---- KMT (global share) values: hold no reference ----

// Gives the payload its global share value (once); valid while the payload lives.
uint32_t register_kmt(Payload& payload);
// The payload of a KMT value, with a reference, or NULL when the value is not (or no longer) valid.
Ref<Payload> lookup_kmt(uint32_t value);

}  // namespace kiln::win32
