/* share_buffer: two processes share one Vulkan buffer through an NT handle, the Windows way, on
 * Kiln (Linux).
 *
 *   process A                                          process B (this program, "--child")
 *   ---------                                          -----------------------------------
 *   exportable host-visible buffer, writes a message
 *   vkGetMemoryWin32HandleKHR -> hShared (NT handle)
 *   starts B, its stdin a pipe from A             -->  waits on stdin
 *   OpenProcess(PROCESS_DUP_HANDLE, B)
 *   DuplicateHandle(hShared -> B) = hInB
 *   writes "hInB size memoryType" to the pipe     -->  VkImportMemoryWin32HandleInfoKHR(hInB)
 *                                                      maps, prints what it read, writes a reply
 *   waits for B to exit; exit code 0 = B read     <--  exits 0 when it read the right message
 *   the right bytes; prints the reply from its own mapping (the same pages: nothing is copied)
 *
 * The code is what a Windows program would write, with two differences Linux imposes: B is started
 * with fork + exec instead of CreateProcess, and the win32 Vulkan functions come from
 * vkGetDeviceProcAddr (the Linux loader exports none of them). The handle model -- handle values,
 * CloseHandle, DuplicateHandle into another process -- is Kiln's <kiln/win32.h> (libkiln_win32.so).
 *
 * Exit code 0 only when both processes saw the right bytes.
 */
#define _GNU_SOURCE /* pipe2 */
#include <kiln/win32.h>
#include <vulkan/vulkan_core.h>
#include <vulkan/vulkan_win32.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_SIZE 4096
#define TIMEOUT_MS 20000 /* how long one process waits for the other before giving up */

static const char* g_role = "A";

/* On failure the process just exits: as on Windows, everything a process holds -- handles, Vulkan
 * memory, its share of a payload -- is released when it ends. */
static void die(const char* format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "share_buffer (process %s, pid %u): ", g_role, (unsigned)GetCurrentProcessId());
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

#define VK_CHECK(call)                                                 \
    do {                                                               \
        VkResult result_ = (call);                                     \
        if (result_ != VK_SUCCESS)                                     \
            die("%s failed with VkResult %d", #call, (int)result_);    \
    } while (0)

/* The Vulkan objects each process needs: an instance, a device with the win32 external-memory
 * extension, and one buffer bound to memory that is exported (A) or imported (B). */
struct Context {
    VkInstance instance;
    VkPhysicalDevice physicalDevice;
    VkDevice device;
    VkPhysicalDeviceMemoryProperties memoryProperties;
    PFN_vkGetMemoryWin32HandleKHR vkGetMemoryWin32HandleKHR;
};

static void create_context(struct Context* ctx) {
    VkApplicationInfo app;
    VkInstanceCreateInfo instanceInfo;
    uint32_t count = 1;
    VkResult result;
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queueInfo;
    VkDeviceCreateInfo deviceInfo;
    const char* extensions[] = {VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME, VK_KHR_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME};

    memset(ctx, 0, sizeof *ctx);
    memset(&app, 0, sizeof app);
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "kiln share_buffer example";
    app.apiVersion = VK_API_VERSION_1_1; /* external memory capabilities are core in 1.1 */
    memset(&instanceInfo, 0, sizeof instanceInfo);
    instanceInfo.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    instanceInfo.pApplicationInfo = &app;
    VK_CHECK(vkCreateInstance(&instanceInfo, NULL, &ctx->instance));

    result = vkEnumeratePhysicalDevices(ctx->instance, &count, &ctx->physicalDevice);
    if ((result != VK_SUCCESS && result != VK_INCOMPLETE) || count == 0)
        die("no Vulkan device (is VK_DRIVER_FILES pointing at kiln_icd.json?)");
    vkGetPhysicalDeviceMemoryProperties(ctx->physicalDevice, &ctx->memoryProperties);

    memset(&queueInfo, 0, sizeof queueInfo);
    queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queueInfo.queueFamilyIndex = 0;
    queueInfo.queueCount = 1;
    queueInfo.pQueuePriorities = &priority;
    memset(&deviceInfo, 0, sizeof deviceInfo);
    deviceInfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    deviceInfo.queueCreateInfoCount = 1;
    deviceInfo.pQueueCreateInfos = &queueInfo;
    deviceInfo.enabledExtensionCount = 2;
    deviceInfo.ppEnabledExtensionNames = extensions;
    VK_CHECK(vkCreateDevice(ctx->physicalDevice, &deviceInfo, NULL, &ctx->device));

    /* On Windows the loader exports this function; on Linux only the driver has it. */
    ctx->vkGetMemoryWin32HandleKHR =
        (PFN_vkGetMemoryWin32HandleKHR)vkGetDeviceProcAddr(ctx->device, "vkGetMemoryWin32HandleKHR");
    if (!ctx->vkGetMemoryWin32HandleKHR)
        die("the driver has no vkGetMemoryWin32HandleKHR");
}

static void destroy_context(struct Context* ctx) {
    vkDestroyDevice(ctx->device, NULL);
    vkDestroyInstance(ctx->instance, NULL);
}

/* A buffer that may live in memory shared as an NT handle (VkExternalMemoryBufferCreateInfo says so
 * before the memory exists, as the spec requires). */
static VkBuffer create_shareable_buffer(const struct Context* ctx) {
    VkExternalMemoryBufferCreateInfo external;
    VkBufferCreateInfo info;
    VkBuffer buffer = VK_NULL_HANDLE;
    memset(&external, 0, sizeof external);
    external.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO;
    external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
    memset(&info, 0, sizeof info);
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.pNext = &external;
    info.size = BUFFER_SIZE;
    info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(vkCreateBuffer(ctx->device, &info, NULL, &buffer));
    return buffer;
}

/* A memory type both processes can map: HOST_VISIBLE | HOST_COHERENT, so that writes need no flush. */
static uint32_t host_visible_type(const struct Context* ctx, uint32_t typeBits) {
    const VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t i;
    for (i = 0; i < ctx->memoryProperties.memoryTypeCount; ++i)
        if ((typeBits & (1u << i)) && (ctx->memoryProperties.memoryTypes[i].propertyFlags & wanted) == wanted)
            return i;
    die("no host-visible, host-coherent memory type");
    return 0;
}

/* Reads one line from fd, waiting at most TIMEOUT_MS for it. */
static void read_line(int fd, char* line, size_t capacity) {
    size_t used = 0;
    while (used + 1 < capacity) {
        struct pollfd p;
        ssize_t n;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, TIMEOUT_MS) <= 0)
            die("nothing arrived on the pipe within %d ms", TIMEOUT_MS);
        n = read(fd, line + used, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("the pipe closed before a whole line arrived");
        if (line[used] == '\n')
            break;
        ++used;
    }
    line[used] = '\0';
}

/* ---- Process B -------------------------------------------------------------------------------- */

static int run_child(void) {
    struct Context ctx;
    char line[128];
    unsigned long long handleValue = 0, size = 0;
    unsigned memoryType = 0;
    HANDLE hShared;
    VkImportMemoryWin32HandleInfoKHR importInfo;
    VkMemoryAllocateInfo allocateInfo;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkBuffer buffer;
    char* bytes = NULL;
    char expected[64], reply[64];
    int ok;

    g_role = "B";
    /* A duplicates the handle into this process while it waits here: B has not touched Kiln yet,
     * as a Windows process need not have touched D3D or Vulkan to receive a handle. */
    read_line(STDIN_FILENO, line, sizeof line);
    if (sscanf(line, "%llx %llu %u", &handleValue, &size, &memoryType) != 3)
        die("expected 'handle size memoryType', got '%s'", line);
    hShared = (HANDLE)(uintptr_t)handleValue;

    create_context(&ctx);
    buffer = create_shareable_buffer(&ctx);

    /* Import the NT handle. For memory Vulkan exported, allocationSize and memoryTypeIndex must be
     * the exporter's (VUID-VkMemoryAllocateInfo-allocationSize-01743): A sent them with the handle. */
    memset(&importInfo, 0, sizeof importInfo);
    importInfo.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
    importInfo.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
    importInfo.handle = hShared;
    memset(&allocateInfo, 0, sizeof allocateInfo);
    allocateInfo.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    allocateInfo.pNext = &importInfo;
    allocateInfo.allocationSize = size;
    allocateInfo.memoryTypeIndex = memoryType;
    VK_CHECK(vkAllocateMemory(ctx.device, &allocateInfo, NULL, &memory));

    /* Importing does not take ownership of the handle: the memory holds the payload by itself now,
     * and the handle is still ours to close. */
    if (!CloseHandle(hShared))
        die("CloseHandle failed with error %u", (unsigned)GetLastError());

    VK_CHECK(vkBindBufferMemory(ctx.device, buffer, memory, 0));
    VK_CHECK(vkMapMemory(ctx.device, memory, 0, VK_WHOLE_SIZE, 0, (void**)&bytes));

    snprintf(expected, sizeof expected, "Hello from process %d", (int)getppid());
    printf("process %u read: \"%.*s\"\n", (unsigned)GetCurrentProcessId(), 63, bytes);
    fflush(stdout);
    ok = strncmp(bytes, expected, sizeof expected) == 0;

    /* Write the reply into the same pages: A sees it through its own mapping. */
    snprintf(reply, sizeof reply, "Hello back from process %u", (unsigned)GetCurrentProcessId());
    memcpy(bytes + 1024, reply, strlen(reply) + 1);

    vkDestroyBuffer(ctx.device, buffer, NULL);
    vkFreeMemory(ctx.device, memory, NULL); /* unmaps; A's memory keeps the payload */
    destroy_context(&ctx);
    return ok ? 0 : 2;
}

/* ---- Process A -------------------------------------------------------------------------------- */

/* Starts this program again as process B with a pipe to its stdin (CreateProcess with a redirected
 * hStdInput, on Windows). Returns B's pid; *toChild is the pipe's write end. */
static pid_t start_child(int* toChild) {
    int fds[2];
    pid_t pid;
    if (pipe2(fds, O_CLOEXEC) != 0)
        die("pipe2: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        char* argv[] = {"share_buffer", "--child", NULL};
        dup2(fds[0], STDIN_FILENO);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fds[0]);
    *toChild = fds[1];
    return pid;
}

/* WaitForSingleObject(hProcess, TIMEOUT_MS) + GetExitCodeProcess: B's exit code, or -1 if it had to
 * be killed or died of a signal. */
static int wait_for_child(pid_t pid) {
    struct timespec tick = {0, 5 * 1000 * 1000};
    int waited = 0, status = 0;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (done < 0 && errno != EINTR)
            return -1;
        if (waited >= TIMEOUT_MS) {
            fprintf(stderr, "share_buffer: process B did not finish within %d ms\n", TIMEOUT_MS);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        nanosleep(&tick, NULL);
        waited += 5;
    }
}

static int run_parent(void) {
    struct Context ctx;
    VkBuffer buffer;
    VkMemoryRequirements requirements;
    VkExportMemoryWin32HandleInfoKHR win32Info;
    VkExportMemoryAllocateInfo exportInfo;
    VkMemoryAllocateInfo allocateInfo;
    VkMemoryGetWin32HandleInfoKHR getInfo;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    HANDLE hShared = NULL, hProcess = NULL, hInChild = NULL;
    char* bytes = NULL;
    char message[64], line[128], expectedReply[64];
    pid_t child;
    int toChild = -1, childExit, replyOk;

    create_context(&ctx);
    buffer = create_shareable_buffer(&ctx);
    vkGetBufferMemoryRequirements(ctx.device, buffer, &requirements);

    /* Exportable memory: VkExportMemoryAllocateInfo names the handle types it may be shared as;
     * VkExportMemoryWin32HandleInfoKHR the access of the NT handles (no SECURITY_ATTRIBUTES: the
     * default, not inheritable). */
    memset(&win32Info, 0, sizeof win32Info);
    win32Info.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
    win32Info.pAttributes = NULL;
    win32Info.dwAccess = DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE;
    win32Info.name = NULL;
    memset(&exportInfo, 0, sizeof exportInfo);
    exportInfo.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO;
    exportInfo.pNext = &win32Info;
    exportInfo.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
    memset(&allocateInfo, 0, sizeof allocateInfo);
    allocateInfo.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    allocateInfo.pNext = &exportInfo;
    allocateInfo.allocationSize = requirements.size;
    allocateInfo.memoryTypeIndex = host_visible_type(&ctx, requirements.memoryTypeBits);
    VK_CHECK(vkAllocateMemory(ctx.device, &allocateInfo, NULL, &memory));
    VK_CHECK(vkBindBufferMemory(ctx.device, buffer, memory, 0));
    VK_CHECK(vkMapMemory(ctx.device, memory, 0, VK_WHOLE_SIZE, 0, (void**)&bytes));

    snprintf(message, sizeof message, "Hello from process %u", (unsigned)GetCurrentProcessId());
    memset(bytes, 0, (size_t)requirements.size);
    memcpy(bytes, message, strlen(message) + 1);
    printf("process %u wrote: \"%s\"\n", (unsigned)GetCurrentProcessId(), message);
    fflush(stdout);

    /* An NT handle to the memory's payload. It is ours: we close it; freeing the memory does not. */
    memset(&getInfo, 0, sizeof getInfo);
    getInfo.sType = VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR;
    getInfo.memory = memory;
    getInfo.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT;
    VK_CHECK(ctx.vkGetMemoryWin32HandleKHR(ctx.device, &getInfo, &hShared));

    child = start_child(&toChild);

    /* A handle value means something only in its own process: give B a handle of its own. */
    hProcess = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)child);
    if (!hProcess)
        die("OpenProcess(PROCESS_DUP_HANDLE, %d) failed with error %u", (int)child, (unsigned)GetLastError());
    if (!DuplicateHandle(GetCurrentProcess(), hShared, hProcess, &hInChild, 0, FALSE, DUPLICATE_SAME_ACCESS))
        die("DuplicateHandle into process %d failed with error %u", (int)child, (unsigned)GetLastError());
    CloseHandle(hProcess);

    /* B needs the value, and the exporter's allocationSize and memoryTypeIndex to import it. */
    snprintf(line, sizeof line, "%llx %llu %u\n", (unsigned long long)(uintptr_t)hInChild,
             (unsigned long long)allocateInfo.allocationSize, allocateInfo.memoryTypeIndex);
    if (write(toChild, line, strlen(line)) != (ssize_t)strlen(line))
        die("could not write to process B");
    close(toChild);

    childExit = wait_for_child(child);

    /* B wrote its reply into the shared pages before it exited; our mapping shows it. */
    snprintf(expectedReply, sizeof expectedReply, "Hello back from process %d", (int)child);
    printf("process %u read: \"%.*s\"\n", (unsigned)GetCurrentProcessId(), 63, bytes + 1024);
    replyOk = strncmp(bytes + 1024, expectedReply, sizeof expectedReply) == 0;

    vkDestroyBuffer(ctx.device, buffer, NULL);
    vkFreeMemory(ctx.device, memory, NULL);
    CloseHandle(hShared); /* the last reference to the payload: it goes now */
    destroy_context(&ctx);

    if (childExit != 0)
        fprintf(stderr, "share_buffer: process B did not read the message (exit code %d)\n", childExit);
    if (!replyOk)
        fprintf(stderr, "share_buffer: process A did not read B's reply\n");
    return childExit == 0 && replyOk ? 0 : 1;
}

int main(int argc, char** argv) {
    /* Run from the build tree without installing: use the driver built beside this program unless
     * the caller chose one. Process B inherits the environment. */
    setenv("VK_DRIVER_FILES", KILN_EXAMPLE_DRIVER_FILES, 0);
    if (argc == 2 && strcmp(argv[1], "--child") == 0)
        return run_child();
    if (argc != 1) {
        fprintf(stderr, "usage: %s\n", argv[0]);
        return 2;
    }
    return run_parent();
}
