// Payloads: blocks of shareable memory (sealed memfds), the objects external memory handles
// reference; and the registries that find them by name and by KMT value.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "memory/payload_file.h"
#include "object.h"

namespace kiln::broker {
struct Reply;
class UniqueFd;
}

namespace kiln::win32 {

// Who made a payload (its header says): Kiln's Vulkan driver or a D3D runtime.
using PayloadKind = memory::PayloadOrigin;

// A payload: a payload file (memory/payload_file.h) and, once someone asks, this process's one
// mapping of its bytes -- every import of the payload in this process shares that mapping.
class Payload : public KernelObject {
public:
    ~Payload() override;

    // A new payload file for `header`; NULL when the host refuses.
    static Payload* create(const memory::PayloadHeader& header);
    // A new payload of `size` bytes made by `kind` (any memory type, not dedicated).
    static Payload* create(uint64_t size, PayloadKind kind) {
        return create(memory::make_payload_header(kind, size));
    }
    // The payload of a descriptor someone handed over (an fd import; the broker), after checking
    // its header: the object this process already has for that file when there is one, so that the
    // file is mapped once per process. On success the payload owns `fd` (closing it when an
    // existing object is returned); on failure `fd` stays the caller's and `*check` says why.
    static Ref<Payload> adopt_fd(int fd, memory::PayloadCheck* check);

    int fd() const { return fd_; }
    uint64_t size() const { return header_.size; }  // the payload's bytes, without the header
    PayloadKind kind() const { return PayloadKind(header_.origin); }
    const memory::PayloadHeader& header() const { return header_; }
    uint32_t kmt() const { return kmt_; }

    // The payload's bytes in this process (mapped on first use, unmapped with the object). NULL
    // when the host refuses the mapping.
    std::byte* map();

    // The payload's id at the broker, registering it there first (the process then holds it
    // there too). 0 with a Win32 error in *error when no broker can be reached.
    uint64_t share(uint32_t* error);

    // The local payload of an object the broker sent (one per object per process); NULL when the
    // descriptor is not a Kiln payload.
    static Ref<Payload> from_broker(const broker::Reply& reply, broker::UniqueFd fd);

private:
    Payload(int fd, const memory::PayloadHeader& header, uint64_t file_id)
        : KernelObject(ObjectType::Payload), fd_(fd), header_(header), file_id_(file_id) {}
    friend uint32_t register_kmt(Payload& payload);
    friend Ref<Payload> lookup_kmt(uint32_t value);
    int fd_;
    memory::PayloadHeader header_;
    uint64_t file_id_;  // the memfd's inode: which file this is, whichever descriptor reaches it
    std::mutex map_mutex_;
    std::atomic<std::byte*> data_{nullptr};
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
