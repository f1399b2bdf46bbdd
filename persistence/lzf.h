// LZF (liblzf 3.6, the format Redis stores compressed RDB strings in). Pure functions, callable
// from any thread.
//
// Format: a sequence of
//   000LLLLL <L+1 bytes>                 literal run of 1..32 bytes
//   LLLooooo oooooooo                    back reference, L+2 = 3..8 bytes, o+1 = 1..8192 back
//   111ooooo LLLLLLLL oooooooo           back reference of L+9 = 9..264 bytes
//
// Compress's output is byte-identical to Redis 7.0's lzf_compress (HLOG 16, VERY_FAST, the same
// hash, match search and output-size checks), with one caveat: Redis does not clear its hash
// table between calls (INIT_HTAB 0), so when a new input happens to sit where an earlier one did,
// a stale slot can point into the new input and Redis may pick a different (equally valid) match.
// Compress behaves as Redis does with a cleared table. Either output decompresses to the same
// bytes.
#pragma once

#include <cstddef>

namespace shoal::lzf {

// Compresses in[0, in_len) into out[0, out_cap). Returns the compressed size, or 0 when in_len or
// out_cap is 0 or the output would not fit: liblzf's contract, including its conservative size
// checks (a result that would fill out_cap exactly may still be refused), so whether Redis keeps
// the compressed form of a string (rdbSaveLzfStringObject: out_cap = len - 4) matches too.
// Uses a per-thread 512 KiB hash table, allocated on the thread's first call.
size_t Compress(const void* in, size_t in_len, void* out, size_t out_cap);

// Decompresses in[0, in_len) into out[0, out_cap). Returns the number of bytes written, or 0 when
// the input is malformed (truncated token, reference before the start of the output) or the
// output would exceed out_cap; never reads or writes outside the two buffers, whatever the input.
// As liblzf, an empty input yields 0 too: callers compare the result with the expected length.
size_t Decompress(const void* in, size_t in_len, void* out, size_t out_cap);

// The largest output a valid `in_len`-byte LZF stream can decode to (a 3-byte token yields at
// most 264 bytes): a cheap bound to refuse absurd declared lengths before allocating.
inline constexpr size_t MaxDecompressedSize(size_t in_len) { return in_len * 88; }

}  // namespace shoal::lzf
