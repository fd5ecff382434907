// Runs a command stream on the calling thread (the queue's worker).
#pragma once

namespace kiln::exec {

class CommandStream;
class WorkerPool;

// `pool` spreads compute workgroups over the cores; NULL runs everything on the calling thread.
void execute_stream(const CommandStream& stream, WorkerPool* pool = nullptr);

// Repeats the `pattern_size`-byte pattern over `size` bytes at `dst` (size need not be a
// multiple of the pattern). Used by clears and fills; exposed for unit tests.
void fill_pattern(void* dst, unsigned long size, const void* pattern, unsigned pattern_size);

}  // namespace kiln::exec
