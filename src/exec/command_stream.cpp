#include "command_stream.h"

#include <algorithm>

namespace kiln::exec {

static constexpr std::size_t kFirstChunk = 4096;
static constexpr std::size_t kMaxChunk = 1 << 20;

// Commands are placed at 16-byte multiples of a chunk's start, which operator new aligns to
// at least that much.
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= kCommandAlignment);

static std::size_t align_up(std::size_t v) { return (v + kCommandAlignment - 1) & ~(kCommandAlignment - 1); }

void* CommandStream::allocate(Op op, std::size_t payload) {
    static_assert(sizeof(CommandHeader) <= kCommandAlignment);
    // The header is padded to the alignment so that the payload is aligned too.
    const std::size_t total = align_up(kCommandAlignment + payload);
    if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < total) {
        // Grow geometrically; reset() keeps the first chunk for the next recording.
        std::size_t next = chunks_.empty() ? kFirstChunk : std::min(chunks_.back().capacity * 2, kMaxChunk);
        next = std::max(next, total);
        Chunk chunk;
        chunk.data.reset(new (std::nothrow) std::byte[next]);
        if (!chunk.data)
            return nullptr;
        chunk.capacity = next;
        chunks_.push_back(std::move(chunk));
    }
    Chunk& chunk = chunks_.back();
    std::byte* at = chunk.data.get() + chunk.used;
    auto* header = new (at) CommandHeader{op, uint32_t(total)};
    chunk.used += total;
    ++command_count_;
    return reinterpret_cast<std::byte*>(header) + kCommandAlignment;
}

void CommandStream::reset() {
    if (chunks_.size() > 1)
        chunks_.erase(chunks_.begin() + 1, chunks_.end());
    if (!chunks_.empty())
        chunks_.front().used = 0;
    command_count_ = 0;
}

std::size_t CommandStream::bytes_reserved() const {
    std::size_t total = 0;
    for (const Chunk& c : chunks_)
        total += c.capacity;
    return total;
}

}  // namespace kiln::exec
