// kiln_conformance_process_peer: the other process of the cross-process external-memory tests
// (external_memory_process_test.cpp). A Vulkan application of its own: its own instance and device on
// Kiln (VK_DRIVER_FILES from the test), linking libkiln_win32.so as the driver does.
//
// It prints "ready <pid>" before it touches Vulkan or the handle model (so a handle can be
// duplicated into a process that has not touched Kiln yet), then runs one command. Handles and names
// arrive on stdin as one line, "nt <hex value>", "name <name>" or "kmt <hex value>".
//
//   import MODE SIZE TYPE SEED REPLY
//       Reads the source line and imports it (VkImportMemoryWin32HandleInfoKHR, allocationSize SIZE,
//       memoryTypeIndex TYPE: the exporter's). Then checks that the bytes are pattern SEED and writes
//       pattern REPLY, by MODE:
//         map     through vkMapMemory of the import
//         copy    through vkCmdCopyBuffer on its queue: import -> readback buffer, then a staging
//                 buffer -> import (the import is never mapped)
//         bridge  exports the NT import again as an fd (vkGetMemoryFdKHR), imports that fd
//                 (VkImportMemoryFdInfoKHR) and reads and writes through the fd import's mapping
//       prints "replied", and frees everything when a line (or end of input) comes.
//   hold SIZE TYPE REPLY
//       Imports the source line, writes pattern REPLY through its mapping, prints "holding" and
//       holds the import until it is killed (or its input ends).
//   export KIND PARENT SEED
//       Allocates memory exported as KIND (nt: OPAQUE_WIN32, kmt: OPAQUE_WIN32_KMT), writes pattern
//       SEED, and for nt duplicates an NT handle into process PARENT (OpenProcess(PROCESS_DUP_HANDLE))
//       and closes its own. Prints "exported <value> <allocationSize> <memoryTypeIndex>", waits for a
//       line (or end of input), frees everything and exits.
//   export-name NAME
//       Allocates exportable memory named NAME; prints "refused" and exits 0 when vkAllocateMemory
//       fails with VK_ERROR_INVALID_EXTERNAL_HANDLE (the name is taken), else prints "accepted".
//
// Exit 0 means every check passed; otherwise the reason is on stderr and the code says where:
// 2 usage, 3 Vulkan setup, 4 handle or import, 5 wrong bytes, 6 the exchange with the test.
#include <cstdarg>

#include "process_util.h"

using namespace kiln_process;

namespace {

enum Exit { kOk = 0, kUsage = 2, kSetup = 3, kImport = 4, kBytes = 5, kExchange = 6 };

[[noreturn]] void Fail(int code, const char* format, ...) {
  std::fprintf(stderr, "peer %d: ", int(getpid()));
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::exit(code);
}

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string stdin_pending;

// The next line from the test; "" at end of input.
std::string Hear() {
  std::string line;
  if (!ReadLine(STDIN_FILENO, &stdin_pending, &line)) return {};
  return line;
}

// Blocks until the test sends a line or closes our input.
void AwaitLine() {
  std::string line;
  ReadLine(STDIN_FILENO, &stdin_pending, &line, 60'000);
}

// An instance and a device of our own, with the external-memory extensions.
struct Vulkan {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  uint32_t family = 0;
  VkQueue queue = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties memory{};
  ExternalMemoryProcs procs;

  Vulkan() {
    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "kiln-conformance-process-peer";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo instanceInfo{};
    instanceInfo.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    instanceInfo.pApplicationInfo = &app;
    VkResult result = vkCreateInstance(&instanceInfo, nullptr, &instance);
    if (result != VK_SUCCESS) Fail(kSetup, "vkCreateInstance returned %d", int(result));
    uint32_t count = 1;
    result = vkEnumeratePhysicalDevices(instance, &count, &physical);
    if ((result != VK_SUCCESS && result != VK_INCOMPLETE) || count == 0)
      Fail(kSetup, "no physical device (VK_DRIVER_FILES=%s)", std::getenv("VK_DRIVER_FILES"));
    uint32_t familyCount = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, nullptr);
    std::vector<VkQueueFamilyProperties> families(familyCount);
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, families.data());
    family = UINT32_MAX;
    for (uint32_t i = 0; i < familyCount && family == UINT32_MAX; ++i)
      if (families[i].queueFlags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT)) family = i;
    if (family == UINT32_MAX) Fail(kSetup, "no queue family that can transfer");
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo{};
    queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queueInfo.queueFamilyIndex = family;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    const char* extensions[] = {VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME, VK_KHR_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME,
                                VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME};
    VkDeviceCreateInfo deviceInfo{};
    deviceInfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    deviceInfo.queueCreateInfoCount = 1;
    deviceInfo.pQueueCreateInfos = &queueInfo;
    deviceInfo.enabledExtensionCount = 3;
    deviceInfo.ppEnabledExtensionNames = extensions;
    result = vkCreateDevice(physical, &deviceInfo, nullptr, &device);
    if (result != VK_SUCCESS) Fail(kSetup, "vkCreateDevice with the external-memory extensions returned %d", int(result));
    vkGetDeviceQueue(device, family, 0, &queue);
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);
    procs = ExternalMemoryProcs::Load(device);
    if (!procs.getWin32Handle || !procs.getFd) Fail(kSetup, "vkGetDeviceProcAddr has no vkGetMemory*Handle/Fd");
  }
  ~Vulkan() {
    if (device != VK_NULL_HANDLE) vkDestroyDevice(device, nullptr);
    if (instance != VK_NULL_HANDLE) vkDestroyInstance(instance, nullptr);
  }

  // Records `record` into a one-time command buffer, submits it with a transfer -> host barrier
  // after it, and waits for it.
  template <typename Record>
  void RunOnce(Record record) {
    VkCommandPoolCreateInfo poolInfo{};
    poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    poolInfo.queueFamilyIndex = family;
    VkCommandPool pool = VK_NULL_HANDLE;
    if (vkCreateCommandPool(device, &poolInfo, nullptr, &pool) != VK_SUCCESS) Fail(kSetup, "vkCreateCommandPool");
    VkCommandBufferAllocateInfo cmdInfo{};
    cmdInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    cmdInfo.commandPool = pool;
    cmdInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cmdInfo.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    if (vkAllocateCommandBuffers(device, &cmdInfo, &cmd) != VK_SUCCESS) Fail(kSetup, "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd, &begin);
    record(cmd);
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0,
                         nullptr);
    if (vkEndCommandBuffer(cmd) != VK_SUCCESS) Fail(kSetup, "vkEndCommandBuffer");
    VkFenceCreateInfo fenceInfo{};
    fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    VkFence fence = VK_NULL_HANDLE;
    if (vkCreateFence(device, &fenceInfo, nullptr, &fence) != VK_SUCCESS) Fail(kSetup, "vkCreateFence");
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &cmd;
    VkResult result = vkQueueSubmit(queue, 1, &submit, fence);
    if (result != VK_SUCCESS) Fail(kSetup, "vkQueueSubmit returned %d", int(result));
    result = vkWaitForFences(device, 1, &fence, VK_TRUE, 20'000'000'000ull);
    if (result != VK_SUCCESS) Fail(kSetup, "vkWaitForFences returned %d", int(result));
    vkDestroyFence(device, fence, nullptr);
    vkDestroyCommandPool(device, pool, nullptr);
  }
};

// What the source line names.
struct Source {
  VkExternalMemoryHandleTypeFlagBits type = kNt;
  HANDLE handle = nullptr;
  std::u16string name;
};

Source HearSource() {
  const std::vector<std::string> words = Words(Hear());
  if (words.size() != 2) Fail(kExchange, "expected a line 'nt|name|kmt <value>' on stdin");
  Source source;
  if (words[0] == "nt") {
    source.handle = HandleFromText(words[1]);
  } else if (words[0] == "kmt") {
    source.type = kKmt;
    source.handle = HandleFromText(words[1]);
  } else if (words[0] == "name") {
    source.name = Utf16(words[1]);
  } else {
    Fail(kExchange, "unknown source kind '%s'", words[0].c_str());
  }
  return source;
}

// Imports `source` into a buffer of `size` bytes bound to memory of type `type`; `exportAgain`
// (0: none) is chained as VkExportMemoryAllocateInfo, for the bridge. The import does not take
// ownership of an NT handle (docs/external-memory.md, "Import"): it is closed here right after, and
// the import must keep the payload alive on its own.
BoundBuffer Import(Vulkan& vk, const Source& source, VkDeviceSize size, uint32_t type, bool map,
                   VkExternalMemoryHandleTypeFlags exportAgain = 0) {
  VkExportMemoryAllocateInfo exportInfo = ExportInfo(exportAgain);
  VkImportMemoryWin32HandleInfoKHR importInfo = ImportWin32Info(
      source.type, source.handle, source.name.empty() ? nullptr : source.name.c_str(), exportAgain ? &exportInfo : nullptr);
  BoundBuffer buffer;
  const char* failed = "";
  const VkResult result =
      buffer.Create(vk.device, vk.memory, size, source.type | exportAgain, &importInfo, size, type, map, &failed);
  if (result != VK_SUCCESS)
    Fail(kImport, "importing %s %s: %s returned %d", source.type == kNt ? "NT handle" : "KMT value",
         source.name.empty() ? HandleText(source.handle).c_str() : "by name", failed, int(result));
  if (source.type == kNt && source.handle && !CloseHandle(source.handle))
    Fail(kImport, "CloseHandle(%s) of the imported NT handle failed with error %u", HandleText(source.handle).c_str(),
         GetLastError());
  return buffer;
}

void CheckPattern(const void* data, VkDeviceSize size, uint32_t seed, const char* where) {
  const uint64_t at = FirstMismatch(data, size, seed);
  if (at != size)
    Fail(kBytes, "%s: byte %llu is 0x%02x, expected 0x%02x", where, static_cast<unsigned long long>(at),
         static_cast<const uint8_t*>(data)[at], PatternByte(seed, at));
}

int RunImport(const std::string& mode, VkDeviceSize size, uint32_t type, uint32_t seed, uint32_t reply) {
  const Source source = HearSource();
  Vulkan vk;
  if (mode == "map") {
    BoundBuffer imported = Import(vk, source, size, type, /*map=*/true);
    CheckPattern(imported.mapped, size, seed, "the import's mapping");
    FillPattern(imported.mapped, size, reply);
    Say("replied");
    AwaitLine();
    imported.Destroy();
    return kOk;
  }
  if (mode == "copy") {
    BoundBuffer imported = Import(vk, source, size, type, /*map=*/false);
    BoundBuffer staging;  // ordinary host-visible memory: readback first, then the reply's source
    if (staging.Create(vk.device, vk.memory, size, 0, nullptr, 0, UINT32_MAX, true) != VK_SUCCESS)
      Fail(kSetup, "a host-visible staging buffer");
    const VkBufferCopy region{0, 0, size};
    vk.RunOnce([&](VkCommandBuffer cmd) { vkCmdCopyBuffer(cmd, imported.buffer, staging.buffer, 1, &region); });
    CheckPattern(staging.mapped, size, seed, "vkCmdCopyBuffer from the import");
    FillPattern(staging.mapped, size, reply);
    vk.RunOnce([&](VkCommandBuffer cmd) { vkCmdCopyBuffer(cmd, staging.buffer, imported.buffer, 1, &region); });
    Say("replied");
    AwaitLine();
    staging.Destroy();
    imported.Destroy();
    return kOk;
  }
  if (mode == "bridge") {
    if (source.type != kNt) Fail(kUsage, "bridge wants an NT handle");
    BoundBuffer imported = Import(vk, source, size, type, /*map=*/true, /*exportAgain=*/kFd);
    VkMemoryGetFdInfoKHR getFd{};
    getFd.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
    getFd.memory = imported.memory;
    getFd.handleType = kFd;
    int fd = -1;
    VkResult result = vk.procs.getFd(vk.device, &getFd, &fd);
    if (result != VK_SUCCESS || fd < 0) Fail(kImport, "vkGetMemoryFdKHR of the NT import returned %d", int(result));
    VkImportMemoryFdInfoKHR importFd{};
    importFd.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR;
    importFd.handleType = kFd;
    importFd.fd = fd;  // Kiln owns it once the import succeeds
    BoundBuffer viaFd;
    const char* failed = "";
    result = viaFd.Create(vk.device, vk.memory, size, kFd, &importFd, size, type, true, &failed);
    if (result != VK_SUCCESS) {
      close(fd);
      Fail(kImport, "importing the fd exported from the NT import: %s returned %d", failed, int(result));
    }
    CheckPattern(viaFd.mapped, size, seed, "the fd import's mapping");
    FillPattern(viaFd.mapped, size, reply);
    CheckPattern(imported.mapped, size, reply, "the NT import's mapping after writing through the fd import");
    Say("replied");
    AwaitLine();
    viaFd.Destroy();
    imported.Destroy();
    return kOk;
  }
  Fail(kUsage, "unknown import mode '%s'", mode.c_str());
}

int RunHold(VkDeviceSize size, uint32_t type, uint32_t reply) {
  const Source source = HearSource();
  Vulkan vk;
  BoundBuffer imported = Import(vk, source, size, type, /*map=*/true);
  FillPattern(imported.mapped, size, reply);
  Say("holding");
  AwaitLine();  // the test kills us first
  imported.Destroy();
  return kOk;
}

int RunExport(const std::string& kind, DWORD parent, uint32_t seed) {
  if (kind != "nt" && kind != "kmt") Fail(kUsage, "export nt|kmt");
  const VkExternalMemoryHandleTypeFlagBits type = kind == "nt" ? kNt : kKmt;
  Vulkan vk;
  VkExportMemoryAllocateInfo exportInfo = ExportInfo(type);
  BoundBuffer exported;
  const char* failed = "";
  VkResult result = exported.Create(vk.device, vk.memory, 65536, type, &exportInfo, 0, UINT32_MAX, true, &failed);
  if (result != VK_SUCCESS) Fail(kImport, "exportable memory: %s returned %d", failed, int(result));
  FillPattern(exported.mapped, exported.allocationSize, seed);
  VkMemoryGetWin32HandleInfoKHR getInfo{};
  getInfo.sType = VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR;
  getInfo.memory = exported.memory;
  getInfo.handleType = type;
  HANDLE handle = nullptr;
  result = vk.procs.getWin32Handle(vk.device, &getInfo, &handle);
  if (result != VK_SUCCESS || !handle) Fail(kImport, "vkGetMemoryWin32HandleKHR returned %d", int(result));
  HANDLE shared = handle;
  if (type == kNt) {
    HANDLE process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, parent);
    if (!process) Fail(kImport, "OpenProcess(PROCESS_DUP_HANDLE, %u) failed with error %u", parent, GetLastError());
    shared = nullptr;
    if (!DuplicateHandle(GetCurrentProcess(), handle, process, &shared, 0, FALSE, DUPLICATE_SAME_ACCESS))
      Fail(kImport, "DuplicateHandle into process %u failed with error %u", parent, GetLastError());
    CloseHandle(process);
    if (!CloseHandle(handle)) Fail(kImport, "CloseHandle of our own NT handle failed with error %u", GetLastError());
  }
  Say("exported " + HandleText(shared) + " " + std::to_string(exported.allocationSize) + " " +
      std::to_string(exported.memoryTypeIndex));
  AwaitLine();
  exported.Destroy();  // from here on only what the test holds keeps the payload
  return kOk;
}

int RunExportName(const std::string& name) {
  Vulkan vk;
  const std::u16string wide = Utf16(name);
  VkExportMemoryWin32HandleInfoKHR named{};
  named.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
  named.name = wide.c_str();
  VkExportMemoryAllocateInfo exportInfo = ExportInfo(kNt, &named);
  BoundBuffer exported;
  const VkResult result = exported.Create(vk.device, vk.memory, 65536, kNt, &exportInfo, 0, UINT32_MAX, false);
  if (result == VK_ERROR_INVALID_EXTERNAL_HANDLE) {
    Say("refused");
    return kOk;
  }
  Say(result == VK_SUCCESS ? "accepted" : "failed " + std::to_string(int(result)));
  exported.Destroy();
  return kImport;
}

uint32_t Number(const char* text) { return uint32_t(std::strtoul(text, nullptr, 0)); }

}  // namespace

int main(int argc, char** argv) {
  // A peer the test lost (it crashed between two lines) must not outlive it for long.
  alarm(120);
  Say("ready " + std::to_string(getpid()));
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "import" && argc == 7)
    return RunImport(argv[2], std::strtoull(argv[3], nullptr, 0), Number(argv[4]), Number(argv[5]), Number(argv[6]));
  if (command == "hold" && argc == 5) return RunHold(std::strtoull(argv[2], nullptr, 0), Number(argv[3]), Number(argv[4]));
  if (command == "export" && argc == 5) return RunExport(argv[2], DWORD(Number(argv[3])), Number(argv[4]));
  if (command == "export-name" && argc == 3) return RunExportName(argv[2]);
  Fail(kUsage, "usage: see the top of tests/conformance/process/peer.cpp");
}
