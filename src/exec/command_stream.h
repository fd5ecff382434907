// The command stream: what a command buffer records and a queue executes. Commands are
// packed one after another into chunks (header, then the command struct, then its
// trailing array), so recording is a bump allocation and execution a linear walk.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace kiln::exec {

enum class Op : uint16_t {
    CopyMemory,
    FillMemory,
    UpdateMemory,
    CopyBufferToImage,
    CopyImageToBuffer,
    CopyImage,
    ClearColorImage,
    ClearDepthStencilImage,
    SetEvent,
    ResetEvent,
    WaitEvents,
    ExecuteStream,
    Dispatch,
    ClearRects,
    Blit,
    Draw,
    Resolve,
};

// Alignment of every command and of the trailing arrays that follow the fixed part.
inline constexpr std::size_t kCommandAlignment = 16;

struct CommandHeader {
    Op op;
    uint32_t size;  // bytes from this header to the next one
};

class CommandStream {
public:
    CommandStream() = default;
    CommandStream(const CommandStream&) = delete;
    CommandStream& operator=(const CommandStream&) = delete;

    // Room for one command `T` followed by `extra` bytes (its trailing array), or NULL when
    // the host is out of memory. The returned T is value-initialized.
    template <typename T>
    T* append(Op op, std::size_t extra = 0) {
        void* p = allocate(op, sizeof(T) + extra);
        return p ? new (p) T{} : nullptr;
    }

    // Forgets every command; keeps the first chunk for the next recording.
    void reset();
    bool empty() const { return command_count_ == 0; }
    std::size_t command_count() const { return command_count_; }
    std::size_t bytes_reserved() const;

    // Walks the commands in recording order.
    template <typename F>
    void for_each(F&& visit) const {
        for (const Chunk& chunk : chunks_) {
            std::size_t at = 0;
            while (at < chunk.used) {
                auto* header = reinterpret_cast<const CommandHeader*>(chunk.data.get() + at);
                visit(header->op, static_cast<const void*>(chunk.data.get() + at + kCommandAlignment));
                at += header->size;
            }
        }
    }

    // How many queue submissions that include this stream have not finished executing.
    std::atomic<uint32_t> pending{0};

private:
    struct Chunk {
        std::unique_ptr<std::byte[]> data;
        std::size_t used = 0;
        std::size_t capacity = 0;
    };
    void* allocate(Op op, std::size_t payload);

    std::vector<Chunk> chunks_;
    std::size_t command_count_ = 0;
};

// The trailing array of a command struct T, which starts right after T.
template <typename Element, typename T>
inline Element* trailing(T* command) {
    static_assert(sizeof(T) % alignof(Element) == 0);
    return reinterpret_cast<Element*>(reinterpret_cast<std::byte*>(command) + sizeof(T));
}
template <typename Element, typename T>
inline const Element* trailing(const T* command) {
    return reinterpret_cast<const Element*>(reinterpret_cast<const std::byte*>(command) + sizeof(T));
}

}  // namespace kiln::exec
