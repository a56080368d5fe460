// SPDX-License-Identifier: Apache-2.0
// Rust v0 symbol names (`_R…`, RFC 2603) made readable; see demangle_rust_v0.cc.
#pragma once

#include <string>

namespace bathyscope {

// The readable form of a v0 name; false (and `out` untouched) for anything else or a malformed name.
bool DemangleRustV0(const std::string& name, std::string* out);

}  // namespace bathyscope
