// SPDX-License-Identifier: Apache-2.0
#include "demangle.h"

#include <cxxabi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "demangle_rust_v0.h"
#include "utf8.h"

namespace bathyscope {
namespace {

// Symbols longer than this come back unchanged: the demangler's work and recursion grow with the
// input, and no real symbol a profile shows is near it (frames are capped at 512 characters).
constexpr size_t kMaxMangledLength = 4096;
// The symbolizer sends a stack's new names per call (tens); this only bounds a caller's mistake.
constexpr uint32_t kMaxNames = 1u << 20;

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// `…::h<16 hex>` at the end: the hash rustc's legacy mangling appends as a last path component.
bool HasRustHash(const std::string& s) {
  constexpr size_t kSuffix = 3 + 16;  // "::h" + hash
  if (s.size() <= kSuffix) return false;
  size_t at = s.size() - kSuffix;
  if (s.compare(at, 3, "::h") != 0) return false;
  for (size_t i = at + 3; i < s.size(); i++)
    if (!IsHexDigit(s[i])) return false;
  return true;
}

// The `$…$` escape at s[i] (rustc's legacy mangling spells characters that symbols may not contain
// this way): appends what it stands for and returns its length, or 0 when s[i] starts none.
size_t RustEscape(const std::string& s, size_t i, std::string* out) {
  static const struct {
    const char* seq;
    char c;
  } kEscapes[] = {{"$SP$", '@'}, {"$BP$", '*'}, {"$RF$", '&'}, {"$LT$", '<'},
                  {"$GT$", '>'}, {"$LP$", '('}, {"$RP$", ')'}, {"$C$", ','}};
  for (const auto& e : kEscapes) {
    size_t n = std::strlen(e.seq);
    if (s.compare(i, n, e.seq) == 0) {
      out->push_back(e.c);
      return n;
    }
  }
  // $u<hex>$: a code point.
  if (s.compare(i, 2, "$u") == 0) {
    size_t j = i + 2;
    uint32_t cp = 0;
    while (j < s.size() && j - i - 2 < 6 && IsHexDigit(s[j])) {
      cp = cp * 16 + static_cast<uint32_t>(s[j] <= '9' ? s[j] - '0' : s[j] - 'a' + 10);
      j++;
    }
    bool scalar = cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    if (j > i + 2 && j < s.size() && s[j] == '$' && scalar) {
      AppendUtf8(cp, out);
      return j + 1 - i;
    }
  }
  return 0;
}

// A demangled Rust legacy path without its hash: `_$` starting a component is `$`, `..` is `::`,
// `$…$` escapes decoded.
std::string RustLegacy(const std::string& demangled) {
  const std::string s = demangled.substr(0, demangled.size() - 19);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool component_start = i == 0 || (i >= 2 && s[i - 1] == ':' && s[i - 2] == ':');
    if (component_start && s.compare(i, 2, "_$") == 0) {
      i++;
      continue;
    }
    if (s[i] == '$') {
      size_t n = RustEscape(s, i, &out);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    if (s.compare(i, 2, "..") == 0) {
      out.append("::");
      i += 2;
      continue;
    }
    out.push_back(s[i]);
    i++;
  }
  return out;
}

}  // namespace

bool DemangleSymbol(const std::string& name, std::string* out) {
  // Itanium names start with _Z, Rust v0 names with _R; an embedded NUL would make the C string a different name.
  if (name.size() < 3 || name.size() > kMaxMangledLength) return false;
  if (name[0] != '_' || (name[1] != 'Z' && name[1] != 'R')) return false;
  if (name[1] == 'R') return DemangleRustV0(name, out);
  if (name.find('\0') != std::string::npos) return false;
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> text(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !text) return false;
  std::string result(text.get());
  // Rust legacy symbols are Itanium nested names whose last component is the hash
  // (`_ZN…17h<16 hex>E`).
  if (name.compare(0, 3, "_ZN") == 0 && HasRustHash(result)) result = RustLegacy(result);
  *out = std::move(result);
  return true;
}

Napi::Value DemangleJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArray()) {
    throw Napi::TypeError::New(env, "demangle(names) needs an array of strings");
  }
  Napi::Array names = info[0].As<Napi::Array>();
  uint32_t n = names.Length();
  if (n > kMaxNames) {
    throw Napi::RangeError::New(
        env, "demangle(names): at most " + std::to_string(kMaxNames) + " names per call");
  }
  Napi::Array result = Napi::Array::New(env, n);
  std::string name;
  std::string readable;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = names.Get(i);
    if (!v.IsString()) {
      throw Napi::TypeError::New(
          env, "demangle(names): names[" + std::to_string(i) + "] is not a string");
    }
    name = v.As<Napi::String>().Utf8Value();
    // Anything not demangled is handed back as the very same string (no UTF-8 round trip that
    // could alter it).
    if (DemangleSymbol(name, &readable)) {
      result.Set(i, Napi::String::New(env, readable));
    } else {
      result.Set(i, v);
    }
  }
  return result;
}

}  // namespace bathyscope
