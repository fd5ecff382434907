// Payload files: the one form in which Kiln's external memory exists. A payload is a memfd that
// begins with one page written by Kiln (the header: who made it, for which device, how big), then
// the bytes of the allocation; sealed so that no process can shrink it under another's mapping.
// The header lets every importer reject a descriptor Kiln did not make -- a foreign memfd, a
// regular file, a pipe, a truncated payload -- with a few system calls and no mapping.
// Knows nothing of Vulkan or of handles: bytes, descriptors and mappings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln::memory {

// Who made a payload: Kiln's Vulkan driver, or a D3D runtime (kiln_create_external_payload).
enum class PayloadOrigin : uint32_t {
    Vulkan = 1,
    D3D11Texture = 2,
    D3D12Heap = 3,
    D3D12Resource = 4,
};

inline constexpr size_t kUuidSize = 16;

// Kiln's identity, the same in every process and instance: the driver UUID changes with the driver
// version, the device UUID with the image layout (two devices may share images only when they lay
// texels out alike); the LUID is stable and never zero.
struct Identity {
    uint8_t driver_uuid[kUuidSize];
    uint8_t device_uuid[kUuidSize];
    uint8_t luid[8];
};
const Identity& kiln_identity();

struct PayloadHeader {
    char magic[8];          // kPayloadMagic
    uint32_t version;       // kPayloadVersion
    uint32_t header_size;   // kPayloadHeaderSize
    uint64_t size;          // bytes after the header that belong to the payload
    uint8_t driver_uuid[kUuidSize];
    uint8_t device_uuid[kUuidSize];
    uint32_t origin;        // PayloadOrigin
    uint32_t memory_type;   // the exporter's memoryTypeIndex; UINT32_MAX when any type will do
    uint64_t dedicated;     // 0, or a digest of the resource the exporting allocation is dedicated to
};

inline constexpr char kPayloadMagic[8] = {'K', 'I', 'L', 'N', 'P', 'A', 'Y', '1'};
inline constexpr uint32_t kPayloadVersion = 1;
// A whole page, so that the payload's bytes start page-aligned in the file and can be mapped alone.
inline constexpr uint64_t kPayloadHeaderSize = 4096;

// A header for `size` bytes from `origin`, stamped with Kiln's identity.
PayloadHeader make_payload_header(PayloadOrigin origin, uint64_t size, uint32_t memory_type = UINT32_MAX,
                                  uint64_t dedicated = 0);

// The file size of a payload of `size` bytes (header, then the bytes rounded up to pages); 0 when
// `size` is 0 or too large for a file.
uint64_t payload_file_size(uint64_t size);

// Creates the payload file for `header`: a sealed memfd of payload_file_size(header.size) bytes whose
// first page is the header. Returns the descriptor (close-on-exec), or -1 when the host refuses.
int create_payload_file(const PayloadHeader& header);

enum class PayloadCheck {
    Ok,
    NotAFile,     // fstat failed, or not a regular file (pipe, socket, device, directory)
    NotSealed,    // not a memfd sealed against shrinking and growing
    NotKiln,      // no Kiln header: a foreign file
    BadSize,      // the header's size disagrees with the file's (a truncated or altered payload)
};

// Reads and checks the header of a descriptor someone claims is a payload. O(1): fstat, the seals,
// one read of the header; nothing is mapped. `file_id` (optional) receives which file the descriptor
// reaches (file_id_of), from the same fstat.
PayloadCheck read_payload_header(int fd, PayloadHeader* out, uint64_t* file_id = nullptr);

// Which file a descriptor reaches (its inode on its filesystem), whatever descriptor reaches it; 0
// when fstat fails.
uint64_t file_id_of(int fd);

// Maps the payload's bytes (not the header) shared, read and write. NULL when the host refuses.
std::byte* map_payload(int fd, uint64_t size);
void unmap_payload(std::byte* data, uint64_t size);

}  // namespace kiln::memory
