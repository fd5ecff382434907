// Helpers shared by the cross-process conformance tests, their Vulkan peer and the stress test:
// byte patterns, handle values as text, buffers bound to exported or imported memory, and a child
// process driven through pipes. No gtest here: the peer is a plain program.
//
// Include order, as docs/external-memory.md says: <kiln/win32.h>, then the Vulkan headers.
#pragma once

#include <kiln/win32.h>
#include <vulkan/vulkan.h>
#include <vulkan/vulkan_win32.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace kiln_process {

inline constexpr VkExternalMemoryHandleTypeFlagBits kNt = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kKmt = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT;
inline constexpr VkExternalMemoryHandleTypeFlagBits kFd = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
inline constexpr VkExternalMemoryHandleTypeFlags kAllOpaque = kNt | kKmt | kFd;

// How long one side waits for the other before it calls the exchange failed: far above anything the
// exchanges need, so that a lost process fails a test instead of hanging it.
inline constexpr int kPeerTimeoutMs = 20'000;

// ---------------------------------------------------------------------------------------------
// Byte patterns: every byte depends on its offset and the seed, so that a stale, shifted or
// partly copied payload cannot pass for the right one.

inline uint8_t PatternByte(uint32_t seed, uint64_t offset) {
  uint64_t z = (offset + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t{seed} << 32 | seed);
  z ^= z >> 31;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 29;
  return uint8_t(z);
}

inline void FillPattern(void* data, uint64_t size, uint32_t seed) {
  auto* bytes = static_cast<uint8_t*>(data);
  for (uint64_t i = 0; i < size; ++i) bytes[i] = PatternByte(seed, i);
}

// The offset of the first byte that is not the pattern's, or `size` when all are.
inline uint64_t FirstMismatch(const void* data, uint64_t size, uint32_t seed) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (uint64_t i = 0; i < size; ++i)
    if (bytes[i] != PatternByte(seed, i)) return i;
  return size;
}

// ---------------------------------------------------------------------------------------------
// Handle values travel between processes as hexadecimal text, as a Windows program would print them.

inline std::string HandleText(HANDLE h) {
  char text[32];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(h)));
  return text;
}

inline HANDLE HandleFromText(const std::string& text) {
  return reinterpret_cast<HANDLE>(static_cast<uintptr_t>(std::strtoull(text.c_str(), nullptr, 16)));
}

// Splits "a b c" at spaces.
inline std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  size_t at = 0;
  while (at < line.size()) {
    size_t end = line.find(' ', at);
    if (end == std::string::npos) end = line.size();
    if (end > at) words.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return words;
}

inline std::u16string Utf16(const std::string& ascii) { return std::u16string(ascii.begin(), ascii.end()); }

// ---------------------------------------------------------------------------------------------
// The win32 and fd device functions: the loader on Linux exports none of the win32 ones, so they
// come from vkGetDeviceProcAddr (docs/external-memory.md, "Extensions").

struct ExternalMemoryProcs {
  PFN_vkGetMemoryWin32HandleKHR getWin32Handle = nullptr;
  PFN_vkGetMemoryFdKHR getFd = nullptr;

  static ExternalMemoryProcs Load(VkDevice device) {
    ExternalMemoryProcs procs;
    procs.getWin32Handle =
        reinterpret_cast<PFN_vkGetMemoryWin32HandleKHR>(vkGetDeviceProcAddr(device, "vkGetMemoryWin32HandleKHR"));
    procs.getFd = reinterpret_cast<PFN_vkGetMemoryFdKHR>(vkGetDeviceProcAddr(device, "vkGetMemoryFdKHR"));
    return procs;
  }
};

// The lowest HOST_VISIBLE | HOST_COHERENT memory type in `typeBits`, or UINT32_MAX.
inline uint32_t HostVisibleType(const VkPhysicalDeviceMemoryProperties& memory, uint32_t typeBits) {
  constexpr VkMemoryPropertyFlags kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((typeBits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & kHost) == kHost) return i;
  return UINT32_MAX;
}

// A transfer buffer created for `bufferTypes` (VkExternalMemoryBufferCreateInfo, 0: none) and bound
// at offset 0 to memory allocated with `chain` in its pNext: an export or an import structure.
struct BoundBuffer {
  VkDevice device = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize allocationSize = 0;
  uint32_t memoryTypeIndex = UINT32_MAX;
  void* mapped = nullptr;

  // `allocationSize` 0: the buffer's requirements; `memoryTypeIndex` UINT32_MAX: the first
  // host-visible type the buffer allows. Maps the memory when `map`. Where it fails, `*failedCall`
  // names the call (for the report) and everything made so far is destroyed.
  VkResult Create(VkDevice dev, const VkPhysicalDeviceMemoryProperties& memoryProperties, VkDeviceSize size,
                  VkExternalMemoryHandleTypeFlags bufferTypes, const void* chain, VkDeviceSize size_to_allocate,
                  uint32_t type, bool map, const char** failedCall = nullptr) {
    device = dev;
    const char* unused = nullptr;
    const char*& failed = failedCall ? *failedCall : unused;
    VkExternalMemoryBufferCreateInfo external{};
    external.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO;
    external.handleTypes = bufferTypes;
    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.pNext = bufferTypes ? &external : nullptr;
    info.size = size;
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkResult result = vkCreateBuffer(device, &info, nullptr, &buffer);
    if (result != VK_SUCCESS) {
      failed = "vkCreateBuffer";
      buffer = VK_NULL_HANDLE;
      return result;
    }
    VkMemoryRequirements requirements;
    vkGetBufferMemoryRequirements(device, buffer, &requirements);
    allocationSize = size_to_allocate ? size_to_allocate : requirements.size;
    memoryTypeIndex = type != UINT32_MAX ? type : HostVisibleType(memoryProperties, requirements.memoryTypeBits);
    if (memoryTypeIndex == UINT32_MAX) {
      failed = "a host-visible memory type for the buffer";
      Destroy();
      return VK_ERROR_FEATURE_NOT_PRESENT;
    }
    VkMemoryAllocateInfo allocate{};
    allocate.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    allocate.pNext = chain;
    allocate.allocationSize = allocationSize;
    allocate.memoryTypeIndex = memoryTypeIndex;
    result = vkAllocateMemory(device, &allocate, nullptr, &memory);
    if (result != VK_SUCCESS) {
      failed = "vkAllocateMemory";
      memory = VK_NULL_HANDLE;
      Destroy();
      return result;
    }
    result = vkBindBufferMemory(device, buffer, memory, 0);
    if (result != VK_SUCCESS) {
      failed = "vkBindBufferMemory";
      Destroy();
      return result;
    }
    if (map) {
      result = vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, &mapped);
      if (result != VK_SUCCESS) {
        failed = "vkMapMemory";
        mapped = nullptr;
        Destroy();
        return result;
      }
    }
    return VK_SUCCESS;
  }

  void Destroy() {
    if (buffer != VK_NULL_HANDLE) vkDestroyBuffer(device, buffer, nullptr);
    if (memory != VK_NULL_HANDLE) vkFreeMemory(device, memory, nullptr);  // unmaps too
    buffer = VK_NULL_HANDLE;
    memory = VK_NULL_HANDLE;
    mapped = nullptr;
  }
};

inline VkExportMemoryAllocateInfo ExportInfo(VkExternalMemoryHandleTypeFlags types, const void* next = nullptr) {
  VkExportMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO;
  info.pNext = next;
  info.handleTypes = types;
  return info;
}

inline VkImportMemoryWin32HandleInfoKHR ImportWin32Info(VkExternalMemoryHandleTypeFlagBits type, HANDLE handle,
                                                        LPCWSTR name = nullptr, const void* next = nullptr) {
  VkImportMemoryWin32HandleInfoKHR info{};
  info.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
  info.pNext = next;
  info.handleType = type;
  info.handle = handle;
  info.name = name;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Pipes with timeouts.

// Reads one line (without its newline) from `fd` into `*line`, keeping what follows in `*pending`.
// False on end of file, error or when nothing complete arrives within `timeoutMs`.
inline bool ReadLine(int fd, std::string* pending, std::string* line, int timeoutMs = kPeerTimeoutMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    const size_t newline = pending->find('\n');
    if (newline != std::string::npos) {
      *line = pending->substr(0, newline);
      pending->erase(0, newline + 1);
      return true;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, int(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[512];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending->append(buffer, size_t(n));
  }
}

inline bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// A child process (fork + exec) with a pipe to its stdin and one from its stdout; its stderr is
// ours, so that what it reports shows in the test's output. Always reaped: the destructor kills
// and waits for a child nobody waited for.

class Child {
 public:
  // `environment`: NAME=value entries added to (or replacing) this process's environment.
  Child(const std::string& program, const std::vector<std::string>& args,
        const std::vector<std::string>& environment = {}) {
    // A child that dies must fail the test, not kill it with SIGPIPE on the next write.
    std::signal(SIGPIPE, SIG_IGN);
    // Everything exec needs is built before fork: only async-signal-safe calls happen in the child.
    std::vector<std::string> argvStrings{program};
    argvStrings.insert(argvStrings.end(), args.begin(), args.end());
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      bool replaced = false;
      for (const std::string& mine : environment)
        replaced |= entry.compare(0, mine.find('=') + 1, mine, 0, mine.find('=') + 1) == 0;
      if (!replaced) envStrings.push_back(entry);
    }
    envStrings.insert(envStrings.end(), environment.begin(), environment.end());
    std::vector<char*> argv, envp;
    for (std::string& s : argvStrings) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (std::string& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return;
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]), close(in[1]);
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);  // dup2 clears close-on-exec on the copies
      dup2(out[1], STDOUT_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid_ < 0) {
      close(in[1]), close(out[0]);
      return;
    }
    to_ = in[1];
    from_ = out[0];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    CloseInput();
    if (from_ >= 0) close(from_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }

  bool Send(const std::string& line) { return to_ >= 0 && WriteAll(to_, line + "\n"); }
  // The next line the child prints, or "" when none comes (exit, timeout).
  std::string Line(int timeoutMs = kPeerTimeoutMs) {
    std::string line;
    if (from_ < 0 || !ReadLine(from_, &pending_, &line, timeoutMs)) return {};
    return line;
  }
  // End of the child's input: a child that waits for a line sees end of file.
  void CloseInput() {
    if (to_ >= 0) close(to_);
    to_ = -1;
  }

  // Waits for the child to end (killing it after `timeoutMs`). Its exit code, 128 + the signal
  // that ended it, or -1 if it had to be killed here.
  int Wait(int timeoutMs = kPeerTimeoutMs) {
    if (pid_ <= 0) return -1;
    if (reaped_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    int status = 0;
    bool killedHere = false;
    for (;;) {
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) break;
      if (done < 0 && errno != EINTR) {
        reaped_ = true;  // not our child any more: never signal that pid again
        return status_ = -1;
      }
      if (!killedHere && std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        killedHere = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    reaped_ = true;
    status_ = killedHere ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  std::string pending_;
  bool reaped_ = false;
  int status_ = -1;
};

}  // namespace kiln_process
