// VK_KHR_external_memory_fd (OPAQUE_FD) and VK_EXT_external_memory_host (HOST_ALLOCATION_EXT).
// - vkGetMemoryFdKHR returns a new fd on every call, the application's; a successful import makes
//   Kiln its owner (Kiln closes it), a failed one leaves it the application's.
// - Kiln's fds are sealed memfds that begin with Kiln's header; every other fd is foreign.
// - A host-pointer import uses the application's pages (4096-aligned pointer and size).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 64 * 1024;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using HostPages = std::unique_ptr<uint8_t, FreeDeleter>;

HostPages AllocatePages(size_t size) { return HostPages(static_cast<uint8_t*>(std::aligned_alloc(4096, size))); }

class ExternalMemoryFd : public ExternalMemoryTest {};

// Two calls, two fds; the first imported (Kiln's from then on: closed by Kiln, so one fd fewer once
// the import is freed), the second the application's to close.
TEST_F(ExternalMemoryFd, OpaqueFdRoundTripAndKilnOwnsTheImportedFd) {
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  const int fdsBefore = OpenFdCount();
  OwnedFd first = GetFd(memory);
  OwnedFd second = GetFd(memory);
  ASSERT_GE(first.get(), 0);
  ASSERT_GE(second.get(), 0);
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(OpenFdCount(), fdsBefore + 2) << "each vkGetMemoryFdKHR returns a new descriptor";

  const int fd = first.release();
  Memory import;
  ASSERT_EQ(TryImportFd(fd, kSize, hostVisible_, &import), VK_SUCCESS);
  std::unique_ptr<Resource> a = Resource::Buffer(device(), kOpaqueFd);
  std::unique_ptr<Resource> b = Resource::Buffer(device(), kOpaqueFd);
  a->Bind(memory.get());
  b->Bind(import.get());
  ExpectSameBytesThroughMappings(memory, import, 600);
  ExpectSameBytesThroughQueues(*a, *b, 610);
  b.reset();
  import.Reset();
  errno = 0;
  EXPECT_EQ(fcntl(fd, F_GETFD), -1) << "Kiln owns an imported fd and closes it";
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(OpenFdCount(), fdsBefore + 1);
  EXPECT_TRUE(FdIsOpen(second.get())) << "the other fd is still the application's";
  second.reset();
  EXPECT_EQ(OpenFdCount(), fdsBefore);
}

// An fd imported into device-only memory carries the bytes through the queue.
TEST_F(ExternalMemoryFd, OpaqueFdImportsIntoDeviceOnlyMemory) {
  Memory memory = Export(kOpaqueFd, kSize, deviceOnly_);
  Memory import;
  ASSERT_EQ(TryImportFd(GetFd(memory).release(), kSize, deviceOnly_, &import), VK_SUCCESS);
  std::unique_ptr<Resource> a = Resource::Image(device(), kOpaqueFd);
  std::unique_ptr<Resource> b = Resource::Image(device(), kOpaqueFd);
  ASSERT_LE(a->requirements().size, kSize);
  a->Bind(memory.get());
  b->Bind(import.get());
  ExpectSameBytesThroughQueues(*a, *b, 620);
}

// On failure the fd stays the application's: open, and nothing else opened or closed.
TEST_F(ExternalMemoryFd, FailedImportLeavesTheFdOpen) {
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd fd = GetFd(memory);
  const int fds = OpenFdCount();
  Memory import;
  EXPECT_EQ(TryImportFd(fd.get(), kSize * 2, hostVisible_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryImportFd(fd.get(), kSize, deviceOnly_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(FdIsOpen(fd.get()));
  EXPECT_NO_FD_LEAK(fds);
  // The same fd then imports fine.
  EXPECT_EQ(TryImportFd(fd.release(), kSize, hostVisible_, &import), VK_SUCCESS);
}

// Foreign fds: no Kiln header, not a sealed memfd, not a memfd at all, or no fd.
TEST_F(ExternalMemoryFd, ForeignFdsAreInvalid) {
  // A memfd of the right size, with no header.
  OwnedFd bare(memfd_create("kiln-conf-foreign", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  ASSERT_GE(bare.get(), 0);
  ASSERT_EQ(ftruncate(bare.get(), kSize), 0);

  // A truncated, unsealed copy of a real Kiln payload (header included).
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  OwnedFd real = GetFd(memory);
  struct stat st {};
  ASSERT_EQ(fstat(real.get(), &st), 0);
  std::vector<uint8_t> contents(static_cast<size_t>(st.st_size));
  ASSERT_EQ(pread(real.get(), contents.data(), contents.size(), 0), ssize_t(contents.size()));
  OwnedFd truncated(memfd_create("kiln-conf-truncated", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  ASSERT_GE(truncated.get(), 0);
  ASSERT_EQ(write(truncated.get(), contents.data(), contents.size() / 2), ssize_t(contents.size() / 2));
  // An unsealed full copy.
  OwnedFd copy(memfd_create("kiln-conf-copy", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  ASSERT_GE(copy.get(), 0);
  ASSERT_EQ(write(copy.get(), contents.data(), contents.size()), ssize_t(contents.size()));

  int pipeFds[2];
  ASSERT_EQ(pipe(pipeFds), 0);
  OwnedFd pipeRead(pipeFds[0]);
  OwnedFd pipeWrite(pipeFds[1]);
  OwnedFd devNull(open("/dev/null", O_RDWR | O_CLOEXEC));
  ASSERT_GE(devNull.get(), 0);
  char path[] = "/tmp/kiln-conf-regular-XXXXXX";
  OwnedFd regular(mkstemp(path));
  ASSERT_GE(regular.get(), 0);
  unlink(path);
  const std::vector<uint8_t> zeros(kSize, 0);
  ASSERT_EQ(write(regular.get(), zeros.data(), zeros.size()), ssize_t(zeros.size()));

  struct Case {
    const char* what;
    int fd;
  };
  const Case cases[] = {
      {"a memfd without Kiln's header", bare.get()},
      {"a truncated copy of a Kiln payload", truncated.get()},
      {"an unsealed copy of a Kiln payload", copy.get()},
      {"a pipe", pipeRead.get()},
      {"/dev/null", devNull.get()},
      {"a regular file", regular.get()},
  };
  const int fds = OpenFdCount();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    for (uint32_t type : {hostVisible_, deviceOnly_}) {
      Memory import;
      EXPECT_EQ(TryImportFd(c.fd, kSize, type, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
      EXPECT_TRUE(FdIsOpen(c.fd)) << "a failed import leaves the fd the application's";
    }
  }
  EXPECT_NO_FD_LEAK(fds);
}

// Not a descriptor at all: -1, and a number beyond every open descriptor.
TEST_F(ExternalMemoryFd, NonDescriptorsAreInvalid) {
  const int fds = OpenFdCount();
  for (int fd : {-1, 1 << 20}) {
    SCOPED_TRACE(fd);
    Memory import;
    EXPECT_EQ(TryImportFd(fd, kSize, hostVisible_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
}

// vkGetMemoryFdKHR for memory not exported as OPAQUE_FD.
TEST_F(ExternalMemoryFd, GetFdOfMemoryNotExportedAsFdIsInvalid) {
  Memory win32 = Export(kOpaqueWin32, kSize, hostVisible_);
  Memory plain = Allocate(device(), kSize, hostVisible_);
  const int fds = OpenFdCount();
  int fd = -1;
  EXPECT_EQ(TryGetFd(win32, kOpaqueFd, &fd), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryGetFd(plain, kOpaqueFd, &fd), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// ---------------------------------------------------------------------------------------------
// Host pointers.

class ExternalMemoryHost : public ExternalMemoryTest {
 protected:
  VkResult TryImportHost(void* pointer, VkDeviceSize size, uint32_t type, Memory* out, const void* next = nullptr) {
    auto import = Struct<VkImportMemoryHostPointerInfoEXT>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT);
    import.pNext = next;
    import.handleType = kHostAllocation;
    import.pHostPointer = pointer;
    return TryAllocate(device(), size, type, &import, out);
  }
};

TEST_F(ExternalMemoryHost, HostPointerPropertiesReportBothMemoryTypes) {
  HostPages pages = AllocatePages(kSize);
  VkBaseOutStructure sentinel{VkStructureType(1000999000), nullptr};
  auto properties = Struct<VkMemoryHostPointerPropertiesEXT>(VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT);
  properties.pNext = &sentinel;
  ASSERT_EQ(fn_.getHostPointerProperties(vk(), kHostAllocation, pages.get(), &properties), VK_SUCCESS);
  EXPECT_EQ(properties.memoryTypeBits, 0x3u);
  EXPECT_EQ(properties.sType, VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT);
  EXPECT_EQ(properties.pNext, &sentinel);
}

// The memory object is the application's pages: mapping returns the pointer, the queue reads and
// writes them.
TEST_F(ExternalMemoryHost, HostPointerImportUsesTheApplicationsPages) {
  HostPages pages = AllocatePages(kSize);
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 700);
  std::memcpy(pages.get(), bytes.data(), kSize);
  {
    Memory memory;
    ASSERT_EQ(TryImportHost(pages.get(), kSize, hostVisible_, &memory), VK_SUCCESS);
    EXPECT_EQ(memory.Map(), pages.get()) << "mapping a host-pointer import returns the application's pointer";
    memory.Unmap();
    std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kHostAllocation);
    buffer->Bind(memory.get());
    EXPECT_TRUE(BytesEqual(ReadThroughQueue(*buffer), bytes));
    const std::vector<uint8_t> written = RandomBytes(kSize, 710);
    WriteThroughQueue(*buffer, written);
    EXPECT_TRUE(BytesEqual(pages.get(), written.data(), kSize));
  }
  // Into device-only memory too.
  {
    Memory memory;
    ASSERT_EQ(TryImportHost(pages.get(), kSize, deviceOnly_, &memory), VK_SUCCESS);
    std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kHostAllocation);
    buffer->Bind(memory.get());
    std::memcpy(pages.get(), bytes.data(), kSize);
    EXPECT_TRUE(BytesEqual(ReadThroughQueue(*buffer), bytes));
  }
}

// pHostPointer and allocationSize must be multiples of 4096.
TEST_F(ExternalMemoryHost, MisalignedPointerOrSizeIsInvalid) {
  HostPages pages = AllocatePages(2 * kSize);
  const int fds = OpenFdCount();
  struct Case {
    const char* what;
    void* pointer;
    VkDeviceSize size;
  };
  const Case cases[] = {
      {"pointer + 64", pages.get() + 64, kSize}, {"pointer + 2048", pages.get() + 2048, kSize},
      {"size + 100", pages.get(), kSize + 100},  {"size 100", pages.get(), 100},
      {"NULL pointer", nullptr, kSize},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Memory memory;
    EXPECT_EQ(TryImportHost(c.pointer, c.size, hostVisible_, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
}

// VUID-VkMemoryAllocateInfo-pNext-02806: a host-pointer import is never a dedicated allocation.
TEST_F(ExternalMemoryHost, DedicatedHostPointerImportIsInvalid) {
  HostPages pages = AllocatePages(kSize);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kHostAllocation, kSize);
  Memory memory;
  EXPECT_EQ(TryImportHost(pages.get(), kSize, hostVisible_, &memory, buffer->DedicatedInfo()),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_FALSE(memory);
  // The same import without it works.
  EXPECT_EQ(TryImportHost(pages.get(), kSize, hostVisible_, &memory), VK_SUCCESS);
}

}  // namespace
}  // namespace kiln_test
