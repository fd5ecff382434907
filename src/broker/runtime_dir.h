// The per-user directory that holds the broker's socket (and its lock file).
//
// Anyone who can write into this directory can put their own socket where our processes will
// connect, or remove ours, so it must be ours alone: a real directory (not a symlink), owned by
// our effective uid, mode exactly 0700. Wine checks its server directory the same way
// (server/request.c create_dir; dlls/ntdll/unix/server.c init_server_dir): create with 0700,
// then lstat and refuse what is not a directory, not ours, or open to others.
#pragma once

#include <string>
#include <sys/types.h>

namespace kiln::broker {

class RuntimeDir {
public:
    // $XDG_RUNTIME_DIR/kiln when `xdg_runtime_dir` is set, absolute, and a directory owned by
    // `euid`; else /tmp/kiln-<euid>. Takes the environment value as a parameter so that tests
    // need not change the process environment.
    static std::string default_path(const char* xdg_runtime_dir, uid_t euid);

    // The directory of this user: default_path(getenv("XDG_RUNTIME_DIR"), geteuid()).
    static RuntimeDir for_user();
    // The directory at `path` (tests; a daemon told where to live).
    static RuntimeDir at(std::string path) { return RuntimeDir(std::move(path)); }

    const std::string& path() const { return path_; }

    // Creates the directory (mode 0700) if it is missing and checks it; on success writes its
    // path. False with a message in `*error` when it is a symlink, not a directory, not owned by
    // our euid, or its mode is not exactly 0700. Safe against a racing creator: whoever made it,
    // it is checked the same way.
    bool open_or_create(std::string* path, std::string* error) const;

    // As open_or_create(), but returns an O_PATH descriptor of the checked directory (the caller
    // closes it), or -1 with `*error` set. Use the descriptor (openat, unlinkat,
    // /proc/self/fd/N/...) rather than the path afterwards: the checks then hold for what is used.
    int open(std::string* error) const;

private:
    explicit RuntimeDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace kiln::broker
