#include "runtime_dir.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::broker {

namespace {

std::string describe_errno(const char* what, const std::string& path, int error) {
    return std::string(what) + " " + path + ": " + std::strerror(error);
}

// The checks, on an lstat() of the path and again on an fstat() of the opened descriptor.
bool acceptable(const struct stat& st, const std::string& path, std::string* error) {
    if (S_ISLNK(st.st_mode)) {
        *error = path + " is a symbolic link; refusing to follow it (remove it)";
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        *error = path + " is not a directory (remove it)";
        return false;
    }
    if (st.st_uid != geteuid()) {
        *error = path + " is owned by uid " + std::to_string(st.st_uid) + ", not by you (uid " +
                 std::to_string(geteuid()) + ")";
        return false;
    }
    // Exactly 0700: no group/other bits, and no setgid/sticky surprises either.
    if ((st.st_mode & 07777) != 0700) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
        *error = path + " has mode " + mode + "; it must be 0700 (chmod 700 " + path + ")";
        return false;
    }
    return true;
}

}  // namespace

std::string RuntimeDir::default_path(const char* xdg_runtime_dir, uid_t euid) {
    // The XDG Base Directory spec: $XDG_RUNTIME_DIR must be absolute, owned by the user, 0700;
    // a relative value is to be ignored. We check owner and type here; the mode that matters is
    // the one of our own subdirectory, which open() checks.
    if (xdg_runtime_dir && xdg_runtime_dir[0] == '/') {
        struct stat st;
        if (stat(xdg_runtime_dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == euid) {
            std::string base(xdg_runtime_dir);
            while (base.size() > 1 && base.back() == '/')
                base.pop_back();
            return (base == "/" ? "" : base) + "/kiln";
        }
    }
    return "/tmp/kiln-" + std::to_string(euid);
}

RuntimeDir RuntimeDir::for_user() {
    return RuntimeDir(default_path(std::getenv("XDG_RUNTIME_DIR"), geteuid()));
}

int RuntimeDir::open(std::string* error) const {
    std::string ignored;
    if (!error)
        error = &ignored;
    if (path_.empty() || path_[0] != '/') {
        *error = "runtime directory '" + path_ + "' is not an absolute path";
        return -1;
    }
    // mkdir first and treat EEXIST like success: whoever created it (we, or a racing process
    // of ours, or an attacker), it then passes the same checks or is refused.
    bool created = false;
    if (mkdir(path_.c_str(), 0700) == 0)
        created = true;
    else if (errno != EEXIST) {
        *error = describe_errno("cannot create", path_, errno);
        return -1;
    }

    // lstat first: it gives clear messages (a symlink, another user's 0700 directory that we
    // could not even open) before we open anything.
    struct stat named;
    if (lstat(path_.c_str(), &named) != 0) {
        *error = describe_errno("cannot stat", path_, errno);
        return -1;
    }
    // A directory we just made can only be off in its mode (the umask); that is fixed below.
    const bool ours_to_fix = created && S_ISDIR(named.st_mode) && named.st_uid == geteuid();
    if (!ours_to_fix && !acceptable(named, path_, error))
        return -1;

    // Then open without following a symlink (open(2), O_NOFOLLOW) and check what we opened:
    // the path may have been swapped between lstat and open. O_PATH: needs no read permission
    // (a 0000 directory made under umask 0777 can still be checked and fixed), and is enough for
    // what the descriptor is for (openat, unlinkat, fstatat, /proc/self/fd/N/...).
    const int fd = ::open(path_.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        *error = errno == ELOOP ? path_ + " is a symbolic link; refusing to follow it (remove it)"
                                : describe_errno("cannot open", path_, errno);
        return -1;
    }
    struct stat opened;
    if (fstat(fd, &opened) != 0) {
        *error = describe_errno("cannot stat", path_, errno);
        close(fd);
        return -1;
    }
    if (opened.st_dev != named.st_dev || opened.st_ino != named.st_ino) {
        *error = path_ + " changed while it was being checked";
        close(fd);
        return -1;
    }
    // A directory we just made may lack bits the umask took away (umask 0277 gives 0400):
    // set exactly 0700 on what we opened. Never on a directory someone else made. fchmod does
    // not take an O_PATH descriptor; chmod through /proc/self/fd/N reaches exactly its inode.
    if (created && (opened.st_mode & 07777) != 0700 && opened.st_uid == geteuid()) {
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        if (chmod(self.c_str(), 0700) != 0 || fstat(fd, &opened) != 0) {
            *error = describe_errno("cannot set mode 0700 on", path_, errno);
            close(fd);
            return -1;
        }
    }
    if (!acceptable(opened, path_, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

bool RuntimeDir::open_or_create(std::string* path, std::string* error) const {
    const int fd = open(error);
    if (fd < 0)
        return false;
    close(fd);
    if (path)
        *path = path_;
    return true;
}

}  // namespace kiln::broker
