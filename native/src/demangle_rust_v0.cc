// SPDX-License-Identifier: Apache-2.0
// Rust's v0 symbol mangling (RFC 2603, `-C symbol-mangling-version=v0`, `_R…`) made readable the way rustc-demangle's
// alternate form prints it: crate disambiguators (hashes) left out, closures and shims as `{closure#0}`, generic
// arguments, impls (`<T as Trait>::f`), types and constants in Rust syntax. Written from the grammar in the RFC.
#include "demangle_rust_v0.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "utf8.h"

namespace bathyscope {
namespace {

// Nesting (paths in types in generic arguments …) and backref chains are bounded by this; a real symbol is far below.
constexpr int kMaxDepth = 128;
// Backrefs can make the output much longer than the input; past this the symbol is given up on.
constexpr size_t kMaxOutput = 8192;

struct Ident {
  std::string_view bytes;
  bool punycode = false;
  uint64_t disambiguator = 0;
};

class V0Printer {
 public:
  explicit V0Printer(std::string_view mangled) : s_(mangled) {}

  // `s_` is the symbol after "_R".
  bool Print(std::string* out) {
    // An optional encoding version (a decimal number) comes first; only the unversioned form exists.
    if (pos_ < s_.size() && IsDigit(s_[pos_])) return false;
    if (!Path(true)) return false;
    // The instantiating crate: not shown.
    if (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '$') {
      bool was = emit_;
      emit_ = false;
      bool ok = Path(false);
      emit_ = was;
      if (!ok) return false;
    }
    // A vendor-specific suffix (`.llvm.1234`) is not part of the name.
    if (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '$') return false;
    if (out_.size() > kMaxOutput) return false;
    *out = std::move(out_);
    return true;
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
  static bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }
  char Next() { return pos_ < s_.size() ? s_[pos_++] : '\0'; }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void Emit(std::string_view text) {
    if (emit_ && out_.size() <= kMaxOutput) out_.append(text);
  }
  void EmitNumber(uint64_t n) { Emit(std::to_string(n)); }

  // <base-62-number> = {<0-9a-zA-Z>} "_": "_" is 0, otherwise the digits' value plus one.
  bool Base62(uint64_t* value) {
    if (Eat('_')) {
      *value = 0;
      return true;
    }
    uint64_t x = 0;
    for (;;) {
      char c = Next();
      if (c == '_') break;
      uint64_t d;
      if (IsDigit(c)) {
        d = static_cast<uint64_t>(c - '0');
      } else if (IsLower(c)) {
        d = 10 + static_cast<uint64_t>(c - 'a');
      } else if (IsUpper(c)) {
        d = 36 + static_cast<uint64_t>(c - 'A');
      } else {
        return false;
      }
      if (x > (UINT64_MAX - d) / 62) return false;
      x = x * 62 + d;
    }
    if (x == UINT64_MAX) return false;
    *value = x + 1;
    return true;
  }

  // A base-62 number behind an optional tag, plus one; 0 when the tag is absent.
  bool OptBase62(char tag, uint64_t* value) {
    if (!Eat(tag)) {
      *value = 0;
      return true;
    }
    if (!Base62(value) || *value == UINT64_MAX) return false;
    (*value)++;
    return true;
  }

  bool Decimal(uint64_t* value) {
    char c = Peek();
    if (!IsDigit(c)) return false;
    if (c == '0') {
      pos_++;
      *value = 0;
      return true;
    }
    uint64_t x = 0;
    while (IsDigit(Peek())) {
      uint64_t d = static_cast<uint64_t>(Next() - '0');
      if (x > (UINT64_MAX - d) / 10) return false;
      x = x * 10 + d;
    }
    *value = x;
    return true;
  }

  // <identifier> = [<disambiguator>] <undisambiguated-identifier>
  bool ParseIdent(Ident* id) {
    if (!OptBase62('s', &id->disambiguator)) return false;
    return ParseUndisambiguated(id);
  }

  // ["u"] <decimal-number> ["_"] <bytes>
  bool ParseUndisambiguated(Ident* id) {
    id->punycode = Eat('u');
    uint64_t len;
    if (!Decimal(&len)) return false;
    Eat('_');  // separates the length from bytes that start with a digit or '_'
    if (len > s_.size() - pos_) return false;
    id->bytes = s_.substr(pos_, len);
    pos_ += len;
    return true;
  }

  void EmitIdent(const Ident& id) {
    if (!id.punycode) {
      Emit(id.bytes);
      return;
    }
    std::string decoded;
    if (DecodePunycode(id.bytes, &decoded)) {
      Emit(decoded);
    } else {
      Emit("punycode{");
      Emit(id.bytes);
      Emit("}");
    }
  }

  // RFC 3492 with '_' as the delimiter (v0 identifiers cannot hold '-'), into UTF-8.
  static bool DecodePunycode(std::string_view in, std::string* out) {
    std::u32string cps;
    size_t delim = in.rfind('_');
    size_t start = 0;
    if (delim != std::string_view::npos) {
      for (size_t i = 0; i < delim; i++) cps.push_back(static_cast<unsigned char>(in[i]));
      start = delim + 1;
    }
    uint64_t n = 128, bias = 72, i = 0;
    for (size_t p = start; p < in.size();) {
      uint64_t old_i = i, w = 1;
      for (uint64_t k = 36;; k += 36) {
        if (p >= in.size()) return false;
        char c = in[p++];
        uint64_t digit;
        if (c >= 'a' && c <= 'z') {
          digit = static_cast<uint64_t>(c - 'a');
        } else if (c >= '0' && c <= '9') {
          digit = 26 + static_cast<uint64_t>(c - '0');
        } else {
          return false;
        }
        if (digit > (UINT32_MAX - i) / w) return false;
        i += digit * w;
        uint64_t t = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
        if (digit < t) break;
        if (w > UINT32_MAX / (36 - t)) return false;
        w *= 36 - t;
      }
      uint64_t len = cps.size() + 1;
      uint64_t delta = old_i == 0 ? (i - old_i) / 700 : (i - old_i) / 2;
      delta += delta / len;
      uint64_t k = 0;
      while (delta > ((36 - 1) * 26) / 2) {
        delta /= 36 - 1;
        k += 36;
      }
      bias = k + (36 * delta) / (delta + 38);
      n += i / len;
      if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return false;
      i %= len;
      if (cps.size() >= 4096) return false;
      cps.insert(cps.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
      i++;
    }
    for (char32_t cp : cps) AppendUtf8(cp, out);
    return true;
  }

  // <backref> = "B" <base-62-number>: a position (after "_R") strictly before this backref; printing continues
  // there and comes back. Depth-bounded like every other nesting, so cycles cannot happen.
  template <typename F>
  bool Backref(F&& print) {
    size_t at = pos_ - 1;  // the 'B'
    uint64_t target;
    if (!Base62(&target) || target >= at) return false;
    size_t back = pos_;
    pos_ = static_cast<size_t>(target);
    bool ok = print();
    pos_ = back;
    return ok;
  }

  struct Depth {
    explicit Depth(int* d) : d_(d) { ++*d_; }
    ~Depth() { --*d_; }
    int* d_;
  };

  // <path>; in_value: generic arguments print as `::<…>` (an expression path) rather than `<…>` (a type).
  bool Path(bool in_value) {
    Depth guard(&depth_);
    if (depth_ > kMaxDepth || out_.size() > kMaxOutput) return false;
    char tag = Next();
    switch (tag) {
      case 'C': {
        Ident id;
        if (!ParseIdent(&id)) return false;
        EmitIdent(id);
        return true;
      }
      case 'M': {  // inherent impl: <Type>
        if (!SkipImplPath()) return false;
        Emit("<");
        if (!Type()) return false;
        Emit(">");
        return true;
      }
      case 'X':  // trait impl: <Type as Trait>
        return SkipImplPath() && TypeAsTrait();
      case 'Y':  // trait definition: <Type as Trait>
        return TypeAsTrait();
      case 'N': {
        char ns = Next();
        if (!IsLower(ns) && !IsUpper(ns)) return false;
        if (!Path(in_value)) return false;
        Ident id;
        if (!ParseIdent(&id)) return false;
        if (IsUpper(ns)) {
          // Special namespaces: {closure#0}, {shim:vtable#0}, {X:name#1}.
          Emit("::{");
          if (ns == 'C') {
            Emit("closure");
          } else if (ns == 'S') {
            Emit("shim");
          } else {
            Emit(std::string_view(&ns, 1));
          }
          if (!id.bytes.empty()) {
            Emit(":");
            EmitIdent(id);
          }
          Emit("#");
          EmitNumber(id.disambiguator);
          Emit("}");
        } else if (!id.bytes.empty()) {
          // Internal namespaces print like ordinary components; unnamed ones not at all.
          Emit("::");
          EmitIdent(id);
        }
        return true;
      }
      case 'I': {
        if (!Path(in_value)) return false;
        if (in_value) Emit("::");
        Emit("<");
        for (bool first = true; !Eat('E'); first = false) {
          if (pos_ >= s_.size()) return false;
          if (!first) Emit(", ");
          if (!GenericArg()) return false;
        }
        Emit(">");
        return true;
      }
      case 'B':
        return Backref([&] { return Path(in_value); });
      default:
        return false;
    }
  }

  // <type> <path> as `<Type as Trait>`.
  bool TypeAsTrait() {
    Emit("<");
    if (!Type()) return false;
    Emit(" as ");
    if (!Path(false)) return false;
    Emit(">");
    return true;
  }

  // <impl-path> = [<disambiguator>] <path>: which impl; not printed.
  bool SkipImplPath() {
    uint64_t dis;
    if (!OptBase62('s', &dis)) return false;
    bool was = emit_;
    emit_ = false;
    bool ok = Path(false);
    emit_ = was;
    return ok;
  }

  bool GenericArg() {
    if (Eat('L')) {
      uint64_t lt;
      if (!Base62(&lt)) return false;
      return Lifetime(lt);
    }
    if (Eat('K')) return Const();
    return Type();
  }

  bool Lifetime(uint64_t lt) {
    if (lt == 0) {
      Emit("'_");
      return true;
    }
    if (lt > bound_lifetimes_) return false;
    uint64_t depth = bound_lifetimes_ - lt;
    if (depth < 26) {
      char name[3] = {'\'', static_cast<char>('a' + depth), '\0'};
      Emit(name);
    } else {
      Emit("'_");
      EmitNumber(depth);
    }
    return true;
  }

  // <binder> = "G" <base-62-number>: `for<'a, 'b> ` binding that many more lifetimes (plus one).
  bool Binder(uint64_t* added) {
    *added = 0;
    if (!Eat('G')) return true;
    uint64_t n;
    if (!Base62(&n) || n >= 64) return false;
    *added = n + 1;
    Emit("for<");
    for (uint64_t i = 0; i < *added; i++) {
      if (i > 0) Emit(", ");
      bound_lifetimes_++;
      if (!Lifetime(1)) return false;
    }
    Emit("> ");
    return true;
  }

  static const char* BasicType(char c) {
    switch (c) {
      case 'a': return "i8";
      case 'b': return "bool";
      case 'c': return "char";
      case 'd': return "f64";
      case 'e': return "str";
      case 'f': return "f32";
      case 'h': return "u8";
      case 'i': return "isize";
      case 'j': return "usize";
      case 'l': return "i32";
      case 'm': return "u32";
      case 'n': return "i128";
      case 'o': return "u128";
      case 'p': return "_";
      case 's': return "i16";
      case 't': return "u16";
      case 'u': return "()";
      case 'v': return "...";
      case 'x': return "i64";
      case 'y': return "u64";
      case 'z': return "!";
      default: return nullptr;
    }
  }

  bool Type() {
    Depth guard(&depth_);
    if (depth_ > kMaxDepth || out_.size() > kMaxOutput) return false;
    char tag = Peek();
    if (const char* basic = BasicType(tag)) {
      pos_++;
      Emit(basic);
      return true;
    }
    switch (tag) {
      case 'A':
      case 'S': {
        pos_++;
        Emit("[");
        if (!Type()) return false;
        if (tag == 'A') {
          Emit("; ");
          if (!Const()) return false;
        }
        Emit("]");
        return true;
      }
      case 'T': {
        pos_++;
        Emit("(");
        int n = 0;
        for (; !Eat('E'); n++) {
          if (pos_ >= s_.size()) return false;
          if (n > 0) Emit(", ");
          if (!Type()) return false;
        }
        if (n == 1) Emit(",");
        Emit(")");
        return true;
      }
      case 'R':
      case 'Q': {
        pos_++;
        Emit("&");
        if (Eat('L')) {
          uint64_t lt;
          if (!Base62(&lt)) return false;
          if (lt != 0) {
            if (!Lifetime(lt)) return false;
            Emit(" ");
          }
        }
        if (tag == 'Q') Emit("mut ");
        return Type();
      }
      case 'P':
        pos_++;
        Emit("*const ");
        return Type();
      case 'O':
        pos_++;
        Emit("*mut ");
        return Type();
      case 'F':
        pos_++;
        return FnSig();
      case 'D':
        pos_++;
        return DynBounds();
      case 'B':
        pos_++;
        return Backref([&] { return Type(); });
      default:
        return Path(false);
    }
  }

  // <fn-sig> = [<binder>] ["U"] ["K" <abi>] {<type>} "E" <type>
  bool FnSig() {
    uint64_t saved = bound_lifetimes_, added;
    if (!Binder(&added)) return false;
    if (Eat('U')) Emit("unsafe ");
    if (Eat('K')) {
      Emit("extern \"");
      if (Eat('C')) {
        Emit("C");
      } else {
        Ident abi;
        if (!ParseUndisambiguated(&abi) || abi.punycode) return false;
        for (char c : abi.bytes) Emit(c == '_' ? std::string_view("-") : std::string_view(&c, 1));
      }
      Emit("\" ");
    }
    Emit("fn(");
    for (bool first = true; !Eat('E'); first = false) {
      if (pos_ >= s_.size()) return false;
      if (!first) Emit(", ");
      if (!Type()) return false;
    }
    Emit(")");
    if (Eat('u')) {
      // -> () is left out
    } else {
      Emit(" -> ");
      if (!Type()) return false;
    }
    bound_lifetimes_ = saved;
    return true;
  }

  // <dyn-bounds> = [<binder>] {<dyn-trait>} "E" <lifetime>; <dyn-trait> = <path> {"p" <ident> <type>}
  bool DynBounds() {
    uint64_t saved = bound_lifetimes_, added;
    Emit("dyn ");
    if (!Binder(&added)) return false;
    for (bool first = true; !Eat('E'); first = false) {
      if (pos_ >= s_.size()) return false;
      if (!first) Emit(" + ");
      if (!DynTrait()) return false;
    }
    bound_lifetimes_ = saved;
    if (!Eat('L')) return false;
    uint64_t lt;
    if (!Base62(&lt)) return false;
    if (lt != 0) {
      Emit(" + ");
      if (!Lifetime(lt)) return false;
    }
    return true;
  }

  // A trait with associated type bindings: `Iterator<Item = u8>`, merged into the trait's own generic arguments.
  bool DynTrait() {
    size_t mark = out_.size();
    if (!Path(false)) return false;
    bool open = false;
    while (Eat('p')) {
      if (!open) {
        open = true;
        // The trait's generic arguments, if it has any, were just closed: reopen them.
        if (emit_ && out_.size() > mark && out_.back() == '>') {
          out_.pop_back();
          Emit(", ");
        } else {
          Emit("<");
        }
      } else {
        Emit(", ");
      }
      Ident name;
      if (!ParseUndisambiguated(&name)) return false;
      EmitIdent(name);
      Emit(" = ");
      if (!Type()) return false;
    }
    if (open) Emit(">");
    return true;
  }

  // <const> = <type> <const-data> | "p" | <backref>; integers, bool and char (what rustc mangles today).
  bool Const() {
    Depth guard(&depth_);
    if (depth_ > kMaxDepth) return false;
    if (Eat('B')) return Backref([&] { return Const(); });
    if (Eat('p')) {
      Emit("_");
      return true;
    }
    char ty = Next();
    bool negative = false;
    switch (ty) {
      case 'a':
      case 's':
      case 'l':
      case 'x':
      case 'n':
      case 'i':
        negative = Eat('n');
        [[fallthrough]];
      case 'h':
      case 't':
      case 'm':
      case 'y':
      case 'o':
      case 'j':
      case 'b':
      case 'c':
        break;
      default:
        return false;
    }
    size_t from = pos_;
    while (pos_ < s_.size() && s_[pos_] != '_') {
      char c = s_[pos_];
      if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
      pos_++;
    }
    if (!Eat('_')) return false;
    std::string_view hex = s_.substr(from, pos_ - 1 - from);
    if (hex.size() > 16) {  // wider than 64 bits: shown in hex
      if (ty == 'b' || ty == 'c') return false;
      Emit(negative ? "-0x" : "0x");
      Emit(hex);
      return true;
    }
    uint64_t v = 0;
    for (char c : hex) v = v * 16 + static_cast<uint64_t>(IsDigit(c) ? c - '0' : c - 'a' + 10);
    if (ty == 'b') {
      if (v > 1) return false;
      Emit(v ? "true" : "false");
      return true;
    }
    if (ty == 'c') {
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return false;
      std::string ch;
      if (v == '\'' || v == '\\') {
        ch = std::string("\\") + static_cast<char>(v);
      } else if (v >= 0x20 && v != 0x7f) {
        AppendUtf8(static_cast<uint32_t>(v), &ch);
      } else {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "\\u{%x}", static_cast<unsigned>(v));
        ch = buf;
      }
      Emit("'");
      Emit(ch);
      Emit("'");
      return true;
    }
    if (negative) Emit("-");
    EmitNumber(v);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string out_;
  bool emit_ = true;
  int depth_ = 0;
  uint64_t bound_lifetimes_ = 0;
};

}  // namespace

bool DemangleRustV0(const std::string& name, std::string* out) {
  if (name.size() < 3 || name[0] != '_' || name[1] != 'R') return false;
  std::string_view rest(name);
  rest.remove_prefix(2);
  V0Printer printer(rest);
  return printer.Print(out);
}

}  // namespace bathyscope
