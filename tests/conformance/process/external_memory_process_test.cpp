// External memory across processes, the three Windows ways (docs/external-memory.md; CONFORMANCE.md,
// "Cross-process"): an NT handle DuplicateHandle'd into another process, a name given at export
// imported by name in another process, a KMT value used in another process. Then lifetime: the
// payload outlives the exporting process while an NT reference remains, a KMT value does not, and
// a process killed with SIGKILL -- importer or exporter -- releases what it held. And the bridge: an
// NT import exported again as an fd in the other process.
//
// The other process is kiln_conformance_process_peer (peer.cpp), forked and exec'd, a Vulkan
// application with its own instance and device; the two talk through its stdin and stdout.
#include "process_util.h"
// process_util.h includes <kiln/win32.h> and the Vulkan headers in the order the contract asks.
#include "vk_test_util.h"
#include "win32_test_util.h"

#include <memory>
#include <set>

using namespace kiln_test;
using namespace kiln_process;

namespace {

constexpr VkDeviceSize kBufferSize = 256 * 1024;
constexpr uint32_t kSeed = 0x5eed0001;   // what the exporter writes
constexpr uint32_t kReply = 0x4e910002;  // what the importer writes back

// Memory the test owns, freed when it goes out of scope (also when an assertion ends the test).
struct ScopedBuffer : BoundBuffer {
  ScopedBuffer() = default;
  ScopedBuffer(const ScopedBuffer&) = delete;
  ScopedBuffer& operator=(const ScopedBuffer&) = delete;
  ~ScopedBuffer() { Destroy(); }
};

// An NT handle the test owns, closed when it goes out of scope.
struct ScopedHandle {
  HANDLE value = nullptr;
  ScopedHandle() = default;
  explicit ScopedHandle(HANDLE h) : value(h) {}
  ScopedHandle(const ScopedHandle&) = delete;
  ScopedHandle& operator=(const ScopedHandle&) = delete;
  ~ScopedHandle() {
    if (value) CloseHandle(value);
  }
  // Closes it now; true when CloseHandle succeeded.
  bool Close() { return CloseHandle(std::exchange(value, nullptr)) != FALSE; }
};

std::string Ascii(const std::u16string& text) { return std::string(text.begin(), text.end()); }

// The pids kiln-handles lists as holders of any object the broker holds.
std::set<pid_t> BrokerHolders() {
  std::set<pid_t> pids;
  FILE* out = popen(KILN_HANDLES " 2>/dev/null", "r");
  if (!out) return pids;
  char buffer[1024];
  while (std::fgets(buffer, sizeof buffer, out)) {
    const std::string line = buffer;
    const size_t open = line.rfind('[');
    const size_t close = line.rfind(']');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    std::string list = line.substr(open + 1, close - open - 1);
    for (char& c : list)
      if (c == ',') c = ' ';
    for (const std::string& pid : Words(list)) pids.insert(pid_t(std::strtol(pid.c_str(), nullptr, 10)));
  }
  pclose(out);
  return pids;
}

// Polls kiln-handles until `pid` is (or is not, per `listed`) a holder; the broker learns of a
// process's releases and exit asynchronously. False if that does not happen within the bound.
bool AwaitBrokerHolder(pid_t pid, bool listed) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    if ((BrokerHolders().count(pid) != 0) == listed) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ExternalMemoryCrossProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    KT_REQUIRE_KILN();  // the Windows handle model behind these handles is Kiln's
    instance_ = Instance::Create();
    DeviceOptions options;
    options.extensions = {VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME, VK_KHR_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME,
                          VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME};
    device_ = Device::Create(*instance_, options);
    procs_ = ExternalMemoryProcs::Load(device_->handle);
    ASSERT_NE(procs_.getWin32Handle, nullptr) << "vkGetDeviceProcAddr(vkGetMemoryWin32HandleKHR)";
  }

  // A host-visible buffer whose memory is exported as `types` (named `name` when given), filled
  // with pattern kSeed.
  void Export(ScopedBuffer* buffer, VkExternalMemoryHandleTypeFlags types, const std::u16string& name = {}) {
    auto named = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    named.name = name.c_str();
    VkExportMemoryAllocateInfo exportInfo = ExportInfo(types, name.empty() ? nullptr : &named);
    const char* failed = "";
    const VkResult result =
        buffer->Create(device_->handle, device_->memory, kBufferSize, types, &exportInfo, 0, UINT32_MAX, true, &failed);
    ASSERT_EQ(result, VK_SUCCESS) << "exportable memory: " << failed;
    FillPattern(buffer->mapped, buffer->allocationSize, kSeed);
  }

  // vkGetMemoryWin32HandleKHR: a new NT handle, or the payload's KMT value.
  HANDLE GetHandle(const BoundBuffer& buffer, VkExternalMemoryHandleTypeFlagBits type) {
    auto info = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
    info.memory = buffer.memory;
    info.handleType = type;
    HANDLE handle = nullptr;
    KT_CHECK(procs_.getWin32Handle(device_->handle, &info, &handle));
    if (!handle) Fail("vkGetMemoryWin32HandleKHR returned VK_SUCCESS and a NULL handle");
    return handle;
  }

  // Imports into this process's device; VK_SUCCESS or the error, with `buffer` empty then.
  VkResult Import(ScopedBuffer* buffer, VkExternalMemoryHandleTypeFlagBits type, HANDLE handle, VkDeviceSize size,
                  uint32_t memoryType) {
    VkImportMemoryWin32HandleInfoKHR importInfo = ImportWin32Info(type, handle);
    return buffer->Create(device_->handle, device_->memory, size, type, &importInfo, size, memoryType, true);
  }

  // Starts the peer with `args`, on the driver under test, and waits for its "ready <pid>".
  std::unique_ptr<Child> StartPeer(const std::vector<std::string>& args) {
    auto peer = std::make_unique<Child>(KILN_PROCESS_PEER, args,
                                        std::vector<std::string>{"VK_DRIVER_FILES=" + DriverFilesUnderTest()});
    if (!peer->started()) Fail("fork/exec of " KILN_PROCESS_PEER " failed");
    const std::string ready = peer->Line();
    if (ready != "ready " + std::to_string(peer->pid()))
      Fail("the peer said '" + ready + "' instead of 'ready " + std::to_string(peer->pid()) + "'");
    return peer;
  }

  // The import arguments for the peer: mode, the exporter's allocationSize and memoryTypeIndex,
  // the pattern it wrote and the one to write back.
  static std::vector<std::string> ImportArgs(const std::string& mode, const BoundBuffer& exported) {
    return {"import", mode, std::to_string(exported.allocationSize), std::to_string(exported.memoryTypeIndex),
            std::to_string(kSeed), std::to_string(kReply)};
  }

  // Duplicates `handle` into `peer` the Windows way, and returns the value it has there.
  static HANDLE DuplicateInto(const Child& peer, HANDLE handle) {
    // The target has not touched Kiln yet: it waits for this line before it creates its instance.
    ScopedHandle process(OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(peer.pid())));
    if (!process.value) Fail("OpenProcess(PROCESS_DUP_HANDLE) failed with error " + std::to_string(GetLastError()));
    HANDLE there = nullptr;
    if (!DuplicateHandle(GetCurrentProcess(), handle, process.value, &there, 0, FALSE, DUPLICATE_SAME_ACCESS))
      Fail("DuplicateHandle into the peer failed with error " + std::to_string(GetLastError()));
    return there;
  }

  // The peer has imported and written kReply: this process's own mapping of the exported memory
  // sees it (the same pages, no copy), then the peer frees and exits 0.
  static void ExpectReplyThenFinish(Child& peer, const BoundBuffer& exported) {
    ASSERT_EQ(peer.Line(), "replied") << "the peer did not import the payload and see its bytes (see its stderr)";
    EXPECT_EQ(FirstMismatch(exported.mapped, exported.allocationSize, kReply), exported.allocationSize)
        << "the exporter's mapping does not show what the other process wrote";
    peer.Send("bye");
    EXPECT_EQ(peer.Wait(), 0);
  }

  // The "exported <value> <size> <type>" line of a peer running `export`.
  struct Exported {
    HANDLE value = nullptr;
    VkDeviceSize size = 0;
    uint32_t memoryType = UINT32_MAX;
  };
  static Exported ReadExported(Child& peer) {
    const std::string line = peer.Line();
    const std::vector<std::string> words = Words(line);
    if (words.size() != 4 || words[0] != "exported") Fail("the exporting peer said '" + line + "'");
    return {HandleFromText(words[1]), std::strtoull(words[2].c_str(), nullptr, 10),
            uint32_t(std::strtoul(words[3].c_str(), nullptr, 10))};
  }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  ExternalMemoryProcs procs_;
};

// ---------------------------------------------------------------------------------------------
// The three Windows ways.

TEST_F(ExternalMemoryCrossProcess, NtHandleDuplicatedIntoAnotherProcessMapsTheSamePages) {
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt));
  ScopedHandle handle(GetHandle(exported, kNt));
  std::unique_ptr<Child> peer = StartPeer(ImportArgs("map", exported));
  ASSERT_TRUE(peer->Send("nt " + HandleText(DuplicateInto(*peer, handle.value))));
  ExpectReplyThenFinish(*peer, exported);
  EXPECT_TRUE(handle.Close());
}

TEST_F(ExternalMemoryCrossProcess, NtHandleDuplicatedIntoAnotherProcessIsCopiedByItsQueue) {
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt));
  ScopedHandle handle(GetHandle(exported, kNt));
  std::unique_ptr<Child> peer = StartPeer(ImportArgs("copy", exported));
  ASSERT_TRUE(peer->Send("nt " + HandleText(DuplicateInto(*peer, handle.value))));
  ExpectReplyThenFinish(*peer, exported);
}

TEST_F(ExternalMemoryCrossProcess, NameGivenAtExportIsImportedByNameInAnotherProcess) {
  const std::u16string name = test_name(u"Local\\kiln-xproc-import-by-name");
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt, name));
  // No handle is ever made: the name alone reaches the payload.
  std::unique_ptr<Child> peer = StartPeer(ImportArgs("map", exported));
  ASSERT_TRUE(peer->Send("name " + Ascii(name)));
  ExpectReplyThenFinish(*peer, exported);
}

TEST_F(ExternalMemoryCrossProcess, NameTakenInAnotherProcessCannotBeExportedAgain) {
  const std::u16string name = test_name(u"Local\\kiln-xproc-name-taken");
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt, name));
  std::unique_ptr<Child> peer = StartPeer({"export-name", Ascii(name)});
  EXPECT_EQ(peer->Line(), "refused") << "a name held by another process must fail with VK_ERROR_INVALID_EXTERNAL_HANDLE";
  EXPECT_EQ(peer->Wait(), 0);
}

TEST_F(ExternalMemoryCrossProcess, KmtValueIsImportedInAnotherProcess) {
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kKmt));
  // A KMT value is global: the same number means the same payload in every process of the user.
  HANDLE kmt = GetHandle(exported, kKmt);
  std::unique_ptr<Child> peer = StartPeer(ImportArgs("map", exported));
  ASSERT_TRUE(peer->Send("kmt " + HandleText(kmt)));
  ExpectReplyThenFinish(*peer, exported);
}

// ---------------------------------------------------------------------------------------------
// Lifetime.

// The peer exports, duplicates an NT handle into this process, frees its memory and exits: the
// handle placed here is then the payload's only reference, and keeps it (with the bytes) alive.
TEST_F(ExternalMemoryCrossProcess, PayloadOutlivesTheProcessThatExportedIt) {
  std::unique_ptr<Child> peer = StartPeer({"export", "nt", std::to_string(getpid()), std::to_string(kSeed)});
  const Exported exported = ReadExported(*peer);
  peer->Send("bye");
  ASSERT_EQ(peer->Wait(), 0) << "the exporting peer failed (see its stderr)";
  ScopedHandle placed(exported.value);
  ScopedBuffer imported;
  ASSERT_EQ(Import(&imported, kNt, placed.value, exported.size, exported.memoryType), VK_SUCCESS)
      << "importing the NT handle of a process that has exited";
  EXPECT_EQ(FirstMismatch(imported.mapped, imported.allocationSize, kSeed), imported.allocationSize)
      << "the bytes the exiting process wrote are not there";
  // The import did not take the handle: it is still this process's to close.
  EXPECT_TRUE(placed.Close()) << "error " << GetLastError();
  // And the import alone still holds the payload.
  FillPattern(imported.mapped, imported.allocationSize, kReply);
  EXPECT_EQ(FirstMismatch(imported.mapped, imported.allocationSize, kReply), imported.allocationSize);
}

// A KMT value holds nothing: once the exporting process has freed its memory and exited (and this
// one holds no import), the value names nothing and the import fails.
TEST_F(ExternalMemoryCrossProcess, KmtValueIsInvalidOnceItsExportingProcessIsGone) {
  std::unique_ptr<Child> peer = StartPeer({"export", "kmt", std::to_string(getpid()), std::to_string(kSeed)});
  const Exported exported = ReadExported(*peer);
  {
    // While the exporter lives, the value works here (so the failure below is not a value that
    // never worked across processes).
    ScopedBuffer imported;
    ASSERT_EQ(Import(&imported, kKmt, exported.value, exported.size, exported.memoryType), VK_SUCCESS);
    EXPECT_EQ(FirstMismatch(imported.mapped, imported.allocationSize, kSeed), imported.allocationSize);
  }
  peer->Send("bye");
  ASSERT_EQ(peer->Wait(), 0) << "the exporting peer failed (see its stderr)";
  // The broker learns of the exit and of this process's release asynchronously: until it has, an
  // import may still succeed (and is freed at once). It must fail within the bound.
  VkResult result = VK_SUCCESS;
  int stillImported = 0;
  for (; stillImported < 500; ++stillImported) {
    ScopedBuffer imported;
    result = Import(&imported, kKmt, exported.value, exported.size, exported.memoryType);
    if (result != VK_SUCCESS) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  RecordProperty("imports_before_the_broker_forgot", stillImported);
  EXPECT_EQ(result, VK_ERROR_INVALID_EXTERNAL_HANDLE);
}

// SIGKILL gives the peer no chance to free anything: its import must still be released (the broker
// drops it as a holder), and this process can go on using, then free, the memory.
TEST_F(ExternalMemoryCrossProcess, ProcessKilledWhileHoldingAnImportReleasesIt) {
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt));
  ScopedHandle handle(GetHandle(exported, kNt));
  std::unique_ptr<Child> peer = StartPeer({"hold", std::to_string(exported.allocationSize),
                                           std::to_string(exported.memoryTypeIndex), std::to_string(kReply)});
  ASSERT_TRUE(peer->Send("nt " + HandleText(DuplicateInto(*peer, handle.value))));
  ASSERT_EQ(peer->Line(), "holding") << "the peer did not import the payload (see its stderr)";
  // Its import is live: it wrote through it, and the broker counts it as a holder.
  EXPECT_EQ(FirstMismatch(exported.mapped, exported.allocationSize, kReply), exported.allocationSize);
  EXPECT_TRUE(AwaitBrokerHolder(peer->pid(), true)) << "kiln-handles does not list the importing process";

  kill(peer->pid(), SIGKILL);
  EXPECT_EQ(peer->Wait(), 128 + SIGKILL);
  EXPECT_TRUE(AwaitBrokerHolder(peer->pid(), false)) << "the broker still lists the killed process as a holder";

  // This process's memory is unharmed, and freeing it does not wait for anyone.
  FillPattern(exported.mapped, exported.allocationSize, kSeed + 1);
  EXPECT_EQ(FirstMismatch(exported.mapped, exported.allocationSize, kSeed + 1), exported.allocationSize);
  exported.Destroy();
  EXPECT_TRUE(handle.Close());
  EXPECT_TRUE(AwaitBrokerHolder(getpid(), false))
      << "with its memory freed and its handle closed, this process is still listed as a holder";
}

// The exporter killed with SIGKILL while it still holds its memory: it is dropped as a holder, and
// the handle it duplicated here keeps the payload, with its bytes.
TEST_F(ExternalMemoryCrossProcess, ExporterKilledWithSigkillLeavesThePayloadToTheHandleItDuplicated) {
  std::unique_ptr<Child> peer = StartPeer({"export", "nt", std::to_string(getpid()), std::to_string(kSeed)});
  const Exported exported = ReadExported(*peer);  // the peer now waits, its memory allocated and mapped
  ScopedHandle placed(exported.value);
  EXPECT_TRUE(AwaitBrokerHolder(peer->pid(), true)) << "kiln-handles does not list the exporting process";

  kill(peer->pid(), SIGKILL);
  EXPECT_EQ(peer->Wait(), 128 + SIGKILL);
  EXPECT_TRUE(AwaitBrokerHolder(peer->pid(), false)) << "the broker still lists the killed exporter as a holder";

  ScopedBuffer imported;
  ASSERT_EQ(Import(&imported, kNt, placed.value, exported.size, exported.memoryType), VK_SUCCESS)
      << "importing the NT handle of an exporter that was killed";
  EXPECT_EQ(FirstMismatch(imported.mapped, imported.allocationSize, kSeed), imported.allocationSize);
  EXPECT_TRUE(placed.Close()) << "error " << GetLastError();
  imported.Destroy();
  EXPECT_TRUE(AwaitBrokerHolder(getpid(), false))
      << "with its import freed and its handle closed, this process is still listed as a holder";
}

// ---------------------------------------------------------------------------------------------
// The bridge: memory exported as OPAQUE_WIN32 | OPAQUE_FD, imported in another process from the NT
// handle, exported there again as an fd and imported from the fd: every one maps the same pages.
TEST_F(ExternalMemoryCrossProcess, NtImportInAnotherProcessIsExportedThereAgainAsAnFd) {
  ScopedBuffer exported;
  ASSERT_NO_FATAL_FAILURE(Export(&exported, kNt | kFd));
  ScopedHandle handle(GetHandle(exported, kNt));
  std::unique_ptr<Child> peer = StartPeer(ImportArgs("bridge", exported));
  ASSERT_TRUE(peer->Send("nt " + HandleText(DuplicateInto(*peer, handle.value))));
  ExpectReplyThenFinish(*peer, exported);
}

}  // namespace
