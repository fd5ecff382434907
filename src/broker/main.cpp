// kiln-broker: the per-user daemon that carries Kiln's handles across processes. Started on
// demand by libkiln_win32 (nothing to start by hand); exits when idle.
//
//   kiln-broker [--dir PATH] [--idle-ms N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <csignal>
#include <string>

#include "broker/channel.h"
#include "broker/runtime_dir.h"
#include "broker/server.h"

int main(int argc, char** argv) {
    std::string dir;
    int idle_ms = 2000;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!std::strcmp(argv[i], "--idle-ms") && i + 1 < argc)
            idle_ms = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: kiln-broker [--dir PATH] [--idle-ms N]\n");
            return 2;
        }
    }
    std::signal(SIGPIPE, SIG_IGN);
    const kiln::broker::RuntimeDir runtime =
        dir.empty() ? kiln::broker::RuntimeDir::for_user() : kiln::broker::RuntimeDir::at(dir);
    kiln::broker::Listener listener;
    std::string error;
    switch (kiln::broker::Listener::create(runtime, &listener, &error)) {
    case kiln::broker::Listener::Status::Ok:
        break;
    case kiln::broker::Listener::Status::AlreadyRunning:
        return 0;  // another broker serves this user: nothing to do
    case kiln::broker::Listener::Status::Error:
        std::fprintf(stderr, "kiln-broker: %s\n", error.c_str());
        return 1;
    }
    kiln::broker::Server server(std::move(listener), idle_ms);
    return server.run();
}
