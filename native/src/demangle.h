// SPDX-License-Identifier: Apache-2.0
// demangle(names: string[]): string[] for the profiler's symbolizer: C++ (Itanium ABI) names
// through libstdc++'s abi::__cxa_demangle, Rust legacy names (the same scheme plus a hash) without
// their hash and escapes.
#pragma once

#include <napi.h>

#include <string>

namespace bathyscope {

// The readable form of one symbol name; false (and `out` untouched) when it is not a mangled name
// this reads.
bool DemangleSymbol(const std::string& name, std::string* out);

Napi::Value DemangleJs(const Napi::CallbackInfo& info);

}  // namespace bathyscope
